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

What the snapshot does not describe is never counted as closed (``parc.core.network.unknowns``): a subnet whose network
ACL or route table is unknown, a security group of the interface that is not described, a prefix list without its
entries, each may open traffic. Such traffic is listed as open, its rule marked ``unknown`` with the reason, and the
exposure lists what is missing; ``confirmed`` is what is open whatever the missing data says.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.acl import reply_passes
from parc.core.network.addresses import INTERNET, Address, to_cidrs
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import FOLLOWED_KINDS, Eni, SgRule
from parc.core.network.network import Network
from parc.core.network.routing import cut_points
from parc.core.network.traffic import UNIVERSE, Span, spans
from parc.core.network.unknowns import Unknown, describe_kind


@dataclass(frozen=True, slots=True)
class _Zone:
    lo: int
    hi: int
    open: IntervalSet
    acl_rules: tuple[str, ...]
    assumed: bool = False
    """Open only if what the snapshot does not describe (the ACL, the route) lets it be."""


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
    unknown: str | None = None
    """Set when this is open only if something the snapshot does not describe allows it (which, and why)."""
    group: str | None = None
    """A security group of the interface that the snapshot does not describe (``rule`` is then ``None``)."""

    @property
    def rule_text(self) -> str:
        if self.rule is not None:
            return f"{self.rule.ref()}: {self.rule.describe()}"
        if self.group is not None:
            return f"{self.group}: rules unknown (not in the snapshot)"
        return "no security group"

    def to_dict(self) -> dict[str, object]:
        return {
            "security_group": self.rule.group_id if self.rule else self.group,
            "rule": self.rule_text,
            "open": [s.to_dict() for s in spans(self.traffic)],
            "sources": list(self.sources),
            "acl_rules": list(self.acl_rules),
            "unknown": self.unknown,
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
    unknown: tuple[Unknown, ...] = field(default=())
    """What the snapshot does not describe on the way in; some of ``traffic`` is then only possibly open."""

    @property
    def open(self) -> list[Span]:  # io-ok: the open port ranges, not file I/O
        return spans(self.traffic)

    @property
    def confirmed(self) -> IntervalSet:
        """What is open whatever the undescribed components do (all of ``traffic`` when nothing is unknown)."""
        out = EMPTY
        for r in self.rules:
            if r.unknown is None:
                out = out | r.traffic
        return out

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
            "confirmed_open": [s.to_dict() for s in spans(self.confirmed)],
            "unknown": [u.to_dict() for u in self.unknown],
        }


_Built = tuple[list[_Zone], str | None, str, tuple[Unknown, ...]]


