"""The WAF part of an account folder, as ``parc collect`` writes it (``parc.collect.waf`` gives the layout), read into
``parc.core.audit.waf_inputs`` for the audit:

* ``wafv2/SCOPE/{web-acls,rule-groups,ip-sets,regex-pattern-sets}/*.json`` through the WAF loader
  (``parc.loaders.waf``; its problems are located findings, ``WAF_BAD_INPUT``), ``SCOPE`` a region or
  ``cloudfront``; ``list-web-acls.json`` tells which web ACLs were listed (one listed whose file is absent is not
  checked); ``get-logging-configuration.json`` (``{ARN: output}``, ``{}``: none);
* the front doors: ``elbv2/REGION/describe-load-balancers.json`` with ``wafv2/REGION/get-web-acl-for-resource.json``,
  ``apigateway/REGION/get-rest-apis.json`` with ``get-stages.json`` (a stage's ``webAclArn``), and
  ``cloudfront/list-distributions.json`` (a distribution's ``WebACLId``).

None of these folders: ``None`` (the audit says the WAF checks were not run for lack of input).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parc.core.audit.waf_inputs import AuditedAcl, FrontDoor, WafSnapshot, WafWhere
from parc.core.findings import Finding
from parc.core.waf.model import References
from parc.loaders.account.jsonfile import load_error, read_json
from parc.loaders.waf import load_files

CODE = "WAF_BAD_INPUT"
ITEM_FOLDERS = ("web-acls", "rule-groups", "ip-sets", "regex-pattern-sets")
FOLDERS = ("wafv2", "elbv2", "apigateway", "cloudfront")


def _object(file: Path, problems: list[Finding]) -> dict[str, Any] | None:
    data, err = read_json(file)
    if err is not None:
        problems.append(err)
        return None
    if not isinstance(data, dict):
        problems.append(load_error(CODE, f"{file.name}: expected a JSON object; it is not checked", file))
        return None
    return data


def _optional(file: Path, problems: list[Finding]) -> dict[str, Any] | None:
    return _object(file, problems) if file.is_file() else None


def load_waf_snapshot(folder: Path) -> tuple[WafSnapshot | None, list[Finding]]:
    if not any((folder / f).is_dir() for f in FOLDERS):
        return None, []
    problems: list[Finding] = []
    missing: list[str] = []
    acls: list[AuditedAcl] = []
    ip_sets, regex_sets, rule_groups = {}, {}, {}
    waf = folder / "wafv2"
    scopes = sorted(p for p in waf.iterdir() if p.is_dir()) if waf.is_dir() else []
    for scope in scopes:
        files = [f for sub in ITEM_FOLDERS for f in sorted((scope / sub).glob("*.json"))]
        loaded = load_files(list(files))
        problems.extend(loaded.findings)
        ip_sets.update(loaded.refs.ip_sets)
        regex_sets.update(loaded.refs.regex_sets)
        rule_groups.update(loaded.refs.rule_groups)
        log_file = scope / "get-logging-configuration.json"
        logging = _optional(log_file, problems)  # absent: each web ACL's logging is said as not checked
        for file, acl in loaded.acls:
            got = logging.get(acl.arn) if logging is not None else None
            has = None if not isinstance(got, dict) else bool(got.get("LoggingConfiguration"))
            acls.append(AuditedAcl(acl, scope.name, WafWhere(file, "WebACL"), has,
                                   WafWhere(str(log_file), acl.arn) if has is not None else None))
        names = {a.acl.name for a in acls if a.scope == scope.name}
        _listed(scope, "web-acls", names, missing, problems)
        for sub, got in (("ip-sets", loaded.refs.ip_sets), ("regex-pattern-sets", loaded.refs.regex_sets),
                         ("rule-groups", loaded.refs.rule_groups)):
            _listed(scope, sub, {v.name for v in got.values()}, missing, problems)
    doors: list[FrontDoor] = []
    read: list[str] = []
    _load_balancers(folder, doors, read, problems)
    _api_stages(folder, doors, read, problems)
    _distributions(folder, doors, read, problems)
    refs = References(ip_sets, regex_sets, rule_groups)
    return WafSnapshot(tuple(acls), refs, tuple(doors), tuple(read), tuple(missing)), problems


# The list output of each item folder (as collect writes it) and the key its items are under.
LISTS = {"web-acls": ("list-web-acls.json", "WebACLs", "web ACL"),
         "ip-sets": ("list-ip-sets.json", "IPSets", "IP set"),
         "regex-pattern-sets": ("list-regex-pattern-sets.json", "RegexPatternSets", "regex pattern set"),
         "rule-groups": ("list-rule-groups.json", "RuleGroups", "rule group")}


def _listed(scope: Path, sub: str, names: set[str], missing: list[str], problems: list[Finding]) -> None:
    """What the list call returned but whose get output was not read is said as not checked; a list file that
    cannot be read is a located problem (never a silent 'nothing listed')."""
    file_name, key, what = LISTS[sub]
    listed = _optional(scope / file_name, problems)
    items = listed.get(key) if listed is not None else []
    if not isinstance(items, list):
        problems.append(load_error(CODE, f"{file_name}: {key} is not a list; what it lists is not checked",
                                   scope / file_name, key))
        return
    for i, item in enumerate(items):
        name = item.get("Name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            problems.append(load_error(CODE, f"{file_name}: an item without a Name is not checked",
                                       scope / file_name, f"{key}[{i}]"))
        elif name not in names:
            missing.append(f"{scope.name}: {what} {name} is listed ({file_name} {key}[{i}]) "
                           f"but its get output ({sub}/{name}.json) is absent or unreadable")


def _regions(folder: Path, service: str, name: str) -> list[tuple[str, Path]]:
    d = folder / service
    if not d.is_dir():
        return []
    return sorted((p.name, p / name) for p in d.iterdir() if p.is_dir() and (p / name).is_file())


def _load_balancers(folder: Path, doors: list[FrontDoor], read: list[str], problems: list[Finding]) -> None:
    for region, file in _regions(folder, "elbv2", "describe-load-balancers.json"):
        data = _object(file, problems)
        if data is None:
            continue
        assoc_file = folder / "wafv2" / region / "get-web-acl-for-resource.json"
        assoc = _optional(assoc_file, problems) or {}
        read.append(f"load balancers {region}")
        for i, lb in enumerate(data.get("LoadBalancers") or []):
            if not isinstance(lb, dict) or lb.get("Type") != "application" or lb.get("Scheme") != "internet-facing":
                continue
            arn = lb.get("LoadBalancerArn")
            if not isinstance(arn, str):
                problems.append(load_error(CODE, "a load balancer without a LoadBalancerArn is left out", file,
                                           f"LoadBalancers[{i}]"))
                continue
            got = assoc.get(arn)
            acl = got.get("WebACL") if isinstance(got, dict) else None
            acl_arn = acl.get("ARN") if isinstance(acl, dict) else None
            doors.append(FrontDoor("load balancer", arn, str(lb.get("LoadBalancerName") or arn), region,
                                   acl_arn if isinstance(acl_arn, str) else None, isinstance(got, dict),
                                   WafWhere(str(file), f"LoadBalancers[{i}]")))


def _api_stages(folder: Path, doors: list[FrontDoor], read: list[str], problems: list[Finding]) -> None:
    for region, file in _regions(folder, "apigateway", "get-rest-apis.json"):
        apis = _object(file, problems)
        stages_file = file.parent / "get-stages.json"
        stages = _optional(stages_file, problems)
        if apis is None or stages is None:
            continue
        read.append(f"API Gateway {region}")
        for api in apis.get("items") or []:
            if not isinstance(api, dict) or not isinstance(api.get("id"), str):
                continue
            conf = api.get("endpointConfiguration")
            types = conf.get("types") if isinstance(conf, dict) else None
            if isinstance(types, list) and types == ["PRIVATE"]:
                continue  # reached only through a VPC endpoint
            ident = api["id"]
            got = stages.get(ident)
            if not isinstance(got, dict):
                problems.append(load_error(CODE, f"REST API {ident} has no get-stages output; its stages are not "
                                           "checked", stages_file, ident))
                continue
            for j, st in enumerate(got.get("item") or []):
                if not isinstance(st, dict) or not isinstance(st.get("stageName"), str):
                    continue
                name = st["stageName"]
                acl = st.get("webAclArn")
                doors.append(FrontDoor(
                    "API Gateway stage", f"arn:aws:apigateway:{region}::/restapis/{ident}/stages/{name}",
                    f"{api.get('name') or ident}/{name}", region, acl if isinstance(acl, str) and acl else None,
                    True, WafWhere(str(stages_file), f"{ident}.item[{j}]")))


def _distributions(folder: Path, doors: list[FrontDoor], read: list[str], problems: list[Finding]) -> None:
    file = folder / "cloudfront" / "list-distributions.json"
    data = _optional(file, problems)
    if data is None:
        return
    read.append("CloudFront")
    dl = data.get("DistributionList")
    items = dl.get("Items") if isinstance(dl, dict) else None
    for i, d in enumerate(items or []):
        if not isinstance(d, dict) or not isinstance(d.get("Id"), str) or d.get("Enabled") is False:
            continue  # a disabled distribution serves nothing
        acl = d.get("WebACLId")
        arn = d.get("ARN") if isinstance(d.get("ARN"), str) else f"cloudfront distribution {d['Id']}"
        doors.append(FrontDoor("CloudFront distribution", str(arn), str(d.get("DomainName") or d["Id"]), "global",
                               acl if isinstance(acl, str) and acl else None, True,
                               WafWhere(str(file), f"DistributionList.Items[{i}]")))
