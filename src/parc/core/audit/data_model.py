"""What the data-encryption and exposure checks read: the data stores of an account as ``parc collect`` records
them (S3 buckets' encryption and versioning; EBS volumes, snapshots and encryption by default; RDS instances,
clusters and snapshots; EFS file systems; KMS keys; Secrets Manager secrets), each item with where it is in the
snapshot so that a finding points at the line.

The loader (``parc.loaders.data_stores``) checks every value's type where it reads it; an item it could not read is
left out with a located input problem, and a file it did not find is in ``missing`` (never "no such resource").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.audit.model import Evidence


@dataclass(frozen=True, slots=True)
class Item:
    """One resource (or one region's setting) of a data store, with its typed values."""

    kind: str
    """``bucket-encryption``, ``bucket-versioning``, ``ebs-default``, ``volume``, ``ebs-snapshot``,
    ``db-instance``, ``db-cluster``, ``db-snapshot``, ``db-cluster-snapshot``, ``file-system``, ``key``,
    ``secret``."""
    id: str
    region: str
    """The region (``""`` for S3, whose buckets the checks name without one)."""
    values: Mapping[str, object]
    """The fields the checks read, of the types the loader checked (absent when the file does not give them)."""
    file: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    arn: str = ""

    def flag(self, name: str) -> bool | None:
        v = self.values.get(name)
        return v if isinstance(v, bool) else None

    def text(self, name: str) -> str | None:
        v = self.values.get(name)
        return v if isinstance(v, str) else None

    def words(self, name: str) -> tuple[str, ...]:
        v = self.values.get(name)
        return tuple(x for x in v if isinstance(x, str)) if isinstance(v, tuple) else ()

    def evidence(self, text: str) -> Evidence:
        return Evidence(text, self.file, self.path, self.line, self.column)

    @property
    def resource(self) -> str:
        return self.arn or self.id


@dataclass(frozen=True)
class DataStores:
    """An account's data stores as the snapshot holds them."""

    items: tuple[Item, ...] = ()
    missing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per kind of item, where the file that would list them is absent (regions, or bucket names for S3)."""
    present: frozenset[str] = frozenset()
    """The kinds whose file was found in at least one place (a kind neither present nor missing: no such data)."""

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]
