"""Frozen models of an account snapshot: users, groups, roles, managed policies, resource policies, the account's
place in its organization, and an estate of several accounts.

The shapes follow ``aws iam get-account-authorization-details`` closely (one model per detail list) so that a
reader of the export recognises them; lookups by ARN and by name are built once per account, because every
question walks them thousands of times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from parc.core.account.buckets import S3Snapshot
from parc.core.findings import Finding
from parc.core.policy.model import Policy

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """An inline policy embedded in a user, group or role. ``policy`` is None when the document could not be read."""

    name: str
    policy: Policy | None


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version_id: str
    is_default: bool
    policy: Policy | None


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy; only its default version applies to the principals it is attached to."""

    arn: str
    name: str
    path: str = "/"
    default_version_id: str = "v1"
    versions: tuple[PolicyVersion, ...] = ()

    @property
    def policy(self) -> Policy | None:
        """The default version's document (the one IAM enforces)."""
        for v in self.versions:
            if v.version_id == self.default_version_id:
                return v.policy
        return None

    @property
    def is_aws_managed(self) -> bool:
        return self.arn.startswith(AWS_MANAGED_PREFIX) or ":iam::aws:policy/" in self.arn


@dataclass(frozen=True, slots=True)
class User:
    arn: str
    name: str
    account_id: str
    path: str = "/"
    user_id: str = ""
    inline: tuple[InlinePolicy, ...] = ()
    attached: tuple[str, ...] = ()
    """ARNs of the attached managed policies."""
    groups: tuple[str, ...] = ()
    """Names of the groups the user belongs to."""
    boundary: str | None = None
    """ARN of the managed policy set as permissions boundary."""
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Group:
    arn: str
    name: str
    account_id: str
    path: str = "/"
    group_id: str = ""
    inline: tuple[InlinePolicy, ...] = ()
    attached: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Role:
    arn: str
    name: str
    account_id: str
    path: str = "/"
    role_id: str = ""
    trust: Policy | None = None
    """The trust policy (AssumeRolePolicyDocument); None when missing or unreadable (then nobody can assume it)."""
    inline: tuple[InlinePolicy, ...] = ()
    attached: tuple[str, ...] = ()
    boundary: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    instance_profiles: tuple[str, ...] = ()
    """ARNs of the instance profiles that hold the role (EC2 can only be given a role through one)."""

    @property
    def is_service_linked(self) -> bool:
        """Service-linked roles live under /aws-service-role/; SCPs do not restrict them and IAM cannot edit them."""
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True, slots=True)
class ResourcePolicy:
    """A resource-based policy: a bucket, key, queue, topic, secret, function or repository policy."""

    arn: str
    policy: Policy


@dataclass(frozen=True, slots=True)
class ComputeResource:
    """An existing resource that runs with a role (a Lambda function, a Glue development endpoint...).

    Whoever may change its code runs as its role, so escalation needs to know them; the export does not list them,
    hence optional inventory files.
    """

    arn: str
    kind: str
    """``lambda-function`` or ``glue-dev-endpoint``."""
    role_arn: str


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    """An SCP or RCP with the name it carries in reports."""

    name: str
    policy: Policy


@dataclass(frozen=True, slots=True)
class OrgLevel:
    """One level of the organization tree between the root and the account: its SCPs and RCPs."""

    id: str
    kind: str
    """``ROOT``, ``ORGANIZATIONAL_UNIT`` or ``ACCOUNT``."""
    name: str = ""
    scps: tuple[NamedPolicy, ...] = ()
    rcps: tuple[NamedPolicy, ...] = ()


@dataclass(frozen=True, slots=True)
class OrgPlacement:
    """Where an account sits in its organization, from the root down to the account itself."""

    levels: tuple[OrgLevel, ...]
    management_account_id: str | None = None
    organization_id: str | None = None
    unknown_scp_levels: frozenset[str] = frozenset()
    """Levels whose SCP list the snapshot lacks: left out of the SCP check rather than read as denying all."""

    @property
    def scps(self) -> list[list[Policy]]:
        """SCPs per level, root first, as the engine takes them. No SCP anywhere means SCPs are not enabled."""
        if not any(level.scps for level in self.levels):
            return []
        return [[p.policy for p in level.scps] for level in self.levels if level.id not in self.unknown_scp_levels]

    @property
    def rcps(self) -> list[list[Policy]]:
        """RCPs per level. A level without RCPs behaves as if RCPFullAWSAccess were attached, which AWS does by
        default, so only levels that list some are passed on."""
        if not any(level.rcps for level in self.levels):
            return []
        return [[p.policy for p in level.rcps] for level in self.levels]

    @property
    def path(self) -> str:
        """The aws:PrincipalOrgPaths form: ``o-id/r-root/ou-1/ou-2/``."""
        parts = [level.id for level in self.levels if level.kind != "ACCOUNT"]
        head = f"{self.organization_id}/" if self.organization_id else ""
        return head + "".join(p + "/" for p in parts)


