"""The callers a resource policy can meet, as finitely many shapes with symbolic names.

A Principal / NotPrincipal element matches a caller through the identities it presents (its account, its user,
role or session, ``*``): for a caller whose account the policy never names, none of its names can be named either,
so every such caller matches exactly as one representative does. The shapes are therefore: the principals the
policy names, callers of each kind (root, user, role session, federated user) in each account it names and in one
fresh account, anonymous callers, a fresh AWS service and a fresh web identity provider. Their names (account id,
user and role names with paths, the service name) stay symbolic, so conditions on ``aws:PrincipalArn`` and the like
see every caller of the shape; the match itself is computed by the engine on the representative.

The keys AWS derives from the caller (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html)
are tied to the shape: derived ones equal the caller's values; the caller keys AWS does not set for that kind of
caller (an anonymous caller has no ``aws:PrincipalAccount``) are absent.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from parc.core.reasoning.smt import Expr

CALLER_KEYS = ("aws:principalaccount", "aws:principalarn", "aws:principaltype", "aws:principalisawsservice",
               "aws:principalservicename", "aws:username", "aws:userid")
"""Keys AWS sets from the caller: fixed by the shape where the engine derives them, absent where it does not
(aws:userid stays free for users and role sessions: AWS sets it to a unique id an ARN does not carry)."""

SESSION = "parc-session"


@dataclass
class Shape:
    """One caller shape: the request principal as a term, the derived keys, and how it matches each statement."""

    label: str
    kind: PrincipalKind
    principal: Expr
    """The request's principal as a string term (symbolic names inside)."""
    derived: dict[str, Expr]
    account: Expr | None
    representative: RequestPrincipal
    constraints: list[Expr] = field(default_factory=list)
    extra_context: dict[str, Expr] = field(default_factory=dict)
    """Context the replay must give (a role session's role ARN with its path)."""

    def matches(self, s: CompiledStatement) -> bool:
        return s.principal_match(self.representative) is not MatchKind.NONE


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


