"""The real server for the serve tests: uvicorn in a thread on a free 127.0.0.1 port, one per snapshot set per run.

``serve_url`` is the base URL of a server loaded with ``examples/org/111122223333`` (or the folders named by a
``@pytest.mark.serve_accounts("examples/org", ...)`` marker on the test); ``boto3_client(service_name)`` gives a
real boto3 client pointed at it (dummy credentials, us-east-1, no retries so that every error shows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from serve_fixtures import DEFAULT_ACCOUNTS, RunningServer, start_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "serve_accounts(*dirs): the snapshot folders the test's server loads")


@pytest.fixture(scope="session")
def serve_servers() -> Iterator[Callable[[tuple[str, ...]], RunningServer]]:
    """Servers started on demand, one per set of snapshot folders, all stopped at the end of the run."""
    running: dict[tuple[str, ...], RunningServer] = {}

    def get(accounts: tuple[str, ...]) -> RunningServer:
        if accounts not in running:
            running[accounts] = start_server(accounts)
        return running[accounts]

    try:
        yield get
    finally:
        for server in running.values():
            server.stop()


@pytest.fixture
def serve_server(request: pytest.FixtureRequest,
                 serve_servers: Callable[[tuple[str, ...]], RunningServer]) -> RunningServer:
    marker = request.node.get_closest_marker("serve_accounts")
    accounts = tuple(marker.args) if marker is not None and marker.args else DEFAULT_ACCOUNTS
    return serve_servers(accounts)


@pytest.fixture
def serve_url(serve_server: RunningServer) -> str:
    return serve_server.url


@pytest.fixture
def boto3_client(serve_url: str) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="dummy",
                                    region_name="us-east-1")
    config = Config(retries={"total_max_attempts": 1}, read_timeout=120, connect_timeout=10)

    def make(service_name: str) -> Any:
        return session.client(service_name, endpoint_url=serve_url, config=config)  # type: ignore[call-overload]

    return make
