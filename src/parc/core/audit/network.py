"""Network integrity over each account's VPC snapshot (``parc.core.network``): what the internet reaches, on which
ports, sensitive services first; default security groups with rules; network ACLs that allow everything; security
group rules naming groups the snapshot does not hold.

Severities: a database, cache, search engine, container or cluster API, Telnet or SMB open to the internet is
CRITICAL (they are the services found and emptied by scanners within hours, and several have no authentication by
default); remote administration (SSH, RDP, VNC, WinRM, FTP), admin consoles, Kafka and ZooKeeper, LDAP and
Kerberos HIGH; any other open port INFO (a web server on 443 is usually meant, but it is listed). A default security
group with rules is MEDIUM when interfaces use it (CIS 5.4), else LOW; an allow-all network ACL LOW; a rule naming an
unknown group LOW.

What the snapshot does not describe is never clean (``parc.core.network.unknowns``): an exposure that holds only if an
undescribed ACL, route table, security group or prefix list lets it through is reported as "may be reachable" at
the same severity, and each absent kind of data the answers depend on is listed as not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from parc.core.audit.inputs import AccountInputs
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity
from parc.core.findings import Finding
from parc.core.network.audit import (
    ACL_DOCS,
    DEFAULT_SG_DOCS,
    SG_DOCS,
    default_sg_findings,
    open_acl_findings,
    sensitive_ports,
)
from parc.core.network.exposure import Exposure, OpenRule
from parc.core.network.model import AclEntry
from parc.core.network.network import Network
from parc.core.network.references import reference_findings
from parc.core.network.traffic import describe
from parc.core.network.unknowns import KIND_EFFECTS, describe_kind

CHECK = "network integrity: internet exposure, default security groups, network ACLs, stale group references"
CRITICAL_SERVICES = frozenset({
    "Telnet", "SMB/NetBIOS", "MySQL", "PostgreSQL", "Microsoft SQL Server", "Oracle", "MongoDB", "Redis",
    "Memcached", "Cassandra", "Elasticsearch/OpenSearch", "CouchDB", "Docker API", "Kubernetes API / kubelet / etcd",
})

DIRECTORY_SERVICES = frozenset({"Kafka", "ZooKeeper", "LDAP", "Kerberos"})
DIRECTORY_WHY = ("Directory, authentication and message-broker services answer anyone who reaches them (anonymous "
                 "LDAP binds, Kafka listeners without authentication, Kerberos pre-authentication to brute-force); ")


def network_checks(account: AccountInputs, exposures: list[Exposure] | None = None) -> CheckResult:
    net = account.network
    if net is None:
        return CheckResult.of(not_checked=[NotChecked(
            CHECK, "the snapshot has no ec2/ folder (aws ec2 describe-* outputs of the account's VPCs)",
            account.account_id)])
    exps = net.exposed() if exposures is None else exposures
    findings = list(_exposures(account, net, exps))
    findings.extend(_default_groups(account, net))
    findings.extend(_acls(account, net))
    findings.extend(_stale(account, net))
    gaps = [NotChecked(CHECK, f"the snapshot has no {describe_kind(k)}: {KIND_EFFECTS[k]}", account.account_id)
            for k in sorted(net.absent) if k in GATING_KINDS]
    return CheckResult.of(findings, gaps)


GATING_KINDS = frozenset({"NetworkInterfaces", "SecurityGroups", "NetworkAcls", "RouteTables", "PrefixLists"})
"""Absent kinds that the internet exposure check depends on (gateways are read from the routes)."""


def _rule_evidence(account: AccountInputs, rules: list[OpenRule], seen: dict[int, Evidence]) -> list[Evidence]:
    """The security group rules (or their absence) that let an exposure's ports through. ``seen``: each rule's
    evidence by the rule's id, written once (a group's rules are met again on every interface it guards and for
    every service they open; the rules outlive the audit's use of this)."""
    out: list[Evidence] = []
    for r in rules:
        rule = r.rule
        if rule is None:
            out.append(Evidence(r.rule_text if r.group else "no security group filters this interface"))
            continue
        hit = seen.get(id(rule))
        if hit is None:
            ref = rule.ref()
            hit = seen[id(rule)] = network_evidence(account, ref, f"{ref}: {rule.describe()}")
        out.append(hit)
    return out


