"""The credential report and the password policy of an account snapshot, read into ``parc.core.audit`` models.

``credential-report.csv``: the CSV of ``aws iam get-credential-report``, decoded
(``aws iam get-credential-report --query Content --output text | base64 -d``); or ``credential-report.json``, the
command's JSON output as it is (``Content`` in base64, and ``GeneratedTime``, which then dates the audit).
Columns and their special values: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html

``password-policy.json``: the output of ``aws iam get-account-password-policy`` (``{"PasswordPolicy": {...}}``,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountPasswordPolicy.html). An account without a
password policy makes that command fail with ``NoSuchEntity``: save ``{}``, ``{"PasswordPolicy": null}`` or the
error message itself, and the audit reports the missing policy.

Nothing here raises on bad content: what cannot be read comes back as a finding naming the file, the line and the
problem, and the part is treated as absent (so the audit says "not checked", never "fine").
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from parc.core.audit.credentials import AccessKey, CredentialReport, CredentialRow, PasswordPolicy
from parc.core.findings import Finding, FindingType, Position
from parc.core.policy.jsonpos import JNode, JsonSyntaxError, loads, parse_json

REPORT_CSV = "credential-report.csv"
REPORT_JSON = "credential-report.json"
PASSWORD_POLICY = "password-policy.json"
REPORT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html"
POLICY_DOCS = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountPasswordPolicy.html"

REQUIRED = ("user", "arn", "password_enabled", "mfa_active")
ABSENT = frozenset({"", "n/a", "no_information", "not_supported"})


def _error(message: str, file: Path | str, line: int | None = None, column: int | None = None,
           learn_more: str = REPORT_DOCS) -> Finding:
    pos = Position(line, column or 1) if line else None
    return Finding("AUDIT_INPUT_UNREADABLE", FindingType.ERROR, message, "", pos, str(file), learn_more)


def _date(value: str) -> datetime | None:
    v = value.strip()
    if v.lower() in ABSENT:
        return None
    try:
        d = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo is not None else d.replace(tzinfo=UTC)


def _bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    return None


def load_credential_report(folder: Path) -> tuple[CredentialReport | None, list[Finding]]:
    """The report in ``folder`` (the CSV, else the CLI's JSON output), or None when there is none."""
    csv_file = folder / REPORT_CSV
    json_file = folder / REPORT_JSON
    if csv_file.is_file():
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return None, [_error(f"cannot read {csv_file.name}: {exc}", csv_file)]
        return parse_credential_report(text, str(csv_file))
    if json_file.is_file():
        return _from_cli_json(json_file)
    return None, []


def _from_cli_json(file: Path) -> tuple[CredentialReport | None, list[Finding]]:
    try:
        data = loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_error(f"cannot read {file.name}: {exc}", file)]
    except JsonSyntaxError as exc:
        return None, [_error(f"{file.name} is not valid JSON: {exc.message}", file, exc.pos.line, exc.pos.column)]
    if not isinstance(data, dict) or not isinstance(data.get("Content"), str):
        return None, [_error(f"{file.name}: expected the output of aws iam get-credential-report "
                             "({\"Content\": base64, \"GeneratedTime\": ...})", file)]
    try:
        text = base64.b64decode(data["Content"], validate=True).decode("utf-8-sig")
    except (binascii.Error, ValueError):
        return None, [_error(f"{file.name}: Content is not base64-encoded UTF-8 CSV", file)]
    report, findings = parse_credential_report(text, str(file))
    generated = _date(str(data.get("GeneratedTime", "")))
    if report is not None:
        report = CredentialReport(report.file, report.rows, generated, report.latest, encoded=True)
    return report, findings


