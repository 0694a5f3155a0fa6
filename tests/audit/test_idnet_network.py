"""Issue 13 (idnet): latent exposure, rule by rule, and unused security groups and network ACLs, each both ways.

CIS 5.1 (EC2.21) "no network ACL allows ingress from 0.0.0.0/0 to remote server administration ports", CIS 5.2 /
5.3 (EC2.13, EC2.14, EC2.53, EC2.54) the same for security groups from 0.0.0.0/0 and ::/0:
https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html
ACL entries are evaluated in rule-number order, the first match decides:
https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
Security group rules: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, audit_of, only, rules
from test_network import vpc_copy

from parc.core.audit import AuditReport, Severity

VPC_ID = "vpc-1"


def sg_rule(port: int, cidr: str = "0.0.0.0/0", proto: str = "tcp", to: int | None = None) -> dict[str, Any]:
    ranges = {"IpRanges": [{"CidrIp": cidr}], "Ipv6Ranges": []} if ":" not in cidr else {
        "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": cidr}]}
    return {"IpProtocol": proto, "FromPort": port, "ToPort": port if to is None else to, **ranges,
            "PrefixListIds": [], "UserIdGroupPairs": []}


def group(gid: str, *ingress: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {"GroupId": gid, "GroupName": name or gid, "VpcId": VPC_ID, "OwnerId": ACCT,
            "IpPermissions": list(ingress), "IpPermissionsEgress": []}


def eni(eid: str, *groups: str) -> dict[str, Any]:
    return {"NetworkInterfaceId": eid, "SubnetId": "subnet-1", "VpcId": VPC_ID, "PrivateIpAddress": "10.0.0.5",
            "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5", "Primary": True}],
            "Groups": [{"GroupId": g} for g in groups], "Status": "in-use"}


def entry(number: int, action: str, cidr: str = "0.0.0.0/0", proto: str = "6",
          ports: tuple[int, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"RuleNumber": number, "RuleAction": action, "Egress": False, "Protocol": proto}
    out["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if ports is not None:
        out["PortRange"] = {"From": ports[0], "To": ports[1]}
    return out


def acl(aid: str, *entries: dict[str, Any], subnets: tuple[str, ...] = ("subnet-1",)) -> dict[str, Any]:
    return {"NetworkAclId": aid, "VpcId": VPC_ID, "IsDefault": False, "OwnerId": ACCT,
            "Entries": [*entries, entry(32767, "deny", proto="-1")],
            "Associations": [{"NetworkAclId": aid, "SubnetId": s} for s in subnets]}


def network(tmp: Path, groups: list[Any], enis: list[Any], acls: list[Any]) -> AuditReport:
    """A private VPC (no internet gateway): nothing is reachable today, every open rule is latent."""
    ec2 = tmp / "ec2src"
    ec2.mkdir()
    files = {
        "describe-vpcs.json": {"Vpcs": [{"VpcId": VPC_ID, "CidrBlock": "10.0.0.0/16", "OwnerId": ACCT}]},
        "describe-subnets.json": {"Subnets": [{"SubnetId": "subnet-1", "VpcId": VPC_ID, "CidrBlock": "10.0.0.0/24"}]},
        "describe-route-tables.json": {"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": VPC_ID, "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}],
            "Associations": [{"Main": True, "RouteTableId": "rtb-1"}]}]},
        "describe-internet-gateways.json": {"InternetGateways": []},
        "describe-security-groups.json": {"SecurityGroups": groups},
        "describe-network-interfaces.json": {"NetworkInterfaces": enis},
        "describe-network-acls.json": {"NetworkAcls": acls},
        "describe-instances.json": {"Reservations": []},
        "describe-managed-prefix-lists.json": {"PrefixLists": []},
        "describe-nat-gateways.json": {"NatGateways": []},
        "describe-egress-only-internet-gateways.json": {"EgressOnlyInternetGateways": []},
        "describe-vpc-peering-connections.json": {"VpcPeeringConnections": []},
    }
    for name, data in files.items():
        (ec2 / name).write_text(json.dumps(data, indent=2))
    return audit_of(tmp, ec2=ec2)


@pytest.mark.parametrize(("name", "rule", "expected"), [
    ("NET_SG_OPEN_ADMIN_PORT: SSH from 0.0.0.0/0", sg_rule(22), ["SSH"]),
    ("NET_SG_OPEN_ADMIN_PORT: RDP from ::/0", sg_rule(3389, "::/0"), ["RDP"]),
    ("NET_SG_OPEN_ADMIN_PORT: all traffic from 0.0.0.0/0 opens every sensitive port",
     {**sg_rule(0, proto="-1"), "FromPort": None, "ToPort": None}, None),
    ("NET_SG_OPEN_ADMIN_PORT: a range over 22", sg_rule(0, to=1024),
     ["SSH", "Telnet", "FTP", "SMB/NetBIOS", "LDAP", "Kerberos"]),
    ("NET_SG_OPEN_ADMIN_PORT: MySQL from anywhere", sg_rule(3306), ["MySQL"]),
    ("fine: SSH from a corporate range", sg_rule(22, "203.0.113.0/24"), []),
    ("fine: HTTPS from anywhere", sg_rule(443), []),
])
def test_security_group_rules_open_to_the_internet(tmp_path: Path, name: str, rule: dict[str, Any],
                                                   expected: list[str] | None) -> None:
    rule = {k: v for k, v in rule.items() if v is not None}
    report = network(tmp_path, [group("sg-1", rule)], [eni("eni-1", "sg-1")], [])
    found = [f for f in report.findings if f.rule == "NET_SG_OPEN_ADMIN_PORT"]
    if expected == []:
        assert found == []
        return
    (f,) = found
    if expected is not None:
        assert f.details["services"] == expected
    else:
        assert {"SSH", "RDP", "MySQL", "Redis"} <= set(f.details["services"])  # type: ignore[arg-type]
    # Used by an interface that nothing reaches today: latent, MEDIUM, and it says why.
    assert f.severity is Severity.MEDIUM and f.details["reachable_today"] is False
    assert "none is reachable from the internet today" in f.why
    assert f.evidence[0].path == "SecurityGroups[0].IpPermissions[0]" and f.evidence[0].line


def test_a_group_nothing_uses_is_low_and_unused(tmp_path: Path) -> None:
    report = network(tmp_path, [group("sg-1", sg_rule(22)), group("sg-2")], [eni("eni-1", "sg-2")], [])
    f = only(report, "NET_SG_OPEN_ADMIN_PORT")
    assert f.severity is Severity.LOW and "no network interface uses the group" in f.why
    assert rules(report, "NET_SG_UNUSED") == ["NET_SG_UNUSED"] and only(report, "NET_SG_UNUSED").resource == "sg-1"


def test_default_groups_are_never_unused(tmp_path: Path) -> None:
    report = network(tmp_path, [group("sg-d", name="default")], [], [])
    assert rules(report, "NET_SG_UNUSED") == []


def test_a_reachable_rule_says_so_and_stays_below_the_exposure(tmp_path: Path) -> None:
    """The example VPC: web-1 is reachable on SSH (HIGH); the rule's latent finding names it, at MEDIUM."""
    report = audit_of(tmp_path, ec2=vpc_copy(tmp_path))
    exposed = only(report, "NET_INTERNET_EXPOSED_SENSITIVE_PORT")
    latent = only(report, "NET_SG_OPEN_ADMIN_PORT")
    assert latent.details["reachable_today"] is True and "i-0a3c5e7b9d1f20091" in latent.why
    assert latent.severity.rank < exposed.severity.rank


