"""What of a snapshot could not be read, by part, and which ``--fail-on`` thresholds each part gates.

The loaders report every file, item or value they could not read as a finding (a code of ``UNREADABLE_CODES``, with
the file and the JSON path); they leave that item out and analyse the rest. A policy or group that the export names
but lacks (an attached policy, a boundary, an SCP without its describe-policy file) counts too: what it grants is not
counted, which can hide an administrator as surely as an unreadable document. Left out is not the same as absent: a
check run over part of its input can miss a finding, so each part with such problems becomes a "not checked" entry
naming the file and why, and a ``--fail-on`` gate that the part could change cannot pass (exit 2).

Which part gates what: every part can hide a CRITICAL finding (an administrator in the IAM export, an SCP or RCP
that narrows or a resource policy that opens access, a role a Lambda function runs with, the root user's MFA in the
credential report, a database open to the internet in the network), except the password policy, whose checks give
at most MEDIUM: it gates ``--fail-on medium``, ``low`` and ``info`` only; likewise the IAM lists of ``iam/`` (the
root user's hardware MFA, expired certificates: MEDIUM) and the instance metadata defaults (LOW).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from parc.core.audit.model import Severity
from parc.core.findings import Finding, FindingType

UNREADABLE_CODES = frozenset({
    "ACCOUNT_FILE_UNREADABLE",  # a file that is not JSON, or not the expected shape at the top
    "ACCOUNT_EMPTY_EXPORT",  # an IAM export that holds none of its lists
    "ACCOUNT_EXPORT_INCOMPLETE",  # a list no page has, or pages missing after a truncated one
    "ACCOUNT_BAD_ENTRY",  # a user, group, role, policy, resource policy or function skipped
    "ACCOUNT_POLICY_INVALID",  # a policy document left out
    "ACCOUNT_ORG_INVALID",  # an organizations/ file or entry left out
    "ACCOUNT_MISSING_POLICY",  # an attached policy, boundary or SCP the snapshot names but lacks: not counted
    "ACCOUNT_MISSING_GROUP",  # a group of a user that the export lacks: its policies are not counted
    "AUDIT_INPUT_UNREADABLE",  # the credential report, the password policy or the ec2/ folder
    "NET_BAD_INPUT",  # a describe-* item or value left out
    "NET_ROUTE_NO_TARGET",  # a route without a target, taken as a blackhole
    "WAF_BAD_INPUT",  # a wafv2 file, or a web ACL, rule or statement of one, left out or not evaluated
})

IAM = "IAM export"
RESOURCE_POLICIES = "resource policies"
ORGANIZATION = "organization"
COMPUTE = "compute inventories"
CREDENTIAL_REPORT = "credential report"
PASSWORD_POLICY = "password policy"
NETWORK = "network"
LOGGING = "logging"
IAM_LISTS = "IAM lists"
METADATA_DEFAULTS = "instance metadata defaults"
DATA = "data stores"
WAF = "web application firewall"

CHECKS = {
    IAM: "identity and access (policies, administrators, escalation, access from outside)",
    RESOURCE_POLICIES: "access from outside (resource policies)",
    ORGANIZATION: "identity and access under the organization's SCPs and RCPs",
    COMPUTE: "escalation through compute that runs with a role",
    CREDENTIAL_REPORT: "account security: root user, MFA, access keys and passwords",
    PASSWORD_POLICY: "account security: password policy",
    NETWORK: "network integrity: internet exposure, default security groups, network ACLs",
    LOGGING: "logging and detection: CloudTrail, AWS Config, VPC flow logs, Access Analyzer, Security Hub",
    IAM_LISTS: "account security and identity: the root user's hardware MFA, expired server certificates",
    METADATA_DEFAULTS: "compute: the account's instance metadata defaults (IMDSv2)",
    DATA: "data encryption and exposure (S3, EBS, RDS, EFS, KMS, Secrets Manager)",
    WAF: "web application firewall: AWS WAF web ACLs, and what faces the internet without one",
}
"""The checks each part feeds, as the "not checked" entry names them."""

GATES = {part: Severity.CRITICAL for part in CHECKS} | {PASSWORD_POLICY: Severity.MEDIUM, LOGGING: Severity.HIGH,
                                                        IAM_LISTS: Severity.MEDIUM, METADATA_DEFAULTS: Severity.LOW,
                                                        WAF: Severity.MEDIUM}
"""The most severe finding a part's checks can give: the part gates every ``--fail-on`` at or below it."""


def is_unreadable(f: Finding) -> bool:
    return f.finding_type is FindingType.ERROR and f.code in UNREADABLE_CODES


