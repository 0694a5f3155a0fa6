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
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement, PolicyGroup
from parc.core.authz.decision import ALLOW
from parc.core.authz.engine import PolicySet
from parc.core.authz.fast import ALWAYS_ALLOWED, TRUST_ACTIONS
from parc.core.authz.principal import PrincipalKind
from parc.core.conditions.ip import parse_network
from parc.core.match import compile_action
from parc.core.policy.model import Policy
from parc.core.reasoning import smt
from parc.core.reasoning.encode import Encoder, any_of, lowered_matcher
from parc.core.reasoning.keys import STR, render
from parc.core.reasoning.principals import CALLER_KEYS, Shape, shapes
from parc.core.reasoning.result import FAIL, PASS, UNKNOWN, CheckResult, Counterexample
from parc.core.reasoning.smt import sval, text_of
from parc.core.reasoning.text import Unencodable

ActionIndex = Mapping[str, Sequence[str]]
"""Service prefix (lowercase) -> the catalog's action names (``service:Action``, the catalog's spelling)."""

HOME = "111122223333"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
IDENTITY_DERIVED = ("aws:resourceaccount", "aws:principalisawsservice", "aws:principalaccount", "aws:principalarn",
                    "aws:principaltype", "aws:currenttime", "aws:epochtime")
"""Keys the engine always sets for an IAM role session (its value may be anything the question allows)."""
ALWAYS_SET = ("aws:currenttime", "aws:epochtime", "aws:resourceaccount")
# S3 Block Public Access counts an aws:SourceIp range as a limit only when it is no broader than /8 (IPv4) or
# /32 (IPv6): https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
_MIN_PREFIX = {4: 8, 6: 32}


_READABLE = re.compile(r"[A-Za-z0-9:/._\-@=+,]*")


class ReplayMismatch(AssertionError):
    """The engine decided a counterexample otherwise than the solver: a bug in the encoding or the engine."""


@dataclass
class _Group:
    name: str
    statements: list[tuple[CompiledStatement, bool]]


def _group(name: str, policies: Sequence[Policy], level: int | None = None) -> _Group:
    g = PolicyGroup(name, list(policies), level=level, indexed=False)
    return _Group(name, [(s, policies[s.ref.policy_index].variables_enabled) for s in g.statements])


def _all_actions(index: ActionIndex) -> list[str]:
    return [a for acts in index.values() for a in acts]


def expand(patterns: Sequence[str], index: ActionIndex, *, negate: bool = False) -> list[str]:
    """The catalog's actions an Action (or NotAction, ``negate``) list matches; literal names outside the catalog
    are kept as written (lowercased)."""
    matchers = [compile_action(p) for p in patterns]
    if negate:
        tests = [lowered_matcher(p) for p in patterns]
        return [a for a in _all_actions(index) if not any(t(a.lower()) for t in tests)]
    out: dict[str, None] = {}
    for m in matchers:
        pool = index.get(m.service, ()) if m.service is not None else _all_actions(index)
        known = False
        if m.service is not None and m.pattern.lower() == f"{m.service}:*":
            out.update(dict.fromkeys(pool))
            known = bool(pool)
            continue
        test = lowered_matcher(m.pattern)
        for a in pool:
            if test(a.lower()):
                out[a] = None
                known = True
        if not known and "*" not in m.pattern and "?" not in m.pattern:
            out[m.pattern] = None
    return list(out)


def _granted_actions(groups: Sequence[_Group], index: ActionIndex) -> list[str]:
    out: dict[str, None] = {}
    for g in groups:
        for s, _ in g.statements:
            if s.allow:
                out.update(dict.fromkeys(expand(s.action_patterns, index, negate=s.not_action)))
    return list(out)


def _ref(s: CompiledStatement) -> dict[str, object]:
    r = s.ref
    return {"policy": r.policy_name, "sid": r.sid, "index": r.statement_index, "line": r.line, "column": r.column}


