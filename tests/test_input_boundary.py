"""The input boundary of policies, requests and the CLI (issue 19): every case the issue lists, by name.

Hostile input gets a located error and exit code 2, never a traceback; one bad input never hides the others;
outputs never replace inputs. The limits are those of ``parc.core.limits`` (AWS's quotas, cited there:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import parc
from parc.cli.main import cli
from parc.core.limits import MAX_DEPTH, MAX_NUMBER_CHARS, MAX_POLICY_CHARS

ALICE = "arn:aws:iam::111122223333:user/alice"
V = "2012-10-17"
CLEAN = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
BIGINT_SID = ('{"Version":"2012-10-17","Statement":[{"Sid":' + "7" * 4400
              + ',"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}')
DEEP_3000 = '{"Version":"2012-10-17","Statement":' + "[" * 3000 + "]" * 3000 + "}"
CHECK = ["--principal", ALICE, "--action", "s3:GetObject", "--resource", "*"]


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def no_traceback(*texts: str) -> bool:
    return not any("Traceback" in t for t in texts)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# -- numbers and depth -------------------------------------------------------------------------------------------


def test_an_integer_of_4400_digits_in_a_sid_is_a_located_error(tmp_path: Path) -> None:
    p = write(tmp_path / "bigint.json", BIGINT_SID)
    code, out, err = run("validate", str(p), "--format", "json")
    finding = json.loads(out)["findings"][0]
    assert code == 1 and no_traceback(out, err)  # a finding of the policy, as any syntax error in validate
    assert finding["code"] == "JSON_LIMIT_EXCEEDED" and (finding["line"], finding["column"]) == (1, 45)
    code, out, err = run("check", "--policy", str(p), *CHECK)
    assert code == 2 and "line 1, column 45" in err and no_traceback(out, err)
    code, out, err = run("simulate", "-", "--format", "json",
                         stdin=json.dumps({"action": "s3:GetObject", "principal": ALICE})[:-1]
                         + ', "context": {"aws:EpochTime": ' + "9" * 4400 + "}}\n")
    assert code == 2 and no_traceback(out, err)


def test_an_array_3000_deep_is_a_located_error_in_validate_check_and_simulate(tmp_path: Path) -> None:
    p = write(tmp_path / "deep.json", DEEP_3000)
    code, out, err = run("validate", str(p), "--format", "json")
    assert code == 1 and json.loads(out)["findings"][0]["code"] == "JSON_LIMIT_EXCEEDED" and no_traceback(err)
    code, out, err = run("check", "--policy", str(p), *CHECK)
    assert code == 2 and "Nested more than" in err and no_traceback(out, err)
    deep_request = '{"action": "s3:GetObject", "context": {"k": ' + "[" * 3000 + "]" * 3000 + "}}"
    for stdin in (deep_request, "[" + deep_request + "]", deep_request + "\n" + deep_request + "\n"):
        code, out, err = run("simulate", "-", "--format", "json", stdin=stdin)
        assert code == 2 and no_traceback(out, err), stdin[:40]


def test_the_limits_are_where_the_docs_say() -> None:
    from parc.core.policy.jsonpos import JsonLimitError, parse_json

    parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JsonLimitError) as deep:
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert deep.value.pos.column == MAX_DEPTH + 1
    parse_json("9" * MAX_NUMBER_CHARS)
    with pytest.raises(JsonLimitError):
        parse_json("-" + "9" * MAX_NUMBER_CHARS)
    with pytest.raises(JsonLimitError) as big:
        parse_json("[\n" + " " * (MAX_POLICY_CHARS + 10) + "1]", max_chars=MAX_POLICY_CHARS)
    assert (big.value.pos.line, big.value.pos.column) == (2, MAX_POLICY_CHARS - 1)


def test_the_plain_reader_keeps_the_limits_and_locates_their_errors() -> None:
    from parc.core.policy.jsonpos import JsonLimitError, JsonSyntaxError, loads

    assert loads('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(JsonLimitError) as deep:
        loads('{"a":\n' + "[" * 5000 + "]" * 5000 + "}")
    assert deep.value.pos.line == 2
    with pytest.raises(JsonLimitError) as long:
        loads('{"n": ' + "1" * 5000 + "}")
    assert long.value.pos.column == 7
    with pytest.raises(JsonSyntaxError) as bad:
        loads('{"a": 1,\n}')
    assert bad.value.pos.line == 2
    with pytest.raises(JsonSyntaxError) as nan:  # json.loads accepts NaN; JSON (RFC 8259) and parse_json do not
        loads('{"a": NaN}')
    assert nan.value.pos.column == 7


def test_python_values_past_the_limits_are_findings_not_crashes() -> None:
    deep: object = "x"
    for _ in range(5000):
        deep = [deep]
    for source in ({"Version": V, "Statement": deep}, {"Version": V, "Statement": [], "Id": 10**5000}):
        result = parc.parse_policy(source)  # type: ignore[arg-type]
        assert result.policy is None and [f.code for f in result.findings] == ["JSON_LIMIT_EXCEEDED"]
        with pytest.raises(parc.PolicyCompileError):
            parc.compile([source])  # type: ignore[list-item]


def test_a_policy_past_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/" + "k" * 1000}
    doc = {"Version": V, "Statement": [statement] * (MAX_POLICY_CHARS // 1000 + 1)}
    p = write(tmp_path / "huge.json", json.dumps(doc))
    code, out, err = run("validate", str(p), "--format", "json")
    assert code == 1 and json.loads(out)["findings"][0]["code"] == "JSON_LIMIT_EXCEEDED"
    code, _, err = run("check", "--policy", str(p), *CHECK)
    assert code == 2 and "parc reads at most 1,048,576" in err
    result = parc.parse_policy(doc)  # a tree is measured too (IAM's count: characters without white space)
    assert [f.code for f in result.findings] == ["JSON_LIMIT_EXCEEDED"]


# -- text that is not UTF-8 ----------------------------------------------------------------------------------------


def test_mixed_utf8_jsonl_decides_every_other_line(tmp_path: Path) -> None:
    lines = [b'{"action":"s3:GetObject"}', b'{"action":"s3:Get\xffObject"}', b'{"action":"s3:PutObject"}']
    f = write(tmp_path / "mixed.jsonl", b"\n".join(lines) + b"\n")
    for jobs in ("1", "2"):
        code, out, err = run("simulate", str(f), "--format", "json", "--jobs", jobs)
        answers = [json.loads(x) for x in out.splitlines()]
        assert code == 2 and no_traceback(out, err)
        assert answers[0]["decision"] == "ImplicitDeny" and answers[2]["decision"] == "ImplicitDeny"
        assert answers[1] == {"error": {"message": "Not UTF-8 text (byte 0xff)", "line": 2, "column": 18,
                                        "index": 1}}
    code, out, _ = run("simulate", str(f))
    assert code == 2 and "error: request 1 (line 2, column 18): Not UTF-8 text" in out


def test_invalid_utf8_is_a_located_error_in_validate_as_in_check(tmp_path: Path) -> None:
    text = json.dumps(CLEAN).replace("GetObject", "Get\xe9Object")
    column = text.index("\xe9") + 1
    p = write(tmp_path / "latin1.json", text.encode("latin-1"))
    code, out, err = run("validate", str(p), "--format", "json")
    finding = json.loads(out)["findings"][0]
    assert code == 1 and finding["code"] == "JSON_SYNTAX_ERROR" and "Not UTF-8" in finding["message"]
    assert (finding["line"], finding["column"]) == (1, column)
    code, _, err = run("check", "--policy", str(p), *CHECK)
    assert code == 2 and "Not UTF-8" in err and f"line 1, column {column}" in err


# -- many inputs ---------------------------------------------------------------------------------------------------


def test_a_folder_of_nine_policies_with_one_bad_one_reports_all_nine(tmp_path: Path) -> None:
    for i in range(8):
        write(tmp_path / "policies" / f"p{i}.json", json.dumps(CLEAN))
    write(tmp_path / "policies" / "bad.json", BIGINT_SID)
    code, out, err = run("validate", str(tmp_path / "policies"), "--format", "json")
    report = json.loads(out)
    assert code == 1 and no_traceback(err)
    bad = [f for f in report["findings"] if f["file"].endswith("bad.json")]
    assert [f["code"] for f in bad] == ["JSON_LIMIT_EXCEEDED"] and bad[0]["line"] == 1
    code, out, _ = run("validate", str(tmp_path / "policies"))
    assert out.count("no findings") == 8 and "9 files" in out


def test_scp_with_empty_names_is_a_usage_error_that_says_so() -> None:
    for value in (",", "a.json,", ""):
        code, out, err = run("check", "--scp", value, *CHECK)
        assert code == 2 and "empty file name" in err and "Is a directory" not in err and no_traceback(out, err)


# -- --at ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["99999999999999999999", "0001-01-01T00:00:00+01:00", "10000-01-01", "soon", "1e9"])
def test_at_out_of_range_or_malformed_is_a_usage_error_in_every_command(at: str, tmp_path: Path) -> None:
    req = write(tmp_path / "r.json", json.dumps({"action": "s3:GetObject"}))
    for args in (["check", *CHECK], ["simulate", str(req)], ["audit", str(tmp_path)]):
        code, out, err = run(*args, "--at", at)
        assert code == 2 and "Invalid value for '--at'" in err and no_traceback(out, err), args


def test_at_accepts_epoch_seconds_and_iso_times() -> None:
    from parc.cli.options import parse_time

    assert parse_time("1700000000").year == 2023
    assert parse_time("2026-11-30").tzinfo is not None
    assert parse_time("2026-11-30T08:00:00Z").hour == 8


# -- outputs -------------------------------------------------------------------------------------------------------


def test_validate_output_into_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", json.dumps(CLEAN))
    code, out, err = run("validate", str(p), "-o", str(tmp_path / "missing" / "dir" / "x.json"))
    assert code == 2 and "does not exist" in err and no_traceback(out, err)


def test_validate_output_onto_its_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    p = write(tmp_path / "p.json", json.dumps(CLEAN))
    before = p.read_bytes()
    code, _, err = run("validate", str(p), "-o", str(p))
    assert code == 2 and "is an input" in err and p.read_bytes() == before
    folder = tmp_path / "pols"
    write(folder / "a.json", json.dumps(CLEAN))
    code, _, err = run("validate", str(folder), "-o", str(folder / "report.json"))  # validate would read it
    assert code == 2 and "input folder" in err and not (folder / "report.json").exists()
    code, _, _ = run("validate", str(folder), "-o", str(folder / "report.sarif"), "--format", "sarif")
    assert code == 0 and json.loads((folder / "report.sarif").read_text())["runs"]
    assert sorted(x.name for x in folder.iterdir()) == ["a.json", "report.sarif"]  # no temporary file left


def test_audit_output_onto_a_snapshot_file_is_refused(tmp_path: Path) -> None:
    import shutil

    snap = tmp_path / "snap"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "org" / "777788889999", snap)
    export = snap / "get-account-authorization-details.json"
    before = export.read_bytes()
    code, out, err = run("audit", str(snap), "-o", str(export))
    assert code == 2 and "input folder" in err and export.read_bytes() == before and no_traceback(out, err)
    code, _, _ = run("audit", str(snap), "-o", str(snap / "report.html"))
    assert code == 0 and (snap / "report.html").read_text().startswith("<!")


def test_output_checks_compare_resolved_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from parc.cli.output import OutputError, check_output, json_files

    p = write(tmp_path / "p.json", "{}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.json").symlink_to(p)
    for same in ("p.json", "./p.json", str(p), "link.json", "sub/../p.json"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputError):
            check_output(same, ["p.json"], json_files)
    with pytest.raises(OutputError):
        check_output(str(tmp_path), ["p.json"], json_files)  # a folder
    assert check_output("other.json", ["p.json"], json_files) == tmp_path / "other.json"


# -- text when piped -------------------------------------------------------------------------------------------------


def test_text_output_is_not_wrapped_when_piped(tmp_path: Path) -> None:
    long_arn = "arn:aws:s3:::" + "a-very-long-bucket-name-" * 8 + "/*"
    doc = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "s3:GetObjcet", "Resource": long_arn}]}
    p = write(tmp_path / "p.json", json.dumps(doc))
    _, out, _ = run("validate", str(p))
    message = [line for line in out.splitlines() if "GetObjcet" in line and "does not exist" in line]
    assert message and len(message[0]) > 80  # one line, as grep needs it


def test_rules_stay_short_when_the_text_is_unwrapped() -> None:
    org = Path(__file__).resolve().parents[1] / "examples" / "org"
    _, out, _ = run("audit", str(org))
    rules = [line for line in out.splitlines() if "───" in line]
    assert rules and all(len(line) <= 100 for line in rules)
    assert max(len(line) for line in out.splitlines()) < 2000
