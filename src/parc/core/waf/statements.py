"""Rule statements, evaluated against one request: each returns a three-valued match and its explanation.

A statement parc cannot evaluate (a reference it was not given, an unknown transformation, an unsupported statement)
is ``None``, not a guess: ``And`` is false if any part is false, else unknown if any is unknown; ``Or`` is true if
any part is true, else unknown if any is unknown; ``Not`` of unknown is unknown. Pages:
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-list.html and the page of each type.

Matching is delegated to libraries where AWS's semantics match them: RE2 (``google-re2``) for regexes (AWS documents
PCRE syntax without backreferences, atomic groups, possessive quantifiers, conditionals and recursion, the subset RE2
implements with Perl's leftmost-first matching; a pattern RE2 rejects is not evaluated); libinjection
(``libinjection-python``) for SQL injection and XSS, as an approximation: AWS's detector is not published, and
libinjection has one sensitivity, so LOW and HIGH are read alike (said in the details, and a verdict reached after
such a statement carries a caveat).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

import libinjection
import re2

from parc.core.waf import components, transforms
from parc.core.waf.model import (
    And,
    ByteMatch,
    FieldToMatch,
    ForwardedIP,
    GeoMatch,
    IPSetMatch,
    LabelMatch,
    ManagedRuleGroup,
    Not,
    Or,
    RateBased,
    References,
    RegexMatch,
    RegexSetMatch,
    RuleGroupRef,
    SizeConstraint,
    SqliMatch,
    Statement,
    Transformation,
    Unsupported,
    WebAcl,
    XssMatch,
)
from parc.core.waf.rate import NOT_RECORDED, RateState, rate_key
from parc.core.waf.request import WafRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Detail:
    """One statement's explanation: what it inspected, through which transformations, and what matched."""

    statement: str
    matched: bool | None
    component: str = ""
    transformations: tuple[str, ...] = ()
    matched_text: str | None = None
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"statement": self.statement, "matched": self.matched}
        if self.component:
            out["component"] = self.component
        if self.transformations:
            out["transformations"] = list(self.transformations)
        if self.matched_text is not None:
            out["matched_text"] = self.matched_text
        if self.note:
            out["note"] = self.note
        return out


@dataclass(slots=True)
class Context:
    """Everything one request's evaluation reads besides the statement."""

    request: WafRequest
    acl: WebAcl | None
    refs: References
    labels: list[str]
    namespace: str
    """The label namespace of the rule being evaluated (web ACL or rule group), ending with ``:``."""
    geo: tuple[tuple[IPNetwork, str], ...] = ()
    rates: RateState | None = None
    rule_id: str = ""
    details: list[Detail] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    added_labels: list[str] = field(default_factory=list)
    """Labels a statement adds while evaluated (geo match's country labels)."""


def show(data: bytes, limit: int = 200) -> str:
    """Bytes for people: UTF-8 where valid, escapes elsewhere, cut at ``limit`` characters."""
    text = data.decode("utf-8", "backslashreplace")
    return text if len(text) <= limit else text[:limit] + "..."


_REGEX_CACHE: dict[str, object] = {}
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a rejected pattern is reported by parc, not logged to stderr by RE2


def compile_regex(pattern: str) -> object | None:
    """RE2-compile a pattern over bytes (None when RE2 rejects it, as AWS would)."""
    if pattern in _REGEX_CACHE:
        return _REGEX_CACHE[pattern]
    try:
        compiled: object | None = re2.compile(pattern.encode("utf-8"), options=_RE2_OPTIONS)
    except Exception:  # re2.error and its kin: a pattern RE2 rejects
        compiled = None
    if len(_REGEX_CACHE) < 10_000:
        _REGEX_CACHE[pattern] = compiled
    return compiled


def _search(compiled: object, data: bytes) -> bytes | None:
    m = compiled.search(data)  # type: ignore[attr-defined]
    return None if m is None else bytes(m.group(0))


