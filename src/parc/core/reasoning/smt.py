"""The one place that imports the SMT library: z3 builds the formulas, and z3 then cvc5 decide them.

z3 and cvc5 are libraries (no I/O), so the reasoning core stays pure. A formula is built once with z3's Python API;
the portfolio asks z3 first and, when z3 gives up, hands the same formula to cvc5 as SMT-LIB text with part of the
budget that is left. Every slice is bounded by the solvers' deterministic resource units (``Budget``), with the
check's wall-clock deadline as the outer cap only. A limit reached or a "give up" from both is UNKNOWN, never PASS.
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import z3

Expr = Any
"""A z3 expression (z3 ships no type information mypy can read)."""

SAT = "sat"
UNSAT = "unsat"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    """``sat``, ``unsat`` or ``unknown``."""
    model: Any = None
    """z3's model when z3 found it (``sat``); cvc5 answers only the status."""
    solver: str = "z3"
    reason: str = ""


_CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar("parc_z3_context", default=None)


def fresh_context() -> Any:
    """The z3 context of the check running in this thread (``own_context``), else a new one. z3 is not
    thread-safe within a context: with one per check, checks run concurrently (``parc serve``'s threads)."""
    ctx = _CURRENT.get()
    return ctx if ctx is not None else z3.Context()


F = TypeVar("F", bound=Callable[..., Any])


def own_context(fn: F) -> F:
    """Run a check in a new z3 context of its own (1 to 3 ms to make, a fifth of a typical check). Never a reused
    one: a context keeps state between checks that can change the slices z3 takes (seen on 3 of the AWS managed
    policies), so a check's route, and with it a verdict near its limits, would depend on the checks run before
    it in the process; and a formula of a finished check left in a reference cycle, freed later by the garbage
    collector in any thread, would touch a context another thread is using."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _CURRENT.get() is not None:  # a check called by a check: the caller's context
            return fn(*args, **kwargs)
        token = _CURRENT.set(z3.Context())
        try:
            return fn(*args, **kwargs)
        finally:
            _CURRENT.reset(token)

    return cast(F, run)


Z3_PER_SECOND = 2_000_000
"""z3's resource units (``rlimit``) an idle core spends in about a second (2.1 million, measured over the hardest
queries of the AWS managed policies): how a budget in seconds becomes z3's deterministic limit."""
CVC5_PER_SECOND = 200_000
"""cvc5's resource units (``rlimit-per``) an idle core spends in about a second (0.2 to 0.26 million, measured
likewise): how a budget in seconds becomes cvc5's deterministic limit."""
BUDGET_SHARE = 0.5
"""The share of a check's ``timeout`` its solvers may spend, counted in their resource units (``Budget``); the
timeout itself stays the wall-clock cap. Half: on an idle machine the resource budget runs out first, so the
verdict depends on the input alone, and a machine twice as slow (another process on the core) still reaches the
same verdict within the wall-clock cap."""


class Budget:
    """What the solvers of one check may spend: ``seconds`` of solver work, counted in the solvers' own
    deterministic resource units (z3's ``rlimit``, cvc5's ``rlimit-per``) at an idle core's rate, so that the same
    input gets the same slices and the same verdict on a loaded or an idle machine; and a wall-clock deadline
    (``wall`` seconds from now) as the outer cap only, which every solver call also gets as its time limit.

    Each slice is charged what it used (z3's ``rlimit count``, cvc5's ``resourceUnitsUsed``), not the time it
    took. A slice that gives up was stopped by its resource limit (deterministic) or by the wall clock (the outer
    cap: the check is then UNKNOWN for lack of time, never PASS)."""

    def __init__(self, seconds: float, wall: float | None = None) -> None:
        self.left = seconds
        """Seconds of solver work left (at ``Z3_PER_SECOND`` / ``CVC5_PER_SECOND``)."""
        self.deadline = time.monotonic() + (seconds if wall is None else wall)

    @classmethod
    def for_timeout(cls, timeout: float) -> Budget:
        """A check's budget for the user's ``--timeout``: ``BUDGET_SHARE`` of it in resource units, all of it as
        the wall-clock cap."""
        return cls(timeout * BUDGET_SHARE, wall=timeout)

    def wall_left(self) -> float:
        return self.deadline - time.monotonic()

    def spent(self) -> str | None:
        """Why nothing more may be asked (None: something may)."""
        if self.left <= 0:
            return "the solvers' budget was spent (--timeout, counted in their resource units)"
        if self.wall_left() <= 0:
            return "the time limit was reached (wall clock)"
        return None

    def spend(self, seconds: float) -> None:
        self.left -= seconds


