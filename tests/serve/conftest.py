"""The real server for the serve tests: uvicorn in a thread on a free 127.0.0.1 port, one per snapshot set per run.

``serve_url`` is the base URL of a server loaded with ``examples/org/111122223333`` (or the folders named by a
``@pytest.mark.serve_accounts("examples/org", ...)`` marker on the test); ``boto3_client(service_name)`` gives a
real boto3 client pointed at it (dummy credentials, us-east-1, no retries so that every error shows).
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ACCOUNTS = ("examples/org/111122223333",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "serve_accounts(*dirs): the snapshot folders the test's server loads")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    """A uvicorn server in a daemon thread; ``stop`` asks it to exit (it finishes in-flight requests) and joins."""

    def __init__(self, app: Any, log: io.StringIO) -> None:
        import uvicorn

        self.port = free_port()
        self.log = log
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=10)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"parc-serve-{self.port}", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("parc serve test server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_server(accounts: tuple[str, ...], **app_options: Any) -> RunningServer:
    from parc.server.app import create_app
    from parc.server.state import StateHolder, load_state

    paths = [str(ROOT / a) for a in accounts]
    holder = StateHolder(load_state(paths), paths)
    log = io.StringIO()
    return RunningServer(create_app(holder, log_stream=log, **app_options), log)


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
