"""IAM's read calls over the loaded snapshots: users, groups, roles, managed policies and their documents.

Answers are shaped by the output shapes of botocore's model (``protocol.serialize_output``); this module only picks
the snapshot's entities. Policy documents are URL-encoded as IAM returns them (boto3 and the aws CLI decode them).
What a snapshot does not hold is left out rather than made up: creation dates, policy ids, last-used data (the
``get-account-authorization-details`` export has them, parc's account model keeps only what decisions need).
With several accounts loaded a name that more than one of them holds is ambiguous: the call says so (InvalidInput)
instead of answering for one of them.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from parc.core.account.model import Account, Estate, Group, InlinePolicy, ManagedPolicy, Role, User
from parc.core.policy.model import Policy
from parc.server.iam.protocol import invalid_input, no_such_entity
from parc.server.iam.sources import document_text

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100
Params = Mapping[str, Any]


def encoded(policy: Policy | None) -> str | None:
    """A document as IAM returns it: URL-encoded JSON."""
    return quote(document_text(policy), safe="") if policy is not None else None


def _accounts(estates: Sequence[Estate]) -> list[Account]:
    return [a for e in estates for a in e.accounts]


def page(params: Params, items: Sequence[T], key: str, render: Callable[[T], Any]) -> dict[str, Any]:
    """One page of ``items`` (MaxItems, default 100; Marker: the offset the previous page returned)."""
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or len(marker) > 9 or int(marker) > len(items):
            raise invalid_input("Invalid Marker: give the Marker of the previous page unchanged.")
        start = int(marker)
    size = params.get("MaxItems") or DEFAULT_MAX_ITEMS
    chunk = items[start: start + size]
    end = start + len(chunk)
    out: dict[str, Any] = {key: [render(x) for x in chunk], "IsTruncated": end < len(items)}
    if end < len(items):
        out["Marker"] = str(end)
    return out


def _one(found: list[T], what: str, name: str) -> T:
    if not found:
        raise no_such_entity(f"The {what} with name {name} cannot be found.")
    if len(found) > 1:
        raise invalid_input(f"The loaded snapshots hold {len(found)} {what}s named {name} (one per account); parc "
                            "cannot tell which account the call means. Serve one account to read it by name.")
    return found[0]


def _user(estates: Sequence[Estate], name: str | None) -> tuple[Account, User]:
    if not name:
        raise invalid_input("UserName is required: parc does not verify signatures, so it cannot tell which user "
                            "calls.")
    return _one([(a, a.users_by_name[name]) for a in _accounts(estates) if name in a.users_by_name], "user", name)


def _group(estates: Sequence[Estate], name: str) -> tuple[Account, Group]:
    return _one([(a, a.groups_by_name[name]) for a in _accounts(estates) if name in a.groups_by_name], "group", name)


def _role(estates: Sequence[Estate], name: str) -> tuple[Account, Role]:
    return _one([(a, a.roles_by_name[name]) for a in _accounts(estates) if name in a.roles_by_name], "role", name)


def _policy(estates: Sequence[Estate], arn: str) -> tuple[Account, ManagedPolicy]:
    for a in _accounts(estates):
        mp = a.policies_by_arn.get(arn)
        if mp is not None:
            return a, mp
    raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")


def _boundary(arn: str | None) -> dict[str, str] | None:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn} if arn else None


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]] | None:
    return [{"Key": k, "Value": v} for k, v in tags.items()] or None


def user_shape(u: User) -> dict[str, Any]:
    return {"Path": u.path, "UserName": u.name, "UserId": u.user_id or None, "Arn": u.arn,
            "PermissionsBoundary": _boundary(u.boundary), "Tags": _tags(u.tags)}


def group_shape(g: Group) -> dict[str, Any]:
    return {"Path": g.path, "GroupName": g.name, "GroupId": g.group_id or None, "Arn": g.arn}


def role_shape(r: Role) -> dict[str, Any]:
    return {"Path": r.path, "RoleName": r.name, "RoleId": r.role_id or None, "Arn": r.arn,
            "AssumeRolePolicyDocument": encoded(r.trust), "PermissionsBoundary": _boundary(r.boundary),
            "Tags": _tags(r.tags)}


def _attachments(a: Account, arn: str) -> tuple[int, int]:
    attached = len(a.attached_to(arn))
    boundaries = sum(1 for u in a.users if u.boundary == arn) + sum(1 for r in a.roles if r.boundary == arn)
    return attached, boundaries


def policy_shape(a: Account, mp: ManagedPolicy) -> dict[str, Any]:
    attached, boundaries = _attachments(a, mp.arn)
    return {"PolicyName": mp.name, "Arn": mp.arn, "Path": mp.path, "DefaultVersionId": mp.default_version_id,
            "AttachmentCount": attached, "PermissionsBoundaryUsageCount": boundaries, "IsAttachable": True}


def _inline_list(items: Sequence[InlinePolicy]) -> list[dict[str, Any]]:
    return [{"PolicyName": i.name, "PolicyDocument": encoded(i.policy)} for i in items]


def _attached_list(a: Account, arns: Sequence[str]) -> list[dict[str, str]]:
    out = []
    for arn in arns:
        mp = a.policies_by_arn.get(arn)
        out.append({"PolicyName": mp.name if mp else arn.rsplit("/", 1)[-1], "PolicyArn": arn})
    return out


def _version(v: Any) -> dict[str, Any]:
    return {"Document": encoded(v.policy), "VersionId": v.version_id, "IsDefaultVersion": v.is_default}


# -- the operations ---------------------------------------------------------------------------------------------------


def get_account_authorization_details(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    wanted = set(params.get("Filter") or ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"])
    items: list[tuple[str, Account, Any]] = []
    for a in _accounts(estates):
        items += [("User", a, u) for u in a.users] if "User" in wanted else []
        items += [("Group", a, g) for g in a.groups] if "Group" in wanted else []
        items += [("Role", a, r) for r in a.roles] if "Role" in wanted else []
        items += [("Policy", a, p) for p in a.policies
                  if ("AWSManagedPolicy" if p.is_aws_managed else "LocalManagedPolicy") in wanted]
    got = page(params, items, "_items", lambda x: x)
    out: dict[str, Any] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
                           "IsTruncated": got["IsTruncated"]}
    if "Marker" in got:
        out["Marker"] = got["Marker"]
    for kind, a, x in got["_items"]:
        if kind == "User":
            out["UserDetailList"].append({**user_shape(x), "UserPolicyList": _inline_list(x.inline),
                                          "GroupList": list(x.groups),
                                          "AttachedManagedPolicies": _attached_list(a, x.attached)})
        elif kind == "Group":
            out["GroupDetailList"].append({**group_shape(x), "GroupPolicyList": _inline_list(x.inline),
                                           "AttachedManagedPolicies": _attached_list(a, x.attached)})
        elif kind == "Role":
            out["RoleDetailList"].append({**role_shape(x), "RolePolicyList": _inline_list(x.inline),
                                          "AttachedManagedPolicies": _attached_list(a, x.attached),
                                          "InstanceProfileList": [_profile(a, p) for p in x.instance_profiles]})
        else:
            out["Policies"].append({**policy_shape(a, x), "PolicyVersionList": [
                {**_version(v)} for v in x.versions]})
    return out


def _profile(a: Account, arn: str) -> dict[str, Any]:
    name = arn.rsplit("/", 1)[-1]
    path = "/" + arn.split(":instance-profile/", 1)[-1].rsplit("/", 1)[0] + "/" if arn.count("/") > 1 else "/"
    return {"Path": path.replace("//", "/"), "InstanceProfileName": name, "Arn": arn,
            "Roles": [role_shape(r) for r in a.roles if arn in r.instance_profiles]}


def get_policy(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    a, mp = _policy(estates, params["PolicyArn"])
    return {"Policy": policy_shape(a, mp)}


def get_policy_version(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    _, mp = _policy(estates, params["PolicyArn"])
    for v in mp.versions:
        if v.version_id == params["VersionId"]:
            return {"PolicyVersion": _version(v)}
    raise no_such_entity(f"Policy {mp.arn} version {params['VersionId']} does not exist or is not attachable.")


def list_policy_versions(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    _, mp = _policy(estates, params["PolicyArn"])
    return page(params, mp.versions, "Versions",
                lambda v: {"VersionId": v.version_id, "IsDefaultVersion": v.is_default})


def _prefixed(params: Params, items: Sequence[T], path: Callable[[T], str]) -> list[T]:
    prefix = params.get("PathPrefix") or "/"
    return [x for x in items if path(x).startswith(prefix)]


def list_users(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    users = _prefixed(params, [u for a in _accounts(estates) for u in a.users], lambda u: u.path)
    return page(params, users, "Users", user_shape)


def list_groups(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    groups = _prefixed(params, [g for a in _accounts(estates) for g in a.groups], lambda g: g.path)
    return page(params, groups, "Groups", group_shape)


def list_roles(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    roles = _prefixed(params, [r for a in _accounts(estates) for r in a.roles], lambda r: r.path)
    return page(params, roles, "Roles", role_shape)


def list_policies(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    scope = params.get("Scope") or "All"
    usage = params.get("PolicyUsageFilter")
    found: list[tuple[Account, ManagedPolicy]] = []
    for a in _accounts(estates):
        for mp in a.policies:
            if (scope == "AWS" and not mp.is_aws_managed) or (scope == "Local" and mp.is_aws_managed):
                continue
            attached, boundaries = _attachments(a, mp.arn)
            if params.get("OnlyAttached") and attached + boundaries == 0:
                continue
            if (usage == "PermissionsPolicy" and attached == 0) or (usage == "PermissionsBoundary" and boundaries == 0):
                continue
            found.append((a, mp))
    found = _prefixed(params, found, lambda x: x[1].path)
    return page(params, found, "Policies", lambda x: policy_shape(*x))


def get_user(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    return {"User": user_shape(_user(estates, params.get("UserName"))[1])}


def get_role(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    return {"Role": role_shape(_role(estates, params["RoleName"])[1])}


def get_group(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    a, g = _group(estates, params["GroupName"])
    out = page(params, a.members_of(g.name), "Users", user_shape)
    out["Group"] = group_shape(g)
    return out


def list_groups_for_user(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    a, u = _user(estates, params["UserName"])
    groups = [a.groups_by_name[n] for n in u.groups if n in a.groups_by_name]
    return page(params, groups, "Groups", group_shape)


def _attached_op(find: Callable[[Sequence[Estate], str], tuple[Account, Any]], name_key: str) -> Callable[
        [Params, Sequence[Estate]], dict[str, Any]]:
    def op(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
        a, ent = find(estates, params[name_key])
        items = _attached_list(a, ent.attached)
        prefix = params.get("PathPrefix") or "/"
        items = [x for x in items if (a.policies_by_arn[x["PolicyArn"]].path if x["PolicyArn"] in a.policies_by_arn
                                      else "/").startswith(prefix)]
        return page(params, items, "AttachedPolicies", lambda x: x)
    return op


def _inline_names_op(find: Callable[[Sequence[Estate], str], tuple[Account, Any]], name_key: str) -> Callable[
        [Params, Sequence[Estate]], dict[str, Any]]:
    def op(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
        _, ent = find(estates, params[name_key])
        return page(params, [i.name for i in ent.inline], "PolicyNames", lambda x: x)
    return op


def _inline_get_op(find: Callable[[Sequence[Estate], str], tuple[Account, Any]], name_key: str, what: str) -> Callable[
        [Params, Sequence[Estate]], dict[str, Any]]:
    def op(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
        _, ent = find(estates, params[name_key])
        for i in ent.inline:
            if i.name == params["PolicyName"]:
                if i.policy is None:
                    raise no_such_entity(f"The {what} policy {i.name} could not be read from the snapshot.")
                return {name_key: ent.name, "PolicyName": i.name, "PolicyDocument": encoded(i.policy)}
        raise no_such_entity(f"The {what} policy with name {params['PolicyName']} cannot be found.")
    return op


def list_instance_profiles(params: Params, estates: Sequence[Estate]) -> dict[str, Any]:
    found: list[tuple[Account, str]] = []
    for a in _accounts(estates):
        seen: dict[str, None] = {}
        for r in a.roles:
            seen.update(dict.fromkeys(r.instance_profiles))
        found += [(a, arn) for arn in seen]
    found = _prefixed(params, found, lambda x: _profile(*x)["Path"])
    return page(params, found, "InstanceProfiles", lambda x: _profile(*x))


def _user_find(estates: Sequence[Estate], name: str) -> tuple[Account, Any]:
    return _user(estates, name)


OPERATIONS: dict[str, Callable[[Params, Sequence[Estate]], Mapping[str, Any]]] = {
    "GetAccountAuthorizationDetails": get_account_authorization_details,
    "GetPolicy": get_policy,
    "GetPolicyVersion": get_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "GetUser": get_user,
    "GetRole": get_role,
    "GetGroup": get_group,
    "ListUsers": list_users,
    "ListRoles": list_roles,
    "ListGroups": list_groups,
    "ListPolicies": list_policies,
    "ListGroupsForUser": list_groups_for_user,
    "ListAttachedUserPolicies": _attached_op(_user_find, "UserName"),
    "ListAttachedGroupPolicies": _attached_op(_group, "GroupName"),
    "ListAttachedRolePolicies": _attached_op(_role, "RoleName"),
    "ListUserPolicies": _inline_names_op(_user_find, "UserName"),
    "ListGroupPolicies": _inline_names_op(_group, "GroupName"),
    "ListRolePolicies": _inline_names_op(_role, "RoleName"),
    "GetUserPolicy": _inline_get_op(_user_find, "UserName", "user"),
    "GetGroupPolicy": _inline_get_op(_group, "GroupName", "group"),
    "GetRolePolicy": _inline_get_op(_role, "RoleName", "role"),
    "ListInstanceProfiles": list_instance_profiles,
}
