"""Where given JSON paths are in a text, without building a positioned tree of the whole document.

Why: a loader that reads its values with the standard library (``json``, in C) needs positions only for the items
its findings and evidence point at: each security group, rule, interface and instance of a describe-* file, each
volume of ``describe-volumes``, the value a malformed item got wrong. Reading the whole file with the positioned
reader (``jsonpos``) builds a node and a position for every value, ten times the standard library's cost, and most
of them are never asked for (an interface's addresses, a volume's attachments). Here only the containers on the way
to a requested path are walked, in Python; every other value is skipped by the standard library's own scanner, in
C, and lines are counted with ``str.count`` between the positions asked.

A position is exactly what the positioned reader gives the same node (line, and column counted from the line's
start, as ``jsonpos``); a key given twice in one object is followed at its first occurrence, as ``JNode.get`` does.
A text this walk cannot read (not JSON, or past a limit the positioned reader keeps: a number too long, NaN) is
read by the positioned reader instead, so the answer is still its answer, errors included (a JsonSyntaxError). The
walk does not count nesting below the paths it follows, so a document nested deeper than that reader's limit still
gets positions here (the caller's values come from ``jsonpos.loads``, which reads such documents too).

Paths are tuples of parts: a key (str) or an array index (int); a pattern may also hold ``ANY`` (every member of an
object, every item of an array). ``path_parts`` reads the dotted form findings carry (``Rules[0].Cidr``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Final

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode, _no_constant, _Refused, parse_json
from parc.core.policy.jsonpos import _checked_float as _float
from parc.core.policy.jsonpos import _checked_int as _int

Part = str | int
Path = tuple[Part, ...]


class _Any:
    """The wildcard part of a pattern (a class of its own, so that no key or index can be mistaken for it)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()
Pattern = tuple["Part | _Any", ...]

# The standard library's scanner (C when available) with the positioned reader's refusals: a value it skips is one
# that reader would read (numbers of at most MAX_NUMBER_CHARS characters, no NaN or Infinity).
_SCAN: Callable[[str, int], tuple[object, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    parse_int=_int, parse_float=_float, parse_constant=_no_constant).scan_once
_STRING: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_BLANK = re.compile(r"[ \t\n\r]*")
# A key without escapes with its colon and the blanks before its value; what follows a member or an item (a comma
# and the blanks after it, or the closing bracket): one match each instead of four calls per member.
_KEY = re.compile(r'"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*')
_AFTER_MEMBER = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*|(\}))")
_AFTER_ITEM = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*|(\]))")


class _Unread(Exception):
    """The walk met something it does not read: the positioned reader reads the text instead."""


class _Trie:
    __slots__ = ("children", "record")

    def __init__(self) -> None:
        self.children: dict[object, _Trie] = {}
        self.record = False


def _trie(patterns: Iterable[Pattern]) -> _Trie:
    root = _Trie()
    for pattern in patterns:
        node = root
        for part in pattern:
            children = node.children
            node = children.setdefault(part, _Trie())
            if ANY in children and len(children) > 1:  # which would a member follow? Not needed: refused
                raise ValueError(f"{pattern!r}: ANY shares its level with a key or index of another pattern")
        node.record = True
    return root


def where(text: str, patterns: Iterable[Pattern]) -> dict[Path, Position]:
    """The position of every node of ``text`` that a pattern matches, by its path (the empty pattern: the document
    itself). Raises JsonSyntaxError where the positioned reader would (a text that is not JSON)."""
    trie = _trie(patterns)
    try:
        return _Walk(text).run(trie)
    except (_Unread, _Refused, StopIteration, IndexError, ValueError, RecursionError):
        # Not JSON (or past a limit): the positioned reader's answer, or its located error.
        out: dict[Path, Position] = {}
        _tree_walk(parse_json(text), trie, (), out)
        return out


Span = tuple[Position, int, int]
"""A value's position, and its first and past-its-last offsets in the text."""


def spans(text: str, patterns: Iterable[Pattern]) -> dict[Path, Span] | None:
    """``where`` with each node's offsets too (what ``jsonpos.parse_span`` reads one value of a text by), or None for
    a text the walk does not read (no fallback: offsets are the walk's alone)."""
    trie = _trie(patterns)
    walk = _Walk(text, {})
    try:
        walk.run(trie)
    except (_Unread, _Refused, StopIteration, IndexError, ValueError, RecursionError):
        return None
    assert walk.spans is not None
    return {path: (pos, *walk.spans[path]) for path, pos in walk.out.items()}


def deepest(text: str, paths: Iterable[Path]) -> dict[Path, Position]:
    """For each path, the position of its deepest node that exists (the document's own when not even the first
    part does): where a finding about that path, or about something missing there, is shown."""
    wanted = list(paths)
    found = where(text, {p[:k] for p in wanted for k in range(len(p) + 1)})
    out: dict[Path, Position] = {}
    for p in wanted:
        for k in range(len(p), -1, -1):
            hit = found.get(p[:k])
            if hit is not None:
                out[p] = hit
                break
    return out


