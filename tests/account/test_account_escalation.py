"""``escalation``: one case per published technique, each with the condition, boundary or SCP that stops it; and
``assume``: who can become which role, transitively.

Each case builds a small account around a user ``attacker`` and asks for its paths; the expected result names what
it gains and the techniques of its steps, in order. Every step is decided by the engine, so a condition, a
boundary or an SCP that blocks one action removes the path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from account_helpers import (
    ACCT,
    ADMIN_ARN,
    EXAMPLE,
    MGMT,
    PROD,
    admin_policy,
    allow,
    arn,
    doc,
    evaluator_of,
    export,
    group,
    level,
    managed,
    org,
    role,
    trust,
    user,
)

from parc.core.account import ADMINISTRATOR, Evaluator, assume, escalation
from parc.loaders.account import load_snapshot

API = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_"
PASSROLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
BOUNDARY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
ROLE_CHAINING = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"
ATTACKER = arn("user", "attacker")
ADMIN_ROLE = arn("role", "admin-role")
DDB = "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"


def svc(service: str) -> dict[str, Any]:
    return trust({"Service": service})


@dataclass
class Case:
    name: str
    reference: str
    policy: dict[str, Any]
    """The attacker's inline policy."""
    gains: str | None
    techniques: tuple[str, ...] = ()
    users: list[Any] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)
    roles: list[Any] = field(default_factory=list)
    policies: list[Any] = field(default_factory=list)
    attacker: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    organization: dict[str, Any] | None = None


