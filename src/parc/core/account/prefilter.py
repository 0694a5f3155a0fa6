"""Cheap, conservative pre-checks that spare the engine the principals that cannot possibly be allowed.

A pre-check may say "maybe" wrongly but never "no" wrongly: it looks only at Action / NotAction of Allow statements,
so every principal it keeps is then decided by the engine, and every one it drops has no statement that could
allow the action.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from functools import lru_cache

from parc.core.match import ActionMatcher, ResourceMatcher, compile_action, compile_resource
from parc.core.policy.model import Policy, Statement
from parc.core.variables import parse_template


@lru_cache(maxsize=65536)
def action_matcher(pattern: str) -> ActionMatcher:
    return compile_action(pattern)


def statement_may_allow(st: Statement, action: str) -> bool:
    if st.effect != "Allow":
        return False
    if st.action is not None:
        return any(action_matcher(a.value).matches(action) for a in st.action)
    if st.not_action is not None:
        return not any(action_matcher(a.value).matches(action) for a in st.not_action)
    return False


def may_allow(policies: Iterable[Policy], action: str) -> bool:
    """Whether any Allow statement of the policies names the action (through Action, a wildcard or NotAction)."""
    return any(statement_may_allow(st, action) for p in policies for st in p.statements)


def allow_statements(policies: Iterable[Policy], action: str) -> list[Statement]:
    return [st for p in policies for st in p.statements if statement_may_allow(st, action)]


@lru_cache(maxsize=65536)
def _resource_matcher(pattern: str) -> ResourceMatcher:
    return compile_resource(pattern, variables=True)


def resource_matcher(pattern: str) -> ResourceMatcher:
    """The compiled matcher of a resource pattern (policy variables read from the context), cached."""
    return _resource_matcher(pattern)


@lru_cache(maxsize=65536)
def loose_pattern(pattern: str) -> str:
    """The pattern with each ``${...}`` reference (a policy variable, with or without a default, or ``${*}``
    ``${?}`` ``${$}``) written as the wildcard ``*``. It matches every ARN the pattern matches, whatever the
    variables' values in a request: a substituted value is matched literally within the same ARN segment (the
    segments are cut at the colons of the literal text, which the rewriting keeps), and ``*`` matches any text
    there; a policy without variable support reads the reference as literal text, which ``*`` matches too. So an
    ARN the loose pattern does not match, the pattern matches in no request
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html). A reference that is not
    well formed is literal text in both."""
    if "${" not in pattern:
        return pattern
    return "".join(part if isinstance(part, str) else "*" for part in parse_template(pattern).parts)


def statement_may_cover(st: Statement, resource: str) -> bool:
    """Whether the statement's Resource could cover ``resource`` in some request: a pattern with policy variables
    is tested in its loose form (``loose_pattern``); NotResource and a missing Resource element say yes (the engine
    decides)."""
    if st.resource is None:
        return True
    return any(r.value == "*" or _resource_matcher(loose_pattern(r.value) if "${" in r.value else r.value).matches(
        resource, {}) for r in st.resource)


def may_allow_on(policies: Iterable[Policy], action: str, resource: str) -> bool:
    return any(
        statement_may_allow(st, action) and statement_may_cover(st, resource) for p in policies for st in p.statements
    )


ActionSplit = tuple[frozenset[str], tuple[ActionMatcher, ...], bool | None]
"""A statement's Action (or NotAction) element split for fast lookups: the plain ASCII names (lowercased), matchers
for the rest (wildcards), and whether it is a NotAction (None: the statement has neither element)."""


def split_actions(st: Statement) -> ActionSplit:
    values = st.action if st.action is not None else st.not_action
    if values is None:
        return frozenset(), (), None
    plain: set[str] = set()
    rest: list[ActionMatcher] = []
    for a in values:
        v = a.value
        if v.isascii() and "*" not in v and "?" not in v:
            plain.add(v.lower())  # a pattern without wildcards matches its own name, in any case
        else:
            rest.append(action_matcher(v))
    return frozenset(plain), tuple(rest), st.action is None


def names_action(split: ActionSplit, key: str, action: str) -> bool:
    """Whether the element names the action (``key``: the action lowercased; ``action`` ASCII)."""
    plain, rest, _ = split
    return key in plain or any(m.matches(action) for m in rest)


def split_covers(split: ActionSplit, key: str, action: str) -> bool | None:
    """Whether the statement's Action / NotAction covers the action; None when it has neither element."""
    if split[2] is None:
        return None
    named = names_action(split, key, action)
    return not named if split[2] else named


