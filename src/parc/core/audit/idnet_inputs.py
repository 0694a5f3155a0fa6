"""What the extra identity and network checks read besides the export, the credential report and the VPC snapshot:
the account's virtual MFA devices and server certificates (``iam/``), each instance's instance profile and
metadata options, and each region's instance metadata defaults (``ec2/``).

Built by ``parc.loaders.idnet``. A part the snapshot lacks, or could not read, is ``None``: the checks that need it
report "not checked" with ``*_missing`` saying why, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parc.core.audit.model import Evidence


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a snapshot file, for evidence."""

    file: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def evidence(self, text: str) -> Evidence:
        """The finding's evidence at this place."""
        return Evidence(text, self.file, self.path, self.line, self.column)


@dataclass(frozen=True, slots=True)
class VirtualMfa:
    """One entry of ``aws iam list-virtual-mfa-devices``: the device and the user (or root) it is assigned to."""

    serial: str
    user_arn: str | None
    where: Where


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """One entry of ``aws iam list-server-certificates`` (``ServerCertificateMetadataList``)."""

    name: str
    arn: str
    expiration: datetime | None
    where: Where


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What ``describe-instances`` says of one instance that the network model does not keep."""

    instance_id: str
    state: str
    name: str | None
    profile_arn: str | None
    """``IamInstanceProfile.Arn``; None when the instance has no instance profile."""
    http_tokens: str | None
    """``MetadataOptions.HttpTokens``: ``required`` (IMDSv2 only) or ``optional``; None when not given."""
    http_endpoint: str | None
    """``MetadataOptions.HttpEndpoint``: ``disabled`` turns the metadata service off altogether."""
    where: Where


@dataclass(frozen=True, slots=True)
class MetadataDefault:
    """One region's ``ec2 get-instance-metadata-defaults``: ``AccountLevel.HttpTokens`` (None: no default set)."""

    region: str
    http_tokens: str | None
    where: Where


@dataclass(frozen=True)
class IdnetInputs:
    virtual_mfa: tuple[VirtualMfa, ...] | None = None
    virtual_mfa_missing: str = ("the snapshot has no iam/list-virtual-mfa-devices.json "
                                "(aws iam list-virtual-mfa-devices)")
    certificates: tuple[ServerCertificate, ...] | None = None
    certificates_missing: str = ("the snapshot has no iam/list-server-certificates.json "
                                 "(aws iam list-server-certificates)")
    instances: tuple[InstanceFacts, ...] | None = None
    instances_missing: str = "the snapshot has no ec2/describe-instances.json (aws ec2 describe-instances)"
    metadata_defaults: tuple[MetadataDefault, ...] | None = None
    metadata_defaults_missing: str = ("the snapshot has no ec2/REGION/get-instance-metadata-defaults.json "
                                      "(aws ec2 get-instance-metadata-defaults, per region)")
