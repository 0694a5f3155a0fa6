"""The template readers' input boundary: malformed templates never raise, each problem is a located finding, and
what could not be read makes ``parc validate`` exit 2 (regressions found by throwing odd inputs at the readers)."""

from __future__ import annotations

import pytest

from parc.cli.validate_iac import CLOUDFORMATION, TERRAFORM, TERRAFORM_SOURCE, check_source
from parc.loaders.policy_files import PolicySource

POLICY = "Resources:\n  A:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: "
LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else 'x'}]\n" for i in range(8))

CASES = [
    # (name, kind, text, expected code, unreadable: exit 2)
    ("empty_yaml", CLOUDFORMATION, "", "IAC_SYNTAX_ERROR", True),
    ("top_level_list", CLOUDFORMATION, "- a\n", "IAC_NOT_A_TEMPLATE", True),
    ("resources_not_an_object", CLOUDFORMATION, "Resources: [1, 2]\n", "IAC_NOT_A_TEMPLATE", True),
    ("two_documents", CLOUDFORMATION, "Resources: {}\n---\nResources: {}\n", "IAC_SYNTAX_ERROR", True),
    ("tab_indentation", CLOUDFORMATION, "Resources:\n\tA: 1\n", "IAC_SYNTAX_ERROR", True),
    ("alias_bomb", CLOUDFORMATION, LAUGHS + "Resources: {}\n", "IAC_SYNTAX_ERROR", True),
    ("recursive_alias", CLOUDFORMATION, "Resources:\n  A: &a\n    Type: AWS::IAM::Policy\n    Properties:\n"
     "      PolicyDocument: *a\n", "IAC_SYNTAX_ERROR", True),
    ("properties_not_an_object", CLOUDFORMATION, "Resources:\n  A:\n    Type: AWS::IAM::Policy\n    Properties: x\n",
     "IAC_INVALID_RESOURCE", False),
    ("document_is_a_number", CLOUDFORMATION, POLICY + "5\n", "INVALID_POLICY_FORMAT", False),
    ("document_string_not_json", CLOUDFORMATION, POLICY + "'{\"Statement\": ['\n", "IAC_POLICY_NOT_JSON", False),
    ("ref_of_a_list", CLOUDFORMATION, POLICY + "!Ref [a]\n", "IAC_INVALID_INTRINSIC", False),
    ("if_of_a_map", CLOUDFORMATION, POLICY + "!If {a: b}\n", "IAC_INVALID_INTRINSIC", False),
    ("select_negative", CLOUDFORMATION, POLICY + "!Select [-1, [a]]\n", "IAC_INVALID_INTRINSIC", False),
    ("cidr_count_past_256", CLOUDFORMATION, POLICY + "{Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "
     "'*', Condition: {IpAddress: {aws:SourceIp: !Cidr ['10.0.0.0/8', 100000000, 1]}}}]}\n", "IAC_INVALID_INTRINSIC",
     False),
    # Found by tests/fuzz/test_fuzz_iac.py: PyYAML composes nested collections recursively.
    ("deep_yaml_nesting", CLOUDFORMATION, "Resources: " + "[" * 5000 + "]" * 5000 + "\n", "IAC_SYNTAX_ERROR", True),
    ("yaml_number_past_the_limit", CLOUDFORMATION, POLICY + "{Version: 2012-10-17, Statement: [{Effect: Allow, "
     "Action: s3:GetObject, Resource: '*', Sid: " + "9" * 4400 + "}]}\n", "IAC_SYNTAX_ERROR", True),
    ("json_template_syntax", CLOUDFORMATION, '{"Resources": {', "IAC_SYNTAX_ERROR", True),
    ("plan_not_a_plan", TERRAFORM, "[1]", "IAC_NOT_A_TEMPLATE", True),
    ("plan_syntax", TERRAFORM, '{"format_version": ', "IAC_SYNTAX_ERROR", True),
    ("plan_policy_not_a_string", TERRAFORM, '{"format_version": "1.2", "planned_values": {"root_module": {"resources": '
     '[{"address": "aws_iam_policy.x", "type": "aws_iam_policy", "values": {"policy": 5}}, 3]}}}',
     "INVALID_POLICY_FORMAT", False),
    ("hcl_syntax", TERRAFORM_SOURCE, 'resource "x" {', "IAC_SYNTAX_ERROR", True),
    ("hcl_odd_values", TERRAFORM_SOURCE, 'resource "aws_iam_policy" "p" { policy = jsonencode([1, {a = b}]) }\n',
     "INVALID_POLICY_FORMAT", False),
]


@pytest.mark.parametrize(("name", "kind", "text", "code", "unreadable"), CASES, ids=[c[0] for c in CASES])
def test_malformed_input_is_a_located_finding(name: str, kind: str, text: str, code: str, unreadable: bool) -> None:
    report = check_source(PolicySource(f"{name}.in", text), kind, {}, None)
    assert report is not None
    found = [f for f in report.findings if f.code == code]
    assert found, [f.code for f in report.findings]
    assert found[0].position is not None and found[0].position.line >= 1
    assert found[0].file == f"{name}.in"
    assert bool(report.unreadable) is unreadable


def test_not_utf8_is_unreadable() -> None:
    report = check_source(PolicySource("bad.yaml", b"Resources: \xff\n"), CLOUDFORMATION, {}, None)
    assert report is not None and report.unreadable and report.findings[0].code == "IAC_SYNTAX_ERROR"


def test_functions_parc_does_not_evaluate_are_said_not_errors() -> None:
    text = (POLICY + '{"Fn::Transform": {Name: AWS::Include}}\n'
            "  Fn::ForEach::Topics:\n    - T\n    - !ImportValue topic-names\n    - {}\n")
    report = check_source(PolicySource("ext.yaml", text), CLOUDFORMATION, {}, None)
    assert report is not None
    assert [(f.code, f.finding_type.value, f.line) for f in report.findings] == [
        ("IAC_UNCHECKED_VALUE", "WARNING", 5),  # Fn::Transform: a macro, legal, not evaluated
        ("IAC_UNCHECKED_VALUE", "WARNING", 6),  # Fn::ForEach::Topics: its collection is known at deploy time
    ]
    assert not report.unreadable


def test_lambda_permission_conditions_are_the_ones_lambda_writes() -> None:
    text = ("Resources:\n  P:\n    Type: AWS::Lambda::Permission\n    Properties:\n      FunctionName: f\n"
            "      Action: lambda:InvokeFunction\n      Principal: '*'\n      PrincipalOrgID: o-abcdefghij\n")
    report = check_source(PolicySource("org.yaml", text), CLOUDFORMATION, {}, None)
    assert report is not None and report.findings == ()  # the organization narrows "*"
    public = text.replace("      PrincipalOrgID: o-abcdefghij\n", "")
    report = check_source(PolicySource("public.yaml", public), CLOUDFORMATION, {}, None)
    assert report is not None and [f.code for f in report.findings] == ["OPEN_TO_ANY_PRINCIPAL"]


def test_sam_function_whose_properties_are_not_an_object_is_said() -> None:
    text = "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: [1]\n"
    report = check_source(PolicySource("sam.yaml", text), CLOUDFORMATION, {}, None)
    assert report is not None and [(f.code, f.line) for f in report.findings] == [("IAC_INVALID_RESOURCE", 4)]
