"""Generated JSON texts for the differential tests of the positioned reader (tests/test_jsonpos_fast.py and
tests/fuzz/test_fuzz_jsonpos_fast.py): well-formed documents in every layout, and broken ones beside them; and the
comparison of what the fast path and the precise reader give (the same tree, position for position, or the same
error)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from parc.core.limits import MAX_DEPTH, MAX_NUMBER_CHARS
from parc.core.policy.jsonpos import JNode, _Reader, parse_json

WHITE = st.sampled_from(["", "", "", " ", "\n", "\r\n", "\t", "  \n   ", "\n\n", " \r", "\n\t "])
NUMBER = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,8})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["0", "-0", "-0.0", "0e0", "1E400", "-1e-400", "1" * MAX_NUMBER_CHARS, "1" * (MAX_NUMBER_CHARS + 1),
                     "0." + "5" * (MAX_NUMBER_CHARS - 2), "01", "1.", "-", "1e", "+1", ".5", "1.5e+"]),
)
KEYS = st.sampled_from(["Effect", "Action", "Resource", "a", "", "k\u00e9y", "\U0001F600", "dup", "dup"])
TEXT = st.one_of(KEYS, st.text(max_size=12),
                 st.text(alphabet=st.sampled_from('ab"\\/\x00\x1f\n\t\u00e9\u2028\ud800\udc00\U0001F600'), max_size=8))
ESCAPE_SEQUENCES = st.sampled_from(["\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\u00E9", "\\ud83d\\ude00", "\\ud800",
                                    "\\udc00x", "\\ud800\\u0041", "\\q", "\\u12", "\\uzzzz", "\\", "\\x41"])


@st.composite
def string_text(draw: st.DrawFn, value: str) -> str:
    """A JSON string for ``value``: raw when it can be, escaped by json (ASCII or not), or with a hand-written escape
    (valid or not) in the middle."""
    how = draw(st.integers(0, 3))
    if how == 0:
        return '"' + value + '"'  # raw: control characters and quotes stay as they are (maybe broken)
    if how == 1:
        return json.dumps(value, ensure_ascii=draw(st.booleans()))
    body = json.dumps(value, ensure_ascii=False)[1:-1]
    cut = draw(st.integers(0, len(body)))
    return '"' + body[:cut] + draw(ESCAPE_SEQUENCES) + body[cut:] + '"'


@st.composite
def document(draw: st.DrawFn, depth: int = 0) -> str:
    """A JSON text (usually well-formed) with drawn white space around every token."""
    kind = draw(st.integers(0, 9 if depth < 5 else 5))
    w = [draw(WHITE) for _ in range(3)]
    if kind <= 1:
        return w[0] + draw(string_text(draw(TEXT))) + w[1]
    if kind == 2:
        return w[0] + draw(NUMBER) + w[1]
    if kind == 3:
        return w[0] + draw(st.sampled_from(["true", "false", "null"])) + w[1]
    if kind in (4, 5):
        return w[0] + ("{" if kind == 4 else "[") + w[1] + ("}" if kind == 4 else "]") + w[2]
    n = draw(st.integers(1, 5))
    if kind in (6, 7):
        members = [draw(WHITE) + draw(string_text(draw(KEYS))) + draw(WHITE) + ":" + draw(document(depth + 1))
                   for _ in range(n)]
        return w[0] + "{" + ",".join(members) + w[1] + "}" + w[2]
    return w[0] + "[" + ",".join(draw(document(depth + 1)) for _ in range(n)) + w[1] + "]" + w[2]


@st.composite
def broken(draw: st.DrawFn) -> str:
    """A document, maybe broken: cut short, a character inserted, removed or replaced, a trailing comma, nested too
    deep, a byte-order mark in front."""
    text = draw(document())
    how = draw(st.integers(0, 8))
    at = draw(st.integers(0, len(text)))
    odd = draw(st.sampled_from([",", "]", "}", "[", "{", ":", '"', "\\", "\x01", "\x00", "\u00a0", "\ufeff", "\f",
                                "\v", "\n", "\r", "0", "-", "e", ".", "t", "x", "\u2028", "\ud800"]))
    if how == 0:
        return text[:at]
    if how == 1:
        return text[:at] + odd + text[at:]
    if how == 2:
        return text[:at] + text[at + 1 :]
    if how == 3:
        return text[:at] + odd + text[at + 1 :]
    if how == 4:
        stripped = text.rstrip()
        return stripped[:-1] + ",]" if stripped.endswith("]") else stripped[:-1] + ',"a":1,}'
    if how == 5:
        n = draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1]))
        inner = draw(st.sampled_from(["", "1", '{"a":[]}', "[]"]))
        return "[" * n + inner + "]" * n
    if how == 6:
        n = draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH]))
        return '{"a":' * n + text.strip() + "}" * n
    if how == 7:
        return "\ufeff" + text
    return text


def shape(node: JNode) -> Any:
    """Everything a tree holds, types included (1 and 1.0, 0.0 and -0.0 differ), positions as (line, column)."""
    where = (type(node.pos), node.pos.line, node.pos.column)
    if node.kind == "object":
        return ("object", where, [(m.key, (type(m.key_pos), m.key_pos.line, m.key_pos.column), shape(m.node))
                                  for m in node.members])
    if node.kind == "array":
        return ("array", where, [shape(n) for n in node.items])
    return (node.kind, where, type(node.value), repr(node.value))


def outcome(read: Any, text: str) -> Any:
    try:
        return shape(read(text))
    except Exception as exc:  # compared: type, message and position
        pos = getattr(exc, "pos", None)
        return (type(exc), str(exc), getattr(exc, "message", None), pos and (type(pos), pos.line, pos.column))


def precise(text: str) -> JNode:
    return _Reader(text).document()


def assert_same(text: str) -> None:
    """parse_json (the fast path, the precise reader when it gives up) and the precise reader alone agree."""
    assert outcome(parse_json, text) == outcome(precise, text), repr(text)