def part_of(file: str | None) -> str:
    """The part of an account snapshot a file belongs to (by its name and folder, as the loaders read them)."""
    text = (file or "").replace("\\", "/")
    parts = text.split("/")
    name = parts[-1]
    if "organizations" in parts[:-1] or name == "organizations":
        return ORGANIZATION
    if any(p in parts[:-1] for p in WAF_FOLDERS):
        return WAF
    if name in DATA_FILES and (len(parts) < 3 or parts[-3] in DATA_FOLDERS):
        return DATA
    if name == "get-instance-metadata-defaults.json":
        return METADATA_DEFAULTS
    if any(p in parts[:-1] for p in ("cloudtrail", "config", "accessanalyzer", "securityhub")) \
            or name in ("describe-flow-logs.json", "get-bucket-logging.json"):
        return LOGGING
    if "ec2" in parts[:-1] or name == "ec2":
        return NETWORK
    if len(parts) > 1 and parts[-2] == "iam":
        return IAM_LISTS
    if name.startswith("get-account-authorization-details"):
        return IAM
    if name == "resource-policies.json":
        return RESOURCE_POLICIES
    if name in ("lambda-functions.json", "glue-dev-endpoints.json"):
        return COMPUTE
    if name.startswith("credential-report"):
        return CREDENTIAL_REPORT
    if name == "password-policy.json":
        return PASSWORD_POLICY
    return IAM


DATA_FILES = frozenset({
    "get-bucket-encryption.json", "get-bucket-versioning.json", "get-ebs-encryption-by-default.json",
    "describe-volumes.json", "describe-snapshots.json", "describe-snapshot-attribute.json",
    "describe-db-instances.json", "describe-db-clusters.json", "describe-db-snapshots.json",
    "describe-db-cluster-snapshots.json", "describe-db-snapshot-attributes.json",
    "describe-db-cluster-snapshot-attributes.json", "describe-file-systems.json", "describe-key.json",
    "get-key-rotation-status.json", "list-secrets.json",
})
"""The files ``parc.loaders.data_stores`` reads (in ``SERVICE/REGION/`` or ``s3/BUCKET/``)."""
DATA_FOLDERS = frozenset({"s3", "ec2", "rds", "efs", "kms", "secretsmanager"})
WAF_FOLDERS = frozenset({"wafv2", "elbv2", "apigateway", "cloudfront"})
"""The folders ``parc.loaders.waf_snapshot`` reads."""


@dataclass(frozen=True, slots=True)
class UnreadPart:
    """One file of one account's snapshot with things that could not be read (the whole file, or some items)."""

    account: str
    part: str
    file: str
    problems: tuple[Finding, ...]
    whole: bool = False
    """Whether the file as a whole could not be read (nothing of it is analysed)."""

    @property
    def gate(self) -> Severity:
        return GATES.get(self.part, Severity.CRITICAL)

    def reason(self) -> str:
        first = self.problems[0]
        path = first.path if not first.message.startswith(first.path) else ""
        where = " ".join(x for x in (path, f"line {first.line}" if first.line else "") if x)
        why = f"{where}: {first.message}" if where else first.message
        if self.whole:
            return f"{self.file} is present but could not be read: {why}"
        more = f"; {len(self.problems) - 1} more in the input problems" if len(self.problems) > 1 else ""
        return (f"{len(self.problems)} item(s) of {self.file} could not be read or are missing, and were left out; "
                f"the rest was checked (first: {why}{more})")

    def to_dict(self) -> dict[str, object]:
        return {"account": self.account, "part": self.part, "file": self.file, "whole_file": self.whole,
                "problems": len(self.problems), "gates_fail_on_at_or_below": self.gate.value, "reason": self.reason()}


_WHOLE_FILE = frozenset({"ACCOUNT_FILE_UNREADABLE", "ACCOUNT_EMPTY_EXPORT", "ACCOUNT_ORG_INVALID"})


def unread_parts(account: str, problems: Iterable[Finding], unloaded: Collection[str] = ()) -> list[UnreadPart]:
    """The files of one account with unreadable input, in the order first met; ``unloaded`` names the parts that
    did not load at all (the credential report, the password policy, the network)."""
    by_file: dict[str, list[Finding]] = {}
    for p in problems:
        if is_unreadable(p):
            by_file.setdefault(p.file or "(snapshot)", []).append(p)
    out = []
    for file, found in by_file.items():
        part = part_of(file)
        whole = part in unloaded or any(not p.path and p.code in _WHOLE_FILE for p in found)
        out.append(UnreadPart(account, part, file, tuple(found), whole))
    return out
