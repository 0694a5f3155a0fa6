"""The data-driven corpus of catalog-backed validation: tests/corpora/validate_catalog/*.json.

Each case is named after the rule it pins (``CODE/what`` for a finding, ``valid/what`` for none), cites the page
that says why in ``doc``, and lists every finding the catalog rules must report as ``{code, path}``: no more, no
fewer, so a valid case pins that nothing is reported. ``iam_accepts`` (optional) pins whether IAM's API would
accept the document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lint_helpers import lint_catalog

from parc.core.lint.iam_verdict import iam_reason
from parc.core.policy.model import PolicyType

CORPUS = Path(__file__).parent.parent / "corpora" / "validate_catalog"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CORPUS.glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            out.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return out


CASES = _cases()


def test_corpus_is_large_and_names_are_unique() -> None:
    names = [p.values[0]["name"] for p in CASES]
    assert len(CASES) >= 100
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    findings = lint_catalog(json.dumps(case["policy"], indent=1), PolicyType(case["policy_type"]))
    got = sorted((f.code, f.path) for f in findings)
    want = sorted((e["code"], e["path"]) for e in case["expect"])
    assert got == want, [f.message for f in findings]
    name = case["name"]
    if name.startswith("valid/"):
        assert want == []
    else:
        assert name.split("/")[0] in {code for code, _ in want}
    for f in findings:
        assert f.position is not None and f.learn_more
    if "iam_accepts" in case:  # the separate "will IAM accept it?" verdict (core/lint/iam_verdict.py)
        ptype = PolicyType(case["policy_type"])
        assert (not any(iam_reason(f, ptype) for f in findings)) is case["iam_accepts"]
