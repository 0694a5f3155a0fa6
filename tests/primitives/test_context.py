"""The request context: key names are case-insensitive, values are text.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html ("Context key names
are not case-sensitive")
"""

from __future__ import annotations

import pytest

from parc.core.context import is_absent, normalize_context


def test_names_lowercased_and_values_text() -> None:
    ctx = normalize_context(
        {
            "AWS:SourceIp": "10.0.0.1",
            "aws:SecureTransport": True,
            "s3:max-keys": 10,
            "x:f": 1.5,
            "AWS:TagKeys": ["a", "b"],
        }
    )
    assert ctx == {
        "aws:sourceip": "10.0.0.1",
        "aws:securetransport": "true",
        "s3:max-keys": "10",
        "x:f": "1.5",
        "aws:tagkeys": ("a", "b"),
    }


def test_none_is_absent_and_dropped() -> None:
    ctx = normalize_context({"aws:username": None, "aws:TagKeys": ["a", None, False]})
    assert ctx == {"aws:tagkeys": ("a", "false")}


def test_sets_become_sorted_tuples() -> None:
    assert normalize_context({"k": {"b", "a"}}) == {"k": ("a", "b")}


def test_same_key_twice_with_same_value_is_fine() -> None:
    assert normalize_context({"aws:username": "bob", "AWS:UserName": "bob"}) == {"aws:username": "bob"}


def test_same_key_twice_with_different_values_is_an_error() -> None:
    with pytest.raises(ValueError, match="given twice with different values"):
        normalize_context({"aws:username": "bob", "AWS:UserName": "eve"})


@pytest.mark.parametrize("value", [{"a": 1}, object(), [["nested"]]])
def test_unsupported_values_are_a_clear_error(value: object) -> None:
    with pytest.raises(TypeError, match="context key 'k'"):
        normalize_context({"k": value})


def test_key_names_must_be_text() -> None:
    with pytest.raises(TypeError, match="key names must be text"):
        normalize_context({1: "x"})  # type: ignore[dict-item]


def test_absent_means_missing_or_empty() -> None:
    assert is_absent(None)
    assert is_absent(())
    assert not is_absent("")
    assert not is_absent(("a",))
