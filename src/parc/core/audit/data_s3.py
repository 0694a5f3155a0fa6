"""S3 data protection: default encryption, TLS-only access (decided by the engine), versioning and MFA delete, and
Block Public Access at the account and bucket levels.

* Default encryption: since 5 January 2023 S3 encrypts every new object with SSE-S3 when the bucket says nothing
  else, and ``GetBucketEncryption`` answers SSE-S3 for such a bucket
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html). SSE-S3, SSE-KMS and DSSE-KMS
  all encrypt at rest: none is a finding. A bucket whose answer holds no default (an old answer, or the
  ``ServerSideEncryptionConfigurationNotFoundError`` a tool recorded) is LOW: new objects are encrypted anyway,
  objects written before 2023 may not be.
* TLS: a bucket enforces TLS when a request with ``aws:SecureTransport`` false is denied for every S3 action on the
  bucket and on its objects. The engine decides it, for a probe of the bucket's own account allowed everything by
  its identity policy (so only a Deny can stop it: the bucket policy's or an RCP's; SCPs do not take part, they do
  not bind callers from other accounts), with every other request key free (a Deny that also needs, say, a
  particular ``aws:SourceVpce`` leaves the other endpoints open, and does not count).
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
  https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
* Versioning and MFA delete: ``GetBucketVersioning`` answers no ``Status`` for a bucket never versioned.
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html
* Block Public Access: on at the account level (all four settings), or else on for each bucket; the effective
  setting of a bucket is the more restrictive of the two levels.
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from parc.core.account.evaluator import Evaluator
from parc.core.account.model import Account
from parc.core.account.principals import EVERYTHING, Principal, org_context
from parc.core.audit.data_model import DataStores, Item
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity
from parc.core.authz.decision import StatementRef
from parc.core.authz.s3_settings import BPA_SETTINGS

CATEGORY = "data"
CHECK_ENCRYPTION = "data: S3 default encryption"
CHECK_TLS = "data: S3 buckets deny requests without TLS"
CHECK_VERSIONING = "data: S3 versioning and MFA delete"
CHECK_BPA = "data: S3 Block Public Access (account and buckets)"

ENCRYPTION_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html"
TLS_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
MFA_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html"
VERSIONING_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"
BPA_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"

BUCKET_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:GetBucketPolicy",
                  "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:GetBucketAcl", "s3:PutBucketAcl",
                  "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
                  "s3:DeleteBucket")
OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                  "s3:DeleteObjectVersion", "s3:GetObjectAcl", "s3:PutObjectAcl", "s3:GetObjectTagging",
                  "s3:PutObjectTagging", "s3:RestoreObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
"""The probed actions: reads, writes, deletes and permission changes, on the bucket and on an object. A Deny that
misses any of them (``s3:Get*`` alone, ``s3:PutObject`` alone) does not enforce TLS."""
PROBE_OBJECT = "parc-probe"
NO_TLS = {"aws:SecureTransport": "false"}
WITH_TLS = {"aws:SecureTransport": "true"}


def _finding(rule: str, severity: Severity, title: str, resource: str, why: str, fix: str, account: str,
             evidence: tuple[Evidence, ...], docs: str, key: str = "",
             details: dict[str, object] | None = None) -> AuditFinding:
    return AuditFinding(rule, severity, CATEGORY, title, resource, why, fix, account, evidence, docs, key,
                        details or {})


def _missing(check: str, what: str, where: tuple[str, ...], account: str) -> list[NotChecked]:
    if not where:
        return []
    shown = ", ".join(where[:10]) + (f" and {len(where) - 10} more" if len(where) > 10 else "")
    return [NotChecked(check, f"the snapshot has no {what} for: {shown}", account)]


def merged(entries: list[NotChecked]) -> list[NotChecked]:
    """One "not checked" entry per check and account, its reasons joined (a check that lacks several files)."""
    by: dict[tuple[str, str | None], list[str]] = {}
    for n in entries:
        by.setdefault((n.check, n.account), []).append(n.reason)
    return [NotChecked(c, "; ".join(reasons), a) for (c, a), reasons in by.items()]


def encryption(account_id: str, data: DataStores) -> CheckResult:
    findings = []
    for b in data.of("bucket-encryption"):
        if b.words("Algorithms"):
            continue
        findings.append(_finding(
            "S3_DEFAULT_ENCRYPTION_MISSING", Severity.LOW, f"Bucket {b.id} has no default encryption configured",
            b.resource,
            "S3 has encrypted every new object with SSE-S3 since 5 January 2023 whatever the bucket says, and answers "
            "SSE-S3 for a bucket without a configuration of its own; this bucket's answer holds none, so the record "
            "is older or the bucket predates it: objects written before 2023 may be stored unencrypted.",
            "Set a default (aws s3api put-bucket-encryption, SSE-S3 or SSE-KMS), and re-encrypt older objects "
            "(S3 Batch Operations copy).", account_id, (b.evidence("get-bucket-encryption: no rule"),),
            ENCRYPTION_DOCS))
    nc = _missing(CHECK_ENCRYPTION, "s3/BUCKET/get-bucket-encryption.json",
                  data.missing.get("bucket-encryption", ()), account_id)
    return CheckResult.of(findings, nc)


def versioning(account_id: str, data: DataStores) -> CheckResult:
    findings = []
    for b in data.of("bucket-versioning"):
        status = b.text("Status") or "never enabled"
        if status != "Enabled":
            findings.append(_finding(
                "S3_VERSIONING_DISABLED", Severity.LOW, f"Bucket {b.id} is not versioned ({status})", b.resource,
                "Without versioning an overwrite or a delete (by mistake, by a compromised key, by ransomware) "
                "destroys the object: nothing can be restored.",
                "aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration Status=Enabled (with a "
                "lifecycle rule expiring old versions).", account_id,
                (b.evidence(f"Status: {b.text('Status') or '(absent)'}"),), VERSIONING_DOCS,
                details={"status": status}))
        if b.text("MFADelete") != "Enabled":
            findings.append(_finding(
                "S3_MFA_DELETE_DISABLED", Severity.LOW, f"Bucket {b.id} does not require MFA to delete versions",
                b.resource,
                "With MFA delete, deleting an object version or changing the versioning state needs the root "
                "user's MFA code: a stolen access key alone cannot destroy the bucket's history.",
                "As the root user, with its MFA device: aws s3api put-bucket-versioning --bucket BUCKET "
                "--versioning-configuration Status=Enabled,MFADelete=Enabled --mfa 'SERIAL CODE'.", account_id,
                (b.evidence(f"MFADelete: {b.text('MFADelete') or '(absent)'}"),), MFA_DOCS))
    nc = _missing(CHECK_VERSIONING, "s3/BUCKET/get-bucket-versioning.json",
                  data.missing.get("bucket-versioning", ()), account_id)
    return CheckResult.of(findings, nc)


def buckets_of(account: Account, data: DataStores | None) -> list[str]:
    """The account's bucket names: its S3 folders, its S3 settings, and its bucket policies."""
    names: dict[str, None] = {}
    if data is not None:
        for i in data.items:
            if i.kind.startswith("bucket-"):
                names.setdefault(i.id, None)
        for kind in ("bucket-encryption", "bucket-versioning", "bucket-policy"):
            for n in data.missing.get(kind, ()):
                names.setdefault(n, None)
    if account.s3 is not None:
        for b in account.s3.buckets:
            names.setdefault(b.name, None)
    for rp in account.resource_policies:
        if rp.arn.startswith("arn:aws:s3:::") and "/" not in rp.arn:
            names.setdefault(rp.arn.removeprefix("arn:aws:s3:::"), None)
    return sorted(names)