class _Zones:
    def __init__(self, net: Network) -> None:
        self.net = net
        self.cache: dict[tuple[str, str, int], _Built] = {}
        # What the table being built leaves unknown (set by _build, read by _zone).
        self.routes_unknown = False
        self.hidden = False
        self.hidden_to_igw = False

    def get(self, eni: Eni, version: int, igw: str) -> _Built:
        key = (eni.subnet_id, eni.vpc_id, version)
        if key not in self.cache:
            self.cache[key] = self._build(eni, version, igw)
        return self.cache[key]

    def _build(self, eni: Eni, version: int, igw: str) -> _Built:
        net = self.net
        table = net.route_table_for(eni.subnet_id, eni.vpc_id)
        acl = net.acl_for(eni.subnet_id, eni.vpc_id)
        unknown: list[Unknown] = []
        hidden = net.unknown_prefix_routes(table, None)
        self.routes_unknown = table.implicit
        self.hidden_to_igw = any(r.prefix_list_id in hidden and r.target == igw for r in table.routes)
        self.hidden = bool(hidden)
        if table.implicit:
            unknown.append(Unknown(
                f"route table of {eni.subnet_id}", "route-table",
                describe_kind("RouteTables") if "RouteTables" in net.absent
                else f"the route table of {eni.subnet_id} (neither associated nor {eni.vpc_id}'s main table)",
                f"whether {eni.subnet_id} routes internet traffic to {igw} is unknown"))
        if hidden:
            unknown.append(Unknown(
                table.id, "route-table", "; ".join(f"{pl} (entries not in ManagedPrefixLists)" for pl in hidden),
                f"{table.id} routes prefix lists whose entries are not described: which internet addresses it sends "
                f"to {igw} is not certain"))
        beyond = sorted({f"{r.target} ({r.target_kind})" for r in table.routes if r.state == "active"
                         and r.target_kind not in FOLLOWED_KINDS and r.destination is not None
                         and r.destination.version == version
                         and INTERNET[version].overlaps(r.destination.as_set())})
        if beyond:
            unknown.append(Unknown(
                table.id, "route-table", "a model of " + ", ".join(beyond),
                f"{table.id} sends some internet addresses to {', '.join(beyond)}, which parc does not follow: "
                "whether replies to them reach the internet is unknown"))
        if acl is None:
            unknown.append(Unknown(
                f"network ACL of {eni.subnet_id}", "network-acl",
                describe_kind("NetworkAcls") if "NetworkAcls" in net.absent
                else f"the network ACL of {eni.subnet_id} (neither associated nor {eni.vpc_id}'s default ACL)",
                f"the network ACL of {eni.subnet_id} is unknown: it may admit any traffic"))
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
                            and zones[-1].acl_rules == zone.acl_rules and zones[-1].assumed == zone.assumed:
                        zones[-1] = _Zone(zones[-1].lo, zone.hi, zone.open, zone.acl_rules, zone.assumed)
                    else:
                        zones.append(zone)
                start = end + 1
        return zones, (acl.id if acl else None), table.id, tuple(unknown)

    def _zone(self, lo: int, hi: int, version: int, igw: str, table: object, acl: object) -> _Zone | None:
        from parc.core.network.model import NetworkAcl, RouteTable

        assert isinstance(table, RouteTable)
        addr = Address(version, lo)
        assumed = False
        if self.routes_unknown:
            assumed = True
        else:
            route = self.net.lookup_route(table, addr)
            if route is not None and route.state == "active" and route.target_kind not in FOLLOWED_KINDS:
                assumed = True  # replies leave through something parc does not follow (a middlebox, a transit gateway)
            elif route is None or route.target != igw or route.state != "active":
                if not self.hidden_to_igw:
                    return None
                assumed = True  # a prefix list whose entries are unknown may send these addresses to the gateway
            elif self.hidden and (route.destination is None or route.destination.prefixlen < (
                    32 if version == 4 else 128)):
                assumed = True  # ... or away from it
        if not isinstance(acl, NetworkAcl):
            return _Zone(lo, hi, UNIVERSE, ("(network ACL unknown)",), True)
        inbound = acl_evaluate(acl, False, addr)
        outbound = acl_evaluate(acl, True, addr)
        open_ = inbound.allowed & reply_passes(outbound.allowed, self.net.ephemeral, require_all=False)
        if not open_:
            return _Zone(lo, hi, EMPTY, (), assumed)
        rules = tuple(f"{acl.id} ingress {p.describe()}" for p in inbound.allow_pieces)
        return _Zone(lo, hi, open_, rules, assumed)


def _rule_addresses(net: Network, rule: SgRule, version: int) -> IntervalSet:
    p = rule.peer
    if p.kind == "cidr" and p.cidr is not None and p.cidr.version == version:
        return p.cidr.as_set()
    if p.kind == "prefix-list":
        pl = net.prefix_lists.get(p.ref or "")
        if pl is not None:
            return IntervalSet.of((c.lo, c.hi) for c in pl.cidrs if c.version == version)
        return INTERNET[version]  # entries unknown: any address (the candidate is marked unknown)
    # A rule naming a security group matches private addresses of its members: never an internet source.
    return EMPTY


def _meet(zones: list[_Zone], addresses: IntervalSet) -> Iterator[tuple[_Zone, IntervalSet]]:
    for z in zones:
        part = addresses.clip(z.lo, z.hi)
        if part:
            yield z, part


