"""``parc collect`` gathers AWS WAF: every scope's web ACLs, rule groups, IP sets and regex pattern sets as the AWS CLI
prints them (one file each, which the WAF loader reads as they are), each ACL's logging configuration, and the
front doors a web ACL protects (Application Load Balancers with their ACL, API Gateway stages, CloudFront
distributions). moto's planted state: ``moto_waf``.

https://docs.aws.amazon.com/waf/latest/APIReference/API_ListWebACLs.html (Scope CLOUDFRONT lives in us-east-1)
https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACLForResource.html
"""

from __future__ import annotations

import json

from collect_fixtures import Collected
from moto_account import MGMT

from parc.loaders.waf import load_files


def test_every_waf_object_is_written_where_the_loader_reads_it(org_snapshot: Collected) -> None:
    acct = org_snapshot.out / MGMT
    waf = acct / "wafv2"
    files = sorted(waf.glob("*/*/*.json"))
    assert [p.relative_to(waf).as_posix() for p in files] == [
        "cloudfront/web-acls/edge.json", "eu-west-1/ip-sets/blocked.json",
        "eu-west-1/regex-pattern-sets/bad-paths.json", "eu-west-1/rule-groups/paths.json",
        "eu-west-1/web-acls/app.json"]
    loaded = load_files(list(files))
    assert loaded.findings == []
    assert sorted(acl.name for _, acl in loaded.acls) == ["app", "edge"]
    assert {acl.scope for _, acl in loaded.acls} == {"REGIONAL", "CLOUDFRONT"}
    assert len(loaded.refs.ip_sets) == len(loaded.refs.regex_sets) == len(loaded.refs.rule_groups) == 1
    for scope in ("cloudfront", "eu-west-1", "us-east-1"):
        for name in ("list-web-acls", "list-rule-groups", "list-ip-sets", "list-regex-pattern-sets",
                     "get-logging-configuration"):
            assert (waf / scope / f"{name}.json").is_file(), (scope, name)


def test_logging_and_associations_are_kept_per_web_acl_and_per_resource(org_snapshot: Collected) -> None:
    acct = org_snapshot.out / MGMT
    planted = org_snapshot.moto.planted.waf
    assert planted is not None
    logging = json.loads((acct / "wafv2/eu-west-1/get-logging-configuration.json").read_text())
    assert logging[planted.acl_arn]["LoggingConfiguration"]["ResourceArn"] == planted.acl_arn
    # an ACL without logging: WAFNonexistentItemException is "none", {} -- not a failure
    edge = json.loads((acct / "wafv2/cloudfront/get-logging-configuration.json").read_text())
    assert edge == {planted.cloudfront_acl_arn: {}}
    assoc = json.loads((acct / "wafv2/eu-west-1/get-web-acl-for-resource.json").read_text())
    assert assoc[planted.protected_alb]["WebACL"]["ARN"] == planted.acl_arn
    assert "WebACL" not in assoc[planted.open_alb]
    lbs = json.loads((acct / "elbv2/eu-west-1/describe-load-balancers.json").read_text())
    assert len(lbs["LoadBalancers"]) == 2
    stages = json.loads((acct / "apigateway/eu-west-1/get-stages.json").read_text())
    assert [s["stageName"] for s in stages[planted.api]["item"]] == ["prod"]
    dists = json.loads((acct / "cloudfront/list-distributions.json").read_text())
    assert [d["Id"] for d in dists["DistributionList"]["Items"]] == [planted.distribution]


def test_a_member_account_without_waf_has_empty_lists_not_gaps(org_snapshot: Collected) -> None:
    member = org_snapshot.out / org_snapshot.moto.planted.member
    record = json.loads((member / "collection.json").read_text())
    assert "wafv2" in record["areas"] and record["failures"] == []
    assert json.loads((member / "wafv2/cloudfront/list-web-acls.json").read_text()) == {"WebACLs": []}


def test_the_collected_waf_is_audited(org_snapshot: Collected) -> None:
    """Collected then audited: the legacy load balancer, the distribution and the REST API stage have no web ACL;
    the CloudFront web ACL (no rules) allows everything and has no logging; the regional one logs and blocks."""
    from datetime import UTC, datetime

    from parc.core.audit import AuditOptions, audit
    from parc.loaders.snapshot import load_audit_snapshot

    planted = org_snapshot.moto.planted.waf
    assert planted is not None
    report = audit(load_audit_snapshot(org_snapshot.out), AuditOptions(datetime(2026, 12, 1, tzinfo=UTC)))
    mine = sorted((f.rule, f.resource) for f in report.findings if f.rule.startswith("WAF_") and f.account == MGMT)
    assert mine == sorted([
        ("WAF_NOT_ATTACHED", planted.open_alb),
        ("WAF_NOT_ATTACHED", f"arn:aws:cloudfront::{MGMT}:distribution/{planted.distribution}"),
        ("WAF_NOT_ATTACHED", f"arn:aws:apigateway:eu-west-1::/restapis/{planted.api}/stages/prod"),
        ("WAF_ALLOWS_EVERYTHING", planted.cloudfront_acl_arn),
        ("WAF_NO_LOGGING", planted.cloudfront_acl_arn),
    ])
    assert not [n for n in report.not_checked if n.check.startswith("web application") and n.account == MGMT]
    assert not [u for u in report.unread if u.part == "web application firewall"]
