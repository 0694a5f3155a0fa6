"""Fuzz the positioned reader's fast path against the precise reader (see tests/test_jsonpos_fast.py): generated
documents in every layout, well-formed or broken, give the same tree or the same error. A short pass in `make test`,
PARC_FUZZ_SECONDS each in `make fuzz`."""

from __future__ import annotations

import sys
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsonpos_docs import assert_same, broken, document


@fuzz
@given(document())
def test_fuzz_generated_json_reads_alike(text: str) -> None:
    assert_same(text)


@fuzz
@given(broken())
def test_fuzz_broken_json_fails_alike(text: str) -> None:
    assert_same(text)
