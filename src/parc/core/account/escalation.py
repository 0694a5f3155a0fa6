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
from dataclasses import dataclass, field

from parc.core.account.assume import ASSUME, AssumeGraph, AssumeIndex, assume_graph, population_of
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account, ComputeResource, Group, ManagedPolicy, Role, User
from parc.core.account.prefilter import Universe
from parc.core.account.principals import Principal, all_principals, external, for_role, for_user, user_policies
from parc.core.account.techniques import (
    ADMIN_SENTINELS,
    ASSUME_ROLE,
    TECHNIQUES,
    Need,
    Technique,
)
from parc.core.account.what_can import substitute
from parc.core.account.who_can import named_in
from parc.core.gcpause import without_cyclic_gc
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy

ADMINISTRATOR = "administrator"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _admin_doc(name: str) -> Policy:
    p = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        PolicyType.IDENTITY,
        name=name,
    ).policy
    assert p is not None
    return p


ADMIN_DOC = _admin_doc("(written by the attacker: Allow * on *)")
ADMIN_MANAGED = _admin_doc(ADMIN_POLICY_ARN)


@dataclass(frozen=True)
class Check:
    """One action the step needed, with the engine's verdict on it."""

    principal: str
    action: str
    resource: str
    context: tuple[tuple[str, str], ...]
    verdict: Verdict

    @property
    def conditions(self) -> tuple[str, ...]:
        """Request-time keys the step depends on (those the snapshot cannot settle); keys the technique sets itself
        and keys that follow from the principal are not listed."""
        return () if self.verdict.allowed else self.verdict.relaxed_keys

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": dict(self.context),
            "decision": self.verdict.label,
            "conditions": list(self.conditions),
            "statements": [r.to_dict() for r in self.verdict.decision.deciding],
        }


