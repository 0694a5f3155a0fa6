"""Who a principal is in the estate, and every policy that governs it: a user's own and its groups' policies, a role's
(also for its sessions), the permissions boundary, and the context keys AWS derives from the identity.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html (aws:PrincipalTag,
aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:userid: "role-id:caller-specified-role-name" for a role session)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from parc.core.account.arns import ACCOUNT_ID, principal_kind, root_arn, session_role_name, split_arn
from parc.core.account.model import Account, Estate, InlinePolicy, ManagedPolicy, Role, User
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy


class UnknownPrincipal(ValueError):
    """The principal is not in the snapshot (or not a kind that policies can be gathered for)."""


def _policy(doc: dict[str, object], ptype: PolicyType, name: str) -> Policy:
    p = parse_policy(doc, ptype, name=name).policy
    assert p is not None
    return p


NOTHING = _policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "*", "Resource": "*"}]},
    PolicyType.BOUNDARY,
    "(missing boundary: allows nothing)",
)
"""Stands for a permissions boundary the export names but does not hold: a boundary we cannot read must not widen
anything, so it allows nothing."""

EVERYTHING = _policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    PolicyType.IDENTITY,
    "(outside the snapshot: the principal's own policies are unknown)",
)
"""Stands for the identity policies of a principal in an account outside the snapshot (its best case)."""


STAND_IN = "parc-any-principal-of-the-account"


@dataclass(frozen=True)
class Principal:
    """A principal with every policy that governs it, ready for the engine."""

    arn: str
    """The ARN reported to the user (a user, a role, a role session, an account root, a service or ``*``)."""
    kind: str
    """``user``, ``role``, ``assumed-role``, ``root``, ``service``, ``anonymous``, ``account`` (an account outside
    the snapshot) or ``external`` (a user or role outside the snapshot)."""
    account_id: str | None
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    context: Mapping[str, object] = field(default_factory=dict)
    entity: User | Role | None = None
    request_arn: str = ""
    """The principal as the engine sees it (defaults to ``arn``)."""
    notes: tuple[str, ...] = ()

    @property
    def principal_for_request(self) -> str:
        return self.request_arn or self.arn

    @property
    def in_snapshot(self) -> bool:
        return self.entity is not None or (self.kind == "root" and self.account_id is not None)


def managed_document(account: Account, arn: str) -> Policy | None:
    mp: ManagedPolicy | None = account.policies_by_arn.get(arn)
    return mp.policy if mp is not None else None


def _inline(items: tuple[InlinePolicy, ...]) -> list[Policy]:
    return [i.policy for i in items if i.policy is not None]


def _attached(account: Account, arns: tuple[str, ...]) -> list[Policy]:
    out = []
    for arn in arns:
        doc = managed_document(account, arn)
        if doc is not None:
            out.append(doc)
    return out


def user_policies(account: Account, user: User) -> list[Policy]:
    """The user's inline and attached policies, then each group's."""
    out = _inline(user.inline) + _attached(account, user.attached)
    for gname in user.groups:
        g = account.groups_by_name.get(gname)
        if g is not None:
            out += _inline(g.inline) + _attached(account, g.attached)
    return out


def role_policies(account: Account, role: Role) -> list[Policy]:
    return _inline(role.inline) + _attached(account, role.attached)


def boundary_of(account: Account, arn: str | None) -> Policy | None:
    if arn is None:
        return None
    return managed_document(account, arn) or NOTHING


def org_context(account: Account) -> dict[str, object]:
    ctx: dict[str, object] = {}
    if account.org is not None and account.org.organization_id:
        ctx["aws:PrincipalOrgID"] = account.org.organization_id
        ctx["aws:PrincipalOrgPaths"] = [account.org.path]
    return ctx


def _tags(prefix: str, tags: Mapping[str, str]) -> dict[str, object]:
    return {f"{prefix}/{k}": v for k, v in tags.items()}


def for_user(account: Account, user: User) -> Principal:
    ctx = org_context(account)
    ctx.update(_tags("aws:PrincipalTag", user.tags))
    if user.user_id:
        ctx["aws:userid"] = user.user_id
    notes = ("permissions boundary missing from the export: treated as allowing nothing",) if (
        user.boundary and managed_document(account, user.boundary) is None
    ) else ()
    return Principal(
        user.arn, "user", account.account_id, tuple(user_policies(account, user)),
        boundary_of(account, user.boundary), ctx, user, notes=notes,
    )


def for_role(account: Account, role: Role, session_arn: str | None = None) -> Principal:
    ctx = org_context(account)
    ctx.update(_tags("aws:PrincipalTag", role.tags))
    if session_arn and role.role_id:
        ctx["aws:userid"] = f"{role.role_id}:{session_arn.rsplit('/', 1)[-1]}"
    notes = ("permissions boundary missing from the export: treated as allowing nothing",) if (
        role.boundary and managed_document(account, role.boundary) is None
    ) else ()
    return Principal(
        session_arn or role.arn,
        "assumed-role" if session_arn else "role",
        account.account_id,
        tuple(role_policies(account, role)),
        boundary_of(account, role.boundary),
        ctx,
        role,
        notes=notes,
    )


def resolve(estate: Estate, arn: str) -> Principal:
    """The principal named by ``arn``: a user, role, role session or root ARN, a bare account id, or the name of a
    user or role when it is unique in the snapshot. An ARN written without the entity's path is accepted too."""
    kind = principal_kind(arn)
    if kind == "unknown" and not arn.startswith("arn:"):
        return _by_name(estate, arn)
    if kind == "user":
        account = _owner(estate, arn)
        user = account.users_by_arn.get(arn) or account.users_by_name.get(arn.rsplit("/", 1)[-1])
        if user is None:
            raise UnknownPrincipal(_not_found(estate, arn, "user"))
        return for_user(account, user)
    if kind == "role":
        account = _owner(estate, arn)
        role = account.roles_by_arn.get(arn) or account.roles_by_name.get(arn.rsplit("/", 1)[-1])
        if role is None:
            raise UnknownPrincipal(_not_found(estate, arn, "role"))
        return for_role(account, role)
    if kind == "assumed-role":
        found = session_role_name(arn)
        if found is None:
            raise UnknownPrincipal(f"{arn}: malformed role session ARN (expected .../assumed-role/ROLE/SESSION)")
        account_id, name = found
        home = estate.account(account_id)
        session_role = home.roles_by_name.get(name) if home is not None else None
        if home is None or session_role is None:
            raise UnknownPrincipal(_not_found(estate, arn, "role session"))
        return for_role(home, session_role, session_arn=arn)
    if kind == "root":
        parsed = split_arn(arn)
        account_id = arn if ACCOUNT_ID.match(arn) else (parsed.account if parsed else "")
        owner = estate.account(account_id)
        if owner is None:
            raise UnknownPrincipal(_not_found(estate, arn, "account"))
        return Principal(root_arn(account_id), "root", account_id, context=org_context(owner))
    raise UnknownPrincipal(
        f"{arn}: not a principal parc can gather policies for (expected a user, role, role session or root ARN)"
    )


