"""Frozen, typed models of an IAM policy document, each element with the position it was read from.

The model keeps the author's spelling (case, single value versus list) so that lint can report what was written;
the engine compiles from it and normalises there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    ENDPOINT = "endpoint"


VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class Located:
    """A string element (an action, a resource ARN) with its position and JSON path."""

    value: str
    pos: Position | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class PrincipalEntry:
    kind: str
    """``AWS``, ``Service``, ``Federated`` or ``CanonicalUser`` (as written; lint flags other keys)."""
    value: str
    pos: Position | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class PrincipalBlock:
    """A Principal or NotPrincipal element. ``wildcard`` is the bare ``"*"`` form (everyone, anonymous included)."""

    wildcard: bool
    entries: tuple[PrincipalEntry, ...] = ()
    pos: Position | None = None
    path: str = ""


ConditionScalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class ConditionValue:
    value: ConditionScalar
    pos: Position | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One ``operator -> key -> values`` triple. Values are ORed; entries of a statement are ANDed."""

    operator: str
    key: str
    values: tuple[ConditionValue, ...]
    pos: Position | None = None
    """Position of the key."""
    operator_pos: Position | None = None
    path: str = ""
    values_is_list: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    effect: str | None
    sid: str | None = None
    principal: PrincipalBlock | None = None
    not_principal: PrincipalBlock | None = None
    action: tuple[Located, ...] | None = None
    not_action: tuple[Located, ...] | None = None
    resource: tuple[Located, ...] | None = None
    not_resource: tuple[Located, ...] | None = None
    conditions: tuple[ConditionEntry, ...] = ()
    has_condition: bool = False
    pos: Position | None = None
    path: str = ""
    node: JNode | None = field(default=None, compare=False, repr=False)
    """The statement's JSON tree, for lint checks on the raw form."""

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny"

    @property
    def label(self) -> str:
        return f"{self.sid!r}" if self.sid else f"#{self.index}"


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None
    policy_type: PolicyType | None = None
    name: str | None = None
    """A name for reports: the file, the managed policy's name, or an index."""
    pos: Position | None = None
    size: int = 0
    """Characters without white space, as IAM counts them against the size quotas."""
    node: JNode | None = field(default=None, compare=False, repr=False)

    def copy_key(self) -> tuple[object, ...]:
        """What tells this policy's content (every compared field but its name) from another's without hashing its
        statements: their identity and the other fields. The account loader gives the copies of one text the same
        statements tuple (``PolicyReads``), so copies have one key; two equal contents parsed apart have two, which a
        cache only pays for once more. A caller keeps the statements alive while it holds the key (an id is reused
        otherwise)."""
        return (id(self.statements), self.version, self.id, self.policy_type, self.pos, self.size)

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are substituted only under Version 2012-10-17; elsewhere they are literal text.

        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
        """
        return self.version == VERSION_2012
