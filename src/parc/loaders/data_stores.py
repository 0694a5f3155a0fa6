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
from typing import Final

from parc.core.audit.data_model import DataStores, Item
from parc.core.findings import Finding, Position
from parc.core.policy.jsonpos import JsonSyntaxError, loads, parse_json
from parc.core.policy.jsonwhere import ANY, Pattern, deepest, render, where
from parc.core.policy.jsonwhere import Path as JsonPath
from parc.loaders.account.jsonfile import load_error
from parc.loaders.duplicate_keys import repeated_keys

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
SERVICE_FOLDERS = ("ec2", "rds", "efs", "kms", "secretsmanager", "cloudtrail", "config", "accessanalyzer",
                   "securityhub", "sqs", "sns", "lambda", "ecr", "glue")
"""Folders whose region sub-folders tell which regions the snapshot holds."""
NO_CONFIGURATION = frozenset({"ServerSideEncryptionConfigurationNotFoundError"})

Reader = Callable[[object, JsonPath], dict[str, object]]
"""Reads one output (a JSON value, as ``json`` decodes it) found at a path of its file."""


class _Bad(Exception):
    """A value of the wrong shape, at ``path`` (shown at the deepest part of it the file has)."""

    def __init__(self, path: JsonPath, message: str) -> None:
        super().__init__(message)
        self.path = path


_MISSING = object()


def _member(value: object, key: str) -> object:
    """The member's value (None for JSON null); ``_MISSING`` when there is none, or ``value`` is no object."""
    return value.get(key, _MISSING) if isinstance(value, dict) else _MISSING


def _fields(value: object, path: JsonPath, spec: dict[str, str]) -> dict[str, object]:
    """The fields ``spec`` names (``bool``, ``str`` or ``strs``; ``!bool``: required), type-checked; absent or null
    optional ones are left out."""
    if not isinstance(value, dict):
        raise _Bad(path, "expected an object")
    out: dict[str, object] = {}
    for name, kind in spec.items():
        v = value.get(name)
        required = kind.startswith("!")
        kind = kind.lstrip("!")
        if v is None:
            if required:  # a value AWS always gives: without it the item cannot be judged, which must be said
                raise _Bad((*path, name), f"{name} is missing")
            continue
        if (kind == "bool" and isinstance(v, bool)) or (kind == "str" and isinstance(v, str)):
            out[name] = v
        elif kind == "strs" and isinstance(v, list) and all(isinstance(x, str) for x in v):
            out[name] = tuple(v)
        else:
            expected = {"bool": "true or false", "str": "a string", "strs": "a list of strings"}[kind]
            raise _Bad((*path, name), f"{name} must be {expected}")
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


def _key_metadata(value: object, path: JsonPath) -> dict[str, object]:
    meta = _member(value, "KeyMetadata")
    if meta is _MISSING:
        raise _Bad(path, "KeyMetadata is missing")
    return _fields(meta, (*path, "KeyMetadata"), {"Arn": "str", "KeyManager": "!str", "KeyState": "!str",
                                                  "KeySpec": "str", "CustomerMasterKeySpec": "str",
                                                  "Origin": "str", "KeyUsage": "str", "MultiRegion": "bool"})


def _rotation(value: object, path: JsonPath) -> dict[str, object]:
    return _fields(value, path, {"KeyRotationEnabled": "!bool"})


def _permissions(value: object, path: JsonPath) -> dict[str, object]:
    """``DescribeSnapshotAttribute`` (createVolumePermission): the groups (``all``) and accounts it is shared with."""
    perms = _member(value, "CreateVolumePermissions")
    if not isinstance(perms, list):
        raise _Bad((*path, "CreateVolumePermissions"), "CreateVolumePermissions must be a list")
    groups: list[str] = []
    users: list[str] = []
    for i, p in enumerate(perms):
        got = _fields(p, (*path, "CreateVolumePermissions", i), {"Group": "str", "UserId": "str"})
        if "Group" in got:
            groups.append(str(got["Group"]))
        if "UserId" in got:
            users.append(str(got["UserId"]))
    return {"Groups": tuple(groups), "Accounts": tuple(users)}


