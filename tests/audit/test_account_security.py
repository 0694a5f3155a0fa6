"""Account security from the credential report and the password policy: every check, both outcomes.

Report format (columns, <root_account>, not_supported, N/A, no_information):
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
Thresholds (Security Hub's CIS controls IAM.3, IAM.4, IAM.5, IAM.8, IAM.9, IAM.15, IAM.16):
https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html
Password policy fields: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PasswordPolicy.html
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from audit_helpers import ACCT, NOW, report_csv, row

from parc.core.audit import NotChecked, Severity, Thresholds, credential_checks, password_policy_checks
from parc.loaders.credentials import load_credential_report, parse_credential_report, parse_password_policy

ROOT_ARN = f"arn:aws:iam::{ACCT}:root"
U = f"arn:aws:iam::{ACCT}:user/u"
OLD = "2026-06-01T00:00:00+00:00"  # 182 days before NOW
RECENT = "2026-11-20T00:00:00+00:00"  # 10 days before NOW


@dataclass(frozen=True)
class Case:
    name: str
    row: str
    expected: tuple[str, ...]


CASES = [
    # IAM.9 / CIS 1.5: the root user needs MFA.
    Case("ROOT_NO_MFA: root without MFA", row("<root_account>", ROOT_ARN, password_enabled="not_supported"),
         ("ROOT_NO_MFA",)),
    Case("ROOT_NO_MFA: root with MFA is fine", row("<root_account>", ROOT_ARN, mfa_active="true"), ()),
    # IAM.4 / CIS 1.4: no root access key (an inactive one does not count).
    Case("ROOT_ACCESS_KEY: active root key", row("<root_account>", ROOT_ARN, mfa_active="true",
                                                 access_key_1_active="true", access_key_1_last_rotated=OLD),
         ("ROOT_ACCESS_KEY",)),
    Case("ROOT_ACCESS_KEY: inactive root key is fine", row("<root_account>", ROOT_ARN, mfa_active="true",
                                                           access_key_2_active="false",
                                                           access_key_2_last_rotated=OLD), ()),
    # IAM.5 / CIS 1.10: a console password needs MFA; a user without a password does not.
    Case("USER_CONSOLE_NO_MFA: password, no MFA", row("u", U, password_enabled="true", password_last_used=RECENT),
         ("USER_CONSOLE_NO_MFA",)),
    Case("USER_CONSOLE_NO_MFA: password with MFA is fine", row("u", U, password_enabled="true", mfa_active="true",
                                                               password_last_used=RECENT), ()),
    Case("USER_CONSOLE_NO_MFA: no password, no MFA is fine", row("u", U), ()),
    # IAM.3 / CIS 1.14: active keys rotated within 90 days.
    Case("ACCESS_KEY_NOT_ROTATED: 182 days", row("u", U, access_key_1_active="true", access_key_1_last_rotated=OLD,
                                                 access_key_1_last_used_date=RECENT), ("ACCESS_KEY_NOT_ROTATED",)),
    Case("ACCESS_KEY_NOT_ROTATED: 10 days is fine", row("u", U, access_key_1_active="true",
                                                        access_key_1_last_rotated=RECENT,
                                                        access_key_1_last_used_date=RECENT), ()),
    Case("ACCESS_KEY_NOT_ROTATED: an old inactive key is fine", row("u", U, access_key_1_active="false",
                                                                    access_key_1_last_rotated=OLD), ()),
    # IAM.8: credentials unused for 90 days (never used counts from when the key was created).
    Case("ACCESS_KEY_UNUSED: last used 182 days ago", row("u", U, access_key_2_active="true",
                                                          access_key_2_last_rotated=RECENT,
                                                          access_key_2_last_used_date=OLD), ("ACCESS_KEY_UNUSED",)),
    Case("ACCESS_KEY_UNUSED: never used, created 182 days ago", row("u", U, access_key_1_active="true",
                                                                    access_key_1_last_rotated=OLD),
         ("ACCESS_KEY_NOT_ROTATED", "ACCESS_KEY_UNUSED")),
    Case("ACCESS_KEY_UNUSED: never used, created 10 days ago is fine", row("u", U, access_key_1_active="true",
                                                                           access_key_1_last_rotated=RECENT), ()),
    Case("PASSWORD_UNUSED: last sign-in 182 days ago", row("u", U, password_enabled="true", mfa_active="true",
                                                           password_last_used=OLD), ("PASSWORD_UNUSED",)),
    Case("PASSWORD_UNUSED: no_information, set 182 days ago", row("u", U, password_enabled="true", mfa_active="true",
                                                                  password_last_used="no_information",
                                                                  password_last_changed=OLD), ("PASSWORD_UNUSED",)),
    Case("PASSWORD_UNUSED: used 10 days ago is fine", row("u", U, password_enabled="true", mfa_active="true",
                                                          password_last_used=RECENT), ()),
    Case("PASSWORD_UNUSED: no password is fine", row("u", U, password_last_used=OLD), ()),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_credential_report_checks(case: Case) -> None:
    report, problems = parse_credential_report(report_csv(case.row), "credential-report.csv")
    assert report is not None and not problems
    result = credential_checks(ACCT, report, NOW)
    assert tuple(sorted(f.rule for f in result.findings)) == case.expected
    for f in result.findings:
        assert f.evidence[0].file == "credential-report.csv" and f.evidence[0].line == 2
        assert f.fix and f.why and f.category == "account"


def test_root_findings_are_critical_and_name_the_root() -> None:
    r, _ = parse_credential_report(report_csv(row("<root_account>", ROOT_ARN, access_key_1_active="true",
                                                  access_key_1_last_rotated=OLD)), "f.csv")
    found = credential_checks(ACCT, r, NOW).findings
    assert {f.severity for f in found} == {Severity.CRITICAL}
    assert {f.resource for f in found} == {ROOT_ARN}


def test_thresholds_are_parameters() -> None:
    """CIS 1.12 in later versions asks 45 days of disuse; the threshold is the caller's."""
    days_60 = "2026-10-01T00:00:00+00:00"
    r, _ = parse_credential_report(report_csv(row("u", U, access_key_1_active="true", access_key_1_last_rotated=days_60,
                                                  access_key_1_last_used_date=days_60)), "f.csv")
    assert not credential_checks(ACCT, r, NOW).findings
    strict = credential_checks(ACCT, r, NOW, Thresholds(unused_days=45))
    assert [f.rule for f in strict.findings] == ["ACCESS_KEY_UNUSED"]


