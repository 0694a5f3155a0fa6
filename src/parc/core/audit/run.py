"""``audit``: every check over an account snapshot, into one report ordered by risk.

The checks are functions over the loaded models, each returning its findings and what it could not check; this
module runs them in turn (reporting progress to an optional callback, for a progress bar) and assembles the report.
The order of the findings depends only on the findings (severity, category, rule, account, resource), so the same
snapshot gives the same report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import partial

from parc.core.account.assume import AssumeGraph, assume_graph
from parc.core.account.escalation import Escalation
from parc.core.account.evaluator import Evaluator
from parc.core.audit.account_security import (
    CHECK_CREDENTIALS,
    CHECK_PASSWORD_POLICY,
    Thresholds,
    credential_checks,
    password_policy_checks,
)
from parc.core.audit.coherence import grade_by_engine
from parc.core.audit.collection import CollectionRecord, collection_checks, gap_lines
from parc.core.audit.compute import compute_checks
from parc.core.audit.data import data_checks
from parc.core.audit.external import external_access
from parc.core.audit.framework import (
    STATUSES,
    AccountFiles,
    ControlResult,
    Framework,
    control_ids,
    control_index,
    evaluate,
)
from parc.core.audit.graph import AccessGraph, InternetTarget, access_graph, internet_targets
from parc.core.audit.identity_extra import (
    CHECK_CONFUSED_DEPUTY,
    CHECK_USERS,
    certificate_checks,
    confused_deputy_checks,
    credential_extra_checks,
    root_hardware_mfa_checks,
    user_policy_checks,
)
from parc.core.audit.inputs import AuditInput
from parc.core.audit.logging_checks import logging_checks
from parc.core.audit.model import CATEGORIES, SEVERITIES, AuditFinding, CheckResult, NotChecked, Severity
from parc.core.audit.network import CHECK as NETWORK_CHECK
from parc.core.audit.network import network_checks
from parc.core.audit.network_latent import CHECK as LATENT_CHECK
from parc.core.audit.network_latent import latent_checks
from parc.core.audit.policies import audited_documents, policy_checks
from parc.core.audit.privilege import PrivilegeResult, privilege
from parc.core.audit.unread import CHECKS, CREDENTIAL_REPORT, NETWORK, PASSWORD_POLICY, UnreadPart, unread_parts
from parc.core.audit.waf_checks import CHECK as WAF_CHECK
from parc.core.audit.waf_checks import waf_checks
from parc.core.findings import Finding
from parc.core.gcpause import without_cyclic_gc
from parc.core.network.exposure import Exposure

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as the audit advances."""
PrivilegeRun = Callable[[AuditInput, Evaluator, Escalation, Callable[[], None] | None],
                        tuple[CheckResult, PrivilegeResult]]
"""``privilege(inputs, evaluator, escalation, tick)``: the administrators and escalation stage."""


@dataclass(frozen=True)
class AuditOptions:
    now: datetime
    """The time key ages are measured to and request times are taken at (injectable: reproducible reports)."""
    now_source: str = "given"
    catalog: object | None = None
    """A ``parc.catalog`` Catalog: lint's catalog rules, and wildcard actions expanded for the access probes."""
    rcp_services: frozenset[str] | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    use_report_time: bool = True
    """Measure each account's credential ages to its own report's generation time (the CLI's JSON output gives it;
    a bare CSV, its latest date) rather than to ``now``; False when the user named the time (``--at``)."""
    unused_days: int | None = None
    """``--unused-days``: the age past which an active credential counts as unused, and the window of "root used
    recently" (default ``thresholds.unused_days``, 90; CIS 1.12 asks 45)."""

    @property
    def effective_thresholds(self) -> Thresholds:
        if self.unused_days is None:
            return self.thresholds
        return replace(self.thresholds, unused_days=self.unused_days)
    frameworks: tuple[Framework, ...] = ()
    """The compliance frameworks whose control ids each finding carries (``parc.loaders.frameworks``)."""
    framework: str | None = None
    """The framework whose control table the report holds (``--framework cis-aws-7.0``)."""
    account_files: tuple[AccountFiles, ...] = ()
    """What each account folder holds: the framework view's NOT CHECKED answers name what is absent."""
    assume: Callable[[Evaluator], AssumeGraph] | None = None
    """Builds the role-assumption graph (default ``assume_graph``, in this process); ``parc.scale`` gives one that
    spreads the roles over Dask workers and merges their edges in order."""
    privilege: PrivilegeRun | None = None
    """Runs the administrators and escalation stage (default ``privilege``, in this process); ``parc.scale`` gives
    one that spreads its principals over Dask workers and merges their answers in order."""