def _text_statement(ctx: Context, name: str, f: FieldToMatch, chain: tuple[Transformation, ...],
                    test: Callable[[bytes], bytes | None], note: str = "") -> bool | None:
    """Inspect a component through a transformation chain; ``test`` returns the matched text or None."""
    order = transforms.ordered(chain)
    names = tuple(t.type for t in order)
    bad = transforms.unknown(order)
    if bad:
        ctx.details.append(Detail(name, None, f.kind, names, note=f"transformation {', '.join(bad)} is not "
                                                                    "implemented by parc: not evaluated"))
        return None
    ins = components.inspect(f, ctx.request, ctx.acl)
    if ins.unrecorded:
        ctx.details.append(Detail(name, None, f.kind, names, note="; ".join(ins.notes) + ": not evaluated"))
        return None
    notes = [*ins.notes, *([note] if note else [])]
    if ins.forced is not None:
        ctx.details.append(Detail(name, ins.forced, f.kind, names, note="; ".join(notes)))
        return ins.forced
    for where, value in ins.values:
        hit = test(transforms.apply(order, value))
        if hit is not None:
            ctx.details.append(Detail(name, True, where, names, show(hit), "; ".join(notes)))
            return True
    if not ins.values and "not valid JSON" in " ".join(ins.notes):
        ctx.caveats.append(f"{name}: {ins.notes[-1]}")
    ctx.details.append(Detail(name, False, f.kind if not ins.values else ", ".join(w for w, _ in ins.values[:5]),
                              names, note="; ".join(notes)))
    return False


def _byte_test(search: bytes, positional: str) -> Callable[[bytes], bytes | None]:
    def test(v: bytes) -> bytes | None:
        if positional == "EXACTLY":
            ok = v == search
        elif positional == "STARTS_WITH":
            ok = v.startswith(search)
        elif positional == "ENDS_WITH":
            ok = v.endswith(search)
        elif positional == "CONTAINS":
            ok = search in v
        elif positional == "CONTAINS_WORD":
            ok = _contains_word(v, search)
        else:
            ok = False
        return v if ok else None
    return test


def _word_char(b: int) -> bool:
    return b == 0x5F or 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def _contains_word(v: bytes, search: bytes) -> bool:
    """The search string appears with a non-word character (not alphanumeric or _) or the edge on each side."""
    if not search:
        return False
    start = v.find(search)
    while start != -1:
        end = start + len(search)
        if (start == 0 or not _word_char(v[start - 1])) and (end == len(v) or not _word_char(v[end])):
            return True
        start = v.find(search, start + 1)
    return False


_SIZE_OPS: dict[str, Callable[[int, int], bool]] = {
    "EQ": lambda a, b: a == b, "NE": lambda a, b: a != b, "LE": lambda a, b: a <= b,
    "LT": lambda a, b: a < b, "GE": lambda a, b: a >= b, "GT": lambda a, b: a > b,
}


def _lookup_country(ctx: Context, ip: IPAddress) -> str | None:
    best: tuple[int, str] | None = None
    for net, country in ctx.geo:
        if ip.version == net.version and ip in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, country)
    return best[1] if best else None


def parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def forwarded_ips(request: WafRequest, fwd: ForwardedIP) -> list[IPAddress] | None:
    """The IPs the forwarded-IP header names, per position (FIRST, LAST, ANY: at most the last 10); None when
    the header is absent or holds no valid IP (the fallback behaviour then decides)."""
    values = request.header_values(fwd.header)
    if not values:
        return None
    items = [p for v in values for p in v.split(",") if p.strip()]
    if fwd.position == "ANY":
        ips = [ip for ip in (parse_ip(p) for p in items[-10:]) if ip is not None]
        return ips or None
    if not items:
        return None
    ip = parse_ip(items[0] if fwd.position == "FIRST" else items[-1])
    return [ip] if ip is not None else None


def _geo(ctx: Context, s: GeoMatch) -> bool | None:
    wanted = set(s.countries)
    if s.forwarded is not None:
        if not ctx.request.header_values(s.forwarded.header):
            ctx.details.append(Detail("GeoMatch", False, f"header {s.forwarded.header}", note="header absent: AWS "
                                      "does not apply the statement"))
            return False
        ips = forwarded_ips(ctx.request, s.forwarded)
        if ips is None:
            m = s.forwarded.fallback == "MATCH"
            ctx.details.append(Detail("GeoMatch", m, f"header {s.forwarded.header}",
                                      note=f"no valid IP in the header: FallbackBehavior {s.forwarded.fallback}"))
            return m
        country = _lookup_country(ctx, ips[0])
        source = f"forwarded IP {ips[0]} (geo table)"
        label_root = "awswaf:forwardedip:geo:country:"
    else:
        country = ctx.request.country
        source = "country given in the request"
        if country is None and ctx.request.source_ip:
            ip = parse_ip(ctx.request.source_ip)
            country = _lookup_country(ctx, ip) if ip is not None else None
            source = f"source IP {ctx.request.source_ip} (geo table)"
        label_root = "awswaf:clientip:geo:country:"
    if country is None:
        ctx.caveats.append(f"GeoMatch: no country known for the request ({source}): taken as no match")
        ctx.details.append(Detail("GeoMatch", False, source, note="country unknown: no match"))
        return False
    ctx.added_labels.append(label_root + country)
    m = country in wanted
    ctx.details.append(Detail("GeoMatch", m, source, matched_text=country))
    return m


