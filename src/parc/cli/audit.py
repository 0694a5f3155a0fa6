"""``parc audit``: account security, identity and access, and network integrity over an account snapshot, in order
of risk, each finding with its evidence and a fix.

Wiring only: the snapshot is read by ``parc.loaders.snapshot``, audited by ``parc.core.audit``, and written by the
``parc.reporters.audit_*`` reporters. Exit codes (``parc.cli.exitcodes``), as ``parc validate``: 0 when no finding
reaches ``--fail-on`` (or without it), 1 when one does, 2 on bad usage, a snapshot that cannot be read, or, with
``--fail-on``, a part of the snapshot that could not be read and could hide a finding at that severity
(``parc.core.audit.unread`` says which part gates what).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from parc import __version__
from parc.cli import exitcodes
from parc.cli.consoles import make_console
from parc.cli.options import TIME
from parc.cli.output import check_output, snapshot_files, write_atomic
from parc.core.audit import AuditInput, AuditOptions, AuditReport, Progress, Severity, audit
from parc.core.audit.baseline import Baseline, BaselineError, Comparison, compare, parse_baseline
from parc.scale.options import scheduler_option

FORMATS = ("text", "json", "sarif", "html")
EXTENSIONS = {".html": "html", ".htm": "html", ".json": "json", ".sarif": "sarif"}
FAIL_ON = {s.value.lower(): s for s in Severity}


def _fail(message: str) -> None:
    click.echo(f"parc audit: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _now(inputs: AuditInput, at: datetime | None) -> tuple[datetime, str, bool]:
    """The audit's time: --at, else the latest credential report's generation time (or latest date), else now."""
    if at is not None:
        return at, "--at", False
    generated = [a.credential_report.generated for a in inputs.accounts
                 if a.credential_report is not None and a.credential_report.generated is not None]
    if generated:
        return max(generated), "credential report generation time", True
    latest = [a.credential_report.latest for a in inputs.accounts
              if a.credential_report is not None and a.credential_report.latest is not None]
    if latest:
        return max(latest), "latest date in the credential report", True
    return datetime.now(UTC).replace(microsecond=0), "time of the run (no credential report)", True


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = make_console(stderr=True)
    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
             console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            task = tasks.get(stage)
            if task is None:
                task = bar.add_task(stage, total=max(total, 1))
                tasks[stage] = task
            bar.update(task, completed=done)

        yield update


def _load_baseline(path: str) -> Baseline:
    """Read PREVIOUS.json (exit 2 with the file, line and column when it cannot be read)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"--baseline {path}: cannot read it: {exc}")
        raise
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"--baseline {path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}")
        raise
    try:
        return parse_baseline(data, path)
    except BaselineError as exc:
        _fail(f"--baseline {exc}")
        raise


def _with_baseline(rendered: str, fmt: str, comparison: Comparison) -> str:
    """Mark each finding new / unchanged / updated in the JSON and SARIF outputs, and list the resolved ones."""
    if fmt == "json":
        data = json.loads(rendered)
        for f in data.get("findings", []):
            f["baseline"] = comparison.states.get(str(f.get("id")), "new")
        data["baseline"] = comparison.to_dict()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        data = json.loads(rendered)
        for run in data.get("runs", []):
            for r in run.get("results", []):
                r["baselineState"] = comparison.states.get(str(r.get("properties", {}).get("id")), "new")
            run.setdefault("properties", {})["baseline"] = comparison.to_dict()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return rendered


def _print_baseline(console: Console, report: AuditReport, comparison: Comparison) -> None:
    c = comparison.counts()
    console.print(f"compared with {comparison.source}: {c['new']} new, {c['unchanged']} unchanged, "
                  f"{c['updated']} with a changed severity, {c['resolved']} resolved")
    for f in report.findings:
        state = comparison.states.get(f.id)
        if state in ("new", "updated"):
            console.print(f"  {state}: {f.severity.value} {f.title} ({f.id})")
    for p in comparison.resolved:
        console.print(f"  resolved: {p.severity} {p.title} ({p.id})")


