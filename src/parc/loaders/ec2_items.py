"""One ``describe-*`` item -> one ``parc.core.network`` record, each field read through ``parc.loaders.shape``.

A field of the wrong type or an unreadable value is a ``NET_BAD_INPUT`` finding (file and JSON path; the loader adds
the line); a record that lacks what identifies it (its id, its VPC) is skipped, and everything else of the record is
kept. Nothing here raises on bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from parc.core.findings import Finding, FindingType
from parc.core.network.addresses import Address, Cidr, parse_address, parse_cidr
from parc.core.network.model import (
    AclEntry,
    EgressOnlyInternetGateway,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgPeer,
    SgRule,
    Subnet,
    Vpc,
)
from parc.core.network.traffic import ProtocolError, acl_entry_traffic, parse_protocol, sg_rule_traffic
from parc.loaders.shape import Node, kind_of

Items = list[tuple[Any, str, str]]
"""``(item, file, JSON path)`` of one top-level key, from every file that holds it."""

MAX_PORT = 65535
MAX_ICMP = 255


class Ctx:
    """The findings of one load, and the typed reads that add to them."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def bad(self, file: str, path: str, message: str, code: str = "NET_BAD_INPUT") -> None:
        self.findings.append(Finding(code, FindingType.ERROR, message, path, None, file))

    def nodes(self, merged: Mapping[str, Items], key: str) -> Iterator[Node]:
        for item, file, path in merged.get(key, []):
            if isinstance(item, dict):
                yield Node(item, file, path, self.bad)
            else:
                self.bad(file, path, f"{path} should be an object, found {kind_of(item)}: skipped")

    def cidr(self, text: object, file: str, path: str) -> Cidr | None:
        if not isinstance(text, str):
            self.bad(file, path, f"{path}: expected a CIDR block, found {kind_of(text)}: ignored")
            return None
        try:
            return parse_cidr(text)
        except ValueError:
            self.bad(file, path, f"{path}: {text[:100]!r} is not a CIDR block: ignored")
            return None

    def addr(self, text: object, file: str, path: str) -> Address | None:
        if not isinstance(text, str):
            self.bad(file, path, f"{path}: expected an IP address, found {kind_of(text)}: ignored")
            return None
        try:
            return parse_address(text)
        except ValueError:
            self.bad(file, path, f"{path}: {text[:100]!r} is not an IP address: ignored")
            return None

    def need(self, node: Node, key: str) -> str | None:
        value = node.value.get(key)
        if not isinstance(value, str) or not value:
            what = "no" if value is None or value == "" else f"{kind_of(value)} as"
            self.bad(node.file, node.path, f"{node.path} has {what} {key}: skipped")
            return None
        return value

    def node_cidr(self, node: Node, key: str) -> Cidr | None:
        return self.cidr(node.value[key], node.file, node.at(key)) if node.has(key) else None

    def node_addr(self, node: Node, key: str) -> Address | None:
        return self.addr(node.value[key], node.file, node.at(key)) if node.has(key) else None


def name_tag(node: Node) -> str | None:
    for tag in node.objects("Tags"):
        if tag.text("Key") == "Name":
            return tag.text("Value")
    return None


def _cidr_set(ctx: Ctx, node: Node, key: str, cidr_key: str, state_key: str) -> list[Cidr]:
    out: list[Cidr] = []
    for a in node.objects(key):
        if not a.has(cidr_key):
            continue
        st = a.obj(state_key)
        state = (st.text("State") if st is not None else None) or "associated"
        if state not in ("associated", "associating"):
            continue
        c = ctx.node_cidr(a, cidr_key)
        if c:
            out.append(c)
    return out


def vpc(ctx: Ctx, node: Node) -> Vpc | None:
    vid = ctx.need(node, "VpcId")
    if vid is None:
        return None
    cidrs = _cidr_set(ctx, node, "CidrBlockAssociationSet", "CidrBlock", "CidrBlockState")
    if not cidrs and node.has("CidrBlock"):
        c = ctx.node_cidr(node, "CidrBlock")
        cidrs = [c] if c else []
    cidrs += _cidr_set(ctx, node, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState")
    return Vpc(vid, tuple(cidrs), node.text("OwnerId"), node.flag("IsDefault"))


def subnet(ctx: Ctx, node: Node) -> Subnet | None:
    sid = ctx.need(node, "SubnetId")
    vid = ctx.need(node, "VpcId")
    if sid is None or vid is None:
        return None
    cidrs: list[Cidr] = []
    c = ctx.node_cidr(node, "CidrBlock")
    cidrs += [c] if c else []
    cidrs += _cidr_set(ctx, node, "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock", "Ipv6CidrBlockState")
    return Subnet(sid, vid, tuple(cidrs), node.text("AvailabilityZone"), name_tag(node))


_TARGETS: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("NatGatewayId", lambda v: "nat-gateway"),
    ("VpcPeeringConnectionId", lambda v: "peering-connection"),
    ("EgressOnlyInternetGatewayId", lambda v: "egress-only-internet-gateway"),
    ("TransitGatewayId", lambda v: "transit-gateway"),
    ("NetworkInterfaceId", lambda v: "network-interface"),
    ("InstanceId", lambda v: "instance"),
    ("CarrierGatewayId", lambda v: "carrier-gateway"),
    ("LocalGatewayId", lambda v: "local-gateway"),
    ("CoreNetworkArn", lambda v: "core-network"),
    ("GatewayId", lambda v: gateway_kind(v)),
)


