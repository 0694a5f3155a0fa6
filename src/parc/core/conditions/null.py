"""The Null operator: ``true`` when the key is absent from the request, ``false`` when it is present.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
"use either true (the key doesn't exist — it is null) or false (the key exists and its value is not null)". A
multivalued key with no values counts as absent. No ``IfExists`` form, no set prefix, no policy variables. The
policy values are booleans; the test is applied to the key's absence, rendered as ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Sequence

from parc.core.conditions.base import Comparer, OperatorSpec
from parc.core.conditions.boolean import build_bool


def build_null(values: Sequence[str], variables: bool) -> Comparer:
    return build_bool(values, False)


OPERATORS = (OperatorSpec("Null", "Null", build_null),)
