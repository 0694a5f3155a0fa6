"""``LintMemo`` (parc.core.lint.memo): a document whose content was validated before gets the earlier findings
moved to its own positions, and must be exactly what ``validate`` gives it: every case of the validate corpora
(with the catalog for the catalog corpora), each laid out three ways (indented, compact, and inside a larger file
so that its positions start elsewhere), validated through one memo and compared with ``validate`` field by field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parc.catalog import default_catalog
from parc.core.lint import validate
from parc.core.lint.memo import LintMemo, position_map
from parc.core.policy.jsonpos import JNode, parse_json
from parc.core.policy.jsonshape import shape
from parc.core.policy.model import PolicyType

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


def _cases(folder: str) -> list[dict[str, Any]]:
    out = []
    for f in sorted((CORPORA / folder).glob("*.json")):
        data = json.loads(f.read_text())
        out += [c for c in (data["cases"] if isinstance(data, dict) else data) if isinstance(c.get("policy"), dict)]
    return out


def _layouts(policy: dict[str, Any]) -> list[JNode]:
    indented = parse_json(json.dumps(policy, indent=2))
    compact = parse_json(json.dumps(policy, separators=(",", ":")))
    inside = parse_json('{"Other": [1, {"a": "b"}],\n\n   "Document": ' + json.dumps(policy, indent=1) + "}")
    member = inside.get("Document")
    assert member is not None
    return [indented, compact, member.node]


def _same(got: Any, want: Any) -> None:
    assert [f.to_dict() for f in got.findings] == [f.to_dict() for f in want.findings]
    assert [f.position for f in got.findings] == [f.position for f in want.findings]
    assert got.policy == want.policy and got.policy_type == want.policy_type and got.name == want.name
    assert got.type_inferred == want.type_inferred and got.text == want.text


@pytest.mark.parametrize("folder", ["validate", "validate_catalog"])
def test_every_corpus_case_moved_is_what_validate_gives(folder: str) -> None:
    catalog = default_catalog() if folder == "validate_catalog" else None
    memo = LintMemo(catalog)
    cases = _cases(folder)
    assert len(cases) > 20
    with_findings = 0
    for i, case in enumerate(cases):
        ptype = PolicyType(case.get("policy_type", "identity"))
        for j, node in enumerate(_layouts(case["policy"])):
            name = f"case-{i}-layout-{j}.json"
            _same(memo.validate(node, ptype, name), validate(node, ptype, catalog, name=name))
        with_findings += bool(validate(_layouts(case["policy"])[0], ptype, catalog, name="x").findings)
    assert with_findings > 20  # most cases have findings to move
    assert memo.reused >= 2 * len(cases) * 0.9  # the later layouts were moved, not validated again


def test_the_shape_tells_apart_what_json_tells_apart() -> None:
    def s(text: str) -> object:
        return shape(parse_json(text))

    assert s('{"a": 1}') == s('{\n  "a":   1\n}')
    assert len({s('{"a": 1}'), s('{"a": 1.0}'), s('{"a": true}'), s('{"a": "1"}'), s('{"a": [1]}')}) == 5
    assert s('{"a": 1, "a": 1}') != s('{"a": 1}')  # a repeated key is kept (and reported by the lint)
    assert s('{"a": 1, "b": 2}') != s('{"b": 2, "a": 1}')  # paths and order of findings follow the members


def test_a_position_standing_for_two_places_is_not_moved() -> None:
    old = parse_json('[1, 2]')
    new = parse_json('[3, 4]')
    old.items[1].pos = old.items[0].pos  # two places of old share a position
    assert position_map(old, new) is None
    assert position_map(parse_json('[1, 2]'), parse_json('[\n1,\n 2]')) is not None
