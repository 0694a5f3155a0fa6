"""``can``: one request decided with everything the snapshot says about both sides.

The decision is the engine's, as ``parc simulate`` gives it; this module only gathers the inputs: the principal's
identity policies (a user's own and its groups', or its role's for a role session), its permissions boundary, the
SCPs of its account's path in the organization, the resource's policy and the RCPs of the resource's account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from parc.core.account.evaluator import Evaluator, ResourceSide
from parc.core.account.principals import Principal
from parc.core.authz import Decision
from parc.core.gcpause import without_cyclic_gc


@dataclass(frozen=True)
class CanResult:
    principal: Principal
    action: str
    resource: str
    side: ResourceSide
    decision: Decision
    scp_levels: int
    rcp_levels: int

    @property
    def gathered(self) -> dict[str, object]:
        """The names of the policies that took part, for the reader to check what was considered."""
        p = self.principal
        return {
            "identity_policies": [x.name for x in p.identity],
            "permissions_boundary": p.boundary.name if p.boundary is not None else None,
            "resource_policy": self.side.name if self.side.policy is not None else None,
            "resource_account": self.side.account_id or (
                f"{self.principal.account_id} (unknown: taken as the caller's)" if self.resource != "*" else None),
            "scp_levels": self.scp_levels,
            "rcp_levels": self.rcp_levels,
        }

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "principal": self.principal.arn,
            "action": self.action,
            "resource": self.resource,
        }
        out.update(self.decision.to_dict())
        out["gathered"] = self.gathered
        if self.principal.notes:
            out["notes"] = list(self.principal.notes)
        return out


@without_cyclic_gc
def can(ev: Evaluator, principal: str, action: str, resource: str,
        context: Mapping[str, object] | None = None, *, explain: bool = False,
        resource_account: str | None = None) -> CanResult:
    """Decide ``principal`` doing ``action`` on ``resource``. Raises UnknownPrincipal for a principal outside
    the snapshot."""
    p = ev.principal(principal)
    side = ev.resource_side(action, resource, resource_account)
    decision = ev.decide(p, action, resource, context, side=side, explain=explain)
    ps = ev.policy_set(p, side)
    return CanResult(p, action, resource, side, decision, len(ps.scps), len(ps.rcps))
