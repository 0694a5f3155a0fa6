"""The three questions — no new access (``diff``), access never granted (``never``), no public access
(``public``) — as satisfiability queries, and the replay of every answer found through the concrete engine.

Semantics, stated once so that the proof and the replay agree:

- identity-side policies (identity, with an optional permissions boundary and SCP levels) are asked what they grant
  an IAM role session in the resource's own account: the engine's same-account identity path, where the trust and
  KMS key actions need a resource policy (never granted by identity policies alone) and ``sts:GetCallerIdentity``
  is always allowed;
- a resource policy is asked what it grants callers outside the resource's account (and anonymous callers and
  services): their own account's policies are taken to allow everything, so the resource policy decides, as
  Access Analyzer's checks assume.

A PASS is a proof over the catalog's actions, every resource ARN and every context; a FAIL shows, per granting
statement, a request the engine decides as the check says (a disagreement raises ``ReplayMismatch``: a bug).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import z3

from parc.core.authz.engine import PolicySet
from parc.core.authz.fast import ALWAYS_ALLOWED, TRUST_ACTIONS
from parc.core.authz.principal import _IAM_ARN_RE
from parc.core.policy.model import Policy
from parc.core.reasoning import smt
from parc.core.reasoning.cover import _cover
from parc.core.reasoning.guess import identity_guesses
from parc.core.reasoning.public import _resource_diff
from parc.core.reasoning.question import (
    ALLOW_ALL,
    HOME,
    IDENTITY_DERIVED,
    ActionIndex,
    _cx,
    _forced_present,
    _granted_actions,
    _Group,
    _group,
    _narrow,
    _Question,
    _replay,
    _resource_account,
    _result,
    _slr_caller,
    _unknown,
    aws_owned,
    expand,
)
from parc.core.reasoning.result import FAIL, PASS, CheckResult, Counterexample
from parc.core.reasoning.smt import text_of
from parc.core.reasoning.text import Unencodable

# ---------------------------------------------------------------------------------------------- identity side


IDENTITY_SIDE = ("identity", "boundary", "session", "scp")
"""Policy types a diff compares by what they allow an IAM principal of the account (a boundary, a session policy
or an SCP with identity policies that allow everything)."""


def _identity_set(policies: Sequence[Policy], policy_type: str) -> PolicySet:
    """The policies as the engine applies them: identity policies alone; a boundary, a session policy or one SCP
    level with identity policies that allow everything."""
    if policy_type == "identity":
        return PolicySet(policies)
    if policy_type == "scp":
        return PolicySet([ALLOW_ALL], scps=[list(policies)])
    if len(policies) != 1:
        raise ValueError(f"a {policy_type} policy diff compares one policy with one policy")
    if policy_type == "boundary":
        return PolicySet([ALLOW_ALL], permissions_boundary=policies[0])
    return PolicySet([ALLOW_ALL], session_policy=policies[0])


def _identity_universe(actions: Sequence[str]) -> list[str]:
    return [a for a in actions if a.lower() not in TRUST_ACTIONS and a.lower() not in ALWAYS_ALLOWED]


def _kms_key(q: _Question) -> Any:
    """A KMS action on a key: identity policies alone never allow it (the key policy must). Stated as a regex:
    z3 decides ``str.contains`` mixed with regexes far worse (a 5 s timeout against 25 ms)."""
    if not any(c.actions[0].lower().startswith("kms:") for c in q.enc.classes):
        return q.enc.false()
    kms = q.enc.action_is(lambda c: c.actions[0].lower().startswith("kms:"))
    rx = q.enc.rx
    return z3.And(kms, z3.InRe(q.enc.res, z3.Concat(rx.any, rx.lit(":key/"), rx.any)))


_TWELVE = re.compile(r"[0-9]{12}")


def _identity_request(q: _Question, model: Any, service_linked: bool = False) -> dict[str, object]:
    """The role session the identity question is about, in the resource's account (its ARN's, when 12 digits; else
    HOME). A service-linked caller's session is named after the role its aws:PrincipalArn names (``_slr_caller``);
    any other caller's after a role aws:PrincipalArn does not name, so that the engine never takes it for that role
    (the context's aws:PrincipalArn, which the question leaves free, is what conditions see)."""
    resource = text_of(model.eval(q.enc.res, model_completion=True))
    parts = resource.split(":")
    account = parts[4] if resource != "*" and len(parts) > 4 and _TWELVE.fullmatch(parts[4]) else HOME
    context = q.context(model, set())
    pa = context.get("aws:principalarn")
    named = pa.rsplit("/", 1)[-1].rstrip("\n") if isinstance(pa, str) else ""
    role = next(r for r in ("parc-reasoning", "parc-reasoning-2") if r != named)
    principal = f"arn:aws:sts::{account}:assumed-role/{role}/parc-session"
    m = _IAM_ARN_RE.match(pa) if isinstance(pa, str) and service_linked else None
    if m is not None:
        principal = f"arn:aws:sts::{account}:assumed-role/{m.group(4).rsplit('/', 1)[1]}/parc-session"
    return {"principal": principal, "action": q.action(model), "resource": resource, "context": context}


@smt.own_context
def check_no_new_access(old: Sequence[Policy], new: Sequence[Policy], index: ActionIndex, *,
                        policy_type: str = "identity", timeout: float = 10.0) -> CheckResult:
    """PASS when ``new`` allows nothing ``old`` does not (Access Analyzer's CheckNoNewAccess)."""
    if policy_type == "resource":
        return _resource_diff(old, new, index, timeout)
    if policy_type not in IDENTITY_SIDE:
        raise ValueError(f"policy_type must be resource or one of {', '.join(IDENTITY_SIDE)}")
    try:
        g_old, g_new = _group(policy_type, old), _group(policy_type, new)
        universe = _identity_universe(_granted_actions([g_new], index))
        q = _Question([g_old, g_new], universe, timeout, index=index)
        classes = _narrow(q, g_old, g_new)
        if classes is None:
            return CheckResult(PASS, "NEW allows nothing that OLD does not (statement by statement)")
        base = z3.And(classes, z3.Not(q.denies(g_new)), z3.Not(q.allows(g_old)), z3.Not(_kms_key(q)),
                      z3.Not(aws_owned(q, q.enc.false())), *_forced_present(q, IDENTITY_DERIVED),
                      *_resource_account(q, HOME))
        grants = [(s, q.applies(s, v)) for s, v in q.kept(g_new) if s.allow]
    except Unencodable as exc:
        return _unknown(str(exc))
    old_set, new_set = _identity_set(old, policy_type), _identity_set(new, policy_type)
    found = _cover(q, base, grants, lambda m: _identity_request(q, m), [(new_set, True), (old_set, False)],
                   identity_guesses)
    return _result(q, found, "NEW allows nothing that OLD does not", "NEW allows requests that OLD does not")


@smt.own_context
def check_access_not_granted(policies: Sequence[Policy], actions: Sequence[str], index: ActionIndex, *,
                             resources: Sequence[str] = (), boundary: Policy | None = None,
                             session: Policy | None = None, scps: Sequence[Sequence[Policy]] = (),
                             rcps: Sequence[Sequence[Policy]] = (), rcp_services: frozenset[str] | None = None,
                             service_linked: bool = False, timeout: float = 10.0) -> CheckResult:
    """PASS when no request for ``actions`` (on ``resources``) is ever allowed (CheckAccessNotGranted).

    The caller is a role session of the resource's account whose policies are ``policies``, limited by a
    permissions ``boundary`` and a ``session`` policy, by the organization's SCP levels (root first) and by the RCP
    levels of the resource's account (for the services in ``rcp_services``; None: every service). Deny wins
    anywhere; each level needs an Allow. ``service_linked``: the caller is a service-linked role, which SCPs and
    RCPs do not govern and which may change the /aws-reserved/ roles its service manages
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html,
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)."""
    for a in actions:
        service, colon, name = a.partition(":")
        if a != "*" and not (service and colon and name):
            raise ValueError(f"{a!r} is not an action: expected service:Action, a pattern such as s3:Get*, or *")
    asked = expand(actions, index)
    always = [a for a in asked if a.lower() in ALWAYS_ALLOWED]
    org_levels = not service_linked
    concrete = PolicySet(policies, permissions_boundary=boundary, session_policy=session,
                         scps=[list(lv) for lv in scps] or None, rcps=[list(lv) for lv in rcps] or None,
                         rcp_services=rcp_services)
    found: list[Counterexample] = []
    if always:
        req: dict[str, object] = {"principal": f"arn:aws:sts::{HOME}:assumed-role/parc-reasoning/parc-session",
                                  "action": always[0], "resource": "*"}
        _replay(concrete, req, True, "policies")
        found.append(_cx(req, None))
    try:
        g = _group("identity", policies)
        limits_g: list[_Group] = []
        if boundary is not None:
            limits_g.append(_group("boundary", [boundary]))
        if session is not None:
            limits_g.append(_group("session", [session]))
        scp_g = [_group("scp", list(lv), i) for i, lv in enumerate(scps)] if org_levels else []
        rcp_g = [_group("rcp", list(lv), i) for i, lv in enumerate(rcps)] if org_levels else []
        split = None
        if rcp_g and rcp_services is not None:
            def split(action: str) -> object:
                return action.split(":", 1)[0].lower() in rcp_services
        q = _Question([g, *limits_g, *scp_g, *rcp_g], _identity_universe(asked), timeout, split=split,
                      index=index)
        limits = [q.allows(x) for x in [*limits_g, *scp_g]]
        if rcp_g:
            governed = q.enc.true() if rcp_services is None else q.enc.action_is(
                lambda c: c.actions[0].split(":", 1)[0].lower() in rcp_services)
            limits += [z3.Or(z3.Not(governed), q.allows(x)) for x in rcp_g]
        slr = _slr_caller(q, True) if service_linked else q.enc.false()
        res_ok = _resource_filter(q, resources)
        base = z3.And(res_ok, z3.Not(q.denies(g)), *limits, z3.Not(_kms_key(q)), z3.Not(aws_owned(q, slr)),
                      *_forced_present(q, IDENTITY_DERIVED), *_resource_account(q, HOME),
                      *([slr] if service_linked else []))
        grants = [(s, q.applies(s, v)) for s, v in g.statements if s.allow]
    except Unencodable as exc:
        return _unknown(str(exc)) if not found else CheckResult(FAIL, "allowed to every caller", tuple(found))
    found += _cover(q, base, grants, lambda m: _identity_request(q, m, service_linked), [(concrete, True)],
                    None if service_linked else identity_guesses)
    return _result(q, found, "the actions are never allowed", "the actions are allowed")


def _resource_filter(q: _Question, resources: Sequence[str]) -> Any:
    if not resources:
        return q.enc.true()
    from parc.core.reasoning.text import template

    segments = q.enc.res_segments if q.enc.by_segment else None
    return z3.Or(*[q.enc.rx.arn_match(q.enc.res, template(r, False), q.enc.variable, segments) for r in resources])
