"""Fuzz the decision API: compile and authorize with mutated valid policies and requests (wrong types at every
field, big numbers, deep nesting). The only exceptions allowed are parc's own PolicyCompileError and
RequestError, and authorize_many(errors="return") never raises for a request (issue 19, issue 11 section 3)."""

from __future__ import annotations

import contextlib
from typing import Any

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from mutations import SEEDS, mutated, to_python

import parc
from parc.core.authz import PolicyCompileError, RequestError

ALICE = "arn:aws:iam::111122223333:user/alice"
REQUESTS: list[dict[str, Any]] = [
    {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
    {"principal": ALICE, "action": "iam:PassRole", "resource": "arn:aws:iam::111122223333:role/r",
     "context": {"iam:PassedToService": "ec2.amazonaws.com", "aws:MultiFactorAuthPresent": "true"}},
    {"principal": "arn:aws:sts::444455556666:assumed-role/r/s", "action": "kms:Decrypt",
     "resource": "arn:aws:kms:us-east-1:111122223333:key/k", "resource_account": "111122223333",
     "context": {"aws:SourceIp": "10.0.0.1", "aws:CurrentTime": "2026-01-01T00:00:00Z", "aws:TagKeys": ["a"]}},
    {"principal": "*", "action": "sts:AssumeRole", "resource": "arn:aws:iam::111122223333:role/r",
     "identity_policies": [SEEDS[0]], "scps": [[SEEDS[0]]], "management_account": "111122223333"},
]
ALLOWED = (PolicyCompileError, RequestError)


@fuzz
@given(st.sampled_from(SEEDS).flatmap(mutated), st.sampled_from(REQUESTS))
def test_fuzz_mutated_policies_compile_or_raise_parcs_error(doc: Any, request: dict[str, Any]) -> None:
    value = to_python(doc)
    for kind in ("identity", "resource", "scp"):
        try:
            if kind == "identity":
                engine = parc.compile([value])
            elif kind == "resource":
                engine = parc.compile(resource_policy=value)
            else:
                engine = parc.compile(scps=[[value]])
        except ALLOWED:
            continue
        answers = engine.authorize_many([request, request], errors="return")
        assert len(answers) == 2


@fuzz
@given(st.sampled_from(REQUESTS).flatmap(mutated))
def test_fuzz_mutated_requests_are_decided_or_raise_parcs_error(request: Any) -> None:
    value = to_python(request)
    with contextlib.suppress(*ALLOWED):
        parc.authorize(value)
    failure = parc.authorize(value, errors="return") if isinstance(value, dict) else None
    assert failure is None or failure.decision in ("Allow", "ExplicitDeny", "ImplicitDeny", "Error")
    engine = parc.compile([SEEDS[0]])
    answers = engine.authorize_many([value, REQUESTS[0]], errors="return")
    assert answers[1].decision != "Error"