def test_ages_are_measured_to_the_given_time() -> None:
    r, _ = parse_credential_report(report_csv(row("u", U, access_key_1_active="true", access_key_1_last_rotated=OLD,
                                                  access_key_1_last_used_date=OLD)), "f.csv")
    assert not credential_checks(ACCT, r, datetime(2026, 6, 30, tzinfo=UTC)).findings
    later = credential_checks(ACCT, r, NOW).findings
    assert {f.rule for f in later} == {"ACCESS_KEY_NOT_ROTATED", "ACCESS_KEY_UNUSED"}


def test_no_report_is_not_checked_never_fine() -> None:
    result = credential_checks(ACCT, None, NOW)
    assert not result.findings
    (nc,) = result.not_checked
    assert isinstance(nc, NotChecked) and nc.account == ACCT and "credential-report.csv" in nc.reason


def test_a_report_without_the_root_row_says_the_root_was_not_checked() -> None:
    r, _ = parse_credential_report(report_csv(row("u", U)), "f.csv")
    assert [n.check for n in credential_checks(ACCT, r, NOW).not_checked] == ["root user MFA and access keys"]


# ---- reading the report --------------------------------------------------------------------------------------------


def test_special_values_are_not_dates() -> None:
    r, problems = parse_credential_report(report_csv(row(
        "<root_account>", ROOT_ARN, password_enabled="not_supported", password_last_used="no_information",
        password_last_changed="not_supported", mfa_active="TRUE")), "f.csv")
    assert r is not None and not problems
    root = r.root
    assert root is not None and root.is_root
    assert root.password_enabled is None and root.password_last_used is None and root.password_never_used
    assert root.mfa_active  # TRUE, as the user guide writes it, reads as true