def _exposure(net: Network, zones_cache: _Zones, eni: Eni, version: int) -> Exposure | None:
    igw = net.igw_of(eni.vpc_id)
    if igw is None:
        if "InternetGateways" not in net.absent or not net.route_table_for(eni.subnet_id, eni.vpc_id).implicit:
            return None  # described: no gateway attached, or no route of the VPC leads to one
        igw = f"internet gateway of {eni.vpc_id}"
    if version == 4:
        addresses = tuple(pub for _prv, pub in eni.public_ips)
    else:
        addresses = tuple(a for a in eni.ipv6_addresses if a.value in INTERNET[6])
    if not addresses:
        return None
    zones, acl_id, rtb_id, unknown = zones_cache.get(eni, version, igw)
    if not zones:
        return None
    internet = INTERNET[version]
    routed = IntervalSet.of((z.lo, z.hi) for z in zones)
    opened: list[OpenRule] = []
    total = EMPTY
    unknown_list = list(unknown)
    # (rule, undescribed group, traffic, addresses, why it is only possibly open)
    candidates: list[tuple[SgRule | None, str | None, IntervalSet, IntervalSet, str | None]] = []
    if eni.filtered_by_security_groups:
        for r in net.rules(eni, False):
            pl_unknown = r.peer.kind == "prefix-list" and not net.prefix_list_known(r.peer.ref)
            why = f"{r.peer.ref}: its entries are not in the snapshot" if pl_unknown else None
            candidates.append((r, None, r.traffic, _rule_addresses(net, r, version), why))
            if pl_unknown:
                unknown_list.append(Unknown(str(r.peer.ref), "prefix-list",
                                            f"{r.peer.ref} (entries not in ManagedPrefixLists)",
                                            f"{r.ref()} admits {r.peer.ref}, whose addresses are unknown"))
        for gid in net.unknown_groups(eni):
            candidates.append((None, gid, UNIVERSE, internet, f"{gid}: not in the snapshot, its rules are unknown"))
            unknown_list.append(Unknown(
                gid, "security-group",
                describe_kind("SecurityGroups") if "SecurityGroups" in net.absent
                else f"{gid} (not in SecurityGroups)",
                f"{gid} is a security group of {eni.id} that the snapshot does not describe: it may admit any "
                "traffic"))
    else:
        candidates = [(None, None, UNIVERSE, internet, None)]
    edge = net.gateway_table(igw)
    behind = next((prv for prv, pub in eni.public_ips if pub in addresses), None) if version == 4 else (
        addresses[0] if addresses else None)
    via = net.lookup_route(edge, behind) if edge is not None and behind is not None else None
    if via is not None and via.target_kind != "local":
        assert edge is not None
        middlebox = Unknown(via.target, via.target_kind, f"a model of {via.target_kind} (a middlebox parc does not "
                            "follow)", f"{edge.id}, the route table of {igw}, sends {behind} to {via.target} first: "
                            "what that appliance lets through is unknown")
        unknown = (*unknown, middlebox)
        unknown_list.append(middlebox)
        zones = [_Zone(z.lo, z.hi, z.open, z.acl_rules, True) for z in zones]
    zone_unknown = next((u.message for u in unknown), None)
    for rule, group, traffic, addrs, why in candidates:
        addrs = addrs & internet
        if not addrs:
            continue
        # Group the zones by what they let through this rule, so each entry is exact: all of its traffic is open
        # from all of its sources (and either certainly or only possibly).
        groups: dict[tuple[IntervalSet, bool], tuple[IntervalSet, list[str]]] = {}
        for zone, part in _meet(zones, addrs):
            hit = traffic & zone.open
            if hit:
                key = (hit, zone.assumed)
                sources, acl_rules = groups.get(key, (EMPTY, []))
                acl_rules.extend(r for r in zone.acl_rules if r not in acl_rules)
                groups[key] = (sources | part, acl_rules)
        for (got, assumed), (sources, acl_rules) in groups.items():
            if rule is not None and rule.peer.kind == "cidr" and sources == addrs & routed:
                shown: tuple[str, ...] = (str(rule.peer),)
            elif why is not None and sources == addrs & routed:
                shown = ("(unknown)",)
            else:
                cidrs = to_cidrs(sources, version)
                shown = tuple(cidrs[:16]) + ((f"... {len(cidrs) - 16} more",) if len(cidrs) > 16 else ())
            reason = why or (zone_unknown if assumed else None)
            opened.append(OpenRule(rule, got, shown, tuple(acl_rules), sources, version, reason, group))
            total = total | got
    if not total:
        return None
    inst = net.instances.get(eni.instance_id or "")
    notes: list[str] = []
    if inst is not None and inst.state != "running":
        notes.append(f"instance is {inst.state}: exposed once it runs")
    used = tuple(u for u in unknown_list if any(r.unknown is not None for r in opened))
    return Exposure(eni, eni.instance_id, inst.name if inst else None, version, addresses, total, tuple(opened),
                    acl_id, rtb_id, igw, tuple(notes), used)


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
