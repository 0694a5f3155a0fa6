"""The audit as one self-contained HTML page a person opens in a browser: the summary, the findings with filters,
a drawing of who can become whom (escalation paths in red), and a map of what the internet reaches.

One file, no external asset: the stylesheet and the filtering script are inlined, the graphs are inline SVG laid out
here (``parc.reporters.html.layout``); every text from the snapshot is escaped.
"""

from __future__ import annotations

from html import escape

from parc.core.audit.model import CATEGORIES, SEVERITIES, AuditFinding
from parc.core.audit.run import AuditReport
from parc.reporters.html.assets import CSS, JS
from parc.reporters.html.layout import access_svg, internet_svg

CATEGORY_LABEL = {"account": "Account security", "identity": "Identity and access", "network": "Network integrity",
                  "data": "Data encryption and exposure", "logging": "Logging and detection"}


def _summary(report: AuditReport) -> str:
    s = report.summary()
    by_sev = s["by_severity"]
    assert isinstance(by_sev, dict)
    cards = "".join(f'<div class="card {sev.value}"><div class="n">{by_sev.get(sev.value, 0)}</div>'
                    f"<div>{sev.value.lower()}</div></div>" for sev in SEVERITIES)
    head = "".join(f"<th>{sev.value}</th>" for sev in SEVERITIES)
    rows = []
    for cat in CATEGORIES:
        group = [f for f in report.findings if f.category == cat]
        cells = "".join(f"<td>{sum(1 for f in group if f.severity is sev) or '·'}</td>" for sev in SEVERITIES)
        rows.append(f"<tr><td>{CATEGORY_LABEL.get(cat, cat)}</td>{cells}<td><b>{len(group)}</b></td></tr>")
    out = [f'<section id="summary"><h2>Summary</h2><div class="cards">{cards}</div>',
           f'<table class="summary"><tr><th></th>{head}<th>total</th></tr>{"".join(rows)}</table>']
    examined = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.counts.items())
    out.append(f"<p>Examined: {escape(examined)}.</p>")
    if report.not_checked:
        items = "".join(f"<li><b>{escape(n.account or '')}</b> {escape(n.check)}: {escape(n.reason)}</li>"
                        for n in report.not_checked)
        out.append(f'<h3>Not checked</h3><p>Absent from the snapshot, so not known to be fine:</p>'
                   f'<ul class="notchecked">{items}</ul>')
    if report.problems:
        items = "".join(
            f"<li>{escape(p.file or '')}{f':{p.line}' if p.line else ''} {escape(p.path)}: {escape(p.message)}</li>"
            for p in report.problems)
        out.append(f'<h3>Problems reading the snapshot</h3><ul class="problems">{items}</ul>')
    out.append("</section>")
    return "".join(out)


def _filters(report: AuditReport) -> str:
    sev = "".join(f'<label><input type="checkbox" data-filter="severity" value="{s.value}" checked> {s.value}</label>'
                  for s in SEVERITIES)
    cats = "".join(f'<option value="{c}">{CATEGORY_LABEL.get(c, c)}</option>' for c in CATEGORIES)
    accts = "".join(f'<option value="{escape(a)}">{escape(a)}</option>' for a in report.accounts)
    return (f'<div class="filters">{sev}'
            f'<label>Category <select id="filter-category"><option value="">all</option>{cats}</select></label>'
            f'<label>Account <select id="filter-account"><option value="">all</option>{accts}</select></label>'
            '<input type="search" id="filter-text" placeholder="Filter by text (resource, rule, file...)">'
            f'<span><b id="shown-count">{len(report.findings)}</b> of {len(report.findings)} shown</span>'
            '<button type="button" id="expand-all">Expand all</button></div>')


