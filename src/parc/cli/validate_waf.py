"""``parc validate`` over AWS WAF files (detected by content: ``aws wafv2 get-web-acl`` / ``get-rule-group`` /
``get-regex-pattern-set`` output): the loader's problems and the WAF lint (``parc.core.waf.lint``), reported as one
item per file like a template."""

from __future__ import annotations

import json

from parc.core.findings import FindingType
from parc.core.waf.lint import lint_regex_set, lint_rules
from parc.loaders.iac.model import IacReport
from parc.loaders.locate import locate
from parc.loaders.policy_files import PolicySource
from parc.loaders.waf import WafFiles, is_waf_document, read_data


def is_waf_source(source: PolicySource) -> bool:
    if not isinstance(source.text, str) or ("Rules" not in source.text and "RegexPatternSet" not in source.text):
        return False
    try:
        data = json.loads(source.text)
    except (ValueError, RecursionError):
        return False
    return is_waf_document(data) or (isinstance(data, dict) and isinstance(data.get("RegexPatternSet"), dict))


def check_waf(source: PolicySource) -> IacReport:
    """Read and lint one wafv2 file (``source.text`` is JSON: ``is_waf_source`` said so)."""
    assert isinstance(source.text, str)
    files = WafFiles()
    read_data(json.loads(source.text), source.name, files)
    findings = list(files.findings)
    for _, acl in files.acls:
        findings.extend(lint_rules(acl.rules, source.name, files.refs.regex_sets))
    for group in files.refs.rule_groups.values():
        findings.extend(lint_rules(group.rules, source.name, files.refs.regex_sets, "rule group"))
    for rset in files.refs.regex_sets.values():
        findings.extend(lint_regex_set(rset, source.name))
    locate(findings)
    unreadable = [f for f in findings if f.code.startswith("WAF_BAD") and f.finding_type == FindingType.ERROR]
    return IacReport(source.name, source.text, tuple(findings), unreadable=unreadable, kind="waf")
