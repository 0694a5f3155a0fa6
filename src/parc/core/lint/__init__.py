"""Policy validation: parse a policy, decide its type, and run every registered lint rule over it.

``validate`` never raises on bad input. Parse findings come first (a JSON syntax error stops there, since nothing
else can be read); then each rule runs on its own, so one failing rule (reported as INTERNAL_ERROR) or one
malformed statement never hides the other findings. The catalog is passed in by the caller: the core does not
import ``parc.catalog``.
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, replace
from urllib.parse import unquote

from parc.core.findings import Finding, FindingType
from parc.core.limits import MAX_POLICY_CHARS
from parc.core.lint.base import RULES, Rule
from parc.core.lint.containment import WorkMeter, policy_meter
from parc.core.lint.iam_verdict import IAM_TYPES, mark
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, decode_utf8, parse_json
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy

__all__ = ["ValidationResult", "infer_policy_type", "load_rules", "validate"]

RULE_MODULES = (
    "rules_structure",
    "rules_variables",
    "rules_security",
    "rules_redundancy",
    "rules_catalog",
    "rules_arn",
    "rules_conditions",
    "rules_notprincipal",
)
"""Modules that register rules when imported; absent ones (not written yet) are skipped."""


@dataclass(frozen=True, slots=True)
class ValidationResult:
    findings: tuple[Finding, ...]
    policy: Policy | None
    policy_type: PolicyType
    type_inferred: bool
    """True when the type was guessed from the document (``--type auto``)."""
    name: str | None = None
    text: str | None = None
    """The text that line and column numbers refer to (the decoded document for URL-encoded or JSON-in-JSON
    input), for reporters that show the offending line; None for dict input."""

    @property
    def ok(self) -> bool:
        """No ERROR finding (Access Analyzer's levels; see ``iam_accepts`` for what IAM's API would refuse)."""
        return not any(f.finding_type is FindingType.ERROR for f in self.findings)

    @property
    def iam_accepts(self) -> bool | None:
        """Whether IAM's API would accept the document at deploy time (no finding with ``iam_rejects``); None for
        the policy types IAM does not store (resource-based, SCP, RCP, endpoint), which their service judges."""
        if self.policy_type not in IAM_TYPES:
            return None
        return not any(f.iam_rejects is not None for f in self.findings)

    def worst(self) -> FindingType | None:
        return max((f.finding_type for f in self.findings), key=lambda t: t.rank, default=None)


_loaded = False


def load_rules() -> tuple[Rule, ...]:
    """Import the rule modules once so that they register, and return the registry."""
    global _loaded
    if not _loaded:
        for name in RULE_MODULES:
            full = f"{__name__}.{name}"
            try:
                importlib.import_module(full)
            except ModuleNotFoundError as exc:
                if exc.name != full:
                    raise
        _loaded = True
    return tuple(RULES)


_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


def infer_policy_type(policy: Policy) -> PolicyType:
    """Guess the type from the document: a Principal means a resource-based policy, or a role trust policy when
    every action is an sts role-assumption action and no statement names a resource; otherwise identity-based.
    SCPs, RCPs, boundaries, session and endpoint policies look like these and must be named with ``--type``."""
    sts = policy.statements
    if not any(st.principal is not None or st.not_principal is not None for st in sts):
        return PolicyType.IDENTITY
    actions = [a.value.lower() for st in sts for a in st.action or ()]
    trust = (
        bool(actions)
        and all(a in _TRUST_ACTIONS for a in actions)
        and not any(st.resource is not None or st.not_resource is not None for st in sts)
    )
    return PolicyType.TRUST if trust else PolicyType.RESOURCE


def _positions_text(source: str) -> str:
    """The text that the parser's positions refer to (see parse.decode_text)."""
    text = source
    if not text.lstrip().startswith(('"', "%")):
        return text  # plain JSON: positions refer to it as it is
    if text.strip()[:3].lower() == "%7b":
        text = unquote(text.strip())
    try:
        node = parse_json(text, MAX_POLICY_CHARS)
    except JsonSyntaxError:
        return text
    if node.kind == "string" and str(node.value).strip().startswith(("{", "%7B", "%7b")):
        return _positions_text(str(node.value))
    return text


def validate(
    source: str | bytes | dict[str, object] | JNode,
    policy_type: PolicyType | None = None,
    catalog: object | None = None,
    name: str | None = None,
    *,
    meter: WorkMeter | None = None,
    size: int | None = None,
) -> ValidationResult:
    """Validate one policy. ``policy_type`` None infers it; ``catalog`` (a ``parc.catalog`` Catalog) enables the
    rules that check actions, resources and condition keys against AWS's service reference. ``meter`` counts the
    work of the wildcard comparisons (a new one, limited by the policy's size, when None); tests pass their own to
    measure cost without a clock. ``size``: a tree's size as IAM counts it, when the caller knows it
    (``parse_policy``)."""
    from parc.core.lint.rules_common import SourceContext, make
    from parc.core.lint.rules_redundancy import policy_chars

    rules = load_rules()
    if isinstance(source, bytes):
        with contextlib.suppress(JsonSyntaxError):  # not UTF-8: parse_policy reports where
            source = decode_utf8(source)
    text = _positions_text(source) if isinstance(source, str) else None
    try:
        parsed = parse_policy(source, policy_type, name, size=size)
    except RecursionError:
        finding = make(
            "JSON_SYNTAX_ERROR",
            FindingType.ERROR,
            "The document is nested too deeply to be a policy.",
            "",
            None,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",
        )
        ptype = policy_type or PolicyType.IDENTITY
        return ValidationResult(mark((finding.in_file(name),), ptype), None, ptype, False, name, text)
    findings = list(parsed.findings)
    policy = parsed.policy
    inferred = policy_type is None
    if policy is None:
        ptype = policy_type or PolicyType.IDENTITY
        return ValidationResult(mark(_finish(findings, [], name), ptype), None, ptype, inferred, name, text)
    ptype = policy_type or infer_policy_type(policy)
    ctx = SourceContext(policy, ptype, catalog, text_chars=len(text) if text is not None else None)
    ctx = replace(ctx, meter=meter if meter is not None else policy_meter(policy_chars(ctx)))
    found: list[Finding] = []
    for r in rules:
        if r.needs_catalog and catalog is None:
            continue
        try:
            found.extend(r.fn(ctx))
        except Exception as exc:  # a rule bug must not hide the other rules' findings
            found.append(
                make(
                    "INTERNAL_ERROR",
                    FindingType.WARNING,
                    f"parc's rule {r.name} failed on this policy ({type(exc).__name__}: {exc}); its checks did not "
                    "run. Please report it.",
                    "",
                    policy.pos,
                    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
                    rule=r.name,
                )
            )
    return ValidationResult(mark(_finish(findings, found, name), ptype), policy, ptype, inferred, name, text)


def _finish(parse_findings: list[Finding], rule_findings: list[Finding], name: str | None) -> tuple[Finding, ...]:
    """Parse findings first, then rule findings in document order; duplicates (same code, path and message, as
    two rule modules may both report) once."""
    rule_findings.sort(key=lambda f: (f.line or 0, f.column or 0))
    out: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for f in [*parse_findings, *rule_findings]:
        key = (f.code, f.path, f.message)
        if key in seen:
            continue
        seen.add(key)
        if f.position is not None and f.position.line < 1:
            f = replace(f, position=None)  # built from a dict: no text, so no line and column
        out.append(f.in_file(name) if name is not None else f)
    return tuple(out)