def _finding(f: AuditFinding) -> str:
    ev = []
    for e in f.evidence:
        where = escape(e.where())
        ev.append((f'<span class="where">{where}</span>\n' if where else "") + escape(e.text))
    evidence = "".join(f'<div class="evidence">{x}</div>' for x in ev)
    urls = [u for u in (f.learn_more or "").replace(";", " ").split() if u.startswith("http")]
    learn = f'<p>Learn more: {" ".join(_link(u) for u in urls)}</p>' if urls else ""
    return (
        f'<details class="finding {f.severity.value}" data-severity="{f.severity.value}" '
        f'data-category="{f.category}" data-account="{escape(f.account or "")}" id="{escape(f.id)}">'
        f'<summary><span class="sev {f.severity.value}">{f.severity.value}</span>{escape(f.title)}</summary>'
        f'<p class="resource">{escape(f.resource)}{f" · account {escape(f.account)}" if f.account else ""}</p>'
        f"<p><b>Why:</b> {escape(f.why)}</p>"
        f"<p><b>Evidence:</b></p>{evidence}"
        f'<p class="fix"><b>Fix:</b> {escape(f.fix)}</p>{learn}'
        f'<p class="fid">{escape(f.id)} · {escape(f.rule)}'
        f'{"".join(f" · {escape(c)}" for c in f.controls)}</p></details>'
    )


CONTROL_CLASS = {"PASS": "pass", "FAIL": "fail", "NOT CHECKED": "notchecked", "MANUAL": "manual"}


def _controls(report: AuditReport) -> str:
    """The framework's control table: status, id, title, and the findings (linked) or the missing data behind it."""
    if report.framework is None:
        return ""
    counts = ", ".join(f"{n} {s.lower()}" for s, n in report.control_summary().items())
    rows = []
    for c in report.controls:
        found = " ".join(f'<a href="#{escape(fid, quote=True)}">{escape(fid)}</a>' for fid in c.findings)
        missing = "".join(f"<li>{escape(m)}</li>" for m in c.missing)
        detail = (found + (f'<ul class="missing">{missing}</ul>' if missing else "")
                  + (f'<span class="reason">{escape(c.reason)}</span>' if c.reason else ""))
        rows.append(f'<tr class="control {CONTROL_CLASS.get(c.status, "")}" data-control="{escape(c.id)}">'
                    f'<td class="status">{escape(c.status)}</td><td>{escape(c.id)}</td><td>{escape(c.title)}</td>'
                    f"<td>{detail}</td></tr>")
    return (f'<section id="framework"><h2>{escape(report.framework.title)}</h2>'
            f"<p>{escape(report.framework.id)}: {escape(counts)}. A control PASSes only when every input it needs "
            "was read and no finding fails it; NOT CHECKED names what is missing.</p>"
            '<table class="controls"><tr><th>status</th><th>control</th><th>title</th>'
            f'<th>findings, missing data, reason</th></tr>{"".join(rows)}</table></section>')


def _link(url: str) -> str:
    u = escape(url.rstrip(");,"), quote=True)
    return f'<a href="{u}" rel="noreferrer">{u}</a>'


def _graphs(report: AuditReport) -> str:
    g = report.graph
    legend = ('<p class="legend"><span>boxes: users, roles, accounts, identity providers</span>'
              '<span style="color:#c62828">red: escalation paths, administrators</span>'
              "<span>dashed: only under conditions on the request</span></p>")
    if g.nodes:
        note = f"<p>{g.left_out} principals not drawn (large account): the escalation paths, administrators and " \
               "cross-account edges are kept.</p>" if g.left_out else ""
        access = f'<div class="graph-box">{access_svg(g)}</div>{note}'
    else:
        access = "<p>No principal can become another one.</p>"
    if report.internet:
        net = f'<div class="graph-box">{internet_svg(list(report.internet))}</div>'
    else:
        checked = not any(n.check.startswith("network") for n in report.not_checked)
        net = "<p>Nothing is reachable from the internet.</p>" if checked else \
            "<p>Not checked for every account (see Not checked).</p>"
    return (f'<section id="access"><h2>Who can become whom</h2>{legend}{access}</section>'
            f'<section id="internet"><h2>What the internet reaches</h2>{net}</section>')


def render_audit_html(report: AuditReport, tool_version: str) -> str:
    findings = "".join(_finding(f) for f in report.findings) or "<p>No findings.</p>"
    accounts = ", ".join(report.accounts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>parc audit: {escape(report.root)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>parc audit</h1><div class="meta">{escape(report.root)} · accounts {escape(accounts)} · as of '
        f"{report.now:%Y-%m-%d %H:%M} UTC ({escape(report.now_source)}) · parc {escape(tool_version)}</div></header>"
        f"<main>{_summary(report)}{_controls(report)}"
        f'<section id="findings"><h2>Findings, by risk</h2>{_filters(report)}{findings}</section>'
        f"{_graphs(report)}</main><script>{JS}</script></body></html>\n"
    )
