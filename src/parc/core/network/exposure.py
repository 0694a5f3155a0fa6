"""``exposed``: every ENI the internet can reach, with the exact protocol/port ranges and the rules that open them.

Interval arithmetic end to end: the internet's addresses (public IPv4, global IPv6) are cut into zones wherever a
route or ACL entry of the subnet changes its answer; in each zone the ACL's verdict is computed once for all traffic
(inbound, and the reply outbound on the client's ephemeral ports); each security group rule's source range is then
met with those zones. Nothing enumerates a port or an address, so a /0 costs what a /32 costs.

An ENI is reachable from the internet only at a public IPv4 / Elastic IP or a global IPv6 address, in a subnet whose
route table sends the source to an attached internet gateway (VPC User Guide, "Internet gateways"); replies need the
ACL's outbound rules (stateless), security groups need only the inbound rule (stateful). A client's ephemeral port is
its own choice: the reply needs one of the configured ephemeral ports to pass, not all of them (``check`` is stricter:
it answers for every client).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.acl import reply_passes
from parc.core.network.addresses import INTERNET, Address, to_cidrs
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import Eni, SgRule
from parc.core.network.network import Network
from parc.core.network.routing import cut_points
from parc.core.network.traffic import UNIVERSE, Span, spans


@dataclass(frozen=True, slots=True)
class _Zone:
    lo: int
    hi: int
    open: IntervalSet
    acl_rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenRule:
    """One security group rule and what it opens to the internet, after ACLs and routes have had their say."""

    rule: SgRule | None
    """``None`` for an interface that no security group filters (a load balancer node)."""
    traffic: IntervalSet
    sources: tuple[str, ...]
    """For people: the rule's own source when nothing narrowed it, else the exact CIDR blocks (first 16)."""
    acl_rules: tuple[str, ...]
    addresses: IntervalSet = EMPTY
    """Exactly the source addresses from which all of ``traffic`` is open."""
    version: int = 4

    def to_dict(self) -> dict[str, object]:
        return {
            "security_group": self.rule.group_id if self.rule else None,
            "rule": (f"{self.rule.ref()}: {self.rule.describe()}" if self.rule else "no security group"),
            "open": [s.to_dict() for s in spans(self.traffic)],
            "sources": list(self.sources),
            "acl_rules": list(self.acl_rules),
        }


@dataclass(frozen=True, slots=True)
class Exposure:
    eni: Eni
    instance_id: str | None
    instance_name: str | None
    version: int
    addresses: tuple[Address, ...]
    """The addresses the internet reaches it at (public IPv4 / Elastic IPs, or global IPv6 addresses)."""
    traffic: IntervalSet
    rules: tuple[OpenRule, ...]
    acl_id: str | None
    route_table_id: str
    igw_id: str
    notes: tuple[str, ...] = field(default=())

    @property
    def open(self) -> list[Span]:  # io-ok: the open port ranges, not file I/O
        return spans(self.traffic)

    def to_dict(self) -> dict[str, object]:
        return {
            "network_interface": self.eni.id,
            "instance": self.instance_id,
            "name": self.instance_name,
            "subnet": self.eni.subnet_id,
            "vpc": self.eni.vpc_id,
            "ip_version": self.version,
            "addresses": [str(a) for a in self.addresses],
            "open": [s.to_dict() for s in self.open],
            "rules": [r.to_dict() for r in self.rules],
            "network_acl": self.acl_id,
            "route_table": self.route_table_id,
            "internet_gateway": self.igw_id,
            "notes": list(self.notes),
        }


class _Zones:
    def __init__(self, net: Network) -> None:
        self.net = net
        self.cache: dict[tuple[str, str, int], tuple[list[_Zone], str | None, str]] = {}

    def get(self, eni: Eni, version: int, igw: str) -> tuple[list[_Zone], str | None, str]:
        key = (eni.subnet_id, eni.vpc_id, version)
        if key not in self.cache:
            self.cache[key] = self._build(eni, version, igw)
        return self.cache[key]

    def _build(self, eni: Eni, version: int, igw: str) -> tuple[list[_Zone], str | None, str]:
        net = self.net
        table = net.route_table_for(eni.subnet_id, eni.vpc_id)
        acl = net.acl_for(eni.subnet_id, eni.vpc_id)
        points = cut_points(table, version, net.prefix_lists)
        if acl is not None:
            for e in acl.entries:
                if e.cidr.version == version:
                    points.update((e.cidr.lo, e.cidr.hi + 1))
        zones: list[_Zone] = []
        for lo, hi in INTERNET[version]:
            cuts = sorted(p for p in points if lo < p <= hi)
            start = lo
            for end in [*(c - 1 for c in cuts), hi]:
                zone = self._zone(start, end, version, igw, table, acl)
                if zone is not None:
                    if zones and zones[-1].hi + 1 == zone.lo and zones[-1].open == zone.open \
                            and zones[-1].acl_rules == zone.acl_rules:
                        zones[-1] = _Zone(zones[-1].lo, zone.hi, zone.open, zone.acl_rules)
                    else:
                        zones.append(zone)
                start = end + 1
        return zones, (acl.id if acl else None), table.id

    def _zone(self, lo: int, hi: int, version: int, igw: str, table: object, acl: object) -> _Zone | None:
        from parc.core.network.model import NetworkAcl, RouteTable

        assert isinstance(table, RouteTable)
        addr = Address(version, lo)
        route = self.net.lookup_route(table, addr)
        if route is None or route.target != igw or route.state != "active":
            return None
        if not isinstance(acl, NetworkAcl):
            return _Zone(lo, hi, UNIVERSE, ("(no network ACL known: assumed open)",))
        inbound = acl_evaluate(acl, False, addr)
        outbound = acl_evaluate(acl, True, addr)
        open_ = inbound.allowed & reply_passes(outbound.allowed, self.net.ephemeral, require_all=False)
        if not open_:
            return _Zone(lo, hi, EMPTY, ())
        rules = tuple(f"{acl.id} ingress {p.describe()}" for p in inbound.allow_pieces)
        return _Zone(lo, hi, open_, rules)