class PolicyAllows:
    """One policy's Allow statements, indexed by action on demand. Shared by every principal the policy is attached
    to: in an account, thousands of principals hold the same few managed policies, so each policy answers for an
    action once, not once per principal."""

    __slots__ = ("_by_action", "_splits", "policy", "statements")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.statements = [st for st in policy.statements if st.effect == "Allow"]
        self._by_action: dict[str, list[Statement]] = {}
        self._splits: list[ActionSplit] | None = None

    def for_action(self, key: str, action: str) -> list[Statement]:
        hit = self._by_action.get(key)
        if hit is None:
            if not action.isascii():
                hit = [st for st in self.statements if statement_may_allow(st, action)]
            else:
                hit = [st for st, sp in zip(self.statements, self.splits(), strict=True)
                       if split_covers(sp, key, action)]
            self._by_action[key] = hit
        return hit

    def splits(self) -> list[ActionSplit]:
        """Each Allow statement's Action / NotAction split for lookups (``split_actions``), in order."""
        if self._splits is None:
            self._splits = [split_actions(st) for st in self.statements]
        return self._splits

    def mask(self, table: Mapping[str, tuple[str, int]]) -> int:
        """The bits of the actions some Allow statement covers (``for_action`` not empty), in one pass over the
        statements; ``table``: each ASCII action, lowercased, to (the action, its bit). A statement naming plain
        actions only adds theirs; a wildcard or a NotAction is tested against each action of the table."""
        out = 0
        for sp in self.splits():
            plain, rest, is_not = sp
            if is_not is None:
                continue
            if not is_not and not rest:
                for a in plain:
                    hit = table.get(a)
                    if hit is not None:
                        out |= hit[1]
                continue
            for key, (action, bit) in table.items():
                if not out & bit and split_covers(sp, key, action):
                    out |= bit
        return out


class AllowIndex:
    """One principal's Allow statements, indexed by action on demand: the pre-checks run thousands of times per
    principal (once per candidate role or target), so each action is looked up once. ``shared`` holds the
    per-policy indexes by policy identity (each entry keeps its policy alive, so an id is never reused)."""

    __slots__ = ("_by_action", "_parts")

    def __init__(self, policies: Iterable[Policy], shared: dict[int, PolicyAllows] | None = None) -> None:
        known = shared if shared is not None else {}
        parts: list[PolicyAllows] = []
        for p in policies:
            part = known.get(id(p))
            if part is None:
                part = known[id(p)] = PolicyAllows(p)
            parts.append(part)
        self._parts = parts
        self._by_action: dict[str, list[Statement]] = {}

    def for_action(self, action: str) -> list[Statement]:
        key = action.lower()
        hit = self._by_action.get(key)
        if hit is None:
            hit = [st for part in self._parts for st in part.for_action(key, action)]
            self._by_action[key] = hit
        return hit

    def may_allow(self, action: str) -> bool:
        return bool(self.for_action(action))

    def may_allow_on(self, action: str, resource: str) -> bool:
        return any(statement_may_cover(st, resource) for st in self.for_action(action))


def _prefix_range(ordered: list[str], head: str) -> tuple[int, int]:
    """The range of the sorted strings that start with ``head`` (not empty)."""
    lo = bisect_left(ordered, head)
    if head[-1] == "\U0010ffff":  # no next prefix to bound the range with: walk it
        hi = lo
        while hi < len(ordered) and ordered[hi].startswith(head):
            hi += 1
    else:  # every string starting with head sorts before head with its last character raised by one
        hi = bisect_left(ordered, head[:-1] + chr(ord(head[-1]) + 1), lo)
    return lo, hi


