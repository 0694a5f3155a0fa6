"""Who is asking: the request principal, and the identities a Principal / NotPrincipal element can name for it.

A principal is seen by policies as several identities at once. An assumed-role session is its session ARN, its role
and its account; an IAM user is the user and its account. A Principal element matches when it names any of them
(which one decides how far a same-account resource policy grants, see ``MatchKind``); a NotPrincipal element excludes
a principal only when it names all of them — which is why AWS tells authors to list the session, the role and the
account together.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from functools import lru_cache


class PrincipalKind(StrEnum):
    USER = "User"
    ROLE = "Role"
    """A role named by its ARN: treated as a session of that role whose session name is unknown."""
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    ROOT = "Account"
    SERVICE = "Service"
    ANONYMOUS = "Anonymous"
    FEDERATED = "Federated"
    """A web identity or SAML provider, as named in a trust policy's ``Federated`` element."""


class MatchKind(int, Enum):
    """How a resource policy's Principal element matched; higher is more direct.

    Same-account rules differ by it: a grant to the account only delegates to identity policies; a grant to the
    role ARN is limited by the session's permissions boundary and session policy; a grant naming the user, the
    session or everyone is not.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-eval-logic
    """

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


# Identity keys: tuples that a Principal entry and a request principal are both reduced to.
Key = tuple[str, ...]
ANY: Key = ("any",)

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_IAM_ARN_RE = re.compile(r"^arn:(aws[a-zA-Z-]*):(iam|sts)::(\d{12}):(.+)$")


@dataclass(frozen=True, slots=True)
class RequestPrincipal:
    raw: str
    kind: PrincipalKind
    account: str | None = None
    partition: str = "aws"
    name: str | None = None
    """User name, role name, federated user name or service name."""
    role_arn: str | None = None
    session_name: str | None = None
    service_linked: bool = False
    keys: tuple[tuple[Key, MatchKind], ...] = ()
    """The identities this principal presents to a Principal element, with the match kind each one gives."""

    @property
    def is_iam(self) -> bool:
        """Principals that identity policies, boundaries and SCPs can govern."""
        return self.kind in (
            PrincipalKind.USER,
            PrincipalKind.ROLE,
            PrincipalKind.ASSUMED_ROLE,
            PrincipalKind.FEDERATED_USER,
        )

    @property
    def is_session(self) -> bool:
        return self.kind in (PrincipalKind.ASSUMED_ROLE, PrincipalKind.FEDERATED_USER, PrincipalKind.ROLE)

    @property
    def root_arn(self) -> str | None:
        return f"arn:{self.partition}:iam::{self.account}:root" if self.account else None


class PrincipalError(ValueError):
    pass


@lru_cache(maxsize=4096)
def parse_request_principal(raw: str) -> RequestPrincipal:
    """Read the principal of a request: an IAM/STS ARN, an account id, a service, a provider, or ``*``."""
    p = raw.strip()
    keys: tuple[tuple[Key, MatchKind], ...]
    if p in ("*", "", "anonymous"):
        return RequestPrincipal(p or "*", PrincipalKind.ANONYMOUS, keys=((ANY, MatchKind.DIRECT),))
    if _ACCOUNT_RE.match(p):
        p = f"arn:aws:iam::{p}:root"
    m = _IAM_ARN_RE.match(p)
    if m:
        partition, service, account, rest = m.groups()
        root_key = (("account", account), MatchKind.ACCOUNT)
        any_key = (ANY, MatchKind.DIRECT)
        if service == "iam" and rest == "root":
            return RequestPrincipal(
                p, PrincipalKind.ROOT, account, partition, keys=(any_key, (("account", account), MatchKind.DIRECT))
            )
        if service == "iam" and rest.startswith("user/"):
            name = rest.rsplit("/", 1)[1]
            # The path is part of the user's ARN: user/carol does not name user/engineering/carol.
            keys = (any_key, (("user", account, rest[5:]), MatchKind.DIRECT), root_key)
            return RequestPrincipal(p, PrincipalKind.USER, account, partition, name, keys=keys)
        if service == "iam" and rest.startswith("role/"):
            # What with_role_arn(RequestPrincipal(...), p) gives, built at once (a loader reads thousands of roles).
            return RequestPrincipal(p, PrincipalKind.ROLE, account, partition, rest.rsplit("/", 1)[1], role_arn=p,
                                    service_linked=rest.startswith(_SERVICE_LINKED), keys=_role_keys(account, rest))
        if service == "sts" and rest.startswith("assumed-role/"):
            parts = rest.split("/")
            if len(parts) < 3 or not parts[1] or not parts[2]:
                raise PrincipalError(f"Malformed assumed-role ARN {raw!r}: expected .../assumed-role/ROLE/SESSION")
            role, session = parts[1], "/".join(parts[2:])
            # The session ARN omits the role's path: the role is matched by name (names are unique in an account)
            # unless the role ARN with its path is known (with_role_arn).
            keys = (
                any_key,
                (("session", account, role, session), MatchKind.DIRECT),
                (("role", account, role), MatchKind.ROLE),
                root_key,
            )
            return RequestPrincipal(
                p,
                PrincipalKind.ASSUMED_ROLE,
                account,
                partition,
                role,
                role_arn=f"arn:{partition}:iam::{account}:role/{role}",
                session_name=session,
                keys=keys,
            )
        if service == "sts" and rest.startswith("federated-user/"):
            name = rest.split("/", 1)[1]
            keys = (any_key, (("federated-user", account, name), MatchKind.DIRECT), root_key)
            return RequestPrincipal(p, PrincipalKind.FEDERATED_USER, account, partition, name, keys=keys)
        if service == "iam" and (rest.startswith("saml-provider/") or rest.startswith("oidc-provider/")):
            return RequestPrincipal(
                p, PrincipalKind.FEDERATED, account, partition, keys=(any_key, (("federated", p), MatchKind.DIRECT))
            )
        raise PrincipalError(
            f"Unsupported principal ARN {raw!r}: expected a user, role, assumed-role, federated-user or root ARN"
        )
    if p.startswith("arn:"):
        raise PrincipalError(f"Malformed principal ARN {raw!r}")
    if p.endswith((".amazonaws.com", ".amazonaws.com.cn", ".amazon.com")) and not p.startswith("www."):
        return RequestPrincipal(
            p, PrincipalKind.SERVICE, name=p, keys=((ANY, MatchKind.DIRECT), (("service", p), MatchKind.DIRECT))
        )
    # Anything else must be a web identity provider's domain ("accounts.google.com", "www.amazon.com"); a bare
    # word is a mistake, not an identity.
    if "." not in p or " " in p:
        raise PrincipalError(
            f"Unrecognized principal {raw!r}: expected an IAM or STS ARN, a 12-digit account id, a service principal "
            "(s3.amazonaws.com), a web identity provider (accounts.google.com) or \"*\" for anonymous"
        )
    keys = ((ANY, MatchKind.DIRECT), (("federated", p), MatchKind.DIRECT))
    return RequestPrincipal(p, PrincipalKind.FEDERATED, keys=keys)


