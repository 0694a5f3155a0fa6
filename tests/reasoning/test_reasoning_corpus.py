"""The reasoning corpus (tests/corpora/reasoning/*.json): known answers for every operator family and each check.

Each case names the rule it pins and cites the AWS page. A FAIL's requests are replayed through the engine inside
the check (a disagreement raises); a case may also pin which statements are reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parc import api

CORPUS = Path(__file__).resolve().parent.parent / "corpora" / "reasoning"
CASES = [(f.stem, c) for f in sorted(CORPUS.glob("*.json")) for c in json.loads(f.read_text(encoding="utf-8"))]


def run(case: dict[str, Any]) -> Any:
    check = case["check"]
    if check == "diff":
        return api.check_no_new_access(case["old"], case["new"], policy_type=case.get("type", "identity"))
    if check == "never":
        return api.check_access_not_granted(case["policies"], case["actions"], resources=case.get("resources", ()),
                                            permissions_boundary=case.get("boundary"),
                                            session_policy=case.get("session"), scps=case.get("scps", ()),
                                            rcps=case.get("rcps", ()), service_linked=case.get("service_linked", False))
    assert check == "public"
    return api.check_no_public_access(case["policy"], accounts=case.get("accounts", ()), org=case.get("org"),
                                      resource_type=case.get("resource_type"), rcps=case.get("rcps", ()),
                                      aws_callers=case.get("aws_callers", True))


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[f"{f}:{c['name']}" for f, c in CASES])
def test_case(case: dict[str, Any]) -> None:
    result = run(case)
    assert result.result == case["expect"], result.reason
    if case["expect"] == "FAIL":
        assert result.counterexamples
    else:
        assert not result.counterexamples
    if "statements" in case:
        assert sorted({c.statement["index"] for c in result.counterexamples}) == case["statements"]


def test_the_corpus_has_both_outcomes_and_citations() -> None:
    names = [c["name"] for _, c in CASES]
    assert len(names) == len(set(names))
    for check in ("diff", "never", "public"):
        outcomes = {c["expect"] for _, c in CASES if c["check"] == check}
        assert {"PASS", "FAIL"} <= outcomes, check
    assert all(c["doc"].startswith("https://docs.aws.amazon.com/") and c["rule"] for _, c in CASES)
