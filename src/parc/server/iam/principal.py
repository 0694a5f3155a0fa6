"""``SimulatePrincipalPolicy`` over the loaded snapshots.

The principal's policies are those parc's account evaluator gathers (its inline and attached policies, a user's
groups', its permissions boundary), each named as AWS names it (``SourcePolicyId``: the policy's name;
``SourcePolicyType``: user, group, role, aws-managed or user-managed); the call's PolicyInputList is added to them
and a PermissionsBoundaryPolicyInputList replaces the boundary. The decision is the evaluator's, so it also counts
what AWS's simulator leaves out: the SCPs and RCPs of the snapshot's organization, and the resource's own policy in
the snapshot (a role's trust policy, a bucket policy) when the call gives no ResourcePolicy.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyIdentifier.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from parc.core.account.arns import account_of, split_arn
from parc.core.account.evaluator import Evaluator, ResourceSide
from parc.core.account.model import Account, Estate, Group, InlinePolicy, Role, User
from parc.core.account.principals import NOTHING, Principal, for_role, for_user, org_context
from parc.core.authz import Decision, PolicyCompileError, Request
from parc.core.policy.model import Policy, PolicyType
from parc.server.iam.protocol import invalid_input, no_such_entity
from parc.server.iam.simulate import (
    STAND_IN,
    Outcome,
    account_of_owner,
    boundary_source,
    check_caller,
    compile_error,
    engine_request,
    read_asked,
    run,
)
from parc.server.iam.sources import Source, parse_source, snapshot_source

ENTITY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(user|group|role)/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


@dataclass(slots=True)
class Labeled:
    """A policy of the principal with what an exclusion can match: its kind, ARN, and the entity it is inline in."""

    source: Source
    kind: str
    """inline, aws-managed or user-managed."""
    arn: str | None = None
    entity_type: str | None = None
    entity_name: str | None = None
    policy_name: str | None = None


class _Named:
    """Engine names for the snapshot's policies, unique per simulation."""

    def __init__(self) -> None:
        self.n = 0

    def key(self, what: str) -> str:
        self.n += 1
        return f"parc-simulated-{self.n}-{what}"


def _inline(names: _Named, items: Sequence[InlinePolicy], etype: str, ename: str) -> list[Labeled]:
    return [Labeled(snapshot_source(i.policy, PolicyType.IDENTITY, names.key(i.name), i.name, etype), "inline",
                    entity_type=etype, entity_name=ename, policy_name=i.name)
            for i in items if i.policy is not None]


def _attached(names: _Named, account: Account, arns: Sequence[str]) -> list[Labeled]:
    out = []
    for arn in arns:
        mp = account.policies_by_arn.get(arn)
        if mp is None or mp.policy is None:
            continue
        kind = "aws-managed" if mp.is_aws_managed else "user-managed"
        out.append(Labeled(snapshot_source(mp.policy, PolicyType.IDENTITY, names.key(mp.name), mp.name, kind), kind,
                           arn=arn))
    return out


def _group_policies(names: _Named, account: Account, g: Group) -> list[Labeled]:
    return _inline(names, g.inline, "group", g.name) + _attached(names, account, g.attached)


def find_entity(estates: Sequence[Estate], arn: str) -> tuple[Estate, Account, User | Group | Role]:
    m = ENTITY_ARN.match(arn)
    if m is None:
        raise invalid_input(f"Invalid PolicySourceArn {arn!r}: expected the ARN of an IAM user, group or role.")
    account_id, kind, name = m.groups()
    for estate in estates:
        account = estate.account(account_id)
        if account is None:
            continue
        found: User | Group | Role | None
        if kind == "user":
            found = account.users_by_arn.get(arn) or account.users_by_name.get(name)
        elif kind == "group":
            found = account.groups_by_arn.get(arn) or account.groups_by_name.get(name)
        else:
            found = account.roles_by_arn.get(arn) or account.roles_by_name.get(name)
        if found is not None:
            return estate, account, found
    raise no_such_entity(f"The {kind} with name {name} cannot be found.")


_EVALUATORS: dict[int, tuple[Estate, Evaluator]] = {}
_SERVED: list[Estate] = []
"""The estates the caches below were built for: another set (the server reloaded its snapshots) empties them,
so that an old snapshot is not kept alive by them."""


def serving(estates: Sequence[Estate]) -> None:
    """Empty the per-estate caches when the served estates are not the ones they were built for."""
    if len(estates) == len(_SERVED) and all(a is b for a, b in zip(estates, _SERVED, strict=True)):
        return
    for cache in (_EVALUATORS, _GATHERED, _ORG_POLICIES, _LOADED_SOURCES):
        cache.clear()
    _SERVED[:] = list(estates)


