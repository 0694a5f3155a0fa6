"""Covering the granting statements: a request (replayed through the engine) for each statement that can grant,
and a proof for the rest, in as few solver queries as possible.

One query over all the statements at once proves most PASS answers. But a disjunction of many statements with
string constraints can stump both solvers where each statement alone takes milliseconds (a public check of 29
statements: seconds per query, then a timeout, against 4 ms per statement), so the disjunction gets z3's first
slice only; when that does not settle it, the statements are asked one at a time: first each with z3's first
slice, then the ones still open with the whole portfolio and the time left. Each request found is credited to
every statement it satisfies, and a request for another statement is tried by changing only its action
(``_neighbour``) before the solvers are asked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement
from parc.core.authz.engine import PolicySet
from parc.core.reasoning import smt
from parc.core.reasoning.encode import any_of
from parc.core.reasoning.question import ReplayMismatch, _cx, _Question, _ref, _replay
from parc.core.reasoning.result import Counterexample

Grants = list[tuple[CompiledStatement, Any]]


def _cover(q: _Question, base: Any, grants: Grants, request: Any,
           concrete: Sequence[tuple[PolicySet, bool]]) -> list[Counterexample]:
    """A request for each granting statement that can grant; none for a statement the solvers show cannot (or
    cannot decide: the question records that as UNKNOWN)."""
    found: list[Counterexample] = []
    left = [(s, f) for s, f in grants if not z3.is_false(f)]
    while left:
        out = q.solve(z3.And(base, any_of(q.enc.ctx, (f for _, f in left))), quick=len(left) > 1)
        if out.status == smt.UNSAT or (out.status == smt.UNKNOWN and len(left) == 1):
            return found
        if out.status == smt.UNKNOWN:
            break
        left = _credit(q, base, left, out.model, request, concrete, found)
    # One statement at a time: z3's first slice for each, then the whole portfolio for those still open.
    for quick in (True, False):
        hard: Grants = []
        while left and not q.expired():
            (s, f), rest = left[0], left[1:]
            out = q.solve(z3.And(base, f), quick=quick)
            if out.status == smt.SAT:
                left = _credit(q, base, left, out.model, request, concrete, found)
                continue
            if out.status == smt.UNKNOWN and quick:
                hard.append((s, f))
            left = rest
        left = hard + left  # with the time left, only hard; else what was not asked too
    if left:
        q.unknown.append("the time limit was reached before every statement was asked")
    return found


def _credit(q: _Question, base: Any, left: Grants, model: Any, request: Any,
            concrete: Sequence[tuple[PolicySet, bool]], found: list[Counterexample]) -> Grants:
    """Replay the model's request, credit it to every statement left that it satisfies, and do the same for the
    requests ``_neighbour`` finds without a query; returns the statements still left."""
    first = model
    while True:
        req = request(model)
        for policies, expect in concrete:
            _replay(policies, req, expect, "the policies" if expect else "OLD")
        hit = [(s, f) for s, f in left if z3.is_true(model.eval(f, model_completion=True))]
        if not hit:  # pragma: no cover - the model satisfies the formula asked
            raise ReplayMismatch("the solver's model satisfies no statement")
        found.extend(_cx(req, _ref(s)) for s, _ in hit)
        left = [(s, f) for s, f in left if all(s is not h for h, _ in hit)]
        nxt = _neighbour(q, base, left, first)
        if nxt is None:
            return left
        model = nxt


class _ActionSwapped:
    """A model with the action class replaced: the same request but for its action (model evaluation only)."""

    def __init__(self, model: Any, act: Any, value: Any) -> None:
        self.model, self.act, self.value = model, act, value

    def eval(self, e: Any, model_completion: bool = False) -> Any:
        return self.model.eval(z3.substitute(e, (self.act, self.value)), model_completion=model_completion)


_NEIGHBOURS = 4
"""Action classes tried per statement left, before the solvers are asked again."""


def _neighbour(q: _Question, base: Any, left: Grants, model: Any) -> Any | None:
    """A request for one of the statements left, found without a query: the model's request with only its action
    changed to one the statement names, kept when the whole question (domain included) evaluates to true on it.
    Exact: it is a satisfying assignment, and it is replayed through the engine like any other."""
    enc = q.enc
    for s, f in left:
        index = enc.index_of(s)
        tried = 0
        for k, c in enumerate(enc.classes):
            if index not in c.matches:
                continue
            tried += 1
            if tried > _NEIGHBOURS:
                break
            swapped = _ActionSwapped(model, enc.act, z3.IntVal(k, enc.ctx))
            if z3.is_true(swapped.eval(z3.And(*enc.domain, base, f), model_completion=True)):
                return swapped
    return None
