"""Latent network exposure and unused network objects, rule by rule, whatever reaches an instance today:

* a security group rule open to the internet (``0.0.0.0/0``, ``::/0``) on a remote administration or other
  sensitive port (SSH, RDP and the services ``parc.core.network.audit`` calls sensitive): CIS 5.2 / 5.3
  (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html, EC2.13, EC2.14, EC2.53, EC2.54);
* a network ACL whose inbound entries, in rule-number order, let the whole internet reach such a port: CIS 5.1
  (EC2.21), "no network ACL allows ingress from 0.0.0.0/0 to remote server administration ports";
* a security group that no network interface uses, and a network ACL associated with no subnet.

A rule that reaches an instance today is already a ``NET_INTERNET_EXPOSED_SENSITIVE_PORT`` (HIGH or CRITICAL); the
latent finding is lower (MEDIUM when interfaces use the group, LOW when nothing does, LOW for an ACL, whose entry
alone opens nothing) and says why it is not reachable, or that it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from parc.core.audit.inputs import AccountInputs
from parc.core.audit.model import AuditFinding, CheckResult, NotChecked, Severity
from parc.core.audit.network import network_evidence
from parc.core.network.audit import ACL_DOCS, SG_DOCS, sensitive_services
from parc.core.network.exposure import Exposure
from parc.core.network.intervals import IntervalSet
from parc.core.network.model import NetworkAcl, SgRule
from parc.core.network.network import Network
from parc.core.network.traffic import describe

CHECK = "network integrity: rules open to the internet on administration ports, unused security groups and ACLs"
EC2_CONTROLS = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html"

def _names(services: tuple[tuple[str, IntervalSet], ...]) -> str:
    names = [n for n, _ in services]
    return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:3])} and {len(names) - 3} more services"


def latent_checks(account: AccountInputs, exposures: list[Exposure]) -> CheckResult:
    net = account.network
    if net is None:
        return CheckResult()  # the network check says "not checked" already
    findings = list(_open_rules(account, net, exposures))
    findings.extend(_open_acls(account, net))
    not_checked = []
    kinds = net.snapshot.kinds
    if kinds is not None and "NetworkInterfaces" not in kinds:
        # Instances alone do not say it: load balancers, databases and functions use groups through interfaces
        # that only describe-network-interfaces lists.
        not_checked.append(NotChecked(
            "network integrity: unused security groups", "the snapshot has no describe-network-interfaces.json: "
            "which groups are in use cannot be told", account.account_id))
    else:
        findings.extend(_unused_groups(account, net))
    findings.extend(_unused_acls(account, net))  # an ACL's subnets are its own Associations
    return CheckResult.of(findings, not_checked)


def _open_rules(account: AccountInputs, net: Network, exposures: list[Exposure]) -> Iterator[AuditFinding]:
    reached: dict[str, list[str]] = {}
    for exp in exposures:
        for r in exp.rules:
            if r.rule is not None:
                reached.setdefault(r.rule.ref(), []).append(exp.instance_id or exp.eni.id)
    for g in net.snapshot.security_groups:
        members = net.group_members.get(g.id, [])
        for rule in g.ingress:
            if not _internet(rule):
                continue
            services = sensitive_services(rule.traffic)
            if not services:
                continue
            ports = IntervalSet.of(r for _, hit in services for r in hit)
            names = _names(services)
            via = reached.get(rule.ref(), [])
            if via:
                reason = (f"it reaches {', '.join(sorted(set(via)))} today (see NET_INTERNET_EXPOSED_SENSITIVE_PORT)")
            elif members:
                reason = (f"{len(members)} network interface(s) use the group ({', '.join(e.id for e in members[:3])}"
                          f"{' ...' if len(members) > 3 else ''}) but none is reachable from the internet today (no "
                          "public address, no route to an internet gateway, or a network ACL in the way); a public "
                          "address or a route added later opens it")
            else:
                reason = "no network interface uses the group today; it opens the port to whatever is put in it"
            yield AuditFinding(
                "NET_SG_OPEN_ADMIN_PORT", Severity.MEDIUM if members else Severity.LOW, "network",
                f"Security group {g.id} ({g.name}) allows {names} from {rule.peer}",
                g.id,
                f"A rule open to the whole internet on an administration or data port ({describe(ports)}) is one "
                f"step from exposure: {reason}.",
                "Restrict the rule's source to known addresses (or a prefix list), or remove it; reach hosts through "
                "Session Manager or a VPN.",
                account.account_id, (network_evidence(account, rule.ref(), f"{rule.ref()}: {rule.describe()}"),),
                f"{EC2_CONTROLS} (EC2.13, EC2.14, EC2.53, EC2.54; CIS 5.2, 5.3); {SG_DOCS}",
                key=rule.ref(),
                details={"security_group": g.id, "rule": rule.ref(), "ports": describe(ports),
                         "services": [n for n, _ in services], "reachable_today": bool(via),
                         "network_interfaces": len(members), "reason": reason},
            )


def _internet(rule: SgRule) -> bool:
    return rule.peer.kind == "cidr" and rule.peer.cidr is not None and rule.peer.cidr.prefixlen == 0


def _acl_open(acl: NetworkAcl, version: int) -> IntervalSet:
    """The traffic the inbound entries for the whole address family (``/0``) allow, in rule-number order: the first
    such entry matching a packet decides it (a narrower entry before it decides only for part of the internet)."""
    decided = IntervalSet.of([])
    allowed = IntervalSet.of([])
    for e in sorted(acl.entries, key=lambda e: e.rule_number):
        if e.egress or e.cidr.version != version or e.cidr.prefixlen != 0:
            continue
        fresh = e.traffic.difference(decided)
        if e.allow:
            allowed = allowed.union(fresh)
        decided = decided.union(e.traffic)
    return allowed


def _open_acls(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    for acl in net.snapshot.network_acls:
        for version, cidr in ((4, "0.0.0.0/0"), (6, "::/0")):
            services = sensitive_services(_acl_open(acl, version))
            if not services:
                continue
            ports = IntervalSet.of(r for _, hit in services for r in hit)
            names = _names(services)
            entries = [e for e in acl.entries if not e.egress and e.allow and e.cidr.version == version
                       and e.cidr.prefixlen == 0 and e.traffic.overlaps(ports)]
            evidence = [network_evidence(account, acl.id, f"{acl.id}: " + "; ".join(e.describe() for e in entries))]
            used = len(acl.subnet_ids)
            yield AuditFinding(
                "NET_ACL_OPEN_ADMIN_PORT", Severity.LOW, "network",
                f"Network ACL {acl.id} allows {names} in from {cidr}",
                acl.id,
                "The ACL adds no layer against administration ports opened to the internet: only the security "
                f"groups stand in the way ({used} subnet(s) use it). Ports: {describe(ports)}.",
                f"Add a deny entry for these ports from {cidr} before the allow (a lower rule number), or narrow the "
                "allow to the ports the subnets serve.",
                account.account_id, tuple(evidence),
                f"{EC2_CONTROLS} (EC2.21; CIS 5.1); {ACL_DOCS}",
                key=cidr,
                details={"network_acl": acl.id, "ports": describe(ports), "services": [n for n, _ in services],
                         "subnets": used},
            )


def _unused_groups(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    referenced = {r.peer.ref for g in net.snapshot.security_groups for r in (*g.ingress, *g.egress)
                  if r.peer.kind == "group" and r.peer.ref and r.group_id != r.peer.ref}
    for g in net.snapshot.security_groups:
        if g.is_default or net.group_members.get(g.id):
            continue
        also = " (other groups' rules name it)" if g.id in referenced else ""
        yield AuditFinding(
            "NET_SG_UNUSED", Severity.INFO, "network",
            f"Security group {g.id} ({g.name}) is attached to no network interface{also}",
            g.id,
            "Unused groups pile up, get reused with rules nobody reviews, and make the rules that matter harder to "
            "find.",
            f"Check it is not kept for a launch template or a service that creates interfaces later, then aws ec2 "
            f"delete-security-group --group-id {g.id}.",
            account.account_id, (network_evidence(account, g.id, f"{g.id}: no network interface lists it"),),
            "https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html",
            details={"security_group": g.id, "referenced": bool(also)},
        )


def _unused_acls(account: AccountInputs, net: Network) -> Iterator[AuditFinding]:
    for acl in net.snapshot.network_acls:
        if acl.is_default or acl.subnet_ids:
            continue
        yield AuditFinding(
            "NET_ACL_UNUSED", Severity.INFO, "network",
            f"Network ACL {acl.id} is associated with no subnet",
            acl.id,
            "An unused ACL protects nothing; it is clutter that a later association could bring back with stale "
            "entries.",
            f"aws ec2 delete-network-acl --network-acl-id {acl.id}",
            account.account_id, (network_evidence(account, acl.id, f"{acl.id}: Associations=[]"),),
            ACL_DOCS, details={"network_acl": acl.id},
        )
