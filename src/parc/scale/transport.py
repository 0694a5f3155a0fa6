"""What crosses between the driver and the workers: answers without the engine's compiled objects.

Why: a decision of the compiled engine keeps what it was decided with (the compiled plan, with its matchers, and
the request) so that its reasons can be settled later; shipped as is, every partition's answer would drag compiled
policy sets and whole principals (all their policies) along — cloudpickle manages it, at the cost of gigabytes and
minutes, and a compiled (mypyc) build may not pickle them at all. So each answer leaves the worker settled and
plain: decisions as their outcome, deciding statements, blocked-by, per-type outcomes and reasons (what every
organization-wide output reads); principals of the snapshot as their ARN, taken again from the receiver's own
snapshot; roles likewise. Everything here pickles with the standard library (a test holds it to that).
"""

from __future__ import annotations

import copyreg
from collections.abc import Iterable
from dataclasses import replace

from parc.core.account.assume import AssumeEdge, AssumeGraph
from parc.core.account.escalation import Path
from parc.core.account.evaluator import Evaluator, Verdict
from parc.core.account.principals import Principal, all_principals
from parc.core.authz.decision import Decision, LeanDecision, StatementRef

Edge = tuple[str | Principal, str, str, Verdict]
"""An assume edge in transit: (source ARN, or the outside principal itself; role ARN; action; plain verdict)."""


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
    return Verdict(plain_decision(v.strict), plain_decision(v.relaxed) if v.relaxed is not None else None,
                   v.relaxed_keys)


def plain_path(p: Path) -> Path:
    steps = tuple(replace(s, checks=tuple(replace(c, verdict=plain_verdict(c.verdict)) for c in s.checks))
                  for s in p.steps)
    return Path(p.principal, p.gains, steps)


def edge_out(e: AssumeEdge) -> Edge:
    source: str | Principal = e.source.arn if e.source.entity is not None else e.source
    return source, e.role.arn, e.action, plain_verdict(e.verdict)


def graph_in(ev: Evaluator, edges: Iterable[Edge]) -> AssumeGraph:
    """The role-assumption graph from edges in transit, on this process's snapshot (its principals and roles)."""
    for p in all_principals(ev.estate):
        ev.remember(p)
    graph = AssumeGraph()
    for source, role_arn, action, verdict in edges:
        role = ev.estate.role(role_arn)
        if role is None:  # pragma: no cover - driver and workers read the same snapshot
            raise RuntimeError(f"{role_arn} is not in this worker's snapshot")
        graph.add(AssumeEdge(ev.principal(source) if isinstance(source, str) else source, role, action, verdict))
    return graph