class _Question:
    """One encoding and the queries asked of it, with a shared time budget."""

    def __init__(self, groups: Sequence[_Group], actions: Sequence[str], timeout: float, *,
                 forced: Mapping[str, str] | None = None) -> None:
        self.groups = list(groups)
        stmts = [st for g in groups for st in g.statements]
        self.enc = Encoder(stmts, actions, dict(forced or {}))
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.queries = 0
        self.unknown: list[str] = []
        self.solver_seconds = 0.0
        self.shapes: list[Shape] = []
        self.shape: Shape | None = None
        self.part_vars: dict[str, Any] = {}
        self.keep: set[int] | None = None
        """The caller shape the formulas are built for (resource side); None: no Principal element is read."""

    def applies(self, s: CompiledStatement, variables: bool) -> Any:
        return self.enc.applies(s, variables, self.principal_ok(s))

    def principal_ok(self, s: CompiledStatement) -> Any:
        if not s.uses_principal or self.shape is None:
            return None
        return self.enc.true() if self.shape.matches(s) else self.enc.false()

    def allows(self, g: _Group) -> Any:
        """The group's own verdict: an Allow applies and no Deny does."""
        ctx = self.enc.ctx
        allow = any_of(ctx, (self.applies(s, v) for s, v in self.kept(g) if s.allow))
        return z3.And(allow, z3.Not(self.denies(g)))

    def denies(self, g: _Group) -> Any:
        return any_of(self.enc.ctx, (self.applies(s, v) for s, v in self.kept(g) if not s.allow))

    def kept(self, g: _Group) -> list[tuple[CompiledStatement, bool]]:
        """The group's statements the question still needs (see ``_narrow``)."""
        if self.keep is None:
            return g.statements
        return [(s, v) for s, v in g.statements if id(s) in self.keep]

    def solve(self, formula: Any) -> smt.Outcome:
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.unknown.append("the time limit was reached")
            return smt.Outcome(smt.UNKNOWN, reason="the time limit was reached")
        self.queries += 1
        start = time.monotonic()
        full = z3.And(*self.enc.domain, formula)
        out = smt.check(full, left)
        if out.status == smt.SAT and not self._readable(out.model):
            # A readable request when one exists (letters, digits, ARN punctuation), in a small share of the time.
            nicer = smt.check(z3.And(full, *self._printable()), min(0.2, max(0.05, left / 20)), cvc5_fallback=False)
            if nicer.status == smt.SAT:
                out = nicer
        self.solver_seconds += time.monotonic() - start
        if out.status == smt.UNKNOWN:
            self.unknown.append(out.reason)
        return out

    def _terms(self) -> list[Any]:
        enc = self.enc
        return [enc.res, *self.part_vars.values(),
                *[e.s for kv in enc.keys.values() if kv.sort == STR for e in kv.elements]]

    def _readable(self, model: Any) -> bool:
        return all(_READABLE.fullmatch(text_of(model.eval(t, model_completion=True))) for t in self._terms())

    def _printable(self) -> list[Any]:
        enc = self.enc
        ctx = enc.ctx
        chars = [z3.Range("a", "z", ctx), z3.Range("A", "Z", ctx), z3.Range("0", "9", ctx),
                 *[z3.Re(c, ctx) for c in ":/._-@=+,"]]
        text = z3.Star(z3.Union(*chars))
        return [z3.InRe(t, text) for t in self._terms()]

    def action(self, model: Any) -> str:
        return str(self.enc.classes[model.eval(self.enc.act, model_completion=True).as_long()].actions[0])

    def context(self, model: Any, skip: set[str]) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for name, kv in sorted(self.enc.keys.items()):
            if name in skip:
                continue
            value = render(kv, model)
            if value is not None:
                out[name] = value
        return out


def _forced_present(q: _Question, names: Sequence[str]) -> list[Any]:
    return [q.enc.keys[k].present for k in names if k in q.enc.keys]


def _result(q: _Question, found: list[Counterexample], what_pass: str, what_fail: str) -> CheckResult:
    if found:
        note = f" ({len(q.unknown)} other queries UNKNOWN: {q.unknown[0]})" if q.unknown else ""
        return CheckResult(FAIL, what_fail + note, tuple(found), q.queries, q.solver_seconds)
    if q.unknown:
        return CheckResult(UNKNOWN, f"the solvers could not decide: {q.unknown[0]}", (), q.queries, q.solver_seconds)
    return CheckResult(PASS, what_pass, (), q.queries, q.solver_seconds)


def _unknown(reason: str) -> CheckResult:
    return CheckResult(UNKNOWN, f"not encoded exactly: {reason}")


