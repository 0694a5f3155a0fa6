"""``aws ec2 describe-*`` output -> ``parc.core.network`` model, with findings instead of exceptions.

Accepts a folder of JSON files (one per describe command, named after it, ``describe-security-groups.json``, or after
its top-level key, ``SecurityGroups.json``) or one JSON file holding several keys; as the AWS CLI prints it or as
boto3 returns it (``ResponseMetadata`` and timestamps, whatever their form, are not read). Unknown keys are ignored and
a missing key means none of those. Only unreadable input raises (``Ec2LoadError``, naming the file and the line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parc.core.findings import Finding, FindingType, Position
from parc.core.gcpause import without_cyclic_gc
from parc.core.network.addresses import Address, Cidr, parse_address, parse_cidr
from parc.core.network.model import (
    AclEntry,
    EgressOnlyInternetGateway,
    Eni,
    Instance,
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
    Snapshot,
    Subnet,
    Vpc,
)
from parc.core.network.references import reference_findings
from parc.core.network.traffic import ProtocolError, acl_entry_traffic, parse_protocol, sg_rule_traffic
from parc.core.policy.jsonpos import JsonSyntaxError, loads

KEYS = (
    "Vpcs",
    "Subnets",
    "RouteTables",
    "InternetGateways",
    "NatGateways",
    "EgressOnlyInternetGateways",
    "VpcPeeringConnections",
    "SecurityGroups",
    "NetworkAcls",
    "NetworkInterfaces",
    "Reservations",
    "ManagedPrefixLists",
    "PrefixLists",
)
_COMMAND_KEYS = {"describe-instances": "Reservations"}


class Ec2LoadError(Exception):
    """The input cannot be read at all (missing path, not JSON, not the expected shape at the top)."""


@dataclass
class LoadResult:
    snapshot: Snapshot
    findings: list[Finding] = field(default_factory=list)


def key_for_file(path: Path) -> str | None:
    """``describe-security-groups.json`` and ``SecurityGroups.json`` both hold SecurityGroups."""
    stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.stem
    if stem in KEYS:
        return stem
    if stem in _COMMAND_KEYS:
        return _COMMAND_KEYS[stem]
    if stem.startswith("describe-"):
        key = "".join(part.capitalize() for part in stem[len("describe-") :].split("-"))
        return key if key in KEYS else None
    return None


@without_cyclic_gc
def load(path: str | Path) -> LoadResult:
    """Read a snapshot from a folder of describe-* files or from one merged JSON file."""
    root = Path(path)
    if not root.exists():
        raise Ec2LoadError(f"{root}: no such file or directory")
    files = sorted(p for p in root.iterdir() if p.suffix == ".json" and p.is_file()) if root.is_dir() else [root]
    if root.is_dir() and not files:
        raise Ec2LoadError(f"{root}: no .json files (expected aws ec2 describe-* output)")
    merged: dict[str, list[tuple[Any, str, str]]] = {}
    for f in files:
        data = _read_json(f)
        if isinstance(data, list):
            key = key_for_file(f)
            if key is None:
                raise Ec2LoadError(
                    f"{f}: a bare JSON list, and the file name does not say what it holds "
                    "(name it after the describe command or its key, e.g. SecurityGroups.json)"
                )
            data = {key: data}
        if not isinstance(data, dict):
            raise Ec2LoadError(f"{f}: expected a JSON object (describe-* output), found {type(data).__name__}")
        for key, value in data.items():
            if key not in KEYS:
                continue
            if not isinstance(value, list):
                raise Ec2LoadError(f"{f}: {key} should be a list, found {type(value).__name__}")
            merged.setdefault(key, []).extend((item, str(f), f"{key}[{i}]") for i, item in enumerate(value))
    result = from_items(merged, sources=tuple(str(f) for f in files))
    _locate(result.findings)
    return result


def from_data(data: Mapping[str, Any], source: str = "<data>") -> LoadResult:
    """Build from already-decoded describe-* output (a dict as boto3 returns it, or several merged)."""
    merged: dict[str, list[tuple[Any, str, str]]] = {}
    for key, value in data.items():
        if key in KEYS and isinstance(value, list):
            merged[key] = [(item, source, f"{key}[{i}]") for i, item in enumerate(value)]
    return from_items(merged, sources=(source,))


def _read_json(f: Path) -> Any:
    try:
        text = f.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise Ec2LoadError(f"{f}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise Ec2LoadError(f"{f}: not UTF-8 text") from None
    try:
        return loads(text)
    except JsonSyntaxError as e:  # syntax, or past a reading limit (parc.core.limits)
        raise Ec2LoadError(f"{f}:{e.pos.line}:{e.pos.column}: invalid JSON: {e.message}") from None


def _locate(findings: list[Finding]) -> None:
    """Give findings with a JSON path a line and column (read again, with positions, only when there are any)."""
    from parc.core.policy.jsonpos import JNode, parse_json

    trees: dict[str, JNode | None] = {}
    for i, fd in enumerate(findings):
        if not fd.file or not fd.path or fd.position is not None:
            continue
        if fd.file not in trees:
            try:
                trees[fd.file] = parse_json(Path(fd.file).read_text(encoding="utf-8-sig"))
            except (OSError, ValueError):
                trees[fd.file] = None
        tree = trees[fd.file]
        pos = _find(tree, fd.path) if tree is not None else None
        if pos is not None:
            findings[i] = Finding(fd.code, fd.finding_type, fd.message, fd.path, pos, fd.file, fd.learn_more,
                                  fd.fix, dict(fd.details))


def _find(tree: Any, path: str) -> Position | None:
    node: Any = tree
    if node.kind == "array":  # a bare list file: its key was added by the loader
        path = path.split("[", 1)[1] if "[" in path else path
        path = "[" + path
    best: Position = node.pos
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            idx = int(part[1 : part.index("]")])
            if node.kind != "array" or idx >= len(node.items):
                return best
            node = node.items[idx]
        else:
            if node.kind != "object":
                return best
            m = node.get(part)
            if m is None:
                return best
            node = m.node
        best = node.pos
    return best


# ---- conversion --------------------------------------------------------------------------------------------------

Items = list[tuple[Any, str, str]]


class _Ctx:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def bad(self, file: str, path: str, message: str, code: str = "NET_BAD_INPUT") -> None:
        self.findings.append(Finding(code, FindingType.ERROR, message, path, None, file))

    def items(self, merged: Mapping[str, Items], key: str) -> Iterable[tuple[dict[str, Any], str, str]]:
        for item, file, path in merged.get(key, []):
            if isinstance(item, dict):
                yield item, file, path
            else:
                self.bad(file, path, f"{path} should be an object, found {type(item).__name__}")

    def cidr(self, text: Any, file: str, path: str) -> Cidr | None:
        if not isinstance(text, str):
            self.bad(file, path, f"{path}: expected a CIDR block, found {text!r}")
            return None
        try:
            return parse_cidr(text)
        except ValueError:
            self.bad(file, path, f"{path}: {text!r} is not a CIDR block")
            return None

    def addr(self, text: Any, file: str, path: str) -> Address | None:
        if not isinstance(text, str):
            self.bad(file, path, f"{path}: expected an IP address, found {text!r}")
            return None
        try:
            return parse_address(text)
        except ValueError:
            self.bad(file, path, f"{path}: {text!r} is not an IP address")
            return None

    def need(self, item: Mapping[str, Any], key: str, file: str, path: str) -> str | None:
        value = item.get(key)
        if not isinstance(value, str) or not value:
            self.bad(file, path, f"{path} has no {key}: skipped")
            return None
        return value


def _name(item: Mapping[str, Any]) -> str | None:
    for tag in item.get("Tags") or []:
        if isinstance(tag, dict) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def from_items(merged: Mapping[str, Items], sources: tuple[str, ...] = ()) -> LoadResult:
    ctx = _Ctx()
    vpcs = [v for v in (_vpc(ctx, *t) for t in ctx.items(merged, "Vpcs")) if v]
    vpc_v6 = {v.id: any(c.version == 6 for c in v.cidrs) for v in vpcs}
    prefix_lists = [p for p in (_prefix_list(ctx, *t) for t in ctx.items(merged, "ManagedPrefixLists")) if p]
    prefix_lists += [p for p in (_prefix_list(ctx, *t) for t in ctx.items(merged, "PrefixLists")) if p]
    vpc_cidrs = {v.id: v.cidrs for v in vpcs}
    snapshot = Snapshot(
        vpcs=tuple(vpcs),
        subnets=tuple(s for s in (_subnet(ctx, *t) for t in ctx.items(merged, "Subnets")) if s),
        route_tables=tuple(
            r for r in (_route_table(ctx, vpc_cidrs, *t) for t in ctx.items(merged, "RouteTables")) if r
        ),
        internet_gateways=tuple(
            g for g in (_igw(ctx, *t) for t in ctx.items(merged, "InternetGateways")) if g
        ),
        egress_only_internet_gateways=tuple(
            g for g in (_eigw(ctx, *t) for t in ctx.items(merged, "EgressOnlyInternetGateways")) if g
        ),
        nat_gateways=tuple(n for n in (_nat(ctx, *t) for t in ctx.items(merged, "NatGateways")) if n),
        peering_connections=tuple(
            p for p in (_peering(ctx, *t) for t in ctx.items(merged, "VpcPeeringConnections")) if p
        ),
        security_groups=tuple(
            g for g in (_security_group(ctx, vpc_v6, *t) for t in ctx.items(merged, "SecurityGroups")) if g
        ),
        network_acls=tuple(a for a in (_acl(ctx, *t) for t in ctx.items(merged, "NetworkAcls")) if a),
        enis=(),
        instances=(),
        prefix_lists=tuple(prefix_lists),
        sources=sources,
    )
    enis, instances = _enis_and_instances(ctx, merged)
    present = frozenset(k for k in KEYS if k in merged)
    snapshot = Snapshot(**{**_fields(snapshot), "enis": tuple(enis), "instances": tuple(instances), "kinds": present})
    findings = ctx.findings + reference_findings(snapshot, present=present)
    return LoadResult(snapshot, findings)


def _fields(s: Snapshot) -> dict[str, Any]:
    return {name: getattr(s, name) for name in s.__dataclass_fields__}


def _cidr_set(ctx: _Ctx, entries: Any, key: str, state_key: str, file: str, path: str) -> list[Cidr]:
    out: list[Cidr] = []
    for i, a in enumerate(entries or []):
        if not isinstance(a, dict) or key not in a:
            continue
        st = a.get(state_key)
        state = st.get("State", "associated") if isinstance(st, dict) else "associated"
        if state not in ("associated", "associating"):
            continue
        c = ctx.cidr(a[key], file, f"{path}[{i}].{key}")
        if c:
            out.append(c)
    return out


def _vpc(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> Vpc | None:
    vid = ctx.need(item, "VpcId", file, path)
    if vid is None:
        return None
    cidrs = _cidr_set(ctx, item.get("CidrBlockAssociationSet"), "CidrBlock", "CidrBlockState", file,
                      f"{path}.CidrBlockAssociationSet")
    if not cidrs and item.get("CidrBlock"):
        c = ctx.cidr(item["CidrBlock"], file, f"{path}.CidrBlock")
        cidrs = [c] if c else []
    cidrs += _cidr_set(ctx, item.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", "Ipv6CidrBlockState", file,
                       f"{path}.Ipv6CidrBlockAssociationSet")
    return Vpc(vid, tuple(cidrs), item.get("OwnerId"), bool(item.get("IsDefault")))


def _subnet(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> Subnet | None:
    sid = ctx.need(item, "SubnetId", file, path)
    vid = ctx.need(item, "VpcId", file, path)
    if sid is None or vid is None:
        return None
    cidrs: list[Cidr] = []
    if item.get("CidrBlock"):
        c = ctx.cidr(item["CidrBlock"], file, f"{path}.CidrBlock")
        cidrs += [c] if c else []
    cidrs += _cidr_set(ctx, item.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", "Ipv6CidrBlockState", file,
                       f"{path}.Ipv6CidrBlockAssociationSet")
    return Subnet(sid, vid, tuple(cidrs), item.get("AvailabilityZone"), _name(item))


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
    ("GatewayId", lambda v: _gateway_kind(v)),
)


def _gateway_kind(v: str) -> str:
    if v == "local":
        return "local"
    for prefix, kind in (("igw-", "internet-gateway"), ("vgw-", "virtual-private-gateway"), ("vpce-", "vpc-endpoint"),
                         ("eigw-", "egress-only-internet-gateway"), ("nat-", "nat-gateway")):
        if v.startswith(prefix):
            return kind
    return "unknown"


def _route(ctx: _Ctx, r: dict[str, Any], file: str, path: str) -> Route | None:
    dest: Cidr | None = None
    pl: str | None = None
    if r.get("DestinationCidrBlock"):
        dest = ctx.cidr(r["DestinationCidrBlock"], file, f"{path}.DestinationCidrBlock")
    elif r.get("DestinationIpv6CidrBlock"):
        dest = ctx.cidr(r["DestinationIpv6CidrBlock"], file, f"{path}.DestinationIpv6CidrBlock")
    elif r.get("DestinationPrefixListId"):
        pl = str(r["DestinationPrefixListId"])
    if dest is None and pl is None:
        if not any(r.get(k) for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock")):
            ctx.bad(file, path, f"{path} has no destination: skipped")
        return None
    for key, kind in _TARGETS:
        value = r.get(key)
        if isinstance(value, str) and value:
            return Route(dest, pl, value, kind(value), str(r.get("State") or "active"))
    ctx.bad(file, path, f"{path} ({dest or pl}) has no target: treated as a blackhole", "NET_ROUTE_NO_TARGET")
    return Route(dest, pl, "(none)", "unknown", "blackhole")


def _route_table(ctx: _Ctx, vpc_cidrs: Mapping[str, tuple[Cidr, ...]], item: dict[str, Any], file: str,
                 path: str) -> RouteTable | None:
    rid = ctx.need(item, "RouteTableId", file, path)
    vid = ctx.need(item, "VpcId", file, path)
    if rid is None or vid is None:
        return None
    routes = [r for r in (
        _route(ctx, r, file, f"{path}.Routes[{i}]") if isinstance(r, dict) else None
        for i, r in enumerate(item.get("Routes") or [])) if r]
    # Every route table has a local route per VPC CIDR ("This route is added by default to all route tables").
    for c in vpc_cidrs.get(vid, ()):
        if not any(r.target_kind == "local" and r.destination == c for r in routes):
            routes.append(Route(c, None, "local", "local"))
    main = False
    subnets: list[str] = []
    gateways: list[str] = []
    for a in item.get("Associations") or []:
        if not isinstance(a, dict):
            continue
        state = (a.get("AssociationState") or {}).get("State", "associated") if isinstance(
            a.get("AssociationState"), dict) else "associated"
        if state not in ("associated", "associating"):
            continue
        if a.get("Main"):
            main = True
        if a.get("SubnetId"):
            subnets.append(str(a["SubnetId"]))
        if isinstance(a.get("GatewayId"), str) and a["GatewayId"]:
            gateways.append(a["GatewayId"])  # an edge association (gateway route table)
    return RouteTable(rid, vid, tuple(routes), tuple(subnets), main, gateway_ids=tuple(gateways))


def _attached(item: dict[str, Any], states: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        str(a["VpcId"]) for a in item.get("Attachments") or []
        if isinstance(a, dict) and a.get("VpcId") and a.get("State", "available") in states
    )


def _igw(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> InternetGateway | None:
    gid = ctx.need(item, "InternetGatewayId", file, path)
    return InternetGateway(gid, _attached(item, ("available", "attached"))) if gid else None


def _eigw(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> EgressOnlyInternetGateway | None:
    gid = ctx.need(item, "EgressOnlyInternetGatewayId", file, path)
    return EgressOnlyInternetGateway(gid, _attached(item, ("available", "attached"))) if gid else None


def _nat(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> NatGateway | None:
    nid = ctx.need(item, "NatGatewayId", file, path)
    vid = ctx.need(item, "VpcId", file, path)
    sid = ctx.need(item, "SubnetId", file, path)
    if not (nid and vid and sid):
        return None
    privates: list[Address] = []
    publics: list[Address] = []
    eni: str | None = None
    for i, a in enumerate(item.get("NatGatewayAddresses") or []):
        if not isinstance(a, dict):
            continue
        p = f"{path}.NatGatewayAddresses[{i}]"
        if a.get("PrivateIp"):
            x = ctx.addr(a["PrivateIp"], file, f"{p}.PrivateIp")
            privates += [x] if x else []
        if a.get("PublicIp"):
            x = ctx.addr(a["PublicIp"], file, f"{p}.PublicIp")
            publics += [x] if x else []
        eni = eni or a.get("NetworkInterfaceId")
    return NatGateway(nid, vid, sid, str(item.get("State") or "available"),
                      str(item.get("ConnectivityType") or "public"), tuple(privates), tuple(publics), eni)


def _peer_info(ctx: _Ctx, info: Any, file: str, path: str) -> tuple[str | None, str | None, str | None, list[Cidr]]:
    if not isinstance(info, dict):
        return None, None, None, []
    cidrs: list[Cidr] = []
    for i, c in enumerate(info.get("CidrBlockSet") or []):
        if isinstance(c, dict) and c.get("CidrBlock"):
            x = ctx.cidr(c["CidrBlock"], file, f"{path}.CidrBlockSet[{i}].CidrBlock")
            cidrs += [x] if x else []
    if not cidrs and info.get("CidrBlock"):
        x = ctx.cidr(info["CidrBlock"], file, f"{path}.CidrBlock")
        cidrs += [x] if x else []
    for i, c in enumerate(info.get("Ipv6CidrBlockSet") or []):
        if isinstance(c, dict) and c.get("Ipv6CidrBlock"):
            x = ctx.cidr(c["Ipv6CidrBlock"], file, f"{path}.Ipv6CidrBlockSet[{i}].Ipv6CidrBlock")
            cidrs += [x] if x else []
    return info.get("VpcId"), info.get("OwnerId"), info.get("Region"), cidrs


def _peering(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> PeeringConnection | None:
    pid = ctx.need(item, "VpcPeeringConnectionId", file, path)
    if pid is None:
        return None
    rv, ro, rr, rc = _peer_info(ctx, item.get("RequesterVpcInfo"), file, f"{path}.RequesterVpcInfo")
    av, ao, ar, ac = _peer_info(ctx, item.get("AccepterVpcInfo"), file, f"{path}.AccepterVpcInfo")
    if not rv or not av:
        ctx.bad(file, path, f"{path} ({pid}) lacks the requester or accepter VPC: skipped")
        return None
    status = item.get("Status")
    code = status.get("Code", "active") if isinstance(status, dict) else str(status or "active")
    return PeeringConnection(pid, rv, av, str(code), ro, ao, rr, ar, tuple(rc), tuple(ac))


def _prefix_list(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> PrefixList | None:
    pid = ctx.need(item, "PrefixListId", file, path)
    if pid is None:
        return None
    cidrs: list[Cidr] = []
    for i, e in enumerate(item.get("Entries") or []):
        text = e.get("Cidr") if isinstance(e, dict) else e
        c = ctx.cidr(text, file, f"{path}.Entries[{i}]")
        cidrs += [c] if c else []
    for i, text in enumerate(item.get("Cidrs") or []):
        c = ctx.cidr(text, file, f"{path}.Cidrs[{i}]")
        cidrs += [c] if c else []
    return PrefixList(pid, item.get("PrefixListName"), tuple(cidrs))


def _permissions(ctx: _Ctx, gid: str, egress: bool, perms: Any, file: str, path: str) -> list[SgRule]:
    out: list[SgRule] = []
    for i, perm in enumerate(perms or []):
        p = f"{path}[{i}]"
        if not isinstance(perm, dict):
            ctx.bad(file, p, f"{p} should be an object")
            continue
        try:
            proto = parse_protocol(perm.get("IpProtocol", "-1"))
        except ProtocolError as e:
            ctx.bad(file, f"{p}.IpProtocol", f"{p}.IpProtocol: {e}: rule skipped")
            continue
        fp, tp = _int(perm.get("FromPort")), _int(perm.get("ToPort"))
        traffic = sg_rule_traffic(proto, fp, tp)

        def add(peer: SgPeer, desc: Any, i: int = i, proto: int | None = proto, fp: int | None = fp,
                tp: int | None = tp, traffic: Any = traffic) -> None:
            out.append(SgRule(gid, egress, i, proto, fp, tp, peer, traffic, desc if isinstance(desc, str) else None))

        for j, r in enumerate(perm.get("IpRanges") or []):
            if isinstance(r, dict) and r.get("CidrIp"):
                c = ctx.cidr(r["CidrIp"], file, f"{p}.IpRanges[{j}].CidrIp")
                if c:
                    add(SgPeer("cidr", c), r.get("Description"))
        for j, r in enumerate(perm.get("Ipv6Ranges") or []):
            if isinstance(r, dict) and r.get("CidrIpv6"):
                c = ctx.cidr(r["CidrIpv6"], file, f"{p}.Ipv6Ranges[{j}].CidrIpv6")
                if c:
                    add(SgPeer("cidr", c), r.get("Description"))
        for r in perm.get("PrefixListIds") or []:
            if isinstance(r, dict) and r.get("PrefixListId"):
                add(SgPeer("prefix-list", ref=str(r["PrefixListId"])), r.get("Description"))
        for r in perm.get("UserIdGroupPairs") or []:
            if isinstance(r, dict) and r.get("GroupId"):
                add(SgPeer("group", ref=str(r["GroupId"]), user_id=r.get("UserId"), vpc_id=r.get("VpcId"),
                           peering_status=r.get("PeeringStatus")), r.get("Description"))
    return out


def _security_group(ctx: _Ctx, vpc_v6: Mapping[str, bool], item: dict[str, Any], file: str,
                    path: str) -> SecurityGroup | None:
    gid = ctx.need(item, "GroupId", file, path)
    if gid is None:
        return None
    vpc_id = item.get("VpcId")
    ingress = _permissions(ctx, gid, False, item.get("IpPermissions"), file, f"{path}.IpPermissions")
    if "IpPermissionsEgress" in item:
        egress = _permissions(ctx, gid, True, item.get("IpPermissionsEgress"), file, f"{path}.IpPermissionsEgress")
    else:
        # A new group "has an outbound rule that allows all outbound traffic" (VPC User Guide, "Security group
        # rules"); describe-security-groups always lists it, so only hand-written input lacks the key.
        perm: dict[str, Any] = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        if vpc_v6.get(str(vpc_id), False):
            perm["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        egress = _permissions(ctx, gid, True, [perm], file, f"{path}.IpPermissionsEgress")
    return SecurityGroup(gid, str(item.get("GroupName") or gid), vpc_id, tuple(ingress), tuple(egress),
                         item.get("OwnerId"))


def _acl(ctx: _Ctx, item: dict[str, Any], file: str, path: str) -> NetworkAcl | None:
    aid = ctx.need(item, "NetworkAclId", file, path)
    vid = ctx.need(item, "VpcId", file, path)
    if aid is None or vid is None:
        return None
    entries: list[AclEntry] = []
    for i, e in enumerate(item.get("Entries") or []):
        p = f"{path}.Entries[{i}]"
        if not isinstance(e, dict):
            continue
        number = _int(e.get("RuleNumber"))
        if number is None:
            ctx.bad(file, p, f"{p} has no RuleNumber: skipped")
            continue
        try:
            proto = parse_protocol(e.get("Protocol", "-1"))
        except ProtocolError as err:
            ctx.bad(file, f"{p}.Protocol", f"{p}.Protocol: {err}: entry skipped")
            continue
        cidr_text = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
        cidr = ctx.cidr(cidr_text, file, p)
        if cidr is None:
            continue
        pr = e.get("PortRange")
        ports = (int(pr.get("From", 0)), int(pr.get("To", 65535))) if isinstance(pr, dict) else None
        ic = e.get("IcmpTypeCode")
        icmp = (int(ic.get("Type", -1)), int(ic.get("Code", -1))) if isinstance(ic, dict) else None
        action = str(e.get("RuleAction", "")).lower()
        if action not in ("allow", "deny"):
            ctx.bad(file, p, f"{p}: RuleAction {e.get('RuleAction')!r} is neither allow nor deny: treated as deny")
        entries.append(AclEntry(number, bool(e.get("Egress")), action == "allow", proto, cidr,
                                acl_entry_traffic(proto, ports, icmp), ports, icmp))
    entries.sort(key=lambda x: (x.egress, x.rule_number))
    subnets = tuple(str(a["SubnetId"]) for a in item.get("Associations") or [] if isinstance(a, dict)
                    and a.get("SubnetId"))
    return NetworkAcl(aid, vid, tuple(entries), subnets, bool(item.get("IsDefault")))


def _eni(ctx: _Ctx, item: dict[str, Any], file: str, path: str, instance_id: str | None = None,
         subnet: str | None = None, vpc: str | None = None) -> Eni | None:
    eid = ctx.need(item, "NetworkInterfaceId", file, path)
    sid = item.get("SubnetId") or subnet
    vid = item.get("VpcId") or vpc
    if eid is None:
        return None
    if not sid or not vid:
        ctx.bad(file, path, f"{path} ({eid}) lacks SubnetId or VpcId: skipped")
        return None
    privates: list[Address] = []
    publics: list[tuple[Address, Address]] = []
    entries = item.get("PrivateIpAddresses") or []
    entries = sorted((e for e in entries if isinstance(e, dict)), key=lambda e: not e.get("Primary"))
    for i, e in enumerate(entries):
        a = ctx.addr(e.get("PrivateIpAddress"), file, f"{path}.PrivateIpAddresses[{i}]")
        if a is None:
            continue
        privates.append(a)
        assoc = e.get("Association")
        if isinstance(assoc, dict) and assoc.get("PublicIp"):
            pub = ctx.addr(assoc["PublicIp"], file, f"{path}.PrivateIpAddresses[{i}].Association.PublicIp")
            if pub:
                publics.append((a, pub))
    if not privates and item.get("PrivateIpAddress"):
        a = ctx.addr(item["PrivateIpAddress"], file, f"{path}.PrivateIpAddress")
        privates += [a] if a else []
    top = item.get("Association")
    if isinstance(top, dict) and top.get("PublicIp") and privates and not publics:
        pub = ctx.addr(top["PublicIp"], file, f"{path}.Association.PublicIp")
        if pub:
            publics.append((privates[0], pub))
    v6: list[Address] = []
    for i, e in enumerate(item.get("Ipv6Addresses") or []):
        if isinstance(e, dict) and e.get("Ipv6Address"):
            a = ctx.addr(e["Ipv6Address"], file, f"{path}.Ipv6Addresses[{i}].Ipv6Address")
            v6 += [a] if a else []
    groups = tuple(str(g["GroupId"]) for g in item.get("Groups") or [] if isinstance(g, dict) and g.get("GroupId"))
    att_raw = item.get("Attachment")
    att: dict[str, Any] = att_raw if isinstance(att_raw, dict) else {}
    return Eni(
        eid, str(sid), str(vid), tuple(privates), tuple(v6), tuple(publics), groups,
        att.get("InstanceId") or instance_id, _int(att.get("DeviceIndex")),
        str(item.get("InterfaceType") or "interface"), str(item.get("Status") or "in-use"), item.get("Description"),
    )


def _enis_and_instances(ctx: _Ctx, merged: Mapping[str, Items]) -> tuple[list[Eni], list[Instance]]:
    enis: dict[str, Eni] = {}
    for item, file, path in ctx.items(merged, "NetworkInterfaces"):
        e = _eni(ctx, item, file, path)
        if e:
            enis[e.id] = e
    instances: list[Instance] = []
    for res, file, path in ctx.items(merged, "Reservations"):
        for i, inst in enumerate(res.get("Instances") or []):
            p = f"{path}.Instances[{i}]"
            if not isinstance(inst, dict):
                continue
            iid = ctx.need(inst, "InstanceId", file, p)
            if iid is None:
                continue
            state = inst.get("State")
            state_name = str(state.get("Name", "running")) if isinstance(state, dict) else str(state or "running")
            if state_name == "terminated":
                continue
            own: list[Eni] = []
            for j, ni in enumerate(inst.get("NetworkInterfaces") or []):
                if not isinstance(ni, dict):
                    continue
                e = enis.get(str(ni.get("NetworkInterfaceId")))
                if e is None:
                    e = _eni(ctx, ni, file, f"{p}.NetworkInterfaces[{j}]", iid, inst.get("SubnetId"),
                             inst.get("VpcId"))
                    if e:
                        enis[e.id] = e
                if e:
                    if e.instance_id is None:
                        e = Eni(**{**{k: getattr(e, k) for k in e.__dataclass_fields__}, "instance_id": iid})
                        enis[e.id] = e
                    own.append(e)
            if not own and inst.get("PrivateIpAddress") and inst.get("SubnetId"):
                synthetic: dict[str, Any] = {
                    "NetworkInterfaceId": f"{iid}/eth0",
                    "PrivateIpAddress": inst["PrivateIpAddress"],
                    "Groups": inst.get("SecurityGroups") or [],
                    "Attachment": {"InstanceId": iid, "DeviceIndex": 0},
                }
                if inst.get("PublicIpAddress"):
                    synthetic["Association"] = {"PublicIp": inst["PublicIpAddress"]}
                e = _eni(ctx, synthetic, file, p, iid, inst.get("SubnetId"), inst.get("VpcId"))
                if e:
                    enis[e.id] = e
                    own.append(e)
            own.sort(key=lambda x: (x.device_index if x.device_index is not None else 99, x.id))
            instances.append(Instance(iid, tuple(x.id for x in own), _name(inst), state_name))
    # ENIs from describe-network-interfaces whose instance came only from there.
    known = {i.id for i in instances}
    extra: dict[str, list[Eni]] = {}
    for e in enis.values():
        if e.instance_id and e.instance_id not in known:
            extra.setdefault(e.instance_id, []).append(e)
    for iid, own in sorted(extra.items()):
        own.sort(key=lambda x: (x.device_index if x.device_index is not None else 99, x.id))
        instances.append(Instance(iid, tuple(x.id for x in own)))
    return list(enis.values()), instances
