"""Which targets a principal's statements could name, for the escalation search (split from
``escalation_apply``): a target outside them fails the pre-check of every technique that needs an action on it, so
the search never decides it.

A mixin, like ``EscalationTechniques``: ``Escalation`` keeps the one set of caches; the attributes it sets are
declared here.
"""

from __future__ import annotations

from parc.core.account.escalation_steps import Node
from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Account
from parc.core.account.prefilter import Universe
from parc.core.account.principals import Principal
from parc.core.account.techniques import Technique


class EscalationTargets:
    """The target-cover half of ``EscalationTechniques`` (its caches are set by ``Escalation.__init__``)."""

    ev: Evaluator
    accounts: dict[str, Account]
    _universes: dict[tuple[str, str], Universe]
    _holders: dict[str, dict[str, set[str]]]
    _coverage: dict[tuple[str, str, str], frozenset[str] | None]

    def _universe(self, a: Account, kind: str) -> Universe:
        """The account's users, roles, groups or customer managed policies, as a ``Universe`` (once per kind)."""
        key = (a.account_id, kind)
        u = self._universes.get(key)
        if u is None:
            if kind == "user":
                arns = [x.arn for x in a.users]
            elif kind == "role":
                arns = [x.arn for x in a.roles]
            elif kind == "group":
                arns = [x.arn for x in a.groups]
            else:
                arns = [x.arn for x in a.policies]
            u = self._universes[key] = Universe(arns)
        return u

    def _cover(self, p: Principal, action: str, a: Account, kind: str) -> frozenset[str] | None:
        """The ARNs of ``kind`` in ``a`` that some Allow statement of ``p`` for ``action`` may name (None: any);
        a target outside it fails the pre-check of ``_need`` for that action, so it can be skipped."""
        key = (p.arn, action.lower(), kind)
        if key in self._coverage:
            return self._coverage[key]
        out = self._universe(a, kind).covered(self.ev.allows(p).for_action(action))
        self._coverage[key] = out
        return out

    def _target_cover(self, p: Principal, t: Technique, a: Account, kind: str) -> frozenset[str] | None:
        """The targets of ``kind`` every ``target`` need of ``t`` may cover (None: any)."""
        out: frozenset[str] | None = None
        for need in t.needs:
            if need.on != "target":
                continue
            c = self._cover(p, need.action, a, kind)
            if c is not None:
                out = c if out is None else out & c
        return out

    def _policy_holders(self, a: Account) -> dict[str, set[str]]:
        """Per customer managed policy ARN, the users and roles that hold it (directly or through a group)."""
        hit = self._holders.get(a.account_id)
        if hit is None:
            hit = {}
            for u in a.users:
                held = set(u.attached)
                for gname in u.groups:
                    grp = a.groups_by_name.get(gname)
                    if grp is not None:
                        held.update(grp.attached)
                for arn in held:
                    hit.setdefault(arn, set()).add(u.arn)
            for r in a.roles:
                for arn in r.attached:
                    hit.setdefault(arn, set()).add(r.arn)
            self._holders[a.account_id] = hit
        return hit

    def _elevation_candidates(self, n: Node) -> set[str] | None:
        """A superset of the targets the node's elevating techniques could work on (None: any)."""
        a = n.account
        p = n.principal
        out: set[str] = set()
        for t in n.elevators or ():
            if t.targets in ("user", "role"):
                c = self._target_cover(p, t, a, t.targets)
                if c is None:
                    return None
                out.update(c)
            elif t.targets == "group":
                groups = self._target_cover(p, t, a, "group")
                if groups is None or groups:
                    out.update(u.arn for u in a.users)
            elif t.targets == "managed-policy":
                policies = self._target_cover(p, t, a, "policy")
                if policies is None:
                    return None
                holders = self._policy_holders(a)
                for arn in policies:
                    out.update(holders.get(arn, ()))
            else:
                return None
        return out

    def _may_name(self, p: Principal, action: str, target: str) -> bool:
        """``AllowIndex.may_allow_on(action, target)``: for a user, role, group or policy of the principal's own
        account, membership of its cover (``_cover``, which names exactly the members that pre-check keeps,
        computed once per principal and action), not a walk of its statements per target."""
        parts = target.split(":", 5)
        if len(parts) == 6 and parts[2] == "iam" and parts[4] == p.account_id:
            kind = parts[5].split("/", 1)[0]
            a = self.accounts.get(parts[4])
            if a is not None and kind in ("user", "role", "group", "policy") and target in self._universe(
                    a, kind).members:
                cover = self._cover(p, action, a, kind)
                return cover is None or target in cover
        return self.ev.allows(p).may_allow_on(action, target)
