"""The request components a statement inspects (FieldToMatch), with AWS's size limits and oversize handling.

https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html lists the components;
https://docs.aws.amazon.com/waf/latest/developerguide/waf-oversize-request-components.html the limits: AWS sees at
most the first 200 headers and 8 KB of them (the same for cookies), and the first 8 KB (ALB, AppSync) or 16 KB
(CloudFront, API Gateway, Cognito, App Runner, Verified Access; raised to 64 KB in AssociationConfig) of the body.
A single header is inspected whole. What a component yields is a list of values (one for most, several for
headers, cookies, query arguments and JSON elements): a statement matches when any value matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from parc.core.waf.model import BODY_LIMITS, FieldToMatch, WebAcl
from parc.core.waf.request import WafRequest

HEADER_COUNT_LIMIT = 200
HEADER_BYTES_LIMIT = 8 * 1024
COOKIE_COUNT_LIMIT = 200
COOKIE_BYTES_LIMIT = 8 * 1024


@dataclass(slots=True)
class Inspected:
    """What one component yields for one request."""

    values: list[tuple[str, bytes]] = field(default_factory=list)
    """(where, value): ``where`` names the item (``header user-agent``, ``json /a/b``) for the explanation."""
    forced: bool | None = None
    """Set when oversize handling or a fallback behaviour decides the statement without inspecting (MATCH/NO_MATCH)."""
    notes: list[str] = field(default_factory=list)
    unrecorded: bool = False
    """The request's source did not record the component (an access log): the statement is not evaluated."""


def body_limit(acl: WebAcl | None, request: WafRequest) -> tuple[int, str]:
    """The body inspection limit for the request's resource type, and a note when the type was assumed."""
    resource = request.resource
    note = ""
    if resource is None:
        resource = "CLOUDFRONT" if acl is not None and acl.scope == "CLOUDFRONT" else "APPLICATION_LOAD_BALANCER"
        note = f"resource type not given: body limit of {resource} assumed"
    configured = dict(acl.body_limits) if acl is not None else {}
    limit = configured.get(resource, BODY_LIMITS.get(resource, 8 * 1024))
    return limit, note


def _name_selected(name: str, f: FieldToMatch, fold: bool = True) -> bool:
    p = f.pattern
    key = name.lower() if fold else name
    if p.included:
        return key in {i.lower() if fold else i for i in p.included}
    if p.excluded:
        return key not in {e.lower() if fold else e for e in p.excluded}
    return True


def _keyed(items: list[tuple[str, str]], f: FieldToMatch, what: str) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for name, value in items:
        if f.scope in ("KEY", "ALL"):
            out.append((f"{what} key {name}", name.encode("utf-8", "surrogateescape")))
        if f.scope in ("VALUE", "ALL"):
            out.append((f"{what} {name}", value.encode("utf-8", "surrogateescape")))
    return out


def _oversize(ins: Inspected, f: FieldToMatch, why: str) -> bool:
    """Apply OversizeHandling; True when the statement is decided without inspection."""
    ins.notes.append(f"{why}: OversizeHandling {f.oversize}")
    if f.oversize == "MATCH":
        ins.forced = True
        return True
    if f.oversize == "NO_MATCH":
        ins.forced = False
        return True
    return False


def _forwarded_headers(request: WafRequest) -> tuple[list[tuple[str, str]], bool]:
    """The headers AWS receives (first 200, first 8 KB, counting ``name: value`` with CRLF) and whether any were
    cut. How AWS counts the 8 KB is not documented; parc counts each header's name, value and 4 separator bytes."""
    kept: list[tuple[str, str]] = []
    size = 0
    for i, (k, v) in enumerate(request.headers):
        size += len(k.encode("utf-8", "surrogateescape")) + len(v.encode("utf-8", "surrogateescape")) + 4
        if i >= HEADER_COUNT_LIMIT or size > HEADER_BYTES_LIMIT:
            return kept, True
        kept.append((k, v))
    return kept, False


