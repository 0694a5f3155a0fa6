"""``parc collect`` gathers what the audit's data-encryption and exposure checks read (issue 13): EBS snapshots with
their createVolumePermission, RDS snapshots with their restore attribute, and the audit of the collected snapshot
finds what was planted in moto (a public EBS snapshot, a public RDS snapshot, an unencrypted volume, a publicly
accessible instance, an unencrypted file system).

https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshotAttribute.html
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshotAttributes.html
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from collect_fixtures import Collected
from moto_account import MGMT

from parc.core.audit import AuditOptions, audit
from parc.loaders.snapshot import load_audit_snapshot


def test_snapshots_and_their_sharing_are_collected(org_snapshot: Collected) -> None:
    m = org_snapshot.mgmt
    snaps = json.loads((m / "ec2/us-east-1/describe-snapshots.json").read_text())["Snapshots"]
    assert len(snaps) == 1 and snaps[0]["Encrypted"] is False
    perms = json.loads((m / "ec2/us-east-1/describe-snapshot-attribute.json").read_text())
    assert perms[snaps[0]["SnapshotId"]]["CreateVolumePermissions"] == [{"Group": "all"}]
    attrs = json.loads((m / "rds/us-east-1/describe-db-snapshot-attributes.json").read_text())
    restore = attrs["orders-before-upgrade"]["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    assert {"AttributeName": "restore", "AttributeValues": ["all"]} in restore
    assert (m / "rds/us-east-1/describe-db-cluster-snapshot-attributes.json").is_file()
    assert (m / "rds/eu-west-1/describe-db-snapshots.json").is_file()


def test_the_audit_of_the_collected_data_stores(org_snapshot: Collected) -> None:
    report = audit(load_audit_snapshot(org_snapshot.out),
                   AuditOptions(datetime(2026, 11, 30, tzinfo=UTC), "test"))
    found = {(f.rule, f.resource) for f in report.findings if f.account == MGMT and f.category == "data"}
    rules = {r for r, _ in found}
    assert {"EBS_SNAPSHOT_PUBLIC", "EBS_SNAPSHOT_UNENCRYPTED", "EBS_VOLUME_UNENCRYPTED", "RDS_SNAPSHOT_PUBLIC",
            "RDS_PUBLICLY_ACCESSIBLE", "RDS_INSTANCE_UNENCRYPTED", "EFS_UNENCRYPTED"} <= rules, sorted(rules)
    assert ("RDS_SNAPSHOT_PUBLIC", f"arn:aws:rds:us-east-1:{MGMT}:snapshot:orders-before-upgrade") in found
    assert not any(r == "RDS_SNAPSHOT_PUBLIC" and "aurora" in res for r, res in found)
    # Everything these checks read was collected: none of them says "not checked" for the management account.
    assert not [n for n in report.not_checked if n.account == MGMT and n.check.startswith("data: ")]
