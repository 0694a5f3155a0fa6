"""Security warnings: statements that grant more than their author likely meant.

From Access Analyzer's policy check reference (codes, messages and when each applies):
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
- ALLOW_WITH_NOT_PRINCIPAL; the iam:PassRole family (PASS_ROLE_WITH_STAR_IN_RESOURCE, ..._NOT_RESOURCE ...), a
  security warning each, and the iam:CreateServiceLinkedRole family (CREATE_SLR_WITH_*), general warnings.

parc's own (Access Analyzer has no such basic check):
- ALLOW_WITH_NOT_ACTION, ALLOW_WITH_NOT_RESOURCE: an Allow that grants everything except a list.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
- ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES: ``"Action": "*"`` with ``"Resource": "*"`` in an identity policy (full admin).
- OPEN_TO_ANY_PRINCIPAL: a resource or trust policy that allows ``"*"`` with no condition that narrows who can use
  it (aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceIp, aws:SourceVpce ...).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.containment import glob_contains
from parc.core.lint.rules_common import ELEMENT_PAGES, check_link, element_pos, make, page, sub_path
from parc.core.policy.model import ConditionEntry, Located, PolicyType, Statement

SW = FindingType.SECURITY_WARNING
W = FindingType.WARNING

_GRANT_TYPES = frozenset({PolicyType.IDENTITY, PolicyType.RESOURCE, PolicyType.TRUST})
"""Types whose Allow statements grant access (boundaries, session policies, SCPs, RCPs and endpoint policies only
limit it, so a broad Allow there is normal)."""


@rule("ALLOW_WITH_NOT_PRINCIPAL", "ALLOW_WITH_NOT_ACTION", "ALLOW_WITH_NOT_RESOURCE")
def allow_with_not(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        if not st.is_allow:
            continue
        if st.not_principal is not None:
            yield make(
                "ALLOW_WITH_NOT_PRINCIPAL",
                SW,
                "Using Allow with NotPrincipal can be overly permissive (it can grant access to anonymous "
                "principals). Use Principal instead.",
                sub_path(st, "NotPrincipal"),
                element_pos(st, "NotPrincipal"),
                check_link(SW, "Allow with NotPrincipal"),
                fix="Name the principals in Principal, or use NotPrincipal only with Deny.",
            )
        if ctx.policy_type not in _GRANT_TYPES:
            continue
        if st.not_action is not None:
            yield make(
                "ALLOW_WITH_NOT_ACTION",
                SW,
                f"Statement {st.label} allows every action except those listed in NotAction, including actions "
                "of services added in the future. List the allowed actions in Action instead.",
                sub_path(st, "NotAction"),
                element_pos(st, "NotAction"),
                ELEMENT_PAGES["NotAction"],
                fix="Use Action with the actions to allow, or NotAction with Deny.",
            )
        if st.not_resource is not None:
            yield make(
                "ALLOW_WITH_NOT_RESOURCE",
                SW,
                f"Statement {st.label} allows access to every resource except those listed in NotResource, "
                "including resources created later. List the allowed resources in Resource instead.",
                sub_path(st, "NotResource"),
                element_pos(st, "NotResource"),
                ELEMENT_PAGES["NotResource"],
                fix="Use Resource with the ARNs to allow, or NotResource with Deny.",
            )


def _granting(st: Statement, action: str) -> tuple[bool, bool]:
    """(the statement's actions include ``action``, only through a wildcard or NotAction)."""
    if st.action is not None:
        hits = [a for a in st.action if glob_contains(a.value, action, ignore_case=True)]
        if not hits:
            return False, False
        return True, all(("*" in a.value or "?" in a.value) for a in hits)
    if st.not_action is not None:
        excluded = any(glob_contains(a.value, action, ignore_case=True) for a in st.not_action)
        return not excluded, True
    return False, False


def _star_resource(values: tuple[Located, ...] | None, kind: str) -> bool:
    """Any role (or any resource at all): "*", or an ARN whose resource part is "*" or "<kind>/*"."""
    for r in values or ():
        if r.value == "*":
            return True
        parts = r.value.split(":", 5)
        if len(parts) == 6 and parts[5] in ("*", f"{kind}/*"):
            return True
    return False


def _has_condition_key(st: Statement, key: str) -> bool:
    return any(c.key.lower() == key.lower() for c in st.conditions)


_FAMILIES = (
    # action, condition key that narrows it, code prefix, finding type, what it allows
    ("iam:PassRole", "iam:PassedToService", "PASS_ROLE", SW, "pass any role to a service"),
    (
        "iam:CreateServiceLinkedRole",
        "iam:AWSServiceName",
        "CREATE_SLR",
        W,
        "create unintended service-linked roles",
    ),
)


@rule(
    "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
    "PASS_ROLE_WITH_NOT_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
    "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
    "CREATE_SLR_WITH_NOT_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
)
def broad_role_actions(ctx: LintContext) -> Iterator[Finding]:
    if ctx.policy_type is not PolicyType.IDENTITY:
        return
    for st in ctx.policy.statements:
        if not st.is_allow:
            continue
        for action, narrowing_key, prefix, ftype, what in _FAMILIES:
            grants, via_wildcard = _granting(st, action)
            if not grants:
                continue
            not_action = st.action is None
            if st.not_resource is not None:
                if not_action:
                    suffix, title = "NOT_ACTION_AND_NOT_RESOURCE", "NotAction and NotResource"
                elif via_wildcard:
                    suffix, title = "STAR_IN_ACTION_AND_NOT_RESOURCE", "star in action and NotResource"
                else:
                    suffix, title = "NOT_RESOURCE", "NotResource"
                where = "NotResource"
            elif _star_resource(st.resource, "role") and not _has_condition_key(st, narrowing_key):
                if not_action:
                    suffix, title = "STAR_IN_RESOURCE_AND_NOT_ACTION", "star in resource and NotAction"
                elif via_wildcard:
                    suffix, title = "STAR_IN_ACTION_AND_RESOURCE", "star in action and resource"
                else:
                    suffix, title = "STAR_IN_RESOURCE", "star in resource"
                where = "Resource"
            else:
                continue
            name = "Pass role" if prefix == "PASS_ROLE" else "Create SLR"
            also = f" or add the {narrowing_key} condition key" if prefix == "PASS_ROLE" else ""
            yield make(
                f"{prefix}_WITH_{suffix}",
                ftype,
                f"Statement {st.label} allows {action} on any role (through {title}), which can {what}. Specify "
                f"role ARNs in Resource{also}.",
                sub_path(st, where),
                element_pos(st, where),
                check_link(ftype, f"{name} with {title}"),
                fix=f"Limit Resource to the role ARNs that {action} needs.",
            )


@rule("ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES")
def full_access(ctx: LintContext) -> Iterator[Finding]:
    if ctx.policy_type is not PolicyType.IDENTITY:
        return
    for st in ctx.policy.statements:
        if not st.is_allow or st.action is None or st.resource is None:
            continue
        if any(a.value in ("*", "*:*") for a in st.action) and any(r.value == "*" for r in st.resource):
            cond = " (its conditions limit when, not what)" if st.has_condition else ""
            yield make(
                "ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES",
                SW,
                f"Statement {st.label} allows every action on every resource: full administrator access{cond}. "
                "Grant only the actions and resources needed.",
                sub_path(st, "Action"),
                element_pos(st, "Action"),
                page("best-practices") + "#grant-least-privilege",
            )


# Keys whose positive test narrows a statement to known principals or networks.
LIMITING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalservicename",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:userid",
        "aws:username",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
    }
)
_POSITIVE = re.compile(r"^(?:ForAnyValue:)?(?:String(?:Equals|EqualsIgnoreCase|Like)|Arn(?:Equals|Like)|IpAddress)$")
_OPEN_VALUES = frozenset({"*", "0.0.0.0/0", "::/0"})


