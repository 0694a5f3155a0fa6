"""The callers a resource policy can meet, as finitely many shapes with symbolic names.

A Principal / NotPrincipal element matches a caller through the identities it presents (its account, its user,
role or session, ``*``): for a caller whose account the policy never names, none of its names can be named either,
so every such caller matches exactly as one representative does. The shapes are therefore: the principals the
policy names, callers of each kind (root, user, role session, federated user) in each account it names and in one
fresh account, anonymous callers, a fresh AWS service and a fresh web identity provider. Their names (account id,
user and role names with paths, the service name) stay symbolic, so conditions on ``aws:PrincipalArn`` and the like
see every caller of the shape; the match itself is computed by the engine on the representative.

The keys AWS derives from the caller (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
are tied to the shape: derived ones hold the caller's values; the caller keys AWS does not set for that kind of
caller (an anonymous caller has no ``aws:PrincipalAccount``) are absent. A derived value is a template over the
shape's symbolic parts (account, path, name): when the policy reads one such key, the key is constrained by one
regular expression (what string solvers decide best); only when it reads several that share a part are the parts
variables of their own, tied to the keys by concatenation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement
from parc.core.authz.principal import (
    ANY,
    MatchKind,
    PrincipalKind,
    RequestPrincipal,
    parse_request_principal,
    with_role_arn,
)
from parc.core.authz.request import principal_context
from parc.core.reasoning.smt import Expr, sval

CALLER_KEYS = ("aws:principalaccount", "aws:principalarn", "aws:principaltype", "aws:principalisawsservice",
               "aws:principalservicename", "aws:username", "aws:userid")
"""Keys AWS sets from the caller: fixed by the shape where the engine derives them, absent where it does not
(aws:userid stays free for users and role sessions: AWS sets it to a unique id an ARN does not carry)."""

SESSION = "parc-session"
Template = tuple[str, ...]
"""Literal text and part names (``{acct}``, ``{path}``, ``{name}``), concatenated."""


@dataclass
class Part:
    regex: Callable[[Any], Expr]
    """The part's values as a z3 regex (built over the question's context)."""
    pyregex: str
    """The same set as a Python regex, to read the part back from a rendered value."""
    default: str


@dataclass
class Shape:
    label: str
    kind: PrincipalKind
    representative: RequestPrincipal
    derived: dict[str, Template]
    """Caller keys and their values (templates); the other caller keys are absent (aws:userid: see CALLER_KEYS)."""
    principal: Template
    parts: dict[str, Part] = field(default_factory=dict)
    extra_context: tuple[str, ...] = ()
    """Derived keys the replay must give in the context (a role session's role ARN with its path)."""
    account: str | None = None
    """The account when it is fixed."""
    avoid: tuple[str, ...] = ()
    """Caller ARNs the shape must not take (the users the policy names, whose matches differ)."""

    def matches(self, s: CompiledStatement) -> bool:
        return s.principal_match(self.representative) is not MatchKind.NONE

    def bind(self, ctx: Any, rx: Any, reads: Mapping[str, Expr]) -> tuple[list[Expr], dict[str, Expr]]:
        """Constraints tying the read keys (``reads``: key -> its string term) to the shape, and the terms the
        parts are read back from."""
        out: list[Expr] = []
        uses: dict[str, int] = {}
        for key in reads:
            for item in self.derived.get(key, ()):
                if item in self.parts:
                    uses[item] = uses.get(item, 0) + 1
        shared = {p for p, n in uses.items() if n > 1}
        # A key whose template holds a shared part is stated as an equality with the concatenated parts (a regex
        # built from a variable is what string solvers decide worst), so all its parts become variables.
        changed = True
        while changed:
            changed = False
            for key in reads:
                key_tpl = self.derived.get(key, ())
                if any(i in shared for i in key_tpl):
                    new = {i for i in key_tpl if i in self.parts} - shared
                    if new:
                        shared |= new
                        changed = True
        part_vars = {p: z3.String(f"part!{self.label}!{p}", ctx) for p in sorted(shared)}
        for p, var in part_vars.items():
            out.append(z3.InRe(var, self.parts[p].regex(ctx)))
        for key, term in reads.items():
            tpl = self.derived.get(key)
            if tpl is None:
                continue
            if any(item in part_vars for item in tpl):
                pieces = [part_vars[i] if i in part_vars else sval(i, ctx) for i in tpl
                          if i not in self.parts or i in part_vars]
                # parts not shared by another key stay regexes around the equality
                if all(i not in self.parts or i in part_vars for i in tpl):
                    out.append(term == (pieces[0] if len(pieces) == 1 else z3.Concat(*pieces)))
                    continue
                out.append(z3.InRe(term, z3.Concat(*[z3.Re(part_vars[i]) if i in part_vars else
                                                      self.parts[i].regex(ctx) if i in self.parts else
                                                      z3.Re(sval(i, ctx)) for i in tpl])))
                continue
            out.append(z3.InRe(term, self._regex(ctx, tpl)))
        arn = reads.get("aws:principalarn")
        if self.avoid and arn is not None:
            out.extend(arn != sval(a, ctx) for a in self.avoid)
        return out, part_vars

    def _regex(self, ctx: Any, tpl: Template) -> Expr:
        items = [self.parts[i].regex(ctx) if i in self.parts else z3.Re(sval(i, ctx)) for i in tpl]
        return items[0] if len(items) == 1 else z3.Concat(*items)

    def read_parts(self, values: Mapping[str, str], part_values: Mapping[str, str]) -> dict[str, str]:
        """The parts' values: from the part variables, else read back from the rendered keys, else defaults."""
        got = dict(part_values)
        for key, value in values.items():
            tpl = self.derived.get(key)
            if tpl is None or not any(i in self.parts for i in tpl):
                continue
            pattern = "".join(f"(?P<{i[1:-1]}>{self.parts[i].pyregex})" if i in self.parts else re.escape(i)
                              for i in tpl)
            m = re.fullmatch(pattern, value, re.DOTALL)
            if m:
                for name, v in m.groupdict().items():
                    got.setdefault("{" + name + "}", v)
        for p, part in self.parts.items():
            got.setdefault(p, part.default)
        if self.render(self.principal, got) in self.avoid and "{path}" not in part_values:
            got["{path}"] = "parc-probe/" + got["{path}"]
        return got

    def render(self, tpl: Template, parts: Mapping[str, str]) -> str:
        return "".join(parts.get(i, i) if i in self.parts else i for i in tpl)


def _named(statements: Sequence[CompiledStatement]) -> tuple[set[str], list[tuple[str, ...]]]:
    accounts: set[str] = set()
    keys: list[tuple[str, ...]] = []
    for s in statements:
        for group in (s.principal_keys, s.not_principal_keys):
            for k in group or ():
                if k == ANY:
                    continue
                keys.append(k)
                if k[0] in ("account", "user", "role", "role-path", "session", "federated-user"):
                    accounts.add(k[1])
    return accounts, keys


def _fresh_account(taken: set[str]) -> str:
    n = 100000000000
    while str(n) in taken:
        n += 1
    return str(n)


def _fresh_name(base: str, taken: set[str]) -> str:
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def _not_slash(ctx: Any) -> Expr:
    return z3.Intersect(z3.AllChar(z3.ReSort(z3.StringSort(ctx))),
                        z3.Complement(z3.Union(z3.Re("/", ctx), z3.Re(":", ctx))))


def _name_part(taken: set[str], default: str) -> Part:
    def regex(ctx: Any) -> Expr:
        rx = z3.Plus(_not_slash(ctx))
        if taken:
            rx = z3.Intersect(rx, z3.Complement(z3.Union(*[z3.Re(sval(t, ctx)) for t in sorted(taken)])))
        return rx

    return Part(regex, "[^/:]+", _fresh_name(default, taken))


def _path_part() -> Part:
    return Part(lambda ctx: z3.Star(z3.Concat(z3.Plus(_not_slash(ctx)), z3.Re("/", ctx))), "(?:[^/:]+/)*", "")


def _account_part(taken: set[str]) -> Part:
    def regex(ctx: Any) -> Expr:
        digits = z3.Loop(z3.Range("0", "9", ctx), 12, 12)
        if not taken:
            return digits
        return z3.Intersect(digits, z3.Complement(z3.Union(*[z3.Re(sval(t, ctx)) for t in sorted(taken)])))

    return Part(regex, "[0-9]{12}", _fresh_account(taken))


def shapes(statements: Sequence[CompiledStatement], *, exclude_accounts: set[str]) -> list[Shape]:
    """Every caller shape; callers in ``exclude_accounts`` (the trusted ones, for ``public``) are left out."""
    accounts, keys = _named(statements)
    taken = accounts | exclude_accounts
    out: list[Shape] = []
    # Named principals and fixed shapes first: their queries hold constants only and are the cheapest.
    for k in keys:
        if k[0] != "account" and k[1] in exclude_accounts:
            continue
        for raw in _fixed(k, keys):
            out.append(_fixed_shape(raw))
    out.append(_fixed_shape("*", "an anonymous caller"))
    out.append(_fixed_shape("parc-probe.example.com", "a web identity provider's user"))
    for acct in sorted(accounts - exclude_accounts):
        out.extend(_account_shapes(acct, keys, taken))
    out.extend(_account_shapes(None, keys, taken))
    named_services = {k[1] for k in keys if k[0] == "service"}

    def service_regex(ctx: Any) -> Expr:
        rx = z3.Concat(z3.Plus(z3.Union(z3.Range("a", "z", ctx), z3.Range("0", "9", ctx), z3.Re("-", ctx))),
                       z3.Re(".amazonaws.com", ctx))
        if named_services:
            rx = z3.Intersect(rx, z3.Complement(z3.Union(*[z3.Re(sval(n, ctx))
                                                          for n in sorted(named_services)])))
        return rx

    svc = Part(service_regex, "[a-z0-9-]+\\.amazonaws\\.com",
               _fresh_name("parc-probe", {n.removesuffix(".amazonaws.com") for n in named_services})
               + ".amazonaws.com")
    out.append(Shape("an AWS service", PrincipalKind.SERVICE, parse_request_principal("parc-probe.amazonaws.com"),
                     {"aws:principalisawsservice": ("true",), "aws:principalservicename": ("{svc}",)},
                     ("{svc}",), {"{svc}": svc}))
    return out


def _account_shapes(acct: str | None, keys: list[tuple[str, ...]], taken: set[str]) -> list[Shape]:
    """Callers of each kind in ``acct`` (None: an account the policy does not name), other than those it names."""
    rep_acct = acct or _fresh_account(taken)
    label = acct or "another account"
    parts: dict[str, Part] = {}
    if acct is None:
        parts["{acct}"] = _account_part(taken)
        a: str = "{acct}"
    else:
        a = acct
    users = {k[2] for k in keys if k[0] == "user" and k[1] == acct}
    roles = {k[2] for k in keys if k[0] == "role" and k[1] == acct}
    roles |= {k[2].rsplit("/", 1)[-1] for k in keys if k[0] == "role-path" and k[1] == acct}
    feds = {k[2] for k in keys if k[0] == "federated-user" and k[1] == acct}
    out: list[Shape] = []
    root = ("arn:aws:iam::", a, ":root")
    out.append(Shape(f"the root user of {label}", PrincipalKind.ROOT,
                     parse_request_principal(f"arn:aws:iam::{rep_acct}:root"),
                     {"aws:principalaccount": (a,), "aws:principalarn": root, "aws:principaltype": ("Account",),
                      "aws:principalisawsservice": ("false",), "aws:userid": (a,)}, root, dict(parts), (), acct))
    # Users: names other than the named users' names (so path + name is never a named user).
    user = ("arn:aws:iam::", a, ":user/", "{path}", "{name}")
    out.append(Shape(f"an IAM user in {label}", PrincipalKind.USER,
                     parse_request_principal(f"arn:aws:iam::{rep_acct}:user/parc-probe-user"),
                     {"aws:principalaccount": (a,), "aws:principalarn": user, "aws:principaltype": ("User",),
                      "aws:principalisawsservice": ("false",), "aws:username": ("{name}",)}, user,
                     {**parts, "{path}": _path_part(), "{name}": _name_part(set(), "parc-probe-user")}, (), acct,
                     tuple(f"arn:aws:iam::{acct}:user/{u}" for u in sorted(users)) if acct else ()))
    role = ("arn:aws:iam::", a, ":role/", "{path}", "{name}")
    rep = with_role_arn(parse_request_principal(f"arn:aws:sts::{rep_acct}:assumed-role/parc-probe-role/{SESSION}"),
                        f"arn:aws:iam::{rep_acct}:role/parc-probe-role")
    out.append(Shape(f"an IAM role session in {label}", PrincipalKind.ASSUMED_ROLE, rep,
                     {"aws:principalaccount": (a,), "aws:principalarn": role, "aws:principaltype": ("AssumedRole",),
                      "aws:principalisawsservice": ("false",)},
                     ("arn:aws:sts::", a, ":assumed-role/", "{name}", "/" + SESSION),
                     {**parts, "{path}": _path_part(), "{name}": _name_part(roles, "parc-probe-role")},
                     ("aws:principalarn",), acct))
    fed = ("arn:aws:sts::", a, ":federated-user/", "{name}")
    out.append(Shape(f"a federated user in {label}", PrincipalKind.FEDERATED_USER,
                     parse_request_principal(f"arn:aws:sts::{rep_acct}:federated-user/parc-probe"),
                     {"aws:principalaccount": (a,), "aws:principalarn": fed, "aws:principaltype": ("FederatedUser",),
                      "aws:principalisawsservice": ("false",), "aws:userid": (a, ":", "{name}")}, fed,
                     {**parts, "{name}": _name_part(feds, "parc-probe")}, (), acct))
    return out


def _fixed(k: tuple[str, ...], keys: list[tuple[str, ...]]) -> list[str]:
    if k[0] == "user":
        return [f"arn:aws:iam::{k[1]}:user/{k[2]}"]
    if k[0] == "role-path":
        return [f"role:arn:aws:iam::{k[1]}:role/{k[2]}"]
    if k[0] == "session":
        # A named session of a role the policy also names with its path: the session as that role's.
        paths = [p[2] for p in keys if p[0] == "role-path" and p[1] == k[1] and p[2].rsplit("/", 1)[-1] == k[2]]
        return [f"arn:aws:sts::{k[1]}:assumed-role/{k[2]}/{k[3]}",
                *[f"session:arn:aws:iam::{k[1]}:role/{p}|{k[3]}" for p in paths]]
    if k[0] == "federated-user":
        return [f"arn:aws:sts::{k[1]}:federated-user/{k[2]}"]
    if k[0] in ("service", "federated"):
        return [k[1]]
    return []


def _fixed_shape(given: str, label: str | None = None) -> Shape:
    extra: tuple[str, ...] = ()
    raw = given
    if given.startswith(("role:", "session:")):
        role_arn, _, session = given.split(":", 1)[1].partition("|")
        owner, rest = role_arn.split(":")[4], role_arn.split(":", 5)[5]
        raw = f"arn:aws:sts::{owner}:assumed-role/{rest.rsplit('/', 1)[1]}/{session or SESSION}"
        p = with_role_arn(parse_request_principal(raw), role_arn)
        extra = ("aws:principalarn",)
        derived: dict[str, Template] = {k: (v,) for k, v in principal_context(p, None).items() if isinstance(v, str)}
        derived["aws:principalarn"] = (role_arn,)
    else:
        p = parse_request_principal(raw)
        derived = {k: (v,) for k, v in principal_context(p, None).items() if isinstance(v, str)}
    return Shape(label or raw, p.kind, p, derived, (raw,), {}, extra, p.account)
