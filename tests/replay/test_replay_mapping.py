"""A CloudTrail record mapped to the request IAM decided: action(s), resource ARN, principal and context; and the
records that cannot be replayed, counted by reason. Each case names the rule it pins and cites its page.
Record shape: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
"""

from __future__ import annotations

from typing import Any

import pytest
from replay_helpers import ACCT, arn, identity_session, identity_user, record

from parc.core.replay import Call, Unmapped, unused_actions
from parc.loaders.cloudtrail import Sessions, default_table, map_record

S3 = "s3.amazonaws.com"
S3_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

MAPPED: list[tuple[str, dict[str, Any], tuple[str, ...], str]] = [
    # (rule and page, record, actions, resource)
    ("ListObjectsV2 needs s3:ListBucket on the bucket " + S3_API + "API_ListObjectsV2.html",
     record(S3, "ListObjectsV2", params={"bucketName": "b", "prefix": "x/"}), ("s3:ListBucket",), "arn:aws:s3:::b"),
    ("ListObjects needs s3:ListBucket " + S3_API + "API_ListObjects.html",
     record(S3, "ListObjects", params={"bucketName": "b"}), ("s3:ListBucket",), "arn:aws:s3:::b"),
    ("HeadObject needs s3:GetObject on the object " + S3_API + "API_HeadObject.html",
     record(S3, "HeadObject", params={"bucketName": "b", "key": "k/1"}), ("s3:GetObject",), "arn:aws:s3:::b/k/1"),
    ("HeadBucket needs s3:ListBucket " + S3_API + "API_HeadBucket.html",
     record(S3, "HeadBucket", params={"bucketName": "b"}), ("s3:ListBucket",), "arn:aws:s3:::b"),
    ("a multipart upload needs s3:PutObject " + S3_API + "API_CreateMultipartUpload.html",
     record(S3, "CreateMultipartUpload", params={"bucketName": "b", "key": "big"}), ("s3:PutObject",),
     "arn:aws:s3:::b/big"),
    ("DeleteObjects needs s3:DeleteObject " + S3_API + "API_DeleteObjects.html",
     record(S3, "DeleteObjects", params={"bucketName": "b", "key": "k"}), ("s3:DeleteObject",), "arn:aws:s3:::b/k"),
    ("ListBuckets needs s3:ListAllMyBuckets, no resource-level permission " + S3_API + "API_ListBuckets.html",
     record(S3, "ListBuckets", params=None), ("s3:ListAllMyBuckets",), "*"),
    ("GetObjectAttributes needs both s3:GetObject and s3:GetObjectAttributes " + S3_API
     + "API_GetObjectAttributes.html",
     record(S3, "GetObjectAttributes", params={"bucketName": "b", "key": "k"}),
     ("s3:GetObject", "s3:GetObjectAttributes"), "arn:aws:s3:::b/k"),
    ("a data event's resources[] names the object (the ARN AWS logged wins over rebuilding it) "
     "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html",
     record(S3, "GetObject", params={"bucketName": "b", "key": "k"},
            resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"},
                       {"accountId": ACCT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]),
     ("s3:GetObject",), "arn:aws:s3:::b/k"),
    ("AssumeRole's resource is requestParameters.roleArn "
     "https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html",
     record("sts.amazonaws.com", "AssumeRole", params={"roleArn": arn("role", "App"), "roleSessionName": "s"}),
     ("sts:AssumeRole",), arn("role", "App")),
    ("KMS Decrypt names no key: the key ARN comes from resources[] "
     "https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html",
     record("kms.amazonaws.com", "Decrypt", params={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
            resources=[{"accountId": ACCT, "type": "AWS::KMS::Key", "ARN": KEY}]), ("kms:Decrypt",), KEY),
    ("Lambda's versioned event names lose their date suffix "
     "https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html",
     record("lambda.amazonaws.com", "GetFunction20150331v2", params={"functionName": "f"}),
     ("lambda:GetFunction",), f"arn:aws:lambda:us-east-1:{ACCT}:function:f"),
    ("a parameter that is an ARN is the resource (a function named by ARN)",
     record("lambda.amazonaws.com", "GetFunction20150331v2",
            params={"functionName": f"arn:aws:lambda:us-east-1:{ACCT}:function:g"}),
     ("lambda:GetFunction",), f"arn:aws:lambda:us-east-1:{ACCT}:function:g"),
    ("derived: DynamoDB GetItem on the table built from the ARN template, region and account "
     "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html",
     record("dynamodb.amazonaws.com", "GetItem", params={"tableName": "Orders"}), ("dynamodb:GetItem",),
     f"arn:aws:dynamodb:us-east-1:{ACCT}:table/Orders"),
    ("derived: CloudWatch (endpoint monitoring, IAM prefix cloudwatch); only optional resource types: * "
     "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html",
     record("monitoring.amazonaws.com", "ListMetrics", params={}), ("cloudwatch:ListMetrics",), "*"),
    ("derived: IAM GetRole on the role named by roleName",
     record("iam.amazonaws.com", "GetRole", params={"roleName": "App"}), ("iam:GetRole",), arn("role", "App")),
]


@pytest.mark.parametrize(("rule", "rec", "actions", "resource"), MAPPED, ids=[m[0][:60] for m in MAPPED])
def test_mapped(rule: str, rec: dict[str, Any], actions: tuple[str, ...], resource: str) -> None:
    call = map_record(rec)
    assert isinstance(call, Call), (rule, call)
    assert call.actions == actions
    assert call.resource == resource


UNMAPPED: list[tuple[str, dict[str, Any], str]] = [
    ("GetCallerIdentity needs no permission https://docs.aws.amazon.com/STS/latest/APIReference/"
     "API_GetCallerIdentity.html", record("sts.amazonaws.com", "GetCallerIdentity"), "needs no permission"),
    ("an AWS service's own calls are not the account's principals "
     "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html",
     record(S3, "GetObject", {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
            params={"bucketName": "b", "key": "k"}),
     "identity type AWSService (its policies are not in an account snapshot)"),
    ("a federated user's session policy is not logged",
     record(S3, "ListBuckets", {"type": "FederatedUser", "arn": f"arn:aws:sts::{ACCT}:federated-user/bob",
                                "accountId": ACCT}),
     "identity type FederatedUser (its policies are not in an account snapshot)"),
    ("a console sign-in is not an API call", record("signin.amazonaws.com", "ConsoleLogin",
                                                    eventType="AwsConsoleSignIn"),
     "not an API call (eventType AwsConsoleSignIn)"),
    ("fuzz find: an eventType that is not a string (a list is unhashable) is counted, not a crash",
     record(S3, "GetObject", eventType=[]), "eventType not a string"),
    ("an event source the table does not know", record("nothing.amazonaws.com", "Foo"), "unknown eventSource"),
    ("an event with no IAM action of its name", record(S3, "NoSuchOperation"), "no IAM action for the event"),
    ("a record without eventName", {"eventSource": S3}, "missing eventSource or eventName"),
    ("a record without userIdentity", {"eventSource": S3, "eventName": "ListBuckets"}, "no userIdentity"),
    ("a call that failed for another reason than access (throttled, invalid) is not known authorized",
     record(S3, "ListBuckets", errorCode="ThrottlingException"), "failed with an error other than access denied"),
    ("a table without its name: the resource cannot be built",
     record("dynamodb.amazonaws.com", "GetItem", params={}), "resource not derivable"),
]


@pytest.mark.parametrize(("rule", "rec", "reason"), UNMAPPED, ids=[u[0][:60] for u in UNMAPPED])
def test_unmapped_by_reason(rule: str, rec: dict[str, Any], reason: str) -> None:
    out = map_record(rec)
    assert isinstance(out, Unmapped), rule
    assert out.reason == reason


def test_resource_not_derivable_still_counts_the_action_used() -> None:
    out = map_record(record("dynamodb.amazonaws.com", "GetItem", params={}))
    assert isinstance(out, Unmapped) and out.used == ((arn("user", "alice"), ("dynamodb:GetItem",)),)


def test_access_denied_is_marked_denied_in_log() -> None:
    for code in ("AccessDenied", "Client.UnauthorizedOperation", "AccessDeniedException"):
        call = map_record(record(S3, "ListBuckets", errorCode=code))
        assert isinstance(call, Call) and call.denied_in_log


def test_principals_user_session_root() -> None:
    u = map_record(record(S3, "ListBuckets", identity_user()))
    s = map_record(record(S3, "ListBuckets", identity_session("App", "sess")))
    r = map_record(record(S3, "ListBuckets", {"type": "Root", "principalId": ACCT, "arn": f"arn:aws:iam::{ACCT}:root",
                                             "accountId": ACCT}))
    assert isinstance(u, Call) and (u.principal, u.reported) == (arn("user", "alice"), arn("user", "alice"))
    assert isinstance(s, Call) and s.principal == f"arn:aws:sts::{ACCT}:assumed-role/App/sess"
    assert s.reported == arn("role", "App")  # the session is decided as itself, reported as its role
    assert isinstance(r, Call) and r.principal == f"arn:aws:iam::{ACCT}:root"


def test_context_keys_from_the_record() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"""
    rec = record(S3, "ListBuckets", identity_session(mfa="true"), vpcEndpointId="vpce-0123",
                 tlsDetails={"tlsVersion": "TLSv1.3"})
    call = map_record(rec)
    assert isinstance(call, Call)
    c = call.context
    assert c["aws:SourceIp"] == "203.0.113.10"
    assert c["aws:UserAgent"] == "aws-cli/2.15.0"
    assert c["aws:SourceVpce"] == "vpce-0123"
    assert c["aws:MultiFactorAuthPresent"] == "true"
    assert c["aws:RequestedRegion"] == "us-east-1"
    assert c["aws:CurrentTime"] == "2024-05-01T10:00:00Z" and c["aws:EpochTime"] == "1714557600"
    assert c["aws:SecureTransport"] == "true"
    assert c["aws:TokenIssueTime"] == "2024-05-01T09:00:00Z"


def test_a_service_as_source_is_not_an_ip() -> None:
    call = map_record(record(S3, "ListBuckets", sourceIPAddress="cloudformation.amazonaws.com"))
    assert isinstance(call, Call)
    assert "aws:SourceIp" not in call.context and call.context["aws:ViaAWSService"] == "true"


def test_long_term_user_keys_have_no_mfa_key() -> None:
    call = map_record(record(S3, "ListBuckets", identity_user()))
    assert isinstance(call, Call) and "aws:MultiFactorAuthPresent" not in call.context


def test_session_tags_from_assume_role_reach_the_session() -> None:
    """Session tags passed in AssumeRole become the session's principal tags
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html"""
    sessions = Sessions()
    session_arn = f"arn:aws:sts::{ACCT}:assumed-role/App/tagged"
    assume = record("sts.amazonaws.com", "AssumeRole",
                    params={"roleArn": arn("role", "App"), "roleSessionName": "tagged",
                            "tags": [{"key": "team", "value": "blue"}]},
                    responseElements={"assumedRoleUser": {"arn": session_arn, "assumedRoleId": "AROA:tagged"}})
    map_record(assume, sessions=sessions)
    call = map_record(record(S3, "ListBuckets", identity_session("App", "tagged")), sessions=sessions)
    other = map_record(record(S3, "ListBuckets", identity_session("App", "untagged")), sessions=sessions)
    assert isinstance(call, Call) and call.context["aws:PrincipalTag/team"] == "blue"
    assert isinstance(other, Call) and "aws:PrincipalTag/team" not in other.context


def test_passrole_is_never_reported_unused() -> None:
    """iam:PassRole is a permission, not an API call: no log shows it used
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"""
    assert unused_actions(["iam:PassRole", "iam:GetRole", "s3:GetObject"], ["s3:getobject"]) == ("iam:GetRole",)


def test_table_is_derived_and_names_its_sources() -> None:
    t = default_table()
    assert t.meta["generated_by"] == "tools/gen_cloudtrail_map.py" and t.meta["botocore"] and t.meta["catalog"]
    assert len(t.events) > 300
