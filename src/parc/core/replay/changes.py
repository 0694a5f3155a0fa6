"""Proposed changes to an estate, applied as a new estate (the snapshot itself is never modified).

The CHANGE syntax of ``parc replay --proposed`` (the CLI reads the files; this module takes parsed policies):

- ``policy:TARGET=FILE``: FILE replaces the policy TARGET names: a managed policy ARN (its default version, the
  one IAM enforces), or ``ENTITY_ARN#NAME`` for the inline policy NAME of a user, group or role (added when the
  entity has none of that name).
- ``scp:+FILE`` / ``scp:ACCOUNT+FILE``: FILE attached as an SCP to every account of the snapshot, or to ACCOUNT, at
  the account's own level of its organization (beside the SCPs already there: in one level, an action must be
  allowed by one of them and denied by none). An account whose snapshot has no SCPs at all gets the new SCP beside
  FullAWSAccess, the SCP AWS attaches when SCPs are enabled
  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
- ``remove:TARGET#SID``: the statement SID removed from the managed policy ARN, from ``ENTITY_ARN#NAME`` (an
  inline policy), or from the SCP of that name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from parc.core.account.model import (
    Account,
    Estate,
    Group,
    InlinePolicy,
    ManagedPolicy,
    NamedPolicy,
    OrgLevel,
    OrgPlacement,
    PolicyVersion,
    Role,
    User,
)
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy_strict

FULL_AWS_ACCESS = parse_policy_strict(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    PolicyType.SCP, "FullAWSAccess")


class ChangeError(ValueError):
    """A proposed change that does not apply to the snapshot (no such policy, entity, Sid or account)."""


@dataclass(frozen=True)
class Change:
    kind: str
    """``policy``, ``scp`` or ``remove``."""
    target: str
    """The policy ARN / ``ENTITY_ARN#NAME`` / SCP name (``remove``), the account id or "" (``scp``)."""
    policy: Policy | None = None
    sid: str | None = None
    text: str = ""
    """The change as the user wrote it (for messages and the report)."""


def apply(estate: Estate, changes: list[Change]) -> Estate:
    for ch in changes:
        if ch.kind == "policy":
            assert ch.policy is not None
            estate = _replace_policy(estate, ch)
        elif ch.kind == "scp":
            assert ch.policy is not None
            estate = _add_scp(estate, ch)
        elif ch.kind == "remove":
            estate = _remove(estate, ch)
        else:
            raise ChangeError(f"{ch.text}: unknown change kind {ch.kind!r}")
    return estate


def _with(estate: Estate, old: Account, new: Account) -> Estate:
    return Estate(tuple(new if a is old else a for a in estate.accounts))


def _replace_policy(estate: Estate, ch: Change) -> Estate:
    return _edit(estate, ch, lambda _old: ch.policy, create=True)


def _remove(estate: Estate, ch: Change) -> Estate:
    sid = ch.sid

    def drop(old: Policy | None) -> Policy:
        if old is None or not any(st.sid == sid for st in old.statements):
            raise ChangeError(f"{ch.text}: the policy has no statement with Sid {sid!r}")
        return replace(old, statements=tuple(st for st in old.statements if st.sid != sid))

    try:
        return _edit(estate, ch, drop, create=False)
    except ChangeError as exc:
        if "no managed policy" not in str(exc):
            raise
    scps = [n for a in estate.accounts if a.org is not None for lv in a.org.levels for n in lv.scps
            if n.name == ch.target]
    if not scps:
        raise ChangeError(f"{ch.text}: no managed policy, inline policy or SCP named {ch.target!r} in the snapshot")
    drop(scps[0].policy)  # the Sid must exist
    out = []
    for account in estate.accounts:  # an SCP is attached in every account under its level: edit every copy
        if account.org is None:
            out.append(account)
            continue
        levels = tuple(replace(level, scps=tuple(
            NamedPolicy(n.name, replace(n.policy, statements=tuple(s for s in n.policy.statements if s.sid != sid)))
            if n.name == ch.target else n for n in level.scps)) for level in account.org.levels)
        out.append(replace(account, org=replace(account.org, levels=levels)))
    return Estate(tuple(out))


def _edit(estate: Estate, ch: Change, edit: object, *, create: bool) -> Estate:
    from collections.abc import Callable

    fn: Callable[[Policy | None], Policy | None] = edit  # type: ignore[assignment]
    target = ch.target
    if "#" not in target:
        for account in estate.accounts:
            mp = account.policies_by_arn.get(target)
            if mp is None:
                continue
            new = fn(mp.policy)
            versions = tuple(PolicyVersion(v.version_id, v.is_default, new if v.is_default or
                                           v.version_id == mp.default_version_id else v.policy)
                             for v in mp.versions) or (PolicyVersion(mp.default_version_id, True, new),)
            new_mp = ManagedPolicy(mp.arn, mp.name, mp.path, mp.default_version_id, versions)
            estate = _with(estate, account, replace(
                account, policies=tuple(new_mp if p is mp else p for p in account.policies)))
            return estate
        raise ChangeError(f"{ch.text}: no managed policy {target} in the snapshot")
    entity_arn, _, name = target.rpartition("#")
    for account in estate.accounts:
        for kind in ("users", "groups", "roles"):
            entities: tuple[User | Group | Role, ...] = getattr(account, kind)
            for ent in entities:
                if ent.arn != entity_arn:
                    continue
                found = [i for i in ent.inline if i.name == name]
                if not found and not create:
                    raise ChangeError(f"{ch.text}: {entity_arn} has no inline policy {name!r}")
                new_policy = fn(found[0].policy if found else None)
                inline = tuple(InlinePolicy(i.name, new_policy) if i.name == name else i for i in ent.inline)
                if not found:
                    inline = (*inline, InlinePolicy(name, new_policy))
                new_ent = replace(ent, inline=inline)
                updated = tuple(new_ent if e is ent else e for e in entities)
                new_acct = (replace(account, users=updated) if kind == "users"  # type: ignore[arg-type]
                            else replace(account, groups=updated) if kind == "groups"  # type: ignore[arg-type]
                            else replace(account, roles=updated))  # type: ignore[arg-type]
                return _with(estate, account, new_acct)
    raise ChangeError(f"{ch.text}: no user, group or role {entity_arn} in the snapshot")


def _add_scp(estate: Estate, ch: Change) -> Estate:
    assert ch.policy is not None
    named = NamedPolicy(ch.policy.name or "proposed SCP", ch.policy)
    if ch.target and estate.account(ch.target) is None:
        raise ChangeError(f"{ch.text}: account {ch.target} is not in the snapshot (loaded: "
                          f"{', '.join(sorted(estate.by_id))})")
    out = []
    for account in estate.accounts:
        if ch.target and account.account_id != ch.target:
            out.append(account)
            continue
        full = NamedPolicy("FullAWSAccess", FULL_AWS_ACCESS)
        org = account.org
        levels = org.levels if org is not None else ()
        if org is not None and not org.scps:
            levels = tuple(replace(lv, scps=(full,)) for lv in levels)  # SCPs enabled: FullAWSAccess everywhere
        if any(lv.kind == "ACCOUNT" for lv in levels):
            levels = tuple(replace(lv, scps=(*(lv.scps or (full,)), named)) if lv.kind == "ACCOUNT" else lv
                           for lv in levels)
        else:
            levels = (*levels, OrgLevel(account.account_id, "ACCOUNT", scps=(full, named)))
        new_org = OrgPlacement(levels) if org is None else replace(org, levels=levels)
        out.append(replace(account, org=new_org))
    return Estate(tuple(out))
