"""parc itself behind the peers' interface: ``parc.compile(identity_policies=...)`` once, then
``engine.authorize(request)`` / ``engine.authorize_many(requests)``, each decision's ``.decision`` normalised.

Until parc's engine lands the adapter raises :class:`PeerUnavailable` with the reason, and the runner prints
"parc: not available" instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Json, Peer, PeerUnavailable, normalize


def parc_module() -> Any:
    try:
        import parc
    except ImportError as exc:
        raise PeerUnavailable(f"parc is not importable ({exc})") from exc
    return parc


class ParcEngine(Peer):
    name = "parc"

    def __init__(self) -> None:
        parc = parc_module()
        if not callable(getattr(parc, "compile", None)):
            raise PeerUnavailable("parc.compile is not there yet (the engine has not landed)")
        self._compile: Any = parc.compile
        self._engine: Any = None

    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        self._engine = self._compile(identity_policies=list(policies))

    def decide(self, request: Json) -> str:
        return normalize(self._engine.authorize(request).decision)

    def decide_many(self, requests: Sequence[Json]) -> list[str]:
        many = getattr(self._engine, "authorize_many", None)
        if many is None:
            return super().decide_many(requests)
        return [normalize(d.decision) for d in many(list(requests))]
