"""The machinery every check shares: one encoding and the queries asked of it (``_Question``), the replay of
every request through the engine, and the covering of granting statements by as few queries as possible."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from parc.core.authz.aws_owned import (
    OWNED_PATTERNS,
    SERVICE_ROLE_POLICY_PATTERN,
    owned_rules,
)
from parc.core.authz.compile import CompiledStatement, PolicyGroup
from parc.core.authz.decision import ALLOW
from parc.core.authz.engine import PolicySet
from parc.core.authz.principal import PrincipalKind
from parc.core.match import compile_action
from parc.core.policy.model import Policy
from parc.core.reasoning import smt
from parc.core.reasoning.catalog import catalog_matches, lowered_matcher
from parc.core.reasoning.encode import Encoder, any_of
from parc.core.reasoning.keys import STR, render
from parc.core.reasoning.principals import Shape
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
_UNREADABLE = re.compile(r"[^A-Za-z0-9:/._\-@=+,]")
NICER_RLIMIT = 100_000
"""z3's resource units for making a counterexample readable (cosmetic: a small share of a query)."""


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


_EXPANDED: dict[tuple[int, tuple[str, ...], bool], tuple[ActionIndex, list[str]]] = {}
"""``expand``'s answers by (catalog, patterns, negate): a policy's statements are expanded once for all the checks
that read them (a diff's OLD and NEW share most)."""


def expand(patterns: Sequence[str], index: ActionIndex, *, negate: bool = False) -> list[str]:
    """The catalog's actions an Action (or NotAction, ``negate``) list matches; literal names outside the catalog
    are kept as written (lowercased)."""
    key = (id(index), tuple(patterns), negate)
    hit = _EXPANDED.get(key)
    if hit is not None and hit[0] is index:
        return list(hit[1])
    out = _expand(patterns, index, negate)
    if len(_EXPANDED) > 4096:
        _EXPANDED.clear()
    _EXPANDED[key] = (index, out)
    return list(out)


