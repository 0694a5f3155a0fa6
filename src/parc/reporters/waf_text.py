"""A web ACL verdict for people: the action and the rule that decided it, then every rule evaluated, with the
component, the transformation chain and the matched text; caveats last (what makes the verdict not exact)."""

from __future__ import annotations

from parc.core.waf.evaluate import Verdict
from parc.core.waf.replay import ReplayReport


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


def render_replay(report: ReplayReport) -> str:
    lines: list[str] = []
    for it in report.items:
        r = it.request
        uri = r.uri_path + (f"?{r.query_string}" if r.query_string else "")
        rule = it.verdict.terminating_rule or "(default action)"
        flag = "" if it.verdict.final else "  [not final]"
        lines.append(f"{it.source}#{it.index}  {r.method} {uri[:80]}  {it.verdict.action} by {rule}{flag}")
    lines.append("")
    lines.append("actions: " + ", ".join(f"{k} {v}" for k, v in sorted(report.actions.items())))
    lines.append("decided by:")
    lines.extend(f"  {k}: {v}" for k, v in sorted(report.terminated.items(), key=lambda kv: -kv[1]))
    if report.matched:
        lines.append("matched (Count rules included):")
        lines.extend(f"  {k}: {v}" for k, v in sorted(report.matched.items(), key=lambda kv: -kv[1]))
    if report.not_evaluated:
        lines.append("not evaluated (a managed rule group, a missing reference, a component the log does not "
                     "record):")
        lines.extend(f"  {k}: {v}" for k, v in sorted(report.not_evaluated.items(), key=lambda kv: -kv[1]))
    if report.not_final:
        lines.append(f"{report.not_final} of {len(report.items)} verdicts are not final: a rule that could not be "
                     "evaluated came before the decision")
    return "\n".join(lines)
