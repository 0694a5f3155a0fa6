"""What the WAF collection finds in moto's account (us-east-1 and eu-west-1, and CloudFront's scope): a regional web
ACL with a rule group, an IP set and a regex pattern set, its logging configuration, associated with one of two
internet-facing Application Load Balancers; a CloudFront web ACL with no logging; a distribution without a web
ACL; a REST API stage without one.

Shapes as in https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html and
https://docs.aws.amazon.com/waf/latest/APIReference/API_PutLoggingConfiguration.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REGION = "eu-west-1"
VIS = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


@dataclass
class PlantedWaf:
    acl_arn: str
    cloudfront_acl_arn: str
    protected_alb: str
    open_alb: str
    distribution: str
    api: str


def populate_waf(c: Callable[..., Any]) -> PlantedWaf:
    waf = c("wafv2", REGION)
    ips = waf.create_ip_set(Name="blocked", Scope="REGIONAL", IPAddressVersion="IPV4",
                            Addresses=["192.0.2.0/24"])["Summary"]
    rx = waf.create_regex_pattern_set(Name="bad-paths", Scope="REGIONAL",
                                      RegularExpressionList=[{"RegexString": "^/admin"}])["Summary"]
    group = waf.create_rule_group(Name="paths", Scope="REGIONAL", Capacity=50, VisibilityConfig=VIS, Rules=[
        {"Name": "admin", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": VIS,
         "Statement": {"RegexPatternSetReferenceStatement": {
             "ARN": rx["ARN"], "FieldToMatch": {"UriPath": {}},
             "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}}])["Summary"]
    acl = waf.create_web_acl(Name="app", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VIS, Rules=[
        {"Name": "blocked-ips", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": VIS,
         "Statement": {"IPSetReferenceStatement": {"ARN": ips["ARN"]}}},
        {"Name": "paths", "Priority": 1, "OverrideAction": {"None": {}}, "VisibilityConfig": VIS,
         "Statement": {"RuleGroupReferenceStatement": {"ARN": group["ARN"]}}}])["Summary"]
    waf.put_logging_configuration(LoggingConfiguration={
        "ResourceArn": acl["ARN"],
        "LogDestinationConfigs": [f"arn:aws:firehose:{REGION}:123456789012:deliverystream/aws-waf-logs-app"]})
    cf = c("wafv2", "us-east-1").create_web_acl(Name="edge", Scope="CLOUDFRONT", DefaultAction={"Allow": {}},
                                                VisibilityConfig=VIS, Rules=[])["Summary"]
    ec2 = c("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.2.{i}.0/24", AvailabilityZone=f"{REGION}{z}")
               ["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    elb = c("elbv2", REGION)
    albs = [elb.create_load_balancer(Name=n, Subnets=subnets, Scheme="internet-facing", Type="application")
            ["LoadBalancers"][0]["LoadBalancerArn"] for n in ("shop", "legacy")]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=albs[0])
    dist = c("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": "r1", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0}})["Distribution"]["Id"]
    apigw = c("apigateway", REGION)
    api = apigw.create_rest_api(name="orders")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    dep = apigw.create_deployment(restApiId=api)["id"]
    apigw.create_stage(restApiId=api, stageName="prod", deploymentId=dep)
    return PlantedWaf(acl["ARN"], cf["ARN"], albs[0], albs[1], dist, api)
