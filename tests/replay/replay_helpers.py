"""Builders for replay tests: an account snapshot (through tests/account's builders) and CloudTrail records shaped
like AWS's (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "account"))

from account_helpers import (
    ACCT,
    allow,
    arn,
    deny,
    doc,
    export,
    level,
    managed,
    org,
    role,
    trust,
    user,
    write_account,
)

__all__ = [
    "ACCT",
    "APP_POLICY",
    "allow",
    "arn",
    "deny",
    "doc",
    "export",
    "identity_session",
    "identity_user",
    "level",
    "managed",
    "org",
    "record",
    "role",
    "snapshot",
    "trust",
    "user",
    "write_account",
    "write_log",
]

APP_POLICY = f"arn:aws:iam::{ACCT}:policy/AppPolicy"


def snapshot(tmp: Path) -> Path:
    """One account: user alice (s3 read + dynamodb), role App (AppPolicy: s3 and kms), role Admin."""
    details = export(
        users=[user("alice", policies={"AliceInline": doc(
            {"Sid": "S3Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
            {"Sid": "Dynamo", "Effect": "Allow", "Action": "dynamodb:*",
             "Resource": f"arn:aws:dynamodb:us-east-1:{ACCT}:table/Orders"})})],
        roles=[role("App", trust({"AWS": arn("user", "alice")}), attached=[APP_POLICY])],
        policies=[managed("AppPolicy", doc(
            {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": "arn:aws:s3:::data-bucket/*"},
            {"Sid": "Keys", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}))],
    )
    return write_account(tmp / ACCT, details)


def identity_user(name: str = "alice") -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": arn("user", name), "accountId": ACCT,
            "accessKeyId": "AKIAEXAMPLE", "userName": name}


def identity_session(role_name: str = "App", session: str = "s1", mfa: str = "false") -> dict[str, Any]:
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLE:{session}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{role_name}/{session}", "accountId": ACCT,
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                 "arn": arn("role", role_name), "accountId": ACCT,
                                                 "userName": role_name},
                               "attributes": {"mfaAuthenticated": mfa, "creationDate": "2024-05-01T09:00:00Z"}}}


def record(source: str, name: str, identity: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity or identity_user(),
        "eventTime": "2024-05-01T10:00:00Z", "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.10", "userAgent": "aws-cli/2.15.0",
        "requestParameters": params, "responseElements": None, "requestID": "EXAMPLE",
        "eventID": "00000000-0000-0000-0000-000000000000", "readOnly": True, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": ACCT, "eventCategory": "Management",
    }
    rec.update(extra)
    return rec


def write_log(folder: Path, records: list[dict[str, Any]], *, day: str = "2024/05/01", name: str = "log",
              compress: bool = True) -> Path:
    """A log file where AWS delivers it: AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz."""
    d = folder / "AWSLogs" / ACCT / "CloudTrail" / "us-east-1" / day
    d.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}).encode()
    path = d / (f"{ACCT}_CloudTrail_us-east-1_{name}.json" + (".gz" if compress else ""))
    path.write_bytes(gzip.compress(body) if compress else body)
    return path
