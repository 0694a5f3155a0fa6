"""The solver against the concrete engine, on random policies.

- Every FAIL request is replayed through the engine inside the checks (a disagreement raises ReplayMismatch).
- Every PASS is sampled: many concrete requests, decided by the engine, must agree with it.
- Every request the engine allows in the authorization corpus (identity policies alone) makes ``never`` FAIL for
  that action and resource: a PASS there would be a proof of something false.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parc import api
from parc.core.authz.fast import ALWAYS_ALLOWED, TRUST_ACTIONS
from parc.core.reasoning import FAIL, PASS

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
ROLE = "arn:aws:sts::111122223333:assumed-role/parc-reasoning/parc-session"

ACTIONS = ["s3:GetObject", "s3:Get*", "s3:*", "s3:?utObject", "s3:PutObject", "S3:getobject", "s3:List*"]
RESOURCES = ["*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", "arn:aws:s3:::other/*",
             "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::b?cket/*"]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "c"}},
    {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "B"}},
    {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    {"NotIpAddress": {"aws:SourceIp": "192.0.2.128/25"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
    {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
    {"NumericLessThanEquals": {"s3:max-keys": "10"}},
    {"Null": {"aws:SourceVpce": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["x", "y"]}},
    {"ForAllValues:StringLike": {"aws:TagKeys": ["x*"]}},
    {"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}},
]
# Requests to sample: the actions and resources the generators name, and contexts on both sides of each condition.
SAMPLE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetObjectAcl"]
SAMPLE_RESOURCES = ["arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/alice/x", "arn:aws:s3:::other/x",
                    "arn:aws:s3:::bucket/Key", "arn:aws:s3:::bocket/k", "*"]
CONTEXT_PARTS: list[list[dict[str, Any]]] = [
    [{}, {"aws:PrincipalTag/team": "a"}, {"aws:PrincipalTag/team": "c"}, {"aws:PrincipalTag/team": "b"}],
    [{}, {"aws:SourceIp": "192.0.2.7"}, {"aws:SourceIp": "192.0.2.200"}, {"aws:SourceIp": "198.51.100.1"}],
    [{}, {"aws:SecureTransport": "true", "aws:username": "alice", "s3:prefix": "home/alice/x"},
     {"aws:SecureTransport": "false", "s3:max-keys": "5", "aws:TagKeys": ["x"]},
     {"aws:TagKeys": ["x", "z"], "aws:SourceVpce": "vpce-1", "s3:max-keys": "11", "aws:RequestedRegion": "us-east-1",
      "aws:CurrentTime": "2025-06-01T00:00:00Z"}],
]
CONTEXTS = [{k: v for part in combo for k, v in part.items()} for combo in itertools.product(*CONTEXT_PARTS)]


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    key = "NotAction" if draw(st.integers(0, 7)) == 0 else "Action"
    s[key] = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2))
    rkey = "NotResource" if draw(st.integers(0, 6)) == 0 else "Resource"
    s[rkey] = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2))
    cond: dict[str, Any] = {}
    for c in draw(st.lists(st.sampled_from(CONDITIONS), max_size=2)):
        for op, body in c.items():
            cond.setdefault(op, {}).update(body)
    if cond:
        s["Condition"] = cond
    return s


def policy(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


policies = st.lists(statements(), min_size=1, max_size=3).map(policy)


def _sampled(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Sampled requests that NEW allows and OLD does not (the engine decides)."""
    a, b = api.compile([old]), api.compile([new])
    found = []
    for action, resource, ctx in itertools.product(SAMPLE_ACTIONS, SAMPLE_RESOURCES, CONTEXTS):
        req = {"principal": ROLE, "action": action, "resource": resource, "context": ctx}
        if b.authorize(req).decision == "Allow" and a.authorize(req).decision != "Allow":
            found.append(req)
    return found


@SETTINGS
@given(policies, policies)
def test_diff_agrees_with_the_engine(old: dict[str, Any], new: dict[str, Any]) -> None:
    result = api.check_no_new_access(old, new, timeout=30)
    assert result.result in (PASS, FAIL), result.reason
    if result.result == PASS:
        assert _sampled(old, new) == []
    else:
        assert result.counterexamples  # each replayed through the engine by the check


