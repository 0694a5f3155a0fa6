"""What the network questions return: verdicts that carry their reasons (every hop names its component and rule)."""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.network.addresses import Address
from parc.core.network.model import Eni, NatGateway
from parc.core.network.unknowns import Unknown


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a flow: an ENI (with the address used) or an address outside the snapshot ("the outside")."""

    text: str
    address: Address
    eni: Eni | None = None
    instance_id: str | None = None
    via_public: bool = False
    """The ENI was named by its public IPv4 / Elastic IP: the flow goes out to the internet and back in."""
    nat: NatGateway | None = None
    """The address (or id) is a NAT gateway's own: a NAT gateway forwards traffic, it is no destination."""

    @property
    def label(self) -> str:
        if self.nat is not None:
            return f"{self.nat.id} ({self.address})"
        if self.eni is None:
            return str(self.address)
        name = self.instance_id or self.eni.id
        return f"{name} ({self.address})"


@dataclass(frozen=True, slots=True)
class Hop:
    """One component a packet crossed (or was stopped by)."""

    component: str
    """The component's id. For security groups: the group when the interface has one, else the interface (its groups
    in ``security_groups``), as Reachability Analyzer's explanations name them."""
    kind: str
    """security-group, network-acl, route-table, internet-gateway, nat-gateway, peering-connection, ..."""
    allowed: bool | None
    """``None``: the component is not described by the snapshot; the walk went on as if it let the packet through."""
    rule: str | None = None
    """The rule that let the packet through (or stopped it)."""
    direction: str | None = None
    """For security groups and ACLs: ``ingress`` or ``egress``."""
    detail: str | None = None
    code: str | None = None
    security_groups: tuple[str, ...] = ()
    """For security group hops: every group of the interface that was judged."""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "component": self.component,
            "type": self.kind,
            "allowed": self.allowed,
            "rule": self.rule,
        }
        if self.direction:
            out["direction"] = self.direction
        if self.detail:
            out["detail"] = self.detail
        if self.code:
            out["code"] = self.code
        if self.kind == "security-group":
            out["security_groups"] = list(self.security_groups)
        return out


@dataclass(frozen=True, slots=True)
class Blocked:
    component: str | None
    """The blocking component's id; for several security groups of one interface, the interface."""
    code: str
    direction: str
    """``forward`` or ``return``."""
    message: str
    security_groups: tuple[str, ...] = ()
    """When security groups block: all the groups of the interface (none of which allows the flow)."""

    def to_dict(self) -> dict[str, object]:
        return {"component": self.component, "code": self.code, "direction": self.direction,
                "security_groups": list(self.security_groups)}


@dataclass(frozen=True, slots=True)
class Flow:
    source: Endpoint
    destination: Endpoint
    protocol: int
    port: int | None
    icmp_code: int | None
    ephemeral: tuple[int, int]

    def describe(self) -> str:
        from parc.core.network.traffic import packet, spans

        what = ", ".join(str(s) for s in spans(packet(self.protocol, self.port, self.icmp_code)))
        return f"{self.source.label} -> {self.destination.label} {what}"


@dataclass(frozen=True, slots=True)
class CheckResult:
    flow: Flow
    reachable: bool | None
    """``True``/``False``: certain. ``None``: no component certainly blocks, but some could not be seen
    (``unknown`` says which, and what data is missing)."""
    forward: tuple[Hop, ...]
    return_path: tuple[Hop, ...]
    blocked_by: Blocked | None = None
    notes: tuple[str, ...] = field(default=())
    unknown: tuple[Unknown, ...] = field(default=())
    """Non-empty exactly when ``reachable`` is ``None``."""

    def to_dict(self) -> dict[str, object]:
        return {
            "reachable": self.reachable,
            "forward": [h.to_dict() for h in self.forward],
            "return": [h.to_dict() for h in self.return_path],
            "blocked_by": self.blocked_by.to_dict() if self.blocked_by else None,
            "unknown": [u.to_dict() for u in self.unknown],
            "notes": list(self.notes),
        }
