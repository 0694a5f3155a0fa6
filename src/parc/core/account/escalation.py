"""``escalation``: paths by which a principal gains more than it has — an administrator's rights, or another role.

The graph: nodes are the snapshot's users and roles; a ``become`` edge N -> T means N can act as T (assume it, take
over its credentials, run code as it through a service), an ``elevate`` edge N => T means N can change T's policies
so that T becomes an administrator. Every needed action is decided by the engine with the attacker's full policy
set (boundary, SCPs, conditions: iam:PolicyArn for attachments, iam:PassedToService for PassRole), and every
"becomes an administrator" is decided by the engine on the target's changed state, so a boundary or an SCP that
holds the target back counts.

From a start S, breadth-first search over ``become`` edges gives every principal S can reach, by shortest chains.
S reaches administrator when it reaches an administrator, or when some reached N can elevate some reached T (S goes
to N, changes T, then goes to T). Edges are computed once per node and reused for every start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping

from parc.core.account.assume import ASSUME, AssumeGraph, AssumeIndex, assume_graph, population_of
from parc.core.account.escalation_apply import EscalationTechniques
from parc.core.account.escalation_steps import (
    ADMINISTRATOR,
    BECOME,
    ELEVATE,
    AdminCheck,
    Check,
    EscalationResult,
    Node,
    Path,
    Step,
    gain_of,
    with_admin_note,
)
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account, Role
from parc.core.account.prefilter import Universe
from parc.core.account.techniques import ASSUME_ROLE, Technique
from parc.core.gcpause import without_cyclic_gc
from parc.core.policy.model import Policy

TECHNIQUE_ACTIONS = {a: 1 << i for i, a in enumerate(dict.fromkeys(
    need.action for t in (*BECOME, *ELEVATE) for need in (*t.needs, *t.any_of)))}
"""Every action a technique needs, each with its bit in the masks of ``Escalation._capable``."""
TECHNIQUE_KEYS = {a.lower(): (a, bit) for a, bit in TECHNIQUE_ACTIONS.items()}
"""The same, by the action lowercased (``PolicyAllows.mask``)."""
Masked = tuple[tuple[Technique, int, int], ...]


def _masked(techniques: tuple[Technique, ...]) -> Masked:
    """Each technique with the bits of the actions it needs all of, and of those it needs one of. Held beside the
    technique, not in a dict keyed by it: a technique's hash walks every field of it, and ``_capable`` runs for
    every node an escalation search reaches."""
    return tuple((t, sum({TECHNIQUE_ACTIONS[need.action] for need in t.needs}),
                  sum({TECHNIQUE_ACTIONS[need.action] for need in t.any_of})) for t in techniques)


BECOME_MASKS, ELEVATE_MASKS = _masked(BECOME), _masked(ELEVATE)

__all__ = ["ADMINISTRATOR", "AdminCheck", "Check", "Escalation", "EscalationResult", "Path", "Step", "escalation"]
"""The answers' types live in ``escalation_steps``; they are re-exported here, where callers have always found them."""

