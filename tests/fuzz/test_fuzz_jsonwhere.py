"""Fuzz parc.core.policy.jsonwhere and ``jsonpos.loads``' first keys against the positioned reader (see
tests/test_jsonwhere.py): every position the reader's, every value a first-key reader's, the same error for what is
not JSON. A short pass in `make test`, PARC_FUZZ_SECONDS each in `make fuzz`."""

from __future__ import annotations

import sys
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsonpos_docs import broken, document
from jsonwhere_checks import check_broken, check_deepest, check_loads, check_patterns


@fuzz
@given(document(), st.data())
def test_fuzz_patterns_are_where_the_reader_puts_them(text: str, data: st.DataObject) -> None:
    check_patterns(text, data.draw)


@fuzz
@given(document(), st.data())
def test_fuzz_paths_are_shown_at_their_deepest_node(text: str, data: st.DataObject) -> None:
    check_deepest(text, data.draw)


@fuzz
@given(broken())
def test_fuzz_broken_text_fails_as_the_reader_fails(text: str) -> None:
    check_broken(text)


@fuzz
@given(document())
def test_fuzz_loads_reads_first_keys(text: str) -> None:
    check_loads(text)
