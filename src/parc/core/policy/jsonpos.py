"""A JSON reader that keeps the line and column of every value and every object key.

Written by hand because the standard library's ``json`` drops positions, and the PyPI alternatives either drop
duplicate keys (which IAM treats as an error we must report) or are unmaintained. It follows RFC 8259 strictly;
errors carry the position of the offending character.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from parc.core.findings import Position
from parc.core.limits import MAX_DEPTH, MAX_NUMBER_CHARS

JsonScalar = str | int | float | bool | None


# Not frozen: a frozen dataclass costs three times as much to build, and a policy compiled from a Python dict builds
# one node per value (read-only by convention; nothing hashes nodes).
@dataclass(slots=True)
class JNode:
    """A parsed JSON value with its position.

    ``value`` is a scalar, a ``list[JNode]`` for arrays, or a ``list[JMember]`` for objects (a list, not a dict,
    so that duplicate keys and their order survive).
    """

    value: object
    kind: str  # "object" | "array" | "string" | "number" | "bool" | "null"
    pos: Position

    @property
    def members(self) -> list[JMember]:
        assert self.kind == "object"
        return self.value  # type: ignore[return-value]

    @property
    def items(self) -> list[JNode]:
        assert self.kind == "array"
        return self.value  # type: ignore[return-value]

    def get(self, key: str) -> JMember | None:
        """The first member named ``key`` (exact case), or None."""
        for m in self.members:
            if m.key == key:
                return m
        return None

    def to_python(self) -> object:
        if self.kind == "object":
            return {m.key: m.node.to_python() for m in self.members}
        if self.kind == "array":
            return [n.to_python() for n in self.items]
        return self.value


@dataclass(slots=True)
class JMember:
    key: str
    key_pos: Position
    node: JNode


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, pos: Position) -> None:
        super().__init__(f"{message} at line {pos.line}, column {pos.column}")
        self.message = message
        self.pos = pos


class JsonLimitError(JsonSyntaxError):
    """The document passes one of the reader's limits (``parc.core.limits``): too deep, a number too long, or too
    large. A located error like a syntax error, so that every reader reports it the same way."""


_NEWLINE = re.compile("\n")
_DEEP = f"Nested more than {MAX_DEPTH} levels deep (parc's limit; AWS's documents nest about a dozen)"
_SPACE = re.compile("[ \t\n\r]*").match
"""RFC 8259 whitespace only."""
_STRING_STOP = re.compile(r'["\\\x00-\x1f]').search
_PLAIN_STRING = re.compile(r'"([^"\\\x00-\x1f]*)"').match
_DIGITS = "0123456789"
"""RFC 8259 digits only: str.isdigit() also accepts "²" and other Unicode digits, which int() rejects."""
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


_new = object.__new__
_set_line = Position.__dict__["line"].__set__
_set_column = Position.__dict__["column"].__set__


def _position(line: int, column: int) -> Position:
    """``Position(line, column)``, built through its slots: a frozen dataclass's ``__init__`` goes through
    ``object.__setattr__`` field by field, which was a third of the reader's time (one per value and key; the
    object is the same: same class, fields, equality and hash)."""
    p: Position = _new(Position)
    _set_line(p, line)
    _set_column(p, column)
    return p


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.depth = 0
        # Offsets of line starts, to turn an offset into (line, column) lazily.
        self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def pos(self, offset: int | None = None) -> Position:
        off = self.i if offset is None else offset
        # The last line start at or before ``off`` (bisect in C: this runs for every value and key).
        line = bisect_right(self._line_starts, off)
        return _position(line, off - self._line_starts[line - 1] + 1)

    def error(self, message: str, offset: int | None = None) -> JsonSyntaxError:
        return JsonSyntaxError(message, self.pos(offset))

    def skip_ws(self) -> None:
        self.i = _SPACE(self.s, self.i).end()  # type: ignore[union-attr]  # ``*`` always matches

    def document(self) -> JNode:
        if self.s.startswith("\ufeff"):
            self.i = 1
        self.skip_ws()
        if self.i >= self.n:
            raise self.error("Empty document: expected a JSON value")
        node = self.value()
        self.skip_ws()
        if self.i < self.n:
            raise self.error(f"Unexpected {self.s[self.i]!r} after the end of the JSON value")
        return node

    def value(self) -> JNode:
        self.skip_ws()
        if self.i >= self.n:
            raise self.error("Unexpected end of input: expected a value")
        ch = self.s[self.i]
        start = self.pos()
        if ch == "{" or ch == "[":
            if self.depth >= MAX_DEPTH:
                raise JsonLimitError(_DEEP, start)
            self.depth += 1
            node = self.obj(start) if ch == "{" else self.arr(start)
            self.depth -= 1
            return node
        if ch == '"':
            return JNode(self.string(), "string", start)
        if ch == "-" or ch in _DIGITS:
            return JNode(self.number(), "number", start)
        for word, val, kind in (("true", True, "bool"), ("false", False, "bool"), ("null", None, "null")):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return JNode(val, kind, start)
        raise self.error(f"Unexpected {ch!r}: expected a value (object, array, string, number, true, false, null)")

    def obj(self, start: Position) -> JNode:
        self.i += 1
        members: list[JMember] = []
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "}":
            self.i += 1
            return JNode(members, "object", start)
        while True:
            self.skip_ws()
            if self.i >= self.n or self.s[self.i] != '"':
                if self.i < self.n and self.s[self.i] == "}":
                    raise self.error("Trailing comma before '}'")
                raise self.error("Expected a string key in double quotes")
            key_pos = self.pos()
            key = self.string()
            self.skip_ws()
            if self.i >= self.n or self.s[self.i] != ":":
                raise self.error("Expected ':' after the object key")
            self.i += 1
            members.append(JMember(key, key_pos, self.value()))
            self.skip_ws()
            if self.i >= self.n:
                raise self.error("Unexpected end of input: unclosed object (missing '}')")
            ch = self.s[self.i]
            self.i += 1
            if ch == "}":
                return JNode(members, "object", start)
            if ch != ",":
                raise self.error("Expected ',' or '}' after an object member", self.i - 1)

    def arr(self, start: Position) -> JNode:
        self.i += 1
        items: list[JNode] = []
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "]":
            self.i += 1
            return JNode(items, "array", start)
        while True:
            self.skip_ws()
            if self.i < self.n and self.s[self.i] == "]":
                raise self.error("Trailing comma before ']'")
            items.append(self.value())
            self.skip_ws()
            if self.i >= self.n:
                raise self.error("Unexpected end of input: unclosed array (missing ']')")
            ch = self.s[self.i]
            self.i += 1
            if ch == "]":
                return JNode(items, "array", start)
            if ch != ",":
                raise self.error("Expected ',' or ']' after an array element", self.i - 1)

    def string(self) -> str:
        plain = _PLAIN_STRING(self.s, self.i)
        if plain is not None:  # most strings: no escape, so one C-level match reads the whole of it
            self.i = plain.end()
            return plain.group(1)
        s, n = self.s, self.n
        self.i += 1
        out: list[str] = []
        chunk = self.i
        while True:
            # Jump to the next character that ends the plain run: a quote, a backslash or a control character
            # (the regex scans in C; the characters it skips are the ones the loop below would step over).
            stop = _STRING_STOP(s, self.i)
            self.i = n if stop is None else stop.start()
            if self.i >= n:
                raise self.error("Unterminated string")
            ch = s[self.i]
            if ch == '"':
                out.append(s[chunk : self.i])
                self.i += 1
                return "".join(out)
            if ch == "\\":
                out.append(s[chunk : self.i])
                self.i += 1
                if self.i >= n:
                    raise self.error("Unterminated string")
                esc = s[self.i]
                if esc in _ESCAPES:
                    out.append(_ESCAPES[esc])
                    self.i += 1
                elif esc == "u":
                    out.append(self._unicode_escape())
                else:
                    raise self.error(f"Invalid escape '\\{esc}' in string", self.i - 1)
                chunk = self.i
                continue
            raise self.error("Control character in string (escape it, e.g. \\n)")

    def _unicode_escape(self) -> str:
        code = self._hex4()
        if 0xD800 <= code < 0xDC00 and self.s.startswith("\\u", self.i):
            save = self.i
            self.i += 1
            low = self._hex4()
            if 0xDC00 <= low < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
            self.i = save
        return chr(code)

    def _hex4(self) -> int:
        digits = self.s[self.i + 1 : self.i + 5]
        if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise self.error("Invalid \\u escape: expected four hex digits")
        self.i += 5
        return int(digits, 16)

    def number(self) -> int | float:
        s, start = self.s, self.i
        i = start
        if i < self.n and s[i] == "-":
            i += 1
        if i < self.n and s[i] == "0":
            i += 1
        elif i < self.n and s[i] in _DIGITS:
            while i < self.n and s[i] in _DIGITS:
                i += 1
        else:
            raise self.error("Invalid number", i)
        is_float = False
        if i < self.n and s[i] == ".":
            is_float = True
            i += 1
            if not (i < self.n and s[i] in _DIGITS):
                raise self.error("Invalid number: digits expected after '.'", i)
            while i < self.n and s[i] in _DIGITS:
                i += 1
        if i < self.n and s[i] in "eE":
            is_float = True
            i += 1
            if i < self.n and s[i] in "+-":
                i += 1
            if not (i < self.n and s[i] in _DIGITS):
                raise self.error("Invalid number: digits expected in exponent", i)
            while i < self.n and s[i] in _DIGITS:
                i += 1
        self.i = i
        if i - start > MAX_NUMBER_CHARS:
            raise JsonLimitError(f"A number of {i - start:,} characters (parc reads numbers of at most "
                                 f"{MAX_NUMBER_CHARS}; AWS's have at most 20 digits)", self.pos(start))
        text = s[start:i]
        return float(text) if is_float else int(text)


def parse_json(text: str, max_chars: int | None = None, what: str = "document") -> JNode:
    """Parse ``text`` into a positioned tree. Raises JsonSyntaxError with the position of the problem (a
    JsonLimitError when the text passes a limit: ``max_chars`` characters, or those of ``parc.core.limits``)."""
    if max_chars is not None and len(text) > max_chars:
        raise size_error(text, max_chars, what)
    # Well-formed documents are read by the fast path (jsonpos_fast); anything else, errors included, by _Reader.
    return _fast.read(text) or _Reader(text).document()


def parse_span(text: str, start: int, end: int, pos: Position, depth: int) -> JNode:
    """The value that spans ``text[start:end]`` (``pos`` is where it starts; ``depth`` the containers around it),
    positioned and limited exactly as when the whole text is read: one document of a large file read on its own."""
    node = _fast.read(text, start, end, pos.line, start - pos.column, depth)
    if node is not None:
        return node
    reader = _Reader(text)
    reader.i, reader.n, reader.depth = start, end, depth
    node = reader.value()
    reader.skip_ws()
    if reader.i < reader.n:
        raise reader.error(f"Unexpected {text[reader.i]!r} after the end of the JSON value")
    return node


def decode_utf8(data: bytes) -> str:
    """Bytes as UTF-8 text (a leading byte-order mark dropped), or a JsonSyntaxError at the first byte that is not
    UTF-8: never replaced silently, which would change what a policy says."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise JsonSyntaxError(f"Not UTF-8 text (byte 0x{data[exc.start]:02x})", Position(line, column)) from None


