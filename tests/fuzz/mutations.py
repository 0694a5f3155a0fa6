"""Mutations of valid documents for the fuzz tests: structural (a hostile value at any place, a key dropped,
renamed or duplicated) and byte-wise (bytes flipped, inserted, deleted, the text cut), with the hostile values
issue 19 found: numbers of thousands of digits, nesting thousands deep, text that is not UTF-8.

Big numbers and deep nesting cannot go through ``json.dumps`` (Python refuses to print such an integer, and
recurses on such a list), so structural mutations put a placeholder string in the value and ``to_text`` writes
the hostile text in its place.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "policies"

HOSTILE_TEXT = {
    "@BIGINT@": "7" * 4400,
    "@NEGBIG@": "-" + "1" * 5000,
    "@BIGFLOAT@": "1e99999",
    "@LONGFLOAT@": "0." + "3" * 6000,
    "@DEEPARRAY@": "[" * 3000 + "]" * 3000,
    "@DEEPOBJECT@": '{"a":' * 3000 + "1" + "}" * 3000,
}
"""Placeholders (as JSON strings) and the text that replaces them."""

PLAIN_VALUES = [None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, "", "*", "?", "${aws:username}", "\u0000",
                "\ud800", "arn:aws:s3:::b/*", "arn:", "arn:aws:iam::111122223333:root", "s3:GetObject", "a" * 3000,
                [], {}, [None], ["*"], {"": ""}, {"AWS": "*"}, {"StringEquals": {"aws:username": ["a"]}},
                {"DateGreaterThan": {"aws:CurrentTime": "2019-99-99"}}, {"IpAddress": {"aws:SourceIp": "1.2.3.4/99"}},
                {"NumericLessThan": {"s3:max-keys": "@BIGINT@"}}, {"Bool": {"aws:SecureTransport": 5}},
                {"ForAllValues:StringLike": {"aws:TagKeys": [[], {}]}}, {"Null": {"x": "maybe"}}]


def seed_policies() -> list[Any]:
    """The bundled example policies that parse (every type), as Python values."""
    out: list[Any] = []
    for f in sorted(EXAMPLES.rglob("*.json")):
        if "broken" in f.parts:
            continue
        try:
            out.append(json.loads(f.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError):
            continue
    return out


SEEDS = seed_policies()


def hostile_values() -> st.SearchStrategy[Any]:
    # Copied: a later mutation of the same document may change what it was given in place.
    return st.one_of(st.sampled_from(PLAIN_VALUES).map(copy.deepcopy), st.sampled_from(sorted(HOSTILE_TEXT)),
                     st.integers(), st.floats(allow_nan=False), st.text(max_size=20))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a value (the root included)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return root


@st.composite
def mutated(draw: st.DrawFn, seed: Any) -> Any:
    """``seed`` with one to three structural mutations."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        kind = draw(st.sampled_from(["replace", "replace", "drop", "rename", "wrap"]))
        target: Any = doc
        for step in path[:-1]:
            target = target[step]
        if kind == "replace" or not path:
            doc = _set(doc, path, draw(hostile_values()))
        elif kind == "drop" and isinstance(target, (dict, list)):
            del target[path[-1]]
        elif kind == "rename" and isinstance(target, dict):
            value = target.pop(path[-1])
            target[draw(st.sampled_from([str(path[-1]).lower(), str(path[-1]).upper(), "", "Statement"]))] = value
        else:
            doc = _set(doc, path, [draw(hostile_values()), copy.deepcopy(_get(doc, path))])
    return doc


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        root = root[step]
    return root


def to_text(value: Any) -> str:
    """JSON text of a (mutated) value, the placeholders replaced by their hostile text."""
    text = json.dumps(value)
    for mark, hostile in HOSTILE_TEXT.items():
        text = text.replace(json.dumps(mark), hostile)
    return text


def to_python(value: Any) -> Any:
    """The value with the placeholders replaced by hostile Python values (an integer of 4,400 digits, a list
    nested 3,000 deep), for the APIs that take dicts."""
    if isinstance(value, str) and value in HOSTILE_TEXT:
        if "DEEP" in value:
            deep: Any = 1
            for _ in range(3000):
                deep = [deep]
            return deep
        if value == "@BIGFLOAT@":
            return float("inf")
        return -(10**5000) if value.startswith("@NEG") else 7 * 10**4400
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_python(v) for v in value]
    return value


@st.composite
def byte_mutated(draw: st.DrawFn, text: str) -> bytes:
    """The text's UTF-8 bytes with one to four byte-wise mutations."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            data += b"{"
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "hostile"]))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 8))]
        elif op == "cut":
            del data[i:]
        else:
            data[i:i] = draw(st.sampled_from([b"\xff", b"\xc3", b"[" * 2000, b"9" * 4400, b'"\\ud800"', b"\x00",
                                              b"\xef\xbb\xbf", b"}", b","]))
    return bytes(data)
