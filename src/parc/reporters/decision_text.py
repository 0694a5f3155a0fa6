"""Decisions rendered for people: the verdict first, then the statements behind it, then the trace on demand."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from parc.core.authz import Decision

_STYLE = {"Allow": "bold green", "ExplicitDeny": "bold red", "ImplicitDeny": "bold yellow"}


def render_decision(console: Console, decision: Decision, title: str | None = None) -> None:
    head = Text()
    if title:
        head.append(f"{title}: ", style="bold")
    head.append(decision.decision, style=_STYLE.get(decision.decision, "bold"))
    console.print(head)
    for reason in decision.reasons:
        console.print(f"  {reason}")
    for ref in decision.deciding:
        mark = "+" if ref.effect == "Allow" else "-"
        cond = f"  [dim](conditions on {', '.join(ref.condition_keys)})[/dim]" if ref.condition_keys else ""
        console.print(f"  {mark} [cyan]{ref.policy_type}[/cyan] {ref.label()}{cond}", highlight=False)
    if decision.blocked_by:
        console.print(f"  blocked by: [yellow]{', '.join(decision.blocked_by)}[/yellow]")
    applicable = {k: v for k, v in decision.by_policy_type.items() if v != "NotApplicable"}
    if applicable:
        console.print("  by policy type: " + ", ".join(f"{k}={v}" for k, v in applicable.items()), highlight=False)
    missing = decision.missing_context_keys
    if missing:
        console.print(f"  [magenta]missing context keys:[/magenta] {', '.join(missing)}", highlight=False)
    if decision.trace is not None:
        console.print("  trace:")
        for st in decision.trace.statements:
            style = "green" if st.applies else "dim"
            console.print(f"    [{style}]{st.ref.policy_type} {st.ref.label()}: {st.reason}[/{style}]", highlight=False)
            for c in st.conditions:
                ok = "[green]true[/green]" if c.matched else "[red]false[/red]"
                console.print(f"      {c.operator} {c.key}: {ok} - {c.reason}", highlight=False)
