"""The identity checks users expect besides administrators and escalation: the root user used recently or without a
hardware MFA device, users with two active access keys, policies attached to users directly, no role for AWS
Support, expired server certificates, and roles trusting a service without the confused-deputy guard.

Controls (Security Hub's CIS controls, https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html):
IAM.2 / CIS 1.15 permissions only through groups; IAM.6 / CIS 1.6 hardware MFA for the root user; IAM.18 / CIS 1.17
a support role; IAM.26 / CIS 1.19 expired certificates removed; CIS 1.7 the root user not used for daily tasks;
CIS 1.13 one active access key per user.

The confused-deputy check is decided by the engine: a trust policy guards against it when the service cannot
assume the role with a request context that lacks both ``aws:SourceAccount`` and ``aws:SourceArn``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html), whatever the spelling of the condition.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from parc.core.account.evaluator import Evaluator, ResourceSide
from parc.core.account.model import Account, Role
from parc.core.account.principals import external
from parc.core.audit.account_security import CONTROLS, REPORT_DOCS, ROOT_DOCS, Thresholds
from parc.core.audit.credentials import CredentialReport
from parc.core.audit.idnet_inputs import IdnetInputs
from parc.core.audit.inputs import AccountInputs, AuditInput, PolicyDocument
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity

CHECK_ROOT_HARDWARE_MFA = "account security: hardware MFA for the root user"
CHECK_CERTIFICATES = "identity: expired server certificates"
CHECK_CONFUSED_DEPUTY = "identity: roles trusting a service without aws:SourceAccount / aws:SourceArn"
CHECK_USERS = "identity: policies attached to users directly, the AWS Support role"

SUPPORT_POLICY = "arn:aws:iam::aws:policy/AWSSupportAccess"
CONFUSED_DEPUTY_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
GROUPS_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html"
SUPPORT_DOCS = "https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html"
CERT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html"
HARDWARE_MFA_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_physical.html"


# ---- the credential report --------------------------------------------------------------------------------------


def credential_extra_checks(account: str, report: CredentialReport | None, now: datetime,
                            thresholds: Thresholds | None = None) -> CheckResult:
    """Root used in the last ``unused_days`` days (CIS 1.7), users with two active keys (CIS 1.13). Without the
    report, the credential checks already say "not checked"."""
    if report is None:
        return CheckResult()
    thresholds = thresholds or Thresholds()
    findings = []
    root = report.root
    if root is not None:
        uses = [("password_last_used", root.password_last_used)]
        uses += [(f"access_key_{k.slot}_last_used_date", k.last_used) for k in root.keys]
        recent = [(col, d) for col, d in uses if d is not None and (now - d).days <= thresholds.unused_days]
        if recent:
            col, last = max(recent, key=lambda x: x[1])
            ev = (Evidence(f"<root_account>: {col}={last:%Y-%m-%dT%H:%M:%SZ}", report.file,
                           f"Content (base64 CSV), line {root.row}")
                  if report.encoded else Evidence(f"<root_account>: {col}={last:%Y-%m-%dT%H:%M:%SZ}", report.file,
                                                  f"row {root.row}", root.row))
            findings.append(AuditFinding(
                "ROOT_USED_RECENTLY", Severity.MEDIUM, "account",
                f"The root user was used {(now - last).days} days ago ({col.replace('_', ' ')})",
                root.arn,
                "The root user cannot be limited by any IAM policy; using it for daily tasks exposes its credentials "
                "and leaves actions no role or user can be held to.",
                "Check in CloudTrail what the root user did (userIdentity.type Root); do that work with an IAM role "
                "or an IAM Identity Center user, and keep the root user for the few tasks only it can do.",
                account, (ev,), f"{ROOT_DOCS} (CIS 1.7); {REPORT_DOCS}",
                details={"last_used": last.isoformat(), "column": col, "window_days": thresholds.unused_days},
            ))
    for row in report.users:
        if len(row.active_keys) >= 2:
            text = f"{row.user}: access_key_1_active=true, access_key_2_active=true"
            findings.append(AuditFinding(
                "USER_TWO_ACTIVE_KEYS", Severity.LOW, "account",
                f"IAM user {row.user} has two active access keys",
                row.arn,
                "Two active keys double what can leak and hide which one is in use; a second key should live only "
                "for the minutes of a rotation.",
                f"Find which key is used (access_key_N_last_used_date), move its users to one key, deactivate then "
                f"delete the other (aws iam update-access-key --user-name {row.user} --status Inactive).",
                account,
                (Evidence(text, report.file, f"Content (base64 CSV), line {row.row}") if report.encoded
                 else Evidence(text, report.file, f"row {row.row}", row.row),),
                f"{CONTROLS} (CIS 1.13); https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
            ))
    return CheckResult.of(findings)


# ---- IAM lists: root's MFA device, server certificates -----------------------------------------------------------


def root_hardware_mfa_checks(account: str, report: CredentialReport | None, idnet: IdnetInputs) -> CheckResult:
    """The root user's active MFA is a hardware one unless the account's virtual devices name it (its serial is
    ``arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device``, or the device is assigned to the root user's ARN);
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html."""
    root = report.root if report is not None else None
    if root is None or not root.mfa_active:
        return CheckResult()  # no root row: the credential checks say it; no MFA at all: ROOT_NO_MFA says it
    if idnet.virtual_mfa is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_ROOT_HARDWARE_MFA, idnet.virtual_mfa_missing, account)])
    root_arn = f"arn:aws:iam::{account}:root"
    for d in idnet.virtual_mfa:
        if d.serial.endswith(":mfa/root-account-mfa-device") or d.user_arn == root_arn:
            return CheckResult.of([AuditFinding(
                "ROOT_NO_HARDWARE_MFA", Severity.MEDIUM, "account",
                "The root user's MFA device is a virtual one (an authenticator app), not a hardware device",
                root_arn,
                "A virtual MFA lives on a phone that is also used for mail and apps, and can be copied with it; CIS "
                "asks for a hardware device (a FIDO security key or a hardware TOTP token) for the root user.",
                "Sign in as the root user, register a FIDO security key or hardware TOTP token, then remove the "
                "virtual device (aws iam deactivate-mfa-device; delete-virtual-mfa-device).",
                account,
                (d.where.evidence(f"virtual MFA device {d.serial} assigned to {d.user_arn or 'the root user'}"),),
                f"{CONTROLS} (IAM.6, CIS 1.6); {HARDWARE_MFA_DOCS}",
                details={"serial": d.serial},
            )])
    return CheckResult()


def certificate_checks(account: str, idnet: IdnetInputs, now: datetime) -> CheckResult:
    if idnet.certificates is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_CERTIFICATES, idnet.certificates_missing, account)])
    findings = []
    for c in idnet.certificates:
        if c.expiration is not None and c.expiration < now:
            findings.append(AuditFinding(
                "SERVER_CERTIFICATE_EXPIRED", Severity.MEDIUM, "identity",
                f"Server certificate {c.name} expired on {c.expiration:%Y-%m-%d}",
                c.arn,
                "An expired certificate still attached to a load balancer or CloudFront breaks TLS for clients, and "
                "one left in IAM can be deployed again by mistake.",
                f"Move what uses it to a current certificate (ACM), then aws iam delete-server-certificate "
                f"--server-certificate-name {c.name}.",
                account, (c.where.evidence(f"{c.name}: Expiration={c.expiration:%Y-%m-%dT%H:%M:%SZ}"),),
                f"{CONTROLS} (IAM.26, CIS 1.19); {CERT_DOCS}",
                details={"expiration": c.expiration.isoformat()},
            ))
    return CheckResult.of(findings)


# ---- the export: users with their own policies, the support role --------------------------------------------------


def user_policy_checks(inputs: AuditInput, account: Account, a: AccountInputs) -> CheckResult:
    findings = []
    inline_of: dict[str, list[PolicyDocument]] = {}
    for doc in a.documents:
        if doc.kind == "inline":
            inline_of.setdefault(doc.owner, []).append(doc)
    for user in account.users:
        inline = [p.name for p in user.inline]
        if not inline and not user.attached:
            continue
        evidence = [Evidence(f"inline policy {i.name.rsplit(' inline ', 1)[-1]}", i.file, i.path,
                             i.position.line if i.position else None, i.position.column if i.position else None)
                    for i in inline_of.get(user.arn, ())]
        for p in user.attached:
            d = inputs.document(p, account.account_id)
            evidence.append(Evidence(f"attached managed policy {p}", d.file if d else None, d.path if d else "",
                                     d.position.line if d and d.position else None,
                                     d.position.column if d and d.position else None))
        what = ", ".join([f"inline {n}" for n in inline] + list(user.attached))
        findings.append(AuditFinding(
            "USER_DIRECT_POLICY", Severity.LOW, "identity",
            f"IAM user {user.name} has policies of its own ({what})",
            user.arn,
            "Permissions given user by user drift apart and are missed in reviews; through groups (or roles) one "
            "change applies to everyone in the job.",
            f"Put {user.name} in a group that carries these permissions, then detach (aws iam detach-user-policy) "
            "or delete (aws iam delete-user-policy) the user's own policies.",
            account.account_id, tuple(evidence), f"{CONTROLS} (IAM.2, CIS 1.15); {GROUPS_DOCS}",
            details={"inline": inline, "attached": list(user.attached)},
        ))
    # Any partition (arn:aws-cn:..., arn:aws-us-gov:...): the AWS managed policy's name after the partition.
    if not any(p.endswith(":iam::aws:policy/AWSSupportAccess") for r in account.roles for p in r.attached):
        findings.append(AuditFinding(
            "SUPPORT_ROLE_MISSING", Severity.LOW, "identity",
            "No role has the AWSSupportAccess policy: nobody can open AWS Support cases without broader rights",
            SUPPORT_POLICY,
            "During an incident the people who must open AWS Support cases need a role for it; without one, they "
            "are given broader rights in a hurry, or the root user is used.",
            "Create a role that your incident responders can assume and attach arn:aws:iam::aws:policy/"
            "AWSSupportAccess to it (aws iam attach-role-policy).",
            account.account_id, (Evidence(f"no role of {account.account_id} has {SUPPORT_POLICY} attached",
                                          _export_file(a)),),
            f"{CONTROLS} (IAM.18, CIS 1.17); {SUPPORT_DOCS}",
        ))
    return CheckResult.of(findings)


def _export_file(a: AccountInputs) -> str | None:
    """The account's IAM export (the first file a document of it came from), for evidence."""
    return next((d.file for d in a.documents if d.kind != "resource"), None)


# ---- the confused deputy -------------------------------------------------------------------------------------------


def confused_deputy_checks(inputs: AuditInput, ev: Evaluator) -> CheckResult:
    findings: list[AuditFinding] = []
    seen: dict[tuple[object, ...], tuple[object, bool]] = {}
    for account in inputs.estate.accounts:
        for role in account.roles:
            if role.trust is not None and not role.is_service_linked:
                findings.extend(_service_trust(inputs, ev, account, role, seen))
    return CheckResult.of(findings)


def _services(role: Role) -> list[str]:
    assert role.trust is not None
    out: list[str] = []
    for st in role.trust.statements:
        if st.effect == "Allow" and st.principal is not None:
            out.extend(e.value for e in st.principal.entries if e.kind == "Service" and e.value not in out)
    return out


def _service_trust(inputs: AuditInput, ev: Evaluator, account: Account, role: Role,
                   seen: dict[tuple[object, ...], tuple[object, bool]]) -> Iterator[AuditFinding]:
    trust = role.trust
    assert trust is not None
    side = ResourceSide(trust, role.account_id, role.arn)
    # A trust policy without conditions and without Resource elements reads nothing of the role or the request,
    # and without RCPs nothing else does (SCPs do not apply to a service principal): the answer for a service is
    # that of every role of the account with the same text (thousands of roles trust a service with the same few
    # lines), decided once.
    rcps = account.org.rcps if account.org is not None else []
    plain = not any(rcps) and all(not st.conditions and st.resource is None and st.not_resource is None
                                  for st in trust.statements)
    text = trust.copy_key()  # the text without its name (the entry keeps the statements alive)
    for service in _services(role):
        key = (service, role.account_id, text)
        hit = seen.get(key) if plain else None
        allowed = hit[1] if hit is not None and hit[0] is trust.statements else None
        if allowed is None:
            probe = ev.remember(external(service))
            # The probe's context holds neither aws:SourceAccount nor aws:SourceArn: allowed means nothing ties the
            # service's request to a resource of this account.
            allowed = ev.decide(probe, "sts:AssumeRole", role.arn, side=side).allowed
            if plain:
                seen[key] = (trust.statements, allowed)
        if not allowed:
            continue
        doc = next((d for d in inputs.documents_by_name.get(f"{role.arn} trust policy", [])
                    if d.account_id == account.account_id), None)
        evidence = [Evidence(f"trust policy of {role.name}: {service} may assume it without aws:SourceAccount or "
                             "aws:SourceArn", doc.file if doc else None, doc.path if doc else "",
                             doc.position.line if doc and doc.position else None,
                             doc.position.column if doc and doc.position else None)]
        yield AuditFinding(
            "ROLE_SERVICE_TRUST_NO_SOURCE", Severity.LOW, "identity",
            f"Role {role.name} trusts {service} without aws:SourceAccount or aws:SourceArn",
            role.arn,
            f"{service} acts for every AWS customer: without a condition naming this account or resource, another "
            "customer may get the service to use this role for them (the cross-service confused deputy). Roles "
            "that a service receives only through iam:PassRole in this account (EC2 instance profiles, Lambda "
            "execution roles) are at little risk, and not every service sets these keys: check the service's "
            "documentation before adding the condition.",
            f"Add to the statement trusting {service}: \"Condition\": {{\"StringEquals\": {{\"aws:SourceAccount\": "
            f"\"{account.account_id}\"}}}} (or aws:SourceArn with the resource the service acts for).",
            account.account_id, tuple(evidence), CONFUSED_DEPUTY_DOCS,
            key=service, details={"service": service},
        )
