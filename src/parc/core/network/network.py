"""``Network``: a snapshot indexed once, then asked questions (check, exposed, matrix).

Prepare once, ask many times: lookups by id and by address are dictionaries built here, so a ``check`` costs a few
dozen rule comparisons whatever the size of the VPC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from parc.core.network import codes
from parc.core.network.addresses import Address, parse_address
from parc.core.network.intervals import IntervalSet
from parc.core.network.model import (
    Eni,
    Instance,
    NatGateway,
    NetworkAcl,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Snapshot,
    Subnet,
    Vpc,
)
from parc.core.network.results import CheckResult, Endpoint
from parc.core.network.sg import SgDecision
from parc.core.network.sg import evaluate as sg_evaluate
from parc.core.network.unknowns import snapshot_absent

if TYPE_CHECKING:
    from parc.core.findings import Finding
    from parc.core.network.exposure import Exposure
    from parc.core.network.matrix import Matrix

DEFAULT_EPHEMERAL = (1024, 65535)
"""VPC User Guide, "Network ACLs" / ephemeral ports: "to cover the different types of clients that might initiate
traffic to public-facing instances in your VPC, you can open ephemeral ports 1024-65535"."""

NAT_EPHEMERAL = (1024, 65535)
"""VPC User Guide, "NAT gateways": "NAT gateways use ports 1024-65535"."""


class UnknownEndpoint(ValueError):
    """A --from/--to that names nothing in the snapshot (an id) or is not an address."""


