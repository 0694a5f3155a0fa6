"""The account commands end to end on the example organization: text, JSON and DOT, exit codes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from account_helpers import EXAMPLE, MGMT, PROD, export, user, write_account
from click.testing import CliRunner

from parc.cli.account import commands

ORG = str(EXAMPLE)


@pytest.fixture(scope="module")
def cli() -> click.Group:
    return click.Group("parc", commands={c.name: c for c in commands if c.name})


def run(cli: click.Group, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_commands_are_exported() -> None:
    assert [c.name for c in commands] == ["can", "who-can", "what-can", "assume", "escalation"]


def test_can_json_is_a_decision(cli: click.Group) -> None:
    code, out, _ = run(cli, "can", "--account", ORG, "--format", "json", "alice", "s3:GetObject",
                       "arn:aws:s3:::prod-audit-logs/x")
    assert code == 0
    d = json.loads(out)
    assert d["decision"] == "ExplicitDeny" and d["blocked_by"] == ["boundary"]
    assert d["gathered"]["permissions_boundary"] == f"arn:aws:iam::{PROD}:policy/DeveloperBoundary"
    # The snapshot's only problems: the seed's five "iam>" actions in LimitedDynamoDBAdmin, reported, not fatal.
    assert [f["code"] for f in d["findings"]] == ["INVALID_ACTION"] * 5
    assert all("LimitedDynamoDBAdmin" in f["message"] for f in d["findings"])


def test_can_with_context_and_expect(cli: click.Group) -> None:
    args = ["can", "--account", ORG, "analytics", "s3:GetObject", "arn:aws:s3:::prod-customer-data/exports/r.csv"]
    code, out, err = run(cli, *args, "--expect", "allow")
    assert code == 1 and "expected allow, got ExplicitDeny" in err
    code, out, _ = run(cli, *args, "--context", "aws:RequestedRegion=eu-west-1", "--expect", "allow")
    assert code == 0 and "Allow" in out


def test_who_can_text_and_json(cli: click.Group) -> None:
    args = ["who-can", "--account", ORG, "s3:GetObject", "arn:aws:s3:::prod-customer-data/exports/r.csv"]
    code, out, _ = run(cli, *args)
    assert code == 0
    assert "ConditionalAllow arn:aws:iam::777788889999:role/analytics" in out
    assert "(if aws:RequestedRegion)" in out
    code, out, _ = run(cli, *args, "--format", "json")
    principals = json.loads(out)["principals"]
    assert {p["arn"]: p["conditions"] for p in principals}["arn:aws:iam::777788889999:role/analytics"] == [
        "aws:RequestedRegion"]
    code, out, _ = run(cli, *args, "--format", "json", "--strict")
    assert "arn:aws:iam::777788889999:role/analytics" not in {p["arn"] for p in json.loads(out)["principals"]}


def test_what_can_json_and_unknown_service(cli: click.Group) -> None:
    code, out, _ = run(cli, "what-can", "--account", ORG, "--format", "json", "--service", "s3", "app-runtime")
    assert code == 0
    perms = json.loads(out)["permissions"]
    assert perms == [{"resource": "arn:aws:s3:::prod-customer-data/orders/*", "access_level": "Read",
                      "decision": "Allow", "conditions": [], "actions": ["s3:GetObject"]}]
    code, _, err = run(cli, "what-can", "--account", ORG, "--service", "s33", "app-runtime")
    assert code == 2 and "'s33' is not a service prefix" in err


def test_assume_chains(cli: click.Group) -> None:
    code, out, _ = run(cli, "assume", "--account", ORG, "--format", "json", "org-admin")
    assert code == 0
    d = json.loads(out)
    assert d["principal"] == f"arn:aws:iam::{MGMT}:user/org-admin"
    assert {c["role"] for c in d["chains"]} == {f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole",
                                                "arn:aws:iam::777788889999:role/OrganizationAccountAccessRole"}


def test_escalation_json_text_and_dot(cli: click.Group) -> None:
    code, out, _ = run(cli, "escalation", "--account", ORG, "--format", "json", "bob")
    assert code == 0
    (path,) = json.loads(out)["paths"]
    assert path["principal"] == f"arn:aws:iam::{PROD}:user/bob" and path["gains"] == "administrator"
    assert path["steps"][0]["technique"] == "iam:PassRole+ec2:RunInstances"
    assert path["steps"][0]["checks"][0]["statements"][0]["sid"] == "PassRolesToServices"
    code, out, _ = run(cli, "escalation", "--account", ORG, "dynamo-admin", "--fail-on-admin")
    assert code == 0 and "0 principal(s) can become administrator" in out
    code, out, _ = run(cli, "escalation", "--account", ORG, "--fail-on-admin")
    assert code == 1 and "iam:CreatePolicyVersion" in out
    code, out, _ = run(cli, "escalation", "--account", ORG, "--format", "dot")
    assert out.startswith("digraph escalation {") and '[label="iam:PassRole+ec2:RunInstances"]' in out
    assert '[label="is administrator"]' in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["can", "--account", ORG, "nobody", "s3:GetObject", "*"], "no user or role of that name"),
        (["can", "--account", ORG, "alice", "GetObject", "*"], "'action' must be a string such as"),
        (["can", "--account", ORG, "alice", "s3:GetObject", "*", "--context", "novalue"], "is not KEY=VALUE"),
        (["escalation", "--account", ORG, "arn:aws:iam::999999999999:user/x"], "not in the snapshot"),
    ],
)
def test_bad_input_is_a_usage_error(cli: click.Group, args: list[str], message: str) -> None:
    code, out, err = run(cli, *args)
    assert code == 2
    assert message in err + out
    assert "Traceback" not in err + out


def test_no_snapshot_is_a_usage_error(cli: click.Group, tmp_path: Path) -> None:
    code, _, err = run(cli, "assume", "--account", str(tmp_path))
    assert code == 2 and "no get-account-authorization-details" in err


def test_snapshot_problems_go_to_stderr_once_and_the_answer_says_it_is_partial(cli: click.Group,
                                                                             tmp_path: Path) -> None:
    """Issue 19: problems of a snapshot printed once, to stderr, with their line; the answer (stdout) first says
    it is over what could be read, never a clean headline over unread input."""
    bad = '{"Version": "2012-10-17", "Statement": ['
    write_account(tmp_path / "123456789012", export(users=[user("u", policies={"bad": bad})]))
    code, out, err = run(cli, "who-can", "--account", str(tmp_path), "s3:GetObject", "arn:aws:s3:::b/k")
    assert code == 0
    assert err.count("ACCOUNT_POLICY_INVALID") == 1 and "ACCOUNT_POLICY_INVALID" not in out
    assert "UserDetailList[0].UserPolicyList[0].PolicyDocument (line " in err
    assert out.index("Among what could be read: 1 item(s)") < out.index("Who can")
    code, out, _ = run(cli, "who-can", "--account", str(tmp_path), "--format", "json", "s3:GetObject",
                       "arn:aws:s3:::b/k")
    d = json.loads(out)
    assert [f["code"] for f in d["findings"]] == ["ACCOUNT_POLICY_INVALID"] and d["unreadable_items"] == 1
    assert d["notes"] and "account is unknown" in d["notes"][0]
