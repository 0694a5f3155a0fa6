"""VPC reachability: security groups, network ACLs, routes and gateways, and the questions asked of them.

Pure: models come from a loader (``parc.loaders.ec2``); nothing here reads files or prints.
"""

from parc.core.network.model import Snapshot
from parc.core.network.network import DEFAULT_EPHEMERAL, Network, UnknownEndpoint
from parc.core.network.results import Blocked, CheckResult, Endpoint, Hop

__all__ = [
    "DEFAULT_EPHEMERAL",
    "Blocked",
    "CheckResult",
    "Endpoint",
    "Hop",
    "Network",
    "Snapshot",
    "UnknownEndpoint",
]
