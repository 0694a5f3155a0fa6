"""S3's own layers over the policy evaluation: ACL grants, Block Public Access and Object Ownership.

How S3 combines them ("How Amazon S3 authorizes a request"): the bucket policy, the bucket ACL and, for object
operations, the object ACL are the resource's side; any of them can grant, and an explicit Deny anywhere still
wins. So the ACL grants are decided as resource-policy statements of their own (``bucket ACL`` / ``object ACL``):
the engine's whole flow (SCPs, RCPs, boundaries, cross-account rules) applies to them unchanged, and an Allow that an
ACL gave names the grant (policy type ``acl``, the Sid ``Grants[i] AllUsers READ``).
https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html

Grantees ("Access control list (ACL) overview"): ``AllUsers`` is everyone, anonymous callers included (as
``"Principal": "*"``); ``AuthenticatedUsers`` is every signed request of any AWS account (parc: callers that are
neither anonymous nor an AWS service); ``LogDelivery`` is S3's log delivery (``logging.s3.amazonaws.com``); a
canonical user is the account it stands for when the request's ``canonical_ids`` names it. A grant to the bucket
owner's own canonical id adds nothing (the owner's principals are decided by their own policies), and a grant parc
cannot tie to an account (an unknown canonical id, an e-mail grantee) grants nothing here.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html

Permissions, as the page maps them to actions: READ is ``s3:ListBucket``, ``s3:ListBucketVersions``,
``s3:ListBucketMultipartUploads`` on a bucket and ``s3:GetObject``, ``s3:GetObjectVersion``, ``s3:GetObjectTorrent``
on an object; WRITE on a bucket is ``s3:PutObject`` in it (deleting other writers' objects is the owners' alone);
READ_ACP and WRITE_ACP read and write the ACL; FULL_CONTROL is all four.

Block Public Access (the most restrictive combination of the account's and the bucket's settings):
``IgnorePublicAcls`` drops every grant to AllUsers / AuthenticatedUsers; ``RestrictPublicBuckets``, when the bucket
policy is public (``s3_public.py``), leaves that policy's grants only to AWS service principals and principals of
the bucket owner's account; ``BlockPublicAcls`` rejects the PUT requests that carry a public ACL
(``s3:x-amz-acl`` or an ``s3:x-amz-grant-*`` header naming those groups); ``BlockPublicPolicy`` only rejects
``PutBucketPolicy`` calls with a public policy, which a request does not show, and never affects an existing policy.
Object Ownership ``BucketOwnerEnforced`` turns ACLs off. A request denied only because of Block Public Access says
so: ``blocked_by`` ``block_public_access`` and a reason naming the setting and the levels it is on at.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html

parc takes the objects to be owned by the bucket owner (always so under BucketOwnerEnforced); access points and
organization-level Block Public Access policies are not modelled (the account's effective settings include the
organization's).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from parc.core.authz.compile import PolicyGroup
from parc.core.authz.decision import ALLOW, IMPLICIT_DENY, Decision, StatementRef
from parc.core.authz.principal import PrincipalKind
from parc.core.authz.request import Request
from parc.core.authz.s3_public import public_statements
from parc.core.authz.s3_settings import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    LOG_DELIVERY,
    Acl,
    Grant,
    S3Settings,
)
from parc.core.policy.model import Policy, PolicyType
from parc.core.policy.parse import parse_policy_strict

if TYPE_CHECKING:
    from parc.core.authz.engine import PolicySet

BLOCK_PUBLIC_ACCESS = "block_public_access"
"""The ``blocked_by`` entry of a request that only Block Public Access denied."""
ACL_POLICY_TYPE = "acl"
BUCKET_ACL = "bucket ACL"
OBJECT_ACL = "object ACL"
ACL_NAMES = frozenset({BUCKET_ACL, OBJECT_ACL})

BUCKET_ACTIONS = {
    "READ": ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"),
    "WRITE": (),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
}
OBJECT_ACTIONS = {
    "READ": ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"),
    "WRITE": (),
    "READ_ACP": ("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    "WRITE_ACP": ("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
}
BUCKET_WRITE = ("s3:PutObject",)
"""WRITE on a bucket: create objects in it."""
OBJECTS = "arn:*:s3:::*/*"
PUT_WITH_ACL = frozenset({"s3:putobject", "s3:putobjectacl", "s3:putobjectversionacl", "s3:putbucketacl",
                          "s3:createbucket"})
PUBLIC_CANNED = frozenset({"public-read", "public-read-write", "authenticated-read"})
DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"


def _expand(permission: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if permission == "FULL_CONTROL":
        return tuple(a for p in ("READ", "WRITE", "READ_ACP", "WRITE_ACP") for a in table[p])
    return table[permission]


def grant_actions(grant: Grant, on: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(actions on the bucket, actions on its objects) that a grant of the bucket ACL (``on="bucket"``) or of an
    object ACL (``on="object"``) allows."""
    if on == "object":
        return (), _expand(grant.permission, OBJECT_ACTIONS)
    writes = grant.permission in ("WRITE", "FULL_CONTROL")
    return _expand(grant.permission, BUCKET_ACTIONS), BUCKET_WRITE if writes else ()


