"""Every condition operator, pinned case by case against the AWS pages cited in corpus_conditions.json.

Readings parc chose where the pages are silent (cases marked ``"decision": true``), each chosen so that an
ambiguous request is not granted by accident:
- a multivalued request value without ``ForAnyValue:``/``ForAllValues:`` matches nothing, whatever the operator
  ("Multivalued context keys require a condition set operator"); a one-element value is that value;
- ``IfExists`` adds nothing under a set prefix (the prefix already decides the absent case);
- a value that does not parse (request or policy side) never matches, for negated operators too;
- a value substituted for a policy variable is literal text, never a wildcard;
- all-digit date text is epoch seconds (so ``2020`` is not the year); ``Bool`` is case-insensitive;
  ``1e3`` is a number; an IP range with host bits set is its network.
"""

from __future__ import annotations

from typing import Any

import pytest

from parc.core.conditions import base_operators, compile_condition, parse_operator
from parc.core.context import normalize_context

from .corpus import load, params

DOCS, CASES = load("corpus_conditions.json")


def test_pages_are_urls() -> None:
    assert all(url.startswith("https://") for url in DOCS.values())


@pytest.mark.parametrize("case", params(CASES))
def test_condition_case(case: dict[str, Any]) -> None:
    ctx = normalize_context(case["context"])
    cond = compile_condition(case["operator"], case["key"], case["values"], variables=case.get("variables", True))
    assert cond.evaluate(ctx) is case["expected"]
    result = cond.explain(ctx)
    assert result.matched is case["expected"], result.reason
    assert result.reason
    if "missing" in case:
        assert result.missing is case["missing"]


def test_every_operator_has_both_outcomes() -> None:
    outcomes: dict[str, set[bool]] = {spec.name: set() for spec in base_operators()}
    for case in CASES:
        outcomes[parse_operator(case["operator"]).spec.name].add(case["expected"])
    incomplete = {name: seen for name, seen in outcomes.items() if seen != {True, False}}
    assert not incomplete


def test_every_negated_operator_is_true_for_a_missing_key() -> None:
    negated = {spec.name for spec in base_operators() if spec.negated}
    pinned = {
        parse_operator(c["operator"]).spec.name
        for c in CASES
        if c.get("missing") and c["expected"] and "IfExists" not in c["operator"] and ":" not in c["operator"]
    }
    assert negated <= pinned, negated - pinned


def test_every_positive_operator_is_false_for_a_missing_key() -> None:
    positive = {spec.name for spec in base_operators() if not spec.negated and spec.family != "Null"}
    pinned = {
        parse_operator(c["operator"]).spec.name
        for c in CASES
        if c.get("missing") and not c["expected"] and "IfExists" not in c["operator"] and ":" not in c["operator"]
    }
    assert positive <= pinned, positive - pinned


def test_every_family_has_an_if_exists_case_for_an_absent_key() -> None:
    families = {spec.family for spec in base_operators()} - {"Null"}
    pinned = {
        parse_operator(c["operator"]).spec.family
        for c in CASES
        if c.get("missing") and c["expected"] and c["operator"].endswith("IfExists") and ":" not in c["operator"]
    }
    assert families <= pinned, families - pinned
