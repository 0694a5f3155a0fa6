"""The benchmark's reference engines decide the corpus of AWS-documented rules correctly.

The naive peer is the second opinion on parc's decisions, and the Cedar translation claims to be faithful, so both
are pinned here against ``corpus/semantics.json``: each case names the rule, cites the AWS page that states it, and
gives requests with the decision AWS documents. parc runs the same corpus (a three-way differential test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from peers import PeerUnavailable, load  # noqa: E402
from peers.cedar_translate import translate  # noqa: E402

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "corpus" / "semantics.json").read_text())
USERS = ("alice", "bob")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


def _decide(engine: str, case: dict[str, Any]) -> list[str]:
    try:
        peer = load(engine)
    except PeerUnavailable as exc:
        pytest.fail(f"{engine} is not installed: {exc} (make test installs the bench extra)")
    peer.prepare([case["policy"]], USERS)
    return [peer.decide(check["request"]) for check in case["checks"]]


def test_every_case_cites_an_aws_page_and_has_checks() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert case["doc"].startswith("https://docs.aws.amazon.com/"), case["name"]
        assert case["checks"], case["name"]
    assert len(set(_ids(CASES))) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_naive_reference(case: dict[str, Any]) -> None:
    assert _decide("naive", case) == [c["expect"] for c in case["checks"]]


CEDAR_CASES = [c for c in CASES if c["cedar"]]


@pytest.mark.parametrize("case", CEDAR_CASES, ids=_ids(CEDAR_CASES))
def test_cedar_translation(case: dict[str, Any]) -> None:
    assert _decide("cedar", case) == [c["expect"] for c in case["checks"]]


@pytest.mark.parametrize("case", [c for c in CASES if not c["cedar"]], ids=_ids([c for c in CASES if not c["cedar"]]))
def test_cedar_reports_what_it_cannot_translate(case: dict[str, Any]) -> None:
    tr = translate([case["policy"]], USERS)
    assert tr.skipped, "a construct Cedar cannot express must be reported, not mistranslated"
    assert tr.count == len(case["policy"]["Statement"]) - len(tr.skipped)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_parc_agrees(case: dict[str, Any]) -> None:
    assert _decide("parc", case) == [c["expect"] for c in case["checks"]]