class Escalation(EscalationTechniques):
    """The escalation graph of an estate, built lazily node by node."""

    def __init__(self, ev: Evaluator, *, relax: bool = True, assume: AssumeGraph | None = None) -> None:
        self.ev = ev
        self.relax = relax
        self._graph = assume
        self._index = AssumeIndex(ev, population_of(ev)) if assume is None else None
        """Without a graph given, each principal's role assumptions are decided when a search reaches it."""
        self._nodes: dict[str, Node] = {}
        self._admin: dict[tuple[object, ...], AdminCheck] = {}
        self._service_trust: dict[tuple[str, str], Verdict] = {}
        self._by_service: dict[tuple[str, str], list[Role]] = {}
        self._trusting_services: dict[str, dict[str, list[int]]] = {}
        self._elevations: dict[tuple[str, str], list[Step]] = {}
        self._admin_policy_list: dict[str, list[tuple[str, Policy]]] = {}
        self._targets: dict[str, dict[str, list[Step]]] = {}
        self.omitted: dict[str, int] = {}
        """Starts whose list of gained principals was cut to ``max_gains``: how many were left out."""
        self._admin_refs: list[object] = []
        self._universes: dict[tuple[str, str], Universe] = {}
        self._holders: dict[str, dict[str, set[str]]] = {}
        self._coverage: dict[tuple[str, str, str], frozenset[str] | None] = {}
        self._orders: dict[str, dict[str, int]] = {}
        self._new_needs: dict[tuple[object, ...], Check | None] = {}
        self._on_groups: dict[tuple[object, ...], tuple[Check, ...] | None] = {}
        self._rewritten: dict[tuple[str, str], Policy] = {}
        self._joined: dict[tuple[str, str], tuple[Policy, ...]] = {}
        self._masks: dict[int, tuple[Policy, int]] = {}
        """Per policy (by identity, kept alive here): which of the techniques' actions its Allow statements name."""
        self.accounts = {a.account_id: a for a in ev.estate.accounts}
        ev.principals()

    @property
    def assume(self) -> AssumeGraph:
        """The role-assumption graph (built on first use when none was given)."""
        if self._graph is None:
            self._graph = assume_graph(self.ev, relax=self.relax)
        return self._graph

    # -- nodes --------------------------------------------------------------------------------------------------

    def node(self, arn: str) -> Node:
        n = self._nodes.get(arn)
        if n is None:
            p = self.ev.principal(arn)
            n = Node(p, self.accounts[p.account_id or ""])
            self._nodes[arn] = n
        return n

    def admin_of(self, arn: str) -> AdminCheck:
        """``admin_check`` of the principal as it stands, kept on its node (a search asks it of every node it
        reaches, for every start)."""
        n = self.node(arn)
        if n.admin is None:
            n.admin = self.admin_check(n.principal)
        return n.admin

    def edges(self, arn: str) -> Node:
        """The node with its out-edges computed (once)."""
        n = self.node(arn)
        for _ in self._become(n):
            pass
        return n

    def _become(self, n: Node) -> Iterator[Step]:
        """The node's ``become`` edges in their order, computed only as far as the caller reads them: a search that
        stops at its first gain does not decide every target of a principal that can become many."""
        if not n.expanded:
            n.expanded = True
            n.pending = self._expand(n)
        i = 0
        while True:
            if i < len(n.become):
                yield n.become[i]
                i += 1
                continue
            pending = n.pending
            if pending is None:
                return
            step = next(pending, None)
            if step is None:
                n.pending = None
                return
            n.become.append(step)

    def _expand(self, n: Node) -> Iterator[Step]:
        """``become`` edges: roles it can assume, and the techniques that let it act as another principal."""
        p = n.principal
        if self._index is not None:
            for role in self._index.roles_for(p):
                side = ResourceSide(role.trust, role.account_id, role.arn)
                v = self.ev.verdict(p, ASSUME, role.arn, side=side, relax=self.relax)
                if v.possible:
                    yield Step(p.arn, ASSUME_ROLE, role.arn, role.arn, (Check(p.arn, ASSUME, role.arn, (), v),))
        else:
            for e in self.assume.by_source.get(p.arn, ()):
                check = Check(p.arn, e.action, e.role.arn, (), e.verdict)
                yield Step(p.arn, ASSUME_ROLE, e.role.arn, e.role.arn, (check,))
        for t in self._capable(n, BECOME_MASKS):
            yield from self._apply_become(n, t)

    def _capable(self, n: Node, techniques: Masked) -> list[Technique]:
        """The techniques whose every needed action some Allow statement of the node names (a cheap pre-check):
        as bit masks over the techniques' actions, one mask per policy (policies are shared by many principals)."""
        have = 0
        for pol in n.principal.identity:
            have |= self._policy_mask(pol)
        out = []
        for t, needs, any_of in techniques:
            if needs & ~have or (any_of and not any_of & have):
                continue
            out.append(t)
        return out

    def _policy_mask(self, pol: Policy) -> int:
        hit = self._masks.get(id(pol))
        if hit is None or hit[0] is not pol:
            hit = self._masks[id(pol)] = (pol, self.ev.policy_allows(pol).mask(TECHNIQUE_KEYS))
        return hit[1]

    def elevations(self, actor: str, target: str) -> list[Step]:
        """Steps by which ``actor`` makes ``target`` an administrator (computed once per pair)."""
        key = (actor, target)
        hit = self._elevations.get(key)
        if hit is not None:
            return hit
        n = self.node(actor)
        if n.elevators is None:
            n.elevators = self._capable(n, ELEVATE_MASKS)
        out: list[Step] = []
        t_node = self.node(target)
        if n.elevators and t_node.account is n.account:
            for t in n.elevators:
                out.extend(self._apply_elevate(n, t, t_node.principal))
        self._elevations[key] = out
        return out

    # -- search -------------------------------------------------------------------------------------------------

    def self_elevations(self, arn: str) -> list[Step]:
        """Steps by which the node makes itself an administrator."""
        return self.elevations(arn, arn)

    def targets_of(self, arn: str) -> dict[str, list[Step]]:
        """Every principal of its account that the node can make an administrator (once per node). Only asked of
        nodes that cannot elevate themselves: one that can needs no detour through another principal."""
        hit = self._targets.get(arn)
        if hit is not None:
            return hit
        out: dict[str, list[Step]] = {}
        n = self.node(arn)
        if n.elevators is None:
            n.elevators = self._capable(n, ELEVATE_MASKS)
        if n.elevators:
            maybe = self._elevation_candidates(n)
            for t_arn in self._target_order(n.account):
                if t_arn != arn and (maybe is None or t_arn in maybe):
                    steps = self.elevations(arn, t_arn)
                    if steps:
                        out[t_arn] = steps
        self._targets[arn] = out
        return out

    def _reached_targets(self, arn: str, depth: Mapping[str, int]) -> Iterator[tuple[str, list[Step]]]:
        """``targets_of(arn)`` restricted to the principals in ``depth``, in the same order, computed only for
        them: a start reaches few principals, so its search never decides every (actor, target) pair."""
        n = self.node(arn)
        order = self._target_order(n.account)
        for t_arn in sorted((t for t in depth if t != arn and t in order), key=order.__getitem__):
            steps = self.elevations(arn, t_arn)
            if steps:
                yield t_arn, steps

    def _target_order(self, a: Account) -> dict[str, int]:
        """The principals of the account an elevation may target (users, then roles that are not service-linked),
        each with its place in that order."""
        hit = self._orders.get(a.account_id)
        if hit is None:
            arns = [u.arn for u in a.users] + [r.arn for r in a.roles if not r.is_service_linked]
            hit = self._orders[a.account_id] = {t: i for i, t in enumerate(arns)}
        return hit

    def paths_from(self, start: str, max_gains: int | None = None) -> list[Path]:
        """The shortest path to administrator if there is one, else the shortest path to every principal reached
        (the ``max_gains`` nearest when given; the number left out is kept in ``omitted``)."""
        mine = self.admin_of(start)
        if mine.unconditional:
            return []
        parent: dict[str, Step] = {}
        depth = {start: 0}
        order = [start]
        queue = deque([start])
        while queue:
            arn = queue.popleft()
            if arn != start and self.admin_of(arn).better_than(mine):
                continue  # a gain: the path ends here
            d = depth[arn] + 1
            for step in self._become(self.node(arn)):
                if step.gains in depth:
                    continue
                depth[step.gains] = d
                parent[step.gains] = step
                order.append(step.gains)
                queue.append(step.gains)
                if self.admin_of(step.gains).better_than(mine):
                    # The first gain in breadth-first order: the best path is at most this long, and every
                    # principal a shorter one could go through is already reached (all of depth < d are), so
                    # the search stops here.
                    queue.clear()
                    break

        def chain(to: str) -> list[Step]:
            out: list[Step] = []
            while to != start:
                s = parent[to]
                out.append(s)
                to = s.actor
            return list(reversed(out))

        # Candidates as (length, build): reach an administrator; elevate oneself on the way; or reach a principal
        # that can elevate another reached one. Order is breadth first, so the first of each kind is its shortest.
        best: tuple[int, list[Step]] | None = None
        for arn in order[1:]:
            check = self.admin_of(arn)
            if check.better_than(mine):
                steps = chain(arn)
                steps[-1] = with_admin_note(steps[-1], check)
                best = (depth[arn], steps)
                break
        for arn in order:
            if best is not None and depth[arn] + 1 >= best[0]:
                break
            if arn != start and self.admin_of(arn).better_than(mine):
                continue
            for step in self.self_elevations(arn):
                if gain_of(step).better_than(mine):
                    best = (depth[arn] + 1, [*chain(arn), step])
                    break
        for arn in order:
            if best is not None and depth[arn] + 1 >= best[0]:
                break
            node = self.node(arn)
            if node.elevators is None:
                node.elevators = self._capable(node, ELEVATE_MASKS)
            if not node.elevators or self.self_elevations(arn):
                continue
            for target, steps in self._reached_targets(arn, depth):
                length = depth[arn] + 1 + depth[target]
                if best is not None and length >= best[0]:
                    continue
                for step in steps:
                    if gain_of(step).better_than(mine):
                        # Reach the actor, make the change, then (again from the start) reach the changed target.
                        path = [*chain(arn), step]
                        path += [s for s in chain(target) if s not in path]
                        best = (length, path)
                        break
        if best is not None:
            return [Path(start, ADMINISTRATOR, tuple(best[1]))]
        if mine.admin:
            return []  # an administrator already (under conditions): other principals are no gain
        reached = order[1:]
        if max_gains is not None and len(reached) > max_gains:
            self.omitted[start] = len(reached) - max_gains
            reached = reached[:max_gains]
        return [Path(start, arn, tuple(chain(arn))) for arn in reached]




