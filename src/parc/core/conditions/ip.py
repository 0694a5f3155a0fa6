"""IpAddress and NotIpAddress: IPv4 and IPv6 addresses and CIDR ranges.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
"The value must be in the standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you
specify an IP address without the associated routing prefix, IAM uses the default prefix value of /32" (/128 for
IPv6). Ranges are parsed once into (version, network, mask) integers, so a test is a mask and a compare. An IPv4
address never falls in an IPv6 range or the reverse. No policy variables.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from parc.core.conditions.base import Comparer, LastCheck, OperatorSpec, Resolved, parsed_values

KIND = "an IP address"

Network = tuple[int, int, int]
"""(version, network address, netmask) as integers."""


def parse_network(text: str) -> Network | None:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return net.version, int(net.network_address), int(net.netmask)


# One octet: 0-255 without leading zeros (ipaddress rejects them too).
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_DOTTED_QUAD = re.compile(r"\.".join([_OCTET] * 4), re.ASCII)
_SHAPE: Final = LastCheck()


@lru_cache(maxsize=4096)
def parse_address(text: str) -> tuple[int, int] | None:
    # The common case, a dotted IPv4 address, without ipaddress's object construction (several times slower);
    # anything unusual goes to ipaddress, which decides what is valid (leading zeros are not, for example).
    m = _DOTTED_QUAD.fullmatch(text)
    if m is not None:
        a, b, c, d = m.groups()
        return 4, int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    return addr.version, int(addr)


def _octet_prefixes(nets: Sequence[Network]) -> tuple[tuple[str, ...], frozenset[str], bool] | None:
    """IPv4 ranges on octet boundaries (/0, /8, /16, /24, /32: nearly every range in real policies) as text:
    (prefixes such as "10." or "192.0.2.", exact addresses, whether /0 is there), or None when any range is not."""
    prefixes: list[str] = []
    exact: set[str] = set()
    everything = False
    for version, net, mask in nets:
        if version != 4:
            return None
        length = bin(mask).count("1")
        if length % 8:
            return None
        octets = [str(net >> shift & 255) for shift in (24, 16, 8, 0)][: length // 8]
        if length == 0:
            everything = True
        elif length == 32:
            exact.add(".".join(octets))
        else:
            prefixes.append(".".join(octets) + ".")
    return tuple(prefixes), frozenset(exact), everything


def build_ip(values: Sequence[str], variables: bool) -> Comparer:
    good, bad = parsed_values(values, parse_network)
    nets = tuple(good)
    def test(r: str) -> bool | None:
        a = parse_address(r)
        if a is None:
            return None
        version, value = a
        for v, net, mask in nets:  # noqa: SIM110 - a loop, not any(genexpr): this runs per request
            if v == version and value & mask == net:
                return True
        return False


    textual = _octet_prefixes(nets)
    if textual is not None:
        prefixes, exact, everything = textual
        dotted = _DOTTED_QUAD.fullmatch

        def test_text(r: str) -> bool | None:
            # A well-formed dotted quad is in an octet-aligned range exactly when its text starts with the range's
            # octets and a dot; anything else (IPv6, malformed) takes the general test below.
            last = _SHAPE.last
            if last[0] is not r:
                last = (r, dotted(r) is not None)
                _SHAPE.last = last
            if not last[1]:
                return test(r)
            return everything or r.startswith(prefixes) or r in exact

        return Comparer(KIND, static=Resolved(test_text, not bad, bad))
    return Comparer(KIND, static=Resolved(test, not bad, bad))


OPERATORS = (
    OperatorSpec("IpAddress", "IpAddress", build_ip),
    OperatorSpec("NotIpAddress", "IpAddress", build_ip, negated=True),
)
