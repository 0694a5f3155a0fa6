"""The enforcement corpus: every case in tests/corpora/authz/*.json, decided by the engine, indexed and plain.

Each case names the rule it pins and the AWS page that states it (see tests/corpora/authz/README.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import parc

CORPUS = Path(__file__).resolve().parent.parent / "corpora" / "authz"
# A fixed "now" so that cases not giving aws:CurrentTime are reproducible.
NOW = datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC)


def _cases() -> list[Any]:
    out = []
    for path in sorted(CORPUS.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
            out.append(pytest.param(case, id=f"{path.stem}::{case['name']}", marks=marks))
    return out


CASES = _cases()


def test_corpus_is_large_and_unique() -> None:
    names = [p.values[0]["name"] for p in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(names) >= 300


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "plain"])
def test_case(case: dict[str, Any], indexed: bool) -> None:
    decision = parc.authorize(case["request"], now=NOW, indexed=indexed)
    expect = case["expect"]
    assert decision.decision == expect["decision"], (case["rule"], decision.reasons)
    deciding = {r.policy_type for r in decision.deciding}
    for t in expect.get("deciding", []):
        assert t in deciding, (t, decision.to_dict())
    for t in expect.get("blocked_by", []):
        assert t in decision.blocked_by, (t, decision.to_dict())
