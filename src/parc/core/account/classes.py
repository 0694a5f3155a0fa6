"""Decision classes: principals whose requests the engine must answer alike, so that one decision serves them all.

Whole-account questions ask the same request of thousands of principals (every principal of an account against a
role that trusts the account, or ``*`` under conditions; every holder of a policy against the same target). In real
accounts they share a few hundred policy combinations, and for one action far fewer: a statement whose Action /
NotAction does not cover the action cannot take part in the decision (AWS evaluates only the statements that match
the request's action: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

Two principals get the same class for (action, resource, resource side, context) only when everything the engine
reads for that request is the same for both:

- the same account (so the same SCPs and the same answer to "same account?"), the same kind (user / role), the same
  service-linked flag;
- the same identity statements covering the action, in the same policies at the same positions (a decision names
  each deciding statement by its policy's position), the same boundary statements (or both no boundary), and the
  same policies that relaxing request-time keys could drop before them (dropping a policy shifts the positions);
- the same values (or the same absence) of every principal context key (tags, ``aws:PrincipalOrgID``,
  ``aws:userid``, ...) that any statement in play for the action tests or substitutes;
- and the principal's own ARN whenever it can matter: a statement in play tests or substitutes a key AWS derives
  from the caller (``aws:PrincipalArn``, ``aws:username``, ``aws:userid``...), or the resource policy names a
  principal other than ``*`` or a whole account.

A service principal (no policies, account or context of its own) is its name: one service against trust policies
of the same text shares its answers between the roles alike in what those read. Anything else (another principal
kind, hypothetical identity policies) is not shared: the key is None. The tests
(tests/account/test_account_classes.py) compare every shared answer with the engine's answer for the principal
itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from parc.core.account.arns import ACCOUNT_ID
from parc.core.account.prefilter import action_matcher, loose_pattern, split_actions, split_covers
from parc.core.policy.model import Policy, Statement

PRINCIPAL_DERIVED = frozenset({
    "aws:principalarn", "aws:username", "aws:userid", "aws:principaltype", "aws:principalaccount",
    "aws:principalisawsservice", "aws:principalservicename", "aws:sourceidentity", "aws:federatedprovider",
})
"""Keys the engine may derive from the caller's ARN: a statement that reads one makes the ARN part of the class."""
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
Patterns = tuple[tuple[str, ...], tuple[str, ...]]
"""Resource patterns without policy variables, and the loose forms of those with (``PolicyFacts.patterns``)."""


def statement_covers(st: Statement, action: str) -> bool:
    """Whether the statement's Action / NotAction covers the action (either effect). A statement with neither is
    kept (the engine decides what it means)."""
    if st.action is not None:
        return any(action_matcher(a.value).matches(action) for a in st.action)
    if st.not_action is not None:
        return not any(action_matcher(a.value).matches(action) for a in st.not_action)
    return True


def statement_keys(st: Statement) -> frozenset[str]:
    """The context keys (lowercase) a statement tests or substitutes: condition keys and ``${...}`` variables in its
    resources and condition values."""
    keys: set[str] = set()
    for c in st.conditions:
        keys.add(c.key.lower())
        for v in c.values:
            if isinstance(v.value, str) and "${" in v.value:
                keys.update(m.lower() for m in _VARIABLE.findall(v.value))
    for elements in (st.resource, st.not_resource):
        for r in elements or ():
            if "${" in r.value:
                keys.update(m.lower() for m in _VARIABLE.findall(r.value))
    return frozenset(keys)


def names_individuals(st: Statement) -> bool:
    """Whether a resource policy statement's Principal / NotPrincipal names anyone but ``*`` or a whole account."""
    for block in (st.principal, st.not_principal):
        if block is None or block.wildcard:
            continue
        for e in block.entries:
            if e.kind == "AWS" and (e.value == "*" or ACCOUNT_ID.match(e.value) or _is_root(e.value)):
                continue
            return True
    return False


def _is_root(value: str) -> bool:
    parts = value.split(":")
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5] == "root"


