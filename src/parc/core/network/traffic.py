"""Traffic as one integer line: protocol x port, so "what may pass" is a single IntervalSet.

Each IP protocol number owns a block of 65,536 values. For TCP and UDP the value is the destination port; for ICMP
and ICMPv6 it is ``type * 256 + code``; every other protocol has no ports, and rules on it always cover its whole
block (security group rules: "specifying -1 or a protocol number other than tcp, udp, icmp, or icmpv6 allows traffic
on all ports, regardless of any port range you specify", EC2 API IpPermission; network ACLs alike for protocols other
than 6, 17 and 1, CreateNetworkAclEntry).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parc.core.network.intervals import IntervalSet

BLOCK = 65536
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
UNIVERSE = IntervalSet.span(0, 256 * BLOCK - 1)
_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6}
_LABELS = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}

# ICMP requests whose answer is a different type; a stateless ACL must let the answer back (RFC 792, RFC 4443).
ICMP_REPLY = {8: 0, 13: 14, 15: 16, 17: 18}
ICMPV6_REPLY = {128: 129}


class ProtocolError(ValueError):
    pass


def parse_protocol(value: object) -> int | None:
    """A protocol as AWS writes it (``tcp``, ``"6"``, ``6``, ``-1``) as a number; ``None`` means all protocols."""
    text = str(value).strip().lower()
    if text in ("-1", "all"):
        return None
    if text in _NAMES:
        return _NAMES[text]
    try:
        number = int(text)
    except ValueError:
        raise ProtocolError(f"unknown protocol {value!r}: use tcp, udp, icmp, icmpv6, -1 or a number 0-255") from None
    if not 0 <= number <= 255:
        raise ProtocolError(f"protocol number {number} is out of range 0-255")
    return number


def protocol_label(proto: int | None) -> str:
    if proto is None:
        return "all"
    return _LABELS.get(proto, str(proto))


def has_ports(proto: int) -> bool:
    return proto in (TCP, UDP, ICMP, ICMPV6)


def block(proto: int) -> IntervalSet:
    return IntervalSet.span(proto * BLOCK, proto * BLOCK + BLOCK - 1)


def port_range(proto: int, lo: int, hi: int) -> IntervalSet:
    """TCP/UDP destination ports lo..hi of one protocol."""
    return IntervalSet.span(proto * BLOCK + max(lo, 0), proto * BLOCK + min(hi, BLOCK - 1))


def icmp_range(proto: int, icmp_type: int | None, icmp_code: int | None) -> IntervalSet:
    """ICMP type/code where ``None`` or -1 is "all"."""
    if icmp_type is None or icmp_type < 0:
        return block(proto)
    base = proto * BLOCK + icmp_type * 256
    if icmp_code is None or icmp_code < 0:
        return IntervalSet.span(base, base + 255)
    return IntervalSet.point(base + icmp_code)


def sg_rule_traffic(proto: int | None, from_port: int | None, to_port: int | None) -> IntervalSet:
    """What one security group permission covers (FromPort/ToPort hold the ICMP type and code for ICMP)."""
    if proto is None:
        return UNIVERSE
    if proto in (TCP, UDP):
        if from_port is None or to_port is None or from_port < 0:
            return block(proto)
        return port_range(proto, from_port, to_port)
    if proto in (ICMP, ICMPV6):
        return icmp_range(proto, from_port, to_port)
    return block(proto)


def acl_entry_traffic(
    proto: int | None, ports: tuple[int, int] | None, icmp: tuple[int, int] | None
) -> IntervalSet:
    """What one network ACL entry covers."""
    if proto is None:
        return UNIVERSE
    if proto in (TCP, UDP):
        return block(proto) if ports is None else port_range(proto, ports[0], ports[1])
    if proto in (ICMP, ICMPV6):
        return block(proto) if icmp is None else icmp_range(proto, icmp[0], icmp[1])
    return block(proto)


def packet(proto: int, port: int | None, icmp_code: int | None = 0) -> IntervalSet:
    """One packet of a ``check`` query; for ICMP, ``port`` is the type."""
    if proto in (TCP, UDP):
        if port is None:
            raise ProtocolError(f"{protocol_label(proto)} needs a port")
        if not 0 <= port <= 65535:
            raise ProtocolError(f"port {port} is out of range 0-65535")
        return IntervalSet.point(proto * BLOCK + port)
    if proto in (ICMP, ICMPV6):
        if port is None or not 0 <= port <= 255:
            raise ProtocolError("icmp needs its type (0-255) as --port")
        code = 0 if icmp_code is None else icmp_code
        if not 0 <= code <= 255:
            raise ProtocolError(f"icmp code {code} is out of range 0-255")
        return IntervalSet.point(proto * BLOCK + port * 256 + code)
    return IntervalSet.point(proto * BLOCK)


@dataclass(frozen=True, slots=True)
class Span:
    """One readable piece of a traffic set: a protocol and a range of ports (or ICMP types/codes)."""

    protocol: int | None
    lo: int
    hi: int
    last_protocol: int | None = None
    """Set when the span folds a run of port-less protocols ``protocol..last_protocol``."""

    @property
    def label(self) -> str:
        return protocol_label(self.protocol)

    def __str__(self) -> str:
        if self.protocol is None:
            return "all traffic"
        name = protocol_label(self.protocol)
        if self.last_protocol is not None and self.last_protocol != self.protocol:
            return f"protocols {self.protocol}-{self.last_protocol}"
        if not has_ports(self.protocol) or (self.lo == 0 and self.hi == BLOCK - 1):
            return f"{name} (all)" if has_ports(self.protocol) else f"protocol {name}"
        if self.protocol in (ICMP, ICMPV6):
            t1, c1, t2, c2 = self.lo // 256, self.lo % 256, self.hi // 256, self.hi % 256
            if t1 == t2 and c1 == 0 and c2 == 255:
                return f"{name} type {t1}"
            if t1 == t2 and c1 == c2:
                return f"{name} type {t1} code {c1}"
            if c1 == 0 and c2 == 255:
                return f"{name} types {t1}-{t2}"
            return f"{name} type/code {t1}/{c1}-{t2}/{c2}"
        return f"{name} {self.lo}" if self.lo == self.hi else f"{name} {self.lo}-{self.hi}"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"protocol": self.label}
        if self.last_protocol is not None and self.last_protocol != self.protocol:
            out["protocol"] = f"{self.protocol}-{self.last_protocol}"
        if self.protocol is not None and has_ports(self.protocol):
            if self.protocol in (ICMP, ICMPV6):
                out["from"] = {"type": self.lo // 256, "code": self.lo % 256}
                out["to"] = {"type": self.hi // 256, "code": self.hi % 256}
            else:
                out["from"], out["to"] = self.lo, self.hi
        return out


def spans(traffic: IntervalSet) -> list[Span]:
    """Split a traffic set into per-protocol pieces; the whole universe reads as one "all traffic" span."""
    if traffic == UNIVERSE:
        return [Span(None, 0, 0)]
    out: list[Span] = []
    for lo, hi in traffic:
        p = lo // BLOCK
        while p <= hi // BLOCK:
            a = max(lo, p * BLOCK) - p * BLOCK
            b = min(hi, p * BLOCK + BLOCK - 1) - p * BLOCK
            if has_ports(p) or (a == 0 and b == BLOCK - 1):
                out.append(Span(p, a, b))
            p += 1
    return _fold_portless(out)


def _fold_portless(items: list[Span]) -> list[Span]:
    """Fold runs of consecutive port-less protocols into one span, so "all but TCP" stays one line long."""
    out: list[Span] = []
    for s in items:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.protocol is not None
            and s.protocol is not None
            and not has_ports(prev.protocol)
            and not has_ports(s.protocol)
            and (prev.last_protocol or prev.protocol) + 1 == s.protocol
        ):
            out[-1] = Span(prev.protocol, 0, BLOCK - 1, s.protocol)
        else:
            out.append(s)
    return out


@lru_cache(maxsize=4096)
def describe(traffic: IntervalSet) -> str:
    """The traffic as text ("TCP 22, UDP 53"). Cached: a whole account's findings describe the same few port sets
    tens of thousands of times (IntervalSet is frozen, so equal sets share the entry)."""
    return ", ".join(str(s) for s in spans(traffic)) or "nothing"
