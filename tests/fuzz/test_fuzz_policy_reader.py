"""Fuzz the policy reader: the JSON reader, parse_policy and validate on mutated valid policies (structural and
byte-wise mutations, big numbers, deep nesting, wrong types at every field). The only exception allowed is
parc's own JsonSyntaxError from the JSON reader; parse_policy and validate never raise (issue 19)."""

from __future__ import annotations

from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from mutations import SEEDS, byte_mutated, mutated, to_python, to_text

from parc.core.lint import validate
from parc.core.policy.jsonpos import JsonSyntaxError, loads, parse_json
from parc.core.policy.parse import parse_policy


def _catalog() -> object:
    from parc.catalog import default_catalog

    return default_catalog()


CATALOG = _catalog()


@fuzz
@given(st.sampled_from(SEEDS).flatmap(lambda seed: byte_mutated(to_text(seed))))
def test_fuzz_the_json_readers_raise_only_their_located_error(data: bytes) -> None:
    text = data.decode("utf-8", errors="surrogateescape")
    try:
        parse_json(text)
    except JsonSyntaxError as exc:
        assert exc.pos.line >= 1 and exc.pos.column >= 1
    try:
        loads(text)
    except JsonSyntaxError as exc:
        assert exc.pos.line >= 1 and exc.pos.column >= 0


@fuzz
@given(st.sampled_from(SEEDS).flatmap(lambda seed: byte_mutated(to_text(seed))))
def test_fuzz_byte_mutated_policies_are_findings_never_exceptions(data: bytes) -> None:
    parse_policy(data)
    result = validate(data, None, CATALOG, "fuzz.json")
    assert all(f.file == "fuzz.json" for f in result.findings)


@fuzz
@given(st.sampled_from(SEEDS).flatmap(mutated))
def test_fuzz_structurally_mutated_policies_are_findings_never_exceptions(doc: Any) -> None:
    text = to_text(doc)
    parse_policy(text)
    validate(text, None, CATALOG)
    value = to_python(doc)
    if isinstance(value, dict):
        parse_policy(value)
        validate(value, None, CATALOG)
