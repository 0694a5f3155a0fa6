"""Network interfaces and instances (``describe-network-interfaces``, ``describe-instances``) -> ``Eni`` and
``Instance`` records, read as ``parc.loaders.ec2_items`` reads the rest: each field by type, a bad one reported and
left out. An instance's interfaces come from describe-network-interfaces when it has them, else from the instance
itself; an instance with none listed gets one built from its private address, subnet and groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parc.core.network.addresses import Address
from parc.core.network.model import Eni, Instance
from parc.loaders.ec2_items import Ctx, Items, name_tag
from parc.loaders.shape import Node


def eni(ctx: Ctx, node: Node, instance_id: str | None = None, subnet: str | None = None,
        vpc: str | None = None) -> Eni | None:
    eid = ctx.need(node, "NetworkInterfaceId")
    sid = node.text("SubnetId") or subnet
    vid = node.text("VpcId") or vpc
    if eid is None:
        return None
    if not sid or not vid:
        ctx.bad(node.file, node.path, f"{node.path} ({eid}) lacks SubnetId or VpcId: skipped")
        return None
    privates: list[Address] = []
    publics: list[tuple[Address, Address]] = []
    entries = sorted(node.objects("PrivateIpAddresses"), key=lambda e: not e.flag("Primary"))
    for e in entries:
        a = ctx.addr(e.value.get("PrivateIpAddress"), e.file, e.at("PrivateIpAddress"))
        if a is None:
            continue
        privates.append(a)
        assoc = e.obj("Association")
        if assoc is not None and assoc.has("PublicIp"):
            pub = ctx.node_addr(assoc, "PublicIp")
            if pub:
                publics.append((a, pub))
    if not privates and node.has("PrivateIpAddress"):
        a = ctx.node_addr(node, "PrivateIpAddress")
        privates += [a] if a else []
    top = node.obj("Association")
    if top is not None and top.has("PublicIp") and privates and not publics:
        pub = ctx.node_addr(top, "PublicIp")
        if pub:
            publics.append((privates[0], pub))
    v6: list[Address] = []
    for e in node.objects("Ipv6Addresses"):
        a = ctx.node_addr(e, "Ipv6Address")
        v6 += [a] if a else []
    groups = tuple(g for g in (g.text("GroupId") for g in node.objects("Groups")) if g)
    att = node.obj("Attachment")
    return Eni(
        eid, sid, vid, tuple(privates), tuple(v6), tuple(publics), groups,
        (att.text("InstanceId") if att is not None else None) or instance_id,
        att.integer("DeviceIndex") if att is not None else None,
        node.text("InterfaceType") or "interface", node.text("Status") or "in-use", node.text("Description"),
    )


# The instance states EC2 reports (InstanceState.Name in the EC2 API reference,
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html).
_STATES = frozenset({"pending", "running", "shutting-down", "terminated", "stopping", "stopped"})


def _state(inst: Node) -> str:
    """The state's name; one EC2 never reports is said and taken as running (what reaches an instance is then
    still analysed, never dropped)."""
    raw = inst.value.get("State")
    if isinstance(raw, dict):
        node = Node(raw, inst.file, inst.at("State"), inst.report)
        name, key = node.text("Name"), "Name"
    else:
        node, name, key = inst, inst.text("State"), "State"
    if name is None or name in _STATES:
        return name or "running"
    node.report(node.file, node.at(key), f"{node.at(key)} should be an EC2 instance state "
                f"({', '.join(sorted(_STATES))}), found {name!r}: taken as running")
    return "running"


def enis_and_instances(ctx: Ctx, merged: Mapping[str, Items]) -> tuple[list[Eni], list[Instance]]:
    enis: dict[str, Eni] = {}
    for node in ctx.nodes(merged, "NetworkInterfaces"):
        e = eni(ctx, node)
        if e:
            enis[e.id] = e
    instances: list[Instance] = []
    for res in ctx.nodes(merged, "Reservations"):
        for inst in res.objects("Instances"):
            iid = ctx.need(inst, "InstanceId")
            if iid is None:
                continue
            state_name = _state(inst)
            if state_name == "terminated":
                continue
            subnet_id, vpc_id = inst.text("SubnetId"), inst.text("VpcId")
            own: list[Eni] = []
            for ni in inst.objects("NetworkInterfaces"):
                ref = ni.value.get("NetworkInterfaceId")
                e = enis.get(ref) if isinstance(ref, str) else None
                if e is None:
                    e = eni(ctx, ni, iid, subnet_id, vpc_id)
                    if e:
                        enis[e.id] = e
                if e:
                    if e.instance_id is None:
                        e = Eni(**{**{k: getattr(e, k) for k in e.__dataclass_fields__}, "instance_id": iid})
                        enis[e.id] = e
                    own.append(e)
            private = inst.text("PrivateIpAddress")
            if not own and private and subnet_id:
                groups = [{"GroupId": gid} for gid in (g.text("GroupId") for g in inst.objects("SecurityGroups"))
                          if gid]
                synthetic: dict[str, Any] = {
                    "NetworkInterfaceId": f"{iid}/eth0",
                    "PrivateIpAddress": private,
                    "Groups": groups,
                    "Attachment": {"InstanceId": iid, "DeviceIndex": 0},
                }
                public = inst.text("PublicIpAddress")
                if public:
                    synthetic["Association"] = {"PublicIp": public}
                e = eni(ctx, Node(synthetic, inst.file, inst.path, ctx.bad), iid, subnet_id, vpc_id)
                if e:
                    enis[e.id] = e
                    own.append(e)
            own.sort(key=lambda x: (x.device_index if x.device_index is not None else 99, x.id))
            instances.append(Instance(iid, tuple(x.id for x in own), name_tag(inst), state_name))
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

