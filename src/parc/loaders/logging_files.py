"""The logging and detection files ``parc collect`` writes in an account folder, read into
``parc.core.audit.logging_model``: ``cloudtrail/REGION/{describe-trails,get-trail-status,get-event-selectors}.json``,
``config/REGION/describe-configuration-recorders.json`` (+ ``-status``, ``describe-delivery-channels.json``),
``accessanalyzer/REGION/list-analyzers.json``, ``securityhub/REGION/describe-hub.json`` (``{}``: not enabled),
``ec2/REGION/describe-flow-logs.json``, and ``s3/BUCKET/get-bucket-logging.json``.

The regions are collection.json's ``regions`` (what was asked for), else the region folders found. A file that is
not the expected shape is a located finding and its region is left out (the check then says "not checked" for it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parc.core.audit.logging_model import ConfigRegion, FlowLog, LoggingSnapshot, Trail, Where
from parc.core.audit.trail_selectors import coverage
from parc.core.findings import Finding
from parc.loaders.account.jsonfile import load_error, read_json

CODE = "AUDIT_INPUT_UNREADABLE"
SERVICES = ("cloudtrail", "config", "accessanalyzer", "securityhub")


def _regions(folder: Path) -> tuple[str, ...]:
    file = folder / "collection.json"
    if file.is_file():
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
            regions = data.get("regions") if isinstance(data, dict) else None
            if isinstance(regions, list) and all(isinstance(r, str) for r in regions) and regions:
                return tuple(regions)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            pass  # load_collection reports it
    found: set[str] = set()
    for service in (*SERVICES, "ec2"):
        d = folder / service
        if d.is_dir():
            found.update(p.name for p in d.iterdir() if p.is_dir())
    return tuple(sorted(found))


def _read(file: Path, key: str | None, problems: list[Finding]) -> dict[str, Any] | None:
    """The file's object (with ``key`` a list when given), or None with a finding."""
    data, err = read_json(file)
    if err is not None:
        problems.append(err)
        return None
    if not isinstance(data, dict) or (key is not None and key in data and not isinstance(data[key], list)):
        problems.append(load_error(CODE, f"{file.name}: expected an object"
                                   + (f" with a \"{key}\" list" if key else "") + "; the region is not checked", file))
        return None
    return data


def _region_files(folder: Path, service: str, name: str) -> list[tuple[str, Path]]:
    d = folder / service
    if not d.is_dir():
        return []
    return sorted((p.name, p / name) for p in d.iterdir() if p.is_dir() and (p / name).is_file())


def _trails(folder: Path, problems: list[Finding]) -> tuple[tuple[Trail, ...] | None, tuple[str, ...]]:
    files = _region_files(folder, "cloudtrail", "describe-trails.json")
    if not files:
        return None, ()
    trails: list[Trail] = []
    read: list[str] = []
    for region, file in files:
        data = _read(file, "trailList", problems)
        if data is None:
            continue
        read.append(region)
        status = _read(file.parent / "get-trail-status.json", None, problems) \
            if (file.parent / "get-trail-status.json").is_file() else None
        selectors = _read(file.parent / "get-event-selectors.json", None, problems) \
            if (file.parent / "get-event-selectors.json").is_file() else None
        for i, t in enumerate(data.get("trailList") or []):
            if not isinstance(t, dict) or not isinstance(t.get("TrailARN"), str):
                problems.append(load_error(CODE, "a trail needs a \"TrailARN\"; it is left out", file,
                                           f"trailList[{i}]"))
                continue
            arn = t["TrailARN"]
            st = status.get(arn) if status is not None else None
            sel = selectors.get(arn) if selectors is not None else None
            custom = t.get("HasCustomEventSelectors")
            trails.append(Trail(
                arn, str(t.get("Name") or arn), str(t.get("HomeRegion") or region),
                t.get("IsMultiRegionTrail") is True, t.get("IsOrganizationTrail") is True,
                t.get("LogFileValidationEnabled") is True, str(t["KmsKeyId"]) if t.get("KmsKeyId") else None,
                str(t["S3BucketName"]) if t.get("S3BucketName") else None,
                st.get("IsLogging") is True if isinstance(st, dict) else None,
                coverage(sel, custom if isinstance(custom, bool) else None) if isinstance(sel, dict) else None,
                Where(str(file), f"trailList[{i}]")))
    return tuple(trails), tuple(read)


