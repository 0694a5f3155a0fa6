"""What runs on compute: instances without an instance profile, instances that still answer IMDSv1, and regions
whose account-level metadata default does not require IMDSv2.

IMDSv2 (``HttpTokens: required``) makes the metadata service answer only requests with a session token, which a
server-side request forgery cannot obtain; with ``optional`` the role's credentials can be read through any SSRF
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html; Security Hub EC2.8,
CIS 5.7 in v3.0: https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html). An instance whose
metadata endpoint is disabled (``HttpEndpoint: disabled``) answers nothing and passes. The account default
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html) applies to instances
launched later without their own setting.

An instance without an instance profile has no role: what runs on it that calls AWS uses long-lived keys stored on
the host (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html).
"""

from __future__ import annotations

from parc.core.audit.idnet_inputs import IdnetInputs
from parc.core.audit.model import AuditFinding, CheckResult, NotChecked, Severity

CHECK_INSTANCES = "compute: instance profiles and IMDSv2 on instances"
CHECK_DEFAULTS = "compute: the account's instance metadata defaults (IMDSv2)"
IMDS_DOCS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html"
IMDS_DEFAULTS_DOCS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html"
EC2_CONTROLS = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html"
PROFILE_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html"


def compute_checks(account: str, idnet: IdnetInputs) -> CheckResult:
    findings: list[AuditFinding] = []
    not_checked: list[NotChecked] = []
    if idnet.instances is None:
        not_checked.append(NotChecked(CHECK_INSTANCES, idnet.instances_missing, account))
    unknown: list[str] = []
    for inst in idnet.instances or ():
        label = inst.instance_id + (f" ({inst.name})" if inst.name else "")
        if inst.profile_arn is None:
            findings.append(AuditFinding(
                "INSTANCE_NO_PROFILE", Severity.LOW, "identity",
                f"Instance {label} has no instance profile (no IAM role)",
                inst.instance_id,
                "Software on it that calls AWS needs credentials: without a role they are long-lived access keys "
                "stored on the host, which leak with it. (Systems Manager also needs a role to manage it.)",
                "Create a role with the permissions the instance needs and attach it through an instance profile "
                f"(aws ec2 associate-iam-instance-profile --instance-id {inst.instance_id} --iam-instance-profile "
                "Name=...); then remove any access keys stored on the host.",
                account, (inst.where.evidence(f"{inst.instance_id}: no IamInstanceProfile"),), PROFILE_DOCS,
                details={"state": inst.state},
            ))
        if inst.http_tokens is None and inst.http_endpoint != "disabled":
            unknown.append(inst.instance_id)
        elif inst.http_endpoint != "disabled" and inst.http_tokens != "required":
            shown = inst.http_tokens
            findings.append(AuditFinding(
                "IMDSV2_NOT_REQUIRED", Severity.MEDIUM if inst.profile_arn else Severity.LOW, "identity",
                f"Instance {label} answers IMDSv1 (HttpTokens {inst.http_tokens})",
                inst.instance_id,
                "With IMDSv1 a server-side request forgery in any application on the instance reads the "
                "instance role's credentials from http://169.254.169.254"
                + (" (it has a role)." if inst.profile_arn else " (it has no role today, so less is at stake)."),
                f"aws ec2 modify-instance-metadata-options --instance-id {inst.instance_id} --http-tokens required "
                "(check first with the MetadataNoToken CloudWatch metric that nothing still uses IMDSv1).",
                account, (inst.where.evidence(f"{inst.instance_id}: MetadataOptions.HttpTokens={shown}"),),
                f"{EC2_CONTROLS} (EC2.8); {IMDS_DOCS}",
                details={"http_tokens": inst.http_tokens, "instance_profile": inst.profile_arn},
            ))
    if unknown:
        not_checked.append(NotChecked(
            "compute: IMDSv2 on instances", f"describe-instances gives no MetadataOptions.HttpTokens for "
            f"{len(unknown)} instance(s) ({', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''})", account))
    if idnet.metadata_defaults is None:
        not_checked.append(NotChecked(CHECK_DEFAULTS, idnet.metadata_defaults_missing, account))
    for d in idnet.metadata_defaults or ():
        if d.http_tokens != "required":
            findings.append(AuditFinding(
                "IMDSV2_ACCOUNT_DEFAULT_OFF", Severity.LOW, "identity",
                f"New instances in {d.region} do not require IMDSv2 by default (account-level HttpTokens "
                f"{d.http_tokens or 'not set'})",
                f"arn:aws:ec2:{d.region}:{account}:instance-metadata-defaults",
                "Instances launched without their own metadata options (from older AMIs, or templates that omit "
                "them) then answer IMDSv1.",
                f"aws ec2 modify-instance-metadata-defaults --region {d.region} --http-tokens required",
                account, (d.where.evidence(f"{d.region}: AccountLevel.HttpTokens={d.http_tokens or 'not set'}"),),
                IMDS_DEFAULTS_DOCS, key=d.region, details={"region": d.region, "http_tokens": d.http_tokens},
            ))
    return CheckResult.of(findings, not_checked)
