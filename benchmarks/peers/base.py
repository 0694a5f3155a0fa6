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


_SPELLINGS: Final = {
    "allow": ALLOW,
    "allowed": ALLOW,
    "explicitdeny": EXPLICIT_DENY,
    "explicitlydenied": EXPLICIT_DENY,
    "implicitdeny": IMPLICIT_DENY,
    "implicitlydenied": IMPLICIT_DENY,
    "deny": DENY,
    "denied": DENY,
}
_SEEN: dict[str, str] = {d: d for d in DECISIONS}
"""Decision texts already normalised. normalize runs inside the timed loop of engines whose answers are not yet
the benchmark's strings, so the common case is one dict lookup, not a rebuild of the text per decision."""


def normalize(decision: object) -> str:
    """``Decision.ALLOW``, ``"explicit_deny"``, ``"ExplicitDeny"`` ... -> one of :data:`DECISIONS`."""
    value = getattr(decision, "value", decision)
    if not isinstance(value, str):
        value = getattr(decision, "name", str(decision))
    text = str(value)
    found = _SEEN.get(text)
    if found is not None:
        return found
    key = "".join(c for c in text.lower() if c.isalpha())
    if key not in _SPELLINGS:
        raise ValueError(f"not a decision: {decision!r}")
    if len(_SEEN) < 1024:
        _SEEN[text] = _SPELLINGS[key]
    return _SPELLINGS[key]
