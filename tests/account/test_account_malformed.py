"""Issue 19 in the account loaders: a malformed value anywhere in a snapshot (the IAM export, resource-policies.json,
organizations/, the lambda and glue inventories) is a located finding (file, JSON path, line), that item is left out,
and everything else is loaded and answers questions. Every case here raised before (most found by
tests/fuzz/test_fuzz_account_snapshot.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from account_helpers import ACCT, EXAMPLE, allow, arn, doc, estate_of, export, user, write_account
from click.testing import CliRunner

from parc.cli.account import commands
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.account.who_can import who_can
from parc.core.audit.unread import is_unreadable
from parc.loaders.account import load_snapshot

READER = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))


def unread(estate: Estate) -> list[tuple[str, str, int | None]]:
    return [(f.code, f.path, f.line) for f in estate.findings if is_unreadable(f)]


@pytest.mark.parametrize(("bad_arn", "why"), [
    ("arn:aws:iam::4444999999999999999:user/alice", "account of 19 digits"),
    ("x", "no ARN"),
    ("arn:aws:iam::123456789012:role/alice", "a role's ARN for a user"),
])
def test_a_user_whose_arn_names_no_iam_user_is_skipped_and_the_rest_answers(tmp_path: Path, bad_arn: str,
                                                                            why: str) -> None:
    bad = user("alice", policies={"p": READER})
    bad["Arn"] = bad_arn
    estate = estate_of(tmp_path, export(users=[bad, user("bob", policies={"p": READER})]))
    assert [u.name for u in estate.accounts[0].users] == ["bob"], why
    assert unread(estate) == [("ACCOUNT_BAD_ENTRY", "UserDetailList[0].Arn", 1)]  # write_account writes one line
    result = who_can(Evaluator(estate), "s3:GetObject", "arn:aws:s3:::b/k")
    assert arn("user", "bob") in json.dumps(result.to_dict())


@pytest.mark.parametrize("effect", ["x", None, ["Allow"]])
def test_an_inline_policy_that_does_not_compile_is_left_out_with_its_line(tmp_path: Path, effect: Any) -> None:
    broken = {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": "s3:*", "Resource": "*"}]}
    estate = estate_of(tmp_path, export(users=[user("alice", policies={"bad": broken, "ok": READER})]))
    codes = unread(estate)
    assert len(codes) == 1 and codes[0][0] == "ACCOUNT_POLICY_INVALID" and codes[0][2]
    assert codes[0][1].startswith("UserDetailList[0].UserPolicyList[0].PolicyDocument")
    alice = estate.accounts[0].users[0]
    assert [p.name for p in alice.inline if p.policy is not None] == ["ok"]


@pytest.mark.parametrize("parent_id", [["ou-a1b2-prod1111"], {"Id": 1}, "ou/../../etc", 5])
def test_an_organizations_parent_id_that_is_no_id_stops_the_chain_there(tmp_path: Path, parent_id: Any) -> None:
    """Found by the fuzz tests: a list as the parent's Id named a file ("list-parents-[[[...json") too long to open.
    Ids are letters, digits and dashes: https://docs.aws.amazon.com/organizations/latest/APIReference/API_Parent.html
    """
    root = tmp_path / "org"
    shutil.copytree(EXAMPLE, root)
    file = root / "444455556666" / "organizations" / "list-parents-444455556666.json"
    data = json.loads(file.read_text())
    data["Parents"][0]["Id"] = parent_id
    file.write_text(json.dumps(data, indent=2))
    estate = load_snapshot(root)
    prod = next(a for a in estate.accounts if a.account_id == "444455556666")
    assert ("ACCOUNT_ORG_INVALID", "Parents[0].Id", 4) in unread(prod_estate := Estate((prod,))), unread(prod_estate)
    assert len(estate.accounts) == 3


@pytest.mark.parametrize(("file", "data", "path"), [
    ("lambda-functions.json", {"Functions": [{"FunctionArn": {"x": 1}, "Role": "arn:aws:iam::123456789012:role/r"},
                                             {"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                              "Role": "arn:aws:iam::123456789012:role/r"}]}, "Functions[0]"),
    ("glue-dev-endpoints.json", {"Region": ["eu-west-1"], "DevEndpoints": [{"EndpointName": "", "RoleArn": 5}]},
     "DevEndpoints[0]"),
])
def test_compute_inventories_with_wrong_types_are_reported(tmp_path: Path, file: str, data: Any, path: str) -> None:
    write_account(tmp_path / ACCT, export(users=[user("u")]), extra={file: data})
    estate = load_snapshot(tmp_path / ACCT)
    assert [p for _, p, _ in unread(estate)] == [path]
    assert len(estate.accounts[0].compute) == (1 if file.startswith("lambda") else 0)


def test_a_resource_policy_arn_that_is_no_arn_is_reported(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                      "Resource": "arn:aws:s3:::b/*"}]}
    estate = estate_of(tmp_path, export(users=[user("u")]), resource_policies=[{"arn": "bucket-b", "policy": policy}])
    assert unread(estate) == [("ACCOUNT_BAD_ENTRY", "[0].arn", 1)]


def test_an_export_without_one_of_its_four_lists_is_incomplete(tmp_path: Path) -> None:
    """get-account-authorization-details always returns UserDetailList, GroupDetailList, RoleDetailList and
    Policies (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html): found
    by the fuzz tests, a file without UserDetailList made the account's users vanish without a word."""
    details = export(users=[user("u")])
    del details["UserDetailList"]
    estate = estate_of(tmp_path, details)
    assert unread(estate) == [("ACCOUNT_EXPORT_INCOMPLETE", "UserDetailList", 1)]


