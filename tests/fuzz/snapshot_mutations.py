"""Mutations of valid JSON documents for the fuzz tests: a wrong type at any field, a dropped or duplicated key or
item, big numbers, deep nesting; and byte-wise edits of the file's text (flips, insertions, truncation)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 65536, 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["", "*", "-1", "tcp", "10.0.0.0/8", "0.0.0.0/0", "::/0", "arn:aws:iam::123456789012:root",
                     "sg-1", "i-1", "{", "arn:", "9" * 50]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path in a decoded JSON document (the root excluded)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def get(doc: Any, path: Path) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object"


@st.composite
def structural(draw: st.DrawFn, doc: Any) -> tuple[Any, Path, str, Any]:
    """(mutated copy, path, what was done, the old value): a replacement, a deletion or a duplication."""
    out = copy.deepcopy(doc)
    all_paths = list(paths(out))
    path = draw(st.sampled_from(all_paths))
    parent = get(out, path[:-1])
    key = path[-1]
    old = parent[key]
    how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "deep", "wrap"]))
    if how == "delete":
        del parent[key]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(int(key), copy.deepcopy(old))
    elif how == "deep":
        deep: Any = old
        for _ in range(draw(st.integers(min_value=50, max_value=400))):
            deep = [deep]
        parent[key] = deep
    elif how == "wrap":
        parent[key] = draw(st.sampled_from([[old], {"x": old}, str(old)]))
    else:
        how = "replace"
        parent[key] = draw(VALUES)
    return out, path, how, old


@st.composite
def bytewise(draw: st.DrawFn, text: str) -> str:
    """The text with a few bytes flipped, inserted or deleted, or cut short; sometimes a huge number or deep
    nesting spliced in (what Python's own JSON reader cannot take)."""
    data = bytearray(text.encode())
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        how = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "bignum", "nest", "dupkey"]))
        at = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        if how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif how == "delete" and data:
            del data[at:at + draw(st.integers(min_value=1, max_value=8))]
        elif how == "truncate":
            del data[at:]
        elif how == "bignum":
            digits = data.find(b"0", at)
            if digits >= 0:
                data[digits:digits] = b"7" * 5000
        elif how == "nest":
            colon = data.find(b": ", at)
            if colon >= 0:
                depth = draw(st.sampled_from([500, 3000]))
                end = data.find(b",", colon)
                if end > colon:
                    data[colon + 2:end] = b"[" * depth + b"1" + b"]" * depth
        elif how == "dupkey":
            brace = data.find(b"{", at)
            if brace >= 0:
                data[brace + 1:brace + 1] = b'"GroupId": 5, "Arn": [], '
    return data.decode("utf-8", errors="surrogateescape") if draw(st.booleans()) else data.decode("latin-1")


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=1)
