"""Request files for ``parc waf check``: one HTTP request (or a list under ``"requests"``) as JSON, into
``parc.core.waf.request.WafRequest``.

The format (parc's own; AWS has no request file):
``{"method": "GET", "uri": "/path?query", "headers": [["Host", "example.com"], ...] | {"Host": "..."},
"body": "text" | "body_base64": "...", "source_ip": "203.0.113.9", "country": "US", "ja3": "...", "ja4": "...",
"time": "2026-01-01T00:00:00Z" | 1767225600, "captcha_token": true, "challenge_token": true,
"resource": "APPLICATION_LOAD_BALANCER"}``. Headers as a list keep their order and repeats (AWS's Headers component
and HeaderOrder depend on both). Every wrong field is a located finding; a request missing its method or URI is
left out and said.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from parc.core.findings import Finding, FindingType, Position
from parc.core.waf.request import WafRequest
from parc.loaders.locate import locate
from parc.loaders.shape import Node, kind_of

CODE = "WAF_BAD_REQUEST"


def parse_time(value: object) -> float | None:
    """Epoch seconds from a number or an ISO 8601 text (``Z`` allowed); None when neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value and abs(value) < 1e13 else None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError):
            return None
    return None


def read_request(data: dict[str, Any], file: str, path: str, findings: list[Finding]) -> WafRequest | None:
    def report(f: str, p: str, message: str) -> None:
        findings.append(Finding(CODE, FindingType.ERROR, message, p, None, f))

    n = Node(data, file, path, report)
    method = n.text("method", "request left out")
    uri = n.text("uri", "request left out")
    if method is None or uri is None:
        report(file, path, f"{path or 'request'}: a request needs a method and a uri: left out")
        return None
    uri = uri.split("#", 1)[0]
    upath, _, query = uri.partition("?")
    headers: list[tuple[str, str]] = []
    raw_headers = data.get("headers")
    if isinstance(raw_headers, dict):
        for k, v in raw_headers.items():
            if isinstance(v, str):
                headers.append((k, v))
            elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                headers.extend((k, x) for x in v)
            else:
                report(file, n.at(f"headers.{k}"), f"{n.at('headers')}.{k} should be a string: skipped")
    elif isinstance(raw_headers, list):
        for i, h in enumerate(raw_headers):
            if isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h):
                headers.append((h[0], h[1]))
            elif isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str):
                headers.append((h["name"], h["value"]))
            else:
                report(file, f"{n.at('headers')}[{i}]", f"{n.at('headers')}[{i}] should be [name, value]: skipped")
    elif raw_headers is not None:
        n.wrong("headers", "a list of [name, value] or an object", raw_headers)
    body = b""
    b64 = n.text("body_base64")
    if b64 is not None:
        try:
            body = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            report(file, n.at("body_base64"), f"{n.at('body_base64')} is not Base64: the body is taken as empty")
    else:
        text = n.text("body")
        body = text.encode("utf-8", "surrogatepass") if text else b""
    time = None
    if data.get("time") is not None:
        time = parse_time(data.get("time"))
        if time is None:
            n.wrong("time", "epoch seconds or an ISO 8601 time", data.get("time"))
    country = n.text("country")
    return WafRequest(method, upath, query, tuple(headers), body, n.text("source_ip"),
                      country.upper() if country else None, n.text("ja3"), n.text("ja4"), time,
                      n.flag("captcha_token"), n.flag("challenge_token"), n.text("resource"))


def load_requests(path: str | Path) -> tuple[list[WafRequest], list[Finding]]:
    """The request(s) of a JSON request file, and the problems met (located); nothing raises."""
    file = str(path)
    findings: list[Finding] = []
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        return [], [Finding(CODE, FindingType.ERROR, f"{file} is not valid JSON: {exc.msg}", "",
                            Position(exc.lineno, exc.colno), file)]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return [], [Finding(CODE, FindingType.ERROR, f"{file} could not be read: {type(exc).__name__}", "", None,
                            file)]
    out: list[WafRequest] = []
    if isinstance(data, dict) and isinstance(data.get("requests"), list):
        for i, item in enumerate(data["requests"]):
            if isinstance(item, dict):
                r = read_request(item, file, f"requests[{i}]", findings)
                if r is not None:
                    out.append(r)
            else:
                findings.append(Finding(CODE, FindingType.ERROR, f"requests[{i}] should be an object, found "
                                        f"{kind_of(item)}: left out", f"requests[{i}]", None, file))
    elif isinstance(data, dict):
        r = read_request(data, file, "", findings)
        if r is not None:
            out.append(r)
    else:
        findings.append(Finding(CODE, FindingType.ERROR, f"{file} should hold a request object, found "
                                f"{kind_of(data)}", "", Position(1, 1), file))
    locate(findings)
    return out, findings
