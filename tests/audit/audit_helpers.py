"""Builders for audit tests: an account snapshot folder (export, resource policies, organization, credential report,
password policy, ec2/) written to a temporary folder, audited the way ``parc audit`` does it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parc.api import rcp_supported_services
from parc.catalog import default_catalog
from parc.core.audit import AuditFinding, AuditOptions, AuditReport, audit
from parc.loaders.snapshot import load_audit_snapshot

ACCT = "123456789012"
OTHER = "210987654321"
ORG_ID = "o-test12345"
V = "2012-10-17"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "org"
VPC = ROOT / "examples" / "vpc"
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated")


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": V, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def arn(kind: str, name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def trust(principal: Any, action: str = "sts:AssumeRole", **cond: Any) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if cond:
        st["Condition"] = cond
    return doc(st)


def user(name: str, policies: dict[str, Any] | None = None, attached: list[str] | None = None,
         groups: list[str] | None = None) -> dict[str, Any]:
    return {"UserName": name, "UserId": "AIDA" + name.upper().ljust(17, "X")[:17], "Path": "/",
            "Arn": arn("user", name),
            "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (policies or {}).items()],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []],
            "GroupList": groups or []}


def role(name: str, trust_doc: Any, policies: dict[str, Any] | None = None, attached: list[str] | None = None,
         profile: bool = False) -> dict[str, Any]:
    return {"RoleName": name, "RoleId": "AROA" + name.upper().ljust(17, "X")[:17], "Path": "/",
            "Arn": arn("role", name), "AssumeRolePolicyDocument": trust_doc,
            "RolePolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (policies or {}).items()],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []],
            "InstanceProfileList": [{"Arn": arn("instance-profile", name)}] if profile else []}


def managed(name: str, document: Any, aws: bool = False, versions: list[tuple[str, Any]] | None = None,
            default: str = "v1") -> dict[str, Any]:
    policy_arn = f"arn:aws:iam::aws:policy/{name}" if aws else arn("policy", name)
    vlist = [{"VersionId": "v1", "IsDefaultVersion": default == "v1", "Document": document}]
    vlist += [{"VersionId": vid, "IsDefaultVersion": default == vid, "Document": d} for vid, d in versions or []]
    return {"PolicyName": name, "Arn": policy_arn, "Path": "/", "DefaultVersionId": default,
            "PolicyVersionList": vlist}


ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def admin_policy() -> dict[str, Any]:
    return managed("AdministratorAccess", doc(allow("*")), aws=True)


def export(users: list[Any] | None = None, groups: list[Any] | None = None, roles: list[Any] | None = None,
           policies: list[Any] | None = None) -> dict[str, Any]:
    return {"UserDetailList": users or [], "GroupDetailList": groups or [], "RoleDetailList": roles or [],
            "Policies": policies or []}


def organization(account: str = ACCT, org_id: str = ORG_ID) -> dict[str, Any]:
    full = doc(allow("*"))
    return {"organization_id": org_id, "management_account_id": "999999999999", "levels": [
        {"id": "r-root", "type": "ROOT", "scps": [{"name": "FullAWSAccess", "document": full}]},
        {"id": account, "type": "ACCOUNT", "scps": [{"name": "FullAWSAccess", "document": full}]}]}


def row(user_name: str, user_arn: str, **cols: str) -> str:
    """A credential report row: every column N/A or false unless given."""
    names = HEADER.split(",")
    values = {n: "N/A" for n in names}
    values.update({n: "false" for n in names if n.endswith("_active") or n in ("password_enabled", "mfa_active")})
    values.update(user=user_name, arn=user_arn, user_creation_time="2020-01-01T00:00:00+00:00")
    values.update(cols)
    return ",".join(values[n] for n in names)


def report_csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def write(folder: Path, details: dict[str, Any] | None = None, *, resource_policies: list[Any] | None = None,
          org: dict[str, Any] | None = None, files: dict[str, Any] | None = None, ec2: Path | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "get-account-authorization-details.json").write_text(json.dumps(details or export(), indent=2))
    if resource_policies is not None:
        (folder / "resource-policies.json").write_text(json.dumps(resource_policies, indent=2))
    if org is not None:
        (folder / "organizations").mkdir(exist_ok=True)
        (folder / "organizations" / "organization.json").write_text(json.dumps(org))
    for name, data in (files or {}).items():
        (folder / name).write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    if ec2 is not None:
        (folder / "ec2").mkdir(exist_ok=True)
        for f in sorted(ec2.glob("*.json")):
            (folder / "ec2" / f.name).write_text(f.read_text())
    return folder


def run(folder: Path, now: datetime = NOW, use_report_time: bool = False, catalog: bool = True) -> AuditReport:
    return audit(load_audit_snapshot(folder), AuditOptions(now, "test", default_catalog() if catalog else None,
                                                          rcp_supported_services(), use_report_time=use_report_time))


def audit_of(tmp: Path, details: dict[str, Any] | None = None, **kw: Any) -> AuditReport:
    return run(write(tmp / ACCT, details, **kw))


def rules(report: AuditReport, prefix: str = "") -> list[str]:
    return sorted(f.rule for f in report.findings if f.rule.startswith(prefix))


def only(report: AuditReport, rule: str) -> AuditFinding:
    found = [f for f in report.findings if f.rule == rule]
    assert len(found) == 1, [(f.rule, f.title) for f in report.findings]
    return found[0]
