"""Issue 13 (idnet): the extra identity checks, each both ways.

Controls: https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html (IAM.2 / CIS 1.15 policies
through groups, IAM.6 / CIS 1.6 hardware MFA for root, IAM.18 / CIS 1.17 support role, IAM.26 / CIS 1.19 expired
certificates; CIS 1.7 root not used, 1.13 one active key, 1.12 unused credentials, 45 days in CIS).
Credential report columns: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
Virtual MFA devices (root's serial root-account-mfa-device):
https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html
Server certificates: https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServerCertificateMetadata.html
Confused deputy: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import (
    ACCT,
    NOW,
    allow,
    arn,
    audit_of,
    doc,
    export,
    managed,
    only,
    organization,
    report_csv,
    role,
    row,
    rules,
    run,
    trust,
    user,
    write,
)
from click.testing import CliRunner

from parc.cli.main import cli
from parc.core.audit import AuditOptions, Severity, audit
from parc.loaders.snapshot import load_audit_snapshot

ROOT = f"arn:aws:iam::{ACCT}:root"
U = arn("user", "u")
SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"
DAYS_10 = "2026-11-20T00:00:00+00:00"
DAYS_60 = "2026-10-01T00:00:00+00:00"
DAYS_200 = "2026-05-14T00:00:00+00:00"


def support_role() -> dict[str, Any]:
    return role("support", trust({"AWS": ROOT}), attached=[SUPPORT])


def quiet(users: list[Any] | None = None, roles: list[Any] | None = None) -> dict[str, Any]:
    """An export with a support role, so that only what the test adds is reported."""
    return export(users=users, roles=[support_role(), *(roles or [])],
                  policies=[managed("AWSSupportAccess", doc(allow("support:*")), aws=True)])


# ---- the credential report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCase:
    name: str
    row: str
    expected: tuple[str, ...]


REPORT_CASES = [
    ReportCase("ROOT_USED_RECENTLY: root password used 10 days ago",
               row("<root_account>", ROOT, mfa_active="true", password_last_used=DAYS_10), ("ROOT_USED_RECENTLY",)),
    ReportCase("ROOT_USED_RECENTLY: an (inactive) root key used 60 days ago",
               row("<root_account>", ROOT, mfa_active="true", access_key_1_active="false",
                   access_key_1_last_rotated=DAYS_200, access_key_1_last_used_date=DAYS_60), ("ROOT_USED_RECENTLY",)),
    ReportCase("ROOT_USED_RECENTLY: root last used 200 days ago is fine",
               row("<root_account>", ROOT, mfa_active="true", password_last_used=DAYS_200), ()),
    ReportCase("ROOT_USED_RECENTLY: root never used is fine", row("<root_account>", ROOT, mfa_active="true"), ()),
    ReportCase("USER_TWO_ACTIVE_KEYS: both keys active",
               row("u", U, access_key_1_active="true", access_key_1_last_rotated=DAYS_10,
                   access_key_1_last_used_date=DAYS_10, access_key_2_active="true",
                   access_key_2_last_rotated=DAYS_10, access_key_2_last_used_date=DAYS_10),
               ("USER_TWO_ACTIVE_KEYS",)),
    ReportCase("USER_TWO_ACTIVE_KEYS: one active, one inactive is fine",
               row("u", U, access_key_1_active="true", access_key_1_last_rotated=DAYS_10,
                   access_key_1_last_used_date=DAYS_10, access_key_2_active="false",
                   access_key_2_last_rotated=DAYS_10), ()),
]


@pytest.mark.parametrize("case", REPORT_CASES, ids=[c.name for c in REPORT_CASES])
def test_credential_report_extras(tmp_path: Path, case: ReportCase) -> None:
    report = audit_of(tmp_path, quiet(), files={"credential-report.csv": report_csv(case.row)})
    found = [r for r in rules(report) if r in ("ROOT_USED_RECENTLY", "USER_TWO_ACTIVE_KEYS")]
    assert tuple(found) == case.expected


def test_root_used_recently_points_at_the_row(tmp_path: Path) -> None:
    report = audit_of(tmp_path, quiet(), files={"credential-report.csv": report_csv(
        row("<root_account>", ROOT, mfa_active="true", password_last_used=DAYS_10))})
    f = only(report, "ROOT_USED_RECENTLY")
    assert (f.severity, f.resource, f.evidence[0].line) == (Severity.MEDIUM, ROOT, 2)
    assert "10 days ago" in f.title


def _report_with_idle_key(tmp_path: Path) -> Path:
    return write(tmp_path / ACCT, quiet(), files={"credential-report.csv": report_csv(
        row("u", U, access_key_1_active="true", access_key_1_last_rotated=DAYS_60,
            access_key_1_last_used_date=DAYS_60))})


@pytest.mark.parametrize(("days", "expected"), [(None, []), (90, []), (45, ["ACCESS_KEY_UNUSED"])])
def test_unused_days_option(tmp_path: Path, days: int | None, expected: list[str]) -> None:
    """A key last used 60 days ago: unused under CIS's 45 days, not under the default 90."""
    inputs = load_audit_snapshot(_report_with_idle_key(tmp_path))
    report = audit(inputs, AuditOptions(NOW, "test", unused_days=days, use_report_time=False))
    assert rules(report, "ACCESS_KEY_UNUSED") == expected


