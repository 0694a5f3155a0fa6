"""Route selection: the most specific route wins; on a tie a CIDR route beats a prefix-list route.

VPC User Guide, "Route tables" / "Route priority": "we use the most specific route that matches the traffic (longest
prefix match)"; "If your route table contains a static route with a destination CIDR block that overlaps a static
route with a prefix list, the static route with the CIDR block takes priority" while "more specific routes always take
priority". A ``blackhole`` route still wins the match, and then drops the packet.
"""

from __future__ import annotations

from collections.abc import Mapping

from parc.core.network.addresses import Address
from parc.core.network.model import PrefixList, Route, RouteTable


def lookup(table: RouteTable, addr: Address, prefix_lists: Mapping[str, PrefixList]) -> Route | None:
    best: Route | None = None
    best_key = (-1, -1)
    for route in table.routes:
        key = (-1, -1)
        if route.destination is not None:
            if addr in route.destination:
                key = (route.destination.prefixlen, 1)
        elif route.prefix_list_id is not None:
            pl = prefix_lists.get(route.prefix_list_id)
            if pl is not None:
                lengths = [c.prefixlen for c in pl.cidrs if addr in c]
                if lengths:
                    key = (max(lengths), 0)
        if key > best_key:
            best, best_key = route, key
    return best


def cut_points(table: RouteTable, version: int, prefix_lists: Mapping[str, PrefixList]) -> set[int]:
    """Where the chosen route can change along the address line (interval starts and ends + 1)."""
    points: set[int] = set()
    for route in table.routes:
        cidrs = []
        if route.destination is not None:
            cidrs.append(route.destination)
        elif route.prefix_list_id is not None and route.prefix_list_id in prefix_lists:
            cidrs.extend(prefix_lists[route.prefix_list_id].cidrs)
        for c in cidrs:
            if c.version == version:
                points.add(c.lo)
                points.add(c.hi + 1)
    return points
