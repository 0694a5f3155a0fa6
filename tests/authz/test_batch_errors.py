"""A batch never stops at one bad request (issue 11, section 3): `parc simulate` over an array or JSON Lines (one
process or --jobs) and `PolicySet.authorize_many(errors="return")` answer every request, a failure in its place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import parc
from parc.cli.main import cli

ALICE = "arn:aws:iam::111122223333:user/alice"
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
GOOD = {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
BAD_FIELD = {**GOOD, "colour": "red"}
BAD_POLICY = {**GOOD, "identity_policies": [{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}]}


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_authorize_many_returns_failures_in_place_when_asked() -> None:
    engine = parc.compile([READ])
    requests: list[Any] = [GOOD, BAD_FIELD, {**GOOD, "action": 5}, GOOD]
    answers = engine.authorize_many(requests, errors="return")
    assert [a.decision for a in answers] == ["Allow", "Error", "Error", "Allow"]
    failure = answers[1]
    assert isinstance(failure, parc.RequestFailure) and not failure.allowed
    assert failure.index == 1 and "colour" in failure.message and failure.line is None
    assert failure.to_dict() == {"error": {"message": failure.message, "line": None, "column": None, "index": 1}}


def test_authorize_many_still_raises_by_default_and_refuses_an_unknown_mode() -> None:
    engine = parc.compile([READ])
    with pytest.raises(parc.RequestError):
        engine.authorize_many([GOOD, BAD_FIELD])
    with pytest.raises(ValueError, match="'raise' or 'return'"):
        engine.authorize_many([GOOD], errors="ignore")  # type: ignore[call-overload]


def test_authorize_raises_by_default_and_returns_a_failure_when_asked() -> None:
    with pytest.raises(parc.PolicyCompileError):
        parc.authorize(BAD_POLICY)
    failure = parc.authorize(BAD_POLICY, errors="return")
    assert isinstance(failure, parc.RequestFailure) and "StringEqualz" in failure.message and failure.index == 0
    assert parc.authorize({**GOOD, "identity_policies": [READ]}, errors="return").decision == "Allow"


def test_simulate_array_answers_every_request_with_errors_in_place(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps([GOOD, BAD_FIELD, 7, BAD_POLICY, {**GOOD, "identity_policies": [READ]}], indent=1))
    code, out, err = run("simulate", str(f), "--format", "json")
    answers = json.loads(out)
    assert code == 2 and "3 request(s) could not be decided" in err
    assert [a.get("decision") for a in answers] == ["ImplicitDeny", None, None, None, "Allow"]
    assert [a["error"]["index"] for a in answers[1:4]] == [1, 2, 3]
    assert answers[2]["error"] == {"message": "a request must be a JSON object", "line": 13, "column": 2,
                                   "index": 2}
    assert "StringEqualz" in answers[3]["error"]["message"]
    code, out, _ = run("simulate", str(f))
    assert code == 2 and out.count("error: request ") == 3 and "Allow" in out


def test_simulate_one_request_that_fails_is_an_error_object(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps(BAD_FIELD, indent=2))
    code, out, _ = run("simulate", str(f), "--format", "json")
    assert code == 2 and json.loads(out)["error"]["line"] == 1 and "colour" in json.loads(out)["error"]["message"]


def test_simulate_json_lines_whose_first_line_is_broken_still_answers_the_rest() -> None:
    stdin = '{"action": "s3:GetObject",\n' + json.dumps(GOOD) + "\n\n" + json.dumps(GOOD) + "\n"
    code, out, _ = run("simulate", "-", "--format", "json", stdin=stdin)
    answers = [json.loads(x) for x in out.splitlines()]
    assert code == 2 and answers[0]["error"]["line"] == 1 and answers[0]["error"]["index"] == 0
    assert [a["decision"] for a in answers[1:]] == ["ImplicitDeny", "ImplicitDeny"]


def test_simulate_jobs_numbers_failures_in_the_whole_file(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD)] * 3000
    lines[10] = json.dumps(BAD_FIELD)
    lines[2999] = "{not json"
    lines.insert(1500, "")
    f = tmp_path / "r.jsonl"
    f.write_text("\n".join(lines) + "\n")
    one = run("simulate", str(f), "--format", "json")
    four = run("simulate", str(f), "--format", "json", "--jobs", "4")
    assert one == four and one[0] == 2
    errors = [json.loads(x)["error"] for x in one[1].splitlines() if x.startswith('{"error"')]
    assert [(e["line"], e["index"]) for e in errors] == [(11, 10), (3001, 2999)]
    text_one = run("simulate", str(f))
    text_four = run("simulate", str(f), "--jobs", "4")
    assert text_one == text_four and "error: request 2999 (line 3001, column 2)" in text_one[1]


def test_fuzz_crashes_are_request_errors() -> None:
    """Found by tests/fuzz/test_fuzz_requests.py: a request that is not an object (AttributeError, TypeError) and
    an action of 4,400 digits (its repr raised ValueError while the error message was built)."""
    engine = parc.compile([READ])
    with pytest.raises(parc.RequestError, match="not NoneType"):
        parc.authorize(None)  # type: ignore[arg-type]
    with pytest.raises(parc.RequestError, match="not NoneType"):
        engine.authorize(None)  # type: ignore[arg-type]
    with pytest.raises(parc.RequestError, match=r"got a value of type int\)"):
        parc.authorize({**GOOD, "action": 7 * 10**4400})
    with pytest.raises(parc.RequestError, match=r"got a value of type int\)"):
        engine.authorize({**GOOD, "resource": -(10**5000)})
    answers = engine.authorize_many([None, GOOD], errors="return")  # type: ignore[list-item]
    assert [a.decision for a in answers] == ["Error", "Allow"]
