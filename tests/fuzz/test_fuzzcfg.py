"""The fuzz harness itself: a decorated test runs, and a failure inside it is reported, not swallowed."""

from __future__ import annotations

import pytest
from fuzzcfg import FUZZ_SECONDS, SHORT_EXAMPLES, fuzz
from hypothesis import given
from hypothesis import strategies as st


def test_fuzz_runs_the_examples() -> None:
    seen: list[int] = []

    @fuzz
    @given(st.integers())
    def probe(n: int) -> None:
        seen.append(n)

    probe()
    if FUZZ_SECONDS <= 0:
        assert 1 <= len(seen) <= SHORT_EXAMPLES + 10
    else:  # make fuzz: batches until the time is up
        assert len(seen) > SHORT_EXAMPLES


def test_fuzz_reports_a_failure() -> None:
    @fuzz
    @given(st.integers(min_value=0, max_value=10))
    def probe(n: int) -> None:
        assert n < 5

    with pytest.raises(AssertionError):
        probe()
