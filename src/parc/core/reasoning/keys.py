"""Condition keys as solver variables: one typed variable per key (per value of a multivalued key), with presence.

A key's sort follows the operators that read it: text for String, Arn and Bool (they all compare the text), an
integer for Numeric and Date, bit-vectors for IpAddress (32 bits for IPv4, 128 for IPv6). A typed value may also
be text that does not parse ("10abc"), which matches nothing in either sense: it is a flag of its own. A key read
by operators of two typed families (a number and a date) is one text the encoding does not split: UNKNOWN.

Numbers and dates are integers scaled by ten to one more decimal place than any policy value has: every non-empty
interval between two policy values then holds a scaled integer, so the integers are exact for these comparisons.

A multivalued key (one read by ForAllValues / ForAnyValue) holds up to ``bound`` values, where ``bound`` is the
number of set conditions on it (at least 2): a request needs at most one witness value per set condition, and two
values tell "one value" from "more than one" (a plain operator matches nothing on a key with several values).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import z3

from parc.core.reasoning.smt import Expr, text_of
from parc.core.reasoning.text import Unencodable

STR = "str"
NUM = "num"
DATE = "date"
IP = "ip"

FIRST_YEAR_1 = -62135596800  # 0001-01-01T00:00:00Z: the earliest date the W3C form writes
EPOCH_LIMIT = 10**15  # epoch seconds are at most 15 digits (parse_date)
MAX_DATE_DIGITS = 9


@dataclass(slots=True)
class Element:
    """One value of a key: a string, or a typed value with a flag for "parses"."""

    s: Expr = None
    ok: Expr = None
    n: Expr = None
    ipv: Expr = None
    v4: Expr = None
    v6: Expr = None


@dataclass(slots=True)
class KeyVar:
    name: str
    sort: str
    multi: bool
    present: Expr
    count: Expr | None
    elements: list[Element]
    scale: int = 1
    constraints: list[Expr] = field(default_factory=list)


def make_key(ctx: Any, name: str, sort: str, multi: bool, bound: int, scale: int) -> KeyVar:
    base = f"k!{name}"
    elements: list[Element] = []
    constraints: list[Expr] = []
    n = bound if multi else 1
    for i in range(n):
        tag = f"{base}#{i}"
        if sort == STR:
            elements.append(Element(s=z3.String(tag, ctx)))
        elif sort in (NUM, DATE):
            e = Element(ok=z3.Bool(tag + "ok", ctx), n=z3.Int(tag + "n", ctx))
            if sort == DATE:
                constraints.append(z3.Implies(e.ok, z3.And(e.n >= FIRST_YEAR_1 * scale, e.n < EPOCH_LIMIT * scale)))
            elements.append(e)
        else:
            e = Element(ipv=z3.Int(tag + "v", ctx), v4=z3.BitVec(tag + "4", 32, ctx),
                        v6=z3.BitVec(tag + "6", 128, ctx))
            constraints.append(z3.Or(e.ipv == 0, e.ipv == 4, e.ipv == 6))
            elements.append(e)
    if multi:
        count = z3.Int(base + "#n", ctx)
        constraints.append(z3.And(count >= 0, count <= bound))
        present = count > 0
    else:
        count = None
        present = z3.Bool(base + "?", ctx)
    return KeyVar(name, sort, multi, present, count, elements, scale, constraints)


def scale_for(values: list[Decimal | int]) -> int:
    """Ten to one more decimal place than any of ``values`` has."""
    digits = 0
    for v in values:
        if isinstance(v, Decimal):
            exp = v.as_tuple().exponent
            if isinstance(exp, int) and exp < 0:
                digits = max(digits, -exp)
    scale: int = 10 ** (digits + 1)
    return scale


def render(key: KeyVar, model: Any) -> str | list[str] | None:
    """The key's value in the model as request context text (None: absent)."""
    if not z3.is_true(model.eval(key.present, model_completion=True)):
        return None
    if key.multi:
        assert key.count is not None
        n = model.eval(key.count, model_completion=True).as_long()
        return [render_element(key, e, model) for e in key.elements[:n]]
    return render_element(key, key.elements[0], model)


def render_element(key: KeyVar, e: Element, model: Any) -> str:
    def ev(x: Expr) -> Any:
        return model.eval(x, model_completion=True)

    if key.sort == STR:
        return text_of(ev(e.s))
    if key.sort in (NUM, DATE):
        if not z3.is_true(ev(e.ok)):
            return "not-a-number" if key.sort == NUM else "not-a-date"
        value = Decimal(ev(e.n).as_long()) / Decimal(key.scale)
        return _number_text(value) if key.sort == NUM else date_text(value)
    version = ev(e.ipv).as_long()
    if version == 4:
        return str(ipaddress.IPv4Address(ev(e.v4).as_long()))
    if version == 6:
        return str(ipaddress.IPv6Address(ev(e.v6).as_long()))
    return "not-an-ip"


def _number_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value, "f")
    return text.rstrip("0") if "." in text else text


def date_text(seconds: Decimal) -> str:
    """Epoch seconds as ``parse_date`` reads them back exactly: epoch text when not negative, else ISO 8601."""
    if seconds >= 0:
        return _number_text(seconds)
    whole = int(seconds.to_integral_value(rounding="ROUND_FLOOR"))
    frac = seconds - whole
    at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=whole)
    text = f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    if frac:
        digits = format(frac, "f").split(".")[1].rstrip("0")
        if len(digits) > MAX_DATE_DIGITS:
            raise Unencodable("a date with more than 9 decimal places")
        text += "." + digits
    return text + "Z"
