"""Suggestions: elements that do nothing (empty arrays and objects) and entries that add nothing (redundant actions,
resources and statements).

Access Analyzer's suggestions EMPTY_ARRAY_*, EMPTY_OBJECT_*, REDUNDANT_ACTION, REDUNDANT_RESOURCE and
REDUNDANT_STATEMENT: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
An entry is redundant when every request it matches is matched by another entry of the same element. The
containment test (parc.core.lint.containment) is exact for ``*`` and ``?`` patterns, not a guess from prefixes; its
work is metered, and an entry it could not decide within the limit is reported as not checked (never as redundant or
as fine by guess).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.containment import WorkMeter, arn_contains, glob_contains, glob_wild, policy_meter
from parc.core.lint.rules_common import SourceContext, check_link, make, member
from parc.core.policy.jsonpos import JMember
from parc.core.policy.model import Located, Statement

S = FindingType.SUGGESTION

# --- wildcard containment (parc.core.lint.containment) -----------------------------------------------------------

NOT_CHECKED = "REDUNDANCY_NOT_CHECKED"
"""parc's own code: an element whose entries could not all be compared within the work limit (policy_meter)."""

def meter_of(ctx: LintContext) -> WorkMeter:
    """The policy's work meter: the one validate() made (shared by every rule), or a new one for a bare context."""
    if isinstance(ctx, SourceContext) and ctx.meter is not None:
        return ctx.meter
    return policy_meter(policy_chars(ctx))


def policy_chars(ctx: LintContext) -> int:
    """The policy's size for the work limit: its text, or (built from a dict) the length of its entries."""
    if isinstance(ctx, SourceContext) and ctx.text_chars is not None:
        return ctx.text_chars
    total = 0
    for st in ctx.policy.statements:
        for values in (st.action, st.not_action, st.resource, st.not_resource):
            total += sum(len(v.value) + 3 for v in values or ())
    return total


_WILDCARD = re.compile(r"[*?]")


def _literal_prefix(pattern: str) -> str:
    m = _WILDCARD.search(pattern)
    return pattern[: m.start()] if m else pattern


def _literal_suffix(pattern: str) -> str:
    i = max(pattern.rfind("*"), pattern.rfind("?"))
    return pattern[i + 1 :]


# --- empty arrays and objects -----------------------------------------------------------------------------------


