"""The record of one ``check`` walk: the hops on each leg, what blocked, and what the snapshot does not describe.

``reach`` drives the walk leg by leg; the steps every leg shares (security groups, network ACLs, the route lookup)
live here with the recorder, so each verdict is made and explained in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from parc.core.network import codes
from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.addresses import Address
from parc.core.network.intervals import IntervalSet
from parc.core.network.model import Eni, Route, RouteTable
from parc.core.network.network import Network
from parc.core.network.results import Blocked, Hop
from parc.core.network.traffic import describe
from parc.core.network.unknowns import Unknown, describe_kind


class Stop(Exception):
    def __init__(self, blocked: Blocked) -> None:
        super().__init__(blocked.message)
        self.blocked = blocked


class Unknowable(Exception):
    """The path cannot be followed further: where the packet goes depends on what the snapshot does not describe."""


@dataclass
class Run:
    """One walk in progress: the legs recorded so far, the return steps queued, and what could not be seen."""

    net: Network
    traffic: IntervalSet
    ephemeral: tuple[int, int]
    forward: list[Hop] = field(default_factory=list)
    back: list[Hop] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leg: str = "forward"
    pending: list[Callable[[], None]] = field(default_factory=list)
    """Return-path steps, queued while walking forward and run (in order) once the forward path is through."""
    unknown: list[Unknown] = field(default_factory=list)

    # -- recording

    def hop(self, hop: Hop) -> None:
        (self.forward if self.leg == "forward" else self.back).append(hop)

    def block(self, component: str | None, kind: str, code: str, message: str, rule: str | None = None,
              direction: str | None = None, groups: tuple[str, ...] = ()) -> None:
        self.hop(Hop(component or "-", kind, False, rule, direction, message, code, groups))
        raise Stop(Blocked(component, code, self.leg, message, groups))

    def assume(self, component: str, kind: str, missing: str, message: str, direction: str | None = None,
               groups: tuple[str, ...] = ()) -> None:
        """A component the snapshot does not describe: record it, and go on as if it let the packet through."""
        self.hop(Hop(component, kind, None, None, direction, message, codes.UNKNOWN_RESOURCE, groups))
        self.unknown.append(Unknown(component, kind, missing, message, self.leg))

    def note_hidden_prefix_routes(self, table: RouteTable, route: Route | None, dest: object) -> None:
        """A route table whose prefix-list routes the snapshot cannot expand: which route carries ``dest`` is
        unknown (a more specific route may hide in a prefix list)."""
        hidden = self.net.unknown_prefix_routes(table, route)
        if hidden:
            self.unknowable(table.id, "route-table", "; ".join(f"{pl} (entries not in ManagedPrefixLists)"
                                                                for pl in hidden),
                            f"{table.id} has routes to prefix lists whose entries are not in the snapshot "
                            f"({', '.join(hidden)}): which route carries {dest} is unknown")

    def unknowable(self, component: str, kind: str, missing: str, message: str) -> None:
        """The path goes on through something the snapshot does not describe: the answer is unknown."""
        self.assume(component, kind, missing, message)
        raise Unknowable(message)

    # -- steps

    @staticmethod
    def _sg_component(eni: Eni) -> str:
        """Reachability Analyzer names the group when there is one, the interface when it has several."""
        return eni.group_ids[0] if len(eni.group_ids) == 1 else eni.id

    def sg(self, eni: Eni, egress: bool, peer: Address, peer_eni: Eni | None) -> None:
        way = "egress" if egress else "ingress"
        groups = eni.group_ids
        if not eni.filtered_by_security_groups:
            self.hop(Hop(eni.id, "network-interface", True, None, way, "no security groups on this interface"))
            return
        decision = self.net.security_group_decision(eni, egress, peer, peer_eni)
        rule = decision.first_allowing(self.traffic)
        if rule is not None:
            self.hop(Hop(rule.group_id, "security-group", True, f"{rule.ref()}: {rule.describe()}", way,
                         security_groups=groups))
            return
        other = "to" if egress else "from"
        what = f"{describe(self.traffic)} {other} {peer}"
        missing = self.net.unknown_groups(eni)
        uncertain = self.net.uncertain_rules(eni, egress, peer, peer_eni, self.traffic)
        if missing or uncertain:
            # Rules are allow-only and pooled: what no described rule allows, an undescribed one still could.
            why = ([f"{g} is not in the snapshot" for g in missing] + uncertain)
            data = ([f"{g} (not in SecurityGroups, {describe_kind('SecurityGroups')})" for g in missing]
                    + [u.split(":", 1)[0] for u in uncertain])
            self.assume(self._sg_component(eni), "security-group", "; ".join(data),
                        f"no described {way} rule of {eni.id} allows {what}, and it cannot be told whether "
                        f"{'; '.join(why)} would", way, groups)
            return
        rules = self.net.rules(eni, egress)
        code = codes.SG_HAS_NO_RULES if not rules else codes.ENI_SG_RULES_MISMATCH
        names = ", ".join(groups) or "(no security group)"
        self.block(self._sg_component(eni) if groups else eni.id, "security-group", code,
                   f"no {way} rule of {names} on {eni.id} allows {what}", None, way, groups)

    def sg_stateful(self, eni: Eni, egress: bool) -> None:
        if eni.filtered_by_security_groups and eni.group_ids:
            way = "egress" if egress else "ingress"
            self.hop(Hop(self._sg_component(eni), "security-group", True, "stateful: reply to an allowed flow",
                         way, f"security groups of {eni.id} track the connection", security_groups=eni.group_ids))

    def acl(self, subnet_id: str, vpc_id: str, egress: bool, peer: Address, traffic: IntervalSet) -> None:
        if not traffic:
            return
        way = "egress" if egress else "ingress"
        acl = self.net.acl_for(subnet_id, vpc_id)
        if acl is None:
            # Every subnet has a network ACL (VPC User Guide, "Network ACLs"); which one, the snapshot does not say.
            missing = (describe_kind("NetworkAcls") if "NetworkAcls" in self.net.absent
                       else f"the network ACL of {subnet_id} (neither associated nor {vpc_id}'s default ACL is in "
                       "NetworkAcls)")
            self.assume(f"network ACL of {subnet_id}", "network-acl", missing,
                        f"the snapshot does not describe the network ACL of {subnet_id}: whether it admits "
                        f"{describe(traffic)} {'to' if egress else 'from'} {peer} is unknown", way)
            return
        decision = acl_evaluate(acl, egress, peer, traffic)
        other = "to" if egress else "from"
        if decision.allowed != traffic:
            deny = decision.deny_pieces[0]
            what = "the reply " if self.leg == "return" else ""
            self.block(
                acl.id, "network-acl", codes.SUBNET_ACL_RESTRICTION,
                f"{way} {deny.describe()} denies {what}{describe(deny.traffic)} {other} {peer} ({subnet_id})",
                deny.describe(), way,
            )
            return
        rules = "; ".join(p.describe() for p in decision.allow_pieces)
        self.hop(Hop(acl.id, "network-acl", True, rules, way, f"{describe(traffic)} {other} {peer} ({subnet_id})"))

    def route(self, subnet_id: str, vpc_id: str, dest: Address) -> Route:
        table = self.net.route_table_for(subnet_id, vpc_id)
        if table.implicit:
            missing = (describe_kind("RouteTables") if "RouteTables" in self.net.absent
                       else f"the route table of {subnet_id} (neither associated nor {vpc_id}'s main table is in "
                       "RouteTables)")
            if self.net.inside_vpc(dest, vpc_id):
                note = (f"{subnet_id}: the snapshot has no route table for it; the local route of {vpc_id} is "
                        "assumed (every route table has one, VPC User Guide, \"Route tables\")")
                if note not in self.notes:
                    self.notes.append(note)
                self.hop(Hop(table.id, "route-table", True, "local (assumed)", None, f"to {dest}"))
                return Route(None, None, "local", "local")
            self.unknowable(f"route table of {subnet_id}", "route-table", missing,
                            f"the snapshot has no route table for {subnet_id}: where it sends {dest} is unknown")
        route = self.net.lookup_route(table, dest)
        self.note_hidden_prefix_routes(table, route, dest)
        if route is None:
            self.block(table.id, "route-table", codes.NO_ROUTE_TO_DESTINATION,
                       f"{table.id} ({subnet_id}) has no route to {dest}")
            raise AssertionError  # unreachable: block raises
        if route.state != "active":
            self.block(table.id, "route-table", codes.BAD_STATE_ROUTE,
                       f"the route {route.describe()} in {table.id} is a blackhole: packets to {dest} are dropped",
                       route.describe())
        self.hop(Hop(table.id, "route-table", True, route.describe(), None, f"to {dest}"))
        return route

    def then_return(self, step: Callable[[], None]) -> None:
        self.pending.append(step)


def missing(run: Run, kind: str, ref: str) -> str:
    return describe_kind(kind) if kind in run.net.absent else f"{ref} (not in {kind})"
