"""`parc simulate` and `parc check`: the formats, the exit codes, and clear errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli

ALICE = "arn:aws:iam::111122223333:user/alice"
READ = {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*",
                                                "Resource": "arn:aws:s3:::b/*"}]}
DENY_PUT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                                   {"Sid": "NoPut", "Effect": "Deny", "Action": "s3:Put*",
                                                    "Resource": "*"}]}


def _req(action: str, policy: dict[str, object]) -> dict[str, object]:
    return {"principal": ALICE, "action": action, "resource": "arn:aws:s3:::b/k", "identity_policies": [policy]}


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_simulate_array_prints_array_in_order(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps([_req("s3:GetObject", READ), _req("s3:PutObject", DENY_PUT),
                             _req("s3:PutObject", READ)], indent=2))
    code, out, _ = run("simulate", str(f), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [d["decision"] for d in data] == ["Allow", "ExplicitDeny", "ImplicitDeny"]
    # Positions point into the request file: the "Read" statement opens on line 10 of the pretty-printed file.
    deciding = data[0]["deciding"][0]
    assert deciding["sid"] == "Read" and deciding["line"] == 10
    assert data[1]["deciding"][0]["sid"] == "NoPut"
    assert data[2]["blocked_by"] == ["identity"]


def test_simulate_one_object_prints_one_object(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_req("s3:GetObject", READ), indent=1))
    code, out, _ = run("simulate", str(f), "--format", "json")
    assert code == 0
    assert json.loads(out)["decision"] == "Allow"


def test_simulate_json_lines_from_stdin_stream_one_line_each() -> None:
    lines = "\n".join(json.dumps(r) for r in [_req("s3:GetObject", READ), _req("s3:PutObject", DENY_PUT)])
    code, out, _ = run("simulate", "-", "--format", "json", input=lines + "\n")
    assert code == 0
    assert [json.loads(x)["decision"] for x in out.splitlines()] == ["Allow", "ExplicitDeny"]


def test_simulate_with_shared_policies_file(tmp_path: Path) -> None:
    pol = tmp_path / "p.json"
    pol.write_text(json.dumps({"identity_policies": [DENY_PUT]}))
    reqs = tmp_path / "r.jsonl"
    reqs.write_text("\n".join(json.dumps({"principal": ALICE, "action": a, "resource": "arn:aws:s3:::b/k"})
                              for a in ("s3:GetObject", "s3:PutObject")))
    code, out, _ = run("simulate", str(reqs), "--policies", str(pol), "--format", "json")
    assert code == 0
    assert [json.loads(x)["decision"] for x in out.splitlines()] == ["Allow", "ExplicitDeny"]


def test_simulate_text_names_the_statement_and_explain_adds_the_trace(tmp_path: Path) -> None:
    req = _req("s3:GetObject", {"Version": "2012-10-17", "Statement": [
        {"Sid": "TLS", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})
    f = tmp_path / "r.json"
    f.write_text(json.dumps(req))
    code, out, _ = run("simulate", str(f), "--explain")
    assert code == 0
    assert "ImplicitDeny" in out
    assert "aws:SecureTransport" in out  # the missing key, and the condition in the trace
    assert "a condition is not met" in out
    code, out, _ = run("simulate", str(f), "--format", "json", "--explain")
    data = json.loads(out)
    assert data["missing_context_keys"] == ["aws:SecureTransport"]
    assert data["trace"][0]["conditions"][0]["matched"] is False


def test_simulate_at_sets_current_time(tmp_path: Path) -> None:
    req = _req("s3:GetObject", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]})
    f = tmp_path / "r.json"
    f.write_text(json.dumps(req))
    assert json.loads(run("simulate", str(f), "--format", "json", "--at", "2019-06-01T00:00:00Z")[1])[
        "decision"] == "Allow"
    assert json.loads(run("simulate", str(f), "--format", "json", "--at", "1600000000")[1])[
        "decision"] == "ImplicitDeny"


def test_simulate_bad_input_is_a_clear_error_with_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text('[{"principal": "x", "action": "s3:GetObject"')
    code, _, err = run("simulate", str(f))
    assert code == 2 and "line 1" in err and "Traceback" not in err
    f.write_text(json.dumps([{"action": "s3:GetObject", "identity_policies": [{"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}]}]))
    # A request that cannot be decided is an error in its place (issue 11 section 3), and the exit code is 2.
    code, out, err = run("simulate", str(f))
    assert code == 2 and "error: request 0 (line 1, column 2)" in out and "StringEqualz" in out
    assert "could not be decided" in err
    f.write_text(json.dumps([{"action": "s3:GetObject", "principal": "arn:aws:iam::1:user/x", "colour": "red"}]))
    code, out, _ = run("simulate", str(f))
    assert code == 2 and "colour" in out
    code, _, err = run("simulate", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err


def test_check_expect_sets_the_exit_code(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    p.write_text(json.dumps(READ))
    base = ["check", "--policy", str(p), "--principal", ALICE, "--resource", "arn:aws:s3:::b/k"]
    assert run(*base, "--action", "s3:GetObject", "--expect", "allow")[0] == 0
    assert run(*base, "--action", "s3:PutObject", "--expect", "allow")[0] == 1
    assert run(*base, "--action", "s3:PutObject", "--expect", "deny")[0] == 0
    code, out, _ = run(*base, "--action", "s3:GetObject", "--format", "json")
    assert code == 0 and json.loads(out)["deciding"][0]["line"] == 1


def test_check_context_scp_levels_and_boundary(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}]}))
    allow_all = tmp_path / "all.json"
    allow_all.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    ec2_only = tmp_path / "ec2.json"
    ec2_only.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
    base = ["check", "--policy", str(p), "--principal", ALICE, "--action", "s3:PutObject",
            "--resource", "arn:aws:s3:::b/k", "--format", "json"]
    ctx = ["--context", "aws:TagKeys=team", "--context", "aws:TagKeys=env"]
    assert json.loads(run(*base, *ctx)[1])["decision"] == "Allow"
    assert json.loads(run(*base)[1])["decision"] == "ImplicitDeny"
    # Two levels: root allows everything, the account level only EC2 -> the SCPs block S3.
    out = json.loads(run(*base, *ctx, "--scp", str(allow_all), "--scp", str(ec2_only))[1])
    assert out["decision"] == "ImplicitDeny" and out["blocked_by"] == ["scp"]
    # Two policies at one level: either allows.
    out = json.loads(run(*base, *ctx, "--scp", f"{allow_all},{ec2_only}")[1])
    assert out["decision"] == "Allow"
    out = json.loads(run(*base, *ctx, "--boundary", str(ec2_only))[1])
    assert out["decision"] == "ImplicitDeny" and out["blocked_by"] == ["boundary"]


def test_check_malformed_policy_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{"Version": "2012-10-17",\n "Statement": [\n'
                 '  {"Effect": "Allow", "Action": "s3:*" "Resource": "*"}]}')
    code, _, err = run("check", "--policy", str(p), "--principal", ALICE, "--action", "s3:GetObject")
    assert code == 2
    assert "bad.json" in err and "line 3" in err and "Traceback" not in err


def test_simulate_jobs_keeps_order_and_matches_one_process(tmp_path: Path) -> None:
    pol = tmp_path / "p.json"
    pol.write_text(json.dumps({"identity_policies": [DENY_PUT, READ]}))
    reqs = tmp_path / "r.jsonl"
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:RunInstances"] * 300
    reqs.write_text("\n".join(json.dumps({"principal": ALICE, "action": a, "resource": "arn:aws:s3:::b/k"})
                              for a in actions) + "\n")
    one = run("simulate", str(reqs), "--policies", str(pol), "--format", "json")
    two = run("simulate", str(reqs), "--policies", str(pol), "--format", "json", "--jobs", "2")
    assert one[0] == two[0] == 0
    assert one[1] == two[1]
    assert [json.loads(x)["decision"] for x in two[1].splitlines()[:4]] == [
        "Allow", "ExplicitDeny", "Allow", "ImplicitDeny"]


def test_simulate_jobs_reports_the_bad_line(tmp_path: Path) -> None:
    reqs = tmp_path / "r.jsonl"
    good = json.dumps(_req("s3:GetObject", READ))
    reqs.write_text("\n".join([good] * 50 + ['{"action": 12}'] + [good] * 5) + "\n")
    code, out, err = run("simulate", str(reqs), "--jobs", "2", "--format", "json")
    assert code == 2 and "could not be decided" in err
    answers = [json.loads(x) for x in out.splitlines()]  # every request answered, the bad one in its place
    assert len(answers) == 56 and [a["decision"] for a in answers[:50] + answers[51:]] == ["Allow"] * 55
    assert answers[50]["error"]["line"] == 51 and answers[50]["error"]["index"] == 50


def test_check_rejects_a_principal_that_is_not_one() -> None:
    code, _, err = run("check", "--principal", "alice", "--action", "s3:GetObject")
    assert code == 2 and "Unrecognized principal 'alice'" in err
    code, out, _ = run("check", "--principal", "accounts.google.com", "--action", "sts:AssumeRoleWithWebIdentity",
                       "--format", "json")
    assert code == 0 and json.loads(out)["blocked_by"] == ["resource"]


def test_simulate_says_which_changes_no_policy_can_grant(tmp_path: Path) -> None:
    """A resource AWS owns: blocked by the aws_owned rule, with its reason, in both formats; key_manager is read
    from the request. https://docs.aws.amazon.com/kms/latest/developerguide/editing-keys.html"""
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    key_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"},
                                                          "Action": "kms:*", "Resource": "*"}]}
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    reqs = [{"principal": ALICE, "action": "iam:CreatePolicyVersion",
             "resource": "arn:aws:iam::aws:policy/AdministratorAccess", "identity_policies": [everything]},
            {"principal": ALICE, "action": "kms:PutKeyPolicy", "resource": key, "key_manager": "AWS",
             "identity_policies": [everything], "resource_policy": key_policy},
            {"principal": ALICE, "action": "kms:PutKeyPolicy", "resource": key, "key_manager": "CUSTOMER",
             "identity_policies": [everything], "resource_policy": key_policy}]
    f = tmp_path / "r.json"
    f.write_text(json.dumps(reqs))
    code, out, _ = run("simulate", str(f), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(d["decision"], d["blocked_by"]) for d in data] == [
        ("ImplicitDeny", ["aws_owned"]), ("ImplicitDeny", ["aws_owned"]), ("Allow", [])]
    assert "AWS managed policy" in data[0]["reasons"][0] and "AWS managed key" in data[1]["reasons"][0]
    code, out, _ = run("simulate", str(f))
    assert "aws_owned" in out and "AWS managed policy" in out
