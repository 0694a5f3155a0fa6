"""The request model: who asks, for what action, on which resource, with which context.

Context keys that AWS fills in from the caller's identity (aws:PrincipalArn, aws:PrincipalAccount, ...) are added
here when the request does not give them; a value the request gives always wins.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from parc.core.authz.aws_owned import KEY_MANAGERS
from parc.core.authz.principal import (
    PrincipalError,
    PrincipalKind,
    RequestPrincipal,
    parse_request_principal,
    with_role_arn,
)
from parc.core.context import ContextValue, normalize_context

POLICY_FIELDS = (
    "identity_policies",
    "resource_policy",
    "permissions_boundary",
    "session_policy",
    "scps",
    "rcps",
    "vpc_endpoint_policy",
    "management_account",
    "s3",
)
"""The fields of a ``parc simulate`` request that carry policies (the engine compiles them); ``s3`` holds the
bucket's own settings (ACLs, Block Public Access: ``s3_settings.py``), compiled with its resource side."""
REQUEST_FIELDS: Final = frozenset({"principal", "action", "resource", "resource_account", "context", "name", "id",
                            "key_manager", *POLICY_FIELDS})
"""Fields a request may carry; ``name``/``id`` are free labels users put on batch requests; ``key_manager`` says who
manages the KMS key of the request (``aws_owned.py``)."""


DERIVED_KEYS: Final = frozenset({
    "aws:resourceaccount", "aws:principaltype", "aws:userid", "aws:principalisawsservice",
    "aws:principalservicename", "aws:principalaccount", "aws:principalarn", "aws:username", "aws:currenttime",
    "aws:epochtime",
})
"""Every key :func:`full_context` may derive from the caller and the clock (a test holds it to that)."""


class RequestError(ValueError):
    """A request that cannot be decided: a missing field, a malformed ARN or action, an unknown field."""


class Request:
    """A checked request. A plain slotted class: the fast path builds one per decision."""

    __slots__ = ("action", "action_lower", "context", "key_manager", "principal", "resource", "resource_account")

    def __init__(self, principal: RequestPrincipal, action: str, resource: str, resource_account: str | None,
                 context: Mapping[str, ContextValue], key_manager: str | None = None) -> None:
        self.principal = principal
        self.action = action
        self.action_lower = action.lower()
        self.resource = resource
        self.resource_account = resource_account
        self.context = context
        """Lowercased keys, defaults filled in."""
        self.key_manager = key_manager
        """Who manages the request's KMS key: "AWS", "CUSTOMER", or None (not said: the caller's own)."""

    @property
    def service(self) -> str:
        return self.action_lower.split(":", 1)[0]

    @property
    def same_account(self) -> bool:
        return self.principal.account is not None and self.principal.account == self.resource_account


def _format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_PRINCIPAL_CONTEXTS: dict[tuple[str, str | None, str | None], dict[str, ContextValue]] = {}


def _principal_context(principal: RequestPrincipal, resource_account: str | None) -> dict[str, ContextValue]:
    # Keyed by strings (hashed once by Python) rather than by the principal object, whose hash is recomputed.
    key = (principal.raw, principal.role_arn, resource_account)
    ctx = _PRINCIPAL_CONTEXTS.get(key)
    if ctx is None:
        if len(_PRINCIPAL_CONTEXTS) > 65536:
            _PRINCIPAL_CONTEXTS.clear()
        ctx = _PRINCIPAL_CONTEXTS[key] = principal_context(principal, resource_account)
    return ctx


@lru_cache(maxsize=64)
def _time_keys(epoch: int) -> tuple[str, str]:
    at = datetime.fromtimestamp(epoch, tz=UTC)
    return _format_time(at), str(epoch)


def principal_context(principal: RequestPrincipal, resource_account: str | None) -> dict[str, ContextValue]:
    """The context keys AWS derives from the caller. aws:userid is set only where it is derivable from the ARN
    (the account root and federated users); for users and roles it is a unique id that an ARN does not carry."""
    ctx: dict[str, ContextValue] = {}
    kind = principal.kind
    if resource_account:
        ctx["aws:resourceaccount"] = resource_account
    if kind is PrincipalKind.ANONYMOUS:
        ctx["aws:principaltype"] = "Anonymous"
        ctx["aws:userid"] = "anonymous"
        return ctx
    if kind is PrincipalKind.SERVICE:
        ctx["aws:principalisawsservice"] = "true"
        ctx["aws:principalservicename"] = principal.raw
        return ctx
    if kind is PrincipalKind.FEDERATED:
        return ctx
    ctx["aws:principalisawsservice"] = "false"
    if principal.account:
        ctx["aws:principalaccount"] = principal.account
    if kind is PrincipalKind.ROOT:
        ctx["aws:principalarn"] = principal.raw
        ctx["aws:principaltype"] = "Account"
        ctx["aws:userid"] = principal.account or ""
    elif kind is PrincipalKind.USER:
        ctx["aws:principalarn"] = principal.raw
        ctx["aws:principaltype"] = "User"
        ctx["aws:username"] = principal.name or ""
    elif kind in (PrincipalKind.ASSUMED_ROLE, PrincipalKind.ROLE):
        ctx["aws:principalarn"] = principal.role_arn or principal.raw
        ctx["aws:principaltype"] = "AssumedRole"
    elif kind is PrincipalKind.FEDERATED_USER:
        ctx["aws:principalarn"] = principal.raw
        ctx["aws:principaltype"] = "FederatedUser"
        ctx["aws:userid"] = f"{principal.account}:{principal.name}"
    return ctx


