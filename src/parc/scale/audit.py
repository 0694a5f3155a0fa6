"""``parc audit`` over an organization with its administrators-and-escalation stage spread over Dask workers.

That stage is the audit's cost that grows fastest (a path search per principal, across accounts); the other stages
run in the driver as before. Each partition (``parc.scale.partition``) runs ``parc.core.audit.privilege`` for its
principals on the worker's whole-organization inputs, evaluator and escalation graph (read or received once per
worker, ``parc.scale.snapshot``), so cross-account paths are found as in one process; the driver concatenates the
findings, administrators and paths in partition order (the single-process order) and the audit goes on with them:
org-level findings (access from outside, the graph, logging) are computed on the merged data, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from parc.core.account.assume import assume_graph
from parc.core.account.escalation import Escalation, Path
from parc.core.account.evaluator import Evaluator
from parc.core.account.principals import all_principals
from parc.core.audit.inputs import AuditInput
from parc.core.audit.model import CheckResult
from parc.core.audit.privilege import PrivilegeResult, privilege
from parc.core.audit.run import PrivilegeRun
from parc.scale.partition import principal_partitions
from parc.scale.runner import run_map_shared
from parc.scale.snapshot import Snapshot, audit_inputs, cached


@dataclass(frozen=True)
class _PrivilegeJob:
    snapshot: Snapshot
    now: datetime
    rcp_services: frozenset[str] | None


def _privilege_part(job: _PrivilegeJob, starts: tuple[str, ...]) -> tuple[CheckResult, dict[str, bool], list[Path]]:
    """``privilege`` for these principals on this worker's organization (its escalation graph built once)."""
    inputs = audit_inputs(job.snapshot)
    store = cached(job.snapshot)
    key = f"audit escalation {job.now.isoformat()}"
    esc: Escalation | None = store.get(key)
    if esc is None:
        ev = Evaluator(inputs.estate, rcp_services=job.rcp_services, now=job.now)
        esc = store[key] = Escalation(ev, assume=assume_graph(ev))
    checked, found = privilege(inputs, esc.ev, esc, None, only=frozenset(starts))
    return checked, found.administrators, list(found.paths)


def privilege_runner(snapshot: Snapshot, scheduler: str, now: datetime,
                     rcp_services: frozenset[str] | None) -> PrivilegeRun:
    """A ``privilege`` for ``AuditOptions.privilege`` that runs the partitions on ``scheduler``."""

    def run(inputs: AuditInput, ev: Evaluator, esc: Escalation,
            tick: Callable[[], None] | None) -> tuple[CheckResult, PrivilegeResult]:
        parts = principal_partitions(ev.estate)
        results = run_map_shared(_privilege_part, _PrivilegeJob(snapshot, now, rcp_services), parts, scheduler)
        found = PrivilegeResult(principals=all_principals(ev.estate))
        checked = CheckResult()
        for part_checked, administrators, paths in results:
            checked += part_checked
            found.administrators.update(administrators)
            found.paths.extend(paths)
        if tick is not None:
            for _ in found.principals:
                tick()
        return checked, found

    return run
