"""Evidence that points into the snapshot: a statement of a policy document, found by the name the engine reports
(``StatementRef.policy_name``) or directly, with its file, JSON path, line and column.

A document stored as a JSON string (or URL-encoded) has no position of its own inside the file: the evidence then
points at the string and says where in the decoded document the statement is.
"""

from __future__ import annotations

import json

from parc.core.audit.inputs import AuditInput, PolicyDocument
from parc.core.audit.model import Evidence
from parc.core.authz.decision import StatementRef
from parc.core.findings import Position
from parc.core.policy.jsonpos import JNode

MAX_TEXT = 300


def compact(node: JNode | None) -> str:
    """The JSON of a node on one line, shortened for reports."""
    if node is None:
        return ""
    text = json.dumps(node.to_python(), separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def at(doc: PolicyDocument, path: str, pos: Position | None, text: str) -> Evidence:
    """Evidence at ``pos`` (a position in the document's node) under ``path`` (relative to the document)."""
    full = f"{doc.path}.{path}" if path else doc.path
    if doc.embedded:
        if pos is not None and pos.line > 0:
            return Evidence(text, doc.file, full, pos.line, pos.column)
        return Evidence(text, doc.file, full, *_pos(doc.position))
    note = ""
    if pos is not None and pos.line > 0:
        note = f"line {pos.line}, column {pos.column} of the policy stored as a JSON string"
    return Evidence(text, doc.file, full, *_pos(doc.position), note=note)


def _pos(p: Position | None) -> tuple[int | None, int | None]:
    if p is None or p.line < 1:
        return None, None
    return p.line, p.column


def statement(doc: PolicyDocument, index: int, label: str = "") -> Evidence:
    nodes = doc.statements
    node = nodes[index] if 0 <= index < len(nodes) else None
    path = doc.statement_path(index)[len(doc.path) + 1:]
    head = f"{label}: " if label else ""
    text = head + (compact(node) if node is not None else f"statement #{index} of {doc.name}")
    return at(doc, path, node.pos if node is not None else None, text)


def find(inputs: AuditInput, name: str | None, account: str | None = None) -> PolicyDocument | None:
    return inputs.document(name, account)


def from_ref(inputs: AuditInput, ref: StatementRef, label: str = "", account: str | None = None) -> Evidence:
    """The statement the engine named; when the snapshot's files do not hold it (an SCP, a stand-in policy), the
    engine's own description."""
    doc = inputs.document(ref.policy_name, account)
    name = ref.policy_name or f"{ref.policy_type} policy"
    head = label or f"{ref.effect} by {name}"
    if doc is None:
        sid = f" {ref.sid!r}" if ref.sid else ""
        return Evidence(f"{head}: statement #{ref.statement_index}{sid} ({ref.policy_type} policy {name})")
    return statement(doc, ref.statement_index, head)
