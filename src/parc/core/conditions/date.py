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
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final, cast

from parc.core.conditions.base import Comparer, LastCheck, OperatorSpec
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


# The form AWS gives aws:CurrentTime in, and logs give times in: UTC to the second. Two such texts compare as their
# times do, so a request time in this form is compared with the policy's bound as text, without parsing it.
_CANONICAL = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
_SHAPE: Final = LastCheck()
_FIRST_YEAR_1 = -62135596800  # 0001-01-01T00:00:00Z
_LAST_YEAR_9999 = 253402300799  # 9999-12-31T23:59:59Z


@lru_cache(maxsize=4096)
def _real_day(day: str) -> bool:
    """Whether YYYY-MM-DD is a day of the calendar (not February 30th, not year 0)."""
    try:
        datetime(int(day[:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        return False
    return True


def _canonical(seconds: int) -> str:
    t = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def _ordered(cmp: Compare) -> Callable[[Sequence[str], bool], Comparer]:
    def build(values: Sequence[str], variables: bool) -> Comparer:
        general = ordered(values, parse_date, KIND, cmp)
        static = general.static
        good = [n for n in (parse_date(v) for v in values) if n is not None]
        if static is None or not good:
            return general
        bound = max(good) if cmp in (operator.lt, operator.le) else min(good)
        if not isinstance(bound, int) or not _FIRST_YEAR_1 <= bound <= _LAST_YEAR_9999:
            return general
        bound_text = _canonical(bound)
        slow = static.test
        canonical = _CANONICAL.fullmatch
        text_cmp = cast(Callable[[str, str], bool], cmp)  # the same ordering, on texts of one fixed form

        def test(r: str) -> bool | None:
            last = _SHAPE.last
            if last[0] is not r:
                last = (r, canonical(r) is not None and _real_day(r[:10]))
                _SHAPE.last = last
            if last[1]:
                return text_cmp(r, bound_text)
            return slow(r)

        return Comparer(KIND, static=static._replace(test=test))

    return build


OPERATORS = (
    OperatorSpec("DateEquals", "Date", _equals),
    OperatorSpec("DateNotEquals", "Date", _equals, negated=True),
    OperatorSpec("DateLessThan", "Date", _ordered(operator.lt)),
    OperatorSpec("DateLessThanEquals", "Date", _ordered(operator.le)),
    OperatorSpec("DateGreaterThan", "Date", _ordered(operator.gt)),
    OperatorSpec("DateGreaterThanEquals", "Date", _ordered(operator.ge)),
)
