"""Lint a web ACL or rule group: what AWS would refuse, and what cannot do what its author meant.

Each finding names its rule and cites the page that states it:

* WAF_UNREACHABLE_RULE: rules after a rule that matches every request with a terminating action (Allow / Block)
  never run (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html). parc flags only
  statements it can prove match everything: a size constraint ``GE 0`` / ``GT -1`` on an always-present component,
  a regex that matches the empty string without end anchors or word boundaries, and and / or / not of those.
* WAF_PRIORITY_CLASH: rule priorities, and transformation priorities within one statement, "must all be different"
  (https://docs.aws.amazon.com/waf/latest/APIReference/API_Rule.html, API_TextTransformation.html).
* WAF_TRANSFORM_REPEAT / WAF_TRANSFORM_CANCEL: an idempotent transformation applied twice in a row, NONE beside other
  transformations, a case change undone by the next, LOWERCASE after CMD_LINE (which already lowercases)
  (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html).
* WAF_RATE_LIMIT_BELOW_MINIMUM / WAF_RATE_WINDOW_INVALID: the lowest limit is 10, the windows 60, 120, 300, 600 s
  (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
* WAF_REGEX_REJECTED: https://docs.aws.amazon.com/waf/latest/developerguide/waf-regex-pattern-support.html lists
  the PCRE constructs AWS WAF refuses (backreferences, atomic groups and possessive quantifiers, conditionals,
  recursion, backtracking verbs, \\C, \\R, \\K, callouts): a pattern with one is an error. Another pattern that RE2
  rejects (a lookaround: AWS "supports some zero-width assertions, but not all") is a warning: AWS may accept it,
  but parc, which matches with RE2, cannot evaluate it.

The WCU total is not checked: AWS's per-statement costs depend on settings (text transformations, match scopes,
pattern sets' sizes) that parc would have to reproduce exactly, and a wrong total would be a false finding.
"""

from __future__ import annotations

import itertools
import re

from parc.core.findings import Finding, FindingType
from parc.core.waf.model import (
    And,
    ByteMatch,
    ManagedRuleGroup,
    Not,
    Or,
    RateBased,
    RegexMatch,
    RegexPatternSet,
    RegexSetMatch,
    Rule,
    RuleGroupRef,
    SizeConstraint,
    SqliMatch,
    Statement,
    Transformation,
    XssMatch,
)
from parc.core.waf.rate import MIN_LIMIT, WINDOWS
from parc.core.waf.statements import compile_regex

DOCS = "https://docs.aws.amazon.com/waf/latest/developerguide/"
_ALWAYS_PRESENT = {"UriPath", "Method", "QueryString", "Body", "HeaderOrder"}
_IDEMPOTENT = {"LOWERCASE", "UPPERCASE", "COMPRESS_WHITE_SPACE", "NORMALIZE_PATH", "NORMALIZE_PATH_WIN", "REMOVE_NULLS",
               "REPLACE_NULLS", "REPLACE_COMMENTS", "REMOVE_WHITESPACE", "TRIM", "TRIM_LEFT", "TRIM_RIGHT", "CMD_LINE",
               "REMOVE_COMMENTS_CHAR"}
_END_ANCHORS = ("$", "\\z", "\\Z", "\\b", "\\B")


def matches_everything(s: Statement) -> bool:
    """True only when the statement provably matches every request."""
    if isinstance(s, SizeConstraint):
        return s.field.kind in _ALWAYS_PRESENT and ((s.operator == "GE" and s.size <= 0)
                                                    or (s.operator == "GT" and s.size < 0))
    if isinstance(s, RegexMatch):
        if s.field.kind not in _ALWAYS_PRESENT or any(a in s.pattern for a in _END_ANCHORS):
            return False
        compiled = compile_regex(s.pattern)
        return compiled is not None and compiled.search(b"") is not None  # type: ignore[attr-defined]
    if isinstance(s, And):
        return bool(s.statements) and all(matches_everything(x) for x in s.statements)
    if isinstance(s, Or):
        return any(matches_everything(x) for x in s.statements)
    if isinstance(s, Not):
        return matches_nothing(s.statement)
    return False


