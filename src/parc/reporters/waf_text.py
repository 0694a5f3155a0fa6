"""A web ACL verdict for people: the action and the rule that decided it, then every rule evaluated, with the
component, the transformation chain and the matched text; caveats last (what makes the verdict not exact)."""

from __future__ import annotations

from parc.core.waf.evaluate import Verdict


def render_verdict(v: Verdict) -> str:
    lines: list[str] = []
    by = f"rule {v.terminating_rule}" if v.terminating_rule else "the default action"
    if v.terminating_group_rule:
        by += f" (group rule {v.terminating_group_rule})"
    lines.append(f"{v.action} by {by}" + ("" if v.final else "  [NOT FINAL: see below]"))
    if v.custom_response:
        lines.append(f"  response: {v.custom_response}")
    if v.labels:
        lines.append("  labels: " + ", ".join(v.labels))
    for r in v.rules:
        state = {True: "MATCH", False: "no match", None: "NOT EVALUATED"}[r.matched]
        where = f"{r.group}/" if r.group else ""
        act = f" -> {r.action}" if r.action else ""
        lines.append(f"  [{r.priority}] {where}{r.name}: {state}{act}")
        for d in r.details:
            parts = [d.statement]
            if d.component:
                parts.append(f"on {d.component}")
            if d.transformations:
                parts.append("via " + " > ".join(d.transformations))
            if d.matched_text is not None:
                parts.append(f"{'matched' if d.matched else 'saw'} {d.matched_text!r}")
            if d.note:
                parts.append(f"({d.note})")
            lines.append("      " + " ".join(parts))
    for c in v.caveats:
        lines.append(f"  caveat: {c}")
    return "\n".join(lines)