class PolicyFacts:
    """One policy's statements covering an action, and what they read; computed once per (policy, action)."""

    __slots__ = ("_by_action", "_patterns", "droppable", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._by_action: dict[str, tuple[tuple[int, ...], frozenset[str], bool]] = {}
        self._patterns: dict[str, Patterns] = {}
        self.droppable = bool(policy.statements) and all(
            st.effect == "Deny" and bool(st.conditions) for st in policy.statements)
        """Whether relaxing request-time keys could remove every statement (and so the policy) from the set."""

    def for_action(self, action_lower: str, action: str) -> tuple[tuple[int, ...], frozenset[str], bool]:
        """(positions of the statements covering the action, the keys they read, whether they name individual
        principals)."""
        hit = self._by_action.get(action_lower)
        if hit is None:
            positions: list[int] = []
            keys: set[str] = set()
            individuals = False
            fast = action.isascii()
            for i, st in enumerate(self.policy.statements):
                covers = split_covers(split_actions(st), action_lower, action) if fast else None
                if covers is None:
                    covers = statement_covers(st, action)
                if covers:
                    positions.append(i)
                    keys.update(statement_keys(st))
                    individuals = individuals or names_individuals(st)
            hit = (tuple(positions), frozenset(keys), individuals)
            self._by_action[action_lower] = hit
        return hit


    def patterns(self, action_lower: str, action: str) -> Patterns:
        """The Resource / NotResource patterns of the statements covering the action: those without policy
        variables (``*`` left out: it matches every resource), and the loose forms (``loose_pattern``) of those
        with. A resource no loose form matches is matched by none of those patterns in any request."""
        hit = self._patterns.get(action_lower)
        if hit is not None:
            return hit
        static: dict[str, None] = {}
        loose: dict[str, None] = {}
        for i in self.for_action(action_lower, action)[0]:
            st = self.policy.statements[i]
            for elements in (st.resource, st.not_resource):
                for r in elements or ():
                    if "${" in r.value:
                        loose[loose_pattern(r.value)] = None
                    elif r.value != "*":
                        static[r.value] = None
        hit = self._patterns[action_lower] = (tuple(static), tuple(loose))
        return hit


class ClassIndex:
    """Builds class keys; holds the per-policy facts by policy identity (each entry keeps its policy alive)."""

    def __init__(self) -> None:
        self._facts: dict[int, PolicyFacts] = {}
        self._contexts: dict[int, tuple[Mapping[str, object], dict[str, object]]] = {}

    def facts(self, policy: Policy) -> PolicyFacts:
        f = self._facts.get(id(policy))
        if f is None:
            f = self._facts[id(policy)] = PolicyFacts(policy)
        return f

    def _lower_context(self, ctx: Mapping[str, object]) -> dict[str, object]:
        hit = self._contexts.get(id(ctx))
        if hit is None or hit[0] is not ctx:
            hit = (ctx, {k.lower(): hashable(v) for k, v in ctx.items()})
            self._contexts[id(ctx)] = hit
        return hit[1]

    def principal_part(self, identity: tuple[Policy, ...], boundary: Policy | None, action_lower: str,
                       action: str) -> tuple[tuple[object, ...], frozenset[str]]:
        """The caller's policies as they bear on the action: ((position, policy id, statement positions) of each
        identity policy with a covering statement, and of each policy relaxing could drop before one; the
        boundary's), and the keys those statements read."""
        parts: list[object] = []
        keys: set[str] = set()
        for pos, pol in enumerate(identity):
            f = self.facts(pol)
            positions, read, _ = f.for_action(action_lower, action)
            if positions:
                parts.append((pos, id(pol), positions))
                keys.update(read)
            elif f.droppable:
                parts.append((pos, "droppable"))
        if boundary is None:
            parts.append(None)
        else:
            positions, read, _ = self.facts(boundary).for_action(action_lower, action)
            parts.append((id(boundary), positions))
            keys.update(read)
        return tuple(parts), frozenset(keys)

    def side_keys(self, policies: Iterable[Policy], action_lower: str, action: str) -> tuple[frozenset[str], bool]:
        """The keys the covering statements of the other policies in play (SCPs, resource policy, RCPs) read, and
        whether the resource policy names individual principals."""
        keys: set[str] = set()
        individuals = False
        for pol in policies:
            _, read, ind = self.facts(pol).for_action(action_lower, action)
            keys.update(read)
            individuals = individuals or ind
        return frozenset(keys), individuals

    def resource_patterns(self, policies: Iterable[Policy], action_lower: str, action: str) -> Patterns:
        """The resource patterns of every statement covering the action in the policies (``PolicyFacts.patterns``:
        those without policy variables, and the loose forms of those with)."""
        static: dict[str, None] = {}
        loose: dict[str, None] = {}
        for pol in policies:
            found = self.facts(pol).patterns(action_lower, action)
            static.update(dict.fromkeys(found[0]))
            loose.update(dict.fromkeys(found[1]))
        return tuple(static), tuple(loose)

    def context_part(self, ctx: Mapping[str, object], keys: frozenset[str]) -> tuple[tuple[str, object], ...]:
        """The principal's values of the keys read (absent keys are left out: their absence is in the key)."""
        lowered = self._lower_context(ctx)
        return tuple(sorted((k, lowered[k]) for k in keys if k in lowered))


def hashable(v: object) -> object:
    """A context value as a hashable, comparable key part (lists as tuples, maps as sorted pairs)."""
    if isinstance(v, list | tuple):
        return tuple(hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((str(k), hashable(x)) for k, x in v.items()))
    return v


def reads_derived(keys: frozenset[str]) -> bool:
    return not keys.isdisjoint(PRINCIPAL_DERIVED)
