"""ARN helpers for principals and resources.

Formats: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
(``arn:partition:iam::account:user/path/name``, ``arn:partition:sts::account:assumed-role/role-name/session``;
a role session's ARN drops the role's path, so it is resolved by role name within the account).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCOUNT_ID = re.compile(r"^\d{12}$")
DEFAULT_SESSION = "parc-session"


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def split_arn(text: str) -> Arn | None:
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(arn: str) -> str | None:
    """The account id in an ARN, or None (S3 bucket ARNs, AWS managed policies and wildcards carry none)."""
    a = split_arn(arn)
    if a is None:
        return arn if ACCOUNT_ID.match(arn) else None
    return a.account if ACCOUNT_ID.match(a.account) else None


def partition_of(arn: str) -> str:
    a = split_arn(arn)
    return a.partition if a else "aws"


def root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def session_arn(role_arn: str, session: str = DEFAULT_SESSION) -> str:
    """The assumed-role ARN of a session of ``role_arn`` (the role's path is not part of it)."""
    a = split_arn(role_arn)
    if a is None:
        raise ValueError(f"not an ARN: {role_arn!r}")
    name = a.resource.rsplit("/", 1)[-1]
    return f"arn:{a.partition}:sts::{a.account}:assumed-role/{name}/{session}"


def principal_kind(arn: str) -> str:
    """``user``, ``role``, ``assumed-role``, ``federated-user``, ``root``, ``group``, ``service``, ``anonymous``
    or ``unknown``."""
    if arn == "*":
        return "anonymous"
    if ACCOUNT_ID.match(arn):
        return "root"
    a = split_arn(arn)
    if a is None:
        return "service" if arn.endswith(".amazonaws.com") or arn.endswith(".amazonaws.com.cn") else "unknown"
    if a.service == "iam":
        if a.resource == "root":
            return "root"
        head = a.resource.split("/", 1)[0]
        if head in ("user", "role", "group"):
            return head
    if a.service == "sts":
        head = a.resource.split("/", 1)[0]
        if head in ("assumed-role", "federated-user"):
            return head
    return "unknown"


def session_role_name(arn: str) -> tuple[str, str] | None:
    """(account id, role name) of an assumed-role session ARN."""
    a = split_arn(arn)
    if a is None or a.service != "sts" or not a.resource.startswith("assumed-role/"):
        return None
    parts = a.resource.split("/")
    if len(parts) < 3:
        return None
    return a.account, parts[1]


def name_of(arn: str) -> str:
    """The last path segment of an IAM ARN (user, role, group or policy name)."""
    a = split_arn(arn)
    if a is None:
        return arn
    return a.resource.rsplit("/", 1)[-1]