def _statement_key(s: CompiledStatement, variables: bool) -> tuple[object, ...]:
    """What a statement requires besides its action: two statements with one key apply to the same requests."""
    resources = None if s.resources is None else tuple(sorted(m.pattern for m in s.resources))
    conditions = tuple(sorted((c.operator, c.key_lower, c.values) for c in s.condition_list))
    return (s.allow, s.not_resource, resources, conditions, s.principal_keys, s.not_principal_keys, variables)


def _narrow(q: _Question, old: _Group, new: _Group) -> Any | None:
    """The action classes where NEW may grant more than OLD, and only the statements that read them.

    In a class where every NEW Allow has an identical OLD Allow and every OLD Deny an identical NEW Deny, NEW
    cannot allow what OLD does not (the same conditions imply each other): no query is needed there. Returns the
    formula limiting the action to the other classes (None: there is none, so NEW adds nothing)."""
    index = q.enc.index_of
    needed: list[int] = []
    for i, c in enumerate(q.enc.classes):
        def keys(g: _Group, allow: bool, c: Any = c) -> set[tuple[object, ...]]:
            return {_statement_key(s, v) for s, v in g.statements if s.allow == allow and index(s) in c.matches}
        if not (keys(new, True) <= keys(old, True) and keys(old, False) <= keys(new, False)):
            needed.append(i)
    if not needed:
        return None
    reads = set().union(*(q.enc.classes[i].matches for i in needed))
    q.keep = {id(s) for g in (old, new) for s, _ in g.statements if index(s) in reads}
    wanted = set(needed)
    return z3.Or(*[q.enc.act == i for i in sorted(wanted)])


def _cover(q: _Question, base: Any, grants: list[tuple[CompiledStatement, Any]], request: Any,
           concrete: Sequence[tuple[PolicySet, bool]]) -> list[Counterexample]:
    """A request for each granting statement that can grant: ask for any of the statements not yet shown, credit
    the request to every statement that applies to it, and ask again for the rest, until none is left or the
    solvers say none can (one query proves a PASS)."""
    found: list[Counterexample] = []
    left = list(grants)
    while left:
        out = q.solve(z3.And(base, any_of(q.enc.ctx, (f for _, f in left))))
        if out.status != smt.SAT:
            break
        req = request(out.model)
        for policies, expect in concrete:
            _replay(policies, req, expect, "the policies" if expect else "OLD")
        hit = [(s, f) for s, f in left if z3.is_true(out.model.eval(f, model_completion=True))]
        if not hit:  # pragma: no cover - the model satisfies the disjunction
            raise ReplayMismatch("the solver's model satisfies no statement")
        found.extend(_cx(req, _ref(s)) for s, _ in hit)
        left = [(s, f) for s, f in left if all(s is not h for h, _ in hit)]
    return found


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


def _identity_request(q: _Question, model: Any) -> dict[str, object]:
    resource = text_of(model.eval(q.enc.res, model_completion=True))
    parts = resource.split(":")
    account = parts[4] if resource != "*" and len(parts[4]) == 12 and parts[4].isdigit() else HOME
    return {"principal": f"arn:aws:sts::{account}:assumed-role/parc-reasoning/{'parc-session'}",
            "action": q.action(model), "resource": resource, "context": q.context(model, set())}


def _cx(req: Mapping[str, object], stmt: dict[str, object] | None) -> Counterexample:
    ctx: Any = req.get("context") or {}
    account = req.get("resource_account")
    return Counterexample(str(req["principal"]), str(req["action"]), str(req["resource"]), dict(ctx), stmt,
                          account if isinstance(account, str) else None)


def _replay(policies: PolicySet, req: dict[str, object], expect_allow: bool, what: str) -> None:
    decision = policies.authorize(dict(req))
    if (decision.decision == ALLOW) != expect_allow:
        raise ReplayMismatch(f"{what}: the solver's request {req} is {decision.decision} in the engine")


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
        q = _Question([g_old, g_new], universe, timeout)
        classes = _narrow(q, g_old, g_new)
        if classes is None:
            return CheckResult(PASS, "NEW allows nothing that OLD does not (statement by statement)")
        base = z3.And(classes, z3.Not(q.denies(g_new)), z3.Not(q.allows(g_old)), z3.Not(_kms_key(q)),
                      *_forced_present(q, IDENTITY_DERIVED), *_resource_account(q, HOME))
        grants = [(s, q.applies(s, v)) for s, v in q.kept(g_new) if s.allow]
    except Unencodable as exc:
        return _unknown(str(exc))
    old_set, new_set = _identity_set(old, policy_type), _identity_set(new, policy_type)
    found = _cover(q, base, grants, lambda m: _identity_request(q, m), [(new_set, True), (old_set, False)])
    return _result(q, found, "NEW allows nothing that OLD does not", "NEW allows requests that OLD does not")


