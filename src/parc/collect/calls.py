"""Every AWS API call ``parc collect`` makes, with the IAM action that authorizes it: the one table the collectors
call through (``Account.call`` takes a :class:`Call` from here, never a bare name) and ``--print-policy`` is
generated from, so the shipped policy cannot drift from what the code does.

Only read calls (``Describe``/``Get``/``List``), plus ``iam:GenerateCredentialReport`` (which only asks IAM to
build the report that ``GetCredentialReport`` reads) and ``sts:AssumeRole`` for ``--member-role``.
The IAM actions are those of the Service Authorization Reference, e.g.
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html (``GetBucketEncryption`` is
authorized by ``s3:GetEncryptionConfiguration``, S3 Control's ``GetPublicAccessBlock`` by
``s3:GetAccountPublicAccessBlock``).
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore import xform_name


@dataclass(frozen=True)
class Call:
    service: str
    """The boto3 client name (``s3control``, ``secretsmanager``)."""
    operation: str
    """The API operation, as AWS names it (``GetBucketPolicy``)."""
    action: str
    """The IAM action that authorizes it (``s3:GetBucketPolicy``)."""
    area: str
    """The ``--only`` area it belongs to."""
    noun: str = ""
    """What one call is about, for the audit's gap lines (``bucket``: "for 3 buckets"); empty for one-off calls."""
    paginated: bool = False
    absent: tuple[str, ...] = ()
    """Error codes that mean "there is none" (a bucket without a policy): not a failure; the file then holds ``{}``."""

    @property
    def method(self) -> str:
        """The boto3 method name (``get_bucket_policy``)."""
        return str(xform_name(self.operation))

    @property
    def file(self) -> str:
        """The file name the AWS CLI's command would suggest (``get-bucket-policy.json``)."""
        return str(xform_name(self.operation, "-")) + ".json"


AREAS = ("iam", "org", "ec2", "s3", "kms", "sqs", "sns", "secretsmanager", "lambda", "ecr", "glue", "efs",
         "cloudtrail", "config", "rds", "accessanalyzer", "securityhub", "wafv2")
"""The ``--only`` areas, in collection order: what the audit uses today first."""

# -- STS
GET_CALLER_IDENTITY = Call("sts", "GetCallerIdentity", "sts:GetCallerIdentity", "iam")
ASSUME_ROLE = Call("sts", "AssumeRole", "sts:AssumeRole", "org", "account")

# -- IAM (global)
GET_ACCOUNT_AUTHORIZATION_DETAILS = Call("iam", "GetAccountAuthorizationDetails",
                                         "iam:GetAccountAuthorizationDetails", "iam", paginated=True)
GENERATE_CREDENTIAL_REPORT = Call("iam", "GenerateCredentialReport", "iam:GenerateCredentialReport", "iam")
GET_CREDENTIAL_REPORT = Call("iam", "GetCredentialReport", "iam:GetCredentialReport", "iam")
GET_ACCOUNT_PASSWORD_POLICY = Call("iam", "GetAccountPasswordPolicy", "iam:GetAccountPasswordPolicy", "iam",
                                   absent=("NoSuchEntity",))
GET_ACCOUNT_SUMMARY = Call("iam", "GetAccountSummary", "iam:GetAccountSummary", "iam")
LIST_MFA_DEVICES = Call("iam", "ListMFADevices", "iam:ListMFADevices", "iam", "user", paginated=True)
LIST_VIRTUAL_MFA_DEVICES = Call("iam", "ListVirtualMFADevices", "iam:ListVirtualMFADevices", "iam", paginated=True)
LIST_SAML_PROVIDERS = Call("iam", "ListSAMLProviders", "iam:ListSAMLProviders", "iam")
LIST_OPEN_ID_CONNECT_PROVIDERS = Call("iam", "ListOpenIDConnectProviders", "iam:ListOpenIDConnectProviders", "iam")
LIST_SERVER_CERTIFICATES = Call("iam", "ListServerCertificates", "iam:ListServerCertificates", "iam",
                                paginated=True)

# -- Organizations (global)
DESCRIBE_ORGANIZATION = Call("organizations", "DescribeOrganization", "organizations:DescribeOrganization", "org",
                             absent=("AWSOrganizationsNotInUseException",))
LIST_ROOTS = Call("organizations", "ListRoots", "organizations:ListRoots", "org", paginated=True)
LIST_ACCOUNTS = Call("organizations", "ListAccounts", "organizations:ListAccounts", "org", paginated=True)
LIST_PARENTS = Call("organizations", "ListParents", "organizations:ListParents", "org", "account or OU",
                    paginated=True)
