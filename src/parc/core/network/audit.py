"""Network findings for the audit: what an auditor flags first in a VPC.

- an interface reachable from the internet on a sensitive port (remote administration, databases, admin consoles);
- a default security group that still has rules (CIS AWS Foundations 5.4: it should restrict all traffic);
- a network ACL that allows all traffic in a direction, from every address;
- security group rules that name a group the snapshot does not hold (deleted, stale after a peering went away).
"""

from __future__ import annotations

from functools import lru_cache

from parc.core.findings import Finding, FindingType
from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.addresses import Address, whole
from parc.core.network.exposure import Exposure, exposed
from parc.core.network.intervals import IntervalSet
from parc.core.network.network import Network
from parc.core.network.references import reference_findings
from parc.core.network.traffic import TCP, UDP, UNIVERSE, describe, port_range

SENSITIVE_PORTS: dict[str, tuple[tuple[int, int, int], ...]] = {
    # name: ((protocol, from, to), ...)
    "SSH": ((TCP, 22, 22),),
    "RDP": ((TCP, 3389, 3389), (UDP, 3389, 3389)),
    "Telnet": ((TCP, 23, 23),),
    "FTP": ((TCP, 20, 21),),
    "SMB/NetBIOS": ((TCP, 139, 139), (TCP, 445, 445), (UDP, 137, 138)),
    "VNC": ((TCP, 5900, 5903),),
    "WinRM": ((TCP, 5985, 5986),),
    "MySQL": ((TCP, 3306, 3306),),
    "PostgreSQL": ((TCP, 5432, 5432),),
    "Microsoft SQL Server": ((TCP, 1433, 1434),),
    "Oracle": ((TCP, 1521, 1521),),
    "MongoDB": ((TCP, 27017, 27019),),
    "Redis": ((TCP, 6379, 6379),),
    "Memcached": ((TCP, 11211, 11211), (UDP, 11211, 11211)),
    "Cassandra": ((TCP, 7000, 7001), (TCP, 9042, 9042)),
    "Elasticsearch/OpenSearch": ((TCP, 9200, 9300),),
    "CouchDB": ((TCP, 5984, 5984),),
    "Kibana": ((TCP, 5601, 5601),),
    "Docker API": ((TCP, 2375, 2376),),
    "Kubernetes API / kubelet / etcd": ((TCP, 6443, 6443), (TCP, 10250, 10250), (TCP, 2379, 2380)),
    "Admin console (8080/8443/9090)": ((TCP, 8080, 8080), (TCP, 8443, 8443), (TCP, 9090, 9090)),
    # Directory and messaging services: unauthenticated LDAP binds and Kafka listeners without SASL leak or take
    # data, ZooKeeper reconfigures the cluster, and Kerberos pre-authentication is brute-forced (AS-REP roasting).
    # Ports: https://kafka.apache.org (9092 PLAINTEXT; MSK 9094 TLS, 9096 SASL/SCRAM, 9098 IAM:
    # https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html), LDAP 389/636, Kerberos 88.
    # MSK's public-access listeners are 9194 (TLS), 9196 (SASL/SCRAM), 9198 (IAM); ZooKeeper over TLS 2182.
    "Kafka": ((TCP, 9092, 9092), (TCP, 9094, 9094), (TCP, 9096, 9096), (TCP, 9098, 9098), (TCP, 9194, 9194),
              (TCP, 9196, 9196), (TCP, 9198, 9198)),
    "ZooKeeper": ((TCP, 2181, 2182),),
    "LDAP": ((TCP, 389, 389), (UDP, 389, 389), (TCP, 636, 636)),
    "Kerberos": ((TCP, 88, 88), (UDP, 88, 88)),
}

SG_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
DEFAULT_SG_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html"
ACL_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"


def sensitive_ports(exposure: Exposure) -> list[tuple[str, IntervalSet]]:
    """The sensitive services an exposure opens, each with exactly which of its ports are open."""
    return list(_sensitive(exposure.traffic))


def sensitive_services(traffic: IntervalSet) -> tuple[tuple[str, IntervalSet], ...]:
    """The sensitive services some traffic (a rule's, an ACL's) reaches, each with exactly which of its ports."""
    return _sensitive(traffic)


@lru_cache(maxsize=1)
def _services() -> tuple[tuple[str, IntervalSet], ...]:
    """Each sensitive service with its ports as traffic (built once, not once per exposure)."""
    return tuple((name, IntervalSet.of(r for proto, lo, hi in ranges for r in port_range(proto, lo, hi)))
                 for name, ranges in SENSITIVE_PORTS.items())


