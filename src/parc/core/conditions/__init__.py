"""Condition operators: a registry of base operators and the rules every operator shares.

One condition is ``operator -> key -> values``. Compiled once (:func:`compile_condition`), it is evaluated per
request with :meth:`CompiledCondition.evaluate` (fast, a bool) or :meth:`CompiledCondition.explain` (the same
answer with a reason). The family modules parse the values; this module applies the shared rules, each from
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html :

- several values for a key are ORed; for a negated operator (StringNotEquals, NotIpAddress, ArnNotLike ...) the
  request value must match none of them;
- a key absent from the request makes the condition false, except for negated operators (true), ``...IfExists``
  (true) and ``Null``; a multivalued key with no values counts as absent;
- ``ForAllValues:`` is true when every request value matches (and when the key is absent or empty);
  ``ForAnyValue:`` when at least one does (false when absent or empty); a single-valued key is a set of one.
  ``IfExists`` adds nothing under a set prefix: the prefix already decides the absent case;
- a multivalued key needs a set prefix: without one, a request value holding more than one value matches
  nothing (whatever the operator); one holding exactly one value is that value;
- a value that does not parse for the family (``10abc`` for a number) matches nothing, in either sense;
- a policy variable with no value is null: positive operators do not match it, negated ones do
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html);
- key names are case-insensitive; operator names are spelled as AWS spells them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from parc.core.conditions import arn, binary, boolean, date, ip, null, numeric, string
from parc.core.conditions.base import NOTHING, Comparer, OperatorSpec, Resolved
from parc.core.context import Context, ContextValue

__all__ = [
    "FAMILIES",
    "CompiledCondition",
    "ConditionResult",
    "OperatorSpec",
    "ParsedOperator",
    "UnknownOperatorError",
    "base_operators",
    "compile_condition",
    "is_known_operator",
    "operator_family",
    "parse_operator",
    "suggest_operator",
]

FAMILIES = ("String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null")
FOR_ALL = "ForAllValues"
FOR_ANY = "ForAnyValue"
IF_EXISTS = "IfExists"

_REGISTRY: dict[str, OperatorSpec] = {
    spec.name: spec for module in (string, numeric, date, boolean, binary, ip, arn, null) for spec in module.OPERATORS
}


def base_operators() -> tuple[OperatorSpec, ...]:
    return tuple(_REGISTRY.values())


class UnknownOperatorError(ValueError):
    """The operator is not one IAM knows (or is a form IAM does not allow, such as ``NullIfExists``)."""


@dataclass(frozen=True, slots=True)
class ParsedOperator:
    spec: OperatorSpec
    set_operator: str | None
    """``ForAllValues``, ``ForAnyValue`` or ``None``."""
    if_exists: bool

    @property
    def name(self) -> str:
        prefix = f"{self.set_operator}:" if self.set_operator else ""
        return prefix + self.spec.name + (IF_EXISTS if self.if_exists else "")


def parse_operator(operator: str) -> ParsedOperator:
    """Split ``ForAnyValue:StringLikeIfExists`` into its set prefix, base operator and ``IfExists``."""
    rest = operator
    set_op: str | None = None
    for prefix in (FOR_ALL, FOR_ANY):
        if rest.startswith(prefix + ":"):
            set_op = prefix
            rest = rest[len(prefix) + 1 :]
            break
    if_exists = False
    spec = _REGISTRY.get(rest)
    if spec is None and rest.endswith(IF_EXISTS):
        spec = _REGISTRY.get(rest[: -len(IF_EXISTS)])
        if_exists = spec is not None
    if spec is None:
        hint = suggest_operator(operator)
        raise UnknownOperatorError(
            f"unknown condition operator {operator!r}" + (f" (did you mean {hint!r}?)" if hint else "")
        )
    if spec.family == "Null" and (if_exists or set_op):
        raise UnknownOperatorError(f"{operator!r}: Null takes neither IfExists nor a set prefix")
    return ParsedOperator(spec, set_op, if_exists)


def suggest_operator(operator: str) -> str | None:
    """The operator as AWS spells it when ``operator`` differs only in letter case, else ``None``."""
    low = operator.lower()
    prefix = ""
    for p in (FOR_ALL, FOR_ANY):
        if low.startswith(p.lower() + ":"):
            prefix, low = p + ":", low[len(p) + 1 :]
    suffix = ""
    names = {name.lower(): name for name in _REGISTRY}
    if low not in names and low.endswith(IF_EXISTS.lower()):
        low, suffix = low[: -len(IF_EXISTS)], IF_EXISTS
    if low not in names:
        return None
    canonical = prefix + names[low] + suffix
    return canonical if canonical != operator else None


def is_known_operator(operator: str) -> bool:
    try:
        parse_operator(operator)
    except UnknownOperatorError:
        return False
    return True


def operator_family(operator: str) -> str:
    """``String``, ``Numeric``, ``Date``, ``Bool``, ``Binary``, ``IpAddress``, ``Arn`` or ``Null``."""
    return parse_operator(operator).spec.family


@dataclass(frozen=True, slots=True)
class ConditionResult:
    matched: bool
    reason: str
    missing: bool = False
    """True when the key is absent from the request (or a multivalued key with no values)."""


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(f"a condition value must be text, a number or a boolean, not {type(value).__name__}")


def _show(values: Iterable[str]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


class CompiledCondition:
    """One operator/key/values triple, compiled; see the module docstring for the rules it applies."""

    __slots__ = (
        "_comparer",
        "family",
        "fast",
        "if_exists",
        "key",
        "key_lower",
        "negated",
        "null",
        "operator",
        "parsed",
        "set_operator",
        "values",
    )

    operator: str
    key: str
    key_lower: str
    values: tuple[str, ...]

    def __init__(self, parsed: ParsedOperator, operator: str, key: str, values: tuple[str, ...], variables: bool):
        self.parsed = parsed
        self.operator = operator
        self.key = key
        self.key_lower = key.lower()
        self.values = values
        spec = parsed.spec
        self.family = spec.family
        self.negated = spec.negated
        self.set_operator = parsed.set_operator
        self.if_exists = parsed.if_exists
        self.null = spec.family == "Null"
        comparer = spec.build(values, variables and spec.variables)
        if not values:  # IAM rejects an empty value list; here it matches nothing, in either sense
            comparer = Comparer(comparer.kind, static=NOTHING)
        self._comparer: Comparer = comparer
        self.fast: Callable[[Context], bool] = self.reading(self.key_lower) or self.evaluate
        """Same answer as :meth:`evaluate`; a flat closure for the common shape (a plain operator, values fixed at
        compile time), which is what bulk evaluation calls."""

    def reading(self, key: str) -> Callable[[Context], bool] | None:
        """:attr:`fast`, reading the value under ``key`` (the request's own spelling of the key, which the fast
        path looks up directly in the request's context); None when this condition has no such closure (a set
        operator, Null, policy variables in its values)."""
        static = self._comparer.static
        if static is None or self.null or self.set_operator is not None:
            return None
        test = static.test
        absent = self.if_exists or self.negated
        if self.negated:
            all_ok = static.all_ok

            def negated(ctx: Context) -> bool:
                value = ctx.get(key)
                if value is None:
                    return absent
                if type(value) is not str:
                    if len(value) != 1:
                        return absent if not value else False
                    value = value[0]
                return all_ok and test(value) is False

            return negated

        def positive(ctx: Context) -> bool:
            value = ctx.get(key)
            if value is None:
                return absent
            if type(value) is not str:
                if len(value) != 1:
                    return absent if not value else False
                value = value[0]
            return test(value) is True

        return positive

    @property
    def has_variables(self) -> bool:
        return self._comparer.has_variables

    # ------------------------------------------------------------ evaluation

    def _single(self, resolved: Resolved, value: str) -> bool:
        t = resolved.test(value)
        if self.negated:
            return t is False and resolved.all_ok
        return t is True

    def evaluate(self, ctx: Context) -> bool:
        value = ctx.get(self.key_lower)
        if value is None or value == ():
            if self.null:
                return self._comparer.resolve(ctx).test("true") is True
            if self.set_operator is not None:
                return self.set_operator == FOR_ALL
            return self.if_exists or self.negated
        if self.null:
            return self._comparer.resolve(ctx).test("false") is True
        resolved = self._comparer.resolve(ctx)
        if self.set_operator is None:
            if isinstance(value, tuple):
                if len(value) != 1:
                    return False
                value = value[0]
            return self._single(resolved, value)
        if isinstance(value, str):
            return self._single(resolved, value)
        if self.set_operator == FOR_ALL:
            return all(self._single(resolved, v) for v in value)
        return any(self._single(resolved, v) for v in value)

    def explain(self, ctx: Context) -> ConditionResult:
        """The answer of :meth:`evaluate` and why, in words a person can check against the policy."""
        op, key = self.operator, self.key
        value = ctx.get(self.key_lower)
        absent = value is None or value == ()
        if self.null:
            matched = self._comparer.resolve(ctx).test("true" if absent else "false") is True
            state = "absent" if absent else "present"
            return ConditionResult(matched, f"{key} is {state}; Null {_show(self.values)} is {_lower(matched)}", absent)
        if absent:
            return self._explain_absent(value)
        assert value is not None
        resolved = self._comparer.resolve(ctx)
        policy = _show(self.values)
        notes = [f"{b!r} is not {self._comparer.kind}" for b in resolved.bad]
        notes += [f"{u!r} has no value in the request (null)" for u in resolved.unresolved]
        if notes:
            policy += " (" + "; ".join(notes) + ")"
        if self.set_operator is None:
            if isinstance(value, tuple) and len(value) != 1:
                return ConditionResult(
                    False,
                    f"{key} has {len(value)} values {_show(value)}: a multivalued key needs ForAnyValue: or "
                    f"ForAllValues:, so {op} matches nothing",
                )
            single = value[0] if isinstance(value, tuple) else value
            matched = self._single(resolved, single)
            return ConditionResult(matched, self._why(single, resolved, matched, policy))
        values = (value,) if isinstance(value, str) else value
        results = [(v, self._single(resolved, v)) for v in values]
        if self.set_operator == FOR_ALL:
            failing = [v for v, ok in results if not ok]
            matched = not failing
            detail = "every value satisfies" if matched else f"{_show(failing)} do not satisfy"
        else:
            passing = [v for v, ok in results if ok]
            matched = bool(passing)
            detail = f"{_show(passing)} satisfy" if matched else "no value satisfies"
        return ConditionResult(matched, f"{key} = {_show(values)}: {detail} {self._base_name()} {policy}")

    def _base_name(self) -> str:
        return self.parsed.spec.name

    def _explain_absent(self, value: ContextValue | None) -> ConditionResult:
        what = f"{self.key} is not in the request" if value is None else f"{self.key} has no values"
        if self.set_operator == FOR_ALL:
            return ConditionResult(True, f"{what}; ForAllValues is true for an absent or empty key", True)
        if self.set_operator == FOR_ANY:
            return ConditionResult(False, f"{what}; ForAnyValue is false for an absent or empty key", True)
        if self.if_exists:
            return ConditionResult(True, f"{what}; {self.operator} is true when the key is absent", True)
        if self.negated:
            return ConditionResult(True, f"{what}; the negated operator {self.operator} is true for it", True)
        return ConditionResult(False, f"{what}; {self.operator} is false for an absent key", True)

    def _why(self, single: str, resolved: Resolved, matched: bool, policy: str) -> str:
        head = f"{self.key} = {single!r}"
        if not self.values:
            return f"{head}: {self.operator} has no values, so it matches nothing"
        t = resolved.test(single)
        if t is None:
            return f"{head} is not {self._comparer.kind}, so {self.operator} is false"
        if self.negated:
            if t:
                return f"{head} matches one of {policy}, so {self.operator} is false"
            if not resolved.all_ok:
                return f"{head}: not every value of {policy} is usable, so {self.operator} is false"
            return f"{head} matches none of {policy}: {self.operator} is true"
        if t:
            return f"{head} matches {self.operator} {policy}"
        return f"{head} does not match {self.operator} {policy}"

    def __repr__(self) -> str:
        return f"CompiledCondition({self.operator!r}, {self.key!r}, {list(self.values)!r})"


def _lower(b: bool) -> str:
    return "true" if b else "false"


def compile_condition(
    operator: str, key: str, values: Sequence[object], *, variables: bool
) -> CompiledCondition:
    """Compile one condition. Raises :class:`UnknownOperatorError` (a ``ValueError``) for an unknown operator.

    ``variables`` is whether the policy substitutes policy variables (``Version: 2012-10-17``); they are then
    substituted only for the operators that allow them (String, ARN and Bool).
    """
    parsed = parse_operator(operator)
    texts = tuple(_text(v) for v in values)
    return CompiledCondition(parsed, operator, key, texts, variables)
