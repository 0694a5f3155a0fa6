"""The decision class of one request (``classes.py`` says what a class is): the key under which the evaluator
shares a verdict between principals.

Whole-account questions ask one request of every principal of an account (each candidate against a role trusting
``*`` or the account): hundreds of thousands of (principal, resource side) pairs at 1x, most of them answered from
the cache. So computing the key is itself the hot path, and it is split by what each part depends on, each part
cached apart:

- the caller's policies as they bear on the action (per identity set, boundary and action);
- the other policies in play (SCPs, the resource policy, RCPs) and what they read (per resource side and action);
- the *member* part: the caller's account, kind, service-linked flag, ARN when it can matter and its values of the
  keys read (per principal, action and what the side reads: the same for every role whose trust policy reads the
  same keys, so a principal computes it once, not once per role);
- the resource part (per class and resource).

The key is the same tuple of facts as before the split, only interned in stages; the tests
(tests/account/test_account_classes.py) compare every shared answer with the engine's answer for the principal.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from parc.core.account.classes import ClassIndex, Patterns, hashable, reads_derived
from parc.core.account.prefilter import resource_matcher as _pattern
from parc.core.account.prefilter import statement_may_cover
from parc.core.account.principals import Principal
from parc.core.account.verdict import ResourceSide
from parc.core.authz.aws_owned import aws_owned_reason
from parc.core.policy.model import Policy

SHARED_LIMIT = 400_000
"""Entries kept per cache, and verdicts kept for sharing between the principals of a class (cleared when full: only
caches)."""

RESOURCE_TAG_PREFIXES = ("aws:resourcetag/", "iam:resourcetag/")
"""The keys of a resource's context (``Evaluator.resource_context``: an IAM user's or role's tags), lowercased."""

PARTITIONS = 64
"""Partitioned candidate lists kept (each is one list of positions of every principal asked)."""

OrgLevels = Callable[[str | None, str, frozenset[str]], list[list[Policy]]]
"""(account id, "scps" | "rcps", keys relaxed) -> the organization's policy levels for the account."""


