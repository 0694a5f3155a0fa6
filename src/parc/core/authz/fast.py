"""The fast path of the engine: identity-only policy sets, same account, IAM users and role sessions.

Bulk questions (every principal x action x resource, months of logs) are mostly of this shape, so it is written out
flat and decided without the full flow of ``engine.py``: no Request object is built, and the request context (the
caller's derived keys, the clock and the request's own keys) only when a candidate statement reads it. Anything
else — another principal kind, another account, an action with rules of its own, any malformed field — returns
None, and the caller takes the full path, which also reports the errors. The property tests and the corpus run both
paths against the plain reference evaluator.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import MappingProxyType

from parc.core.authz.compile import CompiledStatement, PolicyGroup
from parc.core.authz.decision import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, NOT_APPLICABLE, Decision, StatementRef
from parc.core.authz.principal import PrincipalError, PrincipalKind, RequestPrincipal, parse_request_principal
from parc.core.authz.request import REQUEST_FIELDS, RequestError, full_context, given_context
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
_PRINCIPALS: dict[str, RequestPrincipal] = {}
_CACHE_LIMIT = 65536


def requires_resource_policy(action_lower: str, resource: str) -> bool:
    """Role trust policies and KMS key policies must allow explicitly: identity policies alone never suffice.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"""
    if action_lower in TRUST_ACTIONS:
        return True
    return action_lower.startswith("kms:") and ":key/" in resource


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building objects that hold no reference cycles (compiled policies,
    batches of decisions): otherwise each collection walks everything the process holds, which in a process with
    large inputs in memory doubled the time of both."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _summary(result: str) -> Mapping[str, str]:
    summary = {t: NOT_APPLICABLE for t in ("identity", "boundary", "session", "resource", "endpoint", "scp", "rcp")}
    summary["identity"] = result
    return MappingProxyType(summary)


# Shared, read-only: an identity-only decision's per-type summary is one of three, so no decision builds its own.
_BY_TYPE_ALLOW = _summary(ALLOW)
_BY_TYPE_DENY = _summary(EXPLICIT_DENY)
_BY_TYPE_NONE = _summary(IMPLICIT_DENY)
_WHY_ALLOW = ("Allowed by an identity-based policy",)
_WHY_NONE = ("No identity-based or resource-based policy statement allows the request",)
_BLOCKED_IDENTITY = ("identity",)


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


class LeanEntry:
    """Decides request dicts against an identity-only policy group without building a Request."""

    __slots__ = ("_actions", "identity")

    def __init__(self, identity: PolicyGroup) -> None:
        self.identity = identity
        self._actions: dict[str, tuple[str, tuple[CompiledStatement, ...] | None]] = {}

    def authorize(self, fields: dict[str, object], now: datetime | None) -> Decision | None:
        if not REQUEST_FIELDS.issuperset(fields):
            return None
        principal_raw = fields.get("principal", "*")
        action = fields.get("action")
        resource = fields.get("resource", "*")
        if type(principal_raw) is not str or type(action) is not str or type(resource) is not str:
            return None
        entry = self._actions.get(action)
        if entry is None:
            service, _, name = action.partition(":")
            if not service or not name:
                return None
            a = action.lower()
            # Actions with rules of their own (always allowed; decided by a trust or key policy) take the full path.
            special = a in ALWAYS_ALLOWED or a in TRUST_ACTIONS or a.startswith("kms:")
            entry = (a, None if special else self.identity.action_candidates(a))
            if len(self._actions) < _CACHE_LIMIT:
                self._actions[action] = entry
        candidates = entry[1]
        if candidates is None:
            return None
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
        if not _same_account(resource, fields.get("resource_account"), account):
            return None

        def make_ctx() -> Context | None:
            try:
                given = given_context(fields.get("context"))
            except RequestError:
                return None
            # (A session's aws:PrincipalArn would refine its role path: that matters to Principal elements and to
            # SCPs, neither of which an identity-only set has.)
            return full_context(principal, account, given, now)

        return decide_identity_only(candidates, resource, None, make_ctx)


def _same_account(resource: str, given_account: object, account: str | None) -> bool:
    """Whether the resource is the caller's account's, by the rules of ``build_request`` (False also when the
    request is malformed: the full path then says why)."""
    if resource != "*":
        parts = resource.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return False
        acct = parts[4]
        if len(acct) == 12 and acct.isdigit():
            return acct == account
    return given_account is None or given_account == account
