"""Requests guessed from a statement, checked without a solver: a shortcut to a FAIL's counterexample.

Most statements a diff or a ``never`` question asks about name their actions and resources plainly and grant
without a condition the question cannot leave unset. A request built from the statement itself (one of its action
classes, its resource pattern with the wildcards filled in, every condition key absent but those AWS always sets
for a role session) is then a counterexample, and finding it needs no solver query (a median query costs a few
milliseconds, the guess a fraction of one). The same holds for a resource policy's ``Principal: "*"`` statements
asked by ``public`` (``resource_guesses``: the caller keys hold the caller shape's own values).

Exact: every variable of the question gets a value, and the guess counts only when the whole question (domain,
constraints and the statement's formula) evaluates to true under them; a variable left without a value leaves the
formula symbolic, which is not true, so the guess is dropped and the solvers are asked as before. The request is
then replayed through the engine like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement
from parc.core.reasoning.keys import DATE, IP, NUM, STR, KeyVar
from parc.core.reasoning.principals import CALLER_KEYS
from parc.core.reasoning.question import ALWAYS_SET, HOME, IDENTITY_DERIVED, _Question
from parc.core.reasoning.smt import sval

_CLASSES = 3
"""Action classes tried per statement."""
_RESOURCES = 3
"""Resource patterns tried per statement."""
_SEGMENT_FILL = {1: "aws", 3: "us-east-1", 4: HOME}
"""What a whole-segment ``*`` of an ARN pattern becomes (partition, region, account); any other ``*`` is ``x``."""
_ROLE_SESSION = {
    "aws:resourceaccount": HOME, "aws:principalaccount": HOME,
    "aws:principalarn": f"arn:aws:iam::{HOME}:role/parc-guess", "aws:principaltype": "AssumedRole",
    "aws:principalisawsservice": "false", "aws:currenttime": "2024-01-01T00:00:00Z", "aws:epochtime": "1704067200",
}
"""Values of the keys an IAM role session always has (``IDENTITY_DERIVED``), as text."""
_EPOCH = 1704067200
_LONE_VARIABLE = re.compile(r"\$\{([A-Za-z0-9:/._-]+)\}")
"""A condition value that is one policy variable and nothing else (no default)."""


Raw = tuple[Any, Any]
"""A variable's declaration (z3's pointer; the variable keeps it alive) and its value (an expression)."""


def _raw(pairs: list[tuple[Any, Any]]) -> list[Raw]:
    return [(var.decl().ast, value) for var, value in pairs]


class Ground:
    """A request given as a value for every variable of the question (it stands in for a solver's model where
    counterexamples are read). Formulas are evaluated by z3's model evaluator on a model holding exactly these
    values, never completed: a variable left without a value stays symbolic, so a formula that reads it is not
    true. (``z3.substitute`` did the same, but checks every pair's sorts in Python on each call: on a policy of 160
    statements, seconds per check.)"""

    def __init__(self, ctx: Any, pairs: list[Raw]) -> None:
        self.pairs = pairs
        self.model = z3.Model(ctx)
        ref, model = ctx.ref(), self.model.model
        for decl, value in pairs:  # what ``ModelRef.update_value`` does, without its checks in Python
            z3.Z3_add_const_interp(ref, model, decl, value.ast)

    def eval(self, e: Any, model_completion: bool = False) -> Any:
        return self.model.eval(e, model_completion=False)


def _fill(pattern: str, account: str = HOME) -> str | None:
    """A resource the ARN pattern matches, or None for a pattern with policy variables; a whole-segment ``*`` in
    the account's place becomes ``account``."""
    if "${" in pattern:
        return None
    if pattern == "*":
        return "*"
    parts = pattern.split(":", 5)
    out = []
    for i, seg in enumerate(parts):
        fill = account if i == 4 else _SEGMENT_FILL.get(i, "x")
        out.append(fill if seg == "*" and len(parts) == 6 else seg.replace("*", "x").replace("?", "x"))
    return ":".join(out)


def _key_pairs(kv: KeyVar, value: str | None) -> list[Raw] | None:
    """The key's variables given ``value`` (None: absent); None when the key's sort is not one guessed here."""
    ctx = kv.present.ctx
    pairs: list[tuple[Any, Any]] = []
    if kv.multi:
        assert kv.count is not None
        pairs.append((kv.count, z3.IntVal(0 if value is None else 1, ctx)))
    else:
        pairs.append((kv.present, z3.BoolVal(value is not None, ctx)))
    for i, e in enumerate(kv.elements):
        text = value if (value is not None and i == 0) else ""
        if kv.sort == STR:
            pairs.append((e.s, sval(text, ctx)))
        elif kv.sort in (NUM, DATE):
            if kv.sort == DATE and text:
                number = _EPOCH
            elif text.isdigit():
                number = int(text)
            else:
                return None
            pairs += [(e.ok, z3.BoolVal(bool(text), ctx)), (e.n, z3.IntVal(number * kv.scale, ctx))]
        elif kv.sort == IP:
            if text:
                return None
            pairs += [(e.ipv, z3.IntVal(0, ctx)), (e.v4, z3.BitVecVal(0, 32, ctx)), (e.v6, z3.BitVecVal(0, 128, ctx))]
    return _raw(pairs)


