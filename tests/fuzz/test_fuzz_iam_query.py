"""Random form bodies into ``parc.server.iam.handle_query``: it never raises, and every answer is either a result
botocore parses with the operation's output shape or an ``ErrorResponse`` botocore parses as an error (never a 500
ServiceFailure, which would be a bug in parc).

Bodies are built three ways: random bytes; random key=value pairs over the parameter names IAM's operations take
(nested lists and structures included); and valid botocore-serialized SimulateCustomPolicy bodies with fields
dropped, duplicated or mutated."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import botocore.session
from botocore.parsers import create_parser
from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

from parc.core.account.model import Estate
from parc.loaders.account import load_snapshot
from parc.server.iam import handle_query

ROOT = Path(__file__).resolve().parents[2]
MODEL = botocore.session.get_session().get_service_model("iam")
PARSER = create_parser("query")
OPERATIONS = ["SimulateCustomPolicy", "SimulatePrincipalPolicy", "GetAccountAuthorizationDetails", "ListUsers",
              "GetRole", "GetPolicyVersion", "ListPolicies", "GetGroup", "Frobnicate"]
KEYS = ["PolicyInputList.member.1", "PolicyInputList.member.2", "PolicyInputList", "ActionNames.member.1",
        "ActionNames.member.2", "ResourceArns.member.1", "ContextEntries.member.1.ContextKeyName",
        "ContextEntries.member.1.ContextKeyValues.member.1", "ContextEntries.member.1.ContextKeyType",
        "ContextEntries.member.1.ContextKeyValues.member.3", "ResourcePolicy", "CallerArn", "ResourceOwner",
        "MaxItems", "Marker", "ResourceHandlingOption", "PolicySourceArn", "RoleName", "PolicyArn", "VersionId",
        "Filter.member.1", "Scope", "OnlyAttached", "GroupName", "PermissionsBoundaryPolicyInputList.member.1",
        "OrderedOrganizationPolicyInputList.member.1.ServiceControlPolicyInputList.member.1",
        "PolicyExclusionList.member.1.PolicyType", "PolicyExclusionList.member.1.PolicyArn", "x.y.z", "member"]
VALUES = st.one_of(
    st.sampled_from(["", "s3:GetObject", "*", "arn:aws:s3:::b/k", "arn:aws:iam::444455556666:user/alice", "1",
                     "0", "-1", "true", "numeric", "ip", "stringList", "{", "{}", "Deployer", "v1", "Local",
                     "arn:aws:iam::aws:policy/PowerUserAccess", "EC2-VPC-EBS", "aws-managed",
                     json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                                         "Resource": "*"}]})]),
    st.text(max_size=40),
)


@lru_cache(maxsize=1)
def estates() -> list[Estate]:
    return [load_snapshot(ROOT / "examples/org")]


def check(body: bytes, operation: str | None) -> None:
    r = handle_query(body, estates())
    assert r.content_type == "text/xml"
    if r.status == 200:
        assert operation is not None
        PARSER.parse({"status_code": 200, "headers": {}, "body": r.body},
                     MODEL.operation_model(operation).output_shape)
    else:
        parsed = PARSER.parse({"status_code": r.status, "headers": {}, "body": r.body}, None)
        assert parsed["Error"]["Code"] and parsed["Error"]["Code"] != "ServiceFailure", parsed


@fuzz
@given(st.binary(max_size=300))
def test_random_bytes(body: bytes) -> None:
    check(body, None)


@fuzz
@given(st.sampled_from(OPERATIONS), st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=8))
def test_random_parameters(operation: str, pairs: list[tuple[str, str]]) -> None:
    body = f"Action={operation}&Version=2010-05-08&" + "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    check(body.encode(), operation)


@fuzz
@given(st.lists(st.sampled_from(["drop", "dup", "mutate", "empty"]), max_size=3), st.data())
def test_mutated_valid_requests(changes: list[str], data: st.DataObject) -> None:
    pairs = [("Action", "SimulateCustomPolicy"), ("Version", "2010-05-08"),
             ("PolicyInputList.member.1", json.dumps({"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                  "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})),
             ("ActionNames.member.1", "s3:GetObject"), ("ResourceArns.member.1", "arn:aws:s3:::b/k"),
             ("ContextEntries.member.1.ContextKeyName", "aws:SourceIp"),
             ("ContextEntries.member.1.ContextKeyValues.member.1", "10.1.2.3"),
             ("ContextEntries.member.1.ContextKeyType", "ip"), ("MaxItems", "5")]
    for change in changes:
        i = data.draw(st.integers(0, len(pairs) - 1))
        if change == "drop":
            pairs.pop(i)
        elif change == "dup":
            pairs.append(pairs[i])
        elif change == "mutate":
            pairs[i] = (pairs[i][0], data.draw(VALUES))
        else:
            pairs[i] = (pairs[i][0], "")
        if not pairs:
            break
    check(urlencode(pairs).encode(), "SimulateCustomPolicy")


POLICIES = [
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]},
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Deny", "Action": "sqs:Delete*", "NotResource": "arn:aws:sqs:*:111122223333:keep-*"}]},
]
RESOURCE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:*", "Resource": "*"}]}
CALLERS = ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::444455556666:user/bob"]
SIM_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "sqs:SendMessage", "sqs:DeleteQueue",
               "iam:CreateUser", "ec2:RunInstances"]
SIM_RESOURCES = ["*", "arn:aws:s3:::b/alice/k", "arn:aws:s3:::b/bob/k", "arn:aws:sqs:us-east-1:111122223333:keep-1",
                 "arn:aws:sqs:us-east-1:111122223333:drop-1", "arn:aws:sqs:us-east-1:444455556666:q"]
CONTEXTS = st.fixed_dictionaries({}, optional={
    "aws:SecureTransport": st.sampled_from(["true", "false"]), "aws:SourceIp": st.sampled_from(["10.1.1.1",
                                                                                                 "192.0.2.1"])})


@fuzz
@given(st.lists(st.sampled_from(range(len(POLICIES))), min_size=1, max_size=2, unique=True),
       st.lists(st.sampled_from(SIM_ACTIONS), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from(SIM_RESOURCES), min_size=1, max_size=3, unique=True),
       st.sampled_from(CALLERS), st.booleans(), CONTEXTS)
def test_simulator_decisions_are_the_library_decisions(picked: list[int], actions: list[str], resources: list[str],
                                                        caller: str, with_rp: bool, context: dict[str, str]) -> None:
    """Every EvalDecision of SimulateCustomPolicy is parc.authorize's decision for the same request."""
    import parc

    params: dict[str, object] = {
        "PolicyInputList": [json.dumps(POLICIES[i]) for i in picked], "ActionNames": actions,
        "ResourceArns": resources, "CallerArn": caller,
        "ContextEntries": [{"ContextKeyName": k, "ContextKeyValues": [v],
                            "ContextKeyType": "boolean" if k.endswith("Transport") else "ip"}
                           for k, v in context.items()]}
    if with_rp:
        params["ResourcePolicy"] = json.dumps(RESOURCE_POLICY)
    model = MODEL.operation_model("SimulateCustomPolicy")
    from botocore.serialize import create_serializer

    body = urlencode(create_serializer("query").serialize_to_request(params, model)["body"]).encode()
    r = handle_query(body, [])
    assert r.status == 200, r.body
    out = PARSER.parse({"status_code": 200, "headers": {}, "body": r.body}, model.output_shape)
    names = {"allowed": "Allow", "explicitDeny": "ExplicitDeny", "implicitDeny": "ImplicitDeny"}
    got = [(x["EvalActionName"], x["EvalResourceName"], names[x["EvalDecision"]]) for x in out["EvaluationResults"]]
    expected = []
    for a in actions:
        for res in resources:
            req: dict[str, object] = {"principal": caller, "action": a, "resource": res, "context": context,
                                      "identity_policies": [POLICIES[i] for i in picked]}
            if with_rp:
                req["resource_policy"] = RESOURCE_POLICY
            expected.append((a, res, parc.authorize(req).decision))
    assert got == expected