def with_role_arn(principal: RequestPrincipal, role_arn: str) -> RequestPrincipal:
    """The principal once its role's full ARN (with the path) is known: from the principal itself, or from
    aws:PrincipalArn in the request context. The path then must match exactly, and it tells a service-linked role
    (path /aws-service-role/) from a customer role.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html"""
    m = _IAM_ARN_RE.match(role_arn)
    if not m or not m.group(4).startswith("role/") or m.group(3) != principal.account:
        return principal
    rest = m.group(4)
    name = rest.rsplit("/", 1)[1]
    if principal.kind is PrincipalKind.ASSUMED_ROLE and name != principal.name:
        return principal
    keys = tuple(
        (("role-path", key[1], rest[5:]), kind) if key[0] == "role" else (key, kind) for key, kind in principal.keys
    )
    if principal.kind is PrincipalKind.ROLE:
        keys = _role_keys(principal.account or "", rest)
    return replace(principal, role_arn=role_arn, service_linked=rest.startswith(_SERVICE_LINKED), keys=keys)


_SERVICE_LINKED = "role/aws-service-role/"


def _role_keys(account: str, rest: str) -> tuple[tuple[Key, MatchKind], ...]:
    """The identity keys of a role (``rest``: ``role/PATH/NAME``): anyone, the role by its path and name, its
    account."""
    return ((ANY, MatchKind.DIRECT), (("role-path", account, rest[5:]), MatchKind.ROLE),
            (("account", account), MatchKind.ACCOUNT))


def policy_principal_keys(kind: str, value: str) -> tuple[Key, ...]:
    """Reduce one entry of a Principal / NotPrincipal element to identity keys (empty: it can match nobody).

    Wildcards inside a principal ARN are not supported by AWS (only a bare ``*``), so such an entry matches nothing.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    v = value.strip()
    if kind == "AWS":
        if v == "*":
            return (ANY,)
        if _ACCOUNT_RE.match(v):
            return (("account", v),)
        m = _IAM_ARN_RE.match(v)
        if not m or "*" in v or "?" in v:
            return ()
        _, service, account, rest = m.groups()
        if service == "iam" and rest == "root":
            return (("account", account),)
        if service == "iam" and rest.startswith("user/"):
            return (("user", account, rest[5:]),)
        if service == "iam" and rest.startswith("role/"):
            # By name (a session whose role path is unknown) and by full path (when it is known).
            return (("role", account, rest.rsplit("/", 1)[1]), ("role-path", account, rest[5:]))
        if service == "sts" and rest.startswith("assumed-role/"):
            parts = rest.split("/")
            if len(parts) >= 3:
                return (("session", account, parts[1], "/".join(parts[2:])),)
            return ()
        if service == "sts" and rest.startswith("federated-user/"):
            return (("federated-user", account, rest.split("/", 1)[1]),)
        return ()
    if kind == "Service":
        return (ANY,) if v == "*" else (("service", v),)
    if kind == "Federated":
        return (("federated", v),)
    if kind == "CanonicalUser":
        return (("canonical", v),)
    return ()
