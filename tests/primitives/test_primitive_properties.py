"""Properties of the primitives, over arbitrary input.

- ``evaluate``, the engine's ``fast`` closure and ``explain().matched`` always agree and never raise, for every
  operator form, any values, any request value (missing, text, a list) and either variable setting;
- the rules relating operators hold (a negated operator is the negation of its positive one for a present,
  parsable value; ``IfExists`` changes only the absent case; a set prefix over one value is the plain operator);
- the glob engine's three paths (regular expression, fixed chunks, chunks with variables) agree with a tiny
  reference matcher, and so do the ARN matchers' static and per-request paths;
- numbers and dates compare as numbers and instants, not as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parc.core.conditions import base_operators, compile_condition
from parc.core.context import normalize_context
from parc.core.match import ONE, STAR, Atom, Glob, atoms_of, compile_glob, compile_resource
from parc.core.variables import Variable, literal_template

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FORMS = sorted(
    f"{prefix}{spec.name}{suffix}"
    for spec in base_operators()
    for prefix in ("", "ForAllValues:", "ForAnyValue:")
    for suffix in ("", "IfExists")
    if spec.family != "Null" or (prefix == "" and suffix == "")
)
SAMPLES = [
    "",
    "10",
    "10abc",
    "1e3",
    "-5.5",
    " 7",
    "2020-01-01T00:00:00Z",
    "2020-02-30",
    "1577836800",
    "2020",
    "true",
    "FALSE",
    "QUJD",
    "QUJD=",
    "10.0.0.1",
    "10.0.0.0/8",
    "2001:db8::1",
    "::/0",
    "arn:aws:iam::1:role/x",
    "arn:aws:*",
    "arn:aws:s3:::b/${aws:username}/*",
    "*",
    "?",
    "${aws:username}",
    "${*}",
    "${aws:x, 'd'}",
    "a*b?c",
    "${",
    "}",
]
text = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=16))
policy_value = st.one_of(text, st.integers(), st.floats(), st.booleans())
request_value = st.one_of(st.none(), text, st.lists(text, max_size=4))


@SETTINGS
@given(
    operator=st.sampled_from(FORMS),
    values=st.lists(policy_value, max_size=4),
    value=request_value,
    username=st.one_of(st.none(), text, st.lists(text, max_size=2)),
    variables=st.booleans(),
)
def test_evaluate_and_explain_agree_and_never_raise(
    operator: str, values: list[object], value: object, username: object, variables: bool
) -> None:
    cond = compile_condition(operator, "Test:Key", values, variables=variables)  # type: ignore[arg-type]
    ctx = normalize_context({"test:key": value, "aws:username": username})
    result = cond.explain(ctx)
    assert cond.evaluate(ctx) is result.matched
    assert cond.fast(ctx) is result.matched  # the engine's flat closure gives the same answer
    assert result.reason
    assert result.missing is (value is None or value == [] or (cond.null and value in (None, [])))


PAIRS = [
    ("StringEquals", "StringNotEquals"),
    ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    ("StringLike", "StringNotLike"),
    ("ArnLike", "ArnNotLike"),
    ("ArnEquals", "ArnNotEquals"),
]


@SETTINGS
@given(pair=st.sampled_from(PAIRS), values=st.lists(text, min_size=1, max_size=3), value=text)
def test_negated_operator_is_the_negation_for_a_present_value(
    pair: tuple[str, str], values: list[str], value: str
) -> None:
    positive, negative = (compile_condition(op, "k", values, variables=False) for op in pair)
    ctx = {"k": value}
    assert negative.evaluate(ctx) is not positive.evaluate(ctx)


@SETTINGS
@given(
    operator=st.sampled_from([s.name for s in base_operators() if s.family != "Null"]),
    values=st.lists(text, min_size=1, max_size=3),
    value=text,
)
def test_if_exists_changes_only_the_absent_case(operator: str, values: list[str], value: str) -> None:
    plain = compile_condition(operator, "k", values, variables=True)
    if_exists = compile_condition(operator + "IfExists", "k", values, variables=True)
    assert if_exists.evaluate({"k": value}) is plain.evaluate({"k": value})
    assert if_exists.evaluate({}) is True


@SETTINGS
@given(
    operator=st.sampled_from([s.name for s in base_operators() if s.family != "Null"]),
    values=st.lists(text, min_size=1, max_size=3),
    value=text,
)
def test_set_prefix_over_one_value_is_the_plain_operator(operator: str, values: list[str], value: str) -> None:
    plain = compile_condition(operator, "k", values, variables=True).evaluate({"k": value})
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        cond = compile_condition(prefix + operator, "k", values, variables=True)
        assert cond.evaluate({"k": (value,)}) is plain
        assert cond.evaluate({"k": value}) is plain


# ------------------------------------------------------------------ globs against a reference


def reference(atoms: list[Atom], s: str) -> bool:
    @cache
    def go(i: int, j: int) -> bool:
        if i == len(atoms):
            return j == len(s)
        a = atoms[i]
        if a == STAR:
            return go(i + 1, j) or (j < len(s) and go(i, j + 1))
        if a == ONE:
            return j < len(s) and go(i + 1, j + 1)
        assert isinstance(a, str)
        return s.startswith(a, j) and go(i + 1, j + len(a))

    return go(0, 0)


ALPHABET = "ab/:"
literal = st.text(alphabet=ALPHABET, min_size=1, max_size=3)
atom_lists = st.lists(st.one_of(st.just(STAR), st.just(ONE), literal), max_size=9)


@st.composite
def pattern_and_subject(draw: st.DrawFn) -> tuple[list[Atom], str]:
    atoms = draw(atom_lists)
    if draw(st.booleans()):  # a subject built from the pattern, so that matches are common
        parts = [
            draw(st.text(alphabet=ALPHABET, max_size=4))
            if a == STAR
            else draw(st.sampled_from(ALPHABET))
            if a == ONE
            else a
            for a in atoms
        ]
        subject = "".join(str(p) for p in parts)
        if draw(st.booleans()) and subject:
            k = draw(st.integers(0, len(subject) - 1))
            subject = subject[:k] + draw(st.sampled_from(ALPHABET)) + subject[k + 1 :]
    else:
        subject = draw(st.text(alphabet=ALPHABET, max_size=12))
    return atoms, subject


@settings(max_examples=400, deadline=None)
@given(case=pattern_and_subject())
def test_glob_paths_agree_with_the_reference(case: tuple[list[Atom], str]) -> None:
    atoms, subject = case
    expected = reference(atoms, subject)
    static = Glob(atoms)
    assert static.static is not None
    assert static.static(subject) is expected
    # The same glob with each literal run turned into a variable: the per-request chunk path.
    names = {i: f"t:v{i}" for i, a in enumerate(atoms) if isinstance(a, str)}
    dynamic_atoms: list[Atom] = [Variable(names[i], None) if i in names else a for i, a in enumerate(atoms)]
    ctx = {names[i]: a for i, a in enumerate(atoms) if isinstance(a, str)}
    dynamic = Glob(dynamic_atoms)
    assert dynamic.match(subject, ctx) is expected
    bound = dynamic.bind(ctx)
    assert bound is not None and bound(subject) is expected


@SETTINGS
@given(pattern=st.text(alphabet="aB*?", max_size=8), subject=st.text(alphabet="abAB", max_size=8))
def test_compile_glob_ignore_case(pattern: str, subject: str) -> None:
    atoms = list(atoms_of(literal_template(pattern.lower())))
    assert compile_glob(pattern, ignore_case=True)(subject) is reference(atoms, subject.lower())
    assert compile_glob(pattern, ignore_case=False)(subject) is reference(
        list(atoms_of(literal_template(pattern))), subject
    )


def reference_arn(pattern: str, arn: str) -> bool:
    """The Resource rules, restated: segments split at the first five colons; the last pattern segment runs to the
    end of the ARN when it is the sixth or ends with ``*``; ``*`` alone (or ``**``) matches anything."""
    if pattern and set(pattern) == {"*"}:
        return True
    psegs = pattern.split(":", 5)
    k = len(psegs)
    open_end = k == 6 or psegs[-1].endswith("*")
    asegs = arn.split(":", k - 1) if open_end else arn.split(":")
    if len(asegs) != k:
        return False
    return all(reference(list(atoms_of(literal_template(p))), a) for p, a in zip(psegs, asegs, strict=True))


arn_text = st.text(alphabet="a:/", max_size=14)


@st.composite
def arn_pattern_and_arn(draw: st.DrawFn) -> tuple[str, str]:
    pattern = draw(st.text(alphabet="a:*?/", max_size=14))
    if draw(st.booleans()):
        arn = "".join(draw(st.text(alphabet="a/", max_size=3)) if c == "*" else "a" if c == "?" else c for c in pattern)
    else:
        arn = draw(arn_text)
    return pattern, arn


@settings(max_examples=400, deadline=None)
@given(case=arn_pattern_and_arn(), value=st.text(alphabet="ab/", min_size=1, max_size=3), where=st.integers(0, 14))
def test_resource_paths_agree_with_the_reference(case: tuple[str, str], value: str, where: int) -> None:
    pattern, arn = case
    assert compile_resource(pattern, variables=False).matches(arn, {}) is reference_arn(pattern, arn)
    # The same pattern with a variable standing for a piece of literal text: the per-request path.
    where = min(where, len(pattern))
    static_pattern = pattern[:where] + value + pattern[where:]
    dynamic = compile_resource(pattern[:where] + "${aws:username}" + pattern[where:], variables=True)
    ctx = {"aws:username": value}
    expected = reference_arn(static_pattern, arn)
    assert dynamic.matches(arn, ctx) is expected
    bound = dynamic.bind(ctx)
    assert bound is not None and bound(arn) is expected


# ------------------------------------------------------------------ numbers and dates


numbers = st.one_of(st.integers(-(10**30), 10**30), st.decimals(allow_nan=False, allow_infinity=False, places=6))


@SETTINGS
@given(a=numbers, b=numbers)
def test_numeric_operators_compare_numbers(a: int | Decimal, b: int | Decimal) -> None:
    ctx = {"k": str(a)}
    for operator, expected in [
        ("NumericEquals", a == b),
        ("NumericNotEquals", a != b),
        ("NumericLessThan", a < b),
        ("NumericLessThanEquals", a <= b),
        ("NumericGreaterThan", a > b),
        ("NumericGreaterThanEquals", a >= b),
    ]:
        assert compile_condition(operator, "k", [str(b)], variables=False).evaluate(ctx) is expected, operator


instants = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))


@SETTINGS
@given(a=instants, b=instants)
def test_date_operators_compare_instants_in_either_form(a: datetime, b: datetime) -> None:
    a, b = a.replace(microsecond=0), b.replace(microsecond=0)
    assume(a.year >= 1971)
    epoch_a = str(int(a.timestamp()))
    iso_b = b.strftime("%Y-%m-%dT%H:%M:%SZ")
    for operator, expected in [
        ("DateEquals", a == b),
        ("DateNotEquals", a != b),
        ("DateLessThan", a < b),
        ("DateLessThanEquals", a <= b),
        ("DateGreaterThan", a > b),
        ("DateGreaterThanEquals", a >= b),
    ]:
        cond = compile_condition(operator, "k", [iso_b], variables=False)
        assert cond.evaluate({"k": epoch_a}) is expected, operator
        assert cond.evaluate({"k": a.isoformat()}) is expected, operator
