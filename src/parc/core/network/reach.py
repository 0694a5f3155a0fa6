"""``check``: one flow, forward then back, stopping at the first component that blocks it.

Forward: source ENI security groups (egress) -> source subnet route table -> source subnet network ACL (egress) ->
the route's target (local, peering connection, internet gateway, NAT gateway, egress-only internet gateway) ->
destination subnet network ACL (ingress) -> destination ENI security groups (ingress). Return: security groups are
stateful (VPC User Guide, "Security group rules": return traffic is allowed whatever the rules), network ACLs are not
("responses to allowed inbound traffic are subject to the rules for outbound traffic"): both ACLs again for the reply,
on the client's ephemeral ports, and the reverse route. Between two ENIs of one subnet neither route tables nor ACLs
apply ("Traffic that is destined for the MAC address of another network interface in the subnet makes use of data link
(layer 2) routing", VPC User Guide, "Route tables").

What the snapshot does not describe is unknown, never a block (``parc.core.network.unknowns``): the walk records it
and goes on as if the component let the packet through, or stops when it cannot tell where the packet goes (a route
through a NAT gateway or peering connection that is not described); the answer is then ``reachable=None``, unless a
described component certainly blocks. A packet addressed to a NAT gateway's own address is dropped there: a NAT
gateway forwards traffic that starts in its VPC and the replies to it, and translates only sources ("NAT gateways do
not alter destination addresses", Reachability Analyzer's ``NGW_DEST_ADDRESS_PRESERVATION``).
"""

from __future__ import annotations

from parc.core.network import codes
from parc.core.network.acl import reply_traffic
from parc.core.network.addresses import Address, is_internet, is_rfc1918, is_rfc6598
from parc.core.network.intervals import IntervalSet
from parc.core.network.model import FOLLOWED_KINDS, Eni, Route
from parc.core.network.network import NAT_EPHEMERAL, Network
from parc.core.network.results import Blocked, CheckResult, Endpoint, Flow, Hop
from parc.core.network.traffic import ICMP, TCP, UDP, ProtocolError, describe, packet, parse_protocol
from parc.core.network.unknowns import describe_kind
from parc.core.network.walk import Run, Stop, Unknowable, missing


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
    if src.eni is None and dst.eni is None and src.nat is None and dst.nat is None:
        raise ValueError(f"neither {source} nor {destination} is in the snapshot: nothing to analyse")
    traffic = packet(proto, port, icmp_code)
    eph = ephemeral or net.ephemeral
    flow = Flow(src, dst, proto, port, icmp_code if proto in (ICMP, 58) else None, eph)
    run = Run(net, traffic, eph)
    for end in (src, dst):
        inst = net.instances.get(end.instance_id or "")
        if inst is not None and inst.state != "running":
            run.notes.append(f"{inst.id} is {inst.state}: the path is configured, but nothing answers until it runs")
    blocked: Blocked | None = None
    try:
        _walk(run, src, dst)
        run.leg = "return"
        for step in run.pending:
            step()
    except Stop as stop:
        blocked = stop.blocked
    except Unknowable:
        pass
    if blocked is not None:
        # A described component certainly blocks: what else was unknown does not change the verdict.
        return CheckResult(flow, False, tuple(run.forward), tuple(run.back), blocked, tuple(run.notes))
    reachable = None if run.unknown else True
    return CheckResult(flow, reachable, tuple(run.forward), tuple(run.back), None, tuple(run.notes),
                       tuple(run.unknown))


def _walk(run: Run, src: Endpoint, dst: Endpoint) -> None:
    if src.nat is not None:
        raise ValueError(f"{src.label} is a NAT gateway: it only forwards traffic that starts elsewhere "
                         "(check from the instance behind it)")
    if dst.nat is not None:
        _to_nat(run, src, dst)
        return
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


