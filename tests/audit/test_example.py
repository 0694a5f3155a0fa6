"""The bundled example organization (what `make run` shows a new user) holds at least one finding of each kind, and
the ones its README promises: the deliberate escalation paths, the limited administrator without one, the root user
of the management account, the exposed SSH port."""

from __future__ import annotations

from audit_helpers import EXAMPLE

from parc.core.audit import AuditReport, Severity

MGMT, PROD, DEV = "111122223333", "444455556666", "777788889999"
SHOP_ACL = f"arn:aws:wafv2:us-east-1:{MGMT}:regional/webacl/shop-web-acl/a1b2c3d4-0000-0000-0000-00000000aaaa"
EDGE_ACL = f"arn:aws:wafv2:us-east-1:{MGMT}:global/webacl/edge-web-acl/a1b2c3d4-0000-0000-0000-00000000bbbb"

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
    # issue 13, idnet: the extra identity and network checks
    "ROOT_USED_RECENTLY", "ROOT_NO_HARDWARE_MFA", "USER_TWO_ACTIVE_KEYS", "USER_DIRECT_POLICY", "SUPPORT_ROLE_MISSING",
    "INSTANCE_NO_PROFILE", "IMDSV2_NOT_REQUIRED", "IMDSV2_ACCOUNT_DEFAULT_OFF", "SERVER_CERTIFICATE_EXPIRED",
    "ROLE_SERVICE_TRUST_NO_SOURCE", "NET_SG_OPEN_ADMIN_PORT", "NET_ACL_OPEN_ADMIN_PORT", "NET_SG_UNUSED",
    "NET_ACL_UNUSED",
    # data encryption and exposure (issue 13)
    "S3_DEFAULT_ENCRYPTION_MISSING", "S3_TLS_NOT_ENFORCED", "S3_VERSIONING_DISABLED", "S3_MFA_DELETE_DISABLED",
    "S3_ACCOUNT_BLOCK_PUBLIC_ACCESS_OFF", "S3_BUCKET_BLOCK_PUBLIC_ACCESS_OFF", "EBS_DEFAULT_ENCRYPTION_OFF",
    "EBS_VOLUME_UNENCRYPTED", "EBS_SNAPSHOT_UNENCRYPTED", "EBS_SNAPSHOT_PUBLIC", "RDS_INSTANCE_UNENCRYPTED",
    "RDS_PUBLICLY_ACCESSIBLE", "RDS_SNAPSHOT_PUBLIC", "RDS_AUTO_MINOR_UPGRADE_OFF", "EFS_UNENCRYPTED",
    "KMS_ROTATION_DISABLED", "KMS_KEY_PENDING_DELETION", "SECRET_ROTATION_DISABLED",
    # AWS WAF (issue 18)
    "WAF_NOT_ATTACHED", "WAF_ALLOWS_EVERYTHING", "WAF_RULE_IN_COUNT", "WAF_MANAGED_GROUP_NOT_EVALUATED",
    "WAF_NO_LOGGING", "WAF_UNREACHABLE_RULE",
}


def by(report: AuditReport, rule: str, resource: str | None = None) -> list[str]:
    return [f.resource for f in report.findings if f.rule == rule and (resource is None or f.resource == resource)]


def test_every_kind_of_finding_is_in_the_example(example_report: AuditReport) -> None:
    found = {f.rule for f in example_report.findings}
    assert found >= EXPECTED_RULES, sorted(EXPECTED_RULES - found)
    assert {f.category for f in example_report.findings} == {"account", "identity", "network", "data", "logging"}
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
                  if not n.check.startswith("logging")) == [
        (MGMT, "compute"), (MGMT, "compute"), (MGMT, "network integrity"),  # no ec2/: instances, metadata defaults
        (PROD, "web application firewall"),  # only the management account has wafv2/ (and the front doors)
        (DEV, "compute"), (DEV, "compute"), (DEV, "network integrity"), (DEV, "web application firewall")]
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
        ("WAF_NO_LOGGING", MGMT, SHOP_ACL),
    ])


def test_the_idnet_findings_of_the_example(example_report: AuditReport) -> None:
    """Issue 13: each deliberate idnet finding of the example, and the compliant resource next to it."""
    r = example_report
    assert by(r, "ROOT_NO_HARDWARE_MFA") == [f"arn:aws:iam::{PROD}:root"]  # DEV's root MFA is not in its virtual list
    assert by(r, "SERVER_CERTIFICATE_EXPIRED") == [
        f"arn:aws:iam::{PROD}:server-certificate/cloudfront/shop-2023"]  # api-2026 is current
    assert by(r, "IMDSV2_NOT_REQUIRED") == ["i-0a3c5e7b9d1f20091"]  # the other two require tokens
    assert by(r, "INSTANCE_NO_PROFILE") == ["i-0b4d6f8c1e3a20092"]
    assert by(r, "IMDSV2_ACCOUNT_DEFAULT_OFF") == [f"arn:aws:ec2:us-east-1:{PROD}:instance-metadata-defaults"]
    latent = {f.resource: f.severity for f in r.findings if f.rule == "NET_SG_OPEN_ADMIN_PORT"}
    assert latent == {"sg-0a11b22c33d44e501": Severity.MEDIUM, "sg-0a99b88c77d66e010": Severity.LOW}
    assert by(r, "NET_SG_UNUSED") == ["sg-0a99b88c77d66e010"]
    assert by(r, "NET_ACL_UNUSED") == ["acl-0d5f7b9e2a4c60064"]
    assert "acl-0d5f7b9e2a4c60064" not in by(r, "NET_ACL_OPEN_ADMIN_PORT")  # it denies 22 before allowing 443


