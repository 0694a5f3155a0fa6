"""Explanation codes, named as AWS Reachability Analyzer names them so users can cross-check a verdict with AWS.

Source: https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html
"""

from __future__ import annotations

BAD_STATE = "BAD_STATE"
BAD_STATE_ATTACHMENT = "BAD_STATE_ATTACHMENT"
BAD_STATE_ROUTE = "BAD_STATE_ROUTE"
ENI_SG_RULES_MISMATCH = "ENI_SG_RULES_MISMATCH"
SG_HAS_NO_RULES = "SG_HAS_NO_RULES"
SUBNET_ACL_RESTRICTION = "SUBNET_ACL_RESTRICTION"
NO_ROUTE_TO_DESTINATION = "NO_ROUTE_TO_DESTINATION"
NO_POSSIBLE_DESTINATION = "NO_POSSIBLE_DESTINATION"
UNKNOWN_DESTINATION = "UNKNOWN_DESTINATION"
UNKNOWN_RESOURCE = "UNKNOWN_RESOURCE"
UNSUPPORTED_COMPONENT = "UNSUPPORTED_COMPONENT"
PROTOCOL_RESTRICTION = "PROTOCOL_RESTRICTION"
PCX_REQUIRES_ADDRESS_IN_VPC_CIDR = "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS = "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS"
IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS = "IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS"
IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS = "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS"
IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS = "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS"
NGW_REQUIRES_SOURCE_IN_VPC = "NGW_REQUIRES_SOURCE_IN_VPC"
NGW_DEST_ADDRESS_PRESERVATION = "NGW_DEST_ADDRESS_PRESERVATION"
DISCONNECTED_VPCS = "DISCONNECTED_VPCS"

EXPLANATIONS = {
    BAD_STATE: "This component is not in a functional state.",
    BAD_STATE_ATTACHMENT: "The attachment between these components is not in a functional state.",
    BAD_STATE_ROUTE: "This route is not in a functional state.",
    ENI_SG_RULES_MISMATCH: "This security group has no inbound or outbound rules that apply.",
    SG_HAS_NO_RULES: "This security group has no inbound or outbound rules.",
    SUBNET_ACL_RESTRICTION: "Inbound or outbound traffic for a subnet must be admitted by the network ACL for the "
    "subnet.",
    NO_ROUTE_TO_DESTINATION: "The route table does not have an applicable route to the destination resource.",
    NO_POSSIBLE_DESTINATION: "The network component can't deliver the packet to any possible destination.",
    UNKNOWN_DESTINATION: "The path can't be extended because the information about the destination is insufficient.",
    UNKNOWN_RESOURCE: "The snapshot does not describe this resource: what it does to the traffic is unknown.",
    UNSUPPORTED_COMPONENT: "The component is not supported by parc's network model.",
    PROTOCOL_RESTRICTION: "This component only accepts traffic with specific protocols.",
    PCX_REQUIRES_ADDRESS_IN_VPC_CIDR: "Traffic can traverse this peering connection only if the destination or source "
    "address is within the CIDR block of the destination VPC.",
    IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS: "Internet gateways reject inbound traffic with a destination address that "
    "is not the public IP address of a network interface in the VPC with an available attachment.",
    IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS: "Traffic can't reach the internet through the internet gateway if the source "
    "address is not paired with a public IP address.",
    IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS: "Internet gateways reject inbound traffic with source addresses in the "
    "private IP address range (RFC 1918).",
    IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS: "Internet gateways reject inbound traffic with source addresses in the "
    "shared IP address range (RFC 6598).",
    IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS: "Internet gateways reject outbound traffic with destination "
    "addresses in the private IP address range (RFC 1918).",
    IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS: "Internet gateways reject outbound traffic with destination "
    "addresses in the shared IP address range (RFC 6598).",
    NGW_REQUIRES_SOURCE_IN_VPC: "NAT gateways can only transmit traffic that originates from network interfaces within "
    "the same VPC.",
    NGW_DEST_ADDRESS_PRESERVATION: "NAT gateways do not alter destination addresses.",
    DISCONNECTED_VPCS: "The source and destination are in separate VPCs that are not connected by a supported "
    "resource.",
}
