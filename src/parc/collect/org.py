"""AWS Organizations: the account's place in its organization with the SCPs and RCPs at every level, in the AWS CLI
form the account loader reads (``organizations/``: ``describe-organization.json``, ``list-parents-<id>.json``,
``list-policies-for-target-<id>-<TYPE>.json``, ``describe-policy-<policy id>.json``).

Only the management account or a delegated administrator may read the structure and the policies. Without
``--org`` the account's own chain is collected when it is the management account; a member account's organization
policies are said to be not collected (a note in ``collection.json``, which the audit lists), never guessed.
With ``--org`` (from the management or a delegated administrator account) the whole tree is walked and written once
next to the account folders (``OUTDIR/organizations/``, which serves every account); the walk's own answers give
each child's parent (``list-parents-<id>.json`` has the shape of ``aws organizations list-parents``).
Policy types are asked only where the root says they are enabled.

https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListPoliciesForTarget.html
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html (PolicyTypes, with their Status)
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
"""

from __future__ import annotations

from functools import partial
from typing import Any

from parc.collect import calls as C
from parc.collect.runner import Account, Task, safe_name

FOLDER = "organizations"
TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
MEMBER_NOTE = ("the organization's SCPs and RCPs can be read only from the management account or a delegated "
               "administrator: run parc collect --org there")


def _enabled_types(roots: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for root in roots.get("Roots", []):
        for t in root.get("PolicyTypes", []) if isinstance(root, dict) else []:
            if isinstance(t, dict) and t.get("Type") in TYPES and t.get("Status") == "ENABLED" and t["Type"] not in out:
                out.append(str(t["Type"]))
    return out


def own_placement(acct: Account, region: str) -> list[Task]:
    """Without --org: the organization of this account, and its chain of parents when it is the management
    account."""
    org = acct.call(C.DESCRIBE_ORGANIZATION, region)
    if not org:  # failed (recorded), or not in an organization (nothing to write: no SCP or RCP applies)
        return []
    acct.write(f"{FOLDER}/{C.DESCRIBE_ORGANIZATION.file}", org)
    info = org.get("Organization", {})
    management = info.get("MasterAccountId") or info.get("ManagementAccountId")
    if management != acct.account_id:
        with acct.lock:
            acct.notes.append({"area": "org", "reason": MEMBER_NOTE})
        return []
    roots = acct.call(C.LIST_ROOTS, region)
    if roots is None:
        return []
    acct.write(f"{FOLDER}/{C.LIST_ROOTS.file}", roots)
    types = _enabled_types(roots)
    targets = [acct.account_id]
    child = acct.account_id
    for _ in range(8):
        parents = acct.call(C.LIST_PARENTS, region, child, ChildId=child)
        if not parents or not parents.get("Parents"):
            break
        acct.write(f"{FOLDER}/list-parents-{child}.json", parents)
        parent = parents["Parents"][0]
        if not safe_name(str(parent.get("Id", ""))):
            break
        targets.append(str(parent["Id"]))
        if parent.get("Type") == "ROOT":
            break
        child = str(parent["Id"])
    described: set[str] = set()
    return [Task(f"org: policies of {t}", partial(target_policies, acct, region, t, types, described))
            for t in targets]


def target_policies(acct: Account, region: str, target: str, types: list[str], described: set[str],
                    prefix: str = f"{FOLDER}/") -> None:
    """The target's policies of each enabled type, and each policy's content once (``described`` is shared)."""
    for ptype in types:
        data = acct.call(C.LIST_POLICIES_FOR_TARGET, region, target, TargetId=target, Filter=ptype)
        if data is None:
            continue
        acct.write(f"{prefix}list-policies-for-target-{target}-{ptype}.json", data)
        for p in data.get("Policies", []):
            pid = str(p.get("Id", "")) if isinstance(p, dict) else ""
            with acct.lock:
                if not safe_name(pid) or pid in described:
                    continue
                described.add(pid)
            body = acct.call(C.DESCRIBE_POLICY, region, pid, PolicyId=pid)
            if body is not None:
                acct.write(f"{prefix}describe-policy-{pid}.json", body)


def whole_organization(acct: Account, region: str, out: dict[str, Any]) -> list[Task]:
    """With --org: the tree from the root, every account, and the policies of every root, OU and account.
    ``out["accounts"]`` receives ListAccounts' entries (for --member-role)."""
    org = acct.call(C.DESCRIBE_ORGANIZATION, region)
    if not org:
        if org == {}:
            acct.fail(C.DESCRIBE_ORGANIZATION, region, "", "AWSOrganizationsNotInUseException",
                      "--org: this account is not in an organization")
        return []
    acct.write(C.DESCRIBE_ORGANIZATION.file, org)
    accounts = acct.call(C.LIST_ACCOUNTS, region)
    if accounts is not None:
        acct.write(C.LIST_ACCOUNTS.file, accounts)
        out["accounts"] = [a for a in accounts.get("Accounts", []) if isinstance(a, dict)]
    roots = acct.call(C.LIST_ROOTS, region)
    if roots is None:
        return []
    acct.write(C.LIST_ROOTS.file, roots)
    types = _enabled_types(roots)
    targets: list[str] = []
    queue = [(str(r["Id"]), "ROOT") for r in roots.get("Roots", []) if isinstance(r, dict) and "Id" in r]
    while queue:
        parent, kind = queue.pop(0)
        targets.append(parent)
        link = {"Parents": [{"Id": parent, "Type": kind}]}
        ous = acct.call(C.LIST_OUS_FOR_PARENT, region, parent, ParentId=parent)
        if ous is not None:
            acct.write(f"list-organizational-units-for-parent-{parent}.json", ous)
            for ou in ous.get("OrganizationalUnits", []):
                if safe_name(str(ou.get("Id", ""))):
                    acct.write(f"list-parents-{ou['Id']}.json", link)
                    queue.append((str(ou["Id"]), "ORGANIZATIONAL_UNIT"))
        members = acct.call(C.LIST_ACCOUNTS_FOR_PARENT, region, parent, ParentId=parent)
        if members is not None:
            acct.write(f"list-accounts-for-parent-{parent}.json", members)
            for a in members.get("Accounts", []):
                if safe_name(str(a.get("Id", ""))):
                    acct.write(f"list-parents-{a['Id']}.json", link)
                    targets.append(str(a["Id"]))
    described: set[str] = set()
    return [Task(f"org: policies of {t}", partial(target_policies, acct, region, t, types, described, ""))
            for t in targets]
