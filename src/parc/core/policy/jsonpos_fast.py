"""The positioned JSON reader's fast path: one compiled token regex and a flat loop, for well-formed documents.

Why it is built this way: the character-by-character reader (``jsonpos._Reader``) pays a Python call per token (a
method for the value, one for white space, one for the position, one for the string), and loading an account
snapshot of a few thousand roles reads some 740,000 positioned values that way. Here ``re.finditer`` walks the whole
document in C, one match per token (its leading blanks included), and a single loop with an explicit stack of open
containers builds the same tree: no recursion, no call per token besides building the nodes. Lines are counted as
the loop meets them (a newline is a token of its own, and a string may not hold a raw one), so a position is the
current line and the offset from its start, not a search.

It reads only what it can read trivially and gives up (returns None) on anything else: a syntax error, a limit
(depth, number length), a character that is not RFC 8259 white space. The caller then reads the whole document
again with the precise reader, so every error message and position is that reader's, and a tree returned here is
exactly the one it would build (tests/policy/test_jsonpos_fast.py checks both on generated and real documents).
Strings with escapes are matched here (valid escapes only) and decoded by the precise reader's own code.
"""

from __future__ import annotations

import re

from parc.core.findings import Position
from parc.core.limits import MAX_DEPTH, MAX_NUMBER_CHARS
from parc.core.policy.jsonpos import JMember, JNode, _Reader

# One alternative per token kind, each its own group, so ``m.lastindex`` says which matched (the groups nest
# nothing: the last group to close is the token's). Leading blanks are possessive: they never give a blank back to
# the catch-all, so blanks at the very end of the text are one END match, and every other character starts a match
# (finditer never skips text silently).
_TOKEN = re.compile(
    r"[ \t\r]*+(?:"
    r'"([^"\\\x00-\x1f]*+)"'  # 1: a string without escapes (its text)
    r"|(\n)"  # 2: a line break
    r"|(,)"  # 3
    r"|(:)"  # 4
    r"|(\{)"  # 5
    r"|(\[)"  # 6
    r"|(\})"  # 7
    r"|(\])"  # 8
    r'|("(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+")'  # 9: a string with valid escapes
    r"|(-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++(?:[eE][+-]?[0-9]++)?|[eE][+-]?[0-9]++))"  # 10: a fraction or exponent
    r"|(-?(?:0|[1-9][0-9]*+))"  # 11: an integer
    r"|(true)|(false)|(null)"  # 12, 13, 14
    r"|(\Z)"  # 15: the end of the text
    r"|(.)"  # 16: anything else: the precise reader says what is wrong
    r")",
    re.DOTALL,
)
_STRING, _NEWLINE, _COMMA, _COLON, _LBRACE, _LBRACKET, _RBRACE, _RBRACKET, _ESCAPED = range(1, 10)
_FRACTION, _INTEGER, _TRUE, _FALSE, _NULL, _END = range(10, 16)

# What the loop expects next. Below _KEY a value, below _COLON a key.
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _COLON_NEXT, _AFTER = range(6)

_new = object.__new__
_ORIGIN = Position(0, 0)
_set_line = Position.__dict__["line"].__set__
_set_column = Position.__dict__["column"].__set__


def _escaped(text: str, start: int) -> str:
    """The string starting at ``start`` (its opening quote), decoded by the precise reader's own code. Its escapes
    are valid (the token regex checked them), so this never raises."""
    reader: _Reader = _new(_Reader)
    reader.s, reader.i, reader.n = text, start, len(text)
    return reader.string()


def read(text: str) -> JNode | None:
    """The tree ``jsonpos._Reader(text).document()`` builds, or None when the text is not plain well-formed JSON
    (any error or limit): then the precise reader must read it, to say what and where."""
    new, set_line, set_column = _new, _set_line, _set_column
    top: list[JNode] = []  # the document's value, in a list like an array's items
    cur: list[JNode] | list[JMember] = top  # the innermost open container's items or members
    in_obj = False
    stack: list[tuple[list[JNode] | list[JMember], bool]] = []  # the containers around it
    depth = 0
    state = _VALUE
    line, line_start = 1, 0
    key = ""
    key_pos = _ORIGIN
    for m in _TOKEN.finditer(text, 1 if text.startswith("\ufeff") else 0):
        t = m.lastindex
        if t == _STRING or t == _ESCAPED:
            off = m.start(t) - 1 if t == _STRING else m.start(t)  # the opening quote
            pos = new(Position)
            set_line(pos, line)
            set_column(pos, off - line_start + 1)
            s = m[1] if t == _STRING else _escaped(text, off)
            if state < _KEY:
                node = new(JNode)
                node.value, node.kind, node.pos = s, "string", pos
            elif state < _COLON_NEXT:
                key, key_pos, state = s, pos, _COLON_NEXT
                continue
            else:
                return None
        elif t == _NEWLINE:
            line += 1
            line_start = m.end()
            continue
        elif t == _COMMA:
            if state != _AFTER or depth == 0:
                return None
            state = _KEY if in_obj else _VALUE
            continue
        elif t == _COLON:
            if state != _COLON_NEXT:
                return None
            state = _VALUE
            continue
        elif t == _RBRACE or t == _RBRACKET:
            if not ((state == _AFTER and depth and in_obj == (t == _RBRACE))
                    or state == (_KEY_OR_CLOSE if t == _RBRACE else _VALUE_OR_CLOSE)):
                return None
            cur, in_obj = stack.pop()
            depth -= 1
            state = _AFTER
            continue
        elif state >= _KEY:  # a value after a value, or the end of the text after the document's value
            break
        elif t == _LBRACE or t == _LBRACKET:
            if depth >= MAX_DEPTH:
                return None
            off = m.start(t)
            pos = new(Position)
            set_line(pos, line)
            set_column(pos, off - line_start + 1)
            node = new(JNode)
            node.value, node.kind, node.pos = [], "object" if t == _LBRACE else "array", pos
            if in_obj:
                member = new(JMember)
                member.key, member.key_pos, member.node = key, key_pos, node
                cur.append(member)  # type: ignore[arg-type]
            else:
                cur.append(node)  # type: ignore[arg-type]
            stack.append((cur, in_obj))
            cur = node.value  # type: ignore[assignment]
            in_obj = t == _LBRACE
            depth += 1
            state = _KEY_OR_CLOSE if in_obj else _VALUE_OR_CLOSE
            continue
        else:
            off = m.start(t)
            pos = new(Position)
            set_line(pos, line)
            set_column(pos, off - line_start + 1)
            node = new(JNode)
            node.pos = pos
            if t == _TRUE or t == _FALSE:
                node.value, node.kind = t == _TRUE, "bool"
            elif t == _NULL:
                node.value, node.kind = None, "null"
            elif t == _INTEGER or t == _FRACTION:
                number = m[t]
                if len(number) > MAX_NUMBER_CHARS:
                    return None
                node.value, node.kind = int(number) if t == _INTEGER else float(number), "number"
            else:  # the end of the text, or a character no token starts with
                break
        # A value: the item of an array, the value of the member whose key was read last, or the document.
        if in_obj:
            member = new(JMember)
            member.key, member.key_pos, member.node = key, key_pos, node
            cur.append(member)  # type: ignore[arg-type]
        else:
            cur.append(node)  # type: ignore[arg-type]
        state = _AFTER
    if m.lastindex != _END or state != _AFTER or depth:  # (the text always ends with an _END match)
        return None
    return top[0]
