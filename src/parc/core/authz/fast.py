"""The fast path of the engine: identity policies (alone, or with SCPs, a permissions boundary, a session policy),
same account, IAM users and role sessions.

Bulk questions (every principal x action x resource, months of logs) are mostly of this shape, so it is written out
flat and decided without the full flow of ``engine.py``:

- no Request object is built; the action's plan (``plan.py``, one per distinct set of candidate statements) says
  which statements can apply and which context keys they read, and only those keys are looked up, through a binding
  cached per spelling of the request's context;
- the decision stops at the first statement that settles it, and the Decision keeps what it needs to work out its
  reasons later (the plan, the request, the second it was asked): the plain loop (``decide_identity_only``) runs
  when someone reads them.

Anything else (another principal kind, another account, multivalued or non-text context values, any malformed field,
a change to a resource AWS owns, ``aws_owned.py``) returns None, and the caller takes the full path, which also
reports the errors. Actions with rules of their own
(sts:GetCallerIdentity, trust actions, KMS keys) are decided here as the full flow decides them, except with other
policy types, where they take the full path. With other policy types a decision carries only its answer: which
policy types blocked it, and why, come from the full path when read (``LeanEntry``). The property tests, the
corpus and the benchmark workload run both paths against the plain reference evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from time import time as _time
from types import MappingProxyType
from typing import Final, cast

from parc.core.authz.aws_owned import GUARDED, aws_owned_reason
from parc.core.authz.compile import CompiledStatement, PolicyGroup
from parc.core.authz.decision import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    NOT_APPLICABLE,
    Decision,
    LeanDecision,
    StatementRef,
)
from parc.core.authz.plan import ActionPlan, Group, KeySet
from parc.core.authz.principal import PrincipalError, PrincipalKind, RequestPrincipal, parse_request_principal
from parc.core.authz.request import (
    DERIVED_KEYS,
    REQUEST_FIELDS,
    full_context,
    given_context,
)
from parc.core.context import ContextValue

Context = Mapping[str, ContextValue]

# Actions authorized against the role's trust policy, which must allow them even in the same account.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})

LEAN_KINDS = frozenset({PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE, PrincipalKind.ROLE})
_PRINCIPALS: Final[dict[str, RequestPrincipal]] = {}
_CACHE_LIMIT: Final = 65536


def requires_resource_policy(action_lower: str, resource: str) -> bool:
    """Role trust policies and KMS key policies must allow explicitly: identity policies alone never suffice.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"""
    if action_lower in TRUST_ACTIONS:
        return True
    return action_lower.startswith("kms:") and ":key/" in resource


def _summary(result: str) -> Mapping[str, str]:
    summary = {t: NOT_APPLICABLE for t in ("identity", "boundary", "session", "resource", "endpoint", "scp", "rcp")}
    summary["identity"] = result
    return MappingProxyType(summary)


# Shared, read-only: an identity-only decision's per-type summary is one of three, so no decision builds its own.
_BY_TYPE_ALLOW: Final = _summary(ALLOW)
_BY_TYPE_DENY: Final = _summary(EXPLICIT_DENY)
_BY_TYPE_NONE: Final = _summary(IMPLICIT_DENY)
_WHY_ALLOW: Final = ("Allowed by an identity-based policy",)
_WHY_NONE: Final = ("No identity-based or resource-based policy statement allows the request",)
_BLOCKED_IDENTITY: Final = ("identity",)
_BLOCKED_RESOURCE: Final = ("resource",)


def decide_identity_only(candidates: Sequence[CompiledStatement], resource: str, ctx: Context | None,
                         make_ctx: Callable[[], Context | None]) -> Decision | None:
    """An explicit deny decides, else any allow. ``ctx`` is built by ``make_ctx`` on first need (None from it:
    the request needs the full path, and so does this answer)."""
    allows: list[StatementRef] = []
    denies: list[StatementRef] = []
    cands: list[CompiledStatement] = []
    for s in candidates:
        fn = s.resource_fn
        if fn is not None:
            prefixes = s.resource_prefixes
            if prefixes is not None and not resource.startswith(prefixes):
                continue
            if not fn(resource):
                continue
        elif s.resources is not None:
            if ctx is None and (ctx := make_ctx()) is None:
                return None
            if not s.resource_matches(resource, ctx):
                continue
        cands.append(s)
        conditions = s.condition_fns
        if conditions:
            if ctx is None and (ctx := make_ctx()) is None:
                return None
            failed = False
            for cond in conditions:
                if not cond(ctx):
                    failed = True
                    break
            if failed:
                continue
        if s.allow:
            allows.append(s.ref)
        else:
            denies.append(s.ref)
    if denies:
        return Decision(EXPLICIT_DENY, tuple(denies), _BLOCKED_IDENTITY, _BY_TYPE_DENY,
                        (f"Explicitly denied by {denies[0].label()}",), None, tuple(cands), ctx)
    if allows:
        return Decision(ALLOW, tuple(allows), (), _BY_TYPE_ALLOW, _WHY_ALLOW, None, tuple(cands), ctx)
    return Decision(IMPLICIT_DENY, (), _BLOCKED_IDENTITY, _BY_TYPE_NONE, _WHY_NONE, None, tuple(cands), ctx)


def decide_plan(plan: ActionPlan, resource: str, ctx: Context) -> Decision:
    """The decision of an identity-only set from the action's plan: any Deny group that applies denies, else any
    Allow group allows. Its reasons come from the plain loop when asked for (``Decision.deciding``)."""
    return LeanDecision(_verdict(plan, resource, ctx), plan.how_context, (resource, ctx), None)


def _settle_with_context(d: Decision) -> Decision:
    resource, ctx = cast("tuple[str, Context]", d.source)
    return _settle(cast(ActionPlan, d.plan).candidates, resource, ctx)


def _settle(candidates: Sequence[CompiledStatement], resource: str, ctx: Context) -> Decision:
    decided = decide_identity_only(candidates, resource, ctx, lambda: ctx)
    assert decided is not None  # the context is given: the plain loop always answers
    return decided


Verdict = tuple[object, ...]
"""A decision's fixed parts on the identity-only path: the answer, blocked_by, by_policy_type, the reasons (an
explicit deny's reason names its statement: it is left to the plain loop). Typed as a tuple of any length, not as
the four it has: the compiled build keeps a fixed-length tuple unboxed and would build a new one for every
decision that stores it, where this shares one of three."""
_DENY: Final[Verdict] = (EXPLICIT_DENY, _BLOCKED_IDENTITY, _BY_TYPE_DENY, ())
_ALLOW: Final[Verdict] = (ALLOW, (), _BY_TYPE_ALLOW, _WHY_ALLOW)
_NONE: Final[Verdict] = (IMPLICIT_DENY, _BLOCKED_IDENTITY, _BY_TYPE_NONE, _WHY_NONE)


def _verdict(plan: ActionPlan, resource: str, ctx: Context) -> Verdict:
    if plan.levels:
        return _verdict_levels(plan.deny, plan.allow, plan.levels, resource, ctx)
    return _verdict_of(plan.deny, plan.allow, resource, ctx)


# With SCPs, only the answer: which policy types blocked and why are left to the full path, on demand.
_L_DENY: Final[Verdict] = (EXPLICIT_DENY, None, None, None)
_L_ALLOW: Final[Verdict] = (ALLOW, None, None, None)
_L_NONE: Final[Verdict] = (IMPLICIT_DENY, None, None, None)


def _verdict_levels(deny: tuple[Group, ...], allow: tuple[Group, ...], levels: tuple[tuple[Group, ...], ...],
                    resource: str, ctx: Context) -> Verdict:
    """Identity policies under SCPs, a permissions boundary or a session policy, same account, no resource policy:
    any Deny denies; else every level must allow; else the identity policies must allow.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies.html"""
    if _any_applies(deny, resource, ctx):
        return _L_DENY
    for level in levels:
        if not _any_applies(level, resource, ctx):
            return _L_NONE
    if _any_applies(allow, resource, ctx):
        return _L_ALLOW
    return _L_NONE


def _verdict_of(deny: tuple[Group, ...], allow: tuple[Group, ...], resource: str, ctx: Context) -> Verdict:
    if _any_applies(deny, resource, ctx):
        return _DENY
    if _any_applies(allow, resource, ctx):
        return _ALLOW
    return _NONE


def _any_applies(groups: tuple[Group, ...], resource: str, ctx: Context) -> bool:
    for conditions, members, all_resources, _ in groups:
        if not all_resources:
            for prefixes, fn, variable in members:
                if fn is not None:
                    if prefixes is not None and not resource.startswith(prefixes):
                        continue
                    if fn(resource):
                        break
                elif variable is not None and variable.resource_matches(resource, ctx):
                    break
            else:
                continue
        for cond in conditions:
            if not cond(ctx):
                break
        else:
            return True
    return False


# Actions with rules of their own (ActionPlan.rule).
ALWAYS: Final = 1
"""Always allowed, whatever the policies say (sts:GetCallerIdentity)."""
TRUST: Final = 2
"""Authorized against the role's trust policy, which must allow it (sts:AssumeRole ...)."""
KMS: Final = 3
"""On a KMS key, the key policy must allow it (identity policies alone never suffice); on other resources, normal."""
WHY_CALLER_IDENTITY = ("sts:GetCallerIdentity is always allowed, even with an explicit deny",)


