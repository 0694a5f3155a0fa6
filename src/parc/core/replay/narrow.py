"""A principal's identity policies narrowed to the actions it used: least privilege, suggested from a log.

Every Allow statement keeps its Resource, NotResource and Condition as written; its Action (or NotAction) becomes
the used actions it granted, spelt out; a statement left with none is dropped. Deny statements are kept as they
are. The result can only allow less than the original (each statement is a subset of one of the originals); the
CLI has ``parc diff`` (``check_no_new_access``) prove it rather than take it on trust.
"""

from __future__ import annotations

from collections.abc import Iterable

from parc.core.account.prefilter import action_matcher
from parc.core.policy.model import Policy, Statement


def narrowed_policy(policies: Iterable[Policy], used: Iterable[str]) -> dict[str, object]:
    used_names = sorted({u for u in used}, key=str.lower)
    statements: list[dict[str, object]] = []
    for policy in policies:
        for st in policy.statements:
            raw = _raw(st)
            if raw is None:
                continue
            if st.effect != "Allow":
                statements.append(raw)
                continue
            kept = [u for u in used_names if _grants(st, u)]
            if not kept:
                continue
            raw.pop("NotAction", None)
            raw["Action"] = kept if len(kept) > 1 else kept[0]
            statements.append(raw)
    return {"Version": "2012-10-17", "Statement": statements}


def _raw(st: Statement) -> dict[str, object] | None:
    if st.node is None:
        return None
    doc = st.node.to_python()
    return dict(doc) if isinstance(doc, dict) else None


def _grants(st: Statement, action: str) -> bool:
    if st.action is not None:
        return any(action_matcher(a.value).matches(action) for a in st.action)
    if st.not_action is not None:
        return not any(action_matcher(a.value).matches(action) for a in st.not_action)
    return False
