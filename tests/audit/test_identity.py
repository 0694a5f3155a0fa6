"""Identity and access: lint over every customer policy, administrators, escalation paths, and access from outside
(roles and resources), each decided by the engine. Both outcomes for every check.

Principal "*" includes anonymous callers:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceIp, aws:SourceAccount:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
Third parties and sts:ExternalId: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
OIDC trust and the sub claim: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import (
    ACCT,
    ADMIN_ARN,
    ORG_ID,
    OTHER,
    admin_policy,
    allow,
    arn,
    audit_of,
    doc,
    export,
    managed,
    only,
    organization,
    role,
    rules,
    trust,
    user,
)

from parc.core.audit import Severity

BUCKET = "arn:aws:s3:::data-bucket"
IDP = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"


# ---- lint ----------------------------------------------------------------------------------------------------------


def test_lint_findings_point_into_the_export(tmp_path: Path) -> None:
    details = export(users=[user("dev", policies={"pass": doc(allow("iam:PassRole", "*"))})])
    report = audit_of(tmp_path, details)
    f = only(report, "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    assert f.severity is Severity.HIGH and f.resource == arn("user", "dev")
    (e,) = f.evidence
    assert e.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Resource"
    line = Path(e.file or "").read_text().splitlines()[(e.line or 0) - 1]
    assert line.strip() == '"Resource": "*"' and line[(e.column or 0) - 1:] == '"*"'  # at the offending value


def test_a_clean_policy_has_no_lint_finding(tmp_path: Path) -> None:
    details = export(users=[user("dev", policies={"read": doc(allow("s3:GetObject", f"{BUCKET}/*"))})])
    # The user's own policy and the missing support role are the idnet checks' (test_idnet_identity.py).
    assert rules(audit_of(tmp_path, details)) == ["SUPPORT_ROLE_MISSING", "USER_DIRECT_POLICY"]


def test_aws_managed_policies_and_old_versions_are_not_linted(tmp_path: Path) -> None:
    broad = doc(allow("iam:PassRole", "*"))
    details = export(users=[user("dev", attached=[arn("policy", "Custom")])],
                     policies=[managed("PowerUser", broad, aws=True),
                               managed("Custom", doc(allow("s3:GetObject", f"{BUCKET}/*")), versions=[("v2", broad)])])
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" not in rules(audit_of(tmp_path, details))


def test_a_policy_stored_as_a_json_string_is_located_inside_it(tmp_path: Path) -> None:
    text = json.dumps(doc(allow("iam:PassRole", "*")))
    details = export(users=[user("dev", policies={"pass": text})])
    f = only(audit_of(tmp_path, details), "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    (e,) = f.evidence
    assert e.line is not None and "of the policy stored as a JSON string" in e.note


# ---- administrators and escalation ---------------------------------------------------------------------------------


def test_admin_equivalent_user_and_not_a_reader(tmp_path: Path) -> None:
    details = export(users=[user("admin", attached=[ADMIN_ARN]),
                            user("reader", policies={"r": doc(allow("s3:GetObject", f"{BUCKET}/*"))})],
                     policies=[admin_policy()])
    report = audit_of(tmp_path, details)
    f = only(report, "ADMIN_EQUIVALENT")
    assert f.resource == arn("user", "admin") and f.severity is Severity.HIGH
    assert any(e.path.startswith("Policies[0].PolicyVersionList[0].Document.Statement[0]") for e in f.evidence)


def test_escalation_path_and_its_absence(tmp_path: Path) -> None:
    """iam:PutUserPolicy on oneself makes one an administrator; on another user's ARN pattern it does not."""
    details = export(users=[user("climber", policies={"p": doc(allow("iam:PutUserPolicy", arn("user", "climber")))}),
                            user("harmless", policies={"p": doc(allow("iam:PutUserPolicy",
                                                                      arn("user", "nobody-here")))})])
    report = audit_of(tmp_path, details)
    f = only(report, "ESCALATION_PATH")
    assert f.resource == arn("user", "climber") and f.severity is Severity.HIGH
    assert "iam:PutUserPolicy" in f.why
    assert any(e.file and "PutUserPolicy" in e.text for e in f.evidence)