def _normalize(raw: Mapping[str, object]) -> dict[str, ContextValue]:
    try:
        return normalize_context(raw)
    except (TypeError, ValueError) as exc:
        raise RequestError(f"'context': {exc}") from None


_CHECKED_ACTIONS: set[str] = set()


def _check_action(action: str) -> None:
    service, _, name = action.partition(":")
    if not service or not name:
        raise RequestError(f"'action' must be a string such as \"s3:GetObject\" (got {action!r})")


def _shown(value: object) -> str:
    """A value that is not what a field takes, as an error message shows it: short, and never failing (the repr
    of an integer of thousands of digits raises)."""
    if value is None or isinstance(value, (str, bool, float)) or (isinstance(value, int) and abs(value) < 10**20):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"a value of type {type(value).__name__}"


STR_ONLY = frozenset({str})


@lru_cache(maxsize=4096)
def lowered_names(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """Lowercased context key names, or None when two spellings collide (the slow path reports it)."""
    lowered = tuple(n.lower() if isinstance(n, str) else n for n in names)
    return lowered if len(set(lowered)) == len(lowered) and all(isinstance(n, str) for n in names) else None


def build_request(fields: Mapping[str, object], *, now: datetime | None = None, strict: bool = True) -> Request:
    """Check and normalise the request fields of ``parc simulate`` (policies are handled by the engine).

    This runs once per decision, so the common shape (string values, a context of strings) takes a short path:
    checks whose answer depends only on a repeated string (an action, the context's key names) are cached."""
    if type(fields) is not dict and not isinstance(fields, Mapping):
        raise RequestError(f"a request must be an object of request fields, not {type(fields).__name__}")
    if strict and not REQUEST_FIELDS.issuperset(fields):
        unknown = sorted(str(k) for k in set(fields) - REQUEST_FIELDS)
        known = ", ".join(sorted(REQUEST_FIELDS))
        raise RequestError(f"Unknown request field(s): {', '.join(unknown)}; known: {known}")
    principal_raw = fields.get("principal", "*")
    action = fields.get("action")
    resource = fields.get("resource", "*")
    if type(principal_raw) is not str:
        raise RequestError("'principal' must be a string (an ARN, an account id, a service principal or \"*\")")
    if type(action) is not str:
        raise RequestError(f"'action' must be a string such as \"s3:GetObject\" (got {_shown(action)})")
    if action not in _CHECKED_ACTIONS:
        _check_action(action)
        if len(_CHECKED_ACTIONS) < 65536:
            _CHECKED_ACTIONS.add(action)
    if type(resource) is not str or not resource:
        raise RequestError(f"'resource' must be a non-empty string, an ARN or \"*\" (got {_shown(resource)})")
    arn_account: str | None = None
    if resource != "*":
        parts = resource.split(":", 5)
        if parts[0] != "arn":
            raise RequestError(f"'resource' must be an ARN starting with 'arn:' or \"*\" (got {resource!r})")
        if len(parts) < 6:
            raise RequestError(
                f"Malformed resource ARN {resource!r}: expected arn:partition:service:region:account:resource"
            )
        acct = parts[4]
        # An account field that is not an account id ("aws" in AWS managed policy ARNs) marks a resource AWS owns
        # and shares with every account: the caller's own policies decide, as for its own account.
        if len(acct) == 12 and acct.isdigit():
            arn_account = acct
    try:
        principal = parse_request_principal(principal_raw)
    except PrincipalError as exc:
        raise RequestError(str(exc)) from None
    given_account = fields.get("resource_account")
    if given_account is not None and type(given_account) is not str:
        raise RequestError("'resource_account' must be a 12-digit account id string")
    given = given_context(fields.get("context"))
    if principal.is_session:
        given_arn = given.get("aws:principalarn")
        if type(given_arn) is str and ":role/" in given_arn:
            principal = with_role_arn(principal, given_arn)
    resource_account = arn_account or given_account or principal.account
    key_manager = fields.get("key_manager")
    if key_manager is not None and (type(key_manager) is not str or key_manager not in KEY_MANAGERS):
        raise RequestError(f"'key_manager' must be \"AWS\" or \"CUSTOMER\" (KeyMetadata.KeyManager of DescribeKey), "
                           f"got {key_manager!r}")
    return Request(principal, action, resource, resource_account, full_context(principal, resource_account, given, now),
                   key_manager)


def given_context(raw_ctx: object) -> dict[str, ContextValue]:
    """The request's own context, keys lowercased (checked: a RequestError says what is wrong)."""
    if not raw_ctx:
        return {}
    if type(raw_ctx) is not dict and not isinstance(raw_ctx, Mapping):
        raise RequestError("'context' must be an object of condition key -> value")
    lowered = lowered_names(tuple(raw_ctx))
    values = raw_ctx.values()
    if lowered is not None and set(map(type, values)) <= STR_ONLY:
        return dict(zip(lowered, values, strict=True))
    return _normalize(raw_ctx)


def full_context(principal: RequestPrincipal, resource_account: str | None, given: Mapping[str, ContextValue],
                 now: datetime | None) -> dict[str, ContextValue]:
    """The context the conditions see: what AWS derives from the caller and the clock, then what the request
    gives (which always wins)."""
    ctx = _principal_context(principal, resource_account).copy()
    if now is None:
        current, epoch = _time_keys(int(time.time()))
    elif now.microsecond == 0:
        current, epoch = _time_keys(int(now.timestamp()))
    else:
        current, epoch = _format_time(now), str(int(now.timestamp()))
    ctx["aws:currenttime"] = current
    ctx["aws:epochtime"] = epoch
    ctx.update(given)
    return ctx
