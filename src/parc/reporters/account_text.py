"""Account answers for people (rich text), and the escalation graph as Graphviz DOT.

Each answer leads with its verdict, then the statements behind it, so that a reader can check why; conditional
answers name the condition keys that gate them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from parc.core.account.assume import AssumeResult
from parc.core.account.can import CanResult
from parc.core.account.escalation import ADMINISTRATOR, EscalationResult, Step
from parc.core.account.what_can import WhatCanResult
from parc.core.account.who_can import WhoCanResult
from parc.core.findings import Finding, FindingType
from parc.reporters.decision_text import render_decision

_LABEL_STYLE = {"Allow": "bold green", "ConditionalAllow": "bold yellow", "ExplicitDeny": "bold red",
                "ImplicitDeny": "yellow"}


def render_snapshot_findings(console: Console, findings: Sequence[Finding]) -> None:
    if not findings:
        return
    errors = sum(1 for f in findings if f.finding_type is FindingType.ERROR)
    console.print(f"[bold]The snapshot has {len(findings)} problem(s) ({errors} error(s)); "
                  "what could not be read is left out:[/bold]")
    for f in findings:
        where = f.file or ""
        if f.path:
            where += f" {f.path}"
        if f.line:
            where += f" (line {f.line}, column {f.column})"
        style = "red" if f.finding_type is FindingType.ERROR else "yellow"
        console.print(f"  [{style}]{f.code}[/{style}] {escape(where.strip())}: {escape(f.message)}", highlight=False)
    console.print()


def _conds(keys: Sequence[str]) -> str:
    return f" [magenta](if {', '.join(keys)})[/magenta]" if keys else ""


def render_can(console: Console, result: CanResult) -> None:
    render_decision(console, result.decision, f"{result.principal.arn} {result.action} {result.resource}")
    g = result.gathered
    idents = g["identity_policies"]
    assert isinstance(idents, list)
    console.print("  policies considered:", highlight=False)
    console.print(f"    identity: {', '.join(str(x) for x in idents) or '(none)'}", highlight=False)
    if g["permissions_boundary"]:
        console.print(f"    permissions boundary: {g['permissions_boundary']}", highlight=False)
    console.print(f"    resource policy: {g['resource_policy'] or '(none)'}"
                  f"  (resource account: {g['resource_account'] or 'unknown'})", highlight=False)
    console.print(f"    SCP levels: {g['scp_levels']}, RCP levels: {g['rcp_levels']}", highlight=False)
    for note in result.principal.notes:
        console.print(f"  [yellow]note:[/yellow] {note}", highlight=False)


def render_who_can(console: Console, result: WhoCanResult) -> None:
    rp = f" (resource policy: {result.side.name})" if result.side.policy is not None else ""
    console.print(f"[bold]Who can {result.action} on {escape(result.resource)}[/bold]{escape(rp)}", highlight=False)
    if not result.entries:
        console.print("  nobody in the snapshot", highlight=False)
    for e in result.entries:
        style = _LABEL_STYLE.get(e.verdict.label, "bold")
        console.print(f"  [{style}]{e.verdict.label:<16}[/{style}] {escape(e.principal.arn)} "
                      f"[dim]({e.principal.kind})[/dim]{_conds(e.verdict.conditions)}", highlight=False)
        for ref in e.verdict.decision.deciding:
            if ref.effect == "Allow":
                console.print(f"      [dim]+ {ref.policy_type} {escape(ref.label())}[/dim]", highlight=False)
        for note in e.principal.notes:
            console.print(f"      [dim]note: {note}[/dim]", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    console.print(f"[dim]{result.principals} principals considered, {result.candidates} decided by the engine[/dim]")


def render_what_can(console: Console, result: WhatCanResult) -> None:
    scope = f" in {result.service}" if result.service else ""
    console.print(f"[bold]What {escape(result.principal.arn)} can do{scope}[/bold]", highlight=False)
    if not result.grants:
        console.print("  nothing", highlight=False)
    current = None
    for g in result.grants:
        if g.resource != current:
            current = g.resource
            console.print(f"  [cyan]{escape(g.resource)}[/cyan]", highlight=False)
        style = _LABEL_STYLE.get(g.decision, "bold")
        head = f"    [{style}]{g.access_level}[/{style}] ({len(g.actions)}){_conds(g.conditions)}: "
        shown = ", ".join(g.actions[:12]) + (f", ... {len(g.actions) - 12} more" if len(g.actions) > 12 else "")
        console.print(head + escape(shown), highlight=False)
    if result.denied:
        console.print(f"[dim]{result.denied} action/resource pairs granted by a statement are denied "
                      "(boundary, SCP, RCP or an explicit deny)[/dim]")
    if result.unknown_actions:
        console.print(f"[yellow]not in the catalog:[/yellow] {', '.join(result.unknown_actions)}", highlight=False)


def render_assume(console: Console, result: AssumeResult) -> None:
    if result.principal:
        console.print(f"[bold]Roles {escape(result.principal)} can become[/bold]", highlight=False)
    else:
        console.print("[bold]Who can become which role[/bold]")
    if not result.chains:
        console.print("  none", highlight=False)
    for c in result.chains:
        mark = "[yellow]~[/yellow]" if any(not e.verdict.allowed for e in c.edges) else "[green]>[/green]"
        path = " -> ".join(escape(x) for x in c.path)
        console.print(f"  {mark} {path}{_conds(c.conditions)}", highlight=False)


def _step_line(step: Step) -> str:
    gains = "[bold red]administrator[/bold red]" if step.gains == ADMINISTRATOR else escape(step.gains)
    target = "" if step.target == step.gains else f" on {escape(step.target)}"
    return f"{escape(step.actor)} --[cyan]{step.technique.id}[/cyan]{target}--> {gains}{_conds(step.conditions)}"


def render_escalation(console: Console, result: EscalationResult) -> None:
    admin_paths = [p for p in result.paths if p.gains == ADMINISTRATOR]
    console.print(f"[bold]{len(admin_paths)} principal(s) can become administrator; "
                  f"{len(result.paths) - len(admin_paths)} other gain(s)[/bold]")
    for p in result.paths:
        gains = "[bold red]administrator[/bold red]" if p.gains == ADMINISTRATOR else escape(p.gains)
        console.print(f"\n[bold]{escape(p.principal)}[/bold] can gain {gains}{_conds(p.conditions)}", highlight=False)
        for i, step in enumerate(p.steps, 1):
            console.print(f"  {i}. {_step_line(step)}", highlight=False)
            console.print(f"     [dim]{escape(step.technique.title)}"
                          f"{'; ' + escape(step.note) if step.note else ''}[/dim]", highlight=False)
            for c in step.checks:
                refs = [r for r in c.verdict.decision.deciding if r.effect == "Allow"]
                via = "; ".join(escape(r.label()) for r in refs) or escape(", ".join(c.verdict.decision.reasons))
                ctx = f" with {', '.join(f'{k}={v}' for k, v in c.context)}" if c.context else ""
                console.print(f"       {c.verdict.label} {c.action} on {escape(c.resource)}{escape(ctx)}: {via}",
                              highlight=False)
    if result.omitted:
        total = sum(result.omitted.values())
        console.print(f"\n[dim]{total} more reachable principal(s) of {len(result.omitted)} principal(s) not shown "
                      "(--max-gains)[/dim]")
    if result.administrators:
        console.print(f"\n[dim]{len(result.administrators)} principal(s) already administrators: "
                      f"{', '.join(result.administrators)}[/dim]", highlight=False)


def escalation_dot(result: EscalationResult) -> str:
    """The paths as one Graphviz digraph: principals as nodes, each step an edge labelled by its technique."""
    nodes: dict[str, str] = {}
    edges: dict[tuple[str, str, str], bool] = {}

    def node(name: str) -> str:
        if name not in nodes:
            nodes[name] = f"n{len(nodes)}"
        return nodes[name]

    for p in result.paths:
        node(p.principal)
        for s in p.steps:
            src = node(s.actor)
            dst = node(s.gains)
            key = (src, dst, s.technique.id)
            edges[key] = edges.get(key, False) or s.conditional
        last = p.steps[-1] if p.steps else None
        if p.gains == ADMINISTRATOR and last is not None and last.gains != ADMINISTRATOR:
            # The path ends at a principal that is an administrator already.
            key = (node(last.gains), node(ADMINISTRATOR), "is administrator")
            edges[key] = edges.get(key, False) or bool(last.admin_conditions)
    lines = ["digraph escalation {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for name, nid in nodes.items():
        attrs = 'style=filled, fillcolor="#f4cccc", shape=doubleoctagon' if name == ADMINISTRATOR else ""
        label = name.replace('"', '\\"')
        lines.append(f'  {nid} [label="{label}"{", " + attrs if attrs else ""}];')
    for (src, dst, tech), conditional in edges.items():
        style = ", style=dashed" if conditional else ""
        lines.append(f'  {src} -> {dst} [label="{tech}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
