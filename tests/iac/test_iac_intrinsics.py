"""The intrinsic-function resolver, one function at a time, each with its value and its failure
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html and the
function pages under it; pseudo parameters:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html)."""

from __future__ import annotations

import pytest

from parc.core.policy.jsonpos import JNode
from parc.loaders.iac.cloudformation import template_context
from parc.loaders.iac.intrinsics import Resolver
from parc.loaders.iac.yamlnodes import parse_yaml

TEMPLATE = """
Parameters:
  Env: {Type: String, Default: prod}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  NoDefault: {Type: String}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/arn}
Mappings:
  Regions:
    prod: {Bucket: prod-bucket}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Role: {Type: AWS::IAM::Role, Properties: {RoleName: deployer}}
  Bucket: {Type: AWS::S3::Bucket}
  Queue: {Type: AWS::SQS::Queue}
  Key: {Type: AWS::KMS::Key}
  Thing: {Type: AWS::Custom::Thing}
"""


def resolve(expr: str, given: dict[str, str] | None = None, branches: dict[str, bool] | None = None,
            pattern: bool = False) -> tuple[object, Resolver, JNode | None]:
    root, tags = parse_yaml(TEMPLATE)
    assert not tags
    node, tags = parse_yaml(f"value: {expr}\n")
    assert not tags
    r = Resolver(template_context(root, given or {}), branches or {}, pattern=pattern)
    value = node.members[0].node
    out = r.resolve(value)
    return (out.to_python() if out is not None else "<NoValue>"), r, out


