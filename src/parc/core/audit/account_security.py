"""Account security from the credential report and the password policy: the root user, MFA for console users,
stale or unrotated access keys, unused console passwords, a weak or missing password policy.

Thresholds (:class:`Thresholds`) are AWS Security Hub's CIS controls, each cited where it is applied
(https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html):
IAM.4 / CIS 1.4 no root access key; IAM.9 / CIS 1.5 MFA for the root user; IAM.5 / CIS 1.10 MFA for every user
with a console password; IAM.3 / CIS 1.14 access keys rotated within 90 days; IAM.8 credentials unused for 90 days
removed (CIS 1.12 asks 45 days: ``unused_days`` is a parameter); IAM.15 / CIS 1.8 minimum length 14; IAM.16 /
CIS 1.9 password reuse prevention 24.

Ages are counted to ``now``, which the caller chooses (the report's generation time, or ``--at``): the same snapshot
gives the same findings whenever it is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from parc.core.audit.credentials import CredentialReport, CredentialRow, PasswordPolicy
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity

CONTROLS = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"
REPORT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html"
ROOT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-best-practices.html"
MFA_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html"
KEYS_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
PASSWORD_POLICY_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"

CHECK_CREDENTIALS = "account security (credential report): root user MFA and access keys, MFA for console users, " \
    "access key age and use, unused console passwords"
CHECK_PASSWORD_POLICY = "account security: the password policy"


@dataclass(frozen=True, slots=True)
class Thresholds:
    key_age_days: int = 90
    unused_days: int = 90
    min_password_length: int = 14
    password_reuse: int = 24
    password_max_age: int = 90


def _days(now: datetime, then: datetime) -> int:
    return (now - then).days


def _row_evidence(report: CredentialReport, row: CredentialRow, text: str) -> Evidence:
    if report.encoded:
        return Evidence(text, report.file, f"Content (base64 CSV), line {row.row}")
    return Evidence(text, report.file, f"row {row.row}", row.row, None)


def _finding(rule: str, severity: Severity, account: str, row: CredentialRow, title: str, why: str, fix: str,
             evidence: tuple[Evidence, ...], learn_more: str, key: str = "", **details: object) -> AuditFinding:
    return AuditFinding(rule, severity, "account", title, row.arn, why, fix, account, evidence, learn_more, key,
                        dict(details))


def credential_checks(account: str, report: CredentialReport | None, now: datetime,
                      thresholds: Thresholds = Thresholds()) -> CheckResult:
    if report is None:
        return CheckResult.of(not_checked=[NotChecked(
            CHECK_CREDENTIALS, "the snapshot has no credential-report.csv (aws iam get-credential-report, decoded)",
            account)])
    findings = list(_root(account, report))
    for row in report.users:
        findings.extend(_user(account, report, row, now, thresholds))
    not_checked = []
    if report.root is None:
        not_checked.append(NotChecked("root user MFA and access keys",
                                      f"{report.file} has no {'<root_account>'} row", account))
    return CheckResult.of(findings, not_checked)


def _root(account: str, report: CredentialReport) -> Iterator[AuditFinding]:
    root = report.root
    if root is None:
        return
    if not root.mfa_active:
        yield _finding(
            "ROOT_NO_MFA", Severity.CRITICAL, account, root,
            "The root user has no MFA device",
            "The root user can do anything in the account, including closing it, and no policy can restrict it "
            "(only SCPs of an organization); a leaked root password alone is enough to take the account over.",
            "Sign in as the root user and assign an MFA device (a hardware key preferably); keep its recovery "
            "procedure with the account's break-glass instructions.",
            (_row_evidence(report, root, "<root_account>: mfa_active=false"),),
            CONTROLS + " (IAM.9, CIS 1.5); " + ROOT_DOCS,
        )
    for key in root.active_keys:
        used = f", last used {key.last_used:%Y-%m-%d}" if key.last_used else ", never used"
        yield _finding(
            "ROOT_ACCESS_KEY", Severity.CRITICAL, account, root,
            f"The root user has an active access key (key {key.slot})",
            "A root access key gives unrestricted programmatic access to the whole account and cannot be limited by "
            "any IAM policy; it should not exist.",
            "Sign in as the root user, check in CloudTrail what uses the key, move that to an IAM role, then "
            "deactivate and delete the key (Security credentials > Access keys).",
            (_row_evidence(report, root, f"<root_account>: access_key_{key.slot}_active=true{used}"),),
            CONTROLS + " (IAM.4, CIS 1.4); " + ROOT_DOCS,
            key=f"key{key.slot}",
        )


def _user(account: str, report: CredentialReport, row: CredentialRow, now: datetime,
          t: Thresholds) -> Iterator[AuditFinding]:
    if row.password_enabled and not row.mfa_active:
        yield _finding(
            "USER_CONSOLE_NO_MFA", Severity.HIGH, account, row,
            f"IAM user {row.user} signs in to the console with a password and no MFA",
            "A phished or reused password is enough to act as this user in the console.",
            f"Assign an MFA device to {row.user} (aws iam enable-mfa-device), and attach a policy that denies "
            "everything but MFA set-up while aws:MultiFactorAuthPresent is false (BoolIfExists); or remove the "
            "console password if the user does not need it.",
            (_row_evidence(report, row, f"{row.user}: password_enabled=true, mfa_active=false"),),
            CONTROLS + " (IAM.5, CIS 1.10); " + MFA_DOCS,
        )
    for key in row.active_keys:
        if key.last_rotated is not None and _days(now, key.last_rotated) > t.key_age_days:
            age = _days(now, key.last_rotated)
            yield _finding(
                "ACCESS_KEY_NOT_ROTATED", Severity.MEDIUM, account, row,
                f"Access key {key.slot} of {row.user} is {age} days old (more than {t.key_age_days})",
                "A long-lived key has been copied to more places and for longer; if it leaked, it still works.",
                f"Create a second key for {row.user}, move its users to it, deactivate then delete key {key.slot}; "
                "better, replace the key with a role (instance profile, IAM Roles Anywhere, OIDC federation).",
                (_row_evidence(report, row, f"{row.user}: access_key_{key.slot}_last_rotated="
                               f"{key.last_rotated:%Y-%m-%dT%H:%M:%SZ}"),),
                CONTROLS + " (IAM.3, CIS 1.14); " + KEYS_DOCS,
                key=f"key{key.slot}", age_days=age,
            )
        idle = _idle(now, key.last_used, key.last_rotated)
        if idle is not None and idle > t.unused_days:
            what = f"last used {key.last_used:%Y-%m-%d}" if key.last_used else "never used"
            yield _finding(
                "ACCESS_KEY_UNUSED", Severity.MEDIUM, account, row,
                f"Access key {key.slot} of {row.user} is active but {what} ({idle} days)",
                "An unused credential is one nobody watches: it can only be leaked, never missed.",
                f"Deactivate key {key.slot} of {row.user} (aws iam update-access-key --status Inactive), watch for "
                "failures, then delete it.",
                (_row_evidence(report, row, f"{row.user}: access_key_{key.slot}_active=true, "
                               f"access_key_{key.slot}_last_used_date="
                               + (f"{key.last_used:%Y-%m-%dT%H:%M:%SZ}" if key.last_used else "N/A")),),
                CONTROLS + " (IAM.8, CIS 1.12); " + KEYS_DOCS,
                key=f"key{key.slot}", idle_days=idle,
            )
    if row.password_enabled:
        idle = _idle(now, row.password_last_used, row.password_last_changed or row.created)
        if idle is not None and idle > t.unused_days:
            what = f"last used {row.password_last_used:%Y-%m-%d}" if row.password_last_used else "never used"
            yield _finding(
                "PASSWORD_UNUSED", Severity.MEDIUM, account, row,
                f"The console password of {row.user} is {what} ({idle} days)",
                "A console password nobody uses can still be guessed, phished or reused from another breach.",
                f"Remove the console password of {row.user} (aws iam delete-login-profile); create one again if the "
                "user needs the console.",
                (_row_evidence(report, row, f"{row.user}: password_enabled=true, password_last_used="
                               + (f"{row.password_last_used:%Y-%m-%dT%H:%M:%SZ}" if row.password_last_used
                                  else "no_information/N/A")),),
                CONTROLS + " (IAM.8, CIS 1.12); " + REPORT_DOCS,
                idle_days=idle,
            )


def _idle(now: datetime, last_used: datetime | None, since: datetime | None) -> int | None:
    """Days without use: since the last use, or, never used, since the credential was set (None when unknown)."""
    if last_used is not None:
        return _days(now, last_used)
    if since is not None:
        return _days(now, since)
    return None


def password_policy_checks(account: str, policy: PasswordPolicy | None,
                           thresholds: Thresholds = Thresholds()) -> CheckResult:
    if policy is None:
        return CheckResult.of(not_checked=[NotChecked(
            CHECK_PASSWORD_POLICY,
            "the snapshot has no password-policy.json (aws iam get-account-password-policy)", account)])
    resource = f"arn:aws:iam::{account}:account-password-policy"
    if not policy.present:
        return CheckResult.of([AuditFinding(
            "PASSWORD_POLICY_MISSING", Severity.MEDIUM, "account",
            "The account has no password policy",
            resource,
            "Without a custom policy IAM applies its default: passwords of 8 characters (three character types), "
            "reused at will, never expiring.",
            f"aws iam update-account-password-policy --minimum-password-length {thresholds.min_password_length} "
            f"--password-reuse-prevention {thresholds.password_reuse} --require-symbols --require-numbers "
            "--require-uppercase-characters --require-lowercase-characters",
            account,
            (Evidence("get-account-password-policy: no password policy (NoSuchEntity)", policy.file),),
            CONTROLS + " (IAM.15, IAM.16); " + PASSWORD_POLICY_DOCS,
        )])
    findings: list[AuditFinding] = []

    def ev(field: str, text: str) -> Evidence:
        line, col = policy.positions.get(field, (None, None))
        return Evidence(text, policy.file, f"PasswordPolicy.{field}", line, col)

    for requirement, severity, field, text, flag, control in _weaknesses(policy, thresholds):
        findings.append(AuditFinding(
            "PASSWORD_POLICY_WEAK", severity, "account",
            f"The password policy {text}",
            resource,
            "Short, simple, reused or never-changing passwords are the ones found in breach lists and guessed "
            "first.",
            f"aws iam update-account-password-policy {flag} (with the other current settings repeated: the call "
            "replaces the whole policy)",
            account,
            (ev(field, f"{field}={_shown(policy, field)}"),),
            f"{CONTROLS} ({control}); {PASSWORD_POLICY_DOCS}",
            key=requirement,
            details={"requirement": requirement},
        ))
    return CheckResult.of(findings)


_POLICY_VALUES = {"MinimumPasswordLength": "minimum_length", "PasswordReusePrevention": "reuse_prevention",
                  "MaxPasswordAge": "max_age", "RequireSymbols": "require_symbols", "RequireNumbers": "require_numbers",
                  "RequireUppercaseCharacters": "require_uppercase",
                  "RequireLowercaseCharacters": "require_lowercase"}


def _shown(policy: PasswordPolicy, field: str) -> str:
    value = getattr(policy, _POLICY_VALUES[field])
    if field in policy.positions:
        return str(value).lower() if isinstance(value, bool) else str(value) if value is not None else "unset"
    return "unset"


def _weaknesses(policy: PasswordPolicy, t: Thresholds) -> Iterator[tuple[str, Severity, str, str, str, str]]:
    """Each requirement the policy misses: (requirement, severity, field, what is wrong, the CLI flag that fixes
    it, the Security Hub / CIS control). Length and reuse are CIS 1.8 / 1.9 (IAM.15, IAM.16); the character
    classes IAM.11-IAM.14 and expiry within 90 days IAM.17 (CIS v1.2 1.5-1.9, 1.11)."""
    if policy.minimum_length is None or policy.minimum_length < t.min_password_length:
        yield ("minimum_length", Severity.MEDIUM, "MinimumPasswordLength",
               f"allows passwords shorter than {t.min_password_length} characters",
               f"--minimum-password-length {t.min_password_length}", "IAM.15, CIS 1.8")
    if policy.reuse_prevention is None or policy.reuse_prevention < t.password_reuse:
        yield ("reuse_prevention", Severity.LOW, "PasswordReusePrevention",
               f"remembers fewer than {t.password_reuse} previous passwords (reuse is possible)",
               f"--password-reuse-prevention {t.password_reuse}", "IAM.16, CIS 1.9")
    for requirement, present, field, what, flag, control in (
            ("symbols", policy.require_symbols, "RequireSymbols", "a symbol", "--require-symbols", "IAM.13"),
            ("numbers", policy.require_numbers, "RequireNumbers", "a number", "--require-numbers", "IAM.14"),
            ("uppercase", policy.require_uppercase, "RequireUppercaseCharacters", "an uppercase letter",
             "--require-uppercase-characters", "IAM.11"),
            ("lowercase", policy.require_lowercase, "RequireLowercaseCharacters", "a lowercase letter",
             "--require-lowercase-characters", "IAM.12")):
        if not present:
            yield (requirement, Severity.LOW, field, f"does not require {what}", flag, control)
    if policy.max_age is None or policy.max_age > t.password_max_age:
        yield ("expiry", Severity.LOW, "MaxPasswordAge",
               f"does not expire passwords within {t.password_max_age} days",
               f"--max-password-age {t.password_max_age}", "IAM.17")
