"""AWS WAF in the audit: what faces the internet without a web ACL, and web ACLs that cannot do what they seem to.

* WAF_NOT_ATTACHED: an internet-facing Application Load Balancer, an API Gateway REST API stage (not PRIVATE) or an
  enabled CloudFront distribution with no web ACL: nothing filters requests before the application
  (https://docs.aws.amazon.com/waf/latest/developerguide/waf-chapter.html, "resources you can protect";
  https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html).
* WAF_ALLOWS_EVERYTHING: default action Allow and no rule that can block, challenge or CAPTCHA a request (Count and
  Allow rules never stop one; a rule group referenced with OverrideAction Count neither): the web ACL lets every
  request through (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-default-action.html). A rule group
  parc has not read, or an AWS managed one, may block: then no finding, and the managed group is said below.
* WAF_RULE_IN_COUNT: a rule (or a rule group reference) whose action is Count only counts and labels
  (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html); left on after testing it protects
  nothing. A Count rule whose label a later rule of the ACL matches is the documented pattern for labels and is not
  flagged (https://docs.aws.amazon.com/waf/latest/developerguide/waf-labels.html).
* WAF_MANAGED_GROUP_NOT_EVALUATED (INFO): an AWS managed or Marketplace rule group; AWS does not publish its rules,
  so parc neither evaluates it nor says what it blocks.
* WAF_NO_LOGGING: a web ACL without a logging configuration keeps no record of what it allowed or blocked
  (https://docs.aws.amazon.com/waf/latest/developerguide/logging.html).
* WAF_UNREACHABLE_RULE: rules after one that matches every request and allows or blocks it (the WAF lint,
  ``parc.core.waf.lint``).

No CIS AWS Foundations control covers AWS WAF (the CIS table has none), so these carry no control id.
"""

from __future__ import annotations

from parc.core.audit.model import AuditFinding, CheckResult, NotChecked, Severity
from parc.core.audit.waf_inputs import AuditedAcl, WafSnapshot, WafWhere
from parc.core.waf.lint import lint_rules
from parc.core.waf.model import (
    And,
    LabelMatch,
    ManagedRuleGroup,
    Not,
    Or,
    RateBased,
    References,
    Rule,
    RuleGroupRef,
    Statement,
    WebAcl,
)

CHECK = "web application firewall: AWS WAF web ACLs and what they protect"
CHECK_DOORS = "web application firewall: load balancers, API stages and distributions without a web ACL"
DOCS = "https://docs.aws.amazon.com/waf/latest/developerguide/"
_STOPPING = frozenset({"BLOCK", "CAPTCHA", "CHALLENGE"})


def waf_checks(account: str, waf: WafSnapshot | None) -> CheckResult:
    if waf is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK, "the snapshot has no wafv2/ folder (nor elbv2/, "
                                                      "apigateway/, cloudfront/): collect it with parc collect",
                                                      account)])
    findings: list[AuditFinding] = []
    not_checked = [NotChecked(CHECK, m, account) for m in waf.missing]
    for door in waf.doors:
        if not door.acl_known:
            not_checked.append(NotChecked(CHECK_DOORS, f"{door.kind} {door.name}: its web ACL was not read "
                                          f"(get-web-acl-for-resource)", account))
        elif door.acl is None:
            findings.append(AuditFinding(
                "WAF_NOT_ATTACHED", Severity.MEDIUM, "network",
                f"Internet-facing {door.kind} {door.name} has no AWS WAF web ACL", door.arn,
                "Every request reaches the application unfiltered: no managed protections against common exploits "
                "(SQL injection, cross-site scripting, known bad inputs), no rate limiting.",
                "Associate a web ACL with it (aws wafv2 associate-web-acl --web-acl-arn ... --resource-arn "
                f"{door.arn}; for CloudFront, the distribution's WebACLId), starting with AWS's core rule set in "
                "Count mode, then Block.",
                account, (door.where.evidence(f"{door.kind} {door.name}: no web ACL"),),
                f"{DOCS}web-acl-associating-aws-resource.html", key=door.arn,
                details={"kind": door.kind, "region": door.region}))
    if not waf.doors_read:
        not_checked.append(NotChecked(CHECK_DOORS, "the snapshot has no describe-load-balancers, get-rest-apis / "
                                      "get-stages or list-distributions output", account))
    for a in waf.acls:
        findings.extend(_acl_findings(account, a, waf.refs))
        if a.logging is None:
            not_checked.append(NotChecked(CHECK, f"web ACL {a.acl.name} ({a.scope}): its logging configuration "
                                          "was not read", account))
    return CheckResult.of(findings, not_checked)


def _can_stop(rule: Rule, refs: References) -> bool | None:
    """Whether the rule can stop a request (Block, CAPTCHA, Challenge); None when parc cannot tell."""
    s = rule.statement
    if isinstance(s, ManagedRuleGroup):
        return None if rule.override_action != "COUNT" else False
    if isinstance(s, RuleGroupRef):
        if rule.override_action == "COUNT":
            return False
        group = refs.rule_groups.get(s.arn)
        if group is None:
            return None
        overrides = dict(s.overrides)
        kinds = []
        for r in group.rules:
            if r.name in s.excluded:
                continue
            act = overrides.get(r.name, r.action)
            kinds.append(act.kind if act is not None else None)
        if any(k in _STOPPING for k in kinds):
            return True
        return None if any(k is None for k in kinds) else False
    return rule.action is not None and rule.action.kind in _STOPPING


