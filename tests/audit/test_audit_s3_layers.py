"""The audit of public buckets with S3's own layers: Block Public Access grades a public policy down to what it is
(neutralised, LOW), a bucket public through its ACL alone is found, and what the snapshot lacks is not checked.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, ORG_ID, doc, export, organization, run, user, write

from parc.core.audit import AuditReport
from parc.core.audit.model import Severity

BUCKET = "arn:aws:s3:::media-assets"
OWNER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_POLICY = [{"arn": BUCKET, "policy": {"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": f"{BUCKET}/*"}]}}]


def acl(*grants: tuple[str, str]) -> dict[str, Any]:
    return {"Owner": {"ID": OWNER_ID}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
        *({"Grantee": {"Type": "Group", "URI": uri}, "Permission": p} for uri, p in grants)]}


def block(**flags: bool) -> dict[str, Any]:
    return {"PublicAccessBlockConfiguration": flags}


def audit_s3(tmp: Path, *, policies: list[Any] | None = None, account: Any = None,
             bucket: dict[str, Any] | None = None, org: dict[str, Any] | None = None) -> AuditReport:
    folder = write(tmp / ACCT, export(users=[user("me")]), resource_policies=policies if policies is not None else [],
                   org=org)
    if account is not None:
        (folder / "s3control-get-public-access-block.json").write_text(json.dumps(account))
    if bucket is not None:
        (folder / "s3" / "media-assets").mkdir(parents=True)
        for name, data in bucket.items():
            (folder / "s3" / "media-assets" / name).write_text(json.dumps(data, indent=2))
    return run(folder)


def public(report: AuditReport) -> list[tuple[str, Severity]]:
    return sorted((f.rule, f.severity) for f in report.findings if f.rule.startswith("RESOURCE_"))


CASES = [
    ("no setting: the public policy is CRITICAL", dict(account=block(), bucket={"get-public-access-block.json": {}}),
     [("RESOURCE_PUBLIC", Severity.CRITICAL)]),
    ("RestrictPublicBuckets on the account: neutralised, LOW",
     dict(account=block(RestrictPublicBuckets=True)), [("RESOURCE_PUBLIC_BLOCKED", Severity.LOW)]),
    ("RestrictPublicBuckets on the bucket: neutralised, LOW",
     dict(account=block(), bucket={"get-public-access-block.json": block(RestrictPublicBuckets=True)}),
     [("RESOURCE_PUBLIC_BLOCKED", Severity.LOW)]),
    ("BlockPublicPolicy does not affect an existing policy: still CRITICAL",
     dict(account=block(BlockPublicPolicy=True, BlockPublicAcls=True, IgnorePublicAcls=True)),
     [("RESOURCE_PUBLIC", Severity.CRITICAL)]),
]


@pytest.mark.parametrize(("name", "kw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_block_public_access_grades_a_public_policy(tmp_path: Path, name: str, kw: dict[str, Any],
                                                    expected: list[tuple[str, Severity]]) -> None:
    report = audit_s3(tmp_path, policies=PUBLIC_POLICY, **kw)
    assert public(report) == expected


def test_a_neutralised_policy_says_which_setting_and_points_at_the_statement(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, policies=PUBLIC_POLICY, account=block(RestrictPublicBuckets=True))
    (f,) = [f for f in report.findings if f.rule == "RESOURCE_PUBLIC_BLOCKED"]
    assert "RestrictPublicBuckets" in f.title and "s3:GetObject" in f.title and f.resource == BUCKET
    assert "account level" in f.why
    assert any(e.file and e.file.endswith("resource-policies.json") and e.line for e in f.evidence)


def test_a_bucket_public_through_its_acl_alone_is_critical(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, account=block(), bucket={"get-bucket-acl.json": acl((ALL_USERS, "READ")),
                                                          "get-public-access-block.json": {}})
    (f,) = [f for f in report.findings if f.rule.startswith("RESOURCE_")]
    assert (f.rule, f.severity, f.resource) == ("RESOURCE_PUBLIC", Severity.CRITICAL, BUCKET)
    assert "s3:ListBucket" in f.title and "ACL" in f.why
    assert any(e.file and e.file.endswith("get-bucket-acl.json") and e.path == "Grants[1]" for e in f.evidence)


def test_an_authenticated_users_grant_is_open_to_any_aws_account(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, account=block(), bucket={"get-bucket-acl.json": acl((AUTHENTICATED, "WRITE")),
                                                          "get-public-access-block.json": {}})
    (f,) = [f for f in report.findings if f.rule.startswith("RESOURCE_")]
    assert (f.rule, f.severity) == ("RESOURCE_PUBLIC", Severity.CRITICAL)
    assert "s3:PutObject" in f.title


def test_ignore_public_acls_neutralises_the_acl(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, account=block(IgnorePublicAcls=True),
                      bucket={"get-bucket-acl.json": acl((ALL_USERS, "READ")), "get-public-access-block.json": {}})
    (f,) = [f for f in report.findings if f.rule.startswith("RESOURCE_")]
    assert (f.rule, f.severity) == ("RESOURCE_PUBLIC_BLOCKED", Severity.LOW)
    assert "IgnorePublicAcls" in f.title


def test_bucket_owner_enforced_turns_the_acl_off(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, account=block(), bucket={
        "get-bucket-acl.json": acl((ALL_USERS, "READ")), "get-public-access-block.json": {},
        "get-bucket-ownership-controls.json": {"OwnershipControls": {"Rules": [
            {"ObjectOwnership": "BucketOwnerEnforced"}]}}})
    assert public(report) == []


def test_without_the_s3_files_block_public_access_is_not_checked(tmp_path: Path) -> None:
    report = audit_s3(tmp_path, policies=PUBLIC_POLICY)
    assert public(report) == [("RESOURCE_PUBLIC", Severity.CRITICAL)]
    assert any(n.check == "Block Public Access and ACLs of S3 buckets" for n in report.not_checked)
    complete = audit_s3(tmp_path / "complete", policies=PUBLIC_POLICY, account=block(RestrictPublicBuckets=True),
                        bucket={"get-bucket-acl.json": acl(), "get-public-access-block.json": {}})
    assert not any(n.check == "Block Public Access and ACLs of S3 buckets" for n in complete.not_checked)


def test_a_public_policy_kept_to_the_organization_and_neutralised_names_the_organization(tmp_path: Path) -> None:
    """The RCP keeps the public policy to the organization; RestrictPublicBuckets then cuts the other accounts of
    the organization off too: neutralised, and the finding says who it would reach."""
    perimeter = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}}})
    org = organization()
    org["levels"][0]["rcps"] = [{"name": "Perimeter", "document": perimeter}]
    open_report = audit_s3(tmp_path / "open", policies=PUBLIC_POLICY, account=block(), org=org)
    assert public(open_report) == [("RESOURCE_ORGANIZATION_WIDE", Severity.INFO)]
    report = audit_s3(tmp_path / "blocked", policies=PUBLIC_POLICY, account=block(RestrictPublicBuckets=True), org=org)
    (f,) = [f for f in report.findings if f.rule.startswith("RESOURCE_")]
    assert (f.rule, f.severity) == ("RESOURCE_PUBLIC_BLOCKED", Severity.LOW)
    assert f"any principal of organization {ORG_ID}" in f.title
