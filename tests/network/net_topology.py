"""A small VPC in ``aws ec2 describe-*`` shape, for tests to bend one rule at a time.

vpc-1 10.0.0.0/16 + 2600:1f18:aa00::/56, igw-1 attached.
  subnet-pub  10.0.1.0/24 (2600:1f18:aa00:1::/64)  rtb-pub: local, 0.0.0.0/0 -> igw-1, ::/0 -> igw-1
      eni-web   10.0.1.10  public 54.0.0.10  2600:1f18:aa00:1::10  sg-web   (instance i-web)
      eni-web2  10.0.1.11  (no public IP)                          sg-web   (instance i-web2)
      nat-1     10.0.1.5   public 54.0.0.5
  subnet-priv 10.0.2.0/24  rtb-priv: local, 0.0.0.0/0 -> nat-1, ::/0 -> eigw-1
      eni-app   10.0.2.20  2600:1f18:aa00:2::20 (subnet has no IPv6 in real life; fine here)  sg-app (i-app)
  acl-default (default, allow all IPv4 + IPv6), associated with both subnets
vpc-2 10.1.0.0/16 peered with vpc-1 through pcx-1 (active, same Region)
  subnet-peer 10.1.1.0/24  rtb-peer (main): local, 10.0.0.0/16 -> pcx-1
      eni-peer  10.1.1.30  sg-peer (i-peer)
sg-web: in tcp 22,80,443 from 0.0.0.0/0; egress all.  sg-app: in tcp 8080 from sg-web; egress all.
sg-peer: egress all.  rtb-priv also routes 10.1.0.0/16 -> pcx-1.
"""

from __future__ import annotations

import copy
from typing import Any

from parc.core.network import Network
from parc.loaders.ec2 import from_data

ACCOUNT = "111122223333"


def perm(proto: str, lo: int | None = None, hi: int | None = None, *, cidrs: tuple[str, ...] = (),
         v6: tuple[str, ...] = (), groups: tuple[str, ...] = (), pls: tuple[str, ...] = ()) -> dict[str, Any]:
    p: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
        "PrefixListIds": [{"PrefixListId": x} for x in pls],
        "UserIdGroupPairs": [{"GroupId": g, "UserId": ACCOUNT} for g in groups],
    }
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