@SETTINGS
@given(policies)
def test_a_policy_grants_nothing_new_against_itself(p: dict[str, Any]) -> None:
    assert api.check_no_new_access(p, p, timeout=30).result == PASS


@SETTINGS
@given(policies, st.sampled_from(SAMPLE_ACTIONS))
def test_never_agrees_with_the_engine(p: dict[str, Any], action: str) -> None:
    result = api.check_access_not_granted(p, [action], timeout=30)
    assert result.result in (PASS, FAIL), result.reason
    if result.result == PASS:
        compiled = api.compile([p])
        for resource, ctx in itertools.product(SAMPLE_RESOURCES, CONTEXTS):
            req = {"principal": ROLE, "action": action, "resource": resource, "context": ctx}
            assert compiled.authorize(req).decision != "Allow", req


@SETTINGS
@given(policies, policies, st.lists(statements(effect="Deny"), max_size=2), st.sampled_from(SAMPLE_ACTIONS))
def test_never_with_a_session_policy_and_rcps_agrees_with_the_engine(p: dict[str, Any], session: dict[str, Any],
                                                                     rcp_denies: list[dict[str, Any]],
                                                                     action: str) -> None:
    rcp = policy([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
                  *[{**d, "Principal": "*"} for d in rcp_denies]])
    result = api.check_access_not_granted(p, [action], session_policy=session, rcps=[[rcp]], timeout=30)
    assert result.result in (PASS, FAIL), result.reason
    if result.result == PASS:
        compiled = api.compile([p], session_policy=session, rcps=[[rcp]])
        for resource, ctx in itertools.product(SAMPLE_RESOURCES, CONTEXTS):
            req = {"principal": ROLE, "action": action, "resource": resource, "context": ctx}
            assert compiled.authorize(req).decision != "Allow", req


# ---- public: random resource policies, sampled outside callers

TRUSTED = "111122223333"
PRINCIPALS: list[Any] = ["*", {"AWS": "*"}, {"AWS": "444455556666"}, {"AWS": f"arn:aws:iam::{TRUSTED}:root"},
                         {"AWS": "arn:aws:iam::444455556666:role/app"}, {"Service": "sns.amazonaws.com"}]