@dataclass(frozen=True)
class Account:
    """One account's snapshot. Lookups are built lazily and cached, the dataclass itself stays immutable."""

    account_id: str
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    resource_policies: tuple[ResourcePolicy, ...] = ()
    compute: tuple[ComputeResource, ...] = ()
    org: OrgPlacement | None = None
    findings: tuple[Finding, ...] = ()
    """What the loader could not read; the rest of the account is analysed without it."""
    s3: S3Snapshot | None = None
    """Block Public Access, bucket ACLs and Object Ownership (None: the snapshot has none of those files)."""

    @cached_property
    def users_by_arn(self) -> dict[str, User]:
        return {u.arn: u for u in self.users}

    @cached_property
    def users_by_name(self) -> dict[str, User]:
        return {u.name: u for u in self.users}

    @cached_property
    def groups_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    @cached_property
    def groups_by_arn(self) -> dict[str, Group]:
        return {g.arn: g for g in self.groups}

    @cached_property
    def roles_by_arn(self) -> dict[str, Role]:
        return {r.arn: r for r in self.roles}

    @cached_property
    def roles_by_name(self) -> dict[str, Role]:
        return {r.name: r for r in self.roles}

    @cached_property
    def policies_by_arn(self) -> dict[str, ManagedPolicy]:
        return {p.arn: p for p in self.policies}

    @cached_property
    def resource_policies_by_arn(self) -> dict[str, ResourcePolicy]:
        return {r.arn: r for r in self.resource_policies}

    @property
    def is_management(self) -> bool:
        return self.org is not None and self.org.management_account_id == self.account_id

    def members_of(self, group_name: str) -> list[User]:
        return [u for u in self.users if group_name in u.groups]

    def attached_to(self, policy_arn: str) -> list[User | Group | Role]:
        """Every user, group and role the managed policy is attached to (directly)."""
        out: list[User | Group | Role] = []
        out.extend(u for u in self.users if policy_arn in u.attached)
        out.extend(g for g in self.groups if policy_arn in g.attached)
        out.extend(r for r in self.roles if policy_arn in r.attached)
        return out


@dataclass(frozen=True)
class Estate:
    """The accounts under analysis (one or several), with cross-account lookups."""

    accounts: tuple[Account, ...]

    @cached_property
    def by_id(self) -> dict[str, Account]:
        return {a.account_id: a for a in self.accounts}

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for a in self.accounts for f in a.findings)

    @cached_property
    def management_account_id(self) -> str | None:
        for a in self.accounts:
            if a.org is not None and a.org.management_account_id:
                return a.org.management_account_id
        return None

    def account(self, account_id: str) -> Account | None:
        return self.by_id.get(account_id)

    def resource_policy(self, arn: str) -> tuple[ResourcePolicy, Account] | None:
        """The resource policy that governs ``arn``: its own, or for an S3 object the bucket's."""
        for candidate in _policy_owners(arn):
            for a in self.accounts:
                rp = a.resource_policies_by_arn.get(candidate)
                if rp is not None:
                    return rp, a
        return None

    def role(self, arn: str) -> Role | None:
        for a in self.accounts:
            r = a.roles_by_arn.get(arn)
            if r is not None:
                return r
        return None

    def user(self, arn: str) -> User | None:
        for a in self.accounts:
            u = a.users_by_arn.get(arn)
            if u is not None:
                return u
        return None


def _policy_owners(arn: str) -> list[str]:
    """An object ARN is governed by its bucket's policy (``arn:aws:s3:::bucket/key`` -> ``arn:aws:s3:::bucket``)."""
    out = [arn]
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "s3" and "/" in parts[5]:
        out.append(":".join(parts[:5]) + ":" + parts[5].split("/", 1)[0])
    return out