def check_access_not_granted(policies: Sequence[Policy], actions: Sequence[str], index: ActionIndex, *,
                             resources: Sequence[str] = (), boundary: Policy | None = None,
                             scps: Sequence[Sequence[Policy]] = (), timeout: float = 10.0) -> CheckResult:
    """PASS when no request for ``actions`` (on ``resources``) is ever allowed (CheckAccessNotGranted)."""
    for a in actions:
        service, colon, name = a.partition(":")
        if a != "*" and not (service and colon and name):
            raise ValueError(f"{a!r} is not an action: expected service:Action, a pattern such as s3:Get*, or *")
    asked = expand(actions, index)
    always = [a for a in asked if a.lower() in ALWAYS_ALLOWED]
    concrete = PolicySet(policies, permissions_boundary=boundary, scps=[list(lv) for lv in scps] or None)
    found: list[Counterexample] = []
    if always:
        req: dict[str, object] = {"principal": f"arn:aws:sts::{HOME}:assumed-role/parc-reasoning/parc-session",
                                  "action": always[0], "resource": "*"}
        _replay(concrete, req, True, "policies")
        found.append(_cx(req, None))
    try:
        g = _group("identity", policies)
        groups = [g]
        extra: list[_Group] = []
        if boundary is not None:
            extra.append(_group("boundary", [boundary]))
        extra += [_group("scp", list(lv), i) for i, lv in enumerate(scps)]
        q = _Question(groups + extra, _identity_universe(asked), timeout)
        limits = [q.allows(x) for x in extra]
        res_ok = _resource_filter(q, resources)
        base = z3.And(res_ok, z3.Not(q.denies(g)), *limits, z3.Not(_kms_key(q)),
                      *_forced_present(q, IDENTITY_DERIVED), *_resource_account(q, HOME))
        grants = [(s, q.applies(s, v)) for s, v in g.statements if s.allow]
    except Unencodable as exc:
        return _unknown(str(exc)) if not found else CheckResult(FAIL, "allowed to every caller", tuple(found))
    found += _cover(q, base, grants, lambda m: _identity_request(q, m), [(concrete, True)])
    return _result(q, found, "the actions are never allowed", "the actions are allowed")


def _resource_filter(q: _Question, resources: Sequence[str]) -> Any:
    if not resources:
        return q.enc.true()
    from parc.core.reasoning.text import template

    segments = q.enc.res_segments if q.enc.by_segment else None
    return z3.Or(*[q.enc.rx.arn_match(q.enc.res, template(r, False), q.enc.variable, segments) for r in resources])


# ---------------------------------------------------------------------------------------------- resource side


def _bind_shape(q: _Question, shape: Shape) -> list[Any]:
    """What the caller shape fixes: the keys AWS derives from the caller, and the caller keys it leaves unset."""
    enc = q.enc
    q.shape = shape
    fixed: list[Any] = []
    reads: dict[str, Any] = {}
    for key in CALLER_KEYS:
        if key not in enc.keys:
            continue
        kv = enc.keys[key]
        if key not in shape.derived:
            if key == "aws:userid" and shape.kind in (PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE):
                continue
            fixed.append(z3.Not(kv.present))
        elif kv.sort != STR:
            raise Unencodable(f"{key} compared as a {kv.sort}")
        elif kv.multi:
            assert kv.count is not None
            fixed.append(kv.count == 1)
            reads[key] = kv.elements[0].s
        else:
            fixed.append(kv.present)
            reads[key] = kv.elements[0].s
    tied, q.part_vars = shape.bind(enc.ctx, enc.rx, reads)
    fixed.extend(tied)
    fixed.extend(_forced_present(q, ALWAYS_SET))
    return fixed


