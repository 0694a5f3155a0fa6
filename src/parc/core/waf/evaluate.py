"""A web ACL's verdict on one request: rules in priority order, labels, rule groups, actions, the default action.

As https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing.html states it: rules run from the
lowest priority; a match applies the rule's action; Allow and Block stop the evaluation; Count goes on (its labels
kept); CAPTCHA and Challenge stop it unless the request has a valid token, in which case they act like Count
(https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-actions.html); a matching rule
adds its RuleLabels, which later rules can match (https://docs.aws.amazon.com/waf/latest/developerguide/
waf-labels.html); no terminating match: the default action. A rule group reference runs the group's rules in place,
with ExcludedRules (Count) and RuleActionOverrides applied, and OverrideAction COUNT turning every action of the
group into Count. An AWS managed rule group cannot be evaluated (its contents are not public): it is reported as not
evaluated and the verdict is not final, since it could have matched first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from parc.core.waf.model import (
    Action,
    ManagedRuleGroup,
    References,
    Rule,
    RuleGroup,
    RuleGroupRef,
    WebAcl,
)
from parc.core.waf.rate import RateState
from parc.core.waf.request import WafRequest
from parc.core.waf.statements import Context, Detail, IPNetwork, evaluate_statement


@dataclass(slots=True)
class RuleResult:
    name: str
    priority: int
    matched: bool | None
    """None: not evaluated (details say why)."""
    action: str | None
    """The action applied when the rule matched (after overrides), e.g. BLOCK, COUNT, CAPTCHA (token valid: COUNT)."""
    details: list[Detail] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    group: str | None = None
    """The rule group (name) this rule belongs to, for the rules of a referenced group."""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "priority": self.priority, "matched": self.matched,
                                  "action": self.action, "details": [d.as_dict() for d in self.details]}
        if self.labels:
            out["labels"] = self.labels
        if self.group is not None:
            out["group"] = self.group
        return out


@dataclass(slots=True)
class Verdict:
    action: str
    terminating_rule: str | None
    labels: list[str]
    rules: list[RuleResult]
    final: bool = True
    """False when a rule that could not be evaluated (a managed rule group, a missing reference) came before the
    decision: AWS's action may differ."""
    caveats: list[str] = field(default_factory=list)
    custom_response: dict[str, object] | None = None
    terminating_group_rule: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"action": self.action, "terminating_rule": self.terminating_rule,
                                  "labels": self.labels, "final": self.final,
                                  "rules": [r.as_dict() for r in self.rules]}
        if self.terminating_group_rule:
            out["terminating_group_rule"] = self.terminating_group_rule
        if self.caveats:
            out["caveats"] = self.caveats
        if self.custom_response is not None:
            out["custom_response"] = self.custom_response
        return out


def account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else "000000000000"


def acl_namespace(acl: WebAcl) -> str:
    return acl.label_namespace or f"awswaf:{account_of(acl.arn)}:webacl:{acl.name}:"


def group_namespace(group: RuleGroup) -> str:
    return group.label_namespace or f"awswaf:{account_of(group.arn)}:rulegroup:{group.name}:"


def _full_label(namespace: str, label: str) -> str:
    return label if label.startswith("awswaf:") else namespace + label