CASES = [
    # (name, expression, value)
    ("ref_parameter_default", "!Ref Env", "prod"),
    ("ref_list_parameter_splits", "!Ref Names", ["a", "b", "c"]),
    ("ref_pseudo_account", "!Ref AWS::AccountId", "111122223333"),
    ("ref_pseudo_partition", "!Ref AWS::Partition", "aws"),
    ("ref_no_value_removes", "!Ref AWS::NoValue", "<NoValue>"),
    ("ref_role_is_its_name", "!Ref Role", "deployer"),
    ("ref_queue_is_its_url", "!Ref Queue", "https://sqs.us-east-1.amazonaws.com/111122223333/Queue"),
    ("long_form_ref", '{"Ref": "Env"}', "prod"),
    ("getatt_role_arn_uses_role_name", "!GetAtt Role.Arn", "arn:aws:iam::111122223333:role/deployer"),
    ("getatt_list_form", "!GetAtt [Bucket, Arn]", "arn:aws:s3:::bucket"),
    ("getatt_kms_arn", "!GetAtt Key.Arn",
     "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("sub_pseudo_and_attribute", '!Sub "arn:${AWS::Partition}:s3:::${Bucket}/${Env}/*"', "arn:aws:s3:::bucket/prod/*"),
    ("sub_getatt_form", '!Sub "${Role.Arn}"', "arn:aws:iam::111122223333:role/deployer"),
    ("sub_variable_map", '!Sub ["${A}-${B}", {A: x, B: !Ref Env}]', "x-prod"),
    ("sub_literal_dollar", '!Sub "home/${!aws:username}"', "home/${aws:username}"),
    ("join", '!Join [":", [a, !Ref Env, c]]', "a:prod:c"),
    ("select", "!Select [1, !Ref Names]", "b"),
    ("split", '!Split ["/", "a/b"]', ["a", "b"]),
    ("select_of_split", '!Select [0, !Split ["-", "x-y"]]', "x"),
    ("find_in_map", "!FindInMap [Regions, !Ref Env, Bucket]", "prod-bucket"),
    ("base64", "!Base64 abc", "YWJj"),
    ("cidr", '!Cidr ["10.0.0.0/16", 2, 8]', ["10.0.0.0/24", "10.0.1.0/24"]),
    ("get_azs", '!GetAZs ""', ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ("if_true_branch", "!If [IsProd, yes-value, no-value]", "yes-value"),
    ("length", "!Length [a, b]", 2),
    ("to_json_string", "!ToJsonString {a: 1}", '{"a":1}'),
]


@pytest.mark.parametrize(("name", "expr", "value"), CASES, ids=[c[0] for c in CASES])
def test_resolves(name: str, expr: str, value: object) -> None:
    got, r, _ = resolve(expr)
    assert got == value
    assert r.findings == []


def test_if_false_branch() -> None:
    got, _, _ = resolve("!If [IsProd, yes-value, no-value]", branches={"IsProd": False})
    assert got == "no-value"


def test_parameters_file_overrides_default() -> None:
    got, _, _ = resolve("!Ref Env", given={"Env": "dev"})
    assert got == "dev"


BROKEN = [
    ("missing_parameter", "!Ref NoDefault", "IAC_MISSING_PARAMETER"),
    ("unknown_ref", "!Ref Nothing", "IAC_UNKNOWN_REFERENCE"),
    ("unknown_getatt", "!GetAtt Nothing.Arn", "IAC_UNKNOWN_REFERENCE"),
    ("unknown_condition", "!If [Nope, a, b]", "IAC_UNKNOWN_CONDITION"),
    ("select_out_of_range", "!Select [5, !Ref Names]", "IAC_INVALID_INTRINSIC"),
    ("join_needs_a_list", "!Join [',', notalist]", "IAC_INVALID_INTRINSIC"),
    ("find_in_map_missing_key", "!FindInMap [Regions, dev, Bucket]", "IAC_UNKNOWN_REFERENCE"),
    ("cidr_bad_block", '!Cidr ["not-a-cidr", 2, 8]', "IAC_INVALID_INTRINSIC"),
    ("condition_function_in_a_value", "!Equals [a, b]", "IAC_INVALID_INTRINSIC"),
    ("unknown_function", '{"Fn::Nope": x}', "IAC_UNKNOWN_FUNCTION"),
    ("sub_policy_variable", '!Sub "${aws:username}"', "IAC_SUB_POLICY_VARIABLE"),
]


@pytest.mark.parametrize(("name", "expr", "code"), BROKEN, ids=[c[0] for c in BROKEN])
def test_reports(name: str, expr: str, code: str) -> None:
    _, r, _ = resolve(expr)
    assert [f.code for f in r.findings] == [code]
    assert r.findings[0].position is not None and r.findings[0].position.line == 1


OPAQUE = [
    ("import_value", "!ImportValue shared-arn"),
    ("ssm_parameter", "!Ref FromSsm"),
    ("unknown_resource_type_attribute", "!GetAtt Thing.Arn"),
    ("sub_with_import", '!Sub ["${X}/*", {X: !ImportValue shared}]'),
]


@pytest.mark.parametrize(("name", "expr"), OPAQUE, ids=[c[0] for c in OPAQUE])
def test_unknown_values_are_marked_opaque(name: str, expr: str) -> None:
    _, r, out = resolve(expr)
    assert out is not None and out.pos in r.opaque


def test_known_values_are_not_opaque() -> None:
    _, r, out = resolve('!Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"')
    assert out is not None and out.pos not in r.opaque


@pytest.mark.parametrize(
    ("expr", "pattern"),
    [
        ("!GetAtt Role.Arn", "arn:*:iam::*:role/deployer"),  # the template fixes the name
        ("!GetAtt Queue.Arn", "arn:*:sqs:*:*:*"),  # CloudFormation names the queue at deploy time
        ('!Sub "arn:${AWS::Partition}:s3:::${AWS::AccountId}-logs/*"', "arn:*:s3:::*-logs/*"),
        ("!ImportValue shared", "*"),
        ("!GetAtt Key.Arn", "arn:*:kms:*:*:key/*"),
    ],
)
def test_pattern_form_for_matching(expr: str, pattern: str) -> None:
    got, _, _ = resolve(expr, pattern=True)
    assert got == pattern


def test_values_keep_the_position_of_what_was_written() -> None:
    _, _, out = resolve('!Sub "${Bucket.Arn}/*"')
    assert out is not None and (out.pos.line, out.pos.column) == (1, 8)
