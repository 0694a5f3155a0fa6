"""Fuzz parc.core.policy.jsonwhere, ``jsonpos.loads``' first keys, ``jsonpos.parse_span`` and ``jsonshape``
against the positioned reader (see tests/test_jsonwhere.py): every position the reader's, every value a first-key
reader's, every span's value the reader's subtree, every content key as the tree's shape, the same error for what is
not JSON. A short pass in `make test`, PARC_FUZZ_SECONDS each in `make fuzz`."""

from __future__ import annotations

import sys
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsonpos_docs import broken, document
from jsonwhere_checks import check_broken, check_deepest, check_loads, check_patterns, check_spans, check_value_content


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


@fuzz
@given(document(), st.data())
def test_fuzz_values_read_from_their_spans_are_the_readers_subtrees(text: str, data: st.DataObject) -> None:
    check_spans(text, data.draw)


@fuzz
@given(document(), document())
def test_fuzz_content_keys_tell_texts_apart_as_shapes_do(text: str, other: str) -> None:
    check_value_content(text, other)
