"""Network ACL evaluation: entries in rule-number order, the first that matches decides, 32767 denies the rest.

VPC User Guide, "Network ACLs": "Rules are evaluated starting with the lowest numbered rule. As soon as a rule
matches traffic, it's applied regardless of any higher-numbered rule that may contradict it"; a packet that matches
no rule is denied by the ``*`` rule; IPv4 and IPv6 entries are separate. Evaluated over a whole traffic set at once, so
one call answers for a port range (the ephemeral ports of a reply) as well as for one packet.
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.network.addresses import Address
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import AclEntry, NetworkAcl
from parc.core.network.traffic import ICMP, ICMP_REPLY, ICMPV6, ICMPV6_REPLY, TCP, UDP, UNIVERSE, block, port_range


@dataclass(frozen=True, slots=True)
class AclPiece:
    """A part of the traffic and the entry that decided it (``None``: the final ``*`` deny)."""

    entry: AclEntry | None
    traffic: IntervalSet

    @property
    def allow(self) -> bool:
        return self.entry is not None and self.entry.allow

    def describe(self) -> str:
        if self.entry is None:
            return "rule *: deny all traffic (no rule matched)"
        return self.entry.describe()


@dataclass(frozen=True, slots=True)
class AclDecision:
    allowed: IntervalSet
    pieces: tuple[AclPiece, ...]

    @property
    def allow_pieces(self) -> tuple[AclPiece, ...]:
        return tuple(p for p in self.pieces if p.allow)

    @property
    def deny_pieces(self) -> tuple[AclPiece, ...]:
        return tuple(p for p in self.pieces if not p.allow)


def entries_for(acl: NetworkAcl, egress: bool, version: int) -> list[AclEntry]:
    return [e for e in acl.entries if e.egress == egress and e.cidr.version == version]


def evaluate(acl: NetworkAcl, egress: bool, peer: Address, traffic: IntervalSet = UNIVERSE) -> AclDecision:
    """Split ``traffic`` to or from ``peer`` into what the ACL allows and denies, naming the deciding entry."""
    remaining = traffic
    allowed = EMPTY
    pieces: list[AclPiece] = []
    for entry in acl.entries:
        if not remaining:
            break
        if entry.egress != egress or peer not in entry.cidr:
            continue
        hit = remaining & entry.traffic
        if not hit:
            continue
        pieces.append(AclPiece(entry, hit))
        if entry.allow:
            allowed = allowed | hit
        remaining = remaining - hit
    if remaining:
        pieces.append(AclPiece(None, remaining))
    return AclDecision(allowed, tuple(pieces))


_OTHER_PROTOCOLS = UNIVERSE - block(TCP) - block(UDP) - block(ICMP) - block(ICMPV6)


def reply_passes(allowed: IntervalSet, ephemeral: tuple[int, int], require_all: bool) -> IntervalSet:
    """The forward traffic whose reply an ACL lets through, given what it allows towards the client.

    A reply to TCP/UDP goes to the client's ephemeral port; ``require_all`` asks for every port of the range (a
    guarantee for any client), otherwise one port is enough (some client gets through). An ICMP request's reply is
    its answer type (echo 8 -> 0, ...); other ICMP types have no reply; other protocols reply in kind.
    """
    ok = _OTHER_PROTOCOLS & allowed
    for proto in (TCP, UDP):
        eph = port_range(proto, *ephemeral)
        if (allowed.issuperset(eph) if require_all else allowed.overlaps(eph)):
            ok = ok | block(proto)
    for proto, replies in ((ICMP, ICMP_REPLY), (ICMPV6, ICMPV6_REPLY)):
        base = proto * 65536
        keep = block(proto)
        for req, rep in replies.items():
            if base + rep * 256 not in allowed:
                keep = keep - IntervalSet.span(base + req * 256, base + req * 256 + 255)
        ok = ok | keep
    return ok


def reply_traffic(forward: IntervalSet, ephemeral: tuple[int, int]) -> IntervalSet:
    """The packets that answer a forward traffic set (for explaining which reply an ACL judged)."""
    out = EMPTY
    for proto in (TCP, UDP):
        if forward.overlaps(block(proto)):
            out = out | port_range(proto, *ephemeral)
    for proto, replies in ((ICMP, ICMP_REPLY), (ICMPV6, ICMPV6_REPLY)):
        base = proto * 65536
        for req, rep in replies.items():
            if forward.overlaps(IntervalSet.span(base + req * 256, base + req * 256 + 255)):
                out = out | IntervalSet.point(base + rep * 256)
    return out | (forward & _OTHER_PROTOCOLS)
