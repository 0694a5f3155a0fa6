"""Properties of the evaluation logic that must hold for any policies and request.

- Adding a Deny statement never turns a decision into Allow ("an explicit deny overrides any allow").
- Removing an Allow statement never turns a denial into Allow (allows only ever add permissions).
- Reordering statements or policies never changes the decision (policy evaluation is order-independent).
- The indexed engine and the plain reference path always agree, S3's own layers (ACLs, Block Public Access) included.
- Block Public Access only ever takes access away: turning a setting on never turns a denial into Allow.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parc

NOW = datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC)

ACTIONS = ["s3:GetObject", "s3:Get*", "s3:*", "*", "s3:?utObject", "ec2:Describe*", "iam:PassRole", "S3:getobject"]
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:iam::111122223333:role/*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}},
    {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "c"}},
    {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
    {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
    {"Null": {"aws:SourceVpce": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["x", "y"]}},
]
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/app/session",
    "arn:aws:iam::444455556666:user/bob",
    "*",
]
CONTEXTS: list[dict[str, Any]] = [
    {},
    {"aws:PrincipalTag/team": "a", "aws:SecureTransport": "true"},
    {"aws:SourceIp": "192.0.2.7", "aws:TagKeys": ["x"]},
    {"aws:SourceIp": "198.51.100.1", "aws:PrincipalTag/team": "c", "s3:prefix": "home/alice/docs"},
]


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    key = "NotAction" if draw(st.integers(0, 5)) == 0 else "Action"
    s[key] = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3))
    rkey = "NotResource" if draw(st.integers(0, 6)) == 0 else "Resource"
    s[rkey] = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2))
    if draw(st.booleans()):
        cond: dict[str, Any] = {}
        for c in draw(st.lists(st.sampled_from(CONDITIONS), max_size=2)):
            for op, body in c.items():
                cond.setdefault(op, {}).update(body)
        if cond:
            s["Condition"] = cond
    return s


def _policy(stmts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": stmts}


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    ident = [_policy(draw(st.lists(statements(), min_size=1, max_size=4))) for _ in range(draw(st.integers(0, 2)))]
    req: dict[str, Any] = {
        "principal": draw(st.sampled_from(PRINCIPALS)),
        "action": draw(st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:DescribeInstances", "iam:PassRole"])),
        "resource": draw(st.sampled_from(["arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/alice/x",
                                          "arn:aws:iam::111122223333:role/r"])),
        "resource_account": "111122223333",
        "context": draw(st.sampled_from(CONTEXTS)),
        "identity_policies": ident,
    }
    if draw(st.booleans()):
        rstmts = draw(st.lists(statements(), min_size=1, max_size=3))
        for s in rstmts:
            s["Principal"] = draw(st.sampled_from(
                ["*", {"AWS": "111122223333"}, {"AWS": "arn:aws:iam::111122223333:user/alice"},
                 {"AWS": "arn:aws:iam::444455556666:root"}, {"AWS": "arn:aws:iam::111122223333:role/app"}]))
        req["resource_policy"] = _policy(rstmts)
    if draw(st.integers(0, 3)) == 0:
        req["permissions_boundary"] = _policy(draw(st.lists(statements("Allow"), min_size=1, max_size=2)))
    if draw(st.booleans()):
        req["s3"] = draw(s3_settings())
    return req


ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
OTHER_ID = "c1daexampleaaf850ea79cf0430f33d72579fd1611c97f7ded193374c0b163b6"
GRANTEES = [{"Type": "Group", "URI": ALL_USERS}, {"Type": "Group", "URI": AUTHENTICATED},
            {"Type": "CanonicalUser", "ID": OTHER_ID}]
BPA = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@st.composite
def s3_settings(draw: st.DrawFn) -> dict[str, Any]:
    """A bucket's S3 settings: Block Public Access at either level, ACL grants, Object Ownership
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)."""
    out: dict[str, Any] = {"canonical_ids": {OTHER_ID: "444455556666"}}
    out["block_public_access"] = {level: {k: draw(st.booleans()) for k in BPA}
                                  for level in draw(st.sets(st.sampled_from(["account", "bucket"])))}
    for acl in ("bucket_acl", "object_acl"):
        if draw(st.booleans()):
            grants = draw(st.lists(st.tuples(st.sampled_from(range(len(GRANTEES))), st.sampled_from(
                ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"])), max_size=3))
            out[acl] = {"Owner": {"ID": "owner"}, "Grants": [{"Grantee": GRANTEES[g], "Permission": p}
                                                             for g, p in grants]}
    if draw(st.integers(0, 3)) == 0:
        out["object_ownership"] = draw(st.sampled_from(["BucketOwnerEnforced", "ObjectWriter"]))
    return out


def _decide(req: dict[str, Any], indexed: bool = True) -> str:
    return parc.authorize(req, now=NOW, indexed=indexed).decision


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(requests(), statements("Deny"), st.integers(0, 3))
def test_adding_a_deny_never_grants(req: dict[str, Any], deny: dict[str, Any], where: int) -> None:
    before = _decide(req)
    after_req = copy.deepcopy(req)
    if where == 0 or not after_req["identity_policies"]:
        after_req["identity_policies"].append(_policy([deny]))
    elif where == 1 and "resource_policy" in after_req:
        after_req["resource_policy"]["Statement"].append({**deny, "Principal": "*"})
    else:
        after_req["identity_policies"][0]["Statement"].append(deny)
    after = _decide(after_req)
    assert not (after == "Allow" and before != "Allow")


@SETTINGS
@given(requests(), st.integers(0, 50))
def test_removing_an_allow_never_grants(req: dict[str, Any], pick: int) -> None:
    before = _decide(req)
    places = [(i, j) for i, p in enumerate(req["identity_policies"]) for j, s in enumerate(p["Statement"])
              if s["Effect"] == "Allow"]
    if not places:
        return
    i, j = places[pick % len(places)]
    after_req = copy.deepcopy(req)
    del after_req["identity_policies"][i]["Statement"][j]
    if not after_req["identity_policies"][i]["Statement"]:
        del after_req["identity_policies"][i]
    after = _decide(after_req)
    assert not (after == "Allow" and before != "Allow")


@SETTINGS
@given(requests(), st.randoms(use_true_random=False))
def test_reordering_never_changes_the_decision(req: dict[str, Any], rnd: Any) -> None:
    before = _decide(req)
    shuffled = copy.deepcopy(req)
    rnd.shuffle(shuffled["identity_policies"])
    for p in shuffled["identity_policies"]:
        rnd.shuffle(p["Statement"])
    if "resource_policy" in shuffled:
        rnd.shuffle(shuffled["resource_policy"]["Statement"])
    assert _decide(shuffled) == before


@SETTINGS
@given(requests())
def test_indexed_engine_agrees_with_plain_reference(req: dict[str, Any]) -> None:
    engine = parc.compile(identity_policies=req["identity_policies"], resource_policy=req.get("resource_policy"),
                          permissions_boundary=req.get("permissions_boundary"), s3=req.get("s3"))
    plain = parc.compile(identity_policies=req["identity_policies"], resource_policy=req.get("resource_policy"),
                         permissions_boundary=req.get("permissions_boundary"), indexed=False, s3=req.get("s3"))
    fields = {k: req[k] for k in ("principal", "action", "resource", "resource_account", "context")}
    # Twice through the indexed engine: the second answer comes from its caches.
    first = engine.authorize(fields, now=NOW)
    second = engine.authorize(fields, now=NOW)
    reference = plain.authorize(fields, now=NOW)
    assert first.decision == second.decision == reference.decision
    assert [r.statement_index for r in first.deciding] == [r.statement_index for r in reference.deciding]


@SETTINGS
@given(requests(), s3_settings(), st.sampled_from(BPA), st.sampled_from(["account", "bucket"]))
def test_block_public_access_never_grants(req: dict[str, Any], s3: dict[str, Any], setting: str, level: str) -> None:
    """Turning one Block Public Access setting on, at either level, never turns a denial into Allow: the settings
    only block or ignore (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)."""
    off = copy.deepcopy(req)
    off["s3"] = copy.deepcopy(s3)
    on = copy.deepcopy(off)
    on["s3"]["block_public_access"].setdefault(level, {})[setting] = True
    for r in (off, on):
        r["context"] = {**r["context"], "s3:x-amz-acl": "public-read"}
    before, after = _decide(off), _decide(on)
    assert not (after == "Allow" and before != "Allow")
    assert _decide(on, indexed=False) == after

# Resources AWS owns: whatever the identity policies, the resource policy and the boundary allow, a change to one is
# never allowed (tests/corpora/authz/aws_owned.json cites each rule's page); an explicit deny still decides.
OWNED = [
    ("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/AdministratorAccess", None),
    ("iam:AttachRolePolicy", "arn:aws:iam::111122223333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps",
     None),
    ("iam:UpdateAssumeRolePolicy", "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_A_1",
     None),
    ("kms:UpdateAlias", "arn:aws:kms:us-east-1:111122223333:alias/aws/s3", None),
    ("kms:PutKeyPolicy", "arn:aws:kms:us-east-1:111122223333:key/k1", "AWS"),
    ("iam:AttachUserPolicy", "arn:aws:iam::111122223333:user/alice", "iam:PolicyArn"),
]
SERVICE_ROLE_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSSSOServiceRolePolicy"


@SETTINGS
@given(requests(), st.sampled_from(OWNED), st.booleans())
def test_a_change_to_a_resource_aws_owns_is_never_allowed(req: dict[str, Any], owned: tuple[str, str, str | None],
                                                         open_everything: bool) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    https://docs.aws.amazon.com/kms/latest/developerguide/editing-keys.html"""
    req = copy.deepcopy(req)
    req["action"], req["resource"], extra = owned
    if extra == "iam:PolicyArn":
        req["context"] = {**req["context"], "iam:PolicyArn": SERVICE_ROLE_POLICY}
    elif extra is not None:
        req["key_manager"] = extra
    if open_everything:
        # Allow * on * on every side that can grant: the answer must still not be Allow.
        req["identity_policies"].append(_policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
        req["resource_policy"] = _policy([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}])
    fast = parc.authorize(req, now=NOW)
    plain = parc.authorize(req, now=NOW, indexed=False)
    assert fast.decision == plain.decision != "Allow"
    assert fast.blocked_by == plain.blocked_by
    if fast.decision == "ImplicitDeny":
        assert fast.blocked_by == ("aws_owned",)


