"""Loading the data-driven corpora of this folder: each case is named after the rule it pins and cites its page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def load(name: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    data = json.loads((HERE / name).read_text(encoding="utf-8"))
    docs: dict[str, str] = data["docs"]
    cases: list[dict[str, Any]] = data["cases"]
    for case in cases:
        assert case["doc"] in docs, f"{name}: case {case['name']!r} cites unknown page {case['doc']!r}"
    return docs, cases


def params(cases: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in cases]
