"""Enforcement: decide a request as AWS does (Allow / ExplicitDeny / ImplicitDeny), with its reasons."""

from parc.core.authz.compile import PolicyCompileError
from parc.core.authz.decision import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Decision, StatementRef, Trace
from parc.core.authz.engine import PolicySet
from parc.core.authz.failure import RequestFailure
from parc.core.authz.request import Request, RequestError, build_request

__all__ = [
    "ALLOW",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Decision",
    "PolicyCompileError",
    "PolicySet",
    "Request",
    "RequestError",
    "RequestFailure",
    "StatementRef",
    "Trace",
    "build_request",
]
