"""``parc collect`` then ``parc audit``: the logging and detection checks read what the collector wrote (moto's
organization, two regions). moto's planted state: a multi-region trail ``main`` that was never started (so no
logging trail), to the bucket ``private-data``, without log file validation or KMS; no AWS Config recorder; one VPC
of three with a flow log in us-east-1; Security Hub not enabled; an ACTIVE analyzer (AWS's documented example).

https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html (IsLogging)
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html (InvalidAccessException: not enabled)
"""

from __future__ import annotations

from datetime import UTC, datetime

from collect_fixtures import Collected
from moto_account import MGMT, REGIONS

from parc.core.audit import AuditOptions, audit
from parc.loaders.snapshot import load_audit_snapshot


def test_the_collected_snapshot_is_audited_for_logging(org_snapshot: Collected) -> None:
    inputs = load_audit_snapshot(org_snapshot.out)
    report = audit(inputs, AuditOptions(datetime(2026, 12, 1, tzinfo=UTC)))
    mine = [f for f in report.findings if f.category == "logging" and f.account == MGMT]
    rules = {f.rule for f in mine}
    trail = f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/main"
    assert {"CLOUDTRAIL_NO_MULTI_REGION_TRAIL", "CLOUDTRAIL_LOG_VALIDATION_OFF", "CLOUDTRAIL_NOT_KMS_ENCRYPTED",
            "CONFIG_NOT_RECORDING", "SECURITY_HUB_DISABLED", "VPC_FLOW_LOGS_MISSING"} <= rules
    (no_trail,) = [f for f in mine if f.rule == "CLOUDTRAIL_NO_MULTI_REGION_TRAIL"]
    assert f"{trail}: not logging" in no_trail.details["trails"]  # type: ignore[operator]
    assert sorted(f.details["region"] for f in mine if f.rule == "CONFIG_NOT_RECORDING") == sorted(REGIONS)
    assert sorted(f.details["region"] for f in mine if f.rule == "SECURITY_HUB_DISABLED") == sorted(REGIONS)
    assert "ACCESS_ANALYZER_MISSING" not in rules
    # the VPC with a flow log is not flagged; the others are, with their region when a subnet's zone tells it (a VPC
    # without subnets has none: every collected region's flow logs were read, so it has none either way)
    flagged = {f.resource: f.details["region"] for f in mine if f.rule == "VPC_FLOW_LOGS_MISSING"}
    assert len(flagged) >= 2 and set(flagged.values()) <= {*REGIONS, None} and "us-east-1" in flagged.values()
    (acct,) = [a for a in inputs.accounts if a.account_id == MGMT]
    assert acct.logging is not None and acct.logging.flow_logs is not None
    logged = {fl.resource for logs in acct.logging.flow_logs.values() for fl in logs}
    assert logged and not logged & set(flagged)
    assert not [n for n in report.not_checked if n.check.startswith("logging") and n.account == MGMT]