def _ip_set(ctx: Context, s: IPSetMatch) -> bool | None:
    ipset = ctx.refs.ip_sets.get(s.arn)
    if ipset is None:
        ctx.details.append(Detail("IPSetReference", None, note=f"IP set {s.arn} not given: not evaluated"))
        return None
    if s.forwarded is not None:
        ips = forwarded_ips(ctx.request, s.forwarded)
        where = f"header {s.forwarded.header} ({s.forwarded.position})"
        if not ctx.request.header_values(s.forwarded.header):
            ctx.details.append(Detail("IPSetReference", False, where, note="header absent: AWS does not apply the "
                                      "rule (IPSetForwardedIPConfig)"))
            return False
        if ips is None:
            m = s.forwarded.fallback == "MATCH"
            ctx.details.append(Detail("IPSetReference", m, where,
                                      note=f"no valid IP in the header: FallbackBehavior {s.forwarded.fallback}"))
            return m
    else:
        ip = parse_ip(ctx.request.source_ip or "")
        where = "source IP"
        if ip is None:
            ctx.details.append(Detail("IPSetReference", None, where, note="the request gives no source IP"))
            return None
        ips = [ip]
    nets = _networks(ipset.addresses)
    for ip in ips:
        for net in nets:
            if ip.version == net.version and ip in net:
                ctx.details.append(Detail("IPSetReference", True, where, matched_text=f"{ip} in {net} ({ipset.name})"))
                return True
    ctx.details.append(Detail("IPSetReference", False, where, matched_text=None,
                              note=f"{', '.join(map(str, ips))} in none of {ipset.name}'s {len(nets)} ranges"))
    return False


_NET_CACHE: dict[tuple[str, ...], list[IPNetwork]] = {}


def _networks(addresses: tuple[str, ...]) -> list[IPNetwork]:
    nets = _NET_CACHE.get(addresses)
    if nets is None:
        nets = []
        for a in addresses:
            try:
                nets.append(ipaddress.ip_network(a, strict=False))
            except ValueError:
                continue
        _NET_CACHE[addresses] = nets
    return nets


def _label(ctx: Context, s: LabelMatch) -> bool:
    key = s.key if s.key.startswith("awswaf:") else ctx.namespace + s.key
    if s.scope == "NAMESPACE":
        ns = key if key.endswith(":") else key + ":"
        hit = next((lb for lb in ctx.labels if lb.startswith(ns)), None)
    else:
        hit = key if key in ctx.labels else None
    ctx.details.append(Detail("LabelMatch", hit is not None, f"labels ({s.scope} {key})", matched_text=hit))
    return hit is not None


def _rate(ctx: Context, s: RateBased) -> bool | None:
    if s.scope_down is not None:
        inner = evaluate_statement(ctx, s.scope_down)
        if inner is not True:
            ctx.details.append(Detail("RateBased", inner and None, note="scope-down statement did not match: "
                                      "not counted" if inner is False else "scope-down not evaluated"))
            return None if inner is None else False
    key, why = rate_key(s, ctx.request, ctx.labels)
    if key is None and why.startswith(NOT_RECORDED):
        ctx.details.append(Detail("RateBased", None, note=f"{why}: not evaluated"))
        return None
    if key is None:
        ctx.details.append(Detail("RateBased", False, note=f"not counted: {why}"))
        return False
    state = ctx.rates if ctx.rates is not None else RateState()
    count = state.observe(ctx.rule_id, key, ctx.request.time, s.window)
    over = count > s.limit
    ctx.details.append(Detail("RateBased", over, f"aggregate {s.aggregate} {key}",
                              matched_text=f"{count} in {s.window}s, limit {s.limit}",
                              note="" if ctx.rates is not None else "only this request counted"))
    if ctx.rates is None or not ctx.rates.replay:
        ctx.caveats.append(f"rate-based rule counted over the given requests only ({count} in the window); AWS "
                           "counts the real traffic")
    else:
        ctx.caveats.append("rate-based rule replayed: AWS applies the limit near, not exactly at, the count")
    return over


