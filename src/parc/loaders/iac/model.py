"""What the infrastructure-code readers hand on: the policies found in a template, and the template's own findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.findings import Finding, Position
from parc.core.policy.jsonpos import JNode
from parc.core.policy.model import PolicyType


@dataclass(frozen=True, slots=True)
class EmbeddedPolicy:
    """One policy document inside a template."""

    resource: str
    """The CloudFormation logical id or the Terraform address that holds it."""
    path: str
    """Where the document is in the template (``Resources.Role.Properties.Policies[0].PolicyDocument``), the prefix
    of its findings' paths."""
    policy_type: PolicyType | None
    """None: inferred from the document (Terraform's aws_iam_policy_document, used as either kind)."""
    node: JNode
    """As written (CloudFormation: intrinsics unresolved) with the template's positions."""
    element_paths: tuple[tuple[str, str], ...] = ()
    """For a statement parc builds from properties (AWS::Lambda::Permission): policy path prefix -> property path."""
    implicit_resource: bool = False
    """The service applies the policy to its own resource and the statements name none (an ECR repository policy:
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html): MISSING_RESOURCE does
    not apply."""
    opaque: frozenset[Position] = frozenset()
    """Positions of values not known where the policy is written (a Terraform reference in a .tf file)."""


@dataclass
class IacReport:
    """One template as ``parc validate`` reports it (a ``ReportItem``)."""

    name: str
    text: str | None
    findings: tuple[Finding, ...] = ()
    policies: list[EmbeddedPolicy] = field(default_factory=list)
    unreadable: list[Finding] = field(default_factory=list)
    """Findings that mean part of the file could not be read (bad YAML, an unknown tag): exit code 2."""
    kind: str = "cloudformation"

    @property
    def policy_type(self) -> None:
        """A template holds policies of several types (each finding's path says which document)."""
        return None
