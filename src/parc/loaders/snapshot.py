"""The audit's snapshot folder: the account snapshots (``parc.loaders.account``), and next to each account's
export its credential report, password policy and ``ec2/`` describe-* files, plus every policy document of the
account with its position in the file it came from (so that findings point at lines).

Layout: one account folder, or a folder of account folders (as ``parc.loaders.account``). In an account folder,
besides the files the account loader reads:

* ``credential-report.csv`` (or ``credential-report.json``) and ``password-policy.json`` (``parc.loaders.credentials``);
* ``ec2/``: the ``aws ec2 describe-*`` outputs of the account's VPCs (``parc.loaders.ec2``).

Only a path that holds no snapshot at all raises (``SnapshotError``); every other problem is a finding on the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from parc.core.audit.inputs import AccountInputs, AuditInput, PolicyDocument
from parc.core.findings import Finding, FindingType, Position
from parc.core.gcpause import without_cyclic_gc
from parc.core.network.network import Network
from parc.core.policy.jsonpos import JNode, JsonLimitError, loads, parse_json
from parc.core.policy.jsonwhere import ANY, Pattern, where
from parc.core.policy.jsonwhere import Path as JsonPath
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import decode_text
from parc.loaders.account import EXPORT_GLOB, SnapshotError, load_snapshot
from parc.loaders.account.resources import RESOURCE_POLICIES
from parc.loaders.collection import load_collection
from parc.loaders.credentials import load_credential_report, load_password_policy
from parc.loaders.data_stores import load_data_stores
from parc.loaders.duplicate_keys import duplicate_keys
from parc.loaders.idnet import load_idnet
from parc.loaders.logging_files import load_logging
from parc.loaders.waf_snapshot import load_waf_snapshot

__all__ = ["EC2_FOLDER", "SnapshotError", "account_folders", "load_audit_snapshot"]

EC2_FOLDER = "ec2"


def account_folders(root: Path) -> list[Path]:
    """The account folders under ``root``, in the order the account loader reads them."""
    if any(root.glob(EXPORT_GLOB)):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob(EXPORT_GLOB)))


@without_cyclic_gc
def load_audit_snapshot(path: str | Path) -> AuditInput:
    root = Path(path)
    estate = load_snapshot(root)
    folders = account_folders(root)
    if len(folders) != len(estate.accounts):  # pragma: no cover - both follow the same rule
        raise SnapshotError(f"{root}: the account folders changed while loading")
    accounts = tuple(_account(folder, a.account_id) for folder, a in zip(folders, estate.accounts, strict=True))
    # The top of a folder of accounts may hold parc collect --org's record (a malformed one is told with the first
    # account's problems: the report lists them all alike).
    top, found = load_collection(root) if folders != [root] else (None, [])
    if found and accounts:
        accounts = (replace(accounts[0], problems=accounts[0].problems + tuple(found)), *accounts[1:])
    return AuditInput.build(estate, accounts, str(root), top)


def _account(folder: Path, account_id: str) -> AccountInputs:
    problems: list[Finding] = []
    documents = list(_export_documents(folder, account_id, problems))
    documents.extend(_resource_documents(folder, account_id, problems))
    report, found = load_credential_report(folder)
    problems.extend(found)
    policy, found = load_password_policy(folder)
    problems.extend(found)
    network, sources = _network(folder / EC2_FOLDER, problems)
    positions = _network_positions(sources) if network is not None else {}
    collection, found = load_collection(folder)
    problems.extend(found)
    logging, found = load_logging(folder)
    problems.extend(found)
    idnet, found = load_idnet(folder)
    problems.extend(found)
    data, found = load_data_stores(folder, account_id)
    problems.extend(found)
    waf, found = load_waf_snapshot(folder)
    problems.extend(found)
    return AccountInputs(account_id, str(folder), tuple(documents), report, policy, network, sources, positions,
                         tuple(problems), (folder / RESOURCE_POLICIES).is_file(), collection, logging, idnet, data,
                         waf)


def _network(folder: Path, problems: list[Finding]) -> tuple[Network | None, tuple[str, ...]]:
    if not folder.is_dir():
        return None, ()
    if not any(folder.glob("*.json")) and any(p.is_dir() for p in folder.iterdir()):
        return None, ()  # only per-region files (ec2/REGION/: EBS, flow logs...): the network was not given
    from parc.loaders.ec2 import Ec2LoadError, load

    try:
        result = load(folder)
    except Ec2LoadError as exc:
        where = Position(exc.line, 1) if exc.line else None
        problems.append(Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, f"{exc}; the network is not checked",
                                "", where, exc.file or str(folder)))
        return None, ()
    problems.extend(f for f in result.findings if f.finding_type is FindingType.ERROR)
    return Network(result.snapshot), result.snapshot.sources


def _network_positions(sources: tuple[str, ...]) -> dict[str, tuple[str, str, int, int]]:
    """Where the security groups, their rules, the network ACLs and their entries, the interfaces and instances
    are in the files: their ids read from the values, their lines from the paths (``jsonwhere``: the rest of each
    file is skipped, not read with positions)."""
    out: dict[str, tuple[str, str, int, int]] = {}
    for source in sources:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
            values = loads(text, first_key_wins=True)  # as the positions read a repeated key
        except (OSError, ValueError, RecursionError):
            continue  # the network loader has said what is wrong with it
        if isinstance(values, list):
            from parc.loaders.ec2 import key_for_file

            key = key_for_file(Path(source))
            if key is not None:
                _positions_in(source, text, {key: values}, {key: ()}, out)
        elif isinstance(values, dict):
            _positions_in(source, text, values, {k: (k,) for k in _NETWORK_ITEMS}, out)
    return out


def _positions_in(source: str, text: str, lists: dict[str, Any], head: dict[str, JsonPath],
                  out: dict[str, tuple[str, str, int, int]]) -> None:
    """One file's items (``lists``: its lists by key; ``head``: where each key's list is in the file)."""
    wanted = [(*head[k], *rest) for k, patterns in _NETWORK_ITEMS.items() if k in head and k in lists
              for rest in patterns]
    try:
        found = where(text, wanted)
    except ValueError:
        return

    def put(ref: str, path: JsonPath, shown: str) -> None:
        pos = found.get(path)
        if pos is not None:
            out.setdefault(ref, (source, shown, pos.line, pos.column))

    for i, g in enumerate(_list(lists.get("SecurityGroups"))):
        gid = _id(g, "GroupId")
        if not gid:
            continue
        put(gid, (*head["SecurityGroups"], i), f"SecurityGroups[{i}]")
        for key, way in (("IpPermissions", "ingress"), ("IpPermissionsEgress", "egress")):
            for j, _rule in enumerate(_list(g.get(key))):
                put(f"{gid} {way}[{j}]", (*head["SecurityGroups"], i, key, j), f"SecurityGroups[{i}].{key}[{j}]")
    for i, acl in enumerate(_list(lists.get("NetworkAcls"))):
        aid = _id(acl, "NetworkAclId")
        if not aid:
            continue
        put(aid, (*head["NetworkAcls"], i), f"NetworkAcls[{i}]")
        for j, _entry in enumerate(_list(acl.get("Entries"))):
            put(f"{aid} entry[{j}]", (*head["NetworkAcls"], i, "Entries", j), f"NetworkAcls[{i}].Entries[{j}]")
    for i, eni in enumerate(_list(lists.get("NetworkInterfaces"))):
        eid = _id(eni, "NetworkInterfaceId")
        if eid:
            put(eid, (*head["NetworkInterfaces"], i), f"NetworkInterfaces[{i}]")
    for i, res in enumerate(_list(lists.get("Reservations"))):
        for j, inst in enumerate(_list(res.get("Instances") if isinstance(res, dict) else None)):
            iid = _id(inst, "InstanceId")
            if iid:
                put(iid, (*head["Reservations"], i, "Instances", j), f"Reservations[{i}].Instances[{j}]")


_NETWORK_ITEMS: dict[str, tuple[Pattern, ...]] = {
    "SecurityGroups": ((ANY,), (ANY, "IpPermissions", ANY), (ANY, "IpPermissionsEgress", ANY)),
    "NetworkAcls": ((ANY,), (ANY, "Entries", ANY)),
    "NetworkInterfaces": ((ANY,),),
    "Reservations": ((ANY, "Instances", ANY),),
}
"""The network items the audit's evidence points at, under each key of a describe-* file."""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(item: object, key: str) -> str | None:
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) and value else None