def _render(report: AuditReport, fmt: str) -> str:
    if fmt == "json":
        from parc.reporters.audit_json import render_audit_json

        return render_audit_json(report)
    if fmt == "sarif":
        from parc.reporters.audit_sarif import render_audit_sarif

        return render_audit_sarif(report, __version__)
    if fmt == "html":
        from parc.reporters.audit_html import render_audit_html

        return render_audit_html(report, __version__)
    from parc.reporters.audit_text import render_audit_text

    buffer = io.StringIO()
    render_audit_text(make_console(buffer, width=120), report)
    return buffer.getvalue()


@click.command(
    "audit",
    epilog="DIR is an account snapshot folder (or a folder of them, one per account id) as `parc can --account` "
    "reads it, with, per account, when present: credential-report.csv (or credential-report.json), "
    "password-policy.json, ec2/ (aws ec2 describe-* outputs; ec2/REGION/get-instance-metadata-defaults.json) and "
    "iam/ (list-virtual-mfa-devices.json, list-server-certificates.json), as parc collect writes them. What is "
    "absent is reported as not checked; "
    "what is present but could not be read too, and then --fail-on exits 2 (the password policy only gates "
    "medium and below).",
)
@click.argument("snapshot", metavar="DIR", type=click.Path(file_okay=False), required=False)
@click.option("--iac", "templates", multiple=True, type=click.Path(dir_okay=False), metavar="TEMPLATE",
              help="Audit CloudFormation templates, Terraform plans (terraform show -json) or .tf files "
              "(repeatable) as the account they would make, in a placeholder "
              "account, instead of DIR: escalation paths and public resources before deployment.")
@click.option("--parameters", type=click.Path(dir_okay=False), help="CloudFormation parameter values (--iac).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format [default: text, or from the --output file's extension].")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE and print the summary.")
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default=None,
              help="Exit 1 when a finding of this severity or a more severe one is found (for CI).")
@click.option("--at", "at", type=TIME, default=None,
              help="Measure key and password ages to this date (ISO 8601) instead of the credential report's.")
@click.option("--catalog/--no-catalog", default=True, show_default=True,
              help="Check actions, ARNs and condition keys against the IAM catalog (and expand wildcards).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr [default: when stderr is a terminal].")
@click.option("--framework", "framework", default=None, metavar="ID",
              help="Add a compliance framework's control table (PASS / FAIL / NOT CHECKED / MANUAL): cis-aws-7.0 or "
              "cis-aws-6.0 (the CIS AWS Foundations Benchmark).")
@click.option("--baseline", "baseline_file", default=None, metavar="PREVIOUS.json", type=click.Path(dir_okay=False),
              help="An earlier `parc audit --format json` report: mark each finding new, unchanged or updated, list "
              "the resolved ones, and let --fail-on count only new findings (and those whose severity rose).")
@click.option("--unused-days", "unused_days", type=click.IntRange(min=1), default=90, show_default=True,
              metavar="N", help="An active access key or console password unused for more than N days is reported "
              "(CIS asks 45), and a root user used within N days.")
