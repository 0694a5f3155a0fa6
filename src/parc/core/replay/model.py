"""One logged call, as replay re-decides it: who (the principal as the engine sees it, and as reported), which IAM
actions, on which resource, with which request context, and whether AWS denied it at the time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Call:
    principal: str
    """The ARN the engine decides for: an IAM user, a role session (``arn:aws:sts::...:assumed-role/R/S``) or root."""
    reported: str
    """The ARN reported and grouped by: the user, the role behind a session, the account root."""
    actions: tuple[str, ...]
    """The IAM actions the call needed (most calls need one; a few need two)."""
    resource: str | None
    """The resource ARN (``*`` for actions without resource-level permissions); None when the record does not say
    enough to build it (the call then counts as used, but is not re-decided)."""
    context: Mapping[str, object] = field(default_factory=dict)
    resource_account: str | None = None
    """The account that owns the resource when its ARN names none (S3): the record's ``recipientAccountId``."""
    denied_in_log: bool = False
    """AWS refused the call (errorCode AccessDenied and the like): counted apart, never re-decided as a break."""
    where: str = ""
    """The file and line (or record index) it was read from."""


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A record that cannot be replayed, with why (the counts are reported by reason)."""

    reason: str
    used: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(principal, actions) still known to have been used (a call whose resource could not be built)."""
