"""The ``organizations/`` folder of a snapshot -> the account's place in its organization, with SCPs and RCPs.

Two forms are read:

* the AWS CLI's own outputs, one file per call: ``describe-organization.json``,
  ``list-parents-<child-id>.json`` (for the account and each OU up to the root),
  ``list-policies-for-target-<target-id>[-<suffix>].json`` (one or several per target, SCPs and RCPs) and
  ``describe-policy-<policy-id>.json``;
* a simple equivalent, ``organization.json``:
  ``{"organization_id", "management_account_id", "levels": [{"id", "type", "name", "scps": [{"name", "document"}],
  "rcps": [...]}, ...]}`` with the levels from the root down to the account.

AWS attaches RCPFullAWSAccess to every level and it cannot be detached, so a level that lists no RCP allows all;
FullAWSAccess and RCPFullAWSAccess need no describe-policy file.
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
"""

from __future__ import annotations

import re
from pathlib import Path

from parc.core.account.arns import ACCOUNT_ID
from parc.core.account.model import NamedPolicy, OrgLevel, OrgPlacement
from parc.core.findings import Finding, FindingType
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy
from parc.loaders.account.jsonfile import load_error, load_warning, read_json
from parc.loaders.account.policydoc import Unusable, read_policy

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
LEVEL_KINDS = ("ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT")
BUILTIN: dict[str, tuple[str, str, dict[str, object]]] = {
    "p-FullAWSAccess": ("FullAWSAccess", SCP, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    "p-RCPFullAWSAccess": ("RCPFullAWSAccess", RCP, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
}
RCP_FULL_ACCESS = BUILTIN["p-RCPFullAWSAccess"]
ORG_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
"""What an Organizations id (root ``r-...``, OU ``ou-...-...``, account) is made of, at most 100 characters
(https://docs.aws.amazon.com/organizations/latest/APIReference/API_Parent.html); parc's tests use short ones. It
names the next list-parents file, so nothing else is used as one."""
MAX_DEPTH = 8
"""The root plus at most five nested OUs plus the account; a longer chain means a loop in the files."""


def _str(value: object) -> str:
    """A string field, or "" for anything else (the caller then uses its default)."""
    return value if isinstance(value, str) else ""


def _shown(value: object) -> str:
    return repr(value[:60]) if isinstance(value, str) else f"({type(value).__name__})"


def _policy(raw: object, ptype: PolicyType, name: str, file: Path, path: str, findings: list[Finding]) -> Policy | None:
    if not isinstance(raw, (str, dict)):
        findings.append(load_error("ACCOUNT_POLICY_INVALID", f"{name}: the policy content is missing", file, path))
        return None
    policy = read_policy(raw, ptype, name)
    if isinstance(policy, Unusable):
        findings.append(
            load_error("ACCOUNT_POLICY_INVALID", f"{name}: {policy.why}{policy.where()}; the policy is ignored", file,
                       path)
        )
        return None
    return policy


def _with_default_rcps(levels: list[OrgLevel]) -> tuple[OrgLevel, ...]:
    """Add RCPFullAWSAccess to every level that does not list it: AWS attaches it everywhere and it cannot be
    detached, so RCPs only ever deny."""
    if not any(level.rcps for level in levels):
        return tuple(levels)
    name, _, doc = RCP_FULL_ACCESS
    full = parse_policy(doc, PolicyType.RCP, name=name).policy
    assert full is not None
    out = []
    for level in levels:
        if not any(p.name == name for p in level.rcps):
            level = OrgLevel(level.id, level.kind, level.name, level.scps, (NamedPolicy(name, full), *level.rcps))
        out.append(level)
    return tuple(out)


def load_organization(folder: Path, account_id: str) -> tuple[OrgPlacement | None, list[Finding]]:
    """The placement of ``account_id``, or None when the folder says nothing about it."""
    simple = folder / "organization.json"
    if simple.is_file():
        return _load_simple(simple, account_id)
    return _load_cli(folder, account_id)


def _load_simple(file: Path, account_id: str) -> tuple[OrgPlacement | None, list[Finding]]:
    findings: list[Finding] = []
    data, err = read_json(file)
    if err is not None:
        return None, [err]
    if not isinstance(data, dict) or not isinstance(data.get("levels"), list):
        return None, [load_error("ACCOUNT_ORG_INVALID", "organization.json needs a list of \"levels\"", file)]
    levels: list[OrgLevel] = []
    for i, raw in enumerate(data["levels"]):
        path = f"levels[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            findings.append(load_error("ACCOUNT_ORG_INVALID", "A level needs an \"id\"", file, path))
            continue
        kind = (_str(raw.get("type")) or "ORGANIZATIONAL_UNIT").upper()
        if kind not in LEVEL_KINDS:
            findings.append(
                load_error("ACCOUNT_ORG_INVALID", f"Level type must be one of {', '.join(LEVEL_KINDS)}", file, path)
            )
            continue
        lists: dict[str, list[NamedPolicy]] = {"scps": [], "rcps": []}
        for key, ptype in (("scps", PolicyType.SCP), ("rcps", PolicyType.RCP)):
            for j, item in enumerate(raw.get(key, []) if isinstance(raw.get(key), list) else []):
                sub = f"{path}.{key}[{j}]"
                if isinstance(item, dict) and "document" in item:
                    name = _str(item.get("name")) or f"{raw['id']} {key[:-1].upper()} {j}"
                    doc = item["document"]
                else:
                    name, doc = f"{raw['id']} {key[:-1].upper()} {j}", item
                pol = _policy(doc, ptype, name, file, sub, findings)
                if pol is not None:
                    lists[key].append(NamedPolicy(name, pol))
        levels.append(
            OrgLevel(str(raw["id"]), kind, _str(raw.get("name")), tuple(lists["scps"]), tuple(lists["rcps"]))
        )
    if levels and levels[-1].kind != "ACCOUNT":
        findings.append(
            load_warning("ACCOUNT_ORG_INVALID", "The last level should be the account itself (type ACCOUNT)", file)
        )
    elif levels and levels[-1].id != account_id:
        findings.append(
            load_warning(
                "ACCOUNT_ORG_INVALID", f"The account level is {levels[-1].id}, but the snapshot is {account_id}", file
            )
        )
    mgmt = data.get("management_account_id", data.get("management_account"))
    if mgmt is not None and not (isinstance(mgmt, str) and ACCOUNT_ID.match(mgmt)):
        findings.append(load_error("ACCOUNT_ORG_INVALID", f"management_account_id {_shown(mgmt)} is not an account "
                                   "id: ignored", file, "management_account_id"))
        mgmt = None
    org_id = data.get("organization_id")
    return (
        OrgPlacement(
            _with_default_rcps(levels),
            mgmt or None,
            str(org_id) if isinstance(org_id, str) else None,
        ),
        findings,
    )