@without_cyclic_gc
def escalation(ev: Evaluator, principal: str | None = None, *, relax: bool = True,
               starts: Iterable[str] | None = None, max_gains: int | None = None) -> EscalationResult:
    """Paths for one principal, or for every user and role of the snapshot. ``max_gains`` keeps, per principal
    without a path to administrator, only that many of the principals it can reach (the nearest)."""
    esc = Escalation(ev, relax=relax)
    if principal is not None:
        arns = [ev.principal(principal).arn]
    elif starts is not None:
        arns = list(starts)
    else:
        arns = [p.arn for p in ev.principals()]
    paths, admins = escalate_from(esc, arns, max_gains)
    return EscalationResult(tuple(paths), len(arns), tuple(admins), dict(esc.omitted))


def escalate_from(esc: Escalation, arns: Iterable[str], max_gains: int | None) -> tuple[list[Path], list[str]]:
    """The paths from these starts and those of them that are administrators already (whose paths are not
    searched when no condition limits it): one loop for the single-process run and for ``parc.scale``'s parts."""
    paths: list[Path] = []
    admins: list[str] = []
    for arn in arns:
        check = esc.admin_of(arn)
        if check.admin:
            admins.append(arn)
        if not check.unconditional:
            paths.extend(esc.paths_from(arn, max_gains))
    return paths, admins
