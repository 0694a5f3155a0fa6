"""The published privilege-escalation techniques, as data: what each needs, on what, and what it gains.

Each technique names the actions the attacker must be allowed (every one decided by the engine, conditions
included), the kind of target it works on, and its effect:

* ``become``: the attacker acts as the target principal (assumes it, takes over its credentials, or runs code as
  the role it passes to a service);
* ``attach-admin``, ``inline-admin``, ``replace-policy``, ``other-version``, ``join-group``, ``drop-boundary``: the
  target principal's policies change; the change is evaluated with the engine on the target's new state, and counts
  when it makes the target an administrator;
* ``rewrite-trust``: the attacker rewrites a role's trust policy to trust itself, then assumes the role.

Sources: AWS's API reference for each action (what it does, and what it requires), and Rhino Security Labs'
catalogue of IAM privilege escalation methods, which these techniques follow.
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
"""

from __future__ import annotations

from dataclasses import dataclass

API = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_"


@dataclass(frozen=True, slots=True)
class Need:
    action: str
    on: str = "target"
    """``target`` (the target's ARN), or ``new`` (a resource the attacker creates: decided on the resource patterns
    the attacker's own statements name for the action)."""
    passed_to: bool = False
    """Set iam:PassedToService to the technique's service (for iam:PassRole)."""
    policy_arn: bool = False
    """Set iam:PolicyArn to the policy being attached (for iam:Attach*Policy)."""