def action_rule(action_lower: str) -> int:
    if action_lower in ALWAYS_ALLOWED:
        return ALWAYS
    if action_lower in TRUST_ACTIONS:
        return TRUST
    return KMS if action_lower.startswith("kms:") else 0


def resource_policy_reason(action_lower: str) -> str:
    what = "role's trust policy" if action_lower.startswith("sts:") else "key policy"
    return f"The {what} must allow the caller explicitly, and it does not"


class LeanEntry:
    """Decides request dicts against identity policies without building a Request, alone or with ``levels``:
    policy groups that must each allow too (SCP levels, a permissions boundary, a session policy).

    With levels, an action with a rule of its own goes to the full path, and so does every explanation:
    ``settle_full`` decides the request again on the full path when a decision's reasons are asked for. With SCPs
    among them (``scps``), so does a principal the SCPs may not govern (a service-linked role, a caller of the
    management account, a session whose role ARN the request gives)."""

    __slots__ = ("_bases", "_epoch", "_keysets", "_plans", "_settle_full", "_shared", "identity", "levels",
                 "management_account", "scps")

    def __init__(self, identity: PolicyGroup, levels: Sequence[PolicyGroup] = (), *, scps: bool = False,
                 management_account: str | None = None,
                 settle_full: Callable[[Decision], Decision] | None = None) -> None:
        self.identity = identity
        self.levels = tuple(levels)
        self.scps = scps
        self.management_account = management_account
        self._settle_full = settle_full
        self._plans: dict[str, ActionPlan] = {}
        self._bases: dict[str, dict[str, ContextValue]] = {}
        """Per caller, the context keys AWS derives from it and from the clock, for the current second."""
        self._epoch = -1
        self._keysets: dict[tuple[str, ...], KeySet] = {}
        self._shared: dict[tuple[object, ...], ActionPlan] = {}

    def plan(self, action_lower: str) -> ActionPlan:
        """The action's plan, built once."""
        plan = self._plans.get(action_lower)
        if plan is None:
            rule = action_rule(action_lower)
            why = (resource_policy_reason(action_lower),) if rule in (TRUST, KMS) else ()
            candidates = self.identity.action_candidates(action_lower)
            levels = tuple(g.action_candidates(action_lower) for g in self.levels)
            # Many actions have the same candidates (every action of a service only guardrails name): one plan.
            guarded = action_lower in GUARDED
            shared_key = (candidates, rule, why, levels, guarded)
            plan = self._shared.get(shared_key)
            if plan is None:
                plan = ActionPlan(candidates, self._keysets, DERIVED_KEYS, rule, why, levels, guarded)
                plan.how_request = (self._settle_full or _settle_request, plan)
                plan.how_context = (_settle_with_context, plan)
                if len(self._shared) < _CACHE_LIMIT:
                    self._shared[shared_key] = plan
            if len(self._plans) >= _CACHE_LIMIT:
                self._plans.clear()
            self._plans[action_lower] = plan
        return plan

    def authorize(self, fields: dict[str, object], now: datetime | None) -> Decision | None:
        principal_raw = fields.get("principal")
        action = fields.get("action")
        resource = fields.get("resource")
        raw = fields.get("context")
        # A field of another name goes to the full path, which names it. Counting the fields read here (the
        # common request has no other) costs less than looking every name up among the known ones.
        read = (principal_raw is not None) + (action is not None) + (resource is not None) + (raw is not None)
        if len(fields) != read and (not REQUEST_FIELDS.issuperset(fields) or "key_manager" in fields):
            return None  # (a key manager matters to rules of AWS-owned resources: the full path checks it)
        if principal_raw is None:
            if "principal" in fields:
                return None  # given as null: the full path says what is wrong
            principal_raw = "*"
        if resource is None:
            if "resource" in fields:
                return None
            resource = "*"
        if type(principal_raw) is not str or type(action) is not str or type(resource) is not str:
            return None
        plan = self._plans.get(action)
        if plan is None:
            service, _, name = action.partition(":")
            if not service or not name:
                return None
            plan = self.plan(action.lower())
            if len(self._plans) < _CACHE_LIMIT:
                self._plans[action] = plan
        if plan.guarded and aws_owned_reason(action.lower(), resource, None,
                                             raw if type(raw) is dict else None) is not None:
            return None  # a resource AWS owns: the full path says why no policy can allow it
        principal = _PRINCIPALS.get(principal_raw)
        if principal is None:
            try:
                principal = parse_request_principal(principal_raw)
            except PrincipalError:
                return None
            if principal.kind not in LEAN_KINDS:
                return None
            if len(_PRINCIPALS) < _CACHE_LIMIT:
                _PRINCIPALS[principal_raw] = principal
        account = principal.account
        # With levels, the actions with rules of their own are left to the full path, and so are the callers SCPs
        # do not govern: service-linked roles and the management account's.
        if self.levels and (plan.rule or (self.scps and (principal.service_linked
                                                          or account == self.management_account))):
            return None
        owner = _OWNERS.get(resource)
        if owner is None:
            owner = _resource_owner(resource)
        if owner:
            if owner != account:
                return None
        else:
            given_account = fields.get("resource_account")
            if given_account is not None and given_account != account:
                return None
        # The context, as far as the plan reads it: the request's own keys, then what AWS derives from the caller
        # and the clock (only for keys the request does not give).
        if raw:
            if type(raw) is not dict:
                return None
            binding = plan.keys.binding(tuple(raw))
            if binding is None or (binding.gives_principal_arn and self.scps and principal.is_session):
                return None
            try:
                "".join(raw.values())  # a TypeError unless every value is a string: the cheapest check there is
            except TypeError:
                return None  # lists (multivalued keys), numbers, booleans: the full path normalises them
            last = plan.last
            if last[0] is binding:
                bound = last[1]
            else:
                bound = binding.bound(plan)
                plan.last = (binding, bound)
            if bound is not None:
                # Every key the plan reads is in the request's own dict, or in none of its spellings: the
                # conditions read the dict as it is, and no context is built.
                levels = bound[2]  # one per level of the set: none for identity policies alone
                return LeanDecision(_verdict_levels(bound[0], bound[1], levels, resource, raw) if levels
                                    else _verdict_of(bound[0], bound[1], resource, raw), plan.how_request, fields,
                                    None)
            getter = binding.getter
            absent = binding.absent
            ctx: dict[str, object] = dict(zip(binding.present, getter(raw), strict=False)) if getter else {}
        else:
            absent = plan.keys.keys
            ctx = {}
        epoch: int | None = None
        if absent:
            epoch = int(_time() if now is None else now.timestamp())
            if epoch != self._epoch:
                self._bases.clear()
                self._epoch = epoch
            else:
                epoch = self._epoch  # the one int object per second: the decision keeps it, not a copy each
            base = self._bases.get(principal_raw)
            if base is None:
                # (A session's aws:PrincipalArn given in the request would refine its role path: that matters to
                # Principal elements, which these sets do not have, and to whether SCPs govern the session, which
                # is why such a request under SCPs went to the full path above.)
                base = full_context(principal, account, {}, now)
                if len(self._bases) < _CACHE_LIMIT:
                    self._bases[principal_raw] = base
            for k in absent:
                v = base.get(k)
                if v is not None:
                    ctx[k] = v
        rule = plan.rule
        if rule and (rule != KMS or ":key/" in resource):
            return _special(plan, resource, cast(Context, ctx), fields, epoch)
        # The context is not kept: a decision holding its own dict costs more in memory traffic than deciding
        # did. What the explanation needs to rebuild it is: the request, and the second it was asked (None: the
        # decision read no clock). (Its values are strings, checked above: no cast, a call on every request.)
        return LeanDecision(_verdict(plan, resource, ctx), plan.how_request, fields, epoch)  # type: ignore[arg-type]


