"""The audit for people at a terminal: a summary table, what was not checked, then the findings by severity, each
with why it matters, its evidence (file:line:column and JSON path) and the fix.

Rendering only: every finding, its order and its words come from ``parc.core.audit``.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from parc.core.audit.model import CATEGORIES, SEVERITIES, AuditFinding, Severity
from parc.core.audit.run import AuditReport

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
CATEGORY_LABEL = {"account": "Account security", "identity": "Identity and access", "network": "Network integrity",
                  "data": "Data encryption and exposure", "logging": "Logging and detection"}
MAX_EVIDENCE = 6


def render_summary(console: Console, report: AuditReport) -> None:
    """The header, the table of findings by category and severity, what was not checked, input problems."""
    s = report.summary()
    examined = report.counts
    console.print(Text.assemble(
        ("parc audit ", "bold"), (report.root, "bold"),
        (f"  ({examined.get('accounts', 0)} accounts, {examined.get('users', 0)} users, "
         f"{examined.get('roles', 0)} roles, {examined.get('policy_documents', 0)} policy documents, "
         f"{examined.get('network_interfaces', 0)} network interfaces; as of {report.now:%Y-%m-%d %H:%M} UTC, "
         f"{report.now_source})", "dim"),
    ))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("")
    for sev in SEVERITIES:
        table.add_column(sev.value, justify="right", style=STYLE[sev] if sev is not Severity.INFO else "")
    table.add_column("total", justify="right", style="bold")
    for cat in CATEGORIES:
        row = [f for f in report.findings if f.category == cat]
        counts = [sum(1 for f in row if f.severity is sev) for sev in SEVERITIES]
        table.add_row(CATEGORY_LABEL.get(cat, cat), *[str(c) if c else "·" for c in counts], str(len(row)))
    by_sev = s["by_severity"]
    assert isinstance(by_sev, dict)
    table.add_row(Text("all", style="bold"), *[str(by_sev.get(sev.value, 0)) for sev in SEVERITIES],
                  str(len(report.findings)))
    console.print(table)
    if report.framework is not None:
        console.print(Text(f"{report.framework.id}: " + ", ".join(
            f"{n} {st.lower()}" for st, n in report.control_summary().items()), style="bold"))
    if report.not_checked:
        console.print(Text("not checked (absent from the snapshot or not readable, so not known to be fine):",
                           style="bold yellow"))
        for n in report.not_checked:
            who = f"{n.account}: " if n.account else ""
            console.print(Text(f"  {who}{n.check}: {n.reason}", style="yellow"))
    if report.problems:
        console.print(Text(f"{len(report.problems)} problem(s) reading the snapshot (those parts were left out):",
                           style="bold red"))
        for p in report.problems[:20]:
            where = f"{p.file}" + (f":{p.line}" if p.line else "") + (f" {p.path}" if p.path else "")
            console.print(Text(f"  {where}: {p.message}", style="red"))
        if len(report.problems) > 20:
            console.print(Text(f"  ... and {len(report.problems) - 20} more (--format json lists them all)",
                               style="red"))


def render_finding(console: Console, f: AuditFinding) -> None:
    head = Text()
    head.append(f" {f.severity.value} ", style=STYLE[f.severity])
    head.append(" ")
    head.append(f.title, style="bold")
    console.print(head)
    console.print(Text(f"    {f.resource}" + (f"  (account {f.account})" if f.account else ""), style="dim"))
    console.print(Text(f"    why: {f.why}"))
    for e in f.evidence[:MAX_EVIDENCE]:
        where = e.where()
        line = Text("    ")
        if where:
            line.append(where, style="cyan")
            line.append("  ")
        line.append(e.text)
        console.print(line)
    if len(f.evidence) > MAX_EVIDENCE:
        console.print(Text(f"    ... {len(f.evidence) - MAX_EVIDENCE} more (--format json lists them all)",
                           style="dim"))
    console.print(Text.assemble(("    fix: ", "bold green"), (f.fix, "green")))
    tail = f"    {f.id}"
    if f.controls:
        tail += f"  {', '.join(f.controls)}"
    if f.learn_more:
        tail += f"  {f.learn_more}"
    console.print(Text(tail, style="dim"))


def render_audit_text(console: Console, report: AuditReport) -> None:
    render_summary(console, report)
    for sev in SEVERITIES:
        group = [f for f in report.findings if f.severity is sev]
        if not group:
            continue
        console.print()
        console.rule(Text(f"{sev.value} ({len(group)})", style=STYLE[sev]), align="left")
        for f in group:
            render_finding(console, f)
    if not report.findings:
        console.print(Text("no findings", style="bold green"))
    render_controls(console, report)
    console.print()
    console.print(escape(_closing(report)), style="bold")


CONTROL_STYLE = {"PASS": "bold green", "FAIL": "bold red", "NOT CHECKED": "bold yellow", "MANUAL": "dim"}


def render_controls(console: Console, report: AuditReport) -> None:
    """The framework's control table (``--framework``): each control, its status and the findings or the missing
    data behind it."""
    if report.framework is None:
        return
    counts = report.control_summary()
    console.print()
    console.rule(Text(f"{report.framework.title} ({report.framework.id}): "
                      + ", ".join(f"{n} {s.lower()}" for s, n in counts.items()), style="bold"), align="left")
    for c in report.controls:
        line = Text()
        line.append(f" {c.status:<11} ", style=CONTROL_STYLE.get(c.status, ""))
        line.append(f" {c.id:<6} ")
        line.append(c.title)
        console.print(line)
        for fid in c.findings[:MAX_EVIDENCE]:
            console.print(Text(f"      {fid}", style="dim"))
        if len(c.findings) > MAX_EVIDENCE:
            console.print(Text(f"      ... {len(c.findings) - MAX_EVIDENCE} more finding(s)", style="dim"))
        for m in c.missing[:MAX_EVIDENCE]:
            console.print(Text(f"      missing: {m}", style="yellow"))
        if len(c.missing) > MAX_EVIDENCE:
            console.print(Text(f"      ... {len(c.missing) - MAX_EVIDENCE} more missing (--format json)",
                               style="yellow"))
        if c.status == "MANUAL" and c.reason:
            console.print(Text(f"      manual: {c.reason}", style="dim"))


def _closing(report: AuditReport) -> str:
    s = report.summary()
    by_sev = s["by_severity"]
    assert isinstance(by_sev, dict)
    parts = [f"{by_sev[sev.value]} {sev.value.lower()}" for sev in SEVERITIES if by_sev.get(sev.value)]
    text = f"{len(report.findings)} finding(s)" + (f": {', '.join(parts)}" if parts else "")
    if report.not_checked:
        text += f"; {len(report.not_checked)} check(s) not run, or run on part of the input, for lack of input"
    return text
