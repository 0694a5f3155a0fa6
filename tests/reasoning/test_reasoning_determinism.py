"""The solvers' limits are resource units, not seconds (smt.Budget): the same check reaches the same verdict, by the
same solver slices, on a loaded machine as on an idle one, as long as it ends within the wall-clock cap.

Two ways of slowing a check down: a clock that runs fast inside every solver call (what the Python side sees of a
slow machine: had the budget been counted in seconds, fewer or shorter slices would run), and a real load (the
process pinned to one core that busy processes share: had a slice been bounded by seconds, cvc5's short slice
would run out before it decides, and another solver would answer, or none).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import z3

from parc import api
from parc.core.reasoning import question, smt

OLD = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*"}]}
NEW = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:*:111122223333:q"}]}
"""A PASS z3's short slices leave open and cvc5's short slice (``smt.SPLIT_CVC5``) proves in about 30 ms."""
TIMEOUT = 600.0
"""Far above what the check takes, even slowed down: the wall-clock cap never decides here. (At 60 s it did, on
this 2-core machine: the loaded run below takes 10 to 130 s of wall-clock time from one run to the next, as the
scheduler shares the core among 24 processes.)"""

BUSY = 23
"""Busy processes on the check's core: cvc5's short slice decides in about 15 ms of the core's time, which it then
gets in about 0.35 s, past the 0.15 s such a slice would be given if it were bounded by seconds."""

Trace = list[tuple[str, str, str, str, float]]


def traced(monkeypatch: pytest.MonkeyPatch) -> Trace:
    """Record each query: how it was asked, its answer, the solver that answered, why not, and the budget left."""
    trace: Trace = []
    solve = question._Question.solve

    def recording(self: question._Question, formula: Any, how: str = "full") -> smt.Outcome:
        out = solve(self, formula, how)
        trace.append((how, out.status, out.solver, out.reason, round(self.budget.left, 9)))
        return out

    monkeypatch.setattr(question._Question, "solve", recording)
    return trace


def fresh_run(trace: Trace) -> tuple[str, Trace]:
    """The check (in a new z3 context, as every check is: ``smt.own_context``)."""
    trace.clear()
    result = api.check_no_new_access(OLD, NEW, timeout=TIMEOUT)
    return result.result, list(trace)


def test_the_check_asks_cvc5_after_z3_s_short_slices() -> None:
    # What the other tests rely on: the check goes past z3's short slices to cvc5's short one.
    log: Trace = []
    with pytest.MonkeyPatch.context() as mp:
        log = traced(mp)
        verdict, trace = fresh_run(log)
    assert verdict == "PASS"
    assert [(how, status, solver) for how, status, solver, _, _ in trace] == [
        ("quick", "unknown", "z3"), ("rest", "unsat", "cvc5")]


def test_a_fast_clock_inside_the_solvers_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = traced(monkeypatch)
    idle = fresh_run(trace)

    # Every solver call now seems to take 5 s longer than it does (the machine twelve times slower than idle
    # and more): the budget left after each query, and so every slice, must not change.
    offset = [0.0]
    real = time.monotonic

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return real() + offset[0]

    z3_check = smt.z3.Solver.check

    def slow_check(self: Any, *args: Any) -> Any:
        out = z3_check(self, *args)
        offset[0] += 5.0
        return out

    run_cvc5 = smt._cvc5_run

    def slow_cvc5(*args: Any) -> Any:
        out = run_cvc5(*args)
        offset[0] += 5.0
        return out

    monkeypatch.setattr(smt, "time", Clock)
    monkeypatch.setattr(smt.z3.Solver, "check", slow_check)
    monkeypatch.setattr(smt, "_cvc5_run", slow_cvc5)
    slowed = fresh_run(trace)
    assert offset[0] >= 10.0  # the clock did run fast
    assert slowed == idle


@contextmanager
def loaded_core() -> Iterator[None]:
    """This process pinned to one core, which busy processes share with it (each gets a fraction of the core)."""
    if not hasattr(os, "sched_setaffinity"):  # pragma: no cover - not Linux: load every core instead
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4 * (os.cpu_count() or 1))]
        try:
            yield
        finally:
            for p in busy:
                p.kill()
                p.wait()
        return
    before = os.sched_getaffinity(0)
    core = min(before)
    pin = f"import os; os.sched_setaffinity(0, {{{core}}})\nwhile True: pass"
    busy = [subprocess.Popen([sys.executable, "-c", pin]) for _ in range(BUSY)]
    os.sched_setaffinity(0, {core})
    try:
        time.sleep(0.3)  # the busy processes pinned and spinning
        yield
    finally:
        os.sched_setaffinity(0, before)
        for p in busy:
            p.kill()
            p.wait()


def interleaved() -> Any:
    """A string question cvc5 decides in about 15,000 resource units (some 40 ms of an idle core): well within its
    short slice (``smt.SPLIT_CVC5``, 30,000 units), which a check gives it before z3's middle slice."""
    ctx = smt.fresh_context()
    x, y, z = z3.String("d!x", ctx), z3.String("d!y", ctx), z3.String("d!z", ctx)
    pairs = z3.Star(z3.Union(z3.Re("ab", ctx), z3.Re("ba", ctx)))
    b_then_a = z3.Concat(z3.Star(z3.Re("b", ctx)), z3.Re("a", ctx), z3.Star(z3.AllChar(z3.ReSort(z3.StringSort(ctx)))))
    return z3.And(z3.InRe(x, pairs), x == z3.Concat(y, z3.StringVal("aa", ctx), z), z3.Length(y) > 10,
                  z3.Not(z3.InRe(z, b_then_a)), z3.Length(x) < 60)


def cvc5_first(formula: Any) -> tuple[str, str, str]:
    out = smt.check(formula, smt.Budget(TIMEOUT), tried_quick=True)
    return out.status, out.solver, out.reason


def test_a_loaded_core_reaches_the_same_verdict_by_the_same_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # With 24 processes on the core, cvc5's short slice would get a 160th of a second of the core in 0.15 s of
    # wall-clock time: bounded by seconds, it would give up where it decides now (and z3 would answer instead).
    trace = traced(monkeypatch)
    formula = interleaved()
    idle = cvc5_first(formula), fresh_run(trace)
    assert idle[0][:2] == ("sat", "cvc5")
    gc.collect()  # earlier tests' garbage is not collected at a 24th of a core
    with loaded_core():
        start = time.monotonic()
        loaded = cvc5_first(formula), fresh_run(trace)
        took = time.monotonic() - start
    assert loaded == idle, f"after {took:.0f} s of wall-clock time"
    # The wall-clock cap decided nothing (a slice it stopped would say so, and the check would be UNKNOWN). How
    # long the loaded run takes is not asserted: 10 to 350 s from one run to the next on this machine, with the
    # rest of the suite's heap in the process.
    reasons = [loaded[0][2], *(reason for _, _, _, reason, _ in loaded[1][1])]
    assert not any("wall clock" in r for r in reasons if r), reasons