@dataclass(slots=True)
class _Run:
    acl: WebAcl
    request: WafRequest
    refs: References
    geo: tuple[tuple[IPNetwork, str], ...]
    rates: RateState | None
    labels: list[str] = field(default_factory=list)
    results: list[RuleResult] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    unknown_before: list[str] = field(default_factory=list)
    approximate: list[str] = field(default_factory=list)
    group_bodies: dict[str, str] = field(default_factory=dict)

    def add_labels(self, labels: list[str]) -> None:
        for lb in labels:
            if lb not in self.labels:
                self.labels.append(lb)

    def match(self, rule: Rule, namespace: str, rule_id: str) -> tuple[bool | None, list[Detail]]:
        ctx = Context(self.request, self.acl, self.refs, self.labels, namespace, self.geo, self.rates, rule_id)
        matched = evaluate_statement(ctx, rule.statement)
        self.add_labels(ctx.added_labels)
        for c in ctx.caveats:
            if c not in self.caveats:
                self.caveats.append(c)
        if any(d.statement.startswith(("SqliMatch", "XssMatch")) for d in ctx.details):
            self.approximate.append(rule.name)
        return matched, ctx.details

    def apply(self, action: Action) -> tuple[str, bool]:
        """The action as applied to this request, and whether it stops the evaluation."""
        kind = action.kind
        if kind == "CAPTCHA" and self.request.captcha_token:
            return "COUNT", False
        if kind == "CHALLENGE" and self.request.challenge_token:
            return "COUNT", False
        return kind, kind in ("ALLOW", "BLOCK", "CAPTCHA", "CHALLENGE")


def _override(name: str, action: Action | None, excluded: tuple[str, ...],
              overrides: tuple[tuple[str, Action], ...]) -> Action | None:
    for n, a in overrides:
        if n == name:
            return a
    if name in excluded:
        return Action("COUNT")
    return action


def evaluate(acl: WebAcl, request: WafRequest, refs: References | None = None,
             geo: tuple[tuple[IPNetwork, str], ...] = (), rates: RateState | None = None) -> Verdict:
    """The web ACL's action on ``request``, with every rule evaluated up to the terminating one."""
    run = _Run(acl, request, refs or References(), geo, rates)
    ns = acl_namespace(acl)
    for rule in sorted(acl.rules, key=lambda r: r.priority):
        stop = _run_rule(run, rule, ns, rule.name)
        if stop is not None:
            return _verdict(run, stop[0], rule.name, stop[1], stop[2])
    default = acl.default_action
    return _verdict(run, default, None, None, default.kind)


def _verdict(run: _Run, action: Action, rule: str | None, group_rule: str | None, applied: str) -> Verdict:
    caveats = list(run.caveats)
    if run.unknown_before:
        caveats.insert(0, "not evaluated before the decision: " + ", ".join(run.unknown_before)
                       + " (an AWS managed rule group's contents are not public; it could have matched first)")
    if run.approximate:
        caveats.append(f"{', '.join(dict.fromkeys(run.approximate))}: SQLi / XSS judged by libinjection, an "
                       "approximation of AWS's undisclosed detector")
    custom: dict[str, object] | None = None
    if applied == "BLOCK":
        cr = action.custom_response
        custom = {"code": cr.code if cr else 403}
        if cr and cr.headers:
            custom["headers"] = [list(h) for h in cr.headers]
        if cr and cr.body_key:
            # a rule group's Block names a body of the group's own CustomResponseBodies
            bodies = {**dict(run.acl.custom_response_bodies), **run.group_bodies}
            custom["body_key"] = cr.body_key
            if cr.body_key in bodies:
                custom["body"] = bodies[cr.body_key]
    elif applied == "CAPTCHA":
        custom = {"code": 405, "headers": [["x-amzn-waf-action", "captcha"]]}
    elif applied == "CHALLENGE":
        custom = {"code": 202, "headers": [["x-amzn-waf-action", "challenge"]]}
    return Verdict(applied, rule, list(run.labels), run.results, final=not run.unknown_before, caveats=caveats,
                   custom_response=custom, terminating_group_rule=group_rule)


