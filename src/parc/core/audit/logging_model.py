"""What the logging and detection checks read of one account, per region (``parc.loaders.logging_files`` builds it
from ``parc collect``'s ``cloudtrail/``, ``config/``, ``accessanalyzer/``, ``securityhub/`` folders and
``ec2/REGION/describe-flow-logs.json``).

Every per-region map holds only the regions whose file was read: a region of ``regions`` missing from a map is
"not checked" for that service, never "fine". ``None`` for a whole service means the snapshot has none of its files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.audit.trail_selectors import Coverage


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    path: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Trail:
    arn: str
    name: str
    home_region: str
    multi_region: bool
    organization: bool
    log_validation: bool
    kms_key: str | None
    bucket: str | None
    logging: bool | None
    """get-trail-status' IsLogging (None: the status was not read)."""
    coverage: Coverage | None
    """What its event selectors record (None: they were not read)."""
    where: Where


@dataclass(frozen=True)
class ConfigRegion:
    recorders: tuple[tuple[str, bool], ...]
    """(name, records every supported resource type) per configuration recorder."""
    recording: dict[str, bool]
    """Recorder name -> recording, from describe-configuration-recorder-status (absent: no status read)."""
    channels: int
    where: Where


@dataclass(frozen=True)
class FlowLog:
    id: str
    resource: str
    active: bool
    traffic: str


@dataclass(frozen=True)
class LoggingSnapshot:
    regions: tuple[str, ...]
    """The regions collected (collection.json's ``regions``, else the region folders found)."""
    trails: tuple[Trail, ...] | None = None
    trail_regions: tuple[str, ...] = ()
    """The regions whose describe-trails was read."""
    config: dict[str, ConfigRegion] | None = None
    analyzers: dict[str, tuple[tuple[str, str, str], ...]] | None = None
    """Region -> (arn, type, status) of each analyzer."""
    hubs: dict[str, str | None] | None = None
    """Region -> the hub's ARN (None: Security Hub not enabled there)."""
    flow_logs: dict[str, tuple[FlowLog, ...]] | None = None
    bucket_logging: dict[str, bool] = field(default_factory=dict)
    """Bucket name -> server access logging on (from s3/BUCKET/get-bucket-logging.json)."""
    files: dict[str, str] = field(default_factory=dict)
    """``service/region`` -> the file read, for evidence."""
