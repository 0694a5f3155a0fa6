"""What each absent kind of describe-* data gives: never a clean "blocked" or "not exposed" from nothing.

One case per kind the EC2 loader reads, both outcomes where there are two: the answer is unknown (``reachable`` is
``None``, ``unknown`` names the component and the missing data) unless a described component certainly decides it,
or AWS guarantees a default that parc assumes and says so. The choices are in ``parc.core.network.unknowns``.

Every subnet has a network ACL: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
Every route table has the VPC's local route: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
Security group rules are allow-only and pooled: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
A detached internet gateway's routes turn blackhole: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
Reachability Analyzer's UNKNOWN_RESOURCE: https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from net_topology import base as topology
from net_topology import custom_acl, entry, group, network, perm, table

from parc.cli.main import cli
from parc.core.network.exposure import exposed
from parc.core.network.matrix import matrix
from parc.core.network.traffic import TCP, describe, port_range

Mutation = Callable[[dict[str, Any]], None]


def nothing(_: dict[str, Any]) -> None:
    pass


@dataclass
class Case:
    name: str
    drop: tuple[str, ...]
    src: str
    dst: str
    port: int
    reachable: bool | None
    unknown: str | None = None
    """The type of the unknown component (when ``reachable`` is ``None``), or the blocking code (when ``False``)."""
    change: Mutation = nothing
    options: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


def base() -> dict[str, Any]:
    data = topology()
    data["ManagedPrefixLists"] = []  # the topology describes every kind; each case drops some
    return data


def _pl_route(d: dict[str, Any]) -> None:
    table(d, "rtb-priv")["Routes"].append({"DestinationPrefixListId": "pl-9", "GatewayId": "vgw-1",
                                           "State": "active"})


def _deny_app_acl(d: dict[str, Any]) -> None:
    custom_acl(d, "subnet-priv", [])


CASES = [
    Case("NetworkAcls absent: between subnets the answer is unknown", ("NetworkAcls",), "i-app", "i-web", 22, None,
         "network-acl"),
    Case("NetworkAcls absent: within one subnet no ACL applies", ("NetworkAcls",), "i-web2", "i-web", 22, True),
    Case("NetworkAcls absent: a security group that certainly blocks still blocks", ("NetworkAcls",), "i-app",
         "i-web", 23, False, "ENI_SG_RULES_MISMATCH"),
    Case("NetworkAcls absent: from the internet, unknown", ("NetworkAcls",), "198.51.100.7", "i-web", 443, None,
         "network-acl"),
    Case("a subnet whose ACL is not among NetworkAcls (nor a default one) is unknown", (), "i-app", "i-web", 22, None,
         "network-acl", change=lambda d: d.__setitem__("NetworkAcls", [a for a in d["NetworkAcls"]
                                                                      if a["VpcId"] != "vpc-1"])),
    Case("RouteTables absent: the VPC's local route is assumed, and said", ("RouteTables",), "i-app", "i-web", 22, True,
         note="local route of vpc-1 is assumed"),
    Case("RouteTables absent: a destination outside the VPC is unknown", ("RouteTables",), "i-app", "198.51.100.7",
         443, None, "route-table"),
    Case("RouteTables absent: from the internet, whether the subnet is public is unknown", ("RouteTables",),
         "198.51.100.7", "i-web", 443, None, "route-table"),
    Case("RouteTables absent: from the internet, a certain block still blocks", ("RouteTables",), "198.51.100.7",
         "i-web", 23, False, "ENI_SG_RULES_MISMATCH"),
    Case("RouteTables absent: an address the VPC has no interface for is unknown, not 'no route'", ("RouteTables",
         "Vpcs"), "i-app", "10.0.9.9", 22, None, "route-table"),
    Case("SecurityGroups absent: unknown", ("SecurityGroups",), "i-web", "i-app", 8080, None, "security-group"),
    Case("SecurityGroups absent: an ACL that certainly blocks still blocks", ("SecurityGroups",), "i-web", "i-app",
         8080, False, "SUBNET_ACL_RESTRICTION", change=_deny_app_acl),
    Case("InternetGateways absent: the attachment is read from the active route", ("InternetGateways",),
         "198.51.100.7", "i-web", 443, True),
    Case("InternetGateways absent: outbound too", ("InternetGateways",), "i-web", "198.51.100.7", 443, True),
    Case("InternetGateways absent: a VPC with no route to a gateway takes nothing from the internet",
         ("InternetGateways",), "198.51.100.7", "i-web", 443, False, "NO_ROUTE_TO_DESTINATION",
         change=lambda d: table(d, "rtb-pub").__setitem__("Routes", [r for r in table(d, "rtb-pub")["Routes"]
                                                                     if r.get("GatewayId") in (None, "local")])),
    Case("EgressOnlyInternetGateways absent: the attachment is read from the active route",
         ("EgressOnlyInternetGateways",), "i-app", "2a00:1450::1", 443, True),
    Case("NatGateways absent: a path through a NAT gateway is unknown", ("NatGateways",), "i-app", "93.184.216.34",
         443, None, "nat-gateway"),
    Case("VpcPeeringConnections absent: a path through a peering connection is unknown", ("VpcPeeringConnections",),
         "i-peer", "i-app", 8080, None, "peering-connection",
         change=lambda d: group(d, "sg-app")["IpPermissions"].append(perm("tcp", 8080, 8080, cidrs=("10.1.0.0/16",)))),
    Case("VpcPeeringConnections absent: a group reference across VPCs is unknown, not 'no rule'",
         ("VpcPeeringConnections",), "i-peer", "i-app", 8080, None, "security-group",
         change=lambda d: (group(d, "sg-app")["IpPermissions"].append(perm("tcp", 8080, 8080, cidrs=("10.1.0.0/16",))),
                           group(d, "sg-peer").__setitem__("IpPermissionsEgress", [perm("tcp", 8080, 8080,
                                                                                        groups=("sg-app",))]))),
    Case("ManagedPrefixLists absent: a route to a prefix list makes the route choice unknown", ("ManagedPrefixLists",),
         "i-app", "93.184.216.34", 443, None, "route-table", change=_pl_route),
    Case("ManagedPrefixLists described: the same route is decided", (), "i-app", "93.184.216.34", 443, True,
         change=lambda d: (_pl_route(d), d.__setitem__("ManagedPrefixLists", [
             {"PrefixListId": "pl-9", "Entries": [{"Cidr": "192.0.2.0/24"}]}]))),
    Case("a route through a transit gateway (not modelled) is unknown, not blocked", (), "i-app", "172.16.0.9", 443,
         None, "transit-gateway", change=lambda d: table(d, "rtb-priv")["Routes"].append(
             {"DestinationCidrBlock": "172.16.0.0/12", "TransitGatewayId": "tgw-1", "State": "active"})),
    Case("a private source outside the snapshot, routed to a virtual private gateway, is unknown", (), "172.16.5.5",
         "i-app", 8080, None, "virtual-private-gateway", change=lambda d: (
             group(d, "sg-app")["IpPermissions"].append(perm("tcp", 8080, 8080, cidrs=("172.16.0.0/12",))),
             table(d, "rtb-priv")["Routes"].append({"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1",
                                                    "State": "active"}))),
    Case("... routed to the internet gateway, it is certainly not from the internet", (), "172.16.5.5", "i-web", 22,
         False, "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"),
    Case("... with no route back at all, nothing answers it", (), "172.16.5.5", "i-app", 8080, False,
         "NO_ROUTE_TO_DESTINATION", change=lambda d: table(d, "rtb-priv").__setitem__(
             "Routes", [r for r in table(d, "rtb-priv")["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"])),
    Case("a private NAT gateway routed to a transit gateway goes on (unknown beyond), not dropped", (), "i-app",
         "93.184.216.34", 443, None, "transit-gateway", change=lambda d: (
             d["NatGateways"][0].__setitem__("ConnectivityType", "private"),
             table(d, "rtb-pub").__setitem__("Routes", [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                                         "State": "active"},
                                                        {"DestinationCidrBlock": "0.0.0.0/0",
                                                         "TransitGatewayId": "tgw-1", "State": "active"}]))),
    Case("IPv6 routed to a NAT gateway (NAT64) is unknown, not blocked", (), "i-app", "64:ff9b::5db8:d822", 443,
         None, "nat-gateway", change=lambda d: table(d, "rtb-priv")["Routes"].append(
             {"DestinationIpv6CidrBlock": "64:ff9b::/96", "NatGatewayId": "nat-1", "State": "active"})),
    Case("peering without CIDR blocks in the snapshot (neither CidrBlockSet nor Vpcs) is not 'outside the VPC'",
         ("Vpcs",), "i-peer", "i-app", 8080, True, change=lambda d: (
             group(d, "sg-app")["IpPermissions"].append(perm("tcp", 8080, 8080, cidrs=("10.1.0.0/16",))),
             [info.pop("CidrBlockSet") for pcx in d["VpcPeeringConnections"]
              for info in (pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"])])),
    Case("a stopped instance: the path is answered, and the note says nothing answers yet", (), "i-web", "i-app",
         8080, True, note="i-app is stopped", change=lambda d: d.__setitem__("Reservations", [
             {"Instances": [{"InstanceId": "i-app", "State": {"Name": "stopped"}, "NetworkInterfaces": [
                 {"NetworkInterfaceId": "eni-app"}]}]}])),
    Case("Subnets absent: no effect on a verdict", ("Subnets",), "i-web", "i-app", 8080, True),
    Case("Vpcs absent: no effect on a verdict", ("Vpcs",), "i-web", "i-app", 8080, True),
    Case("Reservations absent: interfaces name their instances", ("Reservations",), "i-web", "i-app", 8080, True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_absent_kind_gives_what_is_pinned(case: Case) -> None:
    data = base()
    for key in case.drop:
        data.pop(key, None)
    case.change(data)
    result = network(data).check(case.src, case.dst, "tcp", case.port, **case.options)
    assert result.reachable is case.reachable, (result.blocked_by, result.unknown)
    if case.reachable is None:
        assert result.blocked_by is None and result.unknown
        assert case.unknown in {u.kind for u in result.unknown}, result.unknown
        assert all(u.missing and u.message for u in result.unknown)
        assert result.to_dict()["reachable"] is None
    elif case.reachable is False:
        assert result.blocked_by is not None and result.blocked_by.code == case.unknown
        assert not result.unknown
    else:
        assert not result.unknown
    if case.note:
        assert any(case.note in n for n in result.notes), result.notes
    for name in ("NetworkAcls", "RouteTables", "SecurityGroups"):
        if name in case.drop:
            assert name in network(data).absent


def _exposure(data: dict[str, Any]) -> dict[tuple[str, int], Any]:
    return {(e.eni.id, e.version): e for e in exposed(network(data))}


@pytest.mark.parametrize("kind", ["NetworkAcls", "RouteTables", "SecurityGroups"])
def test_exposed_never_turns_missing_data_into_not_exposed(kind: str) -> None:
    data = base()
    data.pop(kind)
    exp = _exposure(data)[("eni-web", 4)]
    assert exp.traffic.overlaps(port_range(TCP, 22, 22))
    assert describe(exp.confirmed) == "nothing" and exp.unknown
    assert all(r.unknown for r in exp.rules)
    d = exp.to_dict()
    assert d["confirmed_open"] == [] and d["unknown"] and all(r["unknown"] for r in d["rules"])  # type: ignore[union-attr]


def test_exposed_with_everything_described_has_no_unknown() -> None:
    exp = _exposure(base())[("eni-web", 4)]
    assert not exp.unknown and exp.confirmed == exp.traffic and describe(exp.traffic) == "tcp 22, tcp 80, tcp 443"


def test_an_undescribed_group_may_open_anything_a_described_one_only_its_rules() -> None:
    data = base()
    next(e for e in data["NetworkInterfaces"] if e["NetworkInterfaceId"] == "eni-web")["Groups"].append(
        {"GroupId": "sg-not-exported"})
    exp = _exposure(data)[("eni-web", 4)]
    assert describe(exp.confirmed) == "tcp 22, tcp 80, tcp 443"
    assert describe(exp.traffic) == "all traffic"
    assert [u.component for u in exp.unknown] == ["sg-not-exported"]


def test_exposed_a_certain_acl_deny_still_closes_what_an_unknown_group_would_open() -> None:
    data = base()
    data.pop("SecurityGroups")
    custom_acl(data, "subnet-pub", [entry(100, False, "allow", "6", "0.0.0.0/0", (443, 443)),
                                    entry(100, True, "allow", "-1", "0.0.0.0/0")])
    exp = _exposure(data)[("eni-web", 4)]
    assert describe(exp.traffic) == "tcp 443" and describe(exp.confirmed) == "nothing"


def test_matrix_counts_an_unknown_acl_as_possibly_open_and_says_so() -> None:
    data = base()
    data.pop("NetworkAcls")
    cell = matrix(network(data)).cell("i-web", "i-app")
    assert cell is not None and describe(cell.traffic) == "tcp 8080" and cell.unknown
    assert cell.to_dict()["unknown"]
    known = matrix(network(base())).cell("i-web", "i-app")
    assert known is not None and describe(known.traffic) == "tcp 8080" and not known.unknown


def _write(tmp: Path, data: dict[str, Any]) -> str:
    (tmp / "snap.json").write_text(json.dumps(data))
    return str(tmp / "snap.json")


def test_cli_check_unknown_is_null_and_meets_no_expectation(tmp_path: Path) -> None:
    data = base()
    data.pop("NetworkAcls")
    snap = _write(tmp_path, data)
    r = CliRunner().invoke(cli, ["net", "check", snap, "--from", "i-app", "--to", "i-web", "--port", "22",
                                 "--format", "json"])
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and out["reachable"] is None and out["blocked_by"] is None
    assert {u["type"] for u in out["unknown"]} == {"network-acl"}
    assert all("describe-network-acls" in u["missing"] for u in out["unknown"])
    assert any(h["allowed"] is None for h in out["forward"])
    for expect in ("reachable", "blocked"):
        r = CliRunner().invoke(cli, ["net", "check", snap, "--from", "i-app", "--to", "i-web", "--port", "22",
                                     "--expect", expect])
        assert r.exit_code == 1 and "UNKNOWN" in r.stdout


def test_cli_exposed_never_headlines_clean_over_missing_data(tmp_path: Path) -> None:
    data = base()
    for key in ("NetworkInterfaces", "Reservations"):
        data.pop(key, None)
    snap = _write(tmp_path, data)
    r = CliRunner().invoke(cli, ["net", "exposed", snap])
    assert r.exit_code == 0 and "Nothing could be examined" in r.stdout
    assert "Nothing is reachable from the internet." not in r.stdout
    r = CliRunner().invoke(cli, ["net", "exposed", snap, "--format", "json"])
    out = json.loads(r.stdout)
    assert out["exposed"] == [] and [g["kind"] for g in out["not_described"]] == ["NetworkInterfaces"]
    data = base()
    data.pop("NetworkAcls")
    r = CliRunner().invoke(cli, ["net", "exposed", _write(tmp_path, data)])
    assert "only possibly" in r.stdout and "NetworkAcls (describe-network-acls)" in r.stdout
    assert any(f.get("code") == "NET_NO_NETWORK_ACLS" for f in json.loads(CliRunner().invoke(
        cli, ["net", "exposed", _write(tmp_path, data), "--format", "json"]).stdout)["findings"])


INGRESS = "https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html"


def _ingress_routing(d: dict[str, Any]) -> None:
    """A gateway route table (edge association with igw-1) sending subnet-pub through a firewall interface."""
    d["RouteTables"].append({"RouteTableId": "rtb-edge", "VpcId": "vpc-1", "Associations": [{"GatewayId": "igw-1"}],
                             "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                         "State": "active"},
                                        {"DestinationCidrBlock": "10.0.1.0/24", "NetworkInterfaceId": "eni-fw",
                                         "State": "active"}]})


def test_ingress_routing_through_a_middlebox_is_unknown_not_reachable() -> None:
    # INGRESS: traffic entering through the gateway is routed by its table first; parc does not model appliances.
    data = base()
    _ingress_routing(data)
    r = network(data).check("198.51.100.7", "i-web", "tcp", 22)
    assert r.reachable is None and [u.component for u in r.unknown] == ["eni-fw"]
    exp = _exposure(data)[("eni-web", 4)]
    assert describe(exp.confirmed) == "nothing" and "eni-fw" in {u.component for u in exp.unknown}
    # A gateway table that keeps the local route for the subnet changes nothing.
    data = base()
    _ingress_routing(data)
    table(data, "rtb-edge")["Routes"].pop()
    assert network(data).check("198.51.100.7", "i-web", "tcp", 22).reachable is True
    assert describe(_exposure(data)[("eni-web", 4)].confirmed) == "tcp 22, tcp 80, tcp 443"


def test_replies_sent_to_a_middlebox_are_unknown_not_a_private_subnet() -> None:
    # INGRESS: the subnet's default route to the appliance returns replies through it.
    data = base()
    _ingress_routing(data)
    table(data, "rtb-pub")["Routes"] = [r for r in table(data, "rtb-pub")["Routes"] if r.get("GatewayId") != "igw-1"]
    table(data, "rtb-pub")["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-fw",
                                             "State": "active"})
    table(data, "rtb-edge")["Routes"].pop()
    r = network(data).check("198.51.100.7", "i-web", "tcp", 22)
    assert r.reachable is None and r.unknown[0].kind == "network-interface"
    exp = _exposure(data)[("eni-web", 4)]
    assert describe(exp.traffic) == "tcp 22, tcp 80, tcp 443" and describe(exp.confirmed) == "nothing"
