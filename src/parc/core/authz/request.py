"""The request model: who asks, for what action, on which resource, with which context.

Context keys that AWS fills in from the caller's identity (aws:PrincipalArn, aws:PrincipalAccount, ...) are added
here when the request does not give them; a value the request gives always wins.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from parc.core.authz.principal import (
    PrincipalError,
    PrincipalKind,
    RequestPrincipal,
    parse_request_principal,
    with_role_arn,
)
from parc.core.context import ContextValue, normalize_context

REQUEST_FIELDS = frozenset(
    {
        "principal",
        "action",
        "resource",
        "resource_account",
        "context",
        "identity_policies",
        "resource_policy",
        "permissions_boundary",
        "session_policy",
        "scps",
        "rcps",
        "vpc_endpoint_policy",
        "management_account",
        "name",
        "id",
    }
)
"""Fields a request may carry; ``name``/``id`` are free labels users put on batch requests."""


class RequestError(ValueError):
    """A request that cannot be decided: a missing field, a malformed ARN or action, an unknown field."""


@dataclass(frozen=True, slots=True)
class Request:
    principal: RequestPrincipal
    action: str
    resource: str
    resource_account: str | None
    context: Mapping[str, ContextValue]
    """Lowercased keys, defaults filled in."""
    given_context_keys: frozenset[str] = frozenset()

    @property
    def action_lower(self) -> str:
        return self.action.lower()

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0].lower()

    @property
    def same_account(self) -> bool:
        return self.principal.account is not None and self.principal.account == self.resource_account


def resource_account_of(resource: str, given: str | None, principal: RequestPrincipal) -> str | None:
    """The account that owns the resource: the ARN's account field, else the one given, else the caller's."""
    if resource.startswith("arn:"):
        parts = resource.split(":", 5)
        if len(parts) >= 5 and parts[4]:
            return parts[4]
    if given:
        return given
    return principal.account


def _format_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=8192)
def _principal_context(principal: RequestPrincipal, resource_account: str | None) -> dict[str, ContextValue]:
    return principal_context(principal, resource_account)


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


def build_request(fields: Mapping[str, object], *, now: datetime | None = None, strict: bool = True) -> Request:
    """Check and normalise the request fields of ``parc simulate`` (policies are handled by the engine)."""
    if strict:
        unknown = sorted(set(fields) - REQUEST_FIELDS)
        if unknown:
            known = ", ".join(sorted(REQUEST_FIELDS))
            raise RequestError(f"Unknown request field(s): {', '.join(unknown)}; known: {known}")
    principal_raw = fields.get("principal", "*")
    action = fields.get("action")
    resource = fields.get("resource", "*")
    if not isinstance(principal_raw, str):
        raise RequestError("'principal' must be a string (an ARN, an account id, a service principal or \"*\")")
    if not isinstance(action, str) or ":" not in action or not action.split(":", 1)[0] or not action.split(":", 1)[1]:
        raise RequestError(f"'action' must be a string such as \"s3:GetObject\" (got {action!r})")
    if not isinstance(resource, str) or not resource:
        raise RequestError(f"'resource' must be a non-empty string, an ARN or \"*\" (got {resource!r})")
    if resource != "*" and not resource.startswith("arn:"):
        raise RequestError(f"'resource' must be an ARN starting with 'arn:' or \"*\" (got {resource!r})")
    if resource.startswith("arn:") and len(resource.split(":", 5)) < 6:
        raise RequestError(
            f"Malformed resource ARN {resource!r}: expected arn:partition:service:region:account:resource"
        )
    try:
        principal = parse_request_principal(principal_raw)
    except PrincipalError as exc:
        raise RequestError(str(exc)) from None
    given_account = fields.get("resource_account")
    if given_account is not None and not isinstance(given_account, str):
        raise RequestError("'resource_account' must be a 12-digit account id string")
    raw_ctx = fields.get("context") or {}
    if not isinstance(raw_ctx, Mapping):
        raise RequestError("'context' must be an object of condition key -> value")
    if all(type(v) is str for v in raw_ctx.values()):
        # The common shape, without normalize_context's per-value checks (same result).
        given: dict[str, ContextValue] = {k.lower(): v for k, v in raw_ctx.items()}
        if len(given) != len(raw_ctx):
            given = _normalize(raw_ctx)
    else:
        given = _normalize(raw_ctx)
    given_arn = given.get("aws:principalarn")
    if isinstance(given_arn, str) and principal.is_session and ":role/" in given_arn:
        principal = with_role_arn(principal, given_arn)
    resource_account = resource_account_of(resource, given_account, principal)
    ctx = dict(_principal_context(principal, resource_account))
    if now is None:
        current, epoch = _time_keys(int(datetime.now(UTC).timestamp()))
    elif now.microsecond == 0:
        current, epoch = _time_keys(int(now.timestamp()))
    else:
        current, epoch = _format_time(now), str(int(now.timestamp()))
    ctx["aws:currenttime"] = current
    ctx["aws:epochtime"] = epoch
    ctx.update(given)
    return Request(principal, action, resource, resource_account, ctx, frozenset(given))
