"""S3's own access settings: Block Public Access, bucket and object ACLs, Object Ownership; read and checked.

The shapes are those the AWS CLI prints (``aws s3api get-public-access-block``, ``get-bucket-acl``,
``get-object-acl``, ``get-bucket-ownership-controls``, ``aws s3control get-public-access-block``), so that a
snapshot's files and a request's ``"s3"`` field read alike. A wrong shape raises :class:`S3ShapeError` naming the
JSON path of the value (the request boundary turns it into a RequestError, the loader into a located finding).

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.authz.request import RequestError

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})
"""An ACL is public when it grants anything to these groups ("The meaning of public")."""
GROUP_NAMES = {ALL_USERS: "AllUsers", AUTHENTICATED_USERS: "AuthenticatedUsers", LOG_DELIVERY: "LogDelivery"}

PERMISSIONS = ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL")
GRANTEE_TYPES = ("CanonicalUser", "Group", "AmazonCustomerByEmail")
OWNERSHIP = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")
BPA_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
NO_CONFIGURATION = frozenset({"NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError"})
"""The error codes S3 answers when a bucket or account has no such configuration (every setting off)."""
_ACCOUNT = re.compile(r"^\d{12}$")


class S3ShapeError(RequestError):
    """A value of the wrong shape in S3 settings; ``path`` is its JSON path (``s3.bucket_acl.Grants[0]``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"'{path}': {message}")
        self.path = path


@dataclass(frozen=True, slots=True)
class PublicAccessBlock:
    """One level's four Block Public Access settings (absent settings are off, as S3 reads them)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def get(self, setting: str) -> bool:
        return bool(getattr(self, _ATTRS[setting]))

    @property
    def on(self) -> tuple[str, ...]:
        return tuple(s for s in BPA_SETTINGS if self.get(s))


_ATTRS = dict(zip(BPA_SETTINGS, ("block_public_acls", "ignore_public_acls", "block_public_policy",
                                 "restrict_public_buckets"), strict=True))


@dataclass(frozen=True, slots=True)
class Grant:
    grantee_type: str
    """``CanonicalUser``, ``Group`` or ``AmazonCustomerByEmail``."""
    grantee: str
    """The canonical user id, the group URI or the e-mail address."""
    permission: str
    index: int = 0
    """Its place in the ACL's Grants list (evidence points at it)."""

    @property
    def public(self) -> bool:
        return self.grantee_type == "Group" and self.grantee in PUBLIC_GROUPS

    @property
    def label(self) -> str:
        who = GROUP_NAMES.get(self.grantee, self.grantee) if self.grantee_type == "Group" else (
            f"{'canonical user' if self.grantee_type == 'CanonicalUser' else 'e-mail'} {self.grantee}")
        return f"{who} {self.permission}"


@dataclass(frozen=True, slots=True)
class Acl:
    owner_id: str | None
    grants: tuple[Grant, ...] = ()

    @property
    def public_grants(self) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.public)


@dataclass(frozen=True, slots=True)
class S3Settings:
    """What S3 adds to the policies for one bucket (and, for object requests, one object)."""

    account_block: PublicAccessBlock | None = None
    bucket_block: PublicAccessBlock | None = None
    bucket_acl: Acl | None = None
    object_acl: Acl | None = None
    object_ownership: str | None = None
    canonical_ids: Mapping[str, str] = field(default_factory=dict)
    """Canonical user id -> account id, for ACL grants to accounts (S3 ACLs name accounts by canonical id)."""

    def setting(self, name: str) -> tuple[str, ...]:
        """The levels ("account", "bucket") at which a Block Public Access setting is on: S3 applies the most
        restrictive combination of the levels."""
        return tuple(lv for lv, b in (("account", self.account_block), ("bucket", self.bucket_block))
                     if b is not None and b.get(name))

    @property
    def acls_disabled(self) -> bool:
        """Object Ownership "bucket owner enforced" turns ACLs off: they no longer affect permissions."""
        return self.object_ownership == "BucketOwnerEnforced"


# ---- reading ------------------------------------------------------------------------------------------------------

S3_FIELDS = ("block_public_access", "bucket_acl", "object_acl", "object_ownership", "canonical_ids")