def test_latest_date_bounds_the_generation_time() -> None:
    r, _ = parse_credential_report(report_csv(row("u", U, password_last_used=RECENT), row("v", U + "v")), "f.csv")
    assert r is not None and r.latest == datetime(2026, 11, 20, tzinfo=UTC) and r.generated is None


def test_cli_json_output_is_decoded_and_dated(tmp_path: Path) -> None:
    csv = report_csv(row("u", U, password_enabled="true", password_last_used=RECENT))
    (tmp_path / "credential-report.json").write_text(json.dumps(
        {"Content": base64.b64encode(csv.encode()).decode(), "ReportFormat": "text/csv",
         "GeneratedTime": "2026-11-30T08:00:00Z"}))
    r, problems = load_credential_report(tmp_path)
    assert r is not None and not problems and r.encoded
    assert r.generated == NOW and [x.user for x in r.rows] == ["u"]
    (f,) = credential_checks(ACCT, r, NOW).findings
    assert f.evidence[0].line is None and "line 2" in f.evidence[0].path  # a line of the decoded CSV, not the file


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty"),
    ("name,value\nx,1\n", "the header lacks user, arn, password_enabled, mfa_active"),
])
def test_unreadable_report_is_a_finding_and_absent(text: str, message: str) -> None:
    r, problems = parse_credential_report(text, "credential-report.csv")
    assert r is None
    (p,) = problems
    assert message in p.message and p.file == "credential-report.csv" and p.line == 1


def test_a_short_row_is_skipped_with_its_line() -> None:
    r, problems = parse_credential_report(report_csv(row("u", U), "v,arn:aws:iam::1:user/v,true"), "f.csv")
    assert r is not None and [x.user for x in r.rows] == ["u"]
    (p,) = problems
    assert p.line == 3 and "fields" in p.message


def test_bad_base64_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "credential-report.json").write_text(json.dumps({"Content": "not base64!!"}))
    r, problems = load_credential_report(tmp_path)
    assert r is None and "base64" in problems[0].message


# ---- password policy -----------------------------------------------------------------------------------------------


