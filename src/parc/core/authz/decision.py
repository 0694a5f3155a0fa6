"""The answer: a decision with the statements behind it, the policy types that blocked it, and on demand a trace.

The explanation is part of the return type (as in Cedar's authorizer): a caller never gets a bare boolean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

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
    It builds its decisions as ``LeanDecision``: the answer's fixed parts (one tuple shared by every decision
    with that answer), how to settle it (``settle`` and the plan: one tuple per plan) and what settling needs (the
    request, the second it was asked). ``settle(decision)`` gives the full decision (every deciding statement, the
    reasons, the statements that applied); ``deciding``, ``reasons`` and ``missing_context_keys`` call it on first
    use. Five slots and no more: the cyclic garbage collector visits every reference of every decision a batch
    returns, and a batch returns hundreds of thousands."""

    __slots__ = ("_detail", "_epoch", "_how", "_source", "_verdict")

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
    ) -> None:
        self._verdict: tuple[object, ...] = (
            decision, blocked_by, by_policy_type if by_policy_type is not None else {}, reasons
        )
        """(decision, blocked_by, by_policy_type, reasons)."""
        self._detail: tuple[object, ...] | None = (deciding, candidates, context, trace)
        """(deciding, candidates, context, trace); None until a lean decision is settled."""
        self._how: tuple[object, ...] | None = None
        """A lean decision's (settle, plan) until it is settled, else None."""
        self._source: object = None
        self._epoch: int | None = None

    @property
    def decision(self) -> str:
        return self._verdict[0]  # type: ignore[return-value]  # (no cast: a call per read in pure Python)

    @property
    def blocked_by(self) -> tuple[str, ...]:
        v = self._verdict
        if v[1] is None:  # a lean decision that left it to the full path (identity policies with other types)
            self._settled()
            v = self._verdict
        return v[1]  # type: ignore[return-value]

    @property
    def by_policy_type(self) -> Mapping[str, str]:
        v = self._verdict
        if v[2] is None:
            self._settled()
            v = self._verdict
        return v[2]  # type: ignore[return-value]

    @property
    def plan(self) -> object:
        """What a lean decision's ``settle`` reads: the plan it was decided with (None once settled)."""
        how = self._how
        return how[1] if how is not None else None

    @property
    def source(self) -> object:
        """What a lean decision's ``settle`` reads: the request (or the resource) it was decided for."""
        return self._source

    @property
    def epoch(self) -> int | None:
        """The second a lean decision was asked, when it read the clock (None: it read none)."""
        return self._epoch

    @property
    def context(self) -> Mapping[str, ContextValue] | None:
        """The context a settled decision was made with (None: not kept)."""
        detail = self._detail
        return cast("Mapping[str, ContextValue] | None", detail[2]) if detail is not None else None

    @property
    def candidates(self) -> tuple[CompiledStatement, ...]:
        """The statements whose action and resource matched (settles a lean decision)."""
        return cast("tuple[CompiledStatement, ...]", self._settled()[1])

    def _settled(self) -> tuple[object, ...]:
        detail = self._detail
        if detail is not None:
            return detail
        how = self._how
        assert how is not None
        full = cast("Callable[[Decision], Decision]", how[0])(self)
        if full.decision != self.decision:
            # The two paths are tested to agree, so this means the request (a dict the caller still holds) was
            # changed after it was decided: never hand out reasons that belong to another answer.
            raise RuntimeError(
                f"this decision ({self.decision}) cannot be explained: re-deciding its request now gives "
                f"{full.decision}. Was the request changed after it was decided? Decide a copy, or ask for the "
                "reasons before changing it."
            )
        v = self._verdict
        self._verdict = (v[0], full.blocked_by if v[1] is None else v[1],
                         full.by_policy_type if v[2] is None else v[2], full.reasons)
        settled = full._settled()
        detail = self._detail = (settled[0], settled[1], settled[2], None)
        self._how = self._source = None
        return detail

    @property
    def unsettled_reasons(self) -> tuple[str, ...]:
        """The reasons as decided, without settling (a lean decision's ``settle`` reads them)."""
        return cast("tuple[str, ...]", self._verdict[3])

    @property
    def deciding(self) -> tuple[StatementRef, ...]:
        """The statements that decided: every matching Deny for an explicit deny, every matching Allow for an
        allow, none for an implicit deny."""
        return cast("tuple[StatementRef, ...]", self._settled()[0])

    @property
    def reasons(self) -> tuple[str, ...]:
        self._settled()
        return cast("tuple[str, ...]", self._verdict[3])

    @property
    def trace(self) -> Trace | None:
        detail = self._detail
        return cast("Trace | None", detail[3]) if detail is not None else None

    def __repr__(self) -> str:
        return f"Decision({self.decision!r}, deciding={len(self.deciding)}, blocked_by={self.blocked_by!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return (self.decision, self.deciding, self.blocked_by) == (other.decision, other.deciding, other.blocked_by)

    __hash__ = None  # type: ignore[assignment]

    def with_trace(self, trace: Trace) -> Decision:
        return Decision(self.decision, self.deciding, self.blocked_by, self.by_policy_type, self.reasons, trace,
                        self.candidates, self.context)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    @property
    def missing_context_keys(self) -> tuple[str, ...]:
        """Keys that statements relevant to this request (action and resource matched) asked for and the request
        lacked: computed on demand, so the fast path pays nothing for it."""
        detail = self._settled()
        ctx = cast("Mapping[str, ContextValue] | None", detail[2]) or {}
        missing: dict[str, None] = {}
        for st in cast("tuple[CompiledStatement, ...]", detail[1]):
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


class LeanDecision(Decision):
    """A decision of the fast path, whose reasons are settled on first use (``Decision``)."""

    __slots__ = ()

    def __init__(self, verdict: tuple[object, ...], how: tuple[object, ...], source: object,
                 epoch: int | None) -> None:
        """``verdict``: (decision, blocked_by, by_policy_type, reasons), shared; ``how``: (settle, plan), shared;
        ``source`` and ``epoch``: what ``settle`` reads."""
        self._verdict = verdict
        self._detail = None
        self._how = how
        self._source = source
        self._epoch = epoch
