"""Re-decide logged calls under the current policies and under a proposed set, and tally the differences.

A call is re-decided for each IAM action it needed, with the estate's evaluator (identity policies, boundary,
SCPs, the resource's policy and RCPs), the principal AWS logged (a role session as its session) and the request
context the record gives (parc.loaders.cloudtrail.mapping). What is tallied, per partition of the log (partitions
merge by adding, so the result does not depend on how the log was cut):

- ``newly_denied``: allowed under the current policies and denied under the proposal: what the change would
  break, with the statement that denies (or "no allow").
- ``not_reproduced``: calls AWS allowed (no error in the record) that the current policies, as the snapshot holds
  them, deny: the snapshot and the window disagree (policies changed since, a session policy, a condition on a key
  the log does not carry). Reported, never hidden: a proposal cannot be judged on those calls.
- ``denied_in_log``: calls AWS refused; counted apart.
- ``used``: the actions each principal (user, role, root) used in the window.

Decisions are cached per (principal, action, resource, context), where the context holds only the keys some
policy of either estate reads (a condition key or a policy variable): a decision cannot depend on the others, so
calls that differ only in, say, ``aws:CurrentTime`` or ``aws:SourceIp`` share one decision when no policy tests
those keys. For the same reason the mapping derives only those keys from a record (``Replayer.tested``, passed to
``map_record``): most of a record's cost when the policies read few. tests/replay/test_replay_exact.py holds the
shortcuts to the answers of a fresh decision per call with the record's whole context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from parc.core.account.evaluator import TRUST_ACTIONS, Evaluator, ResourceSide
from parc.core.account.model import Estate
from parc.core.account.principals import Principal, UnknownPrincipal, resolve
from parc.core.authz import Decision, RequestError
from parc.core.policy.model import Policy
from parc.core.replay.model import Call, Unmapped
from parc.core.variables import parse_template

K = TypeVar("K")
CACHE_LIMIT = 200_000
NOT_LOGGED = frozenset({"iam:passrole"})
"""Permissions checked without an API call of their own, so never seen in a log: never reported unused.
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"""


@dataclass
class Tally:
    """A partition's counts; ``merge`` adds another's (plain dicts: it pickles between workers)."""

    events: int = 0
    replayed: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    denied_in_log: dict[tuple[str, str], int] = field(default_factory=dict)
    newly_denied: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    not_reproduced: dict[tuple[str, str, str], int] = field(default_factory=dict)
    used: dict[str, set[str]] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        self.events += other.events
        self.replayed += other.replayed
        _add(self.unmapped, other.unmapped)
        _add(self.denied_in_log, other.denied_in_log)
        _add(self.newly_denied, other.newly_denied)
        _add(self.not_reproduced, other.not_reproduced)
        for p, actions in other.used.items():
            self.used.setdefault(p, set()).update(actions)

    def count(self, reason: str) -> None:
        self.unmapped[reason] = self.unmapped.get(reason, 0) + 1


def _add(dst: dict[K, int], src: Mapping[K, int]) -> None:
    for k, v in src.items():
        dst[k] = dst.get(k, 0) + v


def _variables(text: str) -> set[str]:
    """The policy variables of ``text``, lowercased, read by the engine's own parser (the one that substitutes
    them when deciding: ``authz.compile``, ``conditions``, ``match``), so the keys tested are exactly the keys a
    decision can read through a variable."""
    return set(parse_template(text).variable_names)


def _keys_tested(estates: Iterable[Estate]) -> frozenset[str]:
    """Every context key a policy of the estates reads: its condition keys and its policy variables
    (``${aws:username}`` in a Resource). Lowercase."""
    keys: set[str] = set()

    def scan(policy: Policy | None) -> None:
        if policy is None:
            return
        for st in policy.statements:
            for c in st.conditions:
                keys.add(c.key.lower())
                for v in c.values:
                    if isinstance(v.value, str) and "${" in v.value:
                        keys.update(_variables(v.value))
            for located in (*(st.resource or ()), *(st.not_resource or ()), *(st.action or ()),
                            *(st.not_action or ())):
                if "${" in located.value:
                    keys.update(_variables(located.value))

    for estate in estates:
        for a in estate.accounts:
            for mp in a.policies:
                for v in mp.versions:
                    scan(v.policy)
            for ents in (a.users, a.groups, a.roles):
                for e in ents:
                    for i in e.inline:
                        scan(i.policy)
            for r in a.roles:
                scan(r.trust)
            for rp in a.resource_policies:
                scan(rp.policy)
            if a.org is not None:
                for lv in a.org.levels:
                    for n in (*lv.scps, *lv.rcps):
                        scan(n.policy)
    return frozenset(keys)


class Replayer:
    """Decides calls with the current estate and, when given, the proposed one."""

    def __init__(self, current: Evaluator, proposed: Evaluator | None = None) -> None:
        self.current = current
        self.proposed = proposed
        self.tested = _keys_tested([current.estate] + ([proposed.estate] if proposed else []))
        self._principals: list[dict[str, Principal | None]] = [{}, {}]
        self._cache: dict[tuple[object, ...], tuple[bool, str, bool, str]] = {}
        self._sides: dict[tuple[object, ...], ResourceSide] = {}
        self._spelt: dict[str, bool] = {}
        """Per spelling of a context key: whether some policy reads it."""

    def principal(self, which: int, arn: str) -> Principal | None:
        cache = self._principals[which]
        if arn in cache:
            return cache[arn]
        ev = self.current if which == 0 else self.proposed
        assert ev is not None
        try:
            p: Principal | None = resolve(ev.estate, arn)
        except UnknownPrincipal:
            p = None
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[arn] = p
        return p

    def feed(self, item: Call | Unmapped, tally: Tally) -> None:
        tally.events += 1
        if isinstance(item, Unmapped):
            tally.count(item.reason)
            for who, actions in item.used:
                if self.principal(0, who) is not None:
                    tally.used.setdefault(who, set()).update(actions)
            return
        call = item
        if self.principal(0, call.principal) is None:
            tally.count("principal not in the snapshot")
            return
        if call.denied_in_log:
            for action in call.actions:
                k = (call.reported, action)
                tally.denied_in_log[k] = tally.denied_in_log.get(k, 0) + 1
            return
        tally.used.setdefault(call.reported, set()).update(call.actions)
        if call.resource is None:
            tally.count("resource not derivable")
            return
        try:
            outcomes = [self.decide(call, action) for action in call.actions]
        except RequestError as exc:
            tally.count(f"request parc cannot decide ({str(exc)[:80]})")
            return
        tally.replayed += 1
        for action, (now_ok, now_why, new_ok, new_why) in zip(call.actions, outcomes, strict=True):
            if not now_ok:
                k3 = (call.reported, action, now_why)
                tally.not_reproduced[k3] = tally.not_reproduced.get(k3, 0) + 1
            elif not new_ok:
                k4 = (call.reported, action, call.resource, new_why)
                tally.newly_denied[k4] = tally.newly_denied.get(k4, 0) + 1

    def decide(self, call: Call, action: str) -> tuple[bool, str, bool, str]:
        """(allowed now, why not, allowed under the proposal, why not)."""
        assert call.resource is not None
        key = (call.principal, action, call.resource, call.resource_account, self._tested_part(call.context))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        now_ok, now_why = self._one(0, call, action)
        new_ok, new_why = now_ok, now_why
        if self.proposed is not None:
            new_ok, new_why = self._one(1, call, action)
        out = (now_ok, now_why, new_ok, new_why)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = out
        return out

    def _tested_part(self, ctx: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
        """The context's keys some policy reads, with their values, in the context's order: what of the context
        a decision can depend on (the rest of the cache key is the principal, action, resource and its account).
        """
        if not ctx:
            return ()
        spelt = self._spelt
        out = []
        for k, v in ctx.items():
            read = spelt.get(k)
            if read is None:
                read = k.lower() in self.tested
                if len(spelt) < CACHE_LIMIT:
                    spelt[k] = read
            if read:
                out.append((k, str(v)))
        return tuple(out)

    def _one(self, which: int, call: Call, action: str) -> tuple[bool, str]:
        ev = self.current if which == 0 else self.proposed
        assert ev is not None and call.resource is not None
        p = self.principal(which, call.principal)
        if p is None:
            return False, "principal not in the proposed snapshot"
        skey = (which, action.lower() in TRUST_ACTIONS, call.resource, call.resource_account)
        side = self._sides.get(skey)
        if side is None:
            side = ev.resource_side(action, call.resource, call.resource_account)
            if len(self._sides) >= CACHE_LIMIT:
                self._sides.clear()
            self._sides[skey] = side
        d = ev.decide(p, action, call.resource, call.context, side=side)
        return d.allowed, "" if d.allowed else why(d)


def why(d: Decision) -> str:
    """The statement that denies, or "no allow" with the policy types that gave none."""
    for ref in d.deciding:
        if ref.effect == "Deny":
            return ref.label()
    blocked = ", ".join(d.blocked_by)
    return f"no allow ({blocked})" if blocked else "no allow"


@dataclass(frozen=True)
class Unused:
    principal: str
    actions: tuple[str, ...]
    granted: int
    used: tuple[str, ...]


def unused_actions(granted: Iterable[str], used: Iterable[str]) -> tuple[str, ...]:
    """Granted actions never used (case-insensitive), leaving out permissions no log can show used."""
    seen = {u.lower() for u in used}
    return tuple(sorted({g for g in granted if g.lower() not in seen and g.lower() not in NOT_LOGGED},
                        key=str.lower))


def sorted_rows(tally: Tally) -> list[dict[str, object]]:
    """``newly_denied`` as report rows, most frequent first, then by principal, action, resource."""
    rows = [{"principal": p, "action": a, "resource": r, "count": n, "statement": s}
            for (p, a, r, s), n in tally.newly_denied.items()]
    rows.sort(key=lambda x: (-int(str(x["count"])), str(x["principal"]), str(x["action"]), str(x["resource"])))
    return rows


def as_rows(counts: Mapping[tuple[str, str], int] | Mapping[tuple[str, str, str], int],
            names: tuple[str, ...]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    items: Iterable[tuple[tuple[str, ...], int]] = counts.items()
    for k, n in items:
        row: dict[str, object] = dict(zip(names, k, strict=True))
        row["count"] = n
        rows.append(row)
    rows.sort(key=lambda x: (-int(str(x["count"])), *(str(x[nm]) for nm in names)))
    return rows
