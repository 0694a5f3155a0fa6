"""Sets of integers held as sorted, disjoint, inclusive ranges.

Everything the network engine asks ("which ports are open to which addresses") is answered with these sets, so
that no answer ever depends on enumerating ports or addresses: 2**128 IPv6 addresses cost the same as one.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """An immutable set of integers, stored as a tuple of ``(lo, hi)`` inclusive ranges, sorted and non-touching."""

    ranges: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(ranges: Iterable[tuple[int, int]]) -> IntervalSet:
        """Normalise arbitrary (possibly overlapping, unsorted) ranges; empty ranges (lo > hi) are dropped."""
        items = sorted((lo, hi) for lo, hi in ranges if lo <= hi)
        out: list[tuple[int, int]] = []
        for lo, hi in items:
            if out and lo <= out[-1][1] + 1:
                if hi > out[-1][1]:
                    out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
        return IntervalSet(tuple(out))

    @staticmethod
    def span(lo: int, hi: int) -> IntervalSet:
        return IntervalSet(((lo, hi),)) if lo <= hi else IntervalSet()

    @staticmethod
    def point(value: int) -> IntervalSet:
        return IntervalSet(((value, value),))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.ranges)

    def __len__(self) -> int:
        return len(self.ranges)

    def size(self) -> int:
        """How many integers the set holds."""
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        lo_i, hi_i = 0, len(self.ranges) - 1
        while lo_i <= hi_i:
            mid = (lo_i + hi_i) // 2
            lo, hi = self.ranges[mid]
            if value < lo:
                hi_i = mid - 1
            elif value > hi:
                lo_i = mid + 1
            else:
                return True
        return False

    def union(self, other: IntervalSet) -> IntervalSet:
        a, b = self.ranges, other.ranges
        if not b:
            return self
        if not a:
            return other
        # Both are in normal form: one wholly before the other is their concatenation; else one merge of the two
        # sorted lists (``of`` would filter and sort them again).
        if a[-1][1] + 1 < b[0][0]:
            return IntervalSet(a + b)
        if b[-1][1] + 1 < a[0][0]:
            return IntervalSet(b + a)
        items = sorted(a + b)
        out = [items[0]]
        for lo, hi in items[1:]:
            last_lo, last_hi = out[-1]
            if lo <= last_hi + 1:
                if hi > last_hi:
                    out[-1] = (last_lo, hi)
            else:
                out.append((lo, hi))
        return IntervalSet(tuple(out))

    def intersection(self, other: IntervalSet) -> IntervalSet:
        a, b = self.ranges, other.ranges
        if len(b) == 1 or len(a) == 1:  # a span against a set (a port range, a zone of addresses): clip
            (lo, hi), rest = (b[0], a) if len(b) == 1 else (a[0], b)
            return IntervalSet(tuple((x if x > lo else lo, y if y < hi else hi) for x, y in rest
                                     if x <= hi and y >= lo))
        out: list[tuple[int, int]] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def clip(self, lo: int, hi: int) -> IntervalSet:
        """``self & IntervalSet.span(lo, hi)``, its ranges found by bisection: a set met with each of many spans (a
        rule's addresses with each zone of a subnet) is not walked whole for each."""
        rs = self.ranges
        if lo > hi:
            return IntervalSet()
        k = bisect_left(rs, (lo, lo))
        if k and rs[k - 1][1] >= lo:
            k -= 1
        out: list[tuple[int, int]] = []
        n = len(rs)
        while k < n and rs[k][0] <= hi:
            x, y = rs[k]
            if y >= lo:
                out.append((x if x > lo else lo, y if y < hi else hi))
            k += 1
        return IntervalSet(tuple(out))

    def difference(self, other: IntervalSet) -> IntervalSet:
        if not self.ranges or not other.ranges:
            return self
        out: list[tuple[int, int]] = []
        b = other.ranges
        j = 0
        for lo, hi in self.ranges:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def issuperset(self, other: IntervalSet) -> bool:
        return not other.difference(self)

    def overlaps(self, other: IntervalSet) -> bool:
        """Whether the sets share an integer (without building their intersection)."""
        a, b = self.ranges, other.ranges
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i][0] <= b[j][1] and b[j][0] <= a[i][1]:
                return True
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return False

    __or__ = union
    __and__ = intersection
    __sub__ = difference


EMPTY = IntervalSet()