def network_evidence(account: AccountInputs, ref: str, text: str) -> Evidence:
    """Evidence pointing at a network item's place in its describe-* file, when the snapshot knows it."""
    pos = account.network_positions.get(ref)
    if pos is None:
        return Evidence(text)
    file, path, line, column = pos
    return Evidence(text, file, path, line, column)


def _exposures(account: AccountInputs, net: Network, exps: list[Exposure]) -> Iterator[AuditFinding]:
    seen: dict[int, Evidence] = {}
    for exp in exps:
        where = exp.instance_id or exp.eni.id
        name = f" ({exp.instance_name})" if exp.instance_name else ""
        addrs = ", ".join(str(a) for a in exp.addresses)
        route = (f"route {exp.route_table_id} to {exp.igw_id}" + (f", network ACL {exp.acl_id}" if exp.acl_id
                                                                   else ""))
        sensitive = sensitive_ports(exp)
        covered = None
        confirmed = exp.confirmed
        unknown = "; ".join(f"{u.component}: {u.missing}" for u in exp.unknown)
        for service, ports in sensitive:
            covered = ports if covered is None else covered.union(ports)
            rules = [r for r in exp.rules if r.traffic.overlaps(ports)]
            evidence = _rule_evidence(account, rules, seen)
            evidence.append(network_evidence(account, exp.eni.id, f"{exp.eni.id}: {addrs}, {route}"))
            certain = confirmed.issuperset(ports)
            if not certain:
                evidence.append(Evidence(f"not described by the snapshot: {unknown}"))
            critical = service in CRITICAL_SERVICES
            yield AuditFinding(
                "NET_INTERNET_EXPOSED_SENSITIVE_PORT", Severity.CRITICAL if critical else Severity.HIGH, "network",
                f"{where}{name} {'is' if certain else 'may be'} reachable from the internet at {addrs} on "
                f"{describe(ports)} ({service})",
                where,
                ("Databases, caches and cluster APIs are scanned for and emptied within hours of being exposed; "
                 if critical else DIRECTORY_WHY if service in DIRECTORY_SERVICES
                 else "Remote administration open to the internet is brute-forced around the clock; ")
                + f"it is reachable at {addrs} through {route}."
                + ("" if certain else f" The snapshot does not describe all on the way ({unknown}): whether it "
                   "is open cannot be told, so it is reported."),
                "Remove the rule or restrict its source to known addresses; reach the host through Session Manager, "
                "a VPN or a bastion in a private subnet instead" + ("; keep data stores in private subnets."
                                                                    if critical else "."),
                account.account_id,
                tuple(evidence),
                SG_DOCS,
                key=f"{exp.eni.id}|{exp.version}|{service}",
                details={"network_interface": exp.eni.id, "instance": exp.instance_id, "service": service,
                         "ports": describe(ports), "addresses": [str(a) for a in exp.addresses],
                         "certain": certain, "unknown": [u.to_dict() for u in exp.unknown] if not certain else []},
            )
        rest = exp.traffic.difference(covered) if covered is not None else exp.traffic
        if rest:
            evidence = _rule_evidence(account, [r for r in exp.rules if r.traffic.overlaps(rest)], seen)
            certain = confirmed.issuperset(rest)
            if not certain:
                evidence.append(Evidence(f"not described by the snapshot: {unknown}"))
            yield AuditFinding(
                "NET_INTERNET_EXPOSED", Severity.INFO, "network",
                f"{where}{name} {'is' if certain else 'may be'} reachable from the internet at {addrs} on "
                f"{describe(rest)}",
                where,
                f"Reachable at {addrs} through {route}: check each port is meant to be public.",
                "Close what is not meant to be public; put a load balancer in front of web servers.",
                account.account_id,
                tuple(evidence) or (network_evidence(account, exp.eni.id, f"{exp.eni.id}: {addrs}"),),
                SG_DOCS,
                key=f"{exp.eni.id}|{exp.version}",
                details={"network_interface": exp.eni.id, "instance": exp.instance_id, "ports": describe(rest)},
            )