def _obj(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise S3ShapeError(path, f"must be an object (got {type(value).__name__})")
    return value


def _no_configuration(value: Mapping[str, object]) -> bool:
    err = value.get("Error")
    code = err.get("Code") if isinstance(err, Mapping) else None
    return isinstance(code, str) and code in NO_CONFIGURATION


def read_public_access_block(value: object, path: str) -> PublicAccessBlock:
    """``{"PublicAccessBlockConfiguration": {...}}`` as the CLI prints it, or the inner object; ``{}`` and S3's
    ``NoSuchPublicAccessBlockConfiguration`` error mean no setting is on."""
    obj = _obj(value, path)
    if _no_configuration(obj):
        return PublicAccessBlock()
    if "PublicAccessBlockConfiguration" in obj:
        path = f"{path}.PublicAccessBlockConfiguration"
        obj = _obj(obj["PublicAccessBlockConfiguration"], path)
    flags: dict[str, bool] = {}
    for key, v in obj.items():
        if key not in BPA_SETTINGS:
            raise S3ShapeError(f"{path}.{key}", f"unknown setting; known: {', '.join(BPA_SETTINGS)}")
        if not isinstance(v, bool):
            raise S3ShapeError(f"{path}.{key}", f"must be true or false (got {v!r})")
        flags[_ATTRS[key]] = v
    return PublicAccessBlock(**flags)


def read_acl(value: object, path: str) -> Acl:
    """``aws s3api get-bucket-acl`` / ``get-object-acl`` output: ``{"Owner": {...}, "Grants": [...]}``."""
    obj = _obj(value, path)
    owner_id: str | None = None
    if obj.get("Owner") is not None:
        owner = _obj(obj["Owner"], f"{path}.Owner")
        oid = owner.get("ID")
        if oid is not None and not isinstance(oid, str):
            raise S3ShapeError(f"{path}.Owner.ID", "must be a canonical user id string")
        owner_id = oid
    raw = obj.get("Grants", [])
    if not isinstance(raw, list):
        raise S3ShapeError(f"{path}.Grants", "must be a list of grants")
    grants = []
    for i, g in enumerate(raw):
        gp = f"{path}.Grants[{i}]"
        grant = _obj(g, gp)
        perm = grant.get("Permission")
        if perm not in PERMISSIONS:
            raise S3ShapeError(f"{gp}.Permission", f"must be one of {', '.join(PERMISSIONS)} (got {perm!r})")
        grantee = _obj(grant.get("Grantee"), f"{gp}.Grantee")
        gtype = grantee.get("Type")
        if gtype not in GRANTEE_TYPES:
            raise S3ShapeError(f"{gp}.Grantee.Type", f"must be one of {', '.join(GRANTEE_TYPES)} (got {gtype!r})")
        key = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}[str(gtype)]
        who = grantee.get(key)
        if not isinstance(who, str) or not who:
            raise S3ShapeError(f"{gp}.Grantee.{key}", f"a {gtype} grantee needs its {key} (a string)")
        grants.append(Grant(str(gtype), who, str(perm), i))
    return Acl(owner_id, tuple(grants))


def read_ownership(value: object, path: str) -> str | None:
    """A plain ``"BucketOwnerEnforced"``, or ``get-bucket-ownership-controls`` output
    (``{"OwnershipControls": {"Rules": [{"ObjectOwnership": ...}]}}``); no controls (``{}``, as ``parc collect``
    writes S3's ``OwnershipControlsNotFoundError``, or that error document) read as None (ACLs on)."""
    if isinstance(value, str):
        if value not in OWNERSHIP:
            raise S3ShapeError(path, f"must be one of {', '.join(OWNERSHIP)} (got {value!r})")
        return value
    obj = _obj(value, path)
    if not obj or _no_configuration(obj):
        return None
    controls = _obj(obj.get("OwnershipControls"), f"{path}.OwnershipControls")
    rules = controls.get("Rules")
    if not isinstance(rules, list):
        raise S3ShapeError(f"{path}.OwnershipControls.Rules", "must be a list of rules")
    out: str | None = None
    for i, rule in enumerate(rules):
        rp = f"{path}.OwnershipControls.Rules[{i}].ObjectOwnership"
        own = _obj(rule, f"{path}.OwnershipControls.Rules[{i}]").get("ObjectOwnership")
        if own not in OWNERSHIP:
            raise S3ShapeError(rp, f"must be one of {', '.join(OWNERSHIP)} (got {own!r})")
        out = str(own)
    return out


def read_settings(value: object, path: str = "s3") -> S3Settings:
    """The ``"s3"`` field of a request (see the README's "Deciding requests")."""
    if isinstance(value, S3Settings):
        return value
    obj = _obj(value, path)
    for key in obj:
        if key not in S3_FIELDS:
            raise S3ShapeError(f"{path}.{key}", f"unknown field; known: {', '.join(S3_FIELDS)}")
    account = bucket = None
    if obj.get("block_public_access") is not None:
        bp = f"{path}.block_public_access"
        levels = _obj(obj["block_public_access"], bp)
        for key in levels:
            if key not in ("account", "bucket"):
                raise S3ShapeError(f"{bp}.{key}", "unknown level; known: account, bucket")
        if levels.get("account") is not None:
            account = read_public_access_block(levels["account"], f"{bp}.account")
        if levels.get("bucket") is not None:
            bucket = read_public_access_block(levels["bucket"], f"{bp}.bucket")
    bucket_acl = read_acl(obj["bucket_acl"], f"{path}.bucket_acl") if obj.get("bucket_acl") is not None else None
    object_acl = read_acl(obj["object_acl"], f"{path}.object_acl") if obj.get("object_acl") is not None else None
    ownership = (read_ownership(obj["object_ownership"], f"{path}.object_ownership")
                 if obj.get("object_ownership") is not None else None)
    ids: dict[str, str] = {}
    if obj.get("canonical_ids") is not None:
        cp = f"{path}.canonical_ids"
        for cid, acct in _obj(obj["canonical_ids"], cp).items():
            if not isinstance(acct, str) or not _ACCOUNT.match(acct):
                raise S3ShapeError(f"{cp}.{cid}", f"must be a 12-digit account id (got {acct!r})")
            ids[str(cid)] = acct
    return S3Settings(account, bucket, bucket_acl, object_acl, ownership, ids)
