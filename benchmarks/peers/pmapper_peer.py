"""PMapper 1.1.5's local policy simulation (``principalmapper.querying.local_policy_simulation``).

``policy_has_matching_statement`` is asked first for a matching Deny, then for a matching Allow, over each policy,
with the request context in PMapper's ``CaseInsensitiveDict`` — the same order PMapper's own local simulation
follows for identity policies. What PMapper does differently from AWS: no policy variables in condition values
(so ``StringLike`` with ``${aws:username}`` never matches), ``*`` in a resource ARN may cross colons, and
``sts:GetCallerIdentity`` is not special.

PMapper 1.1.5 imports ``Mapping`` / ``MutableMapping`` from ``collections``, which Python 3.10 removed; importing it
fails on Python 3.11. The adapter puts the ``collections.abc`` classes back under those names before the import
(only in the benchmark process, only if absent), which is all PMapper needs.
"""

from __future__ import annotations

import collections
import collections.abc
from collections.abc import Sequence
from typing import Any

from .base import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Json, Peer, PeerUnavailable


def _import_pmapper() -> tuple[Any, Any]:
    for name in ("Mapping", "MutableMapping"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    try:
        from principalmapper.querying.local_policy_simulation import policy_has_matching_statement
        from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict
    except ImportError as exc:
        raise PeerUnavailable(
            f"principalmapper is not installed ({exc}); install the bench extra: pip install -e '.[bench]'"
        ) from exc
    return policy_has_matching_statement, CaseInsensitiveDict


class PMapperPeer(Peer):
    name = "pmapper"
    notes = ("no variables in condition values; '*' crosses ':' in ARNs",)

    def __init__(self) -> None:
        self._match, self._ctx_cls = _import_pmapper()
        self._policies: list[Json] = []

    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        self._policies = [dict(doc) for doc in policies]

    def decide(self, request: Json) -> str:
        action = request["action"]
        resource = request.get("resource", "*")
        ctx = self._ctx_cls({k: v for k, v in (request.get("context") or {}).items()})
        match = self._match
        if any(match(p, "Deny", action, resource, ctx) for p in self._policies):
            return EXPLICIT_DENY
        if any(match(p, "Allow", action, resource, ctx) for p in self._policies):
            return ALLOW
        return IMPLICIT_DENY