def _owned_resource(q: _Question, trusted: set[str]) -> Any:
    """The resource lives in the zone of trust: its ARN names a trusted account, or no account at all."""
    rx = q.enc.rx
    ctx = q.enc.ctx
    twelve = z3.Loop(z3.Range("0", "9", ctx), 12, 12)
    account = z3.Union(*[rx.lit(a) for a in sorted(trusted)], z3.Intersect(rx.segment, z3.Complement(twelve)))
    if q.enc.by_segment:
        return z3.Or(q.enc.res == sval("*", ctx), z3.InRe(q.enc.res_segments()[4], account))
    head = [rx.lit("arn:"), rx.segment, rx.lit(":"), rx.segment, rx.lit(":"), rx.segment, rx.lit(":")]
    arn = z3.Concat(*head, account, rx.lit(":"), rx.any)
    return z3.InRe(q.enc.res, z3.Union(rx.lit("*"), arn))


def _resource_request(q: _Question, model: Any, home: str) -> dict[str, object]:
    shape = q.shape
    assert shape is not None
    skip = {k for k in CALLER_KEYS if k in shape.derived and k not in shape.extra_context}
    values = {k: v for k, v in q.context(model, set()).items() if k in CALLER_KEYS and isinstance(v, str)}
    values.update({k: v[0] for k, v in q.context(model, set()).items() if k in CALLER_KEYS and isinstance(v, list)
                   and len(v) == 1})
    part_values = {p: text_of(model.eval(v, model_completion=True)) for p, v in q.part_vars.items()}
    parts = shape.read_parts(values, part_values)
    return {
        "principal": shape.render(shape.principal, parts),
        "action": q.action(model),
        "resource": text_of(model.eval(q.enc.res, model_completion=True)),
        "resource_account": home,
        "context": q.context(model, skip),
    }


def _resource_set(policy: Sequence[Policy]) -> PolicySet:
    """The resource policy with a caller's side that allows everything (a federated user's session policy too)."""
    return PolicySet([ALLOW_ALL], resource_policy=policy[0], session_policy=ALLOW_ALL)


def _no_trust_for_root(q: _Question, shape: Shape) -> list[Any]:
    """The root user cannot assume roles, whatever a trust policy says (the engine's rule)."""
    if shape.kind is not PrincipalKind.ROOT:
        return []
    return [z3.Not(q.enc.action_is(lambda c: c.actions[0].lower() in TRUST_ACTIONS))]


def _resource_account(q: _Question, home: str, trusted: set[str] | None = None) -> list[Any]:
    """aws:ResourceAccount is the resource's: the account in its ARN, else the resource owner ``home``. With
    ``trusted`` (the resource is known to be in one of these accounts or to name none) without a regex."""
    enc = q.enc
    kv = enc.keys.get("aws:resourceaccount")
    if kv is None or kv.sort != STR:
        return []
    ctx = enc.ctx
    segs = enc.res_segments()
    if trusted is not None:
        named = z3.Or(*[segs[4] == sval(a, ctx) for a in sorted(trusted)])
    else:
        named = z3.InRe(segs[4], z3.Loop(z3.Range("0", "9", ctx), 12, 12))
    owner = z3.If(z3.And(enc.res != sval("*", ctx), named), segs[4], sval(home, ctx))
    if kv.multi:
        assert kv.count is not None
        return [kv.count == 1, kv.elements[0].s == owner]
    return [kv.present, kv.elements[0].s == owner]


def _per_shape(q: _Question, grants: _Group, sh: list[Shape], home: str, concrete: Sequence[tuple[PolicySet, bool]],
               build: Any) -> list[Counterexample]:
    """Per caller shape, the granting statements its Principal elements match (others need no query), covered as
    in ``_cover``; a statement shown for one shape is not asked again for the next."""
    found: list[Counterexample] = []
    shown: set[int] = set()
    for shape in sh:
        stmts = [(s, v) for s, v in q.kept(grants) if s.allow and id(s) not in shown and shape.matches(s)]
        if not stmts:
            continue
        base = build(shape)
        grants_f = [(s, q.applies(s, v)) for s, v in stmts]
        got = _cover(q, base, grants_f, lambda m: _resource_request(q, m, home), concrete)
        found.extend(got)
        shown.update(id(s) for s, _ in stmts if any(c.statement == _ref(s) for c in got))
        if q.deadline <= time.monotonic():
            q.unknown.append("the time limit was reached before every caller was asked")
            break
    return found