def _principal(grant: Grant, owner: str | None, ids: dict[str, str]) -> tuple[object, object] | None:
    """(the Principal element, the Condition element or None) standing for the grantee; None: it grants nothing
    parc can tie to a caller."""
    if grant.grantee_type == "Group":
        if grant.grantee == ALL_USERS:
            return "*", None
        if grant.grantee == AUTHENTICATED_USERS:
            return {"AWS": "*"}, {"StringNotEquals": {"aws:PrincipalType": "Anonymous",
                                                      "aws:PrincipalIsAWSService": "true"}}
        if grant.grantee == LOG_DELIVERY:
            return {"Service": "logging.s3.amazonaws.com"}, None
        return None
    if grant.grantee_type == "CanonicalUser" and grant.grantee != owner:
        account = ids.get(grant.grantee)
        if account:
            return {"AWS": f"arn:aws:iam::{account}:root"}, None
    return None


def acl_policy(acl: Acl | None, on: str, grants: Sequence[Grant], ids: dict[str, str]) -> Policy | None:
    """The grants of an ACL as a resource policy of their own (None: none of them grants anything); read once per
    distinct ACL (an account question builds a layer per caller's policy set and bucket)."""
    if acl is None:
        return None
    return _acl_policy(acl, on, tuple(grants), tuple(sorted(ids.items())))


@lru_cache(maxsize=1024)
def _acl_policy(acl: Acl, on: str, grants: tuple[Grant, ...], id_pairs: tuple[tuple[str, str], ...]) -> Policy | None:
    ids = dict(id_pairs)
    statements: list[dict[str, object]] = []
    for g in grants:
        who = _principal(g, acl.owner_id, ids)
        if who is None:
            continue
        bucket_actions, object_actions = grant_actions(g, on)
        for actions, where in ((bucket_actions, "NotResource"), (object_actions, "Resource")):
            if not actions:
                continue
            st: dict[str, object] = {"Sid": f"Grants[{g.index}] {g.label}", "Effect": "Allow", "Principal": who[0],
                                     "Action": list(actions), where: OBJECTS}
            if who[1] is not None:
                st["Condition"] = who[1]
            statements.append(st)
    if not statements:
        return None
    name = BUCKET_ACL if on == "bucket" else OBJECT_ACL
    return parse_policy_strict({"Version": "2012-10-17", "Statement": statements}, PolicyType.RESOURCE, name)


def _denies_only(policy: Policy) -> Policy:
    return dataclasses.replace(policy, statements=tuple(s for s in policy.statements if s.effect != "Allow"))


def _levels(levels: tuple[str, ...]) -> str:
    return " and ".join(levels) + (" levels" if len(levels) > 1 else " level")