def _attributes(result: str, attrs: str) -> Reader:
    """``DescribeDB(Cluster)SnapshotAttributes``: the accounts (or ``all``) the ``restore`` attribute names."""
    def read(value: object, path: JsonPath) -> dict[str, object]:
        lst = _member(_member(value, result), attrs)
        at = (*path, result, attrs)
        if not isinstance(lst, list):
            raise _Bad(at, f"{result}.{attrs} must be a list")
        restore: list[str] = []
        for i, a in enumerate(lst):
            got = _fields(a, (*at, i), {"AttributeName": "str", "AttributeValues": "strs"})
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


def _encryption(value: object, path: JsonPath) -> dict[str, object]:
    """``GetBucketEncryption``: the default algorithms of its rules (none: no configuration)."""
    if value == {}:
        return {"Algorithms": ()}
    code = _member(_member(value, "Error"), "Code")
    if isinstance(code, str) and code in NO_CONFIGURATION:
        return {"Algorithms": ()}
    rules = _member(_member(value, "ServerSideEncryptionConfiguration"), "Rules")
    if not isinstance(rules, list):
        raise _Bad((*path, "ServerSideEncryptionConfiguration", "Rules"),
                   "ServerSideEncryptionConfiguration.Rules must be a list")
    algorithms: list[str] = []
    keys: list[str] = []
    for i, r in enumerate(rules):
        default = _member(r, "ApplyServerSideEncryptionByDefault")
        if default is _MISSING:
            continue
        at = (*path, "ServerSideEncryptionConfiguration", "Rules", i, "ApplyServerSideEncryptionByDefault")
        got = _fields(default, at, {"SSEAlgorithm": "str", "KMSMasterKeyID": "str"})
        if "SSEAlgorithm" in got:
            algorithms.append(str(got["SSEAlgorithm"]))
        if "KMSMasterKeyID" in got:
            keys.append(str(got["KMSMasterKeyID"]))
    return {"Algorithms": tuple(algorithms), "Keys": tuple(keys)}


def _versioning(value: object, path: JsonPath) -> dict[str, object]:
    return _fields(value, path, {"Status": "str", "MFADelete": "str"})


BUCKET_FILES: tuple[tuple[str, str, Reader], ...] = (
    ("get-bucket-encryption.json", "bucket-encryption", _encryption),
    ("get-bucket-versioning.json", "bucket-versioning", _versioning),
    ("get-bucket-policy.json", "bucket-policy", lambda value, path: {}),
)


class _File:
    """A file's text and values (read by ``json``; a repeated key keeps its first value, as the positions read it,
    and is reported), with the positions of the document (``()``) and of its items: only those are found
    (``jsonwhere``), and what a malformed item got wrong when there is one."""

    def __init__(self, path: Path, text: str, values: object, places: dict[JsonPath, Position]) -> None:
        self.path, self.text, self.values, self.places = path, text, values, places

    def root(self) -> Position:
        return self.places[()]

    def position(self, path: JsonPath) -> Position:
        """Where a finding about ``path`` is shown: its deepest part the file has."""
        try:
            return deepest(self.text, [path])[path]
        except (ValueError, RecursionError):  # read once already: not expected, but never a crash
            return self.root()


ITEMS: Final[Pattern] = (ANY,)
"""The items of a file of outputs by id (``MapFile``)."""