def _from_outside_to_private(run: Run, src: Address, dst: Endpoint) -> None:
    assert dst.eni is not None
    d = dst.eni
    igw = run.net.igw_of(d.vpc_id)
    if not is_internet(src):
        # A private source outside the snapshot arrives over a VPN, Direct Connect, a transit gateway or a peering
        # connection to a VPC not described, never through the internet gateway: the destination subnet's route
        # back to it says which.
        table = run.net.route_table_for(d.subnet_id, d.vpc_id)
        back = None if table.implicit else run.net.lookup_route(table, src)
        if back is not None and back.state == "active" and back.target_kind not in ("internet-gateway", "local"):
            run.unknowable(back.target, back.target_kind, f"a model of {back.target_kind} and what lies beyond it",
                           f"{src} is outside the snapshot; {table.id} routes it to {back.target}, which parc does "
                           "not follow: whether it reaches "
                           f"{d.id} is unknown")
        if table.implicit:
            run.unknowable(f"route table of {d.subnet_id}", "route-table", describe_kind("RouteTables"),
                           f"{src} is outside the snapshot, and where {d.subnet_id} routes it is unknown")
        if back is None or back.state != "active":
            run.block(table.id, "route-table", codes.NO_ROUTE_TO_DESTINATION,
                      f"{table.id} ({d.subnet_id}) has no active route back to {src}: nothing from there is answered",
                      back.describe() if back else None)
        run.block(igw, "internet-gateway", _source_code(src),
                  f"{src} is not an internet address, and {table.id} routes it to "
                  f"{back.target if back else igw}: it cannot come from the internet")
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


def _reply(run: Run, ephemeral: tuple[int, int] | None = None) -> IntervalSet:
    return reply_traffic(run.traffic, ephemeral or run.ephemeral)


def _internal(run: Run, s: Eni, s_addr: Address, d: Eni, d_addr: Address) -> None:
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


def _peering(run: Run, route: Route, s: Eni, s_addr: Address, d: Eni, d_addr: Address) -> None:
    pcx = run.net.peerings.get(route.target)
    if pcx is None:
        run.unknowable(route.target, "peering-connection", missing(run, "VpcPeeringConnections", route.target),
                       f"{route.target} is not in the snapshot: where it leads, and whether it is active, is unknown")
        raise AssertionError
    if pcx.status != "active":
        run.block(pcx.id, "peering-connection", codes.BAD_STATE, f"{pcx.id} is {pcx.status}, not active")
    other = pcx.other(s.vpc_id)
    if other is None:
        run.block(pcx.id, "peering-connection", codes.BAD_STATE_ATTACHMENT, f"{pcx.id} does not connect {s.vpc_id}")
    other_cidrs = pcx.cidrs_of(other or "") or (run.net.vpcs[other].cidrs if other in run.net.vpcs else ())
    if other_cidrs and not any(d_addr in c for c in other_cidrs):
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


def _outbound(run: Run, s: Eni, s_addr: Address, dest: Address, route: Route | None = None) -> Address:
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
        if pcx is None:
            run.unknowable(route.target, "peering-connection",
                           missing(run, "VpcPeeringConnections", route.target),
                           f"{route.target} is not in the snapshot: where it leads is unknown")
            raise AssertionError
        if pcx.status != "active":
            run.block(pcx.id, "peering-connection", codes.BAD_STATE, f"{pcx.id} is {pcx.status}, not active")
        other = pcx.other(s.vpc_id) or ""
        cidrs = pcx.cidrs_of(other) or (run.net.vpcs[other].cidrs if other in run.net.vpcs else ())
        if cidrs and not any(dest in c for c in cidrs):
            run.block(pcx.id, "peering-connection", codes.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR,
                      f"{dest} is not inside the CIDR blocks of {other}")
        run.unknowable(route.target, "peering-connection", f"a network interface with {dest} in {other}",
                       f"{dest} lies beyond {route.target}, in {other}, where the snapshot describes no interface "
                       "with that address")
    run.unknowable(route.target, kind, f"a model of {kind} (parc does not follow paths through it)",
                   f"the route sends {dest} to {route.target} ({kind}), which parc does not model: what happens "
                   "after it is unknown")
    raise AssertionError




