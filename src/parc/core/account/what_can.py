"""``what-can``: a principal's effective permissions, action by action, grouped by resource pattern and access level.

Every Allow statement that can apply to the principal (its identity policies, and resource policies of the snapshot
that name it) proposes actions (its Action patterns expanded through the IAM catalog, or the catalog's actions minus
its NotAction) on resource patterns (its Resource values, with the principal's own policy variables filled in).
Each (action, pattern) pair is then decided by the engine with the pattern as the resource, so boundaries, SCPs,
RCPs and explicit denies count. An action that supports no resource-level permissions is only granted by ``*``; a
pattern that fits none of an action's resource types does not grant it.
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from parc.core.account.evaluator import Evaluator
from parc.core.account.principals import Principal
from parc.core.catalog import ActionInfo, Catalog
from parc.core.gcpause import without_cyclic_gc
from parc.core.policy.model import Statement

LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class Grant:
    resource: str
    access_level: str
    actions: tuple[str, ...]
    decision: str
    """``Allow``, or ``ConditionalAllow`` when request-time keys gate it."""
    conditions: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "resource": self.resource,
            "access_level": self.access_level,
            "decision": self.decision,
            "conditions": list(self.conditions),
            "actions": list(self.actions),
        }


@dataclass(frozen=True)
class WhatCanResult:
    principal: Principal
    service: str | None
    grants: tuple[Grant, ...]
    denied: int
    """Pairs that a statement proposed but the engine did not allow (denied by a boundary, an SCP, a deny...)."""
    unknown_actions: tuple[str, ...] = ()
    """Action patterns that match nothing in the catalog (misspelt, retired, or newer than the catalog)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "principal": self.principal.arn,
            "service": self.service,
            "permissions": [g.to_dict() for g in self.grants],
            "denied_pairs": self.denied,
            "unknown_actions": list(self.unknown_actions),
        }


def level_of(info: ActionInfo) -> str:
    """The catalog's access level; a few actions list two (``Tagging, Write``): the first is the specific one."""
    return info.access_level.split(",")[0].strip() or "Unknown"


def substitute(pattern: str, context: Mapping[str, object]) -> str:
    """Fill in the principal's own policy variables (``${aws:username}``, ``${aws:PrincipalTag/team}``)."""
    lowered = {k.lower(): v for k, v in context.items() if isinstance(v, str)}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1).split(",", 1)[0].strip()
        return lowered.get(name.lower(), m.group(0))

    return _VARIABLE.sub(sub, pattern) if "${" in pattern else pattern


def _actions(st: Statement, catalog: Catalog, service: str | None, unknown: set[str]) -> list[ActionInfo]:
    if st.action is not None:
        out: list[ActionInfo] = []
        for a in st.action:
            if service and not _may_be_service(a.value, service):
                continue
            found = catalog.expand_action_pattern(a.value)
            if not found:
                unknown.add(a.value)
            out.extend(x for x in found if service is None or x.service == service)
        return out
    if st.not_action is not None:
        from parc.core.account.prefilter import action_matcher

        pool = catalog.expand_action_pattern(f"{service}:*" if service else "*")
        excluded = [action_matcher(a.value) for a in st.not_action]
        return [x for x in pool if not any(m.matches(x.full_name) for m in excluded)]
    return []


def _may_be_service(pattern: str, service: str) -> bool:
    prefix = pattern.split(":", 1)[0].lower()
    return prefix == service or "*" in prefix or "?" in prefix


def _sources(ev: Evaluator, p: Principal) -> list[tuple[Statement, tuple[str, ...]]]:
    """Allow statements that may apply to ``p``, each with the resource patterns it names."""
    out: list[tuple[Statement, tuple[str, ...]]] = []

    def patterns(st: Statement, default: str) -> tuple[str, ...]:
        if st.resource is not None:
            return tuple(substitute(r.value, p.context) for r in st.resource)
        return (default,)  # NotResource (a complement) or no Resource element (a resource policy's own ARN)

    for pol in p.identity:
        for st in pol.statements:
            if st.effect == "Allow":
                out.append((st, patterns(st, "*")))
    names = {p.arn}
    if p.entity is not None:
        names.add(p.entity.arn)
    for account in ev.estate.accounts:
        for rp in account.resource_policies:
            for st in rp.policy.statements:
                if st.effect == "Allow" and _names(st, names):
                    out.append((st, patterns(st, rp.arn)))
    return out


def _names(st: Statement, names: set[str]) -> bool:
    block = st.principal
    if block is None or block.wildcard:
        return False
    return any(e.kind == "AWS" and e.value in names for e in block.entries)


@without_cyclic_gc
def what_can(ev: Evaluator, principal: str, catalog: Catalog, service: str | None = None, *,
             relax: bool = True) -> WhatCanResult:
    p = ev.principal(principal)
    service = service.lower() if service else None
    unknown: set[str] = set()
    pairs: dict[tuple[str, str], ActionInfo] = {}
    for st, resources in _sources(ev, p):
        for info in _actions(st, catalog, service, unknown):
            for pattern in resources:
                pair = _pair(info, pattern, catalog)
                if pair is not None:
                    pairs.setdefault(pair, info)
    grouped: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    denied = 0
    for (action, resource), info in sorted(pairs.items()):
        v = ev.verdict(p, action, resource, relax=relax)
        if not v.possible:
            denied += 1
            continue
        key = (resource, level_of(info), v.label, v.conditions)
        grouped.setdefault(key, []).append(action)
    grants = [
        Grant(res, level, tuple(sorted(set(acts))), label, conds)
        for (res, level, label, conds), acts in grouped.items()
    ]
    grants.sort(key=grant_order)
    return WhatCanResult(p, service, tuple(grants), denied, tuple(sorted(unknown)))


def grant_order(g: Grant) -> tuple[str, int, bool, tuple[str, ...]]:
    """The order of what-can's grants (ties keep the order of their first action: also the merge of partitions)."""
    return g.resource, _level_rank(g.access_level), g.decision != "Allow", g.conditions


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _pair(info: ActionInfo, pattern: str, catalog: Catalog) -> tuple[str, str] | None:
    """The (action, resource) to decide for an action a statement proposes on a pattern, or None when the pattern
    cannot grant it."""
    if pattern == "*":
        return info.full_name, "*"
    if not info.resource_types:
        return None  # only "*" grants actions without resource-level permissions
    if not catalog.action_resource_types_for_arn(info, pattern):
        return None
    return info.full_name, pattern


