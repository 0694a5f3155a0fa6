"""IntervalSet against Python's own sets on a small universe: the arithmetic every verdict rests on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parc.core.network.intervals import IntervalSet
from parc.core.network.traffic import ICMP, TCP, UNIVERSE, describe, icmp_range, packet, port_range, spans

ranges = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=6)


def as_set(r: list[tuple[int, int]]) -> set[int]:
    return {x for lo, hi in r for x in range(lo, hi + 1)}


def members(s: IntervalSet) -> set[int]:
    return {x for lo, hi in s for x in range(lo, hi + 1)}


@given(ranges, ranges)
def test_set_algebra_matches_python_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = IntervalSet.of(a), IntervalSet.of(b)
    assert members(x) == as_set(a)
    assert members(x | y) == as_set(a) | as_set(b)
    assert members(x & y) == as_set(a) & as_set(b)
    assert x & y == IntervalSet.of((x & y).ranges) == y & x  # in normal form: equal sets are equal values
    assert x | y == IntervalSet.of((x | y).ranges) == y | x
    for lo, hi in [*b, (0, 60), (-5, -1), (30, 29)]:  # a clip is the intersection with the span
        assert x.clip(lo, hi) == x & IntervalSet.span(lo, hi)
    assert members(x - y) == as_set(a) - as_set(b)
    assert x.issuperset(y) == (as_set(a) >= as_set(b))
    assert x.overlaps(y) == bool(as_set(a) & as_set(b))
    assert all((v in x) == (v in as_set(a)) for v in range(-1, 62))


def test_a_union_joins_touching_and_interleaved_ranges() -> None:
    def of(*r: tuple[int, int]) -> IntervalSet:
        return IntervalSet.of(r)

    assert of((0, 5)) | of((6, 8)) == of((0, 8)) == of((6, 8)) | of((0, 5))  # touching: one range
    assert of((0, 5)) | of((7, 8)) == IntervalSet(((0, 5), (7, 8)))  # a gap: kept apart
    assert of((0, 2), (10, 12)) | of((3, 9)) == of((0, 12))
    assert of((0, 2), (10, 12)) | of((4, 5), (20, 30)) == IntervalSet(((0, 2), (4, 5), (10, 12), (20, 30)))


@given(ranges)
def test_normal_form_is_sorted_disjoint_and_not_touching(a: list[tuple[int, int]]) -> None:
    rs = IntervalSet.of(a).ranges
    assert all(lo <= hi for lo, hi in rs)
    assert all(rs[i][1] + 1 < rs[i + 1][0] for i in range(len(rs) - 1))


def test_traffic_reads_back_as_people_write_it() -> None:
    assert describe(port_range(TCP, 22, 22) | port_range(TCP, 80, 81)) == "tcp 22, tcp 80-81"
    assert describe(icmp_range(ICMP, 8, None)) == "icmp type 8"
    assert describe(packet(ICMP, 3, 4)) == "icmp type 3 code 4"
    assert describe(UNIVERSE) == "all traffic"
    rest = UNIVERSE - port_range(TCP, 0, 65535)
    assert len(spans(rest)) < 10  # port-less protocols fold into runs
