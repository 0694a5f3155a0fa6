"""The Query protocol's edges: malformed form data, unknown actions and versions, unknown parameters, and the real
``aws`` CLI against the server (``--endpoint-url``).

https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html (InvalidAction, MissingAction,
MalformedQueryString, ValidationError)
https://docs.aws.amazon.com/cli/latest/reference/iam/simulate-custom-policy.html
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from iamfix import PARSER, body_for, error_code

from parc.server.iam import handle_query, query_error

AWS = Path(sys.executable).with_name("aws")


def answer(body: bytes) -> tuple[int, dict[str, Any]]:
    r = handle_query(body, [])
    return r.status, PARSER.parse({"status_code": r.status, "headers": {}, "body": r.body}, None)


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"", 400, "MissingAction"),
    (b"Version=2010-05-08", 400, "MissingAction"),
    (b"Action=SimulateCustomPolicy", 400, "MissingParameter"),
    (b"Action=SimulateCustomPolicy&Version=2099-01-01", 400, "InvalidAction"),
    (b"Action=Frobnicate&Version=2010-05-08", 400, "InvalidAction"),
    (b"Action=CreateUser&Version=2010-05-08&UserName=x", 400, "InvalidAction"),
    (b"Action=ListUsers&Version=2010-05-08&Action=ListRoles", 400, "MalformedQueryString"),
    (b"Action=ListUsers&Version=2010-05-08&\xff=1", 400, "MalformedQueryString"),
    (b"Action=ListUsers&Version=2010-05-08&&&", 400, "MalformedQueryString"),
    (b"Action=ListUsers&Version=2010-05-08&Bogus=1", 400, "InvalidInput"),
    (b"Action=ListUsers&Version=2010-05-08&MaxItems=ten", 400, "ValidationError"),
    (b"Action=ListUsers&Version=2010-05-08&MaxItems=0", 400, "ValidationError"),
    (b"Action=SimulateCustomPolicy&Version=2010-05-08&ActionNames.member.1=s3:GetObject", 400, "ValidationError"),
    (b"Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.2=x&ActionNames.member.1=s3:Get",
     400, "InvalidInput"),
    (b"Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=x&PolicyInputList.member.1.a=1"
     b"&ActionNames.member.1=s3:Get", 400, "InvalidInput"),
    (b"Action=ListPolicies&Version=2010-05-08&Scope=Everything", 400, "ValidationError"),
    (b"Action=GetRole&Version=2010-05-08&RoleName=ghost", 404, "NoSuchEntity"),
    (b"Action=ListUsers&Version=2010-05-08&Marker=zzz", 400, "InvalidInput"),
])
def test_malformed_requests_get_aws_errors(body: bytes, status: int, code: str) -> None:
    got_status, parsed = answer(body)
    assert (got_status, parsed["Error"]["Code"]) == (status, code)
    assert parsed["ResponseMetadata"]["RequestId"]


def test_oversize_body_is_refused() -> None:
    status, parsed = answer(b"Action=ListUsers&Version=2010-05-08&PathPrefix=" + b"a" * (2 << 20))
    assert (status, parsed["Error"]["Code"]) == (413, "RequestEntityTooLarge")


def test_query_error_is_parsable_with_any_message() -> None:
    r = query_error(500, "ServiceFailure", "bad \x00 <xml> & \ud800 text")
    parsed = PARSER.parse({"status_code": r.status, "headers": {}, "body": r.body}, None)
    assert parsed["Error"]["Code"] == "ServiceFailure" and parsed["Error"]["Type"] == "Receiver"
    assert "<xml> &" in parsed["Error"]["Message"]


def test_an_empty_list_as_botocore_sends_it() -> None:
    body = body_for("SimulateCustomPolicy", {"PolicyInputList": ["{}"], "ActionNames": ["s3:GetObject"],
                                             "ResourceArns": []})
    _, parsed = answer(body)
    assert error_code(parsed) == "MalformedPolicyDocument"  # the list parsed; the policy is what is wrong


def _aws(serve_url: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "dummy",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    done = subprocess.run([str(AWS), "--endpoint-url", serve_url, "--output", "json", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def test_aws_cli_simulate_and_reads(serve_url: str) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                 "Resource": "*"}]})
    out = _aws(serve_url, "iam", "simulate-custom-policy", "--policy-input-list", policy, "--action-names",
               "s3:GetObject", "s3:PutObject", "--context-entries",
               "ContextKeyName=aws:SourceIp,ContextKeyValues=10.0.0.1,ContextKeyType=ip")
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "implicitDeny"]
    assert out["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    users = _aws(serve_url, "iam", "list-users")
    assert {u["UserName"] for u in users["Users"]} == {"org-admin", "auditor", "ci-deployer"}
    sim = _aws(serve_url, "iam", "simulate-principal-policy", "--policy-source-arn",
               "arn:aws:iam::111122223333:user/org-admin", "--action-names", "iam:CreateUser")
    assert sim["EvaluationResults"][0]["EvalDecision"] == "allowed"  # AdministratorAccess; no SCP in management
    role = _aws(serve_url, "iam", "get-role", "--role-name", "AWSServiceRoleForOrganizations")
    assert role["Role"]["AssumeRolePolicyDocument"]["Statement"]