def admin_role(trust_doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return role("admin-role", trust_doc, attached=[ADMIN_ARN], **kw)


OWN = arn("policy", "AttackerPolicy")
FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:f"

CASES = [
    Case("create-policy-version-on-own-policy", API + "CreatePolicyVersion.html",
         doc(allow("iam:CreatePolicyVersion", OWN)), ADMINISTRATOR, ("iam:CreatePolicyVersion",),
         policies=[managed("AttackerPolicy", doc(allow("s3:ListAllMyBuckets")))], attacker={"attached": [OWN]}),
    Case("create-policy-version-on-a-policy-it-does-not-hold-gives-nothing", API + "CreatePolicyVersion.html",
         doc(allow("iam:CreatePolicyVersion", arn("policy", "Other"))), None,
         policies=[managed("Other", doc(allow("s3:ListAllMyBuckets")))]),
    Case("set-default-policy-version-to-an-older-admin-version", API + "SetDefaultPolicyVersion.html",
         doc(allow("iam:SetDefaultPolicyVersion", OWN)), ADMINISTRATOR, ("iam:SetDefaultPolicyVersion",),
         policies=[managed("AttackerPolicy", doc(allow("s3:ListAllMyBuckets")), versions=[("v2", doc(allow("*")))])],
         attacker={"attached": [OWN]}),
    Case("attach-user-policy-to-itself", API + "AttachUserPolicy.html",
         doc(allow(["iam:AttachUserPolicy", "iam:ListPolicies"])), ADMINISTRATOR, ("iam:AttachUserPolicy",)),
    Case("seed-limited-administrator-attaches-only-dynamodb", API + "AttachUserPolicy.html",
         doc(allow(["iam:ListPolicies", "iam:GetPolicy", "iam:ListUsers"]),
             allow("iam:AttachUserPolicy", "*", Condition={"ArnEquals": {"iam:PolicyArn": DDB}})), None),
    Case("attach-condition-naming-an-admin-customer-policy", API + "AttachUserPolicy.html",
         doc(allow("iam:AttachUserPolicy", "*", Condition={"ArnEquals": {"iam:PolicyArn": arn("policy", "Break")}})),
         ADMINISTRATOR, ("iam:AttachUserPolicy",), policies=[managed("Break", doc(allow("*")))]),
    Case("attach-group-policy-to-its-group", API + "AttachGroupPolicy.html",
         doc(allow("iam:AttachGroupPolicy", arn("group", "team"))), ADMINISTRATOR, ("iam:AttachGroupPolicy",),
         groups=[group("team")], attacker={"groups": ["team"]}),
    Case("attach-role-policy-to-a-role-it-can-assume", API + "AttachRolePolicy.html",
         doc(allow(["iam:AttachRolePolicy", "sts:AssumeRole"], arn("role", "worker"))), ADMINISTRATOR,
         ("iam:AttachRolePolicy", "sts:AssumeRole"),
         roles=[role("worker", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}))]),
    Case("attach-role-policy-to-a-role-it-cannot-become-gives-nothing", API + "AttachRolePolicy.html",
         doc(allow("iam:AttachRolePolicy", arn("role", "worker"))), None,
         roles=[role("worker", svc("ec2.amazonaws.com"))]),
    Case("put-user-policy-on-itself", API + "PutUserPolicy.html",
         doc(allow("iam:PutUserPolicy", ATTACKER)), ADMINISTRATOR, ("iam:PutUserPolicy",)),
    Case("a-role-it-assumes-writes-into-another-role-it-assumes", API + "PutRolePolicy.html",
         doc(allow("sts:AssumeRole", [arn("role", "writer"), arn("role", "worker")])), ADMINISTRATOR,
         ("sts:AssumeRole", "iam:PutRolePolicy", "sts:AssumeRole"),
         roles=[role("writer", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
                     policies={"p": doc(allow("iam:PutRolePolicy", arn("role", "worker")))}),
                role("worker", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}))]),
    Case("put-group-policy-on-its-group", API + "PutGroupPolicy.html",
         doc(allow("iam:PutGroupPolicy", arn("group", "team"))), ADMINISTRATOR, ("iam:PutGroupPolicy",),
         groups=[group("team")], attacker={"groups": ["team"]}),
    Case("put-role-policy-on-an-assumable-role", API + "PutRolePolicy.html",
         doc(allow(["iam:PutRolePolicy", "sts:AssumeRole"], arn("role", "worker"))), ADMINISTRATOR,
         ("iam:PutRolePolicy", "sts:AssumeRole"), roles=[role("worker", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}))]),
    Case("a-role-it-assumes-writes-its-own-policy", API + "PutRolePolicy.html",
         doc(allow("sts:AssumeRole", arn("role", "worker"))), ADMINISTRATOR,
         ("sts:AssumeRole", "iam:PutRolePolicy"), roles=[role("worker", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
                                                             policies={"p": doc(allow("iam:PutRolePolicy", "*"))})]),
    Case("add-itself-to-the-admin-group", API + "AddUserToGroup.html",
         doc(allow("iam:AddUserToGroup", arn("group", "admins"))), ADMINISTRATOR, ("iam:AddUserToGroup",),
         groups=[group("admins", attached=[ADMIN_ARN])]),
    Case("create-access-key-of-an-admin-user", API + "CreateAccessKey.html",
         doc(allow("iam:CreateAccessKey", arn("user", "boss"))), ADMINISTRATOR, ("iam:CreateAccessKey",),
         users=[user("boss", attached=[ADMIN_ARN])]),
    Case("create-login-profile-of-an-admin-user", API + "CreateLoginProfile.html",
         doc(allow("iam:CreateLoginProfile", arn("user", "boss"))), ADMINISTRATOR, ("iam:CreateLoginProfile",),
         users=[user("boss", attached=[ADMIN_ARN])]),
    Case("update-login-profile-of-an-admin-user", API + "UpdateLoginProfile.html",
         doc(allow("iam:UpdateLoginProfile", arn("user", "boss"))), ADMINISTRATOR, ("iam:UpdateLoginProfile",),
         users=[user("boss", attached=[ADMIN_ARN])]),
    Case("update-assume-role-policy-of-an-admin-role", API + "UpdateAssumeRolePolicy.html",
         doc(allow("iam:UpdateAssumeRolePolicy", ADMIN_ROLE)), ADMINISTRATOR, ("iam:UpdateAssumeRolePolicy",),
         roles=[admin_role(svc("ec2.amazonaws.com"))]),
    Case("pass-role-and-run-instances", PASSROLE,
         doc(allow(["iam:PassRole", "ec2:RunInstances"])), ADMINISTRATOR, ("iam:PassRole+ec2:RunInstances",),
         roles=[admin_role(svc("ec2.amazonaws.com"), profile=True)]),
    Case("run-instances-needs-an-instance-profile", PASSROLE,
         doc(allow(["iam:PassRole", "ec2:RunInstances"])), None, roles=[admin_role(svc("ec2.amazonaws.com"))]),
    Case("run-instances-with-a-profile-it-can-create", PASSROLE,
         doc(allow(["iam:PassRole", "ec2:RunInstances", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"])),
         ADMINISTRATOR, ("iam:PassRole+ec2:RunInstances",), roles=[admin_role(svc("ec2.amazonaws.com"))]),
    Case("pass-role-condition-limits-the-service", PASSROLE,
         doc(allow("iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
             allow("ec2:RunInstances")), None, roles=[admin_role(svc("ec2.amazonaws.com"), profile=True)]),
    Case("pass-role-needs-a-trust-for-the-service", PASSROLE,
         doc(allow(["iam:PassRole", "ec2:RunInstances"])), None,
         roles=[admin_role(svc("lambda.amazonaws.com"), profile=True)]),
    Case("pass-role-to-a-new-lambda-and-invoke-it", "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
         doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])), ADMINISTRATOR,
         ("iam:PassRole+lambda:CreateFunction",), roles=[admin_role(svc("lambda.amazonaws.com"))]),
    Case("pass-role-to-a-new-lambda-with-an-event-source", "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
         doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"])), ADMINISTRATOR,
         ("iam:PassRole+lambda:CreateFunction",), roles=[admin_role(svc("lambda.amazonaws.com"))]),
    Case("a-new-lambda-that-cannot-be-triggered-gives-nothing", "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
         doc(allow(["iam:PassRole", "lambda:CreateFunction"])), None, roles=[admin_role(svc("lambda.amazonaws.com"))]),
    Case("pass-role-to-cloudformation", "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html",
         doc(allow(["iam:PassRole", "cloudformation:CreateStack"])), ADMINISTRATOR,
         ("iam:PassRole+cloudformation:CreateStack",), roles=[admin_role(svc("cloudformation.amazonaws.com"))]),
    Case("pass-role-to-a-glue-dev-endpoint", "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDevEndpoint.html",
         doc(allow(["iam:PassRole", "glue:CreateDevEndpoint"])), ADMINISTRATOR,
         ("iam:PassRole+glue:CreateDevEndpoint",), roles=[admin_role(svc("glue.amazonaws.com"))]),
    Case("update-an-existing-glue-dev-endpoint", "https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateDevEndpoint.html",
         doc(allow("glue:UpdateDevEndpoint")), ADMINISTRATOR, ("glue:UpdateDevEndpoint",),
         roles=[admin_role(svc("glue.amazonaws.com"))],
         extra={"glue-dev-endpoints.json": {"Region": "us-east-1",
                                            "DevEndpoints": [{"EndpointName": "e", "RoleArn": ADMIN_ROLE}]}}),
    Case("pass-role-to-a-data-pipeline", "https://docs.aws.amazon.com/datapipeline/latest/DeveloperGuide/dp-iam-roles.html",
         doc(allow(["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
                    "datapipeline:ActivatePipeline"])), ADMINISTRATOR,
         ("iam:PassRole+datapipeline:CreatePipeline",), roles=[admin_role(svc("datapipeline.amazonaws.com"))]),
    Case("pass-role-to-a-sagemaker-notebook", "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",
         doc(allow(["iam:PassRole", "sagemaker:CreateNotebookInstance",
                    "sagemaker:CreatePresignedNotebookInstanceUrl"])),
         ADMINISTRATOR, ("iam:PassRole+sagemaker:CreateNotebookInstance",),
         roles=[admin_role(svc("sagemaker.amazonaws.com"))]),
    Case("update-the-code-of-a-function-with-a-stronger-role", "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html",
         doc(allow("lambda:UpdateFunctionCode", FN)), ADMINISTRATOR, ("lambda:UpdateFunctionCode",),
         roles=[admin_role(svc("lambda.amazonaws.com"))],
         extra={"lambda-functions.json": {"Functions": [{"FunctionArn": FN, "Role": ADMIN_ROLE}]}}),
    Case("assume-role-chain-to-an-admin-role", ROLE_CHAINING,
         doc(allow("sts:AssumeRole", arn("role", "hop"))), ADMINISTRATOR, ("sts:AssumeRole", "sts:AssumeRole"),
         roles=[role("hop", trust({"AWS": ATTACKER}), policies={"p": doc(allow("sts:AssumeRole", ADMIN_ROLE))}),
                admin_role(trust({"AWS": arn("role", "hop")}))]),
    Case("assume-a-weaker-role-gains-that-role", ROLE_CHAINING,
         doc(allow("sts:AssumeRole", arn("role", "reader"))), arn("role", "reader"), ("sts:AssumeRole",),
         roles=[role("reader", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}), policies={"p": doc(allow("s3:Get*"))})]),
    Case("delete-its-own-permissions-boundary", API + "DeleteUserPermissionsBoundary.html",
         doc(allow("*")), ADMINISTRATOR, ("iam:DeleteUserPermissionsBoundary",),
         policies=[managed("Bound", doc(allow(["s3:*", "iam:DeleteUserPermissionsBoundary"])))],
         attacker={"boundary": arn("policy", "Bound")}),
    Case("its-boundary-stops-the-technique", BOUNDARY,
         doc(allow("iam:PutUserPolicy", ATTACKER)), None,
         policies=[managed("Bound", doc(allow("s3:*")))], attacker={"boundary": arn("policy", "Bound")}),
    Case("the-targets-boundary-holds-it-back", BOUNDARY,
         doc(allow(["iam:AttachRolePolicy", "sts:AssumeRole"], arn("role", "worker"))), arn("role", "worker"),
         ("sts:AssumeRole",), policies=[managed("Bound", doc(allow("s3:*")))],
         roles=[role("worker", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}), boundary=arn("policy", "Bound"))]),
    Case("an-scp-stops-the-technique", SCP,
         doc(allow("iam:PutUserPolicy", ATTACKER)), None,
         organization=org([level("r-1", "ROOT", [doc(allow("*")), doc({"Effect": "Deny", "Action": "iam:Put*Policy",
                                                                        "Resource": "*"})]),
                           level(ACCT, "ACCOUNT", [doc(allow("*"))])])),
    Case("an-administrator-has-nothing-to-gain", API + "AttachUserPolicy.html", doc(allow("*")), None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_escalation_technique(tmp_path: Path, case: Case) -> None:
    attacker = user("attacker", policies={"p": case.policy}, **case.attacker)
    policies = [admin_policy(), *case.policies]
    details = export(users=[attacker, *case.users], groups=case.groups, roles=case.roles, policies=policies)
    ev = evaluator_of(tmp_path, details, organization=case.organization, extra=case.extra)
    result = escalation(ev, ATTACKER)
    if case.gains is None:
        assert result.paths == (), [p.to_dict() for p in result.paths]
        return
    paths = {p.gains: p for p in result.paths}
    assert case.gains in paths, [(p.gains, [s.technique.id for s in p.steps]) for p in result.paths]
    if case.gains == ADMINISTRATOR:
        assert len(result.paths) == 1  # administrator implies the rest: only that path is shown
    got = tuple(s.technique.id for s in paths[case.gains].steps)
    assert got == case.techniques
    for step in paths[case.gains].steps:
        assert step.checks and all(c.verdict.possible for c in step.checks)
        assert all(c.verdict.decision.deciding for c in step.checks if c.principal.startswith("arn:"))


def test_the_seed_limited_administrator_and_its_unconditioned_variant(tmp_path: Path) -> None:
    listing = allow(["iam:ListPolicies", "iam:GetPolicy", "iam:ListUsers"])
    limited = doc(listing, allow("iam:AttachUserPolicy", "*", Condition={"ArnEquals": {"iam:PolicyArn": DDB}}))
    variant = doc(listing, allow("iam:AttachUserPolicy", "*"))
    details = export(users=[user("limited", policies={"p": limited}), user("variant", policies={"p": variant})],
                     policies=[admin_policy()])
    ev = evaluator_of(tmp_path, details)
    result = escalation(ev)
    by = {p.principal: p for p in result.paths}
    assert arn("user", "limited") not in by
    path = by[arn("user", "variant")]
    assert path.gains == ADMINISTRATOR
    (step,) = path.steps
    (check,) = step.checks
    assert check.action == "iam:AttachUserPolicy" and dict(check.context) == {"iam:PolicyArn": ADMIN_ARN}


def test_example_organization_paths() -> None:
    ev = Evaluator(load_snapshot(EXAMPLE))
    result = escalation(ev)
    by = {(p.principal, p.gains): p for p in result.paths}
    prod = f"arn:aws:iam::{PROD}"
    # The deliberate path: bob passes the administrator role ops-admin to a new instance.
    bob = by[(f"{prod}:user/bob", ADMINISTRATOR)]
    assert [s.technique.id for s in bob.steps] == ["iam:PassRole+ec2:RunInstances"]
    assert bob.steps[0].target == f"{prod}:role/ops-admin"
    # Cross-account: the management account's CI user assumes Deployer, which passes cfn-exec to CloudFormation.
    ci = by[(f"arn:aws:iam::{MGMT}:user/automation/ci-deployer", ADMINISTRATOR)]
    assert [s.technique.id for s in ci.steps] == ["sts:AssumeRole", "iam:PassRole+cloudformation:CreateStack"]
    # The seed's limited administrator has no path; alice's boundary keeps her from ops-admin but not app-runtime.
    assert not any(p.principal == f"{prod}:user/dynamo-admin" for p in result.paths)
    assert (f"{prod}:user/alice", ADMINISTRATOR) not in by
    assert (f"{prod}:user/alice", f"{prod}:role/app-runtime") in by
    # The intern rewrites its own policy; the sandbox OU's region SCP leaves it conditional on the region.
    intern = by[("arn:aws:iam::777788889999:user/intern", ADMINISTRATOR)]
    assert intern.conditions == ("aws:RequestedRegion",)
    assert f"arn:aws:iam::{MGMT}:user/org-admin" in result.administrators
    d = result.to_dict()
    assert {"principal", "gains", "steps"} <= set(d["paths"][0])  # type: ignore[index]


# ---------------------------------------------------------------- assume


def test_assume_edges_and_chains(tmp_path: Path) -> None:
    details = export(
        users=[user("dev", policies={"p": doc(allow("sts:AssumeRole"))}), user("nobody")],
        roles=[
            role("first", trust({"AWS": f"arn:aws:iam::{ACCT}:root"}),
                 policies={"p": doc(allow("sts:AssumeRole", arn("role", "second")))}),
            role("second", trust({"AWS": arn("role", "first")})),
            role("mfa-only", trust({"AWS": f"arn:aws:iam::{ACCT}:root"},
                                   Bool={"aws:MultiFactorAuthPresent": "true"})),
            role("saml", trust({"Federated": f"arn:aws:iam::{ACCT}:saml-provider/corp"}, "sts:AssumeRoleWithSAML",
                               StringEquals={"SAML:aud": "https://signin.aws.amazon.com/saml"})),
            role("partner", trust({"AWS": "999988887777"})),
        ],
    )
    ev = evaluator_of(tmp_path, details)
    r = assume(ev)
    edges = {(e.source.arn, e.role.name): (e.verdict.label, e.verdict.conditions) for e in r.graph.edges}
    assert edges == {
        (arn("user", "dev"), "first"): ("Allow", ()),
        (arn("role", "first"), "second"): ("Allow", ()),
        (arn("user", "dev"), "mfa-only"): ("ConditionalAllow", ("aws:MultiFactorAuthPresent",)),
        (f"arn:aws:iam::{ACCT}:saml-provider/corp", "saml"): ("ConditionalAllow", ("SAML:aud",)),
        ("arn:aws:iam::999988887777:root", "partner"): ("Allow", ()),
    }
    chains = {c.role: c.path for c in assume(ev, arn("user", "dev")).chains}
    assert chains[arn("role", "second")] == [arn("user", "dev"), arn("role", "first"), arn("role", "second")]
    assert arn("user", "nobody") not in {c.principal for c in r.chains}


def test_assume_in_the_example_crosses_accounts() -> None:
    ev = Evaluator(load_snapshot(EXAMPLE))
    r = assume(ev, "org-admin")
    assert {c.role for c in r.chains} == {
        f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole",
        "arn:aws:iam::777788889999:role/OrganizationAccountAccessRole",
    }
    ci = {c.role: c.conditions for c in assume(ev, "ci-deployer").chains}
    assert ci == {f"arn:aws:iam::{PROD}:role/Deployer": (),
                  "arn:aws:iam::777788889999:role/Deployer": ("sts:ExternalId",)}