def tls(account: Account, data: DataStores | None, ev: Evaluator, has_policies: bool,
        locate: Callable[[str], Evidence | None] = lambda arn: None) -> CheckResult:
    """Every bucket of the account: is a request without TLS denied for every probed action?"""
    names = buckets_of(account, data)
    if not names:
        return CheckResult()
    if not has_policies:
        return CheckResult.of(not_checked=[NotChecked(
            CHECK_TLS, "the snapshot has no resource-policies.json: the bucket policies are unknown",
            account.account_id)])
    probe = Principal(f"arn:aws:iam::{account.account_id}:role/parc-request-without-tls", "role", None,
                      (EVERYTHING,), context=org_context(account))
    findings = []
    undecided: list[str] = []
    policies = {rp.arn: rp for rp in account.resource_policies}
    items: dict[str, list[Item]] = {}
    for i in data.items if data is not None else ():
        items.setdefault(i.id, []).append(i)
    for name in names:
        arn = f"arn:aws:s3:::{name}"
        open_to: list[str] = []
        unsure: list[str] = []
        for action, resource in [(a, arn) for a in BUCKET_ACTIONS] + [(a, f"{arn}/{PROBE_OBJECT}")
                                                                       for a in OBJECT_ACTIONS]:
            side = ev.resource_side(action, resource, account.account_id)
            v = ev.verdict(probe, action, resource, NO_TLS, side=side)
            if v.possible:
                open_to.append(action)
            elif not _denied_for_tls(v.strict.deciding) and \
                    not ev.verdict(probe, action, resource, WITH_TLS, side=side).possible:
                unsure.append(action)  # denied with and without TLS, by something else: says nothing of TLS
        if not open_to:
            if unsure:
                undecided.append(name)
            continue
        found = locate(arn)
        if found is not None:
            where: tuple[Evidence, ...] = (found,)
        elif arn in policies:
            where = (Evidence(f"bucket policy of {arn}", note="resource-policies.json"),)
        else:
            where = (_no_policy(account, items, name),)
        findings.append(_finding(
            "S3_TLS_NOT_ENFORCED", Severity.MEDIUM, f"Bucket {name} accepts requests without TLS", arn,
            "No Deny stops a request sent over plain HTTP (aws:SecureTransport false) for "
            f"{', '.join(open_to[:5])}{' ...' if len(open_to) > 5 else ''}: the data and the credentials' "
            "signatures can be read or altered on the way.",
            "Add to the bucket policy: {\"Sid\": \"DenyWithoutTLS\", \"Effect\": \"Deny\", \"Principal\": \"*\", "
            "\"Action\": \"s3:*\", \"Resource\": [\"arn:aws:s3:::BUCKET\", \"arn:aws:s3:::BUCKET/*\"], "
            "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}.", account.account_id, where,
            TLS_DOCS, details={"actions_without_tls": open_to}))
    nc = [] if not undecided else [NotChecked(
        CHECK_TLS, "a probe of the account allowed everything by its own policies is denied with and without TLS "
        f"(by an RCP or the bucket policy, for another reason), so parc cannot tell whether TLS is required: "
        f"{', '.join(undecided)}", account.account_id)]
    return CheckResult.of(findings, nc)


