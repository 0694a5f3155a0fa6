"""Findings as SARIF 2.1.0, in the subset GitHub code scanning reads.

What GitHub needs (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/
sarif-support-for-code-scanning): ``$schema`` and ``version`` 2.1.0; ``runs[].tool.driver.name`` and ``rules[]``
with an ``id`` that stays the same from run to run (parc uses the finding code); each result's ``ruleId``,
``message.text`` and ``locations[].physicalLocation`` with an ``artifactLocation.uri`` relative to the repository
root and a ``region.startLine``; ``partialFingerprints`` so that an alert keeps its identity when lines move; and
``rules[].properties.security-severity``, a number from 0.0 to 10.0 written as a string, which GitHub turns into
the alert's severity (over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, under 4.0 low).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import quote

from parc.core.findings import Finding, FindingType
from parc.reporters.json_report import ReportItem

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "parc"

LEVEL = {
    FindingType.ERROR: "error",
    FindingType.SECURITY_WARNING: "error",
    FindingType.WARNING: "warning",
    FindingType.SUGGESTION: "note",
}
SECURITY_SEVERITY = {
    FindingType.SECURITY_WARNING: "8.0",
    FindingType.ERROR: "5.0",
    FindingType.WARNING: "3.0",
    FindingType.SUGGESTION: "1.0",
}
STDIN_URI = "stdin"


def artifact_uri(name: str | None) -> str:
    """A relative URI with forward slashes; absolute paths stay absolute as file URIs (GitHub cannot place those)."""
    if not name or name == "-":
        return STDIN_URI
    posix = name.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    while posix.startswith("./"):
        posix = posix[2:]
    return "/".join(_quote(part) for part in posix.split("/"))


def _quote(part: str) -> str:
    return quote(part, safe="@+=,;-_.~!$&'()*")


def _rule_name(code: str) -> str:
    return "".join(word.capitalize() for word in code.split("_"))


def fingerprint(f: Finding) -> str:
    """Stable across runs while the finding stays the same (file, code, JSON path), whatever its line."""
    key = f"{f.file}|{f.code}|{f.path}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def render_sarif(items: Sequence[ReportItem], tool_version: str) -> str:
    findings = [f for item in items for f in item.findings]
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for f in sorted(findings, key=lambda x: x.code):
        if f.code in index:
            continue
        index[f.code] = len(rules)
        rules.append(_rule(f))
    results = [_result(f, index[f.code]) for f in findings]
    artifacts = sorted({artifact_uri(item.name) for item in items})
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version,
                "semanticVersion": tool_version,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "./"}},
        "artifacts": [{"location": {"uri": uri, "uriBaseId": "%SRCROOT%"}} for uri in artifacts],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _rule(f: Finding) -> dict[str, object]:
    tags = ["iam", "policy"]
    if f.finding_type is FindingType.SECURITY_WARNING:
        tags.append("security")
    text = f.code.replace("_", " ").capitalize()
    out: dict[str, object] = {
        "id": f.code,
        "name": _rule_name(f.code),
        "shortDescription": {"text": text},
        "fullDescription": {"text": f"{text} ({f.finding_type.value.replace('_', ' ').lower()})"},
        "defaultConfiguration": {"level": LEVEL[f.finding_type]},
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[f.finding_type],
        },
    }
    if f.learn_more:
        out["helpUri"] = f.learn_more
        out["help"] = {"text": f"See {f.learn_more}", "markdown": f"[{f.code}]({f.learn_more})"}
    return out


def _result(f: Finding, rule_index: int) -> dict[str, object]:
    region: dict[str, int] = {"startLine": f.line if f.line and f.line > 0 else 1}
    if f.column and f.column > 0:
        region["startColumn"] = f.column
    message = f.message if not f.fix else f"{f.message} Fix: {f.fix}"
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.file), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }
    logical: list[dict[str, str]] = []
    if f.resource:  # a template's logical resource id or a Terraform address
        logical.append({"fullyQualifiedName": f.resource, "kind": "resource"})
    if f.path:
        logical.append({"fullyQualifiedName": f.path, "kind": "element"})
    if logical:
        location["logicalLocations"] = logical
    properties: dict[str, object] = {"findingType": f.finding_type.value, "jsonPath": f.path}
    if f.resource is not None:
        properties["resource"] = f.resource
    if f.iam_rejects is not None:  # IAM's API would refuse the document at deploy time (parc validate --mode iam)
        properties["iamRejects"] = True
        properties["iamReason"] = f.iam_rejects
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVEL[f.finding_type],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"parcFinding/v1": fingerprint(f)},
        "properties": properties,
    }