PUBLIC_CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalAccount": TRUSTED}},
    {"StringEquals": {"aws:PrincipalAccount": "444455556666"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}},
    {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{TRUSTED}:*"}},
    {"StringEquals": {"aws:PrincipalTag/team": "a"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalType": "Anonymous"}},
]
OUTSIDERS = ["*", "arn:aws:iam::444455556666:root", "arn:aws:sts::444455556666:assumed-role/app/s",
             "arn:aws:iam::555566667777:user/bob", "arn:aws:sts::555566667777:assumed-role/app/s",
             "sns.amazonaws.com", "arn:aws:sts::444455556666:assumed-role/other/s"]
OUTSIDE_CONTEXTS: list[dict[str, Any]] = [{}, {"aws:SecureTransport": "true"}, {"aws:PrincipalTag/team": "a"},
                                          {"aws:SecureTransport": "true", "aws:PrincipalTag/team": "a"}]


@st.composite
def resource_statements(draw: st.DrawFn) -> dict[str, Any]:
    s = draw(statements())
    s.pop("Condition", None)
    if draw(st.integers(0, 8)) == 0:
        s["NotPrincipal"] = {"AWS": f"arn:aws:iam::{TRUSTED}:root"}
    else:
        s["Principal"] = draw(st.sampled_from(PRINCIPALS))
    cond: dict[str, Any] = {}
    for c in draw(st.lists(st.sampled_from(PUBLIC_CONDITIONS), max_size=2)):
        for op, body in c.items():
            cond.setdefault(op, {}).update(body)
    if cond:
        s["Condition"] = cond
    return s


@SETTINGS
@given(st.lists(resource_statements(), min_size=1, max_size=3).map(policy))
def test_public_agrees_with_the_engine(p: dict[str, Any]) -> None:
    result = api.check_no_public_access(p, accounts=[TRUSTED], timeout=30)
    assert result.result in (PASS, FAIL), result.reason
    if result.result == PASS:
        compiled = api.compile([{"Version": "2012-10-17",
                                 "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}], p)
        for who, action, resource, ctx in itertools.product(OUTSIDERS, SAMPLE_ACTIONS, SAMPLE_RESOURCES,
                                                            OUTSIDE_CONTEXTS):
            req = {"principal": who, "action": action, "resource": resource, "resource_account": TRUSTED,
                   "context": ctx}
            assert compiled.authorize(req).decision != "Allow", req


# ---- the authorization corpus: what the engine allows, never must not prove impossible

AUTHZ = Path(__file__).resolve().parent.parent / "corpora" / "authz"
ALLOWED = [
    c for f in sorted(AUTHZ.glob("*.json")) for c in json.loads(f.read_text(encoding="utf-8"))
    if c["expect"]["decision"] == "Allow"
    and set(c["request"]) <= {"principal", "action", "resource", "context", "identity_policies"}
    and c["request"].get("identity_policies")
    and c["request"]["action"].lower() not in TRUST_ACTIONS | ALWAYS_ALLOWED
    and (":user/" in c["request"]["principal"] or ":assumed-role/" in c["request"]["principal"]
         or ":role/" in c["request"]["principal"])
]


# A service-linked role changing an /aws-reserved/ role (IAM Identity Center's own role does; tests/corpora/authz/
# aws_owned.json): the solver names the caller by its aws:PrincipalArn, and the engine agrees.
SLR_CASE = "aws_reserved_sso_role_is_changed_by_identity_centers_service_linked_role"


def test_never_fails_on_a_service_linked_role_changing_a_reserved_role() -> None:
    (case,) = [c for c in ALLOWED if c["name"] == SLR_CASE]
    r = case["request"]
    # The caller is IAM Identity Center's service-linked role.
    result = api.check_access_not_granted(r["identity_policies"], [r["action"]], resources=[r["resource"]],
                                          service_linked=True)
    assert result.result == FAIL
    (cx,) = result.counterexamples
    assert ":assumed-role/" in cx.principal and "aws-service-role/" in str(cx.context["aws:principalarn"])


@pytest.mark.parametrize(("caller", "expect"), [
    ("arn:aws:iam::111122223333:role/ops", PASS),
    ("arn:aws:iam::111122223333:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO", FAIL),
    ("arn:aws:iam::444455556666:role/aws-service-role/sso.amazonaws.com/AWSServiceRoleForSSO", PASS),
], ids=["customer-role", "service-linked-role", "service-linked-role-of-another-account"])
def test_a_reserved_role_is_changed_only_by_a_service_linked_role_of_its_account(caller: str, expect: str) -> None:
    """https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html: only IAM Identity
    Center's service-linked role changes them; any other caller's grant is no grant (the engine's rule)."""
    (case,) = [c for c in ALLOWED if c["name"] == SLR_CASE]
    r = case["request"]
    (policy,) = r["identity_policies"]
    only = {**policy, "Statement": [{**st, "Condition": {"StringEquals": {"aws:PrincipalArn": caller}}}
                                    for st in policy["Statement"]]}
    result = api.check_access_not_granted([only], [r["action"]], resources=[r["resource"]],
                                          service_linked=":role/aws-service-role/" in caller)
    assert result.result == expect, result.reason
    # A customer role session (the default caller) never changes them.
    assert api.check_access_not_granted([only], [r["action"]], resources=[r["resource"]]).result == PASS


def test_never_fails_on_every_request_the_corpus_allows() -> None:
    assert len(ALLOWED) > 50
    wrong = []
    for case in ALLOWED:
        r = case["request"]
        resource = r.get("resource", "*")
        # The request's resource as a pattern covers at least itself; the caller of its kind.
        result = api.check_access_not_granted(r["identity_policies"], [r["action"]], resources=[resource],
                                              service_linked=":role/aws-service-role/" in r["principal"])
        # UNKNOWN is honest for what is not encoded (BinaryEquals); PASS would be a false proof.
        if result.result != FAIL and not (result.result == "UNKNOWN" and "Binary" in result.reason):
            wrong.append((case["name"], result.result, result.reason))
    assert wrong == []
