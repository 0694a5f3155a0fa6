"""The account's credential report and password policy, as read from the snapshot.

Credential report: the CSV that ``aws iam get-credential-report`` returns (base64-decoded). Columns and their special
values (``<root_account>`` for the root user, ``not_supported`` for the root user's password columns, ``N/A`` for a
credential that does not exist or was never used, ``no_information`` for a password not used since IAM began
tracking it) are from the IAM User Guide, "Getting credential reports for your AWS account":
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html

Password policy: the ``PasswordPolicy`` object of ``aws iam get-account-password-policy``:
https://docs.aws.amazon.com/IAM/latest/APIReference/API_PasswordPolicy.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ROOT_USER = "<root_account>"


@dataclass(frozen=True, slots=True)
class AccessKey:
    slot: int
    """1 or 2: IAM users have at most two access keys."""
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None
    last_used_service: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """One user of the report (or the root user)."""

    user: str
    arn: str
    row: int
    """1-based line number in the CSV (the header is line 1)."""
    created: datetime | None
    password_enabled: bool | None
    """None for the root user (``not_supported``: the report cannot tell)."""
    password_last_used: datetime | None
    password_never_used: bool
    """``N/A`` or ``no_information`` in password_last_used: no sign-in on record."""
    password_last_changed: datetime | None
    mfa_active: bool
    keys: tuple[AccessKey, ...] = ()
    certificates_active: int = 0

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER

    @property
    def active_keys(self) -> tuple[AccessKey, ...]:
        return tuple(k for k in self.keys if k.active)


@dataclass(frozen=True, slots=True)
class CredentialReport:
    file: str
    rows: tuple[CredentialRow, ...]
    generated: datetime | None = None
    """When AWS generated it (from ``GeneratedTime`` when the snapshot has the CLI's JSON output), else None."""
    latest: datetime | None = None
    """The latest date found in the report: a lower bound of its generation time."""
    encoded: bool = False
    """Read from the CLI's JSON output (base64 ``Content``): row numbers are lines of the decoded CSV."""

    @property
    def root(self) -> CredentialRow | None:
        for r in self.rows:
            if r.is_root:
                return r
        return None

    @property
    def users(self) -> tuple[CredentialRow, ...]:
        return tuple(r for r in self.rows if not r.is_root)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """The account's password policy; ``present`` False when the account has none (AWS's defaults apply)."""

    file: str
    present: bool
    minimum_length: int | None = None
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    max_age: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool = False
    allow_users_to_change: bool = False
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Line and column of each field in the file, for evidence."""
