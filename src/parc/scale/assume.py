"""The role-assumption graph of an organization, its edges computed across Dask workers.

Why: every escalation search and the audit stand on this graph, and at organization scale it is the biggest single
cost (a role that trusts "*" within the organization has every principal of every account as a candidate). Its
edges are independent per target role, so partitions of roles (per account, capped: ``parc.scale.partition``) are
decided on the workers, each with the whole organization's principals as candidates, and the driver adds the
partitions' edges in order: the same graph, edge for edge and in the same order, as ``assume_graph`` in one process.
The merged graph is then shipped to the workers of the next stage rather than built again on each.
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.account.assume import AssumeGraph, assume_graph, population_of
from parc.core.account.evaluator import Evaluator
from parc.core.gcpause import without_cyclic_gc
from parc.scale.partition import role_partitions
from parc.scale.runner import run_map_shared
from parc.scale.snapshot import Settings, Snapshot, cached, evaluator
from parc.scale.transport import Edge, edge_out, graph_in


@dataclass(frozen=True)
class _AssumeJob:
    snapshot: Snapshot
    settings: Settings


@without_cyclic_gc
def _assume_part(job: _AssumeJob, roles: tuple[str, ...]) -> list[Edge]:
    ev = evaluator(job.snapshot, job.settings)
    store = cached(job.snapshot)
    key = ("population", job.settings)
    if key not in store:  # every partition of the run on this worker reads the same principals
        store[key] = population_of(ev)
    graph = assume_graph(ev, relax=job.settings.relax, roles=frozenset(roles), population=store[key])
    return [edge_out(e) for e in graph.edges]


def org_assume_graph(snapshot: Snapshot, ev: Evaluator, settings: Settings, scheduler: str) -> AssumeGraph:
    """``assume_graph(ev, relax=settings.relax)`` with its roles spread over ``scheduler``."""
    parts = role_partitions(ev.estate)
    results = run_map_shared(_assume_part, _AssumeJob(snapshot, settings), parts, scheduler)
    return graph_in(ev, (e for edges in results for e in edges))
