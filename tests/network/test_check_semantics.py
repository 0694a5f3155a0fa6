"""One case per semantic of the issue, each outcome pinned, each citing the AWS page it follows.

Every case bends the topology of ``net_topology.py`` with one change and asks one ``check``; the expected code is
Reachability Analyzer's name for the reason (https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from net_topology import (
    acl,
    base,
    custom_acl,
    entry,
    group,
    iface,
    network,
    perm,
    route,
    table,
)

SG = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
SG_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html"
ACL = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"
ACL_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html"
RT = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html"
IGW = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"
NAT = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html"
EIGW = "https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html"
PCX = "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html"
RA_CODES = "https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html"

NAT_ENI = {  # describe-network-interfaces lists a NAT gateway's own interface: requester-managed, no security groups
    "NetworkInterfaceId": "eni-nat", "SubnetId": "subnet-pub", "VpcId": "vpc-1", "InterfaceType": "nat_gateway",
    "PrivateIpAddress": "10.0.1.5", "Groups": [], "RequesterManaged": True, "Status": "in-use",
    "Association": {"PublicIp": "54.0.0.5"},
    "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.1.5", "Association": {"PublicIp": "54.0.0.5"}}],
}

Mutation = Callable[[dict[str, Any]], None]


def nothing(_: dict[str, Any]) -> None:
    pass


@dataclass
class Case:
    name: str
    doc: str
    src: str
    dst: str
    proto: str
    port: int | None
    reachable: bool | None
    """``None``: unknown (the snapshot does not describe a component on the path); ``code`` is then the unknown
    component's type."""
    code: str | None = None
    component: str | None = None
    direction: str = "forward"
    change: Mutation = nothing
    options: dict[str, Any] = field(default_factory=dict)
    groups: tuple[str, ...] | None = None
    """For a security group block: the groups ``blocked_by.security_groups`` lists (a list, never a joined string)."""


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Mutation:
    def f(d: dict[str, Any]) -> None:
        path(d)[key] = value
    return f


def _both(*fs: Mutation) -> Mutation:
    def f(d: dict[str, Any]) -> None:
        for g in fs:
            g(d)
    return f


def app_ingress(*perms: dict[str, Any]) -> Mutation:
    return _set(lambda d: group(d, "sg-app"), "IpPermissions", list(perms))


def app_acl(*entries: dict[str, Any]) -> Mutation:
    return lambda d: custom_acl(d, "subnet-priv", list(entries))


def add_groups(eid: str, *gids: str) -> Mutation:
    def f(d: dict[str, Any]) -> None:
        iface(d, eid)["Groups"] += [{"GroupId": g} for g in gids]
    return f


def new_group(gid: str, ingress: list[dict[str, Any]], egress: list[dict[str, Any]] | None = None,
              vpc: str = "vpc-1") -> Mutation:
    def f(d: dict[str, Any]) -> None:
        g: dict[str, Any] = {"GroupId": gid, "GroupName": gid, "VpcId": vpc, "IpPermissions": ingress}
        if egress is not None:
            g["IpPermissionsEgress"] = egress
        d["SecurityGroups"].append(g)
    return f


OPEN_IN = [entry(100, False, "allow", "-1", "0.0.0.0/0"), entry(101, False, "allow", "-1", "::/0")]
OPEN_OUT = [entry(100, True, "allow", "-1", "0.0.0.0/0"), entry(101, True, "allow", "-1", "::/0")]

