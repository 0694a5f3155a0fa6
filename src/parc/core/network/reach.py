"""``check``: one flow, forward then back, stopping at the first component that blocks it.

Forward: source ENI security groups (egress) -> source subnet route table -> source subnet network ACL (egress) ->
the route's target (local, peering connection, internet gateway, NAT gateway, egress-only internet gateway) ->
destination subnet network ACL (ingress) -> destination ENI security groups (ingress). Return: security groups are
stateful (VPC User Guide, "Security group rules": return traffic is allowed whatever the rules), network ACLs are not
("responses to allowed inbound traffic are subject to the rules for outbound traffic"): both ACLs again for the reply,
on the client's ephemeral ports, and the reverse route. Between two ENIs of one subnet neither route tables nor ACLs
apply ("Traffic that is destined for the MAC address of another network interface in the subnet makes use of data link
(layer 2) routing", VPC User Guide, "Route tables").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from parc.core.network import codes
from parc.core.network.acl import evaluate as acl_evaluate
from parc.core.network.acl import reply_traffic
from parc.core.network.addresses import Address, is_internet, is_rfc1918, is_rfc6598
from parc.core.network.intervals import IntervalSet
from parc.core.network.model import Eni, Route
from parc.core.network.network import NAT_EPHEMERAL, Network
from parc.core.network.results import Blocked, CheckResult, Endpoint, Flow, Hop
from parc.core.network.traffic import ICMP, TCP, UDP, ProtocolError, describe, packet, parse_protocol


class _Stop(Exception):
    def __init__(self, blocked: Blocked) -> None:
        super().__init__(blocked.message)
        self.blocked = blocked


@dataclass
class _Run:
    net: Network
    traffic: IntervalSet
    ephemeral: tuple[int, int]
    forward: list[Hop] = field(default_factory=list)
    back: list[Hop] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leg: str = "forward"
    pending: list[Callable[[], None]] = field(default_factory=list)
    """Return-path steps, queued while walking forward and run (in order) once the forward path is through."""

    # -- recording

    def hop(self, hop: Hop) -> None:
        (self.forward if self.leg == "forward" else self.back).append(hop)

    def block(self, component: str | None, kind: str, code: str, message: str, rule: str | None = None,
              direction: str | None = None) -> None:
        self.hop(Hop(component or "-", kind, False, rule, direction, message, code))
        raise _Stop(Blocked(component, code, self.leg, message))

    # -- steps

    def sg(self, eni: Eni, egress: bool, peer: Address, peer_eni: Eni | None) -> None:
        way = "egress" if egress else "ingress"
        groups = ", ".join(eni.group_ids) or "(none)"
        if not eni.filtered_by_security_groups:
            self.hop(Hop(eni.id, "network-interface", True, None, way, "no security groups on this interface"))
            return
        decision = self.net.security_group_decision(eni, egress, peer, peer_eni)
        rule = decision.first_allowing(self.traffic)
        if rule is None:
            rules = self.net.rules(eni, egress)
            code = codes.SG_HAS_NO_RULES if not rules else codes.ENI_SG_RULES_MISMATCH
            other = "to" if egress else "from"
            missing = [g for g in eni.group_ids if g not in self.net.security_groups]
            extra = f"; not in the snapshot: {', '.join(missing)}" if missing else ""
            self.block(
                groups, "security-group", code,
                f"no {way} rule of {groups} on {eni.id} allows {describe(self.traffic)} {other} {peer}{extra}",
                None, way,
            )
            return
        self.hop(Hop(rule.group_id, "security-group", True, f"{rule.ref()}: {rule.describe()}", way))

    def sg_stateful(self, eni: Eni, egress: bool) -> None:
        if eni.filtered_by_security_groups and eni.group_ids:
            way = "egress" if egress else "ingress"
            self.hop(Hop(", ".join(eni.group_ids), "security-group", True, "stateful: reply to an allowed flow",
                         way, f"security groups of {eni.id} track the connection"))

    def acl(self, subnet_id: str, vpc_id: str, egress: bool, peer: Address, traffic: IntervalSet) -> None:
        if not traffic:
            return
        way = "egress" if egress else "ingress"
        acl = self.net.acl_for(subnet_id, vpc_id)
        if acl is None:
            self.block(subnet_id, "subnet", codes.UNKNOWN_RESOURCE,
                       f"the snapshot has no network ACL for {subnet_id} (nor a default one for {vpc_id})", None, way)
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
        route = self.net.lookup_route(table, dest)
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


def check(
    net: Network,
    source: str,
    destination: str,
    protocol: str | int = "tcp",
    port: int | None = None,
    *,
    icmp_code: int | None = 0,
    ipv6: bool = False,
    ephemeral: tuple[int, int] | None = None,
) -> CheckResult:
    proto = parse_protocol(protocol)
    if proto is None:
        raise ProtocolError("check one protocol at a time (tcp, udp, icmp, icmpv6 or a number)")
    version = 6 if ipv6 or ":" in source or ":" in destination else 4
    src = net.resolve(source, version, role="source")
    dst = net.resolve(destination, version, near=src, role="destination")
    if src.address.version != dst.address.version:
        raise ValueError(f"{source} and {destination} are not of the same IP version")
    if src.eni is None and dst.eni is None:
        raise ValueError(f"neither {source} nor {destination} is in the snapshot: nothing to analyse")
    traffic = packet(proto, port, icmp_code)
    eph = ephemeral or net.ephemeral
    flow = Flow(src, dst, proto, port, icmp_code if proto in (ICMP, 58) else None, eph)
    run = _Run(net, traffic, eph)
    blocked: Blocked | None = None
    try:
        _walk(run, src, dst)
        run.leg = "return"
        for step in run.pending:
            step()
    except _Stop as stop:
        blocked = stop.blocked
    return CheckResult(flow, blocked is None, tuple(run.forward), tuple(run.back), blocked, tuple(run.notes))


def _walk(run: _Run, src: Endpoint, dst: Endpoint) -> None:
    if src.eni is None:
        assert dst.eni is not None
        if not dst.via_public and not (dst.address.version == 6 and is_internet(dst.address)):
            _from_outside_to_private(run, src.address, dst)
            return
        _inbound(run, src.address, dst.eni, dst.address, net_private=run.net.private_address_of(dst))
        return
    s_eni = src.eni
    s_addr = run.net.private_address_of(src) if src.via_public else src.address
    if dst.eni is not None and not dst.via_public:
        _internal(run, s_eni, s_addr, dst.eni, dst.address)
        return
    public_src = _outbound(run, s_eni, s_addr, dst.address)
    if dst.eni is not None:
        _inbound(run, public_src, dst.eni, dst.address, net_private=run.net.private_address_of(dst))


def _from_outside_to_private(run: _Run, src: Address, dst: Endpoint) -> None:
    assert dst.eni is not None
    igw = run.net.igw_of(dst.eni.vpc_id)
    if not is_internet(src):
        run.block(igw, "internet-gateway", _source_code(src),
                  f"{src} is not an internet address; a private source outside the snapshot would arrive over VPN, "
                  "Direct Connect or a transit gateway, which parc does not model")
    run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
              f"{dst.address} is a private address: the internet reaches an interface only at its public IP")


def _source_code(src: Address) -> str:
    if is_rfc6598(src):
        return codes.IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS
    return codes.IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS


def _dest_code(dst: Address) -> str:
    if is_rfc1918(dst):
        return codes.IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS
    if is_rfc6598(dst):
        return codes.IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS
    return codes.NO_POSSIBLE_DESTINATION


def _reply(run: _Run, ephemeral: tuple[int, int] | None = None) -> IntervalSet:
    return reply_traffic(run.traffic, ephemeral or run.ephemeral)


def _internal(run: _Run, s: Eni, s_addr: Address, d: Eni, d_addr: Address) -> None:
    """Between two ENIs by their private addresses: same subnet, same VPC, or across a peering connection."""
    if s.id == d.id:
        run.notes.append("source and destination are the same interface")
        return
    run.sg(s, True, d_addr, d)
    if s.subnet_id == d.subnet_id:
        run.hop(Hop(s.subnet_id, "subnet", True, None, None,
                    "same subnet: delivered directly, route tables and network ACLs do not apply"))
        run.sg(d, False, s_addr, s)

        def back_same() -> None:
            run.sg_stateful(d, True)
            run.sg_stateful(s, False)

        run.then_return(back_same)
        return
    route = run.route(s.subnet_id, s.vpc_id, d_addr)
    if route.target_kind == "local":
        if d.vpc_id != s.vpc_id:
            run.block(route.target, "route-table", codes.UNKNOWN_DESTINATION,
                      f"{d_addr} is inside {s.vpc_id} here, but {d.id} lives in {d.vpc_id}")
        run.acl(s.subnet_id, s.vpc_id, True, d_addr, run.traffic)
        run.acl(d.subnet_id, d.vpc_id, False, s_addr, run.traffic)
        run.sg(d, False, s_addr, s)

        def back_local() -> None:
            run.sg_stateful(d, True)
            run.acl(d.subnet_id, d.vpc_id, True, s_addr, _reply(run))
            r = run.route(d.subnet_id, d.vpc_id, s_addr)
            if r.target_kind != "local":
                run.block(r.target, r.target_kind, codes.NO_ROUTE_TO_DESTINATION,
                          f"the reply to {s_addr} is routed to {r.target}, not within the VPC")
            run.acl(s.subnet_id, s.vpc_id, False, d_addr, _reply(run))
            run.sg_stateful(s, False)

        run.then_return(back_local)
        return
    if route.target_kind == "peering-connection":
        _peering(run, route, s, s_addr, d, d_addr)
        return
    # Anything else leaves the VPC for the outside: a private destination is dropped there.
    _outbound(run, s, s_addr, d_addr, route=route)


def _peering(run: _Run, route: Route, s: Eni, s_addr: Address, d: Eni, d_addr: Address) -> None:
    pcx = run.net.peerings.get(route.target)
    if pcx is None:
        run.block(route.target, "peering-connection", codes.UNKNOWN_RESOURCE,
                  f"{route.target} is not in the snapshot (a peering to another account?)")
        raise AssertionError
    if pcx.status != "active":
        run.block(pcx.id, "peering-connection", codes.BAD_STATE, f"{pcx.id} is {pcx.status}, not active")
    other = pcx.other(s.vpc_id)
    if other is None:
        run.block(pcx.id, "peering-connection", codes.BAD_STATE_ATTACHMENT, f"{pcx.id} does not connect {s.vpc_id}")
    other_cidrs = pcx.cidrs_of(other or "") or (run.net.vpcs[other].cidrs if other in run.net.vpcs else ())
    if not any(d_addr in c for c in other_cidrs):
        run.block(pcx.id, "peering-connection", codes.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                  f"{d_addr} is not inside the CIDR blocks of {other}")
    if d.vpc_id != other:
        run.block(pcx.id, "peering-connection", codes.UNKNOWN_DESTINATION,
                  f"{pcx.id} leads to {other}, but {d.id} is in {d.vpc_id}")
    run.acl(s.subnet_id, s.vpc_id, True, d_addr, run.traffic)
    run.hop(Hop(pcx.id, "peering-connection", True, None, None, f"{s.vpc_id} -> {d.vpc_id}"))
    run.acl(d.subnet_id, d.vpc_id, False, s_addr, run.traffic)
    run.sg(d, False, s_addr, s)

    def back() -> None:
        run.sg_stateful(d, True)
        run.acl(d.subnet_id, d.vpc_id, True, s_addr, _reply(run))
        r = run.route(d.subnet_id, d.vpc_id, s_addr)
        if r.target != pcx.id:
            run.block(r.target, r.target_kind, codes.NO_ROUTE_TO_DESTINATION,
                      f"the reply to {s_addr} is routed to {r.target}, not back over {pcx.id}")
        run.hop(Hop(pcx.id, "peering-connection", True, None, None, f"{d.vpc_id} -> {s.vpc_id}"))
        run.acl(s.subnet_id, s.vpc_id, False, d_addr, _reply(run))
        run.sg_stateful(s, False)

    run.then_return(back)


def _outbound(run: _Run, s: Eni, s_addr: Address, dest: Address, route: Route | None = None) -> Address:
    """From an ENI out of the VPC to ``dest``; returns the source address the outside sees."""
    if route is None:
        run.sg(s, True, dest, None)
        route = run.route(s.subnet_id, s.vpc_id, dest)
    kind = route.target_kind
    if kind == "internet-gateway":
        return _via_igw(run, s, s_addr, dest, route.target)
    if kind == "egress-only-internet-gateway":
        return _via_eigw(run, s, s_addr, dest, route.target)
    if kind == "nat-gateway":
        return _via_nat(run, s, s_addr, dest, route.target)
    if kind == "local":
        run.block(route.target, "route-table", codes.UNKNOWN_DESTINATION,
                  f"{dest} is inside {s.vpc_id} but no network interface in the snapshot has it")
    if kind == "peering-connection":
        pcx = run.net.peerings.get(route.target)
        if pcx is not None and pcx.status == "active":
            other = pcx.other(s.vpc_id) or ""
            cidrs = pcx.cidrs_of(other) or (run.net.vpcs[other].cidrs if other in run.net.vpcs else ())
            if not any(dest in c for c in cidrs):
                run.block(pcx.id, "peering-connection", codes.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                          f"{dest} is not inside the CIDR blocks of {other}")
        run.block(route.target, "peering-connection", codes.UNKNOWN_DESTINATION,
                  f"{dest} lies beyond {route.target}, in a VPC the snapshot does not describe")
    run.block(route.target, kind, codes.UNSUPPORTED_COMPONENT,
              f"the route sends {dest} to {route.target} ({kind}), which parc does not model; not analysed further")
    raise AssertionError


def _leave_checks(run: _Run, gateway: str, kind: str, dest: Address) -> None:
    if not is_internet(dest):
        run.block(gateway, kind, _dest_code(dest), f"{dest} is not an internet address: {gateway} drops it")


def _out_to_internet(run: _Run, s: Eni, dest: Address, gateway: str, kind: str, out_detail: str,
                     reply_detail: str) -> None:
    """Leave through the subnet's ACL and an internet-facing gateway; the reply comes back through the same ACL
    (stateless) and the ENI's security groups (stateful: always let through)."""
    run.acl(s.subnet_id, s.vpc_id, True, dest, run.traffic)
    _leave_checks(run, gateway, kind, dest)
    run.hop(Hop(gateway, kind, True, None, None, out_detail))

    def back() -> None:
        run.hop(Hop(gateway, kind, True, None, None, reply_detail))
        run.acl(s.subnet_id, s.vpc_id, False, dest, _reply(run))
        run.sg_stateful(s, False)

    run.then_return(back)


