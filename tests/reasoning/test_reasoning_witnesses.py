"""The public question's bound on a multivalued key's values (public._witnesses) gives the answers the count of
every set condition gives: the same verdict and the same granting statements."""

from __future__ import annotations

from typing import Any

import pytest

import parc
from parc.core.reasoning import public


def _stmt(sid: str, effect: str, cond: dict[str, Any]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": effect, "Principal": "*", "Action": "s3:PutObjectTagging",
            "Resource": "arn:aws:s3:::b/*", "Condition": cond}


CASES = [
    [_stmt("A1", "Allow", {"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]},
                           "ForAnyValue:StringLike": {"aws:TagKeys": ["a1"]}}),
     _stmt("A2", "Allow", {"ForAllValues:StringEquals": {"aws:TagKeys": ["b", "c"]}}),
     _stmt("D1", "Deny", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a1"]}})],
    [_stmt("A1", "Allow", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["x"]},
                           "StringEquals": {"aws:PrincipalAccount": "444455556666"}}),
     _stmt("D1", "Deny", {"ForAllValues:StringEquals": {"aws:TagKeys": ["x"]}}),
     _stmt("D2", "Deny", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["y"]}})],
    [_stmt("A1", "Allow", {"ForAllValues:StringEquals": {"aws:TagKeys": ["x"]}}),
     _stmt("D1", "Deny", {"ForAllValues:StringEquals": {"aws:TagKeys": ["x", "y"]}, "Null": {"aws:TagKeys": "false"}}),
     _stmt("D2", "Deny", {"Null": {"aws:TagKeys": "true"}})],
]


@pytest.mark.parametrize("statements", CASES)
def test_the_bound_gives_the_answers_of_the_full_count(statements: list[dict[str, Any]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    policy = {"Version": "2012-10-17", "Statement": statements}

    def answer() -> tuple[str, list[str]]:
        r = parc.check_no_public_access(policy, accounts=["111122223333"])
        return r.result, sorted((c.statement or {}).get("sid") or "" for c in r.counterexamples)

    bounded = answer()
    monkeypatch.setattr(public, "_witnesses", lambda g, rcp_g: {})
    assert answer() == bounded
    assert bounded[0] in ("PASS", "FAIL")
