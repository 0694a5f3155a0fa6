"""ARN operators: ArnEquals and ArnLike (identical), ArnNotEquals and ArnNotLike (identical).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
"Case-sensitive matching of the ARN. Each of the six colon-delimited components of the ARN is checked separately
and each can include multi-character match wildcards (*) or single-character match wildcards (?)." The matching is
the Resource element's (``parc.core.match.ResourceMatcher``). Policy variables are allowed; one with no value is
null, which ArnLike never matches and ArnNotLike always does.
"""

from __future__ import annotations

from collections.abc import Sequence

from parc.core.conditions.base import Comparer, OperatorSpec, Resolved, templates
from parc.core.conditions.string import any_of
from parc.core.context import Context
from parc.core.match import Matcher, compile_arn_template

KIND = "an ARN"


def _never(_: str) -> bool:
    return False


def build_arn(values: Sequence[str], variables: bool) -> Comparer:
    tpls = templates(values, variables)
    matchers = [compile_arn_template(t) for t in tpls]
    if not any(m.has_variables for m in matchers):
        statics = [m.bind({}) for m in matchers]
        ms = [m for m in statics if m is not None]
        if not ms:
            return Comparer(KIND, static=Resolved(_never, True))
        return Comparer(KIND, static=Resolved(any_of(ms), True))

    def resolve(ctx: Context) -> Resolved:
        bound: list[Matcher] = []
        bad: list[str] = []
        for m in matchers:
            b = m.bind(ctx)
            if b is None:
                bad.append(m.pattern)
            else:
                bound.append(b)
        return Resolved(any_of(bound) if bound else _never, True, (), tuple(bad))

    return Comparer(KIND, resolve=resolve)


OPERATORS = (
    OperatorSpec("ArnEquals", "Arn", build_arn, variables=True),
    OperatorSpec("ArnLike", "Arn", build_arn, variables=True),
    OperatorSpec("ArnNotEquals", "Arn", build_arn, negated=True, variables=True),
    OperatorSpec("ArnNotLike", "Arn", build_arn, negated=True, variables=True),
)
