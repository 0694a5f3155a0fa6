"""The operator registry, the forms IAM allows, and clear errors for the ones it does not.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
("You can add IfExists to the end of any condition operator name except the Null condition")
"""

from __future__ import annotations

import pytest

from parc.core.conditions import (
    FAMILIES,
    UnknownOperatorError,
    base_operators,
    compile_condition,
    is_known_operator,
    operator_family,
    parse_operator,
    suggest_operator,
)

OPERATORS = {
    "String": [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    ],
    "Numeric": [
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    ],
    "Date": [
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
    ],
    "Bool": ["Bool"],
    "Binary": ["BinaryEquals"],
    "IpAddress": ["IpAddress", "NotIpAddress"],
    "Arn": ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
    "Null": ["Null"],
}
NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
    "ArnNotEquals",
    "ArnNotLike",
}


def test_registry_holds_exactly_the_documented_operators() -> None:
    assert {s.name: s.family for s in base_operators()} == {
        name: family for family, names in OPERATORS.items() for name in names
    }
    assert set(OPERATORS) == set(FAMILIES)


def test_negated_operators() -> None:
    assert {s.name for s in base_operators() if s.negated} == NEGATED


def test_variables_only_for_string_arn_and_bool() -> None:
    """Policy variables: String and ARN operators (Variables page) and Bool (Condition operators page)."""
    assert {s.family for s in base_operators() if s.variables} == {"String", "Arn", "Bool"}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_form_is_known(family: str) -> None:
    for name in OPERATORS[family]:
        forms = (
            [name]
            if family == "Null"
            else [name, name + "IfExists", "ForAllValues:" + name, "ForAnyValue:" + name + "IfExists"]
        )
        for form in forms:
            assert is_known_operator(form), form
            assert operator_family(form) == family
            assert parse_operator(form).name == form


@pytest.mark.parametrize(
    ("operator", "hint"),
    [
        ("StringEqualz", None),
        ("stringequals", "StringEquals"),
        ("forallvalues:stringlikeifexists", "ForAllValues:StringLikeIfExists"),
        ("IfExists", None),
        ("ForAnyValue:", None),
        ("ForSomeValues:StringEquals", None),
        ("StringEquals:ForAllValues", None),
        ("", None),
    ],
)
def test_unknown_operators_raise_with_a_hint(operator: str, hint: str | None) -> None:
    assert not is_known_operator(operator)
    with pytest.raises(UnknownOperatorError, match="unknown condition operator") as err:
        compile_condition(operator, "aws:username", ["x"], variables=True)
    assert isinstance(err.value, ValueError)
    assert suggest_operator(operator) == hint
    if hint:
        assert hint in str(err.value)


@pytest.mark.parametrize("operator", ["NullIfExists", "ForAllValues:Null", "ForAnyValue:Null"])
def test_null_takes_no_if_exists_or_set_prefix(operator: str) -> None:
    assert not is_known_operator(operator)
    with pytest.raises(UnknownOperatorError, match="Null takes neither"):
        parse_operator(operator)


def test_operator_family_of_unknown_raises() -> None:
    with pytest.raises(UnknownOperatorError):
        operator_family("Nope")


def test_compiled_condition_exposes_its_parts() -> None:
    cond = compile_condition("ForAnyValue:StringNotLikeIfExists", "AWS:TagKeys", ["a*", 1, True], variables=True)
    assert (cond.operator, cond.key, cond.key_lower) == (
        "ForAnyValue:StringNotLikeIfExists",
        "AWS:TagKeys",
        "aws:tagkeys",
    )
    assert cond.values == ("a*", "1", "true")
    assert (cond.family, cond.negated, cond.set_operator, cond.if_exists) == ("String", True, "ForAnyValue", True)
    assert not cond.has_variables


def test_has_variables_only_when_substituted() -> None:
    assert compile_condition("StringEquals", "k", ["${aws:username}"], variables=True).has_variables
    assert not compile_condition("StringEquals", "k", ["${aws:username}"], variables=False).has_variables
    assert not compile_condition("NumericEquals", "k", ["${aws:username}"], variables=True).has_variables


@pytest.mark.parametrize("bad", [None, ["x"], {"a": 1}, b"x"])
def test_values_must_be_scalars(bad: object) -> None:
    with pytest.raises(TypeError, match="condition value must be text, a number or a boolean"):
        compile_condition("StringEquals", "k", [bad], variables=True)  # type: ignore[list-item]


@pytest.mark.parametrize("operator", ["StringEquals", "StringNotEquals", "NumericNotEquals", "Null"])
def test_no_values_matches_nothing_when_present(operator: str) -> None:
    cond = compile_condition(operator, "k", [], variables=True)
    assert cond.evaluate({"k": "x"}) is False
    assert cond.explain({"k": "x"}).matched is False
