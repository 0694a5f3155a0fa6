"""``who-can``, ``what-can`` and ``escalation`` over an organization, partitioned and run by ``parc.scale.runner``.

Every partition sees the whole organization (``parc.scale.snapshot``: a role trusted across accounts, SCPs, bucket
policies elsewhere) and answers for its own part only; the driver concatenates the parts in partition order. The
cross-account questions stay exact because nothing is cut out of the data, only out of the work:

* ``escalation``: partitions of starting principals (``parc.scale.partition``); each path search crosses accounts
  freely on the worker's whole-organization graph. Per start the answer does not depend on the other starts, so the
  concatenation is the single-process answer.
* ``who-can``: partitions of the snapshot's principals, and one more for the principals the resource policy names
  that the snapshot does not hold; the entries are sorted by who-can's own order (``entry_order``).
* ``what-can``: one principal, so partitions of services (each decides only its service's actions); grants with
  the same resource, access level, decision and conditions merge across services, in what-can's own order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parc.core.account.escalation import EscalationResult, escalate_from
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.principals import Principal
from parc.core.account.what_can import Grant, WhatCanResult, grant_order, what_can
from parc.core.account.who_can import WhoCanEntry, WhoCanResult, entry_order, who_can
from parc.core.catalog import Catalog
from parc.core.gcpause import without_cyclic_gc
from parc.scale.assume import org_assume_graph
from parc.scale.partition import principal_partitions
from parc.scale.runner import run_map_shared
from parc.scale.snapshot import Settings, Snapshot, default_settings, escalation_graph, evaluator
from parc.scale.transport import Edge, edge_out, plain_path, plain_verdict

# ---- escalation --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EscalationJob:
    snapshot: Snapshot
    settings: Settings
    assume: tuple[Edge, ...]
    max_gains: int | None


@without_cyclic_gc
def _escalation_part(job: _EscalationJob, starts: tuple[str, ...]) -> EscalationResult:
    """``parc.core.account.escalation.escalation`` for these starts, on this worker's escalation graph (built once
    per worker and run over the shipped role-assumption graph, its edges shared by the worker's partitions)."""
    esc = escalation_graph(job.snapshot, job.settings, job.assume)
    paths, admins = escalate_from(esc, starts, job.max_gains)
    omitted = {arn: esc.omitted[arn] for arn in starts if arn in esc.omitted}
    return EscalationResult(tuple(plain_path(p) for p in paths), len(starts), tuple(admins), omitted)


@without_cyclic_gc
def org_escalation(snapshot: Snapshot, ev: Evaluator, principal: str | None, scheduler: str, *, relax: bool,
                   max_gains: int | None) -> EscalationResult:
    """Escalation paths of one principal, or of every user and role: the role-assumption graph's roles, then the
    starts, spread over ``scheduler``."""
    parts = [(ev.principal(principal).arn,)] if principal is not None else principal_partitions(ev.estate)
    settings = default_settings(ev.now, relax)
    graph = org_assume_graph(snapshot, ev, settings, scheduler)
    job = _EscalationJob(snapshot, settings, tuple(edge_out(e) for e in graph.edges), max_gains)
    return merge_escalation(run_map_shared(_escalation_part, job, parts, scheduler))


def merge_escalation(results: Sequence[EscalationResult]) -> EscalationResult:
    omitted: dict[str, int] = {}
    for r in results:
        omitted.update(r.omitted)
    return EscalationResult(tuple(p for r in results for p in r.paths), sum(r.principals for r in results),
                            tuple(a for r in results for a in r.administrators), omitted)


# ---- who-can -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WhoCanJob:
    snapshot: Snapshot
    action: str
    resource: str
    context: dict[str, object]
    relax: bool
    resource_account: str | None


_WhoCanPart = tuple[list[tuple[str | Principal, Verdict]], int, int, tuple[str, ...]]
"""A partition's (entries as (ARN or outside principal, plain verdict), candidates, principals, notes)."""


@without_cyclic_gc
def _who_can_part(job: _WhoCanJob, part: tuple[str, ...] | None) -> _WhoCanPart:
    """One partition: these principals of the snapshot, or (``None``) the principals it does not hold."""
    ev = evaluator(job.snapshot, default_settings())
    r = who_can(ev, job.action, job.resource, job.context, relax=job.relax, resource_account=job.resource_account,
                only=frozenset(part) if part is not None else frozenset(), outside=part is None)
    entries = [(e.principal.arn if e.principal.entity is not None else e.principal, plain_verdict(e.verdict))
               for e in r.entries]
    return entries, r.candidates, r.principals, r.notes


