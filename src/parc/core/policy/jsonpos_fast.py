"""The positioned JSON reader's fast path: one compiled token regex and a flat loop, for well-formed documents.

Why it is built this way: the character-by-character reader (``jsonpos._Reader``) pays a Python call per token (a
method for the value, one for white space, one for the position, one for the string), and loading an account
snapshot of a few thousand roles reads some 740,000 positioned values that way. Here ``re.finditer`` walks the whole
document in C and a single loop with an explicit stack of open containers builds the same tree: no recursion, no
call per token besides building the nodes. A match is a token with what usually follows it in a pretty-printed
document (a key with its colon; a value or a closing bracket with its comma and the line break after them), so most
lines are one or two turns of the loop, and which of those parts matched is read from the one number
``m.lastindex`` (each combination ends with a group of its own). Lines are counted as the loop meets their breaks
(a string may not hold a raw one), so a position is the current line and the offset from its start, not a search.

It reads only what it can read trivially and gives up (returns None) on anything else: a syntax error, a limit
(depth, number length), a character that is not RFC 8259 white space. The caller then reads the whole document
again with the precise reader, so every error message and position is that reader's, and a tree returned here is
exactly the one it would build (tests/test_jsonpos_fast.py and tests/fuzz/test_fuzz_jsonpos_fast.py check both on
generated and real documents).
Strings with escapes are matched here (valid escapes only) and decoded by the precise reader's own code.
"""

from __future__ import annotations

import re
from typing import Any

from parc.core.findings import Position
from parc.core.limits import MAX_DEPTH, MAX_NUMBER_CHARS
from parc.core.policy.jsonpos import JMember, JNode, _Reader

_BLANKS = r"[ \t\r]*+"
_THEN_NEWLINE = rf"(?:{_BLANKS}(\n))?"
_THEN_COMMA_NEWLINE = rf"(?:{_BLANKS}(?:(,){_BLANKS}(\n)?|(\n)))?"

# What a match is, by its m.lastindex: the kind of its token, and bits for a comma and a line break after it.
(_STRING, _KEY, _ESCAPED, _LBRACE, _LBRACKET, _RBRACE, _RBRACKET, _TRUE, _FALSE, _NULL, _INTEGER, _FRACTION,
 _NEWLINE, _COMMA, _COLON, _END) = range(16)
_OTHER = 16  # a character no token starts with: the precise reader says what is wrong
_KIND, _AND_COMMA, _AND_NEWLINE = 31, 32, 64


def _token_regex() -> tuple[re.Pattern[str], tuple[int, ...]]:
    """The token regex and, by group number, what a match whose last group is that one holds.

    Each token's own text is its first group; the groups after it close only when a comma or line break follows,
    so the last group to close (``m.lastindex``) names the combination. Leading blanks are possessive: they never
    give a blank back to the catch-all, so blanks at the very end of the text are part of the one END match, and
    every other character starts a match (finditer never skips text silently)."""
    parts: list[str] = []
    codes = [0]
    values = [(r'"([^"\\\x00-\x1f]*+)"', _STRING), (r"(\})", _RBRACE), (r"(\])", _RBRACKET), (r"(\{)", _LBRACE),
              (r"(\[)", _LBRACKET), (r'("(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+")', _ESCAPED),
              (r"(-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++(?:[eE][+-]?[0-9]++)?|[eE][+-]?[0-9]++))", _FRACTION),
              (r"(-?(?:0|[1-9][0-9]*+))", _INTEGER), ("(true)", _TRUE), ("(false)", _FALSE), ("(null)", _NULL)]
    for pattern, kind in values:
        if kind == _STRING:  # or a key, with its colon
            parts.append(pattern + rf"(?:{_BLANKS}(?:(:)|(,){_BLANKS}(\n)?|(\n)))?")
            codes += [kind, _KEY, kind | _AND_COMMA, kind | _AND_COMMA | _AND_NEWLINE, kind | _AND_NEWLINE]
        elif kind in (_LBRACE, _LBRACKET):
            parts.append(pattern + _THEN_NEWLINE)
            codes += [kind, kind | _AND_NEWLINE]
        else:
            parts.append(pattern + _THEN_COMMA_NEWLINE)
            codes += [kind, kind | _AND_COMMA, kind | _AND_COMMA | _AND_NEWLINE, kind | _AND_NEWLINE]
    for pattern, kind in (r"(\n)", _NEWLINE), ("(,)", _COMMA), ("(:)", _COLON), (r"(\Z)", _END), ("(.)", _OTHER):
        parts.append(pattern)
        codes.append(kind)
    return re.compile(f"{_BLANKS}(?:{'|'.join(parts)})", re.DOTALL), tuple(codes)


