"""Clocks and reference answers shared by the account and audit benchmarks (issue 17).

Every stage is timed on two clocks: CPU time (``time.process_time`` of this process plus the CPU of any child
processes it waited for, from ``resource.getrusage``), which other load on a shared machine does not inflate, and
wall time beside it. Peak memory is the process's peak resident set size (``ru_maxrss``).

A benchmark's answers can be kept as a reference (``--save-reference FILE``) and later checked (``--check-reference
FILE``): canonical JSON (sorted keys, lists in a stable order), compared byte for byte, so a faster algorithm must
give exactly the answers of the code that saved the reference. Files ending in ``.gz`` are gzipped.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports kilobytes)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


class Clock:
    """Times stages; prints one line per stage (CPU, wall) and keeps them for the summary."""

    def __init__(self) -> None:
        self.stages: dict[str, tuple[float, float]] = {}

    def run(self, label: str, fn: Callable[[], T]) -> T:
        c0, w0 = cpu_seconds(), time.perf_counter()
        out = fn()
        cpu, wall = cpu_seconds() - c0, time.perf_counter() - w0
        self.stages[label] = (cpu, wall)
        print(f"  {label:<52} {cpu:8.2f} s CPU {wall:8.2f} s wall", flush=True)
        return out

    def summary(self) -> None:
        print(f"  {'peak RSS':<52} {peak_rss_mb():8.0f} MB", flush=True)


def canonical(value: Any, replace: dict[str, str] | None = None) -> str:
    """Canonical JSON text of ``value``: sorted keys, no spaces; ``replace`` substitutes strings in the text (a
    temporary folder's path)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    for old, new in (replace or {}).items():
        text = text.replace(json.dumps(old)[1:-1], new)
    return text


def sorted_json_list(items: list[Any]) -> list[Any]:
    """A list in a stable order: by each item's canonical text."""
    return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, default=str))


def _write(path: Path, text: str) -> None:
    data = text.encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def _read(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode()


def reference(answers: dict[str, str], save: Path | None, check: Path | None) -> int:
    """Save or check the answers (name -> canonical text); returns the exit status (1 when a check fails)."""
    doc = {name: json.loads(text) for name, text in answers.items()}
    text = json.dumps(doc, sort_keys=True, indent=0) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    if save is not None:
        _write(save, text)
        print(f"  reference saved to {save} (sha256 {digest})")
    if check is None:
        return 0
    want = json.loads(_read(check))
    status = 0
    for name in sorted(set(want) | set(doc)):
        a = json.dumps(want.get(name), sort_keys=True, separators=(",", ":"))
        b = json.dumps(doc.get(name), sort_keys=True, separators=(",", ":"))
        if a == b:
            print(f"  reference {name}: identical ({len(b)} bytes)")
            continue
        status = 1
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        print(f"  reference {name}: DIFFERENT at byte {at}: reference ...{a[max(0, at - 200):at + 200]}...\n"
              f"      now ...{b[max(0, at - 200):at + 200]}...")
    return status
