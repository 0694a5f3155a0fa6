"""``SimulateCustomPolicy`` and the parts both simulator calls share: the requests they ask, the results they give.

Decisions come from parc's engine (``PolicySet.authorize``), never from a second evaluator written here; this module
only turns the call's parameters into engine requests and the engine's decisions into AWS's ``EvaluationResult``.

Where parc answers more than AWS's simulator, it answers with its engine: SCP levels and RCPs of a loaded
organization, S3 bucket ACLs and Block Public Access, the snapshot's resource policies (the principal variant), and
cross-account requests decided on both sides as AWS enforces them.
https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parc.core.account.arns import account_of
from parc.core.authz import ALLOW, EXPLICIT_DENY, Decision, PolicyCompileError, Request, RequestError, build_request
from parc.core.authz.request import DERIVED_KEYS
from parc.core.policy.model import PolicyType
from parc.server.iam.context_entries import read_context
from parc.server.iam.protocol import QueryError, invalid_input
from parc.server.iam.sources import Source, parse_source

USER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:user/[\w+=,.@/-]+$")
ACCOUNT_IN_ARN = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?$")
HANDLING_OPTIONS = ("EC2-Classic-InstanceStore", "EC2-Classic-EBS", "EC2-VPC-InstanceStore",
                    "EC2-VPC-InstanceStore-Subnet", "EC2-VPC-EBS", "EC2-VPC-EBS-Subnet")
"""AWS's documented scenarios (SimulateCustomPolicy, ResourceHandlingOption)."""
DEFAULT_MAX_ITEMS = 100
STAND_IN = "parc-simulated-caller"
"""The caller when the call names none: a user of the resource owner's account whose own identity keys
(aws:username, aws:PrincipalArn, ...) are left out of the context, as AWS leaves them out without a CallerArn."""
PRINCIPAL_KEYS = frozenset(k for k in DERIVED_KEYS if k not in ("aws:resourceaccount", "aws:currenttime",
                                                                 "aws:epochtime"))
_DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


def eval_decision(decision: str) -> str:
    return _DECISIONS.get(decision, "implicitDeny")


@dataclass(frozen=True, slots=True)
class Asked:
    """What both simulator calls ask: actions x resources, with one context."""

    actions: list[str]
    resources: list[str]
    explicit_resources: bool
    context: dict[str, str | list[str]]
    handling: str | None
    max_items: int
    start: int


def read_asked(params: Mapping[str, Any]) -> Asked:
    actions: list[str] = params["ActionNames"]
    for a in actions:
        service, _, name = a.partition(":")
        if not service or not name or not re.fullmatch(r"[\w-]+", service):
            raise invalid_input(f"Invalid action name {a!r}: expected service:Action (e.g. s3:GetObject).")
    resources: list[str] = params.get("ResourceArns") or []
    for r in resources:
        if r != "*" and (not r.startswith("arn:") or len(r.split(":", 5)) < 6):
            raise invalid_input(f"Invalid resource ARN {r!r}: expected arn:partition:service:region:account:resource "
                                "or *.")
    handling = params.get("ResourceHandlingOption")
    if handling is not None and handling not in HANDLING_OPTIONS:
        raise invalid_input(f"Invalid ResourceHandlingOption {handling!r}; valid: {', '.join(HANDLING_OPTIONS)}.")
    marker = params.get("Marker")
    start = 0
    if marker is not None:
        if not marker.isdigit() or len(marker) > 9:
            raise invalid_input("Invalid Marker: give the Marker of the previous page unchanged.")
        start = int(marker)
    return Asked(list(actions), list(resources) or ["*"], bool(resources),
                 read_context(params.get("ContextEntries") or []), handling,
                 params.get("MaxItems") or DEFAULT_MAX_ITEMS, start)


Decide = Callable[[str, str], tuple[Decision, Request]]
"""(action, resource) -> the engine's decision and the request it decided."""


@dataclass(slots=True)
class Outcome:
    """What the results need to know of the policies: their sources by engine name, and which layers were set."""

    sources: Callable[[str, str], Source | None]
    """(the policy name a statement reference carries, the resource decided) -> its source."""
    boundary: bool
    organizations: bool


def run(asked: Asked, decide: Decide, outcome: Outcome) -> dict[str, Any]:
    """The page of EvaluationResults the Marker asks for, deciding only those."""
    if asked.handling is not None:
        units: list[tuple[str, list[str]]] = [(a, asked.resources) for a in asked.actions]
    else:
        units = [(a, [r]) for a in asked.actions for r in asked.resources]
    if asked.start > len(units) or (asked.start == len(units) and units):
        raise invalid_input("Invalid Marker: it is past the last result.")
    page = units[asked.start: asked.start + asked.max_items]
    results = [_unit(action, resources, asked, decide, outcome) for action, resources in page]
    end = asked.start + len(page)
    out: dict[str, Any] = {"EvaluationResults": results, "IsTruncated": end < len(units)}
    if end < len(units):
        out["Marker"] = str(end)
    return out


