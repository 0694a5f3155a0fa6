"""BinaryEquals: the policy value is base64; it is compared byte for byte with the request value.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
The request context holds text, so a binary key's value is given base64-encoded too; both sides are decoded
strictly (bad padding or foreign characters do not decode, and never match) and compared as bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from functools import lru_cache

from parc.core.conditions.base import Comparer, OperatorSpec, Resolved, parsed_values

KIND = "base64"


@lru_cache(maxsize=1024)
def parse_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def build_binary(values: Sequence[str], variables: bool) -> Comparer:
    good, bad = parsed_values(values, parse_base64)
    members = frozenset(good)

    def test(r: str) -> bool | None:
        b = parse_base64(r)
        return None if b is None else b in members

    return Comparer(KIND, static=Resolved(test, not bad, bad))


OPERATORS = (OperatorSpec("BinaryEquals", "Binary", build_binary),)
