"""Accounts: users, groups, roles and their policies, and the questions asked over them (who can do what, who can
become whom, who can escalate). Pure: snapshots come in through ``parc.loaders.account``; every decision is the
engine's (``parc.core.authz``).
"""

from parc.core.account.assume import AssumeEdge, AssumeGraph, AssumeResult, Chain, assume, assume_graph
from parc.core.account.can import CanResult, can
from parc.core.account.escalation import ADMINISTRATOR, Escalation, EscalationResult, Path, Step, escalation
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import (
    Account,
    ComputeResource,
    Estate,
    Group,
    InlinePolicy,
    ManagedPolicy,
    NamedPolicy,
    OrgLevel,
    OrgPlacement,
    PolicyVersion,
    ResourcePolicy,
    Role,
    User,
)
from parc.core.account.principals import Principal, UnknownPrincipal
from parc.core.account.techniques import TECHNIQUES, Technique
from parc.core.account.what_can import WhatCanResult, what_can
from parc.core.account.who_can import WhoCanResult, who_can

__all__ = [
    "ADMINISTRATOR",
    "TECHNIQUES",
    "Account",
    "AssumeEdge",
    "AssumeGraph",
    "AssumeResult",
    "CanResult",
    "Chain",
    "ComputeResource",
    "Escalation",
    "EscalationResult",
    "Estate",
    "Evaluator",
    "Group",
    "InlinePolicy",
    "ManagedPolicy",
    "NamedPolicy",
    "OrgLevel",
    "OrgPlacement",
    "Path",
    "PolicyVersion",
    "Principal",
    "ResourcePolicy",
    "ResourceSide",
    "Role",
    "Step",
    "Technique",
    "UnknownPrincipal",
    "User",
    "Verdict",
    "WhatCanResult",
    "WhoCanResult",
    "assume",
    "assume_graph",
    "can",
    "escalation",
    "what_can",
    "who_can",
]
