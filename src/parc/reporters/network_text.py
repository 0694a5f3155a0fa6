"""Network answers for people: the path as one line of hops, the blocking rule in red; exposures as tables.

Rendering only: everything shown here was decided (and explained) by ``parc.core.network``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from parc.core.findings import Finding, FindingType
from parc.core.network.audit import sensitive_ports
from parc.core.network.codes import EXPLANATIONS
from parc.core.network.exposure import Exposure
from parc.core.network.matrix import Matrix
from parc.core.network.results import CheckResult, Hop
from parc.core.network.traffic import describe
from parc.core.network.unknowns import KIND_EFFECTS, describe_kind

KIND = {
    "security-group": "security group",
    "network-acl": "network ACL",
    "route-table": "route table",
    "internet-gateway": "internet gateway",
    "egress-only-internet-gateway": "egress-only gateway",
    "nat-gateway": "NAT gateway",
    "peering-connection": "peering",
    "network-interface": "interface",
    "subnet": "subnet",
}
FINDING_STYLE = {
    FindingType.ERROR: "bold red",
    FindingType.SECURITY_WARNING: "bold magenta",
    FindingType.WARNING: "yellow",
    FindingType.SUGGESTION: "cyan",
}


def _line(label: str, hops: Sequence[Hop], start: str, end: str) -> Text:
    t = Text(f"{label:<8}", style="bold")
    t.append(start, style="cyan")
    for h in hops:
        if h.component == "-" and h.allowed:
            continue
        t.append(" → ", style="dim")
        if h.allowed is None:
            t.append(f"? {h.component}", style="bold yellow")
        elif h.allowed:
            t.append(h.component, style="green")
        else:
            t.append(f"✘ {h.component}", style="bold white on red")
    if not hops or hops[-1].allowed is not False:
        t.append(" → ", style="dim")
        t.append(end, style="cyan")
    return t


def _details(console: Console, title: str, hops: Sequence[Hop]) -> None:
    if not hops:
        return
    console.print(Text(title, style="bold"))
    for i, h in enumerate(hops, 1):
        kind = KIND.get(h.kind, h.kind)
        way = f" {h.direction}" if h.direction else ""
        line = Text(f"  {i:>2}. ")
        line.append(f"{kind}{way} ", style="dim")
        style = "bold yellow" if h.allowed is None else "green" if h.allowed else "bold red"
        line.append(h.component, style=style)
        if h.allowed is None:
            line.append("  unknown", style="bold yellow")
        if h.rule:
            line.append("  ")
            line.append(h.rule, style="" if h.allowed is not False else "bold white on red")
        if len(h.security_groups) > 1:
            line.append(f"  ({', '.join(h.security_groups)})", style="dim")
        console.print(line)
        if h.detail and (not h.allowed or not h.rule):
            console.print(Text(f"      {h.detail}",
                               style="dim" if h.allowed else "yellow" if h.allowed is None else "red"))


def render_check(console: Console, result: CheckResult, findings: Sequence[Finding] = ()) -> None:
    flow = result.flow
    src, dst = flow.source.label, flow.destination.label
    head = Text()
    if result.reachable is None:
        head.append(" UNKNOWN ", style="bold black on yellow")
    elif result.reachable:
        head.append(" REACHABLE ", style="bold black on green")
    else:
        head.append(" BLOCKED ", style="bold white on red")
    head.append(f"  {flow.describe()}")
    console.print(head)
    console.print(_line("forward", result.forward, src, dst))
    if result.return_path or (result.blocked_by and result.blocked_by.direction == "return"):
        console.print(_line("return", result.return_path, dst, src))
    if result.blocked_by is not None:
        b = result.blocked_by
        t = Text("\nblocked by ", style="bold")
        t.append(b.component or "(no component)", style="bold red")
        t.append(f"  {b.code}", style="bold")
        t.append(f" on the {b.direction} path", style="")
        console.print(t)
        if len(b.security_groups) > 1:
            console.print(Text(f"  security groups: {', '.join(b.security_groups)}", style="red"))
        console.print(Text(f"  {b.message}", style="red"))
        if b.code in EXPLANATIONS:
            console.print(Text(f"  {EXPLANATIONS[b.code]}", style="dim"))
    if result.unknown:
        console.print(Text("\nnot described by the snapshot, so the answer is unknown:", style="bold yellow"))
        for u in result.unknown:
            t = Text("  ")
            t.append(u.component, style="bold yellow")
            t.append(f"  on the {u.direction} path: {u.message}")
            console.print(t)
            console.print(Text(f"    missing: {u.missing}", style="dim"))
    console.print()
    _details(console, "forward path", result.forward)
    _details(console, "return path", result.return_path)
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"))
    render_findings(console, findings)


def render_exposed(console: Console, exposures: Sequence[Exposure], findings: Sequence[Finding] = (),
                   absent: Sequence[str] = (), unread: int = 0) -> None:
    """``absent``: the kinds of data the snapshot lacks (``Network.absent``); ``unread``: how many items of the
    snapshot could not be read. Nothing is called clean over either."""
    gaps = [f"{describe_kind(k)}: {KIND_EFFECTS[k]}" for k in sorted(absent) if k in KIND_EFFECTS]
    if not exposures and "NetworkInterfaces" in absent:
        console.print(Text("Nothing could be examined: the snapshot describes no network interface or instance.",
                           style="bold yellow"))
    elif not exposures and unread:
        console.print(Text(f"Nothing is reachable from the internet among what could be read; {unread} item(s) of "
                           "the snapshot could not be read.", style="bold yellow"))
    elif not exposures and gaps:
        console.print(Text("Nothing is reachable from the internet among what the snapshot describes.",
                           style="bold yellow"))
    elif not exposures:
        console.print(Text("Nothing is reachable from the internet.", style="bold green"))
    for exp in exposures:
        title = Text()
        title.append(exp.instance_id or exp.eni.id, style="bold")
        if exp.instance_name:
            title.append(f" ({exp.instance_name})", style="bold")
        title.append(f"  {exp.eni.id}  {exp.eni.subnet_id}  ", style="dim")
        title.append(", ".join(str(a) for a in exp.addresses), style="cyan")
        title.append(f"  IPv{exp.version}", style="dim")
        console.print(title)
        flagged = {name: ports for name, ports in sensitive_ports(exp)}
        table = Table(show_header=True, header_style="dim", box=None, padding=(0, 2))
        table.add_column("open")
        table.add_column("from")
        table.add_column("opened by")
        table.add_column("")
        for r in exp.rules:
            hit = [name for name, ports in flagged.items() if r.traffic.overlaps(ports)]
            what = Text(("? " if r.unknown else "") + describe(r.traffic),
                        style="bold magenta" if hit else "bold yellow" if r.unknown else "bold")
            sources = ", ".join(r.sources)
            rule = r.rule_text if (r.rule or r.group) else "(no security group filters it)"
            table.add_row(what, sources, rule, Text("⚠ " + ", ".join(hit), style="magenta") if hit else "")
        console.print(table)
        acl_rules = sorted({a for r in exp.rules for a in r.acl_rules})
        console.print(Text(f"  via {exp.igw_id}, {exp.route_table_id}; ACL: " + ("; ".join(acl_rules) or "-"),
                           style="dim"))
        for note in exp.notes:
            console.print(Text(f"  note: {note}", style="yellow"))
        for u in exp.unknown:
            console.print(Text(f"  ? possibly open: {u.message} (missing: {u.missing})", style="yellow"))
        console.print()
    n = len({e.eni.id for e in exposures})
    maybe = len({e.eni.id for e in exposures if not e.confirmed})
    summary = Text(f"{n} network interface{'s' if n != 1 else ''} reachable from the internet", style="bold")
    if maybe:
        summary.append(f" ({maybe} only possibly: the snapshot does not describe all on the way)",
                       style="bold yellow")
    sensitive = sum(1 for e in exposures for _ in sensitive_ports(e))
    if sensitive:
        summary.append(f", {sensitive} sensitive service{'s' if sensitive != 1 else ''} exposed", style="bold magenta")
    console.print(summary)
    for gap in gaps:
        console.print(Text(f"  not in the snapshot: {gap}", style="yellow"))
    render_findings(console, findings)


def render_matrix(console: Console, matrix: Matrix) -> None:
    if not matrix.instances:
        console.print("No running instances in the snapshot.")
        return
    single = matrix.query.size() == 1
    table = Table(title=f"who reaches whom ({describe(matrix.query) if single else 'all traffic'})",
                  header_style="bold", show_lines=not single)
    table.add_column("from \\ to", style="bold")
    labels = {i: f"{matrix.names.get(i) or i}" for i in matrix.instances}
    for i in matrix.instances:
        table.add_column(labels[i])
    for s in matrix.instances:
        row: list[Text | str] = [Text(f"{labels[s]}\n{s}" if not single else labels[s])]
        for d in matrix.instances:
            if s == d:
                row.append(Text("—", style="dim"))
                continue
            cell = matrix.cell(s, d)
            if cell is None or not cell.traffic:
                row.append(Text("·", style="dim"))
            elif cell.unknown:
                row.append(Text("?" if single else f"? {describe(cell.traffic)}", style="bold yellow"))
            elif single:
                row.append(Text("✔", style="bold green"))
            else:
                row.append(Text(describe(cell.traffic), style="green"))
        table.add_row(*row)
    console.print(table)
    gaps = sorted({u for c in matrix.cells for u in c.unknown})
    if gaps:
        console.print(Text("? possibly reachable: the snapshot does not describe " + "; ".join(gaps),
                           style="yellow"))


def render_findings(console: Console, findings: Sequence[Finding]) -> None:
    if not findings:
        return
    console.print(Text("\nabout the snapshot", style="bold"))
    for f in findings:
        t = Text("  ")
        t.append(f.code, style=FINDING_STYLE.get(f.finding_type, ""))
        t.append(f"  {f.message}")
        if f.file:
            t.append(f"  ({f.file}{':' + str(f.line) if f.line else ''})", style="dim")
        console.print(t)
