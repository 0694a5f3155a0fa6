"""The VPC as parc sees it: frozen records built by a loader from ``aws ec2 describe-*`` output.

Only what decides reachability is kept. Ids are AWS's own, so every verdict can name the component that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.network.addresses import Address, Cidr
from parc.core.network.intervals import IntervalSet
from parc.core.network.traffic import describe, protocol_label


@dataclass(frozen=True, slots=True)
class Vpc:
    id: str
    cidrs: tuple[Cidr, ...]
    owner_id: str | None = None
    is_default: bool = False
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    vpc_id: str
    cidrs: tuple[Cidr, ...]
    availability_zone: str | None = None
    name: str | None = None


ROUTE_TARGET_KINDS = (
    "local",
    "internet-gateway",
    "egress-only-internet-gateway",
    "nat-gateway",
    "peering-connection",
    "transit-gateway",
    "virtual-private-gateway",
    "network-interface",
    "instance",
    "vpc-endpoint",
    "carrier-gateway",
    "local-gateway",
    "core-network",
    "unknown",
)


FOLLOWED_KINDS = frozenset({"local", "internet-gateway", "egress-only-internet-gateway", "nat-gateway",
                            "peering-connection"})
"""Route targets parc follows; a path through any other (a transit or virtual private gateway, a middlebox interface or
instance, a Gateway Load Balancer endpoint, ...) is unknown beyond it, never blocked by it."""


@dataclass(frozen=True, slots=True)
class Route:
    """One route; exactly one of ``destination`` (a CIDR) or ``prefix_list_id`` is set."""

    destination: Cidr | None
    prefix_list_id: str | None
    target: str
    target_kind: str
    state: str = "active"
    """``active`` or ``blackhole`` (its target is gone: traffic is dropped)."""

    @property
    def destination_text(self) -> str:
        return str(self.destination) if self.destination else str(self.prefix_list_id)

    def describe(self) -> str:
        state = "" if self.state == "active" else f" [{self.state}]"
        return f"{self.destination_text} -> {self.target}{state}"


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    vpc_id: str
    routes: tuple[Route, ...]
    subnet_ids: tuple[str, ...] = ()
    is_main: bool = False
    implicit: bool = False
    """True for the stand-in parc builds when the snapshot has no main route table for a VPC (local routes only)."""
    gateway_ids: tuple[str, ...] = ()
    """Gateways it is associated with (an edge association: a gateway route table, "ingress routing"): traffic entering
    the VPC through them is routed by this table."""


@dataclass(frozen=True, slots=True)
class InternetGateway:
    id: str
    vpc_ids: tuple[str, ...]
    """VPCs it is attached to (attachment state ``available``/``attached``)."""


@dataclass(frozen=True, slots=True)
class EgressOnlyInternetGateway:
    id: str
    vpc_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NatGateway:
    id: str
    vpc_id: str
    subnet_id: str
    state: str = "available"
    connectivity: str = "public"
    private_ips: tuple[Address, ...] = ()
    public_ips: tuple[Address, ...] = ()
    eni_id: str | None = None


@dataclass(frozen=True, slots=True)
class PeeringConnection:
    id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    status: str = "active"
    requester_owner_id: str | None = None
    accepter_owner_id: str | None = None
    requester_region: str | None = None
    accepter_region: str | None = None
    requester_cidrs: tuple[Cidr, ...] = ()
    accepter_cidrs: tuple[Cidr, ...] = ()

    def other(self, vpc_id: str) -> str | None:
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None

    def cidrs_of(self, vpc_id: str) -> tuple[Cidr, ...]:
        return self.requester_cidrs if vpc_id == self.requester_vpc_id else self.accepter_cidrs

    @property
    def cross_region(self) -> bool:
        return bool(self.requester_region and self.accepter_region and self.requester_region != self.accepter_region)


@dataclass(frozen=True, slots=True)
class PrefixList:
    id: str
    name: str | None
    cidrs: tuple[Cidr, ...]


@dataclass(frozen=True, slots=True)
class SgPeer:
    """The other end of a security group rule: a CIDR, a prefix list or a security group."""

    kind: str
    """``cidr``, ``prefix-list`` or ``group``."""
    cidr: Cidr | None = None
    ref: str | None = None
    user_id: str | None = None
    vpc_id: str | None = None
    peering_status: str | None = None

    def __str__(self) -> str:
        if self.kind == "cidr":
            return str(self.cidr)
        return str(self.ref)


@dataclass(frozen=True, slots=True)
class SgRule:
    group_id: str
    egress: bool
    index: int
    """Position of the permission in the group's IpPermissions / IpPermissionsEgress list (0-based)."""
    protocol: int | None
    from_port: int | None
    to_port: int | None
    peer: SgPeer
    traffic: IntervalSet
    description: str | None = None

    def describe(self) -> str:
        way = "to" if self.egress else "from"
        what = describe(self.traffic) if self.protocol is not None else "all traffic"
        text = f"{what} {way} {self.peer}"
        return f"{text} ({self.description})" if self.description else text

    def ref(self) -> str:
        return f"{self.group_id} {'egress' if self.egress else 'ingress'}[{self.index}]"


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    name: str
    vpc_id: str | None
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    owner_id: str | None = None

    @property
    def is_default(self) -> bool:
        return self.name == "default"


