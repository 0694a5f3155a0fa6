"""Covering the granting statements: a request (replayed through the engine) for each statement that can grant,
and a proof for the rest, in as few solver queries as possible.

Requests guessed from each statement (``guess.py``) come first: they need no solver. Then conjuncts many of the
statements left share are probed (``_prune``): a condition every statement of a policy repeats and the question
contradicts (``aws:ResourceAccount`` equal to ``${aws:PrincipalAccount}``, for a caller outside the account)
drops them all with one small query. One query over all the statements left at once proves most PASS answers.
But a disjunction of many statements with string constraints can stump both solvers where each statement alone
takes milliseconds (a public check of 29 statements: seconds per query, then a timeout, against 4 ms per
statement), so the disjunction gets z3's short slices and cvc5 for a short while (``smt.SPLIT_CVC5``), and asking
again for the rest a small probe; when that does not settle it (or needed more than z3's short slices: the next
caller shape's disjunction is then only probed), the statements are asked one at a time: first each with z3's
short slices, then the ones still open with the rest of the portfolio and the time left. A single statement goes
that way at once (the whole portfolio at once gave cvc5 half the time, seconds, where z3's middle slice answers in
a fraction of one). Each request found is credited to every statement it satisfies, and a request for another
statement is tried by changing only its action (``_neighbour``) before the solvers are asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement
from parc.core.authz.engine import PolicySet
from parc.core.reasoning import smt
from parc.core.reasoning.encode import any_of
from parc.core.reasoning.question import ReplayMismatch, _cx, _Question, _ref, _replay
from parc.core.reasoning.result import Counterexample

Grants = list[tuple[CompiledStatement, Any]]


def _cover(q: _Question, base: Any, grants: Grants, request: Any, concrete: Sequence[tuple[PolicySet, bool]],
           guesses: Callable[[_Question, CompiledStatement], Iterator[Any]] | None = None) -> list[Counterexample]:
    """A request for each granting statement that can grant; none for a statement the solvers show cannot (or
    cannot decide: the question records that as UNKNOWN). ``guesses``: requests to try for a statement before
    any query (``guess.py``), each kept only when the whole question evaluates to true on it."""
    found: list[Counterexample] = []
    left = [(s, f) for s, f in grants if not z3.is_false(f)]
    if guesses is not None and left:
        left = _guessed(q, base, left, guesses, request, concrete, found)
    left = _prune(q, base, left)  # a condition every statement holds and no outsider meets: a probe or two
    how = "probe" if q.split_failed else "split"
    while len(left) > 1:  # one statement goes the way of one statement at a time (its z3 slice, then the rest)
        out = q.solve(z3.And(base, any_of(q.enc.ctx, (f for _, f in left))), how)
        if how == "split" and out.solver != "z3":
            # z3's short slices did not settle the disjunction (cvc5 did, slowly, or nothing did): the next caller
            # shape's is probed only, and split when that fails (one statement at a time takes milliseconds).
            q.split_failed = True
        how = "probe"  # the first disjunction may take a while; asking again for the rest must be cheap
        if out.status == smt.UNSAT:
            return found
        if out.status == smt.UNKNOWN:
            q.split_failed = True  # the next caller shape's disjunction is probed only
            break
        left = _credit(q, base, left, out.model, request, concrete, found)
    # One statement at a time: z3's first slice for each, then the whole portfolio for those still open.
    for how in ("quick", "rest"):
        hard: Grants = []
        while left and not q.expired():
            (s, f), rest = left[0], left[1:]
            out = q.solve(z3.And(base, f), how)
            if out.status == smt.SAT:
                left = _credit(q, base, left, out.model, request, concrete, found)
                continue
            if out.status == smt.UNKNOWN and how == "quick":
                hard.append((s, f))
            left = rest
        left = hard + left  # with the time left, only hard; else what was not asked too
    if left:
        q.unknown.append(f"{q.budget.spent() or 'the limit was reached'}, before every statement was asked")
    return found


def _guessed(q: _Question, base: Any, left: Grants, guesses: Callable[[_Question, CompiledStatement], Iterator[Any]],
             request: Any, concrete: Sequence[tuple[PolicySet, bool]], found: list[Counterexample]) -> Grants:
    """Credit the statements a guessed request satisfies (with the whole question true on it); the rest are left."""
    whole = z3.And(*q.enc.domain, base)
    for s, f in list(left):
        if all(s is not x for x, _ in left):
            continue  # credited by an earlier guess
        for g in guesses(q, s):
            if z3.is_true(g.eval(f)) and z3.is_true(g.eval(whole)):
                left = _credit(q, base, left, g, request, concrete, found)
                break
    return left


def _conjuncts(f: Any) -> dict[int, Any]:
    """A statement formula's conditions (``Encoder.applies``: the action and the resource come first, which a
    question rarely contradicts on their own, so probing them is mostly wasted)."""
    return {c.get_id(): c for c in (f.children()[2:] if z3.is_and(f) else [])}


def _prune(q: _Question, base: Any, left: Grants) -> Grants:
    """Drop, a group at a time, the statements that share a conjunct the question contradicts: a condition many
    statements repeat (``aws:ResourceAccount`` equal to ``${aws:PrincipalAccount}``, which no caller outside the
    account meets) is asked once with the question's constraints; when that is unsatisfiable, so is every
    statement holding it (each implies the conjunct). Exact; formulas are shared by identity, so the same
    condition is the same conjunct. Only for conjuncts at least two statements hold, most shared first."""
    if len(left) < 3:
        return left
    parts = [_conjuncts(f) for _, f in left]
    counts: dict[int, int] = {}
    for p in parts:
        for k in p:
            counts[k] = counts.get(k, 0) + 1
    shared = sorted((k for k, n in counts.items() if n >= 2), key=lambda k: -counts[k])
    exprs = {k: e for p in parts for k, e in p.items()}
    dropped: set[int] = set()
    for k in shared:
        holders = [i for i, p in enumerate(parts) if k in p and i not in dropped]
        if len(holders) < 2 or q.expired():
            continue
        if q.solve(z3.And(base, exprs[k]), "probe").status == smt.UNSAT:
            dropped.update(holders)
    return [x for i, x in enumerate(left) if i not in dropped]


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
        if e.eq(self.act):
            return self.value
        if z3.is_const(e):  # another variable (a key read for the request's context): no substitution needed
            return self.model.eval(e, model_completion=model_completion)
        return self.model.eval(z3.substitute(e, (self.act, self.value)), model_completion=model_completion)


_NEIGHBOURS = 4
"""Action classes tried per statement left, before the solvers are asked again."""
_NEIGHBOUR_STATEMENTS = 32
"""Statements left tried so, each time (the evaluations cost Python time on large policies)."""


def _neighbour(q: _Question, base: Any, left: Grants, model: Any) -> Any | None:
    """A request for one of the statements left, found without a query: the model's request with only its action
    changed to one the statement names, kept when the whole question (domain included) evaluates to true on it.
    Exact: it is a satisfying assignment, and it is replayed through the engine like any other. The statement's
    own formula is evaluated first (cheap); the whole question only when that holds."""
    enc = q.enc
    whole = None
    for s, f in left[:_NEIGHBOUR_STATEMENTS]:
        index = enc.index_of(s)
        tried = 0
        for k, c in enumerate(enc.classes):
            if index not in c.matches:
                continue
            tried += 1
            if tried > _NEIGHBOURS:
                break
            swapped = _ActionSwapped(model, enc.act, z3.IntVal(k, enc.ctx))
            if not z3.is_true(swapped.eval(f, model_completion=True)):
                continue
            if whole is None:
                whole = z3.And(*enc.domain, base)
            if z3.is_true(swapped.eval(whole, model_completion=True)):
                return swapped
    return None
