"""``parc collect --print-policy``: the identity policy the collector needs, generated from the table of calls
(``parc.collect.calls``) so that it names exactly the actions the code calls, for the areas and options given.

The read actions apply to ``*``: most of them (List*, Describe* of a region, GetAccount*) support no resource-level
permission, and the snapshot covers every resource. ``sts:AssumeRole`` (``--member-role``) is limited to that role
name in every account. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"""

from __future__ import annotations

from parc.collect.calls import ASSUME_ROLE, GET_CALLER_IDENTITY, Call, all_calls


def needed_calls(areas: frozenset[str], org: bool = False, member_role: str | None = None) -> list[Call]:
    out = []
    for c in all_calls():
        if c is ASSUME_ROLE:
            continue
        if c is GET_CALLER_IDENTITY or c.area in areas or (org and c.area == "org"):
            out.append(c)
        elif c.operation == "DescribeRegions" and areas - {"iam", "org", "s3"}:
            out.append(c)  # the regional areas ask which regions are enabled
    return out


def collector_policy(areas: frozenset[str], org: bool = False, member_role: str | None = None) -> dict[str, object]:
    actions = sorted({c.action for c in needed_calls(areas, org, member_role)})
    statements: list[dict[str, object]] = [
        {"Sid": "ParcCollectReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"},
    ]
    if org and member_role:
        statements.append({"Sid": "ParcCollectMemberAccounts", "Effect": "Allow", "Action": ASSUME_ROLE.action,
                           "Resource": f"arn:aws:iam::*:role/{member_role}"})
    return {"Version": "2012-10-17", "Statement": statements}
