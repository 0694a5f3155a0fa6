"""The answers of the escalation search: checks, steps, paths, and what makes a principal an administrator.

Split from ``escalation`` so the search and the techniques it applies can share them without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from parc.core.account.model import Account
from parc.core.account.principals import Principal
from parc.core.account.techniques import TECHNIQUES, Need, Technique
from parc.core.account.verdict import Verdict
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy

ADMINISTRATOR = "administrator"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _admin_doc(name: str) -> Policy:
    p = parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        PolicyType.IDENTITY,
        name=name,
    ).policy
    assert p is not None
    return p


ADMIN_DOC = _admin_doc("(written by the attacker: Allow * on *)")
ADMIN_MANAGED = _admin_doc(ADMIN_POLICY_ARN)


@dataclass(frozen=True)
class Check:
    """One action the step needed, with the engine's verdict on it."""

    principal: str
    action: str
    resource: str
    context: tuple[tuple[str, str], ...]
    verdict: Verdict

    @property
    def conditions(self) -> tuple[str, ...]:
        """Request-time keys the step depends on (those the snapshot cannot settle); keys the technique sets itself
        and keys that follow from the principal are not listed."""
        return () if self.verdict.allowed else self.verdict.relaxed_keys

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": dict(self.context),
            "decision": self.verdict.label,
            "conditions": list(self.conditions),
            "statements": [r.to_dict() for r in self.verdict.decision.deciding],
        }


@dataclass(frozen=True)
class Step:
    actor: str
    technique: Technique
    target: str
    gains: str
    """The ARN the actor can then act as, or ``administrator``."""
    checks: tuple[Check, ...]
    note: str = ""
    admin_conditions: tuple[str, ...] = ()
    """For a step that makes its target an administrator under conditions: the keys that gate it."""
    unconditional_admin: bool = False
    """For a step that makes its target an administrator: whether without conditions."""

    @property
    def conditions(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for c in self.checks:
            for k in c.conditions:
                keys.setdefault(k, None)
        for k in self.admin_conditions:
            keys.setdefault(k, None)
        return tuple(keys)

    @property
    def conditional(self) -> bool:
        return any(not c.verdict.allowed for c in self.checks) or bool(self.admin_conditions)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "principal": self.actor,
            "technique": self.technique.id,
            "title": self.technique.title,
            "target": self.target,
            "gains": self.gains,
            "conditions": list(self.conditions),
            "conditional": self.conditional,
            "checks": [c.to_dict() for c in self.checks],
            "reference": self.technique.reference,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Path:
    principal: str
    gains: str
    steps: tuple[Step, ...]

    @property
    def conditions(self) -> tuple[str, ...]:
        keys: dict[str, None] = {}
        for s in self.steps:
            for k in s.conditions:
                keys.setdefault(k, None)
        return tuple(keys)

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal,
            "gains": self.gains,
            "conditions": list(self.conditions),
            "conditional": any(s.conditional for s in self.steps),
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass(frozen=True)
class AdminCheck:
    admin: bool
    """Allowed every sentinel action on ``*`` (possibly under conditions on request-time keys)."""
    unconditional: bool
    conditions: tuple[str, ...]

    def better_than(self, other: AdminCheck) -> bool:
        """Whether being this is a gain over being ``other``."""
        return (self.unconditional and not other.unconditional) or (self.admin and not other.admin)


@dataclass
class Node:
    principal: Principal
    account: Account
    become: list[Step] = field(default_factory=list)
    expanded: bool = False
    elevators: list[Technique] | None = None
    """The elevating techniques the node may use (pre-checked on its statements), computed on first need."""
    pending: Iterator[Step] | None = None
    """The rest of ``become``, computed as a search needs it (None: all computed)."""
    admin: AdminCheck | None = None
    """Whether the principal is an administrator as it stands (``admin_of``), computed on first need."""


@dataclass(frozen=True)
class EscalationResult:
    paths: tuple[Path, ...]
    principals: int
    """How many starting principals were examined."""
    administrators: tuple[str, ...]
    """Starting principals that already are administrators (possibly under conditions on request-time keys)."""
    omitted: Mapping[str, int] = field(default_factory=dict)
    """Per principal, how many reachable principals were left out of the paths (``max_gains``)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "paths": [p.to_dict() for p in self.paths],
            "checked": {"principals": self.principals, "administrators": list(self.administrators)},
            "omitted": dict(self.omitted),
        }



def gain_of(step: Step) -> AdminCheck:
    return AdminCheck(True, step.unconditional_admin, step.admin_conditions)


def with_admin_note(step: Step, check: AdminCheck) -> Step:
    note = "the target is an administrator" + (
        f" (under conditions on {', '.join(check.conditions)})" if check.conditions else ""
    )
    note = f"{step.note}; {note}" if step.note else note
    return Step(step.actor, step.technique, step.target, step.gains, step.checks, note, check.conditions,
                check.unconditional)


BECOME = tuple(t for t in TECHNIQUES if t.effect in ("become", "rewrite-trust"))
ELEVATE = tuple(t for t in TECHNIQUES if t.effect not in ("become", "rewrite-trust"))
PROFILE = Technique(
    "iam:CreateInstanceProfile+iam:AddRoleToInstanceProfile", "Put the role in a new instance profile",
    "role", "become", (Need("iam:CreateInstanceProfile", "new"), Need("iam:AddRoleToInstanceProfile", "new")),
)
