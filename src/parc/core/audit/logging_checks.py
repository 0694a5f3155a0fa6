"""Logging and detection: CloudTrail, AWS Config, VPC flow logs, IAM Access Analyzer and Security Hub, per account
and per collected region.

* CloudTrail: the account needs a multi-region trail that is logging and records management events, read and
  write (an organization trail of the management account counts for every member of its organization: members do
  not list it). Each of the account's own trails needs log file validation and SSE-KMS; its bucket must not be
  public (decided by the engine: the bucket has a ``RESOURCE_PUBLIC`` finding) and must have server access logging.
  S3 object-level data events (write, read) for every bucket must be recorded by a logging multi-region trail.
* AWS Config: in every collected region, a recorder of every supported resource type that is recording, and a
  delivery channel.
* VPC flow logs: every VPC has an active flow log (of rejected or all traffic).
* Access Analyzer: an ACTIVE analyzer in every region (an organization analyzer counts for the organization's
  accounts); Security Hub enabled in every region.

What the snapshot does not hold (a service folder absent, a region's file missing, a trail bucket of an account not
in the snapshot) is a "not checked" entry naming it, never a pass.
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html
https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settings.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from parc.core.account.model import Account
from parc.core.audit.inputs import AccountInputs, AuditInput
from parc.core.audit.logging_model import LoggingSnapshot, Trail, Where
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity

CATEGORY = "logging"
CHECK_TRAIL = "logging: CloudTrail"
CHECK_CONFIG = "logging: AWS Config recording"
CHECK_FLOW = "logging: VPC flow logs"
CHECK_ANALYZER = "logging: IAM Access Analyzer"
CHECK_HUB = "logging: Security Hub"
CT_DOCS = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html"
S3_EVENTS_DOCS = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"


@dataclass(frozen=True)
class _Ctx:
    inputs: AuditInput
    public: frozenset[str]
    """ARNs with a RESOURCE_PUBLIC finding (the engine's answer)."""
    buckets: dict[str, bool]
    """Bucket name -> access logging on, over every account of the snapshot."""


def logging_checks(inputs: AuditInput, public: Iterable[str]) -> CheckResult:
    buckets: dict[str, bool] = {}
    for a in inputs.accounts:
        if a.logging is not None:
            buckets.update(a.logging.bucket_logging)
    ctx = _Ctx(inputs, frozenset(public), buckets)
    out = CheckResult()
    for acct, a in zip(inputs.estate.accounts, inputs.accounts, strict=False):
        snap = a.logging
        if snap is None:
            out += CheckResult.of(not_checked=[NotChecked(
                c, "the snapshot has none of parc collect's logging files (cloudtrail/, config/, accessanalyzer/, "
                   "securityhub/ region folders)", a.account_id)
                for c in (CHECK_TRAIL, CHECK_CONFIG, CHECK_FLOW, CHECK_ANALYZER, CHECK_HUB)])
            continue
        out += _cloudtrail(ctx, acct, a, snap)
        out += _config(a, snap)
        out += _flow_logs(a, snap)
        out += _analyzers(ctx, acct, a, snap)
        out += _hubs(a, snap)
    return out


def _ev(where: Where, text: str) -> Evidence:
    return Evidence(text, where.file, where.path, where.line)


def _missing(check: str, service: str, regions: Iterable[str], account: str) -> list[NotChecked]:
    regions = sorted(regions)
    if not regions:
        return []
    return [NotChecked(check, f"no readable {service} file for region(s) {', '.join(regions)}", account)]


# ---- CloudTrail ---------------------------------------------------------------------------------------------------


def _org_trails(ctx: _Ctx, acct: Account) -> list[Trail]:
    """The organization trails, listed by another account of ``acct``'s organization (the management account, or
    a delegated administrator), that cover ``acct``: members do not list them (describe-trails without shadow
    trails)."""
    if acct.org is None or not acct.org.organization_id:
        return []
    out: dict[str, Trail] = {}
    for other, a in zip(ctx.inputs.estate.accounts, ctx.inputs.accounts, strict=False):
        if other.account_id == acct.account_id or other.org is None \
                or other.org.organization_id != acct.org.organization_id or a.logging is None \
                or a.logging.trails is None:
            continue
        for t in a.logging.trails:
            if t.organization:
                out.setdefault(t.arn, t)
    return list(out.values())


def _owner(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _management_in_snapshot(ctx: _Ctx, acct: Account) -> bool:
    org = acct.org.organization_id if acct.org is not None else None
    return any(o.is_management and o.org is not None and o.org.organization_id == org
               for o in ctx.inputs.estate.accounts)


def _full(t: Trail) -> bool:
    return bool(t.multi_region and t.logging and t.coverage is not None
                and t.coverage.management_read and t.coverage.management_write)


def _cloudtrail(ctx: _Ctx, acct: Account, a: AccountInputs, snap: LoggingSnapshot) -> CheckResult:
    aid = a.account_id
    if snap.trails is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_TRAIL, "the snapshot has no cloudtrail/REGION/"
                                                      "describe-trails.json", aid)])
    not_checked = _missing(CHECK_TRAIL, "cloudtrail describe-trails", set(snap.regions) - set(snap.trail_regions),
                           aid)
    findings: list[AuditFinding] = []
    own = list(snap.trails)
    covering = own + _org_trails(ctx, acct)
    unknown = [t for t in covering if t.multi_region and (t.logging is None or t.coverage is None)]
    for t in unknown:
        not_checked.append(NotChecked(CHECK_TRAIL, f"the status or event selectors of trail {t.arn} were not read "
                                      "(get-trail-status.json / get-event-selectors.json)", aid))
    full = [t for t in covering if _full(t)]
    if not full and not unknown:
        findings.append(_no_trail(ctx, acct, aid, covering, snap.regions))
    s3 = [t for t in covering if t.multi_region and t.logging and t.coverage is not None]
    if not unknown:  # no trail at all records no S3 object event either (a framework view must see it fail)
        for way, rule in (("write", "CLOUDTRAIL_S3_WRITE_EVENTS_OFF"), ("read", "CLOUDTRAIL_S3_READ_EVENTS_OFF")):
            if not any(getattr(t.coverage, f"s3_{way}") for t in s3):
                findings.append(_s3_events(aid, way, rule, s3))
    accounts = {x.account_id for x in ctx.inputs.estate.accounts}
    for t in own:  # a trail another account of the snapshot owns is reported there
        if _owner(t.arn) in (aid, "") or _owner(t.arn) not in accounts:
            findings.extend(_trail_settings(ctx, aid, t, not_checked))
    return CheckResult.of(findings, not_checked)


