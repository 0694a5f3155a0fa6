"""IAM, global: the authorization details export (every page, merged into the one file the account loader reads),
the credential report (generated, polled until ready, checked to be the CSV, saved as the CLI's JSON output so its
generation time dates the audit), the password policy, MFA devices (each user's, of every kind, and the account's
virtual devices, whose list names the root user's when it has a virtual one: an active root MFA not in it is a
hardware one), identity providers, server certificates and the account summary. Last-accessed data is not collected
(one report job per principal is not cheap); the export's ``RoleLastUsed`` dates each role's last use.

https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountPasswordPolicy.html
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

from parc.collect import calls as C
from parc.collect.runner import Account, Task

REPORT_POLL_SECONDS = 2.0
REPORT_POLL_TRIES = 30
"""IAM builds the report in seconds to a few minutes; the state is polled for up to a minute, then the gap is said."""


def tasks(acct: Account, region: str, sleep: Callable[[float], None] = time.sleep) -> list[Task]:
    return [
        Task("iam: authorization details", lambda: authorization_details(acct, region)),
        Task("iam: credential report", lambda: credential_report(acct, region, sleep)),
        Task("iam: password policy", lambda: password_policy(acct, region)),
        Task("iam: MFA devices, providers, certificates", lambda: small_lists(acct, region)),
    ]


def authorization_details(acct: Account, region: str) -> list[Task]:
    data = acct.call(C.GET_ACCOUNT_AUTHORIZATION_DETAILS, region)
    if data is None:
        return []
    acct.write("get-account-authorization-details.json", data)
    users = sorted(str(u["UserName"]) for u in data.get("UserDetailList", [])
                   if isinstance(u, dict) and isinstance(u.get("UserName"), str))
    return [Task("iam: users' MFA devices", lambda: mfa_devices(acct, region, users))]


def mfa_devices(acct: Account, region: str, users: list[str]) -> None:
    """Each user's MFA devices, virtual, hardware (TOTP tokens) and FIDO security keys alike (the credential report
    says only whether one is active): ``iam/list-mfa-devices.json``, ``{"USER": {"MFADevices": [...]}}``.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListMFADevices.html"""
    out = {}
    for user in users:
        data = acct.call(C.LIST_MFA_DEVICES, region, user, UserName=user)
        if data is not None:
            out[user] = data
    acct.write(f"iam/{C.LIST_MFA_DEVICES.file}", out)


def credential_report(acct: Account, region: str, sleep: Callable[[float], None] = time.sleep) -> None:
    for attempt in range(REPORT_POLL_TRIES):
        state = acct.call(C.GENERATE_CREDENTIAL_REPORT, region)
        if state is None:
            return
        if state.get("State") == "COMPLETE":
            break
        if attempt == REPORT_POLL_TRIES - 1:
            acct.fail(C.GENERATE_CREDENTIAL_REPORT, region, "", "ReportNotReady",
                      f"the report was still {state.get('State')!r} after {REPORT_POLL_TRIES} polls")
            return
        sleep(REPORT_POLL_SECONDS)
    report = acct.call(C.GET_CREDENTIAL_REPORT, region)
    if report is None:
        return
    content = report.get("Content")
    try:
        raw = content if isinstance(content, bytes) else base64.b64decode(str(content), validate=True)
        text = raw.decode("utf-8-sig")
    except (ValueError, UnicodeDecodeError):
        acct.fail(C.GET_CREDENTIAL_REPORT, region, "", "MalformedReport", "Content is not UTF-8 CSV")
        return
    if not text.startswith("user,arn"):
        acct.fail(C.GET_CREDENTIAL_REPORT, region, "", "MalformedReport",
                  f"the report's header is not the credential report's: {text[:40]!r}")
        return
    acct.write("credential-report.json", {
        "Content": base64.b64encode(raw).decode("ascii"),
        "ReportFormat": report.get("ReportFormat", "text/csv"),
        "GeneratedTime": report.get("GeneratedTime"),
    })


def password_policy(acct: Account, region: str) -> None:
    data = acct.call(C.GET_ACCOUNT_PASSWORD_POLICY, region)
    if data is not None:
        acct.write("password-policy.json", data if data else {"PasswordPolicy": None})


def small_lists(acct: Account, region: str) -> None:
    for spec in (C.LIST_VIRTUAL_MFA_DEVICES, C.LIST_SAML_PROVIDERS, C.LIST_OPEN_ID_CONNECT_PROVIDERS,
                 C.LIST_SERVER_CERTIFICATES, C.GET_ACCOUNT_SUMMARY):
        data = acct.call(spec, region)
        if data is not None:
            acct.write(f"iam/{spec.file}", data)
