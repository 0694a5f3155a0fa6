"""The positioned JSON reader's fast paths (strings read by one regex match, white space skipped by regex, line
lookup by bisect) give the values, positions and errors of a character-by-character reading: each case says what a
reading by hand gives (1-based line and column, RFC 8259: https://www.rfc-editor.org/rfc/rfc8259)."""

from __future__ import annotations

import pytest

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json


def _shape(n: JNode) -> object:
    if n.kind == "object":
        return [(m.key, (m.key_pos.line, m.key_pos.column), _shape(m.node)) for m in n.members]
    if n.kind == "array":
        return [_shape(x) for x in n.items]
    return (n.value, (n.pos.line, n.pos.column))


VALUES = [
    ("plain_string_and_key", '{"a": "x"}', [("a", (1, 2), ("x", (1, 7)))]),
    ("escaped_quote_on_third_line", '{\n  "a":\n   "b\\"c"}', [("a", (2, 3), ('b"c', (3, 4)))]),
    ("unicode_and_newline_escapes", '["ab\\u00e9", "\\n"]', [("ab\u00e9", (1, 2)), ("\n", (1, 14))]),
    ("surrogate_pair_escape", '["\\ud83d\\ude00x"]', [("\U0001F600x", (1, 2))]),
    ("crlf_and_tab_white_space", '\r\n [ "a" ,\n\t"b"]', [("a", (2, 4)), ("b", (3, 2))]),
    ("non_ascii_text_kept", '{"k\u00e9y": "v\u00e4l"}', [("k\u00e9y", (1, 2), ("v\u00e4l", (1, 9)))]),
    ("empty_string", '[""]', [("", (1, 2))]),
]

ERRORS = [
    ("control_character_in_string", '"ab\x01c"', "Control character in string (escape it, e.g. \\n)", (1, 4)),
    ("unterminated_string", '"abc', "Unterminated string", (1, 5)),
    ("unterminated_after_backslash", '"ab\\', "Unterminated string", (1, 5)),
    ("invalid_escape", '"a\\qb"', "Invalid escape '\\q' in string", (1, 3)),
    ("missing_colon", '{"k" "v"}', "Expected ':' after the object key", (1, 6)),
    ("newline_inside_string", '{\n "a": "x\ny"}', "Control character in string (escape it, e.g. \\n)", (2, 9)),
]


@pytest.mark.parametrize(("name", "text", "expected"), VALUES, ids=[c[0] for c in VALUES])
def test_values_and_positions(name: str, text: str, expected: object) -> None:
    assert _shape(parse_json(text)) == expected


@pytest.mark.parametrize(("name", "text", "message", "where"), ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_located(name: str, text: str, message: str, where: tuple[int, int]) -> None:
    with pytest.raises(JsonSyntaxError) as caught:
        parse_json(text)
    assert caught.value.message == message
    assert caught.value.pos == Position(*where)


def test_positions_are_ordinary_positions() -> None:
    """Positions built through the slots compare, hash and print like ``Position(line, column)``."""
    pos = parse_json('\n  "x"').pos
    assert pos == Position(2, 3)
    assert hash(pos) == hash(Position(2, 3))
    assert repr(pos) == "Position(line=2, column=3)"
    assert type(pos) is Position