def _expand(patterns: Sequence[str], index: ActionIndex, negate: bool) -> list[str]:
    matchers = [compile_action(p) for p in patterns]
    if negate:
        matched = catalog_matches(tuple(patterns), index)
        return [a for a in _all_actions(index) if a not in matched]
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
                 forced: Mapping[str, str] | None = None, split: Callable[[str], object] | None = None,
                 index: ActionIndex | None = None, witnesses: Mapping[str, int] | None = None) -> None:
        self.groups = list(groups)
        stmts = [st for g in groups for st in g.statements]
        self.enc = Encoder(stmts, actions, dict(forced or {}), split, index, witnesses)
        self.budget = smt.Budget.for_timeout(timeout)
        """The solvers' budget (``smt.Budget``): resource units, with ``timeout`` as the wall-clock cap."""
        self.timeout = timeout
        self.queries = 0
        self.unknown: list[str] = []
        self.solver_seconds = 0.0
        self.shapes: list[Shape] = []
        self.shape: Shape | None = None
        self.part_vars: dict[str, Any] = {}
        self.keep: set[int] | None = None
        """The caller shape the formulas are built for (resource side); None: no Principal element is read."""
        self.split_failed = False
        """A disjunction of statements went unsettled (``cover``): later ones are only probed before splitting."""
        self.memo: dict[object, Any] = {}
        """Pieces built once per question and read again (``guess.py``'s values of variables)."""

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

    def solve(self, formula: Any, how: str = "full") -> smt.Outcome:
        """Decide ``formula`` with the time left. ``how`` (see ``cover``): ``full`` the whole portfolio; ``rest``
        the portfolio after z3's short slices (tried already); ``split`` the portfolio with cvc5 for a short
        while and no last z3 (the caller splits the question when that does not settle it); ``quick`` z3's short
        slices (for one statement); ``probe`` z3's default solver for a small slice. An UNKNOWN is recorded only
        for ``full`` and ``rest``: for the others the caller asks again."""
        spent = self.budget.spent()
        if spent is not None:
            self.unknown.append(spent)
            return smt.Outcome(smt.UNKNOWN, reason=spent)
        self.queries += 1
        start = time.monotonic()
        full = z3.And(*self.enc.domain, formula)
        left = self.budget
        if how == "quick":
            out = smt.quick(full, left, smt.STATEMENT_Z3)
        elif how == "probe":
            out = smt.check(full, left, cvc5_fallback=False, rlimit=smt.PROBE_Z3)
        else:
            out = smt.check(full, left, tried_quick=how == "rest", cvc5_max=smt.SPLIT_CVC5 if how == "split" else None,
                            last_z3=how != "split")
        if out.status == smt.SAT and not self._readable(out.model):
            out = self._nicer(full, out)
        self.solver_seconds += time.monotonic() - start
        if out.status == smt.UNKNOWN and how in ("full", "rest"):
            self.unknown.append(out.reason)
        return out

    def expired(self) -> bool:
        """Nothing more may be asked: the solvers' budget is spent or the wall-clock cap reached."""
        return self.budget.spent() is not None

    def _terms(self) -> list[Any]:
        enc = self.enc
        return [enc.res, *self.part_vars.values(),
                *[e.s for kv in enc.keys.values() if kv.sort == STR for e in kv.elements]]

    def _readable(self, model: Any) -> bool:
        return all(_READABLE.fullmatch(text_of(model.eval(t, model_completion=True))) for t in self._terms())

    def _nicer(self, full: Any, out: smt.Outcome) -> smt.Outcome:
        """A readable request when one is near (letters, digits, ARN punctuation): the model's strings with every
        other character made an ``x``, kept when the formula still holds with them (a cheap, ground check);
        else the model as found."""
        ctx = self.enc.ctx
        fixed = []
        for t in self._terms():
            text = text_of(out.model.eval(t, model_completion=True))
            fixed.append(t == smt.sval(_UNREADABLE.sub("x", text), ctx))
        nicer = smt.check(z3.And(full, *fixed), smt.Budget(1.0), cvc5_fallback=False, rlimit=NICER_RLIMIT)
        return nicer if nicer.status == smt.SAT else out

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


def aws_owned(q: _Question, slr: Any | None = None) -> Any:
    """The request changes a resource AWS owns (parc.core.authz.aws_owned), which the engine refuses whatever the
    policies allow: no Allow may be claimed there. The encoder splits action classes by these rules, so each class
    is refused exactly where its actions are.

    The /aws-reserved/ roles are exempt for a service-linked role calling: ``slr`` says whether the caller is one
    (the identity question fixes it); None: the caller shape's (``_slr_caller``), whose aws:PrincipalArn the shape
    ties to the caller. A multivalued iam:PolicyArn is not read. An AWS managed key needs the request's
    key_manager, which these questions never set."""
    enc = q.enc

    def refused_by(rule: int) -> Any:
        return enc.action_is(lambda c: rule in owned_rules(c.actions[0].lower()))

    rules: list[Any] = []
    for i, (_, pattern, exempt) in enumerate(OWNED_PATTERNS):
        hit = refused_by(i)
        if z3.is_false(hit):
            continue
        owned = z3.And(hit, z3.InRe(enc.res, enc.regex(pattern)))
        if exempt:
            owned = z3.And(owned, z3.Not(_slr_caller(q, False) if slr is None else slr))
        rules.append(owned)
    attach = refused_by(len(OWNED_PATTERNS))
    if not z3.is_false(attach):
        arn = enc.key("iam:policyarn")
        if not arn.multi:
            rules.append(z3.And(attach, arn.present,
                                z3.InRe(arn.elements[0].s, enc.regex(SERVICE_ROLE_POLICY_PATTERN))))
    return z3.Or(*rules) if rules else enc.false()


def owned_keys(q: _Question) -> None:
    """Declare the keys the AWS-owned rules read (aws:PrincipalArn, for the reserved roles' exemption) before caller
    shapes are bound, so that each shape fixes them."""
    if any(exempt for _, _, exempt in OWNED_PATTERNS) and not z3.is_false(q.enc.action_is(
            lambda c: any(OWNED_PATTERNS[r][2] for r in owned_rules(c.actions[0].lower())
                          if r < len(OWNED_PATTERNS)))):
        q.enc.key("aws:principalarn")


