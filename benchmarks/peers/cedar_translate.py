"""Translate IAM identity policies into Cedar policies, as faithfully as Cedar allows.

The mapping (one Cedar policy per IAM statement, ``@id`` = the Sid or ``P<i>S<j>``):

- Effect Allow / Deny -> ``permit`` / ``forbid``. Cedar's forbid-overrides-permit and default deny are IAM's
  explicit deny and implicit deny, so the three decisions carry over (a Deny with a forbid among its reasons is
  the explicit one).
- The request: principal ``User::"<aws:username>"``, action ``Action::"<service:action, lower case>"``, resource
  ``Resource::"<ARN>"``; the context holds the IAM context keys, lower-cased (IAM key names are case-insensitive),
  plus ``action`` and ``resource`` as strings, because Cedar has no wildcard match on entity ids.
- Action: a list of exact names goes into the scope (``action in [...]``); wildcards become
  ``context.action like "s3:get*"`` (both sides lower-cased: IAM action names are case-insensitive); NotAction is
  the negation.
- Resource: ``context.resource like "<ARN pattern>"`` (case-sensitive, as IAM); ``*`` is no constraint.
- Conditions: a guard ``context has "<key>"`` per key, then StringEquals / StringNotEquals (``==``), StringLike /
  StringNotLike (``like``), IpAddress / NotIpAddress (``isInRange`` on the ``ip`` extension), Date* (the
  ``datetime`` extension, epoch seconds converted), Numeric* on integers, Bool, Null, and ``...IfExists``; values
  OR, keys and operators AND; a negated operator or IfExists holds when the key is absent, as in IAM.
- ``${aws:username}`` alone as a condition value compares two context keys. Inside a pattern (a resource ARN,
  ``home/${aws:username}/*``) Cedar cannot build a pattern at request time, so the statement is expanded over the
  workload's closed set of user names: one ``aws:username == "u" && ... like "<pattern for u>"`` per user. Exact for
  the workload's principals, wrong for anyone else.
- AWS rules outside the policies' text, for a request that has identity policies only: ``sts:GetCallerIdentity``
  is always allowed, even against an explicit deny (a permit for it, and ``unless`` it in every forbid); a role's
  trust policy must allow ``sts:AssumeRole*`` (and the session actions) and a KMS key's key policy must allow any
  use of the key, so no permit holds for those (``unless`` in every permit).

What does not translate (the statement is left out and listed in ``Translation.skipped``; none of it occurs in the
generated workload): ``?`` wildcards (Cedar's ``like`` has only ``*``), the IgnoreCase operators (Cedar has no
case folding), ForAllValues / ForAnyValue, Arn* and Binary operators, decimals in Numeric*, variables other than
single-valued keys with no closed set of values, and a key used with two types (a string and an IP address).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
_RELATIONS = {"Equals": "==", "LessThan": "<", "LessThanEquals": "<=", "GreaterThan": ">", "GreaterThanEquals": ">="}
GET_CALLER_IDENTITY = "sts:getcalleridentity"
TRUST_POLICY_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
)
_NEEDS_RESOURCE_POLICY = (
    "[" + ", ".join(f'"{a}"' for a in TRUST_POLICY_ACTIONS) + "].contains(context.action) || "
    '(context.action like "kms:*" && context.resource like "*:key/*")'
)


class Untranslatable(ValueError):
    pass


@dataclass(frozen=True)
class Translation:
    text: str
    """The Cedar policy set."""
    key_types: dict[str, str]
    """Lower-cased context key -> ``string`` | ``ip`` | ``datetime`` | ``bool`` | ``long``: how to pass its value."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(policy id, reason)`` for each statement Cedar cannot express."""
    count: int = 0
    """Statements translated."""


