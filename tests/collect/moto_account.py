"""The moto account the collect tests share: a real AWS emulator (moto's server, on a free loopback port) populated
through boto3 with what the audit must then find. Only 127.0.0.1 is ever contacted.

moto has no AWS managed policies (customer managed copies are planted instead) and no root user in its credential
report; it does not emulate Access Analyzer, ec2:GetInstanceMetadataDefaults and ec2:GetEbsDefaultKmsKeyId, which
the tests answer with AWS's documented examples (``AWS_EXAMPLES``) through botocore's before-call event, the
mechanism botocore's Stubber uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from moto_waf import PlantedWaf, populate_waf

from parc.collect.runner import drop_account_host_prefix

MGMT = "123456789012"
V = "2012-10-17"
REGIONS = ("us-east-1", "eu-west-1")
MEMBER_ROLE = "OrganizationAccountAccessRole"

# Shapes of AWS's documented examples:
# https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetInstanceMetadataDefaults.html
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsDefaultKmsKeyId.html
AWS_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("accessanalyzer", "ListAnalyzers"): {"analyzers": [{
        "arn": "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/ConsoleAnalyzer",
        "name": "ConsoleAnalyzer", "type": "ACCOUNT", "status": "ACTIVE",
        "createdAt": "2026-01-01T00:00:00Z"}]},
    ("ec2", "GetInstanceMetadataDefaults"): {"AccountLevel": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2,
                                                              "HttpEndpoint": "enabled",
                                                              "InstanceMetadataTags": "disabled"}},
    ("ec2", "GetEbsDefaultKmsKeyId"): {"KmsKeyId": "alias/aws/ebs"},
}


def canned(status: int, body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    """A before-call answer, as botocore's Stubber gives one: (HTTP response, parsed body)."""
    meta = {"ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse("https://stub.invalid", status, {}, None), {**body, **meta}


def answer_unemulated(client: Any) -> None:
    """Answer the calls moto does not emulate with AWS's documented examples."""
    service = client.meta.service_model.service_name
    for (svc, op), body in AWS_EXAMPLES.items():
        if svc == service:
            client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}.{op}",
                                        lambda body=body, **_: canned(200, json.loads(json.dumps(body))))