def test_unused_days_flag_on_the_cli(tmp_path: Path) -> None:
    folder = _report_with_idle_key(tmp_path)
    runner = CliRunner()

    def found(*extra: str) -> list[str]:
        res = runner.invoke(cli, ["audit", str(folder), "--format", "json", "--at", "2026-11-30", *extra])
        assert res.exit_code == 0, res.output
        return [f["rule"] for f in json.loads(res.stdout)["findings"] if f["rule"] == "ACCESS_KEY_UNUSED"]

    assert found() == []
    assert found("--unused-days", "45") == ["ACCESS_KEY_UNUSED"]
    res = runner.invoke(cli, ["audit", str(folder), "--unused-days", "0"])
    assert res.exit_code == 2


# ---- root's MFA device, server certificates -----------------------------------------------------------------------


ROOT_WITH_MFA = row("<root_account>", ROOT, mfa_active="true")


@pytest.mark.parametrize(("name", "devices", "expected"), [
    ("ROOT_NO_HARDWARE_MFA: root's virtual device by its serial",
     [{"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/root-account-mfa-device"}], ["ROOT_NO_HARDWARE_MFA"]),
    ("ROOT_NO_HARDWARE_MFA: a virtual device assigned to root",
     [{"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/phone", "User": {"Arn": ROOT}}], ["ROOT_NO_HARDWARE_MFA"]),
    ("hardware: root's MFA is not in the virtual list (only a user's is)",
     [{"SerialNumber": f"arn:aws:iam::{ACCT}:mfa/u", "User": {"Arn": U}}], []),
    ("hardware: no virtual devices at all", [], []),
])
def test_root_hardware_mfa(tmp_path: Path, name: str, devices: list[Any], expected: list[str]) -> None:
    folder = _with_iam_file(tmp_path, "list-virtual-mfa-devices.json", json.dumps({"VirtualMFADevices": devices}))
    report = run(folder)
    assert rules(report, "ROOT_NO_HARDWARE_MFA") == expected
    assert not [n for n in report.not_checked if "hardware MFA" in n.check]


def test_root_hardware_mfa_without_the_list_is_not_checked(tmp_path: Path) -> None:
    report = audit_of(tmp_path, quiet(), files={"credential-report.csv": report_csv(ROOT_WITH_MFA)})
    assert rules(report, "ROOT_NO_HARDWARE_MFA") == []
    (n,) = [n for n in report.not_checked if "hardware MFA" in n.check]
    assert "list-virtual-mfa-devices.json" in n.reason


def _with_iam_file(tmp_path: Path, name: str, text: str) -> Path:
    folder = write(tmp_path / ACCT, quiet(), files={"credential-report.csv": report_csv(ROOT_WITH_MFA)})
    (folder / "iam").mkdir()
    (folder / "iam" / name).write_text(text)
    return folder


