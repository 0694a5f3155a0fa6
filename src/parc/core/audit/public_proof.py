"""The solver behind the audit's public findings (issue 14): a resource policy the probes (``external.py``) call
not public is asked whether ANY caller outside the account, its organization and the accounts the probes already
examined is allowed (``check_no_public_access``).

The probes try a few principals, so a ``"*"`` limited only by a condition they do not satisfy (``aws:PrincipalTag``,
``aws:userid``...) is missed by them; the solver ranges over every caller, action, resource and context. The probes
stay as the fast pre-check and as the source of names; the solver decides what they leave open:

* FAIL: its counterexample, already confirmed by the concrete engine against the policy alone, is replayed through
  the audit's evaluator (SCPs, RCPs, Block Public Access) and becomes a RESOURCE_PUBLIC finding; when the other
  layers refuse it, nothing is proved either way, and the resource is "not checked".
* UNKNOWN (a timeout, something the encoding cannot state exactly): "not checked", never silence.
* The question is about principals of accounts outside the zone of trust and anonymous callers, as the probes'
  are: AWS service principals and service-linked roles (AWS acting for a service; RCPs do not bind the latter) are
  not asked about.
* An exact syntactic pre-filter keeps the cost modest: only a policy with an Allow statement whose Principal is
  ``"*"`` (or ``{"AWS": "*"}``) or that uses NotPrincipal can admit a caller the probes did not name: no other
  policy is asked. Answers are cached by policy document and trust zone (the same text is asked once).

https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from parc.core.account.arns import ACCOUNT_ID, split_arn
from parc.core.account.evaluator import Evaluator, ResourceSide, Verdict
from parc.core.account.model import Account
from parc.core.account.principals import external
from parc.core.audit import buckets, evidence
from parc.core.audit.inputs import AuditInput
from parc.core.audit.model import AuditFinding, Evidence, NotChecked, Severity
from parc.core.policy.model import Policy, Statement

CHECK = "public access to resource policies, proved by the solver"
DOCS = "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html"
TIMEOUT = 5.0
"""Seconds (wall clock) a policy document's proof may take; its solvers get half of it in their deterministic
resource units (``smt.Budget``), so a loaded machine reaches the same answer as an idle one. A limit reached is
"not checked"."""
DERIVED = ("aws:resourceaccount", "aws:currenttime", "aws:epochtime", "aws:principalarn", "aws:principalaccount",
           "aws:principaltype", "aws:principalisawsservice", "aws:userid", "aws:username")
"""Context keys AWS sets from the request itself: not a condition the caller must meet."""
SERVICE_BOUND = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths")
CALLER_CHOSEN = ("sts:externalid", "aws:useragent", "aws:referer", "aws:requesttag/", "aws:tagkeys",
                 "aws:principaltag/")


@dataclass
class ProofCache:
    """Answers by (policy document, trust zone): the same text is asked once per audit."""

    answers: dict[object, object] = field(default_factory=dict)
    asked: int = 0


def may_admit_outsiders(policy: Policy) -> bool:
    """The exact pre-filter: an Allow statement with Principal ``"*"`` / ``{"AWS": "*"}`` or a NotPrincipal. Every
    other Allow names its principals, and the probes decide each of those named from outside."""
    return any(st.effect == "Allow" and _everyone(st) for st in policy.statements)


def _everyone(st: Statement) -> bool:
    if st.not_principal is not None:
        return True
    block = st.principal
    return block is not None and (block.wildcard or any(e.kind == "AWS" and e.value == "*" for e in block.entries))


def named_accounts(policy: Policy) -> set[str]:
    """The accounts the probes examine for this policy: those its Allow statements name as principals, in
    aws:PrincipalAccount or in aws:PrincipalArn (their findings are the probes')."""
    out: set[str] = set()
    for st in policy.statements:
        if st.effect != "Allow":
            continue
        for e in st.principal.entries if st.principal is not None else ():
            if e.kind == "AWS":
                _add_account(out, e.value)
        for c in st.conditions:
            if c.key.lower() in ("aws:principalaccount", "aws:principalarn"):
                for v in c.values:
                    _add_account(out, str(v.value))
    return out


def _add_account(out: set[str], value: str) -> None:
    if ACCOUNT_ID.match(value):
        out.add(value)
        return
    parsed = split_arn(value)
    if parsed is not None and ACCOUNT_ID.match(parsed.account):
        out.add(parsed.account)


def action_index(catalog: object | None) -> dict[str, tuple[str, ...]] | None:
    """The catalog's actions by service (the finite set the solver ranges over); None without a catalog."""
    services = getattr(catalog, "services", None)
    actions = getattr(catalog, "actions", None)
    if services is None or actions is None:
        return None
    return {svc: tuple(a.full_name for a in actions(svc)) for svc in services()}


def prove(inputs: AuditInput, ev: Evaluator, account: Account, arn: str, policy: Policy,
          probed: Iterable[AuditFinding], actions: Callable[[], Mapping[str, Sequence[str]] | None],
          cache: ProofCache) -> tuple[list[AuditFinding], list[NotChecked]]:
    """The solver's finding for a resource policy the probes did not find public (see the module's text).
    ``actions``: ``action_index`` of the catalog, asked only when a policy needs the solver (building it reads
    every service's definition)."""
    found = list(probed)
    if any(f.rule in ("RESOURCE_PUBLIC", "RESOURCE_PUBLIC_BLOCKED", "RESOURCE_ORGANIZATION_WIDE")
           and f.key != f"org:{_org(account)}" for f in found) or not may_admit_outsiders(policy):
        return [], []
    index = actions()
    if index is None:
        return [], [NotChecked(CHECK, f"{arn}: no action catalog to range over", account.account_id)]
    trusted = sorted({account.account_id, *named_accounts(policy),
                      *(a.account_id for a in ev.estate.accounts
                        if _org(account) is not None and _org(a) == _org(account))})
    trusted.remove(account.account_id)
    zone = (account.account_id, *trusted)
    # The RCPs of the resource's account bind outside callers too (not in the management account).
    org = account.org
    rcps = org.rcps if org is not None and org.management_account_id != account.account_id else []
    key = (policy.version, policy.statements, zone, _org(account), tuple(tuple(lv) for lv in rcps))
    result = cache.answers.get(key)
    if result is None:
        from parc.core.reasoning import ReplayMismatch, check_no_public_access

        cache.asked += 1
        try:
            result = check_no_public_access(policy, index, trusted_accounts=zone, org=_org(account), rcps=rcps,
                                            rcp_services=ev.rcp_services, aws_callers=False,
                                            timeout=TIMEOUT)
        except ReplayMismatch as exc:
            result = exc
        cache.answers[key] = result
    return _outcome(inputs, ev, account, arn, policy, result)


def _org(account: Account) -> str | None:
    return account.org.organization_id if account.org is not None else None


def _outcome(inputs: AuditInput, ev: Evaluator, account: Account, arn: str, policy: Policy,
             result: object) -> tuple[list[AuditFinding], list[NotChecked]]:
    from parc.core.reasoning import FAIL, PASS, CheckResult

    acct = account.account_id
    if not isinstance(result, CheckResult):
        return [], [NotChecked(CHECK, f"{arn}: the engine did not confirm the solver's request (a bug in parc): "
                               f"{result}", acct, internal=True)]
    if result.result == PASS:
        return [], []
    if result.result != FAIL:
        return [], [NotChecked(CHECK, f"{arn}: {result.reason}", acct)]
    for cx in result.counterexamples:
        resource = _on_resource(cx.resource, arn)
        side = ev.resource_side(cx.action, resource)
        if side.policy is None:
            side = ResourceSide(policy, acct, arn, side.s3)
        else:
            side = ResourceSide(policy, side.account_id or acct, side.name, side.s3)
        probe = ev.remember(external(cx.principal))
        v = ev.verdict(probe, cx.action, resource, dict(cx.context), side=side, relax=False)
        if v.allowed:
            return [_finding(inputs, account, arn, cx, resource, v)], []
        blocked = buckets.neutralised(ev, probe, cx.action, resource, side, v)
        if blocked is not None:  # Block Public Access alone stops it: reported as the probes report it
            ov, why = blocked
            what = f"{cx.principal} could {cx.action} on {arn} (proved by the solver)"
            return [buckets.neutralised_finding(account, arn, what, why, _evidence(inputs, account, arn, ov),
                                                "anyone", [cx.action])], []
    shown = result.counterexamples[0]
    return [], [NotChecked(CHECK, f"{arn}: the policy allows {shown.principal} {shown.action} from outside the "
                           "account and organization, which other layers (SCPs, RCPs, Block Public Access) refuse; "
                           "parc did not prove that they refuse every such caller", acct)]


def _on_resource(resource: str, arn: str) -> str:
    """The counterexample's resource, kept when it is this resource or under it (an object of the bucket); else the
    resource itself (a policy governs only the resource it is attached to)."""
    if resource == arn or resource.startswith(arn + "/") or resource.startswith(arn + ":"):
        return resource
    return arn


def _finding(inputs: AuditInput, account: Account, arn: str, cx: object, resource: str,
             v: Verdict) -> AuditFinding:
    from parc.core.reasoning import Counterexample

    assert isinstance(cx, Counterexample)
    needs = {k: val for k, val in cx.context.items() if k.lower() not in DERIVED}
    anonymous = cx.principal == "*"
    who = "Anyone" if anonymous else "A principal of an AWS account outside the organization"
    if not needs:
        sev = Severity.CRITICAL
        limited = ""
    else:
        sev = _severity(needs)
        limited = " when " + " and ".join(f"{k} = {val}" for k, val in needs.items())
    title = f"{who} can {cx.action} on {arn}{limited} (proved by the solver)"
    why = (f"The solver found a request the policy allows from outside the account and its organization, which "
           f"the probes did not try: principal {cx.principal}, action {cx.action}, resource {resource}"
           + (f", context {needs}" if needs else "")
           + ". The engine allows it, with every layer of the snapshot (SCPs, RCPs, Block Public Access).")
    if needs:
        why += " Conditions on what the request carries keep out only the callers that do not bring those values."
    fix = ("Name the principals that need it (accounts, role ARNs), or limit \"*\" with aws:PrincipalOrgID or "
           "aws:PrincipalAccount; a condition on a tag or an id the caller's account controls keeps no one out.")
    return AuditFinding(
        "RESOURCE_PUBLIC", sev, "identity", title, arn, why, fix, account.account_id,
        _evidence(inputs, account, arn, v), DOCS,
        key="anyone",
        details={"principal": cx.principal, "actions": [cx.action], "resource": resource, "conditions": needs,
                 "proved_by": "solver", "probes": []},
    )


def _evidence(inputs: AuditInput, account: Account, arn: str, v: Verdict) -> tuple[Evidence, ...]:
    refs = [r for r in v.decision.deciding if r.effect == "Allow" and r.policy_type == "resource"]
    return tuple(evidence.from_ref(inputs, r, "Allow: resource policy statement", account=account.account_id)
                 for r in refs) or (Evidence(f"resource policy ({arn})"),)


def _severity(needs: Mapping[str, object]) -> Severity:
    low = [k.lower() for k in needs]
    if all(k.startswith(SERVICE_BOUND) for k in low):
        return Severity.LOW
    if all(k.startswith(CALLER_CHOSEN) for k in low):
        return Severity.HIGH
    return Severity.MEDIUM