def _resource_diff(old: Sequence[Policy], new: Sequence[Policy], index: ActionIndex, timeout: float) -> CheckResult:
    if len(old) != 1 or len(new) != 1:
        return CheckResult(UNKNOWN, "a resource policy diff compares one policy with one policy")
    home = HOME
    try:
        g_old, g_new = _group("resource", old), _group("resource", new)
        universe = [a for a in _granted_actions([g_new], index) if a.lower() not in ALWAYS_ALLOWED]
        q = _Question([g_old, g_new], universe, timeout)
        classes = _narrow(q, g_old, g_new)
        if classes is None:
            return CheckResult(PASS, "NEW grants nothing OLD does not (statement by statement)")
        sh = shapes([s for s, _ in g_old.statements + g_new.statements], exclude_accounts={home})
        owned = z3.And(classes, _owned_resource(q, {home}), *_resource_account(q, home, {home}))

        def build(shape: Shape) -> Any:
            return z3.And(*_bind_shape(q, shape), owned, z3.Not(q.denies(g_new)), z3.Not(q.allows(g_old)),
                          *_no_trust_for_root(q, shape))

        found = _per_shape(q, g_new, sh, home, [(_resource_set(new), True), (_resource_set(old), False)], build)
    except Unencodable as exc:
        return _unknown(str(exc))
    return _result(q, found, "NEW grants no caller outside the resource's account anything OLD does not",
                   "NEW grants callers outside the resource's account requests OLD does not")


RESOURCE_TYPE_SERVICES = {
    "AWS::S3::Bucket": "s3", "AWS::S3::AccessPoint": "s3", "AWS::S3::Glacier": "glacier",
    "AWS::S3Express::DirectoryBucket": "s3express", "AWS::S3Express::AccessPoint": "s3express",
    "AWS::S3Outposts::Bucket": "s3-outposts", "AWS::S3Outposts::AccessPoint": "s3-outposts",
    "AWS::S3Tables::TableBucket": "s3tables", "AWS::S3Tables::Table": "s3tables",
    "AWS::DynamoDB::Table": "dynamodb", "AWS::DynamoDB::Stream": "dynamodb",
    "AWS::EFS::FileSystem": "elasticfilesystem", "AWS::OpenSearchService::Domain": "es",
    "AWS::Kinesis::Stream": "kinesis", "AWS::Kinesis::StreamConsumer": "kinesis", "AWS::KMS::Key": "kms",
    "AWS::Lambda::Function": "lambda", "AWS::SecretsManager::Secret": "secretsmanager", "AWS::SNS::Topic": "sns",
    "AWS::SQS::Queue": "sqs", "AWS::IAM::AssumeRolePolicyDocument": "sts", "AWS::ApiGateway::RestApi": "execute-api",
    "AWS::CodeArtifact::Domain": "codeartifact", "AWS::Backup::BackupVault": "backup",
    "AWS::CloudTrail::Dashboard": "cloudtrail", "AWS::CloudTrail::EventDataStore": "cloudtrail",
}
"""Access Analyzer's resource types (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html)
and the service whose actions reach them."""


