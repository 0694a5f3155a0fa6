"""What every operator family provides: a comparer built once from the policy values, resolved per request.

The evaluation of one condition is split in two so that the per-family code stays small and the set logic
(``ForAllValues``, ``ForAnyValue``, ``...IfExists``, missing keys, negation) lives in one place
(``conditions/__init__.py``):

- a family turns the policy values into a :class:`Comparer` (numbers, dates, networks, globs parsed here, once);
- per request, ``Comparer.resolve(ctx)`` gives a :class:`Resolved` (the same object every time when no policy
  variable is involved), whose ``test(request_value)`` answers: ``None`` when the request value does not parse
  for this family, else whether it matches ANY of the policy values (values are ORed);
- ``Resolved.all_ok`` says whether every policy value parsed. A negated operator ("not equal to any of") holds
  only when all of them did: a value that does not parse never matches, in either sense.
- a policy variable with no value in the request is "effectively null": no request value equals it or is like it,
  so a positive operator does not match it and a negated one does
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html, "Policy variables with no
  value"). Such values are listed in ``Resolved.unresolved`` and do not clear ``all_ok``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from parc.core.context import Context
from parc.core.variables import Template, literal_template, parse_template

T = TypeVar("T")

Test = Callable[[str], "bool | None"]


def _never(_: str) -> bool | None:
    return False


class Resolved(NamedTuple):
    """Policy values ready for one request (a named tuple: built per request when variables are involved)."""

    test: Test
    all_ok: bool
    bad: tuple[str, ...] = ()
    """Policy values that did not parse, for explanations."""
    unresolved: tuple[str, ...] = ()
    """Policy values whose variables have no value in this request (null: nothing equals them)."""


NOTHING = Resolved(_never, False)


class Comparer:
    """Policy values compiled for one operator. Static comparers resolve to one precomputed :class:`Resolved`."""

    __slots__ = ("_resolve", "_static", "has_variables", "kind")

    kind: str
    """What a request value must be for this family ("a number", "an IP address" ...), for explanations."""

    def __init__(
        self,
        kind: str,
        *,
        static: Resolved | None = None,
        resolve: Callable[[Context], Resolved] | None = None,
    ) -> None:
        if (static is None) == (resolve is None):
            raise ValueError("a comparer is either static or resolved per request")
        self.kind = kind
        self._static = static
        self._resolve = resolve
        self.has_variables = resolve is not None

    @property
    def static(self) -> Resolved | None:
        """The precomputed answer source when no policy variable is involved, else None."""
        return self._static

    def resolve(self, ctx: Context) -> Resolved:
        if self._static is not None:
            return self._static
        assert self._resolve is not None
        return self._resolve(ctx)


Builder = Callable[[Sequence[str], bool], Comparer]
"""``(policy values as text, variables enabled) -> Comparer``; one per base operator."""


def templates(values: Sequence[str], variables: bool) -> tuple[Template, ...]:
    return tuple(parse_template(v) if variables else literal_template(v) for v in values)


def parsed_values(values: Sequence[str], parse: Callable[[str], T | None]) -> tuple[list[T], tuple[str, ...]]:
    """Parse policy values once; returns the parsed ones and the text of those that did not parse."""
    good: list[T] = []
    bad: list[str] = []
    for v in values:
        p = parse(v)
        if p is None:
            bad.append(v)
        else:
            good.append(p)
    return good, tuple(bad)


def rendered_values(tpls: Sequence[Template], ctx: Context) -> tuple[list[str], tuple[str, ...]]:
    """Render templates for a request; returns the rendered texts and the templates that have no value (null)."""
    good: list[str] = []
    bad: list[str] = []
    for t in tpls:
        r = t.render(ctx)
        if r is None:
            bad.append(t.text)
        else:
            good.append(r)
    return good, tuple(bad)


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """One base operator (no set prefix, no ``IfExists``)."""

    name: str
    family: str
    build: Builder
    negated: bool = False
    variables: bool = False
    """Whether policy variables are substituted in this operator's values (String, ARN and Bool operators)."""


class LastCheck:
    """The last text a family's shape check saw, and its answer, shared by every condition of the family.

    One request's value is tested by several conditions (a guardrail and the grants on ``aws:SourceIp``, say), and
    they all see the same string object: the check (a regular expression) runs once for it. The pair is replaced
    whole, so a reader never sees one text with another's answer."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: tuple[object, bool] = (None, False)
