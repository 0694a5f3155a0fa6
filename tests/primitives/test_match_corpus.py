"""Action and Resource matching, pinned against the AWS pages cited in corpus_actions.json and corpus_resources.json.

Readings parc chose where the Resource page is silent (``"decision": true``): a value substituted for a variable is
literal text, never a wildcard; variables are substituted in every segment of the ARN (the Variables page allows
them only in the resource part, so lint, not the matcher, reports one elsewhere).
"""

from __future__ import annotations

from typing import Any

import pytest

from parc.core.conditions import compile_condition
from parc.core.context import normalize_context
from parc.core.match import compile_action, compile_resource

from .corpus import load, params

_, ACTIONS = load("corpus_actions.json")
_, RESOURCES = load("corpus_resources.json")


@pytest.mark.parametrize("case", params(ACTIONS))
def test_action_case(case: dict[str, Any]) -> None:
    matcher = compile_action(case["pattern"])
    assert matcher.matches(case["action"]) is case["expected"]
    if "service" in case:
        assert matcher.service == case["service"]


@pytest.mark.parametrize("case", params(RESOURCES))
def test_resource_case(case: dict[str, Any]) -> None:
    variables = case.get("variables", True)
    ctx = normalize_context(case.get("context", {}))
    matcher = compile_resource(case["pattern"], variables=variables)
    assert matcher.matches(case["arn"], ctx) is case["expected"]
    assert matcher.has_variables is (variables and "${aws:" in case["pattern"].lower())


@pytest.mark.parametrize("case", params(RESOURCES))
def test_arn_like_matches_as_resource_does(case: dict[str, Any]) -> None:
    """ArnLike compares "each of the six colon-delimited components" as the Resource element does."""
    ctx = normalize_context({**case.get("context", {}), "test:arn": case["arn"]})
    cond = compile_condition("ArnLike", "test:arn", [case["pattern"]], variables=case.get("variables", True))
    assert cond.evaluate(ctx) is case["expected"]


def test_both_outcomes_present() -> None:
    for cases in (ACTIONS, RESOURCES):
        assert {c["expected"] for c in cases} == {True, False}
