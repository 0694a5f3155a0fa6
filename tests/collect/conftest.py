"""One moto server per test run (a free loopback port), one populated organization, collected once by the tests
that read the snapshot; every API call any collection makes is recorded (``Moto.record``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from collect_fixtures import ENV, Collected, Moto
from moto_account import MEMBER_ROLE, REGIONS, populate

from parc.collect.run import collect


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


@pytest.fixture(scope="session")
def org_snapshot(moto: Moto, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """The whole organization, two regions, every member through OrganizationAccountAccessRole."""
    out = tmp_path_factory.mktemp("collect") / "snapshot"
    summary = collect(moto.options(out, regions=REGIONS, org=True, member_role=MEMBER_ROLE))
    return Collected(out, summary, moto)