def _via_igw(run: _Run, s: Eni, s_addr: Address, dest: Address, igw: str) -> Address:
    if not run.net.igw_attached(igw, s.vpc_id):
        run.block(igw, "internet-gateway", codes.BAD_STATE_ATTACHMENT, f"{igw} is not attached to {s.vpc_id}")
    public = s_addr
    if s_addr.version == 4:
        found = s.public_for(s_addr)
        if found is None:
            run.block(igw, "internet-gateway", codes.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
                      f"{s_addr} on {s.id} has no public IPv4 or Elastic IP: {igw} cannot carry it to the internet")
            raise AssertionError
        public = found
    detail = f"{s_addr} leaves as {public}" if public != s_addr else f"{s_addr} to the internet"
    _out_to_internet(run, s, dest, igw, "internet-gateway", detail, f"reply from {dest} to {public}")
    return public


def _via_eigw(run: _Run, s: Eni, s_addr: Address, dest: Address, eigw: str) -> Address:
    if s.vpc_id not in run.net.eigw_vpcs.get(eigw, ()):
        run.block(eigw, "egress-only-internet-gateway", codes.BAD_STATE_ATTACHMENT,
                  f"{eigw} is not attached to {s.vpc_id}")
    _out_to_internet(run, s, dest, eigw, "egress-only-internet-gateway", f"{s_addr} to the internet (outbound only)",
                     f"reply from {dest}")
    return s_addr


