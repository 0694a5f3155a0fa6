"""Findings as one JSON object for programs: ``{"findings": [...], "summary": {...}, "files": [...]}``.

Shared by every command that reports findings (validate, and later audit): it takes any items that have a name and
findings (``ReportItem``), so the command's own result type needs no conversion.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Protocol

from parc.core.findings import Finding, FindingType


class ReportItem(Protocol):
    """One checked unit (a policy file): what the reporters need from a command's results."""

    @property
    def name(self) -> str | None: ...

    @property
    def findings(self) -> tuple[Finding, ...]: ...


def count_by_type(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {t.value: 0 for t in FindingType}
    for f in findings:
        counts[f.finding_type.value] += 1
    return counts


def summary(items: Sequence[ReportItem], fail_on: FindingType | None = None) -> dict[str, object]:
    findings = [f for item in items for f in item.findings]
    out: dict[str, object] = {
        "files": len(items),
        "files_with_findings": sum(1 for item in items if item.findings),
        "findings": len(findings),
        "by_type": count_by_type(findings),
    }
    if fail_on is not None:
        out["fail_on"] = fail_on.value
        out["failed"] = any(f.finding_type.rank >= fail_on.rank for f in findings)
    return out


def render_json(
    items: Sequence[ReportItem],
    fail_on: FindingType | None = None,
    extra: Mapping[str, Mapping[str, object]] | None = None,
) -> str:
    """``extra`` adds per-file fields to ``files`` (for validate: the policy type and whether it was inferred)."""
    files = []
    for item in items:
        entry: dict[str, object] = {"file": item.name, "findings": len(item.findings)}
        entry.update((extra or {}).get(item.name or "", {}))
        files.append(entry)
    doc = {
        "findings": [f.to_dict() for item in items for f in item.findings],
        "summary": summary(items, fail_on),
        "files": files,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
