"""The validate corpus: each case is a policy of one type with the findings it must produce.

Cases live in tests/corpora/validate/*.json: ``{name, policy_type, doc, policy (object or raw text), expect:
[{code, path, line?}], also?: [codes], valid?: bool, absent?: [codes], iam_accepts?: bool | null}``. ``doc``
cites the AWS page that pins the behaviour. A case passes when every expected finding is there (code and JSON path,
and line when given) and no ERROR or SECURITY_WARNING is reported beyond the expected codes and ``also``;
``valid: true`` means no ERROR at all; ``absent`` lists codes that must not be reported (the other outcome of a rule
whose finding is not serious); ``iam_accepts`` pins the separate "will IAM accept it?" verdict (null: a type IAM
does not store).
The catalog rules are left out (catalog=None): their corpus is tests/corpora/validate_catalog/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parc.core.findings import FindingType
from parc.core.lint import validate
from parc.core.policy.model import PolicyType

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "validate"
SERIOUS = (FindingType.ERROR, FindingType.SECURITY_WARNING)


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for file in sorted(CORPUS.glob("*.json")):
        for case in json.loads(file.read_text(encoding="utf-8")):
            out.append((f"{file.stem}:{case['name']}", case))
    return out


CASES = load_cases()


def test_corpus_is_large_and_names_are_unique() -> None:
    names = [name for name, _ in CASES]
    assert len(names) >= 150
    assert len(set(names)) == len(names)
    assert {c["policy_type"] for _, c in CASES} == {t.value for t in PolicyType}


@pytest.mark.parametrize(("name", "case"), CASES, ids=[n for n, _ in CASES])
def test_case(name: str, case: dict[str, Any]) -> None:
    policy = case["policy"]
    source = policy if isinstance(policy, str) else json.dumps(policy, indent=2)
    result = validate(source, PolicyType(case["policy_type"]), None, name)
    got = [(f.code, f.path, f.line) for f in result.findings]
    for exp in case["expect"]:
        hits = [g for g in got if g[0] == exp["code"] and g[1] == exp["path"]]
        assert hits, f"{name}: expected {exp['code']} at {exp['path']!r}; got {got}"
        if "line" in exp:
            assert any(h[2] == exp["line"] for h in hits), f"{name}: {exp['code']} not on line {exp['line']}: {hits}"
    allowed = {e["code"] for e in case["expect"]} | set(case.get("also", ()))
    unexpected = [(f.code, f.path) for f in result.findings if f.finding_type in SERIOUS and f.code not in allowed]
    assert not unexpected, f"{name}: unexpected findings {unexpected}"
    if case.get("valid"):
        assert result.ok, f"{name}: a valid policy got errors {got}"
    assert not any(f.code == "INTERNAL_ERROR" for f in result.findings)
    absent = set(case.get("absent", ())) & {f.code for f in result.findings}
    assert not absent, f"{name}: reported {absent}: {got}"
    if "iam_accepts" in case:
        assert result.iam_accepts is case["iam_accepts"], f"{name}: iam_accepts {result.iam_accepts}: {got}"