def evaluator_for(estate: Estate) -> Evaluator:
    """One evaluator per loaded estate (its compiled sets are shared by every request); a new estate (a reload)
    gets a new one."""
    from parc.api import rcp_supported_services

    hit = _EVALUATORS.get(id(estate))
    if hit is not None and hit[0] is estate:
        return hit[1]
    if len(_EVALUATORS) > 16:
        _EVALUATORS.clear()
    ev = Evaluator(estate, rcp_services=rcp_supported_services())
    _EVALUATORS[id(estate)] = (estate, ev)
    return ev


def _excluded(item: Labeled, rules: Sequence[Mapping[str, Any]]) -> bool:
    for rule in rules:
        ptype = rule.get("PolicyType")
        if ptype is not None and ptype == item.kind:
            return True
        arn = rule.get("PolicyArn")
        if arn is not None and item.arn is not None and fnmatchcase(item.arn, arn):
            return True
        inline = rule.get("InlinePolicyIdentifier")
        if inline is not None and item.kind == "inline" and inline.get("PolicyName") == item.policy_name and \
                inline.get("AttachmentType") in (None, item.entity_type) and \
                fnmatchcase(item.entity_name or "", inline.get("AttachmentName") or "*"):
            return True
    return False


def _check_exclusions(rules: Sequence[Mapping[str, Any]]) -> None:
    for i, rule in enumerate(rules, 1):
        given = [k for k in ("PolicyType", "PolicyArn", "InlinePolicyIdentifier") if rule.get(k) is not None]
        if len(given) != 1:
            raise invalid_input(f"PolicyExclusionList.member.{i}: give exactly one of PolicyType, PolicyArn or "
                                "InlinePolicyIdentifier.")
        arn = rule.get("PolicyArn")
        if arn is not None and (not arn.startswith("arn:") or arn.count("*") > 1 or
                                "*" in arn.rsplit(":", 1)[0]):
            raise invalid_input(f"PolicyExclusionList.member.{i}: invalid PolicyArn {arn!r} (at most one * and only "
                                "in the resource name).")


@dataclass(slots=True)
class Gathered:
    """A user's, group's or role's own policies, named for the simulator, gathered once per loaded estate."""

    estate: Estate
    labeled: list[Labeled]
    boundary: Source | None
    base: Principal | None
    """The caller the entity stands for (None for a group)."""


_GATHERED: dict[tuple[int, str], Gathered] = {}


def gathered(estate: Estate, account: Account, entity: User | Group | Role) -> Gathered:
    hit = _GATHERED.get((id(estate), entity.arn))
    if hit is not None and hit.estate is estate:
        return hit
    names = _Named()
    base: Principal | None = None
    boundary_arn: str | None = None
    if isinstance(entity, User):
        labeled = _inline(names, entity.inline, "user", entity.name) + _attached(names, account, entity.attached)
        for gname in entity.groups:
            g = account.groups_by_name.get(gname)
            if g is not None:
                labeled += _group_policies(names, account, g)
        boundary_arn = entity.boundary
        base = for_user(account, entity)
    elif isinstance(entity, Role):
        labeled = _inline(names, entity.inline, "role", entity.name) + _attached(names, account, entity.attached)
        boundary_arn = entity.boundary
        base = for_role(account, entity)
    else:
        labeled = _group_policies(names, account, entity)
    boundary: Source | None = None
    if boundary_arn is not None:
        mp = account.policies_by_arn.get(boundary_arn)
        if mp is not None and mp.policy is not None:
            kind = "aws-managed" if mp.is_aws_managed else "user-managed"
            boundary = snapshot_source(mp.policy, PolicyType.BOUNDARY, names.key(mp.name), mp.name, kind)
        else:  # named by the export but not held: allows nothing (parc's rule for an unreadable boundary)
            boundary = Source(NOTHING.name or "", boundary_arn, "", "", NOTHING, [None])
    if len(_GATHERED) > 4096:
        _GATHERED.clear()
    found = _GATHERED[(id(estate), entity.arn)] = Gathered(estate, labeled, boundary, base)
    return found