@dataclass(frozen=True, slots=True)
class Technique:
    id: str
    title: str
    targets: str
    """``user``, ``role``, ``group``, ``managed-policy``, ``role-for-service``, ``lambda-function``,
    ``glue-dev-endpoint``."""
    effect: str
    needs: tuple[Need, ...]
    any_of: tuple[Need, ...] = ()
    """At least one of these must be allowed too (e.g. invoke the new function, or map an event source to it)."""
    service: str | None = None
    """The service principal a passed role must trust."""
    reference: str = ""


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "iam:CreatePolicyVersion", "Write a new default version of a customer managed policy attached to the target",
        "managed-policy", "replace-policy", (Need("iam:CreatePolicyVersion"),),
        reference=API + "CreatePolicyVersion.html",
    ),
    Technique(
        "iam:SetDefaultPolicyVersion", "Make an older, broader version of a policy attached to the target the default",
        "managed-policy", "other-version", (Need("iam:SetDefaultPolicyVersion"),),
        reference=API + "SetDefaultPolicyVersion.html",
    ),
    Technique(
        "iam:AttachUserPolicy", "Attach an administrator managed policy to a user", "user", "attach-admin",
        (Need("iam:AttachUserPolicy", policy_arn=True),), reference=API + "AttachUserPolicy.html",
    ),
    Technique(
        "iam:AttachGroupPolicy", "Attach an administrator managed policy to a group", "group", "attach-admin",
        (Need("iam:AttachGroupPolicy", policy_arn=True),), reference=API + "AttachGroupPolicy.html",
    ),
    Technique(
        "iam:AttachRolePolicy", "Attach an administrator managed policy to a role", "role", "attach-admin",
        (Need("iam:AttachRolePolicy", policy_arn=True),), reference=API + "AttachRolePolicy.html",
    ),
    Technique(
        "iam:PutUserPolicy", "Write an administrator inline policy into a user", "user", "inline-admin",
        (Need("iam:PutUserPolicy"),), reference=API + "PutUserPolicy.html",
    ),
    Technique(
        "iam:PutGroupPolicy", "Write an administrator inline policy into a group", "group", "inline-admin",
        (Need("iam:PutGroupPolicy"),), reference=API + "PutGroupPolicy.html",
    ),
    Technique(
        "iam:PutRolePolicy", "Write an administrator inline policy into a role", "role", "inline-admin",
        (Need("iam:PutRolePolicy"),), reference=API + "PutRolePolicy.html",
    ),
    Technique(
        "iam:AddUserToGroup", "Add a user to a group whose policies make it an administrator", "group", "join-group",
        (Need("iam:AddUserToGroup"),), reference=API + "AddUserToGroup.html",
    ),
    Technique(
        "iam:DeleteUserPermissionsBoundary", "Remove the permissions boundary that holds a user back", "user",
        "drop-boundary", (Need("iam:DeleteUserPermissionsBoundary"),),
        reference=API + "DeleteUserPermissionsBoundary.html",
    ),
    Technique(
        "iam:DeleteRolePermissionsBoundary", "Remove the permissions boundary that holds a role back", "role",
        "drop-boundary", (Need("iam:DeleteRolePermissionsBoundary"),),
        reference=API + "DeleteRolePermissionsBoundary.html",
    ),
    Technique(
        "iam:CreateAccessKey", "Create an access key for another user and act as that user", "user", "become",
        (Need("iam:CreateAccessKey"),), reference=API + "CreateAccessKey.html",
    ),
    Technique(
        "iam:CreateLoginProfile", "Give another user a console password and sign in as that user", "user", "become",
        (Need("iam:CreateLoginProfile"),), reference=API + "CreateLoginProfile.html",
    ),
    Technique(
        "iam:UpdateLoginProfile", "Change another user's console password and sign in as that user", "user",
        "become", (Need("iam:UpdateLoginProfile"),), reference=API + "UpdateLoginProfile.html",
    ),
    Technique(
        "iam:UpdateAssumeRolePolicy", "Rewrite a role's trust policy to trust oneself, then assume the role", "role",
        "rewrite-trust", (Need("iam:UpdateAssumeRolePolicy"),), reference=API + "UpdateAssumeRolePolicy.html",
    ),
    Technique(
        "iam:PassRole+ec2:RunInstances", "Launch an instance with the role's instance profile and use its credentials",
        "role-for-service", "become", (Need("iam:PassRole", passed_to=True), Need("ec2:RunInstances", "new")),
        service="ec2.amazonaws.com",
        reference="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html",
    ),
    Technique(
        "iam:PassRole+lambda:CreateFunction", "Create a function that runs as the role, then invoke it",
        "role-for-service", "become", (Need("iam:PassRole", passed_to=True), Need("lambda:CreateFunction", "new")),
        any_of=(Need("lambda:InvokeFunction", "new"), Need("lambda:CreateEventSourceMapping", "new")),
        service="lambda.amazonaws.com",
        reference="https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
    ),
    Technique(
        "iam:PassRole+cloudformation:CreateStack", "Create a stack whose resources are created with the role",
        "role-for-service", "become",
        (Need("iam:PassRole", passed_to=True), Need("cloudformation:CreateStack", "new")),
        service="cloudformation.amazonaws.com",
        reference="https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html",
    ),
    Technique(
        "iam:PassRole+glue:CreateDevEndpoint", "Create a Glue development endpoint with the role and log in to it",
        "role-for-service", "become",
        (Need("iam:PassRole", passed_to=True), Need("glue:CreateDevEndpoint", "new")),
        service="glue.amazonaws.com",
        reference="https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDevEndpoint.html",
    ),
    Technique(
        "glue:UpdateDevEndpoint", "Add one's SSH key to an existing development endpoint that runs with the role",
        "glue-dev-endpoint", "become", (Need("glue:UpdateDevEndpoint"),),
        reference="https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateDevEndpoint.html",
    ),
    Technique(
        "iam:PassRole+datapipeline:CreatePipeline", "Create and activate a pipeline that runs commands as the role",
        "role-for-service", "become",
        (Need("iam:PassRole", passed_to=True), Need("datapipeline:CreatePipeline", "new"),
         Need("datapipeline:PutPipelineDefinition", "new"), Need("datapipeline:ActivatePipeline", "new")),
        service="datapipeline.amazonaws.com",
        reference="https://docs.aws.amazon.com/datapipeline/latest/DeveloperGuide/dp-iam-roles.html",
    ),
    Technique(
        "iam:PassRole+sagemaker:CreateNotebookInstance", "Create a notebook instance with the role and open it",
        "role-for-service", "become",
        (Need("iam:PassRole", passed_to=True), Need("sagemaker:CreateNotebookInstance", "new"),
         Need("sagemaker:CreatePresignedNotebookInstanceUrl", "new")),
        service="sagemaker.amazonaws.com",
        reference="https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html",
    ),
    Technique(
        "lambda:UpdateFunctionCode", "Replace the code of a function that runs with a stronger role", "lambda-function",
        "become", (Need("lambda:UpdateFunctionCode"),),
        reference="https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html",
    ),
)

ASSUME_ROLE = Technique(
    "sts:AssumeRole", "Assume the role (its trust policy and the caller's policies allow it)", "role", "become",
    (Need("sts:AssumeRole"),), reference="https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
)

BY_ID = {t.id: t for t in (*TECHNIQUES, ASSUME_ROLE)}

ADMIN_SENTINELS: tuple[str, ...] = (
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:CreatePolicyVersion",
    "iam:PassRole",
    "s3:GetObject",
    "s3:PutObject",
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "dynamodb:DeleteTable",
    "kms:Decrypt",
)
"""Actions decided on ``*`` to tell an administrator: full IAM write (which grants anything else) and data and
compute access across services, as ``Action: *, Resource: *`` gives."""
