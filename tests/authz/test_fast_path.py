"""The fast path (per-action plans, reasons settled on demand) against the plain reference evaluator (issue 6).

The fast path stops at the first statement that settles a decision and leaves the reasons to the plain loop, run
when someone reads them. Both must give the same decision, the same deciding statements, the same reasons and the
same missing context keys, on the benchmark's own workload and on the edge cases of the request context.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import parc
from parc.core.authz.request import RequestError

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import workload  # noqa: E402

NOW = datetime(2027, 3, 1, 12, 0, 0, tzinfo=UTC)
USER = "arn:aws:iam::111122223333:user/alice"


def _summary(d: parc.Decision) -> tuple[Any, ...]:
    return (d.decision, [(r.policy_index, r.statement_index) for r in d.deciding], d.reasons, d.blocked_by,
            dict(d.by_policy_type), d.missing_context_keys)


@pytest.mark.parametrize("size", [10, 100, 1000])
def test_the_benchmark_workload_decides_as_the_plain_evaluator(size: int) -> None:
    wl = workload.make_workload(size, 1500, seed=7, per_policy=None if size < 1000 else 250)
    fast = parc.compile(identity_policies=wl.policies)
    plain = parc.compile(identity_policies=wl.policies, indexed=False)
    batch = fast.authorize_many(wl.requests, now=NOW)
    seen = set()
    for req, d in zip(wl.requests, batch, strict=True):
        reference = plain.authorize(req, now=NOW)
        assert _summary(d) == _summary(reference), req
        seen.add(d.decision)
    assert seen == {"Allow", "ExplicitDeny", "ImplicitDeny"}


def _identity(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_an_explicit_deny_names_every_matching_deny_once_asked() -> None:
    engine = parc.compile(identity_policies=[_identity(
        {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "NoTls", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "NoGet", "Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
    )])
    d = engine.authorize({"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
                          "context": {"aws:SecureTransport": "false"}}, now=NOW)
    assert d.decision == "ExplicitDeny"
    assert [r.sid for r in d.deciding] == ["NoTls", "NoGet"]
    assert d.reasons == ("Explicitly denied by identity policy #0 statement #1 'NoTls'",)


def test_an_allow_settled_later_still_reads_the_clock_of_its_decision() -> None:
    """No aws:CurrentTime in the request: the decision reads the clock; its reasons, read later, read the same one."""
    engine = parc.compile(identity_policies=[_identity(
        {"Sid": "Early", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2027-06-01T00:00:00Z"}}},
        {"Sid": "Late", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}},
    )])
    d = engine.authorize({"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, now=NOW)
    assert d.decision == "Allow"
    assert [r.sid for r in d.deciding] == ["Early", "Late"]
    later = engine.authorize({"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
                             now=datetime(2027, 7, 1, tzinfo=UTC))
    assert [r.sid for r in later.deciding] == ["Late"]


def test_a_request_changed_after_its_decision_is_not_explained_with_another_answer() -> None:
    engine = parc.compile(identity_policies=[_identity(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}},
    )])
    req: dict[str, Any] = {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
                           "context": {"aws:PrincipalTag/team": "red"}}
    d = engine.authorize(req, now=NOW)
    assert d.decision == "Allow"
    req["context"] = {"aws:PrincipalTag/team": "blue"}
    with pytest.raises(RuntimeError, match="changed after it was decided"):
        _ = d.deciding


TAGGED = _identity(
    {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
     "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}},
)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        # A multivalued key as a list: the fast path leaves it to the full path, which normalises it.
        ({"aws:TagKeys": ["team", "env"]}, "Allow"),
        ({"aws:TagKeys": ["team", "owner"]}, "ImplicitDeny"),
        # Key names are case-insensitive.
        ({"AWS:TAGKEYS": ["env"]}, "Allow"),
        ({"aws:tagkeys": "team"}, "Allow"),
    ],
)
def test_context_shapes_the_fast_path_hands_over(context: dict[str, Any], expected: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"""
    engine = parc.compile(identity_policies=[TAGGED])
    req = {"principal": USER, "action": "ec2:CreateTags", "resource": "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
           "context": context}
    assert engine.authorize(req, now=NOW).decision == expected
    assert engine.authorize_many([req], now=NOW)[0].decision == expected


