"""Structured access logs: one JSON line per request on stderr (time, method, path, operation, status, duration
in ms, request id), written by a pure ASGI middleware that also gives every response its ``x-amzn-RequestId``."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPERATION = "parc.operation"
REQUEST_ID = "parc.request_id"


class AccessLog:
    """Wraps the app: assigns the request id (kept in ``scope["state"]``), stamps the header, logs the line."""

    def __init__(self, app: ASGIApp, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.app = app
        self.stream = stream
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state[REQUEST_ID] = request_id
        status = 0
        logged = False

        def log_once() -> None:
            nonlocal logged
            if self.enabled and not logged:
                logged = True
                self._log(scope, state, status, start, str(state.get(REQUEST_ID, request_id)))

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # Logged before the last byte goes out: a client that reads the log after its answer finds the line.
                log_once()
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-amzn-requestid"]
                rid = next((v for k, v in message.get("headers", []) if k.lower() == b"x-amzn-requestid"), None)
                headers.append((b"x-amzn-RequestId", rid or request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_once()  # an answer that never finished (the client left, the app failed) is logged too

    def _log(self, scope: Scope, state: MutableMapping[str, Any], status: int, start: float,
             request_id: str) -> None:
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": scope.get("method"),
            "path": scope.get("path"),
            "operation": state.get(OPERATION),
            "status": status,
            "duration_ms": round((time.perf_counter() - start) * 1000, 3),
            "request_id": request_id,
        }
        stream = self.stream or sys.stderr
        try:
            stream.write(json.dumps(line) + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed stderr must not fail the request
