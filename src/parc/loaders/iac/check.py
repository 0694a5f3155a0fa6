"""Validate the policies of a template: resolve each document (every way its ``Fn::If`` conditions can go), run the
policy validator on it, and report the findings at the template's lines with the resource that holds the policy.

A finding on a value parc had to stand in for (an import, a parameter with no value, an unknown tag) is not shown
as if it were about the user's text: it becomes one IAC_UNCHECKED_VALUE warning at that value, so nothing is
silently skipped and nothing is invented.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from parc.core.findings import Finding, FindingType, Position
from parc.core.lint import validate
from parc.core.policy.jsonpos import JMember, JNode, JsonSyntaxError, parse_json
from parc.loaders.iac.cloudformation import lambda_function_arn, lambda_principal, template_context
from parc.loaders.iac.intrinsics import FUNCTIONS_LINK, Resolver, check_condition, conditions_used
from parc.loaders.iac.model import EmbeddedPolicy, IacReport

PLAN_LINK = "https://developer.hashicorp.com/terraform/internals/json-format"
MAX_EXHAUSTIVE = 4
"""Up to this many conditions in one document, every combination is checked; beyond, all true, all false and each
one flipped alone (2 + 2n documents instead of 2^n)."""


def assignments(conditions: Sequence[str]) -> list[dict[str, bool]]:
    if not conditions:
        return [{}]
    if len(conditions) <= MAX_EXHAUSTIVE:
        return [dict(zip(conditions, combo, strict=True))
                for combo in itertools.product((True, False), repeat=len(conditions))]
    out = [dict.fromkeys(conditions, True), dict.fromkeys(conditions, False)]
    for c in conditions:
        out.append({k: k != c for k in conditions})
        out.append({k: k == c for k in conditions})
    return out


def reposition(node: JNode, pos: Position) -> JNode:
    """A document parsed from a JSON string: every element at the string's place in the template."""
    node.pos = pos
    if node.kind == "object":
        for m in node.members:
            m.key_pos = pos
            reposition(m.node, pos)
    elif node.kind == "array":
        for i in node.items:
            reposition(i, pos)
    return node


def as_document(doc: JNode, ep: EmbeddedPolicy, name: str, found: list[Finding]) -> JNode | None:
    """A resolved document as an object: a JSON string (RepositoryPolicyText, AccessPolicies ...) is parsed."""
    if doc.kind == "string":
        try:
            return reposition(parse_json(str(doc.value)), doc.pos)
        except (JsonSyntaxError, RecursionError) as exc:
            message = exc.message if isinstance(exc, JsonSyntaxError) else "nested too deeply"
            found.append(Finding("IAC_POLICY_NOT_JSON", FindingType.ERROR, f"The policy is a string that is not a "
                                 f"JSON document: {message}.", ep.path, doc.pos, name, resource=ep.resource))
            return None
    if ep.element_paths:
        _lambda_fixup(doc)
    return doc


def _lambda_fixup(doc: JNode) -> None:
    """Turn the markers ``lambda_statement`` left into the principal and ARN Lambda writes."""
    statements = doc.get("Statement")
    if statements is None or statements.node.kind != "array" or not statements.node.items:
        return
    st = statements.node.items[0]
    for i, m in enumerate(st.members):
        inner = m.node.members[0] if m.node.kind == "object" and len(m.node.members) == 1 else None
        if inner is not None and inner.key == "__LambdaPrincipal__":
            st.members[i] = JMember(m.key, m.key_pos, lambda_principal(inner.node))
        elif inner is not None and inner.key == "__LambdaFunction__":
            st.members[i] = JMember(m.key, m.key_pos, lambda_function_arn(inner.node))


def _full_path(ep: EmbeddedPolicy, path: str) -> str:
    for prefix, prop in ep.element_paths:
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return prop + path[len(prefix):]
    if ep.element_paths:
        return ep.path
    return f"{ep.path}.{path}" if path else ep.path


