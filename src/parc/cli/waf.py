"""``parc waf``: what an AWS WAF web ACL does to requests, offline (issue 18).

``parc waf check ACL.json REQUEST.json``: the action, the terminating rule, every rule's match and the labels.
Exit codes: 0 when answered; 2 when an input could not be read in whole (the verdict over what could be read is
still printed, and the problems are listed on stderr with file and line).
"""

from __future__ import annotations

import json
import sys

import click

from parc.cli import exitcodes
from parc.core.findings import Finding, FindingType
from parc.core.waf.evaluate import Verdict, evaluate, parse_geo_table
from parc.core.waf.model import References, WebAcl
from parc.core.waf.rate import RateState
from parc.core.waf.request import WafRequest
from parc.loaders.waf import WafFiles, load_files, load_geo_csv
from parc.loaders.waf_request import load_requests
from parc.reporters.waf_text import render_verdict


def _where(f: Finding) -> str:
    pos = f":{f.position.line}" if f.position else ""
    path = f" {f.path}" if f.path and f.path not in f.message else ""
    return f"{f.file or ''}{pos}{path}"


def _problems(findings: list[Finding]) -> bool:
    """Print input problems to stderr; True when any is an error (the input was not read in whole)."""
    for f in findings:
        click.echo(f"parc waf: {_where(f)}: {f.message}", err=True)
    return any(f.finding_type == FindingType.ERROR for f in findings)


def _load(acl: str, extra: tuple[str, ...]) -> tuple[WebAcl | None, References, list[Finding]]:
    files: WafFiles = load_files([acl, *extra])
    mine = [a for f, a in files.acls if f == acl]
    if not mine:
        return None, files.refs, files.findings
    return mine[0], files.refs, files.findings


@click.group("waf")
def command() -> None:
    """AWS WAF web ACLs: what they do to requests, offline."""


@command.command("check")
@click.argument("acl", type=click.Path(dir_okay=False))
@click.argument("request", type=click.Path(dir_okay=False))
@click.option("--ip-sets", "ip_sets", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-ip-set output for an IP set the ACL references (repeatable).")
@click.option("--regex-sets", "regex_sets", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-regex-pattern-set output (repeatable).")
@click.option("--rule-groups", "rule_groups", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-rule-group output for a rule group the ACL references (repeatable).")
@click.option("--geoip", type=click.Path(dir_okay=False),
              help="CIDR,COUNTRY table: the country of an IP when the request does not state it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(acl: str, request: str, ip_sets: tuple[str, ...], regex_sets: tuple[str, ...],
          rule_groups: tuple[str, ...], geoip: str | None, fmt: str) -> None:
    """The web ACL's action on the request(s) of REQUEST, and why."""
    web_acl, refs, findings = _load(acl, (*ip_sets, *regex_sets, *rule_groups))
    requests, req_findings = load_requests(request)
    geo_rows, geo_findings = load_geo_csv(geoip) if geoip else ([], [])
    bad = _problems([*findings, *req_findings, *geo_findings])
    if web_acl is None:
        click.echo(f"parc waf: {acl}: no web ACL could be read", err=True)
        sys.exit(exitcodes.USAGE)
    geo, _ = parse_geo_table(geo_rows)
    rates = RateState(replay=len(requests) > 1)
    verdicts: list[Verdict] = [evaluate(web_acl, r, refs, geo, rates) for r in requests]
    if fmt == "json":
        docs = [v.as_dict() for v in verdicts]
        click.echo(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2))
    else:
        click.echo("\n\n".join(render_verdict(v) for v in verdicts))
    if bad or not requests:
        sys.exit(exitcodes.USAGE)




@command.command("test")
@click.argument("acl", type=click.Path(dir_okay=False))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--ip-sets", "ip_sets", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-ip-set output for an IP set the ACL references (repeatable).")
@click.option("--regex-sets", "regex_sets", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-regex-pattern-set output (repeatable).")
@click.option("--rule-groups", "rule_groups", multiple=True, type=click.Path(dir_okay=False),
              help="aws wafv2 get-rule-group output (repeatable).")
@click.option("--geoip", type=click.Path(dir_okay=False), help="CIDR,COUNTRY table for the requests' countries.")
@click.option("--client-ip", "client_ip", help="The client IP of HAR entries (HAR does not record it).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test(acl: str, corpus: tuple[str, ...], ip_sets: tuple[str, ...], regex_sets: tuple[str, ...],
         rule_groups: tuple[str, ...], geoip: str | None, client_ip: str | None, fmt: str) -> None:
    """Replay requests (HAR files, ALB or CloudFront access logs, parc request files) through the web ACL, in time
    order (rate-based rules count them): what each request gets and from which rule, and totals per rule."""
    from parc.core.waf.replay import replay
    from parc.loaders.waf_traffic import load_traffic
    from parc.reporters.waf_text import render_replay

    web_acl, refs, findings = _load(acl, (*ip_sets, *regex_sets, *rule_groups))
    geo_rows, geo_findings = load_geo_csv(geoip) if geoip else ([], [])
    sources: list[tuple[str, int, WafRequest]] = []
    traffic_findings: list[Finding] = []
    for path in corpus:
        reqs, found, _ = load_traffic(path, client_ip)
        traffic_findings.extend(found)
        sources.extend((path, i, r) for i, r in enumerate(reqs))
    bad = _problems([*findings, *geo_findings, *traffic_findings])
    if web_acl is None:
        click.echo(f"parc waf: {acl}: no web ACL could be read", err=True)
        sys.exit(exitcodes.USAGE)
    geo, _ = parse_geo_table(geo_rows)
    report = replay(web_acl, sources, refs, geo)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(render_replay(report))
    if bad or not sources:
        if not sources:
            click.echo("parc waf: no request could be read from the corpus", err=True)
        sys.exit(exitcodes.USAGE)
