"""The finding codes the audit's checks produce today, and those issue 13's checks are adding.

The framework view (``parc.core.audit.framework``) PASSes a control only when every code that could fail it is one
the audit produces: a code that no check produces yet leaves the control NOT CHECKED ("parc has no check for ..."),
never a PASS from a check that did not run. ``tests/audit/test_framework_mapping.py`` keeps this list honest: each
code here appears in the audit's or lint's source, and each planned code that a check now produces is listed here.
"""

from __future__ import annotations

PRODUCED = frozenset({
    # account security (account_security.py)
    "ROOT_NO_MFA", "ROOT_ACCESS_KEY", "USER_CONSOLE_NO_MFA", "ACCESS_KEY_NOT_ROTATED", "ACCESS_KEY_UNUSED",
    "PASSWORD_UNUSED", "PASSWORD_POLICY_MISSING", "PASSWORD_POLICY_WEAK",
    # identity and access (policies.py, privilege.py, external.py, buckets.py)
    "MFA_NOT_ENFORCED", "ADMIN_EQUIVALENT", "ESCALATION_PATH", "ROLE_ASSUMABLE_BY_ANYONE", "ROLE_ORGANIZATION_WIDE",
    "ROLE_CROSS_ACCOUNT", "ROLE_FEDERATED", "RESOURCE_PUBLIC", "RESOURCE_PUBLIC_BLOCKED",
    "RESOURCE_ORGANIZATION_WIDE", "RESOURCE_CROSS_ACCOUNT",
    # network integrity (network.py)
    "NET_INTERNET_EXPOSED", "NET_INTERNET_EXPOSED_SENSITIVE_PORT", "NET_DEFAULT_SG_HAS_RULES", "NET_ACL_ALLOWS_ALL",
    "NET_SG_RULE_UNKNOWN_GROUP",
    # logging and detection (logging_checks.py)
    "CLOUDTRAIL_NO_MULTI_REGION_TRAIL", "CLOUDTRAIL_LOG_VALIDATION_OFF", "CLOUDTRAIL_NOT_KMS_ENCRYPTED",
    "CLOUDTRAIL_BUCKET_PUBLIC", "CLOUDTRAIL_BUCKET_NO_ACCESS_LOGGING", "CLOUDTRAIL_S3_WRITE_EVENTS_OFF",
    "CLOUDTRAIL_S3_READ_EVENTS_OFF", "CONFIG_NOT_RECORDING", "VPC_FLOW_LOGS_MISSING", "ACCESS_ANALYZER_MISSING",
    "SECURITY_HUB_DISABLED",
    # data encryption and exposure (data_s3.py, data_stores.py)
    "S3_DEFAULT_ENCRYPTION_MISSING", "S3_TLS_NOT_ENFORCED", "S3_VERSIONING_DISABLED", "S3_MFA_DELETE_DISABLED",
    "S3_ACCOUNT_BLOCK_PUBLIC_ACCESS_OFF", "S3_BUCKET_BLOCK_PUBLIC_ACCESS_OFF", "EBS_DEFAULT_ENCRYPTION_OFF",
    "EBS_VOLUME_UNENCRYPTED", "EBS_SNAPSHOT_UNENCRYPTED", "EBS_SNAPSHOT_PUBLIC", "RDS_INSTANCE_UNENCRYPTED",
    "RDS_CLUSTER_UNENCRYPTED", "RDS_PUBLICLY_ACCESSIBLE", "RDS_SNAPSHOT_PUBLIC", "RDS_AUTO_MINOR_UPGRADE_OFF",
    "EFS_UNENCRYPTED", "KMS_ROTATION_DISABLED", "KMS_KEY_PENDING_DELETION", "SECRET_ROTATION_DISABLED",
    # identity, compute and network additions (identity_extra.py, compute.py, network_latent.py)
    "ROOT_USED_RECENTLY", "ROOT_NO_HARDWARE_MFA", "USER_TWO_ACTIVE_KEYS", "USER_DIRECT_POLICY",
    "SUPPORT_ROLE_MISSING", "INSTANCE_NO_PROFILE", "IMDSV2_NOT_REQUIRED", "IMDSV2_ACCOUNT_DEFAULT_OFF",
    "SERVER_CERTIFICATE_EXPIRED", "ROLE_SERVICE_TRUST_NO_SOURCE", "NET_SG_OPEN_ADMIN_PORT", "NET_ACL_OPEN_ADMIN_PORT",
    "NET_SG_UNUSED", "NET_ACL_UNUSED",
    # AWS WAF (waf_checks.py; no CIS control covers WAF)
    "WAF_NOT_ATTACHED", "WAF_ALLOWS_EVERYTHING", "WAF_RULE_IN_COUNT", "WAF_MANAGED_GROUP_NOT_EVALUATED",
    "WAF_NO_LOGGING", "WAF_UNREACHABLE_RULE",
})
"""Add a code here when its check is merged (the test says which planned codes the source now produces)."""

PLANNED: frozenset[str] = frozenset()
"""Codes mapped to controls before a check produces them (NOT CHECKED until then); issue 13's are all produced now."""
