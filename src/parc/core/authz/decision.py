"""The answer: a decision with the statements behind it, the policy types that blocked it, and on demand a trace.

The explanation is part of the return type (as in Cedar's authorizer): a caller never gets a bare boolean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parc.core.authz.compile import CompiledStatement
    from parc.core.context import ContextValue

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"
NOT_APPLICABLE = "NotApplicable"

POLICY_TYPES = ("scp", "rcp", "endpoint", "resource", "identity", "boundary", "session")


@dataclass(frozen=True, slots=True)
class StatementRef:
    """Where a statement lives, so that a decision can point at it."""

    policy_type: str
    policy_name: str | None
    policy_index: int
    sid: str | None
    statement_index: int
    effect: str
    line: int | None
    column: int | None
    condition_keys: tuple[str, ...] = ()
    level: int | None = None
    """For SCPs and RCPs: the level in the organization (0 = root), else None."""

    def label(self) -> str:
        name = self.policy_name or f"{self.policy_type} policy #{self.policy_index}"
        sid = f" {self.sid!r}" if self.sid else ""
        where = f" (line {self.line}, column {self.column})" if self.line else ""
        return f"{name} statement #{self.statement_index}{sid}{where}"

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "policy_type": self.policy_type,
            "policy_name": self.policy_name,
            "policy_index": self.policy_index,
            "sid": self.sid,
            "statement_index": self.statement_index,
            "effect": self.effect,
            "line": self.line,
            "column": self.column,
            "condition_keys": list(self.condition_keys),
        }
        if self.level is not None:
            out["level"] = self.level
        return out


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    operator: str
    key: str
    matched: bool
    reason: str


@dataclass(frozen=True, slots=True)
class StatementTrace:
    ref: StatementRef
    action_matched: bool
    resource_matched: bool
    principal_matched: bool | None
    """None where the policy type has no Principal element."""
    conditions: tuple[ConditionTrace, ...]
    applies: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "statement": self.ref.to_dict(),
            "applies": self.applies,
            "action_matched": self.action_matched,
            "resource_matched": self.resource_matched,
            "principal_matched": self.principal_matched,
            "conditions": [
                {"operator": c.operator, "key": c.key, "matched": c.matched, "reason": c.reason}
                for c in self.conditions
            ],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Trace:
    statements: tuple[StatementTrace, ...]

    def to_dict(self) -> list[dict[str, object]]:
        return [s.to_dict() for s in self.statements]


class Decision:
    """The answer to one request. Read-only by convention; a plain slotted class because the fast path builds
    hundreds of thousands per second and a frozen dataclass costs several times more to construct.

    The fast path decides without collecting its reasons: it stops at the first statement that settles the answer.
    It passes ``settle`` and what that needs (``plan``, ``source``, ``epoch``: kept in slots, since a tuple of them
    per decision costs more than deciding did); ``settle(decision)`` gives the full decision (every deciding
    statement, the reasons, the statements that applied), and ``deciding``, ``reasons`` and
    ``missing_context_keys`` call it on first use."""

    __slots__ = ("_candidates", "_context", "_deciding", "_epoch", "_plan", "_reasons", "_settle", "_source",
                 "blocked_by", "by_policy_type", "decision", "trace")

    def __init__(
        self,
        decision: str,
        deciding: tuple[StatementRef, ...] = (),
        blocked_by: tuple[str, ...] = (),
        by_policy_type: Mapping[str, str] | None = None,
        reasons: tuple[str, ...] = (),
        trace: Trace | None = None,
        candidates: tuple[CompiledStatement, ...] = (),
        context: Mapping[str, ContextValue] | None = None,
        settle: Callable[[Decision], Decision] | None = None,
        plan: object = None,
        source: object = None,
        epoch: int | None = None,
    ) -> None:
        self.decision = decision
        self._deciding = deciding
        self.blocked_by = blocked_by
        self.by_policy_type: Mapping[str, str] = by_policy_type if by_policy_type is not None else {}
        self._reasons = reasons
        self.trace = trace
        self._candidates = candidates
        self._context = context
        self._settle = settle
        self._plan = plan
        self._source = source
        self._epoch = epoch

    def _full(self) -> None:
        settle = self._settle
        if settle is None:
            return
        full = settle(self)
        if full.decision != self.decision:
            # The two paths are tested to agree, so this means the request (a dict the caller still holds) was
            # changed after it was decided: never hand out reasons that belong to another answer.
            raise RuntimeError(
                f"this decision ({self.decision}) cannot be explained: re-deciding its request now gives "
                f"{full.decision}. Was the request changed after it was decided? Decide a copy, or ask for the "
                "reasons before changing it."
            )
        self._deciding, self._reasons = full._deciding, full._reasons
        self._candidates, self._context = full._candidates, full._context
        self._settle = self._plan = self._source = None

    @property
    def deciding(self) -> tuple[StatementRef, ...]:
        """The statements that decided: every matching Deny for an explicit deny, every matching Allow for an
        allow, none for an implicit deny."""
        if self._settle is not None:
            self._full()
        return self._deciding

    @property
    def reasons(self) -> tuple[str, ...]:
        if self._settle is not None:
            self._full()
        return self._reasons

    def __repr__(self) -> str:
        return f"Decision({self.decision!r}, deciding={len(self.deciding)}, blocked_by={self.blocked_by!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return (self.decision, self.deciding, self.blocked_by) == (other.decision, other.deciding, other.blocked_by)

    __hash__ = None  # type: ignore[assignment]

    def with_trace(self, trace: Trace) -> Decision:
        self._full()
        return Decision(self.decision, self._deciding, self.blocked_by, self.by_policy_type, self._reasons, trace,
                        self._candidates, self._context)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    @property
    def missing_context_keys(self) -> tuple[str, ...]:
        """Keys that statements relevant to this request (action and resource matched) asked for and the request
        lacked: computed on demand, so the fast path pays nothing for it."""
        self._full()
        ctx = self._context or {}
        missing: dict[str, None] = {}
        for st in self._candidates:
            for key in st.context_keys:
                if key.lower() not in ctx:
                    missing.setdefault(key, None)
        return tuple(missing)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "decision": self.decision,
            "allowed": self.allowed,
            "deciding": [s.to_dict() for s in self.deciding],
            "blocked_by": list(self.blocked_by),
            "by_policy_type": dict(self.by_policy_type),
            "missing_context_keys": list(self.missing_context_keys),
            "reasons": list(self.reasons),
        }
        if self.trace is not None:
            out["trace"] = self.trace.to_dict()
        return out