def test_order_is_by_risk(example_report: AuditReport) -> None:
    ranks = [f.severity.rank for f in example_report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert example_report.findings[0].severity is Severity.CRITICAL


def test_the_example_reads_without_problems(example_report: AuditReport) -> None:
    assert example_report.problems == ()
    assert EXAMPLE.is_dir()


def test_the_example_data_stores(example_report: AuditReport) -> None:
    """Issue 13: the production account's data stores are compliant (its bucket denies requests without TLS, its
    Aurora cluster, volumes and key are encrypted, its cluster snapshot is shared with one account only), except one
    unencrypted volume and snapshot and a key without rotation; the sandbox's are not."""
    r = example_report
    assert sorted(by(r, "S3_TLS_NOT_ENFORCED")) == sorted(
        f"arn:aws:s3:::{b}" for b in ("mgmt-build-artifacts", "mgmt-cloudtrail-logs", "mgmt-legacy-assets",
                                      "mgmt-old-website", "mgmt-public-downloads", "dev-scratch",
                                      "dev-shared-datasets"))
    assert by(r, "EBS_SNAPSHOT_PUBLIC") == [f"arn:aws:ec2:eu-west-1:{DEV}:snapshot/snap-0d1e2f3a4b5c60003"]
    assert by(r, "RDS_SNAPSHOT_PUBLIC") == [f"arn:aws:rds:eu-west-1:{DEV}:snapshot:dev-playground-seed"]
    assert by(r, "EBS_VOLUME_UNENCRYPTED") == [f"arn:aws:ec2:eu-west-1:{PROD}:volume/vol-0a1b2c3d4e5f60002"]
    assert by(r, "KMS_ROTATION_DISABLED") == [f"arn:aws:kms:eu-west-1:{PROD}:key/1f2e3d4c-5b6a-4789-8abc-0123456789ab"]
    assert by(r, "EBS_DEFAULT_ENCRYPTION_OFF") == ["eu-west-1"]
    assert {f.account for f in r.findings if f.rule == "RDS_PUBLICLY_ACCESSIBLE"} == {DEV}
    assert {f.account for f in r.findings if f.rule == "EFS_UNENCRYPTED"} == {DEV}
    assert {f.account for f in r.findings if f.rule == "S3_ACCOUNT_BLOCK_PUBLIC_ACCESS_OFF"} == {MGMT, DEV}
    assert {f.severity for f in r.findings if f.rule.endswith("_SNAPSHOT_PUBLIC")} == {Severity.CRITICAL}
    assert all(e.file for f in r.findings if f.category == "data" for e in f.evidence)


def test_the_example_waf(example_report: AuditReport) -> None:
    """Issue 18: the management account's shop web ACL (examples/waf's, in the collected layout) protects the
    shop-public load balancer and the orders-api prod stage; the legacy-admin load balancer, the beta stage and one
    distribution have none (the internal load balancer and the PRIVATE API are not front doors); the CloudFront
    edge web ACL only counts; the shop ACL has no logging, a managed group parc does not evaluate, and a rule after
    its match-all Allow. Its Count rule tag-scanners feeds a label a later rule matches: not flagged."""
    r = example_report
    found = sorted((f.rule, f.resource.rsplit(":", 1)[-1], f.key) for f in r.findings if f.rule.startswith("WAF_"))
    assert found == sorted([
        ("WAF_NOT_ATTACHED", "loadbalancer/app/legacy-admin/6d0ecf831eec9f09",
         f"arn:aws:elasticloadbalancing:us-east-1:{MGMT}:loadbalancer/app/legacy-admin/6d0ecf831eec9f09"),
        ("WAF_NOT_ATTACHED", "/restapis/a1b2c3d4e5/stages/beta",
         "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/beta"),
        ("WAF_NOT_ATTACHED", "distribution/E2B3C4D5E6F7A8", f"arn:aws:cloudfront::{MGMT}:distribution/E2B3C4D5E6F7A8"),
        ("WAF_ALLOWS_EVERYTHING", EDGE_ACL.rsplit(":", 1)[-1], "default"),
        ("WAF_RULE_IN_COUNT", EDGE_ACL.rsplit(":", 1)[-1], "count:block-sanctioned-countries"),
        ("WAF_RULE_IN_COUNT", EDGE_ACL.rsplit(":", 1)[-1], "count:count-large-bodies"),
        ("WAF_NO_LOGGING", SHOP_ACL.rsplit(":", 1)[-1], "logging"),
        ("WAF_MANAGED_GROUP_NOT_EVALUATED", SHOP_ACL.rsplit(":", 1)[-1], "managed:aws-common"),
        ("WAF_UNREACHABLE_RULE", SHOP_ACL.rsplit(":", 1)[-1], "unreachable:WebACL.Rules[9]"),
    ])
    assert {f.severity for f in r.findings if f.rule == "WAF_NOT_ATTACHED"} == {Severity.MEDIUM}
    assert not [u for u in r.unread if u.part == "web application firewall"]


def test_the_example_web_acl_is_examples_waf_in_the_collected_layout() -> None:
    """The audit reads the same files ``parc waf check`` / ``parc waf test`` are shown with (examples/waf)."""
    waf = EXAMPLE.parent / "waf"
    layout = EXAMPLE / MGMT / "wafv2" / "us-east-1"
    for src, dst in (("web-acl", "web-acls/shop-web-acl"), ("rule-group", "rule-groups/app-protections"),
                     ("ip-set", "ip-sets/blocked-ips"), ("regex-pattern-set", "regex-pattern-sets/scanner-agents")):
        assert (waf / f"{src}.json").read_bytes() == (layout / f"{dst}.json").read_bytes(), src
