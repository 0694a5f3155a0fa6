"""Shared vocabulary for the lint rules: how a finding is built, where its documentation lives, and small readers
of the raw statement tree that several rule modules need.

Codes follow IAM Access Analyzer's policy check reference where a check exists there (the link then points at that
check's section); parc's own codes (checks Access Analyzer does not have) link to the IAM page of the element.
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from parc.core.findings import Finding, FindingType, Position
from parc.core.lint.base import LintContext
from parc.core.lint.containment import WorkMeter
from parc.core.policy.jsonpos import JNode
from parc.core.policy.model import PolicyType, Statement

IAM_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
CHECKS_PAGE = IAM_DOCS + "access-analyzer-reference-policy-checks.html"
ORGS_DOCS = "https://docs.aws.amazon.com/organizations/latest/userguide/"

_TYPE_SLUG = {
    FindingType.ERROR: "error",
    FindingType.SECURITY_WARNING: "security-warning",
    FindingType.WARNING: "general-warning",
    FindingType.SUGGESTION: "suggestion",
}


def check_link(finding_type: FindingType, title: str) -> str:
    """The anchor of an Access Analyzer check, built the way that page builds them (type, then the title)."""
    slug = title.lower().replace(" ", "-")
    return f"{CHECKS_PAGE}#access-analyzer-reference-policy-checks-{_TYPE_SLUG[finding_type]}-{slug}"


def page(name: str) -> str:
    return f"{IAM_DOCS}{name}.html"


ELEMENT_PAGES = {
    "Version": page("reference_policies_elements_version"),
    "Id": page("reference_policies_elements_id"),
    "Statement": page("reference_policies_elements_statement"),
    "Sid": page("reference_policies_elements_sid"),
    "Effect": page("reference_policies_elements_effect"),
    "Principal": page("reference_policies_elements_principal"),
    "NotPrincipal": page("reference_policies_elements_notprincipal"),
    "Action": page("reference_policies_elements_action"),
    "NotAction": page("reference_policies_elements_notaction"),
    "Resource": page("reference_policies_elements_resource"),
    "NotResource": page("reference_policies_elements_notresource"),
    "Condition": page("reference_policies_elements_condition"),
}
VARIABLES_PAGE = page("reference_policies_variables")
QUOTAS_PAGE = page("reference_iam-quotas")
SCP_SYNTAX_PAGE = ORGS_DOCS + "orgs_manage_policies_scps_syntax.html"
RCP_SYNTAX_PAGE = ORGS_DOCS + "orgs_manage_policies_rcps_syntax.html"
ORGS_QUOTAS_PAGE = ORGS_DOCS + "orgs_reference_limits.html"


def make(
    code: str,
    finding_type: FindingType,
    message: str,
    path: str,
    pos: Position | None,
    link: str,
    fix: str | None = None,
    **details: str,
) -> Finding:
    return Finding(code, finding_type, message, path, pos, learn_more=link, fix=fix, details=dict(details))


IAM_POLICY_TYPES = frozenset({PolicyType.IDENTITY, PolicyType.BOUNDARY, PolicyType.SESSION})
"""Policies attached to (or passed for) an IAM identity: no Principal, Resource required."""

PRINCIPAL_POLICY_TYPES = frozenset({PolicyType.RESOURCE, PolicyType.TRUST, PolicyType.ENDPOINT, PolicyType.RCP})
"""Policies whose statements name who they apply to."""


@dataclass(frozen=True, slots=True)
class SourceContext(LintContext):
    """The lint context plus what only the source text knows: its length with white space, which Organizations
    counts against the SCP and RCP quotas (IAM does not count white space)."""

    text_chars: int | None = None
    meter: WorkMeter | None = None
    """The policy's work meter, shared by the rules whose cost depends on how wildcards combine."""


def member(st: Statement, key: str) -> tuple[Position | None, JNode | None]:
    """The key position and value of a statement element in the raw tree (first occurrence, exact case)."""
    if st.node is None or st.node.kind != "object":
        return None, None
    m = st.node.get(key)
    if m is None:
        return None, None
    return m.key_pos, m.node


def has_element(st: Statement, key: str) -> bool:
    return member(st, key)[1] is not None


def element_pos(st: Statement, key: str) -> Position | None:
    pos, node = member(st, key)
    return node.pos if node is not None else pos


def sub_path(st: Statement, key: str) -> str:
    return f"{st.path}.{key}"


def iter_strings(node: JNode, path: str) -> Iterator[tuple[str, Position, str]]:
    """Every string leaf under ``node`` with its position and JSON path (object keys are not leaves)."""
    if node.kind == "string":
        yield str(node.value), node.pos, path
    elif node.kind == "array":
        for i, item in enumerate(node.items):
            yield from iter_strings(item, f"{path}[{i}]")
    elif node.kind == "object":
        for m in node.members:
            yield from iter_strings(m.node, f"{path}.{m.key}")

