"""The files the extra identity and network checks read, into ``parc.core.audit.idnet_inputs`` models:

* ``iam/list-virtual-mfa-devices.json``: ``aws iam list-virtual-mfa-devices`` (``VirtualMFADevices``, each with its
  ``SerialNumber`` and the ``User`` it is assigned to;
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html);
* ``iam/list-server-certificates.json``: ``aws iam list-server-certificates`` (``ServerCertificateMetadataList``,
  each with its ``Expiration``; https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServerCertificateMetadata.html);
* ``ec2/describe-instances.json``: each instance's ``IamInstanceProfile`` and ``MetadataOptions``
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsResponse.html); the network
  loader reads the same file for addresses and groups, and reports a file it cannot read;
* ``ec2/REGION/get-instance-metadata-defaults.json``: ``aws ec2 get-instance-metadata-defaults``
  (``AccountLevel.HttpTokens``; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetInstanceMetadataDefaults.html).

``parc collect`` writes all four. Nothing here raises: a file that cannot be read leaves its part ``None`` with the
reason (the check then says "not checked"), an item that cannot be read is a located finding and is left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from parc.core.audit.idnet_inputs import (
    IdnetInputs,
    InstanceFacts,
    MetadataDefault,
    ServerCertificate,
    VirtualMfa,
    Where,
)
from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, parse_json

VIRTUAL_MFA = "iam/list-virtual-mfa-devices.json"
CERTIFICATES = "iam/list-server-certificates.json"
INSTANCES = "ec2/describe-instances.json"
METADATA_DEFAULTS = "get-instance-metadata-defaults.json"


def _error(message: str, file: Path | str, node: JNode | None = None, path: str = "") -> Finding:
    pos = Position(node.pos.line, node.pos.column) if node is not None else None
    return Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, message, path, pos, str(file))


def _tree(file: Path, problems: list[Finding], report: bool = True) -> tuple[JNode | None, str]:
    """The parsed file, or None and why (reported as a finding unless ``report`` is False)."""
    try:
        return parse_json(file.read_text(encoding="utf-8-sig")), ""
    except JsonSyntaxError as exc:
        why = f"{file} is not valid JSON (line {exc.pos.line}: {exc.message})"
        if report:
            problems.append(Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, f"{file.name}: invalid JSON: "
                                    f"{exc.message}", "", Position(exc.pos.line, exc.pos.column), str(file)))
        return None, why
    except (OSError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        why = f"{file} could not be read ({type(exc).__name__}: {str(exc)[:120]})"
        if report:
            problems.append(_error(why, file))
        return None, why


def _member(node: JNode | None, key: str) -> JNode | None:
    if node is None or node.kind != "object":
        return None
    m = node.get(key)
    return m.node if m is not None else None


def _text(node: JNode | None) -> str | None:
    return str(node.value) if node is not None and node.kind == "string" else None


def _where(file: Path, path: str, node: JNode) -> Where:
    return Where(str(file), path, node.pos.line, node.pos.column)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo is not None else d.replace(tzinfo=UTC)


def _list(tree: JNode | None, key: str, file: Path, problems: list[Finding]) -> tuple[list[JNode] | None, str]:
    """The array ``key`` of the top object: None (and why, reported) when the file is not that shape."""
    node = _member(tree, key)
    if node is None or node.kind != "array":
        why = f"{file}: expected an object with a {key} list (the command's JSON output)"
        problems.append(_error(why, file, tree))
        return None, why
    return node.items, ""


def load_idnet(folder: Path) -> tuple[IdnetInputs, list[Finding]]:
    problems: list[Finding] = []
    base = IdnetInputs()
    mfa, mfa_why = _virtual_mfa(folder / VIRTUAL_MFA, problems)
    certs, certs_why = _certificates(folder / CERTIFICATES, problems)
    instances, inst_why = _instances(folder / INSTANCES, problems)
    defaults, def_why = _metadata_defaults(folder / "ec2", problems)
    return IdnetInputs(
        mfa, mfa_why or base.virtual_mfa_missing, certs, certs_why or base.certificates_missing,
        instances, inst_why or base.instances_missing, defaults, def_why or base.metadata_defaults_missing,
    ), problems


def _listed(file: Path, key: str, problems: list[Finding]) -> tuple[list[JNode] | None, str]:
    """The items of the file's top-level list ``key``; None with why when the file is absent ("") or unreadable."""
    if not file.is_file():
        return None, ""
    tree, why = _tree(file, problems)
    if tree is None:
        return None, why
    return _list(tree, key, file, problems)


