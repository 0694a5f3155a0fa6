"""What the audit reads: the account snapshots (``parc.core.account``), and per account the policy documents with
their positions in the snapshot's files, the credential report, the password policy and the VPC snapshot.

Built by ``parc.loaders.snapshot``; an absent part is ``None`` and the checks that need it report "not checked".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parc.core.account.model import Estate
from parc.core.audit.collection import CollectionRecord
from parc.core.audit.credentials import CredentialReport, PasswordPolicy
from parc.core.audit.data_model import DataStores
from parc.core.audit.idnet_inputs import IdnetInputs
from parc.core.audit.logging_model import LoggingSnapshot
from parc.core.audit.waf_inputs import WafSnapshot
from parc.core.findings import Finding, Position
from parc.core.network.network import Network
from parc.core.policy.jsonpos import JNode, parse_span
from parc.core.policy.jsonshape import Content, shape
from parc.core.policy.model import PolicyType
from parc.core.policy.parse import packed_size


class InFile:
    """A document embedded in a large file, read with positions only when first asked for (most copies of a
    document never are: the audit decides each content once, and a copy's tree is read for its evidence only).
    ``content`` is known from the start: the loader read the file's values."""

    __slots__ = ("_node", "content", "depth", "end", "position", "start", "text")

    def __init__(self, text: str, start: int, end: int, position: Position, depth: int, content: str) -> None:
        self.text, self.start, self.end, self.position, self.depth = text, start, end, position, depth
        self.content = content
        self._node: JNode | None = None

    def node(self) -> JNode:
        if self._node is None:
            self._node = parse_span(self.text, self.start, self.end, self.position, self.depth)
        return self._node


@dataclass(frozen=True)
class PolicyDocument:
    """One policy document of the snapshot, positioned in the file it came from."""

    name: str
    """The name the account loader gives the policy, which the engine reports in its deciding statements
    (``<arn> inline <name>``, ``<arn> trust policy``, the managed policy's ARN, the resource's ARN)."""
    account_id: str
    owner: str
    """The ARN of the user, group, role, managed policy or resource the document belongs to."""
    kind: str
    """``inline``, ``managed``, ``trust`` or ``resource``."""
    policy_type: PolicyType
    file: str
    path: str
    """JSON path of the document in the file (``RoleDetailList[3].AssumeRolePolicyDocument``)."""
    source: JNode | InFile | None
    """The document, positioned (``node``), or where to read it when first asked for (``InFile``)."""
    embedded: bool
    position: Position | None
    """Where the document (object or string) starts in the file."""
    aws_managed: bool = False
    default_version: bool = True
    """For a managed policy: whether this is the default version (the one IAM enforces)."""

    @property
    def node(self) -> JNode | None:
        """The document, positioned: in the file itself when ``embedded``, else in the decoded text of a document
        stored as a JSON string or URL-encoded (``None`` when it could not be decoded)."""
        source = self.source
        return source.node() if isinstance(source, InFile) else source

    @property
    def size(self) -> int | None:
        """The document's size as IAM counts it, when known without reading its tree: the compact text of its
        values is its content key (``jsonshape.value_content``), which is what IAM's count is taken on."""
        source = self.source
        return packed_size(source.content) if isinstance(source, InFile) else None

    @property
    def content(self) -> Content | None:
        """The document's content without its positions (``jsonshape``): two documents of one content have the same
        lint findings, at their own places."""
        source = self.source
        if isinstance(source, InFile):
            return source.content
        return shape(source) if source is not None else None

    @property
    def statements(self) -> list[JNode]:
        """The statement nodes, in order (a single statement object counts as one)."""
        if self.node is None or self.node.kind != "object":
            return []
        m = self.node.get("Statement")
        if m is None:
            return []
        if m.node.kind == "array":
            return list(m.node.items)
        return [m.node]

    def statement_path(self, index: int) -> str:
        m = self.node.get("Statement") if self.node is not None and self.node.kind == "object" else None
        if m is not None and m.node.kind == "array":
            return f"{self.path}.Statement[{index}]"
        return f"{self.path}.Statement"


@dataclass(frozen=True)
class AccountInputs:
    account_id: str
    folder: str
    documents: tuple[PolicyDocument, ...] = ()
    credential_report: CredentialReport | None = None
    password_policy: PasswordPolicy | None = None
    network: Network | None = None
    network_sources: tuple[str, ...] = ()
    network_positions: dict[str, tuple[str, str, int, int]] = field(default_factory=dict)
    """Where each security group, rule and network ACL is in the describe-* files: ``sg-1``, ``sg-1 ingress[2]``,
    ``acl-1``, ``acl-1 entry[0]``, ``eni-1``, ``i-1`` -> (file, JSON path, line, column)."""
    problems: tuple[Finding, ...] = ()
    """What could not be read in the audit's own inputs (the account loader's are on the Account)."""
    has_resource_policies: bool = True
    """Whether the snapshot has the account's resource-policies.json (an absent file is not "no policy")."""
    collection: CollectionRecord | None = None
    """What ``parc collect`` could not collect (its collection.json), when it wrote the snapshot."""
    logging: LoggingSnapshot | None = None
    """CloudTrail, AWS Config, flow logs, Access Analyzer and Security Hub, per region (None: none of the files)."""
    idnet: IdnetInputs = field(default_factory=IdnetInputs)
    """Virtual MFA devices, server certificates, instances' profiles and metadata options (``parc.loaders.idnet``)."""
    data: DataStores | None = None
    """The data stores (S3 encryption and versioning, EBS, RDS, EFS, KMS, Secrets Manager) the snapshot holds."""
    waf: WafSnapshot | None = None
    """AWS WAF web ACLs and the front doors they protect (``parc.loaders.waf_snapshot``; None: none of its files)."""


@dataclass(frozen=True)
class AuditInput:
    estate: Estate
    accounts: tuple[AccountInputs, ...]
    root: str
    """The folder that was audited."""
    documents_by_name: dict[str, list[PolicyDocument]] = field(default_factory=dict)
    collection: CollectionRecord | None = None
    """The organization's collection.json at the top of an ``parc collect --org`` snapshot."""

    @staticmethod
    def build(estate: Estate, accounts: tuple[AccountInputs, ...], root: str,
              collection: CollectionRecord | None = None) -> AuditInput:
        by_name: dict[str, list[PolicyDocument]] = {}
        for a in accounts:
            for d in a.documents:
                by_name.setdefault(d.name, []).append(d)
        return AuditInput(estate, accounts, root, by_name, collection)

    @property
    def collections(self) -> tuple[CollectionRecord, ...]:
        found = [self.collection] + [a.collection for a in self.accounts]
        return tuple(r for r in found if r is not None)

    def document(self, name: str | None, account: str | None = None) -> PolicyDocument | None:
        """The document the engine calls ``name``; an AWS managed policy is in every account's export, so the one
        of ``account`` is preferred."""
        found = self.documents_by_name.get(name or "")
        if not found:
            return None
        for d in found:
            if d.account_id == account:
                return d
        return found[0]

    @property
    def problems(self) -> tuple[Finding, ...]:
        return self.estate.findings + tuple(p for a in self.accounts for p in a.problems)