def test_privilege_gain_through_passrole_but_not_plain_assumption(tmp_path: Path) -> None:
    lam = trust({"Service": "lambda.amazonaws.com"})
    details = export(
        users=[user("dev", policies={"p": doc(allow(["iam:PassRole", "lambda:CreateFunction",
                                                     "lambda:InvokeFunction"], "*"))}),
               user("ops", policies={"p": doc(allow("sts:AssumeRole", arn("role", "reader")))})],
        roles=[role("worker", lam, policies={"w": doc(allow("dynamodb:*", "*"))}),
               role("reader", trust({"AWS": arn("user", "ops")}), policies={"r": doc(allow("s3:GetObject"))})])
    report = audit_of(tmp_path, details)
    gains = [f for f in report.findings if f.rule == "PRIVILEGE_GAIN"]
    assert [(f.resource, f.key) for f in gains] == [(arn("user", "dev"), arn("role", "worker"))]
    assert not any(f.resource == arn("user", "ops") for f in report.findings if f.rule.startswith(("PRIV", "ESC")))


# ---- access from outside: roles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCase:
    name: str
    trust: dict[str, Any]
    rule: str | None
    severity: Severity | None = None
    text: str = ""


ROLE_CASES = [
    RoleCase("ROLE_ASSUMABLE_BY_ANYONE: Principal * with no condition", trust("*"), "ROLE_ASSUMABLE_BY_ANYONE",
             Severity.CRITICAL, "Anyone can assume"),
    RoleCase("ROLE_ASSUMABLE_BY_ANYONE: AWS * limited by aws:SourceIp is reported as such", trust(
        {"AWS": "*"}, IpAddress={"aws:SourceIp": "203.0.113.0/24"}), "ROLE_ASSUMABLE_BY_ANYONE", Severity.MEDIUM,
        "aws:SourceIp (IpAddress 203.0.113.0/24)"),
    RoleCase("ROLE_ASSUMABLE_BY_ANYONE: * limited by sts:ExternalId only (the caller's choice)", trust(
        {"AWS": "*"}, StringEquals={"sts:ExternalId": "abc"}), "ROLE_ASSUMABLE_BY_ANYONE", Severity.HIGH,
        "sts:ExternalId"),
    RoleCase("ROLE_ASSUMABLE_BY_ANYONE: aws:PrincipalArn with a wildcard account", trust(
        {"AWS": "*"}, ArnLike={"aws:PrincipalArn": "arn:aws:iam::*:role/Support"}), "ROLE_ASSUMABLE_BY_ANYONE",
        Severity.HIGH, "aws:PrincipalArn ArnLike arn:aws:iam::*:role/Support"),
    RoleCase("ROLE_ORGANIZATION_WIDE: * limited by aws:PrincipalOrgID is not public", trust(
        {"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": ORG_ID}), "ROLE_ORGANIZATION_WIDE", Severity.INFO,
        f"organization {ORG_ID}"),
    RoleCase("ROLE_ORGANIZATION_WIDE: another organization", trust(
        {"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-elsewhere1"}), "ROLE_ORGANIZATION_WIDE",
        Severity.MEDIUM, "another organization o-elsewhere1"),
    RoleCase("ROLE_CROSS_ACCOUNT: * limited by aws:PrincipalAccount", trust(
        {"AWS": "*"}, StringEquals={"aws:PrincipalAccount": OTHER}), "ROLE_CROSS_ACCOUNT", Severity.MEDIUM,
        f"account {OTHER} (named in aws:PrincipalAccount)"),
    RoleCase("ROLE_CROSS_ACCOUNT: an account outside the snapshot", trust({"AWS": f"arn:aws:iam::{OTHER}:root"}),
             "ROLE_CROSS_ACCOUNT", Severity.MEDIUM, f"account {OTHER} can assume"),
    RoleCase("ROLE_CROSS_ACCOUNT: with sts:ExternalId it is LOW", trust(
        {"AWS": OTHER}, StringEquals={"sts:ExternalId": "x-1"}), "ROLE_CROSS_ACCOUNT", Severity.LOW,
        "sts:ExternalId (StringEquals x-1)"),
    RoleCase("ROLE_FEDERATED: OIDC without a sub condition", trust(
        {"Federated": IDP}, "sts:AssumeRoleWithWebIdentity",
        StringEquals={"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}), "ROLE_FEDERATED",
        Severity.HIGH, "Any identity of token.actions.githubusercontent.com"),
    RoleCase("ROLE_FEDERATED: OIDC limited to one repository is INFO", trust(
        {"Federated": IDP}, "sts:AssumeRoleWithWebIdentity",
        StringEquals={"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                      "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}),
        "ROLE_FEDERATED", Severity.INFO, "token.actions.githubusercontent.com:sub"),
    RoleCase("no finding: a service principal", trust({"Service": "ec2.amazonaws.com"}), None),
    RoleCase("no finding: a principal of the same account", trust({"AWS": arn("user", "me")}), None),
    RoleCase("no finding: * with aws:PrincipalAccount of the account itself", trust(
        {"AWS": "*"}, StringEquals={"aws:PrincipalAccount": ACCT}), None),
]


@pytest.mark.parametrize("case", ROLE_CASES, ids=[c.name for c in ROLE_CASES])
def test_roles_from_outside(tmp_path: Path, case: RoleCase) -> None:
    target = role("target", case.trust, policies={"p": doc(allow("s3:ListAllMyBuckets"))})
    details = export(users=[user("me")], roles=[target])
    report = audit_of(tmp_path, details, org=organization())
    outside = [f for f in report.findings if f.rule.startswith("ROLE_") and f.rule != "ROLE_SERVICE_TRUST_NO_SOURCE"]
    if case.rule is None:
        assert outside == []
        return
    (f,) = outside
    assert (f.rule, f.severity) == (case.rule, case.severity), f.title
    assert case.text in f.title, f.title
    assert f.resource == arn("role", "target")
    assert any(e.path.startswith("RoleDetailList[0].AssumeRolePolicyDocument.Statement[0]") for e in f.evidence)


def test_an_scp_or_deny_that_keeps_outsiders_out_is_the_engines_call(tmp_path: Path) -> None:
    """A Deny for principals outside the organization in the trust policy: '*' is then not public."""
    st_allow = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    st_deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
               "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}}}
    details = export(roles=[role("guarded", doc(st_allow, st_deny))])
    report = audit_of(tmp_path, details, org=organization())
    assert rules(report, "ROLE_") == ["ROLE_ORGANIZATION_WIDE"]


# ---- access from outside: resource policies ----------------------------------------------------------------------


def bucket_policy(principal: Any, **cond: Any) -> list[dict[str, Any]]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                          "Resource": f"{BUCKET}/*"}
    if cond:
        st["Condition"] = cond
    return [{"arn": BUCKET, "policy": doc(st)}]


RESOURCE_CASES = [
    ("RESOURCE_PUBLIC: a public bucket", bucket_policy("*"), "RESOURCE_PUBLIC", Severity.CRITICAL,
     "Anyone can s3:GetObject on arn:aws:s3:::data-bucket"),
    ("RESOURCE_PUBLIC: * limited by aws:SourceIp", bucket_policy("*", IpAddress={"aws:SourceIp": "198.51.100.7/32"}),
     "RESOURCE_PUBLIC", Severity.MEDIUM, "aws:SourceIp (IpAddress 198.51.100.7/32)"),
    ("RESOURCE_PUBLIC: * limited by aws:SourceAccount (services acting for it)",
     bucket_policy("*", StringEquals={"aws:SourceAccount": ACCT}), "RESOURCE_PUBLIC", Severity.LOW,
     "aws:SourceAccount"),
    ("RESOURCE_ORGANIZATION_WIDE: * limited by aws:PrincipalOrgID", bucket_policy(
        "*", StringEquals={"aws:PrincipalOrgID": ORG_ID}), "RESOURCE_ORGANIZATION_WIDE", Severity.INFO, ORG_ID),
    ("RESOURCE_CROSS_ACCOUNT: another account", bucket_policy({"AWS": OTHER}), "RESOURCE_CROSS_ACCOUNT",
     Severity.MEDIUM, f"account {OTHER}"),
    ("no finding: the account's own principals", bucket_policy({"AWS": arn("user", "me")}), None, None, ""),
]


@pytest.mark.parametrize(("name", "policies", "rule", "severity", "text"), RESOURCE_CASES,
                         ids=[c[0] for c in RESOURCE_CASES])
def test_resource_policies_from_outside(tmp_path: Path, name: str, policies: list[Any], rule: str | None,
                                        severity: Severity | None, text: str) -> None:
    report = audit_of(tmp_path, export(users=[user("me")]), resource_policies=policies, org=organization())
    outside = [f for f in report.findings if f.rule.startswith("RESOURCE_")]
    if rule is None:
        assert outside == []
        return
    (f,) = outside
    assert (f.rule, f.severity) == (rule, severity), f.title
    assert text in f.title, f.title
    assert f.resource == BUCKET
    assert any(e.file and e.file.endswith("resource-policies.json") and e.line for e in f.evidence)


def test_an_rcp_that_keeps_outsiders_out_makes_a_public_bucket_organization_only(tmp_path: Path) -> None:
    """RCPs bind every principal's requests to the account's resources: the engine decides with it."""
    perimeter = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}})
    org = organization()
    org["levels"][0]["rcps"] = [{"name": "Perimeter", "document": perimeter}]
    report = audit_of(tmp_path, export(), resource_policies=bucket_policy("*"), org=org)
    assert rules(report, "RESOURCE_") == ["RESOURCE_ORGANIZATION_WIDE"]


