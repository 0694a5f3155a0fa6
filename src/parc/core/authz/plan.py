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

The request context is read where it is. A binding, cached per spelling of a request's context keys, says where
each key the plan reads is; when no key the plan reads is one AWS derives from the caller or the clock, the plan's
conditions are rebound to read the request's own dict under its own spelling, and no context is built at all.

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

Group = tuple[tuple[ConditionFn, ...], tuple[Member, ...], bool, tuple[CompiledCondition, ...]]
"""A condition set (its functions, cheapest first), the statements that carry it, whether one of them matches
every resource (then the members need no check), and the conditions the functions are of."""

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


PlanPart = tuple[frozenset[CompiledCondition], tuple[ConditionFn, ...], int, Member, tuple[str, ...],
                 tuple[CompiledCondition, ...]]
"""What a plan needs of one statement: its condition set, their functions cheapest first and their cost, how it
matches the resource, the context keys it reads (lowercased), and its conditions cheapest first."""


def _plan_part(s: CompiledStatement) -> PlanPart:
    """Kept on the statement: every plan of an action the statement covers needs it."""
    found = s.plan_conditions
    if found is None:
        ordered = sorted(s.condition_list, key=condition_cost)
        found = (frozenset(ordered), tuple(c.fast for c in ordered), sum(condition_cost(c) for c in ordered),
                 _member(s), tuple(k.lower() for k in s.context_keys), tuple(ordered))
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
    for (_, fns, cost, _, _, conds), ms in by_conditions.values():
        if (None, None, None) in ms:
            ranked.append((cost, len(ranked), (fns, (), True, conds)))
        else:
            ranked.append((cost, len(ranked), (fns, tuple(ms), False, conds)))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return tuple(g for _, _, g in ranked)


Getter = Callable[[Mapping[str, object]], tuple[object, ...]]

Bound = tuple[tuple[Group, ...], tuple[Group, ...], tuple[tuple[Group, ...], ...]]
"""A plan's Deny groups, Allow groups and SCP levels' Allow groups, rebound to read a request's own dict."""


class Binding:
    """Where a plan's context keys are, for one spelling of a request's context keys."""

    __slots__ = ("_bound", "absent", "getter", "gives_principal_arn", "present", "raw_ok", "spelled")

    def __init__(self, keys: tuple[str, ...], names: Sequence[str], derived: frozenset[str]) -> None:
        where = {n.lower(): n for n in names}
        present = [k for k in keys if k in where]
        self.present: tuple[str, ...] = tuple(present)
        """The keys the request has, lowercased."""
        self.getter: Getter | None = _getter([where[k] for k in present])
        """Their values from the request's dict (None: it has none of them)."""
        self.absent: tuple[str, ...] = tuple(k for k in keys if k not in where)
        """The keys left to what AWS derives from the caller and the clock (or to nothing)."""
        self.spelled = {k: where[k] for k in present}
        self.gives_principal_arn = "aws:principalarn" in where
        """The request names its caller's role ARN: for a role session, that ARN's path says whether the role is
        service-linked, which SCPs do not govern (``engine.py`` reads it; the fast path leaves such requests to it
        when there are SCPs)."""
        self.raw_ok = not any(k in derived for k in self.absent)
        """No key the request lacks is one AWS would derive: its own dict holds every value the plan reads."""
        self._bound: dict[ActionPlan, Bound | None] = {}

    def bound(self, plan: ActionPlan) -> Bound | None:
        """The plan's Deny and Allow groups with their conditions reading the request's own dict under its own
        spelling of each key (a key it lacks in every spelling reads as absent, as it is); None when the plan
        cannot be read so (a condition or resource with policy variables, a key AWS derives, a rule of its own)."""
        # A try, not get() with a sentinel: one lookup when cached, and no cast (a call per request in pure Python).
        try:
            return self._bound[plan]
        except KeyError:
            pass
        result: Bound | None = None
        if self.raw_ok and plan.rebindable:
            deny, allow = self._rebind(plan.deny), self._rebind(plan.allow)
            levels = [self._rebind(level) for level in plan.levels]
            if deny is not None and allow is not None and all(lv is not None for lv in levels):
                result = (deny, allow, tuple(cast("list[tuple[Group, ...]]", levels)))
        if len(self._bound) >= 4096:
            self._bound.clear()
        self._bound[plan] = result
        return result

    def _rebind(self, groups: tuple[Group, ...]) -> tuple[Group, ...] | None:
        out: list[Group] = []
        for _, members, all_resources, conds in groups:
            fns: list[ConditionFn] = []
            for c in conds:
                fn = _reading(c, self.spelled.get(c.key_lower, c.key_lower))
                if fn is None:
                    return None
                fns.append(fn)
            out.append((tuple(fns), members, all_resources, conds))
        return tuple(out)


