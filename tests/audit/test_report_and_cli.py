"""The report's shape in every format, reproducibility, and the command's options and exit codes (as `parc
validate`: 0 clean or no --fail-on, 1 a finding at or above --fail-on, 2 bad usage or unreadable input).

SARIF 2.1.0 as GitHub code scanning reads it (security-severity scale):
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from audit_helpers import ACCT, EXAMPLE, allow, arn, doc, export, managed, role, trust, user, write
from click.testing import CliRunner
from rich.console import Console

from parc.cli.main import cli
from parc.core.audit import AuditFinding, AuditReport, Evidence, Severity
from parc.reporters.audit_html import render_audit_html
from parc.reporters.audit_json import render_audit_json
from parc.reporters.audit_sarif import SECURITY_SEVERITY, render_audit_sarif
from parc.reporters.audit_text import render_audit_text


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["audit", *args])
    return result.exit_code, result.stdout, result.stderr


# ---- the report ------------------------------------------------------------------------------------------------------


def test_json_has_the_documented_shape(example_report: AuditReport) -> None:
    data = json.loads(render_audit_json(example_report))
    assert {"findings", "not_checked", "summary"} <= set(data)
    for f in data["findings"]:
        assert {"id", "severity", "title", "resource", "evidence", "fix"} <= set(f)
        assert f["severity"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+-[0-9a-f]{10}", f["id"])  # rules may hold digits (CLOUDTRAIL_S3_...)
        for e in f["evidence"]:
            assert {"text", "file", "path", "line", "column"} <= set(e)
    s = data["summary"]
    assert s["total"] == len(data["findings"]) and sum(s["by_severity"].values()) == s["total"]
    assert len({f["id"] for f in data["findings"]}) == len(data["findings"])


def test_the_same_snapshot_gives_the_same_report() -> None:
    first = invoke(str(EXAMPLE), "--format", "json")
    second = invoke(str(EXAMPLE), "--format", "json")
    assert first[0] == 0 and first[1] == second[1]


def test_ids_depend_on_what_the_finding_is_about_only() -> None:
    f = AuditFinding("RULE", Severity.LOW, "identity", "t", "arn:x", "w", "f", ACCT, key="k")
    same = replace(f, title="other words", severity=Severity.HIGH, evidence=(Evidence("e"),))
    assert f.id == same.id and f.id != replace(f, key="k2").id and f.id != replace(f, resource="arn:y").id


def test_sarif(example_report: AuditReport) -> None:
    data = json.loads(render_audit_sarif(example_report, "9.9"))
    assert data["version"] == "2.1.0"
    run = data["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["ROOT_NO_MFA"]["properties"]["security-severity"] == SECURITY_SEVERITY[Severity.CRITICAL] == "9.5"
    assert float(rules["NET_ACL_ALLOWS_ALL"]["properties"]["security-severity"]) < 4.0
    assert len(run["results"]) == len(example_report.findings)
    located = [r for r in run["results"] if "locations" in r]
    assert len(located) == len(run["results"])  # every example finding has a file to point at
    for r in located:
        loc = r["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/") and loc["region"]["startLine"] >= 1
        assert r["partialFingerprints"]["parcAudit/v1"].startswith(r["ruleId"])


def test_text_has_the_summary_then_findings_by_severity(example_report: AuditReport) -> None:
    buffer = io.StringIO()
    render_audit_text(Console(file=buffer, width=200, no_color=True), example_report)
    out = buffer.getvalue()
    assert "Account security" in out and "Network integrity" in out and "not checked" in out
    assert out.index("CRITICAL (") < out.index("HIGH (") < out.index("MEDIUM (") < out.index("INFO (")
    assert "fix: " in out and "why: " in out
    assert "examples/org/111122223333/credential-report.csv:2" in out


def test_html_is_one_self_contained_file(example_report: AuditReport) -> None:
    html = render_audit_html(example_report, "9.9")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", html)  # nothing loaded from elsewhere
    assert html.count("<svg") == 2 and 'id="access-graph"' in html and 'id="internet-map"' in html
    assert html.count('<details class="finding') == len(example_report.findings)


def test_html_escapes_what_the_snapshot_says(example_report: AuditReport) -> None:
    hostile = AuditFinding("X", Severity.HIGH, "identity", "<script>alert(1)</script>", "arn:<b>", "w", "f", ACCT,
                           (Evidence("<img src=x onerror=alert(1)>"),))
    report = replace(example_report, findings=(hostile,))
    html = render_audit_html(report, "1")
    assert "<script>alert" not in html and "<img src=x" not in html and "&lt;script&gt;" in html


# ---- the command ---------------------------------------------------------------------------------------------


def test_exit_codes(tmp_path: Path) -> None:
    assert invoke(str(EXAMPLE), "--format", "json")[0] == 0  # findings, but no --fail-on
    assert invoke(str(EXAMPLE), "--format", "json", "--fail-on", "critical")[0] == 1
    # Permissions through a group (CIS 1.15) and a support role (CIS 1.17): nothing to report.
    group = {"GroupName": "readers", "GroupId": "AGPAREADERS", "Path": "/", "Arn": arn("group", "readers"),
             "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))}],
             "AttachedManagedPolicies": []}
    support = role("support", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
                   attached=["arn:aws:iam::aws:policy/AWSSupportAccess"])
    clean = write(tmp_path / ACCT, export(users=[user("u", groups=["readers"])], groups=[group], roles=[support],
                                          policies=[managed("AWSSupportAccess", doc(allow("support:*")), aws=True)]))
    code, out, _ = invoke(str(clean), "--format", "json", "--fail-on", "info")
    assert code == 0 and json.loads(out)["findings"] == []
    # No credential report, password policy, resource policies, ec2/, server certificates, instances or metadata
    # defaults, nor the five logging checks' files, nor any data store file (one entry per data check: EBS, EBS
    # public, RDS, RDS snapshots, EFS, KMS, Secrets), nor the WAF's: "not checked", never "fine".
    gaps = json.loads(out)["not_checked"]
    waf = [g for g in gaps if g["check"].startswith("web application firewall")]
    assert len(waf) == 1 and "no wafv2/ folder" in waf[0]["reason"]
    data = [g for g in gaps if g["check"].startswith("data: ")]
    assert len(data) == 7 and all("no region folder" in n["reason"] for n in data)
    assert len([g for g in gaps if g["check"].startswith("logging")]) == 5
    assert len(gaps) - len(data) - 5 - len(waf) == 7


def test_usage_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path / "missing"))
    assert code == 2 and "no such folder" in err
    code, _, err = invoke(str(tmp_path))
    assert code == 2 and "no get-account-authorization-details" in err
    code, _, err = invoke(str(EXAMPLE), "--at", "yesterday")
    assert code == 2 and "ISO 8601" in err
    code, _, err = invoke(str(EXAMPLE), "--format", "pdf")
    assert code == 2


def test_output_writes_the_report_and_prints_the_summary(tmp_path: Path) -> None:
    target = tmp_path / "parc-report.html"
    code, out, _ = invoke(str(EXAMPLE), "--output", str(target))
    assert code == 0
    assert target.read_text().startswith("<!DOCTYPE html>")  # html from the extension
    assert "Identity and access" in out and f"report written to {target} (html)" in out
    assert "why:" not in out  # the summary only
    sarif = tmp_path / "r.sarif"
    assert invoke(str(EXAMPLE), "-o", str(sarif))[0] == 0 and json.loads(sarif.read_text())["version"] == "2.1.0"
    forced = tmp_path / "r.txt"
    assert invoke(str(EXAMPLE), "-o", str(forced), "--format", "json")[0] == 0
    assert "findings" in json.loads(forced.read_text())


def test_at_changes_the_ages_and_nothing_else() -> None:
    _, early, _ = invoke(str(EXAMPLE), "--format", "json", "--at", "2026-06-01")
    _, late, _ = invoke(str(EXAMPLE), "--format", "json", "--at", "2027-06-01")
    early_rules = [f["rule"] for f in json.loads(early)["findings"]]
    late_rules = [f["rule"] for f in json.loads(late)["findings"]]
    assert late_rules.count("ACCESS_KEY_NOT_ROTATED") > early_rules.count("ACCESS_KEY_NOT_ROTATED") >= 1
    aged = ("ACCESS_KEY", "PASSWORD_UNUSED", "ROOT_USED_RECENTLY", "SERVER_CERTIFICATE_EXPIRED")
    assert {r for r in late_rules if not r.startswith(aged)} == {r for r in early_rules if not r.startswith(aged)}
    assert json.loads(late)["summary"]["as_of_source"] == "--at"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html"])
def test_every_format_on_stdout(fmt: str) -> None:
    code, out, _ = invoke(str(EXAMPLE), "--format", fmt, "--no-progress")
    assert code == 0 and len(out) > 1000


def test_a_failing_check_is_not_checked_and_the_others_still_report(monkeypatch: pytest.MonkeyPatch) -> None:
    from audit_helpers import run

    import parc.core.audit.run as run_module

    def broken(*_: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(run_module, "external_access", broken)
    report = run(EXAMPLE)
    (failed,) = [n for n in report.not_checked if "parc failed" in n.reason]
    assert failed.check == "access from outside" and "KeyError" in failed.reason
    assert "ROOT_NO_MFA" in {f.rule for f in report.findings}
