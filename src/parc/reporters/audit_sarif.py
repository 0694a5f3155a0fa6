"""The audit as SARIF 2.1.0 for GitHub code scanning, in the subset ``parc.reporters.sarif`` describes (its schema,
tool name and relative artifact URIs are reused).

Differences from the lint report: one rule per audit rule; the location is the first evidence that has a file
(the statement, the CSV row, the security group rule); ``partialFingerprints`` is the finding's stable id; and the
audit's five severities map to ``security-severity`` on GitHub's scale (over 9.0 critical, 7.0-8.9 high, 4.0-6.9
medium, under 4.0 low): CRITICAL 9.5, HIGH 8.0, MEDIUM 5.5, LOW 3.0, INFO 1.0.
"""

from __future__ import annotations

import json

from parc.core.audit.model import AuditFinding, Severity
from parc.core.audit.run import AuditReport
from parc.reporters.sarif import SCHEMA, TOOL_NAME, artifact_uri

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def _rule(f: AuditFinding) -> dict[str, object]:
    text = f.rule.replace("_", " ").capitalize()
    out: dict[str, object] = {
        "id": f.rule,
        "name": "".join(w.capitalize() for w in f.rule.split("_")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": f"{text} ({f.category})"},
        "defaultConfiguration": {"level": LEVEL[f.severity]},
        "properties": {"tags": ["security", f.category], "precision": "high",
                       "security-severity": SECURITY_SEVERITY[f.severity]},
    }
    if f.learn_more:
        first = f.learn_more.split(" ", 1)[0].rstrip(";")
        out["helpUri"] = first
        out["help"] = {"text": f"See {f.learn_more}", "markdown": f"[{f.rule}]({first})"}
    return out


def _result(f: AuditFinding, index: int) -> dict[str, object]:
    message = f"{f.title}. {f.why} Fix: {f.fix}"
    out: dict[str, object] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": message},
        "partialFingerprints": {"parcAudit/v1": f.id},
        "properties": {"severity": f.severity.value, "security-severity": SECURITY_SEVERITY[f.severity],
                       "resource": f.resource, "account": f.account, "id": f.id,
                       **({"controls": list(f.controls)} if f.controls else {})},
    }
    located = next((e for e in f.evidence if e.file), None)
    if located is not None:
        region: dict[str, int] = {"startLine": located.line or 1}
        if located.column:
            region["startColumn"] = located.column
        location: dict[str, object] = {
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(located.file), "uriBaseId": "%SRCROOT%"},
                "region": region,
            },
        }
        if located.path:
            location["logicalLocations"] = [{"fullyQualifiedName": located.path, "kind": "element"}]
        out["locations"] = [location]
    related = [e for e in f.evidence if e.file and e is not located]
    if related:
        out["relatedLocations"] = [
            {"id": i, "message": {"text": e.text[:200]},
             "physicalLocation": {"artifactLocation": {"uri": artifact_uri(e.file), "uriBaseId": "%SRCROOT%"},
                                  "region": {"startLine": e.line or 1}}}
            for i, e in enumerate(related[:10], 1)
        ]
    return out


def render_audit_sarif(report: AuditReport, tool_version: str) -> str:
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for f in sorted(report.findings, key=lambda x: x.rule):
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(_rule(f))
    results = [_result(f, index[f.rule]) for f in report.findings]
    files = sorted({artifact_uri(e.file) for f in report.findings for e in f.evidence if e.file})
    run: dict[str, object] = {
        "tool": {"driver": {"name": TOOL_NAME, "version": tool_version, "semanticVersion": tool_version,
                            "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
        "artifacts": [{"location": {"uri": uri, "uriBaseId": "%SRCROOT%"}} for uri in files],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"notChecked": [n.to_dict() for n in report.not_checked],
                       **({"framework": report.framework.id, "controls": [c.to_dict() for c in report.controls]}
                          if report.framework is not None else {})},
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