_UNSEEN = object()
_READERS: dict[tuple[CompiledCondition, str], ConditionFn | None] = {}


def _reading(c: CompiledCondition, key: str) -> ConditionFn | None:
    """``c.reading(key)``, built once per condition and spelling (plans share conditions and spellings)."""
    cached = _READERS.get((c, key), _UNSEEN)
    if cached is not _UNSEEN:
        return cast("ConditionFn | None", cached)
    found = c.reading(key)
    if len(_READERS) >= 65536:
        _READERS.clear()
    _READERS[(c, key)] = found
    return found


class KeySet:
    """The context keys a plan reads, with their bindings. Plans that read the same keys share one (a set of
    3,000 actions has a few dozen distinct key sets), so a new action costs no new bindings."""

    __slots__ = ("_bindings", "derived", "keys")

    def __init__(self, keys: tuple[str, ...], derived: frozenset[str]) -> None:
        self.keys = keys
        self.derived = derived
        self._bindings: dict[tuple[object, ...], Binding | None] = {}

    def binding(self, names: tuple[object, ...]) -> Binding | None:
        """How to read these keys from a request context whose keys are ``names`` (cached: a batch of requests
        repeats a few spellings). Context keys are case-insensitive. None: names that collide when lowercased, or
        are not strings; the full path reports them."""
        try:
            return self._bindings[names]
        except KeyError:
            pass
        found: Binding | None = None
        if all(type(n) is str for n in names):
            texts = [str(n) for n in names]
            if len({t.lower() for t in texts}) == len(texts):
                found = Binding(self.keys, texts, self.derived)
        if len(self._bindings) >= 4096:
            self._bindings.clear()
        self._bindings[names] = found
        return found


class ActionPlan:
    """The candidates of one action (in statement order, for the full explanation) and their sides.

    With SCP levels (a set of identity policies and SCPs): ``deny`` holds every Deny of the identity policies and of
    every level (any one denies), ``allow`` the identity policies' Allows, and ``levels`` each level's Allows (every
    level must allow something, https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html)."""

    __slots__ = ("allow", "candidates", "deny", "guarded", "how_context", "how_request", "keys", "last", "levels",
                 "rebindable", "rule", "why")

    def __init__(self, candidates: tuple[CompiledStatement, ...], keysets: dict[tuple[str, ...], KeySet],
                 derived: frozenset[str], rule: int = 0, why: tuple[str, ...] = (),
                 levels: tuple[tuple[CompiledStatement, ...], ...] = (), guarded: bool = False) -> None:
        self.candidates = candidates
        self.rule = rule
        self.guarded = guarded
        """The action changes resources that AWS may own (``aws_owned.GUARDED``): the fast path checks the resource."""
        """0, or one of the rules of its own the action has (``fast.ALWAYS`` ...)."""
        self.why = why
        """For an action that a trust or key policy must allow: the reason of its implicit deny."""
        parts = [_plan_part(s) for s in candidates]
        level_parts = [[(s, _plan_part(s)) for s in level] for level in levels]
        denies = [p for s, p in zip(candidates, parts, strict=True) if not s.allow]
        denies += [p for level in level_parts for s, p in level if not s.allow]
        self.deny = _groups(denies)
        self.allow = _groups([p for s, p in zip(candidates, parts, strict=True) if s.allow])
        self.levels = tuple(_groups([p for s, p in level if s.allow]) for level in level_parts)
        every = parts + [p for level in level_parts for _, p in level]
        keys = tuple(dict.fromkeys(k for p in every for k in p[4]))
        keyset = keysets.get(keys)
        if keyset is None:
            keyset = keysets[keys] = KeySet(keys, derived)
        self.keys = keyset
        """Every context key the candidates read (condition keys, and policy variables in values and resources):
        the decision needs these and no other."""
        self.rebindable = rule == 0 and all(p[3][2] is None for p in every)
        """No rule of its own and no resource pattern with policy variables (those read the lowercased context)."""
        self.how_request: tuple[object, ...] = ()
        self.how_context: tuple[object, ...] = ()
        """(settle, this plan) for the decisions made from a request and from a context (``LeanDecision``): set
        by the fast path, which holds the settle functions; one tuple per plan, shared by its decisions."""
        self.last: tuple[Binding | None, Bound | None] = (None, None)
        """The last binding the fast path read this plan with, and its ``bound(self)``: a batch mostly repeats one
        spelling of its context keys, and reading an attribute costs less than the lookup. One tuple, replaced
        whole, so that threads sharing the engine never see one binding with another's groups."""


def _getter(names: Sequence[object]) -> Callable[[Mapping[str, object]], tuple[object, ...]] | None:
    if not names:
        return None
    if len(names) == 1:
        name = names[0]
        return lambda raw: (raw[name],)  # type: ignore[index]
    return itemgetter(*names)