def _no_trail(ctx: _Ctx, acct: Account, aid: str, trails: list[Trail], snap_regions: tuple[str, ...]) -> AuditFinding:
    why_not = []
    for t in trails:
        lacks = [w for w, bad in (("not multi-region", not t.multi_region), ("not logging", t.logging is False),
                                  ("no management read events", t.coverage is not None
                                   and not t.coverage.management_read),
                                  ("no management write events", t.coverage is not None
                                   and not t.coverage.management_write)) if bad]
        notes = t.coverage.notes if t.coverage is not None else []
        why_not.append(f"{t.arn}: {', '.join(lacks) or 'incomplete'}" + (f" ({'; '.join(notes)})" if notes else ""))
    member_note = ""
    org_unknown = False
    if acct.org is not None and acct.org.organization_id and not acct.is_management \
            and not _management_in_snapshot(ctx, acct):
        org_unknown = True
        member_note = (" The account is a member of an organization whose management account is not in the "
                       "snapshot: an organization trail there would cover it (audit the organization to know).")
    member_note += (" A trail is listed in its home region only: the regions collected are "
                    f"{', '.join(snap_regions) or 'none'}; a multi-region trail whose home region was not collected "
                    "is not seen.")
    return AuditFinding(
        "CLOUDTRAIL_NO_MULTI_REGION_TRAIL", Severity.HIGH, CATEGORY,
        "No multi-region CloudTrail trail logs management events (read and write)", f"account {aid}",
        "Without a logging multi-region trail that records every management event, API activity in some region or "
        "of some kind leaves no record: an intrusion cannot be detected or investigated." + member_note,
        "Create a multi-region trail (or an organization trail from the management account), start logging, and "
        "keep its event selectors on all management events, read and write.",
        aid, tuple(_ev(t.where, f"trail {t.arn}") for t in trails) or (Evidence("no trail in any collected region"),),
        CT_DOCS, details={"trails": why_not, "organization_trail_unknown": org_unknown, "regions": list(snap_regions)},
    )