@lru_cache(maxsize=4096)
def _sensitive(traffic: IntervalSet) -> tuple[tuple[str, IntervalSet], ...]:
    """``sensitive_ports`` by the traffic open (interfaces behind the same groups open the same; the audit asks it
    of each exposure twice: for its findings and for the access graph; and of every rule open to the internet, most
    of which open the same few ports)."""
    return tuple((name, hit) for name, wanted in _services() if (hit := traffic & wanted))


def exposure_findings(exposures: list[Exposure]) -> list[Finding]:
    out: list[Finding] = []
    for exp in exposures:
        where = exp.instance_id or exp.eni.id
        name = f" ({exp.instance_name})" if exp.instance_name else ""
        addrs = ", ".join(str(a) for a in exp.addresses)
        confirmed = exp.confirmed
        for service, ports in sensitive_ports(exp):
            rules = [r.rule.ref() if r.rule is not None else (r.group or "no security group")
                     for r in exp.rules if r.traffic.overlaps(ports)]
            certain = confirmed.issuperset(ports)
            unknown = "" if certain else " (the snapshot does not describe " + "; ".join(
                u.component for u in exp.unknown) + ")"
            out.append(Finding(
                "NET_INTERNET_EXPOSED_SENSITIVE_PORT", FindingType.SECURITY_WARNING,
                f"{where}{name} {'is' if certain else 'may be'} reachable from the internet at {addrs} on "
                f"{describe(ports)} ({service}), opened by {', '.join(rules) or 'no security group'}{unknown}",
                learn_more=SG_DOCS,
                fix="restrict the rule's source to known addresses, or reach the host through Session Manager or a "
                "VPN instead",
                details={"network_interface": exp.eni.id, "instance": exp.instance_id or "", "service": service,
                         "ports": describe(ports), "rules": ", ".join(rules)},
            ))
    return out


def default_sg_findings(net: Network) -> list[Finding]:
    out: list[Finding] = []
    for g in net.snapshot.security_groups:
        if g.is_default and (g.ingress or g.egress):
            users = len(net.group_members.get(g.id, []))
            out.append(Finding(
                "NET_DEFAULT_SG_HAS_RULES", FindingType.WARNING,
                f"the default security group {g.id} of {g.vpc_id} has {len(g.ingress)} inbound and {len(g.egress)} "
                f"outbound rules ({users} network interfaces use it): it should allow nothing",
                learn_more=DEFAULT_SG_DOCS,
                fix="remove its rules and give resources purpose-made security groups",
                details={"security_group": g.id, "vpc": g.vpc_id or ""},
            ))
    return out


def open_acl_findings(net: Network) -> list[Finding]:
    out: list[Finding] = []
    for acl in net.snapshot.network_acls:
        for egress in (False, True):
            wide_open = True
            for version in sorted({e.cidr.version for e in acl.entries}):
                points = {0} | {p for e in acl.entries if e.cidr.version == version for p in (e.cidr.lo, e.cidr.hi + 1)}
                top = whole(version).ranges[0][1]
                for p in sorted(points):
                    if p > top:
                        continue
                    if acl_evaluate(acl, egress, Address(version, p)).allowed != UNIVERSE:
                        wide_open = False
                        break
                if not wide_open:
                    break
            if wide_open and acl.entries:
                way = "outbound" if egress else "inbound"
                out.append(Finding(
                    "NET_ACL_ALLOWS_ALL", FindingType.WARNING,
                    f"network ACL {acl.id} ({'default, ' if acl.is_default else ''}{_subnets(len(acl.subnet_ids))}) "
                    f"allows all {way} traffic from every address: it adds no protection",
                    learn_more=ACL_DOCS,
                    details={"network_acl": acl.id, "direction": way},
                ))
    return out


def network_findings(net: Network, exposures: list[Exposure] | None = None) -> list[Finding]:
    """Everything above, in one list (computes ``exposed`` unless given)."""
    exps = exposed(net) if exposures is None else exposures
    stale = [f for f in reference_findings(net.snapshot) if f.code == "NET_SG_RULE_UNKNOWN_GROUP"]
    return exposure_findings(exps) + default_sg_findings(net) + open_acl_findings(net) + stale


def _subnets(n: int) -> str:
    return "1 subnet" if n == 1 else f"{n} subnets"