def parse_credential_report(text: str, file: str) -> tuple[CredentialReport | None, list[Finding]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return None, [_error(f"{Path(file).name} is empty (expected the credential report's CSV)", file, 1)]
    except csv.Error as exc:
        return None, [_error(f"{Path(file).name}: not CSV: {exc}", file, 1)]
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return None, [_error(f"{Path(file).name}: the header lacks {', '.join(missing)} (is it the decoded "
                             "credential report? aws iam get-credential-report --query Content --output text | "
                             "base64 -d)", file, 1)]
    index = {c: i for i, c in enumerate(columns)}
    rows: list[CredentialRow] = []
    findings: list[Finding] = []
    latest: datetime | None = None
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                findings.append(_error(f"{Path(file).name}: row has {len(record)} fields, the header "
                                       f"{len(columns)}; the row is skipped", file, line))
                continue

            def get(col: str, record: list[str] = record) -> str:
                i = index.get(col)
                return record[i].strip() if i is not None else ""

            row = _row(get, line)
            if row is None:
                findings.append(_error(f"{Path(file).name}: a row needs a user and an arn; skipped", file, line))
                continue
            rows.append(row)
            for cell in record:
                d = _date(cell)
                if d is not None and (latest is None or d > latest):
                    latest = d
    except csv.Error as exc:
        findings.append(_error(f"{Path(file).name}: not CSV from here on: {exc}", file, reader.line_num))
    return CredentialReport(file, tuple(rows), None, latest), findings


def _row(get: Callable[[str], str], line: int) -> CredentialRow | None:
    user, arn = get("user"), get("arn")
    if not user or not arn:
        return None
    keys = []
    for slot in (1, 2):
        active = _bool(get(f"access_key_{slot}_active"))
        rotated = _date(get(f"access_key_{slot}_last_rotated"))
        if active is None and rotated is None:
            continue
        service = get(f"access_key_{slot}_last_used_service")
        keys.append(AccessKey(slot, bool(active), rotated, _date(get(f"access_key_{slot}_last_used_date")),
                              service if service.lower() not in ABSENT else None))
    last_used_raw = get("password_last_used")
    return CredentialRow(
        user=user,
        arn=arn,
        row=line,
        created=_date(get("user_creation_time")),
        password_enabled=_bool(get("password_enabled")),
        password_last_used=_date(last_used_raw),
        password_never_used=last_used_raw.lower() in ABSENT,
        password_last_changed=_date(get("password_last_changed")),
        mfa_active=_bool(get("mfa_active")) is True,
        keys=tuple(keys),
        certificates_active=sum(1 for slot in (1, 2) if _bool(get(f"cert_{slot}_active")) is True),
    )


_FIELDS = {
    "MinimumPasswordLength": int,
    "RequireSymbols": bool,
    "RequireNumbers": bool,
    "RequireUppercaseCharacters": bool,
    "RequireLowercaseCharacters": bool,
    "MaxPasswordAge": int,
    "PasswordReusePrevention": int,
    "HardExpiry": bool,
    "AllowUsersToChangePassword": bool,
    "ExpirePasswords": bool,
}


def load_password_policy(folder: Path) -> tuple[PasswordPolicy | None, list[Finding]]:
    file = folder / PASSWORD_POLICY
    if not file.is_file():
        return None, []
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_error(f"cannot read {file.name}: {exc}", file, learn_more=POLICY_DOCS)]
    return parse_password_policy(text, str(file))


def parse_password_policy(text: str, file: str) -> tuple[PasswordPolicy | None, list[Finding]]:
    name = Path(file).name
    if "NoSuchEntity" in text and not text.lstrip().startswith("{"):
        return PasswordPolicy(file, False), []
    try:
        node = parse_json(text)
    except JsonSyntaxError as exc:
        return None, [_error(f"{name}: invalid JSON: {exc.message}", file, exc.pos.line, exc.pos.column,
                             POLICY_DOCS)]
    except (RecursionError, ValueError) as exc:  # nesting, or a number of more digits than Python converts
        return None, [_error(f"{name}: unreadable JSON ({type(exc).__name__}: {str(exc)[:120]})", file,
                             learn_more=POLICY_DOCS)]
    if node.kind != "object":
        return None, [_error(f"{name}: expected the output of aws iam get-account-password-policy "
                             "({\"PasswordPolicy\": {...}})", file, node.pos.line, node.pos.column, POLICY_DOCS)]
    member = node.get("PasswordPolicy")
    body: JNode | None = member.node if member is not None else (node if _looks_like_policy(node) else None)
    if body is None or body.kind == "null" or (body.kind == "object" and not body.members):
        return PasswordPolicy(file, False), []
    if body.kind != "object":
        return None, [_error(f"{name}: PasswordPolicy must be an object", file, body.pos.line, body.pos.column,
                             POLICY_DOCS)]
    values: dict[str, object] = {}
    positions: dict[str, tuple[int, int]] = {}
    findings: list[Finding] = []
    for m in body.members:
        kind = _FIELDS.get(m.key)
        if kind is None:
            continue
        positions[m.key] = (m.key_pos.line, m.key_pos.column)
        v = m.node.value
        ok = (kind is bool and m.node.kind == "bool") or (kind is int and m.node.kind == "number"
                                                          and isinstance(v, int) and not isinstance(v, bool))
        if not ok:
            findings.append(_error(f"{name}: {m.key} should be {'true/false' if kind is bool else 'a whole number'};"
                                   " ignored", file, m.node.pos.line, m.node.pos.column, POLICY_DOCS))
            continue
        values[m.key] = v

    def integer(key: str) -> int | None:
        v = values.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    return PasswordPolicy(
        file=file,
        present=True,
        minimum_length=integer("MinimumPasswordLength"),
        require_symbols=values.get("RequireSymbols") is True,
        require_numbers=values.get("RequireNumbers") is True,
        require_uppercase=values.get("RequireUppercaseCharacters") is True,
        require_lowercase=values.get("RequireLowercaseCharacters") is True,
        max_age=integer("MaxPasswordAge"),
        reuse_prevention=integer("PasswordReusePrevention"),
        hard_expiry=values.get("HardExpiry") is True,
        allow_users_to_change=values.get("AllowUsersToChangePassword") is True,
        positions=positions,
    ), findings


def _looks_like_policy(node: JNode) -> bool:
    return any(m.key in _FIELDS for m in node.members)
