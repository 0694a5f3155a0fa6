""""Did you mean": the closest known name to a misspelt one, by edit distance.

An edit distance ranks ``s4`` nearer to ``s3`` than to ``ts`` (difflib's ratio scores them alike), and a bound
relative to the length keeps unrelated names from being offered.
"""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        row_min = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            row_min = min(row_min, cur[j])
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to ``word`` (both compared as given), or None when none is near enough.

    Near enough: at most one edit for words of up to four letters, else up to a third of the length (at most 4).
    Ties go to the longer shared prefix, then to the alphabetically first.
    """
    limit = 1 if len(word) <= 4 else min(4, max(2, len(word) // 3))
    best: tuple[int, int, str] | None = None
    for cand in candidates:
        d = edit_distance(word, cand, limit)
        if d > limit:
            continue
        shared = 0
        for x, y in zip(word, cand, strict=False):
            if x != y:
                break
            shared += 1
        key = (d, -shared, cand)
        if best is None or key < best:
            best = key
    return best[2] if best else None
