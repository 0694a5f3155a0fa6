"""The real server in a thread for tests and benchmarks (the fixtures in conftest.py and the fuzz test use it)."""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ACCOUNTS = ("examples/org/111122223333",)


def free_port() -> int:
    """A port free now (for a server in another process; the in-process server keeps its bound socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    """A uvicorn server in a daemon thread; ``stop`` asks it to exit (it finishes in-flight requests) and joins."""

    def __init__(self, app: Any, log: io.StringIO) -> None:
        import uvicorn

        # Bound here and handed to uvicorn: no window in which another process could take the port.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.log = log
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=10)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name=f"parc-serve-{self.port}", daemon=True)
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
        self.sock.close()


def start_server(accounts: tuple[str, ...], **app_options: Any) -> RunningServer:
    from parc.server.app import create_app
    from parc.server.state import StateHolder, load_state

    paths = [str(ROOT / a) for a in accounts]
    holder = StateHolder(load_state(paths), paths)
    log = io.StringIO()
    return RunningServer(create_app(holder, log_stream=log, **app_options), log)
