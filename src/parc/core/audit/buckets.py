"""S3's own layers in the audit of access from outside (``external.py``): what a bucket's ACL opens, what Block
Public Access takes away again, and what the snapshot does not say.

* A bucket ACL grant to AllUsers / AuthenticatedUsers is probed like a ``"*"`` statement of the bucket policy: the
  engine decides each of its actions for the "anyone" probes, with every other layer (policy denies, RCPs,
  Object Ownership, Block Public Access) taking part.
* A public grant that Block Public Access neutralises (RestrictPublicBuckets for a public policy, IgnorePublicAcls
  for an ACL) is no access today, but one setting away from it: it is reported as such, at LOW, with the setting
  and its levels, instead of as CRITICAL (its evidence says which statement or grant it is).
* Without the S3 files, Block Public Access and ACLs are "not checked": the public-policy findings then stand as if
  no setting were on, which over-reports rather than hides.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
"""

from __future__ import annotations

from dataclasses import replace

from parc.core.account.buckets import bucket_of
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account
from parc.core.account.principals import Principal
from parc.core.audit.model import AuditFinding, Evidence, NotChecked, Severity
from parc.core.authz.decision import StatementRef
from parc.core.authz.s3_access import ACL_POLICY_TYPE, BLOCK_PUBLIC_ACCESS, grant_actions

CHECK = "Block Public Access and ACLs of S3 buckets"
BPA_DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
PROBE_KEY = "parc-probe"


def acl_only_buckets(account: Account) -> list[str]:
    """ARNs of the account's buckets that have an ACL in the snapshot and no bucket policy."""
    if account.s3 is None:
        return []
    policies = {rp.arn for rp in account.resource_policies}
    return [b.arn for b in account.s3.buckets if b.acl is not None and b.arn not in policies]


def public_acl_requests(account: Account, arn: str) -> list[tuple[str, str]]:
    """(resource, action) pairs that the bucket ACL's grants to AllUsers / AuthenticatedUsers may allow."""
    bucket = bucket_of(arn)
    if account.s3 is None or bucket is None or arn != f"arn:aws:s3:::{bucket}":
        return []
    b = account.s3.by_name.get(bucket)
    if b is None or b.acl is None:
        return []
    out: dict[tuple[str, str], None] = {}
    for g in b.acl.public_grants:
        on_bucket, on_objects = grant_actions(g, "bucket")
        for action in on_bucket:
            out.setdefault((arn, action), None)
        for action in on_objects:
            out.setdefault((f"{arn}/{PROBE_KEY}", action), None)
    return list(out)


def without_block(side: ResourceSide) -> ResourceSide | None:
    """The same side with no Block Public Access setting (None: it has none to take away)."""
    s3 = side.s3
    if s3 is None or (s3.account_block is None and s3.bucket_block is None):
        return None
    return replace(side, s3=replace(s3, account_block=None, bucket_block=None))


def neutralised(ev: Evaluator, probe: Principal, action: str, resource: str, side: ResourceSide,
                v: Verdict) -> tuple[Verdict, str] | None:
    """For a verdict that Block Public Access alone denied: what the probe could do with every setting off, and
    the engine's reason naming the setting (None: the settings are not why it is denied)."""
    why = blocked_by_setting(v.strict.reasons, v.strict.blocked_by)
    if why is None and v.relaxed is not None:
        why = blocked_by_setting(v.relaxed.reasons, v.relaxed.blocked_by)
    open_side = without_block(side) if why is not None else None
    if why is None or open_side is None:
        return None
    ov = ev.verdict(probe, action, resource, side=open_side)
    return (ov, why) if ov.possible else None


def blocked_by_setting(reasons: tuple[str, ...], blocked: tuple[str, ...]) -> str | None:
    """The engine's reason when Block Public Access alone denied."""
    return next((r for r in reasons if r.startswith("Block Public Access")), None) \
        if BLOCK_PUBLIC_ACCESS in blocked else None


def acl_evidence(account: Account, arn: str, ref: StatementRef) -> Evidence | None:
    """The grant an ``acl`` statement stands for, in its get-bucket-acl.json."""
    if ref.policy_type != ACL_POLICY_TYPE or account.s3 is None:
        return None
    bucket = bucket_of(arn)
    b = account.s3.by_name.get(bucket or "")
    if b is None:
        return None
    path = (ref.sid or "").split(" ", 1)[0]
    return Evidence(f"Allow: bucket ACL grant {ref.sid}", b.files.get("acl"), path)


def neutralised_finding(account: Account, arn: str, what: str, why_blocked: str, evidence: tuple[Evidence, ...],
                        key: str, actions: list[str]) -> AuditFinding:
    setting = "IgnorePublicAcls" if "IgnorePublicAcls" in why_blocked else "RestrictPublicBuckets"
    source = "ACL" if setting == "IgnorePublicAcls" else "policy"
    return AuditFinding(
        "RESOURCE_PUBLIC_BLOCKED", Severity.LOW, "identity",
        f"Block Public Access neutralises a public {source}: {what} without {setting}", arn,
        f"The bucket's {source} grants access beyond the account, and today Block Public Access stops it: "
        f"{why_blocked.removeprefix('Block Public Access: ').split(' (https')[0]}. "
        "Block Public Access settings do not change the policy or the ACL: turning the setting off (at every "
        "level it is on at) makes the bucket public again.",
        ("Remove the public grant (name the principals, or limit the statement with a fixed aws:SourceVpce, "
         "aws:SourceIp or aws:PrincipalOrgID), so that the bucket does not depend on the setting; keep Block Public "
         "Access on at the account level.") if source == "policy" else
        ("Remove the AllUsers / AuthenticatedUsers grants (or set Object Ownership to BucketOwnerEnforced, which "
         "turns ACLs off); keep Block Public Access on at the account level."),
        account.account_id, evidence or (Evidence(f"{source} of {arn}"),), BPA_DOCS, key=key,
        details={"setting": setting, "actions": actions, "blocked_by": why_blocked},
    )


def not_checked(account: Account) -> list[NotChecked]:
    """What the snapshot does not say about the S3 layers of the account's buckets."""
    buckets = [rp.arn for rp in account.resource_policies if bucket_of(rp.arn) is not None
               and rp.arn == f"arn:aws:s3:::{bucket_of(rp.arn)}"]
    if account.s3 is None:
        if not buckets:
            return []
        return [NotChecked(CHECK, "the snapshot has no s3control-get-public-access-block.json and no s3/ folder: "
                           "bucket policies are judged as if no Block Public Access setting were on, and bucket "
                           "ACLs are not read", account.account_id)]
    out: list[NotChecked] = []
    if account.s3.account_block is None:
        out.append(NotChecked(CHECK, "the account's Block Public Access (s3control-get-public-access-block.json) "
                                     "is missing or unreadable: only bucket-level settings were read",
                              account.account_id))
    missing = [a for a in buckets if bucket_of(a) not in account.s3.by_name]
    known = [b.name for b in account.s3.buckets if b.block is None or b.acl is None]
    if missing or known:
        names = sorted({*(bucket_of(a) or a for a in missing), *known})
        out.append(NotChecked(CHECK, "bucket-level Block Public Access or ACL files (s3/BUCKET/) are missing or "
                                     f"unreadable for: {', '.join(names)}", account.account_id))
    return out
