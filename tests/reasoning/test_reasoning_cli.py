"""`parc diff`, `parc never`, `parc public`: the JSON shape, the exit codes (0 PASS, 1 FAIL, 2 input error or
UNKNOWN), positions of the granting statements, and clean errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import z3
from click.testing import CliRunner

import parc
from parc.cli.main import cli
from parc.core.reasoning import smt

READ = {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::b/*"}]}
MORE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}
TAGGED = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringLike": {"aws:PrincipalTag/team": "a*"}, "StringNotLike": {"aws:PrincipalTag/team": "ax*"}}}]}
PUBLIC = {"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*",
                                                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}


def write(tmp: Path, name: str, doc: Any) -> str:
    f = tmp / name
    f.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return str(f)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_diff_fail_names_the_statement_with_its_line(tmp_path: Path) -> None:
    code, out, _ = run("diff", write(tmp_path, "old.json", READ), write(tmp_path, "new.json", MORE),
                       "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert set(data) == {"result", "reason", "counterexamples"} and data["result"] == "FAIL"
    (cx,) = data["counterexamples"]
    assert set(cx) >= {"principal", "action", "resource", "context", "statement"}
    assert cx["action"] == "s3:PutObject" and cx["resource"].startswith("arn:aws:s3:::b/")
    st = cx["statement"]
    assert st["sid"] == "Write" and st["index"] == 1 and st["line"] == 10 and st["policy"].endswith("new.json")


def test_diff_pass_exits_0(tmp_path: Path) -> None:
    code, out, _ = run("diff", write(tmp_path, "new.json", MORE), write(tmp_path, "old.json", READ))
    assert code == 0 and out.startswith("PASS")


def test_never_and_public_exit_codes(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", MORE)
    assert run("never", p, "--action", "s3:DeleteObject")[0] == 0
    code, out, _ = run("never", p, "--action", "s3:Put*")
    assert code == 1 and "Write" in out
    pub = write(tmp_path, "pub.json", PUBLIC)
    code, out, _ = run("public", pub, "--account", "111122223333", "--format", "json")
    assert code == 1 and json.loads(out)["counterexamples"][0]["statement"]["sid"] == "Anyone"


def test_never_reads_a_session_policy_rcps_and_a_service_linked_caller(tmp_path: Path) -> None:
    p = write(tmp_path, "p.json", MORE)
    read_only = write(tmp_path, "session.json", READ)
    assert run("never", p, "--action", "s3:PutObject", "--session-policy", read_only)[0] == 0
    rcp = write(tmp_path, "rcp.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}]})
    assert run("never", p, "--action", "s3:PutObject", "--rcp", rcp)[0] == 0
    # RCPs do not bind a service-linked role.
    assert run("never", p, "--action", "s3:PutObject", "--rcp", rcp, "--service-linked")[0] == 1


def test_unknown_exits_2_with_the_reason(tmp_path: Path) -> None:
    binary = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                                                      "Condition": {"BinaryEquals": {"aws:x": "QQ=="}}}]}
    code, out, _ = run("diff", write(tmp_path, "a.json", READ), write(tmp_path, "b.json", binary),
                       "--format", "json")
    assert code == 2
    data = json.loads(out)
    assert data["result"] == "UNKNOWN" and "Binary" in data["reason"] and data["counterexamples"] == []


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version": "2012-10-17",\n "Statement": [\n', encoding="utf-8")
    code, _, err = run("diff", str(bad), write(tmp_path, "ok.json", READ))
    assert code == 2 and "bad.json" in err and "line" in err
    code, _, err = run("never", str(tmp_path / "missing.json"), "--action", "s3:GetObject")
    assert code == 2 and "missing.json" in err
    code, _, err = run("public", write(tmp_path, "pub.json", PUBLIC), "--account", "12345")
    assert code == 2 and "12-digit" in err
    code, _, err = run("never", write(tmp_path, "ok2.json", READ), "--action", "DeleteBucket")
    assert code == 2 and "not an action" in err
    code, _, err = run("diff", write(tmp_path, "s1.json", READ), write(tmp_path, "s2.json", READ), "--type", "session",
                       "--format", "json")
    assert code == 0


def test_the_api_is_public() -> None:
    result = parc.check_no_new_access(READ, MORE)
    assert isinstance(result, parc.CheckResult) and result.result == "FAIL" and result.exit_code == 1
    assert isinstance(result.counterexamples[0], parc.Counterexample)
    assert parc.check_access_not_granted(READ, ["s3:PutObject"]).result == "PASS"
    assert parc.check_no_public_access(PUBLIC, accounts=["111122223333"]).result == "FAIL"


def test_a_timeout_is_unknown_never_pass() -> None:
    ctx = smt.fresh_context()
    x = z3.String("t!x", ctx)
    # A formula no solver settles in a millisecond: a timeout must come back UNKNOWN.
    hard = z3.And(z3.Length(x) > 5000, z3.InRe(x, z3.Star(z3.Re("ab", ctx))),
                  z3.Not(z3.InRe(x, z3.Concat(z3.Star(z3.Re("ab", ctx)), z3.Re("abab", ctx)))))
    out = smt.check(hard, 0.001)
    assert out.status in (smt.UNKNOWN, smt.UNSAT, smt.SAT)
    assert out.status != smt.UNSAT or out.solver in ("z3", "cvc5")
    timed_out = smt.Outcome(smt.UNKNOWN, reason="z3: timeout")
    assert timed_out.status == smt.UNKNOWN


def test_cvc5_values_become_a_z3_model() -> None:
    ctx = smt.fresh_context()
    s, n, b = z3.String("t!s", ctx), z3.Int("t!n", ctx), z3.BitVec("t!b", 32, ctx)
    f = z3.And(z3.PrefixOf(smt.sval("a\\u{41}", ctx), s), z3.Length(s) > 6, n > 41, b & 0xFF00 == 0x1200)
    solver = z3.Solver(ctx=ctx)
    solver.add(f)
    status, values = smt._cvc5(solver.to_smt2(), 5.0)
    assert status == smt.SAT
    model = smt._z3_model(f, values)
    assert model is not None and z3.is_true(model.eval(f))
    assert smt.text_of(model.eval(s)).startswith("a\\u{41}")


def test_running_out_of_time_is_unknown_never_pass() -> None:
    many = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}},
        {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/x": "y"}}}]}
    result = parc.check_no_public_access(many, accounts=["111122223333"], timeout=0.000001)
    assert result.result in ("UNKNOWN", "FAIL")
    result = parc.check_no_new_access(READ, MORE, timeout=0.000001)
    assert result.result in ("UNKNOWN", "FAIL")
    # A request guessed from the statement (guess.py) needs no time: FAIL, with its replayed request, or UNKNOWN.
    result = parc.check_access_not_granted(MORE, ["s3:PutObject"], timeout=0.000001)
    assert result.result == "FAIL" and result.queries == 0 and result.counterexamples
    # Where no guess holds (the condition needs a value), no time is UNKNOWN.
    assert parc.check_access_not_granted(TAGGED, ["s3:PutObject"], timeout=0.000001).result == "UNKNOWN"


def test_a_statement_no_asked_action_reaches_needs_no_solver() -> None:
    # Exact without a query: no Allow statement's Action matches s3:DeleteObject, so nothing can allow it (a proof
    # even with no time at all); one that matches still needs the solver.
    result = parc.check_access_not_granted(MORE, ["s3:DeleteObject"], timeout=0.000001)
    assert (result.result, result.queries) == ("PASS", 0)
    assert parc.check_access_not_granted(TAGGED, ["s3:Delete*", "s3:Put*"], timeout=0.000001).result == "UNKNOWN"


def test_statements_a_found_request_reaches_by_its_action_alone_need_no_more_queries() -> None:
    # Exact shortcut (cover._neighbour): the first request with only its action changed satisfies the whole
    # question for the other statement, so one query shows both (each replayed through the engine). The
    # condition is one no guessed request meets (guess.py fills "a*" in as "ax"), so the solvers are asked.
    tagged = {"StringLike": {"aws:PrincipalTag/team": "a*"}, "StringNotLike": {"aws:PrincipalTag/team": "ax*"}}
    two = {"Version": "2012-10-17", "Statement": [
        {"Sid": s, "Effect": "Allow", "Principal": "*", "Action": a, "Resource": "*", "Condition": tagged}
        for s, a in (("Get", "s3:GetObject"), ("Put", "s3:PutObject"))]}
    result = parc.check_no_public_access(two, accounts=["111122223333"])
    assert result.result == "FAIL" and result.queries == 1
    assert sorted(c.statement["sid"] for c in result.counterexamples if c.statement) == ["Get", "Put"]
    assert sorted(c.action for c in result.counterexamples) == ["s3:GetObject", "s3:PutObject"]


def test_a_public_statement_without_a_limit_is_shown_without_a_query() -> None:
    # guess.resource_guesses: a request built from each statement for the caller shape (an anonymous caller, the
    # resource in the owner's account) holds for the whole question, so no solver is asked; each request is
    # replayed through the engine like a solver's.
    three = {"Version": "2012-10-17", "Statement": [
        {"Sid": s, "Effect": "Allow", "Principal": "*", "Action": a, "Resource": "*"}
        for s, a in (("Get", "s3:GetObject"), ("Put", "s3:PutObject"), ("Del", "s3:DeleteObject"))]}
    result = parc.check_no_public_access(three, accounts=["111122223333"])
    assert result.result == "FAIL" and result.queries == 0
    assert sorted(c.statement["sid"] for c in result.counterexamples if c.statement) == ["Del", "Get", "Put"]
    assert sorted(c.action for c in result.counterexamples) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
