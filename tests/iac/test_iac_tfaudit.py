"""``parc audit --iac`` on Terraform: a plan's JSON (``terraform show -json``, indented as ``jq .`` prints it) and a
set of .tf files, audited as the account they would make.

Both hold the same account: a role whose name Terraform generates (``name_prefix``) trusting another account
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html), a customer-managed policy that lets
it attach any policy to a role (an escalation path,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html), attached by an
``aws_iam_role_policy_attachment`` whose role and policy ARN are known only after apply: the plan's
``configuration.*.expressions.*.references`` (https://developer.hashicorp.com/terraform/internals/json-format) and the
.tf references link them. A bucket policy grants ``Principal: "*"`` (public,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status);
a second bucket is open to a role of the set only and must not be public. Each case has both outcomes: without the
attachment no escalation path, an attachment parc cannot link is "not checked" (``--fail-on`` exits 2), never
dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from parc.cli.main import cli

HERE = Path(__file__).parent / "tfaudit"
PLAN = HERE / "escalation.plan.json"
UNLINKED = HERE / "unlinked.plan.json"
IAM_TF, STORAGE_TF = HERE / "src" / "iam.tf", HERE / "src" / "storage.tf"
DEPLOYER = "aws_iam_role.deployer"


def _audit(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json", "--no-catalog"])
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def _located(report: dict[str, object], file: Path) -> set[tuple[str, int]]:
    return {(f["rule"], e["line"]) for f in report["findings"]  # type: ignore[attr-defined]
            for e in f.get("evidence") or [] if isinstance(e, dict) and e.get("file") == str(file) and e.get("line")}


def _unread(report: dict[str, object]) -> list[dict[str, object]]:
    return [p for p in report["input_problems"] if p["code"] == "AUDIT_INPUT_UNREADABLE"]  # type: ignore[attr-defined]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _expected(path: Path) -> set[tuple[str, int]]:
    return {(m.group(1), n) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if (m := re.search(r"# expect: ([A-Z_]+)", line)) and not line.lstrip().startswith("#")}


def _without(plan: dict[str, object], address: str) -> dict[str, object]:
    """The plan without one resource (its planned values, its change, its configuration)."""
    out = json.loads(json.dumps(plan))
    pv = out["planned_values"]["root_module"]
    pv["resources"] = [r for r in pv["resources"] if r["address"] != address]
    out["resource_changes"] = [r for r in out["resource_changes"] if r["address"] != address]
    cm = out["configuration"]["root_module"]
    cm["resources"] = [r for r in cm["resources"] if r["address"] != address]
    return out


# -- plan -------------------------------------------------------------------------------------------------------
def test_plan_attachment_known_only_by_reference_is_an_escalation_path() -> None:
    code, report = _audit("--iac", str(PLAN))
    assert code == 0
    located = _located(report, PLAN)
    assert ("ESCALATION_PATH", _line_of(PLAN, "iam:AttachRolePolicy")) in located, sorted(located)
    assert ("ROLE_CROSS_ACCOUNT", _line_of(PLAN, "444455556666")) in located
    assert ("RESOURCE_PUBLIC", _line_of(PLAN, '\\"Principal\\": \\"*\\"')) in located
    escalation = [f for f in report["findings"] if f["rule"] == "ESCALATION_PATH"]  # type: ignore[attr-defined]
    assert all(DEPLOYER in str(f["resource"]) for f in escalation)
    assert not _unread(report)  # a role's computed managed_policy_arns / inline_policy is not an input parc lacks


def test_plan_gate_fails_on_the_findings_not_on_unread_input() -> None:
    result = CliRunner().invoke(cli, ["audit", "--iac", str(PLAN), "--fail-on", "critical", "--no-catalog"])
    assert result.exit_code == 1, result.stderr


def test_plan_without_the_attachment_has_no_escalation_path(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_without(json.loads(PLAN.read_text(encoding="utf-8")),
                                        "aws_iam_role_policy_attachment.deployer_escalate"), indent=2),
                    encoding="utf-8")
    code, report = _audit("--iac", str(plan))
    assert code == 0
    rules = {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
    assert "ESCALATION_PATH" not in rules and "ROLE_CROSS_ACCOUNT" in rules and not _unread(report)


def test_plan_without_configuration_cannot_link_the_attachment(tmp_path: Path) -> None:
    """No ``configuration`` (a plan's JSON cut down): the unknown role and policy ARN cannot be linked; said, and
    the gate cannot pass."""
    doc = json.loads(PLAN.read_text(encoding="utf-8"))
    del doc["configuration"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    code, report = _audit("--iac", str(plan), "--fail-on", "critical")
    assert code == 2
    assert {p["path"] for p in _unread(report)} >= {"aws_iam_role_policy_attachment.deployer_escalate.role",
                                                     "aws_iam_role_policy_attachment.deployer_escalate.policy_arn"}


def test_plan_unlinkable_attachment_is_not_checked() -> None:
    """The orphan attachment's user is a variable known only after apply: its line and address are said, and a
    --fail-on gate exits 2 (never a clean audit of what parc could not link)."""
    code, report = _audit("--iac", str(UNLINKED), "--fail-on", "critical")
    assert code == 2
    [problem] = _unread(report)
    assert problem["resource"] == "aws_iam_user_policy_attachment.orphan"
    assert problem["path"] == "aws_iam_user_policy_attachment.orphan.user"
    assert problem["file"] == str(UNLINKED)
    assert problem["line"] == _line_of(UNLINKED, '"address": "aws_iam_user_policy_attachment.orphan"') + 6
    assert any("could not be read" in str(n.get("reason")) for n in report["not_checked"])  # type: ignore[attr-defined]


# -- .tf --------------------------------------------------------------------------------------------------------
def test_tf_set_findings_at_their_lines() -> None:
    code, report = _audit("--iac", str(IAM_TF), "--iac", str(STORAGE_TF))
    assert code == 0
    for tf in (IAM_TF, STORAGE_TF):
        assert _expected(tf) <= _located(report, tf), sorted(_located(report, tf))
    public = {f["resource"] for f in report["findings"] if f["rule"] == "RESOURCE_PUBLIC"}  # type: ignore[attr-defined]
    assert public == {"arn:aws:s3:::example-site"}  # the private bucket is open to a role of the set only
    assert not _unread(report)
    result = CliRunner().invoke(cli, ["audit", "--iac", str(IAM_TF), "--iac", str(STORAGE_TF), "--fail-on",
                                      "critical", "--no-catalog"])
    assert result.exit_code == 1


def test_tf_without_the_attachment_has_no_escalation_path(tmp_path: Path) -> None:
    text = IAM_TF.read_text(encoding="utf-8")
    start = text.index('resource "aws_iam_role_policy_attachment"')
    iam = tmp_path / "iam.tf"
    iam.write_text(text[:start] + text[text.index("}\n", start) + 2:], encoding="utf-8")
    code, report = _audit("--iac", str(iam))
    assert code == 0
    rules = {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
    assert "ESCALATION_PATH" not in rules and "ROLE_CROSS_ACCOUNT" in rules and not _unread(report)


def test_tf_unlinkable_attachment_is_not_checked(tmp_path: Path) -> None:
    """An attachment to a role of another module, and one to a role named by a variable without a value: each is
    said at its line with its address, and the gate exits 2."""
    iam = tmp_path / "iam.tf"
    iam.write_text(IAM_TF.read_text(encoding="utf-8") + '\nvariable "who" {}\n\n'
                   'resource "aws_iam_role_policy_attachment" "elsewhere" {\n'
                   "  role       = module.people.role_name\n"
                   "  policy_arn = aws_iam_policy.escalate.arn\n}\n\n"
                   'resource "aws_iam_role_policy_attachment" "missing" {\n'
                   "  role       = aws_iam_role.gone.name\n"
                   "  policy_arn = aws_iam_policy.escalate.arn\n}\n", encoding="utf-8")
    code, report = _audit("--iac", str(iam), "--fail-on", "critical")
    assert code == 2
    problems = {(p["resource"], p["path"], p["line"]) for p in _unread(report)}
    assert problems == {
        ("aws_iam_role_policy_attachment.elsewhere", "aws_iam_role_policy_attachment.elsewhere.role",
         _line_of(iam, '"elsewhere"')),
        ("aws_iam_role_policy_attachment.missing", "aws_iam_role_policy_attachment.missing.role",
         _line_of(iam, '"missing"'))}, problems


def test_tf_policy_with_an_unknown_value_is_said(tmp_path: Path) -> None:
    """A bucket policy whose principal is a variable without a value: audited as written, and said as not read;
    with the variable's default, read and not said."""
    storage = tmp_path / "storage.tf"
    text = STORAGE_TF.read_text(encoding="utf-8").replace("aws_iam_role.reader.arn", "var.reader_arn")
    storage.write_text(text, encoding="utf-8")
    code, report = _audit("--iac", str(storage), "--fail-on", "critical")
    assert code == 2
    problems = _unread(report)
    assert [p["resource"] for p in problems] == ["aws_s3_bucket_policy.private"]
    assert "var.reader_arn" in str(problems[0]["message"])
    storage.write_text(text + '\nvariable "reader_arn" {\n  default = "arn:aws:iam::111122223333:role/reader"\n}\n',
                       encoding="utf-8")
    code, report = _audit("--iac", str(storage), "--fail-on", "critical")
    assert code == 1 and not _unread(report)


def test_tf_resource_policy_on_a_resource_of_another_file_stands_in_by_address() -> None:
    """tests/iac/templates/main.tf's policies are on a bucket, a topic and a function it does not declare: each
    stands in by its address (the policy is on it whatever it is called), so the public ones are reported; the
    account id of ``data.aws_caller_identity`` is the placeholder account. The user and group it gives policies to
    are not in the input: said, and the gate exits 2."""
    main = Path(__file__).parent / "templates" / "main.tf"
    code, report = _audit("--iac", str(main), "--fail-on", "critical")
    assert code == 2
    public = {f["resource"] for f in report["findings"] if f["rule"] == "RESOURCE_PUBLIC"}  # type: ignore[attr-defined]
    assert public == {"arn:aws:s3:::aws_s3_bucket.data", "arn:aws:sns:us-east-1:111122223333:aws_sns_topic.events",
                      "arn:aws:lambda:us-east-1:111122223333:function:aws_lambda_function.worker"}
    unread = {str(p["path"]) for p in _unread(report)}
    assert {"aws_iam_user_policy.dev.user", "aws_iam_group_policy.ops.group"} <= unread
    assert not any(p.startswith("aws_kms_key.main") for p in unread)  # its one reference is the account id


def test_plan_resource_it_destroys_is_not_in_the_account(tmp_path: Path) -> None:
    """A role in prior_state that planned_values no longer holds is one the plan destroys: not audited; the same
    role in planned_values is."""
    doc = json.loads(PLAN.read_text(encoding="utf-8"))
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                                "Action": "sts:AssumeRole"}]})
    old = {"address": "aws_iam_role.old", "mode": "managed", "type": "aws_iam_role", "name": "old",
           "values": {"name": "old", "assume_role_policy": trust, "path": "/"}}
    doc["prior_state"] = {"format_version": "1.0", "values": {"root_module": {"resources": [old]}}}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    _, report = _audit("--iac", str(plan))
    assert "ROLE_ASSUMABLE_BY_ANYONE" not in {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
    doc["planned_values"]["root_module"]["resources"].append(old)
    plan.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    _, report = _audit("--iac", str(plan))
    assert "ROLE_ASSUMABLE_BY_ANYONE" in {f["rule"] for f in report["findings"]}  # type: ignore[attr-defined]
