"""The audit lists what ``parc collect`` could not collect (collection.json) as not checked, grouped by call and
error; a snapshot without collection.json (written by hand) has no such line; a malformed one is an input problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parc.core.audit.collection import CollectionGap, CollectionRecord, collection_checks, gap_lines
from parc.loaders.collection import load_collection


def _gaps(*items: tuple[str, str, str, str, str, str]) -> tuple[CollectionGap, ...]:
    return tuple(CollectionGap(*i) for i in items)


@pytest.mark.parametrize(("gaps", "expected"), [
    (_gaps(*[("s3:GetBucketPolicy", "s3", "us-east-1", b, "bucket", "AccessDenied") for b in "abc"]),
     [("s3", "AccessDenied on s3:GetBucketPolicy for 3 buckets")]),
    (_gaps(("s3:GetBucketPolicy", "s3", "us-east-1", "a", "bucket", "AccessDenied")),
     [("s3", "AccessDenied on s3:GetBucketPolicy for 1 bucket")]),
    (_gaps(("ec2:DescribeSecurityGroups", "ec2", "eu-west-1", "eu-west-1", "region", "UnauthorizedOperation"),
           ("ec2:DescribeSecurityGroups", "ec2", "us-east-1", "us-east-1", "region", "UnauthorizedOperation")),
     [("ec2", "UnauthorizedOperation on ec2:DescribeSecurityGroups in 2 regions (eu-west-1, us-east-1)")]),
    (_gaps(("kms:GetKeyPolicy", "kms", "eu-west-1", "k1", "key", "AccessDeniedException"),
           ("kms:GetKeyPolicy", "kms", "us-east-1", "k2", "key", "AccessDeniedException")),
     [("kms", "AccessDeniedException on kms:GetKeyPolicy for 2 keys (in eu-west-1, us-east-1)")]),
    (_gaps(("iam:GetCredentialReport", "iam", "us-east-1", "", "", "AccessDenied"),
           ("organizations:DescribePolicy", "org", "us-east-1", "p-1", "policy", "AccessDeniedException"),
           ("organizations:DescribePolicy", "org", "us-east-1", "p-2", "policy", "AccessDeniedException")),
     [("iam", "AccessDenied on iam:GetCredentialReport"),
      ("org", "AccessDeniedException on organizations:DescribePolicy for 2 policies")]),
    ((), []),
])
def test_gap_lines(gaps: tuple[CollectionGap, ...], expected: list[tuple[str, str]]) -> None:
    assert gap_lines(gaps) == expected


def test_not_checked_lines() -> None:
    records = (
        CollectionRecord("a/collection.json", "complete", "111122223333"),
        CollectionRecord("b/collection.json", "interrupted", "444455556666", _gaps(
            ("s3:GetBucketAcl", "s3", "us-east-1", "x", "bucket", "AccessDenied")),
            (("org", "only from the management account"),)),
        CollectionRecord("collection.json", "incomplete", None, (), (), (
            ("111122223333", "collected", ""), ("777788889999", "not collected", "no --member-role given"))),
    )
    lines = [(n.account, n.check, n.reason) for n in collection_checks(records).not_checked]
    assert lines == [
        ("444455556666", "collection", "the collection was interrupted (b/collection.json)"),
        ("444455556666", "S3 buckets (collection)", "AccessDenied on s3:GetBucketAcl for 1 bucket (b/collection.json)"),
        ("444455556666", "organization SCPs and RCPs (collection)",
         "not collected: only from the management account (b/collection.json)"),
        ("777788889999", "account (collection)", "not collected: no --member-role given (collection.json)"),
    ]
    assert collection_checks(records[:1]).not_checked == ()


def test_loader(tmp_path: Path) -> None:
    assert load_collection(tmp_path) == (None, [])
    (tmp_path / "collection.json").write_text(json.dumps({"status": "incomplete", "account": "111122223333",
        "failures": [{"call": "s3:GetBucketPolicy", "area": "s3", "region": "us-east-1", "resource": "b",
                      "noun": "bucket", "error": "AccessDenied"}, {"oops": 1}]}))
    record, findings = load_collection(tmp_path)
    assert record is not None and record.gaps == _gaps(
        ("s3:GetBucketPolicy", "s3", "us-east-1", "b", "bucket", "AccessDenied"))
    assert [(f.code, f.path) for f in findings] == [("AUDIT_INPUT_UNREADABLE", "failures[1]")]
    (tmp_path / "collection.json").write_text("[1]")
    record, findings = load_collection(tmp_path)
    assert record is None and [f.code for f in findings] == ["AUDIT_INPUT_UNREADABLE"]
