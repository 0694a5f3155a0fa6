"""No finding contradicts another: statement-local lint graded by the engine's answer (issue 13).

A "*" Allow beside a Deny for every principal outside the organization is not public: the engine decides with both
statements (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, an explicit
Deny overrides any Allow), and aws:PrincipalOrgID is the organization of the caller
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit_helpers import ORG_ID, audit_of, doc, export, organization, role, user

from parc.core.audit import Severity

BUCKET = "arn:aws:s3:::data-bucket"
ALLOW_ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"}
DENY_OUTSIDE_ORG = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [BUCKET, f"{BUCKET}/*"],
                    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}}}


def _bucket(tmp: Path, *statements: Any) -> list[Any]:
    report = audit_of(tmp, export(users=[user("me")]), resource_policies=[{"arn": BUCKET, "policy": doc(*statements)}],
                      org=organization())
    return list(report.findings)


def test_open_to_any_principal_limited_to_the_organization_is_graded_low(tmp_path: Path) -> None:
    found = _bucket(tmp_path, ALLOW_ANYONE, DENY_OUTSIDE_ORG)
    (lint,) = [f for f in found if f.rule == "OPEN_TO_ANY_PRINCIPAL"]
    assert lint.severity is Severity.LOW and lint.details["lint_severity"] == "HIGH"
    assert "lets in no anonymous caller" in lint.why and ORG_ID in lint.why
    assert [f.rule for f in found if f.rule.startswith("RESOURCE_")] == ["RESOURCE_ORGANIZATION_WIDE"]
    org = next(f for f in found if f.rule == "RESOURCE_ORGANIZATION_WIDE")
    assert lint.details["engine_findings"] == [org.id]


def test_open_to_any_principal_that_is_public_stays_high(tmp_path: Path) -> None:
    found = _bucket(tmp_path, ALLOW_ANYONE)
    (lint,) = [f for f in found if f.rule == "OPEN_TO_ANY_PRINCIPAL"]
    assert lint.severity is Severity.HIGH and "lint_severity" not in lint.details
    assert any(f.rule == "RESOURCE_PUBLIC" for f in found)


def test_a_trust_policy_denied_outside_the_organization_is_graded_too(tmp_path: Path) -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}}}
    guarded = audit_of(tmp_path / "a", export(roles=[role("guarded", doc(allow, deny))]), org=organization())
    (lint,) = [f for f in guarded.findings if f.rule == "OPEN_TO_ANY_PRINCIPAL"]
    assert lint.severity is Severity.LOW
    public = audit_of(tmp_path / "b", export(roles=[role("open", doc(allow))]), org=organization())
    (lint,) = [f for f in public.findings if f.rule == "OPEN_TO_ANY_PRINCIPAL"]
    assert lint.severity is Severity.HIGH


ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _admin_lint(tmp: Path, *statements: Any) -> Any:
    report = audit_of(tmp, export(users=[user("me", {"p": doc(*statements)})]))
    (lint,) = [f for f in report.findings if f.rule == "ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES"]
    return lint


def test_allow_all_with_a_deny_of_everything_is_graded_low(tmp_path: Path) -> None:
    lint = _admin_lint(tmp_path, ADMIN, {"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert lint.severity is Severity.LOW and lint.details["allowed"] == []
    assert "takes back every action" in lint.why


def test_allow_all_with_a_deny_of_some_services_is_graded_medium(tmp_path: Path) -> None:
    lint = _admin_lint(tmp_path, ADMIN, {"Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"})
    assert lint.severity is Severity.MEDIUM
    assert "iam:CreateAccessKey" in lint.details["denied"] and "s3:GetObject" in lint.details["allowed"]


def test_allow_all_stays_high_alone_or_with_a_conditional_deny(tmp_path: Path) -> None:
    assert _admin_lint(tmp_path / "a", ADMIN).severity is Severity.HIGH
    mfa = {"Effect": "Deny", "Action": "*", "Resource": "*",
           "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    lint = _admin_lint(tmp_path / "b", ADMIN, mfa)  # with MFA, every action is still allowed
    assert lint.severity is Severity.HIGH and "lint_severity" not in lint.details