def inspect(f: FieldToMatch, request: WafRequest, acl: WebAcl | None) -> Inspected:
    """The values of component ``f`` in ``request`` (before text transformations)."""
    ins = Inspected()
    kind = f.kind
    if not request.records(kind, f.name):
        ins.unrecorded = True
        ins.notes.append(f"the request's source does not record {kind}{' ' + f.name if f.name else ''}")
        return ins
    if kind == "UriPath":
        ins.values.append(("uri path", request.uri_path.encode("utf-8", "surrogateescape")))
    elif kind == "QueryString":
        ins.values.append(("query string", request.query_string.encode("utf-8", "surrogateescape")))
    elif kind == "Method":
        ins.values.append(("method", request.method.encode("utf-8", "surrogateescape")))
    elif kind == "SingleHeader":
        name = (f.name or "").lower()
        for v in request.header_values(name):
            ins.values.append((f"header {name}", v.encode("utf-8", "surrogateescape")))
        if not ins.values:
            ins.notes.append(f"header {name} absent")
    elif kind == "SingleQueryArgument":
        name = (f.name or "").lower()
        for k, v in request.query_args():
            if k.lower() == name:
                ins.values.append((f"query argument {k}", v.encode("utf-8", "surrogateescape")))
        if not ins.values:
            ins.notes.append(f"query argument {name} absent")
    elif kind == "AllQueryArguments":
        for k, v in request.query_args():
            ins.values.append((f"query argument {k}", v.encode("utf-8", "surrogateescape")))
    elif kind in ("Headers", "HeaderOrder"):
        kept, cut = _forwarded_headers(request)
        if cut and _oversize(ins, f, f"more than {HEADER_COUNT_LIMIT} headers or {HEADER_BYTES_LIMIT} bytes of them"):
            return ins
        if kind == "HeaderOrder":
            ins.values.append(("header order", ":".join(k for k, _ in kept).encode("utf-8", "surrogateescape")))
        else:
            ins.values.extend(_keyed([(k, v) for k, v in kept if _name_selected(k, f)], f, "header"))
    elif kind == "Cookies":
        cookies = request.cookies()
        size = sum(len(k) + len(v) + 1 for k, v in cookies)
        if len(cookies) > COOKIE_COUNT_LIMIT or size > COOKIE_BYTES_LIMIT:
            if _oversize(ins, f, f"more than {COOKIE_COUNT_LIMIT} cookies or {COOKIE_BYTES_LIMIT} bytes of them"):
                return ins
            cookies = _first_cookies(cookies)
        ins.values.extend(_keyed([(k, v) for k, v in cookies if _name_selected(k, f, fold=False)], f, "cookie"))
    elif kind in ("Body", "JsonBody"):
        limit, note = body_limit(acl, request)
        body = request.body
        if note and len(body) > 8 * 1024:
            ins.notes.append(note)
        if len(body) > limit:
            if _oversize(ins, f, f"body of {len(body)} bytes over the {limit}-byte inspection limit"):
                return ins
            body = body[:limit]
        if kind == "Body":
            ins.values.append(("body", body))
        else:
            _json_values(ins, f, body)
    elif kind in ("JA3Fingerprint", "JA4Fingerprint"):
        fp = request.ja3 if kind == "JA3Fingerprint" else request.ja4
        if fp is None:
            ins.forced = f.fallback == "MATCH"
            ins.notes.append(f"{kind} not available: FallbackBehavior {f.fallback}")
        else:
            ins.values.append((kind, fp.encode("utf-8", "surrogateescape")))
    return ins


def _first_cookies(cookies: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    size = 0
    for k, v in cookies[:COOKIE_COUNT_LIMIT]:
        size += len(k) + len(v) + 1
        if size > COOKIE_BYTES_LIMIT:
            break
        out.append((k, v))
    return out


def _json_values(ins: Inspected, f: FieldToMatch, body: bytes) -> None:
    """JSON body: parse, then yield the keys and / or leaf values the match pattern selects (JSON pointers).
    An invalid body follows InvalidFallbackBehavior; without one AWS inspects what it parsed before the error,
    which parc cannot reproduce: it inspects nothing and says so."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        fb = f.invalid_fallback
        if fb == "EVALUATE_AS_STRING":
            ins.notes.append("body is not valid JSON: evaluated as a string (InvalidFallbackBehavior)")
            ins.values.append(("body", body))
        elif fb in ("MATCH", "NO_MATCH"):
            ins.notes.append(f"body is not valid JSON: InvalidFallbackBehavior {fb}")
            ins.forced = fb == "MATCH"
        else:
            ins.notes.append("body is not valid JSON and no InvalidFallbackBehavior: AWS inspects the tokens before "
                             "the error, parc inspects none (not exact)")
            ins.forced = None
        return
    for pointer, key, value in _walk(doc, ""):
        if not _pointer_selected(pointer, f):
            continue
        if key is not None and f.scope in ("KEY", "ALL"):
            ins.values.append((f"json key {pointer}", key.encode("utf-8", "surrogateescape")))
        if value is not None and f.scope in ("VALUE", "ALL"):
            ins.values.append((f"json {pointer}", value.encode("utf-8", "surrogateescape")))


def _pointer_selected(pointer: str, f: FieldToMatch) -> bool:
    if f.pattern.included:
        return any(pointer == p or pointer.startswith(p.rstrip("/") + "/") for p in f.pattern.included)
    return True


def _scalar(v: object) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def _walk(doc: object, pointer: str) -> list[tuple[str, str | None, str | None]]:
    """(pointer, key, leaf value) for every key and every scalar, iteratively (deep documents must not recurse)."""
    out: list[tuple[str, str | None, str | None]] = []
    stack: list[tuple[object, str]] = [(doc, pointer)]
    while stack:
        node, ptr = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            for k, v in reversed(items):
                child = f"{ptr}/{str(k).replace('~', '~0').replace('/', '~1')}"
                out.append((child, str(k), None))
                stack.append((v, child))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{ptr}/{i}"))
        else:
            out.append((ptr or "/", None, _scalar(node)))
    return out