def _load_cli(folder: Path, account_id: str) -> tuple[OrgPlacement | None, list[Finding]]:
    findings: list[Finding] = []
    mgmt: str | None = None
    org_id: str | None = None
    desc = folder / "describe-organization.json"
    if desc.is_file():
        data, err = read_json(desc)
        if err is not None:
            findings.append(err)
        elif isinstance(data, dict) and isinstance(data.get("Organization"), dict):
            o = data["Organization"]
            found = o.get("MasterAccountId") or o.get("ManagementAccountId")
            mgmt = found if isinstance(found, str) and ACCOUNT_ID.match(found) else None
            if found is not None and mgmt is None:
                findings.append(load_error("ACCOUNT_ORG_INVALID", f"The management account {_shown(found)} is not "
                                           "an account id: ignored", desc, "Organization.MasterAccountId"))
            org_id = o.get("Id") if isinstance(o.get("Id"), str) else None
    # The chain of parents, account first.
    chain: list[tuple[str, str]] = [(account_id, "ACCOUNT")]
    child = account_id
    for _ in range(MAX_DEPTH):
        file = folder / f"list-parents-{child}.json"
        if not file.is_file():
            break
        data, err = read_json(file)
        if err is not None:
            findings.append(err)
            break
        parents = data.get("Parents") if isinstance(data, dict) else None
        if not isinstance(parents, list) or not parents or not isinstance(parents[0], dict):
            findings.append(load_error("ACCOUNT_ORG_INVALID", "Expected {\"Parents\": [{\"Id\", \"Type\"}]}", file))
            break
        pid, ptype = parents[0].get("Id"), parents[0].get("Type")
        if not isinstance(pid, str) or not ORG_ID.fullmatch(pid):
            findings.append(load_error("ACCOUNT_ORG_INVALID", f"The parent's Id {_shown(pid)} is not an "
                                       "Organizations id: the levels above are not read", file, "Parents[0].Id"))
            break
        ptype = ptype if isinstance(ptype, str) else ""
        chain.append((pid, ptype if ptype in LEVEL_KINDS else "ORGANIZATIONAL_UNIT"))
        if ptype == "ROOT":
            break
        child = pid
    if len(chain) == 1 and mgmt is None:
        return None, findings
    if chain[-1][1] != "ROOT":
        findings.append(
            load_warning(
                "ACCOUNT_ORG_INCOMPLETE",
                f"No list-parents file leads from {chain[-1][0]} to the root: the levels above are not checked",
                folder,
            )
        )
    chain.reverse()
    policies = _described_policies(folder, findings)
    levels = []
    for target, kind in chain:
        scps, rcps = _policies_for_target(folder, target, policies, findings)
        levels.append(OrgLevel(target, kind, "", tuple(scps), tuple(rcps)))
    any_scp = any(level.scps for level in levels)
    kept = []
    for level in levels:
        if any_scp and not level.scps:
            # Every level carries at least one SCP when SCPs are enabled: this one's list is missing.
            findings.append(
                load_warning(
                    "ACCOUNT_ORG_INCOMPLETE",
                    f"No SCPs are listed for {level.kind} {level.id} (list-policies-for-target-{level.id}.json): "
                    "that level's SCPs are not checked",
                    folder,
                )
            )
            level = OrgLevel(level.id, level.kind, level.name, (), level.rcps)
            kept.append((level, False))
        else:
            kept.append((level, True))
    out_levels = [lvl for lvl, _ in kept]
    placement = OrgPlacement(_with_default_rcps(out_levels), mgmt, org_id)
    skipped = {lvl.id for lvl, ok in kept if not ok}
    if skipped:
        placement = _drop_scp_levels(placement, skipped)
    return placement, findings


