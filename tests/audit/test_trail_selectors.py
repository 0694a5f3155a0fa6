"""What a trail records, from its event selectors: the corpus ``tests/corpora/logging/trail_selectors.json``, each
case naming the rule it pins and the AWS page that says it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parc.core.audit.trail_selectors import coverage

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "logging" / "trail_selectors.json"
CASES: list[dict[str, Any]] = json.loads(CORPUS.read_text())


def test_the_corpus_pins_both_outcomes() -> None:
    for key in ("management_read", "management_write", "s3_read", "s3_write"):
        assert {c["expect"][key] for c in CASES} == {True, False}, key
    assert all(c["doc"].startswith("https://docs.aws.amazon.com/") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_trail_selectors(case: dict[str, Any]) -> None:
    cov = coverage(case["selectors"], case["custom"])
    assert cov is not None
    got = {k: getattr(cov, k) for k in ("management_read", "management_write", "s3_read", "s3_write")}
    want = {k: v for k, v in case["expect"].items() if k != "notes"}
    assert got == want, case["rule"]
    assert len(cov.notes) == case["expect"].get("notes", 0), cov.notes


def test_unread_selectors_are_unknown() -> None:
    assert coverage(None, False) is None
