"""One policy document of a snapshot -> a ``Policy`` the engine can use, or the reason it cannot.

A document is used only when it parses without an ERROR and passes the checks the engine's compiler refuses a
statement on (``parc.core.authz.compile.CompiledStatement``: an Effect of Allow or Deny, exactly one of Action and
NotAction, a Resource where the policy type needs one, a Principal in a resource policy, known condition operators).
Otherwise the document is reported and left out, so that a question never fails halfway on one bad document among
many. The checks are made here on the parsed statements rather than by compiling each document, which doubled the
time to load a large account; tests/fuzz/test_fuzz_account_snapshot.py asks questions of every mutated snapshot, so
a refusal the compiler adds later and this module misses shows up there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from parc.core.authz.compile import RESOURCE_OPTIONAL_TYPES
from parc.core.conditions import is_known_operator
from parc.core.findings import Finding, FindingType
from parc.core.policy.model import Policy, PolicyType, Statement
from parc.core.policy.parse import packed_size, parse_policy
from parc.loaders.account.jsonfile import SharedReads

_GROUP_KIND = {PolicyType.TRUST: "resource", PolicyType.RESOURCE: "resource", PolicyType.RCP: "rcp",
               PolicyType.SCP: "scp", PolicyType.BOUNDARY: "boundary"}


@dataclass(frozen=True, slots=True)
class Unusable:
    """Why a document is left out: the message, and the first finding's path and position inside the document."""

    why: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def where(self) -> str:
        return f" (document line {self.line}, column {self.column})" if self.line else ""


def read_policy(raw: str | dict[str, object], ptype: PolicyType, name: str,
                size: int | None = None) -> Policy | Unusable:
    """``size``: the document's size as IAM counts it, when the caller has measured it (``parse_policy``)."""
    try:
        result = parse_policy(raw, ptype, name=name, size=size if isinstance(raw, dict) else None)
    except (RecursionError, ValueError) as exc:  # nesting or numbers beyond what Python's JSON reader takes
        return Unusable(f"unreadable ({type(exc).__name__}: {str(exc)[:120]})")
    errors: list[Finding] = [f for f in result.findings if f.finding_type is FindingType.ERROR]
    if result.policy is None or errors:
        first = errors[0] if errors else (result.findings[0] if result.findings else None)
        if first is None:
            return Unusable("unreadable")
        return Unusable(first.message, first.path, first.line, first.column)
    kind = _GROUP_KIND.get(ptype, "identity")
    for st in result.policy.statements:
        why = _refused(st, kind)
        if why:
            line = st.pos.line if st.pos and st.pos.line else None
            return Unusable(f"statement #{st.index}: {why}", f"Statement[{st.index}]", line,
                            st.pos.column if line and st.pos else None)
    return result.policy


class PolicyReads:
    """``read_policy`` once per distinct document of a load: an export repeats its documents (thousands of roles
    trust the same service with the same text), and what ``read_policy`` gives depends only on the text and the
    type, but for the policy's name (``Policy.name``, the only field the parser takes from it), set again on each
    copy. A document parsed from Python values carries no positions, so the copies are exact; a text keeps its own
    positions, and the key is the text."""

    def __init__(self, shared: SharedReads | None = None) -> None:
        self._seen: dict[tuple[PolicyType, str], Policy | Unusable] = {}
        self._shared = shared

    def read(self, raw: str | dict[str, object], ptype: PolicyType, name: str) -> Policy | Unusable:
        try:
            text = raw if isinstance(raw, str) else json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            return read_policy(raw, ptype, name)
        if self._shared is not None and not isinstance(raw, str):
            self._shared.compact[id(raw)] = (raw, text)  # the audit's content key of this document (value_content)
        key = (ptype, raw if isinstance(raw, str) else "\0" + text)
        hit = self._seen.get(key)
        if hit is None:
            # A dict's compact text measures it as the parser would (packed_size): not serialised twice.
            hit = self._seen[key] = read_policy(raw, ptype, name, None if isinstance(raw, str) else packed_size(text))
            return hit
        return replace(hit, name=name) if isinstance(hit, Policy) else hit


def _refused(st: Statement, kind: str) -> str | None:
    """Why the engine's compiler would refuse the statement, or None."""
    if st.effect not in ("Allow", "Deny"):
        return f'Effect must be "Allow" or "Deny" (got {st.effect!r})'
    if (st.action is None) == (st.not_action is None):
        return "a statement needs exactly one of Action and NotAction"
    if st.resource is not None and st.not_resource is not None:
        return "a statement cannot have both Resource and NotResource"
    if st.resource is None and st.not_resource is None and kind not in RESOURCE_OPTIONAL_TYPES:
        return "a statement needs Resource or NotResource"
    if kind == "resource" and st.principal is None and st.not_principal is None:
        return "a resource-based policy statement needs Principal or NotPrincipal"
    for entry in st.conditions:
        if not is_known_operator(entry.operator):
            return f"unknown condition operator {entry.operator[:60]!r}"
    return None