def _drop_scp_levels(placement: OrgPlacement, skipped: set[str]) -> OrgPlacement:
    """Mark levels whose SCP list is unknown so that they are left out of the SCP check (not read as deny-all)."""
    levels = tuple(
        OrgLevel(lvl.id, lvl.kind, lvl.name + (" (SCPs unknown)" if lvl.id in skipped else ""), lvl.scps, lvl.rcps)
        for lvl in placement.levels
    )
    return OrgPlacement(levels, placement.management_account_id, placement.organization_id, frozenset(skipped))


def _described_policies(folder: Path, findings: list[Finding]) -> dict[str, tuple[str, str, object, Path]]:
    out: dict[str, tuple[str, str, object, Path]] = {}
    for file in sorted(folder.glob("describe-policy-*.json")):
        data, err = read_json(file)
        if err is not None:
            findings.append(err)
            continue
        pol = data.get("Policy") if isinstance(data, dict) else None
        summary = pol.get("PolicySummary") if isinstance(pol, dict) else None
        if not isinstance(pol, dict) or not isinstance(summary, dict) or "Content" not in pol:
            findings.append(
                load_error("ACCOUNT_ORG_INVALID", "Expected {\"Policy\": {\"PolicySummary\", \"Content\"}}", file)
            )
            continue
        pid = _str(summary.get("Id")) or file.stem.removeprefix("describe-policy-")
        out[pid] = (_str(summary.get("Name")) or pid, _str(summary.get("Type")), pol["Content"], file)
    return out


def _policies_for_target(
    folder: Path,
    target: str,
    described: dict[str, tuple[str, str, object, Path]],
    findings: list[Finding],
) -> tuple[list[NamedPolicy], list[NamedPolicy]]:
    scps: list[NamedPolicy] = []
    rcps: list[NamedPolicy] = []
    seen: set[str] = set()
    files = sorted(folder.glob(f"list-policies-for-target-{target}.json")) + sorted(
        folder.glob(f"list-policies-for-target-{target}-*.json")
    )
    for file in files:
        data, err = read_json(file)
        if err is not None:
            findings.append(err)
            continue
        entries = data.get("Policies") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            findings.append(load_error("ACCOUNT_ORG_INVALID", "Expected {\"Policies\": [...]}", file))
            continue
        hint = RCP if "RESOURCE_CONTROL" in file.name.upper() or file.stem.lower().endswith("-rcp") else SCP
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or not isinstance(e.get("Id"), str):
                findings.append(
                    load_error("ACCOUNT_ORG_INVALID", "A policy summary needs an Id", file, f"Policies[{i}]")
                )
                continue
            pid = str(e["Id"])
            if pid in seen:
                continue
            seen.add(pid)
            if pid in described:
                name, ptype, content, src = described[pid]
            elif pid in BUILTIN:
                name, ptype, content = BUILTIN[pid]
                src = file
            else:
                findings.append(
                    Finding(
                        "ACCOUNT_MISSING_POLICY",
                        FindingType.ERROR,
                        f"The policy {pid} ({_str(e.get('Name')) or '?'}) attached to {target} has no "
                        f"describe-policy-{pid}.json: it is ignored",
                        file=str(file),
                    )
                )
                continue
            ptype = _str(e.get("Type")) or ptype or hint
            if ptype not in (SCP, RCP):
                continue  # tag, backup and other management policies do not authorize
            kind = PolicyType.SCP if ptype == SCP else PolicyType.RCP
            label = _str(e.get("Name")) or name
            pol = _policy(content, kind, label, src, "Content", findings)
            if pol is not None:
                (scps if ptype == SCP else rcps).append(NamedPolicy(label, pol))
    return scps, rcps