@dataclass
class Planted:
    url: str
    member: str
    instance: str
    instance_ip: str
    ou: str
    waf: PlantedWaf | None = None


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("h.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def _trust(principal: dict[str, Any]) -> str:
    return json.dumps({"Version": V, "Statement": [{"Effect": "Allow", "Principal": principal,
                                                    "Action": "sts:AssumeRole"}]})


def populate(session: Any, url: str) -> Planted:
    def c(name: str, region: str = "us-east-1") -> Any:
        return session.client(name, region_name=region, endpoint_url=url)

    iam = c("iam")
    admin = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    read = {"Version": V, "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                         "Resource": "*"}]}
    admin_arn = iam.create_policy(PolicyName="AdministratorAccessCopy",
                                  PolicyDocument=json.dumps(admin))["Policy"]["Arn"]
    dev_arn = iam.create_policy(PolicyName="DevPolicy", PolicyDocument=json.dumps(admin))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=dev_arn, PolicyDocument=json.dumps(read), SetAsDefault=True)
    iam.create_group(GroupName="Developers")
    iam.attach_group_policy(GroupName="Developers", PolicyArn=dev_arn)
    iam.put_group_policy(GroupName="Developers", PolicyName="ReadLogs", PolicyDocument=json.dumps(
        {"Version": V, "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}]}))
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="Developers", UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-1")
    iam.create_access_key(UserName="alice")
    iam.create_user(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=admin_arn)
    iam.put_user_policy(UserName="bob", PolicyName="inline", PolicyDocument=json.dumps(
        {"Version": V, "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}))
    iam.create_role(RoleName="open-role", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
    iam.create_role(RoleName="app-runtime", AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}))
    iam.put_role_policy(RoleName="app-runtime", PolicyName="app", PolicyDocument=json.dumps(read))
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")

    s3 = c("s3")
    for b in ("public-data", "private-data", "acl-bucket"):
        s3.create_bucket(Bucket=b)
    s3.put_bucket_policy(Bucket="public-data", Policy=json.dumps({"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public-data/*"}]}))
    s3.put_bucket_policy(Bucket="private-data", Policy=json.dumps({"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:role/app-runtime"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::private-data/*"}]}))
    s3.put_public_access_block(Bucket="private-data", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_acl(Bucket="acl-bucket", ACL="public-read")
    s3.put_bucket_versioning(Bucket="private-data", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket="private-data", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3control = c("s3control")
    s3control.meta.events.register("before-sign.s3-control", drop_account_host_prefix)
    s3control.put_public_access_block(AccountId=MGMT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})

    kms = c("kms")
    key = kms.create_key(Policy=json.dumps({"Version": V, "Statement": [
        {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
         "Action": "kms:Decrypt", "Resource": "*"}]}))["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key)
    kms.enable_key_rotation(KeyId=key)
    sm = c("secretsmanager")
    sm.create_secret(Name="db-password", SecretString="x")
    sm.put_resource_policy(SecretId="db-password", ResourcePolicy=json.dumps({"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT}:role/app-runtime"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
    c("sqs", "eu-west-1").create_queue(QueueName="jobs")
    role = f"arn:aws:iam::{MGMT}:role/app-runtime"
    lam = c("lambda")
    lam.create_function(FunctionName="process-orders", Runtime="python3.12", Role=role, Handler="h.handler",
                        Code={"ZipFile": _zip()})
    lam.add_permission(FunctionName="process-orders", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=f"arn:aws:events:us-east-1:{MGMT}:rule/nightly")
    ecr = c("ecr")
    ecr.create_repository(repositoryName="team/app")
    ecr.set_repository_policy(repositoryName="team/app", policyText=json.dumps({"Version": V, "Statement": [
        {"Sid": "pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}))
    efs = c("efs")
    fs = efs.create_file_system(CreationToken="shared", Encrypted=False)["FileSystemId"]
    efs.put_file_system_policy(FileSystemId=fs, Policy=json.dumps({"Version": V, "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount",
         "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}}]}))
    c("glue").create_dev_endpoint(EndpointName="notebook", RoleArn=role)
    c("sns").create_topic(Name="alerts")

    ec2 = c("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
    sg = ec2.create_security_group(GroupName="ssh-open", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    assoc = [a["NetworkAclAssociationId"] for n in ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"] for a in n["Associations"]
        if a["SubnetId"] == subnet]
    ec2.replace_network_acl_association(AssociationId=assoc[0], NetworkAclId=acl)
    ec2.create_managed_prefix_list(PrefixListName="office", MaxEntries=5, AddressFamily="IPv4",
                                   Entries=[{"Cidr": "198.51.100.0/24"}])
    image = "ami-03cf127a"  # one of moto's bundled images (describing them all takes seconds)
    inst = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [sg], "AssociatePublicIpAddress": True}])["Instances"][0]
    ip = inst["PrivateIpAddress"]
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                         LogDestination="arn:aws:s3:::private-data")
    c("ec2", "eu-west-1").create_vpc(CidrBlock="10.1.0.0/16")
    # Data stores (issue 13): an unencrypted volume whose snapshot is public; a public RDS instance whose snapshot
    # anyone may restore; an Aurora cluster with a snapshot.
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=False)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                                  GroupNames=["all"])
    rds = c("rds")
    rds.create_db_instance(DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin1", MasterUserPassword="password-123", AllocatedStorage=20,
                           PubliclyAccessible=True, StorageEncrypted=False)
    rds.create_db_snapshot(DBSnapshotIdentifier="orders-before-upgrade", DBInstanceIdentifier="orders")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="orders-before-upgrade", AttributeName="restore",
                                     ValuesToAdd=["all"])
    rds.create_db_cluster(DBClusterIdentifier="aurora", Engine="aurora-postgresql", MasterUsername="admin1",
                          MasterUserPassword="password-123", StorageEncrypted=True)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="aurora-daily", DBClusterIdentifier="aurora")
    c("cloudtrail").create_trail(Name="main", S3BucketName="private-data", IsMultiRegionTrail=True)
    waf = populate_waf(c)

    orgs = c("organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    orgs.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    ou = orgs.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    status = orgs.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]
    member = status["AccountId"]
    orgs.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    scp = orgs.create_policy(Name="DenyLeave", Type="SERVICE_CONTROL_POLICY", Description="d", Content=json.dumps(
        {"Version": V, "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                                      "Resource": "*"}]}))["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=scp, TargetId=ou)
    rcp = orgs.create_policy(Name="OrgOnly", Type="RESOURCE_CONTROL_POLICY", Description="d", Content=json.dumps(
        {"Version": V, "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                      "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-x"},
                                                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    ))["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=rcp, TargetId=root)

    creds = c("sts").assume_role(RoleArn=f"arn:aws:iam::{member}:role/{MEMBER_ROLE}",
                                 RoleSessionName="setup")["Credentials"]
    import boto3

    m = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"], region_name="us-east-1")
    miam = m.client("iam", endpoint_url=url)
    miam.create_user(UserName="member-user")
    miam.create_role(RoleName="vendor", AssumeRolePolicyDocument=_trust({"AWS": "arn:aws:iam::999988887777:root"}))
    return Planted(url, member, inst["InstanceId"], ip, ou, waf)