def _label_keys(s: Statement) -> list[str]:
    if isinstance(s, LabelMatch):
        return [s.key]
    if isinstance(s, (And, Or)):
        return [k for x in s.statements for k in _label_keys(x)]
    if isinstance(s, Not):
        return _label_keys(s.statement)
    if isinstance(s, (RateBased, ManagedRuleGroup)) and s.scope_down is not None:
        return _label_keys(s.scope_down)
    return []


def _labels_used(acl: WebAcl, rule: Rule) -> bool:
    later = [k for r in acl.rules if r.priority > rule.priority for k in _label_keys(r.statement)]
    return any(k == label or k.endswith(":" + label) for label in rule.labels for k in later)


def _acl_findings(account: str, a: AuditedAcl, refs: References) -> list[AuditFinding]:
    acl = a.acl
    out: list[AuditFinding] = []
    where = a.where
    desc = f"web ACL {acl.name} ({a.scope})"
    stops = [_can_stop(r, refs) for r in acl.rules]
    if acl.default_action.kind == "ALLOW" and all(s is False for s in stops):
        out.append(AuditFinding(
            "WAF_ALLOWS_EVERYTHING", Severity.MEDIUM, "network",
            f"The {desc} allows every request: default action Allow and no rule that blocks", acl.arn,
            "Its rules only count or allow; whatever it protects gets every request as if it had no web ACL, while "
            "the console shows it protected.",
            "Give the rules meant to stop requests a Block (or CAPTCHA / Challenge) action, or set a rule group "
            "reference's OverrideAction to None, once their Count metrics show no false positives.",
            account, (where.evidence(f"{acl.name}: DefaultAction Allow; rules: "
                                     + (", ".join(f"{r.name} ({_shown(r)})" for r in acl.rules) or "none")),),
            f"{DOCS}web-acl-default-action.html", key="default", details={"rules": len(acl.rules)}))
    for r in acl.rules:
        counted = (r.action is not None and r.action.kind == "COUNT") or (
            r.override_action == "COUNT" and isinstance(r.statement, (RuleGroupRef, ManagedRuleGroup)))
        if counted and not _labels_used(acl, r):
            out.append(AuditFinding(
                "WAF_RULE_IN_COUNT", Severity.LOW, "network",
                f"Rule {r.name} of the {desc} is in Count mode", acl.arn,
                "A rule in Count only counts and labels matching requests: if its testing is over, it protects "
                "nothing while it looks in place.",
                f"When its sampled requests show no false positives, set rule {r.name}'s action to Block (a rule "
                "group reference: OverrideAction None); if it is meant to count, add a comment in its metric name.",
                account, (WafWhere(where.file, r.path or where.path).evidence(f"{r.name}: {_shown(r)}"),),
                f"{DOCS}waf-rule-action.html",
                key=f"count:{r.name}", details={"rule": r.name, "priority": r.priority}))
        if isinstance(r.statement, ManagedRuleGroup):
            m = r.statement
            out.append(AuditFinding(
                "WAF_MANAGED_GROUP_NOT_EVALUATED", Severity.INFO, "network",
                f"Rule {r.name} of the {desc} uses managed rule group {m.vendor}/{m.name}: not evaluated", acl.arn,
                "AWS does not publish the rules of managed rule groups: parc neither evaluates it nor says what it "
                "blocks; parc waf check and parc waf test report it as not evaluated.",
                "Nothing to fix; test what it does with the web ACL in Count mode and its sampled requests.",
                account, (WafWhere(where.file, r.path or where.path).evidence(
                    f"{r.name}: ManagedRuleGroupStatement {m.vendor}/{m.name}"
                                         + (f" version {m.version}" if m.version else "")),),
                f"{DOCS}aws-managed-rule-groups.html", key=f"managed:{r.name}",
                details={"vendor": m.vendor, "name": m.name, "version": m.version}))
    if a.logging is False:
        out.append(AuditFinding(
            "WAF_NO_LOGGING", Severity.LOW, "logging",
            f"The {desc} has no logging configuration", acl.arn,
            "Without logs there is no record of which requests it allowed, blocked or counted: no investigation "
            "of an attack, no evidence to tune rules left in Count.",
            "aws wafv2 put-logging-configuration with a CloudWatch Logs group, S3 bucket or Firehose stream whose "
            "name starts with aws-waf-logs-.",
            account, ((a.logging_where or where).evidence(f"{acl.name}: get-logging-configuration: none"),),
            f"{DOCS}logging.html", key="logging"))
    for f in lint_rules(acl.rules, where.file, refs.regex_sets):
        if f.code == "WAF_UNREACHABLE_RULE":
            out.append(AuditFinding(
                "WAF_UNREACHABLE_RULE", Severity.LOW, "network", f"The {desc}: {f.message}", acl.arn,
                "Rules after a rule that matches every request and allows or blocks it never run: what they were "
                "meant to stop is not stopped (or what they were meant to allow is blocked).",
                "Narrow the match-all rule's statement, or move it after the rules it hides (a higher priority "
                "number).",
                account, (WafWhere(where.file, f.path or where.path).evidence(f.message),),
                f"{DOCS}web-acl-processing-order.html", key=f"unreachable:{f.path}"))
    return out


def _shown(r: Rule) -> str:
    if r.action is not None:
        return r.action.kind
    return f"rule group, OverrideAction {r.override_action or 'NONE'}"
