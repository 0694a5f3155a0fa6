"""Every policy of the account, validated (``parc.core.lint``), and MFA conditions that do not require MFA.

Lint runs on the documents the customer owns and can fix: inline policies, customer managed policies (their
default version: the one IAM enforces), role trust policies and resource policies; AWS managed policies are AWS's.
Lint's finding types become severities as: SECURITY_WARNING -> HIGH, ERROR -> MEDIUM (in a live account an ERROR is
a statement that can never match, or a document IAM would now refuse), WARNING -> LOW, SUGGESTION -> INFO.

MFA: a statement that tests ``aws:MultiFactorAuthPresent`` or ``aws:MultiFactorAuthAge`` says its author wants MFA
to decide it. Its MFA conditions are evaluated, with the engine's condition operators, for three kinds of request
(IAM User Guide, "AWS global condition context keys", aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent):

* long-term access keys: neither key is in the request;
* temporary credentials obtained without MFA: aws:MultiFactorAuthPresent is ``false``, no age;
* credentials obtained with MFA: ``true``, and an age of a few seconds.

An Allow whose MFA conditions hold without MFA, or a Deny whose conditions fail without MFA, does not require MFA.
This catches ``"Null": {"aws:MultiFactorAuthPresent": "false"}`` in an Allow (it only tests that the key is present,
which it is for every temporary credential, MFA or not), ``"Bool": {... "false"}`` in a Deny (the key is absent for
long-term keys, so they escape: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_ec2_require-mfa.html),
and ``BoolIfExists ... "true"`` in an Allow (true for long-term keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from parc.core.audit import evidence
from parc.core.audit.inputs import AuditInput, PolicyDocument
from parc.core.audit.model import AuditFinding, CheckResult, Severity
from parc.core.authz.decision import EXPLICIT_DENY
from parc.core.authz.engine import PolicySet
from parc.core.conditions import UnknownOperatorError, compile_condition
from parc.core.context import normalize_context
from parc.core.findings import Finding, FindingType
from parc.core.lint import ValidationResult
from parc.core.lint.memo import LintMemo
from parc.core.policy.jsonshape import Content
from parc.core.policy.model import ConditionEntry, Policy, PolicyType, Statement

LINT_SEVERITY = {
    FindingType.SECURITY_WARNING: Severity.HIGH,
    FindingType.ERROR: Severity.MEDIUM,
    FindingType.WARNING: Severity.LOW,
    FindingType.SUGGESTION: Severity.INFO,
}
MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
MFA_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html" \
    "#condition-keys-multifactorauthpresent"


@dataclass(frozen=True, slots=True)
class Situation:
    name: str
    context: dict[str, object]
    with_mfa: bool


SITUATIONS = (
    Situation("requests signed with long-term access keys (the MFA keys are absent)", {}, False),
    Situation("temporary credentials obtained without MFA (aws:MultiFactorAuthPresent is false)",
              {"aws:MultiFactorAuthPresent": "false"}, False),
    Situation("credentials obtained with MFA", {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "30"},
              True),
)


def audited_documents(inputs: AuditInput) -> list[PolicyDocument]:
    """The documents the customer owns: everything but AWS managed policies and non-default versions."""
    return [d for a in inputs.accounts for d in a.documents
            if not d.aws_managed and d.default_version and d.source is not None]  # (not read to be checked)


def policy_checks(inputs: AuditInput, catalog: object | None,
                  tick: Callable[[], None] | None = None) -> CheckResult:
    findings: list[AuditFinding] = []
    memo = LintMemo(catalog)
    # Contents whose document had nothing to report: a copy has nothing either (the lint's findings and the MFA
    # check depend on the content and the policy type alone), and is not read with positions at all.
    clean: set[tuple[PolicyType, Content | None]] = set()
    for doc in audited_documents(inputs):
        key = (doc.policy_type, doc.content)
        if key not in clean:
            node = doc.node
            assert node is not None
            result = memo.validate(node, doc.policy_type, doc.name, key[1], doc.size)
            found = list(_lint(doc, result))
            if result.policy is not None:
                found.extend(mfa_findings(doc, result.policy))
            if not found:
                clean.add(key)
            findings.extend(found)
        if tick is not None:
            tick()
    return CheckResult.of(findings)


def _lint(doc: PolicyDocument, result: ValidationResult) -> Iterator[AuditFinding]:
    for f in result.findings:
        found = lint_finding(doc, f)
        if f.code == "ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES" and result.policy is not None:
            found = full_access_by_engine(found, result.policy, doc.account_id)
        yield found


FULL_ACCESS_PROBES = ("iam:CreateAccessKey", "iam:AttachRolePolicy", "s3:GetObject", "s3:DeleteBucket",
                      "ec2:RunInstances", "kms:Decrypt", "sts:AssumeRole", "lambda:UpdateFunctionCode",
                      "dynamodb:Scan", "organizations:LeaveOrganization", "cloudtrail:StopLogging",
                      "parcprobe:AnyOtherAction")
"""Actions across services (administration, data, logging, one no service has) that "every action" includes."""


def full_access_by_engine(found: AuditFinding, policy: Policy, account: str) -> AuditFinding:
    """``ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES`` graded by the engine's decision over the whole policy: lint reads the
    Allow statement alone; a Deny of the same policy may take back every action, or some (an explicit Deny overrides
    any Allow: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). Only a
    Deny without conditions counts: one that applies under some conditions leaves full access under the others."""
    try:
        engine = PolicySet([policy])
        removed, kept = [], []
        for action in FULL_ACCESS_PROBES:
            service = action.split(":")[0]
            d = engine.authorize({"principal": f"arn:aws:iam::{account}:user/parc-probe", "action": action,
                                  "resource": f"arn:aws:{service}:us-east-1:{account}:parc-probe"})
            if d.decision == EXPLICIT_DENY and all(not r.condition_keys for r in d.deciding):
                removed.append(action)
            else:
                kept.append(action)
    except Exception:  # the engine cannot decide it: the lint keeps its severity
        return found
    if not removed:
        return found
    if kept:
        severity = Severity.MEDIUM
        said = (f"a Deny of the same policy takes back {', '.join(removed)}, but the engine still allows "
                f"{', '.join(kept)}: broad access, not every action")
    else:
        severity = Severity.LOW
        said = (f"a Deny of the same policy, without conditions, takes back every action: the engine allows none of "
                f"{', '.join(FULL_ACCESS_PROBES)}")
    return replace(
        found, severity=severity,
        why=f"{found.why} Graded {severity.value} (lint alone says {found.severity.value}): {said}.",
        details={**found.details, "lint_severity": found.severity.value, "graded_by_engine": said,
                 "denied": removed, "allowed": kept},
    )


def _kind(doc: PolicyDocument) -> str:
    return {"inline": "inline policy", "managed": "managed policy", "trust": "trust policy",
            "resource": "resource policy"}.get(doc.kind, "policy")


def _where(doc: PolicyDocument) -> str:
    """``inline policy P of <arn>``, ``trust policy of <arn>``, ``managed policy of <arn>``..."""
    short = doc.name.removesuffix(" trust policy").split(" inline ")
    return f"{_kind(doc)} {short[1]} of {short[0]}" if len(short) == 2 else f"{_kind(doc)} of {short[0]}"


def lint_finding(doc: PolicyDocument, f: Finding) -> AuditFinding:
    where = _where(doc)
    label = f.code.replace("_", " ").lower()
    ev = evidence.at(doc, f.path, f.position, f"{f.code}: {f.message}")
    return AuditFinding(
        f.code, LINT_SEVERITY[f.finding_type], "identity",
        f"{label[0].upper()}{label[1:]} in the {where}",
        doc.owner,
        f.message,
        f.fix or "Rewrite the statement as the linked page describes.",
        doc.account_id,
        (ev,),
        f.learn_more,
        key=f"{doc.name}|{f.path}|{f.message}",
        details={"lint_type": f.finding_type.value, "policy": doc.name},
    )


Typed = tuple[tuple[str, str, tuple[tuple[str, object], ...]], ...]
"""Condition entries as (operator, key, values with their type names): True and 1 are equal in Python."""


def _gate(typed: Typed, variables: bool, context: dict[str, object]) -> bool | None:
    ctx = normalize_context(context)
    ok = True
    for operator, key, values in typed:
        try:
            cond = compile_condition(operator, key, [v for _, v in values], variables=variables)
        except UnknownOperatorError:
            return None
        ok = ok and cond.evaluate(ctx)
    return ok


@lru_cache(maxsize=4096)
def _gates(typed: Typed, variables: bool) -> tuple[tuple[str, bool | None], ...]:
    """``_gate`` of the entries in every situation, once per distinct condition: an account repeats the same MFA
    condition in thousands of trust policies."""
    return tuple((s.name, _gate(typed, variables, s.context)) for s in SITUATIONS)


def mfa_findings(doc: PolicyDocument, policy: Policy) -> Iterator[AuditFinding]:
    for st in policy.statements:
        entries = [c for c in st.conditions if c.key.lower() in MFA_KEYS]
        if not entries or st.effect not in ("Allow", "Deny"):
            continue
        typed = tuple((e.operator, e.key, tuple((type(v.value).__name__, v.value) for v in e.values))
                      for e in entries)
        results = dict(_gates(typed, policy.variables_enabled))
        if any(r is None for r in results.values()):
            continue
        with_mfa = results[SITUATIONS[2].name]
        without = [s for s in SITUATIONS if not s.with_mfa]
        if st.effect == "Allow" and with_mfa:
            gaps = [s.name for s in without if results[s.name]]
        elif st.effect == "Deny" and not with_mfa:
            gaps = [s.name for s in without if not results[s.name]]
        else:
            continue
        if gaps:
            yield _mfa_finding(doc, st, entries, gaps)


def _mfa_finding(doc: PolicyDocument, st: Statement, entries: list[ConditionEntry], gaps: list[str]) -> AuditFinding:
    ops = ", ".join(f'"{e.operator}": {{"{e.key}": {[v.value for v in e.values]}}}' for e in entries)
    allow = st.effect == "Allow"
    null_false = any(e.operator == "Null" and any(str(v.value).lower() == "false" for v in e.values) for e in entries)
    if allow:
        title = f"Statement {st.label} of the {_where(doc)} allows without MFA"
        why = (f"Its MFA condition ({ops}) also holds for {' and for '.join(gaps)}, so a stolen password or key "
               "is enough.")
        if null_false:
            why += (" Null with false only tests that aws:MultiFactorAuthPresent is in the request, which it is for "
                    "every temporary credential, with MFA or without.")
        fix = 'Require MFA with "Bool": {"aws:MultiFactorAuthPresent": "true"} (false when the key is absent, as '\
              "for long-term keys), or deny without MFA in a separate statement with BoolIfExists false."
        severity = Severity.HIGH
    else:
        title = f"Statement {st.label} of the {_where(doc)} does not deny {gaps[0].split(' (')[0]}"
        why = (f"Its MFA condition ({ops}) is false for {' and for '.join(gaps)}, so the Deny does not apply to them: "
               "MFA is not required there.")
        fix = 'Use "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}: true when the key is false and when it '\
              "is absent (long-term keys), so the Deny covers every request made without MFA."
        severity = Severity.MEDIUM
    ev = [evidence.at(doc, e.path, e.pos, f"{e.operator}: {e.key} = {[v.value for v in e.values]}") for e in entries]
    path = doc.statement_path(st.index)
    return AuditFinding(
        "MFA_NOT_ENFORCED", severity, "account", title, doc.owner, why, fix, doc.account_id,
        (evidence.statement(doc, st.index, f"statement {st.label}"), *ev), MFA_DOCS,
        key=f"{doc.name}|{path}",
        details={"policy": doc.name, "effect": st.effect, "without_mfa": list(gaps)},
    )
