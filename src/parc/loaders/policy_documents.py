"""The policy documents of an account snapshot, each positioned in the file it came from: the IAM export's inline,
managed and trust policies, and resource-policies.json's resource policies (the audit's lint and evidence point at
their lines).

Why the export is not simply read with positions: the positioned reader builds a node for every value of the file,
and most of an export is not policy documents (names, ids, dates, tags, attachment lists): at 5,000 roles that read
was a tenth of the whole audit. So an export is read with the standard library (``jsonpos.loads``, a repeated key's
first value, as positions read it), the documents' places are found by ``jsonwhere.spans`` (the walk follows only
the lists and entities on the way to them) and each document alone is read with positions (``jsonpos.parse_span``
on its span, in the file's lines and columns and nesting), when first asked for: the audit decides each content
once (``PolicyDocument.content``, from the values), so most copies of a document are never read with positions.
The result is the same as reading the whole file with positions; a file where it could not be (a key given twice,
which the duplicate-key findings must locate; a document nested past the positioned reader's limit) is read the
whole way, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from parc.core.audit.inputs import InFile, PolicyDocument
from parc.core.findings import Finding, FindingType, Position
from parc.core.limits import MAX_DEPTH
from parc.core.policy.jsonpos import JNode, JsonLimitError, JsonSyntaxError, loads, parse_json
from parc.core.policy.jsonshape import too_deep, value_content
from parc.core.policy.jsonwhere import ANY, Pattern, Span, spans
from parc.core.policy.jsonwhere import Path as JsonPath
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import decode_text
from parc.loaders.account import EXPORT_GLOB
from parc.loaders.account.jsonfile import SharedReads
from parc.loaders.account.resources import RESOURCE_POLICIES
from parc.loaders.duplicate_keys import duplicate_keys

__all__ = ["export_documents", "resource_documents"]

# The inline policy lists of each entity list of an export.
_ENTITIES = (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
             ("RoleDetailList", "RolePolicyList"))
# Every place of an export a policy document may be.
_DOCUMENT_PATTERNS: tuple[Pattern, ...] = (
    *((key, ANY, inline, ANY, "PolicyDocument") for key, inline in _ENTITIES),
    ("RoleDetailList", ANY, "AssumeRolePolicyDocument"),
    ("Policies", ANY, "PolicyVersionList", ANY, "Document"),
)

Placed = tuple[JNode | InFile | None, Position | None]
"""A document's positioned tree, or where to read it (None for one stored as a string: its value is decoded
instead), and where it is."""
Place = Callable[[JsonPath, object], Placed]


class _Whole(Exception):
    """A document cannot be read on its own (nested past the positioned reader's limit): the file is read the whole
    way with positions, and the limit reported."""


def export_documents(folder: Path, account_id: str, problems: list[Finding],
                     shared: SharedReads | None = None) -> list[PolicyDocument]:
    """Every document of the account's export files, in the order of the files, entities and versions.
    ``shared``: what the account loader read of them (``SharedReads``), used instead of reading them again."""
    reads = [(f, _read_export(f, problems, shared)) for f in sorted(folder.glob(EXPORT_GLOB))]
    boundaries: set[str] = set()
    attached: set[str] = set()
    for _, read in reads:
        if read is None:
            continue
        top = read[0]
        for key, _inline in _ENTITIES:
            for entry in _items(_member(top, key)):
                b = _member(entry, "PermissionsBoundary")
                arn = _text(_member(b, "PermissionsBoundaryArn"))
                if arn:
                    boundaries.add(arn)
                for a in _items(_member(entry, "AttachedManagedPolicies")):
                    parn = _text(_member(a, "PolicyArn"))
                    if parn:
                        attached.add(parn)
    out: list[PolicyDocument] = []
    for file, read in reads:
        if read is None:
            continue
        try:
            out.extend(_entities(file, *read, account_id, boundaries - attached))
        except _Whole:
            tree = _read_tree(file, problems)
            if tree is not None:
                out.extend(_entities(file, *_tree_reading(tree), account_id, boundaries - attached))
    return out


def resource_documents(folder: Path, account_id: str, problems: list[Finding]) -> Iterator[PolicyDocument]:
    """The resource policies of resource-policies.json (a small file: read with positions)."""
    file = folder / RESOURCE_POLICIES
    if not file.is_file():
        return
    tree = _read_tree(file, problems)
    if tree is None:
        return
    problems.extend(duplicate_keys(tree, str(file)))
    top, place = _tree_reading(tree)
    entries = top
    prefix = ""
    if isinstance(top, dict):
        if "ResourcePolicies" not in top:
            return
        entries, prefix = top["ResourcePolicies"], "ResourcePolicies"
    for i, entry in enumerate(_items(entries)):
        arn = _text(_member(entry, "arn")) or _text(_member(entry, "Arn"))
        key = "policy" if isinstance(entry, dict) and "policy" in entry else "Policy"
        if not arn:
            continue
        at: JsonPath = (prefix, i, key) if prefix else (i, key)
        doc = _document(place, at, _member(entry, key), name=arn, account_id=account_id, owner=arn, kind="resource",
                        policy_type=PolicyType.RESOURCE, file=str(file), path=f"{prefix}[{i}].{key}")
        if doc is not None:
            yield doc


# ---- reading a file -----------------------------------------------------------------------------------------------


def _read_export(file: Path, problems: list[Finding], shared: SharedReads | None) -> tuple[object, Place] | None:
    """The export's values and where its documents are, or None when it cannot be read (the account loader, which
    read it first, reported why; a limit of the positioned reader is reported here)."""
    repeated: list[str] = []
    known = shared.files.get(str(file)) if shared is not None else None
    if known is not None:  # read by the account loader, no key given twice: its values are these
        text, values = known
    else:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        try:
            values = loads(text, first_key_wins=True, repeated=repeated)
        except JsonLimitError as exc:
            problems.append(_limit(file, exc))
            return None
        except (JsonSyntaxError, RecursionError):
            return None  # the account loader has reported it already
    found = spans(text, _DOCUMENT_PATTERNS) if not repeated else None
    if found is None:  # a repeated key (located by the whole tree's walk), or a text the walk does not read
        tree = _read_tree(file, problems)
        if tree is None:
            return None
        problems.extend(duplicate_keys(tree, str(file)))
        return _tree_reading(tree)
    return values, _span_place(text, found, shared)


def _span_place(text: str, found: dict[JsonPath, Span], shared: SharedReads | None) -> Place:
    def place(path: JsonPath, value: object) -> Placed:
        pos, start, end = found[path]
        if not isinstance(value, dict):
            return None, pos
        depth = len(path)
        # A document holds at most as many levels as its text has brackets (a cheap bound; most have a dozen).
        if depth + text.count("{", start, end) + text.count("[", start, end) > MAX_DEPTH and too_deep(value, depth):
            raise _Whole  # the positioned reader stops there: the whole file is read with it, which says so
        compact = shared.compact_text(value) if shared is not None else None
        return InFile(text, start, end, pos, depth, compact if compact is not None else value_content(value)), pos
    return place


def _tree_reading(tree: JNode) -> tuple[object, Place]:
    """A tree's values (a repeated key's first, as ``JNode.get``) and its documents' places."""
    def place(path: JsonPath, value: object) -> Placed:
        node: JNode | None = tree
        for part in path:
            if node is None:
                break
            if isinstance(part, int):
                node = node.items[part] if node.kind == "array" else None
            else:
                m = node.get(part) if node.kind == "object" else None
                node = m.node if m is not None else None
        assert node is not None  # the path was read from these values
        return (node if node.kind == "object" else None), node.pos
    return _first_values(tree), place