_TOKEN, _CODES = _token_regex()
# The group of each token kind's own text (its first group).
_GROUP = {kind: group for group, kind in reversed(list(enumerate(_CODES))) if group}

# What the loop expects next. Below _KEY_NEXT a value, below _COLON_NEXT a key.
_VALUE, _VALUE_OR_CLOSE, _KEY_NEXT, _KEY_OR_CLOSE, _COLON_NEXT, _AFTER = range(6)

_new = object.__new__
_ORIGIN = Position(0, 0)


class _Unfrozen:
    """Position's layout without its frozen ``__setattr__``: a position is built as one of these, its two slots set
    directly, then given its real class (``Position``, of the same layout: CPython checks it). That is a third
    cheaper than ``jsonpos._position`` (through the slots' descriptors), and a quarter of what ``Position(l, c)``
    costs; the object is the same (same class, fields, equality and hash)."""

    __slots__ = ("column", "line")
    line: int
    column: int


def _check_unfrozen() -> None:
    pos = _Unfrozen()
    pos.line, pos.column = 2, 3
    pos.__class__ = Position  # type: ignore[assignment]
    built: object = pos
    assert type(built) is Position and built == Position(2, 3) and hash(built) == hash(Position(2, 3))


_check_unfrozen()


def _escaped(text: str, start: int) -> str:
    """The string starting at ``start`` (its opening quote), decoded by the precise reader's own code. Its escapes
    are valid (the token regex checked them), so this never raises."""
    reader: _Reader = _new(_Reader)
    reader.s, reader.i, reader.n = text, start, len(text)
    return reader.string()


