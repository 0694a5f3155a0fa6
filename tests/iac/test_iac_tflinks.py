"""How ``parc audit --iac`` links Terraform's principals and policies (tests/iac/tfaudit/links/links.tf, every link
by reference): the account's export as the AWS provider's resources make it
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_policy_attachment and the pages of
each resource type named below), the IAM export's shape as ``aws iam get-account-authorization-details`` returns it
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parc.loaders.iac.tfaccount import TfAccount, load_terraform

LINKS = Path(__file__).parent / "tfaudit" / "links" / "links.tf"
POLICY = "arn:aws:iam::111122223333:policy/"


@pytest.fixture(scope="module")
def account() -> TfAccount:
    out = TfAccount()
    load_terraform([(str(LINKS), LINKS.read_text(encoding="utf-8"), False)], out)
    return out


def _attached(entry: dict[str, object]) -> set[str]:
    return {str(p["PolicyArn"]) for p in entry["AttachedManagedPolicies"]}  # type: ignore[attr-defined]


CASES = [
    # (rule pinned, principal table, name, what it must have)
    ("aws_iam_role.managed_policy_arns: references and literals", "roles", "app",
     {"attached": {POLICY + "build", POLICY + "literal", POLICY + "boundary"}}),
    ("aws_iam_role.inline_policy blocks are the role's inline policies", "roles", "app", {"inline": {"logs"}}),
    ("aws_iam_instance_profile.role puts the role in the profile", "roles", "app", {"profiles": {"app"}}),
    ("aws_iam_user.permissions_boundary by reference", "users", "dev", {"boundary": POLICY + "boundary"}),
    ("aws_iam_user_group_membership.groups", "users", "dev", {"groups": {"builders", "readers"}}),
    ("aws_iam_group_membership.users", "users", "ops", {"groups": {"readers"}}),
    ("aws_iam_user_policy_attachment", "users", "ops", {"attached": {POLICY + "boundary"}}),
    ("aws_iam_group_policy_attachment", "groups", "builders", {"attached": {POLICY + "build"}}),
    ("aws_iam_policy_attachment: users, roles and groups", "groups", "readers", {"attached": {POLICY + "boundary"}}),
    ("aws_iam_group_policy.group by id (the group's name)", "groups", "readers", {"inline": {"read"}}),
    ("a user without a boundary has none", "users", "ops", {"boundary": None}),
    ("a user with no inline policy has none", "users", "ops", {"inline": set()}),
]


@pytest.mark.parametrize(("rule", "table", "name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_links(account: TfAccount, rule: str, table: str, name: str, expected: dict[str, object]) -> None:
    entry = getattr(account, table)[name]
    kind = {"roles": "Role", "users": "User", "groups": "Group"}[table]
    for what, value in expected.items():
        if what == "attached":
            assert _attached(entry) == value, rule
        elif what == "inline":
            assert {p["PolicyName"] for p in entry[f"{kind}PolicyList"]} == value, rule
        elif what == "profiles":
            assert {p["InstanceProfileName"] for p in entry["InstanceProfileList"]} == value, rule
        elif what == "boundary":
            got = entry.get("PermissionsBoundary")
            assert (got["PermissionsBoundaryArn"] if got else None) == value, rule
        elif what == "groups":
            assert set(entry["GroupList"]) == value, rule


def test_everything_linked_and_placed(account: TfAccount) -> None:
    assert not account.problems
    assert set(account.policies) == {POLICY + "boundary", POLICY + "build"}
    assert {d.file for d in account.places.values()} == {str(LINKS)}
    assert set(account.places) >= {"arn:aws:iam::111122223333:role/app trust policy",
                                   "arn:aws:iam::111122223333:role/app inline logs"}


def test_ids_are_stable(account: TfAccount) -> None:
    again = TfAccount()
    load_terraform([(str(LINKS), LINKS.read_text(encoding="utf-8"), False)], again)
    assert again.roles["app"]["RoleId"] == account.roles["app"]["RoleId"]
    assert str(account.roles["app"]["RoleId"]).startswith("AROA")
