"""What a snapshot does not describe, and what each absence does to an answer.

A verdict is only as good as the data under it. A whole kind of data can be absent (no describe-network-acls file),
or one resource can be (a route to ``nat-1`` when NatGateways does not list it). parc never turns either into a
clean "blocked": a component it cannot see is *unknown*, the walk goes on past it as if it let the packet through
(so a later component that certainly blocks still gives a certain "blocked"), and the answer is ``reachable: null``
with the list of what was missing. Where AWS guarantees a default, parc assumes it and says so in the answer's
notes. Per kind (``KIND_EFFECTS`` holds the same text for reports):

- NetworkAcls: a subnet's ACL is unknown (every subnet has one, "Network ACLs", VPC User Guide; which one, and its
  rules, cannot be guessed): ``check`` answers unknown unless something else certainly blocks; ``exposed`` and
  ``matrix`` count the traffic as possibly open.
- RouteTables (or a VPC's main table): the VPC's local route is assumed for destinations inside the VPC ("every route
  table contains a local route for communication within the VPC", "Route tables"); every other destination is
  unknown; ``exposed`` counts an interface with a public address as possibly reachable.
- SecurityGroups (or one group of an interface): its rules are unknown. Rules of all groups are pooled and allow-only,
  so a known rule that allows still allows; otherwise the group is unknown.
- InternetGateways / EgressOnlyInternetGateways: attachments are read from the route tables (an active route to a
  gateway exists only while it is attached to the VPC: a detached gateway's routes turn ``blackhole``).
- NatGateways, VpcPeeringConnections: a route through one that is not described ends the path as unknown.
- ManagedPrefixLists / PrefixLists: a rule or route naming a list whose entries are not described is unknown.
- NetworkInterfaces and Reservations: with neither, there is nothing to examine; ``exposed`` says so instead of
  "nothing is reachable".
- Vpcs, Subnets: not needed for a verdict (interfaces carry their VPC and subnet; route tables their local routes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parc.core.network.model import Snapshot

COMMANDS: dict[str, str] = {
    "Vpcs": "describe-vpcs",
    "Subnets": "describe-subnets",
    "RouteTables": "describe-route-tables",
    "InternetGateways": "describe-internet-gateways",
    "NatGateways": "describe-nat-gateways",
    "EgressOnlyInternetGateways": "describe-egress-only-internet-gateways",
    "VpcPeeringConnections": "describe-vpc-peering-connections",
    "SecurityGroups": "describe-security-groups",
    "NetworkAcls": "describe-network-acls",
    "NetworkInterfaces": "describe-network-interfaces",
    "Reservations": "describe-instances",
    "ManagedPrefixLists": "describe-managed-prefix-lists",
    "PrefixLists": "describe-prefix-lists",
}

KIND_EFFECTS: dict[str, str] = {
    "NetworkAcls": "network ACLs are unknown: traffic crossing a subnet boundary is reported as unknown, not blocked",
    "RouteTables": "routes are unknown: the VPC's local route is assumed, every other destination is unknown",
    "SecurityGroups": "security group rules are unknown: traffic no known rule allows is reported as unknown",
    "InternetGateways": "internet gateway attachments are read from the routes that target them",
    "EgressOnlyInternetGateways": "egress-only internet gateway attachments are read from the routes that target "
    "them",
    "NatGateways": "paths through a NAT gateway are unknown",
    "VpcPeeringConnections": "paths through a peering connection, and group references across one, are unknown",
    "PrefixLists": "rules and routes naming a prefix list are unknown",
    "NetworkInterfaces": "no network interface or instance is described: nothing could be examined",
}
"""What a whole absent kind does to the answers (``PrefixLists`` stands for ManagedPrefixLists and PrefixLists,
``NetworkInterfaces`` for NetworkInterfaces and Reservations together)."""


def describe_kind(kind: str) -> str:
    """``NetworkAcls (describe-network-acls)``."""
    if kind == "PrefixLists":
        return "ManagedPrefixLists (describe-managed-prefix-lists, with their Entries)"
    if kind == "NetworkInterfaces":
        return "NetworkInterfaces (describe-network-interfaces) and Reservations (describe-instances)"
    command = COMMANDS.get(kind)
    return f"{kind} ({command})" if command else kind


def absent_kinds(present: frozenset[str] | None, uses_prefix_lists: bool = True) -> frozenset[str]:
    """The kinds of ``KIND_EFFECTS`` a snapshot lacks (``None``: built in code, everything counts as present);
    prefix lists only when a rule or route names one (``uses_prefix_lists``)."""
    if present is None:
        return frozenset()
    out = {k for k in KIND_EFFECTS if k not in present and k not in ("PrefixLists", "NetworkInterfaces")}
    if "ManagedPrefixLists" not in present and "PrefixLists" not in present and uses_prefix_lists:
        out.add("PrefixLists")
    if "NetworkInterfaces" not in present and "Reservations" not in present:
        out.add("NetworkInterfaces")
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Unknown:
    """One component an answer could not see through, and why."""

    component: str
    """What is unknown: ``acl of subnet-1``, ``sg-9``, ``nat-1``, ``pl-5``, ``route table of subnet-1``."""
    kind: str
    """network-acl, security-group, route-table, nat-gateway, peering-connection, prefix-list, internet-gateway."""
    missing: str
    """The data that would decide it: ``NetworkAcls (describe-network-acls)``, ``sg-9 (not in SecurityGroups)``."""
    message: str
    direction: str | None = None
    """``forward`` or ``return`` in a ``check``; ``None`` elsewhere."""

    def to_dict(self) -> dict[str, object]:
        return {"component": self.component, "type": self.kind, "missing": self.missing,
                "direction": self.direction, "message": self.message}


def snapshot_absent(snapshot: Snapshot) -> frozenset[str]:
    """``absent_kinds`` of a snapshot, prefix lists counted only when something names one."""
    uses = any(r.peer.kind == "prefix-list" for g in snapshot.security_groups for r in (*g.ingress, *g.egress)) or any(
        r.prefix_list_id for t in snapshot.route_tables for r in t.routes)
    return absent_kinds(snapshot.kinds, uses)