def _budget(b: Budget | float) -> Budget:
    return b if isinstance(b, Budget) else Budget(b)


FIRST_Z3 = 300_000
"""z3's resource units for its first try (about 0.15 s of one core): it decides most questions in milliseconds; one
it has not decided by then is often one cvc5 decides quickly (string constraints around policy variables), so cvc5
starts then. Counted in z3's deterministic resource units, not seconds, so that which solver answers does not
depend on how loaded the machine is."""


SIMPLE_Z3 = 60_000
"""z3's resource units for its second try, as a plain solver (``z3.SimpleSolver``: the SMT core without the default
solver's preprocessing). Some questions stump the default solver and cvc5 alike for seconds, where the plain one
answers in milliseconds (ForAllValues and ForAnyValue on one key: 5 ms against 0.2 s, and cvc5 timing out); the
default solver does better on most others, so it goes first."""


PROBE_Z3 = 60_000
"""z3's resource units for a probe that only saves work when it succeeds (``cover._prune``)."""
SPLIT_CVC5 = 0.15
"""Seconds of cvc5's work (``CVC5_PER_SECOND``: 30,000 resource units) on a question that can be split into
smaller ones instead (``cover``)."""


STATEMENT_Z3 = 100_000
"""z3's first slice for one statement's question (``cover``): a third of ``FIRST_Z3``, as such a question is small;
one z3 has not decided by then goes to cvc5, which decides most of those in tens of milliseconds."""


def quick(formula: Expr, budget: Budget | float, first_rlimit: int = FIRST_Z3) -> Outcome:
    """z3's two short slices (the default solver, then the plain one) and nothing else."""
    budget = _budget(budget)
    first = _z3(formula, budget, first_rlimit)
    if first.status != UNKNOWN:
        return first
    second = _z3(formula, budget, SIMPLE_Z3, simple=True)
    return second if second.status != UNKNOWN else Outcome(UNKNOWN, None, "z3", f"{first.reason}; {second.reason}")


MEDIUM_Z3 = 4_000_000
"""z3's resource units for a middle slice (1.5 to 2 seconds), between a short try of cvc5 and its long one, for
a question z3's short slices left open (``tried_quick``): some want z3 just past its short slice (0.14 s) where
cvc5 times out after seconds; others cvc5 decides in tens of milliseconds."""
_LAST = 0.05
"""Seconds of budget below which no further slice is started (it could not decide much)."""


def check(formula: Expr, budget: Budget | float, *, cvc5_fallback: bool = True, rlimit: int = 0,
          tried_quick: bool = False, cvc5_max: float | None = None, last_z3: bool = True) -> Outcome:
    """Decide ``formula`` within ``budget`` (a ``Budget``, or seconds of solver work): z3's two short slices
    (``quick``; when the caller has just ``tried_quick``, cvc5 for a short while and z3 for a middle slice
    instead), then cvc5 with half of what is left (at most ``cvc5_max`` seconds), then z3 again with the rest
    (unless not ``last_z3``; without the fallback: z3 alone, with ``rlimit`` units or else the whole budget).
    Every slice is bounded by resource units, so which solver answers does not depend on the machine's load.
    ``sat`` carries a z3 model to read the counterexample from (cvc5's values are handed back to z3 for it)."""
    budget = _budget(budget)
    if not cvc5_fallback:
        return _z3(formula, budget, rlimit)
    # The SMT-LIB text of the formula as built (a solver that has run may hold what its tactics rewrote it to,
    # such as pseudo-Boolean constraints cvc5 does not read).
    smt2 = ""
    if tried_quick:
        smt2 = _smt2(formula)
        first = _cvc5_outcome(formula, smt2, budget, min(budget.left / 2, SPLIT_CVC5))
        if first.status == UNKNOWN:
            middle = _z3(formula, budget, MEDIUM_Z3)
            first = middle if middle.status != UNKNOWN else Outcome(
                UNKNOWN, None, "z3", f"{first.reason}; {middle.reason}")
    else:
        first = quick(formula, budget)
    if first.status != UNKNOWN:
        return first
    why = first.reason
    if budget.left <= _LAST or budget.spent():
        return first
    out = _cvc5_outcome(formula, smt2 or _smt2(formula), budget,
                        budget.left / 2 if cvc5_max is None else min(budget.left / 2, cvc5_max))
    if out.status != UNKNOWN:
        return out
    why = f"{why}; {out.reason}"
    if budget.left <= _LAST or budget.spent() or not last_z3:
        return Outcome(UNKNOWN, None, "cvc5", why)
    last = _z3(formula, budget)
    if last.status != UNKNOWN:
        return last
    return Outcome(UNKNOWN, None, "z3", f"{why}; {last.reason}")