@without_cyclic_gc
def org_who_can(snapshot: Snapshot, ev: Evaluator, action: str, resource: str, context: dict[str, object],
                scheduler: str, *, relax: bool, resource_account: str | None) -> WhoCanResult:
    parts: list[tuple[str, ...] | None] = [*principal_partitions(ev.estate), None]
    job = _WhoCanJob(snapshot, action, resource, context, relax, resource_account)
    results = run_map_shared(_who_can_part, job, parts, scheduler)
    side = ev.resource_side(action, resource, resource_account)
    return merge_who_can(ev, action, resource, side, results)


def merge_who_can(ev: Evaluator, action: str, resource: str, side: ResourceSide,
                  results: Sequence[_WhoCanPart]) -> WhoCanResult:
    """The partitions' entries in who-can's own order, their counts summed (the outside partition, last, is always
    run: its notes are every partition's)."""
    entries = sorted((WhoCanEntry(ev.principal(p) if isinstance(p, str) else p, v)
                      for r in results for p, v in r[0]), key=entry_order)
    return WhoCanResult(action, resource, side, tuple(entries), sum(r[1] for r in results),
                        sum(r[2] for r in results), results[-1][3])


# ---- what-can ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WhatCanJob:
    snapshot: Snapshot
    principal: str
    relax: bool


_WhatCanPart = tuple[str | None, tuple[Grant, ...], int, tuple[str, ...]]
"""One service's (service, grants, denied pairs, unknown actions)."""


@without_cyclic_gc
def _what_can_part(job: _WhatCanJob, services: tuple[str, ...]) -> list[_WhatCanPart]:
    from parc.catalog import default_catalog

    ev = evaluator(job.snapshot, default_settings())
    catalog = default_catalog()
    out: list[_WhatCanPart] = []
    for s in services:
        r = what_can(ev, job.principal, catalog, s, relax=job.relax)
        out.append((r.service, r.grants, r.denied, r.unknown_actions))
    return out


SERVICES_PER_PARTITION = 24


def what_can_services(ev: Evaluator, principal: str, catalog: Catalog) -> list[str]:
    """The services whose actions some statement may grant ``principal``: those an Action pattern's service part
    matches (every service when a NotAction is there), and the service parts the catalog does not know (so that
    what-can still lists their actions as unknown). A superset is harmless: a service no statement names adds
    nothing."""
    p = ev.principal(principal)
    statements = [st for pol in p.identity for st in pol.statements]
    statements += [st for a in ev.estate.accounts for rp in a.resource_policies for st in rp.policy.statements]
    known = catalog.services()
    prefixes: set[str] = set()
    everything = False
    for st in statements:
        if st.effect != "Allow":
            continue
        if st.not_action is not None:
            everything = True
        for a in st.action or ():
            prefixes.add(a.value.split(":", 1)[0].lower())
    globs = [re.compile(re.escape(pre).replace(r"\*", ".*").replace(r"\?", ".")) for pre in prefixes]
    chosen = set(known) if everything else {s for s in known if any(g.fullmatch(s) for g in globs)}
    chosen |= {pre for pre in prefixes if "*" not in pre and "?" not in pre}
    if known and any("*" in pre or "?" in pre for pre in prefixes) and not chosen & set(known):
        chosen.add(known[0])  # a wildcard matching no service is listed unknown by any service's partition
    return sorted(chosen)


@without_cyclic_gc
def org_what_can(snapshot: Snapshot, ev: Evaluator, principal: str, catalog: Catalog, service: str | None,
                 scheduler: str, *, relax: bool) -> WhatCanResult:
    services = [service.lower()] if service else what_can_services(ev, principal, catalog)
    parts = [tuple(services[i:i + SERVICES_PER_PARTITION]) for i in range(0, len(services), SERVICES_PER_PARTITION)]
    results = [r for chunk in run_map_shared(_what_can_part, _WhatCanJob(snapshot, principal, relax), parts,
                                             scheduler) for r in chunk]
    if not results:
        return what_can(ev, principal, catalog, service, relax=relax)
    if service:
        return WhatCanResult(ev.principal(principal), *results[0])
    return merge_what_can(ev, principal, results)


def merge_what_can(ev: Evaluator, principal: str, results: Sequence[_WhatCanPart]) -> WhatCanResult:
    """The per-service answers as one: grants of the same (resource, access level, decision, conditions) merged,
    in what-can's order (ties by first action, as a single run inserts them)."""
    grouped: dict[tuple[str, str, str, tuple[str, ...]], set[str]] = {}
    for _, grants_of_service, _, _ in results:
        for g in grants_of_service:
            grouped.setdefault((g.resource, g.access_level, g.decision, g.conditions), set()).update(g.actions)
    grants = [Grant(res, level, tuple(sorted(acts)), label, conds)
              for (res, level, label, conds), acts in grouped.items()]
    grants.sort(key=lambda g: g.actions[0])
    grants.sort(key=grant_order)
    unknown = sorted({u for r in results for u in r[3]})
    return WhatCanResult(ev.principal(principal), None, tuple(grants), sum(r[2] for r in results),
                         tuple(unknown))
