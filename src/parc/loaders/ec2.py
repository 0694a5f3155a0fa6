"""``aws ec2 describe-*`` output -> ``parc.core.network`` model, with findings instead of exceptions.

Accepts a folder of JSON files (one per describe command, named after it, ``describe-security-groups.json``, or after
its top-level key, ``SecurityGroups.json``) or one JSON file holding several keys; as the AWS CLI prints it or as
boto3 returns it (``ResponseMetadata`` and timestamps, whatever their form, are not read). Unknown keys are ignored and
a missing key means none of those. Only unreadable input raises (``Ec2LoadError``, naming the file and the line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parc.core.findings import Finding, FindingType
from parc.core.gcpause import without_cyclic_gc
from parc.core.network.model import Snapshot
from parc.core.network.references import reference_findings
from parc.core.policy.jsonpos import JsonSyntaxError, loads
from parc.loaders import ec2_items as items
from parc.loaders.duplicate_keys import repeated_keys
from parc.loaders.ec2_instances import enis_and_instances
from parc.loaders.ec2_items import Ctx, Items
from parc.loaders.locate import locate
from parc.loaders.shape import kind_of

KEYS = (
    "Vpcs",
    "Subnets",
    "RouteTables",
    "InternetGateways",
    "NatGateways",
    "EgressOnlyInternetGateways",
    "VpcPeeringConnections",
    "SecurityGroups",
    "NetworkAcls",
    "NetworkInterfaces",
    "Reservations",
    "ManagedPrefixLists",
    "PrefixLists",
)
_COMMAND_KEYS = {"describe-instances": "Reservations"}


class Ec2LoadError(Exception):
    """The input cannot be read at all (missing path, not JSON, not the expected shape at the top); ``file`` and
    ``line`` say where when one file is the cause."""

    def __init__(self, message: str, file: Path | str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.file = str(file) if file is not None else None
        self.line = line


@dataclass
class LoadResult:
    snapshot: Snapshot
    findings: list[Finding] = field(default_factory=list)
    reads: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """With ``load(keep_reads=True)``: per file read with no key given twice, its text and values (the same whichever
    repetition a reader keeps), for a caller that reads the files again (the audit's evidence positions)."""


def key_for_file(path: Path) -> str | None:
    """``describe-security-groups.json`` and ``SecurityGroups.json`` both hold SecurityGroups."""
    stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.stem
    if stem in KEYS:
        return stem
    if stem in _COMMAND_KEYS:
        return _COMMAND_KEYS[stem]
    if stem.startswith("describe-"):
        key = "".join(part.capitalize() for part in stem[len("describe-") :].split("-"))
        return key if key in KEYS else None
    return None


@without_cyclic_gc
def load(path: str | Path, keep_reads: bool = False) -> LoadResult:
    """Read a snapshot from a folder of describe-* files or from one merged JSON file. ``keep_reads``: keep each
    file's text and values in ``LoadResult.reads`` (for a caller that reads the files again; others would only hold
    them in memory)."""
    root = Path(path)
    if not root.exists():
        raise Ec2LoadError(f"{root}: no such file or directory")
    files = sorted(p for p in root.iterdir() if p.suffix == ".json" and p.is_file()) if root.is_dir() else [root]
    if root.is_dir() and not files:
        raise Ec2LoadError(f"{root}: no .json files (expected aws ec2 describe-* output)")
    merged: dict[str, list[tuple[Any, str, str]]] = {}
    twice: list[Finding] = []
    reads: dict[str, tuple[str, Any]] = {}
    for f in files:
        repeated: list[str] = []
        data, text = _read_json(f, repeated)
        if repeated:  # ambiguous (AWS never writes it; json keeps the last value): each said, where it is
            twice.extend(repeated_keys(text, str(f), repeated, "NET_BAD_INPUT"))
        elif keep_reads:
            reads[str(f)] = (text, data)
        if isinstance(data, list):
            key = key_for_file(f)
            if key is None:
                raise Ec2LoadError(
                    f"{f}: a bare JSON list, and the file name does not say what it holds "
                    "(name it after the describe command or its key, e.g. SecurityGroups.json)", f
                )
            data = {key: data}
        if not isinstance(data, dict):
            raise Ec2LoadError(f"{f}: expected a JSON object (describe-* output), found {type(data).__name__}", f)
        for key, value in data.items():
            if key not in KEYS:
                continue
            if not isinstance(value, list):
                raise Ec2LoadError(f"{f}: {key} should be a list, found {type(value).__name__}", f)
            merged.setdefault(key, []).extend((item, str(f), f"{key}[{i}]") for i, item in enumerate(value))
    result = from_items(merged, sources=tuple(str(f) for f in files))
    locate(result.findings)
    result.findings[:0] = twice
    result.reads = reads
    return result


def from_data(data: Mapping[str, Any], source: str = "<data>") -> LoadResult:
    """Build from already-decoded describe-* output (a dict as boto3 returns it, or several merged)."""
    merged: dict[str, list[tuple[Any, str, str]]] = {}
    wrong: list[Finding] = []
    for key, value in data.items():
        if key not in KEYS:
            continue
        if isinstance(value, list):
            merged[key] = [(item, source, f"{key}[{i}]") for i, item in enumerate(value)]
        elif value is not None:
            wrong.append(Finding("NET_BAD_INPUT", FindingType.ERROR, f"{key} should be a list, found "
                                 f"{kind_of(value)}: none of it is read", key, None, source))
    result = from_items(merged, sources=(source,))
    result.findings[:0] = wrong
    return result


def _read_json(f: Path, repeated: list[str]) -> tuple[Any, str]:
    """The file's values and text; the keys given twice in an object are added to ``repeated``."""
    try:
        text = f.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise Ec2LoadError(f"{f}: cannot read: {e.strerror or e}", f) from None
    except UnicodeDecodeError:
        raise Ec2LoadError(f"{f}: not UTF-8 text", f) from None
    try:
        return loads(text, repeated=repeated), text
    except JsonSyntaxError as e:  # syntax, or past a reading limit (parc.core.limits)
        raise Ec2LoadError(f"{f}:{e.pos.line}:{e.pos.column}: invalid JSON: {e.message}", f, e.pos.line) from None


def from_items(merged: Mapping[str, Items], sources: tuple[str, ...] = ()) -> LoadResult:
    """Build the snapshot from ``(item, file, JSON path)`` lists by top-level key; a bad item is a finding."""
    ctx = Ctx()
    vpcs = [v for v in (items.vpc(ctx, n) for n in ctx.nodes(merged, "Vpcs")) if v]
    vpc_v6 = {v.id: any(c.version == 6 for c in v.cidrs) for v in vpcs}
    prefix_lists = [p for key in ("ManagedPrefixLists", "PrefixLists")
                    for p in (items.prefix_list(ctx, n) for n in ctx.nodes(merged, key)) if p]
    vpc_cidrs = {v.id: v.cidrs for v in vpcs}
    enis, instances = enis_and_instances(ctx, merged)
    present = frozenset(k for k in KEYS if k in merged)
    snapshot = Snapshot(
        vpcs=tuple(vpcs),
        subnets=tuple(s for s in (items.subnet(ctx, n) for n in ctx.nodes(merged, "Subnets")) if s),
        route_tables=tuple(r for r in (items.route_table(ctx, vpc_cidrs, n) for n in ctx.nodes(merged, "RouteTables"))
                           if r),
        internet_gateways=tuple(g for g in (items.igw(ctx, n) for n in ctx.nodes(merged, "InternetGateways")) if g),
        egress_only_internet_gateways=tuple(
            g for g in (items.eigw(ctx, n) for n in ctx.nodes(merged, "EgressOnlyInternetGateways")) if g),
        nat_gateways=tuple(g for g in (items.nat(ctx, n) for n in ctx.nodes(merged, "NatGateways")) if g),
        peering_connections=tuple(
            p for p in (items.peering(ctx, n) for n in ctx.nodes(merged, "VpcPeeringConnections")) if p),
        security_groups=tuple(
            g for g in (items.security_group(ctx, vpc_v6, n) for n in ctx.nodes(merged, "SecurityGroups")) if g),
        network_acls=tuple(a for a in (items.acl(ctx, n) for n in ctx.nodes(merged, "NetworkAcls")) if a),
        enis=tuple(enis),
        instances=tuple(instances),
        prefix_lists=tuple(prefix_lists),
        sources=sources,
        kinds=present,
    )
    findings = ctx.findings + reference_findings(snapshot, present=present)
    return LoadResult(snapshot, findings)
