"""Fuzz the credential report and password policy readers and the account security checks over them (issue 19):
the bundled reports (CSV, and the CLI's JSON with the CSV in base64) and password policies, mutated cell by cell
(any text, extreme dates, big numbers), row by row (dropped, duplicated, cut short), column by column, and byte-wise.

Nothing raises; a present file is never taken for an absent one (no report means a finding says why); and every
non-blank row of the CSV is either read or reported with its line.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from fuzzcfg import fuzz
from hypothesis import given
from hypothesis import strategies as st
from snapshot_mutations import VALUES, bytewise

from parc.core.audit.account_security import credential_checks, password_policy_checks
from parc.core.audit.credentials import CredentialReport
from parc.loaders.credentials import load_credential_report, parse_credential_report, parse_password_policy

ORG = Path(__file__).resolve().parents[2] / "examples" / "org"
CSVS = [p.read_text() for p in sorted(ORG.glob("*/credential-report.csv"))]
CSVS += [base64.b64decode(json.loads(p.read_text())["Content"]).decode() for p in
         sorted(ORG.glob("*/credential-report.json"))]
POLICIES = [p.read_text() for p in sorted(ORG.glob("*/password-policy.json"))]
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CELLS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "N/A", "no_information", "not_supported", "true", "false", "TRUE", "0001-01-01T00:00:00+14:00",
                     "9999-12-31T23:59:59-14:00", "2026-02-30T00:00:00Z", "2026-11-30", "9" * 5000, '"', "\x00",
                     "<root_account>", "arn:aws:iam::111122223333:root"]),
)


@st.composite
def mutated_csv(draw: st.DrawFn) -> str:
    rows = list(csv.reader(io.StringIO(draw(st.sampled_from(CSVS)))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        how = draw(st.sampled_from(["cell", "cell", "drop-row", "dup-row", "cut-row", "drop-column"]))
        r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        if how == "cell" and rows[r]:
            rows[r][draw(st.integers(min_value=0, max_value=len(rows[r]) - 1))] = draw(CELLS)
        elif how == "drop-row":
            del rows[r]
        elif how == "dup-row":
            rows.insert(r, list(rows[r]))
        elif how == "cut-row":
            rows[r] = rows[r][: draw(st.integers(min_value=0, max_value=len(rows[r])))]
        elif how == "drop-column" and rows and rows[0]:
            c = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
            rows = [row[:c] + row[c + 1:] for row in rows]
        if not rows:
            break
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    return draw(bytewise(text)) if draw(st.booleans()) and text else text


def records(text: str) -> int:
    """How many non-blank data rows Python's CSV reader sees (as far as it can read)."""
    n = 0
    try:
        for i, record in enumerate(csv.reader(io.StringIO(text))):
            if i and any(cell.strip() for cell in record):
                n += 1
    except csv.Error:
        pass
    return n


def checks(report: CredentialReport | None) -> None:
    now = (report.generated or report.latest or NOW) if report is not None else NOW
    credential_checks("111122223333", report, now)


@fuzz
@given(mutated_csv())
def test_mutated_csv_reports_are_read_or_reported_row_by_row(text: str) -> None:
    report, findings = parse_credential_report(text, "credential-report.csv")
    checks(report)
    if report is None:
        assert findings  # present but unreadable, never "absent"
        return
    unread_rows = [f for f in findings if f.line]
    if len(report.rows) < records(text):
        assert unread_rows or findings, (len(report.rows), records(text))


@fuzz
@given(st.data())
def test_the_cli_json_form_is_read_or_reported(data: st.DataObject) -> None:
    text = data.draw(mutated_csv())
    content: object = base64.b64encode(text.encode("utf-8", errors="surrogateescape")).decode()
    if data.draw(st.integers(min_value=0, max_value=4)) == 0:
        content = data.draw(VALUES)
    doc: object = {"Content": content, "GeneratedTime": data.draw(st.one_of(VALUES, st.just("2026-11-30T08:00:00Z"))),
                   "ReportFormat": "text/csv"}
    raw = json.dumps(doc)
    if data.draw(st.booleans()):
        raw = data.draw(bytewise(raw))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "credential-report.json").write_text(raw, encoding="utf-8", errors="surrogateescape")
        report, findings = load_credential_report(Path(tmp))
    checks(report)
    if report is None:
        assert findings


@fuzz
@given(st.data())
def test_password_policies_are_read_or_reported(data: st.DataObject) -> None:
    base = json.loads(data.draw(st.sampled_from(POLICIES)))
    body = base.get("PasswordPolicy", base) if isinstance(base, dict) else {}
    body = dict(body) if isinstance(body, dict) else {}
    for key in data.draw(st.lists(st.sampled_from(["MinimumPasswordLength", "RequireSymbols", "MaxPasswordAge",
                                                   "PasswordReusePrevention", "HardExpiry", "ExpirePasswords"]),
                                  max_size=3)):
        body[key] = data.draw(VALUES)
    text = json.dumps(data.draw(st.sampled_from([{"PasswordPolicy": body}, body, [body], {"PasswordPolicy": [1]}])))
    if data.draw(st.booleans()):
        text = data.draw(bytewise(text))
    policy, findings = parse_password_policy(text, "password-policy.json")
    password_policy_checks("111122223333", policy)
    if policy is None:
        assert findings  # present but unreadable, never "absent"