@dataclass(frozen=True)
class Step:
    actor: str
    technique: Technique
    target: str
    gains: str
    """The ARN the actor can then act as, or ``administrator``."""
    checks: tuple[Check, ...]
    note: str = ""
    admin_conditions: tuple[str, ...] = ()
    """For a step that makes its target an administrator under conditions: the keys that gate it."""
    unconditional_admin: bool = False
    """For a step that makes its target an administrator: whether without conditions."""

    @property
    def conditions(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for c in self.checks:
            for k in c.conditions:
                keys.setdefault(k, None)
        for k in self.admin_conditions:
            keys.setdefault(k, None)
        return tuple(keys)

    @property
    def conditional(self) -> bool:
        return any(not c.verdict.allowed for c in self.checks) or bool(self.admin_conditions)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "principal": self.actor,
            "technique": self.technique.id,
            "title": self.technique.title,
            "target": self.target,
            "gains": self.gains,
            "conditions": list(self.conditions),
            "conditional": self.conditional,
            "checks": [c.to_dict() for c in self.checks],
            "reference": self.technique.reference,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Path:
    principal: str
    gains: str
    steps: tuple[Step, ...]

    @property
    def conditions(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for s in self.steps:
            for k in s.conditions:
                keys.setdefault(k, None)
        return tuple(keys)

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "gains": self.gains,
            "conditions": list(self.conditions),
            "conditional": any(s.conditional for s in self.steps),
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass(frozen=True)
class AdminCheck:
    admin: bool
    """Allowed every sentinel action on ``*`` (possibly under conditions on request-time keys)."""
    unconditional: bool
    conditions: tuple[str, ...]

    def better_than(self, other: AdminCheck) -> bool:
        """Whether being this is a gain over being ``other``."""
        return (self.unconditional and not other.unconditional) or (self.admin and not other.admin)


@dataclass
class _Node:
    principal: Principal
    account: Account
    become: list[Step] = field(default_factory=list)
    expanded: bool = False
    elevators: list[Technique] | None = None
    """The elevating techniques the node may use (pre-checked on its statements), computed on first need."""
    pending: Iterator[Step] | None = None
    """The rest of ``become``, computed as a search needs it (None: all computed)."""


@dataclass(frozen=True)
class EscalationResult:
    paths: tuple[Path, ...]
    principals: int
    """How many starting principals were examined."""
    administrators: tuple[str, ...]
    """Starting principals that already are administrators (possibly under conditions on request-time keys)."""
    omitted: Mapping[str, int] = field(default_factory=dict)
    """Per principal, how many reachable principals were left out of the paths (``max_gains``)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "paths": [p.to_dict() for p in self.paths],
            "checked": {"principals": self.principals, "administrators": list(self.administrators)},
            "omitted": dict(self.omitted),
        }


class Escalation:
    """The escalation graph of an estate, built lazily node by node."""

    def __init__(self, ev: Evaluator, *, relax: bool = True, assume: AssumeGraph | None = None) -> None:
        self.ev = ev
        self.relax = relax
        self._graph = assume
        self._index = AssumeIndex(ev, population_of(ev)) if assume is None else None
        """Without a graph given, each principal's role assumptions are decided when a search reaches it."""
        self._nodes: dict[str, _Node] = {}
        self._admin: dict[tuple[object, ...], AdminCheck] = {}
        self._service_trust: dict[tuple[str, str], Verdict] = {}
        self._by_service: dict[tuple[str, str], list[Role]] = {}
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
        self._rewritten: dict[tuple[str, str], Policy] = {}
        self.accounts = {a.account_id: a for a in ev.estate.accounts}
        for p in all_principals(ev.estate):
            ev.remember(p)

    @property
    def assume(self) -> AssumeGraph:
        """The role-assumption graph (built on first use when none was given)."""
        if self._graph is None:
            self._graph = assume_graph(self.ev, relax=self.relax)
        return self._graph

    # -- administrators -----------------------------------------------------------------------------------------

    def admin_check(self, p: Principal, identity: tuple[Policy, ...] | None = None,
                    boundary: Policy | bool | None = True) -> AdminCheck:
        ident = p.identity if identity is None else identity
        bnd = p.boundary if boundary is True else (boundary or None)
        if any(pol is ADMIN_DOC or pol is ADMIN_MANAGED for pol in ident) and not any(
            st.effect == "Deny" for pol in ident for st in pol.statements
        ):
            # With an Allow * and no deny of its own, the other identity policies change nothing: decide on the
            # Allow * alone (one small compiled set per target).
            ident = (ADMIN_MANAGED,)
        key: tuple[object, ...] = (p.arn, tuple(id(x) for x in ident), id(bnd))
        hit = self._admin.get(key)
        if hit is not None:
            return hit
        if not all(self.ev.may_allow(ident, action) for action in ADMIN_SENTINELS):
            result = AdminCheck(False, False, ())
        else:
            conds: dict[str, None] = {}
            ok = True
            unconditional = True
            for action in ADMIN_SENTINELS:
                v = self.ev.verdict(p, action, "*", side=ResourceSide(None, p.account_id), identity=ident,
                                    boundary=bnd, relax=self.relax)
                if not v.possible:
                    ok = False
                    break
                if not v.allowed:
                    unconditional = False
                    for k in v.relaxed_keys:
                        conds.setdefault(k, None)
            result = AdminCheck(ok, ok and unconditional, tuple(conds) if ok else ())
        self._admin[key] = result
        self._admin_refs.append((ident, bnd))
        return result

    # -- nodes --------------------------------------------------------------------------------------------------

    def node(self, arn: str) -> _Node:
        n = self._nodes.get(arn)
        if n is None:
            p = self.ev.principal(arn)
            n = _Node(p, self.accounts[p.account_id or ""])
            self._nodes[arn] = n
        return n

    def edges(self, arn: str) -> _Node:
        """The node with its out-edges computed (once)."""
        n = self.node(arn)
        for _ in self._become(n):
            pass
        return n

    def _become(self, n: _Node) -> Iterator[Step]:
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

    def _expand(self, n: _Node) -> Iterator[Step]:
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
        for t in self._capable(n, BECOME):
            yield from self._apply_become(n, t)

    def _capable(self, n: _Node, techniques: tuple[Technique, ...]) -> list[Technique]:
        """The techniques whose every needed action some Allow statement of the node names (a cheap pre-check)."""
        idx = self.ev.allows(n.principal)
        out = []
        for t in techniques:
            if not all(idx.may_allow(need.action) for need in t.needs):
                continue
            if t.any_of and not any(idx.may_allow(need.action) for need in t.any_of):
                continue
            out.append(t)
        return out

    def elevations(self, actor: str, target: str) -> list[Step]:
        """Steps by which ``actor`` makes ``target`` an administrator (computed once per pair)."""
        key = (actor, target)
        hit = self._elevations.get(key)
        if hit is not None:
            return hit
        n = self.node(actor)
        if n.elevators is None:
            n.elevators = self._capable(n, ELEVATE)
        out: list[Step] = []
        t_node = self.node(target)
        if n.elevators and t_node.account is n.account:
            for t in n.elevators:
                out.extend(self._apply_elevate(n, t, t_node.principal))
        self._elevations[key] = out
        return out

    # -- techniques ---------------------------------------------------------------------------------------------

    def _apply_become(self, n: _Node, t: Technique) -> Iterator[Step]:
        a = n.account
        p = n.principal
        if t.targets == "user":
            cover = self._target_cover(p, t, a, "user")
            for u in a.users:
                if u.arn != p.arn and (cover is None or u.arn in cover):
                    yield from self._on_principal(n, t, u.arn, for_user(a, u))
        elif t.targets == "role":
            cover = self._target_cover(p, t, a, "role")
            for r in a.roles:
                if not r.is_service_linked and r.arn != p.arn and (cover is None or r.arn in cover):
                    yield from self._on_principal(n, t, r.arn, for_role(a, r))
        elif t.targets == "role-for-service":
            assert t.service is not None
            cover = self._target_cover(p, t, a, "role")
            if cover is not None and not cover:
                return
            for r in self._service_roles(a, t.service):
                if r.arn != p.arn and (cover is None or r.arn in cover):
                    yield from self._on_passed_role(n, t, r)
        elif t.targets in ("lambda-function", "glue-dev-endpoint"):
            for c in a.compute:
                if c.kind == t.targets and c.role_arn != p.arn:
                    yield from self._on_compute(n, t, c)

    def _apply_elevate(self, n: _Node, t: Technique, target: Principal) -> Iterator[Step]:
        a = n.account
        ent = target.entity
        is_user = isinstance(ent, User)
        is_role = isinstance(ent, Role) and not ent.is_service_linked
        if (t.targets == "user" and is_user) or (t.targets == "role" and is_role):
            yield from self._on_principal(n, t, target.arn, target)
        elif t.targets == "group" and isinstance(ent, User):
            for g in a.groups:
                if (g.name in ent.groups) != (t.effect == "join-group"):
                    yield from self._on_group(n, t, g, ent)
        elif t.targets == "managed-policy":
            held = set(ent.attached) if ent is not None else set()
            if isinstance(ent, User):
                for gname in ent.groups:
                    grp = a.groups_by_name.get(gname)
                    if grp is not None:
                        held.update(grp.attached)
            for arn in sorted(held):
                mp = a.policies_by_arn.get(arn)
                if mp is not None and not mp.is_aws_managed:
                    yield from self._on_policy(n, t, mp, target)

    def _checks(self, p: Principal, t: Technique, target: str, *, passed: str | None = None,
                policy_arn: str | None = None) -> tuple[Check, ...] | None:
        """Decide the technique's needs; None when one of them is not allowed."""
        out: list[Check] = []
        for need in t.needs:
            c = self._need(p, need, target, passed, policy_arn)
            if c is None:
                return None
            out.append(c)
        if t.any_of:
            for need in t.any_of:
                c = self._need(p, need, target, passed, policy_arn)
                if c is not None:
                    out.append(c)
                    break
            else:
                return None
        return tuple(out)

    def _need(self, p: Principal, need: Need, target: str, passed: str | None,
              policy_arn: str | None) -> Check | None:
        if need.on != "target":
            # A resource the attacker creates: the answer does not depend on the target (once per principal).
            key = (p.arn, need, passed if need.passed_to else None, policy_arn if need.policy_arn else None)
            if key in self._new_needs:
                return self._new_needs[key]
            found = self._decide_need(p, need, target, passed, policy_arn)
            self._new_needs[key] = found
            return found
        return self._decide_need(p, need, target, passed, policy_arn)

    def _decide_need(self, p: Principal, need: Need, target: str, passed: str | None,
                     policy_arn: str | None) -> Check | None:
        ctx: dict[str, str] = {}
        if need.passed_to and passed:
            ctx["iam:PassedToService"] = passed
        if need.policy_arn and policy_arn:
            ctx["iam:PolicyArn"] = policy_arn
        idx = self.ev.allows(p)
        resources = [target] if need.on == "target" else self._representatives(p, need.action)
        for res in resources:
            if need.on == "target" and not idx.may_allow_on(need.action, res):
                continue
            v = self.ev.verdict(p, need.action, res, ctx or None, relax=self.relax)
            if v.possible:
                return Check(p.arn, need.action, res, tuple(sorted(ctx.items())), v)
        return None

    def _representatives(self, p: Principal, action: str) -> list[str]:
        """Resources to decide an action that creates something on: the patterns the principal's own statements
        name for it (``*`` first)."""
        out: dict[str, None] = {}
        for st in self.ev.allows(p).for_action(action):
            if st.resource is None:
                out["*"] = None
            else:
                for r in st.resource:
                    out[substitute(r.value, p.context)] = None
        return sorted(out, key=lambda r: (r != "*", r))

    def _on_principal(self, n: _Node, t: Technique, target_arn: str, target: Principal) -> Iterator[Step]:
        p = n.principal
        if t.effect == "attach-admin":
            for policy_arn, doc in self._admin_policies(n.account):
                checks = self._checks(p, t, target_arn, policy_arn=policy_arn)
                if checks is None:
                    continue
                step = self._elevated(p, t, target, checks, identity=(*target.identity, doc),
                                      note=f"attaches {policy_arn}")
                if step is not None:
                    yield step
                    return
            return
        checks = self._checks(p, t, target_arn)
        if checks is None:
            return
        if t.effect == "become":
            yield Step(p.arn, t, target_arn, target_arn, checks)
        elif t.effect == "inline-admin":
            step = self._elevated(p, t, target, checks, identity=(*target.identity, ADMIN_DOC))
            if step is not None:
                yield step
        elif t.effect == "drop-boundary":
            if target.boundary is not None:
                step = self._elevated(p, t, target, checks, boundary=None, note="removes the permissions boundary")
                if step is not None:
                    yield step
        elif t.effect == "rewrite-trust":
            role = target.entity
            assert isinstance(role, Role)
            trust = self._trust_for(p)
            side = ResourceSide(trust, role.account_id, f"{role.arn} (rewritten trust policy)")
            v = self.ev.verdict(p, "sts:AssumeRole", role.arn, side=side, relax=self.relax)
            if v.possible:
                assume = Check(p.arn, "sts:AssumeRole", role.arn, (), v)
                yield Step(p.arn, t, role.arn, role.arn, (*checks, assume),
                           note="the new trust policy names the attacker")

    def _on_group(self, n: _Node, t: Technique, g: Group, member: User) -> Iterator[Step]:
        """Change group ``g`` so that ``member`` becomes an administrator: add the user to it, or give the group (of
        which the user is a member) an administrator policy."""
        p = n.principal
        a = n.account
        target = for_user(a, member)
        if t.effect == "join-group":
            checks = self._checks(p, t, g.arn)
            if checks is None:
                return
            joined = User(member.arn, member.name, member.account_id, member.path, member.user_id, member.inline,
                          member.attached, (*member.groups, g.name), member.boundary, member.tags)
            step = self._elevated(p, t, target, checks, identity=tuple(user_policies(a, joined)),
                                  note=f"adds {member.arn} to {g.arn}")
            if step is not None:
                yield step
        elif t.effect == "attach-admin":
            for policy_arn, doc in self._admin_policies(a):
                checks = self._checks(p, t, g.arn, policy_arn=policy_arn)
                if checks is None:
                    continue
                step = self._elevated(p, t, target, checks, identity=(*target.identity, doc),
                                      note=f"attaches {policy_arn} to {g.arn}, of which the user is a member")
                if step is not None:
                    yield step
                return
        elif t.effect == "inline-admin":
            checks = self._checks(p, t, g.arn)
            if checks is None:
                return
            step = self._elevated(p, t, target, checks, identity=(*target.identity, ADMIN_DOC),
                                  note=f"writes into {g.arn}, of which the user is a member")
            if step is not None:
                yield step

    def _on_policy(self, n: _Node, t: Technique, mp: ManagedPolicy, target: Principal) -> Iterator[Step]:
        """Change managed policy ``mp``, which ``target`` holds, so that the target becomes an administrator."""
        checks = self._checks(n.principal, t, mp.arn)
        if checks is None:
            return
        current = mp.policy
        if t.effect == "replace-policy":
            replacements: list[tuple[Policy, str]] = [(ADMIN_DOC, f"a new default version of {mp.arn}")]
        else:
            replacements = [
                (v.policy, f"makes version {v.version_id} of {mp.arn} the default")
                for v in mp.versions
                if not v.is_default and v.policy is not None
            ]
        for doc, note in replacements:
            if current is not None and current in target.identity:
                ident = tuple(doc if x is current else x for x in target.identity)
            else:
                ident = (*target.identity, doc)
            step = self._elevated(n.principal, t, target, checks, identity=ident, note=note)
            if step is not None:
                yield step
                return

    def _on_passed_role(self, n: _Node, t: Technique, role: Role) -> Iterator[Step]:
        assert t.service is not None
        trust = self._service_may_assume(role, t.service)
        if trust is None:
            return
        p = n.principal
        # (iam:PassRole on the role passed the pre-check: _apply_become offers only the roles it may name.)
        if t.service == "ec2.amazonaws.com" and not role.instance_profiles:
            # EC2 takes a role only through an instance profile: one must exist or be creatable.
            extra = self._checks(p, _PROFILE, role.arn)
            if extra is None:
                return
        else:
            extra = ()
        checks = self._checks(p, t, role.arn, passed=t.service)
        if checks is None:
            return
        service_check = Check(t.service, "sts:AssumeRole", role.arn, (), trust)
        yield Step(p.arn, t, role.arn, role.arn, (*checks, *extra, service_check))

    def _on_compute(self, n: _Node, t: Technique, c: ComputeResource) -> Iterator[Step]:
        role = self.ev.estate.role(c.role_arn)
        if role is None:
            return
        checks = self._checks(n.principal, t, c.arn)
        if checks is None:
            return
        yield Step(n.principal.arn, t, role.arn, role.arn, checks, note=f"through {c.arn}")

    # -- helpers ------------------------------------------------------------------------------------------------

    def _elevated(self, attacker: Principal, t: Technique, target: Principal, checks: tuple[Check, ...], *,
                  identity: tuple[Policy, ...] | None = None, boundary: Policy | bool | None = True,
                  note: str = "") -> Step | None:
        """A step that makes ``target`` an administrator, if the engine says the changed state is one."""
        before = self.admin_check(target)
        if before.unconditional:
            return None  # nothing to gain
        after = self.admin_check(target, identity=identity, boundary=boundary)
        if not after.better_than(before):
            return None
        return Step(attacker.arn, t, target.arn, ADMINISTRATOR, checks, note=note, admin_conditions=after.conditions,
                    unconditional_admin=after.unconditional)

    def _admin_policies(self, a: Account) -> list[tuple[str, Policy]]:
        """Managed policies whose attachment makes one an administrator: AdministratorAccess (present in every
        account), and any policy of the account that grants ``*`` on ``*`` without conditions."""
        hit = self._admin_policy_list.get(a.account_id)
        if hit is not None:
            return hit
        out: list[tuple[str, Policy]] = [(ADMIN_POLICY_ARN, ADMIN_MANAGED)]
        self._admin_policy_list[a.account_id] = out
        for mp in a.policies:
            doc = mp.policy
            if mp.arn == ADMIN_POLICY_ARN or doc is None:
                continue
            if any(
                st.effect == "Allow" and not st.conditions and st.action is not None
                and any(x.value == "*" for x in st.action) and st.resource is not None
                and any(r.value == "*" for r in st.resource)
                for st in doc.statements
            ):
                out.append((mp.arn, doc))
        return out

    def _service_roles(self, a: Account, service: str) -> list[Role]:
        """The account's roles whose trust policy lets ``service`` assume them (once per account and service)."""
        key = (a.account_id, service)
        hit = self._by_service.get(key)
        if hit is None:
            hit = [r for r in a.roles
                   if not r.is_service_linked and r.trust is not None and self._service_may_assume(r, service)]
            self._by_service[key] = hit
        return hit

    def _service_may_assume(self, role: Role, service: str) -> Verdict | None:
        key = (role.arn, service)
        v = self._service_trust.get(key)
        if v is None:
            everyone, named = named_in(role.trust, "sts:AssumeRole")
            if not everyone and ("Service", service) not in named and ("Service", "*") not in named:
                # No statement allowing sts:AssumeRole names the service (or everyone): the trust policy cannot
                # allow it, whatever the conditions (a Service principal matches only its own name or "*").
                return None
            side = ResourceSide(role.trust, role.account_id, role.arn)
            v = self.ev.verdict(external(service), "sts:AssumeRole", role.arn, side=side, relax=self.relax)
            self._service_trust[key] = v
        return v if v.possible else None

    def _trust_for(self, p: Principal) -> Policy:
        """A trust policy that trusts ``p`` (once per principal: its compiled form is then shared)."""
        hit = self._rewritten.get((p.arn, p.principal_for_request))
        if hit is not None:
            return hit
        doc: dict[str, object] = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": p.principal_for_request}, "Action": "sts:AssumeRole"}]}
        pol = parse_policy(doc, PolicyType.TRUST, name=f"(trust policy rewritten to trust {p.arn})").policy
        assert pol is not None
        self._admin_refs.append(pol)
        self._rewritten[(p.arn, p.principal_for_request)] = pol
        return pol

    # -- which targets a principal's statements could name --------------------------------------------------------

    def _universe(self, a: Account, kind: str) -> Universe:
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

    def _elevation_candidates(self, n: _Node) -> set[str] | None:
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
            n.elevators = self._capable(n, ELEVATE)
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
        mine = self.admin_check(self.node(start).principal)
        if mine.unconditional:
            return []
        parent: dict[str, Step] = {}
        depth = {start: 0}
        order = [start]
        queue = deque([start])
        while queue:
            arn = queue.popleft()
            if arn != start and self.admin_check(self.node(arn).principal).better_than(mine):
                continue  # a gain: the path ends here
            d = depth[arn] + 1
            for step in self._become(self.node(arn)):
                if step.gains in depth:
                    continue
                depth[step.gains] = d
                parent[step.gains] = step
                order.append(step.gains)
                queue.append(step.gains)
                if self.admin_check(self.node(step.gains).principal).better_than(mine):
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
            check = self.admin_check(self.node(arn).principal)
            if check.better_than(mine):
                steps = chain(arn)
                steps[-1] = _with_admin_note(steps[-1], check)
                best = (depth[arn], steps)
                break
        for arn in order:
            if best is not None and depth[arn] + 1 >= best[0]:
                break
            if arn != start and self.admin_check(self.node(arn).principal).better_than(mine):
                continue
            for step in self.self_elevations(arn):
                if _gain(step).better_than(mine):
                    best = (depth[arn] + 1, [*chain(arn), step])
                    break
        for arn in order:
            if best is not None and depth[arn] + 1 >= best[0]:
                break
            node = self.node(arn)
            if node.elevators is None:
                node.elevators = self._capable(node, ELEVATE)
            if not node.elevators or self.self_elevations(arn):
                continue
            for target, steps in self._reached_targets(arn, depth):
                length = depth[arn] + 1 + depth[target]
                if best is not None and length >= best[0]:
                    continue
                for step in steps:
                    if _gain(step).better_than(mine):
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


def _gain(step: Step) -> AdminCheck:
    return AdminCheck(True, step.unconditional_admin, step.admin_conditions)


def _with_admin_note(step: Step, check: AdminCheck) -> Step:
    note = "the target is an administrator" + (
        f" (under conditions on {', '.join(check.conditions)})" if check.conditions else ""
    )
    note = f"{step.note}; {note}" if step.note else note
    return Step(step.actor, step.technique, step.target, step.gains, step.checks, note, check.conditions,
                check.unconditional)


BECOME = tuple(t for t in TECHNIQUES if t.effect in ("become", "rewrite-trust"))
ELEVATE = tuple(t for t in TECHNIQUES if t.effect not in ("become", "rewrite-trust"))
_PROFILE = Technique(
    "iam:CreateInstanceProfile+iam:AddRoleToInstanceProfile", "Put the role in a new instance profile",
    "role", "become", (Need("iam:CreateInstanceProfile", "new"), Need("iam:AddRoleToInstanceProfile", "new")),
)


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
        arns = [p.arn for p in all_principals(ev.estate)]
    paths: list[Path] = []
    admins: list[str] = []
    for arn in arns:
        check = esc.admin_check(esc.node(arn).principal)
        if check.admin:
            admins.append(arn)
        if not check.unconditional:
            paths.extend(esc.paths_from(arn, max_gains))
    return EscalationResult(tuple(paths), len(arns), tuple(admins), dict(esc.omitted))
