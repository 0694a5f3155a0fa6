"""compile_glob and the action index key; the glob engine's three paths are cross-checked in the properties."""

from __future__ import annotations

import pytest

from parc.core.match import compile_action, compile_glob


@pytest.mark.parametrize(
    ("pattern", "text", "ignore_case", "expected"),
    [
        ("*", "", False, True),
        ("", "", False, True),
        ("", "a", False, False),
        ("abc", "abc", False, True),
        ("abc", "ABC", False, False),
        ("abc", "ABC", True, True),
        ("ABC*", "abcdef", True, True),
        ("*DEF", "abcdef", True, True),
        ("a?c", "abc", False, True),
        ("a?c", "ac", False, False),
        ("a*c*e", "abcde", False, True),
        ("a*c*e", "abcdef", False, False),
        ("*a*a*a*a*b", "a" * 60, False, False),
        ("*a*a*a*a*b", "a" * 60 + "b", False, True),
        ("a.c", "abc", False, False),
        ("[ab]", "a", False, False),
        ("[ab]", "[ab]", False, True),
        ("a\\*", "a\\xyz", False, True),
        ("line*", "line\nbreak", False, True),
    ],
)
def test_glob(pattern: str, text: str, ignore_case: bool, expected: bool) -> None:
    assert compile_glob(pattern, ignore_case=ignore_case)(text) is expected


@pytest.mark.parametrize(
    ("pattern", "service"),
    [
        ("s3:GetObject", "s3"),
        ("S3:Get*", "s3"),
        ("*", None),
        ("s3*", None),
        ("s?:Get", None),
        ("*:Get*", None),
        ("iam:*", "iam"),
    ],
)
def test_action_service_index_key(pattern: str, service: str | None) -> None:
    assert compile_action(pattern).service == service
