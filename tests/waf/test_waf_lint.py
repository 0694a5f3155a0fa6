"""``parc validate`` on AWS WAF files: each lint rule with both outcomes, citing the page that states it; detection
by content leaves IAM policies alone."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from parc.cli.main import cli

EX = Path(__file__).resolve().parents[2] / "examples" / "waf"
U = {"UriPath": {}}


def bm(text: str, tx: list[str]) -> dict[str, Any]:
    return {"ByteMatchStatement": {"SearchString": base64.b64encode(text.encode()).decode(), "FieldToMatch": U,
                                   "PositionalConstraint": "CONTAINS",
                                   "TextTransformations": [{"Priority": i, "Type": t} for i, t in enumerate(tx)]}}


def rule(name: str, prio: int, stmt: dict[str, Any], action: str = "Block") -> dict[str, Any]:
    return {"Name": name, "Priority": prio, "Statement": stmt, "Action": {action: {}}, "VisibilityConfig": {}}


def acl(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"WebACL": {"Name": "a", "ARN": "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/a/1",
                       "DefaultAction": {"Allow": {}}, "Rules": list(rules), "VisibilityConfig": {}}}


MATCH_ALL = {"SizeConstraintStatement": {"FieldToMatch": U, "ComparisonOperator": "GE", "Size": 0,
                                         "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}
RATE = {"RateBasedStatement": {"Limit": 5, "AggregateKeyType": "IP", "EvaluationWindowSec": 60}}

CASES = [
    # (name, doc page, web ACL, codes expected, codes not expected)
    ("unreachable_after_match_all_block", "web-acl-processing-order.html",
     acl(rule("all", 0, MATCH_ALL), rule("later", 1, bm("x", ["NONE"]))), {"WAF_UNREACHABLE_RULE"}, set()),
    ("match_all_count_does_not_hide_later_rules", "web-acl-processing-order.html",
     acl(rule("all", 0, MATCH_ALL, "Count"), rule("later", 1, bm("x", ["NONE"]))), set(), {"WAF_UNREACHABLE_RULE"}),
    ("match_all_regex_empty_match", "web-acl-processing-order.html",
     acl(rule("all", 0, {"RegexMatchStatement": {"RegexString": ".*", "FieldToMatch": U, "TextTransformations": [
         {"Priority": 0, "Type": "NONE"}]}}, "Allow"), rule("later", 1, bm("x", ["NONE"]))),
     {"WAF_UNREACHABLE_RULE"}, set()),
    ("anchored_regex_is_not_match_all", "web-acl-processing-order.html",
     acl(rule("r", 0, {"RegexMatchStatement": {"RegexString": "^$", "FieldToMatch": U, "TextTransformations": [
         {"Priority": 0, "Type": "NONE"}]}}), rule("later", 1, bm("x", ["NONE"]))), set(), {"WAF_UNREACHABLE_RULE"}),
    ("rule_priorities_clash", "web-acl-processing-order.html",
     acl(rule("a", 1, bm("x", ["NONE"])), rule("b", 1, bm("y", ["NONE"]))), {"WAF_PRIORITY_CLASH"}, set()),
    ("distinct_priorities", "web-acl-processing-order.html",
     acl(rule("a", 1, bm("x", ["NONE"])), rule("b", 2, bm("y", ["NONE"]))), set(), {"WAF_PRIORITY_CLASH"}),
    ("lowercase_twice", "waf-rule-statement-transformation.html",
     acl(rule("a", 0, bm("x", ["LOWERCASE", "LOWERCASE"]))), {"WAF_TRANSFORM_REPEAT"}, set()),
    ("url_decode_twice_is_meaningful", "waf-rule-statement-transformation.html",
     acl(rule("a", 0, bm("x", ["URL_DECODE", "URL_DECODE"]))), set(), {"WAF_TRANSFORM_REPEAT"}),
    ("lowercase_then_uppercase_cancel", "waf-rule-statement-transformation.html",
     acl(rule("a", 0, bm("x", ["LOWERCASE", "UPPERCASE"]))), {"WAF_TRANSFORM_CANCEL"}, set()),
    ("none_beside_others", "waf-rule-statement-transformation.html",
     acl(rule("a", 0, bm("x", ["NONE", "LOWERCASE"]))), {"WAF_TRANSFORM_CANCEL"}, set()),
    ("rate_limit_below_minimum", "waf-rule-statement-type-rate-based-high-level-settings.html",
     acl(rule("a", 0, RATE)), {"WAF_RATE_LIMIT_BELOW_MINIMUM"}, set()),
    ("rate_limit_at_minimum", "waf-rule-statement-type-rate-based-high-level-settings.html",
     acl(rule("a", 0, {"RateBasedStatement": {"Limit": 10, "AggregateKeyType": "IP", "EvaluationWindowSec": 60}})),
     set(), {"WAF_RATE_LIMIT_BELOW_MINIMUM", "WAF_RATE_WINDOW_INVALID"}),
    ("rate_window_invalid", "waf-rule-statement-type-rate-based-high-level-settings.html",
     acl(rule("a", 0, {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP", "EvaluationWindowSec": 90}})),
     {"WAF_RATE_WINDOW_INVALID"}, set()),
    ("regex_rejected_by_re2", "waf-regex-pattern-support.html",
     acl(rule("a", 0, {"RegexMatchStatement": {"RegexString": "(?<=a)b", "FieldToMatch": U,
                                               "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}})),
     {"WAF_REGEX_REJECTED"}, set()),
    ("regex_accepted_by_re2", "waf-regex-pattern-support.html",
     acl(rule("a", 0, {"RegexMatchStatement": {"RegexString": "a+b", "FieldToMatch": U,
                                               "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}})),
     set(), {"WAF_REGEX_REJECTED"}),
]


def _codes(tmp_path: Path, doc: dict[str, Any]) -> tuple[int, set[str]]:
    path = tmp_path / "acl.json"
    path.write_text(json.dumps(doc, indent=2))
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    report = json.loads(result.stdout)
    codes = {f["code"] for f in report["findings"]}
    return result.exit_code, codes


@pytest.mark.parametrize(("name", "page", "doc", "expected", "absent"), CASES, ids=[c[0] for c in CASES])
def test_waf_lint(tmp_path: Path, name: str, page: str, doc: dict[str, Any], expected: set[str],
                  absent: set[str]) -> None:
    _, codes = _codes(tmp_path, doc)
    assert expected <= codes, (name, codes, "https://docs.aws.amazon.com/waf/latest/developerguide/" + page)
    assert not (absent & codes)


def test_example_web_acl_findings_are_located() -> None:
    result = CliRunner().invoke(cli, ["validate", str(EX / "web-acl.json"), "--format", "json"])
    report = json.loads(result.stdout)
    findings = report["findings"]
    assert {f["code"] for f in findings} == {"WAF_UNREACHABLE_RULE", "WAF_TRANSFORM_REPEAT"}
    assert all(f.get("line") for f in findings), findings


def test_unreadable_waf_file_exits_2(tmp_path: Path) -> None:
    doc = acl(rule("a", 0, bm("x", ["NONE"])))
    doc["WebACL"]["Rules"][0]["Statement"]["ByteMatchStatement"]["FieldToMatch"] = []
    path = tmp_path / "acl.json"
    path.write_text(json.dumps(doc, indent=2))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "FieldToMatch" in result.stderr


def test_documented_unsupported_construct_is_an_error_lookaround_a_warning(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/waf/latest/developerguide/waf-regex-pattern-support.html: backreferences and
    possessive quantifiers are refused; AWS supports "some zero-width assertions, but not all"."""
    def regex_rule(name: str, prio: int, pattern: str) -> dict[str, Any]:
        return rule(name, prio, {"RegexMatchStatement": {"RegexString": pattern, "FieldToMatch": U,
                                                         "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}})

    path = tmp_path / "acl.json"
    path.write_text(json.dumps(acl(regex_rule("backref", 0, "(a)\\1"), regex_rule("possessive", 1, "a++"),
                                   regex_rule("lookbehind", 2, "(?<=a)b"), regex_rule("escaped", 3, "\\\\1"))))
    result = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    kinds = {f["message"].split(":")[0]: f["finding_type"] for f in json.loads(result.stdout)["findings"]}
    assert kinds == {"rule backref": "ERROR", "rule possessive": "ERROR", "rule lookbehind": "WARNING"}
    assert "re2.cc" not in result.stderr  # RE2's own error log is silenced
