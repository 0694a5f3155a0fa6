"""Numeric operators: NumericEquals, NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
Integers and decimals, compared exactly (``int`` and ``Decimal``, never ``float``). A value is a number only if
all of it is one: ``10abc``, ``0x10``, `` 10``, ``1_000``, ``NaN`` and ``Infinity`` are not numbers and never
match. No policy variables.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from parc.core.conditions.base import Comparer, OperatorSpec, Resolved, parsed_values

Number = int | Decimal

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MAX_LEN = 400  # longer text is not a number anyone writes in a policy; bounds parsing cost


@lru_cache(maxsize=4096)
def parse_number(text: str) -> Number | None:
    if len(text) > _MAX_LEN:
        return None
    try:
        if _INT.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return Decimal(text)
    except (ValueError, InvalidOperation, OverflowError):
        return None
    return None


Compare = Callable[[Number, Number], bool]


def ordered(values: Sequence[str], parse: Callable[[str], Number | None], kind: str, cmp: Compare) -> Comparer:
    """A comparer for an ordering: "any policy value v with cmp(request, v)" reduces to one bound (min or max)."""
    good: list[Number]
    good, bad = parsed_values(values, parse)
    if not good:
        return Comparer(kind, static=Resolved(lambda r: None if parse(r) is None else False, False, bad))
    # request < v for some v  <=>  request < max(v);  request > v for some v  <=>  request > min(v)
    bound = max(good) if cmp in (operator.lt, operator.le) else min(good)

    def test(r: str) -> bool | None:
        n = parse(r)
        return None if n is None else cmp(n, bound)

    return Comparer(kind, static=Resolved(test, not bad, bad))


def equal(values: Sequence[str], parse: Callable[[str], Number | None], kind: str) -> Comparer:
    good, bad = parsed_values(values, parse)
    members = frozenset(good)  # int and Decimal hash alike when equal: Decimal("10.0") in {10}

    def test(r: str) -> bool | None:
        n = parse(r)
        return None if n is None else n in members

    return Comparer(kind, static=Resolved(test, not bad, bad))


KIND = "a number"


def _equals(values: Sequence[str], variables: bool) -> Comparer:
    return equal(values, parse_number, KIND)


def _ordered(cmp: Compare) -> Callable[[Sequence[str], bool], Comparer]:
    return lambda values, variables: ordered(values, parse_number, KIND, cmp)


OPERATORS = (
    OperatorSpec("NumericEquals", "Numeric", _equals),
    OperatorSpec("NumericNotEquals", "Numeric", _equals, negated=True),
    OperatorSpec("NumericLessThan", "Numeric", _ordered(operator.lt)),
    OperatorSpec("NumericLessThanEquals", "Numeric", _ordered(operator.le)),
    OperatorSpec("NumericGreaterThan", "Numeric", _ordered(operator.gt)),
    OperatorSpec("NumericGreaterThanEquals", "Numeric", _ordered(operator.ge)),
)