def _virtual_mfa(file: Path, problems: list[Finding]) -> tuple[tuple[VirtualMfa, ...] | None, str]:
    items, why = _listed(file, "VirtualMFADevices", problems)
    if items is None:
        return None, why
    out = []
    for i, item in enumerate(items):
        path = f"VirtualMFADevices[{i}]"
        serial = _text(_member(item, "SerialNumber"))
        if serial is None:
            problems.append(_error(f"{file.name}: {path} has no SerialNumber string; left out", file, item, path))
            continue
        out.append(VirtualMfa(serial, _text(_member(_member(item, "User"), "Arn")), _where(file, path, item)))
    return tuple(out), ""


def _certificates(file: Path, problems: list[Finding]) -> tuple[tuple[ServerCertificate, ...] | None, str]:
    items, why = _listed(file, "ServerCertificateMetadataList", problems)
    if items is None:
        return None, why
    out = []
    for i, item in enumerate(items):
        path = f"ServerCertificateMetadataList[{i}]"
        name = _text(_member(item, "ServerCertificateName"))
        arn = _text(_member(item, "Arn")) or name
        raw = _member(item, "Expiration")
        expiration = _date(_text(raw))
        if name is None or arn is None or (raw is not None and expiration is None):
            problems.append(_error(f"{file.name}: {path} needs a ServerCertificateName and an ISO 8601 Expiration; "
                                   "left out", file, item, path))
            continue
        out.append(ServerCertificate(name, arn, expiration, _where(file, path, item)))
    return tuple(out), ""


def _instances(file: Path, problems: list[Finding]) -> tuple[tuple[InstanceFacts, ...] | None, str]:
    if not file.is_file():
        return None, ""
    # The network loader reads this file too and reports what it cannot read: not reported twice.
    tree, why = _tree(file, problems, report=False)
    if tree is None:
        return None, why
    reservations = _member(tree, "Reservations")
    if reservations is None or reservations.kind != "array":
        return None, f"{file} has no Reservations list (the output of aws ec2 describe-instances)"
    out = []
    for i, res in enumerate(reservations.items):
        insts = _member(res, "Instances")
        for j, inst in enumerate(insts.items if insts is not None and insts.kind == "array" else []):
            path = f"Reservations[{i}].Instances[{j}]"
            iid = _text(_member(inst, "InstanceId"))
            if iid is None:
                continue  # the network loader reports it
            state = _text(_member(_member(inst, "State"), "Name")) or _text(_member(inst, "State")) or "running"
            if state in ("terminated", "shutting-down"):
                continue
            profile = _member(inst, "IamInstanceProfile")
            meta = _member(inst, "MetadataOptions")
            bad = [k for k, n in (("IamInstanceProfile", profile), ("MetadataOptions", meta))
                   if n is not None and n.kind not in ("object", "null")]
            if bad:
                problems.append(_error(f"{file.name}: {path} ({iid}): {', '.join(bad)} should be an object; the "
                                       "instance is left out of the instance profile and IMDSv2 checks", file, inst,
                                       path))
                continue
            name = None
            tags = _member(inst, "Tags")
            for t in tags.items if tags is not None and tags.kind == "array" else []:
                if _text(_member(t, "Key")) == "Name":
                    name = _text(_member(t, "Value"))
            out.append(InstanceFacts(iid, state, name, _text(_member(profile, "Arn")) if profile is not None else None,
                                     _text(_member(meta, "HttpTokens")), _text(_member(meta, "HttpEndpoint")),
                                     _where(file, path, inst)))
    return tuple(out), ""


def _metadata_defaults(ec2: Path, problems: list[Finding]) -> tuple[tuple[MetadataDefault, ...] | None, str]:
    if not ec2.is_dir():
        return None, ""
    files = sorted(ec2.glob(f"*/{METADATA_DEFAULTS}"))
    if not files:
        return None, ""
    out = []
    unread = []
    for file in files:
        tree, _ = _tree(file, problems)
        if tree is None or tree.kind != "object":
            if tree is not None:
                problems.append(_error(f"{file.name}: expected the output of aws ec2 get-instance-metadata-defaults",
                                       file, tree))
            unread.append(file.parent.name)
            continue
        level = _member(tree, "AccountLevel")
        tokens = _member(level, "HttpTokens")
        if (level is not None and level.kind not in ("object", "null")) or (
                tokens is not None and tokens.kind not in ("string", "null")):
            problems.append(_error(f"{file.name}: AccountLevel.HttpTokens should be a string", file,
                                   tokens or level, "AccountLevel.HttpTokens"))
            unread.append(file.parent.name)
            continue
        at = tokens or level or tree
        out.append(MetadataDefault(file.parent.name, _text(tokens), _where(file, "AccountLevel.HttpTokens", at)))
    if unread and not out:
        return None, f"the instance metadata defaults of {', '.join(unread)} could not be read"
    return tuple(out), ""
