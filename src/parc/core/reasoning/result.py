"""What a check answers: PASS (a proof), FAIL (with requests the engine confirmed) or UNKNOWN (with the reason)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PASS = "PASS"
FAIL = "FAIL"
UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A concrete request the check found, replayed through the engine before it is shown."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | list[str]]
    statement: Mapping[str, object] | None
    """The statement that grants it: policy, sid, index, line, column (None: no statement, e.g. an action AWS
    allows every caller)."""
    resource_account: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"principal": self.principal, "action": self.action, "resource": self.resource,
                                  "context": dict(self.context), "statement": dict(self.statement)
                                  if self.statement is not None else None}
        if self.resource_account is not None:
            out["resource_account"] = self.resource_account
        return out


@dataclass(frozen=True, slots=True)
class CheckResult:
    result: str
    reason: str
    counterexamples: tuple[Counterexample, ...] = ()
    queries: int = 0
    solver_seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def exit_code(self) -> int:
        return {PASS: 0, FAIL: 1}.get(self.result, 2)

    def to_dict(self) -> dict[str, object]:
        return {"result": self.result, "reason": self.reason,
                "counterexamples": [c.to_dict() for c in self.counterexamples]}