class S3Layer:
    """The S3 settings of one bucket over a compiled policy set: the set's resource side is decided with the
    ACL grants added, and for callers that RestrictPublicBuckets shuts out, without the bucket policy's grants."""

    def __init__(self, base: PolicySet, settings: S3Settings, resource_policy: Policy | None,
                 judged: Policy | None = None) -> None:
        self.settings = settings
        self.public = public_statements(judged if judged is not None else resource_policy)
        self.restrict_levels = settings.setting("RestrictPublicBuckets") if self.public else ()
        ignore = settings.setting("IgnorePublicAcls")
        self.ignore_levels = ignore
        self.block_acl_levels = settings.setting("BlockPublicAcls")
        self.policy_name = resource_policy.name if resource_policy is not None else None
        ids = dict(settings.canonical_ids)
        acls: list[tuple[Acl | None, str]] = [(settings.bucket_acl, "bucket"), (settings.object_acl, "object")]
        kept: list[Policy] = []
        every: list[Policy] = []
        self.ignored: list[Grant] = []
        for acl, on in acls:
            if acl is None or settings.acls_disabled:
                continue
            grants = acl.grants
            kept_grants = [g for g in grants if not (ignore and g.public)]
            self.ignored += [g for g in grants if ignore and g.public]
            for out, chosen in ((kept, kept_grants), (every, list(grants))):
                p = acl_policy(acl, on, chosen, ids)
                if p is not None:
                    out.append(p)
        own = [resource_policy] if resource_policy is not None else []

        def joined(policies: list[Policy]) -> PolicySet:
            group = PolicyGroup("resource", policies, indexed=base.indexed) if policies else None
            return base.with_resource_side(group, base.rcps, base.rcp_services)

        self.effective = joined(own + kept)
        self.restricted = (joined([_denies_only(p) for p in own] + kept) if self.restrict_levels else None)
        self.open = joined(own + every) if (self.restricted is not None or len(every) != len(kept)
                                            or self.ignored) else None

    def traced(self, req: Request) -> PolicySet:
        """The set a request was decided with (its trace shows the ACL grants as statements)."""
        if req.service == "s3" and self.restricted is not None and not self.exempt(req):
            return self.restricted
        return self.effective

    def exempt(self, req: Request) -> bool:
        """RestrictPublicBuckets leaves a public policy to "AWS service principals and authorized users within the
        bucket owner's account"."""
        p = req.principal
        return p.kind is PrincipalKind.SERVICE or (p.account is not None and p.account == req.resource_account)

    def decide(self, req: Request) -> Decision:
        if req.service != "s3":
            return self.effective.authorize(req)
        restricted = self.restricted is not None and not self.exempt(req)
        d = (self.restricted if restricted and self.restricted is not None else self.effective).authorize(req)
        if d.decision == ALLOW:
            rejected = self._public_acl_in_request(req)
            if rejected:
                return _blocked(d, rejected)
            return _relabel(d)
        if d.decision == IMPLICIT_DENY and self.open is not None:
            full = self.open.authorize(req)
            if full.allowed:
                return _blocked(d, self._why_blocked(full, restricted, req))
        return d

    def _why_blocked(self, full: Decision, restricted: bool, req: Request) -> str:
        names = {r.policy_name for r in full.deciding}
        if restricted and (self.policy_name in names or not names & ACL_NAMES):
            sts = ", ".join(f"#{s.index}" + (f" {s.sid!r}" if s.sid else "") for s in self.public[:3])
            return (f"Block Public Access: RestrictPublicBuckets (on at the {_levels(self.restrict_levels)}) "
                    f"restricts a bucket whose policy is public (statement {sts}) to AWS service principals and "
                    f"principals of the bucket owner's account {req.resource_account}: the policy's grants do not "
                    f"reach this caller ({DOCS})")
        grants = [g.label for g in self.ignored]
        return (f"Block Public Access: IgnorePublicAcls (on at the {_levels(self.ignore_levels)}) makes S3 ignore the "
                f"ACL's public grants ({', '.join(grants)}) ({DOCS})")

    def _public_acl_in_request(self, req: Request) -> str | None:
        if not self.block_acl_levels or req.action_lower not in PUT_WITH_ACL:
            return None
        ctx = req.context
        canned = ctx.get("s3:x-amz-acl")
        public = canned in PUBLIC_CANNED if isinstance(canned, str) else False
        for key, value in ctx.items():
            if key.startswith("s3:x-amz-grant-"):
                values = value if isinstance(value, (list, tuple)) else [value]
                public = public or any(isinstance(v, str) and ("/groups/global/AllUsers" in v
                                                               or "/groups/global/AuthenticatedUsers" in v)
                                       for v in values)
        if not public:
            return None
        return (f"Block Public Access: BlockPublicAcls (on at the {_levels(self.block_acl_levels)}) makes S3 reject "
                f"{req.action} with a public ACL in the request ({DOCS})")


def _blocked(d: Decision, why: str) -> Decision:
    return Decision(IMPLICIT_DENY, (), (BLOCK_PUBLIC_ACCESS,), d.by_policy_type, (why,), None, d.candidates,
                    d.context)


def _relabel(d: Decision) -> Decision:
    """An Allow that an ACL grant gave names the grant as an ``acl`` statement."""
    acl = [r for r in d.deciding if r.policy_name in ACL_NAMES]
    if not acl:
        return d
    refs: list[StatementRef] = [dataclasses.replace(r, policy_type=ACL_POLICY_TYPE) if r.policy_name in ACL_NAMES
                                else r for r in d.deciding]
    grants = ", ".join(f"{r.policy_name} grant {r.sid}" for r in acl)
    why = tuple(x.replace("the resource-based policy", f"the resource-based policy ({grants})") for x in d.reasons)
    return Decision(ALLOW, tuple(refs), (), d.by_policy_type, why, None, d.candidates, d.context)


def acl_principals(settings: S3Settings | None, action: str) -> tuple[bool, list[tuple[str, str]]]:
    """(whether an ACL grant that may allow ``action`` names everyone, and the (kind, value) principals such
    grants name), as ``who_can.named_in`` reads a policy: candidates for the engine to decide, nothing more."""
    if settings is None or settings.acls_disabled:
        return False, []
    a = action.lower()
    everyone = False
    named: list[tuple[str, str]] = []
    for acl, on in ((settings.bucket_acl, "bucket"), (settings.object_acl, "object")):
        for g in acl.grants if acl is not None else ():
            bucket_actions, object_actions = grant_actions(g, on)
            if a not in {x.lower() for x in (*bucket_actions, *object_actions)}:
                continue
            who = _principal(g, acl.owner_id if acl is not None else None, dict(settings.canonical_ids))
            if who is None:
                continue
            if who[0] == "*" or who[0] == {"AWS": "*"}:
                everyone = True
            elif isinstance(who[0], dict):
                named.extend((str(k), str(v)) for k, v in who[0].items())
    return everyone, named