# ---- positioned policy documents --------------------------------------------------------------------------------


def _read_tree(file: Path, problems: list[Finding] | None = None) -> JNode | None:
    """The file with positions, for the policy documents' evidence. A syntax error was reported by the loader that
    read the file first; a document past the positioned reader's limits (nesting, number length) may have been read
    there by the standard library, so that is reported here: the documents it holds are left out, never silently
    (found by tests/fuzz/test_fuzz_account_snapshot.py)."""
    try:
        return parse_json(file.read_text(encoding="utf-8-sig"))
    except JsonLimitError as exc:
        if problems is not None:
            problems.append(Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR,
                                    f"{file.name}: {exc.message}; its policy documents are not checked", "",
                                    exc.pos, str(file)))
        return None
    except (OSError, UnicodeDecodeError, RecursionError, ValueError):  # JsonSyntaxError is a ValueError
        return None  # the account loader has reported it already


def _member(node: JNode, key: str) -> JNode | None:
    if node.kind != "object":
        return None
    m = node.get(key)
    return m.node if m is not None else None


def _items(node: JNode | None) -> list[JNode]:
    return list(node.items) if node is not None and node.kind == "array" else []


def _text(node: JNode | None) -> str | None:
    return str(node.value) if node is not None and node.kind == "string" else None


