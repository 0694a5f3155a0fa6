"""AWS WAF (wafv2) and what it protects: per collected region the Scope REGIONAL web ACLs, rule groups, IP sets and
regex pattern sets with each ACL's logging configuration, the load balancers (each with the web ACL associated with
it) and the API Gateway REST API stages (each names its own); once per account the Scope CLOUDFRONT ones (which
live in us-east-1) and the CloudFront distributions (each names its own).

Layout, read by ``parc.loaders.waf_snapshot`` (``SCOPE`` is the region, or ``cloudfront``)::

    wafv2/SCOPE/list-web-acls.json, list-rule-groups.json, list-ip-sets.json, list-regex-pattern-sets.json
    wafv2/SCOPE/web-acls/NAME.json           aws wafv2 get-web-acl        (one file per item, as the CLI prints it,
    wafv2/SCOPE/rule-groups/NAME.json        aws wafv2 get-rule-group      so ``parc waf check`` reads it as is)
    wafv2/SCOPE/ip-sets/NAME.json            aws wafv2 get-ip-set
    wafv2/SCOPE/regex-pattern-sets/NAME.json aws wafv2 get-regex-pattern-set
    wafv2/SCOPE/get-logging-configuration.json   {web ACL ARN: output, {} when it has none}
    wafv2/REGION/get-web-acl-for-resource.json   {load balancer ARN: output, {} when none}
    elbv2/REGION/describe-load-balancers.json
    apigateway/REGION/get-rest-apis.json, get-stages.json ({REST API id: output})
    cloudfront/list-distributions.json

The wafv2 ``List*`` calls have no botocore paginator: they are paged here by ``NextMarker``.
https://docs.aws.amazon.com/waf/latest/APIReference/API_ListWebACLs.html (Scope CLOUDFRONT: "you must also specify
the Region US East (N. Virginia)"), API_GetWebACL.html, API_GetLoggingConfiguration.html,
API_GetWebACLForResource.html.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.calls import Call
from parc.collect.runner import Account, Task, safe_name

FOLDER = "wafv2"
CLOUDFRONT = "cloudfront"
CLOUDFRONT_REGION = "us-east-1"
ITEM_FOLDERS = ("web-acls", "rule-groups", "ip-sets", "regex-pattern-sets")
"""Per list call of ``C.WAF_LIST_CALLS``: the folder its items' ``Get`` outputs go to."""
_LIST_KEYS = ("WebACLs", "RuleGroups", "IPSets", "RegexPatternSets")


def tasks(acct: Account, region: str, areas: frozenset[str]) -> list[Task]:
    """This region's WAF (Scope REGIONAL), load balancers and API Gateway stages."""
    if "wafv2" not in areas:
        return []
    return [Task(f"wafv2 {region}", partial(scope, acct, region, "REGIONAL", region)),
            Task(f"wafv2 {region}: load balancers", partial(load_balancers, acct, region)),
            Task(f"wafv2 {region}: API Gateway stages", partial(api_stages, acct, region))]


def account_tasks(acct: Account, areas: frozenset[str]) -> list[Task]:
    """Once per account: the CloudFront scope (in us-east-1) and the distributions."""
    if "wafv2" not in areas:
        return []
    return [Task("wafv2 cloudfront", partial(scope, acct, CLOUDFRONT_REGION, "CLOUDFRONT", CLOUDFRONT)),
            Task("cloudfront: distributions", partial(distributions, acct))]


def _paged(acct: Account, spec: Call, region: str, key: str, **params: Any) -> dict[str, Any] | None:
    """Every page of a wafv2 ``List*`` call merged (``NextMarker``); None when a page failed (recorded)."""
    items: list[Any] = []
    marker: str | None = None
    for _ in range(10_000):
        page = acct.call(spec, region, params.get("Scope", ""), **params, **({"NextMarker": marker} if marker else {}))
        if page is None:
            return None
        got = page.get(key)
        items.extend(got if isinstance(got, list) else [])
        nxt = page.get("NextMarker")
        if not isinstance(nxt, str) or not nxt or nxt == marker or not got:
            break
        marker = nxt
    return {key: items}


def scope(acct: Account, region: str, scope_name: str, folder_name: str) -> None:
    folder = f"{FOLDER}/{folder_name}"
    for list_spec, get_spec, key, sub in zip(C.WAF_LIST_CALLS, C.WAF_GET_CALLS, _LIST_KEYS, ITEM_FOLDERS,
                                             strict=True):
        listed = _paged(acct, list_spec, region, key, Scope=scope_name)
        if listed is None:
            continue
        acct.write(f"{folder}/{list_spec.file}", listed)
        arns: list[str] = []
        for item in listed[key]:
            name, ident = (item.get("Name"), item.get("Id")) if isinstance(item, dict) else (None, None)
            if not (isinstance(name, str) and isinstance(ident, str) and safe_name(name)):
                acct.fail(list_spec, region, str(name), "UnexpectedName", f"an item parc cannot use: {item!r}"[:300])
                continue
            got = acct.call(get_spec, region, name, Name=name, Scope=scope_name, Id=ident)
            if got is not None:
                acct.write(f"{folder}/{sub}/{name}.json", got)
            if sub == "web-acls" and isinstance(item.get("ARN"), str):
                arns.append(str(item["ARN"]))
        if sub == "web-acls":
            logging: dict[str, Any] = {}
            for arn in arns:
                got = acct.call(C.WAF_GET_LOGGING_CONFIGURATION, region, arn, ResourceArn=arn)
                if got is not None:
                    logging[arn] = got
            acct.write(f"{folder}/{C.WAF_GET_LOGGING_CONFIGURATION.file}", logging)


def load_balancers(acct: Account, region: str) -> None:
    data = acct.call(C.DESCRIBE_LOAD_BALANCERS, region, region)
    if data is None:
        return
    acct.write(f"elbv2/{region}/{C.DESCRIBE_LOAD_BALANCERS.file}", data)
    out: dict[str, Any] = {}
    for lb in data.get("LoadBalancers", []):
        # Only an Application Load Balancer can have a web ACL; an internal one is not reached from the internet.
        if not isinstance(lb, dict) or lb.get("Type") != "application" or lb.get("Scheme") != "internet-facing":
            continue
        arn = lb.get("LoadBalancerArn")
        if isinstance(arn, str):
            got = acct.call(C.WAF_GET_WEB_ACL_FOR_RESOURCE, region, arn, ResourceArn=arn)
            if got is not None:
                out[arn] = got
    acct.write(f"{FOLDER}/{region}/{C.WAF_GET_WEB_ACL_FOR_RESOURCE.file}", out)


def api_stages(acct: Account, region: str) -> None:
    data = acct.call(C.GET_REST_APIS, region, region)
    if data is None:
        return
    acct.write(f"apigateway/{region}/{C.GET_REST_APIS.file}", data)
    out: dict[str, Any] = {}
    for api in data.get("items", []):
        ident = api.get("id") if isinstance(api, dict) else None
        if isinstance(ident, str):
            got = acct.call(C.GET_STAGES, region, ident, restApiId=ident)
            if got is not None:
                out[ident] = got
    acct.write(f"apigateway/{region}/{C.GET_STAGES.file}", out)


def distributions(acct: Account) -> None:
    data = acct.call(C.LIST_DISTRIBUTIONS, CLOUDFRONT_REGION)
    if data is not None:
        acct.write(f"cloudfront/{C.LIST_DISTRIBUTIONS.file}", data)