@rule("EMPTY_ARRAY_ACTION", "EMPTY_ARRAY_RESOURCE", "EMPTY_ARRAY_PRINCIPAL", "EMPTY_OBJECT_PRINCIPAL")
def empty_elements(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        for key, code, what in (
            ("Action", "EMPTY_ARRAY_ACTION", "actions"),
            ("NotAction", "EMPTY_ARRAY_ACTION", "actions"),
            ("Resource", "EMPTY_ARRAY_RESOURCE", "resources"),
            ("NotResource", "EMPTY_ARRAY_RESOURCE", "resources"),
        ):
            _, node = member(st, key)
            if node is not None and node.kind == "array" and not node.items:
                yield make(
                    code,
                    S,
                    f"Statement {st.label}: {key} is an empty array, so the statement includes no {what} and does "
                    f"not affect the policy. Specify {what}.",
                    f"{st.path}.{key}",
                    node.pos,
                    check_link(S, f"Empty array {'action' if 'Action' in key else 'resource'}"),
                )
        for key in ("Principal", "NotPrincipal"):
            _, node = member(st, key)
            if node is None or node.kind != "object":
                continue
            if not node.members:
                yield make(
                    "EMPTY_OBJECT_PRINCIPAL",
                    S,
                    f"Statement {st.label}: {key} is an empty object, so the statement includes no principals and "
                    "does not affect the policy. Specify principals.",
                    f"{st.path}.{key}",
                    node.pos,
                    check_link(S, "Empty object principal"),
                )
                continue
            for m in node.members:
                if m.node.kind == "array" and not m.node.items:
                    yield make(
                        "EMPTY_ARRAY_PRINCIPAL",
                        S,
                        f"Statement {st.label}: {key}.{m.key} is an empty array and names no principals. Specify "
                        "principals or remove the key.",
                        f"{st.path}.{key}.{m.key}",
                        m.node.pos,
                        check_link(S, "Empty array principal"),
                    )


@rule(
    "EMPTY_OBJECT_CONDITION",
    "EMPTY_ARRAY_CONDITION",
    "EMPTY_ARRAY_CONDITION_FORALLVALUES",
    "EMPTY_ARRAY_CONDITION_FORANYVALUE",
    "EMPTY_ARRAY_CONDITION_IFEXISTS",
)
def empty_conditions(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        _, node = member(st, "Condition")
        if node is None or node.kind != "object":
            continue
        if not node.members:
            yield make(
                "EMPTY_OBJECT_CONDITION",
                S,
                f"Statement {st.label}: this condition block is empty and does not affect the policy. Specify "
                "conditions or remove the Condition element.",
                f"{st.path}.Condition",
                node.pos,
                check_link(S, "Empty object condition"),
            )
            continue
        for op in node.members:
            op_path = f"{st.path}.Condition.{op.key}"
            if op.node.kind != "object":
                continue
            if not op.node.members:
                yield make(
                    "EMPTY_OBJECT_CONDITION",
                    S,
                    f"Statement {st.label}: the condition operator {op.key} has an empty block and does not affect "
                    "the policy. Specify condition keys or remove the operator.",
                    op_path,
                    op.node.pos,
                    check_link(S, "Empty object condition"),
                )
                continue
            for km in op.node.members:
                if km.node.kind == "array" and not km.node.items:
                    yield _empty_condition_array(op.key, km.key, f"{op_path}.{km.key}", km)


def _empty_condition_array(operator: str, key: str, path: str, km: JMember) -> Finding:
    low = operator.lower()
    if low.startswith("forallvalues:"):
        code, title = "EMPTY_ARRAY_CONDITION_FORALLVALUES", "Empty array condition ForAllValues"
        msg = (
            f"The ForAllValues prefix with an empty condition key matches only if the key {key} is missing from the "
            "request context. To test for a missing key, use the Null condition operator with the value true."
        )
    elif low.startswith("foranyvalue:"):
        code, title = "EMPTY_ARRAY_CONDITION_FORANYVALUE", "Empty array condition ForAnyValue"
        msg = (
            f"The ForAnyValue prefix with an empty condition key {key} never matches the request context and does "
            "not affect the policy. Specify conditions."
        )
    elif low.endswith("ifexists"):
        code, title = "EMPTY_ARRAY_CONDITION_IFEXISTS", "Empty array condition IfExists"
        msg = (
            f"The IfExists suffix with an empty condition key matches only if the key {key} is missing from the "
            "request context. To test for a missing key, use the Null condition operator with the value true."
        )
    else:
        code, title = "EMPTY_ARRAY_CONDITION", "Empty array condition"
        msg = f"There are no values for the condition key {key} and it does not affect the policy. Specify values."
    return make(code, S, msg, path, km.node.pos, check_link(S, title))


# --- redundant entries and statements ---------------------------------------------------------------------------


Contains = Callable[[str, str, WorkMeter], bool | None]


@dataclass(frozen=True, slots=True)
class _Entry:
    """One entry of an element, read once: its fields (the six of an ARN, or the whole value) with the literal text
    each starts and ends with. A pattern covers another only if, field by field, its literal start is a prefix of
    the other's and its literal end a suffix of the other's (a wildcard of the covered one could otherwise take a
    character the covering one does not allow), so these strings index and filter the candidates."""

    index: int
    loc: Located
    wild: bool
    fields: tuple[str, ...]
    heads: tuple[str, ...]
    tails: tuple[str, ...]
    head: str
    tail: str

    @staticmethod
    def of(index: int, loc: Located, fold: Callable[[str], str], split: bool) -> _Entry:
        value = fold(loc.value)
        parts = value.split(":", 5) if split else [value]
        fields = tuple(parts) if len(parts) == 6 else (value,)
        return _Entry(
            index,
            loc,
            glob_wild(value),
            fields,
            tuple(_literal_prefix(f) for f in fields),
            tuple(_literal_suffix(f) for f in fields),
            _literal_prefix(value),
            _literal_suffix(value),
        )

    def may_cover(self, other: _Entry) -> bool:
        """The necessary condition above, in the form the containment test will compare them (by field when both
        are six-field ARNs, else as whole strings)."""
        if len(self.fields) == 6 and len(other.fields) == 6:
            return all(
                o.startswith(h) and p.endswith(t)
                for h, t, o, p in zip(self.heads, self.tails, other.heads, other.tails, strict=True)
            )
        return other.head.startswith(self.head) and other.tail.endswith(self.tail)


class _PrefixIndex:
    """Entries by a literal prefix; ``lookup(text)`` gives those whose key is a prefix of ``text``."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[_Entry]] = {}
        self._lengths: list[int] = []

    def add(self, key: str, entry: _Entry) -> None:
        self._by_key.setdefault(key, []).append(entry)

    def freeze(self) -> None:
        self._lengths = sorted({len(k) for k in self._by_key})

    def lookup(self, text: str) -> Iterator[_Entry]:
        for n in self._lengths:
            if n > len(text):
                break
            yield from self._by_key.get(text[:n], ())


def _redundant(
    values: Sequence[Located], contains: Contains, fold: Callable[[str], str], split: bool, meter: WorkMeter
) -> Iterator[tuple[Located, Located | None]]:
    """(redundant entry, the entry that covers it), or (entry, None) for an entry that could not be compared with
    every candidate within the meter's limit. Of two equivalent entries the later one is redundant.

    Near-linear: a literal is covered only by an equal literal or by a wildcard entry, and only by one whose
    literal start and end fit it (see _Entry); the candidates come from an index of those starts (of the resource
    part, for ARNs). Managed policies list hundreds of literal actions and a few wildcards, or tens of ARNs that
    differ only after their first wildcard (arn:aws:ssm:*::document/AWS-*, .../AWSConfigRemediation-*).
    """
    if len(values) < 2:  # one entry (most elements): nothing to be redundant with
        return
    entries = [_Entry.of(i, v, fold, split) for i, v in enumerate(values)]
    by_field = _PrefixIndex()  # six-field wildcard ARNs, by the literal start of their resource part
    by_whole = _PrefixIndex()  # other wildcard entries, by their literal start
    everything = _PrefixIndex()  # every wildcard entry by its literal start, for inner entries that are not ARNs
    for e in entries:
        if e.wild:
            if len(e.fields) == 6:
                by_field.add(e.heads[5], e)
            else:
                by_whole.add(e.head, e)
            everything.add(e.head, e)
    for index in (by_field, by_whole, everything):
        index.freeze()

    def candidates(a: _Entry) -> Iterator[_Entry]:
        found = (
            chain(by_field.lookup(a.heads[5]), by_whole.lookup(a.head))
            if len(a.fields) == 6
            else everything.lookup(a.head)
        )
        for b in found:
            meter.charge(1)
            if b.index != a.index and b.may_cover(a):
                yield b

    first: dict[str, Located] = {}
    for a in entries:
        undecided = False
        if not a.wild:
            k = fold(a.loc.value)
            if k in first:
                yield a.loc, first[k]
                continue
            first[k] = a.loc
        for b in candidates(a):
            found = contains(b.loc.value, a.loc.value, meter)
            if found and a.wild and b.index > a.index:
                back = contains(a.loc.value, b.loc.value, meter)  # equivalent entries: the later one is redundant
                if back is None:
                    undecided = True
                    continue
                found = not back
            if found:
                yield a.loc, b.loc
                break
            undecided = undecided or found is None
        else:
            if undecided:
                yield a.loc, None


def _action_contains(outer: str, inner: str, meter: WorkMeter) -> bool | None:
    return glob_contains(outer, inner, ignore_case=True, meter=meter)


@rule("REDUNDANT_ACTION", "REDUNDANT_RESOURCE", NOT_CHECKED)
def redundant_entries(ctx: LintContext) -> Iterator[Finding]:
    meter = meter_of(ctx)
    for st in ctx.policy.statements:
        for key, values, kind, contains, fold in (
            ("Action", st.action, "action", _action_contains, str.lower),
            ("NotAction", st.not_action, "action", _action_contains, str.lower),
            ("Resource", st.resource, "resource", arn_contains, str),
            ("NotResource", st.not_resource, "resource", arn_contains, str),
        ):
            unchecked: list[Located] = []
            for a, b in _redundant(values or (), contains, fold, kind == "resource", meter):
                if b is None:
                    unchecked.append(a)
                elif kind == "action":
                    yield make(
                        "REDUNDANT_ACTION",
                        S,
                        f"The action {a.value!r} is redundant because {b.value!r} in the same {key} element already "
                        "includes it. Remove the redundant action.",
                        a.path,
                        a.pos,
                        check_link(S, "Redundant action"),
                        fix=f"Remove {a.value!r}.",
                    )
                else:
                    yield make(
                        "REDUNDANT_RESOURCE",
                        S,
                        f"The resource {a.value!r} is redundant because {b.value!r} in the same {key} element "
                        "already includes it. Review the use of wildcards (*).",
                        a.path,
                        a.pos,
                        check_link(S, "Redundant resource"),
                        fix=f"Remove {a.value!r}.",
                    )
            if unchecked:
                yield _not_checked(st, key, unchecked, meter)


def _not_checked(st: Statement, key: str, unchecked: list[Located], meter: WorkMeter) -> Finding:
    shown = ", ".join(repr(u.value[:60] + ("..." if len(u.value) > 60 else "")) for u in unchecked[:3])
    more = f" and {len(unchecked) - 3} more" if len(unchecked) > 3 else ""
    return make(
        NOT_CHECKED,
        S,
        f"Statement {st.label}: parc did not finish checking {key} for redundant entries. Comparing its wildcard "
        f"patterns needs more work than parc allows for a policy of this size ({meter.limit:,} steps), so "
        f"{len(unchecked)} entr{'y was' if len(unchecked) == 1 else 'ies were'} not checked: {shown}{more}. This "
        "says nothing about what the policy grants; the other checks ran.",
        f"{st.path}.{key}",
        unchecked[0].pos,
        check_link(S, "Redundant action" if "Action" in key else "Redundant resource"),
        fix="Replace patterns with many wildcards (such as ?*?*?*) by simpler ones.",
    )


def _canonical(st: Statement) -> str | None:
    """The statement's meaning as text (Sid, order and case-insensitive spellings aside), or None if malformed."""
    node = st.node
    if node is None or node.kind != "object":
        return None
    data = node.to_python()
    assert isinstance(data, dict)
    data.pop("Sid", None)
    for key in ("Action", "NotAction"):
        if key in data:
            v = data[key]
            items = v if isinstance(v, list) else [v]
            data[key] = sorted(str(x).lower() for x in items)
    for key in ("Resource", "NotResource"):
        if key in data:
            v = data[key]
            data[key] = sorted(str(x) for x in (v if isinstance(v, list) else [v]))
    return json.dumps(data, sort_keys=True, default=str)


@rule("REDUNDANT_STATEMENT")
def redundant_statements(ctx: LintContext) -> Iterator[Finding]:
    seen: dict[str, Statement] = {}
    for st in ctx.policy.statements:
        key = _canonical(st)
        if key is None:
            continue
        if key in seen:
            first = seen[key]
            yield make(
                "REDUNDANT_STATEMENT",
                S,
                f"Statement {st.label} is redundant: it grants the same permissions as {first.path}. Remove the "
                "redundant statement.",
                st.path,
                st.pos,
                check_link(S, "Redundant statement"),
            )
        else:
            seen[key] = st
