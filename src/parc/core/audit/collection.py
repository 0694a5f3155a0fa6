"""What ``parc collect`` could not collect (its ``collection.json``), as the audit's "not checked" lines: a denied
call is a gap in the snapshot, so the checks that read that data cannot say the area is fine.

Failures are grouped by call and error code: "AccessDenied on s3:GetBucketPolicy for 3 buckets".
"""

from __future__ import annotations

from dataclasses import dataclass

from parc.core.audit.model import CheckResult, NotChecked


@dataclass(frozen=True, slots=True)
class CollectionGap:
    """One call that failed during the collection."""

    call: str
    """The IAM action of the call (``s3:GetBucketPolicy``)."""
    area: str
    region: str = ""
    resource: str = ""
    noun: str = ""
    """What one call was about (``bucket``), or ``region`` for a per-region call, or empty for a one-off."""
    error: str = ""


@dataclass(frozen=True)
class CollectionRecord:
    """A ``collection.json``: an account's (``account`` set) or, for ``--org``, the organization's at the top."""

    file: str
    status: str
    """``complete``, ``incomplete`` or ``interrupted``."""
    account: str | None = None
    gaps: tuple[CollectionGap, ...] = ()
    not_collected: tuple[tuple[str, str], ...] = ()
    """(area, why) of what was not collected at all (a member account's organization policies...)."""
    accounts: tuple[tuple[str, str, str], ...] = ()
    """For --org: (account id, status, why) of every account of the organization."""


AREA_CHECKS = {
    "iam": "IAM (collection)", "org": "organization SCPs and RCPs (collection)", "ec2": "EC2 and VPC (collection)",
    "s3": "S3 buckets (collection)", "kms": "KMS keys (collection)", "sqs": "SQS queues (collection)",
    "sns": "SNS topics (collection)", "secretsmanager": "Secrets Manager (collection)",
    "lambda": "Lambda functions (collection)", "ecr": "ECR repositories (collection)",
    "glue": "Glue development endpoints (collection)", "efs": "EFS file systems (collection)",
    "cloudtrail": "CloudTrail (collection)", "config": "AWS Config (collection)", "rds": "RDS (collection)",
    "accessanalyzer": "Access Analyzer (collection)", "securityhub": "Security Hub (collection)",
}


def _plural(noun: str, n: int) -> str:
    if n == 1:
        return noun
    if noun.endswith("y") and not noun.endswith(("ay", "ey", "oy")):
        return noun[:-1] + "ies"
    return noun + "s"


def gap_lines(gaps: tuple[CollectionGap, ...]) -> list[tuple[str, str]]:
    """(area, "AccessDenied on s3:GetBucketPolicy for 3 buckets") per call and error, in a stable order."""
    groups: dict[tuple[str, str, str, str], list[CollectionGap]] = {}
    for g in gaps:
        groups.setdefault((g.area, g.call, g.error, g.noun), []).append(g)
    out = []
    for (area, call, error, noun), items in sorted(groups.items()):
        text = f"{error} on {call}"
        regions = sorted({g.region for g in items if g.region})
        if noun == "region":
            text += f" in {len(regions)} {_plural('region', len(regions))} ({', '.join(regions)})"
        elif noun:
            n = len({(g.region, g.resource) for g in items})
            text += f" for {n} {_plural(noun, n)}"
            if len(regions) > 1 or (regions and noun not in ("bucket", "account", "policy", "target", "parent",
                                                             "child")):
                text += f" (in {', '.join(regions)})"
        out.append((area, text))
    return out


def collection_checks(records: tuple[CollectionRecord, ...]) -> CheckResult:
    not_checked: list[NotChecked] = []
    for r in records:
        where = f" ({r.file})"
        if r.status == "interrupted":
            not_checked.append(NotChecked("collection", f"the collection was interrupted{where}", r.account))
        for area, text in gap_lines(r.gaps):
            not_checked.append(NotChecked(AREA_CHECKS.get(area, f"{area} (collection)"), text + where, r.account))
        for area, why in r.not_collected:
            check = AREA_CHECKS.get(area, f"{area} (collection)")
            not_checked.append(NotChecked(check, f"not collected: {why}{where}", r.account))
        for account, status, why in r.accounts:
            if status != "collected":
                not_checked.append(NotChecked("account (collection)", f"{status}: {why or status}{where}", account))
    return CheckResult.of(not_checked=not_checked)
