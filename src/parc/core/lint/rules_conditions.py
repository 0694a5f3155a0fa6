"""Lint rules for the Condition element: operators, keys, their types, set qualifiers, and the values written.

Sources: the operators and what each accepts,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html ; the global
keys, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html ; single- and
multivalued keys, the page reference_policies_condition-single-vs-multi-valued-context-keys.html beside them;
service keys and which actions support them, the Service Authorization Reference through the catalog.

A key the catalog does not list is an error when it is a near miss of one it does (a typo, with the fix), and a
warning otherwise: AWS accepts keys its reference does not list (AWS managed policies use some), so an unlisted key
is not proof of a mistake.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from parc.core.catalog import (
    FAMILY_KEY_TYPES,
    KEY_TYPE_FAMILY,
    Catalog,
    ConditionKeyInfo,
    KeyType,
    OperatorError,
    OperatorFamily,
    ParsedOperator,
    parse_operator,
)
from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_catalog_common import (
    CONDITION_PAGE,
    GLOBAL_KEYS_PAGE,
    MULTIVALUED_PAGE,
    SERVICE_REFERENCE,
    StatementActions,
    catalog_of,
    check_link,
    finding,
    statement_actions,
)
from parc.core.policy.model import ConditionEntry, ConditionScalar, Statement

E = FindingType.ERROR
SW = FindingType.SECURITY_WARNING
W = FindingType.WARNING
S = FindingType.SUGGESTION

TAG_FAMILIES = ("aws:principaltag", "aws:resourcetag", "aws:requesttag")
DEPRECATED = {"aws:arn": "aws:PrincipalArn or aws:SourceArn"}
"""https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
(Unsupported global condition key)."""
CROSS_SERVICE = frozenset(
    {
        "ec2:roledelivery",
        "ec2:sourceinstancearn",
        "glue:roleassumedby",
        "glue:credentialissuingservice",
        "lambda:sourcefunctionarn",
        "ssm:sourceinstancearn",
        "identitystore:userid",
    }
)
"""Service-prefixed keys AWS sets on other services' requests too (the global keys page's cross-service keys)."""
TAG_SUPPORT_KEYS = ("aws:resourcetag/", "aws:requesttag/", "aws:tagkeys")
"""Global keys that only some actions support; the catalog lists them per action and resource type."""


CODES = (
    "INVALID_CONDITION_OPERATOR",
    "NULL_WITH_IF_EXISTS",
    "NULL_WITH_QUALIFIER",
    "INVALID_CONDITION_KEY_FORMAT",
    "MISSING_TAG_KEY_IN_CONDITION",
    "UNSUPPORTED_GLOBAL_CONDITION_KEY",
    "INVALID_GLOBAL_CONDITION_KEY",
    "INVALID_SERVICE_CONDITION_KEY",
    "INVALID_SERVICE",
    "UNKNOWN_CONDITION_KEY",
    "RETIRED_CONDITION_KEY",
    "TYPE_MISMATCH",
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    "FORANYVALUE_WITH_SINGLE_VALUED_KEY",
    "MISSING_QUALIFIER",
    "TYPE_MISMATCH_NUMBER",
    "TYPE_MISMATCH_DATE",
    "TYPE_MISMATCH_BOOLEAN",
    "TYPE_MISMATCH_IP_RANGE",
    "TYPE_MISMATCH_STRING",
    "INVALID_CONDITION_MULTIPLE_BOOLEAN",
    "INVALID_DATE_VALUE",
    "IMPROVE_IP_RANGE",
    "WILDCARD_WITHOUT_LIKE_OPERATOR",
    "UNSUPPORTED_CONDITION_KEY_FOR_ACTIONS",
)


@rule(*CODES, needs_catalog=True)
def conditions(ctx: LintContext) -> Iterator[Finding]:
    catalog = catalog_of(ctx)
    if catalog is None:
        return
    for st in ctx.policy.statements:
        if not st.conditions:
            continue
        acts: StatementActions | None = None
        reported_ops: set[str] = set()
        for ce in st.conditions:
            op_path = f"{st.path}.Condition.{ce.operator}"
            try:
                op = parse_operator(ce.operator)
            except OperatorError as exc:
                if op_path not in reported_ops:
                    reported_ops.add(op_path)
                    yield _operator_error(ce, op_path, exc)
                op = None
            if op is not None and op_path not in reported_ops:
                reported_ops.add(op_path)
                yield from _operator_form(ce, op, op_path)
            info, key_findings = _lookup_key(catalog, ce)
            yield from key_findings
            if op is None:
                continue
            yield from _values(ce, op, info, ctx.policy.variables_enabled)
            if info is None:
                continue
            yield from _key_against_operator(ce, op, info)
            if acts is None:
                acts = statement_actions(catalog, st) or StatementActions((), False)
            found = _support(catalog, st, ce, acts)
            if found is not None:
                yield found


# --- operators --------------------------------------------------------------------------------------------------


def _operator_error(ce: ConditionEntry, op_path: str, exc: OperatorError) -> Finding:
    return finding(
        "INVALID_CONDITION_OPERATOR",
        E,
        f"The condition operator {ce.operator!r} is not valid: {exc}."
        + (f" Did you mean {exc.suggestion!r}?" if exc.suggestion else "")
        + " Operator names are case-sensitive.",
        op_path,
        ce.operator_pos,
        check_link(E, "Invalid condition operator"),
        f"Did you mean {exc.suggestion!r}?" if exc.suggestion else None,
    )


def _operator_form(ce: ConditionEntry, op: ParsedOperator, op_path: str) -> Iterator[Finding]:
    if op.family is OperatorFamily.NULL and op.if_exists:
        yield finding(
            "NULL_WITH_IF_EXISTS",
            E,
            f"{ce.operator!r}: the Null operator cannot take the IfExists suffix.",
            op_path,
            ce.operator_pos,
            check_link(E, "Null with if exists"),
            "Use Null on its own: it already tests whether the key is present.",
        )
    if op.family is OperatorFamily.NULL and op.qualifier:
        yield finding(
            "NULL_WITH_QUALIFIER",
            S,
            f"{ce.operator!r}: Null with {op.qualifier} always returns "
            f"{'true' if op.qualifier == 'ForAllValues' else 'false'}.",
            op_path,
            ce.operator_pos,
            check_link(S, "Null with qualifier"),
            "Use Null without a set qualifier.",
        )


# --- keys -------------------------------------------------------------------------------------------------------


def _lookup_key(catalog: Catalog, ce: ConditionEntry) -> tuple[ConditionKeyInfo | None, list[Finding]]:
    key = ce.key
    low = key.lower()
    prefix, sep, rest = low.partition(":")
    if not sep or not prefix or not rest:
        return None, [
            finding(
                "INVALID_CONDITION_KEY_FORMAT",
                E,
                f"{key!r} is not a condition key: keys are written service:name, such as aws:SourceIp.",
                ce.path,
                ce.pos,
                check_link(E, "Invalid condition key format"),
            )
        ]
    if prefix == "aws":
        return _global_key(catalog, ce, low)
    info = catalog.condition_key(key)
    if info is not None:
        return info, []
    if "." in prefix or "/" in prefix or "$" in prefix:
        # A key of an identity provider (accounts.google.com:aud, an EKS OIDC issuer ...): not the catalog's to say.
        return None, []
    if catalog.retired_condition_key(key) or catalog.retired_service(prefix):
        return None, [_retired_key(ce)]
    if not catalog.service_exists(prefix):
        guess = catalog.suggest_service(prefix)
        return None, [
            finding(
                "INVALID_SERVICE",
                E,
                f"The condition key {key!r} names the service {prefix!r}, which does not exist."
                + (f" Did you mean {guess!r}?" if guess else ""),
                ce.path,
                ce.pos,
                check_link(E, "Invalid service"),
                f"Did you mean {guess}:{key.partition(':')[2]!r}?" if guess else None,
            )
        ]
    near = _near_key(catalog, prefix, low)
    if near is not None:
        return None, [
            finding(
                "INVALID_SERVICE_CONDITION_KEY",
                E,
                f"The condition key {key!r} does not exist in the service {prefix!r}. Did you mean {near!r}?",
                ce.path,
                ce.pos,
                check_link(E, "Invalid service condition key"),
                f"Did you mean {near!r}?",
            )
        ]
    return None, [_unknown_key(ce, catalog, SERVICE_REFERENCE)]


def _global_key(catalog: Catalog, ce: ConditionEntry, low: str) -> tuple[ConditionKeyInfo | None, list[Finding]]:
    key = ce.key
    family = next((f for f in TAG_FAMILIES if low == f or low == f + "/"), None)
    if family is not None:
        return None, [
            finding(
                "MISSING_TAG_KEY_IN_CONDITION",
                E,
                f"{key!r} needs a tag key: write {key.rstrip('/')}/tag-key, such as {key.rstrip('/')}/Owner.",
                ce.path,
                ce.pos,
                check_link(E, "Missing tag key in condition"),
            )
        ]
    if low in DEPRECATED:
        return None, [
            finding(
                "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                E,
                f"The condition key {key!r} is not supported. Use {DEPRECATED[low]} instead.",
                ce.path,
                ce.pos,
                check_link(E, "Unsupported global condition key"),
                f"Use {DEPRECATED[low]}.",
            )
        ]
    info = catalog.condition_key(key)
    if info is not None:
        return info, []
    near = _near_key(catalog, "aws", low)
    if near is not None:
        return None, [
            finding(
                "INVALID_GLOBAL_CONDITION_KEY",
                E,
                f"The global condition key {key!r} does not exist. Did you mean {near!r}?",
                ce.path,
                ce.pos,
                check_link(E, "Invalid global condition key"),
                f"Did you mean {near!r}?",
            )
        ]
    return None, [_unknown_key(ce, catalog, GLOBAL_KEYS_PAGE)]


def _near_key(catalog: Catalog, prefix: str, low: str) -> str | None:
    return catalog.suggest_condition_key(low)


def _unknown_key(ce: ConditionEntry, catalog: Catalog, link: str) -> Finding:
    return finding(
        "UNKNOWN_CONDITION_KEY",
        W,
        f"The condition key {ce.key!r} is not in the catalog (version {catalog.data_version()}). If it is not a key "
        "the service sets, the condition never matches (or, negated, always does).",
        ce.path,
        ce.pos,
        link,
    )


def _retired_key(ce: ConditionEntry) -> Finding:
    return finding(
        "RETIRED_CONDITION_KEY",
        W,
        f"The condition key {ce.key!r} belongs to something AWS retired: no request carries it any more.",
        ce.path,
        ce.pos,
        CONDITION_PAGE,
        "Remove the condition, or the statement if it only served the retired service.",
    )


# --- the key against the operator ------------------------------------------------------------------------------


def _key_against_operator(ce: ConditionEntry, op: ParsedOperator, info: ConditionKeyInfo) -> Iterator[Finding]:
    if op.family is OperatorFamily.NULL:
        return
    allowed = FAMILY_KEY_TYPES[op.family]
    if not allowed.intersection(info.types):
        family = KEY_TYPE_FAMILY[info.type]
        yield finding(
            "TYPE_MISMATCH",
            W,
            f"The key {ce.key!r} is of type {info.type.value}; the {op.family.value} operator {ce.operator!r} does not "
            f"apply to it. Use a {family.value} operator.",
            ce.path,
            ce.pos,
            check_link(W, "Type mismatch"),
            f"Use a {family.value} operator, such as {_example_operator(family)}.",
        )
    if op.qualifier == "ForAllValues" and not info.multivalued:
        yield finding(
            "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
            SW,
            f"ForAllValues with the single-valued key {ce.key!r} can be overly permissive: it is also true when the "
            "key is missing from the request.",
            ce.path,
            ce.pos,
            check_link(SW, "ForAllValues with single valued key"),
            f"Remove ForAllValues: and use {op.spec.name}{'IfExists' if op.if_exists else ''}.",
        )
    elif op.qualifier == "ForAnyValue" and not info.multivalued:
        yield finding(
            "FORANYVALUE_WITH_SINGLE_VALUED_KEY",
            S,
            f"ForAnyValue with the single-valued key {ce.key!r} adds nothing: a single value is a set of one.",
            ce.path,
            ce.pos,
            MULTIVALUED_PAGE,
            f"Remove ForAnyValue: and use {op.spec.name}.",
        )
    elif op.qualifier is None and info.multivalued:
        # Access Analyzer has an error; a request with a single value still matches, and AWS managed policies do
        # this (events:detail-type), so parc warns.
        yield finding(
            "MISSING_QUALIFIER",
            W,
            f"The key {ce.key!r} can have several values in a request; {ce.operator!r} without ForAllValues or "
            "ForAnyValue does not match a request that sends more than one.",
            ce.path,
            ce.pos,
            check_link(E, "Missing qualifier"),
            f"Use ForAnyValue:{ce.operator} (some value matches) or ForAllValues:{ce.operator} (every value does).",
        )


def _example_operator(family: OperatorFamily) -> str:
    return {
        OperatorFamily.STRING: "StringEquals",
        OperatorFamily.NUMERIC: "NumericLessThan",
        OperatorFamily.DATE: "DateGreaterThan",
        OperatorFamily.BOOL: "Bool",
        OperatorFamily.BINARY: "BinaryEquals",
        OperatorFamily.IP_ADDRESS: "IpAddress",
        OperatorFamily.ARN: "ArnLike",
        OperatorFamily.NULL: "Null",
    }[family]


# --- values -----------------------------------------------------------------------------------------------------


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EPOCH = re.compile(r"\d{1,15}(?:\.\d{1,9})?")
_W3C = re.compile(
    r"\d{4}(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)


def _text(value: ConditionScalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_number(text: str) -> bool:
    """An integer or decimal, as the numeric operators read it."""
    if not _NUMBER.fullmatch(text):
        return False
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def is_date(text: str) -> bool:
    """Epoch seconds, or a W3C ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD, with a time hh:mm[:ss[.s]] and zone)."""
    if _EPOCH.fullmatch(text):
        return True
    m = _W3C.fullmatch(text)
    if m is None:
        return False
    month, day, hour, minute, second = (int(g) if g else None for g in m.groups())
    return (
        (month is None or 1 <= month <= 12)
        and (day is None or 1 <= day <= 31)
        and (hour is None or hour <= 23)
        and (minute is None or minute <= 59)
        and (second is None or second <= 60)
    )


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _host_bits(text: str) -> str | None:
    """The network to write instead when a CIDR has bits set after its prefix (203.0.113.5/24 -> 203.0.113.0/24)."""
    if "/" not in text:
        return None
    net = ipaddress.ip_network(text, strict=False)
    return None if net.network_address == ipaddress.ip_address(text.split("/")[0]) else str(net)


def is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _values(
    ce: ConditionEntry, op: ParsedOperator, info: ConditionKeyInfo | None, variables: bool
) -> Iterator[Finding]:
    family = op.family
    if family is OperatorFamily.BOOL and len(ce.values) > 1:
        yield finding(
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            E,
            f"The key {ce.key!r} takes a single Boolean value; {len(ce.values)} are given.",
            ce.path,
            ce.pos,
            check_link(E, "Invalid condition multiple Boolean"),
            "Keep one value, true or false.",
        )
    for cv in ce.values:
        text = _text(cv.value)
        if "${" in text and variables:
            continue  # resolved at request time; the variables rules check their form
        found = _value(ce, op, info, text)
        if found is not None:
            code, ftype, message, title, fix = found
            link = check_link(ftype, title) if title else CONDITION_PAGE
            yield finding(code, ftype, message, cv.path, cv.pos, link, fix)


def _value(
    ce: ConditionEntry, op: ParsedOperator, info: ConditionKeyInfo | None, text: str
) -> tuple[str, FindingType, str, str, str | None] | None:
    family = op.family
    if family is OperatorFamily.NULL or family is OperatorFamily.BOOL:
        if text.lower() not in ("true", "false"):
            return ("TYPE_MISMATCH_BOOLEAN", W, f"{ce.operator} takes true or false, not {text!r}.",
                    "Type mismatch Boolean", "Use true or false.")
        return None
    if family is OperatorFamily.NUMERIC:
        if not is_number(text):
            return ("TYPE_MISMATCH_NUMBER", W, f"{ce.operator} takes a number, not {text!r}: the condition never "
                    "matches.", "Type mismatch number", None)
        return None
    if family is OperatorFamily.DATE:
        if not is_date(text):
            return ("TYPE_MISMATCH_DATE", W, f"{ce.operator} takes an ISO 8601 date or epoch seconds, not {text!r}: "
                    "the condition never matches.", "Type mismatch date", "Write the date as YYYY-MM-DD or "
                    "YYYY-MM-DDThh:mm:ssZ.")
        if _EPOCH.fullmatch(text) and (info is None or KeyType.NUMERIC not in info.types):
            return ("INVALID_DATE_VALUE", W, f"{text!r} is read as epoch seconds, which might not resolve as you "
                    "expect.", "Invalid date value", "Write the date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")
        return None
    if family is OperatorFamily.IP_ADDRESS:
        if not is_ip(text):
            return ("TYPE_MISMATCH_IP_RANGE", E, f"{ce.operator} takes an IP address or CIDR range, not {text!r}.",
                    "Type mismatch IP range", "Write the range in CIDR notation, such as 203.0.113.0/24.")
        better = _host_bits(text)
        if better is not None:
            return ("IMPROVE_IP_RANGE", S, f"{text!r} has bits set after its prefix length, which IAM ignores.",
                    "Improve IP range", f"Write {better}.")
        return None
    if family is OperatorFamily.BINARY:
        if not is_base64(text):
            return ("TYPE_MISMATCH_STRING", W, f"{ce.operator} takes a base64-encoded value, not {text!r}.",
                    "Type mismatch string", None)
        return None
    if family is OperatorFamily.STRING and not op.spec.like and ("*" in text or "?" in text):
        return ("WILDCARD_WITHOUT_LIKE_OPERATOR", W, f"{text!r} has a * or ? that {ce.operator} compares as a "
                "literal character.", "Wildcard without like operator",
                f"If you meant a wildcard, use {ce.operator.replace('Equals', 'Like').replace('IgnoreCase', '')}.")
    return None


# --- keys the statement's actions do not support ------------------------------------------------------------------


def _support(catalog: Catalog, st: Statement, ce: ConditionEntry, acts: StatementActions) -> Finding | None:
    """A service key (or a tag key) that none of the statement's actions supports is never in their requests."""
    low = ce.key.lower()
    if not acts.complete or not acts.actions or low in CROSS_SERVICE:
        return None
    if low.startswith("aws:") and not low.startswith(TAG_SUPPORT_KEYS):
        return None
    prefix = low.partition(":")[0]
    if "." in prefix or "/" in prefix:
        return None
    if any(catalog.action_supports_key(a, ce.key) for a in acts.actions):
        return None
    names = [a.full_name for a in acts.actions]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return finding(
        "UNSUPPORTED_CONDITION_KEY_FOR_ACTIONS",
        W,
        f"Statement {st.label}: none of its actions ({shown}) supports the condition key {ce.key!r}, so the key is "
        "never in their requests and the condition does not do what it says.",
        ce.path,
        ce.pos,
        SERVICE_REFERENCE,
        "Use a key the actions support, or move the condition to a statement whose actions support it.",
    )
