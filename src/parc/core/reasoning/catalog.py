"""The catalog's actions as the questions range over them: each statement's Action list matched against the whole
catalog once (cached by the patterns, with the engine's own glob), so that the encoder splits actions into classes
with set operations, and a policy's statements are matched once for every question that reads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from parc.core.match import compile_glob

_CATALOG: dict[int, tuple[Mapping[str, Sequence[str]], frozenset[str], dict[str, list[tuple[str, str]]],
                          list[tuple[str, str]]]] = {}
_MATCHES: dict[tuple[int, tuple[str, ...]], tuple[Mapping[str, Sequence[str]], frozenset[str]]] = {}


def _catalog(index: Mapping[str, Sequence[str]]) -> tuple[frozenset[str], dict[str, list[tuple[str, str]]],
                                                           list[tuple[str, str]]]:
    """The catalog's actions as a set, and with their lowercase names by service and in all (made once)."""
    hit = _CATALOG.get(id(index))
    if hit is None or hit[0] is not index:
        by_service = {svc: [(a, a.lower()) for a in acts] for svc, acts in index.items()}
        hit = (index, frozenset(a for acts in index.values() for a in acts), by_service,
               [x for pairs in by_service.values() for x in pairs])
        _CATALOG[id(index)] = hit
    return hit[1], hit[2], hit[3]


def _catalog_set(index: Mapping[str, Sequence[str]]) -> frozenset[str]:
    return _catalog(index)[0]


def catalog_matches(patterns: tuple[str, ...], index: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The catalog's actions any of the Action patterns matches (the engine's glob on lowercased names), cached by
    the patterns: a policy's statements are matched once for all the questions that read them."""
    key = (id(index), patterns)
    hit = _MATCHES.get(key)
    if hit is not None and hit[0] is index:
        return hit[1]
    out: set[str] = set()
    _, by_service, every = _catalog(index)
    for p in patterns:
        low = p.lower()
        service = low.split(":", 1)[0] if ":" in low else None
        if service is not None and "*" not in service and "?" not in service:
            pool = by_service.get(service, [])
            if low == f"{service}:*":
                out.update(a for a, _ in pool)
                continue
        else:
            pool = every
        test = lowered_matcher(p)
        out.update(a for a, a_low in pool if test(a_low))
    if len(_MATCHES) > 8192:
        _MATCHES.clear()
    result = frozenset(out)
    _MATCHES[key] = (index, result)
    return result


@lru_cache(maxsize=65536)
def lowered_matcher(pattern: str) -> Callable[[str], bool]:
    """An Action pattern's matcher for lowercase action names: the engine's glob on the lowercased pattern (the
    engine lowercases both sides), without lowercasing each name again."""
    return compile_glob(pattern.lower(), ignore_case=False)
