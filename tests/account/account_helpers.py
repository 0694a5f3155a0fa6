"""Small builders for account snapshots in tests: an export in the shape ``get-account-authorization-details``
prints, written to a folder that the loader reads like a real snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Estate
from parc.loaders.account import load_snapshot

ACCT = "123456789012"
OTHER = "210987654321"
V = "2012-10-17"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "org"

MGMT, PROD, DEV = "111122223333", "444455556666", "777788889999"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal: dict[str, Any] | str, action: str = "sts:AssumeRole", **cond: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if cond:
        st["Condition"] = cond
    return doc(st)


def arn(kind: str, name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def user(name: str, *, policies: dict[str, Any] | None = None, attached: list[str] | None = None,
         groups: list[str] | None = None, boundary: str | None = None, tags: dict[str, str] | None = None,
         account: str = ACCT) -> dict[str, Any]:
    u: dict[str, Any] = {
        "UserName": name, "UserId": "AIDA" + name.upper().ljust(17, "X")[:17], "Path": "/",
        "Arn": arn("user", name, account),
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (policies or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []],
        "GroupList": groups or [],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if boundary:
        u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return u


def group(name: str, *, policies: dict[str, Any] | None = None, attached: list[str] | None = None,
          account: str = ACCT) -> dict[str, Any]:
    return {
        "GroupName": name, "GroupId": "AGPA" + name.upper().ljust(17, "X")[:17], "Path": "/",
        "Arn": arn("group", name, account),
        "GroupPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (policies or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []],
    }


def role(name: str, trust_doc: dict[str, Any] | str | None, *, policies: dict[str, Any] | None = None,
         attached: list[str] | None = None, boundary: str | None = None, profile: bool = False,
         tags: dict[str, str] | None = None, account: str = ACCT, path: str = "/") -> dict[str, Any]:
    r: dict[str, Any] = {
        "RoleName": name, "RoleId": "AROA" + name.upper().ljust(17, "X")[:17], "Path": path,
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "AssumeRolePolicyDocument": trust_doc,
        "RolePolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (policies or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []],
        "InstanceProfileList": [{"Arn": f"arn:aws:iam::{account}:instance-profile/{name}"}] if profile else [],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    if boundary:
        r["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return r


def managed(name: str, document: Any, *, account: str | None = ACCT, versions: list[tuple[str, Any]] | None = None,
            default: str = "v1") -> dict[str, Any]:
    policy_arn = f"arn:aws:iam::{account}:policy/{name}" if account else f"arn:aws:iam::aws:policy/{name}"
    vlist = [{"VersionId": "v1", "IsDefaultVersion": default == "v1", "Document": document}]
    for vid, d in versions or []:
        vlist.append({"VersionId": vid, "IsDefaultVersion": default == vid, "Document": d})
    return {"PolicyName": name, "Arn": policy_arn, "Path": "/", "DefaultVersionId": default,
            "PolicyVersionList": vlist}


ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def admin_policy() -> dict[str, Any]:
    return managed("AdministratorAccess", doc(allow("*")), account=None)


def export(users: list[Any] | None = None, groups: list[Any] | None = None, roles: list[Any] | None = None,
           policies: list[Any] | None = None) -> dict[str, Any]:
    return {"UserDetailList": users or [], "GroupDetailList": groups or [], "RoleDetailList": roles or [],
            "Policies": policies or []}


def write_account(folder: Path, details: dict[str, Any], *, resource_policies: list[Any] | None = None,
                  organization: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "get-account-authorization-details.json").write_text(json.dumps(details))
    if resource_policies is not None:
        (folder / "resource-policies.json").write_text(json.dumps(resource_policies))
    if organization is not None:
        (folder / "organizations").mkdir(exist_ok=True)
        (folder / "organizations" / "organization.json").write_text(json.dumps(organization))
    for name, data in (extra or {}).items():
        (folder / name).write_text(json.dumps(data) if not isinstance(data, str) else data)
    return folder


def estate_of(tmp: Path, details: dict[str, Any], **kw: Any) -> Estate:
    write_account(tmp / ACCT, details, **kw)
    return load_snapshot(tmp / ACCT)


def evaluator_of(tmp: Path, details: dict[str, Any], **kw: Any) -> Evaluator:
    return Evaluator(estate_of(tmp, details, **kw))


def org(levels: list[dict[str, Any]], *, management: str = "999999999999",
        org_id: str = "o-test12345") -> dict[str, Any]:
    return {"organization_id": org_id, "management_account_id": management, "levels": levels}


def level(id_: str, kind: str, scps: list[Any] | None = None, rcps: list[Any] | None = None) -> dict[str, Any]:
    return {"id": id_, "type": kind,
            "scps": [{"name": f"{id_}-scp{i}", "document": d} for i, d in enumerate(scps or [])],
            "rcps": [{"name": f"{id_}-rcp{i}", "document": d} for i, d in enumerate(rcps or [])]}
