"""Fuzz the account snapshot loaders, the audit and who-can (issue 19): one file of the bundled examples/org
(three accounts, 38 files) mutated structurally (a wrong type at any field, a dropped or duplicated key or item,
deep nesting) or byte-wise, the rest left as it is.

Only parc's own errors may come out (``SnapshotError`` for a snapshot that is not there at all; who-can's
``UnknownPrincipal``/``RequestError``/``PolicyCompileError`` for a bad question); no audit check may fail inside parc;
and nothing is lost silently: when fewer principals, documents or resource policies are analysed than in the
unmutated snapshot, or a file could not be read at all, the report names that file as unread ("not checked").
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from snapshot_mutations import bytewise, dumps, structural

from parc.core.account.evaluator import Evaluator
from parc.core.account.principals import UnknownPrincipal
from parc.core.account.who_can import who_can
from parc.core.audit import AuditOptions, AuditReport, audit
from parc.core.authz import PolicyCompileError, RequestError
from parc.loaders.snapshot import SnapshotError, load_audit_snapshot

ORG = Path(__file__).resolve().parents[2] / "examples" / "org"
FILES = sorted(str(p.relative_to(ORG)) for p in ORG.rglob("*.json"))
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
COUNTED = ("users", "roles", "policy_documents", "resource_policies")


def run(root: Path) -> AuditReport | None:
    try:
        inputs = load_audit_snapshot(root)
    except SnapshotError:
        return None
    report = audit(inputs, AuditOptions(NOW))
    failed = [n for n in report.not_checked if "parc failed" in n.reason]
    assert not failed, failed
    ev = Evaluator(inputs.estate)
    with suppress(UnknownPrincipal, RequestError, PolicyCompileError):
        who_can(ev, "s3:GetObject", "arn:aws:s3:::prod-customer-data/exports/report.csv")
    return report


BASELINE = run(ORG)
assert BASELINE is not None and not BASELINE.unread


@contextmanager
def copy_of_org() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "org"
        shutil.copytree(ORG, root)
        yield root


def check_nothing_lost_silently(report: AuditReport, name: str, unreadable_file: bool) -> None:
    assert BASELINE is not None
    unread_files = {Path(u.file).name for u in report.unread}
    if unreadable_file:
        assert Path(name).name in unread_files, report.unread
    fewer = [k for k in COUNTED if report.counts[k] < BASELINE.counts[k]]
    if fewer:
        assert unread_files, (name, fewer)


@fuzz
@given(st.data())
def test_structural_mutations_are_analysed_or_reported(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FILES))
    doc = json.loads((ORG / name).read_text())
    mutated, path, how, _old = data.draw(structural(doc)) if doc else (data.draw(st.none()), (), "", None)
    with copy_of_org() as root:
        (root / name).write_text(dumps(mutated), encoding="utf-8")
        report = run(root)
    removed_an_item = how == "delete" and bool(path) and isinstance(path[-1], int)  # a valid, smaller snapshot
    if report is not None and not removed_an_item:
        check_nothing_lost_silently(report, name, unreadable_file=False)


@fuzz
@given(st.data())
def test_bytewise_mutations_are_analysed_or_reported(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FILES))
    text = data.draw(bytewise((ORG / name).read_text()))
    with copy_of_org() as root:
        (root / name).write_text(text, encoding="utf-8", errors="surrogateescape")
        report = run(root)
        try:
            json.loads((root / name).read_text(encoding="utf-8-sig"))
            readable = True
        except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            readable = False
    if report is not None:
        check_nothing_lost_silently(report, name, unreadable_file=not readable)