@pytest.mark.parametrize(("name", "entries", "expected"), [
    ("NET_ACL_OPEN_ADMIN_PORT: allow all from 0.0.0.0/0", [entry(100, "allow", proto="-1")], True),
    ("NET_ACL_OPEN_ADMIN_PORT: allow tcp 22 from 0.0.0.0/0", [entry(100, "allow", ports=(22, 22))], True),
    ("NET_ACL_OPEN_ADMIN_PORT: the deny of 22 comes after the allow",
     [entry(100, "allow", ports=(0, 65535)), entry(200, "deny", ports=(22, 22)),
      entry(210, "deny", ports=(3389, 3389))], True),
    ("NET_ACL_OPEN_ADMIN_PORT: allow all from ::/0", [entry(100, "allow", "::/0", proto="-1")], True),
    ("fine: admin ports denied before the allow", [
        entry(90, "deny", ports=(0, 1023)), entry(95, "deny", ports=(1024, 32767)),
        entry(100, "allow", ports=(32768, 65535)), entry(99, "deny", proto="17")], False),
    ("fine: only 443 allowed", [entry(100, "allow", ports=(443, 443))], False),
    ("fine: 22 allowed from a corporate range only", [entry(100, "allow", "203.0.113.0/24", ports=(22, 22))],
     False),
])
def test_network_acl_entries(tmp_path: Path, name: str, entries: list[Any], expected: bool) -> None:
    report = network(tmp_path, [], [], [acl("acl-1", *entries)])
    assert rules(report, "NET_ACL_OPEN_ADMIN_PORT") == (["NET_ACL_OPEN_ADMIN_PORT"] if expected else [])


def test_unused_network_acls(tmp_path: Path) -> None:
    report = network(tmp_path, [], [], [acl("acl-used", entry(100, "allow", ports=(443, 443))),
                                        acl("acl-idle", entry(100, "allow", ports=(443, 443)), subnets=())])
    assert only(report, "NET_ACL_UNUSED").resource == "acl-idle"


def test_unused_groups_without_the_interfaces_file_are_not_checked(tmp_path: Path) -> None:
    ec2 = vpc_copy(tmp_path)
    (ec2 / "describe-network-interfaces.json").unlink()
    report = audit_of(tmp_path, ec2=ec2)
    assert rules(report, "NET_SG_UNUSED") == []
    assert any("unused security groups" in n.check for n in report.not_checked)