def cert(name: str, expiration: str) -> dict[str, Any]:
    return {"Path": "/", "ServerCertificateName": name, "ServerCertificateId": "ASCA" + name.upper(),
            "Arn": f"arn:aws:iam::{ACCT}:server-certificate/{name}", "UploadDate": "2024-01-01T00:00:00Z",
            "Expiration": expiration}


def test_expired_server_certificates(tmp_path: Path) -> None:
    folder = _with_iam_file(tmp_path, "list-server-certificates.json", json.dumps({"ServerCertificateMetadataList": [
        cert("old", "2025-01-01T00:00:00Z"), cert("current", "2027-01-01T00:00:00Z")]}, indent=2))
    report = run(folder)
    f = only(report, "SERVER_CERTIFICATE_EXPIRED")
    assert f.resource == f"arn:aws:iam::{ACCT}:server-certificate/old" and f.evidence[0].line == 3
    assert not [n for n in report.not_checked if "certificates" in n.check]


def test_no_certificates_file_is_not_checked_and_a_bad_one_is_located(tmp_path: Path) -> None:
    report = audit_of(tmp_path, quiet())
    assert [n for n in report.not_checked if "certificates" in n.check]
    folder = _with_iam_file(tmp_path / "bad", "list-server-certificates.json", json.dumps(
        {"ServerCertificateMetadataList": [cert("x", "not a date"), cert("old", "2025-01-01T00:00:00Z")]}, indent=2))
    report = run(folder)
    assert rules(report, "SERVER_CERTIFICATE_EXPIRED") == ["SERVER_CERTIFICATE_EXPIRED"]  # the rest is checked
    (p,) = [p for p in report.problems if "list-server-certificates" in (p.file or "")]
    assert p.line == 3 and "ServerCertificateMetadataList[0]" in p.message
    folder = _with_iam_file(tmp_path / "broken", "list-virtual-mfa-devices.json", '{"VirtualMFADevices": [')
    report = run(folder)
    assert any("list-virtual-mfa-devices" in (p.file or "") for p in report.problems)
    assert [n for n in report.not_checked if "hardware MFA" in n.check]


# ---- users with their own policies, the support role -------------------------------------------------------------


def test_user_direct_policy_both_ways(tmp_path: Path) -> None:
    group = {"GroupName": "g", "GroupId": "AGPAG", "Path": "/", "Arn": arn("group", "g"),
             "GroupPolicyList": [{"PolicyName": "p", "PolicyDocument": doc(allow("s3:ListAllMyBuckets"))}],
             "AttachedManagedPolicies": []}
    details = quiet(users=[user("inline", policies={"p": doc(allow("s3:ListAllMyBuckets"))}),
                           user("attached", attached=[arn("policy", "Mine")]),
                           user("grouped", groups=["g"])])
    details["GroupDetailList"] = [group]
    details["Policies"].append(managed("Mine", doc(allow("s3:ListAllMyBuckets"))))
    report = audit_of(tmp_path, details)
    found = {f.resource: f for f in report.findings if f.rule == "USER_DIRECT_POLICY"}
    assert set(found) == {arn("user", "inline"), arn("user", "attached")}
    assert found[arn("user", "inline")].evidence[0].path == "UserDetailList[0].UserPolicyList[0].PolicyDocument"
    assert found[arn("user", "attached")].evidence[0].file  # the managed policy's document


def test_support_role_both_ways(tmp_path: Path) -> None:
    assert rules(audit_of(tmp_path / "a", quiet()), "SUPPORT_ROLE_MISSING") == []
    report = audit_of(tmp_path / "b", export(roles=[role("other", trust({"AWS": ROOT}))]))
    f = only(report, "SUPPORT_ROLE_MISSING")
    assert f.resource == SUPPORT and f.evidence[0].file


# ---- the confused deputy, decided by the engine -------------------------------------------------------------------


SERVICE = {"Service": "config.amazonaws.com"}


