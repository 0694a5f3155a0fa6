"""The one Finding type that every checker in parc returns (lint, loaders, accounts, network, audit).

Codes and finding types follow IAM Access Analyzer's policy-validation vocabulary where one fits, so users can
cross-check parc's output with AWS's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class FindingType(StrEnum):
    """Access Analyzer's finding types, ordered from most to least severe."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        """Higher is more severe; used by --fail-on."""
        return _RANK[self]


_RANK = {
    FindingType.ERROR: 4,
    FindingType.SECURITY_WARNING: 3,
    FindingType.WARNING: 2,
    FindingType.SUGGESTION: 1,
}


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of a JSON element in the text it was read from."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    finding_type: FindingType
    message: str
    path: str = ""
    """JSON path of the offending element, e.g. ``Statement[0].Action[1]``."""
    position: Position | None = None
    file: str | None = None
    learn_more: str | None = None
    fix: str | None = None
    details: dict[str, str] = field(default_factory=dict)
    iam_rejects: str | None = None
    """Set when IAM's API would refuse the document at deploy time because of this finding (MalformedPolicyDocument
    or a size quota): why, with IAM's message or page. None: the finding does not stop a deploy (parc.core.lint.
    iam_verdict), whatever its Access Analyzer level."""
    resource: str | None = None
    """For a policy inside infrastructure code: the CloudFormation logical resource id or the Terraform address
    that holds it (``file``, ``line`` and ``column`` point into the template)."""

    @property
    def line(self) -> int | None:
        return self.position.line if self.position else None

    @property
    def column(self) -> int | None:
        return self.position.column if self.position else None

    def in_file(self, file: str | None) -> Finding:
        return replace(self, file=file)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "code": self.code,
            "finding_type": self.finding_type.value,
            "message": self.message,
            "file": self.file,
            "path": self.path,
            "line": self.line,
            "column": self.column,
        }
        if self.learn_more:
            out["learn_more"] = self.learn_more
        if self.fix:
            out["fix"] = self.fix
        if self.details:
            out["details"] = dict(self.details)
        if self.iam_rejects is not None:
            out["iam_rejects"] = True
            out["iam_reason"] = self.iam_rejects
        if self.resource is not None:
            out["resource"] = self.resource
        return out
