"""SimulatePrincipalPolicy and the read calls through the real server with real boto3 IAM clients; every decision
compared with parc's account evaluator for the same request.

https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html (the document is URL-encoded)
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from parc.api import rcp_supported_services
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.account.principals import resolve
from parc.loaders.account import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
ORG = "examples/org"
DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}
ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:CreateUser", "ec2:RunInstances", "kms:Decrypt", "sts:AssumeRole"]
RESOURCES = ["*", "arn:aws:s3:::prod-customer-data/report.csv", "arn:aws:iam::444455556666:role/Deployer"]


@lru_cache(maxsize=1)
def org_estate() -> Estate:
    return load_snapshot(ROOT / ORG)


@pytest.fixture
def iam(boto3_client: Callable[[str], Any]) -> Any:
    return boto3_client("iam")


def _principals() -> list[str]:
    e = org_estate()
    return [x.arn for a in e.accounts for x in (*a.users, *a.roles)][:14]


@pytest.mark.serve_accounts(ORG)
def test_principal_decisions_agree_with_the_evaluator(iam: Any) -> None:
    e = org_estate()
    ev = Evaluator(e, rcp_services=rcp_supported_services())
    checked = 0
    for arn in _principals():
        out = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=ACTIONS, ResourceArns=RESOURCES)
        assert not out["IsTruncated"]
        assert len(out["EvaluationResults"]) == len(ACTIONS) * len(RESOURCES)
        for r in out["EvaluationResults"]:
            lib = ev.decide(resolve(e, arn), r["EvalActionName"], r["EvalResourceName"])
            assert r["EvalDecision"] == DECISIONS[lib.decision], (arn, r["EvalActionName"], r["EvalResourceName"])
            assert len(r["MatchedStatements"]) == len(lib.deciding)
            checked += 1
    assert checked == 14 * len(ACTIONS) * len(RESOURCES)


@pytest.mark.serve_accounts(ORG)
def test_matched_statements_point_into_the_served_documents(iam: Any) -> None:
    out = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:user/alice",
                                        ActionNames=["s3:GetObject", "iam:CreateUser"])
    get, create = out["EvaluationResults"]
    assert get["EvalDecision"] == "allowed"
    [m] = get["MatchedStatements"]
    assert (m["SourcePolicyId"], m["SourcePolicyType"]) == ("PowerUserAccess", "aws-managed")
    doc = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess",
                                 VersionId=iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")[
                                     "Policy"]["DefaultVersionId"])["PolicyVersion"]["Document"]
    text = json.dumps(doc, indent=4)  # boto3 decodes the document; the server served json.dumps(indent=4)
    lines = text.split("\n")
    assert lines[m["StartPosition"]["Line"] - 1][m["StartPosition"]["Column"] - 2] == "{"  # just past the brace
    assert lines[m["EndPosition"]["Line"] - 1][m["EndPosition"]["Column"] - 2] == "}"
    # alice's boundary and the organization's SCPs are reported; the SCP that denies is the matched statement.
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert create["EvalDecision"] == "explicitDeny"
    assert create["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert [m["SourcePolicyId"] for m in create["MatchedStatements"]] == ["NoLongLivedCredentialsInProd"]


@pytest.mark.serve_accounts(ORG)
def test_policy_input_list_adds_and_exclusions_remove(iam: Any) -> None:
    extra = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",
                                                                "Resource": "*"}]})
    bob = "arn:aws:iam::444455556666:user/bob"
    before = iam.simulate_principal_policy(PolicySourceArn=bob, ActionNames=["s3:GetObject"])
    assert before["EvaluationResults"][0]["EvalDecision"] == "allowed"
    excluded = iam.simulate_principal_policy(PolicySourceArn=bob, ActionNames=["s3:GetObject"],
                                             PolicyExclusionList=[{"PolicyType": "aws-managed"}])
    assert excluded["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    by_arn = iam.simulate_principal_policy(PolicySourceArn=bob, ActionNames=["s3:GetObject"],
                                           PolicyExclusionList=[{"PolicyArn": "arn:aws:iam::aws:policy/Power*"}])
    assert by_arn["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    added = iam.simulate_principal_policy(PolicySourceArn=bob, ActionNames=["sqs:SendMessage"],
                                          PolicyInputList=[extra], PolicyExclusionList=[{"PolicyType": "aws-managed"}])
    [m] = added["EvaluationResults"][0]["MatchedStatements"]
    assert m["SourcePolicyId"] == "PolicyInputList.1"


@pytest.mark.serve_accounts(ORG)
def test_boundary_input_replaces_the_entity_boundary(iam: Any) -> None:
    alice = "arn:aws:iam::444455556666:user/alice"
    everything = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                     "Resource": "*"}]})
    own = iam.simulate_principal_policy(PolicySourceArn=alice, ActionNames=["ec2:RunInstances"])
    replaced = iam.simulate_principal_policy(PolicySourceArn=alice, ActionNames=["ec2:RunInstances"],
                                             PermissionsBoundaryPolicyInputList=[everything])
    assert own["EvaluationResults"][0]["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is False
    assert replaced["EvaluationResults"][0]["PermissionsBoundaryDecisionDetail"][
        "AllowedByPermissionsBoundary"] is True


@pytest.mark.serve_accounts(ORG)
def test_principal_errors(iam: Any) -> None:
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:user/nobody",
                                      ActionNames=["s3:GetObject"])
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:s3:::my-bucket-name", ActionNames=["s3:GetObject"])
    with pytest.raises(iam.exceptions.InvalidInputException):  # a role with a resource policy needs a caller
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:role/Deployer",
                                      ActionNames=["s3:GetObject"], ResourcePolicy=json.dumps(
                                          {"Version": "2012-10-17", "Statement": [
                                              {"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                               "Resource": "*"}]}))
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:user/bob",
                                      ActionNames=["s3:GetObject"], PolicyInputList=["{"])


@pytest.mark.serve_accounts(ORG)
def test_read_calls(iam: Any) -> None:
    e = org_estate()
    users = iam.list_users()["Users"]
    assert [u["Arn"] for u in users] == [u.arn for a in e.accounts for u in a.users]
    roles = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 4}).build_full_result()["Roles"]
    assert [r["Arn"] for r in roles] == [r.arn for a in e.accounts for r in a.roles]
    deployer = next(r for r in roles if r["Arn"] == "arn:aws:iam::444455556666:role/Deployer")
    assert deployer["AssumeRolePolicyDocument"]["Statement"]  # decoded back by boto3
    assert iam.list_users(PathPrefix="/automation/")["Users"][0]["UserName"] == "ci-deployer"
    alice = iam.get_user(UserName="alice")["User"]
    boundary = alice["PermissionsBoundary"]["PermissionsBoundaryArn"]
    assert boundary == "arn:aws:iam::444455556666:policy/DeveloperBoundary"
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["Developers"]
    group = iam.get_group(GroupName="Developers")
    assert {u["UserName"] for u in group["Users"]} == {"alice", "bob"}
    attached = iam.list_attached_group_policies(GroupName="Developers")["AttachedPolicies"]
    assert any(p["PolicyName"] == "PowerUserAccess" for p in attached)
    ci = iam.list_user_policies(UserName="ci-deployer")["PolicyNames"]
    assert ci == ["ReadArtifacts"]
    doc = iam.get_user_policy(UserName="ci-deployer", PolicyName="ReadArtifacts")["PolicyDocument"]
    account = e.account("111122223333")
    assert account is not None
    [user] = [u for u in account.users if u.name == "ci-deployer"]
    assert user.inline[0].policy is not None and user.inline[0].policy.node is not None
    assert doc == user.inline[0].policy.node.to_python()
    local = iam.list_policies(Scope="Local")["Policies"]
    assert local and all(":iam::aws:policy/" not in p["Arn"] for p in local)
    aws = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert aws and all(":iam::aws:policy/" in p["Arn"] and p["AttachmentCount"] + p[
        "PermissionsBoundaryUsageCount"] > 0 for p in aws)
    versions = iam.list_policy_versions(PolicyArn=local[0]["Arn"])["Versions"]
    assert any(v["IsDefaultVersion"] for v in versions)


@pytest.mark.serve_accounts(ORG)
def test_account_authorization_details_pages_and_filters(iam: Any) -> None:
    e = org_estate()
    full = iam.get_paginator("get_account_authorization_details").paginate(
        PaginationConfig={"PageSize": 7}).build_full_result()
    assert len(full["UserDetailList"]) == sum(len(a.users) for a in e.accounts)
    assert len(full["RoleDetailList"]) == sum(len(a.roles) for a in e.accounts)
    assert len(full["Policies"]) == sum(len(a.policies) for a in e.accounts)
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert only_roles["RoleDetailList"] and not only_roles["UserDetailList"] and not only_roles["Policies"]


@pytest.mark.serve_accounts(ORG)
def test_read_errors(iam: Any) -> None:
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="no-such-role")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_policy(PolicyArn="arn:aws:iam::444455556666:policy/Nope")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user_policy(UserName="ci-deployer", PolicyName="Nope")
    with pytest.raises(iam.exceptions.InvalidInputException):  # two accounts hold a role named Deployer
        iam.get_role(RoleName="Deployer")
    with pytest.raises(ClientError) as err:
        iam.create_user(UserName="x")
    assert err.value.response["Error"]["Code"] == "InvalidAction"


@pytest.mark.serve_accounts(ORG)
def test_cross_account_assume_role_uses_the_snapshot_trust_policy(iam: Any) -> None:
    """parc answers with both sides of a cross-account request: the caller's policies and the role's trust policy
    in the snapshot (AWS's simulator takes only a ResourcePolicy the call sends)."""
    e = org_estate()
    ev = Evaluator(e, rcp_services=rcp_supported_services())
    ci = "arn:aws:iam::111122223333:user/automation/ci-deployer"
    role = "arn:aws:iam::444455556666:role/Deployer"
    out = iam.simulate_principal_policy(PolicySourceArn=ci, ActionNames=["sts:AssumeRole"], ResourceArns=[role])
    [r] = out["EvaluationResults"]
    lib = ev.decide(resolve(e, ci), "sts:AssumeRole", role)
    assert r["EvalDecision"] == DECISIONS[lib.decision] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in r["MatchedStatements"]] == [
        ("CIDeployerPolicy", "user-managed"), (role, "resource")]
    # cross-account: a summary per policy type (parc's names for them)
    assert r["EvalDecisionDetails"]["identity"] == r["EvalDecisionDetails"]["resource"] == "allowed"
    # Without the trust policy's grant, the same request is denied: another caller of the same account.
    other = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::111122223333:user/auditor",
                                          ActionNames=["sts:AssumeRole"], ResourceArns=[role])
    assert other["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


@pytest.mark.serve_accounts(ORG)
def test_caller_arn_takes_the_source_policies(iam: Any) -> None:
    per_user = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-bucket/${aws:username}/*"}]})
    for caller, key, expected in (("arn:aws:iam::444455556666:user/bob", "bob", "allowed"),
                                  ("arn:aws:iam::444455556666:user/bob", "alice", "implicitDeny")):
        out = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:role/app-runtime",
                                            CallerArn=caller, PolicyInputList=[per_user],
                                            ActionNames=["s3:GetObject"],
                                            ResourceArns=[f"arn:aws:s3:::team-bucket/{key}/x"],
                                            PolicyExclusionList=[{"PolicyType": "user-managed"}])
        assert out["EvaluationResults"][0]["EvalDecision"] == expected, (caller, key)


@pytest.mark.serve_accounts(ORG)
def test_group_source_and_inline_exclusion(iam: Any) -> None:
    group = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:group/Developers",
                                          ActionNames=["ec2:RunInstances"])
    [r] = group["EvaluationResults"]
    assert r["EvalDecision"] == "allowed"
    assert {m["SourcePolicyType"] for m in r["MatchedStatements"]} == {"aws-managed"}
    ci = "arn:aws:iam::111122223333:user/automation/ci-deployer"
    bucket = "arn:aws:s3:::mgmt-build-artifacts/app.zip"
    kept = iam.simulate_principal_policy(PolicySourceArn=ci, ActionNames=["s3:GetObject"], ResourceArns=[bucket])
    assert "ReadArtifacts" in [m["SourcePolicyId"] for m in kept["EvaluationResults"][0]["MatchedStatements"]]
    assert kept["EvaluationResults"][0]["MatchedStatements"][0].get("SourcePolicyType") in ("user", "user-managed")
    dropped = iam.simulate_principal_policy(
        PolicySourceArn=ci, ActionNames=["s3:GetObject"], ResourceArns=[bucket],
        PolicyExclusionList=[{"InlinePolicyIdentifier": {"PolicyName": "ReadArtifacts", "AttachmentType": "user",
                                                         "AttachmentName": "ci-*"}}])
    ids = [m["SourcePolicyId"] for m in dropped["EvaluationResults"][0]["MatchedStatements"]]
    assert "ReadArtifacts" not in ids


@pytest.mark.serve_accounts(ORG)
def test_scp_exclusion_removes_the_organization(iam: Any) -> None:
    intern = "arn:aws:iam::777788889999:user/intern"
    with_scps = iam.simulate_principal_policy(PolicySourceArn=intern, ActionNames=["s3:GetObject"])
    [r] = with_scps["EvaluationResults"]
    assert r["EvalDecision"] == "explicitDeny"
    assert r["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    without = iam.simulate_principal_policy(PolicySourceArn=intern, ActionNames=["s3:GetObject"],
                                            PolicyExclusionList=[{"PolicyType": "scp"}])
    [w] = without["EvaluationResults"]
    assert "OrganizationsDecisionDetail" not in w
    assert all(m["SourcePolicyId"] != "SandboxRegions" for m in w["MatchedStatements"])


@pytest.mark.serve_accounts(ORG)
def test_context_keys_for_principal_policy(iam: Any) -> None:
    """https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html"""
    oncall = "arn:aws:iam::777788889999:user/ops-oncall"
    out = iam.get_context_keys_for_principal_policy(PolicySourceArn=oncall)
    assert out["ContextKeyNames"] == ["aws:MultiFactorAuthPresent"]
    condition = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    extra = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                                "Condition": condition}]})
    out = iam.get_context_keys_for_principal_policy(PolicySourceArn=oncall, PolicyInputList=[extra])
    assert out["ContextKeyNames"] == ["aws:MultiFactorAuthPresent", "aws:SourceIp"]
    assert iam.get_context_keys_for_principal_policy(
        PolicySourceArn="arn:aws:iam::444455556666:user/alice")["ContextKeyNames"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_context_keys_for_principal_policy(PolicySourceArn="arn:aws:iam::444455556666:user/nobody")


def test_a_reloaded_snapshot_replaces_the_cached_one() -> None:
    """The server swaps its estates on --reload-on-change: answers come from the new one, and the caches built for
    the old one are dropped (they would keep it alive)."""
    from iamfix import call

    from parc.server.iam import principal

    first, second = load_snapshot(ROOT / ORG), load_snapshot(ROOT / ORG)
    params = {"PolicySourceArn": "arn:aws:iam::444455556666:user/alice", "ActionNames": ["s3:GetObject"]}
    a = call("SimulatePrincipalPolicy", params, [first])
    assert [id(e) for e in principal._SERVED] == [id(first)]
    assert any(e is first for e, _ in principal._EVALUATORS.values())
    b = call("SimulatePrincipalPolicy", params, [second])
    assert a["EvaluationResults"] == b["EvaluationResults"]
    assert [id(e) for e in principal._SERVED] == [id(second)]
    assert all(e is second for e, _ in principal._EVALUATORS.values())
    assert all(g.estate is second for g in principal._GATHERED.values())


def test_instance_profiles_and_policy_usage() -> None:
    """ListInstanceProfiles from the roles' profiles; ListPolicies' PolicyUsageFilter and GetPolicy's counts."""
    from iamfix import call

    e = [org_estate()]
    [profile] = call("ListInstanceProfiles", {}, e)["InstanceProfiles"]
    assert profile["InstanceProfileName"] == "ops-admin"
    assert [r["RoleName"] for r in profile["Roles"]] == ["ops-admin"]
    boundaries = call("ListPolicies", {"PolicyUsageFilter": "PermissionsBoundary"}, e)["Policies"]
    assert [p["PolicyName"] for p in boundaries] == ["DeveloperBoundary"]
    got = call("GetPolicy", {"PolicyArn": "arn:aws:iam::444455556666:policy/DeveloperBoundary"}, e)["Policy"]
    assert (got["AttachmentCount"], got["PermissionsBoundaryUsageCount"]) == (0, 1)
    assert "CreateDate" not in got  # the snapshot model keeps no dates: left out, never made up
