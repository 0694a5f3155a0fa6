"""``assume``: who can become which role, directly and through chains of roles.

An edge P -> R exists when the engine allows P ``sts:AssumeRole`` on R with R's trust policy as the resource policy:
the trust policy must allow P (always, even within the account), and P's own policies must allow it unless the
trust policy names P itself in the same account. Federated principals use ``sts:AssumeRoleWithSAML`` /
``sts:AssumeRoleWithWebIdentity``. Chains follow edges from a role's session to the next role (role chaining).
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html (role chaining)
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field

from parc.core.account.arns import ACCOUNT_ID, principal_kind, root_arn
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Role
from parc.core.account.prefilter import Universe
from parc.core.account.principals import Principal, external
from parc.core.account.who_can import named_in
from parc.core.gcpause import without_cyclic_gc

ASSUME = "sts:AssumeRole"
SAML = "sts:AssumeRoleWithSAML"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"


@dataclass(frozen=True)
class AssumeEdge:
    source: Principal
    role: Role
    action: str
    verdict: Verdict

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.source.arn,
            "from_kind": self.source.kind,
            "to": self.role.arn,
            "action": self.action,
            "decision": self.verdict.label,
            "conditions": list(self.verdict.conditions),
            "statements": [r.to_dict() for r in self.verdict.decision.deciding],
        }


@dataclass(frozen=True)
class Chain:
    principal: str
    role: str
    edges: tuple[AssumeEdge, ...]

    @property
    def path(self) -> list[str]:
        return [self.principal, *(e.role.arn for e in self.edges)]

    @property
    def conditions(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for e in self.edges:
            for k in e.verdict.conditions:
                keys.setdefault(k, None)
        return tuple(keys)

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "role": self.role,
            "path": self.path,
            "conditions": list(self.conditions),
            "conditional": any(not e.verdict.allowed for e in self.edges),
        }


@dataclass
class AssumeGraph:
    """The edges of an estate, indexed by source ARN."""

    edges: list[AssumeEdge] = field(default_factory=list)
    by_source: dict[str, list[AssumeEdge]] = field(default_factory=dict)
    sources: dict[str, Principal] = field(default_factory=dict)

    def add(self, e: AssumeEdge) -> None:
        self.edges.append(e)
        self.by_source.setdefault(e.source.arn, []).append(e)
        self.sources.setdefault(e.source.arn, e.source)

    def chains_from(self, start: str) -> list[Chain]:
        """Shortest chains from ``start`` to every role it can reach (breadth first)."""
        parent: dict[str, AssumeEdge] = {}
        seen = {start}
        queue = deque([start])
        order: list[str] = []
        while queue:
            node = queue.popleft()
            for e in self.by_source.get(node, ()):
                if e.role.arn in seen:
                    continue
                seen.add(e.role.arn)
                parent[e.role.arn] = e
                order.append(e.role.arn)
                queue.append(e.role.arn)
        out = []
        for role in order:
            path: list[AssumeEdge] = []
            cur = role
            while cur != start:
                e = parent[cur]
                path.append(e)
                cur = e.source.arn
            out.append(Chain(start, role, tuple(reversed(path))))
        return out


@dataclass
class _Population:
    """The snapshot's principals, indexed for candidate selection (built once per graph)."""

    internal: list[Principal]
    by_arn: dict[str, Principal]
    assumers: dict[str, list[Principal]]
    """Per account, the principals with some Allow statement naming sts:AssumeRole."""
    any_role: dict[str, list[Principal]] = field(default_factory=dict)
    """Per account, the assumers whose statements may name any role (in ``assumers`` order)."""
    named: dict[str, list[Principal]] = field(default_factory=dict)
    """Per role ARN, the other assumers whose statements name it (in ``assumers`` order)."""
    cover_of: dict[str, frozenset[str] | None] = field(default_factory=dict)
    """Per assumer, the roles of its account its statements may name for sts:AssumeRole (None: any)."""

    @classmethod
    def of(cls, ev: Evaluator, internal: list[Principal]) -> _Population:
        assumers: dict[str, list[Principal]] = {}
        for p in internal:
            if p.account_id and ev.allows(p).may_allow(ASSUME):
                assumers.setdefault(p.account_id, []).append(p)
        pop = cls(internal, {p.arn: p for p in internal}, assumers)
        for account in ev.estate.accounts:
            roles = Universe(r.arn for r in account.roles)
            for p in assumers.get(account.account_id, []):
                cover = roles.covered(ev.allows(p).for_action(ASSUME))
                pop.cover_of[p.arn] = cover
                if cover is None:
                    pop.any_role.setdefault(account.account_id, []).append(p)
                else:
                    for arn in cover:
                        pop.named.setdefault(arn, []).append(p)
        return pop

    def covering(self, account_id: str, role_arn: str) -> list[Principal]:
        """The account's assumers whose statements may name ``role_arn`` (``may_allow_on``), in their order; the
        roles of the account are the universe, so a role of another account falls back to every assumer."""
        anyone = self.any_role.get(account_id, [])
        named = self.named.get(role_arn, [])
        if not named:
            return anyone
        order = {p.arn: i for i, p in enumerate(self.assumers.get(account_id, []))}
        return sorted([*anyone, *named], key=lambda p: order[p.arn])


