"""The full trace of a decision: every statement of every policy, and why it applied or not.

Computed only on demand (``--explain``), by re-walking the compiled statements with the conditions' explain() path,
so the fast path stays free of string building.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parc.core.authz.decision import ConditionTrace, StatementTrace, Trace
from parc.core.authz.principal import MatchKind

if TYPE_CHECKING:
    from parc.core.authz.engine import PolicySet
    from parc.core.authz.request import Request


def trace_request(policies: PolicySet, req: Request) -> Trace:
    out: list[StatementTrace] = []
    a = req.action_lower
    for group in policies.groups():
        for s in group.statements:
            action_ok = s.action_matches(a)
            resource_ok = s.resource_matches(req.resource, req.context)
            principal_ok: bool | None = None
            if group.uses_principal:
                principal_ok = s.principal_match(req.principal) is not MatchKind.NONE
            conds = []
            all_ok = True
            for c in s.condition_list:
                r = c.explain(req.context)
                conds.append(ConditionTrace(c.operator, c.key, r.matched, r.reason))
                all_ok = all_ok and r.matched
            applies = action_ok and resource_ok and principal_ok is not False and all_ok
            if not action_ok:
                why = "the action does not match " + ("(NotAction lists it)" if s.not_action else "Action")
            elif not resource_ok:
                why = "the resource does not match " + ("(NotResource lists it)" if s.not_resource else "Resource")
            elif principal_ok is False:
                why = "the principal does not match " + ("(NotPrincipal lists it)" if s.not_principal_keys else
                                                         "Principal")
            elif not all_ok:
                why = "a condition is not met"
            else:
                why = f"applies: {s.ref.effect}"
            out.append(StatementTrace(s.ref, action_ok, resource_ok, principal_ok, tuple(conds), applies, why))
    return Trace(tuple(out))
