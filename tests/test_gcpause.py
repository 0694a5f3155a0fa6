"""The cyclic garbage collector is paused around whole-account work and turned back on after it (parc.core.gcpause).

Why: each collection walks every object the process holds, and an account's analyses spent about half their time
there (benchmarks/bench_audit.py: 35 s -> 19 s for a 5,000-role account, same peak memory).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from parc.core.account.assume import assume, assume_graph
from parc.core.account.can import can
from parc.core.account.escalation import escalation
from parc.core.account.what_can import what_can
from parc.core.account.who_can import who_can
from parc.core.audit.run import audit
from parc.core.gcpause import gc_paused, without_cyclic_gc
from parc.loaders.account import load_snapshot
from parc.loaders.ec2 import load as load_ec2
from parc.loaders.snapshot import load_audit_snapshot


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_on_again_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause does not turn it on under an outer one
    assert gc.isenabled()


def test_a_caller_that_had_it_off_keeps_it_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_on_again_after_an_exception() -> None:
    @without_cyclic_gc
    def boom() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        boom()
    assert gc.isenabled()


def test_the_decorated_function_keeps_its_name_and_answer() -> None:
    @without_cyclic_gc
    def answer(x: int, *, y: int = 1) -> tuple[int, bool]:
        """Doc."""
        return x + y, gc.isenabled()

    assert answer(2, y=3) == (5, False)
    assert answer.__name__ == "answer" and answer.__doc__ == "Doc."


@pytest.mark.parametrize(
    "entry",
    [who_can, what_can, can, assume, assume_graph, escalation, audit, load_snapshot, load_audit_snapshot, load_ec2],
    ids=lambda f: f.__name__,
)
def test_whole_account_entry_points_pause_it(entry: Callable[..., Any]) -> None:
    assert getattr(entry, "__wrapped__", None) is not None, f"{entry.__name__} does not pause the collector"


class _Node:
    def __init__(self) -> None:
        self.other: object = None


def test_what_the_pause_made_goes_to_the_oldest_generation_and_its_cycles_are_still_reclaimed() -> None:
    """The first collection after a pause must not walk everything the work made (it is handed to the oldest
    generation), and cyclic garbage made inside the pause is still reclaimed by the next full collection."""
    import weakref

    gc.collect()
    with gc_paused():
        kept = [_Node() for _ in range(50_000)]
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a reference cycle: only the cyclic collector frees it
        gone = weakref.ref(a)
        del a, b
    assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0
    assert gone() is not None  # not reclaimed at once ...
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(n) in oldest for n in kept[::1000])
    gc.collect()
    assert gone() is None  # ... but reclaimed, never leaked


def test_objects_frozen_by_someone_else_stay_frozen() -> None:
    """A host process may freeze its objects (before forking workers); the pause must not unfreeze them."""
    mine = [_Node() for _ in range(10)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            _ = [_Node() for _ in range(1000)]
        # Not unfrozen (other tests' threads may still allocate and free meanwhile: the count is not exact).
        assert gc.get_freeze_count() >= frozen * 0.99 and mine
    finally:
        gc.unfreeze()
