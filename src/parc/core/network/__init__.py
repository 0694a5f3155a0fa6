"""VPC reachability: security groups, network ACLs, routes and gateways, and the questions asked of them.

Pure: models come from a loader (``parc.loaders.ec2``); nothing here reads files or prints.
"""

from parc.core.network.audit import SENSITIVE_PORTS, network_findings, sensitive_ports
from parc.core.network.exposure import Exposure, OpenRule
from parc.core.network.matrix import Matrix, MatrixCell
from parc.core.network.model import Snapshot
from parc.core.network.network import DEFAULT_EPHEMERAL, Network, UnknownEndpoint
from parc.core.network.results import Blocked, CheckResult, Endpoint, Flow, Hop
from parc.core.network.traffic import ProtocolError

__all__ = [
    "DEFAULT_EPHEMERAL",
    "SENSITIVE_PORTS",
    "Blocked",
    "CheckResult",
    "Endpoint",
    "Exposure",
    "Flow",
    "Hop",
    "Matrix",
    "MatrixCell",
    "Network",
    "OpenRule",
    "ProtocolError",
    "Snapshot",
    "UnknownEndpoint",
    "network_findings",
    "sensitive_ports",
]