def _limits(c: ConditionEntry) -> bool:
    if c.key.lower() not in LIMITING_KEYS or not _POSITIVE.match(c.operator):
        return False
    values = [str(v.value) for v in c.values]
    return bool(values) and not any(v in _OPEN_VALUES for v in values)


def _open_principal(st: Statement) -> bool:
    p = st.principal
    if p is None:
        return False
    return p.wildcard or any(e.kind == "AWS" and e.value == "*" for e in p.entries)


@rule("OPEN_TO_ANY_PRINCIPAL")
def open_to_anyone(ctx: LintContext) -> Iterator[Finding]:
    if ctx.policy_type not in (PolicyType.RESOURCE, PolicyType.TRUST):
        return
    for st in ctx.policy.statements:
        if not st.is_allow or not _open_principal(st) or any(_limits(c) for c in st.conditions):
            continue
        yield make(
            "OPEN_TO_ANY_PRINCIPAL",
            SW,
            f"Statement {st.label} allows any principal (\"*\": every AWS account and anonymous users) and has no "
            "condition that narrows who can use it, such as aws:PrincipalOrgID, aws:PrincipalAccount, "
            "aws:SourceIp or aws:SourceVpce.",
            sub_path(st, "Principal"),
            element_pos(st, "Principal"),
            page("reference_policies_elements_principal") + "#principal-anonymous",
            fix="Name the principals, or add a condition such as "
            '{"StringEquals": {"aws:PrincipalOrgID": "o-xxxxxxxxxx"}}.',
        )