def _slr_caller(q: _Question, caller_home: bool) -> Any:
    """The caller is a service-linked role, as the engine decides it: a role session whose aws:PrincipalArn (the
    request's, a single string) parses as ``arn:aws*:iam|sts::ACCOUNT:role/aws-service-role/...NAME`` with the
    session's own account and role name (``with_role_arn``; the replay names the session after NAME). Python's
    ``.+$`` stops at a line break, with one allowed at the very end. For the identity question the account is the
    resource's (its ARN's, when it is 12 digits) or HOME; for a caller shape the shape fixes it.

    With ``caller_home`` the formula holds helper strings: it may only be asserted, never negated."""
    enc = q.enc
    ctx = enc.ctx
    rx = enc.rx
    pa = enc.key("aws:principalarn")
    if pa.multi:
        raise Unencodable("aws:PrincipalArn read with a set operator, where a service-linked caller matters")
    if not caller_home and (q.shape is None or q.shape.kind is not PrincipalKind.ASSUMED_ROLE):
        return enc.false()
    newline = z3.Re(sval("\n", ctx))
    line = z3.Star(z3.Intersect(rx.any_char, z3.Complement(newline)))
    last = z3.Intersect(rx.any_char, z3.Complement(z3.Union(newline, z3.Re("/", ctx))))
    letters = z3.Star(z3.Union(z3.Range("a", "z", ctx), z3.Range("A", "Z", ctx), z3.Re("-", ctx)))
    twelve = z3.Loop(z3.Range("0", "9", ctx), 12, 12)
    value = pa.elements[0].s
    if not caller_home:
        # The shape's session is named after its role: a role name ending in a line break is not the ARN's (the
        # ARN's pattern leaves a final line break out), so no line break at all here.
        head = z3.Concat(rx.lit("arn:aws"), letters, rx.lit(":"), z3.Union(rx.lit("iam"), rx.lit("sts")),
                         rx.lit("::"))
        tail = z3.Concat(rx.lit(":role/aws-service-role/"), line, last)
        return z3.And(pa.present, z3.InRe(value, z3.Concat(head, twelve, tail)))
    # aws:PrincipalArn and the resource split at their colons (the first five segments hold none, which fixes
    # them); the caller's account is the resource's.
    segs = [z3.String(f"slr!{k}", ctx) for k in range(6)]
    colon = sval(":", ctx)
    joined = z3.Concat(*[x for k, seg in enumerate(segs) for x in ((colon, seg) if k else (seg,))])
    res = enc.res_segments()
    account = z3.If(z3.InRe(res[4], twelve), res[4], sval(HOME, ctx))
    return z3.And(pa.present, value == joined, *[z3.InRe(seg, rx.segment) for seg in segs[:5]],
                  segs[0] == sval("arn", ctx), z3.InRe(segs[1], z3.Concat(rx.lit("aws"), letters)),
                  z3.Or(segs[2] == sval("iam", ctx), segs[2] == sval("sts", ctx)), segs[3] == sval("", ctx),
                  segs[4] == account,
                  z3.InRe(segs[5], z3.Concat(rx.lit("role/aws-service-role/"), line, last, z3.Option(newline))))


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


def _cx(req: Mapping[str, object], stmt: dict[str, object] | None) -> Counterexample:
    ctx: Any = req.get("context") or {}
    account = req.get("resource_account")
    return Counterexample(str(req["principal"]), str(req["action"]), str(req["resource"]), dict(ctx), stmt,
                          account if isinstance(account, str) else None)


def _replay(policies: PolicySet, req: dict[str, object], expect_allow: bool, what: str) -> None:
    decision = policies.authorize(dict(req))
    if (decision.decision == ALLOW) != expect_allow:
        raise ReplayMismatch(f"{what}: the solver's request {req} is {decision.decision} in the engine")


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