@pytest.mark.parametrize(("name", "trust_doc", "expected"), [
    ("ROLE_SERVICE_TRUST_NO_SOURCE: no condition", trust(SERVICE), ["ROLE_SERVICE_TRUST_NO_SOURCE"]),
    ("ROLE_SERVICE_TRUST_NO_SOURCE: a condition only ...IfExists (a request without the key passes)",
     trust(SERVICE, StringEqualsIfExists={"aws:SourceAccount": ACCT}), ["ROLE_SERVICE_TRUST_NO_SOURCE"]),
    ("guarded: aws:SourceAccount", trust(SERVICE, StringEquals={"aws:SourceAccount": ACCT}), []),
    ("guarded: aws:SourceArn with ArnLike", trust(SERVICE, ArnLike={"aws:SourceArn": f"arn:aws:config:*:{ACCT}:*"}),
     []),
    ("guarded: the key spelled in another case", trust(SERVICE, StringEquals={"AWS:sourceaccount": ACCT}), []),
    ("guarded: a Deny when aws:SourceAccount is absent", doc(
        {"Effect": "Allow", "Principal": SERVICE, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": SERVICE, "Action": "sts:AssumeRole",
         "Condition": {"Null": {"aws:SourceAccount": "true"}}}), []),
    ("not a service: an account principal", trust({"AWS": ROOT}), []),
])
def test_confused_deputy(tmp_path: Path, name: str, trust_doc: dict[str, Any], expected: list[str]) -> None:
    report = audit_of(tmp_path, quiet(roles=[role("svc", trust_doc)]))
    found = [f for f in report.findings if f.rule == "ROLE_SERVICE_TRUST_NO_SOURCE"]
    assert [f.rule for f in found] == expected
    for f in found:
        assert f.resource == arn("role", "svc") and f.details["service"] == "config.amazonaws.com"
        assert f.evidence[0].path == "RoleDetailList[1].AssumeRolePolicyDocument"


def test_roles_with_the_same_service_trust_each_get_their_finding_and_an_rcp_is_still_read(tmp_path: Path) -> None:
    """The check decides one unconditional service trust once per text and account (``_service_trust``); each
    role still gets its own finding, and with RCPs in force (which may name roles by ARN) every role is decided on
    its own: here an RCP denies the service one of them, which is then not reported."""
    roles = [role(f"svc{i}", trust(SERVICE)) for i in range(4)]
    report = audit_of(tmp_path / "plain", quiet(roles=roles))
    found = [f for f in report.findings if f.rule == "ROLE_SERVICE_TRUST_NO_SOURCE"]
    assert [f.resource for f in found] == [arn("role", f"svc{i}") for i in range(4)]
    assert [f.evidence[0].path for f in found] == [f"RoleDetailList[{i + 1}].AssumeRolePolicyDocument"
                                                   for i in range(4)]
    fenced = organization()
    fenced["levels"][0]["rcps"] = [{"name": "Full", "document": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": arn("role", "svc1")})}]
    fenced["levels"][1]["rcps"] = [{"name": "Full", "document": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})}]
    report = audit_of(tmp_path / "rcp", quiet(roles=roles), org=fenced)
    assert [f.resource for f in report.findings if f.rule == "ROLE_SERVICE_TRUST_NO_SOURCE"] == [
        arn("role", f"svc{i}") for i in (0, 2, 3)]


def test_service_linked_roles_are_not_flagged(tmp_path: Path) -> None:
    slr = role("AWSServiceRoleForConfig", trust(SERVICE))
    slr["Path"] = "/aws-service-role/config.amazonaws.com/"
    slr["Arn"] = f"arn:aws:iam::{ACCT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    assert rules(audit_of(tmp_path, quiet(roles=[slr])), "ROLE_SERVICE_TRUST_NO_SOURCE") == []


def test_an_unreadable_iam_list_gates_only_medium_and_below(tmp_path: Path) -> None:
    """A broken iam/ list hides at most a MEDIUM finding: it is its own unread part, not the IAM export."""
    folder = _with_iam_file(tmp_path, "list-server-certificates.json", '{"ServerCertificateMetadataList": 3}')
    report = run(folder)
    (part,) = report.unread
    assert part.part == "IAM lists" and part.gate is Severity.MEDIUM
    assert report.gate_blockers(Severity.HIGH) == [] and report.gate_blockers(Severity.MEDIUM) == [part]
