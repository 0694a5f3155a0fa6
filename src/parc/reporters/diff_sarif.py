"""SARIF 2.1.0 for ``parc diff`` on templates: one result per request the head allows and the base does not, at the
head template's statement (code scanning shows it on the pull request's line), and one note per resource parc
could not prove. Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html"""

from __future__ import annotations

import json
from collections.abc import Mapping

RULES = {
    "IAC_NEW_ACCESS": "The change lets a principal make a request the base version does not allow.",
    "IAC_DIFF_UNKNOWN": "parc could not prove that the change adds no access.",
}


def render_diff_sarif(payload: Mapping[str, object]) -> str:
    from parc import __version__

    results: list[dict[str, object]] = []
    resources = payload.get("resources")
    head = str(payload.get("head", ""))
    seen: set[tuple[object, ...]] = set()
    for r in resources if isinstance(resources, list) else []:
        for cx in r.get("counterexamples", []):
            place = cx.get("location") or {}
            key = (place.get("file"), place.get("line"), place.get("column"), cx.get("action"), cx.get("resource"),
                   json.dumps(cx.get("when"), sort_keys=True))
            if key in seen:
                continue  # the same statement seen from the role and from the policy resource attached to it
            seen.add(key)
            text = (f"{r['resource']}: the head allows {cx['action']} on {cx['resource']} to {cx['principal']}, "
                    "which the base does not")
            if cx.get("when"):
                text += " (when " + ", ".join(f"{c} is {v}" for c, v in cx["when"].items()) + ")"
            loc = cx.get("location") or {}
            results.append(_result("IAC_NEW_ACCESS", "error", text, str(loc.get("file") or head), loc.get("line"),
                                   loc.get("column")))
        if r.get("result") == "UNKNOWN":
            results.append(_result("IAC_DIFF_UNKNOWN", "warning", f"{r['resource']}: {r['reason']}", head, None, None))
    run = {"tool": {"driver": {"name": "parc", "version": __version__,
                               "rules": [{"id": k, "shortDescription": {"text": v}} for k, v in RULES.items()]}},
           "results": results}
    return json.dumps({"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                       "runs": [run]}, indent=2)


def _result(rule: str, level: str, text: str, file: str, line: object, column: object) -> dict[str, object]:
    region: dict[str, object] = {"startLine": line if isinstance(line, int) and line > 0 else 1}
    if isinstance(column, int) and column > 0:
        region["startColumn"] = column
    return {"ruleId": rule, "level": level, "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": file}, "region": region}}]}
