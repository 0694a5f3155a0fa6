"""``who-can``: every principal that may perform an action on a resource, with the condition keys that gate it.

Candidates are every user and role of the snapshot, plus whoever the resource's policy (or an S3 bucket's ACL) names
that the snapshot does not hold: another account (reported as its root: that account's own policies decide which of
its principals), a user or role of such an account, a service, or anyone (``*``, anonymous callers included). Each
candidate is decided by the engine; a pre-check on Action elements only spares it the principals with no statement
naming the action.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass

from parc.core.account.arns import ACCOUNT_ID, principal_kind, root_arn
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.prefilter import statement_may_allow
from parc.core.account.principals import Principal, external
from parc.core.authz.s3_access import acl_principals
from parc.core.gcpause import without_cyclic_gc
from parc.core.policy.model import Policy, Statement

KIND_ORDER = {"user": 0, "role": 1, "account": 2, "external": 3, "service": 4, "anonymous": 5}


@dataclass(frozen=True)
class WhoCanEntry:
    principal: Principal
    verdict: Verdict

    def to_dict(self) -> dict[str, object]:
        return {
            "arn": self.principal.arn,
            "kind": self.principal.kind,
            "decision": self.verdict.label,
            "conditions": list(self.verdict.conditions),
            "statements": [r.to_dict() for r in self.verdict.decision.deciding],
            "reasons": list(self.verdict.decision.reasons),
            **({"notes": list(self.principal.notes)} if self.principal.notes else {}),
        }


@dataclass(frozen=True)
class WhoCanResult:
    action: str
    resource: str
    side: ResourceSide
    entries: tuple[WhoCanEntry, ...]
    candidates: int
    """How many principals the engine decided (after the pre-check)."""
    principals: int
    """How many principals were considered in all."""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "resource": self.resource,
            "resource_policy": self.side.name if self.side.policy is not None else None,
            "resource_account": self.side.account_id,
            "principals": [e.to_dict() for e in self.entries],
            "checked": {"principals": self.principals, "decided": self.candidates},
            "notes": list(self.notes),
        }


Named = tuple[bool, tuple[tuple[str, str], ...]]
_NAMED: dict[tuple[int, str], tuple[tuple[Statement, ...], Named]] = {}
_NAMED_LIMIT = 65536


def named_in(policy: Policy | None, action: str) -> Named:
    """(whether an allowing statement names everyone, and the (kind, value) principals that allowing statements
    name) for the statements of a resource policy that may allow ``action``. Once per statements tuple and action:
    the copies of a trust policy share their statements (``PolicyReads``), and the assume graph asks this of every
    role several times."""
    if policy is None:
        return False, ()
    statements = policy.statements
    hit = _NAMED.get((id(statements), action))
    if hit is not None and hit[0] is statements:  # the entry keeps its statements alive: an id is not reused
        return hit[1]
    found = _named_in(statements, action)
    if len(_NAMED) >= _NAMED_LIMIT:
        _NAMED.clear()
    _NAMED[(id(statements), action)] = (statements, found)
    return found


def _named_in(statements: tuple[Statement, ...], action: str) -> Named:
    everyone = False
    out: list[tuple[str, str]] = []
    for st in statements:
        if not statement_may_allow(st, action):
            continue
        if st.not_principal is not None:
            everyone = True
            continue
        block = st.principal
        if block is None:
            continue
        if block.wildcard:
            everyone = True
            continue
        for e in block.entries:
            if e.kind == "AWS" and e.value == "*":
                everyone = True
            else:
                out.append((e.kind, e.value))
    return everyone, tuple(out)


UNKNOWN_ACCOUNT = (
    "The resource's account is unknown (its ARN names none and the snapshot holds no policy for it): each principal "
    "is decided as if the resource were in its own account. Name the account to decide cross-account access."
)


def entry_order(e: WhoCanEntry) -> tuple[bool, int, str]:
    """The order of who-can's answers: allowed first, then by kind and ARN (also the merge order of partitions)."""
    return not e.verdict.allowed, KIND_ORDER.get(e.principal.kind, 9), e.principal.arn


@without_cyclic_gc
def who_can(ev: Evaluator, action: str, resource: str, context: Mapping[str, object] | None = None, *,
            relax: bool = True, include_denied: bool = False, resource_account: str | None = None,
            only: Container[str] | None = None, outside: bool = True) -> WhoCanResult:
    """``only`` and ``outside`` make one partition of a distributed run (``parc.scale``): only the snapshot's
    principals with these ARNs, and (``outside``) the principals the resource policy names that it does not hold;
    the partitions' entries, counts and notes merge into the whole answer."""
    side = ev.resource_side(action, resource, resource_account)
    everyone, named = named_in(side.policy, action)
    acl_everyone, acl_named = acl_principals(side.s3, action)  # an S3 bucket's ACL grants name principals too
    everyone, named = everyone or acl_everyone, (*named, *acl_named)
    named_arns = {v for k, v in named if k == "AWS"}
    internal = ev.principals()
    known = {p.arn for p in internal}
    if only is not None:
        internal = [p for p in internal if p.arn in only]
    candidates: list[Principal] = []
    for p in internal:
        if everyone or p.arn in named_arns or ev.allows(p).may_allow(action):
            candidates.append(p)
    # Principals the resource policy names that the snapshot does not hold.
    extra: dict[str, Principal] = {}
    if not outside:
        everyone, named = False, ()
    if everyone:
        extra["*"] = external("*")
    for kind, value in named:
        if kind == "Service":
            extra.setdefault(value, external(value))
        elif kind == "AWS":
            if ACCOUNT_ID.match(value) or principal_kind(value) == "root":
                acct = value if ACCOUNT_ID.match(value) else value.split(":")[4]
                if ev.estate.account(acct) is None:
                    extra.setdefault(root_arn(acct), external(value))
            elif value not in known and principal_kind(value) in ("user", "role", "assumed-role"):
                acct = value.split(":")[4] if value.count(":") >= 5 else ""
                if ev.estate.account(acct) is None:
                    extra.setdefault(value, external(value))
    candidates.extend(extra.values())

    entries: list[WhoCanEntry] = []
    for p in candidates:
        v = ev.verdict(p, action, resource, context, side=side, relax=relax)
        if v.possible or include_denied:
            entries.append(WhoCanEntry(p, v))
    entries.sort(key=entry_order)
    notes = (UNKNOWN_ACCOUNT,) if side.account_id is None and resource != "*" else ()
    return WhoCanResult(action, resource, side, tuple(entries), len(candidates), len(internal) + len(extra), notes)
