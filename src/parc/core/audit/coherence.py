"""No finding of a report contradicts another: statement-local lint graded by the engine's answer.

Lint reads one statement at a time: ``OPEN_TO_ANY_PRINCIPAL`` sees an ``Allow`` to ``"*"`` without a narrowing
condition, and cannot see the ``Deny`` beside it that refuses every caller outside the organization, nor the RCP
that does the same. The engine decides with every statement and every policy that applies, and the audit's probes
(``parc.core.audit.external``) ask it: may an anonymous caller, any AWS account, another organization get in? When
it finds nobody from outside gets in, a HIGH "open to any principal" beside an INFO "organization-wide" would be two
answers to one question. The lint finding stays (the statement alone is still worth tightening: deleting the Deny
would open it), but the audit grades it by the engine's answer, lower, and says why.

Only when the engine's answer is known: if the access-from-outside check did not run (failed, or the account's
resource policies are absent), the lint keeps its severity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from parc.core.audit.model import AuditFinding, NotChecked, Severity

PUBLIC_RULES = frozenset({"RESOURCE_PUBLIC", "ROLE_ASSUMABLE_BY_ANYONE", "RESOURCE_PUBLIC_BLOCKED"})
"""The engine's findings that agree with "open to any principal" (Block Public Access keeping it out is its own
finding: the policy is still open)."""
OUTSIDE_RULES = frozenset({"RESOURCE_ORGANIZATION_WIDE", "ROLE_ORGANIZATION_WIDE", "RESOURCE_CROSS_ACCOUNT",
                           "ROLE_CROSS_ACCOUNT"})
EXTERNAL_CHECK = "access from outside"


def grade_by_engine(findings: Iterable[AuditFinding], not_checked: Iterable[NotChecked]) -> list[AuditFinding]:
    """The findings, with each lint finding the engine contradicts graded by the engine's answer."""
    found = list(findings)
    if any(n.check == EXTERNAL_CHECK for n in not_checked):  # the engine's answer is unknown: nothing to grade by
        return found
    by_resource: dict[tuple[str | None, str], list[AuditFinding]] = {}
    for f in found:
        if f.rule in PUBLIC_RULES or f.rule in OUTSIDE_RULES:
            by_resource.setdefault((f.account, f.resource), []).append(f)
    return [_open_to_any(f, by_resource.get((f.account, f.resource), [])) if f.rule == "OPEN_TO_ANY_PRINCIPAL"
            else f for f in found]


def _open_to_any(f: AuditFinding, engine: list[AuditFinding]) -> AuditFinding:
    if any(e.rule in PUBLIC_RULES for e in engine):
        return f  # the engine agrees: someone from outside the organization gets in
    outside = sorted(engine, key=lambda e: e.sort_key())
    if outside:
        answer = "; ".join(e.title for e in outside[:3]) + (f" and {len(outside) - 3} more" if len(outside) > 3
                                                            else "")
        said = (f"the engine, deciding with every statement and policy that applies (a Deny outside the "
                f"organization, an RCP, an SCP), lets in no anonymous caller and no AWS account at large; it finds "
                f"only: {answer}")
    else:
        said = ("the engine, deciding with every statement and policy that applies (a Deny outside the "
                "organization, an RCP, an SCP), lets in no caller from outside the account")
    severity = Severity.LOW if f.severity.rank > Severity.LOW.rank else f.severity
    return replace(
        f, severity=severity,
        why=f"{f.why} Graded {severity.value} (lint alone says {f.severity.value}): {said}. The statement is still "
            "worth narrowing: without what else keeps callers out, it would be open.",
        details={**f.details, "lint_severity": f.severity.value, "graded_by_engine": said,
                 "engine_findings": [e.id for e in outside]},
    )