class ClassKeys:
    """Builds class keys for one evaluator (``Evaluator.verdict`` shares verdicts under them)."""

    def __init__(self, org_levels: OrgLevels, resource_context: Callable[[str], Mapping[str, object]]) -> None:
        # Held weakly: they are the evaluator's own methods, and a strong reference would make the evaluator and
        # its caches a reference cycle, freed only by the cyclic collector (which whole-account work pauses), so
        # that one evaluator's caches outlived it while the next filled (peak memory 844 -> 1,436 MB at 4x).
        self._org_levels_ref = weakref.WeakMethod(org_levels)
        self._context_ref = weakref.WeakMethod(resource_context)
        self._classes = ClassIndex()
        self._token_ids: dict[tuple[object, ...], tuple[int, tuple[object, ...]]] = {}
        self._infos: list[tuple[Patterns, frozenset[str]]] = []
        """The distinct (resource patterns of the statements in play, keys they read) of the classes."""
        self._info_ids: dict[tuple[Patterns, frozenset[str]], int] = {}
        self._token_info: list[int] = []
        """Per class token, its entry in ``_infos``."""
        self._rclasses: dict[tuple[object, ...], tuple[object, ...]] = {}
        self._pparts: dict[tuple[int, int, str], tuple[object, object, tuple[tuple[object, ...], frozenset[str]]]] = {}
        """The caller's part of a class per (identity policies, boundary, action); entries keep their objects."""
        self._sparts: dict[tuple[object, ...], tuple[object, list[Policy], tuple[frozenset[str], bool]]] = {}
        """The other policies in play and what they read, per (caller's account, resource side, action)."""
        self._org_parts: dict[tuple[object, ...], tuple[list[Policy], tuple[frozenset[str], bool]]] = {}
        """The SCPs and RCPs in play and what they read, per (caller's account, resource's account, action)."""
        self._reads_tags: dict[frozenset[str], bool] = {}
        """Per set of keys read: whether one is a resource tag (the only keys a resource's context holds)."""
        self._members: dict[tuple[object, ...], tuple[Principal, int, bool, frozenset[str]]] = {}
        """Per (principal, action, what the side reads): the member part's number, the service-linked flag and the
        keys read."""
        self._member_ids: dict[tuple[object, ...], tuple[int, tuple[Policy, ...], Policy | None]] = {}
        """Kept for good (like the tokens), each with the policies whose ids its part holds: an id is never reused
        while here."""
        self._member_parts: list[tuple[tuple[object, ...], tuple[Policy, ...], Policy | None]] = []
        """Per member number: its part, the caller's identity policies and boundary (``narrowed`` reads them)."""
        self._recent: dict[tuple[object, ...], tuple[Principal, object, object, int, bool]] = {}
        """Per (caller, action, side, given context): its class number and service-linked flag (the entry keeps
        the objects whose ids its key holds)."""
        self._content_ids: dict[int, tuple[Policy, object]] = {}
        """Per resource policy (by identity, the entry keeping it alive): its part of a class key (``_content``)."""
        self._contents: dict[Policy, int] = {}
        """The distinct contents of the resource policies met, each with its number (kept for good)."""
        self._by_copy: dict[tuple[object, ...], tuple[tuple[object, ...], object]] = {}
        """Per ``Policy.copy_key`` (the entry keeping the statements alive): the part of a class key, so that a copy
        of a document is known without hashing the whole policy."""
        self._accounts: dict[int, tuple[Sequence[Principal], tuple[str | None, ...]]] = {}
        self._partitions: dict[tuple[object, ...], tuple[Sequence[Principal], dict[int | None, list[int]]]] = {}
        """Per (principal list, action, what the side reads in each of its accounts): its positions by member part
        (``partition``); each entry keeps its list alive."""

    def _org_levels(self, account_id: str | None, which: str, relax: frozenset[str]) -> list[list[Policy]]:
        levels = self._org_levels_ref()
        assert levels is not None, "the evaluator is gone"
        return levels(account_id, which, relax)

    def _resource_context(self, resource: str) -> Mapping[str, object]:
        context = self._context_ref()
        assert context is not None, "the evaluator is gone"
        return context(resource)

    def key(self, p: Principal, action: str, resource: str, side: ResourceSide,
            context: Mapping[str, object] | None, relax: bool) -> tuple[object, ...] | None:
        """The request's decision class, or None when it is not shared: (the class of the caller for the action
        and resource side, interned as a number, and the resource's part)."""
        if (p.kind not in ("user", "role") or p.entity is None) and not _plain_service(p):
            return None
        given: tuple[object, ...] = ()
        if context:
            given = tuple(sorted((k, hashable(v)) for k, v in context.items()))
        tk = (id(p), action, id(side.policy), side.account_id, id(side.s3), given, relax)
        known = self._recent.get(tk)
        if known is not None and known[0] is p and known[1] is side.policy and known[2] is side.s3:
            token, linked = known[3], known[4]
        else:  # one caller asks one action on one side of many resources (each target of an escalation technique)
            token, linked = self._token(p, action, side, given, relax)
            if len(self._recent) >= SHARED_LIMIT:
                self._recent.clear()
            self._recent[tk] = (p, side.policy, side.s3, token, linked)
        info = self._token_info[token]
        rk = (info, action, resource, given, side.s3 is None, linked)
        rclass = self._rclasses.get(rk)
        if rclass is None:
            rclass = self._resource_class(info, action, resource, side, context, linked)
            if len(self._rclasses) >= SHARED_LIMIT:
                self._rclasses.clear()
            self._rclasses[rk] = rclass
        return (token, *rclass)

    def _resource_class(self, info: int, action: str, resource: str, side: ResourceSide,
                        context: Mapping[str, object] | None, linked: bool) -> tuple[object, ...]:
        """What the decision reads of an IAM resource (a role, a user, a group, a policy): which patterns of the
        statements in play match it, its account, and the values of its tags the statements read. Two IAM
        resources alike in all that get the same decision; any other resource stands for itself, and so does one
        that a pattern with policy variables may match (its match depends on the request): a resource no such
        pattern's loose form matches is matched by none of them in any request, so for it they are constants.
        (Depends on the caller only through ``info``, the patterns and keys of its class, and its service-linked
        flag.)"""
        (patterns, loose), read = self._infos[info]
        parts = resource.split(":", 5)
        if (side.s3 is not None or len(parts) < 6 or parts[0] != "arn" or parts[2] != "iam"
                or any(_pattern(x).matches(resource, {}) for x in loose)
                or aws_owned_reason(action.lower(), resource, None, _lowered(context), linked) is not None):
            return (resource,)
        bits = tuple(_pattern(x).matches(resource, {}) for x in patterns)
        tagged = self._reads_tags.get(read)
        if tagged is None:
            tagged = self._reads_tags[read] = any(k.startswith(RESOURCE_TAG_PREFIXES) for k in read)
        tags = self._classes.context_part(self._resource_context(resource), read) if tagged else ()
        return ("iam", parts[4], bits, tags)

    def members(self, asks: Sequence[tuple[Principal, str]], side: ResourceSide) -> list[int | None]:
        """Each (caller, action)'s member part against the side, as a number (None when not shared): against one
        side, with no context given, callers with the same number and action are in the same class. One loop for
        a whole candidate list (every principal of an account, for a role trusting it or ``*``): what the side
        reads is looked up once per account and action, not once per caller."""
        out: list[int | None] = []
        reads: dict[tuple[str | None, str], tuple[str, tuple[frozenset[str], bool]]] = {}
        members = self._members
        for p, action in asks:
            if p.kind not in ("user", "role") or p.entity is None:
                out.append(None)
                continue
            rk = (p.account_id, action)
            found = reads.get(rk)
            if found is None:
                a = action.lower()
                found = reads[rk] = (a, self._side(p, a, action, side)[2])
            a, side_reads = found
            member = members.get((id(p), a, side_reads))
            if member is None or member[0] is not p:
                member = self._member_of(p, a, action, side_reads)
            out.append(member[1])
        return out

    def partition(self, principals: Sequence[Principal], action: str,
                  side: ResourceSide) -> dict[int | None, list[int]]:
        """The positions of the principals by their member part against the side (``members``; None: not shared),
        each list in order. Kept per list and what the side reads in each of its accounts: the roles trusting
        ``*`` or an account ask the same list (every principal of the snapshot) against trust policies that mostly
        read the same keys, so the list is partitioned once, not once per role."""
        a = action.lower()
        accounts = self._accounts.get(id(principals))
        if accounts is None or accounts[0] is not principals:
            accounts = self._accounts[id(principals)] = (principals, tuple(dict.fromkeys(
                p.account_id for p in principals)))
        signature = tuple(self._side_for(acct, a, action, side)[2] for acct in accounts[1])
        key = (id(principals), a, signature)
        hit = self._partitions.get(key)
        if hit is None or hit[0] is not principals:
            groups: dict[int | None, list[int]] = {}
            for i, number in enumerate(self.members([(p, action) for p in principals], side)):
                groups.setdefault(number, []).append(i)
            if len(self._partitions) >= PARTITIONS:
                self._partitions.clear()
            hit = self._partitions[key] = (principals, groups)
        return hit[1]

    def _token(self, p: Principal, action: str, side: ResourceSide, given: tuple[object, ...],
               relax: bool) -> tuple[int, bool]:
        """The class number of (caller, action, resource side, given context), and the caller's service-linked
        flag."""
        a = action.lower()
        shit = self._side(p, a, action, side)
        member = self._member_of(p, a, action, shit[2])
        full = (a, self._content(side), side.account_id, id(side.s3), given, relax, member[1])
        found = self._token_ids.get(full)
        if found is None:
            # Kept for good, with the objects whose identities the class holds: an id is never reused while here.
            found = self._token_ids[full] = (len(self._token_ids), (p.identity, p.boundary, side.policy, side.s3))
            bnd = [p.boundary] if p.boundary else []
            patterns = self._classes.resource_patterns([*p.identity, *bnd, *shit[1]], a, action)
            info = (patterns, member[3])
            self._token_info.append(self._info_ids.setdefault(info, len(self._info_ids)))
            if len(self._infos) < len(self._info_ids):
                self._infos.append(info)
        return found[0], member[2]

    def _content(self, side: ResourceSide) -> object:
        """The side's resource policy as the class key holds it: its content (every field but its name) for a named
        policy of a side without S3 settings, so that roles whose trust policies are the same text share their
        classes (``Evaluator.verdict`` then renames the statements a shared verdict names: ``verdict.renamed``);
        its identity otherwise."""
        policy = side.policy
        if policy is None:
            return None
        hit = self._content_ids.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1]
        number: object = id(policy)
        if policy.name and side.s3 is None:
            copy = policy.copy_key()
            same = self._by_copy.get(copy)
            if same is not None and same[0] is policy.statements:
                number = same[1]
            else:
                number = ("content", self._contents.setdefault(replace(policy, name=None), len(self._contents)))
                if len(self._by_copy) >= SHARED_LIMIT:
                    self._by_copy.clear()
                self._by_copy[copy] = (policy.statements, number)
        if len(self._content_ids) >= SHARED_LIMIT:
            self._content_ids.clear()
        self._content_ids[id(policy)] = (policy, number)
        return number

    def _side(self, p: Principal, a: str, action: str,
              side: ResourceSide) -> tuple[object, list[Policy], tuple[frozenset[str], bool]]:
        return self._side_for(p.account_id, a, action, side)

    def _side_for(self, account_id: str | None, a: str, action: str,
                  side: ResourceSide) -> tuple[object, list[Policy], tuple[frozenset[str], bool]]:
        """The other policies in play for a caller of the account (its SCPs, the side's RCPs and policy), and what
        their statements covering the action read."""
        sk = (account_id, side.account_id, id(side.policy), a)
        shit = self._sparts.get(sk)
        if shit is None or shit[0] is not side.policy:
            ok = (account_id, side.account_id, a)
            org = self._org_parts.get(ok)
            if org is None:  # the organization's part, once per pair of accounts, not once per resource policy
                levels = [pol for level in self._org_levels(account_id, "scps", frozenset()) for pol in level]
                levels += [pol for level in self._org_levels(side.account_id, "rcps", frozenset()) for pol in level]
                org = self._org_parts[ok] = (levels, self._classes.side_keys(levels, a, action))
            others, reads = org
            if side.policy is not None:
                others = [*others, side.policy]
                _, keys, individuals = self._classes.facts(side.policy).for_action(a, action)
                reads = (reads[0] | keys, reads[1] or individuals)
            shit = self._sparts[sk] = (side.policy, others, reads)
        return shit

    def _member_of(self, p: Principal, a: str, action: str,
                   side_reads: tuple[frozenset[str], bool]) -> tuple[Principal, int, bool, frozenset[str]]:
        mk = (id(p), a, side_reads)
        member = self._members.get(mk)
        if member is None or member[0] is not p:
            member = self._member(p, a, action, side_reads)
            if len(self._members) >= SHARED_LIMIT:
                self._members.clear()
            self._members[mk] = member
        return member

    def _member(self, p: Principal, a: str, action: str,
                side_reads: tuple[frozenset[str], bool]) -> tuple[Principal, int, bool, frozenset[str]]:
        """The caller's part of the class given what the side reads, interned as a number. A service principal
        (``principals.external``: no policies of its own, no account, no context) is its name: the engine reads
        nothing else of it, so one service's requests against trust policies of the same text and roles alike in
        what those read are one class (each role trusting ``lambda.amazonaws.com`` asks the same question)."""
        if p.entity is None:  # a plain service (``key``)
            spart: tuple[object, ...] = ("service", p.arn)
            sfound = self._member_ids.get(spart)
            if sfound is None:
                sfound = self._member_ids[spart] = (len(self._member_ids), (), None)
                self._member_parts.append((spart, (), None))
            return p, sfound[0], False, side_reads[0]
        pk = (id(p.identity), id(p.boundary), a)
        phit = self._pparts.get(pk)
        if phit is None or phit[0] is not p.identity or phit[1] is not p.boundary:
            phit = self._pparts[pk] = (p.identity, p.boundary,
                                       self._classes.principal_part(p.identity, p.boundary, a, action))
        ppart, keys = phit[2]
        skeys, individuals = side_reads
        read = keys | skeys
        arn = p.principal_for_request
        linked = arn.split(":", 5)[-1].startswith("role/aws-service-role/")
        part = (p.account_id, p.kind, linked, arn if individuals or reads_derived(read) else None, ppart,
                self._classes.context_part(p.context, read))
        found = self._member_ids.get(part)
        if found is None:
            found = self._member_ids[part] = (len(self._member_ids), p.identity, p.boundary)
            self._member_parts.append((part, p.identity, p.boundary))
        return p, found[0], linked, read

    def narrowed(self, number: int, resource: str) -> tuple[object, ...]:
        """Member part ``number`` with only the caller's statements that may cover ``resource``: the engine reads
        no statement whose Resource does not match the request's (``PolicyGroup.candidates`` picks statements by
        action and resource before their conditions, so such a statement gives no Allow, no Deny, no missing
        key). So against one resource, classes whose statements differ only in statements that cannot cover it
        decide alike: the users each allowed ``sts:AssumeRole`` on their own role are one class for every other
        role. Positions, the policies relaxing could drop, the boundary (even with nothing covering: it still
        denies), the context part and the rest are kept as they are, so a narrowed part is never coarser than
        what ``principal_part`` would give were the other statements not there."""
        part, identity, boundary = self._member_parts[number]
        ppart = part[4]
        assert isinstance(ppart, tuple)
        out: list[object] = []
        for entry in ppart[:-1]:
            if entry[1] == "droppable":
                out.append(entry)
                continue
            pos, _, positions = entry
            pol = identity[pos]
            kept = tuple(i for i in positions if statement_may_cover(pol.statements[i], resource))
            if kept:
                out.append((pos, id(pol), kept))
            elif self._classes.facts(pol).droppable:
                out.append((pos, "droppable"))
        last = ppart[-1]
        if last is not None and boundary is not None:
            last = (last[0], tuple(i for i in last[1] if statement_may_cover(boundary.statements[i], resource)))
        out.append(last)
        return (*part[:4], tuple(out), part[5])


def _plain_service(p: Principal) -> bool:
    """A service principal as ``principals.external`` makes it: its name and nothing else."""
    return p.kind == "service" and not p.identity and p.boundary is None and not p.context and p.account_id is None


def _lowered(context: Mapping[str, object] | None) -> dict[str, object] | None:
    return {k.lower(): v for k, v in context.items()} if context else None
