"""Policies as formulas over one symbolic request: an action (one of finitely many classes), a resource (a
string), a caller (one of finitely many shapes, when a Principal element is read) and the condition keys.

Statements are encoded from the engine's own compiled form (``CompiledStatement``), so the encoding reads the same
parsed patterns and conditions the concrete engine decides with, and counterexamples replay through it.

Actions: the catalog's actions are a finite set. Two actions that every statement's Action / NotAction treats alike
are interchangeable for every question, so the encoding splits the actions that matter into such classes (decided
with the engine's own matchers) and the solver picks a class; the counterexample shows its first action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import z3

from parc.core.authz.aws_owned import GUARDED, owned_rules
from parc.core.authz.compile import CompiledStatement
from parc.core.conditions import FOR_ALL
from parc.core.conditions.boolean import parse_bool
from parc.core.conditions.date import parse_date
from parc.core.conditions.ip import parse_network
from parc.core.conditions.numeric import parse_number
from parc.core.match import atoms_of
from parc.core.reasoning import smt
from parc.core.reasoning.catalog import _catalog_set, catalog_matches, lowered_matcher
from parc.core.reasoning.keys import DATE, IP, NUM, STR, KeyVar, make_key, scale_for
from parc.core.reasoning.smt import Expr, sval
from parc.core.reasoning.text import Regexes, Unencodable, template
from parc.core.variables import Special, Template, Variable

AWS_SET = {"aws:sourceip": IP, "aws:vpcsourceip": IP, "aws:currenttime": DATE, "aws:epochtime": DATE,
           "aws:multifactorauthage": NUM, "aws:securetransport": "bool", "aws:multifactorauthpresent": "bool",
           "aws:viaawsservice": "bool", "aws:principalisawsservice": "bool"}
"""Keys AWS itself sets, always well formed: an address, a time, a number, ``true`` / ``false``. A request with
``aws:SourceIp`` = "not-an-ip" is one the engine decides (nothing matches it) but AWS never makes, so these keys
hold well-formed values only (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)."""

SORT_OF_FAMILY = {"String": STR, "Arn": STR, "Bool": STR, "Numeric": NUM, "Date": DATE, "IpAddress": IP}
_ARN_DOMAIN = "arn:[^:]*:[^:]*:[^:]*:[^:]*:.*"


@dataclass(slots=True)
class Encoded:
    """A statement as a formula, with what the counterexample names it by."""

    stmt: CompiledStatement
    applies: Expr
    allow: bool


@dataclass(slots=True)
class ActionClass:
    actions: tuple[str, ...]
    matches: frozenset[int]
    """Ordinals (in the encoder's statement list) of the statements whose Action / NotAction matches."""


@dataclass
class Encoder:
    """The request variables and the statement formulas of one question."""

    statements: Sequence[tuple[CompiledStatement, bool]]
    """Every statement the question reads, with whether its policy substitutes variables."""
    actions: Sequence[str]
    """The actions the question ranges over (lowercase names)."""
    forced_sorts: dict[str, str] = field(default_factory=dict)
    """Keys whose sort the question fixes (a derived key compared with text)."""
    split: Callable[[str], object] | None = None
    """What else tells actions apart for the question (whether RCPs govern the action's service)."""
    index: Mapping[str, Sequence[str]] | None = None
    """The catalog (service -> actions): each statement's Action list is then matched against it once, cached."""
    witnesses: Mapping[str, int] | None = None
    """Per multivalued key, how many values the question's requests need at most, when the question knows better
    than the count of set conditions on the key (``keys.py``): see ``public._witnesses``."""
    ctx: Any = field(init=False)
    keys: dict[str, KeyVar] = field(init=False)
    classes: list[ActionClass] = field(init=False)

    def __post_init__(self) -> None:
        self.ctx = smt.fresh_context()
        self.rx = Regexes(self.ctx)
        self.act = z3.Int("action", self.ctx)
        self.res = z3.String("resource", self.ctx)
        self.keys = {}
        self.domain: list[Expr] = []
        self._segments: list[Expr] | None = None
        self._index = {id(s): i for i, (s, _) in enumerate(self.statements)}
        self._applied: dict[tuple[int, bool, int | None], Expr] = {}
        self._plan_actions()
        # A statement whose Action / NotAction matches none of the question's actions never applies: its keys and
        # resource patterns are left out of the encoding (exact, and the solver sees fewer variables).
        reached = set().union(*(c.matches for c in self.classes)) if self.classes else set()
        self.live = [(s, v) for i, (s, v) in enumerate(self.statements) if i in reached]
        self._live = {id(s) for s, _ in self.live}
        self._plan_keys()
        self._plan_resource()

    # ------------------------------------------------------------------ planning

    def _plan_keys(self) -> None:
        sorts: dict[str, set[str]] = {k: {v} for k, v in self.forced_sorts.items()}
        set_uses: dict[str, int] = {}
        numbers: dict[str, list[Decimal | int]] = {}
        as_variable: set[str] = set()
        for s, variables in self.live:
            for c in s.condition_list:
                key = c.key_lower
                if c.family == "Binary":
                    raise Unencodable(f"the Binary operator {c.operator} (on {c.key})")
                found = sorts.setdefault(key, set())
                if c.family != "Null":
                    found.add(SORT_OF_FAMILY[c.family])
                if c.set_operator is not None:
                    set_uses[key] = set_uses.get(key, 0) + 1
                if c.family in ("Numeric", "Date"):
                    parse = parse_number if c.family == "Numeric" else parse_date
                    numbers.setdefault(key, []).extend(n for n in (parse(v) for v in c.values) if n is not None)
                if variables and c.parsed.spec.variables:
                    for v in c.values:
                        as_variable.update(template(v, True).variable_names)
            if variables and s.resources is not None:
                for m in s.resources:
                    as_variable.update(template(m.pattern, True).variable_names)
        for key in as_variable:
            sorts.setdefault(key, set()).add(STR)
            if key in set_uses:
                raise Unencodable(f"{key} is read both as a policy variable and with a set operator")
        for key, found in sorts.items():
            if len(found) > 1:
                raise Unencodable(f"{key} is compared as {' and as '.join(sorted(found))}")
            sort = next(iter(found)) if found else STR
            scale = scale_for(numbers.get(key, [])) if sort in (NUM, DATE) else 1
            if sort == DATE and scale > 10**9:
                raise Unencodable(f"{key}: a date with more than 8 decimal places")
            bound = set_uses.get(key, 0)
            if self.witnesses is not None and key in self.witnesses:
                bound = min(bound, self.witnesses[key])
            kv = self._add_key(key, sort, key in set_uses, max(2, bound), scale)
            self._well_formed(kv)

    def _well_formed(self, kv: KeyVar) -> None:
        want = AWS_SET.get(kv.name)
        if want is None:
            return
        elements = [(e, (i < kv.count) if kv.count is not None else kv.present) for i, e in enumerate(kv.elements)]
        for e, guard in elements:
            if want == "bool" and kv.sort == STR:
                ok = z3.Or(e.s == sval("true", self.ctx), e.s == sval("false", self.ctx))
            elif want == kv.sort == IP:
                ok = e.ipv != 0
            elif want in (NUM, DATE) and kv.sort in (NUM, DATE):
                ok = e.ok
            else:
                continue
            self.domain.append(z3.Implies(guard, ok))

    def _add_key(self, key: str, sort: str, multi: bool, bound: int, scale: int) -> KeyVar:
        kv = make_key(self.ctx, key, sort, multi, bound, scale)
        self.keys[key] = kv
        self.domain.extend(kv.constraints)
        return kv

    def key(self, name: str, sort: str = STR) -> KeyVar:
        kv = self.keys.get(name)
        if kv is None:
            kv = self._add_key(name, sort, False, 2, 1)
        if kv.sort != sort:
            raise Unencodable(f"{name} is compared as {kv.sort} and as {sort}")
        return kv

    def _plan_actions(self) -> None:
        # Each statement's patterns are matched with the engine's own matchers: against the whole catalog once
        # (cached by the patterns), then intersected with the question's actions; an action outside the catalog is
        # tried on its own.
        universe = set(self.actions)
        known = _catalog_set(self.index) if self.index is not None else frozenset()
        outside = [(a, a.lower()) for a in self.actions if a not in known]
        hits: dict[str, list[int]] = {a: [] for a in self.actions}
        for i, (s, _) in enumerate(self.statements):
            patterns = tuple(m.pattern for m in s.actions)
            matched = universe & catalog_matches(patterns, self.index) if self.index is not None else set()
            tests = [lowered_matcher(p) for p in patterns]
            matched.update(a for a, low in outside if any(t(low) for t in tests))
            for a in (universe - matched if s.not_action else matched):
                hits[a].append(i)
        # Actions are also told apart by the AWS-owned rules that can refuse them (parc.core.authz.aws_owned), so that
        # a class is refused on the same resources as each of its actions.
        by_sig: dict[tuple[tuple[int, ...], tuple[int, ...], object], list[str]] = {}
        split = self.split
        for a in self.actions:
            low = a.lower()
            by_sig.setdefault((tuple(hits[a]), owned_rules(low) if low in GUARDED else (),
                               split(a) if split else None), []).append(a)
        self.classes = [ActionClass(tuple(acts), frozenset(sig)) for (sig, _, _), acts in by_sig.items()]
        self.domain.append(z3.And(self.act >= 0, self.act < len(self.classes)) if self.classes
                           else z3.BoolVal(False, self.ctx))

    def _plan_resource(self) -> None:
        # Patterns whose variables sit among wildcards are matched segment by segment, and so is every resource
        # pattern then (the solvers do best with one view of the resource); also when aws:ResourceAccount is read,
        # which is the ARN's account segment. Else the resource is one string.
        self.by_segment = "aws:resourceaccount" in self.keys or any(
            self._needs_segments(s, v) for s, v in self.live)
        if self.by_segment:
            self.res_segments()
        else:
            arn = z3.Union(self.rx.lit("*"), self._regex(_ARN_DOMAIN))
            self.domain.append(z3.InRe(self.res, arn))

    def _needs_segments(self, s: CompiledStatement, variables: bool) -> bool:
        if not variables or s.resources is None:
            return False
        for m in s.resources:
            atoms = atoms_of(template(m.pattern, True))
            if any(isinstance(a, Variable) for a in atoms) and not self.rx._simple(atoms):
                return True
        return False

    def regex(self, source: str) -> Expr:
        """A regex of the shapes ``_regex`` reads (the AWS-owned rules' patterns)."""
        return self._regex(source)

    def _regex(self, source: str) -> Expr:
        """The two shapes used here: ``[^:]*`` and ``.*`` around literal text."""
        parts: list[Expr] = []
        rest = source
        while rest:
            if rest.startswith("[^:]*"):
                parts.append(self.rx.segment)
                rest = rest[5:]
            elif rest.startswith(".*"):
                parts.append(self.rx.any)
                rest = rest[2:]
            else:
                cut = min(i for i in (rest.find("["), rest.find(".*"), len(rest)) if i >= 0)
                parts.append(self.rx.lit(rest[:cut]))
                rest = rest[cut:]
        return self.rx.concat(parts)

    # ------------------------------------------------------------------ pieces

    def true(self) -> Expr:
        return z3.BoolVal(True, self.ctx)

    def false(self) -> Expr:
        return z3.BoolVal(False, self.ctx)

    def index_of(self, s: CompiledStatement) -> int:
        return self._index[id(s)]

    def res_segments(self) -> list[Expr]:
        """The resource ARN's six segments, defined once (when a pattern needs them): for an ARN, the resource is
        their join with colons and the first five hold no colon, which fixes them."""
        if self._segments is None:
            ctx = self.ctx
            segs = [z3.String(f"resource!{k}", ctx) for k in range(6)]
            colon = sval(":", ctx)
            joined = z3.Concat(*[x for k, seg in enumerate(segs) for x in ((colon, seg) if k else (seg,))])
            fixed = z3.And(self.res == joined, segs[0] == sval("arn", ctx),
                           *[z3.InRe(seg, self.rx.segment) for seg in segs[:5]])
            self.domain.append(z3.Or(self.res == sval("*", ctx), fixed))
            self._segments = segs
        return self._segments

    def action_is(self, predicate: Callable[[ActionClass], bool]) -> Expr:
        hits = [self.act == i for i, c in enumerate(self.classes) if predicate(c)]
        return z3.Or(*hits) if hits else self.false()

    def variable(self, var: Variable) -> tuple[Expr, Expr]:
        """(whether the variable has a value, the value) as ``resolve_variable`` decides them."""
        kv = self.key(var.key)
        default = sval(var.default, self.ctx) if var.default is not None else None
        if kv.multi:  # a multivalued key is never a variable's value; only its default is
            ok = z3.And(z3.Not(kv.present), z3.BoolVal(default is not None, self.ctx))
            return ok, default if default is not None else sval("", self.ctx)
        e = kv.elements[0].s
        if default is None:
            return kv.present, e
        return self.true(), z3.If(kv.present, e, default)

    def term(self, tpl: Template) -> tuple[Expr, Expr]:
        """A template as (defined, string term), for equality."""
        parts: list[Expr] = []
        defined: list[Expr] = []
        for p in tpl.parts:
            if isinstance(p, str):
                parts.append(sval(p, self.ctx))
            elif isinstance(p, Special):
                parts.append(sval(p.char, self.ctx))
            else:
                ok, value = self.variable(p)
                defined.append(ok)
                parts.append(value)
        value = sval("", self.ctx) if not parts else parts[0] if len(parts) == 1 else z3.Concat(*parts)
        return (z3.And(*defined) if defined else self.true()), value

    def resource_matches(self, s: CompiledStatement, variables: bool) -> Expr:
        if s.resources is None:
            return self.true()
        segments = self.res_segments if self.by_segment else None
        hits = [self.rx.arn_match(self.res, template(m.pattern, variables), self.variable, segments)
                for m in s.resources]
        hit = z3.Or(*hits)
        return z3.Not(hit) if s.not_resource else hit

    # ------------------------------------------------------------------ conditions

    def _value_test(self, c: Any, kv: KeyVar, variables: bool) -> Callable[[Any], tuple[Expr, Expr]] | None:
        """For one element: (parses for the family, matches any policy value); plus whether every value parsed."""
        family = c.family
        texts: tuple[str, ...] = c.values
        use_vars = variables and c.parsed.spec.variables
        ctx = self.ctx
        if family == "String":
            base = c.parsed.spec.name
            if "IgnoreCase" in base:
                tpls = [template(t, use_vars) for t in texts]
                if any(t.has_variables for t in tpls):
                    raise Unencodable(f"{c.operator} with a policy variable")
                rx = self.rx.union([self.rx.ignore_case(t.render({}) or "") for t in tpls])
                return lambda e: (self.true(), z3.InRe(e.s, rx))
            if "Like" in base:
                globs = [atoms_of(template(t, use_vars)) for t in texts]
                return lambda e: (self.true(), z3.Or(*[self.rx.glob_match(e.s, g, self.variable) for g in globs])
                                  if globs else self.false())
            terms = [self.term(template(t, use_vars)) for t in texts]
            return lambda e: (self.true(), z3.Or(*[z3.And(d, e.s == v) for d, v in terms]) if terms
                              else self.false())
        if family == "Arn":
            tpls = [template(t, use_vars) for t in texts]
            return lambda e: (self.true(), z3.Or(*[self.rx.arn_match(e.s, t, self.variable) for t in tpls])
                              if tpls else self.false())
        if family == "Bool":
            if use_vars and any(template(t, True).has_variables for t in texts):
                raise Unencodable(f"{c.operator} with a policy variable")
            members = {parse_bool(t) for t in texts} - {None}
            t_rx, f_rx = self.rx.ignore_case("true"), self.rx.ignore_case("false")

            def bool_test(e: Any) -> tuple[Expr, Expr]:
                hits = ([z3.InRe(e.s, t_rx)] if True in members else []) + (
                    [z3.InRe(e.s, f_rx)] if False in members else [])
                return z3.Or(z3.InRe(e.s, t_rx), z3.InRe(e.s, f_rx)), z3.Or(*hits) if hits else self.false()

            return bool_test
        if family in ("Numeric", "Date"):
            parse = parse_number if family == "Numeric" else parse_date
            good = [n for n in (parse(t) for t in texts) if n is not None]
            scaled = [int(Decimal(n) * kv.scale) for n in good]
            base = c.parsed.spec.name
            if base.endswith("Equals") and "Than" not in base:
                return lambda e: (e.ok, z3.Or(*[e.n == v for v in scaled]) if scaled else self.false())
            if not scaled:
                return lambda e: (e.ok, self.false())
            if "LessThan" in base:
                bound = max(scaled)
                if base.endswith("Equals"):
                    return lambda e: (e.ok, e.n <= bound)
                return lambda e: (e.ok, e.n < bound)
            bound = min(scaled)
            if base.endswith("Equals"):
                return lambda e: (e.ok, e.n >= bound)
            return lambda e: (e.ok, e.n > bound)
        if family == "IpAddress":
            nets = [n for n in (parse_network(t) for t in texts) if n is not None]

            def ip_test(e: Any) -> tuple[Expr, Expr]:
                hits = []
                for version, net, mask in nets:
                    bits = e.v4 if version == 4 else e.v6
                    width = 32 if version == 4 else 128
                    hits.append(z3.And(e.ipv == version, bits & z3.BitVecVal(mask, width, ctx)
                                       == z3.BitVecVal(net, width, ctx)))
                return e.ipv != 0, z3.Or(*hits) if hits else self.false()

            return ip_test
        raise Unencodable(f"the operator {c.operator}")

    def _all_ok(self, c: Any) -> bool:
        """Whether every policy value parses for the family (a negated operator needs it)."""
        family = c.family
        if not c.values:
            return False
        if family == "Bool":
            return all(parse_bool(t) is not None for t in c.values)
        if family == "Numeric":
            return all(parse_number(t) is not None for t in c.values)
        if family == "Date":
            return all(parse_date(t) is not None for t in c.values)
        if family == "IpAddress":
            return all(parse_network(t) is not None for t in c.values)
        return True

    def condition(self, c: Any, variables: bool) -> Expr:
        """One compiled condition, by the rules of ``CompiledCondition.evaluate``."""
        kv = self.keys[c.key_lower]
        if c.null:
            members = {parse_bool(t) for t in c.values} - {None}
            absent_ok = self.true() if True in members else self.false()
            present_ok = self.true() if False in members else self.false()
            return z3.If(kv.present, present_ok, absent_ok)
        if c.set_operator is not None:
            absent = self.true() if c.set_operator == FOR_ALL else self.false()
        else:
            absent = self.true() if (c.if_exists or c.negated) else self.false()
        test = self._value_test(c, kv, variables)
        assert test is not None
        all_ok = self._all_ok(c)

        def single(e: Any) -> Expr:
            parses, match = test(e)
            if not c.values:
                return self.false()
            if c.negated:
                return z3.And(parses, z3.Not(match)) if all_ok else self.false()
            return z3.And(parses, match)

        if not kv.multi:
            present = single(kv.elements[0])
        else:
            n: Expr = kv.count
            if c.set_operator is None:
                present = z3.And(n == 1, single(kv.elements[0]))
            elif c.set_operator == FOR_ALL:
                present = z3.And(*[z3.Implies(i < n, single(e)) for i, e in enumerate(kv.elements)])
            else:
                present = z3.Or(*[z3.And(i < n, single(e)) for i, e in enumerate(kv.elements)])
        return z3.If(kv.present, present, absent)

    # ------------------------------------------------------------------ statements

    def applies(self, s: CompiledStatement, variables: bool, principal: Expr | None = None) -> Expr:
        """The statement applies to the symbolic request (its effect aside). Made once per statement, variables
        and Principal verdict: a resource-side question asks it again for each caller shape."""
        if id(s) not in self._live:
            return self.false()
        memo = (id(s), variables, None if principal is None else principal.get_id())
        hit = self._applied.get(memo)
        if hit is None:
            hit = self._applied[memo] = self._applies(s, variables, principal)
        return hit

    def _applies(self, s: CompiledStatement, variables: bool, principal: Expr | None) -> Expr:
        index = self._index[id(s)]
        parts = [self.action_is(lambda c: index in c.matches), self.resource_matches(s, variables)]
        if principal is not None:
            parts.append(principal)
        parts.extend(self.condition(c, variables) for c in s.condition_list)
        return z3.And(*parts)


def any_of(ctx: Any, formulas: Iterable[Expr]) -> Expr:
    items = [f for f in formulas if not z3.is_false(f)]
    return z3.Or(*items) if items else z3.BoolVal(False, ctx)
