"""Request corpora for ``parc waf test``: HAR files, ALB access logs and CloudFront standard logs, into
``WafRequest``s with their times (for rate-based rules), detected by content.

* HAR 1.2 (a browser's or proxy's export): ``log.entries[].request`` with method, url, headers, postData, and
  ``startedDateTime``; complete requests, but HAR does not record the client IP (``--client-ip`` gives one).
* ALB access logs (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html):
  space-separated, quoted fields; field 2 the time, 4 ``client:port``, 13 the request line, 14 the user agent.
* CloudFront standard logs (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html):
  W3C, tab-separated, columns named by the ``#Fields:`` line; ``cs(User-Agent)``, ``cs(Cookie)`` ... URL-encoded.

A log keeps no body and few headers: each such request says what it recorded (``WafRequest.recorded``), so a rule
on anything else is reported as not evaluated, never as "no match". A line that cannot be read is a located finding
(file, line) and is left out, never silently skipped. Gzip-compressed logs (``.gz``) are read as they are delivered.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from parc.core.findings import Finding, FindingType, Position
from parc.core.waf.request import WafRequest
from parc.loaders.waf_request import parse_time

CODE = "WAF_BAD_TRAFFIC"
_ALB_FIELD = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')
_LOG_RECORDED = frozenset({"UriPath", "QueryString", "SingleQueryArgument", "AllQueryArguments", "Method",
                           "header:user-agent", "header:host"})


def _bad(file: str, line: int, message: str) -> Finding:
    return Finding(CODE, FindingType.ERROR, message, "", Position(line, 1), file)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8-sig", errors="replace")


def _split_target(target: str) -> tuple[str, str, str | None] | None:
    """(path, query, host) of a request target: an absolute URL (ALB, HAR) or an origin-form path; None when it is
    not a URL at all (an unbalanced IPv6 bracket in the host, say): the caller says so and leaves the entry out."""
    if "://" in target:
        try:
            parts = urlsplit(target)
            return parts.path or "/", parts.query, parts.hostname
        except ValueError:
            return None
    path, _, query = target.partition("?")
    return path or "/", query, None


def read_har(data: dict[str, Any], file: str, client_ip: str | None) -> tuple[list[WafRequest], list[Finding]]:
    out: list[WafRequest] = []
    findings: list[Finding] = []
    log = data.get("log")
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        return [], [Finding(CODE, FindingType.ERROR, f"{file}: a HAR file needs log.entries (a list)", "log.entries",
                            Position(1, 1), file)]
    for i, e in enumerate(entries):
        where = f"log.entries[{i}]"
        req = e.get("request") if isinstance(e, dict) else None
        if not isinstance(req, dict) or not isinstance(req.get("method"), str) or not isinstance(req.get("url"), str):
            findings.append(Finding(CODE, FindingType.ERROR, f"{where}: no request with a method and a url: left out",
                                    where, None, file))
            continue
        split = _split_target(req["url"])
        if split is None:
            findings.append(Finding(CODE, FindingType.ERROR, f"{where}: the url is not a URL: left out", where, None,
                                    file))
            continue
        path, query, _ = split
        headers = [(h["name"], h["value"]) for h in req.get("headers") or []
                   if isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)]
        post = req.get("postData")
        body = post.get("text", "").encode("utf-8", "surrogatepass") if isinstance(post, dict) and isinstance(
            post.get("text"), str) else b""
        when = parse_time(e.get("startedDateTime")) if isinstance(e, dict) else None
        out.append(WafRequest(req["method"], path, query, tuple(headers), body, client_ip, time=when))
    return out, findings


def read_alb(text: str, file: str) -> tuple[list[WafRequest], list[Finding]]:
    out: list[WafRequest] = []
    findings: list[Finding] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = _ALB_FIELD.findall(line)
        if len(fields) < 14 or not fields[12].startswith('"'):
            findings.append(_bad(file, n, f"{file}:{n}: not an ALB access log entry (too few fields): left out"))
            continue
        request_line = fields[12].strip('"').split(" ")
        if len(request_line) < 2 or request_line[0] == "-":
            findings.append(_bad(file, n, f"{file}:{n}: no HTTP request line (a TCP or failed connection): left out"))
            continue
        split = _split_target(request_line[1])
        if split is None:
            findings.append(_bad(file, n, f"{file}:{n}: the request's URL is not a URL: left out"))
            continue
        path, query, host = split
        client = fields[3].rsplit(":", 1)[0] if fields[3] != "-" else None
        agent = fields[13].strip('"')
        headers = [("Host", host)] if host else []
        if agent and agent != "-":
            headers.append(("User-Agent", agent))
        out.append(WafRequest(request_line[0], path, query, tuple(headers), b"", client, time=parse_time(fields[1]),
                              resource="APPLICATION_LOAD_BALANCER", recorded=_LOG_RECORDED))
    return out, findings


def read_cloudfront(text: str, file: str) -> tuple[list[WafRequest], list[Finding]]:
    out: list[WafRequest] = []
    findings: list[Finding] = []
    columns: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#Fields:"):
            columns = line[len("#Fields:"):].split()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        values = line.split("\t")
        if not columns or len(values) != len(columns):
            findings.append(_bad(file, n, f"{file}:{n}: {len(values)} fields where the #Fields line names "
                                 f"{len(columns)}: left out"))
            continue
        row = dict(zip(columns, values, strict=True))
        method, stem = row.get("cs-method", "-"), row.get("cs-uri-stem", "-")
        if method == "-" or stem == "-":
            findings.append(_bad(file, n, f"{file}:{n}: no method or URI: left out"))
            continue
        when = None
        if row.get("date") and row.get("time"):
            try:
                when = datetime.fromisoformat(f"{row['date']}T{row['time']}").replace(tzinfo=UTC).timestamp()
            except ValueError:
                findings.append(_bad(file, n, f"{file}:{n}: unreadable date/time: the request has no time"))
        headers: list[tuple[str, str]] = []
        recorded = set(_LOG_RECORDED)
        host = row.get("cs(Host)") or row.get("x-host-header")
        if host and host != "-":
            headers.append(("Host", host))
        agent = row.get("cs(User-Agent)")
        if agent and agent != "-":
            headers.append(("User-Agent", unquote(unquote(agent))))
        referer = row.get("cs(Referer)")
        if referer is not None:
            recorded.add("header:referer")
            if referer != "-":
                headers.append(("Referer", unquote(referer)))
        cookie = row.get("cs(Cookie)")
        if cookie is not None and cookie != "-":
            headers.append(("Cookie", unquote(cookie)))
            recorded.update({"Cookies", "header:cookie"})
        xff = row.get("x-forwarded-for")
        if xff is not None:
            recorded.add("header:x-forwarded-for")
            if xff != "-":
                headers.append(("X-Forwarded-For", xff))
        query = row.get("cs-uri-query", "-")
        client = row.get("c-ip")
        out.append(WafRequest(method, stem, "" if query == "-" else query, tuple(headers), b"",
                              client if client and client != "-" else None, time=when, resource="CLOUDFRONT",
                              recorded=frozenset(recorded)))
    if not columns and not findings:
        findings.append(_bad(file, 1, f"{file}: no #Fields line: not a CloudFront standard log"))
    return out, findings


def load_traffic(path: str | Path, client_ip: str | None = None) -> tuple[list[WafRequest], list[Finding], str]:
    """The requests of one corpus file, the problems met, and the format detected (har, alb, cloudfront, json)."""
    file = str(path)
    try:
        text = _read_text(Path(path))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return [], [Finding(CODE, FindingType.ERROR, f"{file} could not be read: {type(exc).__name__}", "", None,
                            file)], "?"
    head = text.lstrip()[:1]
    if head == "{":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            line = getattr(exc, "lineno", 1)
            return [], [_bad(file, line, f"{file} is not valid JSON: {str(exc)[:120]}")], "?"
        if isinstance(data, dict) and "log" in data:
            reqs, found = read_har(data, file, client_ip)
            return reqs, found, "har"
        from parc.loaders.waf_request import load_requests

        reqs, found = load_requests(path)
        return reqs, found, "json"
    if text.startswith("#Version") or "#Fields:" in text[:2000]:
        reqs, found = read_cloudfront(text, file)
        return reqs, found, "cloudfront"
    reqs, found = read_alb(text, file)
    return reqs, found, "alb"
