"""The collectors' parts moto cannot drive, on botocore's Stubber with responses in the shape of AWS's documented
examples: the calls moto does not emulate, the credential report's polling and a malformed report, throttling
beyond botocore's retries, and S3 Control's host name."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto_account import AWS_EXAMPLES

from parc.collect import calls as C
from parc.collect import ec2, iam, monitoring
from parc.collect.runner import Account, client_config, drop_account_host_prefix
from parc.loaders.credentials import load_credential_report

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _account(tmp_path: Path, *services: str) -> tuple[Account, dict[str, Stubber]]:
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name=REGION)
    acct = Account(session, ACCOUNT, tmp_path, (REGION,))
    stubs = {}
    for s in services:
        client = session.client(s, region_name=REGION)
        acct.clients[(s, REGION)] = client
        stubs[s] = Stubber(client)
        stubs[s].activate()
    return acct, stubs


def _example(service: str, operation: str) -> dict[str, Any]:
    body = dict(AWS_EXAMPLES[(service, operation)])
    if operation == "ListAnalyzers":
        body["analyzers"] = [{**a, "createdAt": datetime(2026, 1, 1, tzinfo=UTC)} for a in body["analyzers"]]
    return body


@pytest.mark.parametrize("operation", ["GetInstanceMetadataDefaults", "GetEbsDefaultKmsKeyId"])
def test_ec2_calls_moto_does_not_emulate(tmp_path: Path, operation: str) -> None:
    acct, stubs = _account(tmp_path, "ec2")
    stubs["ec2"].add_response(C.calls_by_operation()[("ec2", operation)].method, _example("ec2", operation), {})
    spec = next(c for c in C.EC2_EXTRA_CALLS if c.operation == operation)
    ec2.extra_call(acct, REGION, spec)
    stubs["ec2"].assert_no_pending_responses()
    import json

    written = json.loads((tmp_path / "ec2" / REGION / spec.file).read_text())
    assert written == AWS_EXAMPLES[("ec2", operation)]
    assert acct.failures == []


def test_access_analyzer_and_throttling_beyond_the_retries(tmp_path: Path) -> None:
    """Stubbed answers skip botocore's retry loop: a ThrottlingException here is what the collector sees once
    adaptive retries are exhausted. It is a gap; the next region's call still answers."""
    acct, stubs = _account(tmp_path, "accessanalyzer")
    stubs["accessanalyzer"].add_client_error("list_analyzers", service_error_code="ThrottlingException",
                                             service_message="Rate exceeded", http_status_code=400)
    monitoring.analyzers(acct, REGION)
    stubs["accessanalyzer"].add_response("list_analyzers", _example("accessanalyzer", "ListAnalyzers"), {})
    monitoring.analyzers(acct, REGION)
    stubs["accessanalyzer"].assert_no_pending_responses()
    assert [(f.call.action, f.error) for f in acct.failures] == [("access-analyzer:ListAnalyzers",
                                                                  "ThrottlingException")]
    assert (tmp_path / "accessanalyzer" / REGION / "list-analyzers.json").is_file()


def test_clients_use_adaptive_retries() -> None:
    cfg = client_config("iam")
    assert cfg.retries == {"mode": "adaptive", "max_attempts": 10}


CSV = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
       "password_next_rotation,mfa_active\n"
       "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,"
       "2026-11-01T00:00:00+00:00,not_supported,not_supported,true\n")


def test_credential_report_is_generated_polled_and_decoded(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateCredentialReport.html: STARTED, then
    COMPLETE; GetCredentialReport's Content is the CSV (base64 on the wire, bytes from boto3)."""
    acct, stubs = _account(tmp_path, "iam")
    generated = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    stubs["iam"].add_response("generate_credential_report", {"State": "STARTED", "Description": "No report exists"})
    stubs["iam"].add_response("generate_credential_report", {"State": "COMPLETE"})
    stubs["iam"].add_response("get_credential_report", {"Content": CSV.encode(), "ReportFormat": "text/csv",
                                                        "GeneratedTime": generated})
    slept: list[float] = []
    iam.credential_report(acct, REGION, slept.append)
    stubs["iam"].assert_no_pending_responses()
    assert slept == [iam.REPORT_POLL_SECONDS]
    report, findings = load_credential_report(tmp_path)
    assert findings == [] and report is not None
    assert report.generated == generated
    assert [r.user for r in report.rows] == ["<root_account>"]
    assert base64.b64decode(__import__("json").loads((tmp_path / "credential-report.json").read_text())["Content"]
                            ).decode() == CSV


def test_credential_report_never_ready_or_malformed_is_a_gap(tmp_path: Path) -> None:
    acct, stubs = _account(tmp_path, "iam")
    for _ in range(iam.REPORT_POLL_TRIES):
        stubs["iam"].add_response("generate_credential_report", {"State": "INPROGRESS"})
    iam.credential_report(acct, REGION, lambda _: None)
    assert [f.error for f in acct.failures] == ["ReportNotReady"]
    stubs["iam"].add_response("generate_credential_report", {"State": "COMPLETE"})
    stubs["iam"].add_response("get_credential_report", {"Content": b"\xff\xfe not csv", "ReportFormat": "text/csv"})
    iam.credential_report(acct, REGION, lambda _: None)
    assert [f.error for f in acct.failures] == ["ReportNotReady", "MalformedReport"]
    assert not (tmp_path / "credential-report.json").exists()


def test_password_policy_absent_is_written_as_none(tmp_path: Path) -> None:
    """An account without a password policy answers NoSuchEntity: that is "no policy", not a gap."""
    acct, stubs = _account(tmp_path, "iam")
    stubs["iam"].add_client_error("get_account_password_policy", service_error_code="NoSuchEntity",
                                  http_status_code=404)
    iam.password_policy(acct, REGION)
    assert acct.failures == []
    assert (tmp_path / "password-policy.json").read_text().strip().replace(" ", "").replace("\n", "") == \
        '{"PasswordPolicy":null}'


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize(("url", "expected"), [
    ("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock",
     "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"),
    ("https://123456789012.proxy.example/v20180820/x", "https://proxy.example/v20180820/x"),
    ("http://127.0.0.1:5000/v20180820/x", "http://127.0.0.1:5000/v20180820/x"),
])
def test_s3_control_account_host_prefix_is_dropped_under_an_endpoint(url: str, expected: str) -> None:
    req = _Request(url)
    drop_account_host_prefix(req)
    assert req.url == expected


@pytest.mark.parametrize(("name", "ok"), [("my-bucket", True), ("a.b_c", True), ("..", False), ("a/b", False),
                                          ("", False), ("a\\b", False)])
def test_names_from_answers_become_file_names_only_when_safe(name: str, ok: bool) -> None:
    from parc.collect.runner import safe_name

    assert safe_name(name) is ok


def test_a_bucket_name_parc_cannot_use_is_a_gap(tmp_path: Path) -> None:
    from parc.collect import s3

    acct, stubs = _account(tmp_path, "s3")
    stubs["s3"].add_response("list_buckets", {"Buckets": [{"Name": "../../etc"}], "Owner": {"ID": "x"}})
    assert s3.buckets(acct, REGION) == []
    assert [(f.call.action, f.error) for f in acct.failures] == [("s3:ListAllMyBuckets", "UnexpectedName")]
    assert not (tmp_path.parent / "etc").exists()
