"""Statements that mean to require MFA and do not: their MFA conditions decided, with the engine's operators, for
long-term keys (the MFA keys absent), temporary credentials without MFA (aws:MultiFactorAuthPresent false) and
credentials with MFA.

Key availability: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
(aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge: absent for long-term credentials).
Deny with Bool false misses long-term keys; use BoolIfExists:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_ec2_require-mfa.html
Null tests presence only: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from audit_helpers import ACCT, V

from parc.core.audit import PolicyDocument, Severity, mfa_findings
from parc.core.policy.jsonpos import parse_json
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import parse_policy

LONG_TERM = "requests signed with long-term access keys (the MFA keys are absent)"
TEMPORARY = "temporary credentials obtained without MFA (aws:MultiFactorAuthPresent is false)"


def document(statement: dict[str, Any]) -> tuple[PolicyDocument, Any]:
    text = json.dumps({"Version": V, "Statement": [statement]}, indent=2)
    node = parse_json(text)
    d = PolicyDocument(f"arn:aws:iam::{ACCT}:user/u inline p", ACCT, f"arn:aws:iam::{ACCT}:user/u", "inline",
                       PolicyType.IDENTITY, "export.json", "UserDetailList[0].UserPolicyList[0].PolicyDocument",
                       node, True, node.pos)
    policy = parse_policy(node, PolicyType.IDENTITY).policy
    return d, policy


@dataclass(frozen=True)
class Case:
    name: str
    effect: str
    condition: dict[str, Any]
    gaps: tuple[str, ...]
    """The kinds of request without MFA the statement lets through (empty: MFA is required)."""


CASES = [
    Case("Allow Bool true requires MFA", "Allow", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, ()),
    Case("Allow Null false only tests presence (the anti-pattern)", "Allow",
         {"Null": {"aws:MultiFactorAuthPresent": "false"}}, (TEMPORARY,)),
    Case("Allow BoolIfExists true lets long-term keys in", "Allow",
         {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, (LONG_TERM,)),
    Case("Allow Null false and Bool true (the right pair) requires MFA", "Allow",
         {"Null": {"aws:MultiFactorAuthPresent": "false"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}, ()),
    Case("Allow NumericLessThan age requires MFA (absent age fails)", "Allow",
         {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, ()),
    Case("Allow NumericLessThanIfExists age lets everyone without MFA in", "Allow",
         {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, (LONG_TERM, TEMPORARY)),
    Case("Deny BoolIfExists false covers every request without MFA", "Deny",
         {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, ()),
    Case("Deny Bool false misses long-term keys", "Deny", {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
         (LONG_TERM,)),
    Case("Deny Null true misses temporary credentials without MFA", "Deny",
         {"Null": {"aws:MultiFactorAuthPresent": "true"}}, (TEMPORARY,)),
    Case("Deny NumericGreaterThan age misses everyone without MFA", "Deny",
         {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}, (LONG_TERM, TEMPORARY)),
    Case("Deny NumericGreaterThanIfExists age covers the absent key", "Deny",
         {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}, "BoolIfExists":
          {"aws:MultiFactorAuthPresent": "false"}}, ()),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mfa_conditions(case: Case) -> None:
    d, policy = document({"Sid": "S", "Effect": case.effect, "Action": "ec2:TerminateInstances", "Resource": "*",
                          "Condition": case.condition})
    found = list(mfa_findings(d, policy))
    if not case.gaps:
        assert found == []
        return
    (f,) = found
    assert f.rule == "MFA_NOT_ENFORCED"
    assert tuple(f.details["without_mfa"]) == case.gaps  # type: ignore[arg-type]
    assert f.severity is (Severity.HIGH if case.effect == "Allow" else Severity.MEDIUM)
    # Evidence: the statement, then each MFA condition, with file positions.
    assert f.evidence[0].path.endswith("PolicyDocument.Statement[0]") and f.evidence[0].line == 4
    assert all(e.file == "export.json" and e.line for e in f.evidence)
    assert any("aws:MultiFactor" in e.text for e in f.evidence[1:])


def test_null_anti_pattern_is_explained() -> None:
    d, policy = document({"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"Null": {"aws:MultiFactorAuthPresent": "false"}}})
    (f,) = mfa_findings(d, policy)
    assert "only tests that aws:MultiFactorAuthPresent is in the request" in f.why


def test_statements_without_mfa_keys_are_not_judged() -> None:
    d, policy = document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                          "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert list(mfa_findings(d, policy)) == []
