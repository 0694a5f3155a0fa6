"""``parc audit`` over an organization with its two costliest stages spread over Dask workers: the role-assumption
graph (``parc.scale.assume``) and the administrators-and-escalation stage.

Those stages grow fastest with the organization (candidates and path searches across accounts); the other stages
run in the driver as before. Each privilege partition (``parc.scale.partition``) runs ``parc.core.audit.privilege``
for its principals on the worker's whole-organization inputs and evaluator, over the role-assumption graph the
driver merged and shipped, so cross-account paths are found as in one process; the driver concatenates the
findings, administrators and paths in partition order (the single-process order) and the audit goes on with them:
org-level findings (access from outside, the access graph, logging) are computed on the merged data, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from parc.core.account.assume import AssumeGraph
from parc.core.account.escalation import Escalation, Path
from parc.core.account.evaluator import Evaluator
from parc.core.audit.inputs import AuditInput
from parc.core.audit.model import CheckResult
from parc.core.audit.privilege import PrivilegeResult, privilege
from parc.core.audit.run import PrivilegeRun
from parc.core.gcpause import without_cyclic_gc
from parc.scale.assume import org_assume_graph
from parc.scale.partition import principal_partitions
from parc.scale.runner import run_map_shared
from parc.scale.snapshot import Settings, Snapshot, audit_inputs, escalation_graph
from parc.scale.transport import Edge, edge_out, plain_path


@dataclass(frozen=True)
class _PrivilegeJob:
    snapshot: Snapshot
    settings: Settings
    assume: tuple[Edge, ...]


@without_cyclic_gc
def _privilege_part(job: _PrivilegeJob, starts: tuple[str, ...]) -> tuple[CheckResult, dict[str, bool], list[Path]]:
    """``privilege`` for these principals on this worker's organization and escalation graph."""
    inputs = audit_inputs(job.snapshot)
    esc = escalation_graph(job.snapshot, job.settings, job.assume)
    checked, found = privilege(inputs, esc.ev, esc, None, only=frozenset(starts))
    return checked, found.administrators, [plain_path(p) for p in found.paths]


@dataclass(frozen=True)
class Spread:
    """The audit's hooks (``AuditOptions.assume`` and ``.privilege``) that run those stages on ``scheduler``."""

    assume: Callable[[Evaluator], AssumeGraph]
    privilege: PrivilegeRun


def spread_audit(snapshot: Snapshot, scheduler: str, settings: Settings) -> Spread:
    @without_cyclic_gc
    def assume(ev: Evaluator) -> AssumeGraph:
        return org_assume_graph(snapshot, ev, settings, scheduler)

    @without_cyclic_gc
    def run(inputs: AuditInput, ev: Evaluator, esc: Escalation,
            tick: Callable[[], None] | None) -> tuple[CheckResult, PrivilegeResult]:
        parts = principal_partitions(ev.estate)
        job = _PrivilegeJob(snapshot, settings, tuple(edge_out(e) for e in esc.assume.edges))
        results = run_map_shared(_privilege_part, job, parts, scheduler)
        found = PrivilegeResult(principals=list(ev.principals()))
        checked = CheckResult()
        for part_checked, administrators, paths in results:
            checked += part_checked
            found.administrators.update(administrators)
            found.paths.extend(paths)
        if tick is not None:
            for _ in found.principals:
                tick()
        return checked, found

    return Spread(assume, run)
