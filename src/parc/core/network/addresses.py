"""IP addresses and CIDR blocks as integers, so that address ranges take part in interval arithmetic.

IPv4 and IPv6 never mix: every rule, route and ACL entry belongs to one version (VPC User Guide, "Route tables":
"CIDR blocks for IPv4 and IPv6 are treated separately"), so each set of addresses is kept per version.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from parc.core.network.intervals import IntervalSet

MAX = {4: 2**32 - 1, 6: 2**128 - 1}


@dataclass(frozen=True, slots=True, order=True)
class Address:
    version: int
    value: int

    def __str__(self) -> str:
        return str(ipaddress.ip_address(self.value) if self.version == 4 else ipaddress.IPv6Address(self.value))


@dataclass(frozen=True, slots=True)
class Cidr:
    version: int
    lo: int
    hi: int
    prefixlen: int
    text: str

    def __contains__(self, addr: object) -> bool:
        return isinstance(addr, Address) and addr.version == self.version and self.lo <= addr.value <= self.hi

    def as_set(self) -> IntervalSet:
        return IntervalSet.span(self.lo, self.hi)

    def __str__(self) -> str:
        return self.text


def parse_address(text: str) -> Address:
    """Parse one IPv4 or IPv6 address; raises ValueError with the offending text."""
    ip = ipaddress.ip_address(text.strip())
    return Address(ip.version, int(ip))


@lru_cache(maxsize=16384)
def parse_cidr(text: str) -> Cidr:
    """Parse a CIDR block leniently (host bits set are masked off, as AWS shows them normalised anyway).

    Kept per text (a Cidr is immutable; a text that is not a CIDR raises each time): the rules and ACL entries of an
    account name the same few blocks again and again (0.0.0.0/0, the VPC's, the office's), and ``ipaddress`` takes
    some 10 us to read one."""
    net = ipaddress.ip_network(text.strip(), strict=False)
    return Cidr(net.version, int(net.network_address), int(net.broadcast_address), net.prefixlen, str(net))


def whole(version: int) -> IntervalSet:
    return IntervalSet.span(0, MAX[version])


def _nets(*texts: str) -> IntervalSet:
    return IntervalSet.of((c.lo, c.hi) for c in map(parse_cidr, texts))


RFC1918 = _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
RFC6598 = _nets("100.64.0.0/10")
# Addresses that are never "the internet": RFC 1918, shared (RFC 6598), this-network, loopback, link-local,
# IETF protocol assignments, documentation nets, benchmarking, multicast and reserved (IANA special-purpose registry).
_NOT_INTERNET_V4 = RFC1918 | RFC6598 | _nets(
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4"
)
# IPv6: only global unicast (2000::/3) is routable on the internet.
_INTERNET_V6 = _nets("2000::/3")
INTERNET = {4: whole(4) - _NOT_INTERNET_V4, 6: _INTERNET_V6}


def is_internet(addr: Address) -> bool:
    """True for an address that can be a host on the internet (public IPv4, global unicast IPv6)."""
    return addr.value in INTERNET[addr.version]


def is_rfc1918(addr: Address) -> bool:
    return addr.version == 4 and addr.value in RFC1918


def is_rfc6598(addr: Address) -> bool:
    return addr.version == 4 and addr.value in RFC6598


def to_cidrs(addresses: IntervalSet, version: int) -> list[str]:
    """The shortest list of CIDR blocks covering exactly the set (for people to read)."""
    return list(_cidrs(addresses, version))


@lru_cache(maxsize=4096)
def _cidrs(addresses: IntervalSet, version: int) -> tuple[str, ...]:
    """``to_cidrs``, once per set: the interfaces of a subnet behind the same rules show the same sources."""
    out: list[str] = []
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    for lo, hi in addresses:
        out.extend(str(n) for n in ipaddress.summarize_address_range(cls(lo), cls(hi)))
    return tuple(out)
