"""``parc validate --mode iam`` and the "will IAM accept it?" verdict in every format (issue 11, section 5).

The verdict is separate from Access Analyzer's levels: an empty Action array is only a SUGGESTION there, yet IAM's
API refuses the document ("Policy statement must contain actions."); a missing Version is a WARNING there, yet IAM
stores the document (it "defaults to 2008-10-17",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli

V = "2012-10-17"
EMPTY_ACTION = {"Version": V, "Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}
NO_VERSION = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
PASSROLE = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}


def run(tmp_path: Path, doc: object, *args: str) -> tuple[int, str]:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--no-catalog", *args, str(path)])
    return result.exit_code, result.stdout


def test_iam_mode_fails_on_what_iam_refuses_even_below_fail_on(tmp_path: Path) -> None:
    assert run(tmp_path, EMPTY_ACTION)[0] == 0  # a suggestion: below --fail-on error
    code, out = run(tmp_path, EMPTY_ACTION, "--mode", "iam")
    assert code == 1
    assert "[IAM rejects]" in out and "would be refused at deploy time" in out


def test_iam_mode_passes_what_iam_accepts_whatever_its_level(tmp_path: Path) -> None:
    assert run(tmp_path, PASSROLE, "--fail-on", "security")[0] == 1
    code, out = run(tmp_path, PASSROLE, "--mode", "iam")
    assert code == 0
    assert "would be accepted at deploy time" in out
    assert run(tmp_path, NO_VERSION, "--mode", "iam", "--fail-on", "warning")[0] == 0


def test_json_carries_the_verdict(tmp_path: Path) -> None:
    code, out = run(tmp_path, EMPTY_ACTION, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["files"][0]["iam_accepts"] is False
    (finding,) = doc["findings"]
    assert finding["iam_rejects"] is True and "must contain actions" in finding["iam_reason"]
    doc = json.loads(run(tmp_path, NO_VERSION, "--format", "json")[1])
    assert doc["files"][0]["iam_accepts"] is True
    assert all("iam_rejects" not in f for f in doc["findings"])


def test_json_verdict_is_null_for_types_iam_does_not_store(tmp_path: Path) -> None:
    doc = json.loads(run(tmp_path, EMPTY_ACTION, "--format", "json", "--type", "scp")[1])
    assert doc["files"][0]["iam_accepts"] is None


def test_sarif_carries_the_verdict(tmp_path: Path) -> None:
    doc = json.loads(run(tmp_path, EMPTY_ACTION, "--format", "sarif")[1])
    (result,) = doc["runs"][0]["results"]
    assert result["properties"]["iamRejects"] is True
    doc = json.loads(run(tmp_path, NO_VERSION, "--format", "sarif")[1])
    assert all("iamRejects" not in r["properties"] for r in doc["runs"][0]["results"])