STRONG = {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24, "RequireSymbols": True, "RequireNumbers": True,
          "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True, "MaxPasswordAge": 90}
"""Every requirement met: CIS 1.8 / 1.9 (IAM.15, IAM.16), the character classes IAM.11-IAM.14, expiry IAM.17."""


@pytest.mark.parametrize(("name", "text", "expected", "severity"), [
    ("PASSWORD_POLICY_MISSING: {} (no policy)", "{}", "PASSWORD_POLICY_MISSING", Severity.MEDIUM),
    ("PASSWORD_POLICY_MISSING: PasswordPolicy null", '{"PasswordPolicy": null}', "PASSWORD_POLICY_MISSING",
     Severity.MEDIUM),
    ("PASSWORD_POLICY_MISSING: the CLI's NoSuchEntity error",
     "An error occurred (NoSuchEntity) when calling the GetAccountPasswordPolicy operation: The Password Policy "
     "with domain name 123456789012 cannot be found.", "PASSWORD_POLICY_MISSING", Severity.MEDIUM),
    ("PASSWORD_POLICY_WEAK: length 8 (IAM.15 asks 14)",
     json.dumps({"PasswordPolicy": {**STRONG, "MinimumPasswordLength": 8}}), "PASSWORD_POLICY_WEAK", Severity.MEDIUM),
    ("PASSWORD_POLICY_WEAK: reuse 5 (IAM.16 asks 24)",
     json.dumps({"PasswordPolicy": {**STRONG, "PasswordReusePrevention": 5}}), "PASSWORD_POLICY_WEAK", Severity.LOW),
    ("PASSWORD_POLICY_WEAK: reuse unset", json.dumps({"PasswordPolicy": {
        **{k: v for k, v in STRONG.items() if k != "PasswordReusePrevention"}, "MinimumPasswordLength": 20}}),
     "PASSWORD_POLICY_WEAK", Severity.LOW),
    ("strong policy is fine", json.dumps({"PasswordPolicy": STRONG}), None, None),
])
def test_password_policy(name: str, text: str, expected: str | None, severity: Severity | None) -> None:
    policy, problems = parse_password_policy(text, "password-policy.json")
    assert policy is not None and not problems
    found = password_policy_checks(ACCT, policy).findings
    assert [f.rule for f in found] == ([expected] if expected else [])
    if found:
        assert found[0].severity is severity


def test_password_policy_evidence_points_at_the_field() -> None:
    text = '{\n  "PasswordPolicy": {\n    "MinimumPasswordLength": 8,\n    "PasswordReusePrevention": 24\n  }\n}'
    policy, _ = parse_password_policy(text, "password-policy.json")
    (f,) = [f for f in password_policy_checks(ACCT, policy).findings if f.details["requirement"] == "minimum_length"]
    (e,) = f.evidence
    assert (e.line, e.column, e.path) == (3, 5, "PasswordPolicy.MinimumPasswordLength")


@pytest.mark.parametrize(("name", "changed", "requirement"), [
    # https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html (IAM.11-IAM.17);
    # fields: https://docs.aws.amazon.com/IAM/latest/APIReference/API_PasswordPolicy.html
    ("PASSWORD_POLICY_WEAK: no symbol required (IAM.13)", {"RequireSymbols": False}, "symbols"),
    ("PASSWORD_POLICY_WEAK: no number required (IAM.14)", {"RequireNumbers": False}, "numbers"),
    ("PASSWORD_POLICY_WEAK: no uppercase required (IAM.11)", {"RequireUppercaseCharacters": False}, "uppercase"),
    ("PASSWORD_POLICY_WEAK: no lowercase required (IAM.12)", {"RequireLowercaseCharacters": False}, "lowercase"),
    ("PASSWORD_POLICY_WEAK: passwords expire after 180 days (IAM.17 asks 90)", {"MaxPasswordAge": 180}, "expiry"),
    ("PASSWORD_POLICY_WEAK: passwords never expire (no MaxPasswordAge)", {"MaxPasswordAge": None}, "expiry"),
    ("PASSWORD_POLICY_WEAK: length 13 (CIS 1.8 asks 14)", {"MinimumPasswordLength": 13}, "minimum_length"),
    ("PASSWORD_POLICY_WEAK: reuse 23 (CIS 1.9 asks 24)", {"PasswordReusePrevention": 23}, "reuse_prevention"),
    ("strong: expiry within 30 days is fine", {"MaxPasswordAge": 30}, None),
    ("strong: length 30, reuse 24", {"MinimumPasswordLength": 30}, None),
])
def test_password_policy_one_finding_per_weakness(name: str, changed: dict[str, object],
                                                   requirement: str | None) -> None:
    body = {k: v for k, v in {**STRONG, **changed}.items() if v is not None}
    policy, problems = parse_password_policy(json.dumps({"PasswordPolicy": body}), "password-policy.json")
    assert policy is not None and not problems
    found = password_policy_checks(ACCT, policy).findings
    assert [(f.rule, f.details["requirement"]) for f in found] == (
        [("PASSWORD_POLICY_WEAK", requirement)] if requirement else [])


def test_password_policy_weaknesses_have_distinct_ids() -> None:
    policy, _ = parse_password_policy('{"PasswordPolicy": {"MinimumPasswordLength": 6}}', "p.json")
    found = password_policy_checks(ACCT, policy).findings
    assert sorted(str(f.details["requirement"]) for f in found) == [
        "expiry", "lowercase", "minimum_length", "numbers", "reuse_prevention", "symbols", "uppercase"]
    assert len({f.id for f in found}) == len(found)


def test_password_policy_wrong_types_and_bad_json_are_findings() -> None:
    policy, problems = parse_password_policy('{"PasswordPolicy": {"MinimumPasswordLength": "14"}}', "p.json")
    assert policy is not None and policy.minimum_length is None
    assert "should be a whole number" in problems[0].message and problems[0].line == 1
    policy, problems = parse_password_policy('{"PasswordPolicy": ', "p.json")
    assert policy is None and "invalid JSON" in problems[0].message


def test_no_password_policy_file_is_not_checked() -> None:
    result = password_policy_checks(ACCT, None)
    assert not result.findings and "password-policy.json" in result.not_checked[0].reason