def candidates_for(ev: Evaluator, role: Role, population: _Population, *,
                   internal_done: bool = False) -> list[tuple[Principal, str]]:
    """The principals worth deciding for ``role``, each with the action to decide. ``internal_done``: a role
    trusting ``*`` whose every principal of the snapshot the caller decides apart (``Evaluator.possible_among``):
    the others only."""
    trust = role.trust
    if trust is None:
        return []
    out: dict[str, tuple[Principal, str]] = {}
    everyone, named = named_in(trust, ASSUME)
    internal = population.internal
    by_arn = population.by_arn
    by_account = population.assumers

    def consider(p: Principal, action: str = ASSUME) -> None:
        if (p.arn != role.arn or p.kind != "role") and not (internal_done and p.arn in by_arn):
            out.setdefault(p.arn, (p, action))

    if everyone:
        if not internal_done:
            for p in internal:
                consider(p)
        consider(external("*"))
    for kind, value in named:
        if kind == "AWS":
            if value in by_arn:
                consider(by_arn[value])
            elif ACCOUNT_ID.match(value) or principal_kind(value) == "root":
                acct = value if ACCOUNT_ID.match(value) else value.split(":")[4]
                if ev.estate.account(acct) is None:
                    consider(external(root_arn(acct)))
                elif acct == role.account_id:
                    for p in population.covering(acct, role.arn):
                        consider(p)
                else:
                    for p in by_account.get(acct, []):
                        if ev.allows(p).may_allow_on(ASSUME, role.arn):
                            consider(p)
            elif principal_kind(value) in ("user", "role"):
                acct = value.split(":")[4] if value.count(":") >= 5 else ""
                if ev.estate.account(acct) is None:
                    consider(external(value))
        elif kind == "Service":
            consider(external(value))
    for action in (SAML, WEB_IDENTITY):
        _, fed = named_in(trust, action)
        for kind, value in fed:
            if kind == "Federated":
                is_saml = ":saml-provider/" in value
                if (action == SAML) == is_saml:
                    consider(Principal(value, "federated", None), action)
    return list(out.values())


