"""``parc audit --baseline PREVIOUS.json``: each finding of this report marked against an earlier JSON report.

A finding's id is derived from what it is about (rule, account, resource, element), never from the run, so the
comparison is exact: an id in both reports is ``unchanged`` (``updated`` when its severity changed), an id only in
this one is ``new``, an id only in the previous one is ``resolved``. ``--fail-on`` then counts the new findings, and
the updated ones whose severity rose (a finding that got worse is not old news).

The states are SARIF's ``baselineState`` values (new, unchanged, updated, absent = resolved):
https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html (3.27.24)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parc.core.audit.model import AuditFinding, Severity

NEW = "new"
UNCHANGED = "unchanged"
UPDATED = "updated"
RESOLVED = "resolved"


class BaselineError(ValueError):
    """The previous report cannot be read as a parc audit JSON report (the message says where)."""


@dataclass(frozen=True, slots=True)
class PreviousFinding:
    id: str
    rule: str
    severity: str
    title: str
    resource: str
    account: str | None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "rule": self.rule, "severity": self.severity, "title": self.title,
                "resource": self.resource, "account": self.account}


@dataclass(frozen=True)
class Baseline:
    source: str
    findings: tuple[PreviousFinding, ...]


def parse_baseline(data: object, source: str) -> Baseline:
    """The previous report's findings; raises ``BaselineError`` naming the JSON path of what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{source}: not a parc audit JSON report (expected {{\"findings\": [...]}}, as "
                            "parc audit --format json writes it)")
    out: list[PreviousFinding] = []
    for i, f in enumerate(data["findings"]):
        if not isinstance(f, dict) or not isinstance(f.get("id"), str) or not f["id"]:
            raise BaselineError(f"{source}: findings[{i}] has no \"id\" (is it a parc audit JSON report?)")
        severity = str(f.get("severity", ""))
        out.append(PreviousFinding(f["id"], str(f.get("rule", "")), severity, str(f.get("title", "")),
                                   str(f.get("resource", "")), f.get("account") if isinstance(f.get("account"), str)
                                   else None))
    return Baseline(source, tuple(out))


@dataclass(frozen=True)
class Comparison:
    source: str
    states: dict[str, str]
    """This report's finding id -> new, unchanged or updated."""
    resolved: tuple[PreviousFinding, ...]
    worsened: frozenset[str]
    """Ids of updated findings whose severity rose."""

    def counts(self) -> dict[str, int]:
        values = list(self.states.values())
        return {NEW: values.count(NEW), UNCHANGED: values.count(UNCHANGED), UPDATED: values.count(UPDATED),
                RESOLVED: len(self.resolved)}

    def counted(self, findings: Iterable[AuditFinding]) -> list[AuditFinding]:
        """The findings ``--fail-on`` looks at: the new ones and those whose severity rose."""
        return [f for f in findings if self.states.get(f.id) == NEW or f.id in self.worsened]

    def to_dict(self) -> dict[str, object]:
        return {"file": self.source, "counts": self.counts(), "resolved": [p.to_dict() for p in self.resolved]}


def _rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return 0


def compare(findings: Iterable[AuditFinding], baseline: Baseline) -> Comparison:
    previous = {p.id: p for p in baseline.findings}
    states: dict[str, str] = {}
    worsened: set[str] = set()
    for f in findings:
        before = previous.get(f.id)
        if before is None:
            states[f.id] = NEW
        elif before.severity == f.severity.value:
            states[f.id] = UNCHANGED
        else:
            states[f.id] = UPDATED
            if f.severity.rank > _rank(before.severity):
                worsened.add(f.id)
    resolved = tuple(p for pid, p in previous.items() if pid not in states)
    return Comparison(baseline.source, states, resolved, frozenset(worsened))
