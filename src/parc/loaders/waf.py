"""AWS WAF (wafv2) JSON as the AWS CLI prints it, into ``parc.core.waf.model``: ``aws wafv2 get-web-acl``
(``{"WebACL": ...}``), ``get-rule-group`` (``{"RuleGroup": ...}``), ``get-ip-set`` (``{"IPSet": ...}``) and
``get-regex-pattern-set`` (``{"RegexPatternSet": ...}``); the inner object alone is read too.

Shapes are checked where they are read (``parc.loaders.shape``): a wrong field is a located finding (file, JSON path,
line) and its statement becomes ``Unsupported`` (not evaluated), never a guessed match nor a traceback. A byte match's
``SearchString`` is a blob, which the AWS CLI prints in Base64; a value that is not valid Base64 is read as literal
text and noted (a hand-written file).
"""

from __future__ import annotations

import base64
import binascii
import csv
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parc.core.findings import Finding, FindingType, Position
from parc.core.waf.model import (
    Action,
    And,
    ByteMatch,
    CustomResponse,
    FieldToMatch,
    ForwardedIP,
    GeoMatch,
    IPSet,
    IPSetMatch,
    LabelMatch,
    ManagedRuleGroup,
    MatchPattern,
    Not,
    Or,
    RateBased,
    RateKey,
    References,
    RegexMatch,
    RegexPatternSet,
    RegexSetMatch,
    Rule,
    RuleGroup,
    RuleGroupRef,
    SizeConstraint,
    SqliMatch,
    Statement,
    Transformation,
    Unsupported,
    WebAcl,
    XssMatch,
)
from parc.loaders.locate import locate
from parc.loaders.shape import Node, kind_of

CODE = "WAF_BAD_INPUT"
SIZE_LIMITS = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
_ACTIONS = {"Allow": "ALLOW", "Block": "BLOCK", "Count": "COUNT", "Captcha": "CAPTCHA", "Challenge": "CHALLENGE"}


