"""What the collect tests share besides their fixtures (conftest.py): the moto server's handle, which records every
API call a collection makes, and the collected snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto_account import REGIONS, Planted, answer_unemulated

from parc.collect.run import Options
from parc.collect.runner import Summary

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
       "AWS_CONFIG_FILE": "/nonexistent/parc-test-config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/parc-test",
       # moto's bundled AMIs come with ~1,400 snapshots owned by the test account, which DescribeSnapshots
       # OwnerIds=self would list (real AWS would not): without them the account holds only the planted snapshot.
       "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}


@dataclass
class Moto:
    url: str
    planted: Planted
    recorded: set[tuple[str, str]] = field(default_factory=set)
    """Every (service, operation) a collection sent, from botocore's before-call event."""

    def record(self, service: str, operation: str) -> None:
        self.recorded.add((service, operation))

    def session(self) -> Any:
        import boto3

        return boto3.Session(region_name="us-east-1")

    def options(self, out: Path, **kw: Any) -> Options:
        base: dict[str, Any] = {"endpoint_url": self.url, "session": self.session(), "observer": self.record,
                                "sleep": lambda _: None, "max_attempts": 2, "client_hook": answer_unemulated,
                                "regions": REGIONS[:1]}
        base.update(kw)
        return Options(out, **base)


@dataclass
class Collected:
    out: Path
    summary: Summary
    moto: Moto

    @property
    def mgmt(self) -> Path:
        return self.out / "123456789012"

    @property
    def member(self) -> Path:
        return self.out / self.moto.planted.member