def simulate_principal(params: Mapping[str, Any], estates: Sequence[Estate]) -> dict[str, Any]:
    asked = read_asked(params)
    source_arn: str = params["PolicySourceArn"]
    caller: str | None = params.get("CallerArn")
    check_caller(caller)
    serving(estates)
    estate, account, entity = find_entity(estates, source_arn)
    own = gathered(estate, account, entity)
    labeled, base = own.labeled, own.base
    rules = params.get("PolicyExclusionList") or []
    _check_exclusions(rules)
    kept = [x.source for x in labeled if not _excluded(x, rules)]
    extra = [parse_source(t, PolicyType.IDENTITY, f"PolicyInputList.{i}", f"PolicyInputList.{i}", "")
             for i, t in enumerate(params.get("PolicyInputList") or [], 1)]
    boundary = boundary_source(params.get("PermissionsBoundaryPolicyInputList"))
    if boundary is None and not any(r.get("PolicyType") == "permission-boundary" for r in rules):
        boundary = own.boundary
    rp_text = params.get("ResourcePolicy")
    resource = parse_source(rp_text, PolicyType.RESOURCE, "ResourcePolicy", "ResourcePolicy", "resource") \
        if rp_text is not None else None
    if resource is not None and caller is None and not isinstance(entity, User):
        raise invalid_input("CallerArn is required when you include a ResourcePolicy and the PolicySourceArn is not "
                            "the ARN of an IAM user.")
    owner = account_of_owner(params.get("ResourceOwner"))

    # The caller: CallerArn (with its own tags when the snapshot holds it), else the user or role itself; a group
    # has no caller, so the keys AWS derives from a caller are left out.
    if caller is not None:
        caller_account = split_arn(caller)
        found = estate.user(caller)
        cp = for_user(estate.account(found.account_id) or account, found) if found is not None else None
        who = Principal(caller, "user", caller_account.account if caller_account else None,
                        context=cp.context if cp is not None else {})
    elif base is not None:
        who = base
    else:
        who = Principal(f"arn:aws:iam::{account.account_id}:user/{STAND_IN}", "user", account.account_id,
                        context=org_context(account))
    who = replace(who, account_id=account.account_id)  # the SCPs are those of the policies' account
    identity = tuple(s.policy for s in [*kept, *extra])
    # One evaluator per estate: the call's own policies are parsed once per text (parse_source is cached), so
    # their compiled sets are shared between calls too; the evaluator bounds its caches.
    ev = evaluator_for(estate)
    no_scps = any(r.get("PolicyType") == "scp" for r in rules)
    if no_scps:  # the SCPs are those of the principal's account: without one, none apply
        who = replace(who, account_id=None)
    sources: dict[str, Source] = {s.key: s for s in [*kept, *extra, *(x for x in (boundary, resource) if x)]}
    org_names = _org_policies(estate)
    sides: dict[str, ResourceSide] = {}

    def source_of(key: str, resource_arn: str) -> Source | None:
        hit = sources.get(key)
        if hit is not None:
            return hit
        side = sides.get(resource_arn)  # the resource's own policy (two roles' trust policies may share a name)
        if side is not None and side.policy is not None and side.policy.name == key:
            return _loaded_source(side.policy, PolicyType.RESOURCE, key, side.name or key, "resource")
        found_org = org_names.get(key)
        if found_org is not None:
            return _loaded_source(found_org[1], found_org[0], key, key, "")
        return None

    def decide(action: str, resource_arn: str) -> tuple[Decision, Request]:
        if resource is not None:
            acct = owner or account_of(resource_arn) or (account_of(caller) if caller else None) or \
                account.account_id
            side = ResourceSide(resource.policy, acct, "ResourcePolicy")
        else:
            side = ev.resource_side(action, resource_arn, owner)
            sides[resource_arn] = side
        try:
            ps = ev.policy_set(who, side, identity=identity, boundary=boundary.policy if boundary else None)
        except PolicyCompileError as exc:
            raise compile_error(exc, sources) from None
        fields = ev.request(who, action, resource_arn, side, asked.context)
        req = engine_request(fields, anonymous_caller=caller is None and base is None, given=asked.context)
        return ps.authorize(req, now=ev.now), req

    scps = account.org is not None and bool(account.org.scps) and not account.is_management and not no_scps
    return run(asked, decide, Outcome(source_of, boundary is not None, scps))


_LOADED_SOURCES: dict[int, tuple[Policy, Source]] = {}
_ORG_POLICIES: dict[int, tuple[Estate, dict[str, tuple[PolicyType, Policy]]]] = {}


def _loaded_source(policy: Policy, ptype: PolicyType, key: str, policy_id: str, source_type: str) -> Source:
    """The source of a loaded SCP, RCP or resource policy, made once per policy (the entry keeps the policy, so
    its id stays its own)."""
    hit = _LOADED_SOURCES.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    if len(_LOADED_SOURCES) > 4096:
        _LOADED_SOURCES.clear()
    src = snapshot_source(policy, ptype, key, policy_id, source_type)
    _LOADED_SOURCES[id(policy)] = (policy, src)
    return src


def _org_policies(estate: Estate) -> dict[str, tuple[PolicyType, Policy]]:
    """The organization's SCPs and RCPs by name, once per loaded estate."""
    hit = _ORG_POLICIES.get(id(estate))
    if hit is not None and hit[0] is estate:
        return hit[1]
    if len(_ORG_POLICIES) > 16:
        _ORG_POLICIES.clear()
    out: dict[str, tuple[PolicyType, Policy]] = {}
    _ORG_POLICIES[id(estate)] = (estate, out)
    for a in estate.accounts:
        if a.org is None:
            continue
        for level in a.org.levels:
            for p in level.scps:
                out.setdefault(p.policy.name or p.name, (PolicyType.SCP, p.policy))
            for p in level.rcps:
                out.setdefault(p.policy.name or p.name, (PolicyType.RCP, p.policy))
    return out
