"""Issue 13, data encryption and exposure: each check pinned both ways by the corpora in tests/corpora/audit_data/
(each case cites the AWS page it rests on), what the audit says when the files are absent or malformed, and the
TLS check decided by the engine whatever the spelling of the bucket policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, run, write

from parc.core.audit import AuditReport

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "audit_data"
CASES = json.loads((CORPUS / "data_stores.json").read_text())
TLS = json.loads((CORPUS / "s3_tls.json").read_text())
BUCKET = "arn:aws:s3:::data-bucket"


def _snapshot(tmp: Path, files: dict[str, Any], **kw: Any) -> Path:
    folder = write(tmp / ACCT, **kw)
    for rel, content in files.items():
        f = folder / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return folder


def _resources(report: AuditReport, rule: str) -> list[str]:
    return sorted(f.resource for f in report.findings if f.rule == rule)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_data_check(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["docs"] and all(d.startswith("https://") for d in case["docs"])
    report = run(_snapshot(tmp_path, case["files"], resource_policies=[]))
    assert report.problems == ()
    assert _resources(report, case["rule"]) == sorted(case["expect"])
    for f in report.findings:
        if f.rule == case["rule"]:
            assert f.category == "data" and f.evidence and all(e.file for e in f.evidence), f
            # Block Public Access is read by the account loader, which keeps the file but not the line.
            assert "BLOCK_PUBLIC" in f.rule or all(e.line for e in f.evidence), f


def test_every_data_rule_is_pinned_both_ways() -> None:
    rules = {c["rule"] for c in CASES} | {c["rule"] for c in TLS}
    for rule in rules:
        outcomes = {bool(c["expect"]) for c in CASES if c["rule"] == rule} | \
            {not c["enforced"] for c in TLS if c["rule"] == rule}
        assert outcomes == {True, False}, rule
    assert len(rules) == 19


@pytest.mark.parametrize("case", TLS, ids=[c["name"] for c in TLS])
def test_tls_is_decided_by_the_engine(case: dict[str, Any], tmp_path: Path) -> None:
    policies = [] if case["statements"] is None else [
        {"arn": BUCKET, "policy": {"Version": "2012-10-17", "Statement": case["statements"]}}]
    report = run(_snapshot(tmp_path, {"s3/data-bucket/get-bucket-policy.json": {} if not policies else
                                      {"Policy": json.dumps(policies[0]["policy"])}}, resource_policies=policies))
    found = _resources(report, "S3_TLS_NOT_ENFORCED")
    assert found == ([] if case["enforced"] else [BUCKET]), case["name"]


def test_tls_without_resource_policies_is_not_checked(tmp_path: Path) -> None:
    report = run(_snapshot(tmp_path, {"s3/b1/get-bucket-policy.json": {}}))
    assert _resources(report, "S3_TLS_NOT_ENFORCED") == []
    assert any(n.check.startswith("data: S3 buckets deny") and "resource-policies.json" in n.reason
               for n in report.not_checked)


def test_absent_files_are_not_checked_by_region_and_bucket(tmp_path: Path) -> None:
    """A region with some files but not others, and a bucket without its versioning file: each named."""
    files = {"ec2/eu-west-1/describe-volumes.json": {"Volumes": []},
             "rds/us-east-1/describe-db-instances.json": {"DBInstances": []},
             "s3/b1/get-bucket-encryption.json": {}}
    report = run(_snapshot(tmp_path, files, resource_policies=[]))
    reasons = {n.check: n.reason for n in report.not_checked if n.check.startswith("data: ")}
    assert "ec2/REGION/describe-volumes.json for: us-east-1" in reasons["data: EBS encryption (by default, volumes, "
                                                                         "snapshots)"]
    assert "rds/REGION/describe-db-instances.json for: eu-west-1" in reasons[
        "data: RDS encryption, public access and minor version upgrades"]
    assert "s3/BUCKET/get-bucket-versioning.json for: b1" in reasons["data: S3 versioning and MFA delete"]
    assert "eu-west-1, us-east-1" in reasons["data: EFS encryption"]


@pytest.mark.parametrize(("rel", "content", "path"), [
    ("ec2/eu-west-1/describe-volumes.json", {"Volumes": [{"VolumeId": "vol-1", "Encrypted": "no"}]},
     "Volumes[0].Encrypted"),
    ("rds/eu-west-1/describe-db-instances.json", {"DBInstances": [{"StorageEncrypted": False,
                                                                    "PubliclyAccessible": False,
                                                                    "AutoMinorVersionUpgrade": True}]},
     "DBInstances[0]"),
    ("rds/eu-west-1/describe-db-instances.json", {"DBInstances": [{"DBInstanceIdentifier": "db1",
                                                                    "StorageEncrypted": None}]},
     "DBInstances[0].StorageEncrypted"),
    ("efs/eu-west-1/describe-file-systems.json", {"FileSystems": [{"FileSystemId": "fs-1"}]},
     "FileSystems[0].Encrypted"),
    ("kms/eu-west-1/describe-key.json", {"k": {"KeyMetadata": {"KeyManager": "CUSTOMER", "KeyState": 3}}},
     "k.KeyMetadata.KeyState"),
    ("s3/b1/get-bucket-encryption.json", {"ServerSideEncryptionConfiguration": {"Rules": {}}},
     "ServerSideEncryptionConfiguration.Rules"),
    ("ec2/eu-west-1/describe-snapshot-attribute.json", {"snap-1": {"CreateVolumePermissions": [{"Group": 1}]}},
     "snap-1.CreateVolumePermissions[0].Group"),
])
def test_a_malformed_item_is_a_located_problem_and_not_checked(rel: str, content: Any, path: str,
                                                               tmp_path: Path) -> None:
    report = run(_snapshot(tmp_path, {rel: content}, resource_policies=[]))
    (problem,) = report.problems
    assert problem.code == "ACCOUNT_BAD_ENTRY" and problem.path == path and problem.line
    assert problem.file and problem.file.endswith(rel)
    assert [u.part for u in report.unread] == ["data stores"]
    assert any(n.check.startswith("data encryption") for n in report.not_checked)
    assert not [f for f in report.findings if f.category == "data" and f.rule != "S3_TLS_NOT_ENFORCED"]


def test_a_file_that_is_not_json_is_unread_not_clean(tmp_path: Path) -> None:
    report = run(_snapshot(tmp_path, {"efs/eu-west-1/describe-file-systems.json": "{not json"},
                           resource_policies=[]))
    (problem,) = report.problems
    assert problem.code == "ACCOUNT_FILE_UNREADABLE" and problem.line == 1
    assert [(u.part, u.whole) for u in report.unread] == [("data stores", True)]
    assert report.gate_blockers(__import__("parc.core.audit", fromlist=["Severity"]).Severity.CRITICAL)


def test_tls_undecidable_when_the_probe_is_denied_either_way(tmp_path: Path) -> None:
    """A bucket policy that denies everyone but one role, TLS or not: the probe learns nothing about TLS (the role
    may well use plain HTTP), so the bucket is "not checked", neither clean nor a finding."""
    only_role = {"Sid": "OnlyTheApp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [BUCKET, BUCKET + "/*"],
                 "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/app"}}}
    policies = [{"arn": BUCKET, "policy": {"Version": "2012-10-17", "Statement": [only_role]}}]
    report = run(_snapshot(tmp_path, {}, resource_policies=policies))
    assert _resources(report, "S3_TLS_NOT_ENFORCED") == []
    assert any(n.check.startswith("data: S3 buckets deny") and "data-bucket" in n.reason for n in report.not_checked)
    # With the TLS statement added, the deny cites aws:SecureTransport: decided, and enforced.
    tls = {**only_role, "Sid": "TLS", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    policies[0]["policy"]["Statement"].append(tls)  # type: ignore[index]
    report = run(_snapshot(tmp_path / "2", {}, resource_policies=policies))
    assert _resources(report, "S3_TLS_NOT_ENFORCED") == []
    assert not any(n.check.startswith("data: S3 buckets deny") for n in report.not_checked)


def test_a_bucket_known_by_its_policy_alone_is_not_checked_for_encryption(tmp_path: Path) -> None:
    policies = [{"arn": BUCKET, "policy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [BUCKET, BUCKET + "/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}]
    report = run(_snapshot(tmp_path, {}, resource_policies=policies))
    reasons = {n.check: n.reason for n in report.not_checked}
    assert "get-bucket-encryption.json for: data-bucket" in reasons["data: S3 default encryption"]
    assert "get-bucket-versioning.json for: data-bucket" in reasons["data: S3 versioning and MFA delete"]


def test_a_key_given_twice_in_a_data_file_is_said_where_it_is(tmp_path: Path) -> None:
    """AWS never writes a key twice, and which value counts is not defined: a snapshot listed twice in
    describe-snapshot-attribute (private, then public) is reported at its second key, the part is listed as not
    fully read (so --fail-on cannot pass on it), and the first value is the one read, as the positions are."""
    text = ('{\n  "snap-1": {"CreateVolumePermissions": []},\n'
            '  "snap-1": {"CreateVolumePermissions": [{"Group": "all"}]}\n}\n')
    report = run(_snapshot(tmp_path, {"ec2/eu-west-1/describe-snapshot-attribute.json": text}, resource_policies=[]))
    (problem,) = report.problems
    assert problem.code == "AUDIT_INPUT_UNREADABLE" and "given twice" in problem.message
    assert (problem.path, problem.line, problem.column) == ("snap-1", 3, 3)
    assert [u.part for u in report.unread] == ["data stores"]
    assert not [f for f in report.findings if f.rule == "EBS_SNAPSHOT_PUBLIC"]  # the first value: private