def _rule_addresses(net: Network, rule: SgRule, version: int) -> IntervalSet:
    p = rule.peer
    if p.kind == "cidr" and p.cidr is not None and p.cidr.version == version:
        return p.cidr.as_set()
    if p.kind == "prefix-list":
        pl = net.prefix_lists.get(p.ref or "")
        if pl is not None:
            return IntervalSet.of((c.lo, c.hi) for c in pl.cidrs if c.version == version)
    # A rule naming a security group matches private addresses of its members: never an internet source.
    return EMPTY


def _meet(zones: list[_Zone], addresses: IntervalSet) -> Iterator[tuple[_Zone, IntervalSet]]:
    for z in zones:
        part = addresses & IntervalSet.span(z.lo, z.hi)
        if part:
            yield z, part


def _exposure(net: Network, zones_cache: _Zones, eni: Eni, version: int) -> Exposure | None:
    igw = net.igw_of(eni.vpc_id)
    if igw is None:
        return None
    if version == 4:
        addresses = tuple(pub for _prv, pub in eni.public_ips)
    else:
        addresses = tuple(a for a in eni.ipv6_addresses if a.value in INTERNET[6])
    if not addresses:
        return None
    zones, acl_id, rtb_id = zones_cache.get(eni, version, igw)
    if not zones:
        return None
    internet = INTERNET[version]
    routed = IntervalSet.of((z.lo, z.hi) for z in zones)
    opened: list[OpenRule] = []
    total = EMPTY
    candidates: list[tuple[SgRule | None, IntervalSet, IntervalSet]]
    if eni.filtered_by_security_groups:
        candidates = [(r, r.traffic, _rule_addresses(net, r, version)) for r in net.rules(eni, False)]
    else:
        candidates = [(None, UNIVERSE, internet)]
    for rule, traffic, addrs in candidates:
        addrs = addrs & internet
        if not addrs:
            continue
        # Group the zones by what they let through this rule, so each entry is exact: all of its traffic is open
        # from all of its sources.
        groups: dict[IntervalSet, tuple[IntervalSet, list[str]]] = {}
        for zone, part in _meet(zones, addrs):
            hit = traffic & zone.open
            if hit:
                sources, acl_rules = groups.get(hit, (EMPTY, []))
                acl_rules.extend(r for r in zone.acl_rules if r not in acl_rules)
                groups[hit] = (sources | part, acl_rules)
        for got, (sources, acl_rules) in groups.items():
            if rule is not None and rule.peer.kind == "cidr" and sources == addrs & routed:
                shown: tuple[str, ...] = (str(rule.peer),)
            else:
                cidrs = to_cidrs(sources, version)
                shown = tuple(cidrs[:16]) + ((f"... {len(cidrs) - 16} more",) if len(cidrs) > 16 else ())
            opened.append(OpenRule(rule, got, shown, tuple(acl_rules), sources, version))
            total = total | got
    if not total:
        return None
    inst = net.instances.get(eni.instance_id or "")
    notes: list[str] = []
    if inst is not None and inst.state != "running":
        notes.append(f"instance is {inst.state}: exposed once it runs")
    if acl_id is None:
        notes.append("no network ACL known for the subnet: assumed to allow")
    return Exposure(eni, eni.instance_id, inst.name if inst else None, version, addresses, total, tuple(opened),
                    acl_id, rtb_id, igw, tuple(notes))


def exposed(net: Network) -> list[Exposure]:
    """Every network interface reachable from the internet, IPv4 and IPv6 separately, ordered by id."""
    cache = _Zones(net)
    out: list[Exposure] = []
    for eni in sorted(net.snapshot.enis, key=lambda e: (e.instance_id or "~", e.id)):
        if eni.interface_type == "nat_gateway":
            continue  # a NAT gateway takes no unsolicited inbound connections (VPC User Guide, "NAT gateways")
        for version in (4, 6):
            exp = _exposure(net, cache, eni, version)
            if exp is not None:
                out.append(exp)
    return out