def _unit(action: str, resources: list[str], asked: Asked, decide: Decide, outcome: Outcome) -> dict[str, Any]:
    decided = [(r, *decide(action, r)) for r in resources]
    if asked.handling is None:
        resource, d, req = decided[0]
        res = _result_for(resource, d, req, outcome)
        out: dict[str, Any] = {"EvalActionName": action, "EvalResourceName": resource,
                               "EvalDecision": eval_decision(d.decision)}
        out.update(res)
        if outcome.organizations:
            out["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": d.by_policy_type.get("scp") == ALLOW}
        if asked.explicit_resources:
            specific = {"EvalResourceName": resource, "EvalResourceDecision": eval_decision(d.decision)}
            specific.update(res)
            out["ResourceSpecificResults"] = [specific]
        return out
    # A scenario (ResourceHandlingOption): one result for the action over every resource it touches; it is allowed
    # only if every resource is, denied explicitly if any is.
    decisions = [d.decision for _, d, _ in decided]
    overall = (EXPLICIT_DENY if EXPLICIT_DENY in decisions else
               ALLOW if all(x == ALLOW for x in decisions) else "ImplicitDeny")
    specifics = []
    matched: list[dict[str, Any]] = []
    missing: dict[str, None] = {}
    for resource, d, req in decided:
        res = _result_for(resource, d, req, outcome)
        specifics.append({"EvalResourceName": resource, "EvalResourceDecision": eval_decision(d.decision), **res})
        matched.extend(m for m in res["MatchedStatements"] if m not in matched)
        missing.update(dict.fromkeys(res["MissingContextValues"]))
    out = {"EvalActionName": action, "EvalDecision": eval_decision(overall), "MatchedStatements": matched,
           "MissingContextValues": list(missing), "ResourceSpecificResults": specifics}
    if outcome.organizations:
        out["OrganizationsDecisionDetail"] = {
            "AllowedByOrganizations": all(d.by_policy_type.get("scp") == ALLOW for _, d, _ in decided)}
    if outcome.boundary:
        out["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": all(d.by_policy_type.get("boundary") == ALLOW for _, d, _ in decided)}
    return out


def _result_for(resource: str, d: Decision, req: Request, outcome: Outcome) -> dict[str, Any]:
    """The parts an EvaluationResult and a ResourceSpecificResult share."""
    out: dict[str, Any] = {"MatchedStatements": matched_statements(d, lambda key: outcome.sources(key, resource)),
                           "MissingContextValues": list(d.missing_context_keys)}
    by_type = d.by_policy_type
    scp_denied = outcome.organizations and by_type.get("scp") != ALLOW
    if resource != "*" and not scp_denied:
        # AWS: empty for a same-account simulation with a resource ARN, a summary per policy type across accounts,
        # absent for "*" and when an SCP denies. The keys are parc's policy types (AWS does not document its own).
        out["EvalDecisionDetails"] = {} if req.same_account else {
            k: eval_decision(v) for k, v in by_type.items() if v in _DECISIONS}
    if outcome.boundary:
        out["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": by_type.get("boundary") == ALLOW}
    return out


def matched_statements(d: Decision, sources: Callable[[str], Source | None]) -> list[dict[str, Any]]:
    """The statements that decided (every matching Deny for an explicit deny, every matching Allow for an allow),
    each with its policy's identifier and type and the statement's first and last positions."""
    out: list[dict[str, Any]] = []
    for ref in d.deciding:
        src = sources(ref.policy_name or "")
        item: dict[str, Any] = {"SourcePolicyId": src.policy_id if src else (ref.policy_name or "")}
        if src is not None and src.source_type:
            # Given for a principal's own policies and a resource policy; left out for the policies the call sent
            # (the AWS CLI reference's example shows none for PolicyInputList.1) and for SCPs, which the
            # documented types (user, group, role, aws-managed, user-managed, resource) do not name.
            item["SourcePolicyType"] = src.source_type
        span = src.span(ref.statement_index) if src else None
        if span is not None:
            (sl, sc), (el, ec) = span
            item["StartPosition"] = {"Line": sl, "Column": sc}
            item["EndPosition"] = {"Line": el, "Column": ec}
        out.append(item)
    return out


def engine_request(fields: dict[str, object], *, anonymous_caller: bool, given: Mapping[str, object]) -> Request:
    """``build_request`` with its errors as InvalidInput; without a named caller, the keys AWS derives from the
    caller's identity are left out (a request's own ContextEntries still give them)."""
    try:
        req = build_request(fields)
    except RequestError as exc:
        raise invalid_input(str(exc)) from None
    if anonymous_caller:
        own = {k.lower() for k in given}
        ctx = dict(req.context)
        for key in PRINCIPAL_KEYS - own:
            ctx.pop(key, None)
        req = Request(req.principal, req.action, req.resource, req.resource_account, ctx, req.key_manager)
    return req


