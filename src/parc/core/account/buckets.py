"""An account's S3 settings as its snapshot holds them: the account's Block Public Access, and per bucket its own
Block Public Access, ACL and Object Ownership, each with the file it came from.

None always means "the snapshot does not say" (the file is absent or unreadable), never "off": the audit lists what
it could not check. ``settings`` turns them into the engine's ``S3Settings`` for one bucket, where an unknown level
counts as no setting (the answer that reports more, never less).
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from parc.core.authz.s3_settings import Acl, PublicAccessBlock, S3Settings


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    block: PublicAccessBlock | None = None
    acl: Acl | None = None
    ownership: str | None = None
    ownership_known: bool = False
    files: Mapping[str, str] = field(default_factory=dict)
    """Which file each part came from: ``block``, ``acl``, ``ownership`` -> path."""

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


@dataclass(frozen=True)
class S3Snapshot:
    account_block: PublicAccessBlock | None = None
    account_block_file: str | None = None
    buckets: tuple[Bucket, ...] = ()

    @cached_property
    def by_name(self) -> dict[str, Bucket]:
        return {b.name: b for b in self.buckets}

    @property
    def owner_ids(self) -> tuple[str, ...]:
        """The account's canonical user id, as its buckets' ACLs name their owner."""
        return tuple(dict.fromkeys(b.acl.owner_id for b in self.buckets if b.acl is not None and b.acl.owner_id))

    def settings(self, bucket: str, canonical_ids: Mapping[str, str]) -> S3Settings | None:
        """The engine's view of one bucket of this account (None: the snapshot says nothing about S3 here)."""
        b = self.by_name.get(bucket)
        if b is None and self.account_block is None:
            return None
        return S3Settings(self.account_block, b.block if b else None, b.acl if b else None, None,
                          b.ownership if b else None, dict(canonical_ids))


def bucket_of(arn: str) -> str | None:
    """The bucket an S3 bucket or object ARN names (None: not such an ARN)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "s3" or parts[3] or parts[4]:
        return None
    name = parts[5].split("/", 1)[0]
    return name or None
