"""``parc diff BASE HEAD`` on CloudFormation templates and Terraform (.tf, plan JSON): the cases in
tests/iac/diffcases/<rule>/ (base.*, head.*, expect.json: the overall result, each resource's status, the head
line of the first counterexample).

Semantics pinned: Access Analyzer's CheckNoNewAccess
(https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html) per resource; Fn::If
both ways and resource Conditions
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html); a policy
resource's Roles/Users/Groups
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.cli.main import cli

pytest.importorskip("z3")
CASES = Path(__file__).parent / "diffcases"
EXIT = {"PASS": 0, "FAIL": 1, "UNKNOWN": 2}


def _run(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["diff", *args, "--format", "json", "--timeout", "120"])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_diff_case(case: str) -> None:
    folder = CASES / case
    expect = json.loads((folder / "expect.json").read_text())
    base, head = (next(folder.glob(f"{side}.*")) for side in ("base", "head"))
    code, out = _run(str(base), str(head))
    got = {r["resource"]: r["status"] for r in out["resources"]}  # type: ignore[union-attr,index]
    assert {k: got.get(k) for k in expect["resources"]} == expect["resources"], out
    assert out["result"] == expect["result"], out
    assert code == EXIT[expect["result"]]
    for r in out["resources"]:  # type: ignore[union-attr]
        assert "(--timeout) ran out" not in r["reason"], "UNKNOWN for its own reason, not the machine's load"
    if expect.get("line"):
        first = out["counterexamples"][0]  # type: ignore[index]
        assert first["location"]["line"] == expect["line"]
        assert first["location"]["file"] == str(head)
    if expect["result"] == "FAIL":
        assert out["counterexamples"], "a FAIL shows the requests"
    keys = [json.dumps([{k: v for k, v in c["location"].items() if k != "resource"}, c["action"], c["resource"],
                        c.get("when")], sort_keys=True) for c in out["counterexamples"]]  # type: ignore[union-attr]
    assert len(keys) == len(set(keys)), "each request once, though a role and its policy resource both list it"


def test_diff_of_policy_documents_is_unchanged(tmp_path: Path) -> None:
    """Two policy documents (not templates) still take the policy diff."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                      "Resource": "*"}]}))
    b.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                                      "Resource": "*"}]}))
    code, out = _run(str(a), str(b))
    assert (code, out["result"]) == (1, "FAIL")
    assert "resources" not in out


def test_a_template_and_a_policy_are_not_compared(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}))
    template = CASES / "bucket_policy_unchanged_passes" / "base.yaml"
    result = CliRunner().invoke(cli, ["diff", str(template), str(policy)])
    assert result.exit_code == 2
    assert "not a template" in result.stderr


def test_sarif_and_output_file(tmp_path: Path) -> None:
    folder = CASES / "added_statement_fails_at_its_head_line"
    out = tmp_path / "diff.sarif"
    result = CliRunner().invoke(cli, ["diff", str(folder / "base.yaml"), str(folder / "head.yaml"), "--format",
                                      "sarif", "--output", str(out)])
    assert result.exit_code == 1
    [run] = json.loads(out.read_text())["runs"]
    [r] = run["results"]
    assert r["ruleId"] == "IAC_NEW_ACCESS" and r["level"] == "error"
    region = r["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 22
    assert "FAIL" in result.stderr  # the readable verdict goes to the log