def _read(file: Path, problems: list[Finding], items: Pattern | None = None) -> _File | None:
    """The file, with the positions of the items ``items`` names (and of the document)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
        repeated: list[str] = []
        try:
            values = loads(text, first_key_wins=True, repeated=repeated)
        except JsonSyntaxError:
            parse_json(text)  # not JSON: the positioned reader's error, located (json's is less precise)
            raise
        if repeated:  # ambiguous (AWS never writes it): each said, where it is; the first value is read
            problems.extend(repeated_keys(text, str(file), repeated))
        return _File(file, text, values, where(text, [(), items] if items is not None else [()]))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"Cannot read {file.name}: {exc}", file))
    except JsonSyntaxError as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name} is not valid JSON: {exc.message}", file,
                                   pos=exc.pos))
    except (RecursionError, ValueError) as exc:
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name}: unreadable JSON: {exc}", file))
    return None


def _bad(file: _File, exc: _Bad, problems: list[Finding]) -> None:
    problems.append(load_error("ACCOUNT_BAD_ENTRY", f"{file.path.name}: {exc}; the item is left out", file.path,
                               render(exc.path), file.position(exc.path)))


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
            got = _read(file, problems, (spec.key, ANY) if isinstance(spec, ListFile) else ITEMS)
            if got is None:
                continue
            present.add(spec.kind)
            if isinstance(spec, ListFile):
                items.extend(_list_items(got, spec, region, account_id, problems))
            else:
                items.extend(_map_items(got, spec.kind, spec.read, region, problems))
    ebs_default = "get-ebs-encryption-by-default.json"
    for region in found:
        file = folder / "ec2" / region / ebs_default
        if not file.is_file():
            missing.setdefault("ebs-default", []).append(region)
            continue
        got = _read(file, problems)
        if got is None:
            continue
        present.add("ebs-default")
        try:
            values = _fields(got.values, (), {"EbsEncryptionByDefault": "bool"})
            if "EbsEncryptionByDefault" not in values:
                raise _Bad(("EbsEncryptionByDefault",), "EbsEncryptionByDefault is missing")
            root = got.root()
            items.append(Item("ebs-default", region, region, values, str(file), "EbsEncryptionByDefault",
                              root.line, root.column))
        except _Bad as exc:
            _bad(got, exc, problems)
    s3 = folder / "s3"
    if s3.is_dir():
        for sub in sorted(p for p in s3.iterdir() if p.is_dir()):
            for name, kind, read in BUCKET_FILES:
                file = sub / name
                if not file.is_file():
                    missing.setdefault(kind, []).append(sub.name)
                    continue
                got = _read(file, problems)
                if got is None:
                    continue
                present.add(kind)
                try:
                    root = got.root()
                    items.append(Item(kind, sub.name, "", read(got.values, ()), str(file), "", root.line,
                                      root.column, f"arn:aws:s3:::{sub.name}"))
                except _Bad as exc:
                    _bad(got, exc, problems)
    return DataStores(tuple(items), {k: tuple(v) for k, v in missing.items()}, frozenset(present)), problems


def _list_items(file: _File, spec: ListFile, region: str, account_id: str, problems: list[Finding]) -> list[Item]:
    lst = _member(file.values, spec.key)
    if not isinstance(lst, list):
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.path.name}: {spec.key} must be a list",
                                   file.path, pos=file.root()))
        return []
    fields = spec.fields | {spec.id_key: "str"} | ({spec.arn_key: "str"} if spec.arn_key else {})
    out = []
    for i, value in enumerate(lst):
        path = (spec.key, i)
        try:
            values = _fields(value, path, fields)
            rid = values.get(spec.id_key)
            if not isinstance(rid, str) or not rid:
                raise _Bad(path, f"{spec.id_key} is missing")
        except _Bad as exc:
            _bad(file, exc, problems)
            continue
        arn = values.get(spec.arn_key, "") if spec.arn_key else ""
        if not arn and spec.arn_format and account_id:
            arn = spec.arn_format.format(region=region, account=account_id, id=rid)
        pos = file.places[path]
        out.append(Item(spec.kind, rid, region, values, str(file.path), render(path), pos.line, pos.column,
                        arn if isinstance(arn, str) else ""))
    return out


def _map_items(file: _File, kind: str, read: Reader, region: str, problems: list[Finding]) -> list[Item]:
    if not isinstance(file.values, dict):
        problems.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.path.name}: expected an object of outputs by id",
                                   file.path, pos=file.root()))
        return []
    out = []
    for key, value in file.values.items():
        try:
            values = read(value, (key,))
        except _Bad as exc:
            _bad(file, exc, problems)
            continue
        arn = values.get("Arn", "")
        pos = file.places[(key,)]
        out.append(Item(kind, key, region, values, str(file.path), key, pos.line, pos.column,
                        arn if isinstance(arn, str) else ""))
    return out
