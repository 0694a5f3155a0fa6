"""The bundled example organization (what `make run` shows a new user) holds at least one finding of each kind, and
the ones its README promises: the deliberate escalation paths, the limited administrator without one, the root user
of the management account, the exposed SSH port."""

from __future__ import annotations

from audit_helpers import EXAMPLE

from parc.core.audit import AuditReport, Severity

MGMT, PROD, DEV = "111122223333", "444455556666", "777788889999"

EXPECTED_RULES = {
    # account security
    "ROOT_NO_MFA", "ROOT_ACCESS_KEY", "USER_CONSOLE_NO_MFA", "ACCESS_KEY_NOT_ROTATED", "ACCESS_KEY_UNUSED",
    "PASSWORD_UNUSED", "PASSWORD_POLICY_MISSING", "PASSWORD_POLICY_WEAK", "MFA_NOT_ENFORCED",
    # identity and access
    "PASS_ROLE_WITH_STAR_IN_RESOURCE", "ADMIN_EQUIVALENT", "ESCALATION_PATH", "PRIVILEGE_GAIN",
    "ROLE_ASSUMABLE_BY_ANYONE", "ROLE_CROSS_ACCOUNT", "ROLE_FEDERATED", "RESOURCE_CROSS_ACCOUNT",
    # network integrity
    "NET_INTERNET_EXPOSED_SENSITIVE_PORT", "NET_INTERNET_EXPOSED", "NET_DEFAULT_SG_HAS_RULES", "NET_ACL_ALLOWS_ALL",
    "NET_SG_RULE_UNKNOWN_GROUP",
    # logging and detection
    "CLOUDTRAIL_BUCKET_PUBLIC", "CLOUDTRAIL_LOG_VALIDATION_OFF", "CLOUDTRAIL_NOT_KMS_ENCRYPTED",
    "CLOUDTRAIL_BUCKET_NO_ACCESS_LOGGING", "CLOUDTRAIL_S3_READ_EVENTS_OFF", "CONFIG_NOT_RECORDING",
    "VPC_FLOW_LOGS_MISSING", "ACCESS_ANALYZER_MISSING", "SECURITY_HUB_DISABLED",
}


def by(report: AuditReport, rule: str, resource: str | None = None) -> list[str]:
    return [f.resource for f in report.findings if f.rule == rule and (resource is None or f.resource == resource)]


def test_every_kind_of_finding_is_in_the_example(example_report: AuditReport) -> None:
    found = {f.rule for f in example_report.findings}
    assert found >= EXPECTED_RULES, sorted(EXPECTED_RULES - found)
    assert {f.category for f in example_report.findings} == {"account", "identity", "network", "logging"}
    assert {f.severity for f in example_report.findings} == set(Severity)


def test_public_and_organization_wide_resources_are_in_the_example(example_report: AuditReport) -> None:
    found = {f.rule for f in example_report.findings}
    assert {"RESOURCE_PUBLIC", "RESOURCE_ORGANIZATION_WIDE", "RESOURCE_PUBLIC_BLOCKED"} <= found


def test_the_example_buckets_under_block_public_access_and_acls(example_report: AuditReport) -> None:
    """Issue 11 §2: one bucket public through its policy, one through its ACL alone (CRITICAL both), one whose
    public policy Block Public Access neutralises (LOW), and the sandbox's bucket shared with the organization."""
    r = example_report
    assert sorted(by(r, "RESOURCE_PUBLIC")) == ["arn:aws:s3:::mgmt-legacy-assets", "arn:aws:s3:::mgmt-public-downloads"]
    assert {f.severity for f in r.findings if f.rule == "RESOURCE_PUBLIC"} == {Severity.CRITICAL}
    (acl,) = [f for f in r.findings if f.rule == "RESOURCE_PUBLIC" and f.resource.endswith("mgmt-legacy-assets")]
    assert any(e.file and e.file.endswith("s3/mgmt-legacy-assets/get-bucket-acl.json") for e in acl.evidence)
    (blocked,) = [f for f in r.findings if f.rule == "RESOURCE_PUBLIC_BLOCKED"]
    assert (blocked.resource, blocked.severity) == ("arn:aws:s3:::mgmt-old-website", Severity.LOW)
    assert by(r, "RESOURCE_ORGANIZATION_WIDE") == ["arn:aws:s3:::dev-shared-datasets"]


