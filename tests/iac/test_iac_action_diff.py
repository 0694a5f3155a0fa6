"""The GitHub Action end to end with its diff step: a temporary repository with a base and a head commit of a small
template set (CloudFormation YAML, a Terraform .tf file, one template added, one deleted, one untouched), and the
composite action's ``run`` steps executed as GitHub runs them: action.yml's ``${{ inputs.* }}``,
``${{ github.action_path }}`` and ``${{ steps.*.outputs.* }}`` filled in, GITHUB_OUTPUT per step, the Verdict step
only when its ``if`` holds. Checks the diff's SARIF (the newly allowed request at the head template's line) and the
verdict. Composite actions: https://docs.github.com/en/actions/sharing-automations/creating-actions/
metadata-syntax-for-github-actions#runs-for-composite-actions; SARIF for code scanning:
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="needs git and bash")
pytest.importorskip("z3")

APP = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Data:
    Type: AWS::S3::Bucket
  App:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: data
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub "${Data.Arn}/*"
"""
APP_WIDER = APP + """              - Effect: Allow
                Action: s3:DeleteObject
                Resource: !Sub "${Data.Arn}/*"
"""
APP_NARROWER = APP.replace('"${Data.Arn}/*"', '"${Data.Arn}/public/*"')
TF = """resource "aws_iam_policy" "deploy" {
  name = "deploy"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["lambda:UpdateFunctionCode"], Resource = "*" }]
  })
}
"""
GONE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c",
                           "commit.gpgsign=false", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def make_repo(tmp_path: Path, head_app: str, added: bool) -> Path:
    r = tmp_path / "repo"
    (r / "stacks").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    (r / "stacks" / "app.yaml").write_text(APP, encoding="utf-8")
    (r / "stacks" / "deploy.tf").write_text(TF, encoding="utf-8")
    (r / "stacks" / "gone.yaml").write_text(GONE, encoding="utf-8")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "base")
    git(r, "checkout", "-q", "-b", "feature")
    (r / "stacks" / "app.yaml").write_text(head_app, encoding="utf-8")
    (r / "stacks" / "gone.yaml").unlink()
    if added:
        (r / "stacks" / "new.yaml").write_text(APP.replace("s3:GetObject", "s3:PutObject"), encoding="utf-8")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "head")
    return r


