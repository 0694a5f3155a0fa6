"""``matrix``: which instances can reach which, on which ports, between their private addresses.

The same path as ``check`` (security groups, routes, both ACLs and the stateless reply), evaluated over whole traffic
sets instead of one packet, so one pass per pair yields every open protocol and port range.
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.acl import reply_passes
from parc.core.network.addresses import Address
from parc.core.network.intervals import EMPTY, IntervalSet
from parc.core.network.model import Eni
from parc.core.network.network import Network
from parc.core.network.traffic import UNIVERSE, Span, packet, parse_protocol, spans


@dataclass(frozen=True, slots=True)
class MatrixCell:
    source: str
    destination: str
    traffic: IntervalSet

    @property
    def open(self) -> list[Span]:  # io-ok: the open port ranges, not file I/O
        return spans(self.traffic)

    def to_dict(self) -> dict[str, object]:
        return {"from": self.source, "to": self.destination, "open": [s.to_dict() for s in self.open]}


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


def allowed_between(net: Network, s: Eni, s_addr: Address, d: Eni, d_addr: Address,
                    traffic: IntervalSet = UNIVERSE) -> IntervalSet:
    """All traffic (within ``traffic``) that ``s`` can send to ``d`` and get answered, by private address."""
    t = traffic & net.security_group_decision(s, True, d_addr, d).allowed if s.filtered_by_security_groups else traffic
    if not t:
        return EMPTY
    if d.filtered_by_security_groups:
        t = t & net.security_group_decision(d, False, s_addr, s).allowed
    if not t or s.subnet_id == d.subnet_id:
        return t
    fwd = net.lookup_route(net.route_table_for(s.subnet_id, s.vpc_id), d_addr)
    back = net.lookup_route(net.route_table_for(d.subnet_id, d.vpc_id), s_addr)
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
        if not any(d_addr in c for c in cidrs):
            return EMPTY
    else:
        return EMPTY
    s_acl = net.acl_for(s.subnet_id, s.vpc_id)
    d_acl = net.acl_for(d.subnet_id, d.vpc_id)
    if s_acl is None or d_acl is None:
        return EMPTY
    t = t & acl_evaluate(s_acl, True, d_addr, t).allowed
    t = t & acl_evaluate(d_acl, False, s_addr, t).allowed
    if not t:
        return EMPTY
    t = t & reply_passes(acl_evaluate(d_acl, True, s_addr).allowed, net.ephemeral, require_all=True)
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
            cells.append(MatrixCell(sid, did, allowed_between(net, s, s.primary_ip, d, d.primary_ip, query)))
    return Matrix(tuple(i for i, _ in members), {i: net.instance_name(i) for i, _ in members}, tuple(cells), query)