def read(text: str, start: int = 0, end: int | None = None, line: int = 1, before_line: int = -1,
         depth: int = 0) -> JNode | None:
    """The tree ``jsonpos._Reader(text).document()`` builds, or None when the text is not plain well-formed JSON
    (any error or limit): then the precise reader must read it, to say what and where.

    With ``start`` and ``end``: the value that spans ``text[start:end]`` (white space around it allowed), positioned
    as in the whole text: ``line`` is the line ``start`` is on and ``before_line`` the offset of that line's break
    (-1 on the first line); ``depth`` the containers around the value, which count toward the reader's nesting
    limit as they do when the whole text is read. A value nested past that limit gives None here as it makes the
    whole text's read fail."""
    # Everything the loop uses is local (LOAD_FAST): it runs once per token of documents of millions of characters.
    new, unfrozen, position, node_class, member_class, codes = _new, _Unfrozen, Position, JNode, JMember, _CODES
    key_code, string, escaped, rbrace, rbracket, lbrace, newline, comma, colon, true, null, integer = (
        _KEY, _STRING, _ESCAPED, _RBRACE, _RBRACKET, _LBRACE, _NEWLINE, _COMMA, _COLON, _TRUE, _NULL, _INTEGER)
    mask, and_comma, and_newline, max_depth, depth_around = _KIND, _AND_COMMA, _AND_NEWLINE, MAX_DEPTH, depth
    value_next, key_next, key_or_close, value_or_close, colon_next, after = (
        _VALUE, _KEY_NEXT, _KEY_OR_CLOSE, _VALUE_OR_CLOSE, _COLON_NEXT, _AFTER)
    group = _GROUP
    top: list[JNode] = []  # the document's value, in a list like an array's items
    cur: list[JNode] | list[JMember] = top  # the innermost open container's items or members
    in_obj = False
    stack: list[tuple[list[JNode] | list[JMember], bool]] = []  # the containers around it
    depth = 0
    max_depth -= depth_around
    state = value_next
    # line, before_line: the current line, and the offset before its first character
    key = ""
    key_pos: Any = _ORIGIN  # a Position (built as an _Unfrozen)
    m = None
    if end is None:
        end = len(text)
    if start == 0 and text.startswith("\ufeff"):
        start = 1
    for m in _TOKEN.finditer(text, start, end):
        code = codes[m.lastindex]  # type: ignore[index]
        if code == key_code:  # "key": (the most common token)
            if not key_next <= state <= key_or_close:
                return None
            key = m[1]
            key_pos = unfrozen()
            key_pos.line, key_pos.column = line, m.start(1) - 1 - before_line
            key_pos.__class__ = position
            state = value_next
            continue
        kind = code & mask
        if kind == string and state < key_next:  # a string value, then maybe a comma and a line break
            node = new(node_class)
            pos = unfrozen()
            pos.line, pos.column = line, m.start(1) - 1 - before_line
            pos.__class__ = position  # type: ignore[assignment]
            node.value, node.kind, node.pos = m[1], "string", pos  # type: ignore[assignment]
        elif kind == rbrace or kind == rbracket:  # noqa: SIM109  (no tuple built per token)
            if not ((state == after and depth and in_obj == (kind == rbrace))
                    or state == (key_or_close if kind == rbrace else value_or_close)):
                return None
            cur, in_obj = stack.pop()
            depth -= 1
            node = None  # the container closed is already in its parent: only the comma and line break follow
        elif kind == newline:
            line += 1
            before_line = m.end() - 1
            continue
        elif kind == comma:
            if state != after or not depth:
                return None
            state = key_next if in_obj else value_next
            continue
        elif kind == colon:
            if state != colon_next:
                return None
            state = value_next
            continue
        elif kind == string or kind == escaped:  # noqa: SIM109
            # An escaped string, or a key whose colon is not right after it (the precise reader decodes escapes).
            off = m.start(1) - 1 if kind == string else m.start(group[escaped])
            value = m[1] if kind == string else _escaped(text, off)
            pos = unfrozen()
            pos.line, pos.column = line, off - before_line
            pos.__class__ = position  # type: ignore[assignment]
            if state >= key_next:
                if state >= colon_next or code & and_comma:
                    return None
                key, key_pos, state = value, pos, colon_next
                if code & and_newline:
                    line += 1
                    before_line = m.end() - 1
                continue
            node = new(node_class)
            node.value, node.kind, node.pos = value, "string", pos  # type: ignore[assignment]
        elif state >= key_next:  # a value after a value, or the end of the text after the document's value
            break
        elif kind == lbrace or kind == _LBRACKET:  # noqa: SIM109
            if depth >= max_depth:
                return None
            pos = unfrozen()
            pos.line, pos.column = line, m.start(group[kind]) - before_line
            pos.__class__ = position  # type: ignore[assignment]
            node = new(node_class)
            node.value, node.kind, node.pos = [], "object" if kind == lbrace else "array", pos  # type: ignore[assignment]
            if in_obj:
                member = new(member_class)
                member.key, member.key_pos, member.node = key, key_pos, node
                cur.append(member)  # type: ignore[arg-type]
            else:
                cur.append(node)  # type: ignore[arg-type]
            stack.append((cur, in_obj))
            cur = node.value
            in_obj = kind == lbrace
            depth += 1
            state = key_or_close if in_obj else value_or_close
            if code & and_newline:
                line += 1
                before_line = m.end() - 1
            continue
        elif kind <= null:  # true, false, null
            node = new(node_class)
            node.value, node.kind = (None, "null") if kind == null else (kind == true, "bool")
            pos = unfrozen()
            pos.line, pos.column = line, m.start(group[kind]) - before_line
            pos.__class__ = position  # type: ignore[assignment]
            node.pos = pos  # type: ignore[assignment]
        elif kind <= _FRACTION:  # a number
            number = m[group[kind]]
            if len(number) > MAX_NUMBER_CHARS:
                return None
            node = new(node_class)
            node.value, node.kind = int(number) if kind == integer else float(number), "number"
            pos = unfrozen()
            pos.line, pos.column = line, m.start(group[kind]) - before_line
            pos.__class__ = position  # type: ignore[assignment]
            node.pos = pos  # type: ignore[assignment]
        else:  # the end of the text, or a character no token starts with
            break
        # A value: the item of an array, the value of the member whose key was read last, or the document.
        if node is None:
            pass
        elif in_obj:
            member = new(member_class)
            member.key, member.key_pos, member.node = key, key_pos, node
            cur.append(member)  # type: ignore[arg-type]
        else:
            cur.append(node)  # type: ignore[arg-type]
        state = after
        if code & and_comma:
            if not depth:
                return None
            state = key_next if in_obj else value_next
        if code & and_newline:
            line += 1
            before_line = m.end() - 1
    if m is None or codes[m.lastindex] != _END or state != after or depth:  # type: ignore[index]
        return None
    return top[0]
