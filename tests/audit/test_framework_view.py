"""``parc audit --framework cis-aws-7.0`` (and ``cis-aws-6.0``): each control PASS, FAIL (with the findings behind
it), NOT CHECKED (naming what the snapshot lacks, what could not be read or collected, or a check parc does not have
yet) or MANUAL (with the reason); each finding carries its control ids. Both outcomes for each status.

Controls: CIS Amazon Web Services Foundations Benchmark v7.0 (https://www.cisecurity.org/benchmark/amazon_web_services),
e.g. 2.4 "Ensure no 'root' user account access key exists", whose AWS check is Security Hub's IAM.4
(https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html); the credential report's columns:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, NOW, VPC, report_csv, row, write
from click.testing import CliRunner

from parc.api import rcp_supported_services
from parc.catalog import default_catalog
from parc.cli.main import cli
from parc.core.audit import AuditOptions, AuditReport, Thresholds, audit
from parc.core.audit.framework import AccountFiles, ControlResult, evaluate
from parc.loaders.frameworks import account_files, load_frameworks
from parc.loaders.snapshot import load_audit_snapshot

ROOT_ARN = f"arn:aws:iam::{ACCT}:root"
OLD = "2020-01-01T00:00:00+00:00"
GOOD_POLICY = {"PasswordPolicy": {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24}}


def _run(folder: Path, framework: str = "cis-aws-7.0", unused_days: int = 45) -> AuditReport:
    inputs = load_audit_snapshot(folder)
    return audit(inputs, AuditOptions(NOW, "test", default_catalog(), rcp_supported_services(),
                                      thresholds=Thresholds(unused_days=unused_days), use_report_time=False,
                                      frameworks=load_frameworks(), framework=framework,
                                      account_files=account_files(inputs)))


def _snapshot(tmp: Path, *rows: str, policy: Any = GOOD_POLICY, **kw: Any) -> AuditReport:
    files: dict[str, Any] = {}
    if rows:
        files["credential-report.csv"] = report_csv(*rows)
    if policy is not None:
        files["password-policy.json"] = policy
    return _run(write(tmp / ACCT, files=files, **kw))


def control(report: AuditReport, cid: str) -> ControlResult:
    (found,) = [c for c in report.controls if c.id == cid]
    return found


def test_pass_root_without_keys_and_with_mfa(tmp_path: Path) -> None:
    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true"))
    for cid in ("2.4", "2.5", "2.8", "2.9", "2.10", "2.11", "2.12"):
        c = control(report, cid)
        assert (c.status, c.findings, c.missing) == ("PASS", (), ()), (cid, c)


def test_unused_credentials_need_the_benchmarks_45_days(tmp_path: Path) -> None:
    """CIS 2.11 counts 45 days: an audit that counted 90 cannot PASS it (a key unused for 60 days is not flagged)."""
    folder = write(tmp_path / ACCT, files={"password-policy.json": GOOD_POLICY, "credential-report.csv": report_csv(
        row("<root_account>", ROOT_ARN, mfa_active="true"))})
    lax = control(_run(folder, unused_days=90), "2.11")
    assert lax.status == "NOT CHECKED"
    assert lax.missing == ("the audit ran with unused_days 90; the benchmark asks at most 45: run with "
                           "--unused-days 45",)
    assert control(_run(folder, unused_days=45), "2.11").status == "PASS"


def test_fail_a_root_access_key_names_the_finding_and_the_finding_its_controls(tmp_path: Path) -> None:
    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true", access_key_1_active="true",
                                     access_key_1_last_rotated=OLD))
    (f,) = [f for f in report.findings if f.rule == "ROOT_ACCESS_KEY"]
    c = control(report, "2.4")
    assert c.status == "FAIL" and c.findings == (f.id,)
    assert f.controls == ("cis-aws-7.0:2.4", "cis-aws-6.0:2.3")
    assert control(report, "2.5").status == "PASS"


def test_not_checked_without_a_credential_report_names_it(tmp_path: Path) -> None:
    report = _snapshot(tmp_path)
    c = control(report, "2.4")
    assert c.status == "NOT CHECKED" and c.findings == ()
    assert any(m.startswith(f"{ACCT}: the credential report: absent") for m in c.missing), c.missing


def test_not_checked_when_the_credential_report_cannot_be_read(tmp_path: Path) -> None:
    folder = write(tmp_path / ACCT, files={"password-policy.json": GOOD_POLICY,
                                           "credential-report.csv": "not,a\nreport"})
    c = control(_run(folder), "2.5")
    assert c.status == "NOT CHECKED" and any("could not be read" in m or "not be read" in m for m in c.missing)


def test_not_checked_for_a_code_parc_has_no_check_for_yet(tmp_path: Path) -> None:
    """Never PASS on a check that did not run: 2.13 needs USER_DIRECT_POLICY."""
    from parc.core.audit.codes import PRODUCED

    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true"))
    c = control(report, "2.13")
    if "USER_DIRECT_POLICY" in PRODUCED:  # the check is merged: decided from the IAM export
        assert c.status in ("PASS", "FAIL")
    else:
        assert c.status == "NOT CHECKED" and "parc has no check for USER_DIRECT_POLICY yet" in c.missing


def test_manual_controls_say_why(tmp_path: Path) -> None:
    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true"))
    c = control(report, "2.2")
    assert c.status == "MANUAL" and "contact" in c.reason and c.findings == ()


def test_password_length_and_reuse_are_told_apart(tmp_path: Path) -> None:
    """2.8 (length 14) and 2.9 (reuse prevention) fail on their own requirement only."""
    short = _snapshot(tmp_path / "a", row("<root_account>", ROOT_ARN, mfa_active="true"),
                      policy={"PasswordPolicy": {"MinimumPasswordLength": 8, "PasswordReusePrevention": 24}})
    assert (control(short, "2.8").status, control(short, "2.9").status) == ("FAIL", "PASS")
    reused = _snapshot(tmp_path / "b", row("<root_account>", ROOT_ARN, mfa_active="true"),
                       policy={"PasswordPolicy": {"MinimumPasswordLength": 14}})
    assert (control(reused, "2.8").status, control(reused, "2.9").status) == ("PASS", "FAIL")


def test_version_6_numbers_its_controls_its_own_way(tmp_path: Path) -> None:
    folder = write(tmp_path / ACCT, files={"password-policy.json": GOOD_POLICY, "credential-report.csv": report_csv(
        row("<root_account>", ROOT_ARN, access_key_1_active="true", access_key_1_last_rotated=OLD))})
    report = _run(folder, "cis-aws-6.0")
    assert report.framework is not None and report.framework.id == "cis-aws-6.0"
    assert (control(report, "2.3").status, control(report, "2.4").status) == ("FAIL", "FAIL")  # key, MFA


def test_open_ssh_fails_the_ipv4_control_not_the_ipv6_one(tmp_path: Path) -> None:
    """6.3 (0.0.0.0/0) and 6.4 (::/0): the example VPC opens SSH to 0.0.0.0/0 only."""
    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true"), ec2=VPC)
    assert control(report, "6.3").status == "FAIL"
    assert control(report, "6.4").status != "FAIL"
    assert control(report, "6.5").status == "FAIL"  # the example's default group has rules


def test_a_collection_gap_makes_the_control_not_checked() -> None:
    (fw,) = [f for f in load_frameworks() if f.id == "cis-aws-7.0"]
    files = [AccountFiles(ACCT, frozenset({"credential-report.json", "password-policy.json"}))]
    gaps = {(ACCT, "iam"): ["AccessDenied on iam:GetCredentialReport (collection.json)"]}
    controls = {c.id: c for c in evaluate(fw, [], [], files, gaps)}
    assert controls["2.4"].status == "NOT CHECKED"
    assert controls["2.4"].missing == (f"{ACCT}: the credential report: not collected (AccessDenied on "
                                       "iam:GetCredentialReport (collection.json))",)
    clean = {c.id: c for c in evaluate(fw, [], [], files, {})}
    assert clean["2.4"].status == "PASS"


def test_resource_policies_come_from_several_collect_areas() -> None:
    """A key policy that could not be collected leaves 2.21 (resource policies open to "*") NOT CHECKED."""
    (fw,) = [f for f in load_frameworks() if f.id == "cis-aws-7.0"]
    files = [AccountFiles(ACCT, frozenset({"resource-policies.json", "get-account-authorization-details.json"}))]
    gaps = {(ACCT, "kms"): ["AccessDeniedException on kms:GetKeyPolicy for 2 keys (collection.json)"]}
    assert {c.id: c for c in evaluate(fw, [], [], files, gaps)}["2.21"].status == "NOT CHECKED"
    assert {c.id: c for c in evaluate(fw, [], [], files, {})}["2.21"].status == "PASS"


def test_no_account_is_never_pass() -> None:
    (fw,) = [f for f in load_frameworks() if f.id == "cis-aws-7.0"]
    assert {c.status for c in evaluate(fw, [], [], [], {})} == {"NOT CHECKED", "MANUAL"}


# ---- the CLI and the formats ----------------------------------------------------------------------------------------


def _cli_snapshot(tmp: Path) -> Path:
    return write(tmp / ACCT, files={"password-policy.json": GOOD_POLICY, "credential-report.csv": report_csv(
        row("<root_account>", ROOT_ARN, access_key_1_active="true", access_key_1_last_rotated=OLD))})


def test_cli_json_has_the_control_table_and_each_finding_its_controls(tmp_path: Path) -> None:
    folder = _cli_snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(folder), "--framework", "cis-aws-7.0", "--format", "json",
                                      "--no-progress", "--at", "2026-11-30T08:00:00Z"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["framework"]["id"] == "cis-aws-7.0" and sum(data["framework"]["summary"].values()) == 70
    by_id = {c["id"]: c for c in data["controls"]}
    key = next(f for f in data["findings"] if f["rule"] == "ROOT_ACCESS_KEY")
    assert by_id["2.4"] == {"id": "2.4", "title": "Ensure no 'root' user account access key exists", "status": "FAIL",
                            "findings": [key["id"]], "missing": [], "cis_assessment": "Automated"}
    assert key["controls"] == ["cis-aws-7.0:2.4", "cis-aws-6.0:2.3"]
    assert by_id["3.2.1"]["status"] == "NOT CHECKED" and by_id["3.2.1"]["missing"]
    assert by_id["2.2"]["status"] == "MANUAL" and by_id["2.2"]["reason"]


def test_cli_without_framework_has_no_table_but_findings_keep_their_controls(tmp_path: Path) -> None:
    folder = _cli_snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json", "--no-progress"])
    data = json.loads(result.output)
    assert "controls" not in data and "framework" not in data
    assert next(f for f in data["findings"] if f["rule"] == "ROOT_ACCESS_KEY")["controls"] == [
        "cis-aws-7.0:2.4", "cis-aws-6.0:2.3"]


def test_cli_text_and_sarif(tmp_path: Path) -> None:
    folder = _cli_snapshot(tmp_path)
    text = CliRunner().invoke(cli, ["audit", str(folder), "--framework", "cis-aws-6.0", "--no-progress"])
    assert text.exit_code == 0 and "CIS Amazon Web Services Foundations Benchmark v6.0" in text.output
    assert "FAIL" in text.output and "Ensure no 'root' user account access key exists" in text.output
    sarif = CliRunner().invoke(cli, ["audit", str(folder), "--framework", "cis-aws-7.0", "--format", "sarif",
                                     "--no-progress"])
    run = json.loads(sarif.output)["runs"][0]
    assert run["properties"]["framework"] == "cis-aws-7.0" and len(run["properties"]["controls"]) == 70
    key = next(r for r in run["results"] if r["ruleId"] == "ROOT_ACCESS_KEY")
    assert key["properties"]["controls"] == ["cis-aws-7.0:2.4", "cis-aws-6.0:2.3"]


@pytest.mark.parametrize("name", ["cis-aws-9.9", "cis"])
def test_cli_unknown_framework_is_a_usage_error(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(cli, ["audit", str(_cli_snapshot(tmp_path)), "--framework", name, "--no-progress"])
    assert result.exit_code == 2 and "cis-aws-7.0" in result.output


@pytest.mark.parametrize(("title", "mentions", "matched"), [
    ("tcp 445 from 0.0.0.0/0", "445", True),
    ("tcp 4450 from 0.0.0.0/0", "445", False),
    ("tcp 22 from 0.0.0.0/0", "0.0.0.0/0", True),
    ("tcp 22 from 10.0.0.0/0", "0.0.0.0/0", False),
    ("tcp 22 from ::/0", "::/0", True),
    ("tcp 22 from 2001:db8::/0", "::/0", False),
])
def test_mentions_match_whole_tokens(title: str, mentions: str, matched: bool) -> None:
    from parc.core.audit import AuditFinding, Severity
    from parc.core.audit.framework import Matcher

    f = AuditFinding("NET_SG_OPEN_ADMIN_PORT", Severity.HIGH, "network", title, "sg-1", "w", "f")
    assert Matcher("NET_SG_OPEN_ADMIN_PORT", mentions=(mentions,)).matches(f) is matched
    assert Matcher("NET_ACL_OPEN_ADMIN_PORT", mentions=(mentions,)).matches(f) is False


def test_details_match_one_of_the_values() -> None:
    from parc.core.audit import AuditFinding, Severity
    from parc.core.audit.framework import Matcher

    inbound = AuditFinding("NET_ACL_ALLOWS_ALL", Severity.LOW, "network", "t", "acl-1", "w", "f",
                           details={"directions": ["outbound", "inbound"]})
    outbound = AuditFinding("NET_ACL_ALLOWS_ALL", Severity.LOW, "network", "t", "acl-2", "w", "f",
                            details={"directions": ["outbound"]})
    m = Matcher("NET_ACL_ALLOWS_ALL", details=(("directions", ("inbound",)),))
    assert m.matches(inbound) and not m.matches(outbound)
    weak = AuditFinding("PASSWORD_POLICY_WEAK", Severity.LOW, "account", "t", "a", "w", "f",
                        details={"requirement": "reuse_prevention"})
    assert Matcher("PASSWORD_POLICY_WEAK", details=(("requirement", ("reuse_prevention",)),)).matches(weak)
    assert not Matcher("PASSWORD_POLICY_WEAK", details=(("requirement", ("minimum_length",)),)).matches(weak)


def test_a_check_that_fails_inside_parc_leaves_no_control_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in one check (here the administrators' check, which decides 2.14) must not turn into a PASS."""
    import parc.core.audit.run as run_module

    def broken(*_: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(run_module, "privilege", broken)
    report = _snapshot(tmp_path, row("<root_account>", ROOT_ARN, mfa_active="true"))
    assert "PASS" not in {c.status for c in report.controls}
    c = control(report, "2.4")
    assert c.status == "NOT CHECKED" and any("parc failed on it (RuntimeError: boom)" in m for m in c.missing)
    monkeypatch.undo()
    assert control(_snapshot(tmp_path / "ok", row("<root_account>", ROOT_ARN, mfa_active="true")),
                   "2.4").status == "PASS"