@dataclass(frozen=True)
class AuditReport:
    findings: tuple[AuditFinding, ...]
    not_checked: tuple[NotChecked, ...]
    problems: tuple[Finding, ...]
    """What could not be read in the snapshot (each part then analysed without it)."""
    accounts: tuple[str, ...]
    root: str
    now: datetime
    now_source: str
    graph: AccessGraph
    internet: tuple[InternetTarget, ...]
    counts: dict[str, int]
    """What was examined: accounts, principals, policies, network interfaces."""
    unread: tuple[UnreadPart, ...] = ()
    """The files with input that could not be read, by account (each also a "not checked" entry)."""
    framework: Framework | None = None
    controls: tuple[ControlResult, ...] = ()
    """With ``framework``: each of its controls, PASS / FAIL / NOT CHECKED / MANUAL."""

    def control_summary(self) -> dict[str, int]:
        counts = Counter(c.status for c in self.controls)
        return {s: counts.get(s, 0) for s in STATUSES}

    def gate_blockers(self, threshold: Severity) -> list[UnreadPart]:
        """The unread parts that could hide a finding at ``threshold`` or above: ``--fail-on`` cannot pass."""
        return [u for u in self.unread if u.gate.rank >= threshold.rank]

    def internal_failures(self) -> list[NotChecked]:
        """The checks that failed inside parc: no gate can pass or fail on a report missing them."""
        return [n for n in self.not_checked if n.internal]

    def summary(self) -> dict[str, object]:
        by_sev = Counter(f.severity.value for f in self.findings)
        by_cat = Counter(f.category for f in self.findings)
        by_rule = Counter(f.rule for f in self.findings)
        by_account = Counter(f.account or "" for f in self.findings)
        return {
            "total": len(self.findings),
            "by_severity": {s.value: by_sev.get(s.value, 0) for s in SEVERITIES},
            "by_category": {c: by_cat.get(c, 0) for c in CATEGORIES},
            "by_rule": dict(sorted(by_rule.items())),
            "by_account": dict(sorted(by_account.items())),
            "not_checked": len(self.not_checked),
            "input_problems": len(self.problems),
            "unread_files": len(self.unread),
            "examined": dict(self.counts),
            "as_of": self.now.isoformat(),
            "as_of_source": self.now_source,
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "not_checked": [n.to_dict() for n in self.not_checked],
            "summary": self.summary(),
            "input_problems": [p.to_dict() for p in self.problems],
            "unread": [u.to_dict() for u in self.unread],
            "snapshot": self.root,
            "accounts": list(self.accounts),
            **({"framework": {"id": self.framework.id, "title": self.framework.title,
                              "summary": self.control_summary()},
                "controls": [c.to_dict() for c in self.controls]} if self.framework is not None else {}),
        }