def _sqli(v: bytes) -> bytes | None:
    r = libinjection.is_sql_injection(v.decode("latin-1"))
    return v if r.get("is_sqli") else None


def _xss(v: bytes) -> bytes | None:
    r = libinjection.is_xss(v.decode("latin-1"))
    return v if r.get("is_xss") else None


def evaluate_statement(ctx: Context, s: Statement) -> bool | None:
    """True / False, or None when parc cannot evaluate the statement (said in ``ctx.details``)."""
    if isinstance(s, ByteMatch):
        return _text_statement(ctx, f"ByteMatch {s.positional} {show(s.search, 60)!r}", s.field, s.transforms,
                               _byte_test(s.search, s.positional))
    if isinstance(s, RegexMatch):
        compiled = compile_regex(s.pattern)
        if compiled is None:
            ctx.details.append(Detail("RegexMatch", None, note=f"RE2 rejects {s.pattern!r}: not evaluated"))
            return None
        return _text_statement(ctx, f"RegexMatch {s.pattern!r}", s.field, s.transforms,
                               lambda v: _search(compiled, v))
    if isinstance(s, RegexSetMatch):
        rset = ctx.refs.regex_sets.get(s.arn)
        if rset is None:
            ctx.details.append(Detail("RegexPatternSetReference", None, note=f"regex pattern set {s.arn} not given: "
                                      "not evaluated"))
            return None
        compiled_all = [compile_regex(p) for p in rset.patterns]
        if any(c is None for c in compiled_all):
            ctx.details.append(Detail("RegexPatternSetReference", None, note=f"RE2 rejects a pattern of {rset.name}"))
            return None

        def any_pattern(v: bytes) -> bytes | None:
            for c in compiled_all:
                hit = _search(c, v) if c is not None else None
                if hit is not None:
                    return hit
            return None
        return _text_statement(ctx, f"RegexPatternSetReference {rset.name}", s.field, s.transforms, any_pattern)
    if isinstance(s, SizeConstraint):
        op = _SIZE_OPS.get(s.operator)
        if op is None:
            ctx.details.append(Detail("SizeConstraint", None, note=f"unknown operator {s.operator}"))
            return None
        return _text_statement(ctx, f"SizeConstraint {s.operator} {s.size}", s.field, s.transforms,
                               lambda v: f"{len(v)} bytes".encode() if op(len(v), s.size) else None)
    if isinstance(s, SqliMatch):
        return _text_statement(ctx, f"SqliMatch {s.sensitivity}", s.field, s.transforms, _sqli,
                               note="libinjection's SQL injection detector, an approximation of AWS's (sensitivity "
                                    "levels read alike)")
    if isinstance(s, XssMatch):
        return _text_statement(ctx, "XssMatch", s.field, s.transforms, _xss,
                               note="libinjection's XSS detector, an approximation of AWS's")
    if isinstance(s, GeoMatch):
        return _geo(ctx, s)
    if isinstance(s, IPSetMatch):
        return _ip_set(ctx, s)
    if isinstance(s, LabelMatch):
        return _label(ctx, s)
    if isinstance(s, RateBased):
        return _rate(ctx, s)
    if isinstance(s, And):
        results = [evaluate_statement(ctx, x) for x in s.statements]
        return False if False in results else None if None in results else True
    if isinstance(s, Or):
        results = []
        for x in s.statements:
            r = evaluate_statement(ctx, x)
            if r is True:
                return True
            results.append(r)
        return None if None in results else False
    if isinstance(s, Not):
        r = evaluate_statement(ctx, s.statement)
        return None if r is None else not r
    if isinstance(s, (RuleGroupRef, ManagedRuleGroup)):
        ctx.details.append(Detail(type(s).__name__, None, note="a rule group reference is not allowed inside "
                                                               "another statement: not evaluated"))
        return None
    assert isinstance(s, Unsupported)
    ctx.details.append(Detail(s.kind, None, note=f"{s.kind} is not evaluated by parc"))
    return None
