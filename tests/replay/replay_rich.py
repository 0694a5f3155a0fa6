"""A seeded, varied CloudTrail log and a snapshot whose policies read many of the context keys replay derives, for
checking that replay's shortcuts (mapping plans, the context cut to the keys policies read, the decision cache)
give exactly the answers of a fresh, uncached decision per call.

Why a generator and not a fixed file: the shortcuts go wrong only on combinations (the same call from another
address, at another time, with another session tag, by another session of the same role); a seeded draw from
small pools repeats every call many times under varied contexts, which is where a cache key that misses an input
would show.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from replay_helpers import ACCT, allow, arn, deny, doc, export, level, managed, org, role, trust, user, write_account

APP = f"arn:aws:iam::{ACCT}:policy/App"

_APP_DOC = doc(
    allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket-*/home/${aws:username}/*", Sid="Home"),
    allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-*/*"], Sid="CorpNet",
          Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/26"}}),
    deny("s3:PutObject", "*", Sid="NeedMfa", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    allow("dynamodb:GetItem", f"arn:aws:dynamodb:*:{ACCT}:table/*", Sid="Team",
          Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
    allow("ec2:Describe*", "*", Sid="Before", Condition={"DateLessThan": {"aws:CurrentTime": "2024-05-01T12:00:00Z"}}),
    allow("kms:Decrypt", "*", Sid="Cli", Condition={"StringLike": {"aws:UserAgent": "aws-cli*"}}),
    allow("lambda:GetFunction", "*", Sid="Tls", Condition={"Bool": {"aws:SecureTransport": "true"}}),
    allow("sqs:SendMessage", "*", Sid="Vpce", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}),
    allow("sts:AssumeRole", "*", Sid="Assume"),
    allow("sts:TagSession", "*", Sid="Tag"),
)
_PROPOSED_DOC = doc(
    allow(["s3:GetObject"], "arn:aws:s3:::bucket-*/home/${aws:username}/*", Sid="Home"),
    allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::bucket-*", "arn:aws:s3:::bucket-*/*"], Sid="CorpNet",
          Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/28"}}),
    allow("dynamodb:GetItem", f"arn:aws:dynamodb:*:{ACCT}:table/*", Sid="Team",
          Condition={"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"]}}),
    allow("ec2:Describe*", "*", Sid="Epoch", Condition={"NumericLessThan": {"aws:EpochTime": "1714564800"}}),
    allow("kms:Decrypt", "*", Sid="Cli", Condition={"StringLike": {"aws:UserAgent": "aws-cli/2*"}}),
    allow("lambda:GetFunction", "*", Sid="Mfa", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    allow("sqs:SendMessage", "*", Sid="Via", Condition={"Bool": {"aws:ViaAWSService": "true"}}),
    allow("sts:AssumeRole", "*", Sid="Assume", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
    allow("sts:TagSession", "*", Sid="Tag"),
    deny("*", "*", Sid="Source", Condition={"StringEquals": {"aws:SourceIdentity": "mallory"}}),
    deny("*", "*", Sid="OldToken", Condition={"DateLessThan": {"aws:TokenIssueTime": "2024-04-01T00:00:00Z"}}),
)
USERS, ROLES = ("u0", "u1", "u2"), ("r0", "r1")


def write_world(folder: Path) -> tuple[Path, Path]:
    """The snapshot folder and the proposed policy file (replaces the App policy)."""
    details = export(
        users=[user(u, attached=[APP], tags={"team": "blue"} if u == "u0" else None) for u in USERS],
        roles=[role(r, trust({"AWS": f"arn:aws:iam::{ACCT}:root"}), attached=[APP]) for r in ROLES],
        policies=[managed("App", _APP_DOC)])
    scp = doc(allow("*"), deny("*", "*", Sid="Regions",
                               Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}))
    acct = write_account(folder / ACCT, details, organization=org([level(ACCT, "ACCOUNT", scps=[scp])]))
    proposed = folder / "proposed.json"
    proposed.write_text(json.dumps(_PROPOSED_DOC))
    return acct, proposed


def _identity(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.4:
        u = rng.choice(USERS)
        return {"type": "IAMUser", "arn": arn("user", u), "accountId": ACCT, "userName": u}
    if kind < 0.9:
        r = rng.choice(ROLES)
        attrs = {"mfaAuthenticated": rng.choice(["true", "false"]),
                 "creationDate": rng.choice(["2024-03-01T00:00:00Z", "2024-05-01T09:00:00Z"])}
        ctx: dict[str, Any] = {"sessionIssuer": {"type": "Role", "arn": arn("role", r)}, "attributes": attrs}
        if rng.random() < 0.2:
            ctx["sourceIdentity"] = rng.choice(["alice", "mallory"])
        return {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCT}:assumed-role/{r}/s{rng.randrange(3)}",
                "accountId": ACCT, "sessionContext": ctx}
    if kind < 0.95:
        return {"type": "Root", "arn": f"arn:aws:iam::{ACCT}:root", "accountId": ACCT}
    return {"type": "AWSService", "invokedBy": "config.amazonaws.com"}


def _call(rng: random.Random, ident: dict[str, Any]) -> tuple[str, str, Any, dict[str, Any]]:
    """(eventSource, eventName, requestParameters, other fields)."""
    bucket = f"bucket-{rng.randrange(2)}"
    who = ident.get("userName") or rng.choice(USERS)
    kind = rng.randrange(12)
    if kind == 0:
        return "s3.amazonaws.com", "GetObject", {"bucketName": bucket, "key": f"home/{who}/f{rng.randrange(3)}"}, {}
    if kind == 1:
        return "s3.amazonaws.com", "PutObject", {"bucketName": bucket, "key": f"home/{who}/f"}, {}
    if kind == 2:
        return "s3.amazonaws.com", "ListObjectsV2", {"bucketName": bucket}, {}
    if kind == 3:
        return "dynamodb.amazonaws.com", "GetItem", {"tableName": f"t{rng.randrange(2)}"}, {}
    if kind == 4:
        return "ec2.amazonaws.com", "DescribeInstances", {}, {}
    if kind == 5:
        return "kms.amazonaws.com", "Decrypt", None, {"resources": [
            {"ARN": f"arn:aws:kms:us-east-1:{ACCT}:key/k{rng.randrange(2)}", "type": "AWS::KMS::Key"}]}
    if kind == 6:
        return ("lambda.amazonaws.com", rng.choice(["GetFunction20150331v2", "GetFunction"]),
                {"functionName": f"fn{rng.randrange(2)}"}, {})
    if kind == 7:
        return "sqs.amazonaws.com", "SendMessage", {"queueUrl": "https://sqs.us-east-1.amazonaws.com/q"}, {}
    if kind == 8:
        tags = [{"key": "team", "value": rng.choice(["blue", "red", "green"])}] if rng.random() < 0.8 else None
        r = rng.choice(ROLES)
        params = {"roleArn": arn("role", r), "roleSessionName": f"s{rng.randrange(3)}"}
        if tags:
            params["tags"] = tags
        return "sts.amazonaws.com", "AssumeRole", params, {"responseElements": {"assumedRoleUser": {
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{r}/{params['roleSessionName']}"}}}
    if kind == 9:
        return "sts.amazonaws.com", "GetCallerIdentity", None, {}
    if kind == 10:
        return "s3.amazonaws.com", "GetObject", {"bucketName": bucket}, {}  # no key: resource not derivable
    return "nosuch.amazonaws.com", "Nothing", None, {}


def record(rng: random.Random, second: int) -> dict[str, Any]:
    ident = _identity(rng)
    source, name, params, extra = _call(rng, ident)
    rec: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": ident, "eventSource": source, "eventName": name,
        "eventTime": (f"2024-05-01T{rng.choice([10, 11, 12, 13])}:{second % 2 * 30:02d}:00Z"
                      if rng.random() < 0.97 else "not a time"),
        "awsRegion": rng.choice(["us-east-1", "us-east-1", "eu-west-1", "ap-south-1"]),
        "sourceIPAddress": rng.choice(["203.0.113.5", "203.0.113.40", "198.51.100.7", "2001:db8::1",
                                       "s3.amazonaws.com", "AWS Internal", "not-an-ip"]),
        "userAgent": rng.choice(["aws-cli/2.15.0", "aws-cli/1.29.0", "Boto3/1.34"]),
        "requestParameters": params, "responseElements": None, "eventType": "AwsApiCall",
        "recipientAccountId": ACCT, "eventID": f"{rng.getrandbits(32):08x}",
    }
    rec.update(extra)
    if rng.random() < 0.5:
        rec["tlsDetails"] = {"tlsVersion": "TLSv1.3"}
    if rng.random() < 0.2:
        rec["vpcEndpointId"] = rng.choice(["vpce-1", "vpce-2"])
    if rng.random() < 0.1:
        rec["additionalEventData"] = {"MFAUsed": rng.choice(["Yes", "No"])}
    roll = rng.random()
    if roll < 0.05:
        rec["errorCode"] = "AccessDenied"
    elif roll < 0.07:
        rec["errorCode"] = "ThrottlingException"
    elif roll < 0.09:
        rec["eventType"] = "AwsConsoleSignIn"
    return rec


def write_logs(folder: Path, events: int, seed: int = 0, per_file: int = 500) -> Path:
    """``events`` records in files of ``per_file`` (delivered-log shape), seeded."""
    rng = random.Random(seed)
    root = folder / "AWSLogs" / ACCT / "CloudTrail" / "us-east-1" / "2024" / "05" / "01"
    root.mkdir(parents=True, exist_ok=True)
    for n, start in enumerate(range(0, events, per_file)):
        recs = [record(rng, i) for i in range(start, min(events, start + per_file))]
        (root / f"{ACCT}_CloudTrail_us-east-1_{n:04d}.json").write_text(json.dumps({"Records": recs}))
    return folder / "AWSLogs"
