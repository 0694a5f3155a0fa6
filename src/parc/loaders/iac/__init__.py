"""Policies where users write them: CloudFormation templates (JSON, YAML, ``cdk synth`` output) and Terraform (plan
JSON from ``terraform show -json``).

Each reader finds the policy documents in a template, resolves the intrinsic functions it can (parameters, pseudo
parameters, ``Fn::Sub`` ...), keeps the rest symbolic, and hands each document to the policy validator as a tree
whose positions are the template's own lines, so a finding points where the user wrote the policy.
"""