def _denied_for_tls(deciding: tuple[StatementRef, ...]) -> bool:
    """Whether a deciding Deny tests aws:SecureTransport (the denial depends on TLS, not on the probe)."""
    return any(r.effect == "Deny" and any(k.lower() == "aws:securetransport" for k in r.condition_keys)
               for r in deciding)


def _no_policy(account: Account, items: Mapping[str, list[Item]], name: str) -> Evidence:
    """Where the snapshot says the bucket has no policy (its get-bucket-policy.json, or another of its files);
    ``items``: the data stores' items by id."""
    text = f"arn:aws:s3:::{name} has no bucket policy"
    mine = items.get(name, [])
    for i in mine:
        if i.kind == "bucket-policy":
            return i.evidence(text)
    b = account.s3.by_name.get(name) if account.s3 is not None else None
    files = sorted(b.files.values()) if b is not None else []
    files.extend(i.file for i in mine if i.kind.startswith("bucket-"))
    return Evidence(text, files[0] if files else None, note="the bucket's folder has no get-bucket-policy.json"
                    if files else "")


def block_public_access(account: Account, data: DataStores | None) -> CheckResult:
    aid = account.account_id
    if account.s3 is None:
        if not buckets_of(account, data):
            return CheckResult()
        return CheckResult.of(not_checked=[NotChecked(
            CHECK_BPA, "the snapshot has no s3control-get-public-access-block.json and no s3/BUCKET/"
                       "get-public-access-block.json", aid)])
    findings: list[AuditFinding] = []
    not_checked: list[NotChecked] = []
    acct = account.s3.account_block
    if acct is None:
        not_checked.append(NotChecked(CHECK_BPA, "the account's Block Public Access "
                                      "(s3control-get-public-access-block.json) is missing or unreadable", aid))
    else:
        off = [s for s in BPA_SETTINGS if not acct.get(s)]
        if off:
            findings.append(_finding(
                "S3_ACCOUNT_BLOCK_PUBLIC_ACCESS_OFF", Severity.MEDIUM,
                f"Block Public Access is not fully on for the account ({', '.join(off)} off)",
                f"s3-account-settings/{aid}",
                "Block Public Access at the account level overrides every bucket's policy and ACL: with it on, no "
                "bucket of the account can be made public by mistake.",
                "aws s3control put-public-access-block --account-id ID --public-access-block-configuration "
                "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true "
                "(first move any bucket that must stay public, e.g. a website, behind CloudFront).", aid,
                (Evidence(f"{', '.join(off)}: false", account.s3.account_block_file),), BPA_DOCS,
                details={"off": off}))
    missing: list[str] = []
    for name in buckets_of(account, data):
        b = account.s3.by_name.get(name)
        if b is None or b.block is None:
            if acct is None or not all(acct.get(s) for s in BPA_SETTINGS):
                missing.append(name)
            continue
        off = [s for s in BPA_SETTINGS if not b.block.get(s) and not (acct is not None and acct.get(s))]
        if off:
            findings.append(_finding(
                "S3_BUCKET_BLOCK_PUBLIC_ACCESS_OFF", Severity.LOW,
                f"Block Public Access is off for bucket {name} ({', '.join(off)}, at both levels)", b.arn,
                "Neither the bucket nor the account turns these settings on: a policy or ACL granting public "
                "access takes effect as written.",
                "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration "
                "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true, or "
                "turn them on at the account level.", aid,
                (Evidence(f"{', '.join(off)}: false", b.files.get("block")),), BPA_DOCS, details={"off": off}))
    not_checked += _missing(CHECK_BPA, "s3/BUCKET/get-public-access-block.json (readable)", tuple(missing), aid)
    return CheckResult.of(findings, not_checked)
