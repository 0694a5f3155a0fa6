"""Raw HTTP for the serve tests: requests the SDKs would never send (bad bodies, odd paths, slow uploads)."""

from __future__ import annotations

import http.client
from email.message import Message
from urllib.parse import urlsplit


def request(url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
            timeout: float = 60) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of one request."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()