def _s3_events(aid: str, way: str, rule: str, trails: list[Trail]) -> AuditFinding:
    notes = [n for t in trails if t.coverage is not None for n in t.coverage.notes]
    return AuditFinding(
        rule, Severity.LOW, CATEGORY, f"No trail records S3 object-level {way} events for every bucket",
        f"account {aid}",
        f"S3 object {way}s ({'PutObject, DeleteObject' if way == 'write' else 'GetObject'}...) are data events, "
        "which trails do not record by default: who " + ("changed or deleted" if way == "write" else "read") +
        " an object cannot be told." + (f" Partial selectors: {'; '.join(notes)}." if notes else ""),
        "Add to a logging multi-region trail a data event selector for AWS::S3::Object with the prefix arn:aws:s3 "
        f"(every bucket), {'WriteOnly' if way == 'write' else 'ReadOnly'} or All.",
        aid, tuple(_ev(t.where, f"trail {t.arn}") for t in trails), S3_EVENTS_DOCS,
        details={"trails": [t.arn for t in trails], "partial": notes},
    )


def _trail_settings(ctx: _Ctx, aid: str, t: Trail, not_checked: list[NotChecked]) -> list[AuditFinding]:
    ev = (_ev(t.where, f"trail {t.arn}"),)
    out = []
    if not t.log_validation:
        out.append(AuditFinding(
            "CLOUDTRAIL_LOG_VALIDATION_OFF", Severity.MEDIUM, CATEGORY,
            f"Trail {t.name} does not validate its log files", t.arn,
            "Without log file integrity validation, a log file changed or deleted after delivery cannot be detected.",
            f"aws cloudtrail update-trail --name {t.arn} --enable-log-file-validation", aid, ev,
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
            details={"region": t.home_region}))
    if not t.kms_key:
        out.append(AuditFinding(
            "CLOUDTRAIL_NOT_KMS_ENCRYPTED", Severity.MEDIUM, CATEGORY,
            f"Trail {t.name} does not encrypt its logs with a KMS key (SSE-KMS)", t.arn,
            "The log files are encrypted with S3 managed keys only: anyone who can read the bucket reads the logs; "
            "with SSE-KMS reading them also needs kms:Decrypt on the key.",
            f"aws cloudtrail update-trail --name {t.arn} --kms-key-id <key ARN> (with a key policy letting "
            "CloudTrail encrypt)", aid, ev,
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
            details={"region": t.home_region}))
    if not t.bucket:
        return out
    arn = f"arn:aws:s3:::{t.bucket}"
    if t.bucket not in ctx.buckets:
        not_checked.append(NotChecked(CHECK_TRAIL, f"the bucket {t.bucket} of trail {t.arn} is not in the snapshot "
                                      "(another account's, or its s3/ files were not collected): whether it is "
                                      "public and logs access is not known", aid))
        return out
    acl_read = any(x.s3 is not None and (b := x.s3.by_name.get(t.bucket)) is not None and b.acl is not None
                   for x in ctx.inputs.estate.accounts)
    if arn not in ctx.public and not acl_read:
        not_checked.append(NotChecked(CHECK_TRAIL, f"the ACL of the bucket {t.bucket} of trail {t.arn} was not read "
                                      "(s3/BUCKET/get-bucket-acl.json): whether its ACL makes it public is not known",
                                      aid))
    if arn in ctx.public:
        out.append(AuditFinding(
            "CLOUDTRAIL_BUCKET_PUBLIC", Severity.HIGH, CATEGORY, f"The bucket of trail {t.name} is public", arn,
            "The engine finds the bucket that holds the CloudTrail logs open to principals outside the account "
            "(see its RESOURCE_PUBLIC finding): the record of the account's activity can be read by anyone.",
            "Remove the public grant of the bucket's policy or ACL and turn on Block Public Access for the bucket.",
            aid, ev, "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
            key=t.arn, details={"trail": t.arn, "bucket": t.bucket}))
    if not ctx.buckets[t.bucket]:
        out.append(AuditFinding(
            "CLOUDTRAIL_BUCKET_NO_ACCESS_LOGGING", Severity.LOW, CATEGORY,
            f"The bucket of trail {t.name} does not log access to it", arn,
            "Without server access logging on the CloudTrail bucket, who read or deleted the logs is not recorded.",
            f"aws s3api put-bucket-logging --bucket {t.bucket} --bucket-logging-status "
            "'{\"LoggingEnabled\": {\"TargetBucket\": \"<log bucket>\", \"TargetPrefix\": \"<prefix>\"}}'",
            aid, ev, "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
            key=t.arn, details={"trail": t.arn, "bucket": t.bucket}))
    return out


