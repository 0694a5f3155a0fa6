"""Audit findings, each in both outcomes."""

from __future__ import annotations

from net_topology import acl, base, entry, group, network, perm

from parc.core.network.audit import default_sg_findings, network_findings, open_acl_findings

DEFAULT_SG = "https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html"


def test_sensitive_port_exposure_flagged_and_not() -> None:
    data = base()
    found = [f for f in network_findings(network(data)) if f.code == "NET_INTERNET_EXPOSED_SENSITIVE_PORT"]
    assert [f.details["service"] for f in found] == ["SSH"]
    group(data, "sg-web")["IpPermissions"] = [perm("tcp", 443, 443, cidrs=("0.0.0.0/0",)),
                                              perm("tcp", 3306, 3306, cidrs=("10.0.0.0/8",))]
    assert not [f for f in network_findings(network(data)) if f.code == "NET_INTERNET_EXPOSED_SENSITIVE_PORT"]


def test_default_security_group_with_and_without_rules() -> None:
    # DEFAULT_SG: the default group allows members to talk to each other and all outbound traffic.
    data = base()
    data["SecurityGroups"].append({"GroupId": "sg-default", "GroupName": "default", "VpcId": "vpc-1",
                                   "IpPermissions": [perm("-1", groups=("sg-default",))],
                                   "IpPermissionsEgress": []})
    assert [f.details["security_group"] for f in default_sg_findings(network(data))] == ["sg-default"]
    group(data, "sg-default")["IpPermissions"] = []
    assert default_sg_findings(network(data)) == []


def test_open_acl_flagged_and_a_single_deny_unflags_it() -> None:
    data = base()
    assert {(f.details["network_acl"], f.details["direction"]) for f in open_acl_findings(network(data))} == {
        ("acl-default", "inbound"), ("acl-default", "outbound"),
        ("acl-default2", "inbound"), ("acl-default2", "outbound")}
    acl(data, "acl-default")["Entries"].append(entry(50, False, "deny", "6", "203.0.113.0/24", (22, 22)))
    assert ("acl-default", "inbound") not in {
        (f.details["network_acl"], f.details["direction"]) for f in open_acl_findings(network(data))}