def test_resource_access_without_resource_policies_is_not_checked(tmp_path: Path) -> None:
    absent = audit_of(tmp_path / "a", export())
    assert any(n.check.startswith("access from outside through resource policies") for n in absent.not_checked)
    present = audit_of(tmp_path / "b", export(), resource_policies=[])
    assert not any(n.check.startswith("access from outside") for n in present.not_checked)


# ---- which probe got in ---------------------------------------------------------------------------------------------

ANON_DENIED = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
               "Condition": {"Null": {"aws:PrincipalAccount": "true"}}}
"""Refuses unsigned requests: an anonymous caller has no aws:PrincipalAccount
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount)."""
OPEN = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}


@pytest.mark.parametrize(("statements", "probes", "title"), [
    ([OPEN], ["anyone (anonymous)", "any AWS account"], "Anyone can s3:GetObject"),
    ([{**OPEN, "Principal": {"AWS": "*"}}], ["anyone (anonymous)", "any AWS account"], "Anyone can s3:GetObject"),
    ([OPEN, ANON_DENIED], ["any AWS account"], "Any AWS account can s3:GetObject"),
], ids=["principal-star", "principal-aws-star-is-the-same", "anonymous-refused"])
def test_a_public_resource_names_the_probes_that_got_in(tmp_path: Path, statements: list[Any], probes: list[str],
                                                         title: str) -> None:
    """Not "any AWS account or anonymous": the finding says which of the two the engine let in."""
    report = audit_of(tmp_path, export(users=[user("me")]),
                      resource_policies=[{"arn": BUCKET, "policy": doc(*statements)}], org=organization())
    (f,) = [f for f in report.findings if f.rule == "RESOURCE_PUBLIC"]
    assert f.details["probes"] == probes and f.title.startswith(title), f.title
    assert "any AWS account or anonymous" not in f.why
    assert ("anonymous callers" in f.why) is ("anyone (anonymous)" in probes)
    assert "principals of any AWS account" in f.why
