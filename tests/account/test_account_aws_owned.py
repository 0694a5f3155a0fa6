"""The account analyses agree with the engine on resources AWS owns: what no customer policy can grant is neither
an escalation step nor a who-can answer (the audit's side: tests/audit/test_audit_aws_owned.py).

Each case has a customer-owned twin that the same policies do reach, so a test fails if the rule is lost.
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from account_helpers import (
    ACCT,
    ADMIN_ARN,
    admin_policy,
    allow,
    arn,
    doc,
    evaluator_of,
    export,
    managed,
    role,
    trust,
    user,
)

from parc.core.account import ADMINISTRATOR, can, escalation, who_can

ATTACKER = arn("user", "attacker")
SLR_PATH = "/aws-service-role/elasticbeanstalk.amazonaws.com/"
SLR = f"arn:aws:iam::{ACCT}:role{SLR_PATH}AWSServiceRoleForElasticBeanstalk"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
SSO_NAME = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
SSO = f"arn:aws:iam::{ACCT}:role{SSO_PATH}{SSO_NAME}"
SAML = {"Federated": f"arn:aws:iam::{ACCT}:saml-provider/AWSSSO_0123_DO_NOT_DELETE"}
ACCOUNT_ROOT = {"AWS": f"arn:aws:iam::{ACCT}:root"}


def _ev(tmp: Path, attacker_policy: dict[str, Any], roles: list[Any], policies: list[Any] | None = None) -> Any:
    details = export(users=[user("attacker", policies={"p": attacker_policy})], roles=roles,
                     policies=[admin_policy(), *(policies or [])])
    return evaluator_of(tmp, details)


def _who(ev: Any, action: str, resource: str) -> set[str]:
    return {e.principal.arn for e in who_can(ev, action, resource).entries}


def test_nobody_can_write_a_new_version_of_an_aws_managed_policy(tmp_path: Path) -> None:
    """"can create a new version of AdministratorAccess" is no one's permission, whatever the policies allow."""
    ev = _ev(tmp_path, doc(allow("*")), [],
             policies=[managed("TeamAdmin", doc(allow("s3:*")))])
    assert _who(ev, "iam:CreatePolicyVersion", ADMIN_ARN) == set()
    assert ATTACKER in _who(ev, "iam:CreatePolicyVersion", arn("policy", "TeamAdmin"))
    d = can(ev, ATTACKER, "iam:SetDefaultPolicyVersion", ADMIN_ARN).decision
    assert (d.decision, d.blocked_by) == ("ImplicitDeny", ("aws_owned",))
    assert "AWS managed policy" in d.reasons[0]


def test_nobody_can_attach_a_policy_to_a_service_linked_role(tmp_path: Path) -> None:
    roles = [role("AWSServiceRoleForElasticBeanstalk", trust({"Service": "elasticbeanstalk.amazonaws.com"}),
                  path=SLR_PATH),
             role("deployer", trust({"Service": "ec2.amazonaws.com"}))]
    ev = _ev(tmp_path, doc(allow("iam:*")), roles)
    for action in ("iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"):
        assert _who(ev, action, SLR) == set(), action
        assert ATTACKER in _who(ev, action, arn("role", "deployer")), action
    # What the docs leave to the policies: the description, tags, deleting it the service's way.
    for action in ("iam:UpdateRoleDescription", "iam:TagRole", "iam:DeleteServiceLinkedRole"):
        assert ATTACKER in _who(ev, action, SLR), action


def _sso_role(path: str) -> dict[str, Any]:
    """An IAM Identity Center permission-set role (trusting the SAML provider), or its customer twin at ``path``."""
    return role(SSO_NAME, trust(SAML, "sts:AssumeRoleWithSAML"), attached=[ADMIN_ARN], path=path)


@pytest.mark.parametrize(("path", "gains"), [(SSO_PATH, None), ("/", ADMINISTRATOR)], ids=["aws-reserved", "twin"])
def test_rewriting_the_trust_policy_of_an_identity_center_role_is_no_escalation(tmp_path: Path, path: str,
                                                                                gains: str | None) -> None:
    """IAM Identity Center manages its AWSReservedSSO_ roles: rewriting one's trust policy (then assuming it) is
    refused. The same role at a customer path is an escalation (UpdateAssumeRolePolicy + AssumeRole)."""
    ev = _ev(tmp_path, doc(allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"])), [_sso_role(path)])
    result = escalation(ev, ATTACKER)
    if gains is None:
        assert result.paths == (), [p.to_dict() for p in result.paths]
    else:
        (path_found,) = result.paths
        assert path_found.gains == gains
        assert [s.technique.id for s in path_found.steps] == ["iam:UpdateAssumeRolePolicy"]


@pytest.mark.parametrize(("path", "gains"), [(SSO_PATH, SSO), ("/", ADMINISTRATOR)], ids=["aws-reserved", "twin"])
def test_attaching_a_policy_to_an_identity_center_role_is_no_escalation(tmp_path: Path, path: str,
                                                                        gains: str) -> None:
    """A role the attacker can already assume: under /aws-reserved/ it gains that role and nothing more (no
    AttachRolePolicy to make it an administrator); the customer twin becomes an administrator."""
    reserved = role(SSO_NAME, trust(ACCOUNT_ROOT), path=path)
    ev = _ev(tmp_path, doc(allow(["iam:AttachRolePolicy", "sts:AssumeRole"])), [reserved])
    result = escalation(ev, ATTACKER)
    got = {p.gains: [s.technique.id for s in p.steps] for p in result.paths}
    if gains == ADMINISTRATOR:
        assert got == {ADMINISTRATOR: ["iam:AttachRolePolicy", "sts:AssumeRole"]}
    else:
        assert got == {SSO: ["sts:AssumeRole"]}
