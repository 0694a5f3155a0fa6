"""Positions of chosen paths without a positioned tree (parc.core.policy.jsonwhere) are exactly the positioned
reader's: for every node a pattern names, the position ``parse_json`` gives that node (a repeated key followed at
its first occurrence, as ``JNode.get``); for a path that is not all there, its deepest node's, as ``loaders.locate``
shows a finding; and for a text that is not JSON, the positioned reader's error. ``jsonpos.loads`` reads the first
value of a repeated key when asked, as the positions do, and says which keys repeat.

Generated documents (tests/jsonpos_docs.py: every layout, escapes, repeated keys, broken ones beside them); the
properties are in tests/jsonwhere_checks.py (tests/fuzz/test_fuzz_jsonwhere.py runs them longer)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonpos_docs import broken, document
from jsonwhere_checks import (
    check_broken,
    check_deepest,
    check_loads,
    check_patterns,
    check_spans,
    check_value_content,
    nodes,
    same_tree,
    subtrees,
)
from parc.core.findings import Position
from parc.core.limits import MAX_DEPTH
from parc.core.policy import jsonpos, jsonwhere
from parc.core.policy.jsonpos import JsonLimitError, JsonSyntaxError, parse_json, parse_span
from parc.core.policy.jsonshape import shape, too_deep, value_content
from parc.core.policy.jsonwhere import ANY, path_parts, render, spans, where

EXAMPLES = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@EXAMPLES
@given(document(), st.data())
def test_every_node_a_pattern_names_is_where_the_positioned_reader_puts_it(text: str, data: st.DataObject) -> None:
    check_patterns(text, data.draw)


@EXAMPLES
@given(document(), st.data())
def test_a_path_is_shown_at_its_deepest_node_as_locate_finds_it(text: str, data: st.DataObject) -> None:
    check_deepest(text, data.draw)


@EXAMPLES
@given(broken())
def test_a_text_that_is_not_json_fails_as_the_positioned_reader_fails(text: str) -> None:
    check_broken(text)


@EXAMPLES
@given(document())
def test_loads_reads_first_keys_as_the_positions_do_and_says_which_repeat(text: str) -> None:
    check_loads(text)


def test_the_walk_reads_plain_documents_without_the_positioned_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the module: a well-formed file is walked, never parsed with positions (that is the fallback)."""
    text = json.dumps({"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [{"FromPort": 22}, {}]},
                                          {"GroupId": "sg-2", "Tags": [{"Key": "a", "Value": "b"}]}]}, indent=1)
    expected = nodes(parse_json(text))
    monkeypatch.setattr(jsonwhere, "parse_json", lambda _text: pytest.fail("parsed with positions"))
    got = where(text, [("SecurityGroups", ANY), ("SecurityGroups", ANY, "IpPermissions", ANY)])
    assert got == {p: expected[p] for p in [("SecurityGroups", 0), ("SecurityGroups", 0, "IpPermissions", 0),
                                            ("SecurityGroups", 0, "IpPermissions", 1), ("SecurityGroups", 1)]}
    assert got[("SecurityGroups", 1)] == Position(12, 3)  # indent=1: "{" of the second group, line 12


@pytest.mark.parametrize("text", [
    '{"a": NaN}', '{"a": 1' + "0" * 400 + "}", '{"a": [1, 2,]}', '{"a": 1} x', '{"a" 1}', "[1 2]", '{"a": "\x01"}',
])
def test_what_json_or_the_walk_would_accept_is_the_positioned_readers_to_judge(text: str) -> None:
    """NaN and numbers past the positioned reader's limit (which ``json`` reads), and syntax errors: its error."""
    with pytest.raises(JsonSyntaxError) as exc:
        parse_json(text)
    with pytest.raises(JsonSyntaxError) as got:
        where(text, [("a",)])
    assert (got.value.message, got.value.pos) == (exc.value.message, exc.value.pos)