def test_two_spellings_of_one_key_are_an_error_not_a_guess() -> None:
    engine = parc.compile(identity_policies=[TAGGED])
    req = {"principal": USER, "action": "ec2:CreateTags", "resource": "*",
           "context": {"aws:TagKeys": "team", "AWS:TagKeys": "owner"}}
    with pytest.raises(RequestError):
        engine.authorize(req, now=NOW)


def test_every_key_aws_derives_is_listed_as_derived() -> None:
    """The fast path reads a request's own dict only when no key it needs is one AWS derives from the caller or
    the clock; DERIVED_KEYS must therefore hold every key full_context can add.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"""
    from parc.core.authz.principal import parse_request_principal
    from parc.core.authz.request import DERIVED_KEYS, full_context

    callers = [
        "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:root", "111122223333",
        "arn:aws:sts::111122223333:assumed-role/app/s", "arn:aws:iam::111122223333:role/app",
        "arn:aws:sts::111122223333:federated-user/bob", "s3.amazonaws.com", "*",
        "arn:aws:iam::111122223333:saml-provider/idp",
    ]
    for raw in callers:
        p = parse_request_principal(raw)
        assert set(full_context(p, "444455556666", {}, NOW)) <= DERIVED_KEYS, raw


READS_CONTEXT = _identity(
    {"Sid": "Tls", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "Office", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}, "StringEquals": {"aws:PrincipalTag/team": "red"}}},
    {"Sid": "Self", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
     "Condition": {"StringEquals": {"aws:username": "alice"}}},
)