def matches_nothing(s: Statement) -> bool:
    """True only when the statement provably matches no request."""
    if isinstance(s, SizeConstraint):
        return s.field.kind in _ALWAYS_PRESENT and s.operator == "LT" and s.size <= 0
    if isinstance(s, Not):
        return matches_everything(s.statement)
    if isinstance(s, And):
        return any(matches_nothing(x) for x in s.statements)
    if isinstance(s, Or):
        return bool(s.statements) and all(matches_nothing(x) for x in s.statements)
    return False


def _finding(code: str, kind: FindingType, message: str, path: str, file: str | None, page: str) -> Finding:
    return Finding(code, kind, message, path, None, file, DOCS + page if not page.startswith("http") else page)


def _transforms(s: Statement) -> list[tuple[Transformation, ...]]:
    out: list[tuple[Transformation, ...]] = []
    if isinstance(s, (ByteMatch, RegexMatch, RegexSetMatch, SizeConstraint, SqliMatch, XssMatch)):
        out.append(s.transforms)
    elif isinstance(s, RateBased):
        out.extend(k.transforms for k in s.keys if k.transforms)
        if s.scope_down is not None:
            out.extend(_transforms(s.scope_down))
    elif isinstance(s, (And, Or)):
        for x in s.statements:
            out.extend(_transforms(x))
    elif isinstance(s, Not):
        out.extend(_transforms(s.statement))
    elif isinstance(s, ManagedRuleGroup) and s.scope_down is not None:
        out.extend(_transforms(s.scope_down))
    return out


def _walk(s: Statement) -> list[Statement]:
    out: list[Statement] = [s]
    if isinstance(s, (And, Or)):
        for x in s.statements:
            out.extend(_walk(x))
    elif isinstance(s, Not):
        out.extend(_walk(s.statement))
    elif isinstance(s, (RateBased, ManagedRuleGroup)) and s.scope_down is not None:
        out.extend(_walk(s.scope_down))
    return out


def _chain_findings(chain: tuple[Transformation, ...], rule: Rule, file: str | None) -> list[Finding]:
    out: list[Finding] = []
    where = f"{rule.path}.Statement" if rule.path else rule.name
    prios = [t.priority for t in chain]
    if len(set(prios)) != len(prios):
        out.append(_finding("WAF_PRIORITY_CLASH", FindingType.ERROR, f"rule {rule.name}: two text transformations "
                            f"share a priority ({sorted(prios)}); AWS requires them all different", where, file,
                            "https://docs.aws.amazon.com/waf/latest/APIReference/API_TextTransformation.html"))
    types = [t.type for t in sorted(chain, key=lambda t: t.priority)]
    if "NONE" in types and len(types) > 1:
        out.append(_finding("WAF_TRANSFORM_CANCEL", FindingType.WARNING, f"rule {rule.name}: NONE beside other "
                            f"transformations ({' > '.join(types)}) has no effect", where, file,
                            "waf-rule-statement-transformation.html"))
    for a, b in itertools.pairwise(types):
        if a == b and a in _IDEMPOTENT:
            out.append(_finding("WAF_TRANSFORM_REPEAT", FindingType.WARNING, f"rule {rule.name}: {a} twice in a row: "
                                "the second changes nothing (and costs 10 WCUs)", where, file,
                                "waf-rule-statement-transformation.html"))
        elif {a, b} == {"LOWERCASE", "UPPERCASE"}:
            out.append(_finding("WAF_TRANSFORM_CANCEL", FindingType.WARNING, f"rule {rule.name}: {a} then {b}: the "
                                f"second undoes the first", where, file, "waf-rule-statement-transformation.html"))
        elif a == "CMD_LINE" and b == "LOWERCASE":
            out.append(_finding("WAF_TRANSFORM_REPEAT", FindingType.WARNING, f"rule {rule.name}: LOWERCASE after "
                                "CMD_LINE, which already lowercases", where, file,
                                "waf-rule-statement-transformation.html"))
    return out


