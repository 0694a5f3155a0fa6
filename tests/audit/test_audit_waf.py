"""The audit's AWS WAF checks over the collected layout (``parc.loaders.waf_snapshot`` then
``parc.core.audit.waf_checks``): the corpus ``tests/corpora/audit_waf/waf_audit.json`` pins each finding with both
outcomes, citing the AWS page; what is missing or unreadable is "not checked", never a pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import EXAMPLE

from parc.core.audit import AuditOptions, audit
from parc.core.audit.unread import WAF, part_of
from parc.core.audit.waf_checks import waf_checks
from parc.loaders.snapshot import load_audit_snapshot
from parc.loaders.waf_snapshot import load_waf_snapshot

CORPUS = Path(__file__).parents[1] / "corpora" / "audit_waf" / "waf_audit.json"
CASES: list[dict[str, Any]] = json.loads(CORPUS.read_text())
NO_DOORS = "has no describe-load-balancers"


def _write(root: Path, files: dict[str, Any]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(data))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_waf_audit_corpus(case: dict[str, Any], tmp_path: Path) -> None:
    assert case["doc"].startswith("https://docs.aws.amazon.com/")
    _write(tmp_path, case["files"])
    snap, problems = load_waf_snapshot(tmp_path)
    assert problems == [] and snap is not None
    result = waf_checks("111122223333", snap)
    assert sorted(f.rule for f in result.findings) == case["expect"], case["rule"]
    reasons = [n.reason for n in result.not_checked if NO_DOORS not in n.reason]
    assert len(reasons) == len(case["not_checked"]), reasons
    for want in case["not_checked"]:
        assert any(want in r for r in reasons), (want, reasons)
    for f in result.findings:
        assert f.evidence and f.evidence[0].file and f.learn_more


def test_the_corpus_has_both_outcomes_for_every_rule() -> None:
    flagged = {r for c in CASES for r in c["expect"]}
    assert flagged == {"WAF_NOT_ATTACHED", "WAF_ALLOWS_EVERYTHING", "WAF_RULE_IN_COUNT",
                       "WAF_MANAGED_GROUP_NOT_EVALUATED", "WAF_NO_LOGGING", "WAF_UNREACHABLE_RULE"}
    for rule in flagged - {"WAF_MANAGED_GROUP_NOT_EVALUATED"}:
        assert any(rule not in c["expect"] and c["files"] for c in CASES), rule
    assert len({c["name"] for c in CASES}) == len(CASES)


def test_no_waf_files_is_not_checked(tmp_path: Path) -> None:
    snap, problems = load_waf_snapshot(tmp_path)
    assert snap is None and problems == []
    result = waf_checks("111122223333", snap)
    assert result.findings == () and [n.reason for n in result.not_checked] == [
        "the snapshot has no wafv2/ folder (nor elbv2/, apigateway/, cloudfront/): collect it with parc collect"]


def test_an_unreadable_web_acl_is_an_unread_part_and_gates(tmp_path: Path) -> None:
    """A web ACL file that is not JSON is a located problem; its part ("web application firewall") is unread, so no
    --fail-on at or below MEDIUM can pass; the other accounts' and parts' checks still run."""
    root = tmp_path / "snap"
    acct = root / "111122223333"
    for p in EXAMPLE.joinpath("111122223333").iterdir():
        if p.is_file():
            (acct / p.name).parent.mkdir(parents=True, exist_ok=True)
            (acct / p.name).write_bytes(p.read_bytes())
    bad = acct / "wafv2/us-east-1/web-acls/app.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"WebACL": {"Name": "app",')
    (acct / "wafv2/us-east-1/list-web-acls.json").write_text('{"WebACLs": [{"Name": "app", "Id": "1"}]}')
    report = audit(load_audit_snapshot(root), AuditOptions(datetime(2026, 12, 1, tzinfo=UTC)))
    (part,) = [u for u in report.unread if u.part == WAF]
    assert part.file.endswith("app.json") and part.gate.value == "MEDIUM"
    assert any("web ACL app is listed" in n.reason for n in report.not_checked)
    assert not [f for f in report.findings if f.rule.startswith("WAF_")]


def test_the_waf_folders_are_their_own_part() -> None:
    for file in ("acct/wafv2/us-east-1/web-acls/a.json", "acct/elbv2/eu-west-1/describe-load-balancers.json",
                 "acct/apigateway/us-east-1/get-stages.json", "acct/cloudfront/list-distributions.json"):
        assert part_of(file) == WAF, file
    assert part_of("acct/ec2/describe-vpcs.json") != WAF


@pytest.mark.parametrize("list_file", ["list-web-acls.json", "list-ip-sets.json", "list-regex-pattern-sets.json",
                                       "list-rule-groups.json"])
def test_an_unreadable_list_file_is_a_located_problem(list_file: str, tmp_path: Path) -> None:
    """Every list output collect writes is read: one that is not JSON is a located problem (the CI fuzz run found a
    broken list-ip-sets.json passing in silence), never 'nothing listed'."""
    scope = tmp_path / "wafv2" / "us-east-1"
    scope.mkdir(parents=True)
    (scope / list_file).write_text('z\n  "IPSets": []}')
    snap, problems = load_waf_snapshot(tmp_path)
    assert snap is not None and [Path(p.file).name for p in problems] == [list_file]


@pytest.mark.parametrize(("sub", "list_file", "key", "said"), [
    ("ip-sets", "list-ip-sets.json", "IPSets", "IP set blocked is listed"),
    ("regex-pattern-sets", "list-regex-pattern-sets.json", "RegexPatternSets", "regex pattern set blocked is listed"),
    ("rule-groups", "list-rule-groups.json", "RuleGroups", "rule group blocked is listed"),
])
def test_a_listed_item_without_its_file_is_not_checked(sub: str, list_file: str, key: str, said: str,
                                                      tmp_path: Path) -> None:
    _write(tmp_path, {f"wafv2/us-east-1/{list_file}": {key: [{"Name": "blocked", "Id": "1"}]}})
    snap, problems = load_waf_snapshot(tmp_path)
    assert problems == [] and snap is not None
    assert [m for m in snap.missing if said in m and f"{sub}/blocked.json" in m], snap.missing
    result = waf_checks("111122223333", snap)
    assert any(said in n.reason for n in result.not_checked)


def test_listed_items_with_their_files_are_not_missing() -> None:
    snap, problems = load_waf_snapshot(EXAMPLE / "111122223333")
    assert problems == [] and snap is not None and snap.missing == ()
