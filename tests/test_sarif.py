"""SARIF output holds what GitHub code scanning requires.

GitHub, "SARIF support for code scanning" (https://docs.github.com/en/code-security/code-scanning/
integrating-with-code-scanning/sarif-support-for-code-scanning): SARIF 2.1.0 (``$schema``, ``version``);
``runs[].tool.driver.name``; ``rules[].id`` and each result's ``ruleId`` stable across runs; ``message.text``;
``locations[].physicalLocation.artifactLocation.uri`` relative to the repository root; ``region.startLine``;
``partialFingerprints`` to track an alert across runs; ``rules[].properties.security-severity`` a string holding
a number from 0.0 to 10.0; at most 10 locations per result; ``level`` one of error, warning, note, none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from parc.core.findings import Finding
from parc.core.lint import validate
from parc.core.policy.model import PolicyType
from parc.reporters.sarif import artifact_uri, render_sarif

V = "2012-10-17"
POLICY = {
    "Version": V,
    "Statement": [
        {"Sid": "a b", "Effect": "Allow", "Action": ["iam:PassRole", "iam:Get*", "iam:GetRole"], "Resource": "*"},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
    ],
}


@dataclass(frozen=True)
class Item:
    name: str | None
    findings: tuple[Finding, ...]


def sarif_for(text: str, name: str = "policies/app/role.json") -> dict[str, Any]:
    result = validate(text, PolicyType.IDENTITY, None, name)
    return json.loads(render_sarif([result], "0.1.0"))


def test_top_level_and_driver() -> None:
    doc = sarif_for(json.dumps(POLICY, indent=2))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "parc" and driver["version"] == "0.1.0"


def test_rules_and_results_agree() -> None:
    doc = sarif_for(json.dumps(POLICY, indent=2))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert run["results"], "the policy has findings"
    for res in run["results"]:
        assert res["ruleId"] in ids
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note", "none")
        assert isinstance(res["message"]["text"], str) and res["message"]["text"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["helpUri"].startswith("https://docs.aws.amazon.com/")
        severity = rule["properties"]["security-severity"]
        assert isinstance(severity, str) and 0.0 <= float(severity) <= 10.0
    by_id = {r["id"]: r for r in rules}
    # security warnings rank high in GitHub (7.0 to 8.9), suggestions low
    assert 7.0 <= float(by_id["PASS_ROLE_WITH_STAR_IN_RESOURCE"]["properties"]["security-severity"]) < 9.0
    assert "security" in by_id["PASS_ROLE_WITH_STAR_IN_RESOURCE"]["properties"]["tags"]
    assert float(by_id["REDUNDANT_ACTION"]["properties"]["security-severity"]) < 4.0


def test_locations_are_relative_with_start_line_and_column() -> None:
    text = json.dumps(POLICY, indent=2)
    doc = sarif_for(text)
    lines = text.splitlines()
    for res in doc["runs"][0]["results"]:
        assert 1 <= len(res["locations"]) <= 10
        phys = res["locations"][0]["physicalLocation"]
        uri = phys["artifactLocation"]["uri"]
        assert uri == "policies/app/role.json"
        assert "://" not in uri and not uri.startswith("/")
        region = phys["region"]
        assert isinstance(region["startLine"], int) and region["startLine"] >= 1
        assert 1 <= region["startColumn"] <= len(lines[region["startLine"] - 1]) + 1
    pass_role = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE")
    region = pass_role["locations"][0]["physicalLocation"]["region"]
    assert lines[region["startLine"] - 1][region["startColumn"] - 1 :].startswith('"*"')


def test_fingerprints_are_stable_when_lines_move_and_differ_between_findings() -> None:
    text = json.dumps(POLICY, indent=2)
    first = sarif_for(text)["runs"][0]["results"]
    moved = sarif_for("\n\n\n" + text)["runs"][0]["results"]
    fp = [r["partialFingerprints"] for r in first]
    assert fp == [r["partialFingerprints"] for r in moved]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in moved] == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] + 3 for r in first
    ]
    values = [next(iter(f.values())) for f in fp]
    assert len(set(values)) == len(values)
    other_file = sarif_for(text, "policies/other.json")["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in other_file] != fp


def test_findings_without_a_position_still_have_a_start_line() -> None:
    result = validate(POLICY, PolicyType.IDENTITY, None, "from-dict.json")
    doc = json.loads(render_sarif([result], "0.1.0"))
    for res in doc["runs"][0]["results"]:
        assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_artifact_uris() -> None:
    assert artifact_uri("./a/b c.json") == "a/b%20c.json"
    assert artifact_uri("a\\b.json") == "a/b.json"
    assert artifact_uri("-") == "stdin"
    assert artifact_uri("/abs/p.json") == "file:///abs/p.json"


def test_empty_run_is_valid_sarif() -> None:
    doc = json.loads(render_sarif([Item("clean.json", ())], "0.1.0"))
    run = doc["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["artifacts"][0]["location"]["uri"] == "clean.json"