def _cvc5_outcome(formula: Expr, smt2: str, budget: Budget, seconds: float) -> Outcome:
    why = budget.spent()
    if why is not None:
        return Outcome(UNKNOWN, None, "cvc5", f"cvc5: {why}")
    status, values, used = _cvc5_run(smt2, min(seconds, budget.left), budget.wall_left())
    budget.spend(used / CVC5_PER_SECOND)
    if status == UNSAT:
        return Outcome(UNSAT, None, "cvc5")
    if status == SAT:
        model = _z3_model(formula, values)
        if model is not None:
            return Outcome(SAT, model, "cvc5")
        status = "sat, but z3 could not rebuild the model from cvc5's values"
    return Outcome(UNKNOWN, None, "cvc5", f"cvc5: {status}")


def _z3(formula: Expr, budget: Budget, rlimit: int = 0, simple: bool = False) -> Outcome:
    """One z3 slice: ``rlimit`` resource units (0: the whole budget left), at most the budget's, charged what it
    used; the budget's wall-clock deadline is its time limit (the outer cap)."""
    why = budget.spent()
    if why is not None:
        return Outcome(UNKNOWN, None, "z3", f"z3: {why}")
    allowed = max(1, int(budget.left * Z3_PER_SECOND))
    units = min(rlimit, allowed) if rlimit else allowed
    solver = z3.SimpleSolver(ctx=formula.ctx) if simple else z3.Solver(ctx=formula.ctx)
    solver.set("timeout", max(1, int(budget.wall_left() * 1000)))
    solver.set("rlimit", units)
    solver.add(formula)
    before = _rlimit_count(solver)  # the context's running count; the limit is relative to it
    result = solver.check()
    budget.spend(min(units, max(0, _rlimit_count(solver) - before)) / Z3_PER_SECOND)
    if result == z3.sat:
        return Outcome(SAT, solver.model(), "z3")
    if result == z3.unsat:
        return Outcome(UNSAT, None, "z3")
    return Outcome(UNKNOWN, None, "z3", f"z3: {solver.reason_unknown()}")


def _rlimit_count(solver: Any) -> int:
    return int(solver.statistics().get_key_value("rlimit count"))


def _smt2(formula: Expr) -> str:
    solver = z3.Solver(ctx=formula.ctx)
    solver.add(formula)
    return str(solver.to_smt2())


MODEL_Z3 = 2_000_000
"""z3's resource units for rebuilding a model from cvc5's values (every constant fixed: a ground check)."""