@dataclass(slots=True)
class WafFiles:
    """What the files held: web ACLs, the references they may name, and the problems found reading them."""

    acls: list[tuple[str, WebAcl]] = field(default_factory=list)
    refs: References = field(default_factory=References)
    findings: list[Finding] = field(default_factory=list)
    raw: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(file, web ACL object) as read, for the linter."""


class _Reader:
    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.file = file
        self.findings = findings

    def report(self, file: str, path: str, message: str) -> None:
        self.findings.append(Finding(CODE, FindingType.ERROR, message, path, None, file))

    def not_evaluated(self, path: str, message: str) -> None:
        """Valid wafv2 that parc does not evaluate (a newer statement or component): a warning, not bad input;
        the verdicts say the rule was not evaluated."""
        self.findings.append(Finding("WAF_NOT_EVALUATED", FindingType.WARNING, message, path, None, self.file))

    def node(self, value: dict[str, Any], path: str) -> Node:
        return Node(value, self.file, path, self.report)

    def transforms(self, n: Node) -> tuple[Transformation, ...]:
        out = []
        for t in n.objects("TextTransformations"):
            prio = t.integer("Priority", "transformation skipped")
            kind = t.text("Type", "transformation skipped")
            if prio is None or kind is None:
                if prio is None and kind is not None:
                    self.report(self.file, t.path, f"{t.path}: a transformation needs a Priority: skipped")
                continue
            out.append(Transformation(prio, kind))
        return tuple(out)

    def field_to_match(self, n: Node) -> FieldToMatch | None:
        f = n.obj("FieldToMatch", "statement not evaluated")
        if f is None:
            if not n.has("FieldToMatch"):
                self.report(self.file, n.at("FieldToMatch"), f"{n.at('FieldToMatch')} missing: statement not "
                            "evaluated")
            return None
        keys = [k for k in f.value if f.value[k] is not None]
        if len(keys) != 1:
            self.report(self.file, f.path, f"{f.path} should name one request component, found {len(keys)}: "
                        "statement not evaluated")
            return None
        kind = keys[0]
        inner = f.obj(kind, "statement not evaluated")
        if inner is None:
            return None
        if kind in ("UriPath", "QueryString", "AllQueryArguments", "Method"):
            return FieldToMatch(kind)  # type: ignore[arg-type]
        if kind in ("SingleHeader", "SingleQueryArgument"):
            name = inner.text("Name", "statement not evaluated")
            return FieldToMatch(kind, name=name) if name else None  # type: ignore[arg-type]
        oversize = inner.text("OversizeHandling") or "CONTINUE"
        if kind in ("Body", "HeaderOrder"):
            return FieldToMatch(kind, oversize=oversize)  # type: ignore[arg-type]
        if kind in ("JA3Fingerprint", "JA4Fingerprint"):
            return FieldToMatch(kind, fallback=inner.text("FallbackBehavior") or "NO_MATCH")  # type: ignore[arg-type]
        if kind in ("Headers", "Cookies", "JsonBody"):
            mp = inner.obj("MatchPattern", "statement not evaluated")
            if mp is None:
                self.report(self.file, inner.at("MatchPattern"), f"{inner.at('MatchPattern')} missing: statement "
                            "not evaluated")
                return None
            what = {"Headers": "Headers", "Cookies": "Cookies", "JsonBody": "Paths"}[kind]
            pattern = MatchPattern(all=mp.has("All"), included=tuple(mp.texts(f"Included{what}")),
                                   excluded=tuple(mp.texts(f"Excluded{what}")))
            return FieldToMatch(kind, pattern=pattern, scope=inner.text("MatchScope") or "ALL",  # type: ignore[arg-type]
                                oversize=oversize, invalid_fallback=inner.text("InvalidFallbackBehavior"))
        self.not_evaluated(f.at(kind), f"request component {kind} is not evaluated by parc: its statement is "
                           "reported as not evaluated")
        return None

    def forwarded(self, n: Node | None) -> ForwardedIP | None:
        if n is None:
            return None
        header = n.text("HeaderName", "forwarded IP config ignored")
        if header is None:
            return None
        return ForwardedIP(header, n.text("FallbackBehavior") or "NO_MATCH", n.text("Position") or "FIRST")

    def action(self, n: Node | None) -> Action | None:
        if n is None:
            return None
        for key, kind in _ACTIONS.items():
            a = n.obj(key)
            if a is None:
                continue
            custom = None
            cr = a.obj("CustomResponse")
            if cr is not None:
                headers = tuple((h.text("Name") or "", h.text("Value") or "") for h in cr.objects("ResponseHeaders"))
                custom = CustomResponse(cr.integer("ResponseCode") or 403, headers, cr.text("CustomResponseBodyKey"))
            inserted: tuple[tuple[str, str], ...] = ()
            crh = a.obj("CustomRequestHandling")
            if crh is not None:
                inserted = tuple((h.text("Name") or "", h.text("Value") or "") for h in crh.objects("InsertHeaders"))
            return Action(kind, custom, inserted)  # type: ignore[arg-type]
        self.report(self.file, n.path, f"{n.path} names no action (Allow, Block, Count, Captcha, Challenge)")
        return None

    def overrides(self, n: Node) -> tuple[tuple[tuple[str, Action], ...], tuple[str, ...]]:
        excluded = tuple(x.text("Name") or "" for x in n.objects("ExcludedRules"))
        out: list[tuple[str, Action]] = []
        for o in n.objects("RuleActionOverrides"):
            name = o.text("Name", "override skipped")
            act = self.action(o.obj("ActionToUse", "override skipped"))
            if name and act:
                out.append((name, act))
        return tuple(out), excluded

    def statements(self, n: Node, key: str) -> tuple[Statement, ...]:
        return tuple(self.statement(s) for s in n.objects(key))

    def statement(self, n: Node) -> Statement:
        keys = [k for k in n.value if n.value[k] is not None]
        if len(keys) != 1:
            self.report(self.file, n.path, f"{n.path or 'Statement'} should hold one statement, found {len(keys)}: "
                        "not evaluated")
            return Unsupported("unreadable statement")
        kind = keys[0]
        s = n.obj(kind, "not evaluated")
        if s is None:
            return Unsupported(kind)
        tx = self.transforms(s)
        if kind == "ByteMatchStatement":
            f = self.field_to_match(s)
            raw = s.text("SearchString", "not evaluated")
            pos = s.text("PositionalConstraint", "not evaluated")
            if f is None or raw is None or pos is None:
                return Unsupported(kind)
            return ByteMatch(f, self._blob(s, raw), pos, tx)
        if kind == "RegexMatchStatement":
            f = self.field_to_match(s)
            rx = s.text("RegexString", "not evaluated")
            return RegexMatch(f, rx, tx) if f is not None and rx is not None else Unsupported(kind)
        if kind == "RegexPatternSetReferenceStatement":
            f = self.field_to_match(s)
            arn = s.text("ARN", "not evaluated")
            return RegexSetMatch(f, arn, tx) if f is not None and arn else Unsupported(kind)
        if kind == "SizeConstraintStatement":
            f = self.field_to_match(s)
            op = s.text("ComparisonOperator", "not evaluated")
            size = s.integer("Size", "not evaluated")
            return SizeConstraint(f, op, size, tx) if f and op and size is not None else Unsupported(kind)
        if kind == "SqliMatchStatement":
            f = self.field_to_match(s)
            return SqliMatch(f, s.text("SensitivityLevel") or "LOW", tx) if f else Unsupported(kind)
        if kind == "XssMatchStatement":
            f = self.field_to_match(s)
            return XssMatch(f, tx) if f else Unsupported(kind)
        if kind == "GeoMatchStatement":
            return GeoMatch(tuple(s.texts("CountryCodes")), self.forwarded(s.obj("ForwardedIPConfig")))
        if kind == "IPSetReferenceStatement":
            arn = s.text("ARN", "not evaluated")
            fwd = self.forwarded(s.obj("IPSetForwardedIPConfig"))
            return IPSetMatch(arn, fwd) if arn else Unsupported(kind)
        if kind == "LabelMatchStatement":
            key = s.text("Key", "not evaluated")
            return LabelMatch(s.text("Scope") or "LABEL", key) if key else Unsupported(kind)
        if kind == "RateBasedStatement":
            limit = s.integer("Limit", "not evaluated")
            if limit is None:
                return Unsupported(kind)
            scope = s.obj("ScopeDownStatement")
            rate_keys = tuple(self._rate_key(k) for k in s.objects("CustomKeys"))
            return RateBased(limit, s.text("AggregateKeyType") or "IP", s.integer("EvaluationWindowSec") or 300,
                             self.forwarded(s.obj("ForwardedIPConfig")), rate_keys,
                             self.statement(scope) if scope is not None else None)
        if kind == "AndStatement":
            return And(self.statements(s, "Statements"))
        if kind == "OrStatement":
            return Or(self.statements(s, "Statements"))
        if kind == "NotStatement":
            inner = s.obj("Statement", "not evaluated")
            return Not(self.statement(inner)) if inner is not None else Unsupported(kind)
        if kind == "RuleGroupReferenceStatement":
            arn = s.text("ARN", "not evaluated")
            overrides, excluded = self.overrides(s)
            return RuleGroupRef(arn, excluded, overrides) if arn else Unsupported(kind)
        if kind == "ManagedRuleGroupStatement":
            overrides, excluded = self.overrides(s)
            scope = s.obj("ScopeDownStatement")
            return ManagedRuleGroup(s.text("VendorName") or "", s.text("Name") or "", s.text("Version"), excluded,
                                    overrides, self.statement(scope) if scope is not None else None)
        self.not_evaluated(n.at(kind), f"{kind} is not evaluated by parc: its rule is reported as not evaluated")
        return Unsupported(kind)

    def _rate_key(self, n: Node) -> RateKey:
        keys = [k for k in n.value if n.value[k] is not None]
        kind = keys[0] if len(keys) == 1 else "?"
        inner = n.obj(kind) if kind != "?" else None
        if inner is None:
            self.report(self.file, n.path, f"{n.path} should hold one aggregation key")
            return RateKey("?")
        return RateKey(kind, inner.text("Name") or inner.text("Namespace"), self.transforms(inner))

    def _blob(self, s: Node, raw: str) -> bytes:
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            self.findings.append(Finding(CODE, FindingType.WARNING, f"{s.at('SearchString')} is not Base64 (as the "
                                         "AWS CLI prints it): read as literal text", s.at("SearchString"), None,
                                         self.file))
            return raw.encode("utf-8")

    def rules(self, n: Node) -> tuple[Rule, ...]:
        out: list[Rule] = []
        for r in n.objects("Rules"):
            name = r.text("Name", "rule skipped")
            prio = r.integer("Priority", "rule skipped")
            st = r.obj("Statement", "rule not evaluated")
            if name is None or prio is None:
                self.report(self.file, r.path, f"{r.path}: a rule needs a Name and a Priority: skipped")
                continue
            statement: Statement = self.statement(st) if st is not None else Unsupported("missing Statement")
            if st is None:
                self.report(self.file, r.at("Statement"), f"{r.at('Statement')} missing: rule not evaluated")
            override = r.obj("OverrideAction")
            ov = None
            if override is not None:
                ov = "COUNT" if override.has("Count") else "NONE"
            action = self.action(r.obj("Action"))
            if action is None and ov is None:
                self.report(self.file, r.path, f"{r.path}: rule {name} has no Action: taken as Count")
            labels = tuple(lb.text("Name") or "" for lb in r.objects("RuleLabels"))
            out.append(Rule(name, prio, statement, action, ov, tuple(x for x in labels if x), r.path))
        return tuple(out)


def _bodies(n: Node) -> tuple[tuple[str, str], ...]:
    b = n.obj("CustomResponseBodies")
    if b is None:
        return ()
    return tuple((k, str(v.get("Content", ""))) for k, v in b.value.items() if isinstance(v, dict))


def _scope(arn: str) -> str:
    return "CLOUDFRONT" if ":global/" in arn else "REGIONAL"


def read_web_acl(data: dict[str, Any], file: str, findings: list[Finding], path: str = "WebACL") -> WebAcl | None:
    r = _Reader(file, findings)
    n = r.node(data, path)
    name = n.text("Name", "web ACL skipped") or "(unnamed)"
    arn = n.text("ARN") or f"arn:aws:wafv2:us-east-1:000000000000:regional/webacl/{name}/unknown"
    default = r.action(n.obj("DefaultAction"))
    if default is None:
        r.report(file, n.at("DefaultAction"), f"{n.at('DefaultAction')} missing or unreadable: web ACL not "
                 "evaluated")
        return None
    limits: list[tuple[str, int]] = []
    assoc = n.obj("AssociationConfig")
    rb = assoc.obj("RequestBody") if assoc is not None else None
    if rb is not None:
        for resource, v in rb.value.items():
            if isinstance(v, dict) and v.get("DefaultSizeInspectionLimit") in SIZE_LIMITS:
                limits.append((resource, SIZE_LIMITS[v["DefaultSizeInspectionLimit"]]))
    return WebAcl(name, arn, default, r.rules(n), _scope(arn), n.integer("Capacity"), n.text("LabelNamespace"),
                  tuple(limits), _bodies(n))


def read_rule_group(data: dict[str, Any], file: str, findings: list[Finding], path: str = "RuleGroup") -> RuleGroup:
    r = _Reader(file, findings)
    n = r.node(data, path)
    name = n.text("Name") or "(unnamed)"
    return RuleGroup(name, n.text("ARN") or name, r.rules(n), n.integer("Capacity"), n.text("LabelNamespace"),
                     _bodies(n))


def read_data(data: Any, file: str, out: WafFiles) -> None:
    """One decoded file into ``out`` (kind detected by its top-level key, or by its fields)."""
    if not isinstance(data, dict):
        out.findings.append(Finding(CODE, FindingType.ERROR, f"{file} should hold a JSON object, found "
                                    f"{kind_of(data)}", "", Position(1, 1), file))
        return
    if isinstance(data.get("WebACL"), dict):
        data, path = data["WebACL"], "WebACL"
    elif isinstance(data.get("RuleGroup"), dict):
        group = read_rule_group(data["RuleGroup"], file, out.findings)
        out.refs.rule_groups[group.arn] = group
        return
    elif isinstance(data.get("IPSet"), dict):
        n = Node(data["IPSet"], file, "IPSet", _Reader(file, out.findings).report)
        arn = n.text("ARN") or file
        out.refs.ip_sets[arn] = IPSet(arn, n.text("Name") or arn, tuple(n.texts("Addresses")),
                                      n.text("IPAddressVersion") or "IPV4")
        return
    elif isinstance(data.get("RegexPatternSet"), dict):
        n = Node(data["RegexPatternSet"], file, "RegexPatternSet", _Reader(file, out.findings).report)
        arn = n.text("ARN") or file
        patterns = tuple(p.text("RegexString") or "" for p in n.objects("RegularExpressionList"))
        out.refs.regex_sets[arn] = RegexPatternSet(arn, n.text("Name") or arn, tuple(p for p in patterns if p))
        return
    else:
        path = ""
    if "DefaultAction" not in data:
        out.findings.append(Finding(CODE, FindingType.ERROR, f"{file} is not a web ACL, rule group, IP set or regex "
                                    "pattern set as `aws wafv2 get-*` prints them", "", Position(1, 1), file))
        return
    acl = read_web_acl(data, file, out.findings, path)
    if acl is not None:
        out.acls.append((file, acl))
        out.raw.append((file, data))


def is_waf_document(data: Any) -> bool:
    """Whether decoded JSON is wafv2 output (for ``parc validate``'s detection by content)."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("WebACL"), dict) or isinstance(data.get("RuleGroup"), dict):
        return True
    return "DefaultAction" in data and "Rules" in data and "VisibilityConfig" in data


def load_files(paths: list[str | Path]) -> WafFiles:
    """Read wafv2 files; every problem is a located finding in the result, nothing raises."""
    out = WafFiles()
    for p in paths:
        file = str(p)
        try:
            text = Path(p).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            out.findings.append(Finding(CODE, FindingType.ERROR, f"{file} could not be read: {exc}", "", None, file))
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            out.findings.append(Finding(CODE, FindingType.ERROR, f"{file} is not valid JSON: {exc.msg}", "",
                                        Position(exc.lineno, exc.colno), file))
            continue
        except (ValueError, RecursionError) as exc:
            out.findings.append(Finding(CODE, FindingType.ERROR, f"{file} is not valid JSON: "
                                        f"{type(exc).__name__}", "", Position(1, 1), file))
            continue
        read_data(data, file, out)
    locate(out.findings)
    return out


def load_geo_csv(path: str | Path) -> tuple[list[tuple[str, str]], list[Finding]]:
    """An IP-to-country table: ``CIDR,COUNTRY`` lines (a header line and ``#`` comments allowed); a line that is
    not two fields is a located finding and left out."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Finding(CODE, FindingType.ERROR, f"{file} could not be read: {exc}", "", None, file)]
    rows: list[tuple[str, str]] = []
    findings: list[Finding] = []
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or row[0].strip().startswith("#"):
            continue
        if len(row) < 2:
            findings.append(Finding(CODE, FindingType.ERROR, f"{file}:{lineno}: expected CIDR,COUNTRY: line left "
                                    "out", "", Position(lineno, 1), file))
            continue
        if lineno == 1 and "/" not in row[0] and not any(c.isdigit() for c in row[0]):
            continue  # a header line
        try:
            ipaddress.ip_network(row[0].strip(), strict=False)
        except ValueError:
            findings.append(Finding(CODE, FindingType.ERROR, f"{file}:{lineno}: {row[0]!r} is not a CIDR: line left "
                                    "out", "", Position(lineno, 1), file))
            continue
        code = row[1].strip()
        if len(code) != 2 or not code.isalpha():
            findings.append(Finding(CODE, FindingType.ERROR, f"{file}:{lineno}: {code!r} is not a two-letter "
                                    "country code: line left out", "", Position(lineno, 1), file))
            continue
        rows.append((row[0], row[1]))
    return rows, findings
