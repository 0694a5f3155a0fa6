"""``can``: one request with every policy of both sides gathered from the snapshot, decided by the engine.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from pathlib import Path

import pytest
from account_helpers import (
    ACCT,
    ADMIN_ARN,
    EXAMPLE,
    OTHER,
    PROD,
    V,
    admin_policy,
    allow,
    arn,
    doc,
    evaluator_of,
    export,
    level,
    org,
    user,
    write_account,
)

from parc.core.account import Evaluator, UnknownPrincipal, can
from parc.loaders.account import load_snapshot

EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
BOUNDARY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
RCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"
CROSS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"

KEY = f"arn:aws:kms:eu-west-1:{PROD}:key/1f2e3d4c-5b6a-4789-8abc-0123456789ab"
EU = {"aws:RequestedRegion": "eu-west-1"}


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    return Evaluator(load_snapshot(EXAMPLE))


# (name, principal, action, resource, context, expected decision, policy that decides or blocks) — each pins a rule.
CASES = [
    ("group-policies-count-for-the-user", "bob", "s3:GetObject", "arn:aws:s3:::prod-audit-logs/x", None, "Allow",
     "arn:aws:iam::aws:policy/PowerUserAccess"),
    ("boundary-deny-stops-the-user", "alice", "s3:GetObject", "arn:aws:s3:::prod-audit-logs/x", None,
     "ExplicitDeny", "arn:aws:iam::444455556666:policy/DeveloperBoundary"),
    ("boundary-must-allow-too", "alice", "ec2:RunInstances", "*", None, "ImplicitDeny", None),
    ("role-session-gets-its-role-policies", f"arn:aws:sts::{PROD}:assumed-role/app-runtime/worker-1",
     "dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{PROD}:table/orders", None, "Allow",
     "arn:aws:iam::444455556666:policy/AppRuntimePolicy"),
    ("bucket-policy-naming-the-role-grants-its-sessions", f"arn:aws:sts::{PROD}:assumed-role/app-runtime/worker-1",
     "s3:GetObject", "arn:aws:s3:::prod-customer-data/orders/1.json", None, "Allow", "arn:aws:s3:::prod-customer-data"),
    ("key-policy-trusting-the-account-lets-identity-policies-work", "app-runtime", "kms:Decrypt", KEY, None, "Allow",
     "arn:aws:iam::444455556666:policy/AppRuntimePolicy"),
    ("key-policy-must-allow-cross-account", "arn:aws:iam::777788889999:role/OrganizationAccountAccessRole",
     "kms:Decrypt", KEY, EU, "ImplicitDeny", None),
    ("scp-at-the-root-binds-member-accounts", "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
     "cloudtrail:StopLogging", f"arn:aws:cloudtrail:eu-west-1:{PROD}:trail/org", None, "ExplicitDeny",
     "ProtectSecurityBaseline"),
    ("scps-do-not-bind-the-management-account", "org-admin", "cloudtrail:StopLogging",
     "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org", None, "Allow", ADMIN_ARN),
    ("ou-scp-with-a-principal-exception-denies-others", "arn:aws:iam::444455556666:user/bob", "iam:CreateAccessKey",
     "arn:aws:iam::444455556666:user/alice", None, "ExplicitDeny", "NoLongLivedCredentialsInProd"),
    ("ou-scp-exception-lets-the-named-role-through", "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
     "iam:CreateAccessKey", "arn:aws:iam::444455556666:user/alice", None, "Allow", ADMIN_ARN),
    ("region-scp-denies-without-the-region", "analytics", "s3:GetObject",
     "arn:aws:s3:::prod-customer-data/exports/r.csv", None, "ExplicitDeny", "SandboxRegions"),
    ("cross-account-needs-both-sides", "analytics", "s3:GetObject", "arn:aws:s3:::prod-customer-data/exports/r.csv", EU,
     "Allow", "arn:aws:s3:::prod-customer-data"),
    ("cross-account-resource-side-must-name-the-caller", "analytics", "s3:GetObject",
     "arn:aws:s3:::prod-customer-data/orders/1.json", EU, "ImplicitDeny", None),
    ("bucket-policy-deny-on-plain-http", "bob", "s3:GetObject", "arn:aws:s3:::prod-customer-data/orders/1.json",
     {"aws:SecureTransport": "false"}, "ExplicitDeny", "arn:aws:s3:::prod-customer-data"),
    ("trust-policy-naming-the-user-cross-account", "arn:aws:iam::111122223333:user/automation/ci-deployer",
     "sts:AssumeRole", f"arn:aws:iam::{PROD}:role/Deployer", None, "Allow",
     "arn:aws:iam::444455556666:role/Deployer trust policy"),
    ("trust-policy-condition-on-external-id", "arn:aws:iam::111122223333:user/automation/ci-deployer",
     "sts:AssumeRole", "arn:aws:iam::777788889999:role/Deployer", None, "ImplicitDeny", None),
    ("the-account-root-has-full-access-to-its-account", PROD, "s3:GetObject",
     "arn:aws:s3:::prod-customer-data/orders/1.json", None, "Allow", None),
    ("scps-bind-a-member-accounts-root-user", f"arn:aws:iam::{PROD}:root", "cloudtrail:StopLogging",
     f"arn:aws:cloudtrail:eu-west-1:{PROD}:trail/org", None, "ExplicitDeny", "ProtectSecurityBaseline"),
    ("limited-admin-may-attach-dynamodb-full-access", "dynamo-admin", "iam:AttachUserPolicy",
     f"arn:aws:iam::{PROD}:user/dynamo-admin", {"iam:PolicyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"},
     "Allow", "arn:aws:iam::444455556666:policy/LimitedDynamoDBAdmin"),
    ("limited-admin-may-not-attach-administrator-access", "dynamo-admin", "iam:AttachUserPolicy",
     f"arn:aws:iam::{PROD}:user/dynamo-admin", {"iam:PolicyArn": ADMIN_ARN}, "ImplicitDeny", None),
]


@pytest.mark.parametrize(("name", "principal", "action", "resource", "context", "expected", "policy"), CASES,
                         ids=[c[0] for c in CASES])
def test_can(ev: Evaluator, name: str, principal: str, action: str, resource: str, context: dict[str, str] | None,
             expected: str, policy: str | None) -> None:
    r = can(ev, principal, action, resource, context)
    assert r.decision.decision == expected, r.decision.reasons
    if policy is not None:
        assert policy in {ref.policy_name for ref in r.decision.deciding}


def test_can_reports_what_it_gathered(ev: Evaluator) -> None:
    r = can(ev, "alice", "s3:GetObject", "arn:aws:s3:::prod-customer-data/orders/1.json")
    g = r.gathered
    assert g["permissions_boundary"] == "arn:aws:iam::444455556666:policy/DeveloperBoundary"
    assert g["resource_policy"] == "arn:aws:s3:::prod-customer-data"
    assert g["resource_account"] == PROD  # an S3 ARN has no account: the bucket policy's snapshot tells
    assert g["scp_levels"] == 3 and g["rcp_levels"] == 3
    d = r.to_dict()
    assert d["decision"] == "Allow" and d["principal"] == "arn:aws:iam::444455556666:user/alice"


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        ("arn:aws:iam::444455556666:user/nobody", "no such user"),
        ("arn:aws:iam::999999999999:user/x", "account 999999999999 is not in the snapshot"),
        ("nobody", "no user or role of that name"),
        ("Deployer", "ambiguous"),
        ("arn:aws:sts::444455556666:assumed-role/app-runtime", "malformed role session ARN"),
    ],
)
def test_unknown_principals_are_clear_errors(ev: Evaluator, principal: str, message: str) -> None:
    with pytest.raises(UnknownPrincipal, match=message):
        can(ev, principal, "s3:GetObject", "*")


def test_an_arn_without_the_path_finds_the_user(ev: Evaluator) -> None:
    r = can(ev, "arn:aws:iam::111122223333:user/ci-deployer", "sts:AssumeRole", f"arn:aws:iam::{PROD}:role/Deployer")
    assert r.principal.arn == "arn:aws:iam::111122223333:user/automation/ci-deployer"
    assert r.decision.allowed


def test_invalid_actions_of_the_seed_grant_nothing(tmp_path: Path) -> None:
    # "iam>ListPolicies" is not an action (AWS rejects the policy); it must not match iam:ListPolicies.
    seed = doc(allow(["iam>ListPolicies", "iam>GetPolicy", "iam>AttachUserPolicy"]))
    ev = evaluator_of(tmp_path, export(users=[user("limited", policies={"seed": seed})]))
    for action in ("iam:ListPolicies", "iam:GetPolicy", "iam:AttachUserPolicy"):
        assert can(ev, "limited", action, "*").decision.decision == "ImplicitDeny"


def test_a_missing_boundary_denies(tmp_path: Path) -> None:
    details = export(users=[user("u", policies={"all": doc(allow("*"))}, boundary=arn("policy", "Gone"))])
    ev = evaluator_of(tmp_path, details)
    r = can(ev, "u", "s3:GetObject", "arn:aws:s3:::b/k")
    assert r.decision.decision == "ImplicitDeny" and "boundary" in r.decision.blocked_by


def test_rcp_perimeter_blocks_a_caller_outside_the_organization(tmp_path: Path) -> None:
    # RCPs apply to the resources of member accounts, whoever calls (RCP); the bucket policy alone would allow.
    perimeter = {"Version": V, "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-test12345"}}}]}
    bucket = {"Version": V, "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn("user", "partner", OTHER)},
                                           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}
    organization = org([level("r-1", "ROOT", [doc(allow("*"))], [perimeter]),
                        level(ACCT, "ACCOUNT", [doc(allow("*"))])])
    write_account(tmp_path / ACCT, export(users=[user("insider", policies={"s3": doc(allow("s3:GetObject"))})]),
                  resource_policies=[{"arn": "arn:aws:s3:::shared", "policy": bucket}], organization=organization)
    write_account(tmp_path / OTHER, export(users=[user("partner", account=OTHER,
                                                       policies={"s3": doc(allow("s3:GetObject"))})]))
    ev = Evaluator(load_snapshot(tmp_path))
    outside = can(ev, arn("user", "partner", OTHER), "s3:GetObject", "arn:aws:s3:::shared/a")
    assert outside.decision.decision == "ExplicitDeny"
    assert outside.decision.blocked_by == ("rcp",)
    inside = can(ev, arn("user", "insider"), "s3:GetObject", "arn:aws:s3:::shared/a")
    assert inside.decision.allowed  # its aws:PrincipalOrgID comes from the snapshot's organization


def test_principal_tags_come_from_the_snapshot(tmp_path: Path) -> None:
    # aws:PrincipalTag/<key> is the tag attached to the user or role making the request (EVAL's context keys).
    tagged = doc(allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}))
    details = export(users=[user("blue", policies={"p": tagged}, tags={"team": "blue"}),
                            user("red", policies={"p": tagged}, tags={"team": "red"})], policies=[admin_policy()])
    ev = evaluator_of(tmp_path, details)
    assert can(ev, "blue", "s3:GetObject", "arn:aws:s3:::b/k").decision.allowed
    assert not can(ev, "red", "s3:GetObject", "arn:aws:s3:::b/k").decision.allowed