@dataclass(frozen=True, slots=True)
class AclEntry:
    rule_number: int
    egress: bool
    allow: bool
    protocol: int | None
    cidr: Cidr
    traffic: IntervalSet
    ports: tuple[int, int] | None = None
    icmp: tuple[int, int] | None = None

    @property
    def number_text(self) -> str:
        return "*" if self.rule_number >= 32767 else str(self.rule_number)

    def describe(self) -> str:
        action = "allow" if self.allow else "deny"
        way = "to" if self.egress else "from"
        what = "all traffic" if self.protocol is None else describe(self.traffic)
        return f"rule {self.number_text}: {action} {what} {way} {self.cidr}"

    @property
    def protocol_label(self) -> str:
        return protocol_label(self.protocol)


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    id: str
    vpc_id: str
    entries: tuple[AclEntry, ...]
    """Sorted by rule number; the final deny (``*``, 32767) for each IP version is implied if absent."""
    subnet_ids: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class Eni:
    id: str
    subnet_id: str
    vpc_id: str
    private_ips: tuple[Address, ...]
    """IPv4, the primary first."""
    ipv6_addresses: tuple[Address, ...] = ()
    public_ips: tuple[tuple[Address, Address], ...] = ()
    """``(private, public)`` pairs: the public IPv4 or Elastic IP the internet gateway maps to each private address."""
    group_ids: tuple[str, ...] = ()
    instance_id: str | None = None
    device_index: int | None = None
    interface_type: str = "interface"
    status: str = "in-use"
    description: str | None = None

    @property
    def primary_ip(self) -> Address | None:
        return self.private_ips[0] if self.private_ips else None

    def public_for(self, private: Address) -> Address | None:
        for prv, pub in self.public_ips:
            if prv == private:
                return pub
        return None

    def owns(self, addr: Address) -> bool:
        return addr in self.private_ips or addr in self.ipv6_addresses

    @property
    def filtered_by_security_groups(self) -> bool:
        """Interfaces AWS manages without security groups are filtered by none: load balancer nodes without groups,
        Gateway Load Balancer endpoints, transit gateway attachments, NAT gateways (others always have one)."""
        return bool(self.group_ids) or self.interface_type not in (
            "network_load_balancer", "gateway_load_balancer", "gateway_load_balancer_endpoint", "transit_gateway",
            "nat_gateway")


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    eni_ids: tuple[str, ...]
    """Ordered by device index: the primary network interface first."""
    name: str | None = None
    state: str = "running"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a loader read; ``Network`` indexes it for questions."""

    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    egress_only_internet_gateways: tuple[EgressOnlyInternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    peering_connections: tuple[PeeringConnection, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    network_acls: tuple[NetworkAcl, ...] = ()
    enis: tuple[Eni, ...] = ()
    instances: tuple[Instance, ...] = ()
    prefix_lists: tuple[PrefixList, ...] = ()
    sources: tuple[str, ...] = field(default=())
    """Where the data came from (file names), for reports."""
    kinds: frozenset[str] | None = None
    """The describe-* keys the input had (``Vpcs``, ``NetworkAcls``, ...): a kind not among them is unknown, not
    empty (``parc.core.network.unknowns``). ``None`` (a snapshot built in code): every kind counts as present."""