def _config(folder: Path, problems: list[Finding]) -> dict[str, ConfigRegion] | None:
    files = _region_files(folder, "config", "describe-configuration-recorders.json")
    if not files:
        return None
    out: dict[str, ConfigRegion] = {}
    for region, file in files:
        rec = _read(file, "ConfigurationRecorders", problems)
        status_file = file.parent / "describe-configuration-recorder-status.json"
        channel_file = file.parent / "describe-delivery-channels.json"
        if not status_file.is_file() or not channel_file.is_file():
            continue
        status = _read(status_file, "ConfigurationRecordersStatus", problems)
        channels = _read(channel_file, "DeliveryChannels", problems)
        if rec is None or status is None or channels is None:
            continue
        recorders = []
        for r in rec.get("ConfigurationRecorders") or []:
            if not isinstance(r, dict):
                continue
            group = r.get("recordingGroup")
            group = group if isinstance(group, dict) else {}
            strategy = group.get("recordingStrategy")
            strategy = strategy if isinstance(strategy, dict) else {}
            all_types = group.get("allSupported") is True and strategy.get("useOnly") in (
                None, "ALL_SUPPORTED_RESOURCE_TYPES")
            recorders.append((str(r.get("name") or "default"), all_types))
        recording = {str(s.get("name") or "default"): s.get("recording") is True
                     for s in status.get("ConfigurationRecordersStatus") or [] if isinstance(s, dict)}
        n = len([c for c in channels.get("DeliveryChannels") or [] if isinstance(c, dict)])
        out[region] = ConfigRegion(tuple(recorders), recording, n, Where(str(file)))
    return out


def _analyzers(folder: Path, problems: list[Finding]) -> dict[str, tuple[tuple[str, str, str], ...]] | None:
    files = _region_files(folder, "accessanalyzer", "list-analyzers.json")
    if not files:
        return None
    out = {}
    for region, file in files:
        data = _read(file, "analyzers", problems)
        if data is not None:
            out[region] = tuple((str(x.get("arn") or x.get("name")), str(x.get("type", "")), str(x.get("status", "")))
                                for x in data.get("analyzers") or [] if isinstance(x, dict))
    return out


def _hubs(folder: Path, problems: list[Finding]) -> dict[str, str | None] | None:
    files = _region_files(folder, "securityhub", "describe-hub.json")
    if not files:
        return None
    out: dict[str, str | None] = {}
    for region, file in files:
        data = _read(file, None, problems)
        if data is not None:
            arn = data.get("HubArn")
            out[region] = str(arn) if isinstance(arn, str) and arn else None
    return out


def _flow_logs(folder: Path, problems: list[Finding]) -> dict[str, tuple[FlowLog, ...]] | None:
    files = _region_files(folder, "ec2", "describe-flow-logs.json")
    if not files:
        return None
    out = {}
    for region, file in files:
        data = _read(file, "FlowLogs", problems)
        if data is not None:
            out[region] = tuple(FlowLog(str(f.get("FlowLogId", "")), str(f.get("ResourceId", "")),
                                        f.get("FlowLogStatus", "ACTIVE") == "ACTIVE", str(f.get("TrafficType", "")))
                                for f in data.get("FlowLogs") or [] if isinstance(f, dict))
    return out


def _bucket_logging(folder: Path, problems: list[Finding]) -> dict[str, bool]:
    d = folder / "s3"
    out: dict[str, bool] = {}
    if not d.is_dir():
        return out
    for sub in sorted(p for p in d.iterdir() if p.is_dir()):
        file = sub / "get-bucket-logging.json"
        if file.is_file():
            data = _read(file, None, problems)
            if data is not None:
                out[sub.name] = isinstance(data.get("LoggingEnabled"), dict)
    return out


def load_logging(folder: Path) -> tuple[LoggingSnapshot | None, list[Finding]]:
    """The account's logging files (None: it has none of them)."""
    problems: list[Finding] = []
    trails, trail_regions = _trails(folder, problems)
    config = _config(folder, problems)
    analyzers = _analyzers(folder, problems)
    hubs = _hubs(folder, problems)
    flow = _flow_logs(folder, problems)
    if trails is None and config is None and analyzers is None and hubs is None and flow is None:
        return None, problems
    files: dict[str, str] = {}
    for service, name, key in (("accessanalyzer", "list-analyzers.json", "accessanalyzer"),
                               ("securityhub", "describe-hub.json", "securityhub"),
                               ("ec2", "describe-flow-logs.json", "flowlogs")):
        for region, file in _region_files(folder, service, name):
            files[f"{key}/{region}"] = str(file)
    return LoggingSnapshot(_regions(folder), trails, trail_regions, config, analyzers, hubs, flow,
                           _bucket_logging(folder, problems), files), problems
