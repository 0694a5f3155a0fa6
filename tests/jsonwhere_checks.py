"""The properties of parc.core.policy.jsonwhere, of ``jsonpos.loads``' first keys, of ``jsonpos.parse_span`` and of
``jsonshape``, for the unit tests (tests/test_jsonwhere.py) and the fuzz tests (tests/fuzz/test_fuzz_jsonwhere.py):
every position is the positioned reader's, every value the one a reader of first keys gives, every value read from
its span the reader's subtree, plain values' content keys telling texts apart as the trees' shapes do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import strategies as st

from parc.core.findings import Position
from parc.core.policy.jsonpos import _DEEP, JNode, JsonSyntaxError, _Pairs, loads, parse_json, parse_span
from parc.core.policy.jsonshape import shape, value_content
from parc.core.policy.jsonwhere import ANY, Path, deepest, spans, where


def subtrees(node: JNode, path: Path = ()) -> dict[Path, JNode]:
    """Every node of a positioned tree by its path (a repeated key: its first occurrence)."""
    out = {path: node}
    if node.kind == "object":
        for m in node.members:
            sub = (*path, m.key)
            if sub not in out:
                out.update((k, v) for k, v in subtrees(m.node, sub).items() if k not in out)
    elif node.kind == "array":
        for i, item in enumerate(node.items):
            out.update(subtrees(item, (*path, i)))
    return out


def nodes(node: JNode) -> dict[Path, Position]:
    """Every node's position by its path (``subtrees``)."""
    return {path: n.pos for path, n in subtrees(node).items()}


def _tree(text: str) -> JNode | None:
    """The positioned reader's tree of the text, or None when it refuses it (those texts are check_broken's)."""
    try:
        return parse_json(text)
    except JsonSyntaxError:
        return None


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


def check_patterns(text: str, draw: Any) -> None:
    """Every node some drawn patterns (paths of the document, some parts made ANY) name, at the reader's position."""
    tree = _tree(text)
    if tree is None:
        return
    everything = nodes(tree)
    known = sorted(everything, key=repr)
    patterns = set()
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(known))
        stars = draw(st.sets(st.integers(0, max(len(path) - 1, 0)))) if path else set()
        patterns.add(tuple(ANY if k in stars else p for k, p in enumerate(path)))
    try:
        got = where(text, patterns)
    except ValueError as exc:  # two patterns with ANY and a key at one level: refused, said
        assert "ANY shares its level" in str(exc)
        return
    assert got == {p: pos for p, pos in everything.items() if any(matches(q, p) for q in patterns)}, repr(text)


def check_deepest(text: str, draw: Any) -> None:
    """A path (of the document, or changed) at the position of its deepest node that exists."""
    try:
        tree = parse_json(text)
    except JsonSyntaxError:
        return
    known = sorted(nodes(tree), key=repr)
    paths = [parts_of(draw, known) for _ in range(3)]
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


def check_broken(text: str) -> None:
    """A text the positioned reader refuses: its error; one it reads: its root position."""
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


def check_loads(text: str) -> None:
    """``loads(first_key_wins=True)`` gives the values the positions are of, by json or from the positioned tree;
    ``repeated`` names each repetition; without the option, json's own rule (the last value)."""
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
    assert json.dumps(loads(text)) == json.dumps(tree.to_python())


def same_tree(a: JNode, b: JNode) -> bool:
    """Two positioned trees alike in every node, key and position."""
    if (a.kind, a.pos) != (b.kind, b.pos):
        return False
    if a.kind == "object":
        return len(a.members) == len(b.members) and all(
            (x.key, x.key_pos) == (y.key, y.key_pos) and same_tree(x.node, y.node)
            for x, y in zip(a.members, b.members, strict=True))
    if a.kind == "array":
        return len(a.items) == len(b.items) and all(same_tree(x, y) for x, y in zip(a.items, b.items, strict=True))
    return type(a.value) is type(b.value) and a.value == b.value


def check_spans(text: str, draw: Any) -> None:
    """``spans`` names each node's position as ``where`` does, and the value read from its span with
    ``parse_span`` is the positioned reader's subtree there, positions included."""
    tree = _tree(text)
    if tree is None:
        return
    everything = subtrees(tree)
    known = sorted(everything, key=repr)
    patterns = {draw(st.sampled_from(known)) for _ in range(draw(st.integers(1, 4)))}
    got = spans(text, patterns)
    assert got is not None, repr(text)
    assert {p: pos for p, (pos, _, _) in got.items()} == where(text, patterns)
    for path, (pos, start, end) in got.items():
        assert same_tree(parse_span(text, start, end, pos, len(path)), everything[path]), (text, path)


def check_value_content(text: str, other: str) -> None:
    """Plain values' content key (``value_content``) tells two texts apart exactly as their positioned trees'
    shapes do, for texts with no key given twice (plain values keep one of them: their callers read such texts with
    positions); the same document laid out again has the same key."""
    keys, shapes = [], []
    # Laid out again with its characters as they are: escaped, a lone surrogate beside an escaped one would read
    # back as one character (a pair), another content.
    for t in (text, other, json.dumps(loads(text) if _plain(text) else None, indent=1, ensure_ascii=False)):
        if not _plain(t):
            return
        keys.append(value_content(loads(t)))
        shapes.append(shape(parse_json(t)))
    assert (keys[0] == keys[1]) == (shapes[0] == shapes[1]), (text, other)
    assert keys[0] == keys[2] and shapes[0] == shapes[2], text


def _plain(text: str) -> bool:
    try:
        parse_json(text)
    except JsonSyntaxError:
        return False
    repeated: list[str] = []
    loads(text, first_key_wins=True, repeated=repeated)
    return not repeated
