"""Decision plans: one action's candidate statements arranged so that a decision stops as early as it can.

The decision of an identity-only policy set needs two facts: does any Deny statement match, and if not, does any
Allow statement match. So the fast path does not walk the statements one by one collecting matches (the plain loop
in ``fast.py`` does that, and still gives the full explanation on demand). Per action, the plan splits the
candidates into Deny and Allow and groups each side by its set of conditions:

- a condition set is evaluated once per request however many statements share it (compiled conditions with the
  same operator, key and values are one shared object, so a 1,000-statement set holds few distinct sets);
- a group applies when its conditions hold and the resource matches any of its statements' patterns;
- groups without conditions come first, then the cheaper condition sets; the Deny side is walked in full (any
  match denies), the Allow side until its first match.

Nothing here changes what is decided: the plans reorder and share work the plain loop does. The property tests
compare the two on random policies and requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import cast

from parc.core.authz.compile import CompiledStatement
from parc.core.conditions import CompiledCondition
from parc.core.context import Context

ResourceFn = Callable[[str], bool]
ConditionFn = Callable[[Context], bool]

Member = tuple[tuple[str, ...] | None, ResourceFn | None, CompiledStatement | None]
"""How one statement matches the resource: ``(prefixes, fn, None)`` for fixed patterns (``prefixes``: a resource
must start with one of them before ``fn`` is worth calling), ``(None, None, statement)`` for patterns with policy
variables (checked against the request context), ``(None, None, None)`` for every resource."""

Group = tuple[tuple[ConditionFn, ...], tuple[Member, ...], bool]
"""A condition set (its functions, cheapest first), the statements that carry it, and whether one of them matches
every resource (then the members need no check)."""

_FAMILY_COST = {"Bool": 1, "String": 1, "Null": 1, "Arn": 2, "Numeric": 2, "Binary": 2, "IpAddress": 3, "Date": 3}


def condition_cost(c: CompiledCondition) -> int:
    """A rough rank of a condition's cost per request, so that cheap tests rule a group out before dear ones."""
    cost = _FAMILY_COST.get(c.family, 3)
    if c.has_variables or c.set_operator is not None:
        cost += 3
    return cost


def _member(s: CompiledStatement) -> Member:
    if s.resources is None:
        return (None, None, None)
    if s.resource_fn is not None:
        return (s.resource_prefixes, s.resource_fn, None)
    return (None, None, s)


PlanPart = tuple[frozenset[CompiledCondition], tuple[ConditionFn, ...], int, Member, tuple[str, ...]]
"""What a plan needs of one statement: its condition set, their functions cheapest first and their cost, how it
matches the resource, and the context keys it reads, lowercased."""


def _plan_part(s: CompiledStatement) -> PlanPart:
    """Kept on the statement: every plan of an action the statement covers needs it."""
    found = s.plan_conditions
    if found is None:
        ordered = sorted(s.condition_list, key=condition_cost)
        found = (frozenset(ordered), tuple(c.fast for c in ordered), sum(condition_cost(c) for c in ordered),
                 _member(s), tuple(k.lower() for k in s.context_keys))
        s.plan_conditions = found
    return cast(PlanPart, found)


def _groups(parts: Sequence[PlanPart]) -> tuple[Group, ...]:
    by_conditions: dict[frozenset[CompiledCondition], tuple[PlanPart, list[Member]]] = {}
    for part in parts:
        entry = by_conditions.get(part[0])
        if entry is None:
            entry = by_conditions[part[0]] = (part, [])
        entry[1].append(part[3])
    ranked: list[tuple[int, int, Group]] = []
    for (_, fns, cost, _, _), ms in by_conditions.values():
        if (None, None, None) in ms:
            ranked.append((cost, len(ranked), (fns, (), True)))
        else:
            ranked.append((cost, len(ranked), (fns, tuple(ms), False)))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return tuple(g for _, _, g in ranked)


Binding = tuple[Callable[[Mapping[str, object]], tuple[object, ...]] | None, tuple[str, ...], tuple[str, ...]]
"""Where a plan's context keys are, for one spelling of a request's context: a function that takes the values of
the keys the request has (``None``: it has none of them), their lowercased names, and the keys left to what AWS
derives from the caller and the clock."""

_UNSEEN = object()


class KeySet:
    """The context keys a plan reads, with their bindings. Plans that read the same keys share one (a set of
    3,000 actions has a few dozen distinct key sets), so a new action costs no new bindings."""

    __slots__ = ("_bindings", "keys")

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self._bindings: dict[tuple[object, ...], Binding | None] = {}

    def binding(self, names: tuple[object, ...]) -> Binding | None:
        """How to read these keys from a request context whose keys are ``names`` (cached: a batch of requests
        repeats a few spellings). Context keys are case-insensitive. None: names that collide when lowercased, or
        are not strings; the full path reports them."""
        cached = self._bindings.get(names, _UNSEEN)
        if cached is not _UNSEEN:
            return cast("Binding | None", cached)
        found: Binding | None
        if not all(type(n) is str for n in names):
            found = None
        else:
            lowered = [str(n).lower() for n in names]
            if len(set(lowered)) != len(lowered):
                found = None
            else:
                where = dict(zip(lowered, names, strict=True))
                present = [k for k in self.keys if k in where]
                absent = tuple(k for k in self.keys if k not in where)
                found = (_getter([where[k] for k in present]), tuple(present), absent)
        if len(self._bindings) >= 4096:
            self._bindings.clear()
        self._bindings[names] = found
        return found


class ActionPlan:
    """The candidates of one action (in statement order, for the full explanation) and their two sides."""

    __slots__ = ("allow", "candidates", "deny", "keys", "rule", "why")

    def __init__(self, candidates: tuple[CompiledStatement, ...], keysets: dict[tuple[str, ...], KeySet],
                 rule: int = 0, why: tuple[str, ...] = ()) -> None:
        self.candidates = candidates
        self.rule = rule
        """0, or one of the rules of its own the action has (``fast.ALWAYS`` ...)."""
        self.why = why
        """For an action that a trust or key policy must allow: the reason of its implicit deny."""
        parts = [_plan_part(s) for s in candidates]
        self.deny = _groups([p for s, p in zip(candidates, parts, strict=True) if not s.allow])
        self.allow = _groups([p for s, p in zip(candidates, parts, strict=True) if s.allow])
        keys = tuple(dict.fromkeys(k for p in parts for k in p[4]))
        keyset = keysets.get(keys)
        if keyset is None:
            keyset = keysets[keys] = KeySet(keys)
        self.keys = keyset
        """Every context key the candidates read (condition keys, and policy variables in values and resources):
        the decision needs these and no other."""


def _getter(names: Sequence[object]) -> Callable[[Mapping[str, object]], tuple[object, ...]] | None:
    if not names:
        return None
    if len(names) == 1:
        name = names[0]
        return lambda raw: (raw[name],)  # type: ignore[index]
    return itemgetter(*names)