def _outsider(q: _Question, g: _Group, trusted: set[str], org: str | None) -> list[Any]:
    """What makes the caller (and where it calls from) outside the zone of trust."""
    enc = q.enc
    ctx = enc.ctx
    out: list[Any] = []

    def each(key: str, bad: Any) -> None:
        """No value of ``key`` may satisfy ``bad`` (a function of the element's string term)."""
        kv = enc.keys.get(key)
        if kv is None:
            return
        if kv.sort != STR:
            raise Unencodable(f"{key} compared as a {kv.sort}")
        if kv.multi:
            assert kv.count is not None
            out.extend(z3.Implies(i < kv.count, z3.Not(bad(e.s))) for i, e in enumerate(kv.elements))
        else:
            out.append(z3.Implies(kv.present, z3.Not(bad(kv.elements[0].s))))

    accounts = sorted(trusted)
    in_trusted = lambda t: z3.Or(*[t == sval(a, ctx) for a in accounts])  # noqa: E731
    if org:
        each("aws:principalorgid", lambda t: t == sval(org, ctx))
        each("aws:sourceorgid", lambda t: t == sval(org, ctx))
        each("aws:principalorgpaths", lambda t: z3.PrefixOf(sval(org + "/", ctx), t))
        each("aws:sourceorgpaths", lambda t: z3.PrefixOf(sval(org + "/", ctx), t))
    each("aws:sourceaccount", in_trusted)
    arn_in = z3.Union(*[z3.Concat(enc.rx.lit("arn:"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment,
                                  enc.rx.lit(":"), enc.rx.segment, enc.rx.lit(f":{a}:"), enc.rx.any)
                        for a in accounts]) if len(accounts) > 1 else z3.Concat(
        enc.rx.lit("arn:"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment,
        enc.rx.lit(f":{accounts[0]}:"), enc.rx.any)
    each("aws:sourcearn", lambda t: z3.InRe(t, arn_in))
    # The VPC endpoints, VPCs and IP ranges the policy names (to allow from, or to deny from anywhere else) are the
    # owner's network.
    named: dict[str, set[str]] = {"aws:sourcevpce": set(), "aws:sourcevpc": set()}
    nets: list[tuple[int, int, int]] = []
    for s, _ in g.statements:
        for c in s.condition_list:
            # Positive or negated (a Deny "unless from vpce-1" names the owner's endpoint as well).
            if c.key_lower in named and c.family == "String":
                named[c.key_lower].update(v for v in c.values if not any(ch in v for ch in "*?$"))
            if c.key_lower == "aws:sourceip" and c.family == "IpAddress":
                for v in c.values:
                    n = parse_network(v)
                    if n is not None and bin(n[2]).count("1") >= _MIN_PREFIX[n[0]]:
                        nets.append(n)
    for key, values in named.items():
        if values:
            texts = [sval(v, ctx) for v in sorted(values)]
            each(key, lambda t, texts=texts: z3.Or(*[t == v for v in texts]))
    kv = enc.keys.get("aws:sourceip")
    if kv is not None and nets:
        def inside(e: Any) -> Any:
            return z3.Or(*[z3.And(e.ipv == ver, (e.v4 if ver == 4 else e.v6) & z3.BitVecVal(
                mask, 32 if ver == 4 else 128, ctx) == z3.BitVecVal(net, 32 if ver == 4 else 128, ctx))
                for ver, net, mask in nets])
        elements = kv.elements if kv.multi else kv.elements[:1]
        for i, e in enumerate(elements):
            count: Any = kv.count
            guard = (i < count) if kv.multi else kv.present
            out.append(z3.Implies(guard, z3.Not(inside(e))))
    return out


def check_no_public_access(policy: Policy, index: ActionIndex, *, trusted_accounts: Sequence[str] = (),
                           org: str | None = None, resource_type: str | None = None,
                           timeout: float = 10.0) -> CheckResult:
    """PASS when no caller outside the trusted accounts / organization is allowed (CheckNoPublicAccess)."""
    home = trusted_accounts[0] if trusted_accounts else HOME
    trusted = set(trusted_accounts) | {home}
    service = RESOURCE_TYPE_SERVICES.get(resource_type) if resource_type else None
    if resource_type and service is None:
        return CheckResult(UNKNOWN, f"unknown resource type {resource_type!r}; known: "
                           + ", ".join(sorted(RESOURCE_TYPE_SERVICES)))
    try:
        g = _group("resource", [policy])
        universe = [a for a in _granted_actions([g], index) if a.lower() not in ALWAYS_ALLOWED
                    and (service is None or a.split(":", 1)[0].lower() == service)]
        q = _Question([g], universe, timeout)
        sh = shapes([s for s, _ in g.statements], exclude_accounts=trusted)
        owned = _owned_resource(q, trusted)
        outside = _outsider(q, g, trusted, org)

        def build(shape: Shape) -> Any:
            return z3.And(*_bind_shape(q, shape), owned, *outside, z3.Not(q.denies(g)),
                          *_no_trust_for_root(q, shape), *_resource_account(q, home, trusted))

        found = _per_shape(q, g, sh, home, [(_resource_set([policy]), True)], build)
    except Unencodable as exc:
        return _unknown(str(exc))
    return _result(q, found, "no caller outside the zone of trust is allowed",
                   "callers outside the zone of trust are allowed")