def _lit(text: str) -> str:
    """A Cedar string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _like(pattern: str) -> str:
    """An IAM wildcard pattern as a Cedar ``like`` pattern: ``*`` stays the wildcard, ``?`` has no equivalent."""
    if "?" in pattern:
        raise Untranslatable(f"'?' wildcard in {pattern!r} (Cedar's like has only '*')")
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ctx(key: str) -> str:
    return f"context[{_lit(key)}]"


def _has(key: str) -> str:
    return f"context has {_lit(key)}"


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _iso(value: Any) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return datetime.fromtimestamp(int(text), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


def _family(op: str) -> str:
    if op in ("IpAddress",):
        return "ip"
    if op.startswith("Date"):
        return "datetime"
    if op == "Bool":
        return "bool"
    if op.startswith("Numeric"):
        return "long"
    return "string"


def _split(full: str) -> tuple[str, bool]:
    if ":" in full:
        raise Untranslatable(f"set operator {full} (ForAllValues / ForAnyValue)")
    if full.endswith("IfExists"):
        return full[: -len("IfExists")], True
    return full, False


class _Translator:
    def __init__(self, usernames: Sequence[str]) -> None:
        self.usernames = tuple(usernames)
        self.key_types: dict[str, str] = {}
        self.presence: set[str] = set()
        """Keys only a Null condition reads: passed (as strings) so that their presence shows."""

    def _typed(self, key: str, family: str) -> None:
        seen = self.key_types.setdefault(key, family)
        if seen != family:
            raise Untranslatable(f"context key {key} used as {seen} and as {family}")

    def _expand_user(self, variables: bool, text: str, build: Any) -> str:
        """``build(substituted_text)`` for each user when ``text`` holds ``${aws:username}``; else once."""
        names = {m.group(1).strip() for m in _VARIABLE.finditer(text)} if variables else set()
        if not names:
            return str(build(text))
        if {n.lower() for n in names} != {"aws:username"}:
            raise Untranslatable(f"policy variables {sorted(names)} (only ${{aws:username}} expands)")
        if not self.usernames:
            raise Untranslatable("${aws:username} in a pattern needs the workload's user names")
        self._typed("aws:username", "string")
        terms = []
        for u in self.usernames:
            substituted = _VARIABLE.sub(u.replace("\\", "\\\\"), text)  # u is literal replacement text
            terms.append(f"({_has('aws:username')} && {_ctx('aws:username')} == {_lit(u)} && {build(substituted)})")
        return "(" + " || ".join(terms) + ")"

    def action_scope_and_clause(self, st: Json) -> tuple[str, str | None]:
        if "Action" in st:
            patterns = [str(p).lower() for p in _as_list(st["Action"])]
            if "*" in patterns:
                return "action", None
            if not any(c in p for p in patterns for c in "*?"):
                ids = ", ".join(f"Action::{_lit(p)}" for p in patterns)
                return f"action in [{ids}]", None
            return "action", self._action_match(patterns)
        patterns = [str(p).lower() for p in _as_list(st.get("NotAction"))]
        if "*" in patterns:
            return "action", "false"
        return "action", f"!{self._action_match(patterns)}"

    @staticmethod
    def _action_match(patterns: list[str]) -> str:
        terms = [
            f"context.action like {_like(p)}" if "*" in p or "?" in p else f"context.action == {_lit(p)}"
            for p in patterns
        ]
        return "(" + " || ".join(terms) + ")"

    def resource_clause(self, st: Json, variables: bool) -> str | None:
        key = "Resource" if "Resource" in st else "NotResource"
        patterns = [str(p) for p in _as_list(st.get(key))]
        if "*" in patterns:
            return None if key == "Resource" else "false"

        def one(p: str) -> str:
            return f"context.resource like {_like(p)}" if "*" in p or "?" in p else f"context.resource == {_lit(p)}"

        expr = "(" + " || ".join(self._expand_user(variables, p, one) for p in patterns) + ")"
        return expr if key == "Resource" else f"!{expr}"

    def condition(self, full: str, key_raw: str, values: Any, variables: bool) -> str:
        op, if_exists = _split(full)
        key = key_raw.lower()
        vals = _as_list(values)
        if op == "Null":
            self.presence.add(key)
            want_absent = {str(v).lower() == "true" for v in vals}
            if want_absent == {True, False}:
                return "true"
            return f"!({_has(key)})" if True in want_absent else f"({_has(key)})"
        positive = _NEGATED.get(op, op)
        negated = positive != op
        family = _family(positive)
        terms = [self._match(positive, key, v, variables) for v in vals]
        self._typed(key, family)
        expr = "(" + " || ".join(terms) + ")"
        if negated:
            expr = f"!{expr}"
        if negated or if_exists:
            return f"(!({_has(key)}) || {expr})"
        return f"({_has(key)} && {expr})"

    def _match(self, op: str, key: str, value: Any, variables: bool) -> str:
        subject = _ctx(key)
        if op in ("StringEquals", "StringLike"):
            text = str(value)
            whole = _VARIABLE.fullmatch(text) if variables else None
            if whole and "," not in whole.group(1):
                other = whole.group(1).strip().lower()
                self._typed(other, "string")
                return f"({_has(other)} && {subject} == {_ctx(other)})"
            if op == "StringEquals":
                return self._expand_user(variables, text, lambda t: f"{subject} == {_lit(t)}")
            return self._expand_user(variables, text, lambda t: f"{subject} like {_like(t)}")
        if op == "IpAddress":
            return f"{subject}.isInRange(ip({_lit(str(value).strip())}))"
        if op.startswith("Date"):
            return f"{subject} {_RELATIONS[op[len('Date') :]]} datetime({_lit(_iso(value))})"
        if op.startswith("Numeric"):
            text = str(value).strip()
            if not re.fullmatch(r"-?\d+", text):
                raise Untranslatable(f"non-integer number {text!r} (Cedar's long)")
            return f"{subject} {_RELATIONS[op[len('Numeric') :]]} {int(text)}"
        if op == "Bool":
            return f"{subject} == {'true' if str(value).lower() == 'true' else 'false'}"
        raise Untranslatable(f"operator {op}")

    def statement(self, st: Json, pid: str, variables: bool) -> str:
        effect = {"Allow": "permit", "Deny": "forbid"}.get(str(st.get("Effect")))
        if effect is None:
            raise Untranslatable(f"Effect {st.get('Effect')!r}")
        saved = dict(self.key_types)
        try:
            scope, action_clause = self.action_scope_and_clause(st)
            clauses = [c for c in (action_clause, self.resource_clause(st, variables)) if c]
            for full, block in (st.get("Condition") or {}).items():
                for key, values in block.items():
                    clauses.append(self.condition(full, key, values, variables))
        except Untranslatable:
            self.key_types = saved
            raise
        when = " && ".join(clauses) if clauses else "true"
        if effect == "forbid":
            unless = f" unless {{ action == Action::{_lit(GET_CALLER_IDENTITY)} }}"
        else:
            unless = f" unless {{ {_NEEDS_RESOURCE_POLICY} }}"
        return f"@id({_lit(pid)})\n{effect} (principal, {scope}, resource)\nwhen {{ {when} }}{unless};"


def translate(policies: Sequence[Json], usernames: Sequence[str] = ()) -> Translation:
    tr = _Translator(usernames)
    out = [f'@id("get-caller-identity")\npermit (principal, action == Action::{_lit(GET_CALLER_IDENTITY)}, resource);']
    skipped: list[tuple[str, str]] = []
    count = 0
    for i, doc in enumerate(policies):
        variables = doc.get("Version") == "2012-10-17"
        for j, st in enumerate(_as_list(doc.get("Statement", []))):
            pid = f"P{i}S{j}" + (f"-{st['Sid']}" if st.get("Sid") else "")
            try:
                out.append(tr.statement(st, pid, variables))
                count += 1
            except Untranslatable as exc:
                skipped.append((pid, str(exc)))
    key_types = {k: "string" for k in tr.presence} | tr.key_types
    return Translation("\n\n".join(out) + "\n", key_types, skipped, count)


def cedar_context(request: Json, key_types: dict[str, str]) -> Json:
    """The Cedar context of an IAM request: the keys the policies use, typed; plus ``action`` and ``resource``."""
    ctx: Json = {"action": str(request["action"]).lower(), "resource": str(request.get("resource", "*"))}
    for k, v in (request.get("context") or {}).items():
        key = str(k).lower()
        kind = key_types.get(key)
        if kind is None or isinstance(v, list):
            continue
        if kind == "string":
            ctx[key] = str(v)
        elif kind == "ip":
            ctx[key] = {"__extn": {"fn": "ip", "arg": str(v)}}
        elif kind == "datetime":
            ctx[key] = {"__extn": {"fn": "datetime", "arg": _iso(v)}}
        elif kind == "bool":
            text = str(v).lower()
            if text in ("true", "false"):
                ctx[key] = text == "true"
        elif kind == "long":
            try:
                ctx[key] = int(str(v))
            except ValueError:
                continue
    return ctx
