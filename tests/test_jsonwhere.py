"""Positions of chosen paths without a positioned tree (parc.core.policy.jsonwhere) are exactly the positioned
reader's: for every node a pattern names, the position ``parse_json`` gives that node (a repeated key followed at
its first occurrence, as ``JNode.get``); for a path that is not all there, its deepest node's, as ``locate.find``
(``loaders.locate``) shows a finding; and for a text that is not JSON, the positioned reader's error.

Generated documents (tests/jsonpos_docs.py: every layout, escapes, repeated keys, broken ones beside them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonpos_docs import broken, document
from parc.core.findings import Position
from parc.core.policy import jsonwhere
from parc.core.policy.jsonpos import _DEEP, JNode, JsonSyntaxError, parse_json
from parc.core.policy.jsonwhere import ANY, Path, deepest, path_parts, render, where

EXAMPLES = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def nodes(node: JNode, path: Path = ()) -> dict[Path, Position]:
    """Every node of a positioned tree by its path (a repeated key: its first occurrence)."""
    out = {path: node.pos}
    if node.kind == "object":
        for m in node.members:
            sub = (*path, m.key)
            if sub not in out:
                out.update((k, v) for k, v in nodes(m.node, sub).items() if k not in out)
    elif node.kind == "array":
        for i, item in enumerate(node.items):
            out.update(nodes(item, (*path, i)))
    return out


def matches(pattern: tuple[Any, ...], path: Path) -> bool:
    return len(pattern) == len(path) and all(p is ANY or p == q for p, q in zip(pattern, path, strict=True))


def parts_of(draw: Any, known: list[Path]) -> Path:
    """A path of the document (or a prefix of one), maybe with a part changed or added."""
    path = list(draw(st.sampled_from(known)))
    how = draw(st.integers(0, 3))
    if how == 1:
        path.append(draw(st.sampled_from(["Effect", "a", "dup", "", 0, 1, 7])))
    elif how == 2 and path:
        path[draw(st.integers(0, len(path) - 1))] = draw(st.sampled_from(["nope", "dup", 0, 2, 9]))
    return tuple(path)


@EXAMPLES
@given(document(), st.data())
def test_every_node_a_pattern_names_is_where_the_positioned_reader_puts_it(text: str, data: st.DataObject) -> None:
    try:
        tree = parse_json(text)
    except JsonSyntaxError:
        return
    everything = nodes(tree)
    known = sorted(everything, key=repr)
    patterns = set()
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(known))
        stars = data.draw(st.sets(st.integers(0, max(len(path) - 1, 0)))) if path else set()
        patterns.add(tuple(ANY if k in stars else p for k, p in enumerate(path)))
    try:
        got = where(text, patterns)
    except ValueError as exc:  # two patterns with ANY and a key at one level: refused, said
        assert "ANY shares its level" in str(exc)
        return
    assert got == {p: pos for p, pos in everything.items() if any(matches(q, p) for q in patterns)}, repr(text)


@EXAMPLES
@given(document(), st.data())
def test_a_path_is_shown_at_its_deepest_node_as_locate_finds_it(text: str, data: st.DataObject) -> None:
    try:
        tree = parse_json(text)
    except JsonSyntaxError:
        return
    known = sorted(nodes(tree), key=repr)
    paths = [parts_of(data.draw, known) for _ in range(3)]
    got = deepest(text, paths)
    for p in paths:
        at: JNode = tree
        best = at.pos
        for part in p:
            if isinstance(part, str) and at.kind == "object" and (m := at.get(part)) is not None:
                at = m.node
            elif isinstance(part, int) and at.kind == "array" and part < len(at.items):
                at = at.items[part]
            else:
                break
            best = at.pos
        assert got[p] == best, (text, p)


@EXAMPLES
@given(broken())
def test_a_text_that_is_not_json_fails_as_the_positioned_reader_fails(text: str) -> None:
    try:
        tree = parse_json(text)
    except JsonSyntaxError as exc:
        if exc.message == _DEEP:  # the walk does not count nesting it skips (the module says so): any answer
            return
        with pytest.raises(JsonSyntaxError) as got:
            where(text, [(ANY,), ()])
        assert (got.value.message, got.value.pos) == (exc.message, exc.pos)
        return
    assert where(text, [()]) == {(): tree.pos}


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


def first_values(node: JNode, repeated: list[str]) -> object:
    """The values a reader of first keys gives (``JNode.get``'s), the repeated keys recorded in document order."""
    if node.kind == "object":
        out: dict[str, object] = {}
        for m in node.members:
            value = first_values(m.node, repeated)
            if m.key in out:
                repeated.append(m.key)
            else:
                out[m.key] = value
        return out
    if node.kind == "array":
        return [first_values(n, repeated) for n in node.items]
    return node.value


@EXAMPLES
@given(document())
def test_loads_reads_first_keys_as_the_positions_do_and_says_which_repeat(text: str) -> None:
    """``jsonpos.loads(first_key_wins=True)`` gives the values the positions are of (``where`` follows a repeated
    key's first value), by json or, past its limits, from the positioned tree; ``repeated`` names each repetition."""
    from parc.core.policy.jsonpos import _Pairs, loads

    try:
        tree = parse_json(text)
    except JsonSyntaxError:
        return
    expected: list[str] = []
    want = first_values(tree, expected)
    got: list[str] = []
    value = loads(text, first_key_wins=True, repeated=got)
    assert json.dumps(value) == json.dumps(want) and sorted(got) == sorted(expected), repr(text)
    from_tree: list[str] = []  # the path for documents json cannot read (deeper than its stack)
    assert json.dumps(_Pairs(True, from_tree).python(tree)) == json.dumps(want)
    assert sorted(from_tree) == sorted(expected)
    assert json.dumps(loads(text)) == json.dumps(tree.to_python())  # json's own rule (the last) unchanged