@pytest.mark.parametrize(
    ("action", "context", "expected"),
    [
        # Keys in any spelling are read from the request's dict as they are.
        ("s3:GetObject", {"AWS:SOURCEIP": "192.0.2.9", "aws:principaltag/TEAM": "red"}, "Allow"),
        ("s3:GetObject", {"aws:SourceIp": "192.0.2.9", "aws:PrincipalTag/team": "blue"}, "ImplicitDeny"),
        ("s3:GetObject", {"aws:SourceIp": "192.0.2.9", "aws:PrincipalTag/team": "red",
                          "aws:securetransport": "false"}, "ExplicitDeny"),
        # A key absent in every spelling is absent: no tag, no allow.
        ("s3:GetObject", {"aws:SourceIp": "192.0.2.9"}, "ImplicitDeny"),
        # aws:username is derived from the caller when the request does not give it ...
        ("s3:PutObject", {"aws:SourceIp": "192.0.2.9"}, "Allow"),
        # ... and the request's own value wins when it does.
        ("s3:PutObject", {"aws:UserName": "mallory"}, "ImplicitDeny"),
    ],
)
def test_the_request_context_read_in_place(action: str, context: dict[str, str], expected: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html (key names are
    case-insensitive)"""
    engine = parc.compile(identity_policies=[READS_CONTEXT])
    plain = parc.compile(identity_policies=[READS_CONTEXT], indexed=False)
    req = {"principal": USER, "action": action, "resource": "arn:aws:s3:::b/k", "context": context}
    for _ in range(2):  # the second time from the cached bindings
        d = engine.authorize_many([req], now=NOW)[0]
        assert d.decision == expected
        assert _summary(d) == _summary(plain.authorize(req, now=NOW))


def test_one_plan_read_with_spellings_that_change_from_request_to_request() -> None:
    """A plan keeps the last spelling it was read with: a request with another spelling must not reuse it."""
    engine = parc.compile(identity_policies=[READS_CONTEXT])
    plain = parc.compile(identity_policies=[READS_CONTEXT], indexed=False)
    contexts = [
        {"AWS:SOURCEIP": "192.0.2.9", "aws:principaltag/TEAM": "red"},
        {"aws:SourceIp": "192.0.2.9", "aws:PrincipalTag/team": "blue"},
        {"aws:SourceIp": "192.0.2.9"},
        {"AWS:SOURCEIP": "192.0.2.9", "aws:principaltag/TEAM": "blue"},
        {"aws:SourceIp": "192.0.2.9", "aws:PrincipalTag/team": "red", "aws:securetransport": "false"},
        {"aws:SourceIp": "192.0.2.9", "aws:PrincipalTag/team": "red"},
    ]
    reqs = [{"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "context": c}
            for c in contexts * 3]
    got = [d.decision for d in engine.authorize_many(reqs, now=NOW)]
    assert got[:6] == ["Allow", "ImplicitDeny", "ImplicitDeny", "ImplicitDeny", "ExplicitDeny", "Allow"]
    assert got == [plain.authorize(r, now=NOW).decision for r in reqs]


@pytest.mark.parametrize(
    "request_fields",
    [
        {"principal": USER, "action": "s3:GetObject", "resource": "*", "colour": "red"},
        {"principal": None, "action": "s3:GetObject", "resource": "*"},
        {"principal": USER, "action": "s3:GetObject", "resource": None},
        {"principal": USER, "action": None, "resource": "*"},
        {"principal": USER, "action": "s3:GetObject", "resource": "*", "context": {"aws:SourceIp": {"nested": 1}}},
    ],
    ids=["unknown field", "null principal", "null resource", "null action", "object as a context value"],
)
def test_malformed_requests_are_errors_on_the_fast_path_too(request_fields: dict[str, Any]) -> None:
    engine = parc.compile(identity_policies=[READS_CONTEXT])
    with pytest.raises(RequestError):
        engine.authorize(request_fields, now=NOW)
    with pytest.raises(RequestError):
        engine.authorize_many([request_fields], now=NOW)


def test_fields_left_out_take_their_defaults() -> None:
    """No principal: the anonymous caller; no resource: "*" (as parc simulate documents)."""
    engine = parc.compile(identity_policies=[READS_CONTEXT])
    plain = parc.compile(identity_policies=[READS_CONTEXT], indexed=False)
    for req in ({"action": "s3:GetObject"}, {"principal": USER, "action": "s3:PutObject"},
                {"principal": USER, "action": "s3:PutObject", "resource_account": "111122223333"}):
        assert _summary(engine.authorize(req, now=NOW)) == _summary(plain.authorize(req, now=NOW))


# Random identity-only policy sets and requests whose context keys come in any spelling, some missing, some of them
# keys AWS derives (given, they win): the fast path, in every way it reads the context, against the plain loop.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CONDITION_POOL: list[tuple[str, str, list[str]]] = [
    ("StringEquals", "aws:PrincipalTag/team", ["red", "blue"]),
    ("StringNotEquals", "aws:PrincipalTag/team", ["ops"]),
    ("StringEqualsIfExists", "aws:PrincipalTag/env", ["prod"]),
    ("StringLike", "aws:PrincipalTag/owner", ["${aws:username}"]),
    ("StringEquals", "aws:username", ["alice"]),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "192.0.2.0/24"]),
    ("NotIpAddress", "aws:SourceIp", ["10.1.0.0/16"]),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/9"]),
    ("Bool", "aws:SecureTransport", ["true"]),
    ("DateLessThan", "aws:CurrentTime", ["2027-01-01T00:00:00Z"]),
    ("DateGreaterThan", "aws:CurrentTime", ["2026-06-01T00:00:00Z"]),
    ("NumericLessThan", "s3:max-keys", ["10"]),
    ("Null", "aws:PrincipalTag/env", ["true"]),
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::111122223333:user/*"]),
]
RESOURCE_POOL = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/home/${aws:username}/*", "arn:aws:s3:::other*"]
ACTION_POOL = ["s3:GetObject", "s3:Get*", "s3:*", "*", "s3:PutObject", "sts:AssumeRole", "kms:Decrypt"]
CONTEXT_VALUES: dict[str, list[str]] = {
    "aws:PrincipalTag/team": ["red", "ops", "blue"],
    "aws:PrincipalTag/env": ["prod", "dev"],
    "aws:PrincipalTag/owner": ["alice", "bob"],
    "aws:SourceIp": ["10.1.2.3", "10.200.0.1", "192.0.2.7", "203.0.113.5", "::1", "nonsense"],
    "aws:SecureTransport": ["true", "false"],
    "aws:CurrentTime": ["2026-05-01T00:00:00Z", "2026-09-30T23:59:59Z", "2027-02-30T00:00:00Z", "2026-09-30"],
    "s3:max-keys": ["5", "50", "x"],
    "aws:username": ["alice", "mallory"],
}


@st.composite
def lean_statement(draw: st.DrawFn) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
                         "Action": draw(st.lists(st.sampled_from(ACTION_POOL), min_size=1, max_size=2)),
                         "Resource": draw(st.lists(st.sampled_from(RESOURCE_POOL), min_size=1, max_size=2))}
    block: dict[str, dict[str, list[str]]] = {}
    for op, key, values in draw(st.lists(st.sampled_from(CONDITION_POOL), max_size=2)):
        block.setdefault(op, {})[key] = values
    if block:
        s["Condition"] = block
    return s


def _respell(rnd: Any, key: str) -> str:
    return "".join(c.upper() if rnd.random() < 0.3 else c for c in key)


@st.composite
def lean_request(draw: st.DrawFn) -> dict[str, Any]:
    rnd = draw(st.randoms(use_true_random=False))
    context = {}
    for key, values in CONTEXT_VALUES.items():
        if draw(st.integers(0, 3)) > 0:
            context[_respell(rnd, key)] = draw(st.sampled_from(values))
    return {
        "principal": draw(st.sampled_from([USER, "arn:aws:sts::111122223333:assumed-role/app/alice",
                                           "arn:aws:iam::111122223333:role/app"])),
        "action": draw(st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sts:AssumeRole",
                                        "kms:Decrypt", "sts:GetCallerIdentity"])),
        "resource": draw(st.sampled_from(["arn:aws:s3:::b/home/alice/x", "arn:aws:s3:::b/k", "arn:aws:s3:::other1",
                                          "arn:aws:kms:us-east-1:111122223333:key/k1", "*"])),
        "context": context,
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lean_statement(), min_size=1, max_size=6), st.lists(lean_request(), min_size=1, max_size=4))
def test_the_fast_path_reads_any_context_as_the_plain_loop(statements: list[dict[str, Any]],
                                                          requests: list[dict[str, Any]]) -> None:
    policy = _identity(*statements)
    fast = parc.compile(identity_policies=[policy])
    plain = parc.compile(identity_policies=[policy], indexed=False)
    for d, req in zip(fast.authorize_many(requests * 2, now=NOW), requests * 2, strict=True):
        assert _summary(d) == _summary(plain.authorize(req, now=NOW)), req


# Identity policies under SCP levels: the fast path decides the answer and leaves the rest to the full path.
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
MANAGEMENT = "999999999999"
SCP_PRINCIPALS = [
    USER,
    "arn:aws:sts::111122223333:assumed-role/app/alice",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::111122223333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps",
    "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForOps/s1",
    f"arn:aws:iam::{MANAGEMENT}:user/admin",
    "111122223333",
]


@st.composite
def scp_levels(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    levels = []
    for _ in range(draw(st.integers(1, 3))):
        level = []
        for _ in range(draw(st.integers(1, 2))):
            statements = draw(st.lists(lean_statement(), min_size=1, max_size=3))
            if draw(st.booleans()):
                statements.append({"Effect": "Allow", "Action": "*", "Resource": "*"})  # FullAWSAccess
            level.append(_identity(*statements))
        levels.append(level)
    return levels


@st.composite
def scp_request(draw: st.DrawFn) -> dict[str, Any]:
    req = draw(lean_request())
    req["principal"] = draw(st.sampled_from(SCP_PRINCIPALS))
    if draw(st.integers(0, 4)) == 0:
        # A session's role ARN given in the context (its path says whether the role is service-linked).
        req["context"]["aws:PrincipalArn"] = draw(st.sampled_from([
            "arn:aws:iam::111122223333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps",
            "arn:aws:iam::111122223333:role/app"]))
    if draw(st.integers(0, 4)) == 0:
        req["resource"] = draw(st.sampled_from([f"arn:aws:s3:us-east-1:{MANAGEMENT}:accesspoint/a",
                                                "arn:aws:sqs:us-east-1:222233334444:q"]))
    return req


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lean_statement(), min_size=1, max_size=5), scp_levels(),
       st.lists(scp_request(), min_size=1, max_size=4))
def test_the_fast_path_under_scps_decides_as_the_plain_loop(statements: list[dict[str, Any]],
                                                            levels: list[list[dict[str, Any]]],
                                                            requests: list[dict[str, Any]]) -> None:
    policy = _identity(*statements)
    fast = parc.compile(identity_policies=[policy], scps=levels, management_account=MANAGEMENT)
    plain = parc.compile(identity_policies=[policy], scps=levels, management_account=MANAGEMENT, indexed=False)
    for d, req in zip(fast.authorize_many(requests * 2, now=NOW), requests * 2, strict=True):
        assert _summary(d) == _summary(plain.authorize(req, now=NOW)), req


def test_the_benchmark_workload_under_an_scp_decides_as_the_plain_evaluator() -> None:
    wl = workload.make_workload(100, 1500, seed=3)
    scps = [[_identity({"Effect": "Allow", "Action": "*", "Resource": "*"})],
            [_identity({"Effect": "Allow", "Action": ["s3:*", "ec2:*", "iam:*", "sts:*"], "Resource": "*"},
                       {"Effect": "Deny", "Action": "s3:Put*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "red"}}})]]
    fast = parc.compile(identity_policies=wl.policies, scps=scps)
    plain = parc.compile(identity_policies=wl.policies, scps=scps, indexed=False)
    decided = fast.authorize_many(wl.requests)
    answers = [d.decision for d in decided]
    assert {"Allow", "ExplicitDeny", "ImplicitDeny"} <= set(answers)
    assert any(d.blocked_by == ("scp",) for d in decided)  # a level that allows nothing decides some requests
    for d, req in zip(decided[:300], wl.requests[:300], strict=True):
        assert _summary(d) == _summary(plain.authorize(req)), req
    assert answers == [plain.authorize(r).decision for r in wl.requests]


def test_under_scps_the_answer_is_decided_and_its_reasons_come_from_the_full_path() -> None:
    scp = [[_identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})]]
    engine = parc.compile(identity_policies=[_identity({"Effect": "Allow", "Action": "*", "Resource": "*"})],
                          scps=scp)
    denied = engine.authorize({"principal": USER, "action": "ec2:RunInstances", "resource": "*"}, now=NOW)
    assert denied.decision == "ImplicitDeny"
    assert denied.blocked_by == ("scp",)
    assert denied.by_policy_type["scp"] == "ImplicitDeny" and denied.by_policy_type["identity"] == "Allow"
    assert denied.reasons == ("No SCP at level 0 of the organization allows ec2:RunInstances",)
    allowed = engine.authorize({"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"})
    assert allowed.decision == "Allow" and allowed.blocked_by == ()
    assert [r.policy_type for r in allowed.deciding] == ["identity"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lean_statement(), min_size=1, max_size=4),
       st.one_of(st.none(), st.lists(lean_statement(), min_size=1, max_size=3)),
       st.one_of(st.none(), st.lists(lean_statement(), min_size=1, max_size=3)),
       st.one_of(st.none(), scp_levels()),
       st.lists(scp_request(), min_size=1, max_size=4))
def test_the_fast_path_with_a_boundary_and_a_session_policy_decides_as_the_plain_loop(
        statements: list[dict[str, Any]], boundary: list[dict[str, Any]] | None,
        session: list[dict[str, Any]] | None, levels: list[list[dict[str, Any]]] | None,
        requests: list[dict[str, Any]]) -> None:
    """A permissions boundary and a session policy must each allow too; any Deny in them denies.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"""
    kwargs: dict[str, Any] = {
        "identity_policies": [_identity(*statements)],
        "permissions_boundary": _identity(*boundary) if boundary else None,
        "session_policy": _identity(*session) if session else None,
        "scps": levels,
        "management_account": MANAGEMENT,
    }
    fast = parc.compile(**kwargs)
    plain = parc.compile(**kwargs, indexed=False)
    for d, req in zip(fast.authorize_many(requests * 2, now=NOW), requests * 2, strict=True):
        assert _summary(d) == _summary(plain.authorize(req, now=NOW)), req


def test_a_boundary_that_allows_nothing_blocks_on_the_fast_path_with_the_full_reasons() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"""
    engine = parc.compile(identity_policies=[_identity({"Effect": "Allow", "Action": "*", "Resource": "*"})],
                          permissions_boundary=_identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    decided = engine.authorize_many([
        {"principal": USER, "action": "ec2:RunInstances", "resource": "*"},
        {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
    ], now=NOW)
    assert [d.decision for d in decided] == ["ImplicitDeny", "Allow"]
    assert decided[0].blocked_by == ("boundary",)
    assert decided[0].by_policy_type["boundary"] == "ImplicitDeny"


S3_PUBLIC_READ = {"bucket_acl": {"Owner": {"ID": "owner"}, "Grants": [
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}}


@pytest.mark.parametrize("indexed", [True, False])
def test_a_set_with_s3_settings_never_takes_the_identity_only_path(indexed: bool) -> None:
    """Identity policies plus a bucket's ACL: the lean path knows no ACL, so such a set takes the full path, one
    request at a time and in batches (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html)."""
    ident = [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}]
    engine = parc.compile(identity_policies=ident, s3=S3_PUBLIC_READ, indexed=indexed)
    request = {"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:ListBucket",
               "resource": "arn:aws:s3:::examplebucket"}
    one = engine.authorize(dict(request), now=NOW)
    many = engine.authorize_many([dict(request), dict(request, action="s3:GetObject")], now=NOW)
    assert one.decision == many[0].decision == "Allow"
    assert [r.policy_type for r in one.deciding] == ["acl"]
    assert many[1].decision == "ImplicitDeny"
    without = parc.compile(identity_policies=ident, indexed=indexed)
    assert without.authorize(dict(request), now=NOW).decision == "ImplicitDeny"


@pytest.mark.parametrize(("s3", "where"), [
    ({"block_public_access": {"account": {"RestrictPublicBuckets": "yes"}}},
     "'s3.block_public_access.account.RestrictPublicBuckets'"),
    ({"bucket_acl": {"Grants": [{"Grantee": {"Type": "Group"}, "Permission": "READ"}]}},
     "'s3.bucket_acl.Grants[0].Grantee.URI'"),
    ({"bucket_acl": {"Grants": [{"Grantee": {"Type": "Group", "URI": "x"}, "Permission": "ALL"}]}},
     "'s3.bucket_acl.Grants[0].Permission'"),
    ({"object_ownership": "Owner"}, "'s3.object_ownership'"),
    ({"block_public_access": {"org": {}}}, "'s3.block_public_access.org'"),
    ({"acl": {}}, "'s3.acl'"),
    ({"canonical_ids": {"abc": "12"}}, "'s3.canonical_ids.abc'"),
    ([], "'s3'"),
    # Found by tests/fuzz/test_fuzz_s3_settings.py: an error document whose Code is not a string.
    ({"bucket_acl": {"Error": {"Code": []}, "Grants": "x"}}, "'s3.bucket_acl.Grants'"),
])
def test_a_wrong_s3_shape_is_a_request_error_naming_its_place(s3: Any, where: str) -> None:
    with pytest.raises(RequestError, match=re.escape(where)):
        parc.authorize({"principal": "*", "action": "s3:ListBucket", "resource": "arn:aws:s3:::b", "s3": s3})

# Changes to resources AWS owns (AWS managed policies, service-linked and /aws-reserved/ roles, alias/aws/, AWS
# managed keys): no policy can allow them, on the fast path as on the plain loop; an explicit deny still decides.
# tests/corpora/authz/aws_owned.json pins each rule with its page; this checks the fast path routes them all.
OWNED_ACTIONS = ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:PutRolePolicy",
                 "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:GetPolicy", "iam:PassRole", "kms:PutKeyPolicy",
                 "kms:CreateAlias", "kms:Decrypt", "iam:AttachRolePolicy", "iam:AttachUserPolicy"]
OWNED_RESOURCES = [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::111122223333:policy/TeamAdmin",
    "arn:aws:iam::111122223333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps",
    "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
    "arn:aws:kms:us-east-1:111122223333:alias/app",
    "arn:aws:kms:us-east-1:111122223333:key/k1",
]
OWNED_STATEMENT_ACTIONS = ["*", "iam:*", "iam:*Policy*", "iam:PutRolePolicy", "kms:*", "iam:Update*"]
OWNED_STATEMENT_RESOURCES = ["*", "arn:aws:iam::aws:policy/*", "arn:aws:iam::111122223333:role/*",
                             "arn:aws:kms:us-east-1:111122223333:alias/*"]


@st.composite
def owned_statement(draw: st.DrawFn) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
                         "Action": draw(st.lists(st.sampled_from(OWNED_STATEMENT_ACTIONS), min_size=1, max_size=2)),
                         "Resource": draw(st.lists(st.sampled_from(OWNED_STATEMENT_RESOURCES), min_size=1,
                                                   max_size=2))}
    if draw(st.integers(0, 3)) == 0:
        s["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": "red"}}
    return s