def entry(n: int, egress: bool, action: str, proto: str, cidr: str, ports: tuple[int, int] | None = None,
          icmp: tuple[int, int] | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"RuleNumber": n, "Egress": egress, "RuleAction": action, "Protocol": proto}
    e["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    if icmp:
        e["IcmpTypeCode"] = {"Type": icmp[0], "Code": icmp[1]}
    return e


ALLOW_ALL = [
    entry(100, False, "allow", "-1", "0.0.0.0/0"), entry(101, False, "allow", "-1", "::/0"),
    entry(100, True, "allow", "-1", "0.0.0.0/0"), entry(101, True, "allow", "-1", "::/0"),
    entry(32767, False, "deny", "-1", "0.0.0.0/0"), entry(32768, False, "deny", "-1", "::/0"),
    entry(32767, True, "deny", "-1", "0.0.0.0/0"), entry(32768, True, "deny", "-1", "::/0"),
]


def route(dest: str, **target: str) -> dict[str, Any]:
    key = "DestinationIpv6CidrBlock" if ":" in dest else (
        "DestinationPrefixListId" if dest.startswith("pl-") else "DestinationCidrBlock")
    r: dict[str, Any] = {key: dest, "State": "active"}
    r.update(target)
    return r


def eni(eid: str, subnet: str, vpc: str, ip: str, groups: list[str], instance: str | None,
        public: str | None = None, v6: tuple[str, ...] = ()) -> dict[str, Any]:
    e: dict[str, Any] = {
        "NetworkInterfaceId": eid, "SubnetId": subnet, "VpcId": vpc, "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
        "Ipv6Addresses": [{"Ipv6Address": a} for a in v6],
        "Groups": [{"GroupId": g} for g in groups], "InterfaceType": "interface", "Status": "in-use",
    }
    if public:
        e["Association"] = {"PublicIp": public}
        e["PrivateIpAddresses"][0]["Association"] = {"PublicIp": public}
    if instance:
        e["Attachment"] = {"InstanceId": instance, "DeviceIndex": 0, "Status": "attached"}
    return e


def base() -> dict[str, Any]:
    return copy.deepcopy({
        "Vpcs": [
            {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": ACCOUNT,
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:aa00::/56",
                                               "Ipv6CidrBlockState": {"State": "associated"}}]},
            {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16", "OwnerId": ACCOUNT},
        ],
        "Subnets": [
            {"SubnetId": "subnet-pub", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"},
            {"SubnetId": "subnet-priv", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"},
            {"SubnetId": "subnet-peer", "VpcId": "vpc-2", "CidrBlock": "10.1.1.0/24"},
        ],
        "InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}],
        "EgressOnlyInternetGateways": [
            {"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"VpcId": "vpc-1", "State": "attached"}]}],
        "NatGateways": [{"NatGatewayId": "nat-1", "VpcId": "vpc-1", "SubnetId": "subnet-pub", "State": "available",
                         "ConnectivityType": "public",
                         "NatGatewayAddresses": [{"PrivateIp": "10.0.1.5", "PublicIp": "54.0.0.5",
                                                  "NetworkInterfaceId": "eni-nat"}]}],
        "VpcPeeringConnections": [{
            "VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": "vpc-2", "OwnerId": ACCOUNT, "Region": "us-east-1",
                                 "CidrBlockSet": [{"CidrBlock": "10.1.0.0/16"}]},
            "AccepterVpcInfo": {"VpcId": "vpc-1", "OwnerId": ACCOUNT, "Region": "us-east-1",
                                "CidrBlockSet": [{"CidrBlock": "10.0.0.0/16"}]},
        }],
        "RouteTables": [
            {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}],
             "Routes": [route("10.0.0.0/16", GatewayId="local")]},
            {"RouteTableId": "rtb-pub", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-pub"}],
             "Routes": [route("10.0.0.0/16", GatewayId="local"), route("2600:1f18:aa00::/56", GatewayId="local"),
                        route("0.0.0.0/0", GatewayId="igw-1"), route("::/0", GatewayId="igw-1")]},
            {"RouteTableId": "rtb-priv", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-priv"}],
             "Routes": [route("10.0.0.0/16", GatewayId="local"), route("2600:1f18:aa00::/56", GatewayId="local"),
                        route("10.1.0.0/16", VpcPeeringConnectionId="pcx-1"),
                        route("0.0.0.0/0", NatGatewayId="nat-1"), route("::/0", EgressOnlyInternetGatewayId="eigw-1")]},
            {"RouteTableId": "rtb-peer", "VpcId": "vpc-2", "Associations": [{"Main": True}],
             "Routes": [route("10.1.0.0/16", GatewayId="local"), route("10.0.0.0/16", VpcPeeringConnectionId="pcx-1")]},
        ],
        "NetworkAcls": [
            {"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": True, "Entries": copy.deepcopy(ALLOW_ALL),
             "Associations": [{"SubnetId": "subnet-pub"}, {"SubnetId": "subnet-priv"}]},
            {"NetworkAclId": "acl-default2", "VpcId": "vpc-2", "IsDefault": True, "Entries": copy.deepcopy(ALLOW_ALL),
             "Associations": [{"SubnetId": "subnet-peer"}]},
        ],
        "SecurityGroups": [
            {"GroupId": "sg-web", "GroupName": "web", "VpcId": "vpc-1",
             "IpPermissions": [perm("tcp", 22, 22, cidrs=("0.0.0.0/0",)), perm("tcp", 80, 80, cidrs=("0.0.0.0/0",)),
                               perm("tcp", 443, 443, cidrs=("0.0.0.0/0",), v6=("::/0",))],
             "IpPermissionsEgress": [perm("-1", cidrs=("0.0.0.0/0",), v6=("::/0",))]},
            {"GroupId": "sg-app", "GroupName": "app", "VpcId": "vpc-1",
             "IpPermissions": [perm("tcp", 8080, 8080, groups=("sg-web",))],
             "IpPermissionsEgress": [perm("-1", cidrs=("0.0.0.0/0",), v6=("::/0",))]},
            {"GroupId": "sg-peer", "GroupName": "peer", "VpcId": "vpc-2", "IpPermissions": [],
             "IpPermissionsEgress": [perm("-1", cidrs=("0.0.0.0/0",))]},
        ],
        "NetworkInterfaces": [
            eni("eni-web", "subnet-pub", "vpc-1", "10.0.1.10", ["sg-web"], "i-web", "54.0.0.10",
                ("2600:1f18:aa00:1::10",)),
            eni("eni-web2", "subnet-pub", "vpc-1", "10.0.1.11", ["sg-web"], "i-web2"),
            eni("eni-app", "subnet-priv", "vpc-1", "10.0.2.20", ["sg-app"], "i-app", None,
                ("2600:1f18:aa00:2::20",)),
            eni("eni-peer", "subnet-peer", "vpc-2", "10.1.1.30", ["sg-peer"], "i-peer"),
        ],
    })


def network(data: dict[str, Any], ephemeral: tuple[int, int] = (1024, 65535)) -> Network:
    return Network(from_data(data).snapshot, ephemeral)


def group(data: dict[str, Any], gid: str) -> dict[str, Any]:
    return next(g for g in data["SecurityGroups"] if g["GroupId"] == gid)


def acl(data: dict[str, Any], aid: str) -> dict[str, Any]:
    return next(a for a in data["NetworkAcls"] if a["NetworkAclId"] == aid)


def table(data: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(t for t in data["RouteTables"] if t["RouteTableId"] == rid)


def iface(data: dict[str, Any], eid: str) -> dict[str, Any]:
    return next(e for e in data["NetworkInterfaces"] if e["NetworkInterfaceId"] == eid)


def custom_acl(data: dict[str, Any], subnet: str, entries: list[dict[str, Any]]) -> None:
    """Give ``subnet`` its own ACL with ``entries`` (moving it off the default one)."""
    for a in data["NetworkAcls"]:
        a["Associations"] = [x for x in a["Associations"] if x.get("SubnetId") != subnet]
    vpc = next(s["VpcId"] for s in data["Subnets"] if s["SubnetId"] == subnet)
    data["NetworkAcls"].append({"NetworkAclId": f"acl-{subnet}", "VpcId": vpc, "IsDefault": False,
                                "Entries": entries, "Associations": [{"SubnetId": subnet}]})
