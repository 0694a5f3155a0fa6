"""Access from outside the account: roles that anyone or other accounts can assume, and resource policies open to
the public or to other accounts. Every verdict is the engine's, for a probe principal:

* anyone: an anonymous caller, and a principal of an AWS account outside the snapshot and its organization;
* any principal of the organization (another account of it): shows a ``"*"`` limited by ``aws:PrincipalOrgID``;
* each principal of another account that the policy names.

The probe's request carries no request-time keys; when it is denied only for lack of them, the evaluator's relaxed
decision says which keys would let it in (``aws:SourceIp``, ``sts:ExternalId``...), and the finding says so, with
the values the policy expects: a ``"*"`` limited by ``aws:SourceIp`` is "open to these addresses", one limited by
``aws:SourceAccount`` is "open to AWS services acting for that account", not "public". Keys that follow from the
principal (``aws:PrincipalOrgID``, ``aws:PrincipalAccount``...) are facts of the probe, never relaxed. SCPs of the
snapshot's accounts and RCPs of the resource's account take part as in any other decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial

from parc.core.account.arns import ACCOUNT_ID, principal_kind, root_arn, split_arn
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account, Role
from parc.core.account.principals import EVERYTHING, Principal, external
from parc.core.audit import buckets, evidence, public_proof
from parc.core.audit.inputs import AuditInput
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, NotChecked, Severity
from parc.core.authz.decision import StatementRef
from parc.core.policy.model import Policy, Statement

OUTSIDER = "000000000000"
"""The account id of the probe 'any AWS account outside the snapshot' (no real account has it)."""
ORG_MEMBER = "000000000001"
ASSUME = "sts:AssumeRole"
SAML = "sts:AssumeRoleWithSAML"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
MAX_ACTIONS = 200

CALLER_CHOSEN = ("sts:externalid", "aws:useragent", "aws:referer", "sts:rolesessionname", "sts:sourceidentity",
                 "aws:requesttag/", "aws:tagkeys")
"""Keys whose value the caller picks: a condition on them keeps out only those who do not know the value."""
SERVICE_BOUND = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths")
"""Keys only AWS services set, for the resource they act for (the confused-deputy guard)."""

TRUST_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html"
PRINCIPAL_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
OIDC_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
ACCESS_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html"


@dataclass
class _Hit:
    """What one probe may do on one resource: the actions, unconditionally or under which keys."""

    probe: Principal
    label: str
    note: str = ""
    """Why this probe stands for a class of principals (a pattern in aws:PrincipalArn...)."""
    verdicts: list[tuple[str, Verdict]] = field(default_factory=list)
    got_in: list[str] = field(default_factory=list)
    """The labels of the probes sharing this key that got in (anonymous, any AWS account...), in probe order."""

    @property
    def unconditional(self) -> list[str]:
        return [a for a, v in self.verdicts if v.allowed]

    @property
    def keys(self) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for _, v in self.verdicts:
            if not v.allowed:
                for k in v.relaxed_keys:
                    out.setdefault(k, None)
        return tuple(out)


def _probe_org(org_id: str) -> Principal:
    return Principal(f"any principal of organization {org_id}", "account", ORG_MEMBER, (EVERYTHING,),
                     context={"aws:PrincipalOrgID": org_id},
                     request_arn=f"arn:aws:iam::{ORG_MEMBER}:role/parc-any-principal-of-the-organization")


def _org_id(account: Account) -> str | None:
    return account.org.organization_id if account.org is not None else None


CHECK_RESOURCES = "access from outside through resource policies (buckets, keys, queues, topics, secrets...)"


def external_access(inputs: AuditInput, ev: Evaluator, catalog: object | None) -> CheckResult:
    findings: list[AuditFinding] = []
    not_checked = [NotChecked(CHECK_RESOURCES, "the snapshot has no resource-policies.json", a.account_id)
                   for a in inputs.accounts if not a.has_resource_policies]
    index = cache(partial(public_proof.action_index, catalog))
    proofs = public_proof.ProofCache()
    for account in inputs.estate.accounts:
        not_checked.extend(buckets.not_checked(account))
        for role in account.roles:
            if role.trust is not None and not role.is_service_linked:
                findings.extend(_role(inputs, ev, account, role))
        for rp in account.resource_policies:
            probed = list(_resource(inputs, ev, account, rp.arn, rp.policy, catalog))
            findings.extend(probed)
            # What the probes call not public, the solver decides (issue 14).
            proved, unproved = public_proof.prove(inputs, ev, account, rp.arn, rp.policy, probed, index, proofs)
            findings.extend(proved)
            not_checked.extend(unproved)
        for arn in buckets.acl_only_buckets(account):  # public through its ACL alone
            findings.extend(_resource(inputs, ev, account, arn, None, catalog))
    return CheckResult.of(findings, not_checked)


# ---- the probes ---------------------------------------------------------------------------------------------------


def _everyone(st: Statement) -> bool:
    if st.not_principal is not None:
        return True
    block = st.principal
    if block is None:
        return False
    return block.wildcard or any(e.kind == "AWS" and e.value == "*" for e in block.entries)


def _foreign(st: Statement, own: str) -> list[str]:
    """AWS principals of other accounts that the statement names."""
    out = []
    for e in st.principal.entries if st.principal is not None else ():
        if e.kind != "AWS" or e.value == "*":
            continue
        parsed = split_arn(e.value)
        acct = e.value if ACCOUNT_ID.match(e.value) else (parsed.account if parsed is not None else "")
        if acct and ACCOUNT_ID.match(acct) and acct != own:  # no other account field names a real principal
            out.append(e.value)
    return out


@dataclass(frozen=True, slots=True)
class _Probe:
    key: str
    principal: Principal
    label: str
    note: str = ""


def _witnesses(st: Statement, own_account: str, own_org: str | None) -> list[_Probe]:
    """Principals that a ``"*"`` statement's conditions on the principal let in: an account named in
    aws:PrincipalAccount, an ARN pattern of aws:PrincipalArn (with any account when the pattern has a wildcard
    there: anyone can create a role of that name), another organization in aws:PrincipalOrgID. The probe of
    "anyone" cannot satisfy these keys by chance; these stand for the principals that do."""
    out: list[_Probe] = []
    for c in st.conditions:
        key = c.key.lower()
        op = c.operator.lower()
        if "not" in op or key not in ("aws:principalaccount", "aws:principalarn", "aws:principalorgid"):
            continue
        for cv in c.values:
            v = str(cv.value)
            if key == "aws:principalaccount" and ACCOUNT_ID.match(v) and v != own_account:
                out.append(_Probe(f"account:{v}", external(root_arn(v)), f"account {v}",
                                  "named in aws:PrincipalAccount"))
            elif key == "aws:principalarn":
                parsed = split_arn(v)
                if parsed is None or principal_kind(v.replace("*", "x")) not in ("user", "role", "root"):
                    continue
                wild = not ACCOUNT_ID.match(parsed.account)
                acct = OUTSIDER if wild else parsed.account
                if acct == own_account:
                    continue
                concrete = f"arn:{parsed.partition if '*' not in parsed.partition else 'aws'}:iam::{acct}:" \
                    + _concrete(parsed.resource)
                note = f"aws:PrincipalArn {c.operator} {v}"
                if wild:
                    out.append(_Probe("anyone", external(concrete), f"any account's {parsed.resource}", note))
                else:
                    out.append(_Probe(concrete, external(concrete), v, note))
            elif key == "aws:principalorgid" and v != own_org and "*" not in v:
                out.append(_Probe(f"org:{v}", _probe_org(v), f"any principal of organization {v}",
                                  "another organization, named in aws:PrincipalOrgID"))
    return out


def _named_probe(ev: Evaluator, value: str) -> Principal:
    acct = value if ACCOUNT_ID.match(value) else value.split(":")[4]
    if ev.estate.account(acct) is not None and principal_kind(value) in ("user", "role"):
        try:
            return ev.principal(value)
        except ValueError:
            pass
    return ev.remember(external(root_arn(acct) if ACCOUNT_ID.match(value) else value))


def _decide(ev: Evaluator, hits: dict[str, _Hit], key: str, probe: Principal, label: str, action: str,
            resource: str, side: ResourceSide, note: str = "") -> Verdict:
    v = ev.verdict(probe, action, resource, side=side)
    if v.possible:
        hit = hits.setdefault(key, _Hit(probe, label, note))
        hit.verdicts.append((action, v))
        if label not in hit.got_in:
            hit.got_in.append(label)
    return v


ANONYMOUS = "anyone (anonymous)"
ANY_ACCOUNT = "any AWS account"
_CALLERS = {ANONYMOUS: "anonymous callers (unsigned requests)", ANY_ACCOUNT: "principals of any AWS account"}


def _who_got_in(hit: _Hit) -> str:
    """Which probes of "anyone" the engine let in, in words: anonymous callers, principals of any AWS account."""
    return " and ".join(_CALLERS.get(label, label) for label in hit.got_in) or _CALLERS.get(hit.label, hit.label)


def _everyone_probes(account: Account, st: Statement) -> list[_Probe]:
    org = _org_id(account)
    out = [_Probe("anyone", external("*"), ANONYMOUS),
           _Probe("anyone", external(root_arn(OUTSIDER)), ANY_ACCOUNT)]
    if org:
        out.append(_Probe(f"org:{org}", _probe_org(org), f"any principal of organization {org}"))
    out.extend(_witnesses(st, account.account_id, org))
    return out


def _condition_values(policy: Policy | None, v: Verdict, keys: Iterable[str]) -> dict[str, list[str]]:
    """The values the allowing statements expect for ``keys`` (what "limited by" means in the finding)."""
    wanted = {k.lower() for k in keys}
    out: dict[str, list[str]] = {}
    if policy is None:
        return out
    for ref in v.decision.deciding:
        if ref.effect != "Allow" or ref.policy_name != policy.name:
            continue
        if 0 <= ref.statement_index < len(policy.statements):
            for c in policy.statements[ref.statement_index].conditions:
                if c.key.lower() in wanted:
                    vals = out.setdefault(c.key, [])
                    for x in c.values:
                        text = f"{c.operator} {x.value}"
                        if text not in vals:
                            vals.append(text)
    return out


# ---- roles ---------------------------------------------------------------------------------------------------------


def _role(inputs: AuditInput, ev: Evaluator, account: Account, role: Role) -> Iterator[AuditFinding]:
    trust = role.trust
    assert trust is not None
    side = ResourceSide(trust, role.account_id, role.arn)
    hits: dict[str, _Hit] = {}
    for st in trust.statements:
        if st.effect != "Allow":
            continue
        if _everyone(st):
            for pr in _everyone_probes(account, st):
                if pr.key in hits and pr.key != "anyone":
                    continue
                _decide(ev, hits, pr.key, ev.remember(pr.principal), pr.label, ASSUME, role.arn, side, pr.note)
        for value in _foreign(st, role.account_id):
            _decide(ev, hits, value, _named_probe(ev, value), value, ASSUME, role.arn, side)
        for e in st.principal.entries if st.principal is not None else ():
            if e.kind == "Federated":
                action = SAML if ":saml-provider/" in e.value else WEB_IDENTITY
                probe = ev.remember(Principal(e.value, "federated", None))
                _decide(ev, hits, f"federated:{e.value}", probe, e.value, action, role.arn, side)
    if "anyone" in hits:
        hits.pop(f"org:{_org_id(account)}", None)
    for key, hit in hits.items():
        yield _role_finding(inputs, ev, account, role, key, hit)


def _role_finding(inputs: AuditInput, ev: Evaluator, account: Account, role: Role, key: str,
                  hit: _Hit) -> AuditFinding:
    action = hit.verdicts[0][0]
    what = f"assume the role {role.name}"
    if key.startswith("federated:"):
        return _federated(inputs, account, role, hit)
    return _access_finding(inputs, ev, account, "ROLE", role.arn, role.trust, key, hit, what, [action])


def _federated(inputs: AuditInput, account: Account, role: Role, hit: _Hit) -> AuditFinding:
    action, v = hit.verdicts[0]
    keys = v.relaxed_keys if not v.allowed else ()
    conds = _condition_values(role.trust, v, keys)
    limited = _limits(conds, keys)
    provider = hit.label
    name = provider.rsplit("/", 1)[-1]
    subject = any(k.lower().endswith((":sub", ":amr")) for k in keys)
    if ":oidc-provider/" in provider and not subject:
        sev = Severity.HIGH
        title = f"Any identity of {name} can assume the role {role.name}"
        why = ("The trust policy does not test the token's subject (sub): every identity the provider issues tokens "
               "for (every repository, every workload of that provider) can assume the role"
               + (f"; it only tests {limited}" if limited else "") + ".")
        fix = ("Add a StringEquals (or StringLike) condition on the provider's sub claim naming the workloads that "
               "may assume the role, e.g. token.actions.githubusercontent.com:sub = repo:ORG/REPO:ref:refs/heads/main.")
    else:
        sev = Severity.INFO
        title = f"Identities of {name} can assume the role {role.name}" + (f" {limited}" if limited else "")
        why = "Federated sign-in: whoever the identity provider vouches for, under these conditions, gets the role."
        fix = "Check that the conditions name only the subjects (users, groups, workloads) meant to have it."
    return AuditFinding(
        "ROLE_FEDERATED", sev, "identity", title, role.arn, why, fix, account.account_id,
        _refs_evidence(inputs, account, [v], "trust policy") or (Evidence(f"trust policy of {role.arn}"),),
        OIDC_DOCS,
        key=f"federated:{provider}",
        details={"principal": provider, "action": action, "decision": v.label, "conditions": conds or
                 list(keys)},
    )


def _refs_evidence(inputs: AuditInput, account: Account, verdicts: Iterable[Verdict],
                   resource_label: str = "resource policy", arn: str = "") -> tuple[Evidence, ...]:
    """The Allow statements behind the verdicts, the stand-in policies of probes left out; an S3 ACL grant is
    pointed at in its get-bucket-acl.json."""
    refs: dict[tuple[str | None, int, str | None], StatementRef] = {}
    for v in verdicts:
        for r in v.decision.deciding:
            if r.effect != "Allow":
                continue
            if r.policy_type == "identity" and evidence.find(inputs, r.policy_name, account.account_id) is None:
                continue
            refs.setdefault((r.policy_name, r.statement_index, r.sid), r)
    kind = {"resource": resource_label, "identity": "identity policy", "scp": "SCP", "rcp": "RCP"}
    return tuple(buckets.acl_evidence(account, arn, r) or evidence.from_ref(
        inputs, r, f"Allow: {kind.get(r.policy_type, r.policy_type)} statement", account=account.account_id)
        for r in refs.values())


def _access_finding(inputs: AuditInput, ev: Evaluator, account: Account, kind: str, arn: str,
                    policy: Policy | None, key: str, hit: _Hit, what: str, actions: list[str]) -> AuditFinding:
    unconditional = hit.unconditional
    first = next((v for a, v in hit.verdicts if a in unconditional), hit.verdicts[0][1])
    keys = () if unconditional else hit.keys
    conds: dict[str, list[str]] = {}
    for _, v in hit.verdicts:
        for k, vals in _condition_values(policy, v, keys).items():
            for x in vals:
                if x not in conds.setdefault(k, []):
                    conds[k].append(x)
    limited = _limits(conds, keys)
    via_acl = any(r.policy_type == "acl" for _, v in hit.verdicts for r in v.decision.deciding)
    subject = "the role's trust policy" if kind == "ROLE" else "its ACL" if via_acl else "its policy"
    fix_anyone = ("Name the principals that need it (accounts, role ARNs); for third parties add sts:ExternalId, for "
                  "your organization aws:PrincipalOrgID" + ("; for S3 also turn on Block Public Access."
                                                            if arn.startswith("arn:aws:s3") else "."))
    if via_acl:
        fix_anyone = ("Remove the ACL's grants to AllUsers / AuthenticatedUsers, or set Object Ownership to "
                      "BucketOwnerEnforced (ACLs off); turn on Block Public Access (IgnorePublicAcls) for the account.")
    if key == "anyone":
        rule = f"{kind}_PUBLIC" if kind == "RESOURCE" else "ROLE_ASSUMABLE_BY_ANYONE"
        anonymous = ANONYMOUS in hit.got_in
        if unconditional and not hit.note:
            sev = Severity.CRITICAL
            title = f"{'Anyone' if anonymous else 'Any AWS account'} can {what}"
            why = (f"{subject[0].upper()}{subject[1:]} lets in {_who_got_in(hit)} (the engine's decision for each "
                   "probe), with no condition that keeps others out."
                   + ("" if anonymous else " Anonymous requests are refused, but anyone can open an AWS account."))
        elif unconditional:
            sev = Severity.HIGH
            title = f"Any AWS account can {what} ({hit.note})"
            why = (f"{subject[0].upper()}{subject[1:]} allows \"*\" limited by {hit.note}, with a wildcard for the "
                   "account: anyone can create a principal of that name in their own account.")
        else:
            sev = _gated_severity(keys)
            title = f"Anyone can {what} {limited}"
            why = (f"{subject[0].upper()}{subject[1:]} lets in {_who_got_in(hit)} (\"*\"); only conditions on "
                   f"values the request brings keep others out: {limited}.")
            if sev is Severity.HIGH:
                why += " Those values are the caller's to choose."
            elif sev is Severity.LOW:
                why += " Only AWS services set them, for the resource they act for."
        fix = fix_anyone
    elif key.startswith("org:"):
        org = key.split(":", 1)[1]
        own = org == _org_id(account)
        rule = f"{kind}_ORGANIZATION_WIDE"
        sev = Severity.INFO if own else Severity.MEDIUM
        title = f"Any principal of {'the' if own else 'another'} organization {org} can {what}" + (
            f" {limited}" if limited else "")
        why = (f"{subject[0].upper()}{subject[1:]} allows \"*\" limited by aws:PrincipalOrgID: every account of "
               f"{'the organization' if own else org}, whoever controls it, gets it.")
        fix = "Narrow it to the accounts or roles that need it (aws:PrincipalArn, or named principals)."
    else:
        rule = f"{kind}_CROSS_ACCOUNT"
        sev, title, why, fix = _cross_account(ev, account, hit, first, limited, what)
    return AuditFinding(
        rule, sev, "identity", title, arn, why, fix, account.account_id,
        _refs_evidence(inputs, account, [v for _, v in hit.verdicts],
                       "trust policy" if kind == "ROLE" else "resource policy", arn)
        or (Evidence(f"{subject} ({arn})"),),
        PRINCIPAL_DOCS if key == "anyone" else (TRUST_DOCS if kind == "ROLE" else ACCESS_DOCS),
        key=key,
        details={"principal": hit.label, **({"probes": list(hit.got_in)} if key == "anyone" else {}),
                 "actions": actions, "unconditional": sorted(unconditional),
                 "conditions": conds or list(keys), **({"note": hit.note} if hit.note else {})},
    )


def _cross_account(ev: Evaluator, account: Account, hit: _Hit, v: Verdict, limited: str,
                   what: str) -> tuple[Severity, str, str, str]:
    other = hit.probe.account_id or ""
    in_estate = ev.estate.account(other) is not None
    same_org = in_estate and _org_id(account) is not None and _org_id(ev.estate.by_id[other]) == _org_id(account)
    who = f"account {other}" if hit.label in (root_arn(other), other) else hit.label
    via = f" ({hit.note})" if hit.note else ""
    if same_org:
        sev = Severity.INFO
        why = f"{who} is another account of the same organization."
    elif in_estate:
        sev = Severity.LOW
        why = f"{who} is an account of the snapshot outside this account's organization."
    else:
        sev = Severity.MEDIUM if v.allowed else Severity.LOW
        why = (f"{who} is outside the snapshot: what it does with this access is not visible here"
               + ("." if v.allowed else f"; the access needs {limited}."))
    title = f"{who}{via} can {what}" + (f" {limited}" if limited else "")
    fix = ("Keep only the principals that need it; for a third party require sts:ExternalId, for your own accounts "
           "prefer naming the exact role over the whole account.")
    return sev, title, why, fix


def _limits(conds: dict[str, list[str]], keys: tuple[str, ...]) -> str:
    if not keys:
        return ""
    parts = []
    for k in keys:
        vals = next((vs for name, vs in conds.items() if name.lower() == k.lower()), [])
        parts.append(f"{k} ({', '.join(vals)})" if vals else k)
    return "when " + " and ".join(parts)


def _gated_severity(keys: Iterable[str]) -> Severity:
    low = [k.lower() for k in keys]
    if low and all(k.startswith(SERVICE_BOUND) for k in low):
        return Severity.LOW
    if low and all(k.startswith(CALLER_CHOSEN) for k in low):
        return Severity.HIGH
    return Severity.MEDIUM


# ---- resource policies ----------------------------------------------------------------------------------------------


def _concrete(pattern: str) -> str:
    """A resource the pattern covers: wildcards and variables replaced by a plain name."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("${", i):
            end = pattern.find("}", i)
            out.append("parc-probe")
            i = len(pattern) if end < 0 else end + 1
            continue
        ch = pattern[i]
        out.append("parc-probe" if ch == "*" else "x" if ch == "?" else ch)
        i += 1
    return "".join(out)


def _actions(st: Statement, arn: str, catalog: object | None) -> list[str]:
    patterns: list[str]
    if st.action is not None:
        patterns = [a.value for a in st.action]
    else:
        parts = arn.split(":")
        patterns = [f"{parts[2]}:*"] if len(parts) > 2 and parts[2] else []
    out: dict[str, None] = {}
    for p in patterns:
        if ("*" in p or "?" in p) and catalog is not None and hasattr(catalog, "expand_action_pattern"):
            for info in catalog.expand_action_pattern(p):
                out.setdefault(f"{info.service}:{info.name}", None)
        else:
            out.setdefault(p, None)
        if len(out) >= MAX_ACTIONS:
            break
    return list(out)[:MAX_ACTIONS]


def _resources(st: Statement, arn: str) -> list[str]:
    if st.resource is None:
        return [arn]
    out: dict[str, None] = {}
    for r in st.resource:
        value = arn if r.value == "*" else _concrete(r.value)
        if split_arn(value) is not None:  # a Resource that is no ARN matches no request: nothing to probe
            out.setdefault(value, None)
    return list(out)


def _resource(inputs: AuditInput, ev: Evaluator, account: Account, arn: str, policy: Policy | None,
              catalog: object | None) -> Iterator[AuditFinding]:
    """The probes against a resource policy's statements, and for an S3 bucket against its ACL's public grants
    (``policy`` None: a bucket with an ACL and no policy)."""
    hits: dict[str, _Hit] = {}
    blocked: dict[str, tuple[_Hit, str]] = {}
    checks: list[tuple[list[_Probe], str, str]] = []
    for st in policy.statements if policy is not None else ():
        if st.effect != "Allow":
            continue
        probes = _everyone_probes(account, st) if _everyone(st) else []
        probes += [_Probe(value, _named_probe(ev, value), value) for value in _foreign(st, account.account_id)]
        if probes:
            checks += [(probes, r, a) for r in _resources(st, arn) for a in _actions(st, arn, catalog)]
    anyone = [_Probe("anyone", external("*"), ANONYMOUS),
              _Probe("anyone", external(root_arn(OUTSIDER)), ANY_ACCOUNT)]
    checks += [(anyone, r, a) for r, a in buckets.public_acl_requests(account, arn)]
    for probes, resource, action in checks:
        side = ev.resource_side(action, resource)
        if side.policy is None and policy is not None:
            side = ResourceSide(policy, account.account_id, arn, side.s3)
        for pr in probes:
            probe = ev.remember(pr.principal)
            v = _decide(ev, hits, pr.key, probe, pr.label, action, resource, side, pr.note)
            if not v.possible and (pr.key == "anyone" or pr.key.startswith("org:")):
                _neutralised(ev, blocked, probe, pr, action, resource, side, v)
    if "anyone" in hits:
        hits.pop(f"org:{_org_id(account)}", None)
    for key, hit in hits.items():
        yield _resource_finding(inputs, ev, account, arn, policy, key, hit)
    # What Block Public Access alone keeps out, reported once per resource: the widest of the callers it stops.
    widest = next((k for k in ("anyone", *sorted(blocked)) if k in blocked and k not in hits), None)
    if widest is not None:
        hit, why = blocked[widest]
        actions = sorted({a for a, _ in hit.verdicts})
        shown = ", ".join(actions[:6]) + (f" and {len(actions) - 6} more" if len(actions) > 6 else "")
        who = "anyone" if widest == "anyone" else hit.label
        yield buckets.neutralised_finding(
            account, arn, f"{who} could {shown} on {arn}", why,
            _refs_evidence(inputs, account, [v for _, v in hit.verdicts], "resource policy", arn), widest,
            actions)


def _neutralised(ev: Evaluator, blocked: dict[str, tuple[_Hit, str]], probe: Principal, pr: _Probe, action: str,
                 resource: str, side: ResourceSide, v: Verdict) -> None:
    """A probe that Block Public Access alone keeps out: what it could do with every setting off."""
    found = buckets.neutralised(ev, probe, action, resource, side, v)
    if found is not None:
        blocked.setdefault(pr.key, (_Hit(probe, pr.label, pr.note), found[1]))[0].verdicts.append((action, found[0]))


def _resource_finding(inputs: AuditInput, ev: Evaluator, account: Account, arn: str, policy: Policy | None, key: str,
                      hit: _Hit) -> AuditFinding:
    actions = sorted({a for a, _ in hit.verdicts})
    shown = ", ".join(actions[:6]) + (f" and {len(actions) - 6} more" if len(actions) > 6 else "")
    return _access_finding(inputs, ev, account, "RESOURCE", arn, policy, key, hit, f"{shown} on {arn}", actions)

