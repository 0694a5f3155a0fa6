"""Principals equivalent to an administrator, and privilege escalation paths: both the accounts engine's answers
(``parc.core.account.escalation``), turned into findings with the statements that decide each step.

- ``ADMIN_EQUIVALENT`` (HIGH; MEDIUM when only under request-time conditions): a user or role allowed every action
  the escalation engine uses to recognise an administrator, decided by the engine (boundary, SCPs included).
- ``ESCALATION_PATH`` (HIGH; MEDIUM when a step depends on request-time keys): a principal that is not an
  administrator but can become one.
- ``PRIVILEGE_GAIN`` (MEDIUM; LOW conditional): a principal that can act as another one by a technique other than
  plainly assuming a role its trust policy names (passing a role to a service, changing a function's code...):
  such a path is rarely meant. Plain role assumption is what trust policies are for and is drawn, not reported.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field

from parc.core.account.escalation import ADMINISTRATOR, Escalation, Path
from parc.core.account.evaluator import Evaluator, ResourceSide
from parc.core.account.principals import Principal
from parc.core.account.techniques import ADMIN_SENTINELS
from parc.core.audit import evidence
from parc.core.audit.inputs import AuditInput
from parc.core.audit.model import AuditFinding, CheckResult, Evidence, Severity

ESCALATION_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
PASSROLE_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
PLAIN_ASSUME = "sts:AssumeRole"


@dataclass
class PrivilegeResult:
    """The escalation engine's answers, kept for the graph."""

    administrators: dict[str, bool] = field(default_factory=dict)
    """ARN -> unconditional."""
    paths: list[Path] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)


def privilege(inputs: AuditInput, ev: Evaluator, esc: Escalation,
              tick: Callable[[], None] | None = None, only: Container[str] | None = None,
              ) -> tuple[CheckResult, PrivilegeResult]:
    """``only``: one partition of a distributed run (``parc.scale``), the principals with these ARNs; the
    partitions' findings, administrators and paths, concatenated in order, are the whole answer."""
    found = PrivilegeResult()
    findings: list[AuditFinding] = []
    for p in ev.principals():
        if only is not None and p.arn not in only:
            continue
        found.principals.append(p)
        if getattr(p.entity, "is_service_linked", False):
            if tick is not None:
                tick()
            continue
        check = esc.admin_of(p.arn)
        if check.admin:
            found.administrators[p.arn] = check.unconditional
            findings.append(_admin(inputs, ev, p, check.unconditional, check.conditions))
        if not check.unconditional:
            for path in esc.paths_from(p.arn):
                found.paths.append(path)
                f = _path(inputs, path)
                if f is not None:
                    findings.append(f)
        if tick is not None:
            tick()
    return CheckResult.of(findings), found


def _admin(inputs: AuditInput, ev: Evaluator, p: Principal, unconditional: bool,
           conditions: tuple[str, ...]) -> AuditFinding:
    items: list[Evidence] = []
    seen: set[tuple[str | None, int]] = set()
    for action in ADMIN_SENTINELS[:3]:
        d = ev.decide(p, action, "*", side=ResourceSide(None, p.account_id))
        for r in d.deciding:
            if r.effect == "Allow" and (r.policy_name, r.statement_index) not in seen:
                seen.add((r.policy_name, r.statement_index))
                items.append(evidence.from_ref(inputs, r, f"Allow {action} on *", p.account_id))
    gate = f" (under conditions on {', '.join(conditions)})" if conditions else ""
    return AuditFinding(
        "ADMIN_EQUIVALENT", Severity.HIGH if unconditional else Severity.MEDIUM, "identity",
        f"The {p.kind} {p.arn.rsplit('/', 1)[-1]} of {p.account_id} is equivalent to an administrator{gate}",
        p.arn,
        "It may change any policy, pass any role and reach every resource: its credentials are the account's. "
        "Every administrator is a target worth stealing.",
        "Keep administrators few, roles rather than users, assumed with MFA; give everyone else the actions their "
        "work needs (IAM Access Analyzer can generate a policy from CloudTrail activity).",
        p.account_id,
        tuple(items) or (Evidence(f"the engine allows {p.arn} every action of {', '.join(ADMIN_SENTINELS)}"),),
        ESCALATION_DOCS,
        details={"unconditional": unconditional, "conditions": list(conditions)},
    )


def _steps(inputs: AuditInput, path: Path) -> Iterator[Evidence]:
    for n, step in enumerate(path.steps, 1):
        note = f" ({step.note})" if step.note else ""
        yield Evidence(f"step {n}: {step.actor} -> {step.technique.title} -> {step.target}{note}")
        for c in step.checks:
            for r in c.verdict.decision.deciding:
                if r.effect == "Allow":
                    yield evidence.from_ref(inputs, r, f"  {c.action} on {c.resource} allowed by",
                                         c.principal.split(":")[4] if c.principal.count(":") >= 5 else None)


def _path(inputs: AuditInput, path: Path) -> AuditFinding | None:
    conditional = any(s.conditional for s in path.steps)
    gate = f" (under conditions on {', '.join(path.conditions)})" if path.conditions else ""
    techniques = [s.technique.id for s in path.steps]
    start = path.principal
    name = start.rsplit("/", 1)[-1]
    account = start.split(":")[4] if start.count(":") >= 5 else None
    if path.gains == ADMINISTRATOR:
        return AuditFinding(
            "ESCALATION_PATH", Severity.MEDIUM if conditional else Severity.HIGH, "identity",
            f"{name} can make itself an administrator in {len(path.steps)} step"
            f"{'s' if len(path.steps) > 1 else ''}{gate}",
            start,
            f"Through {' then '.join(techniques)}: whoever holds its credentials holds the account.",
            _fix(techniques),
            account,
            tuple(_steps(inputs, path)),
            ESCALATION_DOCS,
            key=ADMINISTRATOR,
            details={"path": [s.to_dict() for s in path.steps], "conditional": conditional},
        )
    if all(t == PLAIN_ASSUME for t in techniques):
        return None
    target = path.gains.rsplit("/", 1)[-1]
    return AuditFinding(
        "PRIVILEGE_GAIN", Severity.LOW if conditional else Severity.MEDIUM, "identity",
        f"{name} can act as {target} by {' then '.join(techniques)}{gate}",
        start,
        f"It gains every permission of {path.gains} without being trusted by it directly.",
        _fix(techniques),
        account,
        tuple(_steps(inputs, path)),
        PASSROLE_DOCS if any("PassRole" in t for t in techniques) else ESCALATION_DOCS,
        key=path.gains,
        details={"path": [s.to_dict() for s in path.steps], "conditional": conditional},
    )


def _fix(techniques: list[str]) -> str:
    tips = []
    if any("PassRole" in t for t in techniques):
        tips.append("limit iam:PassRole to the roles the principal must pass (Resource: their ARNs) and to their "
                    "service (iam:PassedToService)")
    if any(t.startswith(("iam:Attach", "iam:Put", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
                         "iam:AddUserToGroup", "iam:Delete")) for t in techniques):
        tips.append("remove the IAM write actions, or restrict them with a permissions boundary and conditions "
                    "(iam:PolicyArn, iam:PermissionsBoundary)")
    if any(t.startswith(("lambda:", "glue:", "ec2:", "cloudformation:")) for t in techniques):
        tips.append("restrict who may create or change code that runs with a role")
    if any(t.startswith(("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                         "iam:UpdateAssumeRolePolicy")) for t in techniques):
        tips.append("do not let principals manage other principals' credentials or trust policies")
    if not tips:
        tips.append("remove the permission used by the first step")
    return "Break the path: " + "; ".join(tips) + "."
