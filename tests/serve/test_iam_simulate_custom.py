"""SimulateCustomPolicy through ``handle_query``: requests serialized by botocore, answers parsed by botocore, every
decision compared with ``parc.authorize`` for the same request.

https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_Statement.html (SourcePolicyId, Start/EndPosition)
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from iamfix import call, error_code

import parc

CALLER = "arn:aws:iam::111122223333:user/alice"
IDENTITY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
    {"Sid": "NoPutOverHttp", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "PutFromVpc", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}},
]}, indent=2)
DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


def simulate(**params: Any) -> dict[str, Any]:
    return call("SimulateCustomPolicy", params)


def library(action: str, resource: str, context: dict[str, object], **policies: Any) -> str:
    req: dict[str, object] = {"principal": CALLER, "action": action, "resource": resource, "context": context,
                              **policies}
    return DECISIONS[parc.authorize(req).decision]


@pytest.mark.parametrize(("action", "context", "expected"), [
    ("s3:GetObject", {}, "allowed"),
    ("s3:DeleteObject", {}, "implicitDeny"),
    ("s3:PutObject", {"aws:SecureTransport": "false", "aws:SourceVpc": "vpc-1"}, "explicitDeny"),
    ("s3:PutObject", {"aws:SecureTransport": "true", "aws:SourceVpc": "vpc-1"}, "allowed"),
    ("s3:PutObject", {"aws:SecureTransport": "true"}, "implicitDeny"),
])
def test_decisions_agree_with_the_library(action: str, context: dict[str, str], expected: str) -> None:
    entries = [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"} for k, v in context.items()]
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=[action], ResourceArns=["arn:aws:s3:::b/k"],
                   CallerArn=CALLER, ContextEntries=entries)
    [result] = out["EvaluationResults"]
    assert result["EvalDecision"] == expected
    assert result["EvalDecision"] == library(action, "arn:aws:s3:::b/k", dict(context),
                                             identity_policies=[json.loads(IDENTITY)])
    assert result["EvalActionName"] == action and result["EvalResourceName"] == "arn:aws:s3:::b/k"


def test_matched_statements_name_the_input_and_its_positions() -> None:
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=["s3:GetObject"], CallerArn=CALLER)
    [result] = out["EvaluationResults"]
    [m] = result["MatchedStatements"]
    assert m["SourcePolicyId"] == "PolicyInputList.1"
    assert "SourcePolicyType" not in m  # as in the AWS CLI reference's example for PolicyInputList.1
    # The "Read" statement: its { on line 4, column 5; its } on line 12, column 5. AWS counts just past each.
    lines = IDENTITY.split("\n")
    assert lines[3][4] == "{" and lines[11][4] == "}"
    assert m["StartPosition"] == {"Line": 4, "Column": 6}
    assert m["EndPosition"] == {"Line": 12, "Column": 6}
    assert result["EvalResourceName"] == "*"
    assert "EvalDecisionDetails" not in result  # absent for "*" (API_EvaluationResult)
    assert "ResourceSpecificResults" not in result


def test_explicit_deny_lists_only_the_deny() -> None:
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=["s3:PutObject"], CallerArn=CALLER,
                   ContextEntries=[{"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["false"],
                                    "ContextKeyType": "boolean"},
                                   {"ContextKeyName": "aws:SourceVpc", "ContextKeyValues": ["vpc-1"],
                                    "ContextKeyType": "string"}])
    [result] = out["EvaluationResults"]
    assert result["EvalDecision"] == "explicitDeny"
    assert [m["StartPosition"]["Line"] for m in result["MatchedStatements"]] == [13]


def test_missing_context_values_are_listed() -> None:
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=["s3:PutObject"], CallerArn=CALLER)
    [result] = out["EvaluationResults"]
    assert result["EvalDecision"] == "implicitDeny"
    assert set(result["MissingContextValues"]) == {"aws:SecureTransport", "aws:SourceVpc"}


def test_the_aws_cli_reference_example() -> None:
    """https://docs.aws.amazon.com/cli/latest/reference/iam/simulate-custom-policy.html, first example: the same
    policy, action and context give the same answer, positions included."""
    policy = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
              '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}')
    for when, expected in (("2019-04-25T11:00:00Z", "allowed"), ("2014-04-25T11:00:00Z", "implicitDeny")):
        out = simulate(PolicyInputList=[policy], ActionNames=["dynamodb:CreateBackup"],
                       ContextEntries=[{"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [when],
                                        "ContextKeyType": "date"}])
        [r] = out["EvaluationResults"]
        assert (r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) == ("dynamodb:CreateBackup", "*",
                                                                                  expected)
        assert r["MissingContextValues"] == []
        if expected == "allowed":
            assert r["MatchedStatements"] == [{"SourcePolicyId": "PolicyInputList.1",
                                               "StartPosition": {"Line": 1, "Column": 38},
                                               "EndPosition": {"Line": 1, "Column": 167}}]
        else:
            assert r["MatchedStatements"] == []


def test_second_policy_is_policy_input_list_2() -> None:
    other = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*",
                                                                "Resource": "*"}})
    out = simulate(PolicyInputList=[IDENTITY, other], ActionNames=["sqs:SendMessage"], CallerArn=CALLER)
    [m] = out["EvaluationResults"][0]["MatchedStatements"]
    assert m["SourcePolicyId"] == "PolicyInputList.2"
    start = other.index('{"Effect"')  # 0-based offset of the statement's {; its } is the text's last but one
    assert m["StartPosition"] == {"Line": 1, "Column": start + 2}
    assert m["EndPosition"] == {"Line": 1, "Column": len(other)}


def test_resource_policy_cross_account_and_eval_decision_details() -> None:
    rp = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": CALLER},
                                                             "Action": "sqs:SendMessage", "Resource": "*"}]})
    ident = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*",
                                                                "Resource": "*"}]})
    queue = "arn:aws:sqs:us-east-1:444455556666:q"
    out = simulate(PolicyInputList=[ident], ResourcePolicy=rp, ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"],
                   ResourceArns=[queue], CallerArn=CALLER)
    send, delete = out["EvaluationResults"]
    assert send["EvalDecision"] == "allowed" == library("sqs:SendMessage", queue, {}, identity_policies=[
        json.loads(ident)], resource_policy=json.loads(rp))
    # Cross-account: both sides must allow; the resource policy does not grant DeleteQueue.
    assert delete["EvalDecision"] == "implicitDeny" == library("sqs:DeleteQueue", queue, {}, identity_policies=[
        json.loads(ident)], resource_policy=json.loads(rp))
    assert send["EvalDecisionDetails"] == {"identity": "allowed", "resource": "allowed"}
    assert [m.get("SourcePolicyType") for m in send["MatchedStatements"]] == [None, "resource"]
    assert [m["SourcePolicyId"] for m in send["MatchedStatements"]] == ["PolicyInputList.1", "ResourcePolicy"]
    assert send["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"


def test_same_account_resource_arn_has_empty_eval_decision_details() -> None:
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=["s3:GetObject"], CallerArn=CALLER,
                   ResourceArns=["arn:aws:sqs:us-east-1:111122223333:q"])
    assert out["EvaluationResults"][0]["EvalDecisionDetails"] == {}


def test_resource_owner_makes_a_bucket_cross_account() -> None:
    ident = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                                "Resource": "*"}]})
    same = simulate(PolicyInputList=[ident], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/k"],
                    CallerArn=CALLER)
    other = simulate(PolicyInputList=[ident], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/k"],
                     CallerArn=CALLER, ResourceOwner="arn:aws:iam::444455556666:root")
    assert same["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert other["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_permissions_boundary_and_its_detail() -> None:
    boundary = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*",
                                                                   "Resource": "*"}]})
    out = simulate(PolicyInputList=[IDENTITY], PermissionsBoundaryPolicyInputList=[boundary],
                   ActionNames=["s3:GetObject", "s3:ListBucket"], CallerArn=CALLER)
    get, lst = out["EvaluationResults"]
    assert get["EvalDecision"] == "implicitDeny" == library("s3:GetObject", "*", {}, identity_policies=[
        json.loads(IDENTITY)], permissions_boundary=json.loads(boundary))
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert lst["EvalDecision"] == "allowed"
    assert lst["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}


def test_ordered_organization_policies_are_scp_levels() -> None:
    full = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    no_s3 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*",
                                                                "Resource": "*"}]})
    levels = [{"ServiceControlPolicyInputList": [full]}, {"ServiceControlPolicyInputList": [no_s3]}]
    out = simulate(PolicyInputList=[IDENTITY], OrderedOrganizationPolicyInputList=levels,
                   ActionNames=["s3:GetObject"], CallerArn=CALLER)
    [r] = out["EvaluationResults"]
    assert r["EvalDecision"] == "implicitDeny" == library("s3:GetObject", "*", {}, identity_policies=[
        json.loads(IDENTITY)], scps=[[json.loads(full)], [json.loads(no_s3)]])
    assert r["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}


@pytest.mark.parametrize(("ktype", "values", "ok"), [
    ("string", ["x"], True), ("stringList", ["a", "b"], True), ("numeric", ["10"], True),
    ("numeric", ["ten"], False), ("numericList", ["1", "2.5"], True), ("numericList", ["1", "x"], False),
    ("boolean", ["TRUE"], True), ("boolean", ["yes"], False), ("booleanList", ["true", "false"], True),
    ("ip", ["10.0.0.1"], True), ("ip", ["10.0.0.0/8"], True), ("ip", ["10.0.0.300"], False),
    ("ipList", ["::1", "10.1.1.1"], True), ("binary", ["QUJD"], True), ("binary", ["!!"], False),
    ("binaryList", ["QUJD", "REVG"], True), ("date", ["2026-01-01T00:00:00Z"], True), ("date", ["1700000000"], True),
    ("date", ["yesterday"], False), ("dateList", ["2026-01-01", "2026-02-01T00:00:00Z"], True),
    ("string", ["a", "b"], False),
])
def test_context_entry_types(ktype: str, values: list[str], ok: bool) -> None:
    out = simulate(PolicyInputList=[IDENTITY], ActionNames=["s3:GetObject"], CallerArn=CALLER,
                   ContextEntries=[{"ContextKeyName": "aws:Custom", "ContextKeyValues": values,
                                    "ContextKeyType": ktype}])
    if ok:
        assert out["_status"] == 200 and out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    else:
        assert out["_status"] == 400 and error_code(out) == "InvalidInput"


def test_numeric_context_drives_a_numeric_condition() -> None:
    condition = {"NumericLessThanEquals": {"s3:max-keys": "10"}}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                                 "Resource": "*", "Condition": condition}]})
    for value, expected in (("5", "allowed"), ("50", "implicitDeny")):
        out = simulate(PolicyInputList=[policy], ActionNames=["s3:ListBucket"], CallerArn=CALLER,
                       ContextEntries=[{"ContextKeyName": "s3:max-keys", "ContextKeyValues": [value],
                                        "ContextKeyType": "numeric"}])
        assert out["EvaluationResults"][0]["EvalDecision"] == expected
        assert expected == library("s3:ListBucket", "*", {"s3:max-keys": value},
                                   identity_policies=[json.loads(policy)])


def test_string_list_is_multivalued() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags",
                                                                 "Resource": "*", "Condition": {
                                                                     "ForAllValues:StringEquals": {
                                                                         "aws:TagKeys": ["env", "team"]}}}]})
    ok = simulate(PolicyInputList=[policy], ActionNames=["ec2:CreateTags"], CallerArn=CALLER,
                  ContextEntries=[{"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["env"],
                                   "ContextKeyType": "stringList"}])
    bad = simulate(PolicyInputList=[policy], ActionNames=["ec2:CreateTags"], CallerArn=CALLER,
                   ContextEntries=[{"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["env", "cost"],
                                    "ContextKeyType": "stringList"}])
    assert ok["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert bad["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_without_caller_the_identity_keys_are_missing() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                 "Resource": "arn:aws:s3:::b/${aws:username}/*"}]})
    out = simulate(PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/alice/k"])
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    given = simulate(PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::b/alice/k"],
                     ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"],
                                      "ContextKeyType": "string"}])
    assert given["EvaluationResults"][0]["EvalDecision"] == "allowed"
    with_caller = simulate(PolicyInputList=[policy], ActionNames=["s3:GetObject"], CallerArn=CALLER,
                           ResourceArns=["arn:aws:s3:::b/alice/k"])
    assert with_caller["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_paging_with_max_items_and_marker() -> None:
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::b/1", "arn:aws:s3:::b/2"]
    seen: list[tuple[str, str]] = []
    marker = None
    pages = 0
    while True:
        params: dict[str, Any] = {"PolicyInputList": [IDENTITY], "ActionNames": actions, "ResourceArns": resources,
                                  "CallerArn": CALLER, "MaxItems": 4}
        if marker:
            params["Marker"] = marker
        out = simulate(**params)
        pages += 1
        seen += [(r["EvalActionName"], r["EvalResourceName"]) for r in out["EvaluationResults"]]
        if not out["IsTruncated"]:
            assert "Marker" not in out
            break
        marker = out["Marker"]
    assert pages == 2
    assert seen == [(a, r) for a in actions for r in resources]
    assert error_code(simulate(PolicyInputList=[IDENTITY], ActionNames=actions, Marker="nonsense")) == "InvalidInput"


def test_resource_handling_option_gives_one_result_per_action() -> None:
    ident = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:subnet/subnet-bad"}]})
    res = ["arn:aws:ec2:us-east-1:111122223333:instance/*", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-bad"]
    out = simulate(PolicyInputList=[ident], ActionNames=["ec2:RunInstances"], ResourceArns=res, CallerArn=CALLER,
                   ResourceHandlingOption="EC2-VPC-EBS-Subnet")
    [r] = out["EvaluationResults"]
    assert r["EvalDecision"] == "explicitDeny"
    assert [x["EvalResourceDecision"] for x in r["ResourceSpecificResults"]] == ["allowed", "explicitDeny"]
    bad = simulate(PolicyInputList=[ident], ActionNames=["ec2:RunInstances"], ResourceHandlingOption="EC2-Nope")
    assert error_code(bad) == "InvalidInput"


@pytest.mark.parametrize(("params", "code", "status"), [
    ({"PolicyInputList": ["{not json"], "ActionNames": ["s3:GetObject"]}, "MalformedPolicyDocument", 400),
    ({"PolicyInputList": [json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]})],
      "ActionNames": ["s3:GetObject"]}, "MalformedPolicyDocument", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"], "ResourcePolicy": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                 "Resource": "*"}]})}, "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["GetObject"]}, "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"], "ResourceArns": ["bucket"]},
     "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"], "CallerArn": "arn:aws:iam::1:role/r"},
     "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"], "ResourceOwner": "me"}, "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"],
      "ContextEntries": [{"ContextKeyValues": ["x"], "ContextKeyType": "string"}]}, "InvalidInput", 400),
    ({"PolicyInputList": [IDENTITY], "ActionNames": ["s3:GetObject"],
      "PermissionsBoundaryPolicyInputList": [IDENTITY, IDENTITY]}, "InvalidInput", 400),
])
def test_bad_requests_get_aws_errors(params: dict[str, Any], code: str, status: int) -> None:
    out = simulate(**params)
    assert (out["_status"], error_code(out)) == (status, code)
    assert out["Error"]["Type"] == "Sender"


def test_context_keys_for_custom_policy() -> None:
    """https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html"""
    out = call("GetContextKeysForCustomPolicy", {"PolicyInputList": [IDENTITY, json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {
            "StringEquals": {"AWS:SourceVpc": "vpc-2", "s3:prefix": "home/"}}}]})]})
    assert out["ContextKeyNames"] == ["aws:SecureTransport", "aws:SourceVpc", "s3:prefix"]
    bad = call("GetContextKeysForCustomPolicy", {"PolicyInputList": ["{"]})
    assert (bad["_status"], error_code(bad)) == (400, "InvalidInput")
