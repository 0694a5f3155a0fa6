"""``parc audit --baseline PREVIOUS.json``: findings marked new, unchanged, updated or resolved by their stable ids,
and ``--fail-on`` counting only the new ones (and those whose severity rose), for CI and weekly runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_helpers import EXAMPLE
from click.testing import CliRunner

from parc.cli.main import cli
from parc.core.audit import AuditReport
from parc.core.audit.baseline import NEW, RESOLVED, UNCHANGED, UPDATED, BaselineError, compare, parse_baseline


def _previous(report: AuditReport) -> dict[str, object]:
    return json.loads(json.dumps(report.to_dict(), default=str))


def test_same_report_is_all_unchanged(example_report: AuditReport) -> None:
    c = compare(report_findings := example_report.findings, parse_baseline(_previous(example_report), "prev.json"))
    assert set(c.states.values()) == {UNCHANGED}
    assert c.resolved == () and c.counted(report_findings) == []


def test_new_updated_and_resolved(example_report: AuditReport) -> None:
    prev = _previous(example_report)
    findings = prev["findings"]
    assert isinstance(findings, list)
    gone = findings.pop(0)  # not in the previous report: new now
    worse = findings[0]
    worse["severity"] = "LOW"  # was LOW, is more severe now: updated, and counted
    findings.append({"id": "OLD_RULE-0123456789", "rule": "OLD_RULE", "severity": "HIGH", "title": "fixed since",
                     "resource": "arn:aws:iam::111122223333:user/gone", "account": "111122223333"})
    c = compare(example_report.findings, parse_baseline(prev, "prev.json"))
    assert c.states[gone["id"]] == NEW
    assert c.states[worse["id"]] == UPDATED
    assert [p.id for p in c.resolved] == ["OLD_RULE-0123456789"]
    assert c.counts() == {NEW: 1, UNCHANGED: len(example_report.findings) - 2, UPDATED: 1, RESOLVED: 1}
    assert sorted(f.id for f in c.counted(example_report.findings)) == sorted([gone["id"], worse["id"]])


def test_a_lower_severity_is_updated_but_not_counted(example_report: AuditReport) -> None:
    prev = _previous(example_report)
    low = next(f for f in prev["findings"] if f["severity"] == "LOW")  # type: ignore[attr-defined]
    low["severity"] = "HIGH"
    c = compare(example_report.findings, parse_baseline(prev, "prev.json"))
    assert c.states[low["id"]] == UPDATED
    assert low["id"] not in {f.id for f in c.counted(example_report.findings)}


@pytest.mark.parametrize("data", [[], {"findings": {}}, {"findings": [{"rule": "X"}]}, {"runs": []}])
def test_not_a_report(data: object) -> None:
    with pytest.raises(BaselineError):
        parse_baseline(data, "prev.json")


def test_cli_baseline(tmp_path: Path, example_report: AuditReport) -> None:
    prev = _previous(example_report)
    findings = prev["findings"]
    assert isinstance(findings, list)
    new = next(f for f in findings if f["severity"] == "HIGH")
    findings.remove(new)
    file = tmp_path / "prev.json"
    file.write_text(json.dumps(prev))
    runner = CliRunner()
    at = ["--at", example_report.now.isoformat()] if example_report.now_source == "--at" else []
    result = runner.invoke(cli, ["audit", str(EXAMPLE), "--baseline", str(file), "--format", "sarif",
                                 "--fail-on", "high", "--no-progress", *at])
    assert result.exit_code == 1, result.output  # one new HIGH finding
    sarif = json.loads(result.output)
    states = {r["properties"]["id"]: r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states[new["id"]] == "new"
    assert set(states.values()) == {"new", "unchanged"}
    # Only unchanged findings left at or above CRITICAL: --fail-on critical passes; the text names what is new.
    result = runner.invoke(cli, ["audit", str(EXAMPLE), "--baseline", str(file), "--fail-on", "critical",
                                 "--no-progress", *at])
    assert result.exit_code == 0, result.output
    assert f"new: HIGH {new['title']} ({new['id']})" in result.output
    assert "1 new, " in result.output and "0 resolved" in result.output


@pytest.mark.parametrize("content", ["{", '{"findings": 3}'])
def test_cli_bad_baseline_is_a_usage_error(tmp_path: Path, content: str) -> None:
    file = tmp_path / "prev.json"
    file.write_text(content)
    result = CliRunner().invoke(cli, ["audit", str(EXAMPLE), "--baseline", str(file), "--no-progress"])
    assert result.exit_code == 2
    assert "prev.json" in result.output
