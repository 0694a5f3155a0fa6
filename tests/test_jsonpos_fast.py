"""The positioned reader's fast path (parc.core.policy.jsonpos_fast) gives exactly what the precise reader gives:
the same tree (values and their types, kinds, every position, member order, duplicate keys) for every document it
reads, and it gives up on every other one, so that errors (message, position, limits) are the precise reader's.

Generated documents (tests/jsonpos_docs.py) in every layout and broken in every way, and real-shaped ones: the AWS
managed policies (../shared/data/aws-managed-policies) and the account benchmark's authorization-details export."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings

import benchmark_modules
from jsonpos_docs import assert_same, broken, document, outcome, precise, shape
from parc.core.policy import jsonpos_fast
from parc.core.policy.jsonpos import JsonLimitError, JsonSyntaxError, parse_json

DATA = Path(os.environ.get("PARC_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
MANAGED = DATA / "aws-managed-policies"
EXAMPLES = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@EXAMPLES
@given(document())
def test_generated_documents_read_alike(text: str) -> None:
    assert_same(text)


@EXAMPLES
@given(broken())
def test_broken_documents_fail_alike(text: str) -> None:
    assert_same(text)


CASES = [
    '{"a": "x", "a": "y"}', '{\n  "a":\n   "b\\"c"}', '["ab\\u00e9", "\\n", "\\ud83d\\ude00", "\\ud800x"]',
    '\r\n [ "a" ,\n\t"b"]\n', "[1, -0, -0.0, 1.5e3, 1E400, true, false, null, {}, []]", "  7  ", '\ufeff{"a":[]}',
    '{"a\\"b"\n:\n1,\n"c"\n:2}\n\n', "[1,]", '{"a":1,}', "[", "", "1 2", "[1]]", '{"a" "b"}', '"\x01"', "[01]",
    "[1.]", "[1e]", "[-]", "[tru]", "[true false]", "\u00a0[]", "[]\u00a0", "[\f]", '{"a":1 "b":2}', '{,}', "[,1]",
    "[" * 128 + "]" * 128, "[" * 129 + "]" * 129, "[" + "1" * 100 + "]", "[" + "1" * 101 + "]", "}", "]", ",", ":",
    '"\\q"', '"\\u12"', '{"\\u00e9":1}', '{"a":"b",\n"c":"d"\n}', "[\n]", "{\n}", '{"a":{"b":[1,\n2]},\n"c":3}',
]


@pytest.mark.parametrize("text", CASES)
def test_cases_read_alike(text: str) -> None:
    assert_same(text)


def test_errors_and_limits_are_the_precise_readers() -> None:
    with pytest.raises(JsonLimitError) as deep:
        parse_json("[" * 129 + "]" * 129)
    assert deep.value.pos.column == 129
    with pytest.raises(JsonSyntaxError, match="Trailing comma before"):
        parse_json('{"a": [1, 2,]}')


def test_plain_documents_take_the_fast_path() -> None:
    text = json.dumps({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "iam:*"], "N": [1, 2.5, True, None],
                                      "k\u00e9y": "v\\\"al"}]}, indent=1)
    fast = jsonpos_fast.read(text)
    assert fast is not None and shape(fast) == shape(precise(text))
    assert jsonpos_fast.read(text + ",") is None


@pytest.mark.skipif(not MANAGED.is_dir(), reason=f"shared data absent: {MANAGED}")
def test_aws_managed_policies_read_alike() -> None:
    paths = sorted(MANAGED.glob("*.json"))
    assert len(paths) > 1000
    for path in paths:
        text = path.read_text()
        fast = jsonpos_fast.read(text)
        assert fast is not None, path.name  # the fast path reads every one of them
        assert shape(fast) == shape(precise(text)), path.name


def _bench() -> ModuleType:
    return benchmark_modules.load("bench_account")


def test_authorization_details_export_reads_alike() -> None:
    details, resource_policies, _ = _bench().generate(seed=5, roles=300, policies=120, users=30, groups=5)
    for doc in (details, resource_policies):
        for text in (json.dumps(doc, indent=1), json.dumps(doc), json.dumps(doc, indent="\t", ensure_ascii=False)):
            fast = jsonpos_fast.read(text)
            assert fast is not None
            assert shape(fast) == shape(precise(text))
            assert outcome(parse_json, text) == outcome(precise, text)
