"""Checks run concurrently: each builds its formulas in a z3 context of its own, so threads (``parc serve``'s) need
no lock, and a check gives the same answer whether or not others run beside it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import z3

import parc
from parc.core.reasoning import smt

READ = {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::b/*"}]}
MORE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "Tagged", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/${aws:username}/*",
     "Condition": {"StringLike": {"aws:PrincipalTag/team": "a*"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}
PUBLIC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}},
    {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}


def _answers() -> list[Any]:
    out = []
    for r in (parc.check_no_new_access(READ, MORE), parc.check_no_new_access(MORE, READ),
              parc.check_access_not_granted(MORE, ["s3:DeleteObject"]),
              parc.check_access_not_granted(MORE, ["s3:PutObject"]),
              parc.check_no_public_access(PUBLIC, accounts=["111122223333"], org="o-abc"),
              parc.check_no_public_access(READ | {"Statement": [dict(READ["Statement"][0], Principal="*")]},
                                          accounts=["111122223333"])):
        out.append((r.result, sorted((c.statement or {}).get("sid") or "" for c in r.counterexamples)))
    return out


def test_checks_in_threads_agree_with_checks_one_at_a_time() -> None:
    alone = _answers()
    assert [a for a, _ in alone] == ["FAIL", "PASS", "PASS", "FAIL", "FAIL", "FAIL"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda _: _answers(), range(12)))
    assert all(t == alone for t in together)


def test_a_context_is_reused_only_when_nothing_of_its_check_is_left() -> None:
    parc.check_no_new_access(READ, MORE)
    assert smt._POOL, "a finished check's context goes back to the pool"
    pooled = {id(c) for c, _ in smt._POOL}
    kept: list[Any] = []

    @smt.own_context
    def leaky() -> None:
        ctx = smt.fresh_context()
        kept.append(z3.Bool("left-over", ctx))  # a formula that outlives its check

    smt._POOL.clear()
    leaky()
    assert not smt._POOL, "a context something still holds is not handed to another check"
    assert len(kept) == 1 and pooled