# ---- AWS Config -----------------------------------------------------------------------------------------------------


def _config(a: AccountInputs, snap: LoggingSnapshot) -> CheckResult:
    aid = a.account_id
    if snap.config is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_CONFIG, "the snapshot has no config/REGION/ files", aid)])
    findings = []
    for region in sorted(snap.config):
        c = snap.config[region]
        lacks = []
        if not c.recorders:
            lacks.append("no configuration recorder")
        else:
            if not any(all_types for _, all_types in c.recorders):
                lacks.append("the recorder does not record every supported resource type")
            if not any(c.recording.get(name) for name, _ in c.recorders):
                lacks.append("the recorder is not recording")
        if not c.channels:
            lacks.append("no delivery channel")
        if lacks:
            findings.append(AuditFinding(
                "CONFIG_NOT_RECORDING", Severity.MEDIUM, CATEGORY, f"AWS Config does not record {region}: "
                + "; ".join(lacks), f"account {aid} region {region}",
                "Without AWS Config recording every resource type, changes to resources in the region (a security "
                "group opened, a bucket policy changed) have no history to investigate or alert on.",
                "Turn on AWS Config in the region: a recorder of all supported resource types, a delivery channel, "
                "and start recording (aws configservice start-configuration-recorder).",
                aid, (_ev(c.where, f"AWS Config in {region}"),),
                "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
                key=region, details={"region": region, "lacks": lacks}))
    return CheckResult.of(findings, _missing(CHECK_CONFIG, "config", set(snap.regions) - set(snap.config), aid))


# ---- VPC flow logs ------------------------------------------------------------------------------------------------


AZ_REGION = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)")
"""The region of an Availability Zone (``us-east-1a``) or Local Zone (``us-west-2-lax-1a``) name."""


def _vpc_regions(a: AccountInputs) -> dict[str, str | None]:
    """VPC id -> its region (the Vpc's own, else its subnets' Availability Zone's), None when unknown."""
    if a.network is None:
        return {}
    snap = a.network.snapshot
    by_vpc: dict[str, str | None] = {v.id: v.region for v in snap.vpcs}
    for s in snap.subnets:
        if by_vpc.get(s.vpc_id, "") is None and s.availability_zone:
            m = AZ_REGION.match(s.availability_zone)
            by_vpc[s.vpc_id] = m.group(1) if m else None
    return by_vpc


def _flow_logs(a: AccountInputs, snap: LoggingSnapshot) -> CheckResult:
    aid = a.account_id
    if snap.flow_logs is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_FLOW, "the snapshot has no ec2/REGION/"
                                                      "describe-flow-logs.json", aid)])
    if a.network is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_FLOW, "the VPCs are not known (no readable ec2/ "
                                                      "describe-vpcs.json)", aid)])
    logs = [f for region in snap.flow_logs for f in snap.flow_logs[region]]
    missing_regions = set(snap.regions) - set(snap.flow_logs)
    findings = []
    not_checked = []
    for vpc, region in sorted(_vpc_regions(a).items()):
        mine = [f for f in logs if f.resource == vpc]
        if any(f.active and f.traffic in ("ALL", "REJECT") for f in mine):
            continue
        # VPC ids are unique across regions: with every collected region's flow logs read, none is none.
        if not mine and (region not in snap.flow_logs if region else bool(missing_regions)):
            not_checked.append(NotChecked(CHECK_FLOW, f"the flow logs of {vpc} (region "
                                          f"{region or 'unknown'}) were not read", aid))
            continue
        file = snap.files.get(f"flowlogs/{region}") if region else None
        state = ("its flow logs are " + ", ".join(f"{f.id} ({'active' if f.active else 'not active'}, "
                                                   f"{f.traffic} traffic)" for f in mine)) if mine else "no flow log"
        findings.append(AuditFinding(
            "VPC_FLOW_LOGS_MISSING", Severity.MEDIUM, CATEGORY, f"VPC {vpc} has no active flow log of rejected traffic",
            vpc, f"Without a flow log, traffic to and from the VPC's interfaces (probes, exfiltration) leaves no "
                 f"record: {state}.",
            f"aws ec2 create-flow-logs --resource-type VPC --resource-ids {vpc} --traffic-type REJECT (or ALL) "
            "--log-destination-type cloud-watch-logs|s3 ...", aid,
            (Evidence(f"flow logs of region {region or 'unknown'}", file),),
            "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
            details={"region": region, "flow_logs": [f.id for f in mine]}))
    return CheckResult.of(findings, not_checked + _missing(CHECK_FLOW, "ec2 describe-flow-logs", missing_regions, aid))


