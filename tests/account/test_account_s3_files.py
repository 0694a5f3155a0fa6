"""The S3 files of an account snapshot (Block Public Access, bucket ACLs, Object Ownership): read in the shapes
the AWS CLI prints, malformed ones reported with file, JSON path and line and left out, and the account questions
deciding buckets with them.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from account_helpers import ACCT, OTHER, allow, doc, export, user, write_account

from parc.core.account.evaluator import Evaluator
from parc.core.account.principals import external
from parc.core.account.who_can import who_can
from parc.core.authz.s3_settings import PublicAccessBlock
from parc.loaders.account import load_snapshot

OWNER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
BUCKET = "arn:aws:s3:::media"
PUBLIC_POLICY = doc({"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                     "Resource": f"{BUCKET}/*"})


def acl(*grants: tuple[str, str]) -> dict[str, Any]:
    return {"Owner": {"DisplayName": "media-team", "ID": OWNER_ID},
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
                       *({"Grantee": {"Type": "Group", "URI": uri}, "Permission": p} for uri, p in grants)]}


def snapshot(tmp: Path, *, account_block: Any = None, bucket: dict[str, Any] | None = None,
             policy: bool = False) -> Path:
    folder = write_account(tmp / ACCT, export(users=[user("alice")]),
                           resource_policies=[{"arn": BUCKET, "policy": PUBLIC_POLICY}] if policy else None)
    if account_block is not None:
        (folder / "s3control-get-public-access-block.json").write_text(
            account_block if isinstance(account_block, str) else json.dumps(account_block))
    for name, data in (bucket or {}).items():
        (folder / "s3" / "media").mkdir(parents=True, exist_ok=True)
        (folder / "s3" / "media" / name).write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return folder


def test_the_cli_outputs_are_read(tmp_path: Path) -> None:
    folder = snapshot(tmp_path, account_block={"PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}},
        bucket={"get-public-access-block.json": {"PublicAccessBlockConfiguration": {"RestrictPublicBuckets": True}},
                "get-bucket-acl.json": acl((ALL_USERS, "READ")),
                "get-bucket-ownership-controls.json": {"OwnershipControls": {"Rules": [
                    {"ObjectOwnership": "BucketOwnerPreferred"}]}}})
    account = load_snapshot(folder).accounts[0]
    assert not account.findings
    s3 = account.s3
    assert s3 is not None
    assert s3.account_block == PublicAccessBlock(True, True, True, False)
    media = s3.by_name["media"]
    assert media.block == PublicAccessBlock(restrict_public_buckets=True)
    assert media.acl is not None and [g.label for g in media.acl.grants] == [f"canonical user {OWNER_ID} FULL_CONTROL",
                                                                              "AllUsers READ"]
    assert media.ownership == "BucketOwnerPreferred" and media.ownership_known
    assert s3.owner_ids == (OWNER_ID,)


@pytest.mark.parametrize("none", [{"Error": {"Code": "OwnershipControlsNotFoundError"}}, {}])
def test_no_configuration_answers_mean_every_setting_off(tmp_path: Path, none: dict[str, object]) -> None:
    """`{}` is how parc collect writes S3's "no such configuration" answers."""
    folder = snapshot(tmp_path, account_block={"Error": {"Code": "NoSuchPublicAccessBlockConfiguration"}},
                      bucket={"get-public-access-block.json": {}, "get-bucket-ownership-controls.json": none})
    account = load_snapshot(folder).accounts[0]
    assert not account.findings and account.s3 is not None
    assert account.s3.account_block == PublicAccessBlock()
    media = account.s3.by_name["media"]
    assert media.block == PublicAccessBlock() and media.ownership is None and media.ownership_known


def test_without_the_files_the_account_has_no_s3_settings(tmp_path: Path) -> None:
    assert load_snapshot(snapshot(tmp_path)).accounts[0].s3 is None