def _first_values(node: JNode) -> object:
    if node.kind == "object":
        out: dict[str, object] = {}
        for m in node.members:
            if m.key not in out:
                out[m.key] = _first_values(m.node)
        return out
    if node.kind == "array":
        return [_first_values(n) for n in node.items]
    return node.value


def _read_tree(file: Path, problems: list[Finding]) -> JNode | None:
    """The file with positions. A syntax error was reported by the loader that read the file first; a document past
    the positioned reader's limits (nesting, number length) may have been read there by the standard library, so
    that is reported here: the documents it holds are left out, never silently (found by
    tests/fuzz/test_fuzz_account_snapshot.py)."""
    try:
        return parse_json(file.read_text(encoding="utf-8-sig"))
    except JsonLimitError as exc:
        problems.append(_limit(file, exc))
        return None
    except (OSError, UnicodeDecodeError, RecursionError, ValueError):  # JsonSyntaxError is a ValueError
        return None  # the account loader has reported it already


def _limit(file: Path, exc: JsonLimitError) -> Finding:
    return Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR,
                   f"{file.name}: {exc.message}; its policy documents are not checked", "", exc.pos, str(file))


# ---- the documents ------------------------------------------------------------------------------------------------


def _member(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _document(place: Place, at: JsonPath, value: object, name: str, account_id: str, owner: str, kind: str,
              policy_type: PolicyType, file: str, path: str, aws_managed: bool = False,
              default_version: bool = True) -> PolicyDocument | None:
    """The document at ``at``: an object in the file, or a string holding the policy (JSON or URL-encoded)."""
    source: JNode | InFile | None
    if isinstance(value, dict):
        source, pos = place(at, value)
        embedded = True
    elif isinstance(value, str):
        _, pos = place(at, value)
        source, _finding = decode_text(value)
        embedded = False
    else:
        return None
    return PolicyDocument(name, account_id, owner, kind, policy_type, file, path, source, embedded, pos, aws_managed,
                          default_version)


def _entities(file: Path, top: object, place: Place, account_id: str,
              boundary_only: set[str]) -> list[PolicyDocument]:
    name = str(file)
    out: list[PolicyDocument] = []

    def add(doc: PolicyDocument | None) -> None:
        if doc is not None:
            out.append(doc)

    for key, inline_key in _ENTITIES:
        for i, entry in enumerate(_items(_member(top, key))):
            arn = _text(_member(entry, "Arn"))
            if not arn:
                continue
            base = f"{key}[{i}]"
            if key == "RoleDetailList":
                add(_document(place, (key, i, "AssumeRolePolicyDocument"), _member(entry, "AssumeRolePolicyDocument"),
                              name=f"{arn} trust policy", account_id=account_id, owner=arn, kind="trust",
                              policy_type=PolicyType.TRUST, file=name, path=f"{base}.AssumeRolePolicyDocument"))
            for j, item in enumerate(_items(_member(entry, inline_key))):
                pname = _text(_member(item, "PolicyName"))
                if pname is None:
                    continue
                add(_document(place, (key, i, inline_key, j, "PolicyDocument"), _member(item, "PolicyDocument"),
                              name=f"{arn} inline {pname}", account_id=account_id, owner=arn, kind="inline",
                              policy_type=PolicyType.IDENTITY, file=name,
                              path=f"{base}.{inline_key}[{j}].PolicyDocument"))
    for i, entry in enumerate(_items(_member(top, "Policies"))):
        arn = _text(_member(entry, "Arn"))
        if not arn:
            continue
        default = _text(_member(entry, "DefaultVersionId")) or ""
        versions = _items(_member(entry, "PolicyVersionList"))
        if not default:
            for k, v in enumerate(versions):
                if _member(v, "IsDefaultVersion") is True:
                    default = _text(_member(v, "VersionId")) or f"v{k + 1}"
                    break
        ptype = PolicyType.BOUNDARY if arn in boundary_only else PolicyType.IDENTITY
        for k, v in enumerate(versions):
            vid = _text(_member(v, "VersionId")) or f"v{k + 1}"
            is_default = _member(v, "IsDefaultVersion") is True or vid == default
            add(_document(place, ("Policies", i, "PolicyVersionList", k, "Document"), _member(v, "Document"),
                          name=arn if is_default else f"{arn} {vid}", account_id=account_id, owner=arn,
                          kind="managed", policy_type=ptype, file=name,
                          path=f"Policies[{i}].PolicyVersionList[{k}].Document",
                          aws_managed=":iam::aws:policy/" in arn, default_version=is_default))
    return out
