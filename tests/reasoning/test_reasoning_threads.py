"""Checks run concurrently: each builds its formulas in a z3 context of its own, so threads (``parc serve``'s) need
no lock, and a check gives the same answer whether or not others run beside it."""

from __future__ import annotations

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


def test_every_check_gets_a_new_context_and_lets_it_go() -> None:
    """No context is reused: what one check leaves in its context (z3 keeps state between queries) must not steer
    the next one's slices, nor may another thread's check touch it. Nested checks share the caller's."""
    ids: list[int] = []
    refs: list[Any] = []

    @smt.own_context
    def inner() -> None:
        ids.append(id(smt.fresh_context()))

    @smt.own_context
    def outer() -> None:
        ctx = smt.fresh_context()
        ids.append(id(ctx))
        refs.append(weakref.ref(ctx))
        inner()

    outer()
    assert ids[0] == ids[1]  # the nested check ran in its caller's context
    gc.collect()
    assert refs[0]() is None, "nothing keeps a finished check's context (no pool hands it to the next check)"
    parc.check_no_new_access(READ, MORE)
    assert smt._CURRENT.get() is None
