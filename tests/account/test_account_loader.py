"""The snapshot loader: each format variant of the export, resource policies and Organizations data, and bad input
reported (file, path, line) and skipped while the rest loads.

https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html (URL-encoded documents,
pagination, DefaultVersionId / IsDefaultVersion)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from account_helpers import (
    ACCT,
    ADMIN_ARN,
    DEV,
    EXAMPLE,
    MGMT,
    PROD,
    admin_policy,
    allow,
    arn,
    deny,
    doc,
    estate_of,
    export,
    group,
    level,
    managed,
    org,
    role,
    trust,
    user,
    write_account,
)

from parc.core.account.principals import for_user
from parc.loaders.account import SnapshotError, load_account, load_snapshot

API = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html"
RCP_EVAL = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html"
POLICY = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))


def codes(findings: Any) -> list[str]:
    return [f.code for f in findings]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda d: d, id="object-as-the-cli-prints-it"),
        pytest.param(json.dumps, id="json-string"),
        pytest.param(lambda d: quote(json.dumps(d), safe=""), id="url-encoded-as-the-api-returns-it"),
    ],
)
def test_document_variants_load_to_the_same_policy(tmp_path: Path, encode: Any) -> None:
    # API: "Policies returned by this operation are URL-encoded compliant with RFC 3986."
    details = export(users=[user("u", policies={"p": encode(POLICY)})])
    estate = estate_of(tmp_path, details)
    u = estate.accounts[0].users[0]
    assert not estate.findings
    assert u.inline[0].policy is not None
    assert u.inline[0].policy.statements[0].action[0].value == "s3:GetObject"  # type: ignore[index]


def test_pages_are_merged_and_duplicates_dropped(tmp_path: Path) -> None:
    folder = tmp_path / ACCT
    write_account(folder, export(users=[user("a")], policies=[managed("P", POLICY)]))
    (folder / "get-account-authorization-details-2.json").write_text(
        json.dumps(export(users=[user("b"), user("a")], roles=[role("r", trust({"Service": "ec2.amazonaws.com"}))]))
    )
    a = load_account(folder)
    assert [u.name for u in a.users] == ["a", "b"]
    assert [r.name for r in a.roles] == ["r"]
    assert a.policies_by_arn[arn("policy", "P")].policy is not None


def test_only_the_default_version_of_a_managed_policy_applies(tmp_path: Path) -> None:
    old = doc(allow("*"))
    details = export(
        users=[user("u", attached=[arn("policy", "P")])],
        policies=[managed("P", old, versions=[("v2", POLICY)], default="v2")],
    )
    estate = estate_of(tmp_path, details)
    mp = estate.accounts[0].policies[0]
    assert mp.default_version_id == "v2"
    assert mp.policy is not None and mp.policy.statements[0].action[0].value == "s3:GetObject"  # type: ignore[index]
    assert len(mp.versions) == 2
    gathered = for_user(estate.accounts[0], estate.accounts[0].users[0]).identity
    assert [p.name for p in gathered] == [arn("policy", "P")]


def test_user_policies_include_groups_and_tags(tmp_path: Path) -> None:
    details = export(
        users=[user("u", policies={"own": POLICY}, groups=["g"], tags={"team": "blue"})],
        groups=[group("g", attached=[ADMIN_ARN], policies={"gi": POLICY})],
        policies=[admin_policy()],
    )
    estate = estate_of(tmp_path, details)
    p = for_user(estate.accounts[0], estate.accounts[0].users[0])
    assert len(p.identity) == 3  # own inline, group inline, group's managed
    assert p.context["aws:PrincipalTag/team"] == "blue"


def test_a_bad_policy_is_reported_and_skipped_the_rest_loads(tmp_path: Path) -> None:
    bad = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
    details = export(users=[user("u", policies={"broken": bad, "fine": POLICY})])
    estate = estate_of(tmp_path, details)
    u = estate.accounts[0].users[0]
    assert [i.name for i in u.inline] == ["broken", "fine"]
    assert u.inline[0].policy is None and u.inline[1].policy is not None
    (f,) = estate.findings
    assert f.code == "ACCOUNT_POLICY_INVALID"
    assert f.path == "UserDetailList[0].UserPolicyList[0].PolicyDocument"
    assert f.file and f.file.endswith("get-account-authorization-details.json")
    assert "JSON syntax error" in f.message and "line 1" in f.message


def test_a_grammar_error_skips_the_policy(tmp_path: Path) -> None:
    bad = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": 5})
    details = export(roles=[role("r", trust({"Service": "ec2.amazonaws.com"}), policies={"bad": bad})])
    estate = estate_of(tmp_path, details)
    assert estate.accounts[0].roles[0].inline[0].policy is None
    assert codes(estate.findings) == ["ACCOUNT_POLICY_INVALID"]
    assert "Principal" in estate.findings[0].path


def test_a_missing_referenced_policy_is_reported(tmp_path: Path) -> None:
    details = export(users=[user("u", attached=[arn("policy", "Gone")], boundary=arn("policy", "AlsoGone"),
                                 groups=["nogroup"])])
    estate = estate_of(tmp_path, details)
    msgs = [f.message for f in estate.findings]
    assert codes(estate.findings) == ["ACCOUNT_MISSING_POLICY", "ACCOUNT_MISSING_POLICY", "ACCOUNT_MISSING_GROUP"]
    assert "its permissions are not counted" in msgs[0]
    assert "treated as allowing nothing" in msgs[1]


def test_a_missing_boundary_allows_nothing(tmp_path: Path) -> None:
    # A boundary we cannot read must not widen anything (a wrong Allow is the worst outcome).
    details = export(users=[user("u", policies={"all": doc(allow("*"))}, boundary=arn("policy", "Gone"))])
    estate = estate_of(tmp_path, details)
    p = for_user(estate.accounts[0], estate.accounts[0].users[0])
    assert p.boundary is not None and p.boundary.name == "(missing boundary: allows nothing)"
    assert p.notes


def test_entries_without_an_arn_are_skipped(tmp_path: Path) -> None:
    details = export(users=[{"UserName": "noarn"}, user("ok")], roles=["not-an-object"])
    estate = estate_of(tmp_path, details)
    assert [u.name for u in estate.accounts[0].users] == ["ok"]
    assert codes(estate.findings) == ["ACCOUNT_BAD_ENTRY", "ACCOUNT_BAD_ENTRY"]
    assert estate.findings[0].path == "UserDetailList[0].Arn"


def test_an_export_that_is_not_json_names_file_line_and_column(tmp_path: Path) -> None:
    folder = tmp_path / ACCT
    folder.mkdir()
    (folder / "get-account-authorization-details.json").write_text('{\n  "UserDetailList": [,]\n}')
    a = load_account(folder)
    (f,) = a.findings
    assert f.code == "ACCOUNT_FILE_UNREADABLE"
    assert (f.line, f.column) == (2, 22)


def test_resource_policies_accept_objects_and_cli_strings(tmp_path: Path) -> None:
    rp = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": arn("user", "u")},
                                                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
    estate = estate_of(
        tmp_path,
        export(users=[user("u")]),
        resource_policies=[
            {"arn": "arn:aws:s3:::b", "policy": rp},
            {"arn": "arn:aws:sqs:us-east-1:123456789012:q", "policy": json.dumps(rp)},
            {"arn": "arn:aws:sns:us-east-1:123456789012:t", "policy": "{not json"},
            {"policy": rp},
        ],
    )
    a = estate.accounts[0]
    assert [r.arn for r in a.resource_policies] == ["arn:aws:s3:::b", "arn:aws:sqs:us-east-1:123456789012:q"]
    assert codes(a.findings) == ["ACCOUNT_POLICY_INVALID", "ACCOUNT_BAD_ENTRY"]
    # An object's policy is its bucket's.
    found = estate.resource_policy("arn:aws:s3:::b/some/key")
    assert found is not None and found[0].arn == "arn:aws:s3:::b"


def test_simple_organization_file(tmp_path: Path) -> None:
    scp = doc(deny("s3:DeleteBucket"))
    organization = org([level("r-1", "ROOT", [doc(allow("*")), scp]), level("ou-1-aaaaaaaa", "ORGANIZATIONAL_UNIT",
                                                                             [doc(allow("*"))]),
                        level(ACCT, "ACCOUNT", [doc(allow("*"))])])
    estate = estate_of(tmp_path, export(users=[user("u")]), organization=organization)
    placement = estate.accounts[0].org
    assert placement is not None
    assert [lv.kind for lv in placement.levels] == ["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]
    assert len(placement.scps) == 3 and len(placement.scps[0]) == 2
    assert placement.rcps == []  # no RCP anywhere: RCPs are not in use
    assert placement.path == "o-test12345/r-1/ou-1-aaaaaaaa/"


def test_rcp_full_access_is_implied_at_every_level(tmp_path: Path) -> None:
    # RCP evaluation: "RCPFullAWSAccess ... is automatically attached to the organization root, every OU, and every
    # account ... You cannot detach this policy." (RCP_EVAL)
    rcp = {"Version": V, "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    organization = org([level("r-1", "ROOT", [doc(allow("*"))], [rcp]), level(ACCT, "ACCOUNT", [doc(allow("*"))])])
    estate = estate_of(tmp_path, export(), organization=organization)
    placement = estate.accounts[0].org
    assert placement is not None
    assert [[p.name for p in lv.rcps] for lv in placement.levels] == [
        ["RCPFullAWSAccess", "r-1-rcp0"],
        ["RCPFullAWSAccess"],
    ]


V = "2012-10-17"


def test_cli_organizations_outputs_walk_from_the_account_to_the_root() -> None:
    a = load_account(EXAMPLE / PROD)
    assert a.org is not None
    assert [lv.id for lv in a.org.levels] == ["r-a1b2", "ou-a1b2-prod1111", PROD]
    assert [p.name for p in a.org.levels[1].scps] == ["FullAWSAccess", "NoLongLivedCredentialsInProd"]
    assert a.org.management_account_id == MGMT and a.org.organization_id == "o-a1b2c3d4e5"
    assert not a.findings


def test_cli_organizations_missing_scp_list_is_a_warning_and_not_a_deny_all(tmp_path: Path) -> None:
    folder = tmp_path / ACCT
    write_account(folder, export(users=[user("u")]))
    o = folder / "organizations"
    o.mkdir()
    (o / f"list-parents-{ACCT}.json").write_text(json.dumps({"Parents": [{"Id": "r-1", "Type": "ROOT"}]}))
    (o / "list-policies-for-target-r-1.json").write_text(json.dumps(
        {"Policies": [{"Id": "p-FullAWSAccess", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY"},
                      {"Id": "p-gone1234", "Name": "Gone", "Type": "SERVICE_CONTROL_POLICY"}]}))
    a = load_account(folder)
    assert a.org is not None
    assert codes(a.findings) == ["ACCOUNT_MISSING_POLICY", "ACCOUNT_ORG_INCOMPLETE"]
    assert a.org.unknown_scp_levels == frozenset({ACCT})
    assert len(a.org.scps) == 1  # the root level only; the account's unknown level is left out


def test_a_folder_of_accounts_is_an_estate() -> None:
    estate = load_snapshot(EXAMPLE)
    assert [a.account_id for a in estate.accounts] == [MGMT, PROD, DEV]
    assert estate.management_account_id == MGMT
    assert estate.accounts[0].is_management
    assert not estate.findings
    dev = estate.by_id[DEV]
    assert {r.name for r in dev.roles} >= {"analytics", "Deployer"}  # from both pages


def test_shared_organizations_folder_serves_accounts_without_their_own(tmp_path: Path) -> None:
    write_account(tmp_path / ACCT, export(users=[user("u")]))
    (tmp_path / "organizations").mkdir()
    (tmp_path / "organizations" / "organization.json").write_text(
        json.dumps(org([level("r-1", "ROOT", [doc(allow("*"))]), level(ACCT, "ACCOUNT", [doc(allow("*"))])]))
    )
    estate = load_snapshot(tmp_path)
    assert estate.accounts[0].org is not None


def test_lambda_inventory(tmp_path: Path) -> None:
    fn = f"arn:aws:lambda:us-east-1:{ACCT}:function:f"
    estate = estate_of(tmp_path, export(), extra={"lambda-functions.json": {"Functions": [
        {"FunctionArn": fn, "Role": arn("role", "r")}, {"FunctionName": "no-arn"}]}})
    a = estate.accounts[0]
    assert [(c.arn, c.kind, c.role_arn) for c in a.compute] == [(fn, "lambda-function", arn("role", "r"))]
    assert codes(a.findings) == ["ACCOUNT_BAD_ENTRY"]


@pytest.mark.parametrize("layout", ["missing", "empty"])
def test_no_snapshot_is_a_clear_error(tmp_path: Path, layout: str) -> None:
    target = tmp_path / "nothing"
    if layout == "empty":
        target.mkdir()
    with pytest.raises(SnapshotError, match="nothing"):
        load_snapshot(target)


def test_account_id_from_the_arns_when_the_folder_is_not_named_by_it(tmp_path: Path) -> None:
    write_account(tmp_path / "prod", export(users=[user("u")]))
    assert load_snapshot(tmp_path / "prod").accounts[0].account_id == ACCT


def test_seed_limited_administrator_with_invalid_actions_reports_them(tmp_path: Path) -> None:
    # The seed writes its first statement's actions as "iam>ListPolicies": AWS rejects such a policy. With a
    # validator plugged in, the loader reports the policy's errors; the engine never lets them match anything.
    seed = doc(
        {"Sid": "AllowUsersToPerformUserActions", "Effect": "Allow",
         "Action": ["iam>ListPolicies", "iam>GetPolicy", "iam>UpdateUser", "iam>AttachUserPolicy", "iam>ListUsers"],
         "Resource": "*"},
        {"Sid": "AllowUsersToAttachOnlyDynamoDBFullAccess", "Effect": "Allow", "Action": "iam:AttachUserPolicy",
         "Resource": "*",
         "Condition": {"ArnEquals": {"iam:PolicyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}}},
    )
    from parc.loaders.account import default_policy_check

    folder = write_account(tmp_path / ACCT, export(users=[user("limited", policies={"seed": seed})]))
    a = load_account(folder, check=default_policy_check())
    assert a.users[0].inline[0].policy is not None  # kept: its valid statement still counts
    bad = [f for f in a.findings if "iam>ListPolicies" in f.message]
    assert bad and all(f.file and f.path.startswith("UserDetailList[0].UserPolicyList[0].PolicyDocument") for f in bad)


def test_a_document_repeated_in_the_export_reads_as_if_read_alone() -> None:
    """``PolicyReads`` parses a repeated document once; each copy is what ``read_policy`` gives it on its own
    (its own name; a text document keeps its positions), and a broken one is refused for each holder."""
    from parc.core.policy.model import Policy, PolicyType
    from parc.loaders.account.policydoc import PolicyReads, Unusable, read_policy

    text = ('{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow", '
            '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')
    docs: list[str | dict[str, object]] = [json.loads(text), text, quote(text),
                                           {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}]
    reads = PolicyReads()
    for raw in docs:
        for name in ("role a", "role b", "role c"):
            got = reads.read(raw, PolicyType.TRUST, name)
            want = read_policy(raw, PolicyType.TRUST, name)
            assert got == want
            if isinstance(got, Policy):
                assert got.name == name and got.pos == want.pos
                assert [s.pos for s in got.statements] == [s.pos for s in want.statements]
            else:
                assert isinstance(got, Unusable) and "Effect" in got.why
    assert len(reads._seen) == 4
    assert reads.read(json.loads(text), PolicyType.IDENTITY, "x") == read_policy(json.loads(text), PolicyType.IDENTITY,
                                                                                   "x")
