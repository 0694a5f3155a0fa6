"""The optional S3 files of an account snapshot: Block Public Access, bucket ACLs and Object Ownership.

Layout (each file is what the AWS CLI prints for the command, ``--output json``):

* ``s3control-get-public-access-block.json``: ``aws s3control get-public-access-block --account-id ID`` (or
  ``s3control-public-access-block.json``, the name ``parc collect`` gives it);
* ``s3/BUCKET/get-public-access-block.json``: ``aws s3api get-public-access-block --bucket BUCKET``;
* ``s3/BUCKET/get-bucket-acl.json``: ``aws s3api get-bucket-acl --bucket BUCKET``;
* ``s3/BUCKET/get-bucket-ownership-controls.json``: ``aws s3api get-bucket-ownership-controls --bucket BUCKET``.

When S3 answers that a bucket or an account has no such configuration, the file may hold ``{}`` or the error
document (``{"Error": {"Code": "NoSuchPublicAccessBlockConfiguration"}}``, ``OwnershipControlsNotFoundError``): every
setting is then off. An absent file means "not collected", which the audit reports as not checked. A malformed file
is a located finding (file, JSON path, line) and is left out; the rest is read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from parc.core.account.buckets import Bucket, S3Snapshot
from parc.core.authz.s3_settings import S3ShapeError, read_acl, read_ownership, read_public_access_block
from parc.core.findings import Finding, Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json
from parc.loaders.account.jsonfile import load_error

ACCOUNT_BLOCK = "s3control-get-public-access-block.json"
COLLECTED_ACCOUNT_BLOCK = "s3control-public-access-block.json"
"""The name ``parc collect`` writes the account's Block Public Access under (read when the CLI's name is absent)."""
S3_DIR = "s3"
BUCKET_BLOCK = "get-public-access-block.json"
BUCKET_ACL = "get-bucket-acl.json"
BUCKET_OWNERSHIP = "get-bucket-ownership-controls.json"
BUCKET_FILES = (BUCKET_BLOCK, BUCKET_ACL, BUCKET_OWNERSHIP)
T = TypeVar("T")


def load_s3(folder: Path) -> tuple[S3Snapshot | None, list[Finding]]:
    """The account's S3 settings (None: the snapshot has none of these files)."""
    findings: list[Finding] = []
    account_file = folder / ACCOUNT_BLOCK
    if not account_file.is_file() and (folder / COLLECTED_ACCOUNT_BLOCK).is_file():
        account_file = folder / COLLECTED_ACCOUNT_BLOCK
    s3_dir = folder / S3_DIR
    if not account_file.is_file() and not s3_dir.is_dir():
        return None, findings
    account_block = _read(account_file, read_public_access_block, findings) if account_file.is_file() else None
    buckets: list[Bucket] = []
    if s3_dir.is_dir():
        for sub in sorted(p for p in s3_dir.iterdir() if p.is_dir()):
            files = {name: sub / name for name in BUCKET_FILES if (sub / name).is_file()}
            if not files:
                continue
            block = _read(files[BUCKET_BLOCK], read_public_access_block, findings) if BUCKET_BLOCK in files else None
            acl = _read(files[BUCKET_ACL], read_acl, findings) if BUCKET_ACL in files else None
            ownership: str | None = None
            known = False
            if BUCKET_OWNERSHIP in files:
                marker: list[bool] = []

                def own(value: object, path: str, _m: list[bool] = marker) -> str | None:
                    out = read_ownership(value, path)
                    _m.append(True)
                    return out

                ownership = _read(files[BUCKET_OWNERSHIP], own, findings)
                known = bool(marker)
            where = {"block": BUCKET_BLOCK, "acl": BUCKET_ACL, "ownership": BUCKET_OWNERSHIP}
            buckets.append(Bucket(sub.name, block, acl, ownership, known,
                                  {k: str(sub / f) for k, f in where.items() if f in files}))
    return S3Snapshot(account_block, str(account_file) if account_block is not None else None, tuple(buckets)), \
        findings


def _read(file: Path, reader: Callable[[object, str], T], findings: list[Finding]) -> T | None:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        findings.append(load_error("ACCOUNT_FILE_UNREADABLE", f"Cannot read {file.name}: {exc}", file))
        return None
    try:
        node = parse_json(text)
    except JsonSyntaxError as exc:
        findings.append(load_error("ACCOUNT_FILE_UNREADABLE", f"{file.name} is not valid JSON: {exc.message}", file,
                                   pos=exc.pos))
        return None
    try:
        return reader(node.to_python(), "$")
    except S3ShapeError as exc:
        path = exc.path.removeprefix("$").lstrip(".")
        findings.append(load_error("ACCOUNT_BAD_ENTRY", f"{file.name}: {exc}; the file is ignored", file, path,
                                   _position(node, path)))
        return None


def _position(node: JNode, path: str) -> Position | None:
    """The position of the value at a JSON path such as ``Grants[0].Grantee.URI`` (the nearest one that exists)."""
    current = node
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        nxt: JNode | None = None
        if part.startswith("[") and current.kind == "array":
            idx = int(part[1:-1]) if part[1:-1].isdigit() else -1
            nxt = current.items[idx] if 0 <= idx < len(current.items) else None
        elif current.kind == "object":
            member = current.get(part)
            nxt = member.node if member is not None else None
        if nxt is None:
            break
        current = nxt
    return current.pos
