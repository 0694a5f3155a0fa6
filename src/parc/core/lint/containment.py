"""Whether one wildcard pattern covers another (``*``: any run of characters, ``?``: exactly one), at a cost that
stays near-linear in the patterns' size, with a work meter that stops a check rather than let it run away.

Why it is written here: the redundancy suggestions (REDUNDANT_ACTION, REDUNDANT_RESOURCE) and the security checks
ask "does pattern A match every string pattern B matches?". A regular expression cannot answer that for two
patterns, and answering it by exploring the product of the two patterns' automata (what parc did before) is
exponential for some inputs: a 3 KB policy with one ``?*?*?*...`` resource took about 50 s (issue 19). Deciding
inclusion for patterns made of letters, ``?`` and ``*`` is coNP-complete in general (Martens, Neven and Schwentick,
"Complexity of decision problems for simple regular expressions", 2004), so no exact test is fast on every input.
What is done instead, in this order:

1. Both patterns are normalised: a run of wildcards holding a ``*`` is "at least q characters" (``?*?*`` is
   ``??*``), so the ``?*`` repeated of the issue becomes one length test.
2. A symbolic alignment, linear in practice: the covering pattern's fixed chunks are placed leftmost in the covered
   pattern read as symbols (its ``?`` a symbol only a ``?`` or ``*`` can take, its ``*`` one only a ``*`` can take).
   When they fit, every string of the covered pattern matches (proof: the same alignment works for each string).
3. A few concrete strings of the covered pattern (its ``*`` empty, then runs of a character neither pattern names,
   up to the longest gap or chunk of the covering pattern and at most 8; its ``?`` another such character): when
   the covering pattern rejects one, it does not cover.
4. Only when neither settles it (rare: both patterns need ``?`` next to literals), the exact search over pairs of
   automaton states, which charges the meter for each state and gives up (``None``: not checked) when the meter
   runs out. parc then reports the check as not done instead of guessing.

Literal strings are matched by the same greedy chunk placement, never by a regular expression with many ``.*``
(which backtracks polynomially with a high degree: ``*a*a*a*a*a*a*a*a*b`` against forty ``a`` took seconds).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

__all__ = ["WorkMeter", "arn_contains", "exact_contains", "glob_contains", "glob_matches", "glob_wild", "policy_meter"]


class WorkMeter:
    """Counts units of work (characters scanned, automaton states visited) of the checks whose cost depends on how
    wildcards combine, and says when a cap is reached. ``limit`` None never stops (for tests and literal inputs).

    The count is also how the tests measure cost without a clock: a check whose work grows faster than its input
    shows it in ``steps``."""

    __slots__ = ("limit", "steps")

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.steps = 0

    def charge(self, units: int) -> bool:
        """Add ``units``; False once the total passes the limit."""
        self.steps += units
        return self.limit is None or self.steps <= self.limit

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.steps > self.limit


WORK_BASE = 250_000
WORK_PER_CHAR = 100
"""The work limit of one policy's containment checks: WORK_BASE + WORK_PER_CHAR x its characters, in WorkMeter steps
(a step is about half a microsecond of Python). The AWS managed policies need a small fraction of it; only patterns
built to defeat the comparison reach it, and the entries left are then reported as not checked, not guessed."""


def policy_meter(chars: int) -> WorkMeter:
    """The meter for one policy of ``chars`` characters."""
    return WorkMeter(WORK_BASE + WORK_PER_CHAR * chars)


# --- normalised patterns --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Norm:
    """A pattern as ``chunks[0] gap[1] chunks[1] ... gap[k] chunks[k]``.

    A gap is a run of wildcards holding a ``*``: at least ``gaps[i]`` characters. Chunks are fixed-length text in
    which ``?`` (a run of ``?`` with no ``*`` next to it) is one character. ``k == 0``: no ``*``, a fixed length."""

    chunks: tuple[str, ...]
    gaps: tuple[int, ...]
    """``gaps[i]`` precedes ``chunks[i]``; ``gaps[0]`` is unused (0)."""

    @property
    def starred(self) -> bool:
        return len(self.chunks) > 1

    def fixed(self) -> int:
        """The number of characters every string of the pattern has at least."""
        return sum(len(c) for c in self.chunks) + sum(self.gaps)


_RUN = re.compile(r"[*?]*\*[*?]*")


@lru_cache(maxsize=4096)
def _normalise(pattern: str) -> _Norm:
    chunks: list[str] = []
    gaps = [0]
    last = 0
    for m in _RUN.finditer(pattern):
        chunks.append(pattern[last : m.start()])
        gaps.append(m.group().count("?"))
        last = m.end()
    chunks.append(pattern[last:])
    return _Norm(tuple(chunks), tuple(gaps))


def glob_wild(pattern: str) -> bool:
    """Whether ``pattern`` has a wildcard."""
    return "*" in pattern or "?" in pattern


def _fresh(used: str, count: int) -> list[str]:
    """``count`` characters that do not occur in ``used`` (Unicode private-use characters)."""
    present = set(used)
    out: list[str] = []
    for code in chain(range(0xE000, 0xF900), range(0xF0000, 0xFFFFE)):
        c = chr(code)
        if c not in present:
            out.append(c)
            if len(out) == count:
                return out
    raise ValueError("no unused character")  # pragma: no cover - a pattern would need 70,000 distinct characters


@lru_cache(maxsize=4096)
def _chunk_regex(chunk: str, barrier: str) -> re.Pattern[str]:
    """A fixed-length chunk as a regular expression: ``?`` takes any character but ``barrier`` (no quantifiers, so
    a search costs at most the text's length times the chunk's)."""
    one = f"[^{re.escape(barrier)}]" if barrier else "."
    return re.compile("".join(one if c == "?" else re.escape(c) for c in chunk), re.DOTALL)


def _aligns(outer: _Norm, text: str, barrier: str, meter: WorkMeter | None) -> bool:
    """Whether ``outer`` matches ``text``, where ``barrier`` (if any) marks a place only a gap may cover and counts
    for no length. For a literal ``text`` (no barrier) this is exact glob matching.

    Greedy: each chunk goes to the leftmost place where it fits after the previous one with enough characters
    between them for the gap; leftmost is never worse, since gaps have no upper bound."""
    if meter is not None:
        meter.charge(len(text) + sum(len(c) for c in outer.chunks) + len(outer.chunks))
    chunks, gaps = outer.chunks, outer.gaps
    n = len(text)
    if not outer.starred:
        return _chunk_regex(chunks[0], barrier).fullmatch(text) is not None
    # fixed[p]: characters before p that are not barriers.
    fixed = [0] * (n + 1)
    count = 0
    for p, c in enumerate(text):
        fixed[p] = count
        if c != barrier:
            count += 1
    fixed[n] = count
    first, last = chunks[0], chunks[-1]
    if first and _chunk_regex(first, barrier).match(text) is None:
        return False
    pos = len(first)
    end = n - len(last)
    if end < pos:
        return False
    for i in range(1, len(chunks) - 1):
        pos = _earliest(fixed, pos, gaps[i])
        if pos < 0:
            return False
        chunk = chunks[i]
        if not chunk:
            continue
        m = _chunk_regex(chunk, barrier).search(text, pos, end)
        if m is None:
            return False
        pos = m.end()
    if end < pos or fixed[end] - fixed[pos] < gaps[-1]:
        return False
    return not last or _chunk_regex(last, barrier).match(text, end) is not None


def _earliest(fixed: list[int], pos: int, need: int) -> int:
    """The first position at or after ``pos`` with ``need`` non-barrier characters between them, or -1."""
    if need == 0:
        return pos
    target = fixed[pos] + need
    lo, hi = pos, len(fixed) - 1
    if fixed[hi] < target:
        return -1
    while lo < hi:
        mid = (lo + hi) // 2
        if fixed[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def glob_matches(pattern: str, text: str, meter: WorkMeter | None = None) -> bool:
    """Glob matching of a literal string, without regular-expression backtracking."""
    return _aligns(_normalise(pattern), text, "", meter)


# --- containment -----------------------------------------------------------------------------------------------


def glob_contains(outer: str, inner: str, ignore_case: bool = False, meter: WorkMeter | None = None) -> bool | None:
    """True when every string matched by ``inner`` is matched by ``outer``; None when the meter ran out first.

    Without a meter the answer is always a bool (the last-resort search may then take long on adversarial input:
    give a meter wherever the patterns come from a user)."""
    if meter is not None and meter.exhausted:
        return None
    if ignore_case:
        outer, inner = outer.lower(), inner.lower()
    if outer == inner:
        return True
    if not glob_wild(outer):
        return False  # a pattern with a wildcard matches more than one string
    o = _normalise(outer)
    if not glob_wild(inner):
        return _aligns(o, inner, "", meter)
    i = _normalise(inner)
    if o == i:
        return True
    if not o.starred:
        # Fixed length: inner must be fixed too, of the same length, and agree wherever outer has a letter.
        return not i.starred and _same_length_covers(o.chunks[0], i.chunks[0])
    if len(o.chunks) == 2 and not o.chunks[0] and not o.chunks[1]:
        return i.fixed() >= o.gaps[1]  # "?^q*": every string of at least q characters
    one, star, long = _fresh(outer + inner, 3)
    symbolic = _symbolic(i, one, star)
    if _aligns(o, symbolic, star, meter):
        return True
    # Counterexamples: inner's wildcards filled with characters outer does not name, each run as long as one of
    # outer's gaps or chunks could need to fall apart (up to 8 characters, so each text stays linear in inner's
    # length): "*a??a*a?" rejects "arn:aws:s3:::baabxxaxxxxab" from "arn:aws:s3:::*baab*a????ab" only with a run
    # of two, which the exact search used to find at 25,000 steps (tests/lint/test_lint_cost.py).
    longest = max(max(o.gaps), max(map(len, o.chunks)))
    for size in sorted({0, 1, min(max(o.gaps) + 1, 8), *range(2, min(longest + 1, 8) + 1)}):
        if not _aligns(o, symbolic.replace(star, long * size), "", meter):
            return False
    return exact_contains(outer, inner, meter)


def _symbolic(pattern: _Norm, one: str, star: str) -> str:
    """``pattern`` as text: its ``?`` become ``one``, each gap ``one`` times its minimum then ``star``."""
    parts = [pattern.chunks[0].replace("?", one)]
    for gap, chunk in zip(pattern.gaps[1:], pattern.chunks[1:], strict=True):
        parts.append(one * gap + star + chunk.replace("?", one))
    return "".join(parts)


def _same_length_covers(outer: str, inner: str) -> bool:
    return len(outer) == len(inner) and all(a == "?" or a == b != "?" for a, b in zip(outer, inner, strict=True))


_OTHER = "\x00"
"""Stands for every character that appears in neither pattern."""


def exact_contains(outer: str, inner: str, meter: WorkMeter | None) -> bool | None:
    """The exact containment search: pairs (state of ``inner``, set of states of ``outer``) over the alphabet of
    the characters either pattern names plus one for all others, looking for a string ``inner`` accepts and
    ``outer`` rejects. Exponential in the worst case, hence the meter (each state visited costs its size)."""
    outer = _canonical(outer)
    inner = _canonical(inner)
    alphabet = sorted({c for c in outer + inner if c not in "*?"} | {_OTHER})
    n, m = len(outer), len(inner)

    def close(pattern: str, states: set[int]) -> frozenset[int]:
        todo = list(states)
        seen = set(states)
        while todo:
            i = todo.pop()
            if i < len(pattern) and pattern[i] == "*" and i + 1 not in seen:
                seen.add(i + 1)
                todo.append(i + 1)
        return frozenset(seen)

    def step(pattern: str, states: frozenset[int], c: str) -> frozenset[int]:
        nxt: set[int] = set()
        for i in states:
            if i >= len(pattern):
                continue
            p = pattern[i]
            if p == "*":
                nxt.add(i)
            elif p == "?" or p == c:
                nxt.add(i + 1)
        return close(pattern, nxt)

    start = (close(inner, {0}), close(outer, {0}))
    queue: deque[tuple[frozenset[int], frozenset[int]]] = deque([start])
    seen = {start}
    while queue:
        ins, outs = queue.popleft()
        if m in ins and n not in outs:
            return False
        if meter is not None and not meter.charge(len(alphabet) * (len(ins) + len(outs))):
            return None
        for c in alphabet:
            nxt = (step(inner, ins, c), step(outer, outs, c))
            if nxt[0] and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return True


def _canonical(pattern: str) -> str:
    """The normalised pattern as text: each gap written ``?`` times its minimum then one ``*``."""
    norm = _normalise(pattern)
    parts = [norm.chunks[0]]
    for gap, chunk in zip(norm.gaps[1:], norm.chunks[1:], strict=True):
        parts.append("?" * gap + "*" + chunk)
    return "".join(parts)


def arn_contains(outer: str, inner: str, meter: WorkMeter | None = None) -> bool | None:
    """ARN patterns are matched field by field (a wildcard does not cross the colons of the first five fields).
    None when the meter ran out before an answer."""
    if outer == "*":
        return True
    o, i = outer.split(":", 5), inner.split(":", 5)
    if len(o) == 6 and len(i) == 6:
        undecided = False
        for a, b in zip(o, i, strict=True):
            found = glob_contains(a, b, meter=meter)
            if found is False:
                return False
            undecided = undecided or found is None
        return None if undecided else True
    return glob_contains(outer, inner, meter=meter)