LIST_OUS_FOR_PARENT = Call("organizations", "ListOrganizationalUnitsForParent",
                           "organizations:ListOrganizationalUnitsForParent", "org", "root or OU", paginated=True)
LIST_ACCOUNTS_FOR_PARENT = Call("organizations", "ListAccountsForParent", "organizations:ListAccountsForParent",
                                "org", "root or OU", paginated=True)
LIST_POLICIES_FOR_TARGET = Call("organizations", "ListPoliciesForTarget", "organizations:ListPoliciesForTarget",
                                "org", "target", paginated=True)
DESCRIBE_POLICY = Call("organizations", "DescribePolicy", "organizations:DescribePolicy", "org", "policy")

# -- EC2 / VPC (per region)
DESCRIBE_REGIONS = Call("ec2", "DescribeRegions", "ec2:DescribeRegions", "ec2")
NETWORK_CALLS = tuple(
    Call("ec2", op, f"ec2:{op}", "ec2", "region", paginated=pag)
    for op, pag in (
        ("DescribeVpcs", True), ("DescribeSubnets", True), ("DescribeRouteTables", True),
        ("DescribeInternetGateways", True), ("DescribeNatGateways", True),
        ("DescribeEgressOnlyInternetGateways", True), ("DescribeVpcPeeringConnections", True),
        ("DescribeSecurityGroups", True), ("DescribeNetworkAcls", True), ("DescribeNetworkInterfaces", True),
        ("DescribeInstances", True), ("DescribeManagedPrefixLists", True),
    )
)
"""The describe-* calls whose outputs ``parc.loaders.ec2`` reads (the README's "The network")."""
GET_MANAGED_PREFIX_LIST_ENTRIES = Call("ec2", "GetManagedPrefixListEntries", "ec2:GetManagedPrefixListEntries",
                                       "ec2", "prefix list", paginated=True)
EC2_EXTRA_CALLS = (
    Call("ec2", "DescribeFlowLogs", "ec2:DescribeFlowLogs", "ec2", "region", paginated=True),
    Call("ec2", "DescribeVpcEndpoints", "ec2:DescribeVpcEndpoints", "ec2", "region", paginated=True),
    Call("ec2", "DescribeVolumes", "ec2:DescribeVolumes", "ec2", "region", paginated=True),
    Call("ec2", "GetEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault", "ec2", "region"),
    Call("ec2", "GetEbsDefaultKmsKeyId", "ec2:GetEbsDefaultKmsKeyId", "ec2", "region"),
    Call("ec2", "GetInstanceMetadataDefaults", "ec2:GetInstanceMetadataDefaults", "ec2", "region"),
)
"""Per region, for the audit's encryption, logging and metadata checks: raw outputs in ``ec2/REGION/``."""
DESCRIBE_SNAPSHOTS = Call("ec2", "DescribeSnapshots", "ec2:DescribeSnapshots", "ec2", "region", paginated=True)
"""The account's own EBS snapshots (``OwnerIds=self``): encryption, and the ids whose sharing is read next."""
DESCRIBE_SNAPSHOT_ATTRIBUTE = Call("ec2", "DescribeSnapshotAttribute", "ec2:DescribeSnapshotAttribute", "ec2",
                                   "snapshot")
"""``createVolumePermission`` of one snapshot: ``Group: all`` is public."""

# -- S3 (bucket calls go to the bucket's region)
LIST_BUCKETS = Call("s3", "ListBuckets", "s3:ListAllMyBuckets", "s3", paginated=True)
GET_BUCKET_LOCATION = Call("s3", "GetBucketLocation", "s3:GetBucketLocation", "s3", "bucket")
GET_BUCKET_POLICY = Call("s3", "GetBucketPolicy", "s3:GetBucketPolicy", "s3", "bucket", absent=("NoSuchBucketPolicy",))
BUCKET_CALLS = (
    Call("s3", "GetBucketAcl", "s3:GetBucketAcl", "s3", "bucket"),
    Call("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3", "bucket",
         absent=("NoSuchPublicAccessBlockConfiguration",)),
    Call("s3", "GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", "s3", "bucket",
         absent=("OwnershipControlsNotFoundError",)),
    Call("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration", "s3", "bucket",
         absent=("ServerSideEncryptionConfigurationNotFoundError",)),
    Call("s3", "GetBucketVersioning", "s3:GetBucketVersioning", "s3", "bucket"),
    Call("s3", "GetBucketLogging", "s3:GetBucketLogging", "s3", "bucket"),
)
"""Per bucket, raw outputs in ``s3/BUCKET/`` (besides the policy, which goes to ``resource-policies.json`` too)."""
GET_ACCOUNT_PUBLIC_ACCESS_BLOCK = Call("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock", "s3",
                                       absent=("NoSuchPublicAccessBlockConfiguration",))