def path_parts(path: str) -> Path:
    """The parts of a dotted path (``SecurityGroups[3].IpPermissions[0]``), up to the first part that is not a key or
    an index (``[x]``): a finding about a path is shown at its deepest part that can be read."""
    out: list[Part] = []
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            try:
                out.append(int(part[1:part.index("]")]))
            except ValueError:
                break
        else:
            out.append(part)
    return tuple(out)


def render(path: Path) -> str:
    """The dotted form of a path (``Volumes[3].Encrypted``), as findings carry it."""
    text = ""
    for part in path:
        text = f"{text}[{part}]" if isinstance(part, int) else (f"{text}.{part}" if text else part)
    return text


class _Walk:
    """One pass over the text, following the trie; positions are asked in increasing offsets, so lines are counted
    once, between consecutive positions."""

    __slots__ = ("at", "line", "newline", "out", "spans", "text")

    def __init__(self, text: str, spans: dict[Path, tuple[int, int]] | None = None) -> None:
        self.text = text
        self.out: dict[Path, Position] = {}
        self.spans = spans  # when given: each recorded node's offsets
        self.line = 1
        self.newline = -1  # the offset of the last line break before ``at`` (-1: none; a BOM counts as a column)
        self.at = 0

    def run(self, trie: _Trie) -> dict[Path, Position]:
        text = self.text
        start = _BLANK.match(text, 1 if text.startswith("\ufeff") else 0).end()  # type: ignore[union-attr]
        end = self.value(start, trie, ())
        if _BLANK.match(text, end).end() != len(text):  # type: ignore[union-attr]
            raise _Unread
        return self.out

    def position(self, offset: int) -> Position:
        text = self.text
        lines = text.count("\n", self.at, offset)
        if lines:
            self.line += lines
            self.newline = text.rfind("\n", self.at, offset)
        self.at = offset
        return Position(self.line, offset - self.newline)

    def value(self, i: int, trie: _Trie, path: Path) -> int:
        recorded = trie.record and path not in self.out
        if recorded:
            self.out[path] = self.position(i)
        end = -1
        if trie.children:
            c = self.text[i]
            if c == "{":
                end = self.members(i, trie, path)
            elif c == "[":
                end = self.items(i, trie, path)
        if end < 0:
            end = _SCAN(self.text, i)[1]
        if recorded and self.spans is not None:
            self.spans[path] = (i, end)
        return end

    def members(self, i: int, trie: _Trie, path: Path) -> int:
        text, children = self.text, trie.children
        anything = children.get(ANY)
        seen: set[str] = set()
        i = _BLANK.match(text, i + 1).end()  # type: ignore[union-attr]
        if text[i] == "}":
            return i + 1
        while True:
            m = _KEY.match(text, i)
            if m is not None:
                key, i = m[1], m.end()
            else:  # a key with escapes (or not a key: the string reader or the checks below refuse it)
                if text[i] != '"':
                    raise _Unread
                key, i = _STRING(text, i + 1)
                i = _BLANK.match(text, i).end()  # type: ignore[union-attr]
                if text[i] != ":":
                    raise _Unread
                i = _BLANK.match(text, i + 1).end()  # type: ignore[union-attr]
            child = children.get(key, anything)
            if child is not None and key not in seen:  # a repeated key: its first value is the member's
                seen.add(key)
                i = self.value(i, child, (*path, key))
            else:
                i = _SCAN(text, i)[1]
            m = _AFTER_MEMBER.match(text, i)
            if m is None:
                raise _Unread
            if m[1]:
                return m.end()
            i = m.end()

    def items(self, i: int, trie: _Trie, path: Path) -> int:
        text, children = self.text, trie.children
        anything = children.get(ANY)
        i = _BLANK.match(text, i + 1).end()  # type: ignore[union-attr]
        if text[i] == "]":
            return i + 1
        index = 0
        while True:
            child = children.get(index, anything)
            i = self.value(i, child, (*path, index)) if child is not None else _SCAN(text, i)[1]
            m = _AFTER_ITEM.match(text, i)
            if m is None:
                raise _Unread
            if m[1]:
                return m.end()
            i = m.end()
            index += 1


def _tree_walk(node: JNode, trie: _Trie, path: Path, out: dict[Path, Position]) -> None:
    """The same walk over a positioned tree (for texts the fast walk does not read)."""
    if trie.record:
        out.setdefault(path, node.pos)
    if not trie.children:
        return
    anything = trie.children.get(ANY)
    if node.kind == "object":
        seen: set[str] = set()
        for m in node.members:
            child = trie.children.get(m.key, anything)
            if child is not None and m.key not in seen:
                seen.add(m.key)
                _tree_walk(m.node, child, (*path, m.key), out)
    elif node.kind == "array":
        for index, item in enumerate(node.items):
            child = trie.children.get(index, anything)
            if child is not None:
                _tree_walk(item, child, (*path, index), out)