def _document(node: JNode | None, name: str, account_id: str, owner: str, kind: str, policy_type: PolicyType,
              file: str, path: str, aws_managed: bool = False, default_version: bool = True) -> PolicyDocument | None:
    """The document at ``node``: an object in the file, or a string holding the policy (JSON or URL-encoded)."""
    if node is None or node.kind not in ("object", "string"):
        return None
    if node.kind == "object":
        inner: JNode | None = node
        embedded = True
    else:
        inner, _ = decode_text(str(node.value))
        embedded = False
    return PolicyDocument(name, account_id, owner, kind, policy_type, file, path, inner, embedded, node.pos,
                          aws_managed, default_version)


def _export_documents(folder: Path, account_id: str, problems: list[Finding]) -> Iterator[PolicyDocument]:
    files = sorted(folder.glob(EXPORT_GLOB))
    trees = [(f, _read_tree(f, problems)) for f in files]
    for f, tree in trees:
        if tree is not None:
            problems.extend(duplicate_keys(tree, str(f)))
    boundaries: set[str] = set()
    attached: set[str] = set()
    for _, tree in trees:
        if tree is None:
            continue
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
            for entry in _items(_member(tree, key)):
                b = _member(entry, "PermissionsBoundary")
                arn = _text(_member(b, "PermissionsBoundaryArn")) if b is not None else None
                if arn:
                    boundaries.add(arn)
                for a in _items(_member(entry, "AttachedManagedPolicies")):
                    parn = _text(_member(a, "PolicyArn"))
                    if parn:
                        attached.add(parn)
    for file, tree in trees:
        if tree is None:
            continue
        yield from _entities(file, tree, account_id, boundaries - attached)


def _entities(file: Path, tree: JNode, account_id: str, boundary_only: set[str]) -> Iterator[PolicyDocument]:
    name = str(file)
    for key, inline_key in (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
                            ("RoleDetailList", "RolePolicyList")):
        for i, entry in enumerate(_items(_member(tree, key))):
            arn = _text(_member(entry, "Arn"))
            if not arn:
                continue
            base = f"{key}[{i}]"
            if key == "RoleDetailList":
                doc = _document(_member(entry, "AssumeRolePolicyDocument"), name=f"{arn} trust policy",
                                account_id=account_id, owner=arn, kind="trust", policy_type=PolicyType.TRUST,
                                file=name, path=f"{base}.AssumeRolePolicyDocument")
                if doc is not None:
                    yield doc
            for j, item in enumerate(_items(_member(entry, inline_key))):
                pname = _text(_member(item, "PolicyName"))
                if pname is None:
                    continue
                doc = _document(_member(item, "PolicyDocument"), name=f"{arn} inline {pname}",
                                account_id=account_id, owner=arn, kind="inline", policy_type=PolicyType.IDENTITY,
                                file=name, path=f"{base}.{inline_key}[{j}].PolicyDocument")
                if doc is not None:
                    yield doc
    for i, entry in enumerate(_items(_member(tree, "Policies"))):
        arn = _text(_member(entry, "Arn"))
        if not arn:
            continue
        default = _text(_member(entry, "DefaultVersionId")) or ""
        versions = _items(_member(entry, "PolicyVersionList"))
        if not default:
            for k, v in enumerate(versions):
                flag = _member(v, "IsDefaultVersion")
                if flag is not None and flag.value is True:
                    default = _text(_member(v, "VersionId")) or f"v{k + 1}"
                    break
        ptype = PolicyType.BOUNDARY if arn in boundary_only else PolicyType.IDENTITY
        for k, v in enumerate(versions):
            vid = _text(_member(v, "VersionId")) or f"v{k + 1}"
            flag = _member(v, "IsDefaultVersion")
            is_default = (flag is not None and flag.value is True) or vid == default
            doc = _document(_member(v, "Document"), name=arn if is_default else f"{arn} {vid}",
                            account_id=account_id, owner=arn, kind="managed", policy_type=ptype, file=name,
                            path=f"Policies[{i}].PolicyVersionList[{k}].Document",
                            aws_managed=":iam::aws:policy/" in arn, default_version=is_default)
            if doc is not None:
                yield doc


def _resource_documents(folder: Path, account_id: str, problems: list[Finding]) -> Iterator[PolicyDocument]:
    file = folder / RESOURCE_POLICIES
    if not file.is_file():
        return
    tree = _read_tree(file, problems)
    if tree is None:
        return
    problems.extend(duplicate_keys(tree, str(file)))
    entries = tree
    prefix = ""
    if tree.kind == "object":
        rp = _member(tree, "ResourcePolicies")
        if rp is None:
            return
        entries, prefix = rp, "ResourcePolicies"
    for i, entry in enumerate(_items(entries)):
        arn = _text(_member(entry, "arn")) or _text(_member(entry, "Arn"))
        raw = _member(entry, "policy") or _member(entry, "Policy")
        key = "policy" if _member(entry, "policy") is not None else "Policy"
        if not arn:
            continue
        doc = _document(raw, name=arn, account_id=account_id, owner=arn, kind="resource",
                        policy_type=PolicyType.RESOURCE, file=str(file), path=f"{prefix}[{i}].{key}")
        if doc is not None:
            yield doc