class Network:
    def __init__(self, snapshot: Snapshot, ephemeral: tuple[int, int] = DEFAULT_EPHEMERAL) -> None:
        lo, hi = ephemeral
        if not 0 <= lo <= hi <= 65535:
            raise ValueError(f"ephemeral port range {lo}-{hi} is not within 0-65535")
        self.snapshot = snapshot
        self.ephemeral = ephemeral
        self.vpcs: dict[str, Vpc] = {v.id: v for v in snapshot.vpcs}
        self.subnets: dict[str, Subnet] = {s.id: s for s in snapshot.subnets}
        self.route_tables: dict[str, RouteTable] = {t.id: t for t in snapshot.route_tables}
        self.security_groups: dict[str, SecurityGroup] = {g.id: g for g in snapshot.security_groups}
        self.network_acls: dict[str, NetworkAcl] = {a.id: a for a in snapshot.network_acls}
        self.enis: dict[str, Eni] = {e.id: e for e in snapshot.enis}
        self.instances: dict[str, Instance] = {i.id: i for i in snapshot.instances}
        self.nat_gateways: dict[str, NatGateway] = {n.id: n for n in snapshot.nat_gateways}
        self.peerings: dict[str, PeeringConnection] = {p.id: p for p in snapshot.peering_connections}
        self.prefix_lists: dict[str, PrefixList] = {p.id: p for p in snapshot.prefix_lists}
        self.absent: frozenset[str] = snapshot_absent(snapshot)
        """Whole kinds of data the snapshot lacks (``parc.core.network.unknowns``)."""
        self.igw_vpcs: dict[str, tuple[str, ...]] = {g.id: g.vpc_ids for g in snapshot.internet_gateways}
        self.eigw_vpcs: dict[str, tuple[str, ...]] = {g.id: g.vpc_ids for g in snapshot.egress_only_internet_gateways}
        for kind, attached in (("internet-gateway", self.igw_vpcs), ("egress-only-internet-gateway", self.eigw_vpcs)):
            if ("InternetGateways" if kind == "internet-gateway" else "EgressOnlyInternetGateways") in self.absent:
                # Not described: an active route to a gateway exists only while it is attached to the route table's
                # VPC (a detached gateway's routes turn blackhole), so the routes say where it is attached.
                for t in snapshot.route_tables:
                    for r in t.routes:
                        if r.target_kind == kind and r.state == "active" and t.vpc_id not in attached.get(r.target, ()):
                            attached[r.target] = (*attached.get(r.target, ()), t.vpc_id)

        self._rt_by_subnet: dict[str, RouteTable] = {}
        self._main_rt: dict[str, RouteTable] = {}
        for t in snapshot.route_tables:
            for sid in t.subnet_ids:
                self._rt_by_subnet[sid] = t
            if t.is_main:
                self._main_rt.setdefault(t.vpc_id, t)
        self._rt_by_gateway: dict[str, RouteTable] = {}
        for t in snapshot.route_tables:
            for gid in t.gateway_ids:
                self._rt_by_gateway[gid] = t
        self._acl_by_subnet: dict[str, NetworkAcl] = {}
        self._default_acl: dict[str, NetworkAcl] = {}
        for a in snapshot.network_acls:
            for sid in a.subnet_ids:
                self._acl_by_subnet[sid] = a
            if a.is_default:
                self._default_acl.setdefault(a.vpc_id, a)
        self._igw_of_vpc: dict[str, str] = {}
        for gid, vids in self.igw_vpcs.items():
            for vid in vids:
                self._igw_of_vpc.setdefault(vid, gid)
        self._nat_by_addr: dict[Address, NatGateway] = {}
        self._nat_by_eni: dict[str, NatGateway] = {}
        for n in snapshot.nat_gateways:
            for nat_addr in (*n.private_ips, *n.public_ips):
                self._nat_by_addr.setdefault(nat_addr, n)
            if n.eni_id:
                self._nat_by_eni[n.eni_id] = n

        self._by_private: dict[Address, list[Eni]] = defaultdict(list)
        self._by_public: dict[Address, tuple[Eni, Address]] = {}
        self.group_members: dict[str, list[Eni]] = defaultdict(list)
        for e in snapshot.enis:
            for ip in (*e.private_ips, *e.ipv6_addresses):
                self._by_private[ip].append(e)
            for prv, pub in e.public_ips:
                self._by_public.setdefault(pub, (e, prv))
            for gid in e.group_ids:
                self.group_members[gid].append(e)
        self._peer_pairs: dict[frozenset[str], list[PeeringConnection]] = defaultdict(list)
        for p in snapshot.peering_connections:
            self._peer_pairs[frozenset((p.requester_vpc_id, p.accepter_vpc_id))].append(p)
        self._rules_cache: dict[tuple[str, bool], tuple[SgRule, ...]] = {}

    # ---- lookups ---------------------------------------------------------------------------------------------

    def route_table_for(self, subnet_id: str, vpc_id: str) -> RouteTable:
        """The subnet's explicit route table, else the VPC's main one (VPC User Guide, "Route tables")."""
        table = self._rt_by_subnet.get(subnet_id) or self._main_rt.get(vpc_id)
        if table is not None:
            return table
        return self._implicit_table(vpc_id)

    def _implicit_table(self, vpc_id: str) -> RouteTable:
        from parc.core.network.model import Route as _Route

        vpc = self.vpcs.get(vpc_id)
        routes = tuple(_Route(c, None, "local", "local") for c in (vpc.cidrs if vpc else ()))
        return RouteTable(f"(main route table of {vpc_id})", vpc_id, routes, is_main=True, implicit=True)

    def gateway_table(self, gateway_id: str) -> RouteTable | None:
        """The route table associated with a gateway (ingress routing), if any."""
        return self._rt_by_gateway.get(gateway_id)

    def acl_for(self, subnet_id: str, vpc_id: str) -> NetworkAcl | None:
        """The subnet's ACL, else the VPC's default ACL ("If you don't explicitly associate a subnet with a network
        ACL, the subnet is automatically associated with the default network ACL")."""
        return self._acl_by_subnet.get(subnet_id) or self._default_acl.get(vpc_id)

    def unknown_groups(self, eni: Eni) -> tuple[str, ...]:
        """The interface's security groups that the snapshot does not describe (their rules are unknown)."""
        return tuple(g for g in eni.group_ids if g not in self.security_groups)

    def prefix_list_known(self, pl_id: str | None) -> bool:
        return pl_id is not None and pl_id in self.prefix_lists

    def nat_of_eni(self, eni: Eni) -> NatGateway | None:
        """The NAT gateway whose own interface this is (requester-managed, ``InterfaceType`` ``nat_gateway``)."""
        nat = self._nat_by_eni.get(eni.id)
        if nat is not None:
            return nat
        for a in eni.private_ips:
            found = self._nat_by_addr.get(a)
            if found is not None and found.vpc_id == eni.vpc_id:
                return found
        if eni.interface_type == "nat_gateway":
            return NatGateway(eni.id, eni.vpc_id, eni.subnet_id, private_ips=eni.private_ips,
                              public_ips=tuple(pub for _prv, pub in eni.public_ips), eni_id=eni.id)
        return None

    def igw_of(self, vpc_id: str) -> str | None:
        return self._igw_of_vpc.get(vpc_id)

    def igw_attached(self, igw_id: str, vpc_id: str) -> bool:
        return vpc_id in self.igw_vpcs.get(igw_id, ())

    def active_peerings(self, vpc_a: str, vpc_b: str) -> list[PeeringConnection]:
        return [p for p in self._peer_pairs.get(frozenset((vpc_a, vpc_b)), []) if p.status == "active"]

    def rules(self, eni: Eni, egress: bool) -> tuple[SgRule, ...]:
        key = (eni.id, egress)
        cached = self._rules_cache.get(key)
        if cached is None:
            out: list[SgRule] = []
            for gid in eni.group_ids:
                g = self.security_groups.get(gid)
                if g is not None:
                    out.extend(g.egress if egress else g.ingress)
            cached = self._rules_cache[key] = tuple(out)
        return cached

    def peer_matches(self, rule: SgRule, addr: Address, peer_eni: Eni | None) -> bool:
        """Does the other end of ``rule`` cover this address (sent by ``peer_eni`` when it is an ENI's own)?"""
        p = rule.peer
        if p.kind == "cidr":
            return p.cidr is not None and addr in p.cidr
        if p.kind == "prefix-list":
            pl = self.prefix_lists.get(p.ref or "")
            return pl is not None and any(addr in c for c in pl.cidrs)
        if p.kind == "group":
            if peer_eni is None or p.ref not in peer_eni.group_ids or not peer_eni.owns(addr):
                return False
            group = self.security_groups.get(rule.group_id)
            home = group.vpc_id if group else None
            if home is None or peer_eni.vpc_id == home:
                return True
            # A group in a peered VPC is referenced across an active peering in the same Region only.
            return any(not pc.cross_region for pc in self.active_peerings(home, peer_eni.vpc_id))
        return False

    def security_group_decision(self, eni: Eni, egress: bool, addr: Address, peer_eni: Eni | None) -> SgDecision:
        return sg_evaluate(self.rules(eni, egress), addr, peer_eni, self.peer_matches)

    def uncertain_rules(self, eni: Eni, egress: bool, addr: Address, peer_eni: Eni | None,
                        traffic: IntervalSet) -> list[str]:
        """Rules on ``traffic`` whose match the snapshot cannot decide, each as ``"<missing data>: <rule>"``: a
        prefix list whose entries are not described, or a group reference across a VPC boundary when peering
        connections are not described."""
        out: list[str] = []
        for rule in self.rules(eni, egress):
            if not rule.traffic.overlaps(traffic):
                continue
            p = rule.peer
            if p.kind == "prefix-list" and not self.prefix_list_known(p.ref):
                out.append(f"{p.ref} (entries not in ManagedPrefixLists): {rule.ref()}")
            elif (p.kind == "group" and "VpcPeeringConnections" in self.absent and peer_eni is not None
                  and p.ref in peer_eni.group_ids and peer_eni.owns(addr)):
                group = self.security_groups.get(rule.group_id)
                if group is not None and group.vpc_id and group.vpc_id != peer_eni.vpc_id:
                    out.append(f"VpcPeeringConnections (describe-vpc-peering-connections): {rule.ref()}")
        return out

    def inside_vpc(self, addr: Address, vpc_id: str) -> bool:
        """Is ``addr`` within the VPC (its CIDR blocks, or the private address of one of its interfaces)?"""
        vpc = self.vpcs.get(vpc_id)
        if vpc is not None and any(addr in c for c in vpc.cidrs):
            return True
        return any(e.vpc_id == vpc_id for e in self._by_private.get(addr, []))

    def unknown_prefix_routes(self, table: RouteTable, chosen: Route | None) -> list[str]:
        """Prefix lists of active routes whose entries are not described, when one of them could beat ``chosen``
        (only a host route, /32 or /128, is certain to be the most specific)."""
        if chosen is not None and chosen.destination is not None and chosen.destination.prefixlen == (
                32 if chosen.destination.version == 4 else 128):
            return []
        return sorted({r.prefix_list_id for r in table.routes if r.prefix_list_id is not None
                       and r.state == "active" and not self.prefix_list_known(r.prefix_list_id)})

    def lookup_route(self, table: RouteTable, addr: Address) -> Route | None:
        from parc.core.network.routing import lookup

        return lookup(table, addr, self.prefix_lists)

    def primary_eni(self, instance: Instance) -> Eni | None:
        for eid in instance.eni_ids:
            if eid in self.enis:
                return self.enis[eid]
        return None

    def instance_name(self, instance_id: str | None) -> str | None:
        inst = self.instances.get(instance_id or "")
        return inst.name if inst else None

    # ---- endpoints -------------------------------------------------------------------------------------------

    def resolve(self, text: str, version: int = 4, near: Endpoint | None = None, role: str = "source") -> Endpoint:
        """An instance id, an ENI id, an address of one, or any other address (the outside)."""
        t = text.strip()
        if t.startswith("nat-"):
            nat = self.nat_gateways.get(t)
            if nat is None:
                raise UnknownEndpoint(f"NAT gateway {t} is not in the snapshot")
            outside = role == "destination" and near is not None and near.eni is None and near.nat is None
            pool = nat.public_ips if outside and nat.public_ips else nat.private_ips
            addr = next((a for a in pool if a.version == version), None)
            if addr is None:
                raise UnknownEndpoint(f"NAT gateway {t} has no IPv{version} address in the snapshot")
            return Endpoint(t, addr, None, None, nat=nat)
        if t.startswith("i-"):
            inst = self.instances.get(t)
            if inst is None:
                raise UnknownEndpoint(f"instance {t} is not in the snapshot")
            eni = self.primary_eni(inst)
            if eni is None:
                raise UnknownEndpoint(f"instance {t} has no network interface in the snapshot")
            return self._eni_endpoint(t, eni, version, near, role, inst.id)
        if t.startswith("eni-"):
            eni = self.enis.get(t)
            if eni is None:
                raise UnknownEndpoint(f"network interface {t} is not in the snapshot")
            return self._eni_endpoint(t, eni, version, near, role, eni.instance_id)
        try:
            addr = parse_address(t)
        except ValueError:
            raise UnknownEndpoint(
                f"{t!r} is neither an instance id (i-...), a network interface id (eni-...) nor an IP address"
            ) from None
        owners = self._by_private.get(addr, [])
        if owners:
            eni = self._pick(owners, near)
            return Endpoint(t, addr, eni, eni.instance_id, nat=self.nat_of_eni(eni))
        if addr in self._by_public:
            eni, _prv = self._by_public[addr]
            return Endpoint(t, addr, eni, eni.instance_id, via_public=True, nat=self.nat_of_eni(eni))
        if addr in self._nat_by_addr:
            return Endpoint(t, addr, None, None, nat=self._nat_by_addr[addr])
        return Endpoint(t, addr)

    def _pick(self, owners: list[Eni], near: Endpoint | None) -> Eni:
        if len(owners) == 1 or near is None or near.eni is None:
            return owners[0]
        for e in owners:
            if e.vpc_id == near.eni.vpc_id:
                return e
        for e in owners:
            if self.active_peerings(e.vpc_id, near.eni.vpc_id):
                return e
        return owners[0]

    def _eni_endpoint(
        self, text: str, eni: Eni, version: int, near: Endpoint | None, role: str, instance_id: str | None
    ) -> Endpoint:
        nat = self.nat_of_eni(eni)
        if version == 6:
            if not eni.ipv6_addresses:
                raise UnknownEndpoint(f"{text} has no IPv6 address")
            return Endpoint(text, eni.ipv6_addresses[0], eni, instance_id, nat=nat)
        primary = eni.primary_ip
        if primary is None:
            raise UnknownEndpoint(f"{text} has no private IPv4 address")
        if role == "destination" and near is not None and near.eni is None:
            # From the outside, an ENI is reached at its public IPv4 address (or not at all).
            pub = eni.public_for(primary) or (eni.public_ips[0][1] if eni.public_ips else None)
            if pub is not None:
                return Endpoint(text, pub, eni, instance_id, via_public=True, nat=nat)
        return Endpoint(text, primary, eni, instance_id, nat=nat)

    def private_address_of(self, endpoint: Endpoint) -> Address:
        """The private address behind an endpoint named by its public address."""
        if endpoint.eni is not None and endpoint.via_public:
            for prv, pub in endpoint.eni.public_ips:
                if pub == endpoint.address:
                    return prv
        if endpoint.nat is not None and endpoint.address in endpoint.nat.public_ips and endpoint.nat.private_ips:
            i = endpoint.nat.public_ips.index(endpoint.address)
            return endpoint.nat.private_ips[min(i, len(endpoint.nat.private_ips) - 1)]
        return endpoint.address

    # ---- questions -------------------------------------------------------------------------------------------

    def check(
        self,
        source: str,
        destination: str,
        protocol: str | int = "tcp",
        port: int | None = None,
        *,
        icmp_code: int | None = 0,
        ipv6: bool = False,
        ephemeral: tuple[int, int] | None = None,
    ) -> CheckResult:
        """Can ``source`` reach ``destination`` on this protocol/port, and if not, what blocks it?"""
        from parc.core.network.reach import check

        return check(self, source, destination, protocol, port, icmp_code=icmp_code, ipv6=ipv6, ephemeral=ephemeral)

    def exposed(self) -> list[Exposure]:
        """Every ENI reachable from the internet, with the open protocol/port ranges and the rules opening them."""
        from parc.core.network.exposure import exposed

        return exposed(self)

    def matrix(self, port: int | None = None, protocol: str = "tcp") -> Matrix:
        """Which running instances reach which (private addresses), on which ports."""
        from parc.core.network.matrix import matrix

        return matrix(self, port, protocol)

    def findings(self) -> list[Finding]:
        """Audit findings: sensitive ports open to the internet, default groups with rules, wide-open ACLs,
        rules naming deleted groups."""
        from parc.core.network.audit import network_findings

        return network_findings(self)

    def all_enis(self) -> Iterable[Eni]:
        return self.snapshot.enis

    def explain(self, code: str) -> str:
        return codes.EXPLANATIONS.get(code, code)
