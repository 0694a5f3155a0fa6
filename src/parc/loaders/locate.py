"""Lines for located findings: a loader reports a file and a JSON path; the file is read again with positions (only
when there are such findings) and the path's line and column are added, so that every problem of a snapshot says
where it is, in the audit and in the account and network commands alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parc.core.findings import Finding, Position
from parc.core.policy.jsonpos import JNode, parse_json


def locate(findings: list[Finding], trees: dict[str, JNode | None] | None = None) -> None:
    """Give findings with a JSON path a line and column (read again, with positions, only when there are any).
    ``trees``: the files read with positions so far (None where unreadable), filled here; a caller that needs
    the same files' positions afterwards (the audit's network evidence) passes it, so each is read once."""
    if trees is None:
        trees = {}
    for i, fd in enumerate(findings):
        if not fd.file or not fd.path or fd.position is not None:
            continue
        if fd.file not in trees:
            try:
                trees[fd.file] = parse_json(Path(fd.file).read_text(encoding="utf-8-sig"))
            except (OSError, ValueError, RecursionError):
                trees[fd.file] = None
        tree = trees[fd.file]
        pos = find(tree, fd.path) if tree is not None else None
        if pos is not None:
            findings[i] = Finding(fd.code, fd.finding_type, fd.message, fd.path, pos, fd.file, fd.learn_more,
                                  fd.fix, dict(fd.details))


def find(tree: Any, path: str) -> Position | None:
    node: Any = tree
    if node.kind == "array":  # a bare list file: its key was added by the loader
        path = path.split("[", 1)[1] if "[" in path else path
        path = "[" + path
    best: Position = node.pos
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            try:
                idx = int(part[1 : part.index("]")])
            except ValueError:
                return best
            if node.kind != "array" or idx >= len(node.items):
                return best
            node = node.items[idx]
        else:
            if node.kind != "object":
                return best
            m = node.get(part)
            if m is None:
                return best
            node = m.node
        best = node.pos
    return best
