"""The requests of ``parc simulate``: read from one object, a JSON array or JSON Lines, each located in its file.

A request that cannot be read or decided becomes a RequestFailure in its place (its message, line, column and
index) and every other request is still decided: one bad line never stops a batch, and never hides the answers
before it. JSON Lines are read as bytes and decoded line by line, so that a line that is not UTF-8 is an error on
that line alone. The whole input fails (exit 2) only when its shape cannot be read at all (an array that is not
valid JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from parc.core.authz.failure import RequestFailure
from parc.core.limits import MAX_REQUEST_CHARS
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, decode_utf8, loads, parse_json

POLICY_KEYS = ("resource_policy", "permissions_boundary", "session_policy", "vpc_endpoint_policy")
LEVEL_KEYS = ("scps", "rcps")


@dataclass(slots=True)
class Item:
    """One request of the input (a JNode or a plain value), or why it could not be read."""

    index: int
    line: int
    column: int
    request: Any = None
    error: str | None = None

    def failure(self, message: str | None = None) -> RequestFailure:
        return RequestFailure(message or self.error or "", self.index, self.line, self.column)


class BatchError(ValueError):
    """The input as a whole cannot be read (its message says where)."""


def read_batch(data: BinaryIO, source: str) -> tuple[str, Iterator[Item]]:
    """The input's shape ('object', 'array' or 'lines') and its requests, in order, with their positions."""
    lead = b""
    while True:
        ch = data.read(1)
        if ch == b"\xef" and not lead:  # a byte-order mark
            mark = data.read(2)
            if mark == b"\xbb\xbf":
                continue
            ch += mark
        if not ch or not ch[:1].isspace():
            break
        lead += ch
    line_offset = lead.count(b"\n")
    if ch == b"[":
        return "array", _array(lead + ch + data.read(), source)
    first = ch + data.readline() if ch else b""
    if _whole_object(first):
        return "lines", _lines(_chain([first], data), line_offset + 1)
    rest = data.read()
    text = lead + first + rest
    try:
        node = parse_json(decode_utf8(text), MAX_REQUEST_CHARS, "request")
    except JsonSyntaxError as exc:
        if _looks_like_lines(first, rest):  # JSON Lines whose first line is broken: that line is the error
            return "lines", _lines(_chain([first], iter(rest.splitlines(keepends=True))), line_offset + 1)
        raise BatchError(f"{source}: line {exc.pos.line}, column {exc.pos.column}: {exc.message}") from None
    return "object", iter([_item(0, node)])


def _chain(head: list[bytes], rest: Iterable[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _whole_object(line: bytes) -> bool:
    """Whether one line holds a whole JSON object (then the input is JSON Lines)."""
    if not line.strip().startswith(b"{"):
        return False
    try:
        return isinstance(loads(decode_utf8(line)), dict)
    except JsonSyntaxError:
        return False


def _looks_like_lines(first: bytes, rest: bytes) -> bool:
    lines = [ln for ln in [first, *rest.splitlines()] if ln.strip()]
    return len(lines) > 1 and all(ln.lstrip().startswith(b"{") for ln in lines)


def _array(raw: bytes, source: str) -> Iterator[Item]:
    try:
        root = parse_json(decode_utf8(raw))
    except JsonSyntaxError as exc:
        raise BatchError(f"{source}: line {exc.pos.line}, column {exc.pos.column}: {exc.message}") from None
    return (_item(i, node) for i, node in enumerate(root.items))


def _item(index: int, node: JNode) -> Item:
    item = Item(index, node.pos.line, node.pos.column, _as_request(node))
    if node.kind != "object":
        item.error = "a request must be a JSON object"
    return item


def _lines(raw_lines: Iterable[bytes], first_line: int) -> Iterator[Item]:
    index = 0
    for n, raw in enumerate(raw_lines, first_line):
        if not raw.strip():
            continue
        yield read_line(raw, index, n)
        index += 1


def read_line(raw: bytes, index: int, line: int) -> Item:
    """One line of JSON Lines as a request, or the reason it is not one (located on that line)."""
    if len(raw) > MAX_REQUEST_CHARS:
        return Item(index, line, 1, error=f"the line has {len(raw):,} bytes; parc reads requests of at most "
                    f"{MAX_REQUEST_CHARS:,}")
    try:
        text = decode_utf8(raw)
    except JsonSyntaxError as exc:
        return Item(index, line, exc.pos.column, error=exc.message)
    try:
        request = loads(text)
    except JsonSyntaxError as exc:
        return Item(index, line, exc.pos.column, error=f"invalid JSON: {exc.message}")
    item = Item(index, line, 1, request)
    if not isinstance(request, dict):
        item.error = "a request must be a JSON object"
    return item


def _as_request(node: JNode) -> Any:
    """A request object as a dict whose policies stay positioned JNodes (plain values elsewhere), so that a policy
    error points at a line of the request file."""
    if node.kind != "object":
        return node.to_python()
    out: dict[str, Any] = {}
    for m in node.members:
        if m.key == "identity_policies" and m.node.kind == "array":
            out[m.key] = list(m.node.items)
        elif m.key in LEVEL_KEYS and m.node.kind == "array":
            out[m.key] = [list(level.items) if level.kind == "array" else level.to_python()
                          for level in m.node.items]
        elif m.key in POLICY_KEYS:
            out[m.key] = m.node
        else:
            out[m.key] = m.node.to_python()
    return out


def failure_text(failure: RequestFailure) -> str:
    """How the text format prints a request that got no decision, in its place."""
    where = f" (line {failure.line}, column {failure.column})" if failure.line else ""
    return f"error: request {failure.index}{where}: {failure.message}"
