"""One policy document of a snapshot -> a ``Policy`` the engine can use, or the reason it cannot.

A document is used only when it both parses without an ERROR and compiles (the engine's own checks: an Effect of
Allow or Deny, exactly one of Action and NotAction, a Resource, a Principal in a resource policy). Otherwise the
document is reported and left out, so that a question never fails halfway on one bad document among many.
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.authz.compile import PolicyCompileError, PolicyGroup
from parc.core.findings import Finding, FindingType
from parc.core.policy.model import Policy, PolicyType

_GROUP_KIND = {PolicyType.TRUST: "resource", PolicyType.RESOURCE: "resource", PolicyType.RCP: "rcp",
               PolicyType.SCP: "scp", PolicyType.BOUNDARY: "boundary"}


@dataclass(frozen=True, slots=True)
class Unusable:
    """Why a document is left out: the message, and the first finding's path and position inside the document."""

    why: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def where(self) -> str:
        return f" (document line {self.line}, column {self.column})" if self.line else ""


def read_policy(raw: str | dict[str, object], ptype: PolicyType, name: str) -> Policy | Unusable:
    from parc.core.policy.parse import parse_policy

    try:
        result = parse_policy(raw, ptype, name=name)
    except (RecursionError, ValueError) as exc:  # nesting or numbers beyond what Python's JSON reader takes
        return Unusable(f"unreadable ({type(exc).__name__}: {str(exc)[:120]})")
    errors: list[Finding] = [f for f in result.findings if f.finding_type is FindingType.ERROR]
    if result.policy is None or errors:
        first = errors[0] if errors else (result.findings[0] if result.findings else None)
        if first is None:
            return Unusable("unreadable")
        return Unusable(first.message, first.path, first.line, first.column)
    try:
        PolicyGroup(_GROUP_KIND.get(ptype, "identity"), [result.policy], indexed=False)
    except PolicyCompileError as exc:
        return Unusable(str(exc))
    return result.policy
