"""``parc validate`` end to end: inputs (files, folders, stdin), formats, --fail-on, --output, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.cli.main import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "policies"
V = "2012-10-17"

CLEAN = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
PASSROLE = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
NO_VERSION = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
BROKEN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "AWS": "*.*"}]}'


def write(folder: Path, name: str, doc: object) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2), encoding="utf-8")
    return path


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_clean_policy_exits_0(tmp_path: Path) -> None:
    code, out, _ = run(str(write(tmp_path, "p.json", CLEAN)))
    assert code == 0
    assert "no findings" in out


def test_error_exits_1_and_shows_the_line_with_a_caret(tmp_path: Path) -> None:
    code, out, _ = run(str(write(tmp_path, "p.json", BROKEN)))
    assert code == 1
    assert "JSON_SYNTAX_ERROR" in out
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if '"Principal": "AWS"' in line)
    caret = lines[i + 1]
    # the caret sits under the column the finding names (1-based): the ':' after "AWS"
    gutter_end = lines[i].index("| ") + 2
    assert caret.index("^") - gutter_end == lines[i][gutter_end:].index(': "*.*"')


@pytest.mark.parametrize(
    ("doc", "fail_on", "expected"),
    [
        (PASSROLE, "error", 0),  # a security warning does not fail the default threshold
        (PASSROLE, "security", 1),
        (NO_VERSION, "security", 0),  # MISSING_VERSION is a general warning
        (NO_VERSION, "warning", 1),
        (CLEAN, "suggestion", 0),
    ],
)
def test_fail_on(tmp_path: Path, doc: object, fail_on: str, expected: int) -> None:
    code, _, _ = run("--fail-on", fail_on, str(write(tmp_path, "p.json", doc)))
    assert code == expected


def test_json_format(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", PASSROLE)
    code, out, _ = run("--format", "json", "--fail-on", "security", str(path))
    assert code == 1
    doc = json.loads(out)
    assert set(doc) >= {"findings", "summary"}
    f = doc["findings"][0]
    for key in ("code", "finding_type", "message", "file", "path", "line", "column"):
        assert key in f
    assert (f["code"], f["finding_type"], f["path"], f["line"]) == (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "SECURITY_WARNING",
        "Statement[0].Resource",
        7,
    )
    assert f["learn_more"].startswith("https://docs.aws.amazon.com/")
    assert doc["summary"]["by_type"]["SECURITY_WARNING"] == 1
    assert doc["summary"]["failed"] is True and doc["summary"]["fail_on"] == "SECURITY_WARNING"
    assert doc["files"][0]["policy_type"] == "identity" and doc["files"][0]["type_inferred"] is True


def test_stdin(tmp_path: Path) -> None:
    code, out, _ = run("--format", "json", "-", stdin=json.dumps(PASSROLE))
    assert code == 0
    doc = json.loads(out)
    assert doc["findings"][0]["file"] == "-"


def test_folders_are_read_recursively_and_only_json(tmp_path: Path) -> None:
    write(tmp_path, "a/one.json", CLEAN)
    write(tmp_path, "a/b/c/two.json", PASSROLE)
    write(tmp_path, "a/notes.txt", "not a policy")
    write(tmp_path, "a/.hidden/three.json", BROKEN)
    code, out, _ = run("--format", "json", str(tmp_path / "a"))
    assert code == 0
    names = sorted(Path(f["file"]).name for f in json.loads(out)["files"])
    assert names == ["one.json", "two.json"]


def test_type_option_applies_the_type_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", CLEAN)
    assert run("--type", "resource", str(path))[0] == 1  # a resource policy needs a Principal
    assert run("--type", "identity", str(path))[0] == 0


def test_type_from_the_file_name(tmp_path: Path) -> None:
    scp = {"Version": V, "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}
    code, out, _ = run("--format", "json", str(write(tmp_path, "guard.scp.json", scp)))
    assert code == 1
    doc = json.loads(out)
    assert doc["files"][0]["policy_type"] == "scp"
    assert [f["code"] for f in doc["findings"]] == ["SCP_SYNTAX_ERROR_PRINCIPAL"]


def test_output_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", PASSROLE)
    report = tmp_path / "out" / "report.sarif"
    report.parent.mkdir()
    code, out, _ = run("--format", "sarif", "--output", str(report), str(path))
    assert code == 0 and out == ""
    assert json.loads(report.read_text())["version"] == "2.1.0"
    text_report = tmp_path / "report.txt"
    run("--output", str(text_report), str(path))
    content = text_report.read_text()
    assert "PASS_ROLE_WITH_STAR_IN_RESOURCE" in content and "\x1b[" not in content


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    good = write(tmp_path, "p.json", CLEAN)
    code, out, err = run(str(good), str(tmp_path / "missing.json"))
    assert code == 2
    assert "missing.json" in err
    assert "p.json" in out  # the readable file is still reported


def test_empty_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run(str(tmp_path / "empty"))[0] == 2


@pytest.mark.parametrize(
    "args", [[], ["--type", "bogus", "x.json"], ["--format", "xml", "x.json"], ["--fail-on", "x", "a"]]
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_bundled_examples() -> None:
    """`make run` validates examples/policies: a spread of clean files and intentionally broken ones."""
    code, out, _ = run("--format", "json", str(EXAMPLES))
    doc = json.loads(out)
    by_file: dict[str, set[str]] = {}
    for f in doc["findings"]:
        by_file.setdefault(Path(f["file"]).name, set()).add(f["code"])
    clean = [Path(f["file"]).name for f in doc["files"] if f["findings"] == 0]
    assert len(clean) >= 10
    assert {t for t in doc["summary"]["by_type"] if doc["summary"]["by_type"][t]} == {
        "ERROR",
        "SECURITY_WARNING",
        "WARNING",
        "SUGGESTION",
    }
    assert by_file["anonymous-as-written.resource.json"] == {"JSON_SYNTAX_ERROR"}
    assert by_file["anonymous-star-dot-star.resource.json"] == {"UNSUPPORTED_WILDCARD_IN_PRINCIPAL"}
    for seed_valid in (
        "principal-forms.resource.json",
        "principal-forms.trust.json",
        "terminate-instances.identity.json",
    ):
        assert seed_valid in clean
    assert code == 1  # the broken examples hold errors on purpose


def test_pre_commit_hooks_run_this_command() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "- id: parc-validate\n" in text and "entry: parc validate\n" in text
    assert "entry: parc validate --fail-on security\n" in text
