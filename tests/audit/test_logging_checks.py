"""Logging and detection in the audit: CloudTrail, AWS Config, VPC flow logs, IAM Access Analyzer, Security Hub,
each pinned both ways (a compliant and a non-compliant snapshot), and what the snapshot lacks is not checked.

https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html (an organization trail
logs the member accounts; the members do not manage it)
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html
https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html (InvalidAccessException: the
account is not subscribed, which ``parc collect`` records as ``{}``)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_helpers import ACCT, ORG_ID, doc, export, run, write

from parc.core.audit import AuditReport

REGION = "us-east-1"
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/main"
BUCKET = "trail-logs"
KEY = f"arn:aws:kms:{REGION}:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MGMT = "999999999999"
ALL_S3 = {"ReadWriteType": "All", "IncludeManagementEvents": False,
          "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}
MGMT_EVENTS = {"ReadWriteType": "All", "IncludeManagementEvents": True}


def put(folder: Path, rel: str, data: Any) -> None:
    f = folder / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))


def trail(arn: str = TRAIL, **over: Any) -> dict[str, Any]:
    t = {"Name": arn.rsplit("/", 1)[1], "S3BucketName": BUCKET, "IsMultiRegionTrail": True,
         "HomeRegion": arn.split(":")[3], "TrailARN": arn, "LogFileValidationEnabled": True, "KmsKeyId": KEY,
         "HasCustomEventSelectors": True, "IsOrganizationTrail": False}
    t.update(over)
    return {k: v for k, v in t.items() if v is not None}


def trails(folder: Path, *items: dict[str, Any], region: str = REGION, logging: bool = True,
           selectors: list[Any] | None = None) -> None:
    put(folder, f"cloudtrail/{region}/describe-trails.json", {"trailList": list(items)})
    put(folder, f"cloudtrail/{region}/get-trail-status.json", {t["TrailARN"]: {"IsLogging": logging} for t in items})
    sel = [MGMT_EVENTS, ALL_S3] if selectors is None else selectors
    put(folder, f"cloudtrail/{region}/get-event-selectors.json",
        {t["TrailARN"]: {"TrailARN": t["TrailARN"], "EventSelectors": sel} for t in items})


def bucket(folder: Path, name: str = BUCKET, logging: bool = True) -> None:
    owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    put(folder, f"s3/{name}/get-bucket-acl.json", {"Owner": {"ID": owner}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"}]})
    put(folder, f"s3/{name}/get-bucket-logging.json",
        {"LoggingEnabled": {"TargetBucket": "access-logs", "TargetPrefix": f"{name}/"}} if logging else {})


def config(folder: Path, region: str = REGION, recording: bool = True, all_types: bool = True,
           channel: bool = True, recorder: bool = True) -> None:
    rec = {"name": "default", "recordingGroup": {"allSupported": all_types, "includeGlobalResourceTypes": True,
                                                 "resourceTypes": [] if all_types else ["AWS::EC2::Instance"]}}
    put(folder, f"config/{region}/describe-configuration-recorders.json",
        {"ConfigurationRecorders": [rec] if recorder else []})
    put(folder, f"config/{region}/describe-configuration-recorder-status.json",
        {"ConfigurationRecordersStatus": [{"name": "default", "recording": recording}] if recorder else []})
    put(folder, f"config/{region}/describe-delivery-channels.json",
        {"DeliveryChannels": [{"name": "default", "s3BucketName": "config"}] if channel else []})


def analyzer(folder: Path, region: str = REGION, status: str | None = "ACTIVE", kind: str = "ACCOUNT",
             account: str = ACCT) -> None:
    found = [] if status is None else [{"arn": f"arn:aws:access-analyzer:{region}:{account}:analyzer/a",
                                        "name": "a", "type": kind, "status": status}]
    put(folder, f"accessanalyzer/{region}/list-analyzers.json", {"analyzers": found})


def hub(folder: Path, region: str = REGION, enabled: bool = True) -> None:
    put(folder, f"securityhub/{region}/describe-hub.json",
        {"HubArn": f"arn:aws:securityhub:{region}:{ACCT}:hub/default"} if enabled else {})


VPC_A, VPC_B = "vpc-0000000000000000a", "vpc-0000000000000000b"


def network(folder: Path, flow_logs: list[dict[str, Any]], region: str = REGION) -> None:
    put(folder, "ec2/describe-vpcs.json", {"Vpcs": [
        {"VpcId": v, "CidrBlock": c, "OwnerId": ACCT, "IsDefault": False}
        for v, c in ((VPC_A, "10.0.0.0/16"), (VPC_B, "10.1.0.0/16"))]})
    put(folder, "ec2/describe-subnets.json", {"Subnets": [
        {"SubnetId": f"subnet-{i}", "VpcId": v, "CidrBlock": c, "AvailabilityZone": f"{region}a"}
        for i, (v, c) in enumerate(((VPC_A, "10.0.1.0/24"), (VPC_B, "10.1.1.0/24")))]})
    put(folder, f"ec2/{region}/describe-flow-logs.json", {"FlowLogs": flow_logs})


def flow(vpc: str, status: str = "ACTIVE", traffic: str = "ALL") -> dict[str, Any]:
    return {"FlowLogId": f"fl-{vpc[-1]}{traffic}", "ResourceId": vpc, "FlowLogStatus": status, "TrafficType": traffic}


def compliant(folder: Path, **kw: Any) -> Path:
    """An account whose logging passes every check."""
    write(folder, export(), resource_policies=[], **kw)
    trails(folder, trail())
    bucket(folder)
    config(folder)
    analyzer(folder)
    hub(folder)
    network(folder, [flow(VPC_A), flow(VPC_B, traffic="REJECT")])
    return folder


def logging_rules(report: AuditReport) -> list[str]:
    return sorted(f.rule for f in report.findings if f.category == "logging")


def logging_gaps(report: AuditReport) -> list[str]:
    return sorted(f"{n.check}: {n.reason}" for n in report.not_checked if n.check.startswith("logging"))


def test_a_compliant_account_has_no_logging_finding(tmp_path: Path) -> None:
    r = run(compliant(tmp_path / ACCT))
    assert logging_rules(r) == []
    assert logging_gaps(r) == []
    assert r.problems == ()


# ---- CloudTrail -------------------------------------------------------------------------------------------------


def test_no_trail_at_all(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder)
    r = run(folder)
    assert logging_rules(r) == ["CLOUDTRAIL_NO_MULTI_REGION_TRAIL", "CLOUDTRAIL_S3_READ_EVENTS_OFF",
                                "CLOUDTRAIL_S3_WRITE_EVENTS_OFF"]
    (f,) = [f for f in r.findings if f.rule == "CLOUDTRAIL_NO_MULTI_REGION_TRAIL"]
    assert f.details["regions"] == [REGION] and f.details["organization_trail_unknown"] is False


def test_a_single_region_trail_is_not_enough(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(IsMultiRegionTrail=False))
    r = run(folder)
    assert "CLOUDTRAIL_NO_MULTI_REGION_TRAIL" in logging_rules(r)
    (f,) = [f for f in r.findings if f.rule == "CLOUDTRAIL_NO_MULTI_REGION_TRAIL"]
    assert "not multi-region" in str(f.details["trails"])


def test_a_stopped_trail_is_not_enough(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(), logging=False)
    assert "CLOUDTRAIL_NO_MULTI_REGION_TRAIL" in logging_rules(run(folder))


def test_a_trail_of_management_writes_only_is_not_enough(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(), selectors=[{"ReadWriteType": "WriteOnly"}, ALL_S3])
    r = run(folder)
    assert logging_rules(r) == ["CLOUDTRAIL_NO_MULTI_REGION_TRAIL"]  # its S3 object events still count
    assert "no management read events" in str(r.findings[0].details["trails"])


def test_a_default_trail_logs_management_events_but_no_s3_object_events(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(HasCustomEventSelectors=False), selectors=[])
    assert logging_rules(run(folder)) == ["CLOUDTRAIL_S3_READ_EVENTS_OFF", "CLOUDTRAIL_S3_WRITE_EVENTS_OFF"]


def test_s3_write_events_only(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(), selectors=[MGMT_EVENTS, {**ALL_S3, "ReadWriteType": "WriteOnly"}])
    assert logging_rules(run(folder)) == ["CLOUDTRAIL_S3_READ_EVENTS_OFF"]


def test_s3_events_of_one_bucket_are_not_every_bucket(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    one = {"ReadWriteType": "All", "IncludeManagementEvents": False,
           "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::payroll/"]}]}
    trails(folder, trail(), selectors=[MGMT_EVENTS, one])
    r = run(folder)
    assert logging_rules(r) == ["CLOUDTRAIL_S3_READ_EVENTS_OFF", "CLOUDTRAIL_S3_WRITE_EVENTS_OFF"]
    assert all("payroll" in f.why for f in r.findings)


def test_log_file_validation_and_kms(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(LogFileValidationEnabled=False, KmsKeyId=None))
    r = run(folder)
    assert logging_rules(r) == ["CLOUDTRAIL_LOG_VALIDATION_OFF", "CLOUDTRAIL_NOT_KMS_ENCRYPTED"]
    assert {f.resource for f in r.findings} == {TRAIL}
    assert all(e.file and e.file.endswith("cloudtrail/us-east-1/describe-trails.json")
               for f in r.findings for e in f.evidence)


def test_trail_bucket_without_access_logging(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    bucket(folder, logging=False)
    r = run(folder)
    assert logging_rules(r) == ["CLOUDTRAIL_BUCKET_NO_ACCESS_LOGGING"]
    assert r.findings[0].resource == f"arn:aws:s3:::{BUCKET}"


def test_trail_bucket_public_is_decided_by_the_engine(tmp_path: Path) -> None:
    public = [{"arn": f"arn:aws:s3:::{BUCKET}", "policy": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"})}]
    r = run(_with_policy(tmp_path / "p" / ACCT, public))
    assert logging_rules(r) == ["CLOUDTRAIL_BUCKET_PUBLIC"]
    assert "RESOURCE_PUBLIC" in {f.rule for f in r.findings}
    # the same statement limited to the organization: the engine says not public, so neither finding
    limited = [{"arn": f"arn:aws:s3:::{BUCKET}", "policy": doc(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}})}]
    r = run(_with_policy(tmp_path / "o" / ACCT, limited))
    assert logging_rules(r) == []
    assert "RESOURCE_PUBLIC" not in {f.rule for f in r.findings}


def _with_policy(folder: Path, policies: list[Any]) -> Path:
    compliant(folder)
    put(folder, "resource-policies.json", policies)
    return folder


def test_a_trail_bucket_outside_the_snapshot_is_not_checked(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    trails(folder, trail(S3BucketName="central-log-archive"))
    r = run(folder)
    assert logging_rules(r) == []
    assert any("central-log-archive" in g and "not in the snapshot" in g for g in logging_gaps(r))


def _org(account: str, management: str = MGMT) -> dict[str, Any]:
    full = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    return {"organization_id": ORG_ID, "management_account_id": management, "levels": [
        {"id": "r-root", "type": "ROOT", "scps": [{"name": "FullAWSAccess", "document": full}]},
        {"id": account, "type": "ACCOUNT", "scps": [{"name": "FullAWSAccess", "document": full}]}]}


def test_an_organization_trail_covers_the_members(tmp_path: Path) -> None:
    org_trail = f"arn:aws:cloudtrail:{REGION}:{MGMT}:trail/org"
    mgmt = compliant(tmp_path / MGMT, org=_org(MGMT))
    trails(mgmt, trail(org_trail, IsOrganizationTrail=True))
    member = compliant(tmp_path / ACCT, org=_org(ACCT))
    trails(member)  # members do not list the organization trail
    r = run(tmp_path)
    assert [(f.rule, f.account) for f in r.findings if f.category == "logging"] == []
    # without the organization trail, the member has none
    trails(mgmt, trail(org_trail, IsOrganizationTrail=False))
    r = run(tmp_path)
    assert [(f.rule, f.account) for f in r.findings if f.rule == "CLOUDTRAIL_NO_MULTI_REGION_TRAIL"] == [
        ("CLOUDTRAIL_NO_MULTI_REGION_TRAIL", ACCT)]
    assert {f.account for f in r.findings if f.category == "logging"} == {ACCT}


def test_a_member_alone_says_an_organization_trail_may_cover_it(tmp_path: Path) -> None:
    member = compliant(tmp_path / ACCT, org=_org(ACCT))
    trails(member)
    r = run(member)
    (f,) = [f for f in r.findings if f.rule == "CLOUDTRAIL_NO_MULTI_REGION_TRAIL"]
    assert f.details["organization_trail_unknown"] is True
    assert "management account is not in the snapshot" in f.why


def test_unread_trail_status_is_not_checked(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    put(folder, f"cloudtrail/{REGION}/get-trail-status.json", {})
    r = run(folder)
    assert "CLOUDTRAIL_NO_MULTI_REGION_TRAIL" not in logging_rules(r)
    assert any("status or event selectors" in g for g in logging_gaps(r))


# ---- AWS Config ----------------------------------------------------------------------------------------------------


def test_config_not_recording(tmp_path: Path) -> None:
    for kw, lack in (({"recording": False}, "not recording"), ({"all_types": False}, "every supported"),
                     ({"channel": False}, "delivery channel"), ({"recorder": False}, "no configuration recorder")):
        folder = compliant(tmp_path / str(len(lack)) / ACCT)
        config(folder, **kw)
        r = run(folder)
        assert logging_rules(r) == ["CONFIG_NOT_RECORDING"], kw
        assert lack in r.findings[0].title
        assert r.findings[0].details["region"] == REGION


def test_config_in_every_collected_region(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT, files={"collection.json": {"status": "complete", "account": ACCT,
                                                                  "regions": [REGION, "eu-west-1"]}})
    r = run(folder)
    assert any(g.startswith("logging: AWS Config recording: no readable config file for region(s) eu-west-1")
               for g in logging_gaps(r))
    config(folder, "eu-west-1", recording=False)
    r = run(folder)
    assert [f.details["region"] for f in r.findings if f.rule == "CONFIG_NOT_RECORDING"] == ["eu-west-1"]


# ---- VPC flow logs -------------------------------------------------------------------------------------------------


def test_vpc_flow_logs(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    network(folder, [flow(VPC_A), flow(VPC_B, status="INACTIVE")])
    r = run(folder)
    assert [(f.rule, f.resource) for f in r.findings if f.category == "logging"] == [
        ("VPC_FLOW_LOGS_MISSING", VPC_B)]
    assert r.findings[0].details["region"] == REGION
    network(folder, [flow(VPC_A), flow(VPC_B, traffic="ACCEPT")])
    assert logging_rules(run(folder)) == ["VPC_FLOW_LOGS_MISSING"]
    network(folder, [flow(VPC_A)])
    assert logging_rules(run(folder)) == ["VPC_FLOW_LOGS_MISSING"]


def test_flow_logs_of_a_region_not_read_are_not_checked(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT, files={"collection.json": {"status": "complete", "account": ACCT,
                                                                  "regions": ["eu-west-1"]}})
    (folder / "ec2" / REGION / "describe-flow-logs.json").unlink()
    put(folder, "ec2/eu-west-1/describe-flow-logs.json", {"FlowLogs": []})
    r = run(folder)  # the VPCs are in us-east-1 (their subnets' zones), whose flow logs were not collected
    assert "VPC_FLOW_LOGS_MISSING" not in logging_rules(r)
    assert sum(f"{v} (region us-east-1) were not read" in g for v in (VPC_A, VPC_B) for g in logging_gaps(r)) == 2


# ---- Access Analyzer and Security Hub ------------------------------------------------------------------------------


def test_access_analyzer(tmp_path: Path) -> None:
    for status in (None, "DISABLED", "FAILED"):
        folder = compliant(tmp_path / str(status) / ACCT)
        analyzer(folder, status=status)
        r = run(folder)
        assert logging_rules(r) == ["ACCESS_ANALYZER_MISSING"], status
        assert r.findings[0].details["region"] == REGION


def test_an_organization_analyzer_covers_the_members(tmp_path: Path) -> None:
    mgmt = compliant(tmp_path / MGMT, org=_org(MGMT))
    analyzer(mgmt, kind="ORGANIZATION", account=MGMT)
    member = compliant(tmp_path / ACCT, org=_org(ACCT))
    analyzer(member, status=None)
    assert [f.rule for f in run(tmp_path).findings if f.category == "logging"] == []
    analyzer(mgmt, kind="ACCOUNT", account=MGMT)
    assert [(f.rule, f.account) for f in run(tmp_path).findings if f.category == "logging"] == [
        ("ACCESS_ANALYZER_MISSING", ACCT)]


def test_security_hub(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    hub(folder, enabled=False)
    r = run(folder)
    assert logging_rules(r) == ["SECURITY_HUB_DISABLED"]
    assert r.findings[0].evidence[0].file is not None


# ---- what the snapshot lacks ----------------------------------------------------------------------------------------


def test_no_logging_files_is_not_checked(tmp_path: Path) -> None:
    r = run(write(tmp_path / ACCT, export(), resource_policies=[]))
    assert logging_rules(r) == []
    assert [g.split(":")[1].strip() for g in logging_gaps(r)] == [
        "AWS Config recording", "CloudTrail", "IAM Access Analyzer", "Security Hub", "VPC flow logs"]


def test_a_malformed_file_is_located_and_its_region_not_checked(tmp_path: Path) -> None:
    folder = compliant(tmp_path / ACCT)
    put(folder, f"securityhub/{REGION}/describe-hub.json", "[1, 2")
    put(folder, f"accessanalyzer/{REGION}/list-analyzers.json", {"analyzers": "none"})
    r = run(folder)
    assert logging_rules(r) == []
    files = sorted(Path(p.file or "").name for p in r.problems)
    assert files == ["describe-hub.json", "list-analyzers.json"]
    assert any(p.line for p in r.problems)
    gaps = logging_gaps(r)
    assert any(g.startswith("logging: Security Hub: no readable securityhub file") for g in gaps)
    assert any(g.startswith("logging: IAM Access Analyzer: no readable") for g in gaps)
    assert {u.part for u in r.unread} == {"logging"}


GARBAGE: list[tuple[str, Any]] = [
    (f"cloudtrail/{REGION}/describe-trails.json", {"trailList": [1, {"TrailARN": 5}, {"TrailARN": TRAIL,
                                                                                     "KmsKeyId": [1]}]}),
    (f"cloudtrail/{REGION}/describe-trails.json", {"trailList": "all"}),
    (f"cloudtrail/{REGION}/get-trail-status.json", {TRAIL: "on"}),
    (f"cloudtrail/{REGION}/get-event-selectors.json", {TRAIL: {"EventSelectors": [None, {"DataResources": [7, {
        "Type": "AWS::S3::Object", "Values": "arn:aws:s3"}]}], "AdvancedEventSelectors": [{"FieldSelectors": [
            None, {"Field": "readOnly", "Equals": "true"}, {"Field": "eventCategory", "Equals": [1]}]}]}}),
    (f"cloudtrail/{REGION}/get-event-selectors.json", []),
    (f"config/{REGION}/describe-configuration-recorders.json", {"ConfigurationRecorders": [
        None, {"recordingGroup": "all"}, {"recordingGroup": {"recordingStrategy": 3}}]}),
    (f"config/{REGION}/describe-configuration-recorder-status.json", {"ConfigurationRecordersStatus": [1, {}]}),
    (f"config/{REGION}/describe-delivery-channels.json", "null"),
    (f"accessanalyzer/{REGION}/list-analyzers.json", {"analyzers": [None, {"status": ["ACTIVE"]}]}),
    (f"securityhub/{REGION}/describe-hub.json", {"HubArn": 5}),
    (f"ec2/{REGION}/describe-flow-logs.json", {"FlowLogs": [None, {"ResourceId": 3, "FlowLogStatus": None}]}),
    (f"s3/{BUCKET}/get-bucket-logging.json", "[]"),
]


def test_malformed_values_never_crash_and_never_pass(tmp_path: Path) -> None:
    """Each file of the wrong shape: the audit runs every check (no "parc failed"), and what it could not read is
    a located problem or a "not checked", never a silent pass of the check it feeds."""
    for i, (rel, value) in enumerate(GARBAGE):
        folder = compliant(tmp_path / str(i) / ACCT)
        put(folder, rel, value)
        r = run(folder)
        assert not [n for n in r.not_checked if "parc failed" in n.reason], rel
        said = len(r.problems) + len(logging_gaps(r)) + len(logging_rules(r))
        assert said > 0, rel