def _z3_model(formula: Expr, values: list[tuple[str, str, object]]) -> Any:
    """A z3 model of ``formula`` fixed to cvc5's values (constants are the same by name and sort)."""
    ctx = formula.ctx
    eqs = []
    for name, sort, value in values:
        if sort == "string":
            eqs.append(z3.String(name, ctx) == sval(str(value), ctx))
        elif sort == "int":
            eqs.append(z3.Int(name, ctx) == z3.IntVal(int(str(value)), ctx))
        elif sort == "bool":
            eqs.append(z3.Bool(name, ctx) == z3.BoolVal(bool(value), ctx))
        elif sort.startswith("bv"):
            width = int(sort[2:])
            eqs.append(z3.BitVec(name, width, ctx) == z3.BitVecVal(int(str(value)), width, ctx))
    solver = z3.Solver(ctx=ctx)
    solver.set("rlimit", MODEL_Z3)
    solver.set("timeout", 10_000)  # a safety cap only: the resource limit decides
    solver.add(formula, *eqs)
    return solver.model() if solver.check() == z3.sat else None


def _cvc5(smt2: str, seconds: float) -> tuple[str, list[tuple[str, str, object]]]:
    """cvc5's answer to an SMT-LIB script within ``seconds`` of its work (``CVC5_PER_SECOND``), with the values of
    its constants when it is ``sat``."""
    status, values, _ = _cvc5_run(smt2, seconds, None)
    return status, values


_WALL_SLACK = 4.0
"""Without a deadline, cvc5's wall-clock cap is this many times its budget in seconds (a safety bound only)."""


def _cvc5_run(smt2: str, seconds: float, wall: float | None) -> tuple[str, list[tuple[str, str, object]], int]:
    """cvc5's answer, the values of its constants when ``sat``, and the resource units it used. Its limit is
    ``seconds`` of work in resource units (``rlimit-per``: deterministic); ``wall`` seconds (the check's deadline)
    cap it as well."""
    try:
        import cvc5
    except ImportError:  # pragma: no cover - installed with parc
        return "not installed", [], 0
    tm = cvc5.TermManager()
    slv = cvc5.Solver(tm)
    slv.setOption("rlimit-per", str(max(1, int(seconds * CVC5_PER_SECOND))))
    slv.setOption("tlimit-per", str(max(1, int((seconds * _WALL_SLACK if wall is None else wall) * 1000))))
    slv.setOption("strings-exp", "true")
    slv.setOption("produce-models", "true")
    slv.setLogic("ALL")
    parser = cvc5.InputParser(slv)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, smt2.replace("(check-sat)", ""), "parc")
    sm = parser.getSymbolManager()
    used = 0
    try:
        while True:
            cmd = parser.nextCommand()
            if cmd.isNull():
                break
            cmd.invoke(slv, sm)
        res = slv.checkSat()
        used = int(slv.getStatistics()["resource::resourceUnitsUsed"]["value"])
        if res.isUnsat():
            return UNSAT, [], used
        if not res.isSat():
            return f"unknown ({res.getUnknownExplanation()})", [], used
        values: list[tuple[str, str, object]] = []
        for term in sm.getDeclaredTerms():
            sort = term.getSort()
            v = slv.getValue(term)
            if sort.isString():
                values.append((term.getSymbol(), "string", v.getStringValue()))
            elif sort.isInteger():
                values.append((term.getSymbol(), "int", v.getIntegerValue()))
            elif sort.isBoolean():
                values.append((term.getSymbol(), "bool", v.getBooleanValue()))
            elif sort.isBitVector():
                values.append((term.getSymbol(), f"bv{sort.getBitVectorSize()}", int(v.getBitVectorValue(10))))
        return SAT, values, used
    except Exception as exc:  # cvc5 raises its own error type for input it cannot read
        return f"error ({str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__})", [], used


MAX_CHAR = 0x2FFFF
"""z3's alphabet ends here."""


def sval(text: str, ctx: Any) -> Expr:
    """A string constant holding ``text`` exactly: z3 reads ``\\u{..}`` escapes in string literals, so every
    backslash is given as an escape of its own."""
    if any(ord(c) > MAX_CHAR for c in text):
        from parc.core.reasoning.text import Unencodable

        raise Unencodable(f"a character beyond U+2FFFF in {text!r}")
    return z3.StringVal(text.replace("\\", "\\u{5c}"), ctx)


_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,5})\}")


def text_of(value: Any) -> str:
    """A string value of a model as Python text (z3 prints characters outside printable ASCII as ``\\u{..}``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value.as_string()))
