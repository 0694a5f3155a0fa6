"""The engines the benchmark times side by side, each behind :class:`peers.base.Peer`.

``load(name)`` builds one, raising :class:`PeerUnavailable` (with the reason) when its library is missing; the
peers' libraries come from the optional ``bench`` extra and parc never needs them.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import ALLOW, DECISIONS, DENY, EXPLICIT_DENY, IMPLICIT_DENY, Peer, PeerUnavailable, normalize, same


def _naive() -> Peer:
    from .naive import NaivePeer

    return NaivePeer()


def _moto() -> Peer:
    from .moto_peer import MotoPeer

    return MotoPeer()


def _pmapper() -> Peer:
    from .pmapper_peer import PMapperPeer

    return PMapperPeer()


def _cedar() -> Peer:
    from .cedar_peer import CedarPeer

    return CedarPeer()


def _parc() -> Peer:
    from .parc_engine import ParcEngine

    return ParcEngine()


FACTORIES: dict[str, Callable[[], Peer]] = {
    "parc": _parc,
    "naive": _naive,
    "moto": _moto,
    "pmapper": _pmapper,
    "cedar": _cedar,
}
PEERS = ("naive", "moto", "pmapper", "cedar")
"""The peers, in the order the table lists them (parc comes first, outside this list)."""


def load(name: str) -> Peer:
    if name not in FACTORIES:
        raise KeyError(f"unknown engine {name!r}; known: {', '.join(FACTORIES)}")
    return FACTORIES[name]()


__all__ = [
    "ALLOW",
    "DECISIONS",
    "DENY",
    "EXPLICIT_DENY",
    "FACTORIES",
    "IMPLICIT_DENY",
    "PEERS",
    "Peer",
    "PeerUnavailable",
    "load",
    "normalize",
    "same",
]
