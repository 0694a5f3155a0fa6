"""References to things a snapshot does not hold: reported as findings, never fatal.

A security group deleted while rules still name it, a peering connection to another account's VPC, an ENI in a
subnet that was not exported: each gets one finding, and the engine treats the missing thing as matching nothing
(a rule naming an unknown group allows no one), which can only make a verdict stricter, never wrongly allow.
"""

from __future__ import annotations

from collections import defaultdict

from parc.core.findings import Finding, FindingType
from parc.core.network.model import Snapshot
from parc.core.network.unknowns import KIND_EFFECTS, describe_kind, snapshot_absent

SG_DOCS = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
PEERING_DOCS = "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html"


def reference_findings(snapshot: Snapshot, present: frozenset[str] = frozenset()) -> list[Finding]:
    """Dangling references; ``present`` names the describe-* keys the input had (a missing key is "none of those",
    so references into it are reported once per kind instead of once per reference)."""
    out: list[Finding] = []
    vpcs = {v.id for v in snapshot.vpcs}
    subnets = {s.id for s in snapshot.subnets}
    groups = {g.id for g in snapshot.security_groups}
    pls = {p.id for p in snapshot.prefix_lists}
    igws = {g.id for g in snapshot.internet_gateways}
    nats = {n.id for n in snapshot.nat_gateways}
    pcxs = {p.id: p for p in snapshot.peering_connections}
    eigws = {g.id for g in snapshot.egress_only_internet_gateways}

    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    for g in snapshot.security_groups:
        for rule in (*g.ingress, *g.egress):
            p = rule.peer
            if p.kind == "group" and p.ref not in groups:
                missing[("group", p.ref or "")].append(rule.ref())
            elif p.kind == "prefix-list" and p.ref not in pls:
                missing[("prefix-list", p.ref or "")].append(rule.ref())
    for e in snapshot.enis:
        for gid in e.group_ids:
            if gid not in groups:
                missing[("eni-group", gid)].append(e.id)
        if snapshot.subnets and e.subnet_id not in subnets:
            missing[("subnet", e.subnet_id)].append(e.id)
    for t in snapshot.route_tables:
        for r in t.routes:
            if r.state != "active":
                continue
            known = {
                "internet-gateway": igws, "nat-gateway": nats, "peering-connection": set(pcxs),
                "egress-only-internet-gateway": eigws,
            }.get(r.target_kind)
            if known is not None and r.target not in known:
                missing[(r.target_kind, r.target)].append(t.id)
            if r.prefix_list_id and r.prefix_list_id not in pls:
                missing[("prefix-list", r.prefix_list_id)].append(t.id)
    if vpcs:
        for s in snapshot.subnets:
            if s.vpc_id not in vpcs:
                missing[("vpc", s.vpc_id)].append(s.id)

    for (kind, ref), users in sorted(missing.items()):
        where = ", ".join(sorted(set(users))[:5]) + (" ..." if len(set(users)) > 5 else "")
        if kind == "group":
            out.append(Finding(
                "NET_SG_RULE_UNKNOWN_GROUP", FindingType.WARNING,
                f"security group rules reference {ref}, which is not in the snapshot (deleted, or in another "
                f"account): they match no one ({where})",
                learn_more=PEERING_DOCS, details={"group": ref, "rules": where},
            ))
        elif kind == "prefix-list":
            out.append(Finding(
                "NET_UNKNOWN_PREFIX_LIST", FindingType.WARNING,
                f"{ref} is used by {where} but its entries are not in the snapshot: it matches no address "
                "(add describe-managed-prefix-lists output with the Entries of each list)",
                details={"prefix_list": ref},
            ))
        elif kind == "eni-group":
            out.append(Finding(
                "NET_UNKNOWN_SECURITY_GROUP", FindingType.WARNING,
                f"network interfaces use security group {ref}, which is not in the snapshot: its rules are unknown "
                f"and treated as allowing nothing ({where})",
                details={"group": ref},
            ))
        elif kind == "peering-connection" and ref in pcxs:
            continue
        else:
            out.append(Finding(
                "NET_UNKNOWN_REFERENCE", FindingType.WARNING,
                f"{ref} ({kind}) is referenced by {where} but is not in the snapshot",
                details={"kind": kind, "id": ref},
            ))
    for pc in snapshot.peering_connections:
        for vid in (pc.requester_vpc_id, pc.accepter_vpc_id):
            if vpcs and vid not in vpcs:
                out.append(Finding(
                    "NET_PEERED_VPC_NOT_IN_SNAPSHOT", FindingType.SUGGESTION,
                    f"{pc.id} connects to {vid}, which the snapshot does not describe (another account or Region?): "
                    "paths end at the peering connection",
                    details={"peering": pc.id, "vpc": vid},
                ))
    subnet_ids = {s.id: s.vpc_id for s in snapshot.subnets}
    if "NetworkAcls" in present or snapshot.network_acls:
        explicit = {sid for a in snapshot.network_acls for sid in a.subnet_ids}
        defaults = {a.vpc_id for a in snapshot.network_acls if a.is_default}
        for sid, vid in sorted(subnet_ids.items()):
            if sid not in explicit and vid not in defaults:
                out.append(Finding("NET_SUBNET_WITHOUT_ACL", FindingType.WARNING,
                                   f"no network ACL is known for {sid} (nor a default one for {vid}): traffic "
                                   "crossing its boundary is reported as unknown", details={"subnet": sid}))
    elif subnet_ids or snapshot.enis:
        out.append(Finding("NET_NO_NETWORK_ACLS", FindingType.WARNING,
                           f"the snapshot has no {describe_kind('NetworkAcls')}: {KIND_EFFECTS['NetworkAcls']}",
                           details={"kind": "NetworkAcls"}))
    if not snapshot.route_tables and (subnet_ids or snapshot.enis):
        out.append(Finding("NET_NO_ROUTE_TABLES", FindingType.WARNING,
                           f"the snapshot has no {describe_kind('RouteTables')}: {KIND_EFFECTS['RouteTables']}",
                           details={"kind": "RouteTables"}))
    if snapshot.kinds is not None and snapshot.kinds:
        for kind in sorted(snapshot_absent(snapshot) - {"NetworkAcls", "RouteTables"}):
            derived = kind in ("InternetGateways", "EgressOnlyInternetGateways")
            out.append(Finding("NET_NOT_DESCRIBED", FindingType.SUGGESTION if derived else FindingType.WARNING,
                               f"the snapshot has no {describe_kind(kind)}: {KIND_EFFECTS[kind]}",
                               details={"kind": kind}))
    return out