def _special(plan: ActionPlan, resource: str, ctx: Context, fields: dict[str, object],
             epoch: int | None) -> Decision:
    """The decisions of actions with rules of their own, as the full flow of ``engine.py`` makes them for an
    identity-only set: sts:GetCallerIdentity is allowed; otherwise an explicit deny still denies, and nothing else
    allows, because the trust or key policy (which the set does not have) must."""
    if plan.rule == ALWAYS:
        return Decision(ALLOW, reasons=WHY_CALLER_IDENTITY)
    if _any_applies(plan.deny, resource, ctx):
        return LeanDecision(_DENY, plan.how_request, fields, epoch)
    identity = _BY_TYPE_ALLOW if _any_applies(plan.allow, resource, ctx) else _BY_TYPE_NONE
    return LeanDecision((IMPLICIT_DENY, _BLOCKED_RESOURCE, identity, plan.why), plan.how_request, fields, epoch)


def _settle_request(d: Decision) -> Decision:
    """The full decision, rebuilt from the request. An implicit deny because a trust or key policy must allow is
    a decision the plain loop does not make: it keeps its answer and takes the loop's statements."""
    plan, fields, epoch = cast(ActionPlan, d.plan), cast(dict[str, object], d.source), d.epoch
    principal = parse_request_principal(cast(str, fields.get("principal", "*")))
    resource = cast(str, fields.get("resource", "*"))
    given = given_context(fields.get("context"))
    at = datetime.fromtimestamp(epoch, tz=UTC) if epoch is not None else None
    full = _settle(plan.candidates, resource, full_context(principal, principal.account, given, at))
    if d.blocked_by != _BLOCKED_RESOURCE:
        return full
    return Decision(d.decision, (), d.blocked_by, d.by_policy_type, d.unsettled_reasons, None, full.candidates,
                    full.context)


_OWNERS: Final[dict[str, str]] = {}


def _resource_owner(resource: str) -> str:
    """The account in a resource ARN; "" when it has none (``*``, S3 buckets, AWS-owned ARNs), "!" when the ARN is
    malformed (the full path reports it)."""
    owner = ""
    if resource != "*":
        parts = resource.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            owner = "!"
        else:
            acct = parts[4]
            if len(acct) == 12 and acct.isdigit():
                owner = acct
    if len(_OWNERS) >= _CACHE_LIMIT:
        _OWNERS.clear()
    _OWNERS[resource] = owner
    return owner
