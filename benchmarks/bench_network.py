"""Benchmark for ``parc net``: a generated VPC (2,000 ENIs, 500 security groups, 100 network ACLs), timing the
loader, ``exposed`` and 10,000 ``check`` queries. Seeded, so every run builds the same VPC.

    .venv/bin/python benchmarks/bench_network.py [--seed N] [--checks N]
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import time
from typing import Any

from parc.core.network import Network
from parc.core.network.exposure import exposed
from parc.loaders.ec2 import from_data

PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9200, 27017]


def _public_cidr(rnd: random.Random) -> str:
    first = rnd.choice([3, 13, 18, 34, 52, 54, 99, 198, 203])
    plen = rnd.choice([8, 16, 20, 24, 28, 32])
    a, b, c = rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)
    return str(ipaddress.ip_network(f"{first}.{a}.{b}.{c}/{plen}", strict=False))


def generate(seed: int = 1, enis: int = 2000, groups: int = 500, acls: int = 100) -> dict[str, Any]:
    rnd = random.Random(seed)
    vpc = "vpc-bench"
    data: dict[str, Any] = {
        "Vpcs": [{"VpcId": vpc, "CidrBlock": "10.0.0.0/16",
                  "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:100::/56",
                                                    "Ipv6CidrBlockState": {"State": "associated"}}]}],
        "InternetGateways": [{"InternetGatewayId": "igw-bench", "Attachments": [{"VpcId": vpc, "State": "available"}]}],
        "NatGateways": [{"NatGatewayId": "nat-bench", "VpcId": vpc, "SubnetId": "subnet-0", "State": "available",
                         "NatGatewayAddresses": [{"PrivateIp": "10.0.0.5", "PublicIp": "54.1.1.1"}]}],
        "Subnets": [], "RouteTables": [], "NetworkAcls": [], "SecurityGroups": [], "NetworkInterfaces": [],
    }
    local = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
             {"DestinationIpv6CidrBlock": "2600:1f18:100::/56", "GatewayId": "local", "State": "active"}]
    data["RouteTables"] = [
        {"RouteTableId": "rtb-public", "VpcId": vpc, "Associations": [],
         "Routes": [*local, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-bench", "State": "active"},
                    {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-bench", "State": "active"}]},
        {"RouteTableId": "rtb-private", "VpcId": vpc, "Associations": [{"Main": True}],
         "Routes": [*local, {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-bench", "State": "active"},
                    {"DestinationCidrBlock": "198.51.100.0/24", "NatGatewayId": "nat-gone", "State": "blackhole"}]},
    ]
    for i in range(acls):
        sid = f"subnet-{i}"
        data["Subnets"].append({"SubnetId": sid, "VpcId": vpc, "CidrBlock": f"10.0.{i}.0/24",
                                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": f"2600:1f18:100:{i:x}::/64"}]})
        if i % 2 == 0:
            data["RouteTables"][0]["Associations"].append({"SubnetId": sid})
        entries = []
        for egress in (False, True):
            n = 100
            for _ in range(rnd.randint(3, 12)):
                lo = rnd.choice([*PORTS, 0, 1024])
                entries.append({"RuleNumber": n, "Egress": egress, "RuleAction": rnd.choice(["allow", "allow", "deny"]),
                                "Protocol": rnd.choice(["6", "6", "17", "-1"]),
                                "CidrBlock": rnd.choice(["0.0.0.0/0", "10.0.0.0/16", _public_cidr(rnd)]),
                                "PortRange": {"From": lo, "To": lo + rnd.choice([0, 0, 100, 64511 - lo % 1000])}})
                n += rnd.choice([1, 10, 100])
            entries.append({"RuleNumber": 30000, "Egress": egress, "RuleAction": "allow", "Protocol": "-1",
                            "CidrBlock": "0.0.0.0/0"} if rnd.random() < 0.7 else
                           {"RuleNumber": 30000, "Egress": egress, "RuleAction": "allow", "Protocol": "6",
                            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}})
            entries.append({"RuleNumber": 30001, "Egress": egress, "RuleAction": "allow", "Protocol": "-1",
                            "Ipv6CidrBlock": "::/0"})
            entries.append({"RuleNumber": 32767, "Egress": egress, "RuleAction": "deny", "Protocol": "-1",
                            "CidrBlock": "0.0.0.0/0"})
        data["NetworkAcls"].append({"NetworkAclId": f"acl-{i}", "VpcId": vpc, "IsDefault": i == 0,
                                    "Entries": entries, "Associations": [{"SubnetId": sid}]})
    for g in range(groups):
        ingress = []
        for _ in range(rnd.randint(2, 8)):
            lo = rnd.choice(PORTS)
            perm: dict[str, Any] = {"IpProtocol": rnd.choice(["tcp", "tcp", "tcp", "udp", "-1"]), "FromPort": lo,
                                    "ToPort": lo + rnd.choice([0, 0, 0, 10]), "IpRanges": [], "Ipv6Ranges": [],
                                    "UserIdGroupPairs": []}
            kind = rnd.random()
            if kind < 0.25:
                perm["IpRanges"].append({"CidrIp": "0.0.0.0/0"})
            elif kind < 0.5:
                perm["IpRanges"].append({"CidrIp": _public_cidr(rnd)})
            elif kind < 0.75:
                perm["IpRanges"].append({"CidrIp": f"10.0.{rnd.randrange(256)}.0/{rnd.choice([16, 20, 24])}"})
            elif kind < 0.8:
                perm["Ipv6Ranges"].append({"CidrIpv6": "::/0"})
            else:
                perm["UserIdGroupPairs"].append({"GroupId": f"sg-{rnd.randrange(groups)}"})
            ingress.append(perm)
        egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}] if rnd.random() < 0.8 else [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        data["SecurityGroups"].append({"GroupId": f"sg-{g}", "GroupName": f"g{g}", "VpcId": vpc,
                                       "IpPermissions": ingress, "IpPermissionsEgress": egress})
    for e in range(enis):
        subnet = rnd.randrange(acls)
        ip = f"10.0.{subnet}.{10 + e // acls}"
        item: dict[str, Any] = {
            "NetworkInterfaceId": f"eni-{e}", "SubnetId": f"subnet-{subnet}", "VpcId": vpc, "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
            "Groups": [{"GroupId": f"sg-{rnd.randrange(groups)}"} for _ in range(rnd.randint(1, 3))],
            "Attachment": {"InstanceId": f"i-{e}", "DeviceIndex": 0},
        }
        if rnd.random() < 0.4:
            pub = f"54.{100 + e // 65536}.{(e // 256) % 256}.{e % 256}"
            item["Association"] = {"PublicIp": pub}
            item["PrivateIpAddresses"][0]["Association"] = {"PublicIp": pub}
        if rnd.random() < 0.3:
            item["Ipv6Addresses"] = [{"Ipv6Address": f"2600:1f18:100:{subnet:x}::{e:x}"}]
        data["NetworkInterfaces"].append(item)
    return data


def queries(data: dict[str, Any], n: int, seed: int) -> list[tuple[str, str, int]]:
    rnd = random.Random(seed + 1)
    ids = [e["NetworkInterfaceId"] for e in data["NetworkInterfaces"]]
    out = []
    for _ in range(n):
        kind = rnd.random()
        port = rnd.choice([*PORTS, rnd.randrange(1, 65536)])
        if kind < 0.5:
            out.append((rnd.choice(ids), rnd.choice(ids), port))
        elif kind < 0.8:
            out.append((f"{rnd.choice([34, 52, 198, 203])}.{rnd.randrange(256)}.{rnd.randrange(256)}.9",
                        rnd.choice(ids), port))
        else:
            out.append((rnd.choice(ids), f"93.184.{rnd.randrange(256)}.34", port))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--checks", type=int, default=10_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    data = generate(args.seed)
    t1 = time.perf_counter()
    result = from_data(data)
    net = Network(result.snapshot)
    t2 = time.perf_counter()
    exps = exposed(net)
    t3 = time.perf_counter()
    qs = queries(data, args.checks, args.seed)
    t4 = time.perf_counter()
    reachable = sum(net.check(s, d, "tcp", p).reachable for s, d, p in qs)
    t5 = time.perf_counter()

    snap = result.snapshot
    rules = sum(len(g.ingress) + len(g.egress) for g in snap.security_groups)
    entries = sum(len(a.entries) for a in snap.network_acls)
    print(f"VPC: {len(snap.enis)} ENIs, {len(snap.security_groups)} security groups ({rules} rules), "
          f"{len(snap.network_acls)} network ACLs ({entries} entries), {len(snap.subnets)} subnets (seed {args.seed})")
    print(f"generate           {t1 - t0:8.3f} s")
    print(f"load + index       {t2 - t1:8.3f} s")
    print(f"exposed            {t3 - t2:8.3f} s   {len(exps)} exposures "
          f"({len({e.eni.id for e in exps})} ENIs reachable from the internet)")
    per = (t5 - t4) / max(1, len(qs))
    print(f"{len(qs):,} checks      {t5 - t4:8.3f} s   {per * 1e6:.0f} us/check, {reachable} reachable")


if __name__ == "__main__":
    main()
