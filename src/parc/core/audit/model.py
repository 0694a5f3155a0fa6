"""The audit's answer: findings ordered by risk, each with its evidence and a fix, and what could not be checked.

A finding's ``id`` is derived from what it is about (rule, account, resource, and a key naming the exact element),
never from the order of discovery or the time of the run, so the same snapshot always gives the same ids and a CI
job can compare two reports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFO = "INFO"

    @property
    def rank(self) -> int:
        """Higher is more severe; used for ordering and by --fail-on."""
        return _RANK[self]


_RANK = {Severity.CRITICAL: 5, Severity.HIGH: 4, Severity.MEDIUM: 3, Severity.LOW: 2, Severity.INFO: 1}
SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))

CATEGORIES = ("account", "identity", "network", "data", "logging")
"""Account security (credentials, MFA, password policy), identity and access (policies, administrators, escalation,
access from outside), network integrity, data encryption and exposure (S3, EBS, RDS, EFS, KMS, Secrets Manager),
logging and detection. The order is the report's order within one severity."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of what a finding rests on: a statement, a rule, a CSV row, with where it is."""

    text: str
    file: str | None = None
    path: str = ""
    """JSON path (``UserDetailList[2].UserPolicyList[0].PolicyDocument.Statement[1]``) or ``row N`` of a CSV."""
    line: int | None = None
    column: int | None = None
    note: str = ""
    """Where it is when the file position cannot say it precisely (inside a policy stored as a JSON string)."""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "file": self.file, "path": self.path, "line": self.line,
                                  "column": self.column}
        if self.note:
            out["note"] = self.note
        return out

    def where(self) -> str:
        """``file:line:column path`` for people, with whatever parts are known."""
        parts = []
        if self.file:
            loc = self.file
            if self.line:
                loc += f":{self.line}" + (f":{self.column}" if self.column else "")
            parts.append(loc)
        if self.path:
            parts.append(self.path)
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


@dataclass(frozen=True)
class AuditFinding:
    rule: str
    """What kind of problem, stable across versions (``ROOT_NO_MFA``, ``ESCALATION_PATH``...)."""
    severity: Severity
    category: str
    title: str
    """What is wrong, in one line."""
    resource: str
    """The ARN (or id) of what is wrong."""
    why: str
    """Why it matters."""
    fix: str
    """How to fix it, concretely."""
    account: str | None = None
    evidence: tuple[Evidence, ...] = ()
    learn_more: str | None = None
    key: str = ""
    """Tells apart findings of one rule on one resource (a statement path, a port...); part of the id."""
    details: Mapping[str, object] = field(default_factory=dict)
    controls: tuple[str, ...] = ()
    """The framework controls it fails (``cis-aws-7.0:2.4``), from ``parc.core.audit.framework``; not part of the id."""

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.rule}|{self.account or ''}|{self.resource}|{self.key}".encode()).hexdigest()
        return f"{self.rule}-{digest[:10]}"

    def sort_key(self) -> tuple[int, int, str, str, str, str]:
        cat = CATEGORIES.index(self.category) if self.category in CATEGORIES else len(CATEGORIES)
        return (-self.severity.rank, cat, self.rule, self.account or "", self.resource, self.key)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity.value,
            "category": self.category,
            "title": self.title,
            "account": self.account,
            "resource": self.resource,
            "why": self.why,
            "evidence": [e.to_dict() for e in self.evidence],
            "fix": self.fix,
        }
        if self.learn_more:
            out["learn_more"] = self.learn_more
        if self.details:
            out["details"] = dict(self.details)
        out["controls"] = list(self.controls)
        return out


@dataclass(frozen=True, slots=True)
class NotChecked:
    """A check that did not run for lack of input: absent is never reported as fine."""

    check: str
    reason: str
    account: str | None = None
    internal: bool = False
    """The check failed inside parc (a bug), not for lack of input: ``--fail-on`` then exits 3, never "clean"."""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"check": self.check, "account": self.account, "reason": self.reason}
        if self.internal:
            out["internal_error"] = True
        return out


@dataclass(frozen=True)
class CheckResult:
    """What one check returns: its findings, and what it could not check."""

    findings: tuple[AuditFinding, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()

    @staticmethod
    def of(findings: Iterable[AuditFinding] = (), not_checked: Iterable[NotChecked] = ()) -> CheckResult:
        return CheckResult(tuple(findings), tuple(not_checked))

    def __add__(self, other: CheckResult) -> CheckResult:
        return CheckResult(self.findings + other.findings, self.not_checked + other.not_checked)
