"""``parc serve`` as users run it, in its own process: exit 2 on bad snapshots and on a non-loopback address
without --allow-remote; the JSON access log on stderr; graceful shutdown on SIGTERM (a request in flight is
answered); --workers N processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from serve_fixtures import ROOT, free_port
from serve_http import request

from parc.cli.serve import is_loopback


def _argv(*args: str) -> list[str]:
    return [sys.executable, "-c", "from parc.cli.main import main; main()", "serve", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(*args), capture_output=True, text=True, env=_env(), timeout=120, check=False)


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = subprocess.Popen(_argv("--port", str(port), *args), env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if request(url, "GET", "/health", timeout=5)[0] == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"parc serve did not start: {proc.communicate()[1][-2000:]}") from None
                time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("host,expected", [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True),
                                           ("localhost", True), ("0.0.0.0", False), ("10.0.0.1", False),
                                           ("example.com", False), ("::", False)])
def test_loopback_addresses(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_non_loopback_host_needs_allow_remote() -> None:
    done = _run("--host", "0.0.0.0", "--port", "1")
    assert done.returncode == 2
    assert "--allow-remote" in done.stderr and "signatures" in done.stderr


def test_allow_remote_prints_the_warning_before_binding() -> None:
    # 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this machine: the bind fails, so nothing ever listens beyond
    # loopback, but the warning has been printed by then.
    done = _run("--host", "192.0.2.1", "--allow-remote", "--port", "1")
    assert "WARNING" in done.stderr and "NOT verified" in done.stderr and "192.0.2.1" in done.stderr
    assert done.returncode == 2 and "cannot listen on 192.0.2.1:1" in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = _run("--port", str(taken.getsockname()[1]))
    assert done.returncode == 2 and "cannot listen on 127.0.0.1:" in done.stderr and "Traceback" not in done.stderr


def test_unreadable_snapshot_exits_2_with_file_and_line(tmp_path: Path) -> None:
    account = tmp_path / "111122223333"
    account.mkdir()
    (account / "get-account-authorization-details.json").write_text('{"UserDetailList": [\n  {"UserName": }\n]}')
    done = _run("--account", str(tmp_path), "--port", "1")
    assert done.returncode == 2
    assert "get-account-authorization-details.json:2" in done.stderr
    assert "Traceback" not in done.stderr


def test_folder_without_snapshot_exits_2(tmp_path: Path) -> None:
    done = _run("--account", str(tmp_path), "--port", "1")
    assert done.returncode == 2 and "no get-account-authorization-details" in done.stderr


def test_sigterm_finishes_the_request_in_flight_and_logs_json() -> None:
    body = json.dumps({"policyDocument": "{}", "policyType": "IDENTITY_POLICY"}).encode()
    with serving("--account", str(ROOT / "examples/org/111122223333")) as (proc, url):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(b"POST /policy/validation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)  # the request is half sent: in flight
            time.sleep(0.5)
            sock.sendall(body[10:])
            reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
        # uvicorn drains, then re-raises the signal so that a supervisor sees the conventional status.
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
        err = proc.communicate()[1]
    lines = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    assert any(x["path"] == "/policy/validation" and x["status"] == 200 and x["operation"] == "ValidatePolicy"
               for x in lines)
    assert all({"time", "method", "path", "operation", "status", "duration_ms", "request_id"} <= set(x)
               for x in lines)


def test_workers_serve_and_stop() -> None:
    with serving("--workers", "2", "--no-validate") as (proc, url):
        for _ in range(4):
            status, _headers, body = request(url, "GET", "/health")
            assert status == 200 and json.loads(body)["snapshots_loaded"] == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM)
