"""The pre-checks' per-policy index (parc.core.account.prefilter): a policy attached to many principals answers for
an action once, and every principal's answer is the same as a check of its statements one by one.

A pre-check may keep a principal wrongly but never drop one wrongly: it looks only at Action / NotAction of Allow
statements (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
"""

from __future__ import annotations

from parc.core.account.prefilter import AllowIndex, PolicyAllows, statement_may_allow
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
