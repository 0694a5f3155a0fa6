"""One local Dask cluster for the --scheduler tests: 2 worker processes on 127.0.0.1, started once per session and
always closed. Its address is what a user passes as ``--scheduler tcp://HOST:PORT``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def dask_address() -> Iterator[str]:
    distributed = pytest.importorskip("distributed", reason="the dev extra installs dask[distributed]")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0", scheduler_port=0, protocol="tcp://")
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()