def shapes(ctx: Any, statements: Sequence[CompiledStatement], rx: Any, *, exclude_accounts: set[str],
           include_named_accounts: bool = True) -> list[Shape]:
    """Every caller shape; callers in ``exclude_accounts`` (the trusted ones, for ``public``) are left out."""
    accounts, keys = _named(statements)
    taken = accounts | exclude_accounts
    out: list[Shape] = []
    def s(text: str) -> Expr:
        return z3.StringVal(text, ctx)

    no_slash = z3.Intersect(rx.any_char, z3.Complement(z3.Union(z3.Re("/", ctx), z3.Re(":", ctx))))
    name_rx = z3.Plus(no_slash)
    path_rx = z3.Star(z3.Concat(name_rx, z3.Re("/", ctx)))
    digits = z3.Loop(z3.Range("0", "9", ctx), 12, 12)
    uid = [0]

    def fresh(prefix: str) -> Expr:
        uid[0] += 1
        return z3.String(f"p!{prefix}{uid[0]}", ctx)

    def account_shapes(acct_text: str | None) -> None:
        rep_acct = acct_text or _fresh_account(taken)
        if acct_text is None:
            acct = fresh("acct")
            cons = [z3.InRe(acct, digits), *[acct != s(a) for a in sorted(taken)]]
        else:
            acct, cons = s(acct_text), []
        named_users = {k[2] for k in keys if k[0] == "user" and k[1] == acct_text}
        named_roles = {k[2] for k in keys if k[0] == "role" and k[1] == acct_text}
        named_roles |= {k[2].rsplit("/", 1)[-1] for k in keys if k[0] == "role-path" and k[1] == acct_text}
        named_feds = {k[2] for k in keys if k[0] == "federated-user" and k[1] == acct_text}
        label = acct_text or "a fresh account"
        # The root user.
        root = z3.Concat(s("arn:aws:iam::"), acct, s(":root"))
        out.append(Shape(f"the root user of {label}", PrincipalKind.ROOT, root,
                         {"aws:principalaccount": acct, "aws:principalarn": root, "aws:principaltype": s("Account"),
                          "aws:principalisawsservice": s("false"), "aws:userid": acct}, acct,
                         parse_request_principal(f"arn:aws:iam::{rep_acct}:root"), list(cons)))
        # An IAM user (any path and name the policy does not name).
        path, name = fresh("upath"), fresh("uname")
        user = z3.Concat(s("arn:aws:iam::"), acct, s(":user/"), path, name)
        ucons = [*cons, z3.InRe(path, path_rx), z3.InRe(name, name_rx),
                 *[z3.Concat(path, name) != s(u) for u in sorted(named_users)]]
        out.append(Shape(f"an IAM user in {label}", PrincipalKind.USER, user,
                         {"aws:principalaccount": acct, "aws:principalarn": user, "aws:principaltype": s("User"),
                          "aws:principalisawsservice": s("false"), "aws:username": name}, acct,
                         parse_request_principal(f"arn:aws:iam::{rep_acct}:user/parc-probe-user"), ucons))
        # A session of an IAM role (any path and name the policy does not name).
        rpath, rname = fresh("rpath"), fresh("rname")
        role_arn = z3.Concat(s("arn:aws:iam::"), acct, s(":role/"), rpath, rname)
        session = z3.Concat(s("arn:aws:sts::"), acct, s(":assumed-role/"), rname, s("/" + SESSION))
        rcons = [*cons, z3.InRe(rpath, path_rx), z3.InRe(rname, name_rx),
                 *[rname != s(r) for r in sorted(named_roles)]]
        rep = with_role_arn(parse_request_principal(
            f"arn:aws:sts::{rep_acct}:assumed-role/parc-probe-role/{SESSION}"),
            f"arn:aws:iam::{rep_acct}:role/parc-probe-role")
        out.append(Shape(f"an IAM role session in {label}", PrincipalKind.ASSUMED_ROLE, session,
                         {"aws:principalaccount": acct, "aws:principalarn": role_arn,
                          "aws:principaltype": s("AssumedRole"), "aws:principalisawsservice": s("false")}, acct,
                         rep, rcons, {"aws:principalarn": role_arn}))
        # A federated user (GetFederationToken).
        fname = fresh("fname")
        fed = z3.Concat(s("arn:aws:sts::"), acct, s(":federated-user/"), fname)
        out.append(Shape(f"a federated user in {label}", PrincipalKind.FEDERATED_USER, fed,
                         {"aws:principalaccount": acct, "aws:principalarn": fed,
                          "aws:principaltype": s("FederatedUser"), "aws:principalisawsservice": s("false"),
                          "aws:userid": z3.Concat(acct, s(":"), fname)}, acct,
                         parse_request_principal(f"arn:aws:sts::{rep_acct}:federated-user/parc-probe"),
                         [*cons, z3.InRe(fname, name_rx), *[fname != s(f) for f in sorted(named_feds)]]))

    account_shapes(None)
    if include_named_accounts:
        for a in sorted(accounts - exclude_accounts):
            account_shapes(a)
    # The principals the policy names, as themselves.
    for k in keys:
        if k[0] != "account" and k[1] in exclude_accounts:
            continue
        fixed = _fixed(k)
        if fixed is not None:
            out.append(_fixed_shape(ctx, fixed))
    out.append(_fixed_shape(ctx, "*", "an anonymous caller"))
    service = fresh("svc")
    named_services = sorted({k[1] for k in keys if k[0] == "service"})
    svc_rx = z3.Concat(z3.Plus(z3.Union(z3.Range("a", "z", ctx), z3.Range("0", "9", ctx), z3.Re("-", ctx))),
                       z3.Re(".amazonaws.com", ctx))
    out.append(Shape("an AWS service", PrincipalKind.SERVICE, service,
                     {"aws:principalisawsservice": s("true"), "aws:principalservicename": service}, None,
                     parse_request_principal("parc-probe.amazonaws.com"),
                     [z3.InRe(service, svc_rx), *[service != s(n) for n in named_services]]))
    out.append(_fixed_shape(ctx, "parc-probe.example.com", "a web identity provider's user"))
    return out


def _fixed(k: tuple[str, ...]) -> str | None:
    if k[0] == "user":
        return f"arn:aws:iam::{k[1]}:user/{k[2]}"
    if k[0] == "role-path":
        return f"role:arn:aws:iam::{k[1]}:role/{k[2]}"
    if k[0] == "session":
        return f"arn:aws:sts::{k[1]}:assumed-role/{k[2]}/{k[3]}"
    if k[0] == "federated-user":
        return f"arn:aws:sts::{k[1]}:federated-user/{k[2]}"
    if k[0] in ("service", "federated"):
        return k[1]
    return None


def _fixed_shape(ctx: Any, given: str, label: str | None = None) -> Shape:
    extra: dict[str, Expr] = {}
    raw = given
    if given.startswith("role:"):
        role_arn = given[5:]
        owner, rest = role_arn.split(":")[4], role_arn.split(":", 5)[5]
        raw = f"arn:aws:sts::{owner}:assumed-role/{rest.rsplit('/', 1)[1]}/{SESSION}"
        p = with_role_arn(parse_request_principal(raw), role_arn)
        extra["aws:principalarn"] = z3.StringVal(role_arn, ctx)
    else:
        p = parse_request_principal(raw)
    from parc.core.authz.request import principal_context

    derived = {k: z3.StringVal(v, ctx) for k, v in principal_context(p, None).items() if isinstance(v, str)}
    derived.update(extra)
    account: Expr = z3.StringVal(p.account, ctx) if p.account else None
    return Shape(label or raw, p.kind, z3.StringVal(raw, ctx), derived, account, p, [], extra)