@without_cyclic_gc
def audit(inputs: AuditInput, options: AuditOptions, progress: Progress | None = None) -> AuditReport:
    result = CheckResult()
    estate = inputs.estate

    def stage(name: str, total: int) -> Callable[[], None]:
        done = [0]
        if progress is not None:
            progress(name, 0, total)

        def tick() -> None:
            done[0] += 1
            if progress is not None:
                progress(name, done[0], total)

        return tick

    unread = _unread(inputs)
    result += CheckResult.of(not_checked=[NotChecked(CHECKS[u.part], u.reason(), u.account) for u in unread])
    unloaded = {(u.account, u.part) for u in unread if u.whole}

    thresholds = options.effective_thresholds
    t = stage("account security", len(inputs.accounts))
    for a in inputs.accounts:
        report = a.credential_report
        now = options.now
        if options.use_report_time and report is not None:
            now = report.generated or report.latest or options.now
        if (a.account_id, CREDENTIAL_REPORT) not in unloaded:  # else "not checked" says why, not "absent"
            result += guarded(CHECK_CREDENTIALS, a.account_id,
                              partial(credential_checks, a.account_id, report, now, thresholds))
            result += guarded(CHECK_CREDENTIALS, a.account_id,
                              partial(credential_extra_checks, a.account_id, report, now, thresholds))
            result += guarded("account security: hardware MFA for the root user", a.account_id,
                              partial(root_hardware_mfa_checks, a.account_id, report, a.idnet))
        result += guarded("identity: expired server certificates", a.account_id,
                          partial(certificate_checks, a.account_id, a.idnet, now))
        result += guarded("compute: instance profiles and IMDSv2", a.account_id,
                          partial(compute_checks, a.account_id, a.idnet))
        if (a.account_id, PASSWORD_POLICY) not in unloaded:
            result += guarded(CHECK_PASSWORD_POLICY, a.account_id,
                              partial(password_policy_checks, a.account_id, a.password_policy, thresholds))
        t()

    result += guarded("collection gaps", None, lambda: collection_checks(inputs.collections))

    docs = audited_documents(inputs)
    tick = stage("policies", len(docs))
    result += guarded("policies: lint and MFA conditions", None,
                      lambda: policy_checks(inputs, options.catalog, tick))

    ev = Evaluator(estate, rcp_services=options.rcp_services, now=options.now)
    t = stage("role assumption", 1)
    graph = AssumeGraph()
    found = PrivilegeResult()
    try:
        graph = options.assume(ev) if options.assume is not None else assume_graph(ev)
        t()
        esc = Escalation(ev, assume=graph)
        principals = sum(len(a.users) + len(a.roles) for a in estate.accounts)
        run_privilege = options.privilege if options.privilege is not None else privilege
        checked, found = run_privilege(inputs, ev, esc, stage("administrators and escalation", principals))
        result += checked
    except Exception as exc:  # a bug must not hide the other checks' findings
        result += _failed("administrators and escalation paths", None, exc)

    for acct, a in zip(estate.accounts, inputs.accounts, strict=False):
        result += guarded(CHECK_USERS, a.account_id, partial(user_policy_checks, inputs, acct, a))
    result += guarded(CHECK_CONFUSED_DEPUTY, None, lambda: confused_deputy_checks(inputs, ev))

    t = stage("access from outside", 1)
    result += guarded("access from outside", None, lambda: external_access(inputs, ev, options.catalog))
    t()

    t = stage("logging and detection", 1)
    public = [f.resource for f in result.findings if f.rule == "RESOURCE_PUBLIC"]
    result += guarded("logging and detection", None, lambda: logging_checks(inputs, public))
    t()
    t = stage("data encryption and exposure", len(inputs.accounts))
    for acct, a in zip(estate.accounts, inputs.accounts, strict=False):
        result += data_checks(acct, a, ev, inputs)
        t()

    for a in inputs.accounts:
        result += guarded(WAF_CHECK, a.account_id, partial(waf_checks, a.account_id, a.waf))

    exposures: list[Exposure] = []
    t = stage("network", len(inputs.accounts))
    for a in inputs.accounts:
        if a.network is None and (a.account_id, NETWORK) in unloaded:
            t()
            continue
        exps: list[Exposure] = []
        try:
            exps = a.network.exposed() if a.network is not None else []
            exposures.extend(exps)
            result += network_checks(a, exps)
        except Exception as exc:  # a bug must not hide the other checks' findings
            result += _failed(NETWORK_CHECK, a.account_id, exc)
        result += guarded(LATENT_CHECK, a.account_id, partial(latent_checks, a, exps))
        t()

    return _report(inputs, options, result, found, graph, exposures, tuple(unread))


def _unread(inputs: AuditInput) -> list[UnreadPart]:
    """Every file of every account with input that could not be read (see ``parc.core.audit.unread``)."""
    out: list[UnreadPart] = []
    for acct, a in zip(inputs.estate.accounts, inputs.accounts, strict=False):
        unloaded = [part for part, missing in ((CREDENTIAL_REPORT, a.credential_report is None),
                                               (PASSWORD_POLICY, a.password_policy is None),
                                               (NETWORK, a.network is None)) if missing]
        out.extend(unread_parts(a.account_id, acct.findings + a.problems, unloaded))
    return out