# ---- Access Analyzer and Security Hub -----------------------------------------------------------------------------


def _org_analyzer_regions(ctx: _Ctx, acct: Account) -> set[str]:
    """Regions where an ACTIVE organization analyzer of another account of the same organization is collected."""
    org = acct.org.organization_id if acct.org is not None else None
    if not org:
        return set()
    out: set[str] = set()
    for other, a in zip(ctx.inputs.estate.accounts, ctx.inputs.accounts, strict=False):
        if other.org is None or other.org.organization_id != org or a.logging is None or a.logging.analyzers is None:
            continue
        for region, found in a.logging.analyzers.items():
            if any(t.startswith("ORGANIZATION") and s == "ACTIVE" for _, t, s in found):
                out.add(region)
    return out


def _analyzers(ctx: _Ctx, acct: Account, a: AccountInputs, snap: LoggingSnapshot) -> CheckResult:
    aid = a.account_id
    if snap.analyzers is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_ANALYZER, "the snapshot has no accessanalyzer/REGION/"
                                                      "list-analyzers.json", aid)])
    by_org = _org_analyzer_regions(ctx, acct)
    findings = []
    for region in sorted(snap.analyzers):
        found = snap.analyzers[region]
        if any(s == "ACTIVE" for _, _, s in found) or region in by_org:
            continue
        file = snap.files.get(f"accessanalyzer/{region}")
        findings.append(AuditFinding(
            "ACCESS_ANALYZER_MISSING", Severity.LOW, CATEGORY, f"No active IAM Access Analyzer in {region}",
            f"account {aid} region {region}",
            "IAM Access Analyzer works per region: without an active analyzer there, resources shared outside the "
            "account or organization in the region are not reported as they change."
            + (f" Analyzers there: {', '.join(f'{n} ({s})' for n, _, s in found)}." if found else ""),
            f"aws accessanalyzer create-analyzer --analyzer-name <name> --type ACCOUNT --region {region}", aid,
            (Evidence(f"analyzers of {region}", file),),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html",
            key=region, details={"region": region}))
    return CheckResult.of(findings, _missing(CHECK_ANALYZER, "accessanalyzer", set(snap.regions) - set(snap.analyzers),
                                             aid))


def _hubs(a: AccountInputs, snap: LoggingSnapshot) -> CheckResult:
    aid = a.account_id
    if snap.hubs is None:
        return CheckResult.of(not_checked=[NotChecked(CHECK_HUB, "the snapshot has no securityhub/REGION/"
                                                      "describe-hub.json", aid)])
    findings = []
    for region in sorted(snap.hubs):
        if snap.hubs[region]:
            continue
        findings.append(AuditFinding(
            "SECURITY_HUB_DISABLED", Severity.MEDIUM, CATEGORY, f"Security Hub is not enabled in {region}",
            f"account {aid} region {region}",
            "Security Hub gathers the findings of GuardDuty, Inspector, Config and Access Analyzer and runs the "
            "security standards' checks; without it, in this region those findings are not collected or scored.",
            f"aws securityhub enable-security-hub --region {region}", aid,
            (Evidence(f"describe-hub in {region}: not subscribed", snap.files.get(f"securityhub/{region}")),),
            "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settings.html",
            key=region, details={"region": region}))
    return CheckResult.of(findings, _missing(CHECK_HUB, "securityhub", set(snap.regions) - set(snap.hubs), aid))
