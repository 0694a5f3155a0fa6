"""What no customer policy can grant: changes to resources that AWS owns.

AWS refuses some requests whatever the caller's policies say, because the resource belongs to AWS or to one of its
services. These are not policy decisions (IAM answers ``UnmodifiableEntity``, KMS refuses the reserved names), but a
caller asking "may this principal do X?" must hear no: a policy that allows ``iam:CreatePolicyVersion`` on ``*`` does
not let anyone rewrite AdministratorAccess. parc decides such requests ``ImplicitDeny``, ``blocked_by``
``aws_owned``, unless a policy denies them explicitly (then the explicit deny is the answer, as it would be in AWS,
where authorization runs before the service checks the resource).

The rules, each from AWS's pages (the corpus ``tests/corpora/authz/aws_owned.json`` pins each both ways):

- AWS managed policies (``arn:PARTITION:iam::aws:policy/...``): "You cannot change the permissions defined in AWS
  managed policies" (IAM User Guide, "Managed policies and inline policies"); TagPolicy/UntagPolicy apply to
  "an IAM customer managed policy" (IAM API Reference). Refused: creating one, a new version, deleting it or a
  version, changing the default version, tagging.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
- Service-linked roles (path ``/aws-service-role/``): the service "defines the permissions of its service-linked
  roles ... The defined permissions include the trust policy and the permissions policy"; IAM's role-changing
  calls answer ``UnmodifiableEntity`` ("Only the service that depends on the service-linked role can modify or
  delete the role"); a boundary cannot be set on one (PutRolePermissionsBoundary). Refused: changing the trust
  policy, inline or attached policies, the permissions boundary, and DeleteRole (the role is deleted through
  ``iam:DeleteServiceLinkedRole``). Not refused: the description (UpdateRole / UpdateRoleDescription, "You can edit
  the description of any role"), tags (TagRole: "The role can be a regular role or a service-linked role"), and
  ``iam:PassRole`` (Auto Scaling takes a service-linked role's ARN from the caller; the trust policy, which names
  only the service, decides who may assume it).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html
- Roles under ``/aws-reserved/`` (IAM Identity Center's ``AWSReservedSSO_*``): IAM Identity Center creates and
  manages them through its own service-linked role, and IAM refuses changes to them ("Cannot perform the operation
  on the protected role ... this role is only modifiable by AWS"). Refused: as for service-linked roles, and the
  description too (UpdateRole, UpdateRoleDescription), which IAM Identity Center manages as well; except for a
  service-linked role calling (AWSServiceRoleForSSO is how IAM Identity Center makes these changes).
  https://docs.aws.amazon.com/singlesignon/latest/userguide/using-service-linked-roles.html
  https://repost.aws/knowledge-center/identity-center-aws-reserved-sso
- AWS managed policies for service-linked roles (``arn:PARTITION:iam::aws:policy/aws-service-role/...``): "You
  cannot attach this policy to your users, groups, or roles"; the Attach*Policy calls answer PolicyNotAttachable
  ("AWS service role policies can only be attached to the service-linked role for that service", which its service
  does). Refused: AttachUserPolicy, AttachGroupPolicy, AttachRolePolicy whose ``iam:PolicyArn`` (the request's
  context) names one. A request without ``iam:PolicyArn`` does not say which policy, and is left to the policies.
  https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
- KMS aliases under ``alias/aws/``: "The alias/aws/ prefix is reserved for AWS managed key"; "You cannot manage
  aliases for AWS managed keys". Refused: CreateAlias, UpdateAlias, DeleteAlias on such an alias.
  https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html
- AWS managed KMS keys: "You cannot edit any properties of AWS managed keys" (description, key policy, tags,
  enable/disable, automatic rotation), nor schedule their deletion, nor rotate them on demand, nor manage their
  aliases. A key ARN does not say who manages the key: the request says it, with ``key_manager`` (``"AWS"`` or
  ``"CUSTOMER"``, as DescribeKey's ``KeyMetadata.KeyManager`` prints it); without it the key is taken as the
  caller's (customer managed), and the key policy decides as for any key.
  https://docs.aws.amazon.com/kms/latest/developerguide/editing-keys.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

AWS_OWNED: Final = "aws_owned"
"""The ``blocked_by`` name of these decisions."""

KEY_MANAGERS: Final = ("AWS", "CUSTOMER")
"""The values of a request's ``key_manager`` (DescribeKey's ``KeyMetadata.KeyManager``)."""

_MANAGED_POLICY: Final = frozenset({
    "iam:createpolicy", "iam:createpolicyversion", "iam:deletepolicy", "iam:deletepolicyversion",
    "iam:setdefaultpolicyversion", "iam:tagpolicy", "iam:untagpolicy",
})
_SERVICE_ROLE: Final = frozenset({
    "iam:updateassumerolepolicy", "iam:putrolepolicy", "iam:deleterolepolicy", "iam:attachrolepolicy",
    "iam:detachrolepolicy", "iam:putrolepermissionsboundary", "iam:deleterolepermissionsboundary", "iam:deleterole",
})
_RESERVED_ROLE: Final = _SERVICE_ROLE | {"iam:updaterole", "iam:updateroledescription"}
_ALIAS: Final = frozenset({"kms:createalias", "kms:updatealias", "kms:deletealias"})
_MANAGED_KEY: Final = _ALIAS | {
    "kms:putkeypolicy", "kms:schedulekeydeletion", "kms:cancelkeydeletion", "kms:enablekey", "kms:disablekey",
    "kms:enablekeyrotation", "kms:disablekeyrotation", "kms:rotatekeyondemand", "kms:updatekeydescription",
    "kms:tagresource", "kms:untagresource",
}

_ATTACH: Final = frozenset({"iam:attachuserpolicy", "iam:attachgrouppolicy", "iam:attachrolepolicy"})

GUARDED: Final = _MANAGED_POLICY | _RESERVED_ROLE | _MANAGED_KEY | _ATTACH

OWNED_PATTERNS: Final = (
    (_MANAGED_POLICY, "arn:[^:]*:iam:[^:]*:aws:policy/.*", False),
    (_SERVICE_ROLE, "arn:[^:]*:iam:[^:]*:[^:]*:role/aws-service-role/.*", False),
    (_RESERVED_ROLE, "arn:[^:]*:iam:[^:]*:[^:]*:role/aws-reserved/.*", True),
    (_ALIAS, "arn:[^:]*:kms:[^:]*:[^:]*:alias/aws/.*", False),
)
"""The resource-only rules of ``aws_owned_reason`` as data, for the reasoning encoder (parc.core.reasoning): the
actions each refuses, the resource ARNs it refuses them on (``[^:]*`` one ARN segment, ``.*`` anything), and whether
a service-linked role calling is exempt. The AWS managed key rule needs the request's ``key_manager`` and the attach
rule its ``iam:PolicyArn``; ``SERVICE_ROLE_POLICY_PATTERN`` is the latter's value."""

