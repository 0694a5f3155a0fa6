"""``parc validate`` on CloudFormation and Terraform: every policy-holding resource type and every intrinsic function,
findings at the template's own lines with the resource that holds the policy.

The YAML and .tf templates in ``templates/`` carry their expectations: a line ending in ``# expect: CODE`` must get
a CODE finding, and no other line may get one (both outcomes on every line). JSON has no comments: its expectations
are listed here, each with a text that is on the line the finding must point at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from parc.cli.main import cli

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
MARKER = re.compile(r"# expect: ([A-Z_]+(?:, [A-Z_]+)*)$")

MARKED = ["iam.yaml", "resources.yaml", "intrinsics.yaml", "broken.yaml", "main.tf", "sam.yaml", "foreach.yaml",
          "conditional-policies.yaml"]
EXTRA: dict[str, set[tuple[int, str]]] = {
    # inside a heredoc of JSON, where a comment would change the policy
    "main.tf": {(64, "ALLOW_WITH_NOT_ACTION")},
}
# file -> (code, resource, text on the finding's line)
JSON_EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "cdk-stack.template.json": [
        ("OPEN_TO_ANY_PRINCIPAL", "DataBucketPolicy4E1E2F6B", '"Principal": {'),  # the Allow statement's
        ("PASS_ROLE_WITH_STAR_IN_RESOURCE", "HandlerServiceRoleDefaultPolicyCBD0CC91", '"Resource": "*"'),
    ],
    "plan.json": [
        ("PASS_ROLE_WITH_STAR_IN_RESOURCE", "aws_iam_policy.deploy", "iam:PassRole"),
        ("INVALID_ACTION", "aws_iam_role.app", "s3:GetObjectt"),
        ("ALLOW_WITH_NOT_ACTION", "aws_iam_user_policy.dev", "NotAction"),
        ("OPEN_TO_ANY_PRINCIPAL", "aws_s3_bucket_policy.data", '\\"Principal\\": \\"*\\"'),
        ("OPEN_TO_ANY_PRINCIPAL", "aws_sns_topic_policy.events", "sns:Publish"),
        ("OPEN_TO_ANY_PRINCIPAL", "aws_lambda_permission.public", '"principal": "*"'),
        ("IAC_UNCHECKED_VALUE", "aws_iam_policy.later", '"values": {'),
        ("OPEN_TO_ANY_PRINCIPAL", "module.ci.aws_iam_role.runner", "sts:AssumeRole"),
        ("INVALID_ACTION", "data.aws_iam_policy_document.unused", "ec2:DescribeInstancess"),
    ],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def findings(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[dict[str, object]]]:
    code, out, _ = run(*(str(p) for p in paths), "--format", "json", *extra)
    return code, json.loads(out)["findings"]


def expected_marks(path: Path) -> set[tuple[int, str]]:
    marks = set(EXTRA.get(path.name, set()))
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = MARKER.search(line)
        if m:
            marks.update((n, c.strip()) for c in m.group(1).split(",") if c.strip())
    return marks


@pytest.mark.parametrize("name", MARKED)
def test_findings_at_the_marked_lines(name: str) -> None:
    path = TEMPLATES / name
    _, found = findings(path)
    got = {(int(str(f["line"])), str(f["code"])) for f in found}
    assert got == expected_marks(path)
    for f in found:
        assert f["file"] and str(f["file"]).endswith(name)
        assert isinstance(f["column"], int) and f["column"] >= 1


@pytest.mark.parametrize("name", sorted(JSON_EXPECTED))
def test_json_templates_findings_at_their_lines(name: str) -> None:
    path = TEMPLATES / name
    lines = path.read_text(encoding="utf-8").splitlines()
    _, found = findings(path)
    got = sorted((str(f["code"]), str(f["resource"]), int(str(f["line"]))) for f in found)
    assert len(got) == len(JSON_EXPECTED[name])
    for code, resource, text in JSON_EXPECTED[name]:
        match = [g for g in got if g[0] == code and g[1] == resource]
        assert match, (code, resource, got)
        assert text in lines[match[0][2] - 1], (code, resource, lines[match[0][2] - 1])


def test_every_finding_names_its_resource() -> None:
    _, found = findings(TEMPLATES / "iam.yaml", TEMPLATES / "resources.yaml")
    by_line = {(str(f["code"]), int(str(f["line"]))): f["resource"] for f in found}
    assert by_line[("PASS_ROLE_WITH_STAR_IN_RESOURCE", 28)] == "AppRole"
    assert by_line[("OPEN_TO_ANY_PRINCIPAL", 129)] == "FromAnyone"  # AWS::Lambda::Permission's Principal
    paths = {str(f["path"]) for f in found}
    assert "Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource" in paths
    assert "Resources.FromAnyone.Properties.Principal" in paths


def test_sarif_points_where_json_does() -> None:
    path = TEMPLATES / "iam.yaml"
    _, found = findings(path)
    code, out, _ = run(str(path), "--format", "sarif")
    assert code == 1
    results = json.loads(out)["runs"][0]["results"]
    assert len(results) == len(found)
    for r, f in zip(results, found, strict=True):
        loc = r["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"].endswith("iam.yaml")
        assert loc["physicalLocation"]["region"]["startLine"] == f["line"]
        assert loc["physicalLocation"]["region"]["startColumn"] == f["column"]
        assert loc["logicalLocations"][0] == {"fullyQualifiedName": f["resource"], "kind": "resource"}
        assert r["properties"]["resource"] == f["resource"]


def test_if_is_checked_both_ways_and_says_which() -> None:
    _, found = findings(TEMPLATES / "intrinsics.yaml")
    wide = [f for f in found if f["code"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    assert len(wide) == 1
    assert str(wide[0]["message"]).endswith("(when IsProd is false)")
    nested = [f for f in found if f["code"] == "INVALID_ACTION"]
    assert str(nested[0]["message"]).endswith("(when Both is false, LongForm is true)")


def test_broken_template_exits_2_and_still_reports_the_rest() -> None:
    code, out, err = run(str(TEMPLATES / "broken.yaml"), "--format", "json")
    assert code == 2
    assert "broken.yaml:25:21: The template is not valid YAML" in err
    assert "(Broken is not checked)" in err
    assert "broken.yaml:51:23: !Bogus is not a CloudFormation tag" in err
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert {"PASS_ROLE_WITH_STAR_IN_RESOURCE", "INVALID_ACTION"} <= codes  # before and after the broken resource


def test_clean_template_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "clean.yaml"
    path.write_text(
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        "        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n"
        "            Action: s3:GetObject\n"
        "            Resource: !Sub 'arn:${AWS::Partition}:s3:::${AWS::AccountId}-logs/*'\n",
        encoding="utf-8",
    )
    code, out, _ = run(str(path))
    assert code == 0, out
    assert "no findings" in out


@pytest.mark.parametrize(
    "content",
    [
        '{"Principal": "Bob"}',  # the object form
        '[{"ParameterKey": "Principal", "ParameterValue": "Bob"}]',  # aws cloudformation --parameters file
        '{"Parameters": {"Principal": "Bob"}}',  # CodePipeline template configuration
    ],
)
def test_parameters_file_gives_missing_parameters(tmp_path: Path, content: str) -> None:
    params = tmp_path / "params.json"
    params.write_text(content, encoding="utf-8")
    _, without = findings(TEMPLATES / "broken.yaml")
    _, given = findings(TEMPLATES / "broken.yaml", extra=("--parameters", str(params)))
    assert "IAC_MISSING_PARAMETER" in {f["code"] for f in without}
    assert "IAC_MISSING_PARAMETER" not in {f["code"] for f in given}
    # "Bob" is not an ARN or account: now that the value is known, the principal is checked
    assert any(f["code"] != "IAC_MISSING_PARAMETER" and f["line"] == 34 for f in given)


def test_bad_parameters_file_is_a_usage_error(tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run(str(TEMPLATES / "iam.yaml"), "--parameters", str(params))
    assert code == 2
    assert "item 0 has no ParameterKey" in err


def test_type_forces_the_reader(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    code, _, err = run(str(policy), "--type", "cloudformation")
    assert code == 2
    assert "Not a CloudFormation template" in err
    code, _, err = run(str(policy), "--type", "terraform")
    assert code == 2
    assert "terraform show -json" in err
    code, _, _ = run(str(policy))  # auto: a policy document, read as before
    assert code == 1


def test_folder_picks_templates_and_skips_other_yaml(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text((TEMPLATES / "iam.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    (tmp_path / "main.tf").write_text((TEMPLATES / "main.tf").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run(str(tmp_path), "--format", "json")
    assert code == 1
    files = {Path(str(f["file"])).name for f in json.loads(out)["files"]}
    assert files == {"stack.yaml", "main.tf"}
    assert "skipped 1 YAML file in the folders given that are not CloudFormation templates" in err


def test_named_yaml_that_is_not_a_template_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    code, _, err = run(str(path))
    assert code == 2
    assert "Not a CloudFormation template" in err


def test_minified_plan_points_at_columns(tmp_path: Path) -> None:
    plan = json.loads((TEMPLATES / "plan.json").read_text(encoding="utf-8"))
    path = tmp_path / "tfplan.json"
    text = json.dumps(plan)  # terraform show -json writes one line
    path.write_text(text, encoding="utf-8")
    _, found = findings(path)
    deploy = next(f for f in found if f["resource"] == "aws_iam_policy.deploy")
    assert deploy["line"] == 1
    assert text[int(str(deploy["column"])) - 1 :].startswith('"{\\"Version')


def test_mode_iam_fails_on_what_iam_refuses_in_a_template() -> None:
    code, _, _ = run(str(TEMPLATES / "iam.yaml"), "--mode", "iam")
    assert code == 1  # DevPolicy's Effect "Allowed": IAM's API refuses the document
    code, _, _ = run(str(TEMPLATES / "resources.yaml"), "--mode", "iam")
    assert code == 0  # resource policies are judged by their services, not IAM


def test_bundled_examples() -> None:
    """examples/iac: the public bucket read and PassRole on any role (CloudFormation), the open queue (Terraform)."""
    examples = HERE.parents[1] / "examples" / "iac"
    code, found = findings(examples)
    assert code == 0  # security warnings, no errors
    got = sorted((Path(str(f["file"])).name, str(f["code"]), f["line"]) for f in found)
    assert got == [
        ("main.tf", "IAC_UNCHECKED_VALUE", 9),
        ("main.tf", "OPEN_TO_ANY_PRINCIPAL", 13),
        ("stack.yaml", "OPEN_TO_ANY_PRINCIPAL", 24),
        ("stack.yaml", "PASS_ROLE_WITH_STAR_IN_RESOURCE", 55),
    ]
    code, _, _ = run(str(examples), "--fail-on", "security")
    assert code == 1
