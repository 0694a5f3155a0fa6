"""AWS's policy evaluation logic over a compiled policy set.

The order follows the IAM User Guide's flow: an explicit deny in any applicable policy decides; then the
organization's guardrails (RCPs for the resource's account, SCPs for the caller's account, each level of which must
allow) and the VPC endpoint policy; then the grants — same-account access needs an allow in an identity or a
resource policy, cross-account access needs both sides — limited by the permissions boundary and the session policy.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal, cast, overload

from parc.core.authz.aws_owned import AWS_OWNED, aws_owned_reason
from parc.core.authz.compile import CompiledPolicies, CompiledStatement, PolicyCompileError, PolicyGroup
from parc.core.authz.decision import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    NOT_APPLICABLE,
    Decision,
    StatementRef,
)
from parc.core.authz.failure import RequestFailure, check_mode
from parc.core.authz.fast import (
    ALWAYS_ALLOWED,
    LEAN_KINDS,
    TRUST_ACTIONS,
    WHY_CALLER_IDENTITY,
    LeanEntry,
    decide_plan,
    requires_resource_policy,
    resource_policy_reason,
)
from parc.core.authz.principal import MatchKind, PrincipalKind, RequestPrincipal
from parc.core.authz.request import Request, RequestError, build_request
from parc.core.authz.s3_access import S3Layer
from parc.core.authz.s3_settings import read_settings
from parc.core.context import ContextValue
from parc.core.gcpause import gc_paused
from parc.core.policy.jsonpos import JNode
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import PolicyParseError, parse_policy_strict

PolicyInput = Policy | Mapping[str, object] | str | JNode

def as_policy(source: PolicyInput, policy_type: PolicyType, index: int | None = None) -> Policy:
    if isinstance(source, Policy):
        return source
    name = f"{policy_type.value} policy #{index}" if index is not None else f"{policy_type.value} policy"
    try:
        return parse_policy_strict(source if not isinstance(source, Mapping) else dict(source), policy_type, name)
    except PolicyParseError as exc:
        raise PolicyCompileError(str(exc), name, None, None) from None


class PolicySet:
    """A compiled set of policies that decides many requests (``parc.compile``)."""

    def __init__(
        self,
        identity_policies: Iterable[PolicyInput] = (),
        resource_policy: PolicyInput | None = None,
        permissions_boundary: PolicyInput | None = None,
        session_policy: PolicyInput | None = None,
        scps: Sequence[Sequence[PolicyInput]] | None = None,
        rcps: Sequence[Sequence[PolicyInput]] | None = None,
        vpc_endpoint_policy: PolicyInput | None = None,
        management_account: str | None = None,
        rcp_services: frozenset[str] | None = None,
        *,
        indexed: bool = True,
        s3: object | None = None,
        compiled: CompiledPolicies | None = None,
    ) -> None:
        """``compiled``: where a caller compiling many sets from the same policies keeps each policy's compiled
        statements (``CompiledPolicies``)."""
        self._s3: S3Layer | None = None
        with gc_paused():
            self._compile(identity_policies, resource_policy, permissions_boundary, session_policy, scps, rcps,
                          vpc_endpoint_policy, indexed, compiled)
        self.management_account = management_account
        self.rcp_services = rcp_services
        self.indexed = indexed
        self._identity_only = self._only_identity_policies()
        self._lean_ok = self._leanable()
        levels = [*self.scps, *(g for g in (self.boundary, self.session) if g is not None)]
        self._lean = (LeanEntry(self.identity, levels, scps=bool(self.scps), management_account=management_account,
                                settle_full=self._settle_lean) if levels else LeanEntry(self.identity))
        if s3 is not None:  # S3's own layers (ACLs, Block Public Access): s3_access.py, on the full path
            self._s3 = S3Layer(self, read_settings(s3), self._resource_source)
            self._identity_only = self._lean_ok = False

    def _compile(
        self,
        identity_policies: Iterable[PolicyInput],
        resource_policy: PolicyInput | None,
        permissions_boundary: PolicyInput | None,
        session_policy: PolicyInput | None,
        scps: Sequence[Sequence[PolicyInput]] | None,
        rcps: Sequence[Sequence[PolicyInput]] | None,
        vpc_endpoint_policy: PolicyInput | None,
        indexed: bool,
        compiled: CompiledPolicies | None,
    ) -> None:
        ident = [as_policy(p, PolicyType.IDENTITY, i) for i, p in enumerate(identity_policies)]
        self.identity = PolicyGroup("identity", ident, indexed=indexed, compiled=compiled)
        self._resource_source = as_policy(resource_policy, PolicyType.RESOURCE) if resource_policy is not None else None
        self.resource = (
            PolicyGroup("resource", [self._resource_source], indexed=indexed)
            if self._resource_source is not None
            else None
        )
        self.boundary = (
            PolicyGroup("boundary", [as_policy(permissions_boundary, PolicyType.BOUNDARY)], indexed=indexed,
                        compiled=compiled)
            if permissions_boundary is not None
            else None
        )
        self.session = (
            PolicyGroup("session", [as_policy(session_policy, PolicyType.SESSION)], indexed=indexed)
            if session_policy is not None
            else None
        )
        self.endpoint = (
            PolicyGroup("endpoint", [as_policy(vpc_endpoint_policy, PolicyType.ENDPOINT)], indexed=indexed)
            if vpc_endpoint_policy is not None
            else None
        )
        self.scps = _levels("scp", PolicyType.SCP, scps, indexed, compiled)
        self.rcps = _levels("rcp", PolicyType.RCP, rcps, indexed, compiled)

    def _only_identity_policies(self) -> bool:
        """Only identity policies: the common shape of bulk questions gets a lean path (same decisions; the property
        tests and the corpus run both paths). Compared with None: a group without statements is falsy but still
        applies, and allows nothing."""
        return (all(g is None for g in (self.resource, self.boundary, self.session, self.endpoint))
                and not self.scps and not self.rcps)

    def _leanable(self) -> bool:
        """Identity policies, alone or with SCPs, a permissions boundary or a session policy (no resource-side
        policy): the shapes the lean path of ``fast.py`` decides (with other types than identity it leaves every
        explanation to ``_settle_lean``)."""
        return self.indexed and self.resource is None and self.endpoint is None and not self.rcps

    def _settle_lean(self, d: Decision) -> Decision:
        """A lean decision made with SCPs, a boundary or a session policy, decided again on the full path, as of the
        second it was made."""
        fields = cast("Mapping[str, object]", d.source)
        epoch = d.epoch
        at = datetime.fromtimestamp(epoch, tz=UTC) if epoch is not None else None
        return self._decide(build_request(fields, now=at))

    def with_resource_side(self, resource: PolicyGroup | None, rcps: Sequence[PolicyGroup] = (),
                           rcp_services: frozenset[str] | None = None) -> PolicySet:
        """This set with another resource side (the resource's policy and its account's RCPs), sharing every
        compiled group: whole-account questions compile each caller's side once and each resource's side once."""
        joined = copy.copy(self)
        joined._s3 = None
        joined.resource = resource
        joined.rcps = list(rcps)
        joined.rcp_services = rcp_services if rcps else None
        joined._identity_only = joined._only_identity_policies()
        joined._lean_ok = joined._leanable()
        return joined

    def with_s3(self, s3: object, resource_policy: Policy | None, judged: Policy | None = None) -> PolicySet:
        """This set with S3's own layers for one bucket (``s3_access.py``): its ACL grants and Block Public Access
        settings, over ``resource_policy`` (the bucket policy this set's resource side was compiled from); whether
        the policy is public is judged on ``judged`` when given (the policy as written, before any relaxation)."""
        layered = copy.copy(self)
        layered._s3 = S3Layer(self, read_settings(s3), resource_policy, judged)
        layered._identity_only = layered._lean_ok = False
        return layered

    # -- public API ---------------------------------------------------------------------------------------------

    def authorize(self, request: Request | Mapping[str, object], *, now: datetime | None = None,
                  explain: bool = False) -> Decision:
        if self._lean_ok and not explain and type(request) is dict:
            decided = self._lean.authorize(request, now)
            if decided is not None:
                return decided
        req = request if isinstance(request, Request) else build_request(request, now=now)
        decision = self._decide(req)
        if explain:
            from parc.core.authz.explain import trace_request

            return decision.with_trace(trace_request(self._s3.traced(req) if self._s3 is not None else self, req))
        return decision

    @overload
    def authorize_many(self, requests: Iterable[Request | Mapping[str, object]], *,
                       now: datetime | None = None, errors: Literal["raise"] = "raise") -> list[Decision]: ...

    @overload
    def authorize_many(self, requests: Iterable[Request | Mapping[str, object]], *,
                       now: datetime | None = None,
                       errors: Literal["return"]) -> list[Decision | RequestFailure]: ...

    def authorize_many(self, requests: Iterable[Request | Mapping[str, object]], *,
                       now: datetime | None = None,
                       errors: str = "raise") -> list[Decision] | list[Decision | RequestFailure]:
        """Decide a batch, with the cyclic garbage collector paused (a growing list of decisions otherwise makes
        each collection walk every decision made so far: about half the batch's time at 100,000 requests).

        ``errors="raise"`` (the default) raises the first request's RequestError; ``errors="return"`` puts a
        RequestFailure (its message and index) in the place of each request that cannot be decided and decides
        every other one."""
        check_mode(errors)
        if errors == "return":
            return self._authorize_each(requests, now)
        with gc_paused():
            if not self._lean_ok:
                return [self.authorize(r, now=now) for r in requests]
            lean = self._lean
            out: list[Decision] = []
            for r in requests:
                decided = lean.authorize(r, now) if type(r) is dict else None
                out.append(decided if decided is not None else self.authorize(r, now=now))
            return out

    def _authorize_each(self, requests: Iterable[Request | Mapping[str, object]],
                        now: datetime | None) -> list[Decision | RequestFailure]:
        out: list[Decision | RequestFailure] = []
        with gc_paused():
            for i, r in enumerate(requests):
                try:
                    out.append(self.authorize(r, now=now))
                except RequestError as exc:
                    out.append(RequestFailure(str(exc), i))
        return out

    def groups(self) -> list[PolicyGroup]:
        out: list[PolicyGroup] = [*self.scps, *self.rcps]
        out += [g for g in (self.endpoint, self.resource) if g is not None]
        out.append(self.identity)
        out += [g for g in (self.boundary, self.session) if g is not None]
        return out

    def _decide_identity_only(self, a: str, resource: str, ctx: Mapping[str, ContextValue]) -> Decision:
        return decide_plan(self._lean.plan(a), resource, ctx)

    # -- applicability ----------------------------------------------------------------------------------------------

    def scps_apply(self, p: RequestPrincipal) -> bool:
        """SCPs govern the member accounts' users, roles and root user; not the management account, not
        service-linked roles, and not principals outside IAM (services, anonymous).
        https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"""
        if not self.scps:
            return False
        if not (p.is_iam or p.kind is PrincipalKind.ROOT):
            return False
        return not p.service_linked and not (self.management_account and p.account == self.management_account)

    def rcps_apply(self, req: Request) -> bool:
        """RCPs govern resources in member accounts of supported services, for every caller (other accounts,
        anonymous callers and AWS service principals too: AWS's data-perimeter RCPs exclude services explicitly with
        aws:PrincipalIsAWSService) except service-linked roles.
        https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"""
        if not self.rcps:
            return False
        if req.principal.service_linked:
            return False
        if self.management_account and req.resource_account == self.management_account:
            return False
        return self.rcp_services is None or req.service in self.rcp_services

    # -- the decision -------------------------------------------------------------------------------------------

    def _decide(self, req: Request) -> Decision:
        if self._s3 is not None:
            return self._s3.decide(req)
        a = req.action_lower
        if a in ALWAYS_ALLOWED:
            return Decision(ALLOW, reasons=WHY_CALLER_IDENTITY)
        p = req.principal
        ctx = req.context
        resource = req.resource
        owned = aws_owned_reason(a, resource, req.key_manager, ctx, p.service_linked)
        # The plain reference path (indexed=False) always takes the general flow below.
        if (self._identity_only and self.indexed and p.kind in LEAN_KINDS and req.same_account
                and not requires_resource_policy(a, resource) and owned is None):
            return self._decide_identity_only(a, resource, ctx)
        iam = p.is_iam
        has_boundary = iam and self.boundary is not None
        by_type: dict[str, str] = {}
        denies: list[StatementRef] = []
        candidates: list[CompiledStatement] = []

        def run(group: PolicyGroup | None) -> tuple[list[CompiledStatement], MatchKind] | None:
            """Allows of a group (with the best principal match); denies go to the shared list."""
            if group is None:
                return None
            cands = group.candidates(a, resource, ctx)
            if not cands:
                return [], MatchKind.NONE
            candidates.extend(cands)
            allows: list[CompiledStatement] = []
            best = MatchKind.NONE
            for s in cands:
                kind = MatchKind.DIRECT
                if group.uses_principal:
                    kind = s.principal_match(p)
                    # A Deny with NotPrincipal always denies a principal that has a permissions boundary.
                    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
                    if kind is MatchKind.NONE and not (has_boundary and not s.allow
                                                       and s.not_principal_keys is not None):
                        continue
                if s.condition_list and not s.conditions_hold(ctx):
                    continue
                if s.allow:
                    allows.append(s)
                    if kind > best:
                        best = kind
                else:
                    denies.append(s.ref)
            return allows, best

        # Identity-side policies apply to IAM users, roles and sessions; the root user has none.
        ident = run(self.identity) if iam and len(self.identity) else ([], MatchKind.NONE) if iam else None
        bound = run(self.boundary) if iam else None
        sess = run(self.session) if iam else None
        res = run(self.resource)
        endp = run(self.endpoint)
        scp_levels = [run(g) for g in self.scps] if self.scps_apply(p) else None
        rcp_levels = [run(g) for g in self.rcps] if self.rcps_apply(req) else None

        def summary(name: str, result: tuple[list[CompiledStatement], MatchKind] | None) -> None:
            if result is None:
                by_type[name] = NOT_APPLICABLE
            else:
                by_type[name] = ALLOW if result[0] else IMPLICIT_DENY

        summary("identity", ident)
        summary("boundary", bound)
        summary("session", sess)
        summary("resource", res)
        summary("endpoint", endp)
        by_type["scp"] = _levels_summary(scp_levels)
        by_type["rcp"] = _levels_summary(rcp_levels)
        cand = tuple(candidates)

        if denies:
            types = tuple(dict.fromkeys(r.policy_type for r in denies))
            for t in types:
                by_type[t] = EXPLICIT_DENY
            return Decision(EXPLICIT_DENY, tuple(denies), types, by_type,
                            (f"Explicitly denied by {denies[0].label()}",), None, cand, ctx)

        def deny(blocked: Sequence[str], why: str) -> Decision:
            return Decision(IMPLICIT_DENY, (), tuple(blocked), by_type, (why,), None, cand, ctx)

        if owned is not None:
            # The resource is AWS's: no policy can allow the change (aws_owned.py). An explicit deny still decides.
            return deny([AWS_OWNED], owned)

        if rcp_levels is not None:
            level = _first_failing_level(rcp_levels)
            if level is not None:
                return deny(["rcp"], f"No RCP at level {level} of the organization allows {req.action}")
        if scp_levels is not None:
            level = _first_failing_level(scp_levels)
            if level is not None:
                return deny(["scp"], f"No SCP at level {level} of the organization allows {req.action}")
        if endp is not None and not endp[0]:
            return deny(["endpoint"], "The VPC endpoint policy does not allow the request")

        res_allows, res_kind = res if res is not None else ([], MatchKind.NONE)
        needs_rp = requires_resource_policy(a, resource)
        kind = p.kind

        def allow(stmts: Sequence[CompiledStatement], why: str) -> Decision:
            return Decision(ALLOW, tuple(s.ref for s in stmts), (), by_type, (why,), None, cand, ctx)

        if kind in (PrincipalKind.ANONYMOUS, PrincipalKind.SERVICE, PrincipalKind.FEDERATED):
            # No identity policies: only a resource-based policy can grant.
            if res_allows:
                return allow(res_allows, "Allowed by the resource-based policy")
            return deny(["resource"], f"No resource-based policy statement allows this {kind.value.lower()} caller")

        if kind is PrincipalKind.ROOT:
            if a in TRUST_ACTIONS:
                return deny(["identity"], "The account root user cannot assume roles")
            if req.same_account and not needs_rp:
                return Decision(ALLOW, (), (), by_type,
                                ("The account root user has full access to its own account's resources",), None, cand,
                                ctx)
            if res_allows:
                return allow(res_allows, "Allowed by the resource-based policy, which names the account")
            return deny(["resource"], "No resource-based policy statement allows the account root user")

        # IAM users, roles and sessions.
        assert ident is not None
        ident_allows = ident[0]
        boundary_ok = bound is None or bool(bound[0])
        # A federated user (GetFederationToken) gets its permissions only through the session policy it was given.
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
        session_ok = bool(sess[0]) if sess is not None else kind is not PrincipalKind.FEDERATED_USER
        identity_side = bool(ident_allows) and boundary_ok and session_ok

        if req.same_account:
            if res_kind is MatchKind.DIRECT:
                return allow(res_allows, "Allowed by the resource-based policy, which names the caller directly "
                                         "(not limited by a permissions boundary or session policy)")
            if res_kind is MatchKind.ROLE and boundary_ok and session_ok:
                return allow(res_allows, "Allowed by the resource-based policy, which names the caller's role")
            if identity_side and (not needs_rp or res_kind >= MatchKind.ACCOUNT):
                return allow(ident_allows, "Allowed by an identity-based policy")
            return deny(_blocked_same_account(needs_rp, res_kind, bool(ident_allows), boundary_ok, session_ok,
                                              res is not None),
                        _why_same_account(needs_rp, res_kind, bool(ident_allows), boundary_ok, session_ok, a))

        # Cross-account: both the caller's side and the resource's side must allow.
        if identity_side and res_kind >= MatchKind.ACCOUNT:
            return allow([*ident_allows, *res_allows],
                         "Cross-account: allowed by an identity-based policy and the resource-based policy")
        blocked: list[str] = []
        if not ident_allows:
            blocked.append("identity")
        elif not boundary_ok:
            blocked.append("boundary")
        if ident_allows and not session_ok:
            blocked.append("session")
        if res_kind is MatchKind.NONE:
            blocked.append("resource")
        return deny(blocked, "Cross-account access needs an allow on both sides: "
                             + ("the caller's identity-based policies do not allow it" if not identity_side else
                                "no resource-based policy statement allows the caller or its account"))


def _levels(name: str, ptype: PolicyType, levels: Sequence[Sequence[PolicyInput]] | None,
            indexed: bool, compiled: CompiledPolicies | None = None) -> list[PolicyGroup]:
    if not levels:
        return []
    out: list[PolicyGroup] = []
    for li, level in enumerate(levels):
        policies = [as_policy(p, ptype, i) for i, p in enumerate(level)]
        for p in policies:
            if p.name and p.name.startswith(f"{ptype.value} policy #"):
                object.__setattr__(p, "name", f"{ptype.value.upper()} level {li} #{p.name.rsplit('#', 1)[1]}")
        out.append(PolicyGroup(name, policies, level=li, indexed=indexed, compiled=compiled))
    return out


def _levels_summary(levels: list[tuple[list[CompiledStatement], MatchKind] | None] | None) -> str:
    if levels is None:
        return NOT_APPLICABLE
    return ALLOW if _first_failing_level(levels) is None else IMPLICIT_DENY


def _first_failing_level(levels: list[tuple[list[CompiledStatement], MatchKind] | None]) -> int | None:
    for i, lv in enumerate(levels):
        if lv is None or not lv[0]:
            return i
    return None


def _blocked_same_account(needs_rp: bool, res_kind: MatchKind, ident: bool, boundary_ok: bool, session_ok: bool,
                          has_rp: bool) -> list[str]:
    if needs_rp and res_kind is MatchKind.NONE:
        return ["resource"]
    if not ident and res_kind < MatchKind.ROLE:
        return ["identity", "resource"] if has_rp else ["identity"]
    blocked: list[str] = []
    if not boundary_ok:
        blocked.append("boundary")
    if not session_ok:
        blocked.append("session")
    return blocked or ["identity"]


def _why_same_account(needs_rp: bool, res_kind: MatchKind, ident: bool, boundary_ok: bool, session_ok: bool,
                      action: str) -> str:
    if needs_rp and res_kind is MatchKind.NONE:
        return resource_policy_reason(action)
    if not ident and res_kind < MatchKind.ROLE:
        return "No identity-based or resource-based policy statement allows the request"
    if not boundary_ok:
        return "The permissions boundary does not allow the request"
    if not session_ok:
        return "The session policy does not allow the request"
    return "No policy allows the request"
