"""The WAF corpora (tests/corpora/waf/*.json): each case a web ACL (or one statement), request(s) and the expected
verdict, citing the AWS WAF Developer Guide page that states the rule it pins.

A case's ``statement`` is shorthand for a web ACL with one rule ``r`` (Block) and default Allow; ``SearchText`` in
a byte match stands for ``SearchString`` (the Base64 the AWS CLI prints), so cases stay readable.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from parc.core.waf.evaluate import evaluate, parse_geo_table
from parc.core.waf.rate import RateState
from parc.core.waf.transforms import TRANSFORMS
from parc.loaders.waf import WafFiles, read_data
from parc.loaders.waf_request import read_request

CORPORA = Path(__file__).resolve().parent.parent / "corpora" / "waf"
FILES = ("statements.json", "components.json", "actions.json", "rate.json")


def _cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((CORPORA / name).read_text(encoding="utf-8"))
    return cases


def _encode(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _encode(v) for k, v in node.items()}
        if "SearchText" in out:
            out["SearchString"] = base64.b64encode(out.pop("SearchText").encode("utf-8")).decode("ascii")
        return out
    if isinstance(node, list):
        return [_encode(x) for x in node]
    return node


def _acl(case: dict[str, Any]) -> dict[str, Any]:
    rules = case.get("rules")
    if rules is None:
        rules = [{"Name": "r", "Priority": 0, "Action": {"Block": {}}, "Statement": case["statement"],
                  "VisibilityConfig": {}}]
    acl = {"Name": "corpus", "ARN": case.get("arn", "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/corpus/1"),
           "DefaultAction": {case.get("default", "Allow"): {}}, "Rules": rules, "VisibilityConfig": {}}
    acl.update(case.get("acl", {}))
    return {"WebACL": _encode(acl)}


ALL = [(f, c) for f in FILES for c in _cases(f)]


@pytest.mark.parametrize(("file", "case"), ALL, ids=[f"{f[:-5]}:{c['name']}" for f, c in ALL])
def test_waf_case(file: str, case: dict[str, Any]) -> None:
    assert case.get("doc", "").startswith("https://docs.aws.amazon.com/"), "every case cites AWS's page"
    files = WafFiles()
    read_data(_acl(case), "case.json", files)
    for ref in case.get("refs", []):
        read_data(_encode(ref), "ref.json", files)
    assert [f.message for f in files.findings if f.finding_type == "ERROR"] == []
    (_, acl), = files.acls
    geo, bad = parse_geo_table([(a, b) for a, b in case.get("geo", [])])
    assert bad == []
    raw_requests = case.get("requests") or [case["request"]]
    findings: list[Any] = []
    requests = [read_request(r, "req.json", "", findings) for r in raw_requests]
    assert findings == []
    rates = RateState(replay=len(requests) > 1)
    verdicts = [evaluate(acl, r, files.refs, geo, rates) for r in requests if r is not None]
    expect = case["expect"]
    if "actions" in expect:
        assert [v.action for v in verdicts] == expect["actions"]
        return
    v = verdicts[-1]
    assert v.action == expect["action"], v.as_dict()
    if "terminating_rule" in expect:
        assert v.terminating_rule == expect["terminating_rule"]
    for label in expect.get("labels", []):
        assert label in v.labels, v.labels
    for label in expect.get("not_labels", []):
        assert label not in v.labels, v.labels
    if "final" in expect:
        assert v.final is expect["final"], v.caveats
    if "matched_text" in expect:
        texts = [d.matched_text for r in v.rules for d in r.details if d.matched]
        assert expect["matched_text"] in texts, texts
    if "custom_response" in expect:
        assert v.custom_response == expect["custom_response"]
    if "caveat" in expect:
        assert any(expect["caveat"] in c for c in v.caveats), v.caveats


TRANSFORM_CASES = _cases("transforms.json")


@pytest.mark.parametrize("case", TRANSFORM_CASES, ids=[c["name"] for c in TRANSFORM_CASES])
def test_transformation(case: dict[str, Any]) -> None:
    assert case["doc"].startswith("https://docs.aws.amazon.com/waf/")
    data = case["input"].encode("latin-1")
    for t in case["types"]:
        data = TRANSFORMS[t](data)
    if "hex" in case:
        assert data.hex() == case["hex"]
    else:
        assert data == case["output"].encode("latin-1")


def test_every_transformation_of_the_guide_has_a_case() -> None:
    guide = ["NONE", "COMPRESS_WHITE_SPACE", "HTML_ENTITY_DECODE", "LOWERCASE", "CMD_LINE", "URL_DECODE",
             "BASE64_DECODE", "HEX_DECODE", "MD5", "REPLACE_COMMENTS", "ESCAPE_SEQ_DECODE", "SQL_HEX_DECODE",
             "CSS_DECODE", "JS_DECODE", "NORMALIZE_PATH", "NORMALIZE_PATH_WIN", "REMOVE_NULLS", "REPLACE_NULLS",
             "BASE64_DECODE_EXT", "URL_DECODE_UNI", "UTF8_TO_UNICODE"]
    covered = {t for c in TRANSFORM_CASES for t in c["types"]}
    assert set(guide) - covered == set()
