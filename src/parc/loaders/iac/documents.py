"""The policies of a template as plain documents, resource by resource: what comparing two versions of a template
needs (``parc diff`` on a pull request's base and head, and an audit of a template set as a would-be account).

In ``pattern`` form (the default) every value known only at deploy time is the wildcard pattern of what it can be
(``arn:*:iam::*:role/*`` for a role's ``Fn::GetAtt`` with no RoleName), so that a comparison never widens or narrows
access on a guess; each ``Fn::If`` branch combination is its own document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.findings import Finding
from parc.core.policy.model import PolicyType
from parc.loaders.iac.check import as_document, assignments
from parc.loaders.iac.cloudformation import read_template, template_context
from parc.loaders.iac.intrinsics import Resolver, conditions_used


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    resource: str
    path: str
    policy_type: PolicyType | None
    document: object
    """The policy as JSON-shaped Python values."""
    branch: Mapping[str, bool] = field(default_factory=dict)
    """The Fn::If conditions this version of the document assumes (empty when it uses none)."""


def cloudformation_documents(name: str, text: str, given: Mapping[str, str] | None = None,
                             pattern: bool = True) -> tuple[list[ResolvedPolicy], list[Finding]]:
    """Every policy of a CloudFormation template, resolved; and the findings that say what could not be read."""
    report, root = read_template(name, text, given or {})
    findings = list(report.findings)
    out: list[ResolvedPolicy] = []
    if root is None:
        return out, findings
    template = template_context(root, given or {})
    for ep in report.policies:
        for branch in assignments(sorted(conditions_used(ep.node, template))):
            r = Resolver(template, branch, pattern=pattern)
            resolved = r.resolve(ep.node)
            found: list[Finding] = []
            doc = as_document(resolved, ep, name, found) if resolved is not None else None
            findings.extend(found)
            if doc is not None:
                out.append(ResolvedPolicy(ep.resource, ep.path, ep.policy_type, doc.to_python(), dict(branch)))
    return out, findings


def terraform_documents(name: str, text: str) -> tuple[list[ResolvedPolicy], list[Finding]]:
    """Every policy of a Terraform plan (``terraform show -json``) or ``.tf`` file (by its content)."""
    if text.lstrip().startswith("{"):
        from parc.loaders.iac.terraform import read_plan

        report = read_plan(name, text)
    else:
        from parc.loaders.iac.hcl import read_hcl

        report = read_hcl(name, text)
    findings = list(report.findings)
    out: list[ResolvedPolicy] = []
    for ep in report.policies:
        found: list[Finding] = []
        doc = as_document(ep.node, ep, name, found)
        findings.extend(found)
        if doc is not None:
            out.append(ResolvedPolicy(ep.resource, ep.path, ep.policy_type, doc.to_python()))
    return out, findings


@dataclass(frozen=True, slots=True)
class Attachments:
    """What a template attaches to a role, user or group besides inline policies (the managed policies and the
    permissions boundary, as ARNs), for reading a template set as a would-be account."""

    resource: str
    managed_policy_arns: tuple[str, ...]
    permissions_boundary: str | None


def cloudformation_attachments(name: str, text: str, given: Mapping[str, str] | None = None,
                               pattern: bool = True) -> list[Attachments]:
    """``ManagedPolicyArns`` and ``PermissionsBoundary`` of each AWS::IAM::Role, User and Group, resolved (a
    managed policy of the same template by ``!Ref`` is its ARN; in pattern form, with wildcards)."""
    _, root = read_template(name, text, given or {})
    if root is None:
        return []
    template = template_context(root, given or {})
    out: list[Attachments] = []
    for logical, (rtype, node) in template.resources.items():
        if rtype not in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            continue
        props = node.get("Properties") if node.kind == "object" else None
        if props is None or props.node.kind != "object":
            continue
        r = Resolver(template, {}, pattern=pattern)
        arns: list[str] = []
        m = props.node.get("ManagedPolicyArns")
        value = r.resolve(m.node) if m is not None else None
        for item in value.items if value is not None and value.kind == "array" else ():
            if item.kind == "string":
                arns.append(str(item.value))
        b = props.node.get("PermissionsBoundary")
        boundary = r.resolve(b.node) if b is not None else None
        out.append(Attachments(logical, tuple(arns),
                               str(boundary.value) if boundary is not None and boundary.kind == "string" else None))
    return out