def _default_groups(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    for f in default_sg_findings(net):
        gid = f.details.get("security_group", "")
        used = len(net.group_members.get(gid, []))
        g = next((x for x in net.snapshot.security_groups if x.id == gid), None)
        rules = [*g.ingress, *g.egress] if g is not None else []
        seen: dict[str, Evidence] = {}
        for r in rules:
            if r.ref() in seen:
                e = seen[r.ref()]
                seen[r.ref()] = Evidence(f"{e.text}; {r.describe()}", e.file, e.path, e.line, e.column)
            else:
                seen[r.ref()] = network_evidence(account, r.ref(), f"{r.ref()}: {r.describe()}")
        evidence = list(seen.values()) or [network_evidence(account, gid, gid)]
        yield AuditFinding(
            "NET_DEFAULT_SG_HAS_RULES", Severity.MEDIUM if used else Severity.LOW, "network",
            f"The default security group {gid} has rules" + (f" and {used} interfaces use it" if used else ""),
            gid,
            "Resources launched without a chosen group land in the default one and get its rules; CIS 5.4 asks "
            "that it allow nothing.",
            "Remove every inbound and outbound rule of the default group, and give resources purpose-made groups.",
            account.account_id, tuple(evidence), DEFAULT_SG_DOCS,
            details=dict(f.details),
        )


def _acls(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    by_acl: dict[str, list[Finding]] = {}
    for f in open_acl_findings(net):
        by_acl.setdefault(f.details.get("network_acl", ""), []).append(f)
    for acl_id, found in sorted(by_acl.items()):
        ways = " and ".join(f.details.get("direction", "") for f in found)
        yield AuditFinding(
            "NET_ACL_ALLOWS_ALL", Severity.LOW, "network",
            f"Network ACL {acl_id} allows all {ways} traffic",
            acl_id,
            "It adds no layer of defence: the security groups alone stand between its subnets and everything else.",
            "Allow only the ports and address ranges the subnets serve (and the ephemeral ports of replies), deny "
            "the rest.",
            account.account_id,
            (network_evidence(account, acl_id, f"{acl_id}: " + "; ".join(
                e.describe() for e in _acl_entries(net, acl_id) if e.allow and e.cidr.prefixlen == 0)),),
            ACL_DOCS,
            details={"directions": [f.details.get("direction", "") for f in found]},
        )


def _acl_entries(net: Network, acl_id: str) -> tuple[AclEntry, ...]:
    for acl in net.snapshot.network_acls:
        if acl.id == acl_id:
            return acl.entries
    return ()


def _stale(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    for f in reference_findings(net.snapshot):
        if f.code != "NET_SG_RULE_UNKNOWN_GROUP":
            continue
        target = f.details.get("group", "")
        refs = [r.strip() for r in f.details.get("rules", "").replace(" ...", "").split(",") if r.strip()]
        yield AuditFinding(
            "NET_SG_RULE_UNKNOWN_GROUP", Severity.LOW, "network",
            f"Security group rules reference {target or 'a group'} that the snapshot does not hold",
            target or (refs[0] if refs else "security group"),
            "The group was deleted (or is in an account outside the snapshot): the rules match no one today, and "
            "would silently open if a group with that id were shared or recreated.",
            "Delete the rules, or point them at the group that replaced it.",
            account.account_id,
            tuple(network_evidence(account, r, f"{r}: names {target}") for r in refs) or (Evidence(f.message),),
            SG_DOCS,
            key=target,
        )