@st.composite
def owned_request(draw: st.DrawFn) -> dict[str, Any]:
    req: dict[str, Any] = {
        "principal": draw(st.sampled_from([USER, "arn:aws:sts::111122223333:assumed-role/app/alice",
                                           "arn:aws:iam::111122223333:role/app"])),
        "action": draw(st.sampled_from(OWNED_ACTIONS)),
        "resource": draw(st.sampled_from(OWNED_RESOURCES)),
        "context": dict(draw(st.sampled_from([{}, {"aws:PrincipalTag/team": "red"}]))),
    }
    attached = draw(st.sampled_from([None, "arn:aws:iam::aws:policy/aws-service-role/AWSSSOServiceRolePolicy",
                                     "arn:aws:iam::aws:policy/AdministratorAccess"]))
    if attached is not None:
        req["context"][draw(st.sampled_from(["iam:PolicyArn", "IAM:policyarn"]))] = attached
    manager = draw(st.sampled_from([None, "AWS", "CUSTOMER"]))
    if manager is not None:
        req["key_manager"] = manager
    return req


def _owned(req: dict[str, Any]) -> bool:
    from parc.core.authz.aws_owned import aws_owned_reason

    return aws_owned_reason(req["action"].lower(), req["resource"], req.get("key_manager"), req["context"]) is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(owned_statement(), min_size=1, max_size=4), st.one_of(st.none(), scp_levels()),
       st.lists(owned_request(), min_size=1, max_size=4))
