"""Values known only at deploy time: pseudo parameters, ``Ref`` and ``Fn::GetAtt`` of resources, imports.

Each has two forms. ``example`` is a well-formed stand-in of the right shape (a 12-digit account, an ARN of the
resource's type named after its logical id, or its literal name property when the template gives one): the policy
validator checks a document as it will be deployed, and a deployed ARN has no wildcard, so a stand-in ``*`` would
invent findings (a wildcard in a principal, PassRole on any role) that the deployed policy cannot have. ``pattern``
is what the value can be, with ``*`` for every part not fixed by the template: the form for matching requests, so
that comparing two versions of a template never widens or narrows access on a guess.

``opaque`` marks a value parc knows nothing about (an import, an unknown attribute, a parameter with no value):
findings on such a value are not shown as if they were about the user's text; parc says it could not check it.

Shapes: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html and
each resource type's "Return values" section of the template reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parc.core.policy.jsonpos import JNode

EXAMPLE_ACCOUNT = "111122223333"
"""The account id AWS's own documentation uses in examples."""
EXAMPLE_REGION = "us-east-1"
EXAMPLE_PARTITION = "aws"


@dataclass(frozen=True, slots=True)
class Symbol:
    example: str
    pattern: str
    opaque: bool = False


PSEUDO: dict[str, Symbol] = {
    "AWS::AccountId": Symbol(EXAMPLE_ACCOUNT, "*"),
    "AWS::Region": Symbol(EXAMPLE_REGION, "*"),
    "AWS::Partition": Symbol(EXAMPLE_PARTITION, "*"),
    "AWS::URLSuffix": Symbol("amazonaws.com", "*"),
    "AWS::StackName": Symbol("stack", "*"),
    "AWS::StackId": Symbol(
        f"arn:aws:cloudformation:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:stack/stack/"
        "51af3dc0-da77-11e4-872e-1234567db123",
        "arn:*:cloudformation:*:*:stack/*",
    ),
    "AWS::NotificationARNs": Symbol(f"arn:aws:sns:{EXAMPLE_REGION}:{EXAMPLE_ACCOUNT}:notifications", "*"),
}
NO_VALUE = "AWS::NoValue"

_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

