"""Decisions over an estate: gathers the policies of both sides of a request and asks the engine.

For one request the evaluator finds the resource's policy (a role's trust policy for ``sts:AssumeRole``, the bucket
policy for an object, ...), the resource's account (S3 ARNs carry none: the account whose snapshot holds the bucket's
policy), the caller's SCPs and the resource account's RCPs, and compiles the caller's policy set once per resource
policy.

Questions over a whole account cannot know request-time keys (``aws:SourceIp``, ``aws:RequestedRegion``,
``aws:MultiFactorAuthPresent``...). A strict decision treats them as absent, as AWS does; a *possible* decision asks
whether some values of those keys would allow: Allow statements lose their conditions on those keys and Deny
statements conditioned on them are set aside. A principal allowed only that way is reported with the keys that gate
it. Keys that follow from the principal (its tags, its organization, its ARN) are never relaxed: their absence is a
fact. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from parc.core.account.arns import account_of, principal_kind
from parc.core.account.buckets import bucket_of
from parc.core.account.class_keys import SHARED_LIMIT, ClassKeys
from parc.core.account.model import Account, Estate, ResourcePolicy, Role
from parc.core.account.prefilter import AllowIndex, PolicyAllows
from parc.core.account.principals import Principal, all_principals, resolve
from parc.core.account.verdict import ResourceSide, Verdict, renamed
from parc.core.authz import Decision, PolicySet
from parc.core.authz.compile import CompiledPolicies, PolicyGroup
from parc.core.authz.s3_settings import S3Settings
from parc.core.policy.model import Policy, Statement

TRUST_ACTIONS = frozenset(
    {"sts:assumerole", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext", "sts:assumerolewithsaml",
     "sts:assumerolewithwebidentity"}
)
FIXED_KEY_PREFIXES = (
    "aws:principal",
    "aws:userid",
    "aws:username",
    "aws:resourceaccount",
    "aws:resourceorg",
    "aws:currenttime",
    "aws:epochtime",
)
"""Keys whose value the snapshot determines (or that are always present): an absent one is not a free choice."""
CACHE_LIMIT = 50_000


__all__ = ["TRUST_ACTIONS", "Evaluator", "ResourceSide", "Verdict", "join", "relaxable"]
"""``ResourceSide`` and ``Verdict`` live in ``verdict``; re-exported here, where callers have always found them."""


class Evaluator:
    """Decides requests for principals of an estate, caching compiled policy sets."""

    def __init__(self, estate: Estate, *, rcp_services: frozenset[str] | None = None,
                 now: datetime | None = None, share: bool = True) -> None:
        self.estate = estate
        self.share = share
        """Decide once per decision class (``classes.py``) and share the verdict; False decides every principal on
        its own (the reference the tests compare with)."""
        self._keys = ClassKeys(self._org_levels, self.resource_context)
        self._shared: dict[tuple[object, ...], tuple[Verdict, tuple[object, ...]]] = {}
        self._sides: dict[tuple[bool, str, str | None], ResourceSide] = {}
        self.shared = 0
        """How many verdicts were answered from another principal of the same class."""
        self.rcp_services = rcp_services
        self.now = now
        self._principals: dict[str, Principal] = {}
        self._all: list[Principal] | None = None
        self._allows: dict[str, AllowIndex] = {}
        self._policy_allows: dict[int, PolicyAllows] = {}
        self._sets: dict[tuple[object, ...], tuple[PolicySet, tuple[object, ...]]] = {}
        self._bases: dict[tuple[object, ...], tuple[PolicySet, tuple[object, ...]]] = {}
        self._groups: dict[tuple[object, ...], tuple[PolicyGroup, tuple[Policy, ...]]] = {}
        """Compiled sets by the identities of their policies; each entry keeps its policies alive so that an id is
        never reused for another policy while the entry exists."""
        self._compiled = CompiledPolicies()
        """Each policy's statements compiled once for every set that holds it (``CompiledPolicies``)."""
        self._relaxed: dict[tuple[int, frozenset[str]], Policy | None] = {}
        self._resource_contexts: dict[str, dict[str, object]] = {}
        self._canonical: dict[str, str] | None = None
        self._buckets: dict[tuple[str, str], S3Settings | None] = {}
        self.decisions = 0

    # -- principals and resources -------------------------------------------------------------------------------

    def principal(self, arn: str) -> Principal:
        p = self._principals.get(arn)
        if p is None:
            p = resolve(self.estate, arn)
            self._principals[arn] = p
        return p

    def allows(self, p: Principal) -> AllowIndex:
        """The principal's Allow statements indexed by action (for the pre-checks), built once per principal."""
        idx = self._allows.get(p.arn)
        if idx is None:
            idx = AllowIndex(p.identity, self._policy_allows)
            self._allows[p.arn] = idx
        return idx

    def may_allow(self, policies: Iterable[Policy], action: str) -> bool:
        """``prefilter.may_allow`` on the per-policy indexes (each policy answers for an action once)."""
        key = action.lower()
        return any(self.policy_allows(pol).for_action(key, action) for pol in policies)

    def policy_allows(self, policy: Policy) -> PolicyAllows:
        """The policy's Allow statements indexed by action, one index per policy (the entry keeps it alive)."""
        part = self._policy_allows.get(id(policy))
        if part is None:
            part = self._policy_allows[id(policy)] = PolicyAllows(policy)
        return part

    def principals(self) -> list[Principal]:
        """Every user and role of the snapshot in ``all_principals``' order, each the one ``principal`` gives: built
        once (a distributed run asks it in every partition, and building every principal of an organization
        costs a tenth of a second each time)."""
        if self._all is None:
            self._all = [self.remember(p) for p in all_principals(self.estate)]
        return self._all

    def remember(self, p: Principal) -> Principal:
        self._principals.setdefault(p.arn, p)
        return self._principals[p.arn]

    def resource_side(self, action: str, resource: str, resource_account: str | None = None) -> ResourceSide:
        """The resource's policy and account. ``resource_account`` names the account of a resource whose ARN has
        none (an S3 bucket without a policy in the snapshot); left unknown, the engine takes the caller's. Cached:
        the estate does not change."""
        key = (action.lower() in TRUST_ACTIONS, resource, resource_account)
        hit = self._sides.get(key)
        if hit is None:
            hit = self._resource_side(action, resource, resource_account)
            if len(self._sides) >= CACHE_LIMIT:
                self._sides.clear()
            self._sides[key] = hit
        return hit

    def _resource_side(self, action: str, resource: str, resource_account: str | None) -> ResourceSide:
        a = action.lower()
        if a in TRUST_ACTIONS:
            role = self.estate.role(resource)
            if role is not None:
                return ResourceSide(role.trust, role.account_id, role.arn)
            return ResourceSide(None, account_of(resource) or resource_account, None)
        found = self.estate.resource_policy(resource)
        bucket = bucket_of(resource)
        if bucket is not None:
            return self._bucket_side(bucket, found, resource_account)
        if found is not None:
            rp, account = found
            return ResourceSide(rp.policy, account_of(resource) or resource_account or account.account_id, rp.arn)
        return ResourceSide(None, account_of(resource) or resource_account, None)

    def _bucket_side(self, bucket: str, found: tuple[ResourcePolicy, Account] | None,
                     resource_account: str | None) -> ResourceSide:
        """An S3 bucket's side: its policy, its account (the one whose snapshot holds its policy or its S3 files)
        and its S3 settings (ACLs, Block Public Access), with canonical ids tied to the snapshot's accounts."""
        owner = found[1] if found is not None else None
        if owner is None:
            owner = next((a for a in self.estate.accounts if a.s3 is not None and bucket in a.s3.by_name), None)
        if owner is None and resource_account:
            owner = self.estate.account(resource_account)
        settings = None
        if owner is not None and owner.s3 is not None:
            key = (owner.account_id, bucket)
            if key not in self._buckets:  # one object per bucket: compiled sets are cached by its identity
                self._buckets[key] = owner.s3.settings(bucket, self.canonical_ids)
            settings = self._buckets[key]
        account_id = resource_account or (owner.account_id if owner is not None else None)
        if found is not None:
            return ResourceSide(found[0].policy, account_id, found[0].arn, settings)
        return ResourceSide(None, account_id, f"arn:aws:s3:::{bucket}" if settings else None, settings)

    @property
    def canonical_ids(self) -> dict[str, str]:
        """Canonical user id -> account id for the snapshot's accounts (their buckets' ACLs name their owner)."""
        if self._canonical is None:
            self._canonical = {cid: a.account_id for a in self.estate.accounts if a.s3 is not None
                               for cid in a.s3.owner_ids}
        return self._canonical

    def resource_context(self, resource: str) -> dict[str, object]:
        """Tags of an IAM user or role named as the resource (aws:ResourceTag / iam:ResourceTag); cached per
        resource (the estate does not change), and read-only for callers."""
        found = self._resource_contexts.get(resource)
        if found is None:
            found = self._tags_context(resource)
            if len(self._resource_contexts) >= CACHE_LIMIT:
                self._resource_contexts.clear()
            self._resource_contexts[resource] = found
        return found

    def _tags_context(self, resource: str) -> dict[str, object]:
        kind = principal_kind(resource)
        ent: Role | object | None = None
        if kind == "role":
            ent = self.estate.role(resource)
        elif kind == "user":
            ent = self.estate.user(resource)
        tags = getattr(ent, "tags", None) or {}
        ctx: dict[str, object] = {}
        for k, v in tags.items():
            ctx[f"aws:ResourceTag/{k}"] = v
            ctx[f"iam:ResourceTag/{k}"] = v
        return ctx

    # -- compiling ----------------------------------------------------------------------------------------------

    def policy_set(self, p: Principal, side: ResourceSide, *, identity: tuple[Policy, ...] | None = None,
                   boundary: Policy | bool | None = True, relax: frozenset[str] = frozenset()) -> PolicySet:
        """The compiled set for the principal against one resource side. ``identity``/``boundary`` override the
        principal's own (for hypothetical states); ``boundary=True`` keeps the principal's.

        The caller's side (identity policies, boundary, its account's SCPs) is compiled once per distinct set of
        policies and shared by every principal that has it; the resource side (the resource policy, the resource
        account's RCPs) is compiled once per policy; a request's set joins the two without compiling again."""
        ident = p.identity if identity is None else identity
        bnd = p.boundary if boundary is True else (boundary or None)
        rp = side.policy
        if relax:
            ident = tuple(r for r in (self.relaxed(x, relax) for x in ident) if r is not None)
            bnd = self.relaxed(bnd, relax, keep_empty=True) if bnd is not None else None
            rp = self.relaxed(rp, relax, keep_empty=True) if rp is not None else None
        scps = self._org_levels(p.account_id, "scps", relax)
        rcps = self._org_levels(side.account_id, "rcps", relax)
        base = self._base(ident, bnd, scps)
        if rp is None and not rcps and side.s3 is None:
            return base
        key = (id(base), id(rp), _ids(rcps), id(side.s3))
        hit = self._sets.get(key)
        if hit is not None:
            return hit[0]
        ps = join(base, self._group("resource", [rp]) if rp is not None else None,
                  [self._group("rcp", level, i) for i, level in enumerate(rcps)], self.rcp_services)
        if side.s3 is not None:
            # S3's own layers: the ACL grants and Block Public Access; public or not is judged on the policy as
            # written, never on its relaxed copy (dropping a condition must not make it public).
            ps = ps.with_s3(side.s3, rp, side.policy)
        if len(self._sets) >= CACHE_LIMIT:
            self._sets.clear()
        self._sets[key] = (ps, (base, rp, rcps, side.s3))
        return ps

    def _base(self, ident: tuple[Policy, ...], bnd: Policy | None, scps: list[list[Policy]]) -> PolicySet:
        key = (tuple(map(id, ident)), id(bnd), _ids(scps))
        hit = self._bases.get(key)
        if hit is not None:
            return hit[0]
        ps = PolicySet(ident, None, bnd, None, scps or None, None, None, self.estate.management_account_id, None,
                       compiled=self._compiled)
        if len(self._bases) >= CACHE_LIMIT:
            self._bases.clear()
        self._bases[key] = (ps, (ident, bnd, scps))
        return ps

    def _group(self, kind: str, policies: list[Policy], level: int | None = None) -> PolicyGroup:
        key = (kind, tuple(map(id, policies)), level)
        hit = self._groups.get(key)
        if hit is not None:
            return hit[0]
        group = PolicyGroup(kind, policies, level=level, compiled=self._compiled)
        if len(self._groups) >= CACHE_LIMIT:
            self._groups.clear()
        self._groups[key] = (group, tuple(policies))
        return group

    def _org_levels(self, account_id: str | None, which: str, relax: frozenset[str]) -> list[list[Policy]]:
        account = self.estate.account(account_id) if account_id else None
        if account is None or account.org is None:
            return []
        levels: list[list[Policy]] = getattr(account.org, which)
        if not relax:
            return levels
        return [[r for r in (self.relaxed(p, relax, keep_empty=True) for p in level) if r is not None]
                for level in levels]

    def relaxed(self, policy: Policy, keys: frozenset[str], *, keep_empty: bool = False) -> Policy | None:
        """The policy with conditions on ``keys`` (lowercase) assumed satisfiable: Allow statements drop those
        conditions, Deny statements that test them are set aside."""
        ck = (id(policy), keys)
        if ck in self._relaxed:
            return self._relaxed[ck]
        statements: list[Statement] = []
        changed = False
        for st in policy.statements:
            hit = [c for c in st.conditions if _base_key(c.key) in keys]
            if not hit:
                statements.append(st)
                continue
            changed = True
            if st.effect == "Deny":
                continue
            rest = tuple(c for c in st.conditions if _base_key(c.key) not in keys)
            statements.append(replace(st, conditions=rest, has_condition=bool(rest)))
        out: Policy | None = policy
        if changed:
            out = replace(policy, statements=tuple(statements))
            if not statements and not keep_empty:
                out = None
        self._relaxed[ck] = out
        return out

    # -- deciding -----------------------------------------------------------------------------------------------

    def request(self, p: Principal, action: str, resource: str, side: ResourceSide,
                context: Mapping[str, object] | None = None) -> dict[str, object]:
        ctx: dict[str, object] = dict(p.context)
        ctx.update(self.resource_context(resource))
        if context:
            ctx.update(context)
        req: dict[str, object] = {"principal": p.principal_for_request, "action": action, "resource": resource,
                                  "context": ctx}
        if side.account_id:
            req["resource_account"] = side.account_id
        return req

    def decide(self, p: Principal, action: str, resource: str, context: Mapping[str, object] | None = None, *,
               side: ResourceSide | None = None, identity: tuple[Policy, ...] | None = None,
               boundary: Policy | bool | None = True, explain: bool = False) -> Decision:
        side = side or self.resource_side(action, resource)
        ps = self.policy_set(p, side, identity=identity, boundary=boundary)
        self.decisions += 1
        return ps.authorize(self.request(p, action, resource, side, context), now=self.now, explain=explain)

    def verdict(self, p: Principal, action: str, resource: str, context: Mapping[str, object] | None = None, *,
                side: ResourceSide | None = None, identity: tuple[Policy, ...] | None = None,
                boundary: Policy | bool | None = True, relax: bool = True) -> Verdict:
        """The strict decision, and when it does not allow and request-time keys were missing, the relaxed one.
        Principals of one decision class (``classes.py``) share it."""
        side = side or self.resource_side(action, resource)
        key = None
        if self.share and identity is None and boundary is True:
            key = self.class_key(p, action, resource, side, context, relax)
            if key is not None:
                hit = self._shared.get(key)
                if hit is not None:
                    self.shared += 1
                    was = hit[1][2]
                    if was is side.policy:
                        return hit[0]
                    # Another resource policy of the same content (``ClassKeys._content``): named as this one.
                    assert isinstance(was, Policy) and side.policy is not None
                    return renamed(hit[0], str(was.name), str(side.policy.name))
        v = self._verdict(p, action, resource, context, side, identity, boundary, relax)
        if key is not None:
            if len(self._shared) >= SHARED_LIMIT:
                self._shared.clear()
            self._shared[key] = (v, (p.identity, p.boundary, side.policy, side.s3))
        return v

    def verdicts(self, asks: Sequence[tuple[Principal, str]], resource: str, side: ResourceSide, *,
                 relax: bool = True) -> list[Verdict]:
        """``verdict(p, action, resource, side=side, relax=relax)`` for each (principal, action): a role trusting
        ``*`` or its account asks every principal of the account, and against one side the principals with the
        same member part (``class_keys.py``) share the answer without their whole class key being built again."""
        numbers = self._keys.members(asks, side) if self.share else [None] * len(asks)
        out: list[Verdict] = []
        memo: dict[tuple[str, int], Verdict] = {}
        for (p, action), number in zip(asks, numbers, strict=True):
            if number is None:
                out.append(self.verdict(p, action, resource, side=side, relax=relax))
                continue
            v = memo.get((action, number))
            if v is None:
                v = memo[(action, number)] = self.verdict(p, action, resource, side=side, relax=relax)
            else:
                self.shared += 1
            out.append(v)
        return out

    def possible_among(self, principals: Sequence[Principal], action: str, resource: str, side: ResourceSide, *,
                       relax: bool = True) -> list[tuple[int, Verdict]]:
        """The principals (by position, in order) for whom ``verdict(p, action, resource, side=side)`` is
        possible, with it: asked once per class of the list (``ClassKeys.partition``), so a role trusting ``*``
        costs its classes and its edges, not a lookup per principal of the snapshot; and classes that differ only
        in statements that cannot cover the resource (``ClassKeys.narrowed``) asked once together."""
        if not self.share:
            found = ((i, self.verdict(p, action, resource, side=side, relax=relax)) for i, p in enumerate(principals))
            return [(i, v) for i, v in found if v.possible]
        runs: list[list[tuple[int, Verdict]]] = []
        narrowed: dict[tuple[object, ...], Verdict] = {}
        for number, where in self._keys.partition(principals, action, side).items():
            if number is None:
                alone = ((i, self.verdict(principals[i], action, resource, side=side, relax=relax)) for i in where)
                runs.append([(i, v) for i, v in alone if v.possible])
                continue
            nk = self._keys.narrowed(number, resource)
            hit = narrowed.get(nk)
            if hit is None:
                v = narrowed[nk] = self.verdict(principals[where[0]], action, resource, side=side, relax=relax)
                self.shared += len(where) - 1
            else:
                v = hit
                self.shared += len(where)
            if v.possible:
                runs.append([(i, v) for i in where])
        return list(heapq.merge(*runs, key=lambda found: found[0]))

    def class_key(self, p: Principal, action: str, resource: str, side: ResourceSide,
                  context: Mapping[str, object] | None, relax: bool) -> tuple[object, ...] | None:
        """The request's decision class (``class_keys.py``), or None when it is not shared."""
        return self._keys.key(p, action, resource, side, context, relax)

    def _verdict(self, p: Principal, action: str, resource: str, context: Mapping[str, object] | None,
                 side: ResourceSide, identity: tuple[Policy, ...] | None, boundary: Policy | bool | None,
                 relax: bool) -> Verdict:
        strict = self.decide(p, action, resource, context, side=side, identity=identity, boundary=boundary)
        if strict.allowed or not relax:
            return Verdict(strict)
        free = relaxable(strict.missing_context_keys)
        if not free:
            return Verdict(strict)
        req = self.request(p, action, resource, side, context)

        def attempt(keys: list[str]) -> Decision:
            relax_set = frozenset(k.lower() for k in keys)
            ps = self.policy_set(p, side, identity=identity, boundary=boundary, relax=relax_set)
            self.decisions += 1
            return ps.authorize(req, now=self.now)

        relaxed = attempt(free)
        if relaxed.allowed and len(free) > 1:
            # Keep only the keys that matter: drop each one whose relaxation the allow does not need.
            for k in list(free):
                fewer = [x for x in free if x != k]
                d = attempt(fewer)
                if d.allowed:
                    free, relaxed = fewer, d
        return Verdict(strict, relaxed, tuple(sorted(free, key=str.lower)))


def _ids(levels: list[list[Policy]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(map(id, level)) for level in levels)


def join(base: PolicySet, resource: PolicyGroup | None, rcps: list[PolicyGroup],
         rcp_services: frozenset[str] | None) -> PolicySet:
    """A policy set made of ``base`` (compiled once for the caller's side) and a resource side compiled apart.

    The compiled groups are shared, not copied; only the set's fields that name the resource side change, as
    ``PolicySet.__init__`` would set them. tests/account/test_account_evaluator.py pins that a joined set decides
    exactly as one compiled from scratch."""
    return base.with_resource_side(resource, rcps, rcp_services)


def _base_key(key: str) -> str:
    return key.lower()


def relaxable(keys: Iterable[str]) -> list[str]:
    return [k for k in keys if not k.lower().startswith(FIXED_KEY_PREFIXES)]
