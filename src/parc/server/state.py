"""What the server answers from: the account snapshots given with ``--account``, loaded and checked once.

A :class:`ServerState` is immutable; the server holds the current one in a :class:`StateHolder` and swaps it whole
(one attribute assignment) when ``--reload-on-change`` sees new files, so a request that started on the old state
finishes on it and never sees half of each.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from parc.core.account.model import Estate
from parc.core.findings import Finding


@dataclass(frozen=True)
class Snapshot:
    """One ``--account DIR``: its folder, the estate loaded from it and what could not be read cleanly."""

    path: str
    estate: Estate
    findings: tuple[Finding, ...]

    @property
    def id(self) -> str:
        """The snapshot's name in ``/health``: its folder and the accounts it holds."""
        return f"{self.path} ({', '.join(a.account_id for a in self.estate.accounts)})"


@dataclass(frozen=True)
class ServerState:
    """The loaded snapshots (in ``--account`` order) and when they were loaded."""

    snapshots: tuple[Snapshot, ...] = ()
    loaded_at: float = field(default_factory=time.time)
    generation: int = 0

    @property
    def estates(self) -> tuple[Estate, ...]:
        return tuple(s.estate for s in self.snapshots)


class UnreadableSnapshot(ValueError):
    """A snapshot holds items parc could not read: serving answers over it would hide that."""

    def __init__(self, path: str, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        lines = [f"{path}: {len(self.findings)} item(s) could not be read; parc serve answers only over complete "
                 "snapshots (fix them or leave the folder out):"]
        for f in self.findings[:20]:
            where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
            lines.append(f"  {where}: {f.code}: {f.message}")
        super().__init__("\n".join(lines))


def load_snapshot_dir(path: str, validate: bool = True) -> Snapshot:
    """Load one ``--account`` folder. Raises SnapshotError (no snapshot there) or UnreadableSnapshot."""
    from parc.core.audit.unread import is_unreadable
    from parc.loaders.account import default_policy_check, load_snapshot

    estate = load_snapshot(path, check=default_policy_check() if validate else None)
    unread = [f for f in estate.findings if is_unreadable(f)]
    if unread:
        raise UnreadableSnapshot(path, unread)
    return Snapshot(path=path, estate=estate, findings=estate.findings)


def load_state(paths: Sequence[str], validate: bool = True, generation: int = 0) -> ServerState:
    """Load every ``--account`` folder (the server may run with none: the checks that take policies inline still
    work)."""
    return ServerState(tuple(load_snapshot_dir(p, validate) for p in paths), generation=generation)


def tree_signature(paths: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    """Every file under the snapshot folders with its mtime and size: a change to any of them changes this."""
    out: list[tuple[str, int, int]] = []
    for root in paths:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                p = os.path.join(dirpath, name)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out.append((p, st.st_mtime_ns, st.st_size))
    out.sort()
    return tuple(out)


class StateHolder:
    """The server's current state; replaced whole, never mutated (a request reads ``current`` once)."""

    def __init__(self, state: ServerState, paths: Sequence[str] = (), validate: bool = True) -> None:
        self.current = state
        self.paths = tuple(paths)
        self.validate = validate
        self.last_reload_error: str | None = None

    def swap(self, state: ServerState) -> None:
        self.current = state