def _via_nat(run: _Run, s: Eni, s_addr: Address, dest: Address, nat_id: str) -> Address:
    nat = run.net.nat_gateways.get(nat_id)
    if nat is None:
        run.block(nat_id, "nat-gateway", codes.UNKNOWN_RESOURCE, f"{nat_id} is not in the snapshot")
        raise AssertionError
    if nat.state != "available":
        run.block(nat.id, "nat-gateway", codes.BAD_STATE, f"{nat.id} is {nat.state}, not available")
    if nat.vpc_id != s.vpc_id:
        run.block(nat.id, "nat-gateway", codes.NGW_REQUIRES_SOURCE_IN_VPC, f"{nat.id} is in {nat.vpc_id}")
    proto = run.traffic.ranges[0][0] // 65536
    if proto not in (TCP, UDP, ICMP):
        run.block(nat.id, "nat-gateway", codes.PROTOCOL_RESTRICTION,
                  f"{nat.id} carries only TCP, UDP and ICMP (VPC User Guide, NAT gateways)")
    if s_addr.version != 4:
        run.block(nat.id, "nat-gateway", codes.UNSUPPORTED_COMPONENT, "parc does not model NAT64")
    same = nat.subnet_id == s.subnet_id
    if not same:
        run.acl(s.subnet_id, s.vpc_id, True, dest, run.traffic)
        run.acl(nat.subnet_id, nat.vpc_id, False, s_addr, run.traffic)
    if nat.connectivity != "public" or not nat.public_ips:
        run.block(nat.id, "nat-gateway", codes.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
                  f"{nat.id} is a private NAT gateway (no Elastic IP): an internet gateway drops its traffic")
    public = nat.public_ips[0]
    run.hop(Hop(nat.id, "nat-gateway", True, None, None, f"{s_addr} leaves as {public}"))
    route = run.route(nat.subnet_id, nat.vpc_id, dest)
    if route.target_kind != "internet-gateway":
        if route.target_kind == "local":
            run.block(route.target, "route-table", codes.UNKNOWN_DESTINATION,
                      f"{dest} is inside {nat.vpc_id} but no network interface in the snapshot has it")
        run.block(route.target, route.target_kind, codes.UNSUPPORTED_COMPONENT,
                  f"from the NAT gateway's subnet {nat.subnet_id}, {dest} is routed to {route.target}, which parc "
                  "does not follow (a NAT gateway reaches the internet through an internet gateway)")
    igw = route.target
    if not run.net.igw_attached(igw, nat.vpc_id):
        run.block(igw, "internet-gateway", codes.BAD_STATE_ATTACHMENT, f"{igw} is not attached to {nat.vpc_id}")
    run.acl(nat.subnet_id, nat.vpc_id, True, dest, run.traffic)
    _leave_checks(run, igw, "internet-gateway", dest)
    run.hop(Hop(igw, "internet-gateway", True, None, None, f"{public} to the internet"))

    def back() -> None:
        run.hop(Hop(igw, "internet-gateway", True, None, None, f"reply from {dest} to {public}"))
        run.acl(nat.subnet_id, nat.vpc_id, False, dest, _reply(run, NAT_EPHEMERAL))
        run.hop(Hop(nat.id, "nat-gateway", True, None, None, f"translates the reply back to {s_addr}"))
        if not same:
            run.acl(nat.subnet_id, nat.vpc_id, True, s_addr, _reply(run))
            r = run.route(nat.subnet_id, nat.vpc_id, s_addr)
            if r.target_kind != "local":
                run.block(r.target, r.target_kind, codes.NO_ROUTE_TO_DESTINATION,
                          f"the reply to {s_addr} is routed to {r.target}, not within the VPC")
            run.acl(s.subnet_id, s.vpc_id, False, dest, _reply(run))
        run.sg_stateful(s, False)

    run.then_return(back)
    return public