def guarded(check: str, account: str | None, run: Callable[[], CheckResult]) -> CheckResult:
    """Run one check; a failure inside parc becomes a "not checked" naming it, and the audit goes on."""
    try:
        return run()
    except Exception as exc:
        return _failed(check, account, exc)


def _failed(check: str, account: str | None, exc: Exception) -> CheckResult:
    return CheckResult.of(not_checked=[NotChecked(
        check, f"parc failed on it ({type(exc).__name__}: {exc}); please report it", account, internal=True)])


OUTSIDE_RULES = {"ROLE_ASSUMABLE_BY_ANYONE": "anonymous", "ROLE_ORGANIZATION_WIDE": "account",
                 "ROLE_CROSS_ACCOUNT": "account", "ROLE_FEDERATED": "federated"}


def _outside(findings: tuple[AuditFinding, ...]) -> list[tuple[str, str, str, bool]]:
    out = []
    for f in findings:
        kind = OUTSIDE_RULES.get(f.rule)
        principal = f.details.get("principal")
        if kind is None or not isinstance(principal, str):
            continue
        if f.rule == "ROLE_CROSS_ACCOUNT" and principal.startswith("arn:") and ":root" not in principal:
            kind = "external"
        conditional = not f.details.get("unconditional", True) if f.rule != "ROLE_FEDERATED" else True
        out.append((principal, kind, f.resource, bool(conditional)))
    return out


def _report(inputs: AuditInput, options: AuditOptions, result: CheckResult, found: PrivilegeResult,
            graph: AssumeGraph, exposures: list[Exposure], unread: tuple[UnreadPart, ...]) -> AuditReport:
    unique: dict[str, AuditFinding] = {}
    for f in grade_by_engine(result.findings, result.not_checked):
        unique.setdefault(f.id, f)
    findings = tuple(sorted(unique.values(), key=lambda f: f.sort_key()))
    if options.frameworks:
        index = control_index(options.frameworks)
        findings = tuple(replace(f, controls=control_ids(f, index)) for f in findings)
    not_checked = tuple(sorted(set(result.not_checked), key=lambda n: (n.account or "", n.check)))
    chosen = next((fw for fw in options.frameworks if fw.id == options.framework), None)
    controls: tuple[ControlResult, ...] = ()
    if chosen is not None:
        files = [replace(a, unread=tuple(u.file for u in unread if u.account == a.account))
                 for a in options.account_files]
        controls = evaluate(chosen, findings, not_checked, files, _gaps(inputs.collections),
                            settings=asdict(options.effective_thresholds))
    estate = inputs.estate
    counts = {
        "accounts": len(estate.accounts),
        "users": sum(len(a.users) for a in estate.accounts),
        "roles": sum(len(a.roles) for a in estate.accounts),
        "policy_documents": sum(len(a.documents) for a in inputs.accounts),
        "resource_policies": sum(len(a.resource_policies) for a in estate.accounts),
        "network_interfaces": sum(len(a.network.snapshot.enis) for a in inputs.accounts if a.network is not None),
        "credential_reports": sum(1 for a in inputs.accounts if a.credential_report is not None),
    }
    return AuditReport(
        findings, not_checked, inputs.problems, tuple(a.account_id for a in estate.accounts), inputs.root,
        options.now, options.now_source,
        access_graph(graph, found.paths, found.administrators, found.principals, _outside(findings)),
        tuple(internet_targets(exposures)), counts, unread, chosen, controls,
    )


def _gaps(records: tuple[CollectionRecord, ...]) -> dict[tuple[str | None, str], list[str]]:
    """(account, collect area) -> what ``parc collect`` could not collect there."""
    out: dict[tuple[str | None, str], list[str]] = {}
    for r in records:
        for area, text in gap_lines(r.gaps):
            out.setdefault((r.account, area), []).append(f"{text} ({r.file})")
        for area, why in r.not_collected:
            out.setdefault((r.account, area), []).append(f"not collected: {why} ({r.file})")
    return out