ATTACH_ACTIONS: Final = _ATTACH
SERVICE_ROLE_POLICY_PATTERN: Final = "arn:[^:]*:iam:[^:]*:aws:policy/aws-service-role/.*"
SERVICE_LINKED_ROLE_PATTERN: Final = "arn:[^:]*:iam:[^:]*:[^:]*:role/aws-service-role/.*"


def owned_rules(action_lower: str) -> tuple[int, ...]:
    """Which of ``OWNED_PATTERNS`` (by index; ``len(OWNED_PATTERNS)`` for the attach rule) can refuse the action."""
    rules = tuple(i for i, (actions, _, _) in enumerate(OWNED_PATTERNS) if action_lower in actions)
    return rules + ((len(OWNED_PATTERNS),) if action_lower in _ATTACH else ())
"""Every action (lowercased) some rule refuses on some resource: any other action is never refused here, so the
engine asks ``aws_owned_reason`` only a set lookup for it."""


def aws_owned_reason(action_lower: str, resource: str, key_manager: str | None,
                     context: Mapping[str, object] | None = None, service_linked_caller: bool = False) -> str | None:
    """Why AWS refuses ``action_lower`` on ``resource`` whatever the policies say, or None when it does not.
    ``context``: the request's context (only ``iam:PolicyArn`` is read, in any spelling of its name);
    ``service_linked_caller``: the caller is a service-linked role, i.e. AWS acting for its service (IAM Identity
    Center's own service-linked role manages the /aws-reserved/ roles, as its policy AWSSSOServiceRolePolicy
    says)."""
    if action_lower not in GUARDED:
        return None
    if action_lower in _ATTACH and context:
        attached = _service_role_policy(context)
        if attached is not None:
            return (f"{_name(attached)} is an AWS managed policy for a service-linked role: only its service "
                    "attaches it, to its own service-linked role; customers cannot attach it (PolicyNotAttachable)")
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, account, rest = parts[2], parts[4], parts[5]
    if service == "iam":
        if account == "aws" and rest.startswith("policy/") and action_lower in _MANAGED_POLICY:
            return (f"{_name(rest)} is an AWS managed policy: AWS owns it and customers cannot create, change, "
                    "tag or delete it, whatever their policies allow")
        if rest.startswith("role/aws-service-role/") and action_lower in _SERVICE_ROLE:
            return (f"{_name(rest)} is a service-linked role: only its service can change its policies or trust "
                    "policy (IAM answers UnmodifiableEntity), and it is deleted with iam:DeleteServiceLinkedRole")
        if rest.startswith("role/aws-reserved/") and action_lower in _RESERVED_ROLE and not service_linked_caller:
            return (f"{_name(rest)} is a role AWS reserves for its own service (path /aws-reserved/, IAM Identity "
                    "Center's roles): only that service can change or delete it")
    elif service == "kms":
        if rest.startswith("alias/aws/") and action_lower in _ALIAS:
            return (f"{rest} is an alias AWS reserves (alias/aws/) for its AWS managed keys: customers cannot "
                    "create, update or delete it")
        if key_manager == "AWS" and rest.startswith("key/") and action_lower in _MANAGED_KEY:
            return (f"Key {rest[4:]} is an AWS managed key: its policy, description, tags, state, rotation, aliases "
                    "and deletion are managed by AWS, not by customers")
    return None


def _service_role_policy(context: Mapping[str, object]) -> str | None:
    """The ``iam:PolicyArn`` of the context when it names an AWS managed policy for a service-linked role."""
    value = context.get("iam:policyarn")
    if value is None:
        for key, v in context.items():
            if type(key) is str and key.lower() == "iam:policyarn":
                value = v
                break
    values = value if isinstance(value, list | tuple) else (value,)
    for v in values:
        if type(v) is str:
            parts = v.split(":", 5)
            if (len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[4] == "aws"
                    and parts[5].startswith("policy/aws-service-role/")):
                return v
    return None


def _name(rest: str) -> str:
    return rest.rsplit("/", 1)[-1]