def _leave_checks(run: Run, gateway: str, kind: str, dest: Address) -> None:
    if not is_internet(dest):
        run.block(gateway, kind, _dest_code(dest), f"{dest} is not an internet address: {gateway} drops it")


def _out_to_internet(run: Run, s: Eni, dest: Address, gateway: str, kind: str, out_detail: str,
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


def _via_igw(run: Run, s: Eni, s_addr: Address, dest: Address, igw: str) -> Address:
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


def _via_eigw(run: Run, s: Eni, s_addr: Address, dest: Address, eigw: str) -> Address:
    if s.vpc_id not in run.net.eigw_vpcs.get(eigw, ()):
        run.block(eigw, "egress-only-internet-gateway", codes.BAD_STATE_ATTACHMENT,
                  f"{eigw} is not attached to {s.vpc_id}")
    _out_to_internet(run, s, dest, eigw, "egress-only-internet-gateway", f"{s_addr} to the internet (outbound only)",
                     f"reply from {dest}")
    return s_addr


def _via_nat(run: Run, s: Eni, s_addr: Address, dest: Address, nat_id: str) -> Address:
    nat = run.net.nat_gateways.get(nat_id)
    if nat is None:
        run.unknowable(nat_id, "nat-gateway", missing(run, "NatGateways", nat_id),
                       f"{nat_id} is not in the snapshot: its subnet, state and routes are unknown")
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
        run.unknowable(nat.id, "nat-gateway", "a model of NAT64 (parc does not follow IPv6 through a NAT gateway)",
                       f"IPv6 to {dest} through {nat.id} is translated by NAT64, which parc does not model")
    same = nat.subnet_id == s.subnet_id
    if not same:
        run.acl(s.subnet_id, s.vpc_id, True, dest, run.traffic)
        run.acl(nat.subnet_id, nat.vpc_id, False, s_addr, run.traffic)
    if nat.connectivity != "public" or not nat.public_ips:
        # "if you route traffic from the private NAT gateway to the internet gateway, the internet gateway drops the
        # traffic" (VPC User Guide, "NAT gateways"); through a transit or virtual private gateway it goes on.
        table = run.net.route_table_for(nat.subnet_id, nat.vpc_id)
        onward = None if table.implicit else run.net.lookup_route(table, dest)
        if onward is not None and onward.target_kind == "internet-gateway" and onward.state == "active":
            run.block(nat.id, "nat-gateway", codes.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
                      f"{nat.id} is a private NAT gateway (no Elastic IP): an internet gateway drops its traffic")
    public = nat.public_ips[0] if nat.public_ips else (nat.private_ips[0] if nat.private_ips else s_addr)
    run.hop(Hop(nat.id, "nat-gateway", True, None, None, f"{s_addr} leaves as {public}"))
    route = run.route(nat.subnet_id, nat.vpc_id, dest)
    if route.target_kind != "internet-gateway":
        if route.target_kind == "local":
            run.block(route.target, "route-table", codes.UNKNOWN_DESTINATION,
                      f"{dest} is inside {nat.vpc_id} but no network interface in the snapshot has it")
        run.unknowable(route.target, route.target_kind, f"a model of {route.target_kind} (parc does not follow "
                       "paths through it)",
                       f"from the NAT gateway's subnet {nat.subnet_id}, {dest} is routed to {route.target}, which "
                       "parc does not follow: what happens after it is unknown")
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


def _inbound(run: Run, src: Address, d: Eni, d_addr: Address, net_private: Address) -> None:
    """From the internet (``src``) to an ENI at its public IPv4 or its IPv6 address.

    VPC User Guide, "Internet gateways": instances must have a public IPv4 address or an IPv6 address, and the subnet
    must route internet-bound traffic to the internet gateway; "Instances in the private subnet can't communicate with
    the internet over the internet gateway, even if they have public IP addresses".
    """
    igw = run.net.igw_of(d.vpc_id)
    if not is_internet(src):
        run.block(igw, "internet-gateway", _source_code(src), f"{src} is not an internet address")
    table = run.net.route_table_for(d.subnet_id, d.vpc_id)
    if igw is None:
        if "InternetGateways" not in run.net.absent:
            run.block(None, "internet-gateway", codes.NO_ROUTE_TO_DESTINATION,
                      f"{d.vpc_id} has no internet gateway attached: nothing from the internet reaches {d.id}")
        elif table.implicit:
            run.unknowable(f"internet gateway of {d.vpc_id}", "internet-gateway",
                           f"{describe_kind('InternetGateways')} and {describe_kind('RouteTables')}",
                           f"neither internet gateways nor route tables are described: whether {d.vpc_id} takes "
                           "traffic from the internet is unknown")
    private = net_private
    if d_addr.version == 4:
        if d.public_for(private) != d_addr:
            run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                      f"{d.id} has no public IPv4 address or Elastic IP: {igw or 'an internet gateway'} cannot "
                      "deliver to it")
    elif not is_internet(d_addr):
        run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                  f"{d_addr} is not a global IPv6 address")
    gateway = igw or f"internet gateway of {d.vpc_id}"
    if table.implicit:
        missing = (describe_kind("RouteTables") if "RouteTables" in run.net.absent
                   else f"the route table of {d.subnet_id} (neither associated nor {d.vpc_id}'s main table is in "
                   "RouteTables)")
        run.assume(f"route table of {d.subnet_id}", "route-table", missing,
                   f"the snapshot has no route table for {d.subnet_id}: whether it routes {src} to {gateway} (a "
                   "public subnet) is unknown")
        route_text = "(unknown)"
    else:
        back_route = run.net.lookup_route(table, src)
        run.note_hidden_prefix_routes(table, back_route, src)
        if back_route is not None and back_route.state == "active" and back_route.target_kind not in FOLLOWED_KINDS:
            run.unknowable(back_route.target, back_route.target_kind,
                           f"a model of {back_route.target_kind} (parc does not follow paths through it)",
                           f"{table.id} sends the replies to {src} to {back_route.target} ({back_route.target_kind}), "
                           "which parc does not follow: whether they reach the internet is unknown")
        if back_route is None or back_route.target != igw or back_route.state != "active":
            if back_route is not None and back_route.state != "active":
                run.block(table.id, "route-table", codes.BAD_STATE_ROUTE,
                          f"{table.id} sends {src} to a blackhole ({back_route.describe()})", back_route.describe())
            where = f"to {back_route.target}" if back_route is not None else "nowhere"
            run.block(table.id, "route-table", codes.NO_ROUTE_TO_DESTINATION,
                      f"{d.subnet_id} is not a public subnet for {src}: {table.id} routes it {where}, not to "
                      f"{igw or 'an internet gateway'}", back_route.describe() if back_route else None)
            raise AssertionError
        route_text = back_route.describe()
    run.hop(Hop(gateway, "internet-gateway", True, None, None,
                f"{d_addr} -> {private}" if private != d_addr else f"to {d_addr}"))
    edge = run.net.gateway_table(gateway)
    if edge is not None:
        # Ingress routing (VPC User Guide, "Route tables", gateway route tables): the gateway's own table routes what
        # enters; the local route delivers directly, a more specific route sends it through a middlebox first.
        via = run.net.lookup_route(edge, private)
        if via is not None and via.target_kind != "local":
            run.unknowable(via.target, via.target_kind, f"a model of {via.target_kind} (a middlebox parc does not "
                           "follow)", f"{edge.id}, the route table of {gateway}, sends {private} to {via.target} "
                           "first: what that appliance lets through is unknown")
        run.hop(Hop(edge.id, "route-table", True, via.describe() if via else None, None,
                    f"gateway route table of {gateway}: to {private}"))
    run.acl(d.subnet_id, d.vpc_id, False, src, run.traffic)
    run.sg(d, False, src, None)
    known_route = not table.implicit

    def back() -> None:
        run.sg_stateful(d, True)
        run.acl(d.subnet_id, d.vpc_id, True, src, _reply(run))
        run.hop(Hop(table.id, "route-table", True if known_route else None, route_text, None, f"to {src}"))
        run.hop(Hop(gateway, "internet-gateway", True, None, None, f"reply leaves as {d_addr}"))

    # The inbound leg's reply starts the return path: it is the first thing the destination sends back.
    run.pending.insert(0, back)