def _by_name(estate: Estate, name: str) -> Principal:
    found: list[Principal] = []
    for account in estate.accounts:
        if name in account.users_by_name:
            found.append(for_user(account, account.users_by_name[name]))
        if name in account.roles_by_name:
            found.append(for_role(account, account.roles_by_name[name]))
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnknownPrincipal(f"{name}: no user or role of that name in the snapshot (give an ARN)")
    raise UnknownPrincipal(f"{name}: ambiguous, it names {', '.join(p.arn for p in found)} (give an ARN)")


def _owner(estate: Estate, arn: str) -> Account:
    a = split_arn(arn)
    acct = estate.account(a.account) if a else None
    if acct is None:
        raise UnknownPrincipal(_not_found(estate, arn, "principal"))
    return acct


def _not_found(estate: Estate, arn: str, what: str) -> str:
    a = split_arn(arn)
    loaded = ", ".join(sorted(estate.by_id))
    if a is not None and a.account not in estate.by_id:
        return f"{arn}: account {a.account} is not in the snapshot (loaded: {loaded})"
    return f"{arn}: no such {what} in account {a.account if a else '?'}"


def all_principals(estate: Estate) -> list[Principal]:
    """Every user and role of every account, in snapshot order."""
    out: list[Principal] = []
    for account in estate.accounts:
        out.extend(for_user(account, u) for u in account.users)
        out.extend(for_role(account, r) for r in account.roles)
    return out


def external(arn: str) -> Principal:
    """A principal that a resource policy names but the snapshot does not hold."""
    kind = principal_kind(arn)
    if kind == "anonymous":
        return Principal("*", "anonymous", None)
    if kind == "service":
        return Principal(arn, "service", None)
    a = split_arn(arn)
    account_id = arn if ACCOUNT_ID.match(arn) else (a.account if a else None)
    if kind == "root":
        assert account_id is not None
        # "The account" in a policy means its principals, as far as their own policies allow: decided with a
        # stand-in principal of that account whose own policies allow everything (the root user itself cannot, for
        # instance, assume roles).
        return Principal(root_arn(account_id), "account", account_id, (EVERYTHING,),
                         request_arn=f"arn:aws:iam::{account_id}:role/{STAND_IN}",
                         notes=("an account outside the snapshot: its own policies decide which of its principals",))
    return Principal(arn, "external", account_id, (EVERYTHING,),
                     notes=("outside the snapshot: assumes its own policies allow the request",))
