"""``parc audit --iac``: a template set audited as the account it would make, findings at the template's lines.

tests/iac/auditcases/account.yaml marks each expected finding with ``# expect: RULE`` on its line: an escalation
path through a group's policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html), an administrator
by a managed policy chosen by Fn::If, a public bucket policy and a public Lambda permission
(https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html); the private bucket must not be
reported public.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli

TEMPLATES = Path(__file__).parent / "templates"
ACCOUNT = Path(__file__).parent / "auditcases" / "account.yaml"


def _expected(path: Path) -> set[tuple[str, int]]:
    out = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.search(r"# expect: ([A-Z_]+)", line)
        if m and not line.lstrip().startswith("#"):
            out.add((m.group(1), n))
    return out


def _audit(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def _located(report: dict[str, object], file: Path) -> set[tuple[str, int]]:
    out = set()
    for f in report["findings"]:  # type: ignore[attr-defined]
        for e in f.get("evidence") or []:
            if isinstance(e, dict) and e.get("file") == str(file) and e.get("line"):
                out.add((f["rule"], e["line"]))
    return out


def test_findings_at_the_template_lines() -> None:
    code, report = _audit("--iac", str(ACCOUNT))
    assert code == 0
    located = _located(report, ACCOUNT)
    assert _expected(ACCOUNT) <= located, sorted(located)
    public = {line for rule, line in located if rule == "RESOURCE_PUBLIC"}
    assert public == {line for rule, line in _expected(ACCOUNT) if rule == "RESOURCE_PUBLIC"}
    assert not any(f["rule"] == "SUPPORT_ROLE_MISSING" for f in report["findings"])  # type: ignore[attr-defined]
    [note] = [p for p in report["input_problems"] if p["code"] == "IAC_PLACEHOLDER_ACCOUNT"]  # type: ignore[attr-defined]
    assert "111122223333" in note["message"]


def test_parameters_decide_conditions(tmp_path: Path) -> None:
    """With Env=prod, IsProd is true: the managed policy allows s3:GetObject only, no administrator."""
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"Env": "prod"}), encoding="utf-8")
    code, report = _audit("--iac", str(ACCOUNT), "--parameters", str(params))
    assert code == 0
    rules = {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
    assert "ADMIN_EQUIVALENT" not in rules and "ESCALATION_PATH" in rules


def test_gate_fails_on_a_finding_of_the_templates() -> None:
    result = CliRunner().invoke(cli, ["audit", "--iac", str(ACCOUNT), "--fail-on", "critical", "--format", "json"])
    assert result.exit_code == 1


def test_unreadable_part_of_a_template_blocks_a_clean_gate() -> None:
    """iam.yaml has a policy with Effect "Allowed" and attaches an AWS managed policy parc has no document for: the
    gate cannot say clean (exit 2), and the unreadable policy is said at its template line."""
    result = CliRunner().invoke(cli, ["audit", "--iac", str(TEMPLATES / "iam.yaml"), "--fail-on", "critical",
                                      "--format", "json"])
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["input_problems"]
    assert any(p["file"] == str(TEMPLATES / "iam.yaml") and p["line"] == 99 and "Allowed" in p["message"]
               for p in problems)


def test_not_a_template_or_both_inputs_is_a_usage_error(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}), encoding="utf-8")
    assert CliRunner().invoke(cli, ["audit", "--iac", str(policy)]).exit_code == 2
    assert CliRunner().invoke(cli, ["audit", str(tmp_path), "--iac", str(ACCOUNT)]).exit_code == 2
    assert CliRunner().invoke(cli, ["audit"]).exit_code == 2


def test_sam_functions_are_audited_as_the_roles_sam_makes() -> None:
    """SAM makes <LogicalId>Role for a function or state machine without Role: trusting the service (or its
    AssumeRolePolicyDocument), with its Policies' documents inline
    (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html)."""
    sam = TEMPLATES / "sam.yaml"
    code, report = _audit("--iac", str(sam))
    assert code == 0
    located = _located(report, sam)
    assert {("ROLE_ASSUMABLE_BY_ANYONE", 36), ("PASS_ROLE_WITH_STAR_IN_RESOURCE", 23),
            ("ROLE_SERVICE_TRUST_NO_SOURCE", 10)} <= located, sorted(located)
    roles = {f["resource"] for f in report["findings"] if f.get("resource")}  # type: ignore[attr-defined]
    assert not any("ExistingRole" in str(r) for r in roles)  # with Role, SAM makes no role


def test_a_template_part_not_read_blocks_the_gate(tmp_path: Path) -> None:
    """A YAML error, a loop over a deploy-time collection, a deploy-time value in a policy: said as not read, and
    a --fail-on gate cannot pass (exit 2), never a clean audit of what parc could not see."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties: [\n", encoding="utf-8")
    imported = tmp_path / "imported.yaml"
    imported.write_text(ACCOUNT.read_text(encoding="utf-8").replace('Resource: !Sub "${Site.Arn}/*"',
                                                                    "Resource: !ImportValue site-objects"),
                        encoding="utf-8")
    for template in (broken, imported):
        result = CliRunner().invoke(cli, ["audit", "--iac", str(template), "--fail-on", "info", "--format", "json"])
        assert result.exit_code == 2, result.stderr
        problems = json.loads(result.stdout)["input_problems"]
        assert any(p["code"] == "AUDIT_INPUT_UNREADABLE" and p["file"] == str(template) for p in problems)
