"""``matrix``: which instances can reach which, on which ports, between their private addresses.

The same path as ``check`` (security groups, routes, both ACLs and the stateless reply), evaluated over whole traffic
sets instead of one packet, so one pass per pair yields every open protocol and port range. What the snapshot does not
describe (an ACL, a route table, a security group, a prefix list's entries) is counted as letting traffic through,
and the cell says so in ``unknown``: a cell is never empty for lack of data.
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.acl import reply_passes
from parc.core.network.addresses import Address
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import Eni, Route
from parc.core.network.network import Network
from parc.core.network.traffic import UNIVERSE, Span, packet, parse_protocol, spans


@dataclass(frozen=True, slots=True)
class MatrixCell:
    source: str
    destination: str
    traffic: IntervalSet
    """What is or may be open (what the undescribed components are counted as letting through)."""
    unknown: tuple[str, ...] = ()
    """What the snapshot does not describe on the path; empty when ``traffic`` is certain."""

    @property
    def open(self) -> list[Span]:  # io-ok: the open port ranges, not file I/O
        return spans(self.traffic)

    def to_dict(self) -> dict[str, object]:
        return {"from": self.source, "to": self.destination, "open": [s.to_dict() for s in self.open],
                "unknown": list(self.unknown)}


@dataclass(frozen=True, slots=True)
class Matrix:
    instances: tuple[str, ...]
    names: dict[str, str | None]
    cells: tuple[MatrixCell, ...]
    query: IntervalSet
    """What was asked about: everything, or one protocol/port."""

    def cell(self, source: str, destination: str) -> MatrixCell | None:
        for c in self.cells:
            if c.source == source and c.destination == destination:
                return c
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "instances": [{"id": i, "name": self.names.get(i)} for i in self.instances],
            "query": [s.to_dict() for s in spans(self.query)],
            "reachable": [c.to_dict() for c in self.cells if c.traffic],
        }
        # A cell whose ``unknown`` is non-empty is only possibly reachable (see MatrixCell).


def _sg_allowed(net: Network, eni: Eni, egress: bool, addr: Address, peer: Eni, unknown: list[str]) -> IntervalSet:
    """What the interface's groups allow to/from ``peer``; what an undescribed group or prefix list could also allow
    is counted as allowed, and named in ``unknown``."""
    if not eni.filtered_by_security_groups:
        return UNIVERSE
    allowed = net.security_group_decision(eni, egress, addr, peer).allowed
    missing = net.unknown_groups(eni)
    if missing:
        unknown.extend(f"{g} (security group not in the snapshot)" for g in missing)
        return UNIVERSE
    for why in net.uncertain_rules(eni, egress, addr, peer, UNIVERSE):
        data, ref = why.split(": ", 1)
        unknown.append(f"{ref}: {data}")
        rule = next(r for r in net.rules(eni, egress) if r.ref() == ref)
        allowed = allowed | rule.traffic
    return allowed


def _route(net: Network, subnet_id: str, vpc_id: str, dest: Address, unknown: list[str]) -> Route | None:
    table = net.route_table_for(subnet_id, vpc_id)
    if table.implicit:
        unknown.append(f"route table of {subnet_id} (not in the snapshot; the VPC's local route is assumed)")
        return Route(None, None, "local", "local") if net.inside_vpc(dest, vpc_id) else None
    route = net.lookup_route(table, dest)
    hidden = net.unknown_prefix_routes(table, route)
    if hidden:
        unknown.extend(f"{pl} (prefix list entries not in the snapshot, routed by {table.id})" for pl in hidden)
    return route


def allowed_between(net: Network, s: Eni, s_addr: Address, d: Eni, d_addr: Address,
                    traffic: IntervalSet = UNIVERSE, unknown: list[str] | None = None) -> IntervalSet:
    """All traffic (within ``traffic``) that ``s`` can send to ``d`` and get answered, by private address; with
    ``unknown``, what the snapshot does not describe is counted as open and listed there."""
    gaps: list[str] = []
    t = traffic & _sg_allowed(net, s, True, d_addr, d, gaps)
    if not t:
        return EMPTY
    t = t & _sg_allowed(net, d, False, s_addr, s, gaps)
    if t and s.subnet_id != d.subnet_id:
        t = _across(net, s, s_addr, d, d_addr, t, gaps)
    if unknown is not None:
        unknown.extend(g for g in gaps if g not in unknown)
        return t
    return EMPTY if gaps else t


def _across(net: Network, s: Eni, s_addr: Address, d: Eni, d_addr: Address, t: IntervalSet,
            unknown: list[str]) -> IntervalSet:
    fwd = _route(net, s.subnet_id, s.vpc_id, d_addr, unknown)
    back = _route(net, d.subnet_id, d.vpc_id, s_addr, unknown)
    if fwd is None or back is None or fwd.state != "active" or back.state != "active":
        return EMPTY
    if fwd.target_kind == "local" and back.target_kind == "local":
        if s.vpc_id != d.vpc_id:
            return EMPTY
    elif fwd.target_kind == "peering-connection" and back.target == fwd.target:
        pcx = net.peerings.get(fwd.target)
        if pcx is None or pcx.status != "active" or pcx.other(s.vpc_id) != d.vpc_id:
            return EMPTY
        cidrs = pcx.cidrs_of(d.vpc_id) or (net.vpcs[d.vpc_id].cidrs if d.vpc_id in net.vpcs else ())
        if cidrs and not any(d_addr in c for c in cidrs):
            return EMPTY
    else:
        return EMPTY
    s_acl = net.acl_for(s.subnet_id, s.vpc_id)
    d_acl = net.acl_for(d.subnet_id, d.vpc_id)
    for sub, acl in ((s.subnet_id, s_acl), (d.subnet_id, d_acl)):
        if acl is None:
            unknown.append(f"network ACL of {sub} (not in the snapshot)")
    if s_acl is not None:
        t = t & acl_evaluate(s_acl, True, d_addr, t).allowed
    if d_acl is not None:
        t = t & acl_evaluate(d_acl, False, s_addr, t).allowed
    if not t:
        return EMPTY
    if d_acl is not None:
        t = t & reply_passes(acl_evaluate(d_acl, True, s_addr).allowed, net.ephemeral, require_all=True)
    if s_acl is not None:
        t = t & reply_passes(acl_evaluate(s_acl, False, d_addr).allowed, net.ephemeral, require_all=True)
    return t


def matrix(net: Network, port: int | None = None, protocol: str = "tcp") -> Matrix:
    query = UNIVERSE
    if port is not None:
        proto = parse_protocol(protocol)
        if proto is None:
            raise ValueError("--port needs one protocol")
        query = packet(proto, port)
    members: list[tuple[str, Eni]] = []
    for inst in sorted(net.instances.values(), key=lambda i: (i.name or "~", i.id)):
        eni = net.primary_eni(inst)
        if eni is not None and eni.primary_ip is not None and inst.state == "running":
            members.append((inst.id, eni))
    cells: list[MatrixCell] = []
    for sid, s in members:
        for did, d in members:
            if sid == did:
                continue
            assert s.primary_ip is not None and d.primary_ip is not None
            unknown: list[str] = []
            got = allowed_between(net, s, s.primary_ip, d, d.primary_ip, query, unknown)
            cells.append(MatrixCell(sid, did, got, tuple(unknown) if got else ()))
    return Matrix(tuple(i for i, _ in members), {i: net.instance_name(i) for i, _ in members}, tuple(cells), query)
