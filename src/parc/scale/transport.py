"""What crosses between the driver and the workers: answers without the engine's compiled objects.

Why: a decision of the compiled engine keeps what it was decided with (the compiled plan, with its matchers, and
the request) so that its reasons can be settled later; shipped as is, every partition's answer would drag compiled
policy sets and whole principals (all their policies) along — cloudpickle manages it, at the cost of gigabytes and
minutes, and a compiled (mypyc) build may not pickle them at all. So each answer leaves the worker settled and
plain: decisions as their outcome, deciding statements, blocked-by, per-type outcomes and reasons (what every
organization-wide output reads); principals of the snapshot as their ARN, taken again from the receiver's own
snapshot; roles likewise. The role-assumption graph's edges, far more numerous, cross as their outcome only: the
driver's access graph reads no more, and a worker's search decides an edge again (the fast path, no settling) when
it first reaches the edge's source. Everything here pickles with the standard library (a test holds it to that).
"""

from __future__ import annotations

import copyreg
from collections.abc import Iterable
from dataclasses import replace

from parc.core.account.assume import AssumeEdge, AssumeGraph
from parc.core.account.escalation import Path
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Role
from parc.core.account.principals import Principal
from parc.core.authz.decision import Decision, LeanDecision, StatementRef
from parc.core.gcpause import without_cyclic_gc

Outcome = tuple[str, str | None, tuple[str, ...]]
"""A verdict's outcome: (strict decision, relaxed decision or None, relaxed keys) — what a search reads."""
Edge = tuple[str | Principal, str, str, Outcome]
"""An assume edge in transit: (source ARN, or the outside principal itself; role ARN; action; outcome)."""


def plain_decision(d: Decision) -> Decision:
    """The decision settled, without what settling it needed (``missing_context_keys`` is then empty: no
    organization-wide output reads it)."""
    return Decision(d.decision, d.deciding, d.blocked_by, dict(d.by_policy_type), d.reasons)


# Decisions and statement references are classes of the compiled engine: a mypyc build does not pickle native
# classes, so they cross as tuples of their fields (registered with copyreg, which pickle and cloudpickle both
# follow), and every decision crosses settled and plain whatever the engine build.

_RefFields = tuple[str, str | None, int, str | None, int, str, int | None, int | None, tuple[str, ...], int | None]


def _ref_fields(r: StatementRef) -> _RefFields:
    return (r.policy_type, r.policy_name, r.policy_index, r.sid, r.statement_index, r.effect, r.line, r.column,
            r.condition_keys, r.level)


def statement_ref(fields: _RefFields) -> StatementRef:
    return StatementRef(*fields)


def decision(fields: tuple[str, tuple[_RefFields, ...], tuple[str, ...], dict[str, str], tuple[str, ...]]
             ) -> Decision:
    verdict, deciding, blocked_by, by_type, reasons = fields
    return Decision(verdict, tuple(statement_ref(r) for r in deciding), blocked_by, by_type, reasons)


def _reduce_ref(r: StatementRef) -> tuple[object, tuple[object, ...]]:
    return statement_ref, (_ref_fields(r),)


def _reduce_decision(d: Decision) -> tuple[object, tuple[object, ...]]:
    return decision, ((d.decision, tuple(_ref_fields(r) for r in d.deciding), tuple(d.blocked_by),
                       dict(d.by_policy_type), tuple(d.reasons)),)


for _cls in (Decision, LeanDecision):
    copyreg.pickle(_cls, _reduce_decision)  # type: ignore[arg-type]
copyreg.pickle(StatementRef, _reduce_ref)  # type: ignore[arg-type]


def plain_verdict(v: Verdict) -> Verdict:
    if isinstance(v, _Decided):
        v = v.full()
    return Verdict(plain_decision(v.strict), plain_decision(v.relaxed) if v.relaxed is not None else None,
                   v.relaxed_keys)


def plain_path(p: Path) -> Path:
    steps = tuple(replace(s, checks=tuple(replace(c, verdict=plain_verdict(c.verdict)) for c in s.checks))
                  for s in p.steps)
    return Path(p.principal, p.gains, steps)


def edge_out(e: AssumeEdge) -> Edge:
    """The edge without its decisions' detail: settling and shipping the statements of every edge would cost more
    than deciding them (an organization's roles trusting "*" have an edge from every principal)."""
    source: str | Principal = e.source.arn if e.source.entity is not None else e.source
    v = e.verdict
    return source, e.role.arn, e.action, (v.strict.decision, v.relaxed.decision if v.relaxed else None,
                                          v.relaxed_keys)


def _outcome_verdict(o: Outcome) -> Verdict:
    """A verdict with the outcome only: enough for what reads ``allowed``, ``possible``, ``label`` and the relaxed
    keys (the access graph, the search); not for the deciding statements."""
    return Verdict(Decision(o[0]), Decision(o[1]) if o[1] is not None else None, o[2])


def _source(ev: Evaluator, source: str | Principal) -> Principal:
    return ev.principal(source) if isinstance(source, str) else source


@without_cyclic_gc
def graph_in(ev: Evaluator, edges: Iterable[Edge]) -> AssumeGraph:
    """The role-assumption graph from edges in transit, on this process's snapshot, with outcome-only verdicts
    (the driver's graph: the access graph reads only whether each edge is conditional)."""
    ev.principals()
    graph = AssumeGraph()
    for source, role_arn, action, outcome in edges:
        graph.add(AssumeEdge(_source(ev, source), _role(ev, role_arn), action, _outcome_verdict(outcome)))
    return graph


def _role(ev: Evaluator, arn: str) -> Role:
    role = ev.estate.role(arn)
    if role is None:  # pragma: no cover - driver and workers read the same snapshot
        raise RuntimeError(f"{arn} is not in this process's snapshot")
    return role


class _Decided(Verdict):
    """An edge's verdict in a worker's search: the outcome, as shipped, for the search (``allowed``, ``possible``,
    ``label``, the relaxed keys), and the full verdict — the engine's decision on the same request with the role's
    trust policy, as ``assume_graph`` makes it — decided only when its statements are read (the steps of the paths
    reported). Deciding every edge again would cost as much as the graph itself."""

    __slots__ = ("_ask", "_full")
    _ask: tuple[Evaluator, Principal, Role, str, bool]

    def full(self) -> Verdict:
        got: Verdict | None = getattr(self, "_full", None)
        if got is None:
            ev, p, role, action, relax = self._ask
            side = ResourceSide(role.trust, role.account_id, role.arn)
            got = ev.verdict(p, action, role.arn, side=side, relax=relax)
            object.__setattr__(self, "_full", got)
        return got

    @property
    def decision(self) -> Decision:
        return self.full().decision

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.full().conditions

    def to_dict(self) -> dict[str, object]:
        return self.full().to_dict()


@without_cyclic_gc
def decided_graph(ev: Evaluator, relax: bool, edges: Iterable[Edge]) -> AssumeGraph:
    """A worker's role-assumption graph for the escalation search: outcomes as shipped, each edge's full verdict
    decided when first read."""
    ev.principals()
    graph = AssumeGraph()
    for source, role_arn, action, o in edges:
        role = _role(ev, role_arn)
        p = _source(ev, source)
        v = _Decided(Decision(o[0]), Decision(o[1]) if o[1] is not None else None, o[2])
        object.__setattr__(v, "_ask", (ev, p, role, action, relax))
        graph.add(AssumeEdge(p, role, action, v))
    return graph
