"""The cost of validation grows linearly with the policy (issue 19), measured in work-meter steps, not seconds.

Each family below is a policy shape that made the old containment search or regular expressions blow up: the
issue's forty ARNs beside one ``?*?*?*...`` resource (about 50 s for 3 KB), actions like ``*a*a*a*a*b`` (polynomial
backtracking), and tens of wildcard ARNs sharing their first fields (the shape of AWS managed policies). Doubling
the input may at most about double the work.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.lint import validate
from parc.core.lint.containment import WORK_BASE, WORK_PER_CHAR, WorkMeter, exact_contains, glob_contains, glob_matches
from parc.core.policy.model import PolicyType

V = "2012-10-17"


def _policy(actions: object, resources: object) -> str:
    return json.dumps({"Version": V, "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]})


FAMILIES: dict[str, Callable[[int], str]] = {
    "forty_arns_and_star_question_runs": lambda k: _policy(
        "s3:GetObject", [f"arn:aws:s3:::bucket-{i}/key" for i in range(40)] + ["arn:aws:s3:::" + "?*" * k]
    ),
    "wildcard_arns_and_star_question_x_runs": lambda k: _policy(
        "s3:GetObject", [f"arn:aws:s3:::*b{i}*/*?" for i in range(40)] + ["arn:aws:s3:::" + "?*x" * k]
    ),
    "star_a_star_a_actions": lambda k: _policy([f"s3:*Get{i}*" for i in range(40)] + ["s3:" + "*a" * k + "*b"], "*"),
    "many_arns_sharing_their_first_fields": lambda k: _policy(
        "ssm:GetDocument", [f"arn:aws:ssm:*::document/AWS{i}-*" for i in range(k // 10)]
    ),
}


def steps(text: str) -> int:
    meter = WorkMeter(None)
    result = validate(text, PolicyType.IDENTITY, None, meter=meter)
    assert not any(f.code in ("REDUNDANCY_NOT_CHECKED", "INTERNAL_ERROR") for f in result.findings)
    return meter.steps


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_doubling_the_input_at_most_doubles_the_work(family: str) -> None:
    make = FAMILIES[family]
    for k in (200, 400, 800):
        small, big = make(k), make(2 * k)
        s, b = steps(small), steps(big)
        assert b <= 3 * max(s, 1), (family, k, s, b)
        assert b <= 64 * len(big) + 10_000, (family, k, b, len(big))


def test_the_limit_stops_an_adversarial_comparison_and_says_so() -> None:
    """Both patterns need ``?`` beside literals: the last-resort exact search runs, and the meter stops it."""
    text = _policy("s3:GetObject", ["arn:aws:s3:::" + "*??aa*" * 60, "arn:aws:s3:::" + "?*aa??a*a" * 60])
    meter = WorkMeter(WORK_BASE + WORK_PER_CHAR * len(text))
    found = [f for f in validate(text, PolicyType.IDENTITY, None, meter=meter).findings]
    assert [f.code for f in found if f.code.startswith("REDUNDAN")] == ["REDUNDANCY_NOT_CHECKED"]
    assert meter.limit is not None and meter.steps <= meter.limit + 10 * len(text)


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("?*" * 500, "abc", False),  # at least 500 characters
        ("?*" * 3, "abc", True),
        ("*a" * 30 + "*b", "a" * 200 + "c", False),
        ("*a" * 30 + "*b", "a" * 200 + "b", True),
        ("arn:aws:s3:::?*", "arn:aws:s3:::" + "?*" * 400, True),
        ("arn:aws:s3:::" + "?*" * 400, "arn:aws:s3:::?*", False),
        ("*??aa*", "?*aa??a*a", False),  # settled only by the exact search: a counterexample is "baabbaba"
        ("a*b*c", "a*x*b*y*c", True),
        ("a?*", "a*?", True),
    ],
)
def test_containment_answers(outer: str, inner: str, expected: bool) -> None:
    meter = WorkMeter(100_000)
    assert glob_contains(outer, inner, meter=meter) is expected
    if "?" not in inner and "*" not in inner:
        assert glob_matches(outer, inner) is expected


_pattern = st.text(alphabet="ab*?", max_size=8)


@settings(max_examples=500, deadline=None)
@given(outer=_pattern, inner=_pattern)
def test_fast_containment_agrees_with_the_exact_search(outer: str, inner: str) -> None:
    """The normalisation, the alignment and the counterexample strings answer as the exhaustive search does."""
    assert glob_contains(outer, inner) is exact_contains(outer, inner, None)


def test_a_pair_refuted_by_a_short_run_needs_no_exact_search() -> None:
    """Found by the fuzz pass of 2026-12-07: "*a??a*a?" does not cover "arn:aws:s3:::*baab*a????ab" (a run of two
    foreign characters in the first ``*`` leaves no "a??a"), which the concrete strings tried (runs of 0 and 1) missed
    and the exact search found at 25,000 steps; runs up to the longest chunk of the covering pattern refute it."""
    meter = WorkMeter(None)
    assert glob_contains("*a??a*a?", "arn:aws:s3:::*baab*a????ab", meter=meter) is False
    assert meter.steps < 1_000
    assert exact_contains("*a??a*a?", "arn:aws:s3:::*baab*a????ab", None) is False
    assert glob_matches("arn:aws:s3:::*baab*a????ab", "arn:aws:s3:::baabxxaxxxxab")
    assert not glob_matches("*a??a*a?", "arn:aws:s3:::baabxxaxxxxab")


@pytest.mark.xfail(strict=True, reason=(
    "Known gap (issue 19's cost bound, found by the short fuzz pass of tests/fuzz/test_fuzz_lint_cost.py on "
    "2026-12-07): for this pair neither the symbolic alignment nor the three counterexamples settle containment, so "
    "the exact search over automaton states runs, and costs 25,712 steps for 147 characters, above the 32 steps a "
    "character (+ 20,000) the fuzz test holds ordinary wildcard patterns to; it stays far under the work limit, so "
    "the answer is exact and bounded, only not linear. A cheaper exact search (the characters only one pattern "
    "names stepped as one class) would close it."))
def test_a_pair_that_needs_the_exact_search_stays_within_the_linear_budget() -> None:
    text = _policy(["s3:*"], ["arn:aws:s3:::aa*a?a*a??*a?ab", "*a?a*a???*a?*a?*"])
    meter = WorkMeter(WORK_BASE + WORK_PER_CHAR * len(text))
    result = validate(text, PolicyType.IDENTITY, None, meter=meter)
    assert "REDUNDANCY_NOT_CHECKED" not in {f.code for f in result.findings}
    assert meter.steps <= 32 * len(text) + 20_000
