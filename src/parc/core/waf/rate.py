"""Rate-based rules over a request stream: the aggregation key of each request and a sliding-window count.

https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html and its sub-pages
("high-level settings", "aggregation options and keys"): AWS counts, per aggregation instance, the requests that
reach the rule and match its scope-down statement over the evaluation window (60, 120, 300 or 600 s) looking back from
now, and applies the rule's action to further requests while the count is over the limit (lowest limit 10). A request
missing any custom key's component is not counted nor rate limited. AWS checks the rate "frequently" and applies it
"near" the limit; parc counts exactly at each request (the current one included), so a replay is an approximation
of when AWS starts and stops limiting, said in the verdict's caveats.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from parc.core.waf import transforms
from parc.core.waf.model import RateBased
from parc.core.waf.request import WafRequest

MIN_LIMIT = 10
NOT_RECORDED = "the request's source does not record"
WINDOWS = (60, 120, 300, 600)


@dataclass(slots=True)
class RateState:
    """Per rule and aggregation key, the times of the requests counted so far."""

    replay: bool = False
    """True when a request stream is replayed (``parc waf test``), False for a single request."""
    seen: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    clock: float = 0.0

    def observe(self, rule_id: str, key: str, time: float | None, window: int) -> int:
        """Count one request for ``key`` at ``time`` (or just after the previous one) and return how many fall in
        the window ending at it."""
        if time is None:
            time = self.clock
        self.clock = max(self.clock, time)
        q = self.seen.setdefault((rule_id, key), deque())
        q.append(time)
        while q and q[0] <= time - window:
            q.popleft()
        return sum(1 for t in q if t <= time)


def _component_key(kind: str, name: str | None, request: WafRequest, labels: list[str]) -> str | None:
    if kind == "IP":
        return request.source_ip
    if kind == "HTTPMethod":
        return request.method
    if kind == "UriPath":
        return request.uri_path
    if kind == "QueryString":
        return request.query_string or None
    if kind == "Header":
        values = request.header_values(name or "")
        return values[0] if values else None
    if kind == "Cookie":
        found = [v for k, v in request.cookies() if k == name]
        return found[0] if found else None
    if kind == "QueryArgument":
        args = [v for k, v in request.query_args() if k.lower() == (name or "").lower()]
        return args[0] if args else None
    if kind == "LabelNamespace":
        ns = name or ""
        ns = ns if ns.endswith(":") else ns + ":"
        found = sorted(lb for lb in labels if lb.startswith(ns))
        return ",".join(found) if found else None
    if kind == "JA3Fingerprint":
        return request.ja3
    if kind == "JA4Fingerprint":
        return request.ja4
    return None


def rate_key(s: RateBased, request: WafRequest, labels: list[str]) -> tuple[str | None, str]:
    """The aggregation instance of a request, or None and why it is not counted."""
    from parc.core.waf.statements import forwarded_ips  # one reader of forwarded-IP headers

    if s.aggregate == "CONSTANT":
        return "*", ""
    if s.aggregate == "IP":
        return (request.source_ip, "") if request.source_ip else (None, "no source IP")
    if s.aggregate == "FORWARDED_IP":
        if s.forwarded is None:
            return None, "FORWARDED_IP without ForwardedIPConfig"
        ips = forwarded_ips(request, s.forwarded)
        if ips is None:
            return None, f"no valid IP in header {s.forwarded.header}"
        return str(ips[0]), ""
    parts: list[str] = []
    for k in s.keys:
        if k.kind == "ForwardedIP":
            ips = forwarded_ips(request, s.forwarded) if s.forwarded is not None else None
            value = str(ips[0]) if ips else None
        else:
            comp = {"Header": "SingleHeader", "Cookie": "Cookies", "QueryArgument": "SingleQueryArgument",
                    "HTTPMethod": "Method", "JA3Fingerprint": "JA3Fingerprint", "JA4Fingerprint": "JA4Fingerprint",
                    "QueryString": "QueryString", "UriPath": "UriPath"}.get(k.kind)
            if comp is not None and not request.records(comp, k.name):
                return None, f"{NOT_RECORDED} {k.kind}{' ' + k.name if k.name else ''}"
            value = _component_key(k.kind, k.name, request, labels)
        if value is None:
            return None, f"the request has no {k.kind}{' ' + k.name if k.name else ''}"
        order = transforms.ordered(k.transforms)
        if transforms.unknown(order):
            return None, f"unknown transformation in key {k.kind}"
        raw = transforms.apply(order, value.encode("utf-8", "surrogateescape"))
        parts.append(f"{k.kind}={raw.decode('utf-8', 'backslashreplace')}")
    if not parts:
        return None, "no aggregation key"
    return "|".join(parts), ""