# -- Resource policies (per region)
LIST_KEYS = Call("kms", "ListKeys", "kms:ListKeys", "kms", "region", paginated=True)
LIST_ALIASES = Call("kms", "ListAliases", "kms:ListAliases", "kms", "region", paginated=True)
DESCRIBE_KEY = Call("kms", "DescribeKey", "kms:DescribeKey", "kms", "key")
GET_KEY_POLICY = Call("kms", "GetKeyPolicy", "kms:GetKeyPolicy", "kms", "key")
GET_KEY_ROTATION_STATUS = Call("kms", "GetKeyRotationStatus", "kms:GetKeyRotationStatus", "kms", "key")
LIST_QUEUES = Call("sqs", "ListQueues", "sqs:ListQueues", "sqs", "region", paginated=True)
GET_QUEUE_ATTRIBUTES = Call("sqs", "GetQueueAttributes", "sqs:GetQueueAttributes", "sqs", "queue")
LIST_TOPICS = Call("sns", "ListTopics", "sns:ListTopics", "sns", "region", paginated=True)
GET_TOPIC_ATTRIBUTES = Call("sns", "GetTopicAttributes", "sns:GetTopicAttributes", "sns", "topic")
LIST_SECRETS = Call("secretsmanager", "ListSecrets", "secretsmanager:ListSecrets", "secretsmanager", "region",
                    paginated=True)
GET_SECRET_POLICY = Call("secretsmanager", "GetResourcePolicy", "secretsmanager:GetResourcePolicy",
                         "secretsmanager", "secret")
LIST_FUNCTIONS = Call("lambda", "ListFunctions", "lambda:ListFunctions", "lambda", "region", paginated=True)
GET_FUNCTION_POLICY = Call("lambda", "GetPolicy", "lambda:GetPolicy", "lambda", "function",
                           absent=("ResourceNotFoundException",))
DESCRIBE_REPOSITORIES = Call("ecr", "DescribeRepositories", "ecr:DescribeRepositories", "ecr", "region",
                             paginated=True)
GET_REPOSITORY_POLICY = Call("ecr", "GetRepositoryPolicy", "ecr:GetRepositoryPolicy", "ecr", "repository",
                             absent=("RepositoryPolicyNotFoundException",))
GET_DEV_ENDPOINTS = Call("glue", "GetDevEndpoints", "glue:GetDevEndpoints", "glue", "region", paginated=True)
DESCRIBE_FILE_SYSTEMS = Call("efs", "DescribeFileSystems", "elasticfilesystem:DescribeFileSystems", "efs", "region",
                             paginated=True)
DESCRIBE_FILE_SYSTEM_POLICY = Call("efs", "DescribeFileSystemPolicy", "elasticfilesystem:DescribeFileSystemPolicy",
                                   "efs", "file system", absent=("PolicyNotFound",))

# -- Logging and data stores (per region): raw outputs in SERVICE/REGION/
CLOUDTRAIL_DESCRIBE_TRAILS = Call("cloudtrail", "DescribeTrails", "cloudtrail:DescribeTrails", "cloudtrail", "region")
CLOUDTRAIL_GET_TRAIL_STATUS = Call("cloudtrail", "GetTrailStatus", "cloudtrail:GetTrailStatus", "cloudtrail",
                                   "trail")
CLOUDTRAIL_GET_EVENT_SELECTORS = Call("cloudtrail", "GetEventSelectors", "cloudtrail:GetEventSelectors",
                                      "cloudtrail", "trail")
CONFIG_CALLS = (
    Call("config", "DescribeConfigurationRecorders", "config:DescribeConfigurationRecorders", "config", "region"),
    Call("config", "DescribeConfigurationRecorderStatus", "config:DescribeConfigurationRecorderStatus", "config",
         "region"),
    Call("config", "DescribeDeliveryChannels", "config:DescribeDeliveryChannels", "config", "region"),
)
RDS_CALLS = (
    Call("rds", "DescribeDBInstances", "rds:DescribeDBInstances", "rds", "region", paginated=True),
    Call("rds", "DescribeDBClusters", "rds:DescribeDBClusters", "rds", "region", paginated=True),
)
DESCRIBE_DB_SNAPSHOTS = Call("rds", "DescribeDBSnapshots", "rds:DescribeDBSnapshots", "rds", "region",
                             paginated=True)