def lint_rules(rules: tuple[Rule, ...], file: str | None, regex_sets: dict[str, RegexPatternSet] | None = None,
               what: str = "web ACL") -> list[Finding]:
    """Findings for the rules of one web ACL or rule group."""
    out: list[Finding] = []
    seen: dict[int, str] = {}
    for r in rules:
        if r.priority in seen:
            out.append(_finding("WAF_PRIORITY_CLASH", FindingType.ERROR, f"rules {seen[r.priority]} and {r.name} "
                                f"share priority {r.priority}; AWS requires every rule's priority in a {what} to "
                                "differ", r.path, file, "web-acl-processing-order.html"))
        else:
            seen[r.priority] = r.name
    ordered = sorted(rules, key=lambda r: r.priority)
    for i, r in enumerate(ordered):
        if (r.action is not None and r.action.kind in ("ALLOW", "BLOCK")
                and not isinstance(r.statement, (RuleGroupRef, ManagedRuleGroup))
                and matches_everything(r.statement) and i + 1 < len(ordered)):
            names = ", ".join(x.name for x in ordered[i + 1:])
            out.append(_finding("WAF_UNREACHABLE_RULE", FindingType.WARNING, f"rule {r.name} matches every request "
                                f"and {r.action.kind.lower()}s it: {names} never run", r.path, file,
                                "web-acl-processing-order.html"))
            break
    for r in rules:
        for chain in _transforms(r.statement):
            out.extend(_chain_findings(chain, r, file))
        for s in _walk(r.statement):
            where = f"{r.path}.Statement" if r.path else r.name
            if isinstance(s, RateBased):
                if s.limit < MIN_LIMIT:
                    out.append(_finding("WAF_RATE_LIMIT_BELOW_MINIMUM", FindingType.ERROR, f"rule {r.name}: rate "
                                        f"limit {s.limit} is below AWS's minimum of {MIN_LIMIT}", where, file,
                                        "waf-rule-statement-type-rate-based-high-level-settings.html"))
                if s.window not in WINDOWS:
                    out.append(_finding("WAF_RATE_WINDOW_INVALID", FindingType.ERROR, f"rule {r.name}: evaluation "
                                        f"window {s.window} s is not one of {', '.join(map(str, WINDOWS))}", where,
                                        file, "waf-rule-statement-type-rate-based-high-level-settings.html"))
            if isinstance(s, RegexMatch):
                out.extend(_regex_findings(s.pattern, f"rule {r.name}", where, file))
            if isinstance(s, RegexSetMatch) and regex_sets and s.arn in regex_sets:
                for p in regex_sets[s.arn].patterns:
                    out.extend(_regex_findings(p, f"rule {r.name}: regex pattern set {regex_sets[s.arn].name}",
                                               where, file))
    return out


_REFUSED = re.compile(r"\\[1-9]|\\[gk][<{'0-9]|\(\?>|[*+?}][+]|\(\?\(|\(\*|\\[CRK]|\(\?R\)|\(\?[&P]>|\(\?C")
"""Constructs the regex page says AWS WAF does not support (backreferences, atomic groups, possessive quantifiers,
conditionals, backtracking verbs, \\C \\R \\K, recursion and subroutines, callouts)."""


def _regex_findings(pattern: str, who: str, where: str, file: str | None) -> list[Finding]:
    refused = _REFUSED.search(pattern.replace("\\\\", ""))  # an escaped backslash starts nothing
    if refused is not None:
        return [_finding("WAF_REGEX_REJECTED", FindingType.ERROR, f"{who}: {refused.group(0)!r} in {pattern!r} is a "
                         "construct AWS WAF does not support: the API refuses the pattern", where, file,
                         "waf-regex-pattern-support.html")]
    if compile_regex(pattern) is None:
        return [_finding("WAF_REGEX_REJECTED", FindingType.WARNING, f"{who}: RE2 rejects {pattern!r}: AWS WAF may "
                         "refuse it too (it supports only some zero-width assertions), and parc cannot evaluate it",
                         where, file, "waf-regex-pattern-support.html")]
    return []


def lint_regex_set(rset: RegexPatternSet, file: str | None) -> list[Finding]:
    return [f for p in rset.patterns for f in _regex_findings(p, f"regex pattern set {rset.name}",
                                                              "RegexPatternSet.RegularExpressionList", file)]
