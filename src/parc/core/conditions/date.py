"""Date operators: DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
Values are "one of the W3C implementations of the ISO 8601 date formats" (https://www.w3.org/TR/NOTE-datetime:
``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY-MM-DDThh:mmTZD``, ``YYYY-MM-DDThh:mm:ssTZD``,
``YYYY-MM-DDThh:mm:ss.sTZD``) "or in epoch (UNIX) time" — seconds, as ``aws:EpochTime`` gives them. Both sides
become epoch seconds (``int``, or ``Decimal`` with a fraction) and compare exactly. A time without a zone is read
as UTC. Text that is all digits is epoch seconds, so ``2020`` is 2020 seconds after 1970, not the year 2020.
No policy variables, no wildcards.
"""

from __future__ import annotations

import calendar
import operator
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from parc.core.conditions.base import Comparer, OperatorSpec
from parc.core.conditions.numeric import Compare, Number, equal, ordered

_EPOCH = re.compile(r"(\d{1,15})(?:\.(\d{1,9}))?")
_W3C = re.compile(
    r"(?P<Y>\d{4})(?:-(?P<M>\d{2})(?:-(?P<D>\d{2})"
    r"(?:[Tt](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)


def _zone_seconds(tz: str | None) -> int:
    if tz is None or tz in ("Z", "z"):
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) > 2 else 0
    if hours > 23 or minutes > 59:
        raise ValueError(tz)
    return sign * (hours * 3600 + minutes * 60)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> Number | None:
    """Epoch seconds for an ISO 8601 (W3C profile) date or an epoch number, else ``None``."""
    m = _EPOCH.fullmatch(text)
    if m:
        return int(m.group(1)) if m.group(2) is None else Decimal(text)
    m = _W3C.fullmatch(text)
    if not m:
        return None
    try:
        g = m.group
        when = datetime(
            int(g("Y")),
            int(g("M") or 1),
            int(g("D") or 1),
            int(g("h") or 0),
            int(g("m") or 0),
            int(g("s") or 0),
        )
        seconds = calendar.timegm(when.timetuple()) - _zone_seconds(g("tz"))
        frac = g("f")
        if frac and int(frac):
            return Decimal(seconds) + Decimal("0." + frac)
        return seconds
    except (ValueError, InvalidOperation, OverflowError):
        return None


KIND = "a date (ISO 8601 or epoch seconds)"


def _equals(values: Sequence[str], variables: bool) -> Comparer:
    return equal(values, parse_date, KIND)


def _ordered(cmp: Compare) -> Callable[[Sequence[str], bool], Comparer]:
    return lambda values, variables: ordered(values, parse_date, KIND, cmp)


OPERATORS = (
    OperatorSpec("DateEquals", "Date", _equals),
    OperatorSpec("DateNotEquals", "Date", _equals, negated=True),
    OperatorSpec("DateLessThan", "Date", _ordered(operator.lt)),
    OperatorSpec("DateLessThanEquals", "Date", _ordered(operator.le)),
    OperatorSpec("DateGreaterThan", "Date", _ordered(operator.gt)),
    OperatorSpec("DateGreaterThanEquals", "Date", _ordered(operator.ge)),
)