def _to_nat(run: Run, src: Endpoint, dst: Endpoint) -> None:
    """A packet addressed to a NAT gateway's own address: carried there, then dropped by the NAT gateway.

    VPC User Guide, "NAT gateways": instances behind it "can't receive unsolicited inbound connections"; the NAT
    gateway translates the source of traffic that starts at an interface in its VPC, and "NAT gateways do not alter
    destination addresses" (Reachability Analyzer, ``NGW_DEST_ADDRESS_PRESERVATION``): a packet for the NAT gateway
    itself, from the internet without a session or from any host, has nowhere to go.
    """
    nat = dst.nat
    assert nat is not None
    private = run.net.private_address_of(dst)
    if src.eni is None:
        igw = run.net.igw_of(nat.vpc_id)
        if not is_internet(src.address):
            run.block(igw, "internet-gateway", _source_code(src.address), f"{src.address} is not an internet address")
        if dst.address not in nat.public_ips:
            run.block(igw, "internet-gateway", codes.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS,
                      f"{dst.address} is a private address: the internet reaches {nat.id} only at its Elastic IP")
        if igw is None and "InternetGateways" not in run.net.absent:
            run.block(None, "internet-gateway", codes.NO_ROUTE_TO_DESTINATION,
                      f"{nat.vpc_id} has no internet gateway attached: nothing from the internet reaches {nat.id}")
        run.hop(Hop(igw or f"internet gateway of {nat.vpc_id}", "internet-gateway", True, None, None,
                    f"{dst.address} -> {private}"))
        run.acl(nat.subnet_id, nat.vpc_id, False, src.address, run.traffic)
        origin = f"from the internet ({src.address}), with no connection of its own to answer"
    else:
        s = src.eni
        s_addr = run.net.private_address_of(src) if src.via_public else src.address
        if dst.address in nat.public_ips:
            public = _outbound(run, s, s_addr, dst.address)
            origin = f"from {public} through the internet"
        else:
            run.sg(s, True, dst.address, None)
            origin = f"from {s.id} ({s_addr})"
            if s.subnet_id != nat.subnet_id:
                route = run.route(s.subnet_id, s.vpc_id, dst.address)
                pcx = run.net.peerings.get(route.target) if route.target_kind == "peering-connection" else None
                if route.target_kind == "local" and s.vpc_id == nat.vpc_id:
                    run.acl(s.subnet_id, s.vpc_id, True, dst.address, run.traffic)
                elif pcx is not None and pcx.status == "active" and pcx.other(s.vpc_id) == nat.vpc_id:
                    run.acl(s.subnet_id, s.vpc_id, True, dst.address, run.traffic)
                    run.hop(Hop(pcx.id, "peering-connection", True, None, None, f"{s.vpc_id} -> {nat.vpc_id}"))
                    origin += f" across {pcx.id}"
                else:
                    run.unknowable(route.target, route.target_kind, f"a path from {s.vpc_id} to {nat.id}",
                                   f"{dst.address} is reached through {route.target}, which parc does not follow "
                                   "to a NAT gateway")
                run.acl(nat.subnet_id, nat.vpc_id, False, s_addr, run.traffic)
    run.block(nat.id, "nat-gateway", codes.NGW_DEST_ADDRESS_PRESERVATION,
              f"{describe(run.traffic)} is addressed to {nat.id} itself ({dst.address}), {origin}: a NAT gateway "
              "accepts no connections of its own, it only translates the source of traffic that starts in its VPC "
              "and never changes a destination")
