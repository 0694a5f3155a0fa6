"""The GitHub Action's step (action/validate-changed.sh, run by action.yml) end to end on a small repository with two
commits: it validates only the templates the second commit changed, writes SARIF at the template's lines, and exits
as parc validate does (SARIF for code scanning: https://docs.github.com/en/code-security/code-scanning/
integrating-with-code-scanning/sarif-support-for-code-scanning)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "action" / "validate-changed.sh"

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="needs git and bash")

CLEAN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
"""
WIDER = CLEAN + """      Policies:
        - PolicyName: pass
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: iam:PassRole
                Resource: "*"
"""
UNTOUCHED_BAD = CLEAN.replace("sts:AssumeRole", "sts:AssumeRolee")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    (r / "templates").mkdir(parents=True)
    (r / ".github" / "workflows").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    (r / "templates" / "app.yaml").write_text(CLEAN, encoding="utf-8")
    (r / "templates" / "legacy.yaml").write_text(UNTOUCHED_BAD, encoding="utf-8")
    (r / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n", encoding="utf-8")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "base")
    (r / "templates" / "app.yaml").write_text(WIDER, encoding="utf-8")
    (r / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    (r / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "head: PassRole on any role")
    return r


def run_step(repo: Path, tmp_path: Path, **env: str) -> tuple[int, dict[str, str], str]:
    wrapper = tmp_path / "parc"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import sys; from parc.cli.main import main; '
                       f'sys.argv[0] = \'parc\'; main()" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    outputs = tmp_path / "outputs"
    outputs.write_text("", encoding="utf-8")
    full = {**os.environ, "PARC": str(wrapper), "GITHUB_OUTPUT": str(outputs),
            "PYTHONPATH": str(REPO / "src"), **env}
    done = subprocess.run(["bash", str(SCRIPT)], cwd=repo, env=full, capture_output=True, text=True)
    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line)
    return done.returncode, values, done.stdout + done.stderr


def test_pull_request_changes_are_validated_and_reported_as_sarif(repo: Path, tmp_path: Path) -> None:
    code, outputs, log = run_step(repo, tmp_path, BASE_REF="HEAD~1", FAIL_ON="security")
    assert code == 1, log
    assert outputs == {"files": "1", "exit-code": "1"}
    sarif = json.loads((repo / "parc.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    loc = results[0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "templates/app.yaml"
    assert loc["physicalLocation"]["region"]["startLine"] == 19  # Resource: "*" in the head commit
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "Role"
    assert "legacy.yaml" not in log  # unchanged: not this pull request's business


def test_findings_below_fail_on_pass(repo: Path, tmp_path: Path) -> None:
    code, outputs, _ = run_step(repo, tmp_path, BASE_REF="HEAD~1", FAIL_ON="error")
    assert code == 0
    assert outputs["exit-code"] == "0"


def test_without_base_every_template_is_validated(repo: Path, tmp_path: Path) -> None:
    code, outputs, log = run_step(repo, tmp_path, FAIL_ON="error")
    assert code == 1, log  # legacy.yaml's sts:AssumeRolee is an error
    assert outputs["files"] == "2"


def test_no_template_changed_writes_an_empty_sarif(repo: Path, tmp_path: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "nothing")
    code, outputs, _ = run_step(repo, tmp_path, BASE_REF="HEAD~1")
    assert code == 0
    assert outputs == {"files": "0", "exit-code": "0"}
    assert json.loads((repo / "parc.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []


def test_action_runs_this_script_and_uploads_sarif() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert any("action/validate-changed.sh" in str(s.get("run", "")) for s in steps)
    assert any(str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@") for s in steps)
    assert set(action["inputs"]) >= {"base-ref", "fail-on", "fail", "parameters", "sarif-file", "upload-sarif"}