class _Refused(Exception):
    """What json.loads would accept and the positioned reader does not: the latter reports it, located."""


def _checked_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused
    return int(text)


def _checked_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused
    return float(text)


def _no_constant(text: str) -> object:
    raise _Refused  # NaN, Infinity: not JSON (RFC 8259)


def loads(text: str, max_chars: int | None = None, what: str = "document", first_key_wins: bool = False,
          repeated: list[str] | None = None) -> object:
    """Decode JSON to plain Python values at the standard library's speed, for files too large to keep positions
    for (a snapshot export of hundreds of megabytes), with the reader's limits and errors.

    A key given twice in one object keeps its last value, as ``json`` does; ``first_key_wins``: its first, as
    ``JNode.get`` and ``jsonwhere`` read it (for a reader whose positions come from those). ``repeated``: each key
    given twice in an object is added to it (AWS never writes one: a reader says so).

    Every failure is a JsonSyntaxError with its line and column: a syntax error as json reports it, and a document
    past a limit (nested deeper than the stack allows, a number longer than ``MAX_NUMBER_CHARS``) read again by the
    positioned reader, which says where."""
    if max_chars is not None and len(text) > max_chars:
        raise size_error(text, max_chars, what)
    pairs = _Pairs(first_key_wins, repeated) if first_key_wins or repeated is not None else None
    try:
        return json.loads(text, parse_int=_checked_int, parse_float=_checked_float, parse_constant=_no_constant,
                          object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(exc.msg, Position(exc.lineno, exc.colno)) from None
    except (_Refused, RecursionError, ValueError):
        pass
    # The positioned reader says where the limit is passed (and reads the document if json only lacked stack).
    tree = parse_json(text)
    if pairs is not None:
        if repeated is not None:
            repeated.clear()  # json may have met some before it stopped: counted again, from the tree
        return pairs.python(tree)
    return tree.to_python()


class _Pairs:
    """json's ``object_pairs_hook`` for ``loads``: an object's members, a repeated key kept first or last and
    recorded."""

    __slots__ = ("first", "repeated")

    def __init__(self, first: bool, repeated: list[str] | None) -> None:
        self.first, self.repeated = first, repeated

    def __call__(self, pairs: list[tuple[str, object]]) -> dict[str, object]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen and self.repeated is not None:
                    self.repeated.append(key)
                seen.add(key)
            if self.first:  # keep each key's first value (in its first place)
                out = {}
                for key, value in pairs:
                    out.setdefault(key, value)
        return out

    def python(self, node: JNode) -> object:
        """The tree's values, objects through ``__call__``."""
        if node.kind == "object":
            return self([(m.key, self.python(m.node)) for m in node.members])
        if node.kind == "array":
            return [self.python(n) for n in node.items]
        return node.value


def size_error(text: str, max_chars: int, what: str = "document") -> JsonLimitError:
    """The error for a text longer than ``max_chars``, located where it passes the limit (found without reading
    the whole text character by character: a 60 MB text is refused in milliseconds)."""
    line = text.count("\n", 0, max_chars) + 1
    column = max_chars - (text.rfind("\n", 0, max_chars) + 1) + 1
    why = " (AWS's largest policy, a KMS key policy, is 32 KiB)" if what == "policy" else ""
    return JsonLimitError(f"The {what} has {len(text):,} characters; parc reads at most {max_chars:,}{why}",
                          Position(line, column))


def from_python(value: object, pos: Position | None = None) -> JNode:
    """Wrap an already-decoded Python value (a dict from boto3, say) as a JNode with no real positions.

    The reader's limits hold here too (a JsonLimitError at ``pos``): a dict nested thousands deep or an integer of
    thousands of digits would otherwise fail later, far from where it came in."""
    return _wrap(value, pos or _ORIGIN, 0)


_ORIGIN = Position(0, 0)
_BIG = 10**MAX_NUMBER_CHARS


def _deeper(depth: int, p: Position) -> int:
    if depth >= MAX_DEPTH:
        raise JsonLimitError(_DEEP, p)
    return depth + 1


def _wrap(value: object, p: Position, depth: int) -> JNode:
    # The exact types json.loads gives are tested first (a policy set compiled from dicts wraps every value).
    t = type(value)
    if t is str:
        return JNode(value, "string", p)
    if t is dict:
        d = _deeper(depth, p)
        return JNode([JMember(k if type(k) is str else str(k), p, _wrap(v, p, d))
                      for k, v in value.items()], "object", p)  # type: ignore[attr-defined]
    if t is list:
        d = _deeper(depth, p)
        return JNode([_wrap(v, p, d) for v in value], "array", p)  # type: ignore[attr-defined]
    if isinstance(value, Mapping):
        d = _deeper(depth, p)
        return JNode([JMember(str(k), p, _wrap(v, p, d)) for k, v in value.items()], "object", p)
    if isinstance(value, (list, tuple)):
        d = _deeper(depth, p)
        return JNode([_wrap(v, p, d) for v in value], "array", p)
    if isinstance(value, bool):
        return JNode(value, "bool", p)
    if isinstance(value, int):
        if -_BIG < value < _BIG:
            return JNode(value, "number", p)
        raise JsonLimitError(f"An integer of more than {MAX_NUMBER_CHARS} digits (AWS's have at most 20)", p)
    if isinstance(value, float):
        return JNode(value, "number", p)
    if value is None:
        return JNode(None, "null", p)
    return JNode(str(value), "string", p)


from parc.core.policy import jsonpos_fast as _fast  # noqa: E402  (it reads this module's classes)