def test_a_malformed_file_is_a_located_finding_and_the_rest_loads(tmp_path: Path) -> None:
    bad_acl = acl((ALL_USERS, "READ"))
    bad_acl["Grants"][1]["Permission"] = "EVERYTHING"
    folder = snapshot(tmp_path, account_block="{not json",
                      bucket={"get-bucket-acl.json": bad_acl,
                              "get-public-access-block.json": {"PublicAccessBlockConfiguration": {
                                  "RestrictPublicBuckets": "true"}},
                              "get-bucket-ownership-controls.json": {"OwnershipControls": {"Rules": [
                                  {"ObjectOwnership": "Mine"}]}}})
    account = load_snapshot(folder).accounts[0]
    found = {(Path(f.file or "").name, f.path): f for f in account.findings}
    assert set(found) == {
        ("s3control-get-public-access-block.json", ""),
        ("get-bucket-acl.json", "Grants[1].Permission"),
        ("get-public-access-block.json", "PublicAccessBlockConfiguration.RestrictPublicBuckets"),
        ("get-bucket-ownership-controls.json", "OwnershipControls.Rules[0].ObjectOwnership"),
    }
    assert found[("s3control-get-public-access-block.json", "")].line == 1
    assert found[("get-bucket-acl.json", "Grants[1].Permission")].line == 19
    assert found[("get-public-access-block.json", "PublicAccessBlockConfiguration.RestrictPublicBuckets")].line == 3
    assert account.s3 is not None and account.s3.account_block is None
    media = account.s3.by_name["media"]
    assert media.acl is None and media.block is None and not media.ownership_known
    assert account.users  # the rest of the account is there


def test_a_public_policy_under_restrict_public_buckets_admits_no_outsider(tmp_path: Path) -> None:
    folder = snapshot(tmp_path, policy=True,
                      account_block={"PublicAccessBlockConfiguration": {"RestrictPublicBuckets": True}})
    ev = Evaluator(load_snapshot(folder))
    anyone = ev.remember(external("*"))
    v = ev.verdict(anyone, "s3:GetObject", f"{BUCKET}/a.png")
    assert not v.possible and "block_public_access" in v.strict.blocked_by
    alice = ev.principal(f"arn:aws:iam::{ACCT}:user/alice")
    assert ev.verdict(alice, "s3:GetObject", f"{BUCKET}/a.png").allowed  # the owner's account keeps the grant


def test_a_bucket_public_through_its_acl_alone_is_found_by_who_can(tmp_path: Path) -> None:
    folder = snapshot(tmp_path, bucket={"get-bucket-acl.json": acl((ALL_USERS, "READ"))})
    ev = Evaluator(load_snapshot(folder))
    result = who_can(ev, "s3:ListBucket", BUCKET)
    assert result.side.account_id == ACCT
    entry = next(e for e in result.entries if e.principal.arn == "*")
    assert entry.verdict.allowed
    assert [r.policy_type for r in entry.verdict.decision.deciding] == ["acl"]


def test_ignore_public_acls_takes_the_acl_grant_away(tmp_path: Path) -> None:
    folder = snapshot(tmp_path, bucket={"get-bucket-acl.json": acl((ALL_USERS, "READ")),
                                        "get-public-access-block.json": {"PublicAccessBlockConfiguration": {
                                            "IgnorePublicAcls": True}}})
    result = who_can(Evaluator(load_snapshot(folder)), "s3:ListBucket", BUCKET)
    assert all(e.principal.arn != "*" for e in result.entries)


def test_an_acl_grant_to_another_snapshot_account_reaches_it(tmp_path: Path) -> None:
    other_id = "c1daexampleaaf850ea79cf0430f33d72579fd1611c97f7ded193374c0b163b6"
    snapshot(tmp_path, bucket={"get-bucket-acl.json": {
        "Owner": {"ID": OWNER_ID}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": other_id},
                                               "Permission": "READ"}]}})
    other = write_account(tmp_path / OTHER, export(users=[user("bob", account=OTHER, policies={
        "read": doc(allow("s3:ListBucket"))})]))
    (other / "s3" / "logs").mkdir(parents=True)
    (other / "s3" / "logs" / "get-bucket-acl.json").write_text(json.dumps({"Owner": {"ID": other_id}, "Grants": []}))
    ev = Evaluator(load_snapshot(tmp_path))
    bob = ev.principal(f"arn:aws:iam::{OTHER}:user/bob")
    v = ev.verdict(bob, "s3:ListBucket", BUCKET)
    assert v.allowed and {r.policy_type for r in v.decision.deciding} == {"acl", "identity"}
