"""What the HTML report draws: who can become whom (role assumption and the escalation techniques, escalation paths
marked), and what the internet reaches. Plain data; the layout is the reporter's.

The access graph of a large account has thousands of edges, which no drawing makes readable: beyond ``MAX_NODES``
it keeps the principals of escalation paths, administrators and whatever crosses an account boundary, and says how
many it left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parc.core.account.assume import AssumeGraph
from parc.core.account.escalation import ADMINISTRATOR, Path
from parc.core.account.principals import Principal
from parc.core.network.audit import sensitive_ports
from parc.core.network.exposure import Exposure
from parc.core.network.traffic import describe

MAX_NODES = 120


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str
    label: str
    kind: str
    """``user``, ``role``, ``account``, ``external``, ``anonymous``, ``federated`` or ``administrator``."""
    account: str | None
    admin: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label, "kind": self.kind, "account": self.account, "admin": self.admin}


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    label: str
    conditional: bool
    escalation: bool

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "target": self.target, "label": self.label, "conditional": self.conditional,
                "escalation": self.escalation}


@dataclass(frozen=True)
class AccessGraph:
    nodes: tuple[GraphNode, ...] = ()
    edges: tuple[GraphEdge, ...] = ()
    left_out: int = 0
    """Nodes not drawn (large accounts)."""

    def to_dict(self) -> dict[str, object]:
        return {"nodes": [n.to_dict() for n in self.nodes], "edges": [e.to_dict() for e in self.edges],
                "left_out": self.left_out}


@dataclass(frozen=True, slots=True)
class InternetTarget:
    """One interface the internet reaches, with how and on what."""

    target: str
    name: str | None
    interface: str
    vpc: str
    subnet: str
    gateway: str
    addresses: tuple[str, ...]
    ports: str
    sensitive: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"target": self.target, "name": self.name, "interface": self.interface, "vpc": self.vpc,
                "subnet": self.subnet, "gateway": self.gateway, "addresses": list(self.addresses),
                "ports": self.ports, "sensitive": list(self.sensitive)}


def _short(arn: str) -> str:
    if arn == "*":
        return "anyone"
    if not arn.startswith("arn:"):
        return arn
    tail = arn.rsplit("/", 1)[-1] if "/" in arn else arn
    if arn.endswith(":root"):
        return f"account {arn.split(':')[4]}"
    return tail


def _node(p: Principal, admins: dict[str, bool]) -> GraphNode:
    kind = p.kind if p.kind in ("user", "role", "account", "external", "anonymous", "federated") else "external"
    label = _short(p.arn)
    if p.account_id and kind in ("user", "role"):
        label = f"{label} ({p.account_id})"
    return GraphNode(p.arn, label, kind, p.account_id, p.arn in admins)


def access_graph(assume: AssumeGraph, paths: Iterable[Path], admins: dict[str, bool],
                 principals: Iterable[Principal],
                 outside: Iterable[tuple[str, str, str, bool]] = ()) -> AccessGraph:
    """``outside``: (source id, kind, role ARN, conditional) for principals outside the snapshot that may assume
    a role (anyone, another account, an identity provider), as the access-from-outside check found them."""
    by_arn = {p.arn: p for p in principals}
    nodes: dict[str, GraphNode] = {}
    edges: dict[tuple[str, str, str], GraphEdge] = {}
    on_path: set[tuple[str, str]] = set()
    path_list = list(paths)
    for path in path_list:
        for s in path.steps:
            on_path.add((s.actor, s.gains))

    def add_node(arn: str) -> None:
        if arn in nodes:
            return
        if arn == ADMINISTRATOR:
            nodes[arn] = GraphNode(arn, "administrator", "administrator", None, True)
        elif arn in by_arn:
            nodes[arn] = _node(by_arn[arn], admins)
        else:
            nodes[arn] = GraphNode(arn, _short(arn), "external", None, arn in admins)

    for e in assume.edges:
        if e.source.kind == "service":
            continue
        for p in (e.source,):
            if p.arn not in nodes:
                nodes[p.arn] = _node(p, admins)
        add_node(e.role.arn)
        key = (e.source.arn, e.role.arn, "assume")
        edges[key] = GraphEdge(e.source.arn, e.role.arn, "assume", not e.verdict.allowed,
                               (e.source.arn, e.role.arn) in on_path)
    for source, kind, role, conditional in outside:
        if source not in nodes:
            nodes[source] = GraphNode(source, _short(source), kind, None, False)
        add_node(role)
        edges.setdefault((source, role, "assume"), GraphEdge(source, role, "assume", conditional, False))
    for path in path_list:
        for s in path.steps:
            add_node(s.actor)
            add_node(s.gains)
            label = "assume" if s.technique.id == "sts:AssumeRole" else s.technique.id
            key = (s.actor, s.gains, label)
            edges[key] = GraphEdge(s.actor, s.gains, label, s.conditional, path.gains == ADMINISTRATOR)
    for arn in admins:
        add_node(arn)
    left_out = 0
    if len(nodes) > MAX_NODES:
        keep = {ADMINISTRATOR} | {a for e in edges.values() if e.escalation for a in (e.source, e.target)}
        keep |= set(admins)
        for ge in edges.values():
            if nodes[ge.source].account != nodes[ge.target].account:
                keep |= {ge.source, ge.target}
        ordered = sorted(keep & set(nodes))[:MAX_NODES]
        kept = set(ordered)
        left_out = len(nodes) - len(kept)
        nodes = {k: v for k, v in nodes.items() if k in kept}
        edges = {k: v for k, v in edges.items() if v.source in kept and v.target in kept}
    return AccessGraph(tuple(sorted(nodes.values(), key=lambda n: n.id)),
                       tuple(sorted(edges.values(), key=lambda e: (e.source, e.target, e.label))), left_out)


def internet_targets(exposures: Iterable[Exposure]) -> list[InternetTarget]:
    out = []
    for exp in exposures:
        out.append(InternetTarget(
            exp.instance_id or exp.eni.id, exp.instance_name, exp.eni.id, exp.eni.vpc_id, exp.eni.subnet_id,
            exp.igw_id, tuple(str(a) for a in exp.addresses), describe(exp.traffic),
            tuple(name for name, _ in sensitive_ports(exp)),
        ))
    return out
