"""Requests guessed from a statement, checked without a solver: a shortcut to a FAIL's counterexample.

Most statements a diff or a ``never`` question asks about name their actions and resources plainly and grant
without a condition the question cannot leave unset. A request built from the statement itself (one of its action
classes, its resource pattern with the wildcards filled in, every condition key absent but those AWS always sets
for a role session) is then a counterexample, and finding it needs no solver query (a median query costs a few
milliseconds, the guess a fraction of one).

Exact: every variable of the question gets a value, and the guess counts only when the whole question (domain,
constraints and the statement's formula) simplifies to true under them; a variable left without a value leaves the
formula symbolic, which is not true, so the guess is dropped and the solvers are asked as before. The request is
then replayed through the engine like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import z3

from parc.core.authz.compile import CompiledStatement
from parc.core.reasoning.keys import DATE, IP, NUM, STR, KeyVar
from parc.core.reasoning.question import HOME, IDENTITY_DERIVED, _Question
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


class Ground:
    """A request given as a value for every variable of the question: formulas are evaluated by substitution (it
    stands in for a solver's model where counterexamples are read)."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs

    def eval(self, e: Any, model_completion: bool = False) -> Any:
        return z3.simplify(z3.substitute(e, *self.pairs))


def _fill(pattern: str) -> str | None:
    """A resource the ARN pattern matches, or None for a pattern with policy variables."""
    if "${" in pattern:
        return None
    if pattern == "*":
        return "*"
    parts = pattern.split(":", 5)
    out = []
    for i, seg in enumerate(parts):
        out.append(_SEGMENT_FILL.get(i, "x") if seg == "*" and len(parts) == 6 else
                   seg.replace("*", "x").replace("?", "x"))
    return ":".join(out)


def _key_pairs(kv: KeyVar, value: str | None) -> list[tuple[Any, Any]] | None:
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
    return pairs


def _condition_values(s: CompiledStatement) -> dict[str, str]:
    """A value per key the statement's plain text conditions read (String and Arn operators, not negated): the
    first policy value with its wildcards filled in; Null "false" asks for any value."""
    out: dict[str, str] = {}
    for c in s.condition_list:
        if c.null:
            if c.values and all(v.lower() == "false" for v in c.values):
                out.setdefault(c.key_lower, "x")
            continue
        if c.negated or c.family not in ("String", "Arn") or not c.values or "${" in c.values[0]:
            continue
        out[c.key_lower] = c.values[0].replace("*", "x").replace("?", "x")
    return out


def identity_guesses(q: _Question, s: CompiledStatement) -> Iterator[Ground]:
    """Requests for an identity question (no caller shape) built from ``s``: its first action classes times its
    first resource patterns, condition keys absent but for a role session's own; then with the keys the
    statement's conditions read set to a value they name."""
    if q.part_vars or q.shape is not None:
        return
    yield from _guesses(q, s, {})
    wanted = _condition_values(s)
    if wanted:
        yield from _guesses(q, s, wanted)


def _guesses(q: _Question, s: CompiledStatement, wanted: dict[str, str]) -> Iterator[Ground]:
    enc = q.enc
    index = enc.index_of(s)
    classes = [k for k, c in enumerate(enc.classes) if index in c.matches][:_CLASSES]
    patterns = ["*"] if s.resources is None or s.not_resource else [m.pattern for m in s.resources][:_RESOURCES]
    ctx = enc.ctx
    for pattern in patterns:
        resource = _fill(pattern)
        if resource is None:
            continue
        pairs: list[tuple[Any, Any]] = [(enc.res, sval(resource, ctx))]
        if enc._segments is not None:
            segs = [""] * 6 if resource == "*" else resource.split(":", 5)
            if len(segs) != 6:
                continue
            pairs += [(v, sval(t, ctx)) for v, t in zip(enc._segments, segs, strict=True)]
        account = resource.split(":")[4] if resource != "*" and len(resource.split(":")) > 4 else ""
        ok = True
        for name, kv in enc.keys.items():
            value = _ROLE_SESSION.get(name) if name in IDENTITY_DERIVED else wanted.get(name)
            if name == "aws:resourceaccount" and account.isdigit() and len(account) == 12:
                value = account
            got = _key_pairs(kv, value)
            if got is None:
                ok = False
                break
            pairs += got
        if not ok:
            continue
        for k in classes:
            yield Ground([(enc.act, z3.IntVal(k, ctx)), *pairs])