class AssumeIndex:
    """For each internal principal, the roles whose trust policy makes it a candidate (``candidates_for``), in the
    order ``assume_graph`` decides them: so that a search can decide one principal's edges when it reaches it,
    instead of building every edge of the estate first (roles that trust a whole account are hubs: every assumer
    of the account is a candidate for each)."""

    def __init__(self, ev: Evaluator, population: _Population) -> None:
        self.ev = ev
        self.population = population
        self.roles: list[Role] = [r for a in ev.estate.accounts for r in a.roles]
        self.everyone: list[int] = []
        self.by_arn: dict[str, list[int]] = {}
        self.by_account: dict[str, list[int]] = {}
        for i, role in enumerate(self.roles):
            trust = role.trust
            if trust is None:
                continue
            everyone, named = named_in(trust, ASSUME)
            if everyone:
                self.everyone.append(i)
            for kind, value in named:
                if kind != "AWS":
                    continue
                if value in population.by_arn:
                    self.by_arn.setdefault(value, []).append(i)
                elif ACCOUNT_ID.match(value) or principal_kind(value) == "root":
                    acct = value if ACCOUNT_ID.match(value) else value.split(":")[4]
                    if ev.estate.account(acct) is not None:
                        self.by_account.setdefault(acct, []).append(i)
        self._assumers = {acct: {p.arn for p in ps} for acct, ps in population.assumers.items()}
        self._position = {role.arn: i for i, role in enumerate(self.roles)}
        self._trust_lists: dict[str, tuple[list[int], list[int], frozenset[int]]] = {}

    def roles_for(self, p: Principal) -> Iterator[Role]:
        """The roles ``p`` is a candidate for, in ``assume_graph``'s order (each once)."""
        streams: list[Iterable[int]] = [self.everyone, self.by_arn.get(p.arn, [])]
        acct = p.account_id
        if acct and p.arn in self._assumers.get(acct, ()):
            streams.append(self._covered(p, acct))
        last = -1
        for i in heapq.merge(*streams):
            if i == last:
                continue
            last = i
            role = self.roles[i]
            if role.arn == p.arn and p.kind == "role":
                continue
            yield role

    def _covered(self, p: Principal, acct: str) -> Iterator[int]:
        """The roles trusting ``p``'s account that ``p``'s statements may name for sts:AssumeRole, in order: of its
        own account's, those in its cover (found through the cover when that is the smaller: a principal that may
        name a few roles is not tested against every role trusting the account); of other accounts', those its
        statements may name."""
        own, others, own_set = self._trusting(acct)
        cover = self.population.cover_of.get(p.arn)
        if cover is None:
            mine: Iterable[int] = own
        elif len(cover) < len(own):
            mine = sorted(i for i in (self._position.get(arn) for arn in cover) if i is not None and i in own_set)
        else:
            mine = [i for i in own if self.roles[i].arn in cover]
        if not others:
            yield from mine
            return
        allows = self.ev.allows(p)
        yield from heapq.merge(mine, (i for i in others if allows.may_allow_on(ASSUME, self.roles[i].arn)))

    def _trusting(self, acct: str) -> tuple[list[int], list[int], frozenset[int]]:
        """The roles trusting the account: its own (and as a set), and other accounts' (each list in order)."""
        hit = self._trust_lists.get(acct)
        if hit is None:
            ids = sorted(set(self.by_account.get(acct, [])))
            own = [i for i in ids if self.roles[i].account_id == acct]
            hit = self._trust_lists[acct] = (own, [i for i in ids if self.roles[i].account_id != acct],
                                             frozenset(own))
        return hit


def population_of(ev: Evaluator) -> _Population:
    return _Population.of(ev, ev.principals())


@without_cyclic_gc
def assume_graph(ev: Evaluator, *, relax: bool = True, roles: Container[str] | None = None,
                 population: _Population | None = None) -> AssumeGraph:
    """``roles``: one partition of a distributed run (``parc.scale``), the edges into these roles only; the
    partitions' edges, added in order, are the whole graph. ``population``: ``population_of(ev)``, when a caller
    deciding several partitions on one evaluator keeps it (building it reads every principal of the snapshot)."""
    graph = AssumeGraph()
    if population is None:
        population = population_of(ev)
    for account in ev.estate.accounts:
        for role in account.roles:
            if roles is not None and role.arn not in roles:
                continue
            side = ResourceSide(role.trust, role.account_id, role.arn)
            everyone = role.trust is not None and named_in(role.trust, ASSUME)[0]
            if everyone:  # every principal of the snapshot is a candidate: decided per class of them
                internal = population.internal
                for i, v in ev.possible_among(internal, ASSUME, role.arn, side, relax=relax):
                    p = internal[i]
                    if p.arn != role.arn or p.kind != "role":
                        graph.add(AssumeEdge(p, role, ASSUME, v))
            asks = candidates_for(ev, role, population, internal_done=everyone)
            for (p, action), v in zip(asks, ev.verdicts(asks, role.arn, side, relax=relax), strict=True):
                if v.possible:
                    graph.add(AssumeEdge(p, role, action, v))
    return graph


@dataclass(frozen=True)
class AssumeResult:
    graph: AssumeGraph
    chains: tuple[Chain, ...]
    principal: str | None

    def to_dict(self) -> dict[str, object]:
        edges = self.graph.edges
        if self.principal is not None:
            involved = {self.principal, *(c.role for c in self.chains)}
            edges = [e for e in edges if e.source.arn in involved]
        return {
            "principal": self.principal,
            "edges": [e.to_dict() for e in edges],
            "chains": [c.to_dict() for c in self.chains],
        }


@without_cyclic_gc
def assume(ev: Evaluator, principal: str | None = None, *, relax: bool = True) -> AssumeResult:
    """Every edge, and the chains from ``principal`` (or from every source with an edge when None)."""
    graph = assume_graph(ev, relax=relax)
    if principal is not None:
        start = ev.principal(principal).arn
        return AssumeResult(graph, tuple(graph.chains_from(start)), start)
    starts = sorted(graph.by_source)
    chains = [c for s in starts for c in graph.chains_from(s)]
    return AssumeResult(graph, tuple(chains), None)
