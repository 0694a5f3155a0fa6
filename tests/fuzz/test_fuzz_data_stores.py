"""Fuzz the data-store reader (issue 13): any JSON value at any field of the files it reads (volumes, snapshots,
databases, file systems, keys, secrets, bucket encryption) never crashes it, and nothing is lost silently: every
item of a list is either read (with values of the types the checks expect) or left out with a located problem naming
the file, and a file of the wrong shape is a problem too. Each item, and each problem, is where the positioned reader
puts it (the loader finds only those positions, ``jsonwhere``)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode, parse_json
from parc.core.policy.jsonwhere import path_parts
from parc.loaders.data_stores import REGION_FILES, ListFile, load_data_stores

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
LISTS = [s for s in REGION_FILES if isinstance(s, ListFile)]


@st.composite
def item(draw: st.DrawFn, spec: ListFile) -> Any:
    """An item with the spec's fields, each a plausible value or anything at all, some left out."""
    out: dict[str, Any] = {}
    for name, kind in {**spec.fields, spec.id_key: "!str"}.items():
        if draw(st.integers(0, 9)) == 0:
            continue
        plausible = st.booleans() if "bool" in kind else st.text(min_size=1, max_size=8)
        out[name] = draw(plausible if draw(st.integers(0, 3)) else JSON)
    return out if draw(st.integers(0, 9)) else draw(JSON)


def deepest_position(tree: JNode, path: str) -> Position:
    """The positioned reader's position of the deepest node on ``path`` (a repeated key: its first value)."""
    node = tree
    for part in path_parts(path):
        if isinstance(part, int) and node.kind == "array" and part < len(node.items):
            node = node.items[part]
        elif isinstance(part, str) and node.kind == "object" and (m := node.get(part)) is not None:
            node = m.node
        else:
            break
    return node.pos


@fuzz
@given(st.data())
def test_every_item_is_read_or_reported(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(LISTS))
    items = data.draw(st.lists(item(spec), max_size=4))
    top: Any = {spec.key: items} if data.draw(st.integers(0, 9)) else data.draw(JSON)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        f = folder / spec.folder / "eu-west-1" / spec.name
        f.parent.mkdir(parents=True)
        f.write_text(json.dumps(top, indent=data.draw(st.sampled_from([None, 1, 2]))))
        tree = parse_json(f.read_text())
        stores, problems = load_data_stores(folder, "123456789012")
    assert all(p.file == str(f) for p in problems)
    read = stores.of(spec.kind)
    for i in read:
        for name, kind in spec.fields.items():
            v = i.values.get(name)
            assert v is None or isinstance(v, bool if "bool" in kind else str), (name, v)
        assert i.line is not None and i.file == str(f)
        assert Position(i.line, i.column) == deepest_position(tree, i.path)  # type: ignore[arg-type]
    for p in problems:  # where the positioned reader puts the item, or the part of it that is wrong
        assert p.position == deepest_position(tree, p.path), (p.path, p.message)
    if isinstance(top, dict) and isinstance(top.get(spec.key), list):
        assert len(read) + len(problems) == len(top[spec.key])
    else:
        assert not read and [p.code for p in problems] == ["ACCOUNT_FILE_UNREADABLE"]
