"""The resource side: what a resource policy grants callers outside the resource's account (``parc diff --type
resource``) and whether it grants anyone outside the zone of trust (``parc public``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import z3

from parc.core.authz.engine import PolicySet
from parc.core.authz.fast import ALWAYS_ALLOWED, TRUST_ACTIONS
from parc.core.authz.principal import PrincipalKind
from parc.core.conditions.ip import parse_network
from parc.core.policy.model import Policy
from parc.core.reasoning import smt
from parc.core.reasoning.cover import _cover
from parc.core.reasoning.guess import resource_guesses
from parc.core.reasoning.keys import STR
from parc.core.reasoning.principals import CALLER_KEYS, Shape, shapes
from parc.core.reasoning.question import (
    _MIN_PREFIX,
    ALLOW_ALL,
    ALWAYS_SET,
    HOME,
    ActionIndex,
    _forced_present,
    _granted_actions,
    _Group,
    _group,
    _narrow,
    _Question,
    _ref,
    _resource_account,
    _result,
    _slr_caller,
    _unknown,
    aws_owned,
    owned_keys,
)
from parc.core.reasoning.result import PASS, UNKNOWN, CheckResult, Counterexample
from parc.core.reasoning.smt import sval, text_of
from parc.core.reasoning.text import Unencodable

# ---------------------------------------------------------------------------------------------- resource side


def _bind_shape(q: _Question, shape: Shape) -> list[Any]:
    """What the caller shape fixes: the keys AWS derives from the caller, and the caller keys it leaves unset."""
    enc = q.enc
    q.shape = shape
    fixed: list[Any] = []
    reads: dict[str, Any] = {}
    for key in CALLER_KEYS:
        if key not in enc.keys:
            continue
        kv = enc.keys[key]
        if key not in shape.derived:
            if key == "aws:userid" and shape.kind in (PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE):
                continue
            fixed.append(z3.Not(kv.present))
        elif kv.sort != STR:
            raise Unencodable(f"{key} compared as a {kv.sort}")
        elif kv.multi:
            assert kv.count is not None
            fixed.append(kv.count == 1)
            reads[key] = kv.elements[0].s
        else:
            fixed.append(kv.present)
            reads[key] = kv.elements[0].s
    tied, q.part_vars = shape.bind(enc.ctx, enc.rx, reads)
    fixed.extend(tied)
    fixed.extend(_forced_present(q, ALWAYS_SET))
    return fixed


def _owned_resource(q: _Question, trusted: set[str]) -> Any:
    """The resource lives in the zone of trust: its ARN names a trusted account, or no account at all."""
    rx = q.enc.rx
    ctx = q.enc.ctx
    twelve = z3.Loop(z3.Range("0", "9", ctx), 12, 12)
    account = z3.Union(*[rx.lit(a) for a in sorted(trusted)], z3.Intersect(rx.segment, z3.Complement(twelve)))
    if q.enc.by_segment:
        return z3.Or(q.enc.res == sval("*", ctx), z3.InRe(q.enc.res_segments()[4], account))
    head = [rx.lit("arn:"), rx.segment, rx.lit(":"), rx.segment, rx.lit(":"), rx.segment, rx.lit(":")]
    arn = z3.Concat(*head, account, rx.lit(":"), rx.any)
    return z3.InRe(q.enc.res, z3.Union(rx.lit("*"), arn))


def _resource_request(q: _Question, model: Any, home: str) -> dict[str, object]:
    shape = q.shape
    assert shape is not None
    skip = {k for k in CALLER_KEYS if k in shape.derived and k not in shape.extra_context}
    context = q.context(model, set())  # rendered once: a large policy's request reads many keys
    values = {k: v for k, v in context.items() if k in CALLER_KEYS and isinstance(v, str)}
    values.update({k: v[0] for k, v in context.items() if k in CALLER_KEYS and isinstance(v, list) and len(v) == 1})
    part_values = {p: text_of(model.eval(v, model_completion=True)) for p, v in q.part_vars.items()}
    parts = shape.read_parts(values, part_values)
    return {
        "principal": shape.render(shape.principal, parts),
        "action": q.action(model),
        "resource": text_of(model.eval(q.enc.res, model_completion=True)),
        "resource_account": home,
        "context": {k: v for k, v in context.items() if k not in skip},
    }


def _resource_set(policy: Sequence[Policy]) -> PolicySet:
    """The resource policy with a caller's side that allows everything (a federated user's session policy too)."""
    return PolicySet([ALLOW_ALL], resource_policy=policy[0], session_policy=ALLOW_ALL)


def _no_trust_for_root(q: _Question, shape: Shape) -> list[Any]:
    """The root user cannot assume roles, whatever a trust policy says (the engine's rule)."""
    if shape.kind is not PrincipalKind.ROOT:
        return []
    return [z3.Not(q.enc.action_is(lambda c: c.actions[0].lower() in TRUST_ACTIONS))]


def _per_shape(q: _Question, grants: _Group, sh: list[Shape], home: str, concrete: Sequence[tuple[PolicySet, bool]],
               build: Any, trusted: set[str]) -> list[Counterexample]:
    """Per caller shape, the granting statements its Principal elements match (others need no query), covered as
    in ``_cover`` after requests guessed from each statement (``guess.resource_guesses``: most statements of a
    ``Principal: "*"`` policy are shown without a query); a statement shown for one shape is not asked again for
    the next."""
    guesses = resource_guesses(home, trusted)
    found: list[Counterexample] = []
    shown: set[int] = set()
    for shape in sh:
        stmts = [(s, v) for s, v in q.kept(grants) if s.allow and id(s) not in shown and shape.matches(s)]
        if not stmts:
            continue
        base = build(shape)
        grants_f = [(s, q.applies(s, v)) for s, v in stmts]
        got = _cover(q, base, grants_f, lambda m: _resource_request(q, m, home), concrete, guesses)
        found.extend(got)
        shown.update(id(s) for s, _ in stmts if any(c.statement == _ref(s) for c in got))
        if q.expired():
            q.unknown.append(f"{q.budget.spent()}, before every caller was asked")
            break
    return found


@smt.own_context
def _resource_diff(old: Sequence[Policy], new: Sequence[Policy], index: ActionIndex, timeout: float) -> CheckResult:
    if len(old) != 1 or len(new) != 1:
        return CheckResult(UNKNOWN, "a resource policy diff compares one policy with one policy")
    home = HOME
    try:
        g_old, g_new = _group("resource", old), _group("resource", new)
        universe = [a for a in _granted_actions([g_new], index) if a.lower() not in ALWAYS_ALLOWED]
        q = _Question([g_old, g_new], universe, timeout, index=index)
        classes = _narrow(q, g_old, g_new)
        if classes is None:
            return CheckResult(PASS, "NEW grants nothing OLD does not (statement by statement)")
        owned_keys(q)
        sh = shapes([s for s, _ in g_old.statements + g_new.statements], exclude_accounts={home})
        owned = z3.And(classes, _owned_resource(q, {home}), *_resource_account(q, home, {home}))

        def build(shape: Shape) -> Any:
            bound = _bind_shape(q, shape)  # first: the AWS-owned rules read the caller's shape
            return z3.And(*bound, owned, z3.Not(aws_owned(q)), z3.Not(q.denies(g_new)), z3.Not(q.allows(g_old)),
                          *_no_trust_for_root(q, shape))

        found = _per_shape(q, g_new, sh, home, [(_resource_set(new), True), (_resource_set(old), False)], build,
                           {home})
    except Unencodable as exc:
        return _unknown(str(exc))
    return _result(q, found, "NEW grants no caller outside the resource's account anything OLD does not",
                   "NEW grants callers outside the resource's account requests OLD does not")


RESOURCE_TYPE_SERVICES = {
    "AWS::S3::Bucket": "s3", "AWS::S3::AccessPoint": "s3", "AWS::S3::Glacier": "glacier",
    "AWS::S3Express::DirectoryBucket": "s3express", "AWS::S3Express::AccessPoint": "s3express",
    "AWS::S3Outposts::Bucket": "s3-outposts", "AWS::S3Outposts::AccessPoint": "s3-outposts",
    "AWS::S3Tables::TableBucket": "s3tables", "AWS::S3Tables::Table": "s3tables",
    "AWS::DynamoDB::Table": "dynamodb", "AWS::DynamoDB::Stream": "dynamodb",
    "AWS::EFS::FileSystem": "elasticfilesystem", "AWS::OpenSearchService::Domain": "es",
    "AWS::Kinesis::Stream": "kinesis", "AWS::Kinesis::StreamConsumer": "kinesis", "AWS::KMS::Key": "kms",
    "AWS::Lambda::Function": "lambda", "AWS::SecretsManager::Secret": "secretsmanager", "AWS::SNS::Topic": "sns",
    "AWS::SQS::Queue": "sqs", "AWS::IAM::AssumeRolePolicyDocument": "sts", "AWS::ApiGateway::RestApi": "execute-api",
    "AWS::CodeArtifact::Domain": "codeartifact", "AWS::Backup::BackupVault": "backup",
    "AWS::CloudTrail::Dashboard": "cloudtrail", "AWS::CloudTrail::EventDataStore": "cloudtrail",
}
"""Access Analyzer's resource types (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html)
and the service whose actions reach them."""


def _outsider(q: _Question, g: _Group, trusted: set[str], org: str | None) -> list[Any]:
    """What makes the caller (and where it calls from) outside the zone of trust."""
    enc = q.enc
    ctx = enc.ctx
    out: list[Any] = []

    def each(key: str, bad: Any) -> None:
        """No value of ``key`` may satisfy ``bad`` (a function of the element's string term)."""
        kv = enc.keys.get(key)
        if kv is None:
            return
        if kv.sort != STR:
            raise Unencodable(f"{key} compared as a {kv.sort}")
        if kv.multi:
            assert kv.count is not None
            out.extend(z3.Implies(i < kv.count, z3.Not(bad(e.s))) for i, e in enumerate(kv.elements))
        else:
            out.append(z3.Implies(kv.present, z3.Not(bad(kv.elements[0].s))))

    accounts = sorted(trusted)
    in_trusted = lambda t: z3.Or(*[t == sval(a, ctx) for a in accounts])  # noqa: E731
    if org:
        each("aws:principalorgid", lambda t: t == sval(org, ctx))
        each("aws:sourceorgid", lambda t: t == sval(org, ctx))
        each("aws:principalorgpaths", lambda t: z3.PrefixOf(sval(org + "/", ctx), t))
        each("aws:sourceorgpaths", lambda t: z3.PrefixOf(sval(org + "/", ctx), t))
    each("aws:sourceaccount", in_trusted)
    arn_in = z3.Union(*[z3.Concat(enc.rx.lit("arn:"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment,
                                  enc.rx.lit(":"), enc.rx.segment, enc.rx.lit(f":{a}:"), enc.rx.any)
                        for a in accounts]) if len(accounts) > 1 else z3.Concat(
        enc.rx.lit("arn:"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment, enc.rx.lit(":"), enc.rx.segment,
        enc.rx.lit(f":{accounts[0]}:"), enc.rx.any)
    each("aws:sourcearn", lambda t: z3.InRe(t, arn_in))
    # The VPC endpoints, VPCs and IP ranges the policy names (to allow from, or to deny from anywhere else) are the
    # owner's network.
    named: dict[str, set[str]] = {"aws:sourcevpce": set(), "aws:sourcevpc": set()}
    nets: list[tuple[int, int, int]] = []
    for s, _ in g.statements:
        for c in s.condition_list:
            # Positive or negated (a Deny "unless from vpce-1" names the owner's endpoint as well).
            if c.key_lower in named and c.family == "String":
                named[c.key_lower].update(v for v in c.values if not any(ch in v for ch in "*?$"))
            if c.key_lower == "aws:sourceip" and c.family == "IpAddress":
                for v in c.values:
                    n = parse_network(v)
                    if n is not None and bin(n[2]).count("1") >= _MIN_PREFIX[n[0]]:
                        nets.append(n)
    for key, values in named.items():
        if values:
            texts = [sval(v, ctx) for v in sorted(values)]
            each(key, lambda t, texts=texts: z3.Or(*[t == v for v in texts]))
    kv = enc.keys.get("aws:sourceip")
    if kv is not None and nets:
        def inside(e: Any) -> Any:
            return z3.Or(*[z3.And(e.ipv == ver, (e.v4 if ver == 4 else e.v6) & z3.BitVecVal(
                mask, 32 if ver == 4 else 128, ctx) == z3.BitVecVal(net, 32 if ver == 4 else 128, ctx))
                for ver, net, mask in nets])
        elements = kv.elements if kv.multi else kv.elements[:1]
        for i, e in enumerate(elements):
            count: Any = kv.count
            guard = (i < count) if kv.multi else kv.present
            out.append(z3.Implies(guard, z3.Not(inside(e))))
    return out


def _witnesses(g: _Group, rcp_g: Sequence[_Group]) -> dict[str, int]:
    """How many values of each multivalued key a public question's request needs: the question is (one Allow of
    the policy applies) and (no Deny of it applies) and the RCP levels allow (and constraints that read no set
    condition: each caller key holds one value, ``_outsider`` says no value may be the owner's). Of a request
    that satisfies it, keep per set condition whose truth needs a witness (a ForAnyValue that holds, a
    ForAllValues that fails) one value, and two values where it had more than one (a plain operator tells one
    from several): every set condition keeps its truth and the question still holds. One Allow is enough, so
    the Allow statements count by the largest of them, Deny and RCP statements all together (``keys.py`` counts
    every set condition of every statement, which for a policy of many Allow statements on aws:TagKeys made
    formulas of 24 values per key)."""
    allow: dict[str, int] = {}
    rest: dict[str, int] = {}
    for grp, is_policy in [(g, True), *[(x, False) for x in rcp_g]]:
        for s, _ in grp.statements:
            mine: dict[str, int] = {}
            for c in s.condition_list:
                if c.set_operator is not None:
                    mine[c.key_lower] = mine.get(c.key_lower, 0) + 1
            for key, n in mine.items():
                if is_policy and s.allow:
                    allow[key] = max(allow.get(key, 0), n)
                else:
                    rest[key] = rest.get(key, 0) + n
    return {k: allow.get(k, 0) + rest.get(k, 0) for k in {*allow, *rest}}


@smt.own_context
def check_no_public_access(policy: Policy, index: ActionIndex, *, trusted_accounts: Sequence[str] = (),
                           org: str | None = None, resource_type: str | None = None,
                           rcps: Sequence[Sequence[Policy]] = (), rcp_services: frozenset[str] | None = None,
                           aws_callers: bool = True, timeout: float = 10.0) -> CheckResult:
    """PASS when no caller outside the trusted accounts / organization is allowed (CheckNoPublicAccess).

    ``rcps``: the RCP levels of the resource's account (root first), which bind every caller but a service-linked
    role, for the services in ``rcp_services`` (None: every service); each level needs an Allow, a Deny wins
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).

    ``aws_callers`` False: AWS service principals and service-linked roles (AWS acting for a service, which no one
    outside controls) are not asked about, only principals of accounts and anonymous callers."""
    home = trusted_accounts[0] if trusted_accounts else HOME
    trusted = set(trusted_accounts) | {home}
    service = RESOURCE_TYPE_SERVICES.get(resource_type) if resource_type else None
    if resource_type and service is None:
        return CheckResult(UNKNOWN, f"unknown resource type {resource_type!r}; known: "
                           + ", ".join(sorted(RESOURCE_TYPE_SERVICES)))
    try:
        g = _group("resource", [policy])
        universe = [a for a in _granted_actions([g], index) if a.lower() not in ALWAYS_ALLOWED
                    and (service is None or a.split(":", 1)[0].lower() == service)]
        rcp_g = [_group("rcp", list(lv), i) for i, lv in enumerate(rcps)]
        split = None
        if rcp_g and rcp_services is not None:
            def split(action: str) -> object:
                return action.split(":", 1)[0].lower() in rcp_services
        q = _Question([g, *rcp_g], universe, timeout, index=index, split=split, witnesses=_witnesses(g, rcp_g))
        owned_keys(q)
        if rcp_g:
            q.enc.key("aws:principalarn")  # read by the service-linked caller's exemption from RCPs
            governed = q.enc.true() if rcp_services is None else q.enc.action_is(
                lambda c: c.actions[0].split(":", 1)[0].lower() in rcp_services)
        sh = shapes([s for s, _ in g.statements], exclude_accounts=trusted)
        if not aws_callers:
            q.enc.key("aws:principalarn")  # read by the service-linked caller's test
            sh = [x for x in sh if x.kind is not PrincipalKind.SERVICE]
        owned = _owned_resource(q, trusted)
        outside = _outsider(q, g, trusted, org)

        def build(shape: Shape) -> Any:
            bound = _bind_shape(q, shape)  # first: the AWS-owned rules read the caller's shape
            limits = [] if aws_callers else [z3.Not(_slr_caller(q, False))]
            if rcp_g:
                exempt = z3.Or(_slr_caller(q, False), z3.Not(governed))
                limits += [z3.Or(exempt, q.allows(x)) for x in rcp_g]
            return z3.And(*bound, owned, z3.Not(aws_owned(q)), *outside, z3.Not(q.denies(g)), *limits,
                          *_no_trust_for_root(q, shape), *_resource_account(q, home, trusted))

        concrete = PolicySet([ALLOW_ALL], resource_policy=policy, session_policy=ALLOW_ALL,
                             rcps=[list(lv) for lv in rcps] or None, rcp_services=rcp_services)
        found = _per_shape(q, g, sh, home, [(concrete, True)], build, trusted)
    except Unencodable as exc:
        return _unknown(str(exc))
    return _result(q, found, "no caller outside the zone of trust is allowed",
                   "callers outside the zone of trust are allowed")
