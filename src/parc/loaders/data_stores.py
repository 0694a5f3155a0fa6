"""The data stores of an account snapshot, as ``parc collect`` writes them (the raw outputs of the AWS APIs, the
files the AWS CLI's commands would print), read into ``parc.core.audit.data_model`` items for the data-encryption
and exposure checks.

Layout, in an account folder (``REGION`` is a region's folder, e.g. ``ec2/eu-west-1/``):

* ``s3/BUCKET/get-bucket-encryption.json``, ``s3/BUCKET/get-bucket-versioning.json``;
* ``ec2/REGION/get-ebs-encryption-by-default.json``, ``describe-volumes.json``, ``describe-snapshots.json``
  (``OwnerIds=self``), ``describe-snapshot-attribute.json`` (``{"SNAPSHOT-ID": {"CreateVolumePermissions": ...}}``);
* ``rds/REGION/describe-db-instances.json``, ``describe-db-clusters.json``, ``describe-db-snapshots.json``,
  ``describe-db-cluster-snapshots.json``, ``describe-db-snapshot-attributes.json`` and
  ``describe-db-cluster-snapshot-attributes.json`` (``{"ID": <the call's output>}``);
* ``efs/REGION/describe-file-systems.json``;
* ``kms/REGION/describe-key.json`` and ``get-key-rotation-status.json`` (``{"KEY-ID": <the call's output>}``);
* ``secretsmanager/REGION/list-secrets.json``.

Every value is checked where it is read: an item of the wrong shape is left out with a located finding (file, JSON
path, line), the rest is read. A file that is absent is recorded as missing where it would be, so that the audit
says what it did not check instead of passing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from parc.core.audit.data_model import DataStores, Item
from parc.core.findings import Finding
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json
from parc.loaders.account.jsonfile import load_error

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
SERVICE_FOLDERS = ("ec2", "rds", "efs", "kms", "secretsmanager", "cloudtrail", "config", "accessanalyzer",
                   "securityhub", "sqs", "sns", "lambda", "ecr", "glue")
"""Folders whose region sub-folders tell which regions the snapshot holds."""
NO_CONFIGURATION = frozenset({"ServerSideEncryptionConfigurationNotFoundError"})

Reader = Callable[[JNode, str], dict[str, object]]


class _Bad(Exception):
    def __init__(self, path: str, node: JNode, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.node = node


def _member(node: JNode, key: str) -> JNode | None:
    if node.kind != "object":
        return None
    m = node.get(key)
    return m.node if m is not None else None


def _fields(node: JNode, path: str, spec: dict[str, str]) -> dict[str, object]:
    """The fields ``spec`` names (``bool``, ``str`` or ``strs``; ``!bool``: required), type-checked; absent or null
    optional ones are left out."""
    if node.kind != "object":
        raise _Bad(path, node, "expected an object")
    out: dict[str, object] = {}
    for name, kind in spec.items():
        v = _member(node, name)
        required = kind.startswith("!")
        kind = kind.lstrip("!")
        if v is None or v.kind == "null":
            if required:  # a value AWS always gives: without it the item cannot be judged, which must be said
                raise _Bad(f"{path}.{name}".lstrip("."), node, f"{name} is missing")
            continue
        where = f"{path}.{name}"
        if kind == "bool" and v.kind == "bool":
            out[name] = bool(v.value)
        elif kind == "str" and v.kind == "string":
            out[name] = str(v.value)
        elif kind == "strs" and v.kind == "array" and all(x.kind == "string" for x in v.items):
            out[name] = tuple(str(x.value) for x in v.items)
        else:
            expected = {"bool": "true or false", "str": "a string", "strs": "a list of strings"}[kind]
            raise _Bad(where, v, f"{name} must be {expected}")
    return out


@dataclass(frozen=True)
class ListFile:
    """A describe-*/list-* output: a list of items under ``key``."""

    folder: str
    name: str
    kind: str
    key: str
    id_key: str
    arn_key: str
    fields: dict[str, str]
    arn_format: str = ""
    """For items whose output has no ARN: ``arn:aws:ec2:{region}:{account}:volume/{id}``."""


@dataclass(frozen=True)
class MapFile:
    """A per-resource call's outputs, as ``{"ID": output}``; ``read`` turns one output into the item's values."""

    folder: str
    name: str
    kind: str
    read: Reader


def _key_metadata(node: JNode, path: str) -> dict[str, object]:
    meta = _member(node, "KeyMetadata")
    if meta is None:
        raise _Bad(path, node, "KeyMetadata is missing")
    return _fields(meta, f"{path}.KeyMetadata", {"Arn": "str", "KeyManager": "!str", "KeyState": "!str",
                                                 "KeySpec": "str", "CustomerMasterKeySpec": "str",
                                                 "Origin": "str", "KeyUsage": "str", "MultiRegion": "bool"})


def _rotation(node: JNode, path: str) -> dict[str, object]:
    return _fields(node, path, {"KeyRotationEnabled": "!bool"})


def _permissions(node: JNode, path: str) -> dict[str, object]:
    """``DescribeSnapshotAttribute`` (createVolumePermission): the groups (``all``) and accounts it is shared with."""
    perms = _member(node, "CreateVolumePermissions")
    if perms is None or perms.kind != "array":
        raise _Bad(f"{path}.CreateVolumePermissions", perms or node, "CreateVolumePermissions must be a list")
    groups: list[str] = []
    users: list[str] = []
    for i, p in enumerate(perms.items):
        got = _fields(p, f"{path}.CreateVolumePermissions[{i}]", {"Group": "str", "UserId": "str"})
        if "Group" in got:
            groups.append(str(got["Group"]))
        if "UserId" in got:
            users.append(str(got["UserId"]))
    return {"Groups": tuple(groups), "Accounts": tuple(users)}


def _attributes(result: str, attrs: str) -> Reader:
    """``DescribeDB(Cluster)SnapshotAttributes``: the accounts (or ``all``) the ``restore`` attribute names."""
    def read(node: JNode, path: str) -> dict[str, object]:
        res = _member(node, result)
        lst = _member(res, attrs) if res is not None else None
        where = f"{path}.{result}.{attrs}"
        if lst is None or lst.kind != "array":
            raise _Bad(where, lst or res or node, f"{result}.{attrs} must be a list")
        restore: list[str] = []
        for i, a in enumerate(lst.items):
            got = _fields(a, f"{where}[{i}]", {"AttributeName": "str", "AttributeValues": "strs"})
            if got.get("AttributeName") == "restore":
                values = got.get("AttributeValues", ())
                if isinstance(values, tuple):
                    restore.extend(v for v in values if isinstance(v, str))
        return {"Restore": tuple(restore)}
    return read


REGION_FILES: tuple[ListFile | MapFile, ...] = (
    ListFile("ec2", "describe-volumes.json", "volume", "Volumes", "VolumeId", "",
             {"Encrypted": "!bool", "KmsKeyId": "str", "State": "str"},
             "arn:aws:ec2:{region}:{account}:volume/{id}"),
    ListFile("ec2", "describe-snapshots.json", "ebs-snapshot", "Snapshots", "SnapshotId", "",
             {"Encrypted": "!bool", "OwnerId": "str", "VolumeId": "str"},
             "arn:aws:ec2:{region}:{account}:snapshot/{id}"),
    MapFile("ec2", "describe-snapshot-attribute.json", "ebs-snapshot-permissions", _permissions),
    ListFile("rds", "describe-db-instances.json", "db-instance", "DBInstances", "DBInstanceIdentifier",
             "DBInstanceArn", {"StorageEncrypted": "!bool", "PubliclyAccessible": "!bool",
                               "AutoMinorVersionUpgrade": "!bool", "DBClusterIdentifier": "str", "Engine": "str"}),
    ListFile("rds", "describe-db-clusters.json", "db-cluster", "DBClusters", "DBClusterIdentifier", "DBClusterArn",
             {"StorageEncrypted": "!bool", "PubliclyAccessible": "bool", "AutoMinorVersionUpgrade": "bool",
              "Engine": "str"}),
    ListFile("rds", "describe-db-snapshots.json", "db-snapshot", "DBSnapshots", "DBSnapshotIdentifier",
             "DBSnapshotArn", {"Encrypted": "!bool", "SnapshotType": "str"}),
    ListFile("rds", "describe-db-cluster-snapshots.json", "db-cluster-snapshot", "DBClusterSnapshots",
             "DBClusterSnapshotIdentifier", "DBClusterSnapshotArn", {"StorageEncrypted": "!bool",
                                                                     "SnapshotType": "str"}),
    MapFile("rds", "describe-db-snapshot-attributes.json", "db-snapshot-attributes",
            _attributes("DBSnapshotAttributesResult", "DBSnapshotAttributes")),
    MapFile("rds", "describe-db-cluster-snapshot-attributes.json", "db-cluster-snapshot-attributes",
            _attributes("DBClusterSnapshotAttributesResult", "DBClusterSnapshotAttributes")),
    ListFile("efs", "describe-file-systems.json", "file-system", "FileSystems", "FileSystemId", "FileSystemArn",
             {"Encrypted": "!bool", "KmsKeyId": "str"}),
    MapFile("kms", "describe-key.json", "key", _key_metadata),
    MapFile("kms", "get-key-rotation-status.json", "key-rotation", _rotation),
    ListFile("secretsmanager", "list-secrets.json", "secret", "SecretList", "Name", "ARN",
             {"RotationEnabled": "bool", "OwningService": "str"}),
)


def _encryption(node: JNode, path: str) -> dict[str, object]:
    """``GetBucketEncryption``: the default algorithms of its rules (none: no configuration)."""
    if node.kind == "object" and not node.members:
        return {"Algorithms": ()}
    err = _member(node, "Error")
    if err is not None:
        code = _member(err, "Code")
        if code is not None and code.kind == "string" and code.value in NO_CONFIGURATION:
            return {"Algorithms": ()}
    conf = _member(node, "ServerSideEncryptionConfiguration")
    rules = _member(conf, "Rules") if conf is not None else None
    if rules is None or rules.kind != "array":
        raise _Bad(f"{path}.ServerSideEncryptionConfiguration.Rules", rules or conf or node,
                   "ServerSideEncryptionConfiguration.Rules must be a list")
    algorithms: list[str] = []
    keys: list[str] = []
    for i, r in enumerate(rules.items):
        default = _member(r, "ApplyServerSideEncryptionByDefault")
        if default is None:
            continue
        where = f"{path}.ServerSideEncryptionConfiguration.Rules[{i}].ApplyServerSideEncryptionByDefault"
        got = _fields(default, where, {"SSEAlgorithm": "str", "KMSMasterKeyID": "str"})
        if "SSEAlgorithm" in got:
            algorithms.append(str(got["SSEAlgorithm"]))
        if "KMSMasterKeyID" in got:
            keys.append(str(got["KMSMasterKeyID"]))
    return {"Algorithms": tuple(algorithms), "Keys": tuple(keys)}


def _versioning(node: JNode, path: str) -> dict[str, object]:
    return _fields(node, path, {"Status": "str", "MFADelete": "str"})


BUCKET_FILES: tuple[tuple[str, str, Reader], ...] = (
    ("get-bucket-encryption.json", "bucket-encryption", _encryption),
    ("get-bucket-versioning.json", "bucket-versioning", _versioning),
    ("get-bucket-policy.json", "bucket-policy", lambda node, path: {}),
)


def _read(file: Path, problems: list[Finding]) -> JNode | None:
    try:
        return parse_json(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"Cannot read {file.name}: {exc}", file))
    except JsonSyntaxError as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name} is not valid JSON: {exc.message}", file,
                                   pos=exc.pos))
    except (RecursionError, ValueError) as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: unreadable JSON: {exc}", file))
    return None


def _bad(file: Path, exc: _Bad, problems: list[Finding]) -> None:
    problems.append(load_error("ACCOUNT_BAD_ENTRY", f"{file.name}: {exc}; the item is left out", file,
                               exc.path.lstrip("."), exc.node.pos))


def regions(folder: Path) -> list[str]:
    """The regions the snapshot has a folder for, in any service."""
    found: set[str] = set()
    for service in SERVICE_FOLDERS:
        d = folder / service
        if d.is_dir():
            found.update(p.name for p in d.iterdir() if p.is_dir() and REGION.match(p.name))
    return sorted(found)


NO_REGION = "every region (the snapshot has no region folder)"


def load_data_stores(folder: Path, account_id: str = "") -> tuple[DataStores, list[Finding]]:
    """The data stores of one account folder, and what could not be read. With no region folder at all, every
    per-region file is missing "in every region" (never "no such resource")."""
    problems: list[Finding] = []
    items: list[Item] = []
    missing: dict[str, list[str]] = {}
    present: set[str] = set()
    found = regions(folder)
    if not found:
        for spec in REGION_FILES:
            missing.setdefault(spec.kind, []).append(NO_REGION)
        missing["ebs-default"] = [NO_REGION]
    for region in found:
        for spec in REGION_FILES:
            file = folder / spec.folder / region / spec.name
            if not file.is_file():
                missing.setdefault(spec.kind, []).append(region)
                continue
            tree = _read(file, problems)
            if tree is None:
                continue
            present.add(spec.kind)
            if isinstance(spec, ListFile):
                items.extend(_list_items(file, tree, spec, region, account_id, problems))
            else:
                items.extend(_map_items(file, tree, spec.kind, spec.read, region, problems))
    ebs_default = "get-ebs-encryption-by-default.json"
    for region in found:
        file = folder / "ec2" / region / ebs_default
        if not file.is_file():
            missing.setdefault("ebs-default", []).append(region)
            continue
        tree = _read(file, problems)
        if tree is None:
            continue
        present.add("ebs-default")
        try:
            values = _fields(tree, "", {"EbsEncryptionByDefault": "bool"})
            if "EbsEncryptionByDefault" not in values:
                raise _Bad("EbsEncryptionByDefault", tree, "EbsEncryptionByDefault is missing")
            items.append(Item("ebs-default", region, region, values, str(file), "EbsEncryptionByDefault",
                              tree.pos.line, tree.pos.column))
        except _Bad as exc:
            _bad(file, exc, problems)
    s3 = folder / "s3"
    if s3.is_dir():
        for sub in sorted(p for p in s3.iterdir() if p.is_dir()):
            for name, kind, read in BUCKET_FILES:
                file = sub / name
                if not file.is_file():
                    missing.setdefault(kind, []).append(sub.name)
                    continue
                tree = _read(file, problems)
                if tree is None:
                    continue
                present.add(kind)
                try:
                    items.append(Item(kind, sub.name, "", read(tree, ""), str(file), "", tree.pos.line,
                                      tree.pos.column, f"arn:aws:s3:::{sub.name}"))
                except _Bad as exc:
                    _bad(file, exc, problems)
    return DataStores(tuple(items), {k: tuple(v) for k, v in missing.items()}, frozenset(present)), problems


def _list_items(file: Path, tree: JNode, spec: ListFile, region: str, account_id: str,
                problems: list[Finding]) -> list[Item]:
    lst = _member(tree, spec.key)
    if lst is None or lst.kind != "array":
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: {spec.key} must be a list", file,
                                   pos=tree.pos))
        return []
    out = []
    for i, node in enumerate(lst.items):
        path = f"{spec.key}[{i}]"
        try:
            values = _fields(node, path, spec.fields | {spec.id_key: "str"} | ({spec.arn_key: "str"}
                                                                               if spec.arn_key else {}))
            rid = values.get(spec.id_key)
            if not isinstance(rid, str) or not rid:
                raise _Bad(path, node, f"{spec.id_key} is missing")
        except _Bad as exc:
            _bad(file, exc, problems)
            continue
        arn = values.get(spec.arn_key, "") if spec.arn_key else ""
        if not arn and spec.arn_format and account_id:
            arn = spec.arn_format.format(region=region, account=account_id, id=rid)
        out.append(Item(spec.kind, rid, region, values, str(file), path, node.pos.line, node.pos.column,
                        arn if isinstance(arn, str) else ""))
    return out


def _map_items(file: Path, tree: JNode, kind: str, read: Reader, region: str, problems: list[Finding]) -> list[Item]:
    if tree.kind != "object":
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: expected an object of outputs by id",
                                   file, pos=tree.pos))
        return []
    out = []
    for m in tree.members:
        path = m.key
        try:
            values = read(m.node, path)
        except _Bad as exc:
            _bad(file, exc, problems)
            continue
        arn = values.get("Arn", "")
        out.append(Item(kind, m.key, region, values, str(file), path, m.node.pos.line, m.node.pos.column,
                        arn if isinstance(arn, str) else ""))
    return out