def test_the_promised_findings(example_report: AuditReport) -> None:
    r = example_report
    assert by(r, "ROOT_NO_MFA") == [f"arn:aws:iam::{MGMT}:root"]
    esc = {f.resource: f for f in r.findings if f.rule == "ESCALATION_PATH"}
    assert set(esc) == {f"arn:aws:iam::{PROD}:user/bob", f"arn:aws:iam::{MGMT}:user/automation/ci-deployer",
                        f"arn:aws:iam::{PROD}:role/Deployer", f"arn:aws:iam::{DEV}:user/intern"}
    assert esc[f"arn:aws:iam::{PROD}:user/bob"].severity is Severity.HIGH
    assert esc[f"arn:aws:iam::{DEV}:user/intern"].severity is Severity.MEDIUM  # the sandbox's region SCP
    assert not any(f.resource.endswith("user/dynamo-admin") for f in r.findings if f.rule == "ESCALATION_PATH")
    assert by(r, "PRIVILEGE_GAIN") == [f"arn:aws:iam::{PROD}:user/alice"]
    (ssh,) = [f for f in r.findings if f.rule == "NET_INTERNET_EXPOSED_SENSITIVE_PORT"]
    assert "tcp 22 (SSH)" in ssh.title and ssh.account == PROD
    (null,) = [f for f in r.findings if f.rule == "MFA_NOT_ENFORCED" and f.severity is Severity.HIGH]
    assert "ops-oncall" in null.resource and "Null with false" in null.why
    (anyone,) = [f for f in r.findings if f.rule == "ROLE_ASSUMABLE_BY_ANYONE"]
    assert anyone.resource == f"arn:aws:iam::{DEV}:role/vendor-support"


def test_absent_inputs_are_not_checked(example_report: AuditReport) -> None:
    assert sorted((n.account, n.check.split(":")[0]) for n in example_report.not_checked
                  if not n.check.startswith("logging")) == [(MGMT, "network integrity"), (DEV, "network integrity")]
    # the sandbox has no logging files, the management account no VPC (so no flow log to read)
    assert sorted((n.account, n.check) for n in example_report.not_checked if n.check.startswith("logging")) == [
        (MGMT, "logging: VPC flow logs"), (DEV, "logging: AWS Config recording"), (DEV, "logging: CloudTrail"),
        (DEV, "logging: IAM Access Analyzer"), (DEV, "logging: Security Hub"), (DEV, "logging: VPC flow logs")]


def test_the_example_logging(example_report: AuditReport) -> None:
    """The organization trail (management account) covers production: no missing-trail finding there; the legacy
    regional trail writes to the public bucket; eu-west-1 of the management account lacks Config recording,
    Security Hub and an analyzer; the organization's analyzer covers production in us-east-1."""
    r = example_report
    found = sorted((f.rule, f.account, f.resource) for f in r.findings if f.category == "logging")
    org_trail = f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/org-trail"
    legacy = f"arn:aws:cloudtrail:eu-west-1:{MGMT}:trail/legacy-assets-trail"
    assert found == sorted([
        ("CLOUDTRAIL_BUCKET_PUBLIC", MGMT, "arn:aws:s3:::mgmt-legacy-assets"),
        ("CLOUDTRAIL_LOG_VALIDATION_OFF", MGMT, legacy),
        ("CLOUDTRAIL_NOT_KMS_ENCRYPTED", MGMT, org_trail),
        ("CLOUDTRAIL_BUCKET_NO_ACCESS_LOGGING", MGMT, "arn:aws:s3:::mgmt-cloudtrail-logs"),
        ("CLOUDTRAIL_S3_READ_EVENTS_OFF", MGMT, f"account {MGMT}"),
        ("CLOUDTRAIL_S3_READ_EVENTS_OFF", PROD, f"account {PROD}"),
        ("CONFIG_NOT_RECORDING", MGMT, f"account {MGMT} region eu-west-1"),
        ("SECURITY_HUB_DISABLED", MGMT, f"account {MGMT} region eu-west-1"),
        ("ACCESS_ANALYZER_MISSING", MGMT, f"account {MGMT} region eu-west-1"),
        ("VPC_FLOW_LOGS_MISSING", PROD, "vpc-0c4e6a8b1d3f50002"),
    ])


def test_order_is_by_risk(example_report: AuditReport) -> None:
    ranks = [f.severity.rank for f in example_report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert example_report.findings[0].severity is Severity.CRITICAL


def test_the_example_reads_without_problems(example_report: AuditReport) -> None:
    assert example_report.problems == ()
    assert EXAMPLE.is_dir()