def _condition_values(s: CompiledStatement) -> dict[str, str]:
    """A value per key the statement's plain text conditions read (String and Arn operators, not negated): the
    first policy value with its wildcards filled in; Null "false" asks for any value."""
    out: dict[str, str] = {}
    for c in s.condition_list:
        if c.null:
            if c.values and all(v.lower() == "false" for v in c.values):
                out.setdefault(c.key_lower, "x")
            continue
        if c.negated or c.family not in ("String", "Arn") or not c.values:
            continue
        first = c.values[0]
        var = _LONE_VARIABLE.fullmatch(first)
        if var is not None:  # "${aws:PrincipalTag/team}": the key and the variable's key the same value
            out.setdefault(c.key_lower, "x")
            out.setdefault(var.group(1).lower(), out[c.key_lower])
            continue
        if "${" in first:
            continue
        out[c.key_lower] = first.replace("*", "x").replace("?", "x")
    return out


def identity_guesses(q: _Question, s: CompiledStatement) -> Iterator[Ground]:
    """Requests for an identity question (no caller shape) built from ``s``: its first action classes times its
    first resource patterns, condition keys absent but for a role session's own; then with the keys the
    statement's conditions read set to a value they name."""
    if q.part_vars or q.shape is not None:
        return

    def session(wanted: dict[str, str]) -> KeyValue:
        def value(name: str, account: str) -> str | None:
            if name == "aws:resourceaccount" and account.isdigit() and len(account) == 12:
                return account
            return _ROLE_SESSION.get(name) if name in IDENTITY_DERIVED else wanted.get(name)
        return value

    yield from _guesses(q, s, session({}), HOME)
    wanted = _condition_values(s)
    if wanted:
        yield from _guesses(q, s, session(wanted), HOME)


def resource_guesses(home: str, trusted: set[str]) -> Callable[[_Question, CompiledStatement], Iterator[Ground]]:
    """Requests for a resource-side question (``public``) built from ``s`` for the caller shape the question is
    bound to: the keys AWS derives from the caller hold the shape's values with its parts' defaults (the part
    variables too), the caller keys the shape leaves unset are absent, the resource is in ``home`` (a whole-segment
    ``*`` account), aws:ResourceAccount is the resource's; then as ``identity_guesses`` does. Most of a public
    check's statements (``Principal: "*"`` without a limiting condition) are so shown without a query."""

    def guesses(q: _Question, s: CompiledStatement) -> Iterator[Ground]:
        shape = q.shape
        if shape is None:
            return
        defaults = {p: part.default for p, part in shape.parts.items()}
        caller = {k: shape.render(tpl, defaults) for k, tpl in shape.derived.items()}
        ctx = q.enc.ctx
        parts = [(v, sval(defaults[p], ctx)) for p, v in q.part_vars.items()]

        def resource_side(wanted: dict[str, str]) -> KeyValue:
            def value(name: str, account: str) -> str | None:
                if name in CALLER_KEYS:
                    return caller.get(name)
                if name == "aws:resourceaccount":
                    return account if account in trusted else home
                if name in _ROLE_SESSION and name in ALWAYS_SET:
                    return _ROLE_SESSION[name]
                return wanted.get(name)
            return value

        yield from _guesses(q, s, resource_side({}), home, parts)
        wanted = _condition_values(s)
        if wanted:
            yield from _guesses(q, s, resource_side(wanted), home, parts)

    return guesses


KeyValue = Callable[[str, str], "str | None"]
"""A guess's value of a condition key (None: absent), given the key's name and the resource's account segment."""


def _guesses(q: _Question, s: CompiledStatement, value_of: KeyValue, account_fill: str,
             extra: list[tuple[Any, Any]] | None = None) -> Iterator[Ground]:
    """The guesses, built from pieces cached on the question (``q.memo``): a large policy's statements are
    guessed for each caller shape, and most pieces (each key absent, or holding one value) are the same."""
    enc = q.enc
    memo = q.memo
    index = enc.index_of(s)
    classes = [k for k, c in enumerate(enc.classes) if index in c.matches][:_CLASSES]
    patterns = ["*"] if s.resources is None or s.not_resource else [m.pattern for m in s.resources][:_RESOURCES]
    ctx = enc.ctx
    base = _raw(extra or [])
    for pattern in patterns:
        resource = _fill(pattern, account_fill)
        if resource is None:
            continue
        pairs = memo.get(("resource", resource))
        if pairs is None:
            plain: list[tuple[Any, Any]] = [(enc.res, sval(resource, ctx))]
            if enc._segments is not None:
                segs = [""] * 6 if resource == "*" else resource.split(":", 5)
                if len(segs) == 6:
                    plain += [(v, sval(t, ctx)) for v, t in zip(enc._segments, segs, strict=True)]
                else:
                    plain = []
            pairs = memo[("resource", resource)] = _raw(plain)
        if not pairs:
            continue
        account = resource.split(":")[4] if resource != "*" and len(resource.split(":")) > 4 else ""
        pairs = pairs + base
        ok = True
        for name, kv in enc.keys.items():
            value = value_of(name, account)
            got = memo.get(("key", name, value), ())
            if got == ():
                got = memo[("key", name, value)] = _key_pairs(kv, value)
            if got is None:
                ok = False
                break
            pairs += got
        if not ok:
            continue
        for k in classes:
            act = memo.get(("action", k))
            if act is None:
                act = memo[("action", k)] = _raw([(enc.act, z3.IntVal(k, ctx))])
            yield Ground(ctx, [*act, *pairs])
