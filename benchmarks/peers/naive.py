"""A deliberately simple reference: every request walks every statement, matching with fnmatch.

Nothing is compiled or indexed, so it is the floor any engine should beat; it is written independently of parc from
AWS's documentation, so it is also a second opinion on parc's decisions. What it covers: identity policies only
(Action / NotAction, Resource / NotResource, Condition), explicit deny over allow, implicit deny by default, policy
variables under Version 2012-10-17, and every condition operator family with IfExists, ForAllValues / ForAnyValue
and the missing-key rules.

Simplifications, all outside what the workload generates: Resource wildcards are matched over the whole ARN (AWS
matches per colon-separated segment, letting a segment's trailing ``*`` run past colons; the two agree on the
generated, well-formed ARNs); multivalued context keys are lists.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from .base import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Json, Peer

VERSION_2012 = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULTED = re.compile(r"\s*([^,\s]+)\s*,\s*'([^']*)'\s*")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_POSITIVE = frozenset(
    {
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "ArnEquals",
        "ArnLike",
    }
)


class Unresolved(Exception):
    """A policy variable with no value in the request: the text that holds it matches nothing."""


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def substitute(text: str, ctx: dict[str, Any], glob: bool, variables: bool = True) -> str:
    """Replace ``${key}``, ``${key, 'default'}``, ``${*}``, ``${?}``, ``${$}`` by literal text.

    With ``glob`` the result is an fnmatch pattern: the policy's own ``*`` and ``?`` stay wildcards, everything a
    variable brings in (and any ``[``) is literal. Without ``variables`` (a policy not under 2012-10-17) the
    ``${...}`` text itself is literal.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    """

    def literal(t: str) -> str:
        return t.replace("[", "[[]") if glob else t

    if not variables or "${" not in text:
        return literal(text)
    out: list[str] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        out.append(literal(text[pos : m.start()]))
        out.append(_glob_escape(_resolve(m.group(1), ctx)) if glob else _resolve(m.group(1), ctx))
        pos = m.end()
    out.append(literal(text[pos:]))
    return "".join(out)


def _resolve(inner: str, ctx: dict[str, Any]) -> str:
    if inner in _SPECIAL:
        return _SPECIAL[inner]
    d = _DEFAULTED.fullmatch(inner)
    key, default = (d.group(1), d.group(2)) if d else (inner.strip(), None)
    found = ctx.get(key.lower())
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, str | int | float):
        return str(found)
    if default is not None:
        return default
    raise Unresolved(inner)  # absent, or multivalued: multivalued keys cannot be variables


def _parse_date(value: Any) -> datetime | None:
    text = str(value).strip()
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), UTC)  # epoch seconds
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _arn_match(pattern: str, arn: str) -> bool:
    """Arn* operators: the six colon-separated parts are compared one by one, each may hold wildcards."""
    p_parts, a_parts = pattern.split(":", 5), arn.split(":", 5)
    if len(p_parts) != 6 or len(a_parts) != 6:
        return False
    return all(fnmatchcase(a, p) for p, a in zip(p_parts, a_parts, strict=True))


def _compare(op: str, actual: Any, expected: Any, ctx: dict[str, Any], variables: bool) -> bool:
    """One context value against one policy value, for a positive operator."""
    if op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"):
        try:
            want = substitute(str(expected), ctx, op in ("StringLike", "ArnEquals", "ArnLike"), variables)
        except Unresolved:
            return False
        have = str(actual)
        if op == "StringEquals":
            return have == want
        if op == "StringEqualsIgnoreCase":
            return have.lower() == want.lower()
        if op == "StringLike":
            return fnmatchcase(have, want)
        return _arn_match(want, have)
    if op.startswith("Numeric"):
        a, e = _number(actual), _number(expected)
        if a is None or e is None:
            return False
        return _ordered(op[len("Numeric") :], a, e)
    if op.startswith("Date"):
        da, de = _parse_date(actual), _parse_date(expected)
        if da is None or de is None:
            return False
        return _ordered(op[len("Date") :], da, de)
    if op == "Bool":
        return str(actual).lower() == str(expected).lower()
    if op == "BinaryEquals":
        return str(actual) == str(expected)
    if op == "IpAddress":
        try:
            network = ipaddress.ip_network(str(expected).strip(), strict=False)
            return ipaddress.ip_address(str(actual).strip()) in network
        except ValueError:
            return False
    raise ValueError(f"unknown operator {op}")


def _ordered(relation: str, a: Any, e: Any) -> bool:
    if relation == "Equals":
        return bool(a == e)
    if relation == "LessThan":
        return bool(a < e)
    if relation == "LessThanEquals":
        return bool(a <= e)
    if relation == "GreaterThan":
        return bool(a > e)
    if relation == "GreaterThanEquals":
        return bool(a >= e)
    raise ValueError(f"unknown relation {relation}")


def _split_operator(full: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (``ForAnyValue``, ``StringLike``, True)."""
    qualifier = None
    if ":" in full:
        qualifier, full = full.split(":", 1)
    if_exists = full.endswith("IfExists")
    return qualifier, full[: -len("IfExists")] if if_exists else full, if_exists


def known_operator(full: str) -> bool:
    qualifier, op, _ = _split_operator(full)
    return qualifier in (None, "ForAllValues", "ForAnyValue") and (op in _POSITIVE or op in _NEGATED or op == "Null")


def condition_entry_holds(full_op: str, key: str, values: Any, ctx: dict[str, Any], variables: bool) -> bool:
    """One operator / key / values triple (values are ORed; a negated operator is a NOR).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    """
    qualifier, op, if_exists = _split_operator(full_op)
    expected = _as_list(values)
    present = key.lower() in ctx and ctx[key.lower()] is not None
    if op == "Null":
        want_absent = [str(v).lower() == "true" for v in expected]
        return any(w == (not present) for w in want_absent)
    if not present:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or op in _NEGATED
    positive = _NEGATED.get(op, op)
    negated = positive != op
    actual = _as_list(ctx[key.lower()])

    def matches(value: Any) -> bool:
        return any(_compare(positive, value, e, ctx, variables) for e in expected)

    if qualifier == "ForAllValues":
        return all((not matches(a)) if negated else matches(a) for a in actual)
    if qualifier == "ForAnyValue":
        return any((not matches(a)) if negated else matches(a) for a in actual)
    hit = any(matches(a) for a in actual)
    return not hit if negated else hit


def statement_applies(st: Json, action: str, resource: str, ctx: dict[str, Any], variables: bool) -> bool:
    """Action (case-insensitive), then resource (case-sensitive, with variables), then every condition."""
    if "Action" in st:
        if not any(fnmatchcase(action, str(p).lower()) for p in _as_list(st["Action"])):
            return False
    elif any(fnmatchcase(action, str(p).lower()) for p in _as_list(st.get("NotAction"))):
        return False
    patterns = _as_list(st["Resource"] if "Resource" in st else st.get("NotResource"))
    hit = False
    for p in patterns:
        try:
            pattern = substitute(str(p), ctx, True, variables)
        except Unresolved:
            continue
        if fnmatchcase(resource, pattern):
            hit = True
            break
    if hit != ("Resource" in st):
        return False
    for full_op, block in (st.get("Condition") or {}).items():
        for key, values in block.items():
            if not condition_entry_holds(full_op, key, values, ctx, variables):
                return False
    return True


# Identity policies alone never grant these: the role's trust policy must allow an AssumeRole* (and the session
# actions that ride on it), and a KMS key's key policy must allow any use of the key.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
TRUST_POLICY_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


def needs_resource_policy(action: str, resource: str) -> bool:
    """``action`` lower-cased. The benchmark has identity policies only, so such a request is never allowed."""
    return action in TRUST_POLICY_ACTIONS or (action.startswith("kms:") and ":key/" in resource)


class NaivePeer(Peer):
    name = "naive"
    notes = ("independent reference written from AWS's docs; a loop over every statement per request",)

    def __init__(self) -> None:
        self._policies: list[tuple[bool, list[Json]]] = []

    def prepare(self, policies: Sequence[Json], usernames: Sequence[str] = ()) -> None:
        self._policies = []
        for doc in policies:
            statements = [dict(s) for s in _as_list(doc.get("Statement", []))]
            for st in statements:
                for full_op in st.get("Condition") or {}:
                    if not known_operator(full_op):
                        raise ValueError(f"naive peer: unknown condition operator {full_op!r}")
            self._policies.append((doc.get("Version") == VERSION_2012, statements))

    def decide(self, request: Json) -> str:
        action = str(request["action"]).lower()
        if action == "sts:getcalleridentity":
            # Always allowed, even against an explicit deny.
            # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
            return ALLOW
        resource = str(request.get("resource", "*"))
        ctx = {str(k).lower(): v for k, v in (request.get("context") or {}).items()}
        allowed = False
        for variables, statements in self._policies:
            for st in statements:
                if statement_applies(st, action, resource, ctx, variables):
                    if st.get("Effect") == "Deny":
                        return EXPLICIT_DENY
                    allowed = True
        if allowed and needs_resource_policy(action, resource):
            return IMPLICIT_DENY
        return ALLOW if allowed else IMPLICIT_DENY
