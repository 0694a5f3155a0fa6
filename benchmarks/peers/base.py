"""The one interface every engine in the benchmark sits behind: prepare once, then decide requests.

Decisions are the strings ``Allow``, ``ExplicitDeny`` and ``ImplicitDeny``; an engine that cannot tell the two
denies apart answers ``Deny`` and is compared on allowed-or-not only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Final

Json = dict[str, Any]

ALLOW: Final = "Allow"
EXPLICIT_DENY: Final = "ExplicitDeny"
IMPLICIT_DENY: Final = "ImplicitDeny"
DENY: Final = "Deny"
"""For an engine that has only allow / deny."""
DECISIONS: Final = frozenset({ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, DENY})


class PeerUnavailable(RuntimeError):
    """The peer's library is not installed or not usable here; the message says why and what to do."""


class Peer(ABC):
    name: str = ""
    three_valued: bool = True
    """False when the engine answers only ``Allow`` / ``Deny``."""
    notes: tuple[str, ...] = ()
    """What the adapter could not express or what the engine ignores, for the report."""

    @abstractmethod
    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        """Load the identity policies; ``usernames`` is the workload's closed set of users, for engines that cannot
        substitute ``${aws:username}`` at request time (Cedar)."""

    @abstractmethod
    def decide(self, request: Json) -> str: ...

    def decide_many(self, requests: Sequence[Json]) -> list[str]:
        decide = self.decide
        return [decide(r) for r in requests]


def same(a: str, b: str) -> bool:
    """Whether two decisions agree; with a two-valued side, only whether the request is allowed counts."""
    if a == DENY or b == DENY:
        return (a == ALLOW) == (b == ALLOW)
    return a == b


def normalize(decision: object) -> str:
    """``Decision.ALLOW``, ``"explicit_deny"``, ``"ExplicitDeny"`` ... -> one of :data:`DECISIONS`."""
    value = getattr(decision, "value", decision)
    if not isinstance(value, str):
        value = getattr(decision, "name", str(decision))
    key = "".join(c for c in str(value).lower() if c.isalpha())
    table = {
        "allow": ALLOW,
        "allowed": ALLOW,
        "explicitdeny": EXPLICIT_DENY,
        "explicitlydenied": EXPLICIT_DENY,
        "implicitdeny": IMPLICIT_DENY,
        "implicitlydenied": IMPLICIT_DENY,
        "deny": DENY,
        "denied": DENY,
    }
    if key not in table:
        raise ValueError(f"not a decision: {decision!r}")
    return table[key]
