"""The report's stylesheet and script, inlined into the page (the report is one file with no external asset).

The script only filters the findings (severity, category, account, text) and counts what is shown; the report reads
in full without it.
"""

from __future__ import annotations

CSS = """
:root { --crit: #b71c1c; --high: #e53935; --med: #f9a825; --low: #0288d1; --info: #78909c; --ink: #1b1b1b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fafafa; }
header { background: #263238; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { color: #cfd8dc; font-size: 13px; }
main { padding: 18px 28px 60px; max-width: 1400px; }
section { margin-bottom: 28px; }
h2 { font-size: 18px; border-bottom: 1px solid #cfd8dc; padding-bottom: 4px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 16px; }
.card { min-width: 120px; padding: 10px 14px; border-radius: 8px; color: #fff; }
.card .n { font-size: 26px; font-weight: 700; }
.card.CRITICAL { background: var(--crit); } .card.HIGH { background: var(--high); }
.card.MEDIUM { background: var(--med); color: #222; } .card.LOW { background: var(--low); }
.card.INFO { background: var(--info); }
table.summary { border-collapse: collapse; background: #fff; }
table.summary th, table.summary td { border: 1px solid #e0e0e0; padding: 5px 10px; text-align: right; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
.notchecked li { color: #8d6e00; }
table.controls { border-collapse: collapse; background: #fff; width: 100%; }
table.controls th, table.controls td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left;
  vertical-align: top; }
tr.control td.status { font-weight: 700; white-space: nowrap; }
tr.control.pass td.status { color: #2e7d32; }
tr.control.fail td.status { color: #c62828; }
tr.control.notchecked td.status { color: #8d6e00; }
tr.control.manual td.status { color: #757575; }
table.controls ul.missing { margin: 2px 0; padding-left: 18px; color: #8d6e00; }
table.controls .reason { color: #616161; }
.problems li { color: #b71c1c; }
.filters { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; background: #fff; padding: 10px 12px;
           border: 1px solid #e0e0e0; border-radius: 8px; position: sticky; top: 0; z-index: 2; }
.filters label { white-space: nowrap; }
.filters input[type=search] { min-width: 260px; padding: 4px 8px; }
details.finding { background: #fff; border: 1px solid #e0e0e0; border-left: 6px solid var(--info);
                  border-radius: 6px; margin: 8px 0; padding: 8px 12px; }
details.finding.CRITICAL { border-left-color: var(--crit); } details.finding.HIGH { border-left-color: var(--high); }
details.finding.MEDIUM { border-left-color: var(--med); } details.finding.LOW { border-left-color: var(--low); }
details.finding summary { cursor: pointer; font-weight: 600; }
.sev { display: inline-block; min-width: 74px; font-size: 11px; font-weight: 700; padding: 1px 6px;
       border-radius: 4px; color: #fff; text-align: center; margin-right: 6px; }
.sev.CRITICAL { background: var(--crit); } .sev.HIGH { background: var(--high); }
.sev.MEDIUM { background: var(--med); color: #222; } .sev.LOW { background: var(--low); }
.sev.INFO { background: var(--info); }
.resource, .fid { color: #546e7a; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.evidence { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: #f5f7f8;
            padding: 6px 8px; border-radius: 4px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.evidence .where { color: #00695c; }
.fix { color: #1b5e20; }
.graph-box { background: #fff; border: 1px solid #e0e0e0; border-radius: 8px; overflow: auto; max-height: 760px; }
svg.graph text { font: 12px -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
svg.graph .node-kind { font-size: 10px; fill-opacity: 0.7; text-transform: uppercase; letter-spacing: 0.04em; }
svg.graph rect { stroke: #90a4ae; stroke-width: 1; }
svg.graph .admin rect { stroke: #c62828; stroke-width: 2.5; }
svg.graph .edge { fill: none; stroke: #90a4ae; stroke-width: 1.4; }
svg.graph .edge.escalation { stroke: #c62828; stroke-width: 2.6; }
svg.graph .edge.conditional { stroke-dasharray: 5 4; }
svg.graph .edge-label { font-size: 10px; fill: #455a64; }
svg.graph .edge-label.risky { fill: #c62828; font-weight: 700; }
.legend span { margin-right: 14px; font-size: 12px; }
.hidden { display: none; }
"""

JS = """
(function () {
  'use strict';
  var findings = Array.prototype.slice.call(document.querySelectorAll('details.finding'));
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter=severity]'));
  var category = document.getElementById('filter-category');
  var account = document.getElementById('filter-account');
  var search = document.getElementById('filter-text');
  var shown = document.getElementById('shown-count');
  function apply() {
    var sev = {};
    boxes.forEach(function (b) { sev[b.value] = b.checked; });
    var cat = category ? category.value : '';
    var acct = account ? account.value : '';
    var text = search ? search.value.toLowerCase() : '';
    var n = 0;
    findings.forEach(function (f) {
      var ok = sev[f.getAttribute('data-severity')] !== false &&
               (!cat || f.getAttribute('data-category') === cat) &&
               (!acct || f.getAttribute('data-account') === acct) &&
               (!text || f.textContent.toLowerCase().indexOf(text) >= 0);
      f.classList.toggle('hidden', !ok);
      if (ok) { n += 1; }
    });
    if (shown) { shown.textContent = String(n); }
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  [category, account].forEach(function (el) { if (el) { el.addEventListener('change', apply); } });
  if (search) { search.addEventListener('input', apply); }
  var expand = document.getElementById('expand-all');
  if (expand) {
    expand.addEventListener('click', function () {
      var open = expand.getAttribute('data-open') !== 'true';
      findings.forEach(function (f) { f.open = open; });
      expand.setAttribute('data-open', open ? 'true' : 'false');
      expand.textContent = open ? 'Collapse all' : 'Expand all';
    });
  }
  apply();
  document.body.setAttribute('data-ready', 'true');
}());
"""
