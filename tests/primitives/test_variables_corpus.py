"""Policy variable templates, pinned against the Policy variables page (corpus_variables.json)."""

from __future__ import annotations

from typing import Any

import pytest

from parc.core.context import normalize_context
from parc.core.variables import Special, Variable, literal_template, parse_template

from .corpus import load, params

_, CASES = load("corpus_variables.json")


@pytest.mark.parametrize("case", params(CASES))
def test_template_case(case: dict[str, Any]) -> None:
    tpl = parse_template(case["template"])
    assert tpl.render(normalize_context(case["context"])) == case["expected"]
    if "variable_names" in case:
        assert list(tpl.variable_names) == case["variable_names"]
        assert tpl.has_variables is bool(case["variable_names"])


def test_specials_are_kept_apart_from_literal_text() -> None:
    """``${*}`` must stay distinguishable from a written ``*`` so globs can treat only the latter as a wildcard."""
    tpl = parse_template("a*${*}")
    assert tpl.parts == ("a*", Special("*"))


def test_variable_keeps_its_default_and_spelling() -> None:
    (var,) = parse_template("${aws:PrincipalTag/Team, 'none'}").parts
    assert var == Variable("aws:principaltag/team", "none", "${aws:PrincipalTag/Team, 'none'}")


def test_literal_template_never_substitutes() -> None:
    tpl = literal_template("${aws:username}")
    assert not tpl.has_variables
    assert tpl.render({"aws:username": "bob"}) == "${aws:username}"


def test_templates_compare_by_parts() -> None:
    assert parse_template("${aws:UserName}") == parse_template("${aws:username}")
    assert len({parse_template("x"), parse_template("x")}) == 1