def compile_error(exc: PolicyCompileError, sources: Mapping[str, Source]) -> QueryError:
    """A policy the engine refuses (AWS would too): MalformedPolicyDocument naming the parameter it came in."""
    message = str(exc)
    for key, src in sources.items():
        message = message.replace(key, src.policy_id)
    return QueryError("MalformedPolicyDocument", message)


def account_of_owner(owner: str | None) -> str | None:
    if owner is None:
        return None
    m = ACCOUNT_IN_ARN.match(owner)
    if m is None:
        raise invalid_input(f"Invalid ResourceOwner {owner!r}: expected an account ARN such as "
                            "arn:aws:iam::123456789012:root.")
    return m.group(1)


def check_caller(caller: str | None) -> None:
    if caller is not None and not USER_ARN.match(caller):
        raise invalid_input(f"Invalid CallerArn {caller!r}: the simulated caller must be the ARN of an IAM user.")


def custom_sources(params: Mapping[str, Any]) -> tuple[list[Source], Source | None, Source | None,
                                                        list[list[Source]]]:
    """The policies of a SimulateCustomPolicy call, parsed and named as AWS names them."""
    ident = [parse_source(t, PolicyType.IDENTITY, f"PolicyInputList.{i}", f"PolicyInputList.{i}", "")
             for i, t in enumerate(params["PolicyInputList"], 1)]
    boundary = boundary_source(params.get("PermissionsBoundaryPolicyInputList"))
    rp_text = params.get("ResourcePolicy")
    resource = parse_source(rp_text, PolicyType.RESOURCE, "ResourcePolicy", "ResourcePolicy", "resource") \
        if rp_text is not None else None
    levels: list[list[Source]] = []
    for i, level in enumerate(params.get("OrderedOrganizationPolicyInputList") or [], 1):
        docs = level.get("ServiceControlPolicyInputList") or []
        if not docs:
            raise invalid_input(f"OrderedOrganizationPolicyInputList.member.{i}: a level needs at least one SCP "
                                "(AWS attaches FullAWSAccess where none is chosen).")
        name = f"OrderedOrganizationPolicyInputList.{i}.ServiceControlPolicyInputList"
        levels.append([parse_source(t, PolicyType.SCP, f"{name}.{j}", f"{name}.{j}", "")
                       for j, t in enumerate(docs, 1)])
    return ident, boundary, resource, levels


def boundary_source(docs: Sequence[str] | None) -> Source | None:
    if not docs:
        return None
    if len(docs) > 1:
        raise invalid_input("PermissionsBoundaryPolicyInputList: an entity has one permissions boundary; give one "
                            "policy (merge the statements of several into it).")
    key = "PermissionsBoundaryPolicyInputList.1"
    return parse_source(docs[0], PolicyType.BOUNDARY, key, key, "")


def simulate_custom(params: Mapping[str, Any]) -> dict[str, Any]:
    from parc.api import compile as compile_set

    asked = read_asked(params)
    caller: str | None = params.get("CallerArn")
    check_caller(caller)
    ident, boundary, resource, levels = custom_sources(params)
    if resource is not None and caller is None:
        raise invalid_input("CallerArn is required when you include a ResourcePolicy (its Principal element needs a "
                            "caller to match).")
    owner = account_of_owner(params.get("ResourceOwner"))
    sources = {s.key: s for s in [*ident, *(x for x in (boundary, resource) if x), *(s for lv in levels for s in lv)]}
    try:
        ps = compile_set([s.policy for s in ident], resource.policy if resource else None,
                         boundary.policy if boundary else None, None,
                         [[s.policy for s in lv] for lv in levels] if levels else None)
    except PolicyCompileError as exc:
        raise compile_error(exc, sources) from None

    def decide(action: str, resource_arn: str) -> tuple[Decision, Request]:
        # Without a caller, the stand-in belongs to the resource's account: AWS simulates within one account.
        principal = caller or f"arn:aws:iam::{owner or account_of(resource_arn) or '000000000000'}:user/{STAND_IN}"
        fields: dict[str, object] = {"principal": principal, "action": action, "resource": resource_arn,
                                     "context": asked.context}
        if owner is not None:
            fields["resource_account"] = owner
        req = engine_request(fields, anonymous_caller=caller is None, given=asked.context)
        try:
            return ps.authorize(req), req
        except PolicyCompileError as exc:
            raise compile_error(exc, sources) from None

    return run(asked, decide, Outcome(lambda key, _resource: sources.get(key), boundary is not None, bool(levels)))