@SETTINGS
@given(st.lists(st.lists(statements(), min_size=1, max_size=3), min_size=1, max_size=4), requests(), st.randoms())
def test_sets_sharing_compiled_policies_decide_as_sets_compiled_alone(policies: list[list[dict[str, Any]]],
                                                                     req: dict[str, Any], rnd: Any) -> None:
    """``CompiledPolicies``: each policy's statements compiled once and placed in every set that holds it (at
    another position, beside other policies, as a boundary too). Every decision, with its deciding statements
    (the policy's position in each), reasons and trace, is the one a set compiled from scratch gives."""
    from parc.core.authz import PolicySet
    from parc.core.authz.compile import CompiledPolicies
    from parc.core.policy.model import PolicyType
    from parc.core.policy.parse import parse_policy_strict

    parsed = [parse_policy_strict(_policy(p), PolicyType.IDENTITY, f"p{i}") for i, p in enumerate(policies)]
    shared = CompiledPolicies()
    request = {k: req[k] for k in ("principal", "action", "resource", "resource_account", "context")}
    for _ in range(3):
        chosen = rnd.sample(parsed, rnd.randint(1, len(parsed)))
        boundary = rnd.choice([None, *parsed])
        alone = PolicySet(chosen, permissions_boundary=boundary)
        placed = PolicySet(chosen, permissions_boundary=boundary, compiled=shared)
        for explain in (False, True):
            want = alone.authorize(request, now=NOW, explain=explain).to_dict()
            assert placed.authorize(request, now=NOW, explain=explain).to_dict() == want