DESCRIBE_DB_SNAPSHOT_ATTRIBUTES = Call("rds", "DescribeDBSnapshotAttributes", "rds:DescribeDBSnapshotAttributes",
                                       "rds", "snapshot")
DESCRIBE_DB_CLUSTER_SNAPSHOTS = Call("rds", "DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshots", "rds",
                                     "region", paginated=True)
DESCRIBE_DB_CLUSTER_SNAPSHOT_ATTRIBUTES = Call("rds", "DescribeDBClusterSnapshotAttributes",
                                               "rds:DescribeDBClusterSnapshotAttributes", "rds", "cluster snapshot")
"""RDS snapshots (manual ones are those that can be shared) and their ``restore`` attribute: ``all`` is public.
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshotAttributes.html"""
LIST_ANALYZERS = Call("accessanalyzer", "ListAnalyzers", "access-analyzer:ListAnalyzers", "accessanalyzer", "region",
                      paginated=True)
DESCRIBE_HUB = Call("securityhub", "DescribeHub", "securityhub:DescribeHub", "securityhub", "region",
                    absent=("InvalidAccessException",))

# -- AWS WAF (per region, Scope REGIONAL; and once per account, Scope CLOUDFRONT in us-east-1), with what it protects
WAF_LIST_CALLS = (
    Call("wafv2", "ListWebACLs", "wafv2:ListWebACLs", "wafv2", "scope"),
    Call("wafv2", "ListRuleGroups", "wafv2:ListRuleGroups", "wafv2", "scope"),
    Call("wafv2", "ListIPSets", "wafv2:ListIPSets", "wafv2", "scope"),
    Call("wafv2", "ListRegexPatternSets", "wafv2:ListRegexPatternSets", "wafv2", "scope"),
)
"""Each list (paged by ``NextMarker``) is followed by one ``Get`` per item (``WAF_GET_CALLS``, in the same order)."""
WAF_GET_CALLS = (
    Call("wafv2", "GetWebACL", "wafv2:GetWebACL", "wafv2", "web ACL"),
    Call("wafv2", "GetRuleGroup", "wafv2:GetRuleGroup", "wafv2", "rule group"),
    Call("wafv2", "GetIPSet", "wafv2:GetIPSet", "wafv2", "IP set"),
    Call("wafv2", "GetRegexPatternSet", "wafv2:GetRegexPatternSet", "wafv2", "regex pattern set"),
)
WAF_GET_LOGGING_CONFIGURATION = Call("wafv2", "GetLoggingConfiguration", "wafv2:GetLoggingConfiguration", "wafv2",
                                     "web ACL", absent=("WAFNonexistentItemException",))
"""https://docs.aws.amazon.com/waf/latest/APIReference/API_GetLoggingConfiguration.html: none is
WAFNonexistentItemException."""
WAF_GET_WEB_ACL_FOR_RESOURCE = Call("wafv2", "GetWebACLForResource", "wafv2:GetWebACLForResource", "wafv2",
                                    "load balancer", absent=("WAFNonexistentItemException",))
"""The web ACL of one regional resource (a load balancer); no ``WebACL`` in the answer: none associated
(https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACLForResource.html)."""
DESCRIBE_LOAD_BALANCERS = Call("elbv2", "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers",
                               "wafv2", "region", paginated=True)
GET_REST_APIS = Call("apigateway", "GetRestApis", "apigateway:GET", "wafv2", "region", paginated=True)
GET_STAGES = Call("apigateway", "GetStages", "apigateway:GET", "wafv2", "REST API")
"""A stage's ``webAclArn`` is its web ACL (https://docs.aws.amazon.com/apigateway/latest/api/API_GetStages.html)."""
LIST_DISTRIBUTIONS = Call("cloudfront", "ListDistributions", "cloudfront:ListDistributions", "wafv2",
                          paginated=True)
"""A distribution's ``WebACLId`` is its web ACL's ARN, empty when none
(https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionSummary.html)."""


def all_calls() -> tuple[Call, ...]:
    """Every call of the table (the module's ``Call`` constants and tuples), in definition order."""
    out: list[Call] = []
    for value in globals().values():
        items = value if isinstance(value, tuple) else (value,)
        out.extend(v for v in items if isinstance(v, Call) and v not in out)
    return tuple(out)


def calls_by_operation() -> dict[tuple[str, str], Call]:
    """``(service, operation) -> Call``: what the tests map recorded API calls through."""
    return {(c.service, c.operation): c for c in all_calls()}
