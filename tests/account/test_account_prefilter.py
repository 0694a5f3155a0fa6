"""The pre-checks' per-policy index (parc.core.account.prefilter): a policy attached to many principals answers for
an action once, and every principal's answer is the same as a check of its statements one by one.

A pre-check may keep a principal wrongly but never drop one wrongly: it looks only at Action / NotAction of Allow
statements (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.core.account.prefilter import (
    AllowIndex,
    PolicyAllows,
    Universe,
    resource_matcher,
    statement_may_allow,
    statement_may_cover,
)
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy_strict


def _policy(*statements: dict[str, object]) -> Policy:
    return parse_policy_strict({"Version": "2012-10-17", "Statement": list(statements)}, PolicyType.IDENTITY)


SHARED = _policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                 {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"},
                 {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
OWN = _policy({"Effect": "Allow", "Action": ["iam:PassRole", "S3:getobject"], "Resource": "*"})
ACTIONS = ["s3:GetObject", "S3:GETOBJECT", "iam:PassRole", "iam:CreateUser", "ec2:RunInstances"]


def test_a_shared_policy_is_indexed_once_for_every_principal() -> None:
    shared: dict[int, PolicyAllows] = {}
    a = AllowIndex([SHARED, OWN], shared)
    b = AllowIndex([SHARED], shared)
    assert len(shared) == 2
    assert a._parts[0] is b._parts[0]


def test_the_index_answers_as_the_statements_one_by_one() -> None:
    shared: dict[int, PolicyAllows] = {}
    for policies in ([SHARED, OWN], [OWN, SHARED], [SHARED], [OWN], []):
        idx = AllowIndex(policies, shared)
        for action in ACTIONS:
            expected = [st for p in policies for st in p.statements
                        if st.effect == "Allow" and statement_may_allow(st, action)]
            assert idx.for_action(action) == expected, (policies, action)
            assert idx.may_allow(action) is bool(expected)
    # Deny statements never count; NotAction iam:* keeps every non-IAM action.
    only_shared = AllowIndex([SHARED], shared)
    assert [st.index for st in only_shared.for_action("s3:GetObject")] == [0, 2]
    assert [st.index for st in only_shared.for_action("iam:CreateUser")] == []


_NAMES = st.sampled_from(["app", "ap", "app-x", "b", "B", "\U0010ffff", "\U0010ffffz", "a?", "x*", "a:b", "app:"])
_ARNS = st.builds(lambda acct, name, n: f"arn:aws:iam::{acct}:role/{name}{n}",
                  st.sampled_from(["1", "12", "2", "111122223333"]), _NAMES, st.integers(0, 30))
_PATTERNS = st.one_of(
    st.sampled_from(["*", "arn:aws:iam::*", "arn:aws:iam::1*", "arn:aws:iam::*:role/b*", "arn:aws:iam::12:role/ap?1",
                     "arn:aws:iam::*:role/ap*", "arn:aws:iam::?:role/a:*", "arn:*:iam::1*:role/\U0010ffff*",
                     "arn:aws:iam::*:role/app:?", "arn:aws:iam:*:*:role/a*1", "arn:aws:*:role/app*",
                     "arn:aws:iam::2:role/\U0010ffff*", "arn:aws:iam::1:role/app*", "arn:aws:iam::1:role/app1"]),
    st.builds(lambda a, p: a[:p] + "*", _ARNS, st.integers(0, 40)),
    st.builds(lambda a, p: a[:p] + "?" + a[p + 1:], _ARNS, st.integers(0, 40)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ARNS, max_size=60), st.lists(_PATTERNS, min_size=1, max_size=6))
def test_universe_matching_is_the_matcher_on_every_member(arns: list[str], patterns: list[str]) -> None:
    """``Universe.matching`` tests a pattern only against the members that start with its literal head (a sorted
    range): it must find exactly the members the matcher says yes for, whatever the pattern and the members
    (including heads ending in the last code point, which has no next prefix to bound the range with)."""
    universe = Universe(arns)
    for pattern in patterns:
        want = frozenset(a for a in arns if resource_matcher(pattern).matches(a, {}))
        assert universe.matching(pattern) == want, pattern


_TABLE_ACTIONS = ["iam:PassRole", "iam:CreateAccessKey", "sts:AssumeRole", "lambda:CreateFunction", "ec2:RunInstances"]
_TABLE = {a.lower(): (a, 1 << i) for i, a in enumerate(_TABLE_ACTIONS)}
_element = st.sampled_from(["iam:PassRole", "IAM:passrole", "iam:Pass*", "iam:*", "*", "sts:Assume?ole", "s3:GetObject",
                            "lambda:CreateFunction", "ec2:Run*", "ec2:RunInstance", "iam:CreateAccessKey"])
_statement = st.builds(
    lambda effect, key, values: {"Effect": effect, key: values, "Resource": "*"},
    st.sampled_from(["Allow", "Allow", "Deny"]), st.sampled_from(["Action", "NotAction"]),
    st.lists(_element, min_size=1, max_size=4))


@given(st.lists(_statement, min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_the_mask_has_exactly_the_actions_for_action_finds(statements: list[dict[str, object]]) -> None:
    """``PolicyAllows.mask`` (the escalation's technique pre-check, one pass over the statements) sets the bit of
    an action exactly when ``for_action`` finds an Allow statement covering it: plain names in any case, wildcards,
    NotAction, Deny statements left out."""
    part = PolicyAllows(_policy(*statements))
    want = 0
    for key, (action, bit) in _TABLE.items():
        if PolicyAllows(part.policy).for_action(key, action):
            want |= bit
    assert part.mask(_TABLE) == want


_VALUES = st.sampled_from(["alice", "a*", "x?y", "", "111122223333", "role/app", "a:b", "${*}", "Bob"])
_PIECES = st.sampled_from(["${aws:username}", "${aws:PrincipalAccount}", "${aws:PrincipalTag/team, 'none'}",
                           "${*}", "${?}", "${$}", "${", "*", "?", "app-", "role/", ":", "x", "/"])
_VARIABLE_PATTERNS = st.builds(lambda head, pieces: head + "".join(pieces),
                               st.sampled_from(["arn:aws:iam::", "arn:aws:iam::111122223333:role/", "arn:aws:s3:::",
                                                "arn:aws:iam::*:role/share-"]),
                               st.lists(_PIECES, min_size=1, max_size=5))
_TARGETS = st.builds(lambda head, tail: head + tail,
                     st.sampled_from(["arn:aws:iam::111122223333:role/", "arn:aws:iam::444455556666:role/share-",
                                      "arn:aws:s3:::", "arn:aws:iam::111122223333:"]),
                     st.text(st.sampled_from("ab*?:/$x-1{}"), max_size=8) | _VALUES)


@settings(max_examples=500, deadline=None)
@given(_VARIABLE_PATTERNS, _TARGETS, _VALUES, _VALUES, st.sampled_from([None, "red", "a*"]))
def test_a_loose_pattern_matches_whatever_the_variables_values(pattern: str, target: str, name: str, account: str,
                                                              team: str | None) -> None:
    """``loose_pattern`` (each ``${...}`` written as ``*``) matches every ARN the pattern matches in any request:
    whatever the variables' values (wildcard characters and colons in them included), and read literally by a
    policy without variable support. So ``statement_may_cover`` saying no is never wrong."""
    from parc.core.account.prefilter import loose_pattern
    from parc.core.match import compile_resource

    ctx: dict[str, object] = {"aws:username": name, "aws:principalaccount": account}
    if team is not None:
        ctx["aws:principaltag/team"] = team
    loose = resource_matcher(loose_pattern(pattern))
    for variables in (True, False):
        if compile_resource(pattern, variables=variables).matches(target, ctx):  # type: ignore[arg-type]
            assert loose.matches(target, {}), (pattern, target, ctx, variables)
    statement = _policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": pattern}).statements[0]
    if not statement_may_cover(statement, target):
        assert not compile_resource(pattern, variables=True).matches(target, ctx)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.lists(_ARNS, max_size=40), st.lists(st.lists(st.one_of(_PATTERNS, _VARIABLE_PATTERNS), max_size=4),
                                              min_size=1, max_size=8))
def test_universe_cover_is_the_same_asked_again(arns: list[str], asks: list[list[str]]) -> None:
    """``Universe.covered`` keeps its answers by the patterns asked (principals that share their policies ask with
    the same ones): one universe asked many times answers each time as a new one, and as ``statement_may_cover``
    says for every member."""
    shared = Universe(arns)
    for patterns in [*asks, *asks]:
        statements = [_policy({"Effect": "Allow", "Action": "iam:PassRole", "Resource": p}).statements[0]
                      for p in patterns]
        got = shared.covered(statements)
        assert got == Universe(arns).covered(statements)
        if got is not None:
            assert got == {a for a in arns if any(statement_may_cover(s, a) for s in statements)}
        else:
            assert any(s.resource is None or any(r.value == "*" for r in s.resource) for s in statements)
