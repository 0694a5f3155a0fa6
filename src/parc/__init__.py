"""parc: an offline engine for AWS access control.

The public API is curated here; everything else is internal and may change. Names are imported lazily so that
``import parc`` (and every CLI verb) stays fast and loads only what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "authorize": "parc.api",
    "compile": "parc.api",
    "Decision": "parc.core.authz",
    "PolicyCompileError": "parc.core.authz",
    "PolicySet": "parc.core.authz",
    "Request": "parc.core.authz",
    "RequestError": "parc.core.authz",
    "RequestFailure": "parc.core.authz",
    "StatementRef": "parc.core.authz",
    "Policy": "parc.core.policy.model",
    "PolicyType": "parc.core.policy.model",
    "parse_policy": "parc.core.policy.parse",
    "validate": "parc.api",
    "load_network": "parc.api",
    "check_no_new_access": "parc.api",
    "check_access_not_granted": "parc.api",
    "check_no_public_access": "parc.api",
    "CheckResult": "parc.core.reasoning.result",
    "Counterexample": "parc.core.reasoning.result",
    "Network": "parc.core.network",
    "Finding": "parc.core.findings",
    "FindingType": "parc.core.findings",
}

__all__ = ["__version__", *sorted(_LAZY)]

if TYPE_CHECKING:
    from parc.api import (
        authorize,
        check_access_not_granted,
        check_no_new_access,
        check_no_public_access,
        compile,
        load_network,
        validate,
    )
    from parc.core.authz import (
        Decision,
        PolicyCompileError,
        PolicySet,
        Request,
        RequestError,
        RequestFailure,
        StatementRef,
    )
    from parc.core.findings import Finding, FindingType
    from parc.core.network import Network
    from parc.core.policy.model import Policy, PolicyType
    from parc.core.policy.parse import parse_policy
    from parc.core.reasoning.result import CheckResult, Counterexample

    __all__ += [  # re-exported for type checkers
        "CheckResult",
        "Counterexample",
        "Decision",
        "Finding",
        "FindingType",
        "Network",
        "Policy",
        "PolicyCompileError",
        "PolicySet",
        "PolicyType",
        "Request",
        "RequestError",
        "RequestFailure",
        "StatementRef",
        "authorize",
        "check_access_not_granted",
        "check_no_new_access",
        "check_no_public_access",
        "compile",
        "load_network",
        "parse_policy",
        "validate",
    ]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'parc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