def test_changes_to_resources_aws_owns_are_never_allowed_on_the_fast_path(
        statements: list[dict[str, Any]], levels: list[list[dict[str, Any]]] | None,
        requests: list[dict[str, Any]]) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
    https://docs.aws.amazon.com/kms/latest/developerguide/editing-keys.html"""
    kwargs: dict[str, Any] = {"identity_policies": [_identity(*statements)], "scps": levels,
                              "management_account": MANAGEMENT}
    fast = parc.compile(**kwargs)
    plain = parc.compile(**kwargs, indexed=False)
    for d, req in zip(fast.authorize_many(requests * 2, now=NOW), requests * 2, strict=True):
        reference = plain.authorize(req, now=NOW)
        assert _summary(d) == _summary(reference), req
        assert _summary(fast.authorize(req, now=NOW)) == _summary(reference), req
        if _owned(req):
            assert d.decision != "Allow", req
            if d.decision == "ImplicitDeny":
                assert d.blocked_by == ("aws_owned",), req


def test_the_rule_of_aws_owned_resources_is_reached_on_the_fast_path() -> None:
    """The lean path would allow these (Allow * on *): it must hand them over, and its twins stay lean Allows."""
    engine = parc.compile(identity_policies=[_identity({"Effect": "Allow", "Action": "*", "Resource": "*"})])
    owned = [{"principal": USER, "action": "iam:CreatePolicyVersion",
              "resource": "arn:aws:iam::aws:policy/AdministratorAccess"},
             {"principal": USER, "action": "IAM:putrolepolicy",
              "resource": "arn:aws:iam::111122223333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"},
             {"principal": USER, "action": "kms:DeleteAlias",
              "resource": "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"}]
    twins = [{**r, "resource": r["resource"].replace("aws:policy", "111122223333:policy")
              .replace("aws-service-role/", "").replace("alias/aws/", "alias/")} for r in owned]
    for d in engine.authorize_many(owned, now=NOW):
        assert (d.decision, d.blocked_by) == ("ImplicitDeny", ("aws_owned",))
        assert "AWS" in d.reasons[0] or "service" in d.reasons[0]
    assert [d.decision for d in engine.authorize_many(twins, now=NOW)] == ["Allow"] * 3


@pytest.mark.parametrize("manager", ["aws", "Customer", 1, ["AWS"]])
def test_a_key_manager_other_than_describe_keys_values_is_an_error(manager: object) -> None:
    engine = parc.compile(identity_policies=[READS_CONTEXT])
    req = {"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "key_manager": manager}
    with pytest.raises(RequestError, match="key_manager"):
        engine.authorize(req, now=NOW)
    with pytest.raises(RequestError, match="key_manager"):
        engine.authorize_many([req], now=NOW)
