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

from dataclasses import replace
from pathlib import Path
from typing import Any

from parc.core.audit.inputs import AccountInputs, AuditInput
from parc.core.findings import Finding, FindingType, Position
from parc.core.gcpause import without_cyclic_gc
from parc.core.network.network import Network
from parc.core.policy.jsonpos import loads
from parc.core.policy.jsonwhere import ANY, Pattern, where
from parc.core.policy.jsonwhere import Path as JsonPath
from parc.loaders.account import EXPORT_GLOB, SnapshotError, load_snapshot
from parc.loaders.account.jsonfile import SharedReads
from parc.loaders.account.resources import RESOURCE_POLICIES
from parc.loaders.collection import load_collection
from parc.loaders.credentials import load_credential_report, load_password_policy
from parc.loaders.data_stores import load_data_stores
from parc.loaders.idnet import load_idnet
from parc.loaders.logging_files import load_logging
from parc.loaders.policy_documents import export_documents, resource_documents
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
    shared = SharedReads()  # the export as the account loader read it: not decoded again for the documents
    estate = load_snapshot(root, shared=shared)
    folders = account_folders(root)
    if len(folders) != len(estate.accounts):  # pragma: no cover - both follow the same rule
        raise SnapshotError(f"{root}: the account folders changed while loading")
    accounts = tuple(_account(folder, a.account_id, shared)
                     for folder, a in zip(folders, estate.accounts, strict=True))
    del shared  # its values are garbage once the documents are read (the documents keep the texts they need)
    # The top of a folder of accounts may hold parc collect --org's record (a malformed one is told with the first
    # account's problems: the report lists them all alike).
    top, found = load_collection(root) if folders != [root] else (None, [])
    if found and accounts:
        accounts = (replace(accounts[0], problems=accounts[0].problems + tuple(found)), *accounts[1:])
    return AuditInput.build(estate, accounts, str(root), top)


def _account(folder: Path, account_id: str, shared: SharedReads | None = None) -> AccountInputs:
    problems: list[Finding] = []
    documents = export_documents(folder, account_id, problems, shared)
    documents.extend(resource_documents(folder, account_id, problems))
    report, found = load_credential_report(folder)
    problems.extend(found)
    policy, found = load_password_policy(folder)
    problems.extend(found)
    network, sources, reads = _network(folder / EC2_FOLDER, problems)
    positions = _network_positions(sources, reads) if network is not None else {}
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


def _network(folder: Path, problems: list[Finding]) -> tuple[Network | None, tuple[str, ...], dict[str, Any]]:
    """The network, its files, and the text and values of those the loader read with no key given twice."""
    if not folder.is_dir():
        return None, (), {}
    if not any(folder.glob("*.json")) and any(p.is_dir() for p in folder.iterdir()):
        return None, (), {}  # only per-region files (ec2/REGION/: EBS, flow logs...): the network was not given
    from parc.loaders.ec2 import Ec2LoadError, load

    try:
        result = load(folder, keep_reads=True)
    except Ec2LoadError as exc:
        where = Position(exc.line, 1) if exc.line else None
        problems.append(Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, f"{exc}; the network is not checked",
                                "", where, exc.file or str(folder)))
        return None, (), {}
    problems.extend(f for f in result.findings if f.finding_type is FindingType.ERROR)
    return Network(result.snapshot), result.snapshot.sources, result.reads


def _network_positions(sources: tuple[str, ...], reads: dict[str, Any] | None = None
                       ) -> dict[str, tuple[str, str, int, int]]:
    """Where the security groups, their rules, the network ACLs and their entries, the interfaces and instances
    are in the files: their ids read from the values, their lines from the paths (``jsonwhere``: the rest of each
    file is skipped, not read with positions). ``reads``: the text and values the network loader read of a file
    with no key given twice (``ec2.LoadResult.reads``), not read again."""
    out: dict[str, tuple[str, str, int, int]] = {}
    for source in sources:
        known = reads.get(source) if reads is not None else None
        if known is not None:
            text, values = known
        else:
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