# type -> (name property, Ref form, {attribute: form}); forms use {name} {lname} {acct} {region} {part} {id}
_SHAPES: dict[str, tuple[str, str, dict[str, str]]] = {
    "AWS::S3::Bucket": ("BucketName", "{lname}", {"Arn": "arn:{part}:s3:::{lname}",
                                                  "DomainName": "{lname}.s3.amazonaws.com"}),
    "AWS::IAM::Role": ("RoleName", "{name}", {"Arn": "arn:{part}:iam::{acct}:role/{name}",
                                              "RoleId": "AROAEXAMPLEROLEID0000"}),
    "AWS::IAM::User": ("UserName", "{name}", {"Arn": "arn:{part}:iam::{acct}:user/{name}"}),
    "AWS::IAM::Group": ("GroupName", "{name}", {"Arn": "arn:{part}:iam::{acct}:group/{name}"}),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "arn:{part}:iam::{acct}:policy/{name}",
                                {"PolicyArn": "arn:{part}:iam::{acct}:policy/{name}"}),
    "AWS::IAM::InstanceProfile": ("InstanceProfileName", "{name}",
                                  {"Arn": "arn:{part}:iam::{acct}:instance-profile/{name}"}),
    "AWS::SQS::Queue": ("QueueName", "https://sqs.{region}.amazonaws.com/{acct}/{name}",
                        {"Arn": "arn:{part}:sqs:{region}:{acct}:{name}", "QueueName": "{name}",
                         "QueueUrl": "https://sqs.{region}.amazonaws.com/{acct}/{name}"}),
    "AWS::SNS::Topic": ("TopicName", "arn:{part}:sns:{region}:{acct}:{name}",
                        {"TopicArn": "arn:{part}:sns:{region}:{acct}:{name}", "TopicName": "{name}"}),
    "AWS::KMS::Key": ("", _KEY_ID, {"Arn": "arn:{part}:kms:{region}:{acct}:key/" + _KEY_ID, "KeyId": _KEY_ID}),
    "AWS::KMS::Alias": ("AliasName", "{name}", {}),
    "AWS::Lambda::Function": ("FunctionName", "{name}", {"Arn": "arn:{part}:lambda:{region}:{acct}:function:{name}"}),
    "AWS::DynamoDB::Table": ("TableName", "{name}", {
        "Arn": "arn:{part}:dynamodb:{region}:{acct}:table/{name}",
        "StreamArn": "arn:{part}:dynamodb:{region}:{acct}:table/{name}/stream/2026-01-01T00:00:00.000"}),
    "AWS::ECR::Repository": ("RepositoryName", "{lname}", {
        "Arn": "arn:{part}:ecr:{region}:{acct}:repository/{lname}",
        "RepositoryUri": "{acct}.dkr.ecr.{region}.amazonaws.com/{lname}"}),
    "AWS::SecretsManager::Secret": ("Name", "arn:{part}:secretsmanager:{region}:{acct}:secret:{name}-AbCdEf",
                                    {"Id": "arn:{part}:secretsmanager:{region}:{acct}:secret:{name}-AbCdEf"}),
    "AWS::Logs::LogGroup": ("LogGroupName", "{name}", {"Arn": "arn:{part}:logs:{region}:{acct}:log-group:{name}:*"}),
    "AWS::Events::Rule": ("Name", "{name}", {"Arn": "arn:{part}:events:{region}:{acct}:rule/{name}"}),
    "AWS::Events::EventBus": ("Name", "{name}", {"Arn": "arn:{part}:events:{region}:{acct}:event-bus/{name}"}),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "arn:{part}:states:{region}:{acct}:stateMachine:{name}",
                                         {"Arn": "arn:{part}:states:{region}:{acct}:stateMachine:{name}"}),
    "AWS::OpenSearchService::Domain": ("DomainName", "{lname}", {
        "Arn": "arn:{part}:es:{region}:{acct}:domain/{lname}",
        "DomainArn": "arn:{part}:es:{region}:{acct}:domain/{lname}"}),
    "AWS::Elasticsearch::Domain": ("DomainName", "{lname}", {
        "Arn": "arn:{part}:es:{region}:{acct}:domain/{lname}",
        "DomainArn": "arn:{part}:es:{region}:{acct}:domain/{lname}"}),
    "AWS::Kinesis::Stream": ("Name", "{name}", {"Arn": "arn:{part}:kinesis:{region}:{acct}:stream/{name}"}),
    "AWS::ApiGateway::RestApi": ("", "a1b2c3d4e5", {"RootResourceId": "abc123"}),
    "AWS::EC2::VPC": ("", "vpc-0123456789abcdef0", {}),
    "AWS::EC2::VPCEndpoint": ("", "vpce-0123456789abcdef0", {}),
    "AWS::EFS::FileSystem": ("", "fs-01234567", {"Arn": "arn:{part}:elasticfilesystem:{region}:{acct}:"
                                                        "file-system/fs-01234567"}),
    "AWS::Backup::BackupVault": ("BackupVaultName", "{name}",
                                 {"BackupVaultArn": "arn:{part}:backup:{region}:{acct}:backup-vault:{name}"}),
}

_UNSAFE = re.compile(r"[^a-z0-9-]")


def _literal_name(resource: JNode | None, prop: str) -> str | None:
    if resource is None or resource.kind != "object" or not prop:
        return None
    props = resource.get("Properties")
    if props is None or props.node.kind != "object":
        return None
    m = props.node.get(prop)
    if m is not None and m.node.kind == "string" and m.node.value:
        return str(m.node.value)
    return None


def resource_value(logical_id: str, rtype: str, resource: JNode | None, attribute: str | None,
                   region: str = EXAMPLE_REGION, generated: str = "{}") -> Symbol:
    """``Ref`` (attribute None) or ``Fn::GetAtt`` of a resource of type ``rtype``. ``generated``: the stand-in for
    a name CloudFormation generates (the resource has no name property), ``{}`` is the logical id; ``region``: the
    stand-in region (``parc diff`` uses ones no template writes, so a stand-in never equals a literal by chance)."""
    shape = _SHAPES.get(rtype)
    if shape is None:
        return Symbol(logical_id if attribute is None else f"{logical_id}.{attribute}", "*", opaque=True)
    prop, ref_form, attrs = shape
    form = ref_form if attribute is None else attrs.get(attribute)
    if form is None:
        return Symbol(f"{logical_id}.{attribute}", "*", opaque=True)
    literal = _literal_name(resource, prop)
    name = literal or generated.format(logical_id)
    lname = literal or (_UNSAFE.sub("-", generated.format(logical_id).lower())[:63] or "resource")
    example = form.format(name=name, lname=lname, acct=EXAMPLE_ACCOUNT, region=region,
                          part=EXAMPLE_PARTITION)
    pattern_name = literal or "*"
    pattern = form.format(name=pattern_name, lname=pattern_name, acct="*", region="*", part="*")
    if rtype == "AWS::KMS::Key":
        pattern = form.replace(_KEY_ID, "*").format(part="*", region="*", acct="*")
    return Symbol(example, pattern)
