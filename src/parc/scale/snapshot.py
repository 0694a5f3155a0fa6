"""What a worker analyses: the organization's snapshot, read by the worker from the path or shipped to it, and kept
once per worker process for every partition it runs.

Why: a partition is a few hundred principals, but its questions cross accounts (a role trusted by another account,
an SCP of the organization, a bucket policy elsewhere), so every worker needs the whole organization, read-only.
It is read (or unpickled) once per worker and reused, with its compiled policy sets, by every partition the worker
runs; the token of the run keys that cache, so a long-lived cluster never answers from an earlier run's files.

``local`` and ``processes`` workers see the driver's files and read them themselves (``path``); a cluster's workers
may not, so the driver ships what it read (``estate`` / ``inputs``, scattered once to every worker).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parc.core.account.escalation import Escalation
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.core.audit.inputs import AuditInput
from parc.scale.transport import Edge, decided_graph


@dataclass(frozen=True)
class Snapshot:
    """A run's snapshot as workers receive it: the path, or the loaded data when the path may not be shared."""

    token: str
    path: str
    """As the user gave it: the files named in the output are the same whoever reads them."""
    cwd: str = ""
    """The driver's working folder: a worker reading a relative ``path`` must be in it (processes it spawned are)."""
    estate: Estate | None = None
    inputs: AuditInput | None = None
    audit: bool = False
    """Whether the audit's inputs (positions, reports, network) are needed, not only the account models."""

    @staticmethod
    def of(path: str, scheduler: str, *, estate: Estate | None = None, inputs: AuditInput | None = None,
           audit: bool = False) -> Snapshot:
        """The snapshot for ``scheduler``: shipped to a cluster (``tcp://``), the path for local processes."""
        ship = scheduler.startswith("tcp://")
        return Snapshot(uuid.uuid4().hex, path, os.getcwd(), estate if ship else None, inputs if ship else None,
                        audit)

    def readable_path(self) -> str:
        """The path for this process to read; RuntimeError when it would name other files than the driver's."""
        if not os.path.isabs(self.path) and os.getcwd() != self.cwd:
            raise RuntimeError(f"this worker runs in {os.getcwd()}, not in {self.cwd} where {self.path} is")
        return self.path


_CACHE: dict[str, dict[object, Any]] = {}
"""token -> what this process built for that run (only the latest run is kept: a worker's memory stays bounded)."""


def cached(snapshot: Snapshot) -> dict[object, Any]:
    """This process's store for the run: estate, audit inputs, evaluators, escalation graphs, built on first use."""
    store = _CACHE.get(snapshot.token)
    if store is None:
        _CACHE.clear()
        store = {}
        _CACHE[snapshot.token] = store
    return store


def audit_inputs(snapshot: Snapshot) -> AuditInput:
    store = cached(snapshot)
    if "inputs" not in store:
        if snapshot.inputs is not None:
            store["inputs"] = snapshot.inputs
        else:
            from parc.loaders.snapshot import load_audit_snapshot

            store["inputs"] = load_audit_snapshot(snapshot.readable_path())
    inputs: AuditInput = store["inputs"]
    return inputs


def estate(snapshot: Snapshot) -> Estate:
    """The organization's account models (without validating the policies: the driver reports that)."""
    store = cached(snapshot)
    if "estate" not in store:
        if snapshot.audit:
            store["estate"] = audit_inputs(snapshot).estate
        elif snapshot.estate is not None:
            store["estate"] = snapshot.estate
        else:
            from parc.loaders.account import load_snapshot

            store["estate"] = load_snapshot(snapshot.readable_path())
    loaded: Estate = store["estate"]
    return loaded


@dataclass(frozen=True)
class Settings:
    """How the driver's evaluator was built (the workers' must decide alike)."""

    now: datetime | None = None
    rcp_services: frozenset[str] | None = None
    relax: bool = True


def default_settings(now: datetime | None = None, relax: bool = True) -> Settings:
    """The account commands' and the audit's evaluator: RCPs for the services AWS lists."""
    from parc.api import rcp_supported_services

    return Settings(now, rcp_supported_services(), relax)


def evaluator(snapshot: Snapshot, settings: Settings) -> Evaluator:
    """One evaluator per run and settings in this process: its compiled policy sets serve every partition."""
    store = cached(snapshot)
    key = ("evaluator", settings.now, settings.rcp_services)
    if key not in store:
        store[key] = Evaluator(estate(snapshot), rcp_services=settings.rcp_services, now=settings.now)
    ev: Evaluator = store[key]
    return ev


def escalation_graph(snapshot: Snapshot, settings: Settings, assume: Sequence[Edge]) -> Escalation:
    """One escalation graph per run and settings in this process, over the role-assumption graph the driver merged
    (its edges computed once across the workers, not again on each)."""
    store = cached(snapshot)
    key = ("escalation", settings)
    if key not in store:
        ev = evaluator(snapshot, settings)
        store[key] = Escalation(ev, relax=settings.relax, assume=decided_graph(ev, settings.relax, assume))
    esc: Escalation = store[key]
    return esc
