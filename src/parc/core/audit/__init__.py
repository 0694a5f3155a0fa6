"""The audit: account security, identity and access, and network integrity over an account snapshot, as findings
ordered by risk, each with its evidence and a fix, and what could not be checked. Pure: the snapshot comes in
through ``parc.loaders.snapshot``, reports go out through ``parc.reporters.audit_*``.
"""

from parc.core.audit.account_security import Thresholds, credential_checks, password_policy_checks
from parc.core.audit.credentials import AccessKey, CredentialReport, CredentialRow, PasswordPolicy
from parc.core.audit.external import external_access
from parc.core.audit.graph import AccessGraph, GraphEdge, GraphNode, InternetTarget
from parc.core.audit.inputs import AccountInputs, AuditInput, PolicyDocument
from parc.core.audit.model import SEVERITIES, AuditFinding, CheckResult, Evidence, NotChecked, Severity
from parc.core.audit.network import network_checks
from parc.core.audit.policies import mfa_findings, policy_checks
from parc.core.audit.privilege import privilege
from parc.core.audit.run import AuditOptions, AuditReport, Progress, audit

__all__ = [
    "SEVERITIES",
    "AccessGraph",
    "AccessKey",
    "AccountInputs",
    "AuditFinding",
    "AuditInput",
    "AuditOptions",
    "AuditReport",
    "CheckResult",
    "CredentialReport",
    "CredentialRow",
    "Evidence",
    "GraphEdge",
    "GraphNode",
    "InternetTarget",
    "NotChecked",
    "PasswordPolicy",
    "PolicyDocument",
    "Progress",
    "Severity",
    "Thresholds",
    "audit",
    "credential_checks",
    "external_access",
    "mfa_findings",
    "network_checks",
    "password_policy_checks",
    "policy_checks",
    "privilege",
]