def _run_rule(run: _Run, rule: Rule, ns: str, rule_id: str) -> tuple[Action, str | None, str] | None:
    """Evaluate one web ACL rule; (action, group rule, applied action) when it stops the evaluation."""
    s = rule.statement
    if isinstance(s, RuleGroupRef):
        return _run_group(run, rule, s)
    if isinstance(s, ManagedRuleGroup):
        if s.scope_down is not None:
            matched, details = run.match(Rule(rule.name, rule.priority, s.scope_down), ns, rule_id)
            if matched is False:
                run.results.append(RuleResult(rule.name, rule.priority, False, None, [
                    *details, Detail("ManagedRuleGroup", False, note="scope-down statement did not match: the "
                                     "group's rules do not inspect this request")]))
                return None
        run.results.append(RuleResult(rule.name, rule.priority, None, None, [Detail(
            "ManagedRuleGroup", None, note=f"{s.vendor}/{s.name}: managed rule group contents are not public: "
            "not evaluated")]))
        run.unknown_before.append(rule.name)
        return None
    matched, details = run.match(rule, ns, rule_id)
    if matched is None:
        run.results.append(RuleResult(rule.name, rule.priority, None, None, details))
        run.unknown_before.append(rule.name)
        return None
    if not matched:
        run.results.append(RuleResult(rule.name, rule.priority, False, None, details))
        return None
    action = rule.action or Action("COUNT")
    applied, stops = run.apply(action)
    labels = [_full_label(ns, lb) for lb in rule.labels]
    run.add_labels(labels)
    run.results.append(RuleResult(rule.name, rule.priority, True, applied, details, labels))
    return (action, None, applied) if stops else None


def _run_group(run: _Run, rule: Rule, s: RuleGroupRef) -> tuple[Action, str | None, str] | None:
    group = run.refs.rule_groups.get(s.arn)
    if group is None:
        run.results.append(RuleResult(rule.name, rule.priority, None, None, [Detail(
            "RuleGroupReference", None, note=f"rule group {s.arn} not given: not evaluated")]))
        run.unknown_before.append(rule.name)
        return None
    gns = group_namespace(group)
    as_count = (rule.override_action or "NONE") == "COUNT"
    any_match = False
    for inner in sorted(group.rules, key=lambda r: r.priority):
        if isinstance(inner.statement, (RuleGroupRef, ManagedRuleGroup)):
            run.results.append(RuleResult(inner.name, inner.priority, None, None, [Detail(
                "RuleGroupReference", None, note="nested rule group reference: not evaluated")], group=group.name))
            run.unknown_before.append(f"{group.name}/{inner.name}")
            continue
        matched, details = run.match(inner, gns, f"{s.arn}/{inner.name}")
        if matched is None:
            run.results.append(RuleResult(inner.name, inner.priority, None, None, details, group=group.name))
            run.unknown_before.append(f"{group.name}/{inner.name}")
            continue
        if not matched:
            run.results.append(RuleResult(inner.name, inner.priority, False, None, details, group=group.name))
            continue
        any_match = True
        action = _override(inner.name, inner.action, s.excluded, s.overrides) or Action("COUNT")
        if as_count:
            action = Action("COUNT")
        applied, stops = run.apply(action)
        labels = [_full_label(gns, lb) for lb in inner.labels]
        run.add_labels(labels)
        run.results.append(RuleResult(inner.name, inner.priority, True, applied, details, labels, group=group.name))
        if stops:
            run.group_bodies = dict(group.custom_response_bodies)
            run.results.append(RuleResult(rule.name, rule.priority, True, applied, [Detail(
                "RuleGroupReference", True, note=f"{group.name}: rule {inner.name} terminated")]))
            return action, inner.name, applied
    run.results.append(RuleResult(rule.name, rule.priority, any_match, "COUNT" if any_match else None, [Detail(
        "RuleGroupReference", any_match, note=f"{group.name}: no terminating match"
        + (" (OverrideAction COUNT)" if as_count else ""))]))
    return None


def parse_geo_table(rows: list[tuple[str, str]]) -> tuple[tuple[tuple[IPNetwork, str], ...], list[str]]:
    """(CIDR, country) rows to a lookup table; the rows that are not a CIDR and a two-letter code are returned."""
    out: list[tuple[IPNetwork, str]] = []
    bad: list[str] = []
    for cidr, country in rows:
        try:
            net = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            bad.append(cidr)
            continue
        code = country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            bad.append(cidr)
            continue
        out.append((net, code))
    return tuple(out), bad


