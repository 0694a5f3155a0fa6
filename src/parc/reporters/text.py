"""Findings for people: grouped by file, each with the offending source line, a caret under the column, the code,
the finding type in colour, the fix and the documentation link; a summary line at the end.

Shared by every command that reports findings; an item may carry ``text`` (the source the positions refer to) and
``policy_type`` / ``type_inferred`` for the file header, and works without them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from parc.core.findings import Finding, FindingType
from parc.reporters.json_report import ReportItem, count_by_type

STYLE = {
    FindingType.ERROR: "bold red",
    FindingType.SECURITY_WARNING: "bold magenta",
    FindingType.WARNING: "yellow",
    FindingType.SUGGESTION: "cyan",
}
LABEL = {
    FindingType.ERROR: "error",
    FindingType.SECURITY_WARNING: "security warning",
    FindingType.WARNING: "warning",
    FindingType.SUGGESTION: "suggestion",
}
MAX_LINE = 160


def _header(item: ReportItem) -> Text:
    name = item.name or "<policy>"
    header = Text(name, style="bold")
    ptype = getattr(item, "policy_type", None)
    if ptype is not None:
        how = ", inferred" if getattr(item, "type_inferred", False) else ""
        header.append(f"  ({getattr(ptype, 'value', ptype)} policy{how})", style="dim")
    return header


def _source_line(text: str | None, f: Finding) -> list[Text]:
    if not text or not f.line or f.line < 1:
        return []
    lines = text.splitlines()
    if f.line > len(lines):
        return []
    raw = lines[f.line - 1].expandtabs(1)
    col = max((f.column or 1) - 1, 0)
    start = 0
    if len(raw) > MAX_LINE:  # keep the column in view on long (minified) lines
        start = max(0, col - MAX_LINE // 2)
        raw = raw[start : start + MAX_LINE]
        col -= start
    gutter = f"{f.line:>5} | "
    shown = Text(gutter, style="dim")
    shown.append(raw)
    caret = Text(" " * (len(gutter) - 2) + "| ", style="dim")
    caret.append(" " * col + "^", style=STYLE[f.finding_type])
    return [shown, caret]


def render_text(console: Console, items: Sequence[ReportItem], show_clean: bool = True) -> None:
    for item in items:
        if not item.findings and not show_clean:
            continue
        header = _header(item)
        if not item.findings:
            header.append("  no findings", style="green")
            console.print(header)
            continue
        console.print(header)
        text = getattr(item, "text", None)
        for f in item.findings:
            where = f"line {f.line}, column {f.column}" if f.line else ""
            head = Text("  ")
            head.append(LABEL[f.finding_type].upper(), style=STYLE[f.finding_type])
            head.append(f" {f.code}", style="bold")
            if getattr(f, "iam_rejects", None) is not None:
                head.append(" [IAM rejects]", style="bold red")
            if f.path:
                head.append(f"  {f.path}", style="blue")
            if where:
                head.append(f"  ({where})", style="dim")
            console.print(head)
            console.print(Text("    " + f.message))
            for line in _source_line(text, f):
                console.print(Text("  ") + line, overflow="ignore", crop=False, no_wrap=True)
            if f.fix:
                console.print(Text("    fix: ", style="green") + Text(f.fix))
            if f.learn_more:
                console.print(f"    [dim]docs:[/dim] [link={escape(f.learn_more)}]{escape(f.learn_more)}[/link]")
        console.print()
    console.print(summary_line(items))


def summary_line(items: Sequence[ReportItem]) -> Text:
    findings = [f for item in items for f in item.findings]
    counts = count_by_type(findings)
    n_files = len(items)
    n = len(findings)
    out = Text(f"{n_files} file{'s' if n_files != 1 else ''}, {n} finding{'s' if n != 1 else ''}")
    parts = [(t, counts[t.value]) for t in FindingType if counts[t.value]]
    if parts:
        out.append(": ")
        for i, (t, n) in enumerate(parts):
            if i:
                out.append(", ")
            out.append(f"{n} {LABEL[t]}{'s' if n != 1 else ''}", style=STYLE[t])
    return out