def _inbound(run: _Run, src: Address, d: Eni, d_addr: Address, net_private: Address) -> None:
    """From the internet (``src``) to an ENI at its public IPv4 or its IPv6 address.

    VPC User Guide, "Internet gateways": instances must have a public IPv4 address or an IPv6 address, and the subnet
    must route internet-bound traffic to the internet gateway; "Instances in the private subnet can't communicate with
    the internet over the internet gateway, even if they have public IP addresses".
    """
    igw = run.net.igw_of(d.vpc_id)
    if not is_internet(src):
        run.block(igw, "internet-gateway", _source_code(src), f"{src} is not an internet address")
    if igw is None:
        run.block(None, "internet-gateway", codes.NO_ROUTE_TO_DESTINATION,
                  f"{d.vpc_id} has no internet gateway attached: nothing from the internet reaches {d.id}")
        raise AssertionError
    private = net_private
    if d_addr.version == 4:
        if d.public_for(private) != d_addr:
            run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                      f"{d.id} has no public IPv4 address or Elastic IP: {igw} cannot deliver to it")
    elif not is_internet(d_addr):
        run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                  f"{d_addr} is not a global IPv6 address")
    table = run.net.route_table_for(d.subnet_id, d.vpc_id)
    back_route = run.net.lookup_route(table, src)
    if back_route is None or back_route.target != igw or back_route.state != "active":
        if back_route is not None and back_route.state != "active":
            run.block(table.id, "route-table", codes.BAD_STATE_ROUTE,
                      f"{table.id} sends {src} to a blackhole ({back_route.describe()})", back_route.describe())
        where = f"to {back_route.target}" if back_route is not None else "nowhere"
        run.block(table.id, "route-table", codes.NO_ROUTE_TO_DESTINATION,
                  f"{d.subnet_id} is not a public subnet for {src}: {table.id} routes it {where}, not to {igw}",
                  back_route.describe() if back_route else None)
        raise AssertionError
    run.hop(Hop(igw, "internet-gateway", True, None, None,
                f"{d_addr} -> {private}" if private != d_addr else f"to {d_addr}"))
    run.acl(d.subnet_id, d.vpc_id, False, src, run.traffic)
    run.sg(d, False, src, None)
    route_text = back_route.describe()

    def back() -> None:
        run.sg_stateful(d, True)
        run.acl(d.subnet_id, d.vpc_id, True, src, _reply(run))
        run.hop(Hop(table.id, "route-table", True, route_text, None, f"to {src}"))
        run.hop(Hop(igw, "internet-gateway", True, None, None, f"reply leaves as {d_addr}"))

    # The inbound leg's reply starts the return path: it is the first thing the destination sends back.
    run.pending.insert(0, back)
