"""The Bool operator: ``true`` or ``false``, case-insensitively; anything else is not a boolean and never matches.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
("You can use a policy variable with the Boolean condition operator.")
"""

from __future__ import annotations

from collections.abc import Sequence

from parc.core.conditions.base import Comparer, OperatorSpec, Resolved, parsed_values, rendered_values, templates
from parc.core.context import Context

KIND = "true or false"


def parse_bool(text: str) -> bool | None:
    low = text.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    return None


def _resolved(texts: Sequence[str], unresolved: tuple[str, ...]) -> Resolved:
    good, bad = parsed_values(texts, parse_bool)
    members = frozenset(good)

    def test(r: str) -> bool | None:
        b = parse_bool(r)
        return None if b is None else b in members

    return Resolved(test, not bad, bad, unresolved)


def build_bool(values: Sequence[str], variables: bool) -> Comparer:
    tpls = templates(values, variables)
    if not any(t.has_variables for t in tpls):
        return Comparer(KIND, static=_resolved([t.render({}) or "" for t in tpls], ()))

    def resolve(ctx: Context) -> Resolved:
        good, bad = rendered_values(tpls, ctx)
        return _resolved(good, bad)

    return Comparer(KIND, resolve=resolve)


OPERATORS = (OperatorSpec("Bool", "Bool", build_bool, variables=True),)
