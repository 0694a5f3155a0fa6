"""Logging, detection and data stores, per region, for the audit's logging and encryption checks: CloudTrail trails
with their status and event selectors, AWS Config recorders (with their status) and delivery channels, RDS
instances and clusters, Access Analyzer analyzers and Security Hub. Raw outputs in ``SERVICE/REGION/``, named
after the call; per-trail calls as a map from the trail's ARN to the output.

https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html (InvalidAccessException: not enabled)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.calls import Call
from parc.collect.runner import Account, Task


def _raw(acct: Account, region: str, spec: Call, **params: Any) -> dict[str, Any] | None:
    data = acct.call(spec, region, region, **params)
    if data is not None:
        acct.write(f"{spec.service}/{region}/{spec.file}", data)
    return data


def cloudtrail(acct: Account, region: str) -> None:
    # Trails of this region only (shadow copies of other regions' multi-region trails are listed where they live).
    data = _raw(acct, region, C.CLOUDTRAIL_DESCRIBE_TRAILS, includeShadowTrails=False)
    if data is None:
        return
    arns = [str(t["TrailARN"]) for t in data.get("trailList", []) if isinstance(t, dict) and "TrailARN" in t]
    for spec in (C.CLOUDTRAIL_GET_TRAIL_STATUS, C.CLOUDTRAIL_GET_EVENT_SELECTORS):
        out: dict[str, Any] = {}
        for arn in arns:
            params = {"Name": arn} if spec is C.CLOUDTRAIL_GET_TRAIL_STATUS else {"TrailName": arn}
            got = acct.call(spec, region, arn, **params)
            if got is not None:
                out[arn] = got
        acct.write(f"cloudtrail/{region}/{spec.file}", out)


def config(acct: Account, region: str) -> None:
    for spec in C.CONFIG_CALLS:
        _raw(acct, region, spec)


def rds(acct: Account, region: str) -> None:
    for spec in C.RDS_CALLS:
        _raw(acct, region, spec)
    # Snapshots and who may restore them (``{"ID": output}``): a ``restore`` attribute naming ``all`` is public.
    for list_spec, attr_spec, key, id_key, param in (
            (C.DESCRIBE_DB_SNAPSHOTS, C.DESCRIBE_DB_SNAPSHOT_ATTRIBUTES, "DBSnapshots", "DBSnapshotIdentifier",
             "DBSnapshotIdentifier"),
            (C.DESCRIBE_DB_CLUSTER_SNAPSHOTS, C.DESCRIBE_DB_CLUSTER_SNAPSHOT_ATTRIBUTES, "DBClusterSnapshots",
             "DBClusterSnapshotIdentifier", "DBClusterSnapshotIdentifier")):
        data = _raw(acct, region, list_spec)
        if data is None:
            continue
        out: dict[str, Any] = {}
        for snap in data.get(key, []):
            sid = snap.get(id_key) if isinstance(snap, dict) else None
            if isinstance(sid, str):
                got = acct.call(attr_spec, region, sid, **{param: sid})
                if got is not None:
                    out[sid] = got
        acct.write(f"rds/{region}/{attr_spec.file}", out)


def analyzers(acct: Account, region: str) -> None:
    _raw(acct, region, C.LIST_ANALYZERS)


def security_hub(acct: Account, region: str) -> None:
    _raw(acct, region, C.DESCRIBE_HUB)


AREA_TASKS: dict[str, Callable[[Account, str], None]] = {
    "cloudtrail": cloudtrail, "config": config, "rds": rds, "accessanalyzer": analyzers, "securityhub": security_hub,
}


def tasks(acct: Account, region: str, areas: frozenset[str]) -> list[Task]:
    return [Task(f"{area} {region}", partial(fn, acct, region)) for area, fn in AREA_TASKS.items()
            if area in areas]