def _literal_head(pattern: str) -> str:
    """The pattern's characters before its first wildcard."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


class Universe:
    """A list of resource ARNs (an account's roles, users, groups or policies) and, per resource pattern, which of
    them it covers: so that "which targets could this principal's statements name" is a few set operations per
    principal, not one pattern test per (principal, target)."""

    __slots__ = ("_by_pattern", "_by_patterns", "_by_resource", "_sorted", "arns", "members")

    def __init__(self, arns: Iterable[str]) -> None:
        self.arns = list(arns)
        self.members = frozenset(self.arns)
        self._by_pattern: dict[str, frozenset[str]] = {}
        self._by_patterns: dict[tuple[str, ...], frozenset[str] | None] = {}
        self._sorted: list[str] | None = None
        self._by_resource: tuple[list[str], list[str]] | None = None

    def matching(self, pattern: str) -> frozenset[str]:
        """The members ``pattern`` covers (``statement_may_cover`` for a pattern without policy variables: a loose
        one, ``loose_pattern``, has none)."""
        hit = self._by_pattern.get(pattern)
        if hit is None:
            m = _resource_matcher(pattern)
            if "*" in pattern or "?" in pattern:
                hit = frozenset(a for a in self._candidates(pattern) if m.matches(a, {}))
            else:  # no wildcard: only the equal ARN can match (checked all the same)
                hit = frozenset((pattern,)) if pattern in self.members and m.matches(pattern, {}) else frozenset()
            self._by_pattern[pattern] = hit
        return hit

    def _candidates(self, pattern: str) -> list[str]:
        """The members a wildcard pattern could match: those starting with its literal head; or, when a wildcard
        comes before the resource part (``arn:aws:iam::*:role/app-*``), those whose resource part (after the
        fifth colon) starts with the pattern's: an ARN pattern of six segments matches segment by segment, a
        wildcard before the last never spanning a colon (``match.ResourceMatcher``)."""
        head = _literal_head(pattern)
        fields = pattern.split(":", 5)
        if head.count(":") >= 5 or len(fields) < 6 or not _literal_head(fields[5]):
            return self._starting_with(head)
        if self._by_resource is None:
            pairs = sorted((a.split(":", 5)[5], a) for a in self.arns if a.count(":") >= 5)
            self._by_resource = ([r for r, _ in pairs], [a for _, a in pairs])
        parts, arns = self._by_resource
        lo, hi = _prefix_range(parts, _literal_head(fields[5]))
        return arns[lo:hi]

    def _starting_with(self, head: str) -> list[str]:
        """The members that start with ``head``: resource patterns match case-sensitively and their characters
        before the first wildcard literally, so only these can match (a range of the sorted members: a pattern
        such as ``role/app-*`` is tested against its few candidates, not every role of a large account)."""
        if not head:
            return self.arns
        if self._sorted is None:
            self._sorted = sorted(self.arns)
        lo, hi = _prefix_range(self._sorted, head)
        return self._sorted[lo:hi]

    def covered(self, statements: Iterable[Statement]) -> frozenset[str] | None:
        """The members some statement may cover (exactly those ``statement_may_cover`` says yes for: a pattern with
        policy variables in its loose form), or None when a statement may cover every resource (no Resource
        element, or ``*``)."""
        patterns: list[str] = []
        for st in statements:
            if st.resource is None:
                return None
            for r in st.resource:
                if r.value == "*":
                    return None
                patterns.append(r.value)
        key = tuple(patterns)
        if key in self._by_patterns:  # principals sharing their policies ask with the same patterns
            return self._by_patterns[key]
        found: set[str] = set()
        for pattern in dict.fromkeys(patterns):
            found.update(self.matching(loose_pattern(pattern)))
        out = self.members if len(found) == len(self.members) else frozenset(found)
        if len(self._by_patterns) >= 65536:
            self._by_patterns.clear()
        self._by_patterns[key] = out
        return out
