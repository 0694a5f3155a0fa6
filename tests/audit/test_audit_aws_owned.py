"""The audit reports no escalation through a role AWS owns: IAM Identity Center's ``AWSReservedSSO_`` roles under
``/aws-reserved/`` cannot have their trust or permissions policies changed by a customer, so "rewrite its trust
policy, then assume it" is no path; the same role at a customer path is one.
https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from audit_helpers import ACCT, ADMIN_ARN, admin_policy, allow, audit_of, doc, export, rules, trust, user

NAME = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
SAML = {"Federated": f"arn:aws:iam::{ACCT}:saml-provider/AWSSSO_0123_DO_NOT_DELETE"}


def _role(path: str) -> dict[str, Any]:
    return {"RoleName": NAME, "RoleId": "AROA" + "X" * 17, "Path": path, "Arn": f"arn:aws:iam::{ACCT}:role{path}{NAME}",
            "AssumeRolePolicyDocument": trust(SAML, "sts:AssumeRoleWithSAML"), "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}],
            "InstanceProfileList": []}


@pytest.mark.parametrize(("path", "expected"), [("/aws-reserved/sso.amazonaws.com/", []),
                                                 ("/", ["ESCALATION_PATH"])], ids=["aws-reserved", "twin"])
def test_no_escalation_path_through_an_identity_center_role(tmp_path: Path, path: str,
                                                            expected: list[str]) -> None:
    attacker = user("attacker", policies={"p": doc(allow(["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy",
                                                          "iam:AttachRolePolicy", "sts:AssumeRole"]))})
    report = audit_of(tmp_path, export(users=[attacker], roles=[_role(path)], policies=[admin_policy()]))
    assert rules(report, "ESCALATION") == expected