def test_path_parts_reads_the_dotted_form_up_to_what_is_not_a_key_or_index() -> None:
    assert path_parts("SecurityGroups[3].IpPermissions[0].FromPort") == (
        "SecurityGroups", 3, "IpPermissions", 0, "FromPort")
    assert path_parts("[2].a") == (2, "a")
    assert path_parts("a[x].b") == ("a",)
    assert path_parts("") == ()
    assert render(("Volumes", 3, "Encrypted")) == "Volumes[3].Encrypted"
    assert render((0, "a")) == "[0].a"


def test_a_wildcard_beside_a_key_at_one_level_is_refused() -> None:
    with pytest.raises(ValueError, match="ANY shares its level"):
        where("{}", [("a", ANY), ("a", "b")])


@EXAMPLES
@given(document(), st.data())
def test_a_value_read_from_its_span_is_the_positioned_readers_subtree(text: str, data: st.DataObject) -> None:
    check_spans(text, data.draw)


@EXAMPLES
@given(document(), document())
def test_plain_values_content_tells_texts_apart_as_the_tree_shapes_do(text: str, other: str) -> None:
    check_value_content(text, other)


def test_the_content_key_keeps_what_json_tells_apart() -> None:
    texts = ['{"a": 1}', '{"a": 1.0}', '{"a": true}', '{"a": "1"}', '{"a": [1]}', '{"b": 2, "a": 1}',
             '{"a": 1, "b": 2}', '{"a": 1e2}', '{"a": 100.0}', '{"a": "\\u00e9"}', '{"a": "\u00e9"}',
             '{"a": "\\ud800\\udc00"}', '{"a": "\U00010000"}', '{"a": "\ud800\\udc00"}']  # a pair, its char, not
    for a in texts:
        for b in texts:
            assert (value_content(json.loads(a)) == value_content(json.loads(b))) == (
                shape(parse_json(a)) == shape(parse_json(b))), (a, b)


def test_a_span_the_fast_reader_gives_up_on_is_read_by_the_precise_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """``parse_span``'s second way (the character-by-character reader, from the span's offset), forced: the same
    tree, in the whole text's positions."""
    text = '{"a": [1, {"b": "x\\u00e9",\n   "c": [true, null, -1.5e3]}],\n "d": {}}'
    tree = parse_json(text)
    found = spans(text, [("a", 1), ("d",), ("a", 1, "c")])
    assert found is not None
    monkeypatch.setattr(jsonpos._fast, "read", lambda *_args, **_kw: None)
    for path, (pos, start, end) in found.items():
        want = subtrees(tree)[path]
        assert same_tree(parse_span(text, start, end, pos, len(path)), want), path


@pytest.mark.parametrize("read_fast", [True, False])
def test_nesting_counts_the_containers_around_a_span_as_the_whole_read_does(read_fast: bool,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A value whose nesting, with the two containers around it, passes MAX_DEPTH is refused from its span (by
    either reader) and by ``too_deep`` exactly where ``parse_json`` refuses the whole text."""
    if not read_fast:
        monkeypatch.setattr(jsonpos._fast, "read", lambda *_args, **_kw: None)
    for inner in (MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH - 1):
        text = '{"a": [' + "[" * inner + "]" * inner + "]}"
        found = spans(text, [("a", 0)])
        assert found is not None
        pos, start, end = found[("a", 0)]
        try:
            parse_json(text)
            whole_ok = True
        except JsonLimitError:
            whole_ok = False
        assert whole_ok == (inner <= MAX_DEPTH - 2)
        if whole_ok:
            assert parse_span(text, start, end, pos, 2).kind == "array"
            assert not too_deep(json.loads(text)["a"][0], 2)
        else:
            with pytest.raises(JsonLimitError):
                parse_span(text, start, end, pos, 2)
            assert too_deep(json.loads(text)["a"][0], 2)


def test_spans_of_a_text_the_walk_does_not_read_are_none() -> None:
    assert spans('{"a": NaN}', [("a",)]) is None
    assert spans('{"a": [1, 2,]}', [("a",)]) is None
