"""How the escalation search decides one node's techniques: who is an administrator, which roles a service may
assume, and the steps each technique gives (split from ``escalation``; which targets a principal's statements
could name: ``escalation_targets``).

The methods live on a mixin so ``Escalation`` keeps its one set of caches; the attributes it sets are declared here.
"""

from __future__ import annotations

from collections.abc import Iterator

from parc.core.account.escalation_steps import (
    ADMIN_DOC,
    ADMIN_MANAGED,
    ADMIN_POLICY_ARN,
    ADMINISTRATOR,
    PROFILE,
    AdminCheck,
    Check,
    Node,
    Step,
)
from parc.core.account.escalation_targets import EscalationTargets
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account, ComputeResource, Group, ManagedPolicy, Role, User
from parc.core.account.principals import Principal, external, user_policies
from parc.core.account.techniques import ADMIN_SENTINELS, Need, Technique
from parc.core.account.what_can import substitute
from parc.core.account.who_can import named_in
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy


class EscalationTechniques(EscalationTargets):
    """The technique-applying half of ``Escalation`` (its caches are set by ``Escalation.__init__``)."""

    ev: Evaluator
    relax: bool
    _admin: dict[tuple[object, ...], AdminCheck]
    _service_trust: dict[tuple[str, str], Verdict]
    _by_service: dict[tuple[str, str], list[Role]]
    _trusting_services: dict[str, dict[str, list[int]]]
    _admin_policy_list: dict[str, list[tuple[str, Policy]]]
    _admin_refs: list[object]
    _new_needs: dict[tuple[object, ...], Check | None]
    _on_groups: dict[tuple[object, ...], tuple[Check, ...] | None]
    _rewritten: dict[tuple[str, str], Policy]
    _joined: dict[tuple[str, str], tuple[Policy, ...]]
    accounts: dict[str, Account]

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


    # -- techniques ---------------------------------------------------------------------------------------------

    def _apply_become(self, n: Node, t: Technique) -> Iterator[Step]:
        a = n.account
        p = n.principal
        if t.targets == "user":
            cover = self._target_cover(p, t, a, "user")
            for u in a.users:
                if u.arn != p.arn and (cover is None or u.arn in cover):
                    yield from self._on_principal(n, t, u.arn, self.ev.principal(u.arn))
        elif t.targets == "role":
            cover = self._target_cover(p, t, a, "role")
            for r in a.roles:
                if not r.is_service_linked and r.arn != p.arn and (cover is None or r.arn in cover):
                    yield from self._on_principal(n, t, r.arn, self.ev.principal(r.arn))
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

    def _apply_elevate(self, n: Node, t: Technique, target: Principal) -> Iterator[Step]:
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
        resources = [target] if need.on == "target" else self._representatives(p, need.action)
        for res in resources:
            if need.on == "target" and not self._may_name(p, need.action, res):
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

    def _on_principal(self, n: Node, t: Technique, target_arn: str, target: Principal) -> Iterator[Step]:
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

    def _on_group(self, n: Node, t: Technique, g: Group, member: User) -> Iterator[Step]:
        """Change group ``g`` so that ``member`` becomes an administrator: add the user to it, or give the group (of
        which the user is a member) an administrator policy."""
        p = n.principal
        a = n.account
        target = self.ev.principal(member.arn)  # remembered: built once, not per (actor, group)
        if t.effect == "join-group":
            checks = self._group_checks(p, t, g.arn)
            if checks is None:
                return
            step = self._elevated(p, t, target, checks, identity=self._joined_policies(a, member, g),
                                  note=f"adds {member.arn} to {g.arn}")
            if step is not None:
                yield step
        elif t.effect == "attach-admin":
            for policy_arn, doc in self._admin_policies(a):
                checks = self._group_checks(p, t, g.arn, policy_arn)
                if checks is None:
                    continue
                step = self._elevated(p, t, target, checks, identity=(*target.identity, doc),
                                      note=f"attaches {policy_arn} to {g.arn}, of which the user is a member")
                if step is not None:
                    yield step
                return
        elif t.effect == "inline-admin":
            checks = self._group_checks(p, t, g.arn)
            if checks is None:
                return
            step = self._elevated(p, t, target, checks, identity=(*target.identity, ADMIN_DOC),
                                  note=f"writes into {g.arn}, of which the user is a member")
            if step is not None:
                yield step

    def _group_checks(self, p: Principal, t: Technique, group: str,
                      policy_arn: str | None = None) -> tuple[Check, ...] | None:
        """``_checks`` on a group, once per actor: they are on the group, the same for every user it could make an
        administrator through it."""
        key = (p.arn, t, group, policy_arn)
        if key in self._on_groups:
            return self._on_groups[key]
        found = self._on_groups[key] = self._checks(p, t, group, policy_arn=policy_arn)
        return found

    def _joined_policies(self, a: Account, member: User, g: Group) -> tuple[Policy, ...]:
        """The user's policies once a member of ``g`` (once per user and group, whoever the actor)."""
        key = (member.arn, g.arn)
        found = self._joined.get(key)
        if found is None:
            joined = User(member.arn, member.name, member.account_id, member.path, member.user_id, member.inline,
                          member.attached, (*member.groups, g.name), member.boundary, member.tags)
            found = self._joined[key] = tuple(user_policies(a, joined))
        return found

    def _on_policy(self, n: Node, t: Technique, mp: ManagedPolicy, target: Principal) -> Iterator[Step]:
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

    def _on_passed_role(self, n: Node, t: Technique, role: Role) -> Iterator[Step]:
        assert t.service is not None
        trust = self._service_may_assume(role, t.service)
        if trust is None:
            return
        p = n.principal
        # (iam:PassRole on the role passed the pre-check: _apply_become offers only the roles it may name.)
        if t.service == "ec2.amazonaws.com" and not role.instance_profiles:
            # EC2 takes a role only through an instance profile: one must exist or be creatable.
            extra = self._checks(p, PROFILE, role.arn)
            if extra is None:
                return
        else:
            extra = ()
        checks = self._checks(p, t, role.arn, passed=t.service)
        if checks is None:
            return
        service_check = Check(t.service, "sts:AssumeRole", role.arn, (), trust)
        yield Step(p.arn, t, role.arn, role.arn, (*checks, *extra, service_check))

    def _on_compute(self, n: Node, t: Technique, c: ComputeResource) -> Iterator[Step]:
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
        """The account's roles whose trust policy lets ``service`` assume them (once per account and service): of
        the roles whose trust policy could (``_trusted_services``), those the engine allows, in the account's
        order."""
        key = (a.account_id, service)
        hit = self._by_service.get(key)
        if hit is None:
            named = self._trusted_services(a)
            candidates = sorted({*named.get(service, ()), *named.get("*", ())})
            hit = [a.roles[i] for i in candidates if self._service_may_assume(a.roles[i], service)]
            self._by_service[key] = hit
        return hit

    def _trusted_services(self, a: Account) -> dict[str, list[int]]:
        """Per service name, the positions of the account's roles (not service-linked) whose trust policy has a
        statement allowing ``sts:AssumeRole`` that names it; under ``"*"``, those that name every service (``*``
        as a Service, everyone, a NotPrincipal). Each trust policy read once, not once per service."""
        hit = self._trusting_services.get(a.account_id)
        if hit is None:
            hit = {}
            for i, r in enumerate(a.roles):
                if r.is_service_linked or r.trust is None:
                    continue
                everyone, named = named_in(r.trust, "sts:AssumeRole")
                for name in {"*"} if everyone else {v for k, v in named if k == "Service"}:
                    hit.setdefault(name, []).append(i)
            self._trusting_services[a.account_id] = hit
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