@scheduler_option
def command(snapshot: str | None, templates: tuple[str, ...], parameters: str | None, fmt: str | None,
            output: str | None, fail_on: str | None, at: datetime | None, catalog: bool, progress: bool | None,
            baseline_file: str | None, unused_days: int, framework: str | None = None,
            scheduler: str = "local") -> None:
    """Audit an account snapshot: account security (root, MFA, keys, passwords), identity and access (policies,
    administrators, escalation, access from outside) and network integrity, in order of risk."""
    from parc.loaders.frameworks import account_files, framework_ids, load_frameworks
    from parc.loaders.snapshot import SnapshotError, load_audit_snapshot

    if framework is not None and framework not in framework_ids():
        _fail(f"--framework {framework}: unknown; known: {', '.join(framework_ids())}")

    at_time = at
    baseline = _load_baseline(baseline_file) if baseline_file else None
    if bool(snapshot) == bool(templates):
        _fail("give an account snapshot folder DIR or templates with --iac, not both")
    if templates:
        from parc.cli.audit_iac import load_templates

        if framework is not None:
            _fail("--framework judges a deployed account; templates (--iac) are not one")
        if scheduler != "local":
            _fail("--scheduler spreads the audit of snapshot folders; templates (--iac) are audited in this process")
        target = check_output(output, list(templates), snapshot_files) if output else None
        inputs = load_templates(list(templates), parameters)
    else:
        assert snapshot is not None
        if not Path(snapshot).is_dir():
            _fail(f"{snapshot}: no such folder (expected an account snapshot folder)")
        target = check_output(output, [snapshot], snapshot_files) if output else None
        try:
            inputs = load_audit_snapshot(snapshot)
        except SnapshotError as exc:
            _fail(str(exc))
            return
    now, source, use_report_time = _now(inputs, at_time)
    cat = None
    if catalog:
        from parc.catalog import default_catalog

        cat = default_catalog()
    from parc.api import rcp_supported_services

    rcp = rcp_supported_services()
    spread = None
    if scheduler != "local":
        from parc.scale.audit import spread_audit
        from parc.scale.snapshot import Settings, Snapshot

        assert snapshot is not None
        shared = Snapshot.of(snapshot, scheduler, inputs=inputs, audit=True)
        spread = spread_audit(shared, scheduler, Settings(now, rcp))
    options = AuditOptions(now, source, cat, rcp, use_report_time=use_report_time,
                           unused_days=unused_days, frameworks=load_frameworks(), framework=framework,
                           account_files=account_files(inputs) if framework else (),
                           assume=spread.assume if spread else None, privilege=spread.privilege if spread else None)
    show = sys.stderr.isatty() if progress is None else progress
    from parc.scale.runner import SchedulerError, connected

    try:
        with connected(scheduler), _progress(show) as update:
            report = audit(inputs, options, update)
    except SchedulerError as exc:
        _fail(str(exc))
        return
    if templates:
        from parc.cli.audit_iac import template_findings

        report = template_findings(report)

    comparison = compare(report.findings, baseline) if baseline is not None else None

    def rendered(fmt: str) -> str:
        text = _render(report, fmt)
        return _with_baseline(text, fmt, comparison) if comparison is not None else text

    chosen = fmt or (EXTENSIONS.get(Path(output).suffix.lower(), "text") if output else "text")
    console = make_console()
    if output and target is not None:
        write_atomic(target, rendered(chosen))
        from parc.reporters.audit_text import render_summary

        render_summary(console, report)
        if comparison is not None:
            _print_baseline(console, report, comparison)
        console.print(f"report written to {output} ({chosen})")
    elif chosen == "text":
        from parc.reporters.audit_text import render_audit_text

        render_audit_text(console, report)
        if comparison is not None:
            _print_baseline(console, report, comparison)
    else:
        click.echo(rendered(chosen), nl=False)
    threshold = FAIL_ON.get(fail_on or "")
    if threshold is not None:
        broken = report.internal_failures()
        if broken:
            click.echo(f"parc audit: --fail-on {fail_on}: {len(broken)} check(s) failed inside parc (a bug; please "
                       f"report it with `parc --version`): " + "; ".join(n.check for n in broken[:5]), err=True)
            sys.exit(exitcodes.INTERNAL)
        blockers = report.gate_blockers(threshold)
        if blockers:
            # A part left out could hide a finding at the threshold: the gate cannot say "clean" (nor only "found").
            files = "; ".join(f"{u.account}: {u.file}" for u in blockers[:5]) + (
                f" and {len(blockers) - 5} more" if len(blockers) > 5 else "")
            _fail(f"--fail-on {fail_on}: {len(blockers)} file(s) of the snapshot could not be read (wholly or in "
                  f"part), and the gate depends on them: {files}; see \"not checked\" in the report")
        counted = comparison.counted(report.findings) if comparison is not None else list(report.findings)
        if any(f.severity.rank >= threshold.rank for f in counted):
            sys.exit(exitcodes.FINDINGS)
    sys.exit(exitcodes.OK)
