"""Terraform input variables in .tf files (``var.x``): known from the module's defaults (every .tf file of the
folder), terraform.tfvars, *.auto.tfvars and ``--var-file``, in Terraform's order of precedence
(https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence); findings on a
variable's value point at the line that uses it; a variable with no value stays unknown (never a guessed value)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.cli.main import cli

MAIN = """resource "aws_iam_role_policy" "deploy" {
  name = "deploy"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = var.actions
      Resource = "arn:aws:iam::111122223333:role/${var.role}"
    }]
  })
}
"""
VARIABLES = """variable "actions" {
  type    = list(string)
  default = ["s3:GetObjectt"]
}
variable "role" {
  type = string
}
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN, encoding="utf-8")
    (tmp_path / "variables.tf").write_text(VARIABLES, encoding="utf-8")
    return tmp_path


def _codes(*args: str) -> list[tuple[str, int]]:
    result = CliRunner().invoke(cli, ["validate", *args, "--format", "json"])
    return [(f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def test_default_of_another_file_of_the_module_is_checked_where_used(module: Path) -> None:
    assert _codes(str(module / "main.tf")) == [("INVALID_ACTION", 8)]


def test_auto_tfvars_override_the_default_and_var_file_overrides_them(module: Path) -> None:
    (module / "terraform.tfvars").write_text('actions = ["iam:GetRole"]\nrole = "app"\n', encoding="utf-8")
    assert _codes(str(module / "main.tf")) == []
    (module / "z.auto.tfvars").write_text('actions = ["iam:PassRole"]\nrole = "*"\n', encoding="utf-8")
    assert ("PASS_ROLE_WITH_STAR_IN_RESOURCE", 9) in _codes(str(module / "main.tf"))
    given = module / "ci.tfvars"
    given.write_text('actions = ["iam:PassRole"]\nrole = "deployer"\n', encoding="utf-8")
    assert _codes(str(module / "main.tf"), "--var-file", str(given)) == []


def test_a_variable_without_a_value_is_not_guessed(module: Path) -> None:
    (module / "variables.tf").write_text(VARIABLES.replace('  default = ["s3:GetObjectt"]\n', ""), encoding="utf-8")
    codes = _codes(str(module / "main.tf"))
    assert ("INVALID_ACTION", 8) not in codes


def test_diff_reads_each_version_with_its_module_variables(tmp_path: Path) -> None:
    """parc diff on a .tf file whose module's variables.tf widens a default: FAIL at the line that uses it."""
    pytest.importorskip("z3")
    for side, actions in (("base", '["s3:GetObject"]'), ("head", '["s3:GetObject", "s3:DeleteObject"]')):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "main.tf").write_text(MAIN.replace("arn:aws:iam::111122223333:role/${var.role}",
                                                     "arn:aws:s3:::data/*"), encoding="utf-8")
        (folder / "variables.tf").write_text(VARIABLES.replace('["s3:GetObjectt"]', actions), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(tmp_path / "base" / "main.tf"), str(tmp_path / "head" / "main.tf"),
                                      "--format", "json", "--timeout", "120"])
    out = json.loads(result.stdout)
    assert (result.exit_code, out["result"]) == (1, "FAIL")
    [cx] = out["counterexamples"]
    assert cx["action"] == "s3:DeleteObject" and cx["location"]["line"] == 6  # the statement that uses var.actions