_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _value(expr: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    if expr.startswith("inputs."):
        return inputs[expr[len("inputs."):]]
    if expr == "github.action_path":
        return str(REPO)
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
    if m:
        return steps.get(m.group(1), {}).get(m.group(2), "")
    raise AssertionError(f"the test does not know the expression {expr!r}")


def _condition(expr: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> bool:
    """The ``if`` forms action.yml's run steps use: a || b of ``x == 'v'`` / ``x != 'v'`` and && of them."""
    inner = _EXPR.fullmatch(expr.strip())
    text = inner.group(1) if inner else expr
    for alternative in text.split("||"):
        ok = True
        for part in alternative.split("&&"):
            m = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", part)
            assert m, f"the test does not know the condition {part!r}"
            equal = _value(m.group(1), inputs, steps) == m.group(3)
            ok = ok and (equal if m.group(2) == "==" else not equal)
        if ok:
            return True
    return False


def run_action(repo: Path, tmp_path: Path, **given: str) -> tuple[bool, dict[str, dict[str, str]], str]:
    """The action's run steps in order (not the setup and upload steps, which need GitHub): (the job failed, each
    step's outputs, the log)."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs["timeout"] = "120"  # a loaded test machine: a verdict, not a timeout
    inputs.update(given)
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    wrapper = bindir / "parc"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import sys; from parc.cli.main import main; '
                       f'sys.argv[0] = \'parc\'; main()" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    python = bindir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    steps: dict[str, dict[str, str]] = {}
    log = []
    failed = False
    for i, step in enumerate(action["runs"]["steps"]):
        if "run" not in step or step.get("name") == "Install parc":
            continue
        if "if" in step and not _condition(str(step["if"]), inputs, steps):
            continue
        out = tmp_path / f"output-{i}"
        out.write_text("", encoding="utf-8")
        env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(out),
               "GITHUB_WORKSPACE": str(repo), "GITHUB_ACTION_PATH": str(REPO), "PYTHONPATH": str(REPO / "src")}
        env.update({k: _EXPR.sub(lambda m: _value(m.group(1), inputs, steps), str(v))
                    for k, v in (step.get("env") or {}).items()})
        script = _EXPR.sub(lambda m: _value(m.group(1), inputs, steps), step["run"])
        done = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
        log.append(f"--- {step.get('name')}: exit {done.returncode}\n{done.stdout}{done.stderr}")
        steps[step.get("id", str(i))] = dict(line.split("=", 1) for line in
                                             out.read_text(encoding="utf-8").splitlines() if "=" in line)
        failed = failed or done.returncode != 0
    return failed, steps, "\n".join(log)


def test_pull_request_that_adds_access_fails_with_the_request_in_sarif(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, APP_WIDER, added=True)
    failed, steps, log = run_action(repo, tmp_path, **{"base-ref": "main"})
    assert failed, log
    assert steps["diff"] == {"diff-files": "2", "new-access": "2", "unknown": "0", "diff-exit-code": "1",
                             "failed": "true"}, log
    sarif = json.loads((repo / "parc-diff.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert len(sarif["runs"]) == 1  # code scanning takes one run per category
    by_file: dict[str, list[dict[str, object]]] = {}
    for r in results:
        by_file.setdefault(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], []).append(r)
    assert set(by_file) == {"stacks/app.yaml", "stacks/new.yaml"}, log  # deploy.tf untouched, gone.yaml deleted
    [app] = by_file["stacks/app.yaml"]
    assert app["ruleId"] == "IAC_NEW_ACCESS"
    assert app["locations"][0]["physicalLocation"]["region"]["startLine"] == 22  # the added s3:DeleteObject
    assert "s3:DeleteObject" in app["message"]["text"]
    added = " ".join(str(r["message"]) for r in by_file["stacks/new.yaml"])
    assert "s3:PutObject" in added and "sts:AssumeRole" in added  # an added template: all its access is new
    assert "gone.yaml" not in log and "deploy.tf" not in log


def test_new_access_only_reported_when_fail_on_new_access_is_false(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, APP_WIDER, added=False)
    failed, steps, log = run_action(repo, tmp_path, **{"base-ref": "main", "fail-on-new-access": "false"})
    assert not failed, log
    assert steps["diff"]["new-access"] == "1" and steps["diff"]["diff-exit-code"] == "1"
    assert "failed" not in steps["diff"]


def test_pull_request_that_narrows_access_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, APP_NARROWER, added=False)
    failed, steps, log = run_action(repo, tmp_path, **{"base-ref": "main"})
    assert not failed, log
    assert steps["diff"] == {"diff-files": "1", "new-access": "0", "unknown": "0", "diff-exit-code": "0"}, log
    sarif = json.loads((repo / "parc-diff.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"] == []


def test_without_base_ref_the_diff_step_does_not_run() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    [diff] = [s for s in action["runs"]["steps"] if s.get("id") == "diff"]
    assert not _condition(diff["if"], inputs, {})
    assert _condition(diff["if"], {**inputs, "base-ref": "origin/main"}, {})
    assert not _condition(diff["if"], {**inputs, "base-ref": "origin/main", "diff": "false"}, {})


def test_a_terraform_variable_change_diffs_the_module(tmp_path: Path) -> None:
    """Only variables.tf changes (a default widens an action list): the module's main.tf, unchanged, is compared
    with its base variables and adds access."""
    r = tmp_path / "repo"
    (r / "infra").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    main_tf = TF.replace('["lambda:UpdateFunctionCode"]', "var.actions")
    (r / "infra" / "main.tf").write_text(main_tf, encoding="utf-8")
    variables = 'variable "actions" {\n  default = ["lambda:UpdateFunctionCode"]\n}\n'
    (r / "infra" / "variables.tf").write_text(variables, encoding="utf-8")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "base")
    (r / "infra" / "variables.tf").write_text(variables.replace('"]', '", "lambda:DeleteFunction"]'),
                                              encoding="utf-8")
    git(r, "commit", "-q", "-am", "head")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "parc"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import sys; from parc.cli.main import main; '
                       f'sys.argv[0] = \'parc\'; main()" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    out = tmp_path / "out"
    out.write_text("", encoding="utf-8")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(out),
           "PYTHONPATH": str(REPO / "src"), "BASE_REF": "HEAD~1", "PYTHON": sys.executable,
           "TIMEOUT": "120"}
    done = subprocess.run(["bash", str(REPO / "action" / "diff-changed.sh")], cwd=r, env=env, capture_output=True,
                          text=True)
    log = done.stdout + done.stderr
    assert done.returncode == 1, log
    outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines())
    assert outputs["new-access"] == "1" and outputs["diff-files"] == "2", log  # variables.tf and main.tf
    [result] = json.loads((r / "parc-diff.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    assert "lambda:DeleteFunction" in result["message"]["text"]