def gateway_kind(v: str) -> str:
    if v == "local":
        return "local"
    for prefix, kind in (("igw-", "internet-gateway"), ("vgw-", "virtual-private-gateway"), ("vpce-", "vpc-endpoint"),
                         ("eigw-", "egress-only-internet-gateway"), ("nat-", "nat-gateway")):
        if v.startswith(prefix):
            return kind
    return "unknown"


def _route(ctx: Ctx, r: Node) -> Route | None:
    dest: Cidr | None = None
    pl: str | None = None
    if r.has("DestinationCidrBlock"):
        dest = ctx.node_cidr(r, "DestinationCidrBlock")
    elif r.has("DestinationIpv6CidrBlock"):
        dest = ctx.node_cidr(r, "DestinationIpv6CidrBlock")
    elif r.has("DestinationPrefixListId"):
        pl = r.text("DestinationPrefixListId", "the route is skipped")
    if dest is None and pl is None:
        if not any(r.has(k) for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")):
            ctx.bad(r.file, r.path, f"{r.path} has no destination: skipped")
        return None
    state = r.text("State") or "active"
    for key, kind in _TARGETS:
        value = r.text(key)
        if value:
            return Route(dest, pl, value, kind(value), state)
    ctx.bad(r.file, r.path, f"{r.path} ({dest or pl}) has no target: treated as a blackhole", "NET_ROUTE_NO_TARGET")
    return Route(dest, pl, "(none)", "unknown", "blackhole")


def route_table(ctx: Ctx, vpc_cidrs: Mapping[str, tuple[Cidr, ...]], node: Node) -> RouteTable | None:
    rid = ctx.need(node, "RouteTableId")
    vid = ctx.need(node, "VpcId")
    if rid is None or vid is None:
        return None
    routes = [r for r in (_route(ctx, r) for r in node.objects("Routes")) if r]
    # Every route table has a local route per VPC CIDR ("This route is added by default to all route tables").
    for c in vpc_cidrs.get(vid, ()):
        if not any(r.target_kind == "local" and r.destination == c for r in routes):
            routes.append(Route(c, None, "local", "local"))
    main = False
    subnets: list[str] = []
    gateways: list[str] = []
    for a in node.objects("Associations"):
        st = a.obj("AssociationState")
        state = (st.text("State") if st is not None else None) or "associated"
        if state not in ("associated", "associating"):
            continue
        main = a.flag("Main") or main
        sid = a.text("SubnetId")
        if sid:
            subnets.append(sid)
        gid = a.text("GatewayId")
        if gid:
            gateways.append(gid)  # an edge association (gateway route table)
    return RouteTable(rid, vid, tuple(routes), tuple(subnets), main, gateway_ids=tuple(gateways))


def _attached(node: Node, states: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for a in node.objects("Attachments"):
        vid = a.text("VpcId")
        if vid and (a.text("State") or "available") in states:
            out.append(vid)
    return tuple(out)


def igw(ctx: Ctx, node: Node) -> InternetGateway | None:
    gid = ctx.need(node, "InternetGatewayId")
    return InternetGateway(gid, _attached(node, ("available", "attached"))) if gid else None


def eigw(ctx: Ctx, node: Node) -> EgressOnlyInternetGateway | None:
    gid = ctx.need(node, "EgressOnlyInternetGatewayId")
    return EgressOnlyInternetGateway(gid, _attached(node, ("available", "attached"))) if gid else None


def nat(ctx: Ctx, node: Node) -> NatGateway | None:
    nid = ctx.need(node, "NatGatewayId")
    vid = ctx.need(node, "VpcId")
    sid = ctx.need(node, "SubnetId")
    if not (nid and vid and sid):
        return None
    privates: list[Address] = []
    publics: list[Address] = []
    eni: str | None = None
    for a in node.objects("NatGatewayAddresses"):
        x = ctx.node_addr(a, "PrivateIp")
        privates += [x] if x else []
        x = ctx.node_addr(a, "PublicIp")
        publics += [x] if x else []
        eni = eni or a.text("NetworkInterfaceId")
    return NatGateway(nid, vid, sid, node.text("State") or "available", node.text("ConnectivityType") or "public",
                      tuple(privates), tuple(publics), eni)


def _peer_info(ctx: Ctx, info: Node | None) -> tuple[str | None, str | None, str | None, list[Cidr]]:
    if info is None:
        return None, None, None, []
    cidrs: list[Cidr] = []
    for c in info.objects("CidrBlockSet"):
        x = ctx.node_cidr(c, "CidrBlock")
        cidrs += [x] if x else []
    if not cidrs and info.has("CidrBlock"):
        x = ctx.node_cidr(info, "CidrBlock")
        cidrs += [x] if x else []
    for c in info.objects("Ipv6CidrBlockSet"):
        x = ctx.node_cidr(c, "Ipv6CidrBlock")
        cidrs += [x] if x else []
    return info.text("VpcId"), info.text("OwnerId"), info.text("Region"), cidrs


def peering(ctx: Ctx, node: Node) -> PeeringConnection | None:
    pid = ctx.need(node, "VpcPeeringConnectionId")
    if pid is None:
        return None
    rv, ro, rr, rc = _peer_info(ctx, node.obj("RequesterVpcInfo"))
    av, ao, ar, ac = _peer_info(ctx, node.obj("AccepterVpcInfo"))
    if not rv or not av:
        ctx.bad(node.file, node.path, f"{node.path} ({pid}) lacks the requester or accepter VPC: skipped")
        return None
    status = node.value.get("Status")
    if isinstance(status, dict):
        code = Node(status, node.file, node.at("Status"), ctx.bad).text("Code") or "active"
    else:
        code = node.text("Status") or "active"
    return PeeringConnection(pid, rv, av, code, ro, ao, rr, ar, tuple(rc), tuple(ac))


def prefix_list(ctx: Ctx, node: Node) -> PrefixList | None:
    pid = ctx.need(node, "PrefixListId")
    if pid is None:
        return None
    cidrs: list[Cidr] = []
    for path, e in node.values("Entries"):
        c = ctx.cidr(e.get("Cidr"), node.file, f"{path}.Cidr") if isinstance(e, dict) else ctx.cidr(e, node.file, path)
        cidrs += [c] if c else []
    for path, text in node.values("Cidrs"):
        c = ctx.cidr(text, node.file, path)
        cidrs += [c] if c else []
    return PrefixList(pid, node.text("PrefixListName"), tuple(cidrs))


def _protocol(ctx: Ctx, node: Node, key: str) -> tuple[bool, int | None]:
    """(readable, protocol) of a rule; an absent protocol means all (-1)."""
    raw = node.value.get(key, "-1")
    if raw is None:
        raw = "-1"
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        node.wrong(key, "a protocol name or number", raw, "the rule is skipped")
        return False, None
    try:
        return True, parse_protocol(raw)
    except ProtocolError as e:
        ctx.bad(node.file, node.at(key), f"{node.at(key)}: {e}: the rule is skipped")
        return False, None


def _port(node: Node, key: str, high: int) -> tuple[bool, int | None]:
    """(readable, value) of a port (or ICMP type/code): -1 .. ``high``, absent is None."""
    if not node.has(key):
        return True, None
    value = node.integer(key, "the rule is skipped")
    if value is None:
        return False, None
    if not -1 <= value <= high:
        node.report(node.file, node.at(key), f"{node.at(key)}: {value} is outside -1..{high}: the rule is skipped")
        return False, None
    return True, value


def permissions(ctx: Ctx, gid: str, egress: bool, group: Node, key: str) -> list[SgRule]:
    out: list[SgRule] = []
    for i, (p, perm_raw) in enumerate(group.values(key)):
        if not isinstance(perm_raw, dict):
            ctx.bad(group.file, p, f"{p} should be an object, found {kind_of(perm_raw)}: skipped")
            continue
        perm = Node(perm_raw, group.file, p, ctx.bad)
        ok, proto = _protocol(ctx, perm, "IpProtocol")
        if not ok:
            continue
        icmp = proto in (1, 58)
        ok_from, fp = _port(perm, "FromPort", MAX_ICMP if icmp else MAX_PORT)
        ok_to, tp = _port(perm, "ToPort", MAX_ICMP if icmp else MAX_PORT)
        if not (ok_from and ok_to):
            continue
        traffic = sg_rule_traffic(proto, fp, tp)

        def add(peer: SgPeer, desc: str | None, i: int = i, proto: int | None = proto, fp: int | None = fp,
                tp: int | None = tp, traffic: Any = traffic) -> None:
            out.append(SgRule(gid, egress, i, proto, fp, tp, peer, traffic, desc))

        for r in perm.objects("IpRanges"):
            c = ctx.node_cidr(r, "CidrIp")
            if c:
                add(SgPeer("cidr", c), r.text("Description"))
        for r in perm.objects("Ipv6Ranges"):
            c = ctx.node_cidr(r, "CidrIpv6")
            if c:
                add(SgPeer("cidr", c), r.text("Description"))
        for r in perm.objects("PrefixListIds"):
            ref = r.text("PrefixListId")
            if ref:
                add(SgPeer("prefix-list", ref=ref), r.text("Description"))
        for r in perm.objects("UserIdGroupPairs"):
            ref = r.text("GroupId")
            if ref:
                add(SgPeer("group", ref=ref, user_id=r.text("UserId"), vpc_id=r.text("VpcId"),
                           peering_status=r.text("PeeringStatus")), r.text("Description"))
    return out


def security_group(ctx: Ctx, vpc_v6: Mapping[str, bool], node: Node) -> SecurityGroup | None:
    gid = ctx.need(node, "GroupId")
    if gid is None:
        return None
    vpc_id = node.text("VpcId")
    ingress = permissions(ctx, gid, False, node, "IpPermissions")
    if "IpPermissionsEgress" in node.value:
        egress = permissions(ctx, gid, True, node, "IpPermissionsEgress")
    else:
        # A new group "has an outbound rule that allows all outbound traffic" (VPC User Guide, "Security group
        # rules"); describe-security-groups always lists it, so only hand-written input lacks the key.
        perm: dict[str, Any] = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        if vpc_v6.get(vpc_id or "", False):
            perm["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        implied = Node({"IpPermissionsEgress": [perm]}, node.file, node.path, ctx.bad)
        egress = permissions(ctx, gid, True, implied, "IpPermissionsEgress")
    return SecurityGroup(gid, node.text("GroupName") or gid, vpc_id, tuple(ingress), tuple(egress),
                         node.text("OwnerId"))


def _pair(node: Node | None, lo_key: str, hi_key: str, lo: int, hi: int, high: int) -> tuple[bool, tuple[int, int]
                                                                                               | None]:
    """A PortRange (From, To) or IcmpTypeCode (Type, Code): each -1..high; absent parts take AWS's "all"."""
    if node is None:
        return True, None
    ok_lo, a = _port(node, lo_key, high)
    ok_hi, b = _port(node, hi_key, high)
    if not (ok_lo and ok_hi):
        return False, None
    return True, (lo if a is None else a, hi if b is None else b)


def acl(ctx: Ctx, node: Node) -> NetworkAcl | None:
    aid = ctx.need(node, "NetworkAclId")
    vid = ctx.need(node, "VpcId")
    if aid is None or vid is None:
        return None
    entries: list[AclEntry] = []
    for e in node.objects("Entries"):
        number = e.integer("RuleNumber")
        if number is None:
            ctx.bad(e.file, e.path, f"{e.path} has no RuleNumber: skipped")
            continue
        ok, proto = _protocol(ctx, e, "Protocol")
        if not ok:
            continue
        key = "CidrBlock" if e.has("CidrBlock") else "Ipv6CidrBlock"
        cidr = ctx.cidr(e.value.get(key), e.file, e.at(key))
        if cidr is None:
            continue
        ok_ports, ports = _pair(e.obj("PortRange", "the entry is skipped"), "From", "To", 0, MAX_PORT, MAX_PORT)
        ok_icmp, icmp = _pair(e.obj("IcmpTypeCode", "the entry is skipped"), "Type", "Code", -1, -1, MAX_ICMP)
        if (e.has("PortRange") and not isinstance(e.value["PortRange"], dict)) or (
                e.has("IcmpTypeCode") and not isinstance(e.value["IcmpTypeCode"], dict)):
            continue
        if not (ok_ports and ok_icmp):
            continue
        action_raw = e.value.get("RuleAction")
        action = action_raw.lower() if isinstance(action_raw, str) else ""
        if action not in ("allow", "deny"):
            shown = repr(action_raw[:40]) if isinstance(action_raw, str) else kind_of(action_raw)
            ctx.bad(e.file, e.at("RuleAction"), f"{e.path}: RuleAction {shown} is neither allow nor deny: "
                    "treated as deny")
        entries.append(AclEntry(number, e.flag("Egress"), action == "allow", proto, cidr,
                                acl_entry_traffic(proto, ports, icmp), ports, icmp))
    entries.sort(key=lambda x: (x.egress, x.rule_number))
    subnets = tuple(s for s in (a.text("SubnetId") for a in node.objects("Associations")) if s)
    return NetworkAcl(aid, vid, tuple(entries), subnets, node.flag("IsDefault"))