def check_policy(ep: EmbeddedPolicy, resolver_for: Callable[[dict[str, bool]], Resolver] | None, name: str,
                 catalog: object | None, unknown: set[Position], branches: list[dict[str, bool]]) -> list[Finding]:
    """Findings of one policy over every branch assignment (deduplicated; those of some branches only say which).
    ``resolver_for`` None: the document holds no intrinsic functions (a Terraform plan's resolved values)."""
    seen: dict[tuple[object, ...], tuple[Finding, list[int]]] = {}
    for index, branch in enumerate(branches):
        r = resolver_for(branch) if resolver_for is not None else None
        resolved = r.resolve(ep.node) if r is not None else ep.node
        found = list(r.findings) if r is not None else []
        opaque = (r.opaque if r is not None else set()) | unknown | ep.opaque
        resolver_findings = r.findings if r is not None else []
        if resolved is not None and resolved.kind in ("string", "null") and resolved.pos in opaque:
            # the whole document is a value parc does not know (an import, a macro): said where it is read
            if not any(x.position == resolved.pos for x in resolver_findings) and resolved.pos not in unknown:
                found.append(Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, "The policy is a value known only "
                                     "at deploy time; parc could not check it.", ep.path, resolved.pos,
                                     learn_more=FUNCTIONS_LINK))
            resolved = None
        doc = as_document(resolved, ep, name, found) if resolved is not None else None
        hidden: list[str] = []
        if doc is not None:
            result = validate(doc, ep.policy_type, catalog)
            for f in result.findings:
                if ep.implicit_resource and f.code == "MISSING_RESOURCE":
                    continue
                pos = f.position if f.position is not None and f.position.line > 0 else ep.node.pos
                if pos in opaque and (pos in unknown or any(x.position == pos for x in resolver_findings)):
                    continue  # the reader or resolver already said why this value is unknown (a missing parameter ...)
                if pos in ep.opaque:  # a Terraform reference in a .tf file: said once for the policy, below
                    hidden.append(_full_path(ep, f.path))
                    continue
                if pos in opaque:
                    f = Finding("IAC_UNCHECKED_VALUE", FindingType.WARNING, "This value is known only at deploy time "
                                "(an import, a parameter without a value, an attribute parc has no shape for): parc "
                                f"could not check it ({f.code} on parc's stand-in).", f.path, pos,
                                learn_more=FUNCTIONS_LINK, details={"hidden": f.code})
                found.append(replace(f, position=pos, path=_full_path(ep, f.path), file=name, resource=ep.resource))
        if hidden:
            paths = sorted(set(hidden))
            n = len(paths)
            it = "it" if n == 1 else "them"
            found.append(Finding("IAC_UNCHECKED_VALUE", FindingType.SUGGESTION, f"{n} value{'s' if n != 1 else ''} "
                                 f"of this policy {'are references' if n != 1 else 'is a reference'} known only in a "
                                 f"plan ({', '.join(paths[:3])}{' ...' if len(paths) > 3 else ''}): parc did not "
                                 f"check {it} here; validate the plan (terraform show -json) to check {it}.", ep.path,
                                 ep.node.pos, learn_more=PLAN_LINK))
        for f in found:
            if not f.path:
                f = replace(f, path=ep.path)
            f = replace(f, file=name, resource=ep.resource)
            # one finding per code and place: a branch that drops a statement renumbers the next ones
            key = (f.code, f.position) if f.position is not None else (f.code, f.path, f.message)
            if key not in seen:
                seen[key] = (f, [])
            if index not in seen[key][1]:
                seen[key][1].append(index)
    out = []
    for f, where in seen.values():
        if len(where) < len(branches):
            deciding = _deciding(branches, set(where))
            if deciding:
                when = ", ".join(f"{c} is {'true' if v else 'false'}" for c, v in sorted(deciding.items()))
                f = replace(f, message=f"{f.message} (when {when})")
        out.append(f)
    return out


def _deciding(branches: list[dict[str, bool]], where: set[int]) -> dict[str, bool]:
    """The conditions whose value decides a finding that only some branches have: those fixed over the branches
    that have it, and that, flipped alone in one of them, give a branch without it."""
    index = {tuple(sorted(b.items())): i for i, b in enumerate(branches)}
    first = branches[min(where)]
    out: dict[str, bool] = {}
    for c, v in first.items():
        if not all(branches[w][c] == v for w in where):
            continue
        for w in where:
            flipped = index.get(tuple(sorted({**branches[w], c: not v}.items())))
            if flipped is not None and flipped not in where:
                out[c] = v
                break
    return out


def check_cloudformation(report: IacReport, root: JNode, given: Mapping[str, str], catalog: object | None) -> None:
    """Validate every policy of the template and add the findings to the report, in template order."""
    template = template_context(root, given)
    unknown = {f.position for f in report.unreadable if f.code == "IAC_UNKNOWN_TAG" and f.position is not None}
    findings = list(report.findings)
    checked_conditions: set[str] = set()
    for ep in report.policies:
        names = sorted(conditions_used(ep.node, template))
        for c in names:
            if c in template.conditions and c not in checked_conditions:
                checked_conditions.add(c)
                r = Resolver(template, {})
                check_condition(template.conditions[c], r, c)
                findings.extend(replace(f, file=report.name, path=f"Conditions.{c}") for f in r.findings)

        def make(branch: dict[str, bool]) -> Resolver:
            return Resolver(template, branch)

        findings.extend(check_policy(ep, make, report.name, catalog, unknown, assignments(names)))
    report.findings = _ordered(findings)


def check_plain(report: IacReport, catalog: object | None) -> None:
    """Validate the policies of a Terraform plan (values already resolved)."""
    findings = list(report.findings)
    for ep in report.policies:
        findings.extend(check_policy(ep, None, report.name, catalog, set(), [{}]))
    report.findings = _ordered(findings)


def _ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    unique: dict[tuple[str, str, str, Position | None], Finding] = {}
    for f in findings:
        unique.setdefault((f.code, f.path, f.message, f.position), f)
    return tuple(sorted(unique.values(), key=lambda f: (f.line or 0, f.column or 0)))