CASES = [
    # ---- security groups ------------------------------------------------------------------------------------------
    Case("sg: a rule naming the source's group allows it", SG, "i-web", "i-app", "tcp", 8080, True),
    Case("sg: no rule for the port blocks", SG, "i-web", "i-app", "tcp", 8081, False,
         "ENI_SG_RULES_MISMATCH", "sg-app"),
    Case("sg: a group rule does not match an ENI outside the group", SG, "i-web2", "i-app", "tcp", 8080, True),
    Case("sg: a group rule matches members only", SG, "i-peer", "i-app", "tcp", 8080, False,
         "ENI_SG_RULES_MISMATCH", "sg-app"),
    Case("sg: rules of all groups on an ENI are pooled (second group allows)", SG, "i-web", "i-app", "tcp", 9000,
         True, change=_both(new_group("sg-extra", [perm("tcp", 9000, 9000, cidrs=("10.0.1.0/24",))]),
                            add_groups("eni-app", "sg-extra"))),
    Case("sg: pooled groups, none allows: the interface blocks, its groups listed", RA_CODES, "i-web", "i-app",
         "tcp", 9001, False, "ENI_SG_RULES_MISMATCH", "eni-app",
         change=_both(new_group("sg-extra", [perm("tcp", 9000, 9000, cidrs=("10.0.1.0/24",))]),
                      add_groups("eni-app", "sg-extra")), groups=("sg-app", "sg-extra")),
    Case("sg: one group that does not allow is named itself, and listed", RA_CODES, "i-web", "i-app", "tcp", 9001,
         False, "ENI_SG_RULES_MISMATCH", "sg-app", groups=("sg-app",)),
    Case("sg: several groups on the source, none allows outbound", RA_CODES, "i-app", "i-web", "tcp", 22, False,
         "SG_HAS_NO_RULES", "eni-app",
         change=_both(_set(lambda d: group(d, "sg-app"), "IpPermissionsEgress", []),
                      new_group("sg-extra", [], []), add_groups("eni-app", "sg-extra")),
         groups=("sg-app", "sg-extra")),
    Case("sg: a group of the interface that is not described is unknown, not a block", SG, "i-web", "i-app", "tcp",
         9001, None, "security-group", "eni-app", change=add_groups("eni-app", "sg-not-exported")),
    Case("sg: ... but a described group that allows still allows", SG, "i-web", "i-app", "tcp", 8080, True,
         change=add_groups("eni-app", "sg-not-exported")),
    Case("sg: IpRanges CIDR containing the source allows", SG, "i-web", "i-app", "udp", 53, True,
         change=app_ingress(perm("udp", 53, 53, cidrs=("10.0.1.0/28",)))),
    Case("sg: IpRanges CIDR not containing the source", SG, "i-web", "i-app", "udp", 53, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("udp", 53, 53, cidrs=("10.0.1.128/25",)))),
    Case("sg: Ipv6Ranges allow IPv6", SG, "i-web", "i-app", "tcp", 5000, True,
         change=app_ingress(perm("tcp", 5000, 5000, v6=("2600:1f18:aa00:1::/64",))), options={"ipv6": True}),
    Case("sg: an IPv4 range does not match IPv6 traffic", SG, "i-web", "i-app", "tcp", 5000, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("tcp", 5000, 5000, cidrs=("0.0.0.0/0",))),
         options={"ipv6": True}),
    Case("sg: a prefix list containing the source allows", SG, "i-web", "i-app", "tcp", 6000, True,
         change=_both(app_ingress(perm("tcp", 6000, 6000, pls=("pl-1",))),
                      lambda d: d.__setitem__("ManagedPrefixLists", [
                          {"PrefixListId": "pl-1", "Entries": [{"Cidr": "10.0.1.0/24"}]}]))),
    Case("sg: a prefix list not containing the source", SG, "i-web", "i-app", "tcp", 6000, False,
         "ENI_SG_RULES_MISMATCH", change=_both(app_ingress(perm("tcp", 6000, 6000, pls=("pl-1",))),
                                               lambda d: d.__setitem__("ManagedPrefixLists", [
                                                   {"PrefixListId": "pl-1", "Entries": [{"Cidr": "192.0.2.0/24"}]}]))),
    Case("sg: a prefix list whose entries are not described is unknown, not a block", SG, "i-web", "i-app", "tcp",
         6000, None, "security-group", "sg-app", change=app_ingress(perm("tcp", 6000, 6000, pls=("pl-missing",)))),
    Case("sg: a described rule allows whatever an undescribed prefix list holds (rules are allow-only)", SG,
         "i-web", "i-app", "tcp", 6000, True,
         change=app_ingress(perm("tcp", 6000, 6000, pls=("pl-missing",)),
                            perm("tcp", 6000, 6000, cidrs=("10.0.1.0/24",)))),
    Case("sg: protocol by number ('6' is tcp)", SG_API, "i-web", "i-app", "tcp", 7000, True,
         change=app_ingress(perm("6", 7000, 7000, cidrs=("10.0.0.0/16",)))),
    Case("sg: protocol -1 allows everything", SG_API, "i-web", "i-app", "udp", 12345, True,
         change=app_ingress(perm("-1", cidrs=("10.0.0.0/16",)))),
    Case("sg: a protocol other than tcp/udp/icmp allows all ports whatever the range", SG_API, "i-web", "i-app",
         "50", None, True, change=app_ingress(perm("50", 0, 0, cidrs=("10.0.0.0/16",)))),
    Case("sg: a rule for protocol 50 does not allow protocol 51", SG_API, "i-web", "i-app", "51", None, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("50", 0, 0, cidrs=("10.0.0.0/16",)))),
    Case("sg: icmp type 8 with all codes allows echo", SG_API, "i-web", "i-app", "icmp", 8, True,
         change=app_ingress(perm("icmp", 8, -1, cidrs=("10.0.0.0/16",)))),
    Case("sg: icmp type 3 code 4 does not allow echo", SG_API, "i-web", "i-app", "icmp", 8, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("icmp", 3, 4, cidrs=("10.0.0.0/16",)))),
    Case("sg: icmp type 8 code 0 does not allow code 1", SG_API, "i-web", "i-app", "icmp", 8, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("icmp", 8, 0, cidrs=("10.0.0.0/16",))),
         options={"icmp_code": 1}),
    Case("sg: a new group's default egress allows all outbound", SG, "i-app", "i-web", "tcp", 22, True,
         change=lambda d: group(d, "sg-app").pop("IpPermissionsEgress")),
    Case("sg: no outbound rules allow no outbound traffic", SG, "i-app", "i-web", "tcp", 22, False,
         "SG_HAS_NO_RULES", "sg-app", change=_set(lambda d: group(d, "sg-app"), "IpPermissionsEgress", [])),
    Case("sg: stateful, the reply needs no outbound rule", SG, "i-web", "i-app", "tcp", 8080, True,
         change=_set(lambda d: group(d, "sg-app"), "IpPermissionsEgress", [])),
    Case("sg: a group in a peered VPC is referenced across an active peering", PCX, "i-peer", "i-app", "tcp", 8080,
         True, change=app_ingress(perm("tcp", 8080, 8080, groups=("sg-peer",)))),
    Case("sg: no group referencing across a cross-Region peering", PCX, "i-peer", "i-app", "tcp", 8080, False,
         "ENI_SG_RULES_MISMATCH", change=_both(
             app_ingress(perm("tcp", 8080, 8080, groups=("sg-peer",))),
             lambda d: d["VpcPeeringConnections"][0]["RequesterVpcInfo"].__setitem__("Region", "eu-west-1"))),
    Case("sg: a rule naming a deleted group matches no one", SG, "i-web", "i-app", "tcp", 8080, False,
         "ENI_SG_RULES_MISMATCH", change=app_ingress(perm("tcp", 8080, 8080, groups=("sg-gone",)))),
    # ---- network ACLs ---------------------------------------------------------------------------------------------
    Case("acl: the VPC's default ACL applies where no association", ACL, "i-web", "i-app", "tcp", 8080, True,
         change=lambda d: acl(d, "acl-default").__setitem__("Associations", [])),
    Case("acl: an associated custom ACL applies (and denies by default)", ACL, "i-web", "i-app", "tcp", 8080, False,
         "SUBNET_ACL_RESTRICTION", "acl-subnet-priv", change=app_acl()),
    Case("acl: lowest rule number first: deny 90 before allow 100", ACL, "i-web", "i-app", "tcp", 8080, False,
         "SUBNET_ACL_RESTRICTION", "acl-subnet-priv",
         change=app_acl(entry(100, False, "allow", "-1", "0.0.0.0/0"),
                        entry(90, False, "deny", "6", "10.0.1.0/24", (8080, 8080)), *OPEN_OUT)),
    Case("acl: lowest rule number first: allow 80 before deny 90", ACL, "i-web", "i-app", "tcp", 8080, True,
         change=app_acl(entry(90, False, "deny", "6", "10.0.1.0/24", (8080, 8080)),
                        entry(80, False, "allow", "6", "10.0.1.0/24", (8080, 8080)), *OPEN_OUT)),
    Case("acl: a deny for other ports does not stop this one", ACL, "i-web", "i-app", "tcp", 8080, True,
         change=app_acl(entry(90, False, "deny", "6", "10.0.1.0/24", (22, 22)), *OPEN_IN, *OPEN_OUT)),
    Case("acl: 32767 denies what no rule matched", ACL, "i-web", "i-app", "tcp", 8080, False,
         "SUBNET_ACL_RESTRICTION", change=app_acl(entry(100, False, "allow", "6", "10.0.1.0/24", (80, 80)),
                                                  entry(32767, False, "deny", "-1", "0.0.0.0/0"), *OPEN_OUT)),
    Case("acl: an egress rule does not admit ingress", ACL, "i-web", "i-app", "tcp", 8080, False,
         "SUBNET_ACL_RESTRICTION", change=app_acl(*OPEN_OUT)),
    Case("acl: IPv4 rules do not admit IPv6", ACL, "i-web", "i-app", "tcp", 8080, False, "SUBNET_ACL_RESTRICTION",
         change=_both(app_ingress(perm("tcp", 8080, 8080, v6=("::/0",))),
                      app_acl(entry(100, False, "allow", "-1", "0.0.0.0/0"), *OPEN_OUT)), options={"ipv6": True}),
    Case("acl: IPv6 rules admit IPv6", ACL, "i-web", "i-app", "tcp", 8080, True,
         change=_both(app_ingress(perm("tcp", 8080, 8080, v6=("::/0",))),
                      app_acl(entry(100, False, "allow", "-1", "::/0"), *OPEN_OUT)), options={"ipv6": True}),
    Case("acl: protocol '17' with a port range", ACL_API, "i-web", "i-app", "udp", 514, True,
         change=_both(app_ingress(perm("udp", 514, 514, cidrs=("10.0.0.0/8",))),
                      app_acl(entry(100, False, "allow", "17", "10.0.0.0/16", (500, 600)), *OPEN_OUT))),
    Case("acl: protocol '17' does not admit tcp", ACL_API, "i-web", "i-app", "tcp", 514, False,
         "SUBNET_ACL_RESTRICTION", change=_both(app_ingress(perm("tcp", 514, 514, cidrs=("10.0.0.0/8",))),
                                                app_acl(entry(100, False, "allow", "17", "10.0.0.0/16", (500, 600)),
                                                        *OPEN_OUT))),
    Case("acl: icmp type/code 8/-1 admits echo (and 0/0 lets the echo reply out)", ACL_API, "i-web", "i-app",
         "icmp", 8, True, change=_both(app_ingress(perm("icmp", -1, -1, cidrs=("10.0.0.0/8",))),
                                      app_acl(entry(100, False, "allow", "1", "10.0.0.0/16", icmp=(8, -1)),
                                              entry(100, True, "allow", "1", "10.0.0.0/16", icmp=(0, 0))))),
    Case("acl: echo reply (type 0) not allowed out blocks the return of a ping", ACL_API, "i-web", "i-app", "icmp", 8,
         False, "SUBNET_ACL_RESTRICTION", "acl-subnet-priv", "return",
         change=_both(app_ingress(perm("icmp", -1, -1, cidrs=("10.0.0.0/8",))),
                      app_acl(entry(100, False, "allow", "1", "10.0.0.0/16", icmp=(8, -1)),
                              entry(100, True, "allow", "1", "10.0.0.0/16", icmp=(3, -1))))),
    Case("acl: stateless, the reply passes on the ephemeral ports 1024-65535", ACL, "i-web", "i-app", "tcp", 8080,
         True, change=app_acl(*OPEN_IN, entry(100, True, "allow", "6", "10.0.1.0/24", (1024, 65535)))),
    Case("acl: stateless, a reply range narrower than the ephemeral ports blocks the return", ACL, "i-web", "i-app",
         "tcp", 8080, False, "SUBNET_ACL_RESTRICTION", "acl-subnet-priv", "return",
         change=app_acl(*OPEN_IN, entry(100, True, "allow", "6", "10.0.1.0/24", (32768, 65535)))),
    Case("acl: the ephemeral range is configurable", ACL, "i-web", "i-app", "tcp", 8080, True,
         change=app_acl(*OPEN_IN, entry(100, True, "allow", "6", "10.0.1.0/24", (32768, 65535))),
         options={"ephemeral": (32768, 60999)}),
    Case("acl: the source subnet's ACL must admit the reply too", ACL, "i-web", "i-app", "tcp", 8080, False,
         "SUBNET_ACL_RESTRICTION", "acl-subnet-pub", "return",
         change=lambda d: custom_acl(d, "subnet-pub", [*OPEN_OUT, entry(100, False, "allow", "6", "10.0.2.0/24",
                                                                          (1, 1023))])),
    Case("acl: not applied between ENIs of one subnet", RT, "i-web", "i-web2", "tcp", 22, True,
         change=lambda d: custom_acl(d, "subnet-pub", [])),
    Case("acl: applied between subnets", ACL, "i-app", "i-web", "tcp", 22, False, "SUBNET_ACL_RESTRICTION",
         change=lambda d: custom_acl(d, "subnet-pub", [])),
    # ---- routes ---------------------------------------------------------------------------------------------------
    Case("route: a subnet without an explicit table uses the main one", RT, "i-app", "198.51.100.7", "tcp", 443,
         False, "NO_ROUTE_TO_DESTINATION", "rtb-main",
         change=lambda d: table(d, "rtb-priv").__setitem__("Associations", [])),
    Case("route: the explicit table's default route is used", RT, "i-app", "198.51.100.7", "tcp", 443, True),
    Case("route: longest prefix wins: a /24 blackhole beats 0.0.0.0/0", RT, "i-web", "203.0.113.9", "tcp", 443,
         False, "BAD_STATE_ROUTE", "rtb-pub",
         change=lambda d: table(d, "rtb-pub")["Routes"].append(
             {"DestinationCidrBlock": "203.0.113.0/24", "NatGatewayId": "nat-deleted", "State": "blackhole"})),
    Case("route: outside the blackhole's /24 the default route still works", RT, "i-web", "203.0.114.9", "tcp", 443,
         True, change=lambda d: table(d, "rtb-pub")["Routes"].append(
             {"DestinationCidrBlock": "203.0.113.0/24", "NatGatewayId": "nat-deleted", "State": "blackhole"})),
    Case("route: a CIDR route beats a prefix-list route of the same length", RT, "i-web", "203.0.113.9", "tcp", 443,
         True, change=_both(
             lambda d: d.__setitem__("ManagedPrefixLists",
                                     [{"PrefixListId": "pl-9", "Entries": [{"Cidr": "203.0.113.0/24"}]}]),
             lambda d: table(d, "rtb-pub")["Routes"].extend([
                 {"DestinationPrefixListId": "pl-9", "NatGatewayId": "nat-x", "State": "blackhole"},
                 route("203.0.113.0/24", GatewayId="igw-1")]))),
    Case("route: a prefix-list destination is matched", RT, "i-web", "203.0.113.9", "tcp", 443, False,
         "BAD_STATE_ROUTE", change=_both(
             lambda d: d.__setitem__("ManagedPrefixLists",
                                     [{"PrefixListId": "pl-9", "Entries": [{"Cidr": "203.0.113.0/24"}]}]),
             lambda d: table(d, "rtb-pub")["Routes"].append(
                 {"DestinationPrefixListId": "pl-9", "NatGatewayId": "nat-x", "State": "blackhole"}))),
    Case("route: local between subnets of a VPC", RT, "i-app", "i-web", "tcp", 443, True),
    Case("route: peering, routes on both sides", PCX, "i-peer", "i-app", "tcp", 5432, True,
         change=app_ingress(perm("tcp", 5432, 5432, cidrs=("10.1.0.0/16",)))),
    Case("route: peering without a route back blocks the return", PCX, "i-peer", "i-app", "tcp", 5432, False,
         "NO_ROUTE_TO_DESTINATION", direction="return",
         change=_both(app_ingress(perm("tcp", 5432, 5432, cidrs=("10.1.0.0/16",))),
                      lambda d: table(d, "rtb-priv").__setitem__(
                          "Routes", [r for r in table(d, "rtb-priv")["Routes"]
                                     if "VpcPeeringConnectionId" not in r]))),
    Case("route: a peering connection that is not active", PCX, "i-peer", "i-app", "tcp", 5432, False, "BAD_STATE",
         "pcx-1", change=_both(app_ingress(perm("tcp", 5432, 5432, cidrs=("10.1.0.0/16",))),
                               lambda d: d["VpcPeeringConnections"][0].__setitem__("Status", {"Code": "deleted"}))),
    Case("route: no route to an unpeered VPC", PCX, "i-peer", "i-app", "tcp", 5432, False, "NO_ROUTE_TO_DESTINATION",
         "rtb-peer", change=lambda d: table(d, "rtb-peer").__setitem__("Routes", [route("10.1.0.0/16",
                                                                                        GatewayId="local")])),
    Case("route: egress-only gateway does not carry a unique-local (non-global) IPv6 destination", EIGW, "i-app",
         "fd00::1", "tcp", 443, False, "NO_POSSIBLE_DESTINATION", "eigw-1"),
    Case("route: egress-only gateway carries IPv6 out to a global address", EIGW, "i-app", "2a00:1450::1", "tcp", 443,
         True),
    Case("route: egress-only gateway admits nothing from the internet", EIGW, "2a00:1450::1", "i-app", "tcp", 8080,
         False, "NO_ROUTE_TO_DESTINATION", "rtb-priv",
         change=app_ingress(perm("tcp", 8080, 8080, v6=("::/0",))), options={"ipv6": True}),
    # ---- NAT gateway ----------------------------------------------------------------------------------------------
    Case("nat: a private instance reaches the internet through a NAT gateway", NAT, "i-app", "93.184.216.34",
         "tcp", 443, True),
    Case("nat: the NAT gateway's subnet needs a route to the internet gateway", NAT, "i-app", "93.184.216.34",
         "tcp", 443, False, "NO_ROUTE_TO_DESTINATION", "rtb-pub",
         change=lambda d: table(d, "rtb-pub").__setitem__("Routes", [route("10.0.0.0/16", GatewayId="local")])),
    Case("nat: replies reach the NAT gateway's subnet on 1024-65535", NAT, "i-app", "93.184.216.34", "tcp", 443,
         False, "SUBNET_ACL_RESTRICTION", "acl-subnet-pub", "return",
         change=lambda d: custom_acl(d, "subnet-pub", [*OPEN_OUT, entry(100, False, "allow", "-1", "10.0.0.0/16")])),
    Case("nat: a NAT gateway that is not available", NAT, "i-app", "93.184.216.34", "tcp", 443, False, "BAD_STATE",
         "nat-1", change=lambda d: d["NatGateways"][0].__setitem__("State", "deleted")),
    Case("nat: a private NAT gateway does not reach the internet", NAT, "i-app", "93.184.216.34", "tcp", 443, False,
         "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "nat-1",
         change=lambda d: d["NatGateways"][0].__setitem__("ConnectivityType", "private")),
    Case("nat: no unsolicited inbound through a NAT gateway", NAT, "93.184.216.34", "i-app", "tcp", 8080, False,
         "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"),
    Case("nat: a packet from the internet to the NAT gateway's Elastic IP is dropped by the NAT gateway", RA_CODES,
         "198.51.100.7", "54.0.0.5", "tcp", 22, False, "NGW_DEST_ADDRESS_PRESERVATION", "nat-1"),
    Case("nat: ... named by the NAT gateway's id", RA_CODES, "198.51.100.7", "nat-1", "udp", 53, False,
         "NGW_DEST_ADDRESS_PRESERVATION", "nat-1"),
    Case("nat: a packet from a host in the VPC to the NAT gateway's private address is dropped there", RA_CODES,
         "i-app", "10.0.1.5", "tcp", 22, False, "NGW_DEST_ADDRESS_PRESERVATION", "nat-1"),
    Case("nat: ... from the NAT gateway's own subnet too", RA_CODES, "i-web2", "10.0.1.5", "tcp", 443, False,
         "NGW_DEST_ADDRESS_PRESERVATION", "nat-1"),
    Case("nat: ... from a peered VPC too", RA_CODES, "i-peer", "10.0.1.5", "tcp", 22, False,
         "NGW_DEST_ADDRESS_PRESERVATION", "nat-1"),
    Case("nat: the NAT gateway's own interface (no security groups) is still the NAT gateway, not a group without "
         "rules", RA_CODES, "i-app", "eni-nat", "tcp", 22, False, "NGW_DEST_ADDRESS_PRESERVATION", "nat-1",
         change=lambda d: d["NetworkInterfaces"].append(NAT_ENI)),
    Case("nat: a blocker before the NAT gateway is named first (the source's egress rules)", RA_CODES, "i-app",
         "10.0.1.5", "tcp", 22, False, "SG_HAS_NO_RULES", "sg-app",
         change=_set(lambda d: group(d, "sg-app"), "IpPermissionsEgress", [])),
    Case("nat: with its interface described, the internet still reaches the instance behind it only by its replies",
         NAT, "i-app", "93.184.216.34", "tcp", 443, True, change=lambda d: d["NetworkInterfaces"].append(NAT_ENI)),
    # ---- the internet ---------------------------------------------------------------------------------------------
    Case("internet: a public IP in a public subnet is reachable", IGW, "198.51.100.7", "i-web", "tcp", 443, True),
    Case("internet: also at its public address named directly", IGW, "198.51.100.7", "54.0.0.10", "tcp", 22, True),
    Case("internet: no public IP, no inbound", IGW, "198.51.100.7", "i-web2", "tcp", 443, False,
         "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", "igw-1"),
    Case("internet: a public IP in a private subnet is not reachable", IGW, "198.51.100.7", "i-web", "tcp", 443,
         False, "NO_ROUTE_TO_DESTINATION", "rtb-pub",
         change=lambda d: table(d, "rtb-pub").__setitem__("Routes", [route("10.0.0.0/16", GatewayId="local"),
                                                                     route("0.0.0.0/0", NatGatewayId="nat-1")])),
    Case("internet: a route to the source only is enough", IGW, "198.51.100.7", "i-web", "tcp", 443, True,
         change=lambda d: table(d, "rtb-pub").__setitem__("Routes", [route("10.0.0.0/16", GatewayId="local"),
                                                                     route("198.51.100.0/24", GatewayId="igw-1")])),
    Case("internet: private addresses are not the internet", IGW, "192.168.4.4", "i-web", "tcp", 443, False,
         "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"),
    Case("internet: IPv6 inbound through the internet gateway", IGW, "2a00:1450::1", "i-web", "tcp", 443, True,
         options={"ipv6": True}),
    Case("internet: outbound needs a public IP", IGW, "i-web2", "198.51.100.7", "tcp", 443, False,
         "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "igw-1"),
    Case("internet: outbound with a public IP", IGW, "i-web", "198.51.100.7", "tcp", 443, True),
    Case("internet: the internet gateway drops private destinations", IGW, "i-web", "192.168.9.9", "tcp", 443, False,
         "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS", "igw-1"),
    Case("internet: hairpin to another ENI's public IP leaves and comes back in", IGW, "i-web2", "54.0.0.10", "tcp",
         22, False, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"),
    Case("internet: a group reference does not match traffic that came through the internet gateway", SG, "i-web",
         "54.0.0.10", "tcp", 9999, False, "ENI_SG_RULES_MISMATCH", "sg-web",
         change=lambda d: group(d, "sg-web")["IpPermissions"].append(perm("tcp", 9999, 9999, groups=("sg-web",)))),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check(case: Case) -> None:
    data = base()
    case.change(data)
    options = dict(case.options)
    net = network(data, options.pop("ephemeral", (1024, 65535)))
    result = net.check(case.src, case.dst, case.proto, case.port, **options)
    why = result.blocked_by
    assert result.reachable is case.reachable, f"{case.doc}: {why} {result.unknown}"
    if case.reachable is None:
        assert why is None and result.unknown, case.doc
        assert any(u.kind == case.code for u in result.unknown), result.unknown
        if case.component is not None:
            assert any(u.component == case.component for u in result.unknown), result.unknown
        assert any(h.allowed is None for h in (*result.forward, *result.return_path))
        return
    assert not result.unknown
    if case.reachable:
        assert why is None
        assert result.forward and all(h.allowed for h in result.forward)
        return
    assert why is not None
    assert why.code == case.code, why.message
    assert why.direction == case.direction, why.message
    if case.component is not None:
        assert why.component == case.component, why.message
    if case.groups is not None:
        assert why.security_groups == case.groups
        assert result.to_dict()["blocked_by"]["security_groups"] == list(case.groups)  # type: ignore[index]
    last = (result.return_path if case.direction == "return" else result.forward)[-1]
    assert not last.allowed and last.code == case.code
