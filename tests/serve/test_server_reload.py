"""--reload-on-change: the server picks up a changed snapshot without dropping a request, keeps the old state
when the new files cannot be read (saying so in /health), and recovers when they are fixed."""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from serve_fixtures import ROOT, RunningServer
from serve_http import request

EXPORT = "get-account-authorization-details.json"


def _health(url: str) -> dict[str, Any]:
    status, _headers, body = request(url, "GET", "/health")
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def _wait(url: str, until: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        data = _health(url)
        if until(data) or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


def test_reload_swaps_state_without_dropping_requests(tmp_path: Path) -> None:
    from parc.server.app import create_app
    from parc.server.reload import reloading_lifespan
    from parc.server.state import StateHolder, load_state

    snap = tmp_path / "snap"
    shutil.copytree(ROOT / "examples/org/111122223333", snap / "111122223333")
    paths = [str(snap)]
    holder = StateHolder(load_state(paths), paths)
    log = io.StringIO()
    app = create_app(holder, log_stream=log, lifespan=reloading_lifespan(holder, 0.1, log))
    server = RunningServer(app, log)
    failures: list[str] = []
    stop = threading.Event()
    body = json.dumps({"policyDocument": "{}", "policyType": "IDENTITY_POLICY"}).encode()

    def hammer() -> None:
        while not stop.is_set():
            status, _h, _b = request(server.url, "POST", "/policy/validation", body,
                                     {"Content-Type": "application/json"})
            if status != 200:
                failures.append(str(status))

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        assert _health(server.url)["accounts"] == ["111122223333"]
        # Copied beside the snapshot and renamed into it: a new account appears whole, as a deploy would publish it
        # (a copy in progress is a different question, answered by the half-written export below).
        shutil.copytree(ROOT / "examples/org/444455556666", tmp_path / "staging")
        (tmp_path / "staging").rename(snap / "444455556666")
        data = _wait(server.url, lambda d: len(d["accounts"]) == 2)
        assert data["accounts"] == ["111122223333", "444455556666"] and data["generation"] >= 1
        assert "last_reload_error" not in data

        export = snap / "444455556666" / EXPORT
        good = export.read_text()
        export.write_text(good[: len(good) // 2])  # a half-written export
        data = _wait(server.url, lambda d: "last_reload_error" in d)
        assert "could not be read" in data["last_reload_error"]
        assert data["accounts"] == ["111122223333", "444455556666"]
        served = data["generation"]

        export.write_text(good)
        data = _wait(server.url, lambda d: d["generation"] > served)
        assert "last_reload_error" not in data
    finally:
        stop.set()
        worker.join()
        server.stop()
    assert failures == []
    events = [json.loads(x) for x in log.getvalue().splitlines() if '"event"' in x]
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "reloaded" and "reload_failed" in kinds
