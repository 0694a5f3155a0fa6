"""One moto server per test run (a free loopback port), one populated organization, collected once by the tests
that read the snapshot; every API call any collection makes is recorded through botocore's before-call event."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from moto_account import MEMBER_ROLE, REGIONS, Planted, answer_unemulated, populate

from parc.collect.run import Options, collect
from parc.collect.runner import Summary

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
       "AWS_CONFIG_FILE": "/nonexistent/parc-test-config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/parc-test"}


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


@pytest.fixture(scope="session")
def moto_env() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def moto(moto_env: None) -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    url = f"http://{host}:{port}"
    import boto3

    planted = populate(boto3.Session(region_name="us-east-1"), url)
    yield Moto(url, planted)
    server.stop()


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


@pytest.fixture(scope="session")
def org_snapshot(moto: Moto, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """The whole organization, two regions, every member through OrganizationAccountAccessRole."""
    out = tmp_path_factory.mktemp("collect") / "snapshot"
    summary = collect(moto.options(out, regions=REGIONS, org=True, member_role=MEMBER_ROLE))
    return Collected(out, summary, moto)


def copy_snapshot(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
