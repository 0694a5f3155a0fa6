"""cedarpy (Cedar's Rust engine from Python), on the IAM policies translated by :mod:`cedar_translate`.

The policy set and the (empty) entity set are parsed once into cedarpy handles; each request's context is built
from the IAM request (that conversion is part of the measured cost: a Cedar user has to build it too), and
requests go to ``is_authorized_batch`` in chunks. A Deny whose reasons name a policy is an explicit deny (a
``forbid`` held); a Deny with no reasons is the implicit one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Json, Peer, PeerUnavailable
from .cedar_translate import Translation, cedar_context, translate

BATCH = 2000


class CedarPeer(Peer):
    name = "cedar"

    def __init__(self) -> None:
        try:
            import cedarpy
        except ImportError as exc:
            raise PeerUnavailable(
                f"cedarpy is not installed ({exc}); install the bench extra: pip install -e '.[bench]'"
            ) from exc
        self._cedar: Any = cedarpy
        self._policies: Any = None
        self._entities: Any = cedarpy.Entities.from_json_str("[]")
        self.translation = Translation("", {})
        self.notes = ("IAM translated to Cedar; ${aws:username} in patterns expanded over the workload's users",)

    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        self.translation = translate(policies, usernames)
        self._policies = self._cedar.PolicySet.from_str(self.translation.text)
        if self.translation.skipped:
            self.notes = (*self.notes, f"{len(self.translation.skipped)} statements do not translate (left out)")

    def _request(self, request: Json) -> Json:
        return {
            "principal": {"type": "User", "id": str((request.get("context") or {}).get("aws:username", "anonymous"))},
            "action": {"type": "Action", "id": str(request["action"]).lower()},
            "resource": {"type": "Resource", "id": str(request.get("resource", "*"))},
            "context": cedar_context(request, self.translation.key_types),
        }

    def _decision(self, result: Any) -> str:
        if result.allowed:
            return ALLOW
        errors = result.diagnostics.errors
        if errors:
            raise RuntimeError(f"cedar: evaluation errors {errors}")
        return EXPLICIT_DENY if result.diagnostics.reasons else IMPLICIT_DENY

    def decide(self, request: Json) -> str:
        return self._decision(self._cedar.is_authorized(self._request(request), self._policies, self._entities))

    def decide_many(self, requests: Sequence[Json]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(requests), BATCH):
            chunk = [self._request(r) for r in requests[i : i + BATCH]]
            results = self._cedar.is_authorized_batch(chunk, self._policies, self._entities)
            out.extend(self._decision(r) for r in results)
        return out
