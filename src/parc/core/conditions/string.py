"""String operators: StringEquals, StringEqualsIgnoreCase, StringLike and their negations.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
StringEquals and StringLike are case-sensitive; only StringLike has wildcards (``*``, ``?``). Policy variables are
allowed; ``${*}`` and ``${?}`` give a literal ``*`` and ``?`` in StringLike; a variable with no value is null, which
StringEquals/StringLike never match and StringNotEquals/StringNotLike always do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parc.core.conditions.base import Comparer, OperatorSpec, Resolved, rendered_values, templates
from parc.core.context import Context
from parc.core.match import Glob, Matcher, atoms_of

KIND = "text"


def build_equals(values: Sequence[str], variables: bool) -> Comparer:
    tpls = templates(values, variables)
    if not any(t.has_variables for t in tpls):
        static = frozenset(t.render({}) or "" for t in tpls)
        return Comparer(KIND, static=Resolved(static.__contains__, True))

    if len(tpls) == 1:
        only = tpls[0]

        def resolve_one(ctx: Context) -> Resolved:
            r = only.render(ctx)
            return Resolved(_never, True, (), (only.text,)) if r is None else Resolved(r.__eq__, True)

        return Comparer(KIND, resolve=resolve_one)

    def resolve(ctx: Context) -> Resolved:
        good, unresolved = rendered_values(tpls, ctx)
        return Resolved(frozenset(good).__contains__, True, (), unresolved)

    return Comparer(KIND, resolve=resolve)


def _never(_: str) -> bool:
    return False


def build_equals_ignore_case(values: Sequence[str], variables: bool) -> Comparer:
    tpls = templates(values, variables)
    if not any(t.has_variables for t in tpls):
        static = frozenset((t.render({}) or "").lower() for t in tpls)
        return Comparer(KIND, static=Resolved(lambda r: r.lower() in static, True))

    def resolve(ctx: Context) -> Resolved:
        good, unresolved = rendered_values(tpls, ctx)
        lowered = frozenset(g.lower() for g in good)
        return Resolved(lambda r: r.lower() in lowered, True, (), unresolved)

    return Comparer(KIND, resolve=resolve)


def any_of(matchers: Sequence[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    ms = tuple(matchers)
    return lambda r: any(m(r) for m in ms)


def build_like(values: Sequence[str], variables: bool) -> Comparer:
    tpls = templates(values, variables)
    globs = [Glob(atoms_of(t)) for t in tpls]
    if not any(g.has_variables for g in globs):
        statics = [g.static for g in globs if g.static is not None]
        sources = [g.regex_source for g in globs]
        if len(globs) > 1 and all(s is not None for s in sources):
            rx = re.compile("|".join(f"(?:{s})" for s in sources), re.DOTALL)
            return Comparer(KIND, static=Resolved(lambda r: rx.fullmatch(r) is not None, True))
        if not statics:
            return Comparer(KIND, static=Resolved(_never, True))
        return Comparer(KIND, static=Resolved(any_of(statics), True))

    if len(globs) == 1:
        glob, text = globs[0], tpls[0].text

        def resolve_one(ctx: Context) -> Resolved:
            m = glob.bind(ctx)
            return Resolved(_never, True, (), (text,)) if m is None else Resolved(m, True)

        return Comparer(KIND, resolve=resolve_one)

    def resolve(ctx: Context) -> Resolved:
        matchers: list[Matcher] = []
        bad: list[str] = []
        for g, t in zip(globs, tpls, strict=True):
            m = g.bind(ctx)
            if m is None:
                bad.append(t.text)
            else:
                matchers.append(m)
        return Resolved(any_of(matchers) if matchers else _never, True, (), tuple(bad))

    return Comparer(KIND, resolve=resolve)


OPERATORS = (
    OperatorSpec("StringEquals", "String", build_equals, variables=True),
    OperatorSpec("StringNotEquals", "String", build_equals, negated=True, variables=True),
    OperatorSpec("StringEqualsIgnoreCase", "String", build_equals_ignore_case, variables=True),
    OperatorSpec("StringNotEqualsIgnoreCase", "String", build_equals_ignore_case, negated=True, variables=True),
    OperatorSpec("StringLike", "String", build_like, variables=True),
    OperatorSpec("StringNotLike", "String", build_like, negated=True, variables=True),
)
