"""``aws iam get-account-authorization-details`` output -> users, groups, roles and managed policies.

Accepts what the AWS CLI prints (documents as objects), what the API returns (URL-encoded documents) and
documents stored as JSON strings; several pages are merged. A document that cannot be read is reported and
skipped; the entity keeps everything else.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parc.core.account.arns import ACCOUNT_ID, account_of, split_arn
from parc.core.account.model import Group, InlinePolicy, ManagedPolicy, PolicyVersion, Role, User
from parc.core.authz.principal import PrincipalError, parse_request_principal
from parc.core.findings import Finding, FindingType
from parc.core.policy.model import Policy, PolicyType
from parc.loaders.account.jsonfile import SharedReads, load_error
from parc.loaders.account.policydoc import PolicyReads, Unusable
from parc.loaders.shape import kind_of

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
DOCS_LINK = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html"

_Entity = User | Group | Role | ManagedPolicy

PolicyCheck = Callable[[str | dict[str, object], PolicyType], Iterable[Finding]]
"""Extra validation run on every readable document, given as it appears in the export (lint, for instance): its
ERROR findings are reported; the policy is still used, because the engine lets nothing invalid match."""


@dataclass
class AuthDetails:
    users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    policies: list[ManagedPolicy] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class _Reader:
    def __init__(self, file: Path, check: PolicyCheck | None, shared: SharedReads | None = None) -> None:
        self.file = file
        self.check = check
        self.findings: list[Finding] = []
        self.reads = PolicyReads(shared)

    def error(self, code: str, message: str, path: str) -> None:
        self.findings.append(load_error(code, message, self.file, path))

    def items(self, entry: dict[str, object], key: str, path: str) -> list[object]:
        """The list under ``key`` (absent: none). Anything else there (``null``, an object, a string: AWS writes a
        list, empty or not) is an error, never read as an empty list: what it held is unknown."""
        if key not in entry:
            return []
        value = entry[key]
        if isinstance(value, list):
            return value
        self.error("ACCOUNT_BAD_ENTRY", f"{key} should be a list, found {kind_of(value)}: what it holds is not read",
                   f"{path}.{key}")
        return []

    def document(self, raw: object, path: str, name: str, ptype: PolicyType) -> Policy | None:
        if raw is None:
            self.error("ACCOUNT_POLICY_INVALID", f"{name}: the policy document is missing; it is ignored", path)
            return None
        if not isinstance(raw, (str, dict)):
            self.error("ACCOUNT_POLICY_INVALID", f"{name}: a policy document must be an object or a string", path)
            return None
        policy = self.reads.read(raw, ptype, name)
        if isinstance(policy, Unusable):
            sub = f"{path}.{policy.path}" if policy.path else path
            self.error(
                "ACCOUNT_POLICY_INVALID",
                f"{name}: {policy.why}{policy.where()}; the policy is ignored (it neither allows nor denies anything)",
                sub,
            )
            return None
        if self.check is not None:
            for f in self.check(raw, ptype):
                if f.finding_type is FindingType.ERROR:
                    sub = f"{path}.{f.path}" if f.path else path
                    self.findings.append(
                        Finding(f.code, f.finding_type, f"{name}: {f.message}", sub, None, file=str(self.file))
                    )
        return policy

    def string(self, entry: dict[str, object], key: str, path: str, required: bool = True) -> str:
        value = entry.get(key)
        if isinstance(value, str) and value:
            return value
        if required:
            raise _BadEntry(f"{key} is missing or not a string", f"{path}.{key}")
        return ""

    def arn(self, entry: dict[str, object], kind: str, path: str) -> str:
        """The entity's ARN, which must name an IAM ``kind`` (``user/``, ``group/``, ``role/``, ``policy/``) in an
        account (or ``aws`` for AWS managed policies): the engine identifies principals by it."""
        arn = self.string(entry, "Arn", path)
        parts = split_arn(arn)
        ok = (parts is not None and parts.service == "iam" and parts.resource.startswith(f"{kind}/")
              and (ACCOUNT_ID.match(parts.account) is not None or (kind == "policy" and parts.account == "aws")))
        if ok and kind in ("user", "role"):
            try:
                parse_request_principal(arn)
            except PrincipalError:
                ok = False
        if not ok:
            raise _BadEntry(f"Arn {arn[:200]!r} is not the ARN of an IAM {kind}", f"{path}.Arn")
        return arn

    def inline(self, entry: dict[str, object], key: str, path: str, owner: str) -> tuple[InlinePolicy, ...]:
        out: list[InlinePolicy] = []
        for i, item in enumerate(self.items(entry, key, path)):
            sub = f"{path}.{key}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("PolicyName"), str):
                self.error("ACCOUNT_BAD_ENTRY", "An inline policy needs a PolicyName and a PolicyDocument", sub)
                continue
            pname = str(item["PolicyName"])
            doc = self.document(
                item.get("PolicyDocument"), f"{sub}.PolicyDocument", f"{owner} inline {pname}", PolicyType.IDENTITY
            )
            out.append(InlinePolicy(pname, doc))
        return tuple(out)

    def attached(self, entry: dict[str, object], path: str) -> tuple[str, ...]:
        out: list[str] = []
        for i, item in enumerate(self.items(entry, "AttachedManagedPolicies", path)):
            arn = item.get("PolicyArn") if isinstance(item, dict) else None
            if isinstance(arn, str) and arn:
                out.append(arn)
            else:
                self.error(
                    "ACCOUNT_BAD_ENTRY", "An attached policy needs a PolicyArn", f"{path}.AttachedManagedPolicies[{i}]"
                )
        return tuple(out)

    def boundary(self, entry: dict[str, object]) -> str | None:
        b = entry.get("PermissionsBoundary")
        if isinstance(b, dict) and isinstance(b.get("PermissionsBoundaryArn"), str):
            return str(b["PermissionsBoundaryArn"])
        return None

    def user(self, entry: dict[str, object], path: str) -> User:
        arn = self.arn(entry, "user", path)
        name = self.string(entry, "UserName", path)
        groups = tuple(str(g) for g in self.items(entry, "GroupList", path) if isinstance(g, str))
        return User(
            arn=arn,
            name=name,
            account_id=account_of(arn) or "",
            path=self.string(entry, "Path", path, required=False) or "/",
            user_id=self.string(entry, "UserId", path, required=False),
            inline=self.inline(entry, "UserPolicyList", path, arn),
            attached=self.attached(entry, path),
            groups=groups,
            boundary=self.boundary(entry),
            tags=_tags(self.items(entry, "Tags", path)),
        )

    def group(self, entry: dict[str, object], path: str) -> Group:
        arn = self.arn(entry, "group", path)
        return Group(
            arn=arn,
            name=self.string(entry, "GroupName", path),
            account_id=account_of(arn) or "",
            path=self.string(entry, "Path", path, required=False) or "/",
            group_id=self.string(entry, "GroupId", path, required=False),
            inline=self.inline(entry, "GroupPolicyList", path, arn),
            attached=self.attached(entry, path),
        )

    def role(self, entry: dict[str, object], path: str) -> Role:
        arn = self.arn(entry, "role", path)
        trust_raw = entry.get("AssumeRolePolicyDocument")
        trust = self.document(trust_raw, f"{path}.AssumeRolePolicyDocument", f"{arn} trust policy", PolicyType.TRUST)
        profiles = tuple(
            str(p["Arn"])
            for p in self.items(entry, "InstanceProfileList", path)
            if isinstance(p, dict) and isinstance(p.get("Arn"), str)
        )
        return Role(
            arn=arn,
            name=self.string(entry, "RoleName", path),
            account_id=account_of(arn) or "",
            path=self.string(entry, "Path", path, required=False) or "/",
            role_id=self.string(entry, "RoleId", path, required=False),
            trust=trust,
            inline=self.inline(entry, "RolePolicyList", path, arn),
            attached=self.attached(entry, path),
            boundary=self.boundary(entry),
            tags=_tags(self.items(entry, "Tags", path)),
            instance_profiles=profiles,
        )

    def policy(self, entry: dict[str, object], path: str) -> ManagedPolicy:
        arn = self.arn(entry, "policy", path)
        default = self.string(entry, "DefaultVersionId", path, required=False)
        versions: list[PolicyVersion] = []
        for i, v in enumerate(self.items(entry, "PolicyVersionList", path)):
            sub = f"{path}.PolicyVersionList[{i}]"
            if not isinstance(v, dict):
                self.error("ACCOUNT_BAD_ENTRY", "A policy version must be an object", sub)
                continue
            vid = v.get("VersionId")
            vid = vid if isinstance(vid, str) and vid else f"v{i + 1}"
            is_default = v.get("IsDefaultVersion") is True
            if is_default and not default:
                default = vid
            is_default = is_default or vid == default
            label = arn if is_default else f"{arn} {vid}"
            doc = self.document(v.get("Document"), f"{sub}.Document", label, PolicyType.IDENTITY)
            versions.append(PolicyVersion(vid, is_default, doc))
        if not any(v.is_default for v in versions):
            self.error(
                "ACCOUNT_MISSING_POLICY",
                f"{arn}: the default version ({default or 'unknown'}) is not in PolicyVersionList; "
                "the policy is ignored",
                f"{path}.PolicyVersionList",
            )
        return ManagedPolicy(
            arn=arn,
            name=self.string(entry, "PolicyName", path, required=False) or arn.rsplit("/", 1)[-1],
            path=self.string(entry, "Path", path, required=False) or "/",
            default_version_id=default or "v1",
            versions=tuple(versions),
        )


class _BadEntry(ValueError):
    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _tags(value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in _list(value):
        if isinstance(t, dict) and isinstance(t.get("Key"), str):
            out[str(t["Key"])] = str(t.get("Value", ""))
    return out


def read_pages(pages: list[tuple[Path, object]], check: PolicyCheck | None = None,
               shared: SharedReads | None = None) -> AuthDetails:
    """Merge the pages (in order) into one set of entities; a later duplicate of the same ARN is dropped."""
    out = AuthDetails()
    seen: set[str] = set()
    for file, data in pages:
        reader = _Reader(file, check, shared)
        if not isinstance(data, dict):
            out.findings.append(
                load_error(
                    "ACCOUNT_FILE_UNREADABLE", f"{file.name} must hold a JSON object with {', '.join(LISTS)}", file
                )
            )
            continue
        if not any(k in data for k in LISTS):
            # get-account-authorization-details always returns its four lists (empty ones too): a file without
            # any is not its output, and reading it as an account without principals would be a silent "clean".
            out.findings.append(
                load_error("ACCOUNT_EMPTY_EXPORT", f"{file.name} holds none of {', '.join(LISTS)}: it is not "
                           "the output of aws iam get-account-authorization-details, and nothing of it is read", file)
            )
            continue
        builders: tuple[tuple[str, Callable[[dict[str, object], str], _Entity], list[Any]], ...] = (
            ("UserDetailList", reader.user, out.users),
            ("GroupDetailList", reader.group, out.groups),
            ("RoleDetailList", reader.role, out.roles),
            ("Policies", reader.policy, out.policies),
        )
        for key, build, sink in builders:
            raw = data.get(key, [])
            if not isinstance(raw, list):
                reader.error("ACCOUNT_BAD_ENTRY", f"{key} must be a list", key)
                continue
            for i, entry in enumerate(raw):
                path = f"{key}[{i}]"
                if not isinstance(entry, dict):
                    reader.error("ACCOUNT_BAD_ENTRY", "An entry must be a JSON object", path)
                    continue
                try:
                    item = build(entry, path)
                except _BadEntry as exc:
                    reader.error("ACCOUNT_BAD_ENTRY", f"Entry skipped: {exc}", exc.path)
                    continue
                if item.arn in seen:
                    continue
                seen.add(item.arn)
                sink.append(item)
        out.findings.extend(reader.findings)
    out.findings.extend(_incomplete(pages))
    return out


def _incomplete(pages: list[tuple[Path, object]]) -> list[Finding]:
    """The export's own signs that it is not whole: a page without one of the four lists (the API returns all four
    in every page, empty or not), or a last page that says more follow (``IsTruncated``)."""
    out: list[Finding] = []
    if not pages:
        return out
    for file, data in pages:
        if not isinstance(data, dict) or not any(k in data for k in LISTS):
            continue  # reported already as unreadable or empty
        for key in LISTS:
            if key not in data:
                out.append(load_error("ACCOUNT_EXPORT_INCOMPLETE", f"{file.name} has no {key} (every page of aws iam "
                                      "get-account-authorization-details has all four lists, empty or not; was it "
                                      "filtered or edited?): what it would list is not analysed", file, key))
    last, data = pages[-1]
    if isinstance(data, dict) and data.get("IsTruncated") is True:
        out.append(load_error("ACCOUNT_EXPORT_INCOMPLETE", f"{last.name} says more pages follow (IsTruncated), "
                              "and no later page is in the snapshot: what they hold is not analysed", last,
                              "IsTruncated"))
    return out


def check_references(details: AuthDetails, file: Path) -> list[Finding]:
    """Report attached policies, boundaries and groups the export names but does not contain."""
    known = {p.arn for p in details.policies if p.policy is not None}
    listed = {p.arn for p in details.policies}
    groups = {g.name for g in details.groups}
    out: list[Finding] = []

    def missing(arn: str, owner: str, role: str) -> None:
        why = "is not in the export" if arn not in listed else "could not be read"
        effect = (
            "the boundary is treated as allowing nothing" if role == "boundary" else "its permissions are not counted"
        )
        out.append(
            Finding(
                "ACCOUNT_MISSING_POLICY",
                FindingType.ERROR,
                f"The managed policy {arn} used as {role} of {owner} {why}: {effect}",
                file=str(file),
                learn_more=DOCS_LINK,
            )
        )

    entities: list[User | Group | Role] = [*details.users, *details.groups, *details.roles]
    for ent in entities:
        for arn in ent.attached:
            if arn not in known:
                missing(arn, ent.arn, "an attached policy")
        boundary = getattr(ent, "boundary", None)
        if boundary and boundary not in known:
            missing(boundary, ent.arn, "boundary")
    for u in details.users:
        for g in u.groups:
            if g not in groups:
                out.append(
                    Finding(
                        "ACCOUNT_MISSING_GROUP",
                        FindingType.ERROR,
                        f"The group {g!r} of {u.arn} is not in the export: its policies are not counted",
                        file=str(file),
                    )
                )
    return out
