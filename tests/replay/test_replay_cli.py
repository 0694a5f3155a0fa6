"""``parc replay`` end to end: a proposal that breaks a call, an added SCP, a removed statement, unused permissions
with a narrowed policy that ``parc diff`` proves no wider (and that, replayed as a proposal, breaks nothing), a
broken log file (exit 2, the rest replayed), bad CHANGE syntax, and the same report under the processes scheduler.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from replay_helpers import (
    ACCT,
    APP_POLICY,
    arn,
    deny,
    doc,
    identity_session,
    identity_user,
    record,
    snapshot,
    write_log,
)

from parc.cli.main import cli

S3 = "s3.amazonaws.com"


def run(*args: str) -> tuple[int, dict[str, Any] | str, str]:
    r = CliRunner().invoke(cli, ["replay", *args, "--format", "json"])
    try:
        return r.exit_code, json.loads(r.stdout), r.stderr
    except ValueError:
        return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    acct = snapshot(tmp_path)
    logs = tmp_path / "logs"
    session = identity_session("App", "s1")
    write_log(logs, [
        record(S3, "GetObject", identity_user(), params={"bucketName": "data-bucket", "key": "a.txt"}),
        record(S3, "GetObject", session, params={"bucketName": "data-bucket", "key": "a.txt"}),
        record(S3, "GetObject", session, params={"bucketName": "data-bucket", "key": "b.txt"}),
        record("dynamodb.amazonaws.com", "GetItem", identity_user(), params={"tableName": "Orders"}),
        record("ec2.amazonaws.com", "DescribeInstances", identity_user(), errorCode="Client.UnauthorizedOperation"),
        record("sts.amazonaws.com", "GetCallerIdentity", identity_user()),
    ], day="2024/05/01")
    write_log(logs, [record(S3, "GetObject", session, params={"bucketName": "data-bucket", "key": "a.txt"},
                            eventTime="2024-05-02T08:00:00Z")], day="2024/05/02")
    return acct, logs


def test_no_proposal_counts_and_exit_0(world: tuple[Path, Path]) -> None:
    acct, logs = world
    code, out, _err = run(str(logs), "--account", str(acct))
    assert code == 0, out
    assert isinstance(out, dict)
    assert out["events"] == 7 and out["replayed"] == 5
    assert out["unmapped"] == {"needs no permission": 1}
    assert out["never_seen"] == []  # alice and App both called
    assert out["newly_denied"] == [] and out["not_reproduced"] == []
    assert out["denied_in_log"] == [{"principal": arn("user", "alice"), "action": "ec2:DescribeInstances",
                                     "count": 1}]


def test_replaced_policy_breaks_the_role_s_reads(world: tuple[Path, Path], tmp_path: Path) -> None:
    acct, logs = world
    new = tmp_path / "new.json"
    new.write_text(json.dumps(doc({"Sid": "Objects", "Effect": "Allow", "Action": "s3:PutObject",
                                   "Resource": "arn:aws:s3:::data-bucket/*"})))
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed", f"policy:{APP_POLICY}={new}")
    assert code == 1
    assert isinstance(out, dict)
    assert out["newly_denied"] == [
        {"principal": arn("role", "App"), "action": "s3:GetObject", "resource": "arn:aws:s3:::data-bucket/a.txt",
         "count": 2, "statement": "no allow (identity)"},
        {"principal": arn("role", "App"), "action": "s3:GetObject", "resource": "arn:aws:s3:::data-bucket/b.txt",
         "count": 1, "statement": "no allow (identity)"},
    ]
    assert out["newly_denied_by_action"] == [{"principal": arn("role", "App"), "action": "s3:GetObject", "count": 3}]


def test_added_scp_denies_with_its_statement(world: tuple[Path, Path], tmp_path: Path) -> None:
    acct, logs = world
    scp = tmp_path / "scp.json"
    scp.write_text(json.dumps(doc({**deny("dynamodb:*"), "Sid": "NoDynamo"})))
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed", f"scp:+{scp}")
    assert code == 1 and isinstance(out, dict)
    [row] = out["newly_denied"]
    assert (row["principal"], row["action"], row["count"]) == (arn("user", "alice"), "dynamodb:GetItem", 1)
    assert "NoDynamo" in row["statement"]


def test_removed_statement(world: tuple[Path, Path]) -> None:
    acct, logs = world
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed", f"remove:{APP_POLICY}#Objects")
    assert code == 1 and isinstance(out, dict)
    assert {(r["principal"], r["action"]) for r in out["newly_denied"]} == {(arn("role", "App"), "s3:GetObject")}
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed",
                       f"remove:{arn('user', 'alice')}#AliceInline#Dynamo")
    assert code == 1 and isinstance(out, dict)
    assert [r["action"] for r in out["newly_denied"]] == ["dynamodb:GetItem"]


def test_unused_permissions_and_the_narrowed_policy_proof(world: tuple[Path, Path], tmp_path: Path) -> None:
    acct, logs = world
    code, out, _ = run(str(logs), "--account", str(acct))
    assert code == 0 and isinstance(out, dict)
    by = {u["principal"]: u for u in out["unused"]}
    app = by[arn("role", "App")]
    assert app["actions"] == ["kms:Decrypt", "s3:PutObject"]
    assert app["proof"]["verdict"] == "PASS"
    narrowed = app["narrowed_policy"]
    assert narrowed["Statement"] == [{"Sid": "Objects", "Effect": "Allow", "Action": "s3:GetObject",
                                      "Resource": "arn:aws:s3:::data-bucket/*"}]
    alice = by[arn("user", "alice")]
    assert "dynamodb:PutItem" in alice["actions"] and "dynamodb:GetItem" not in alice["actions"]
    assert alice["proof"]["verdict"] == "PASS"
    # The narrowed policy, proposed in place of the original, breaks none of the calls of the window.
    f = tmp_path / "narrow.json"
    f.write_text(json.dumps(narrowed))
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed", f"policy:{APP_POLICY}={f}", "--no-unused")
    assert code == 0 and isinstance(out, dict) and out["newly_denied"] == [] and out["unused"] == []


def test_broken_file_exit_2_and_the_rest_replayed(world: tuple[Path, Path]) -> None:
    acct, logs = world
    bad = write_log(logs, [], day="2024/05/03", name="bad")
    bad.write_bytes(b"\x1f\x8b not really gzip")
    code, out, err = run(str(logs), "--account", str(acct))
    assert code == 2 and isinstance(out, dict)
    assert out["events"] == 7 and len(out["unreadable_files"]) == 1
    assert "bad" in out["unreadable_files"][0]["file"] and "bad" in err


@pytest.mark.parametrize("change", ["policy:nofile", "scp:x.json", "remove:arn:aws:iam::1:policy/P", "other:x"])
def test_bad_change_syntax_is_a_usage_error(world: tuple[Path, Path], change: str) -> None:
    acct, logs = world
    code, _out, err = run(str(logs), "--account", str(acct), "--proposed", change)
    assert code == 2 and "expected policy:ARN=FILE" in err


def test_change_naming_nothing_is_a_usage_error(world: tuple[Path, Path]) -> None:
    acct, logs = world
    code, _out, err = run(str(logs), "--account", str(acct), "--proposed", f"remove:{APP_POLICY}#NoSuchSid")
    assert code == 2 and "NoSuchSid" in err
    code, _out, err = run(str(logs), "--account", str(acct), "--proposed",
                          f"remove:arn:aws:iam::{ACCT}:policy/Nope#Sid")
    assert code == 2 and "no managed policy" in err


def test_processes_scheduler_gives_the_same_report(world: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("dask")
    acct, logs = world
    new = tmp_path / "new.json"
    new.write_text(json.dumps(doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})))
    args = [str(logs), "--account", str(acct), "--proposed", f"policy:{APP_POLICY}={new}", "--no-unused"]
    local = CliRunner().invoke(cli, ["replay", *args, "--format", "json"])
    procs = CliRunner().invoke(cli, ["replay", *args, "--format", "json", "--scheduler", "processes"])
    assert local.exit_code == procs.exit_code == 1
    assert local.stdout == procs.stdout


def test_context_keys_a_policy_tests_are_decided_per_call(tmp_path: Path) -> None:
    """Calls that differ only in aws:SourceIp share a cached decision unless a policy tests that key: here the
    proposed SCP does, so the call from inside 10.0.0.0/8 stays allowed and the one from outside breaks.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip"""
    acct = snapshot(tmp_path)
    logs = tmp_path / "logs"
    write_log(logs, [record("dynamodb.amazonaws.com", "GetItem", identity_user(), params={"tableName": "Orders"},
                            sourceIPAddress=ip) for ip in ("10.1.2.3", "203.0.113.10", "10.9.9.9")])
    scp = tmp_path / "scp.json"
    scp.write_text(json.dumps(doc({"Sid": "OnlyCorp", "Effect": "Deny", "Action": "*", "Resource": "*",
                                   "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})))
    code, out, _ = run(str(logs), "--account", str(acct), "--proposed", f"scp:+{scp}", "--no-unused")
    assert code == 1 and isinstance(out, dict)
    [row] = out["newly_denied"]
    assert row["count"] == 1 and "OnlyCorp" in row["statement"]


def test_nothing_replayed_is_never_a_clean_answer(tmp_path: Path) -> None:
    """A log whose calls cannot be re-decided (here: only an AWS service's) checks no proposal: exit 2, not 0."""
    acct = snapshot(tmp_path)
    logs = tmp_path / "logs"
    write_log(logs, [record(S3, "ListBuckets", {"type": "AWSService", "invokedBy": "config.amazonaws.com"})])
    new = tmp_path / "new.json"
    new.write_text(json.dumps(doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})))
    code, out, err = run(str(logs), "--account", str(acct), "--proposed", f"policy:{APP_POLICY}={new}")
    assert code == 2 and "not checked" in err
    assert isinstance(out, dict) and out["never_seen"] == [arn("role", "App"), arn("user", "alice")]
    assert isinstance(out, dict) and out["replayed"] == 0 and sum(out["unmapped"].values()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _out, err = run(str(empty), "--account", str(acct))
    assert code == 2 and "no CloudTrail log files" in err
