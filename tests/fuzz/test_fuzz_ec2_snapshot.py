"""Fuzz the EC2 loader and the network questions over it (issue 19): the bundled examples/vpc snapshot, mutated
structurally (a wrong type at any field, a dropped or duplicated key or item, deep nesting) and byte-wise.

The loader may refuse a file as a whole (``Ec2LoadError``, with the file and line); it never raises anything else,
and ``exposed`` / ``check`` / the network findings over what it loaded raise only parc's own errors. A value of
another JSON type than AWS writes at a field parc reads is never dropped silently: the snapshot is the same as
before, or an unreadable-input finding says what was left out.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from snapshot_mutations import bytewise, dumps, json_kind, structural

from parc.core.audit.unread import is_unreadable
from parc.core.network import Network, UnknownEndpoint
from parc.core.network.audit import network_findings
from parc.core.network.exposure import exposed
from parc.core.network.traffic import ProtocolError
from parc.loaders.ec2 import Ec2LoadError, LoadResult, from_data, load

VPC = Path(__file__).resolve().parents[2] / "examples" / "vpc"
FILES = {p.name: json.loads(p.read_text()) for p in sorted(VPC.glob("*.json"))}
MERGED: dict[str, Any] = {k: v for doc in FILES.values() for k, v in doc.items()}
BASELINE = from_data(MERGED)


def ask(result: LoadResult) -> None:
    """The questions parc net and the audit ask of a snapshot; only parc's own errors may come out."""
    net = Network(result.snapshot)
    exps = exposed(net)
    network_findings(net, exps)
    instances = [i.id for i in result.snapshot.instances][:2]
    for src, dst in [(instances[0], "0.0.0.0"), ("203.0.113.9", instances[-1])] if instances else []:
        with suppress(UnknownEndpoint, ProtocolError):
            net.check(src, dst, "tcp", 22)


@fuzz
@given(st.data())
def test_structural_mutations_load_and_are_reported(data: st.DataObject) -> None:
    mutated, path, how, old = data.draw(structural(MERGED))
    result = from_data(mutated)
    ask(result)
    new: Any = mutated
    try:
        for k in path:
            new = new[k]
    except (KeyError, IndexError, TypeError):
        return
    kinds = {json_kind(old), json_kind(new)}
    if how != "replace" or "null" in kinds or len(kinds) == 1 or kinds == {"number", "string"}:
        return  # absent, same type, or a number written as a string (both forms are accepted)
    if result.snapshot != BASELINE.snapshot:
        assert any(is_unreadable(f) for f in result.findings), (path, old, new)


@fuzz
@given(st.data())
def test_bytewise_mutations_load_or_fail_with_the_file(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(FILES)))
    text = data.draw(bytewise(dumps(FILES[name])))
    with tempfile.TemporaryDirectory() as tmp:
        for other, doc in FILES.items():
            (Path(tmp) / other).write_text(dumps(doc), encoding="utf-8")
        (Path(tmp) / name).write_text(text, encoding="utf-8", errors="surrogateescape")
        try:
            result = load(tmp)
        except Ec2LoadError as exc:
            assert name in str(exc)
            return
        ask(result)