def test_a_last_page_that_says_more_follow_is_incomplete(tmp_path: Path) -> None:
    details = {**export(users=[user("u")]), "IsTruncated": True, "Marker": "abc"}
    estate = estate_of(tmp_path, details)
    assert [c for c, _, _ in unread(estate)] == ["ACCOUNT_EXPORT_INCOMPLETE"]


@pytest.mark.parametrize("text", ['{"UserDetailList": [' + "1" * 5000 + "]}", "[" * 100_000 + "]" * 100_000],
                         ids=["5000-digit-number", "nested-100000-deep"])
def test_json_python_cannot_decode_is_an_unreadable_file_not_a_traceback(tmp_path: Path, text: str) -> None:
    folder = tmp_path / ACCT
    write_account(folder, export())
    (folder / "get-account-authorization-details.json").write_text(text)
    estate = load_snapshot(folder)
    assert [c for c, _, _ in unread(estate)] == ["ACCOUNT_FILE_UNREADABLE"]


def test_who_can_says_its_answer_is_over_what_could_be_read(tmp_path: Path) -> None:
    bad = user("alice")
    bad["UserPolicyList"] = [{"PolicyName": "p", "PolicyDocument": '{"Version": "2012-10-17", "Statement": ['}]
    write_account(tmp_path / ACCT, export(users=[bad]))
    group = {c.name: c for c in commands if c.name}
    import click

    r = CliRunner().invoke(click.Group("parc", commands=group), ["who-can", "--account", str(tmp_path / ACCT),
                                                                 "s3:GetObject", "arn:aws:s3:::b/k"])
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("Among what could be read: 1 item(s) of the snapshot could not be")
    assert "UserDetailList[0].UserPolicyList[0].PolicyDocument (line 1, column" in r.stderr


def test_a_page_without_one_of_the_four_lists_is_incomplete(tmp_path: Path) -> None:
    """Found by the fuzz tests: a renamed key ("TserDetailList") in the third page of a paged export made its
    users vanish, the other pages having the list. Every page of the API's answer has all four."""
    folder = tmp_path / ACCT
    write_account(folder, export(users=[user("a")]))
    page2 = export(users=[user("b")])
    page2["TserDetailList"] = page2.pop("UserDetailList")
    (folder / "get-account-authorization-details-2.json").write_text(json.dumps(page2))
    estate = load_snapshot(folder)
    assert [u.name for u in estate.accounts[0].users] == ["a"]
    bad = [f for f in estate.findings if is_unreadable(f)]
    assert [(f.code, f.path) for f in bad] == [("ACCOUNT_EXPORT_INCOMPLETE", "UserDetailList")]
    assert bad[0].file and bad[0].file.endswith("get-account-authorization-details-2.json")


# Rule: AWS writes each of these keys as a list (empty when there is nothing):
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
@pytest.mark.parametrize("value", [None, {}, "AdminPolicy", 3], ids=["null", "object", "string", "number"])
@pytest.mark.parametrize(("where", "key"), [
    ("RoleDetailList", "RolePolicyList"), ("RoleDetailList", "AttachedManagedPolicies"),
    ("RoleDetailList", "InstanceProfileList"), ("RoleDetailList", "Tags"),
    ("UserDetailList", "UserPolicyList"), ("UserDetailList", "GroupList"), ("UserDetailList", "Tags"),
    ("GroupDetailList", "GroupPolicyList"), ("GroupDetailList", "AttachedManagedPolicies"),
    ("Policies", "PolicyVersionList"),
])
def test_a_list_of_the_export_that_is_not_a_list_is_said_not_read(tmp_path: Path, where: str, key: str,
                                                                   value: Any) -> None:
    """A list key holding anything but a list (found by the fuzz test: ``"RolePolicyList": null`` left a role's
    inline policies out and said nothing) is a located error naming the key, never read as an empty list; the
    entry and everything else are still loaded."""
    from account_helpers import group, managed, role, trust

    details = export(users=[user("alice", policies={"p": READER})], groups=[group("ops", policies={"p": READER})],
                     roles=[role("app", trust({"Service": "ec2.amazonaws.com"}), policies={"p": READER})],
                     policies=[managed("reader", READER)])
    entry = details[where][0]
    assert key in entry or key == "Tags"
    entry[key] = value
    estate = estate_of(tmp_path, details)
    expected = [("ACCOUNT_BAD_ENTRY", f"{where}[0].{key}", 1)]
    if key == "PolicyVersionList":  # and so the default version's document is not there either
        expected.append(("ACCOUNT_MISSING_POLICY", f"{where}[0].{key}", 1))
    assert unread(estate) == expected
    account = estate.accounts[0]
    assert [u.name for u in account.users] == ["alice"] and [r.name for r in account.roles] == ["app"]
    assert [g.name for g in account.groups] == ["ops"] and len(account.policies) == 1
