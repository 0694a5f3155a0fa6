"""Suggestions: elements that do nothing (empty arrays and objects) and entries that add nothing (redundant actions,
resources and statements).

Access Analyzer's suggestions EMPTY_ARRAY_*, EMPTY_OBJECT_*, REDUNDANT_ACTION, REDUNDANT_RESOURCE and
REDUNDANT_STATEMENT: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
An entry is redundant when every request it matches is matched by another entry of the same element, so the
containment test below is exact for ``*`` and ``?`` patterns, not a guess from prefixes.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from parc.core.findings import Finding, FindingType
from parc.core.lint.base import LintContext, rule
from parc.core.lint.rules_common import check_link, make, member
from parc.core.policy.jsonpos import JMember
from parc.core.policy.model import Located, Statement

S = FindingType.SUGGESTION

# --- wildcard containment ---------------------------------------------------------------------------------------

_OTHER = "\x00"
"""Stands for every character that appears in neither pattern."""


def glob_contains(outer: str, inner: str, ignore_case: bool = False) -> bool:
    """True when every string matched by ``inner`` is matched by ``outer`` (``*``: any run, ``?``: one character).

    Decided exactly: a search over pairs (state of ``inner``, set of states of ``outer``) on the alphabet of the
    characters that occur in either pattern plus one symbol for all others, looking for a string ``inner`` accepts
    and ``outer`` rejects. Cheap cases (a literal ``inner``, a literal ``outer``, different literal prefixes) are
    answered without the search.
    """
    if ignore_case:
        outer, inner = outer.lower(), inner.lower()
    if outer == inner or (outer.strip("*") == "" and outer != ""):
        return True
    if not _wild(outer):
        return False  # equal strings returned above; a pattern with a wildcard matches more than one string
    if not _wild(inner):
        return _compiled(outer).fullmatch(inner) is not None
    head = outer[:-1]
    if outer.endswith("*") and not _wild(head):  # "prefix*": every string of inner must start with prefix
        return not _wild(inner[: len(head)]) and inner.startswith(head)
    if not _literal_prefix(inner).startswith(_literal_prefix(outer)):
        return False
    if not _literal_suffix(inner).endswith(_literal_suffix(outer)):
        return False
    return _search(outer, inner)


@lru_cache(maxsize=65536)
def _search(outer: str, inner: str) -> bool:
    """The exact containment search (see glob_contains)."""
    alphabet = sorted({c for c in outer + inner if c not in "*?"} | {_OTHER})
    n, m = len(outer), len(inner)

    def close(pattern: str, states: set[int]) -> frozenset[int]:
        todo = list(states)
        seen = set(states)
        while todo:
            i = todo.pop()
            if i < len(pattern) and pattern[i] == "*" and i + 1 not in seen:
                seen.add(i + 1)
                todo.append(i + 1)
        return frozenset(seen)

    def step(pattern: str, states: frozenset[int], c: str) -> frozenset[int]:
        nxt: set[int] = set()
        for i in states:
            if i >= len(pattern):
                continue
            p = pattern[i]
            if p == "*":
                nxt.add(i)
            elif p == "?" or p == c:
                nxt.add(i + 1)
        return close(pattern, nxt)

    start = (close(inner, {0}), close(outer, {0}))
    queue: deque[tuple[frozenset[int], frozenset[int]]] = deque([start])
    seen = {start}
    while queue:
        ins, outs = queue.popleft()
        if m in ins and n not in outs:
            return False
        for c in alphabet:
            nxt = (step(inner, ins, c), step(outer, outs, c))
            if nxt[0] and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return True


def _wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


_WILDCARD = re.compile(r"[*?]")


def _literal_prefix(pattern: str) -> str:
    m = _WILDCARD.search(pattern)
    return pattern[: m.start()] if m else pattern


def _literal_suffix(pattern: str) -> str:
    i = max(pattern.rfind("*"), pattern.rfind("?"))
    return pattern[i + 1 :]


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def arn_contains(outer: str, inner: str) -> bool:
    """ARN patterns are matched field by field (a wildcard does not cross the colons of the first five fields)."""
    if outer == "*":
        return True
    o, i = outer.split(":", 5), inner.split(":", 5)
    if len(o) == 6 and len(i) == 6:
        return all(glob_contains(a, b) for a, b in zip(o, i, strict=True))
    return glob_contains(outer, inner)


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


def _redundant(
    values: Sequence[Located], contains: Callable[[str, str], bool], key: Callable[[str], str]
) -> Iterator[tuple[Located, Located]]:
    """(redundant entry, the entry that covers it). Of two equivalent entries the later one is redundant.

    Near-linear: a literal is covered only by an equal literal or by a wildcard entry whose literal prefix starts
    it (found through an index of those prefixes), and a wildcard entry only by another wildcard entry. Managed
    policies list hundreds of literal actions and a few wildcards.
    """
    by_prefix: dict[str, list[tuple[int, Located]]] = {}
    for j, v in enumerate(values):
        if _wild(v.value):
            by_prefix.setdefault(key(_literal_prefix(v.value)), []).append((j, v))
    lengths = sorted({len(p) for p in by_prefix})

    def candidates(prefix: str) -> Iterator[tuple[int, Located]]:
        """Wildcard entries whose literal prefix starts ``prefix``: the only ones that can cover it."""
        for n in lengths:
            if n > len(prefix):
                break
            yield from by_prefix.get(prefix[:n], ())

    first: dict[str, Located] = {}
    for i, a in enumerate(values):
        if not _wild(a.value):
            k = key(a.value)
            if k in first:
                yield a, first[k]
                continue
            first[k] = a
            cover = next((b for _, b in candidates(k) if contains(b.value, a.value)), None)
            if cover is not None:
                yield a, cover
            continue
        for j, b in candidates(key(_literal_prefix(a.value))):
            if j != i and contains(b.value, a.value) and (j < i or not contains(a.value, b.value)):
                yield a, b
                break


def _action_contains(outer: str, inner: str) -> bool:
    return glob_contains(outer, inner, ignore_case=True)


@rule("REDUNDANT_ACTION", "REDUNDANT_RESOURCE")
def redundant_entries(ctx: LintContext) -> Iterator[Finding]:
    for st in ctx.policy.statements:
        for key, values in (("Action", st.action), ("NotAction", st.not_action)):
            for a, b in _redundant(values or (), _action_contains, str.lower):
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
        for key, values in (("Resource", st.resource), ("NotResource", st.not_resource)):
            for a, b in _redundant(values or (), arn_contains, str):
                yield make(
                    "REDUNDANT_RESOURCE",
                    S,
                    f"The resource {a.value!r} is redundant because {b.value!r} in the same {key} element already "
                    "includes it. Review the use of wildcards (*).",
                    a.path,
                    a.pos,
                    check_link(S, "Redundant resource"),
                    fix=f"Remove {a.value!r}.",
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
