"""Graphs drawn as inline SVG: a layered layout (sources on the left, each node one column right of its furthest
predecessor, cycles broken at the edge that closes them, rows ordered by their predecessors' mean row), written as
plain SVG elements so that the report needs no script and no external asset to show them.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from parc.core.audit.graph import AccessGraph, InternetTarget

COL_W = 330
ROW_H = 58
NODE_W = 200
NODE_H = 36
PAD = 30

FILL = {
    "user": "#e8f1fb",
    "role": "#eef7ee",
    "account": "#f3eefa",
    "external": "#f6f6f6",
    "anonymous": "#fdecea",
    "federated": "#fff6e0",
    "administrator": "#c62828",
}


def _layers(ids: list[str], edges: list[tuple[str, str]]) -> tuple[dict[str, int], set[tuple[str, str]]]:
    out_edges: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        out_edges[a].append(b)
    incoming = {b for _, b in edges}
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    order = [n for n in ids if n not in incoming] + [n for n in ids if n in incoming]
    for root in order:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            succ = out_edges.get(node, [])
            if i < len(succ):
                stack[-1] = (node, i + 1)
                nxt = succ[i]
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
    forward = [(a, b) for a, b in edges if (a, b) not in back and a != b]
    layer = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):
        changed = False
        for a, b in forward:
            if layer[b] < layer[a] + 1:
                layer[b] = layer[a] + 1
                changed = True
        if not changed:
            break
    return layer, back


def _positions(ids: list[str], edges: list[tuple[str, str]]) -> tuple[dict[str, tuple[int, int]], set[tuple[str, str]]]:
    layer, back = _layers(ids, edges)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in ids:
        columns[layer[n]].append(n)
    row: dict[str, float] = {}
    preds: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
    for c in sorted(columns):
        nodes = columns[c]
        if c > 0:
            def bary(n: str) -> float:
                rows = [row[p] for p in preds[n] if p in row]
                return sum(rows) / len(rows) if rows else 1e9
            nodes.sort(key=lambda n: (bary(n), n))
        for i, n in enumerate(nodes):
            row[n] = i
    pos = {n: (PAD + layer[n] * COL_W, PAD + int(row[n]) * ROW_H) for n in ids}
    return pos, back


def _label(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _defs() -> str:
    return (
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b"/></marker>'
        '<marker id="arrow-red" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#c62828"/></marker>'
        "</defs>"
    )


def _edge(x1: int, y1: int, x2: int, y2: int, back: bool) -> str:
    if back or x2 <= x1:
        lift = 40 + abs(y2 - y1) // 4
        top = min(y1, y2) - lift
        return f"M {x1} {y1} C {x1 + 60} {top}, {x2 - 60} {top}, {x2} {y2}"
    mid = (x1 + x2) // 2
    return f"M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}"


def access_svg(graph: AccessGraph) -> str:
    ids = [n.id for n in graph.nodes]
    edges = [(e.source, e.target) for e in graph.edges]
    pos, back = _positions(ids, edges)
    width = max((x for x, _ in pos.values()), default=0) + NODE_W + 2 * PAD
    height = max((y for _, y in pos.values()), default=0) + NODE_H + 2 * PAD + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" id="access-graph" width="{width}" '
             f'height="{height}" viewBox="0 -40 {width} {height}" role="img" '
             'aria-label="who can become whom">', _defs()]
    for e in graph.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (sx, sy), (tx, ty) = pos[e.source], pos[e.target]
        d = _edge(sx + NODE_W, sy + NODE_H // 2, tx, ty + NODE_H // 2, (e.source, e.target) in back)
        cls = "edge" + (" escalation" if e.escalation else "") + (" conditional" if e.conditional else "")
        marker = "arrow-red" if e.escalation else "arrow"
        title = escape(f"{e.source} -> {e.target}: {e.label}" + (" (under conditions)" if e.conditional else ""))
        parts.append(f'<path class="{cls}" d="{d}" marker-end="url(#{marker})"><title>{title}</title></path>')
        if e.label != "assume":
            lx, ly = (sx + NODE_W + tx) // 2, (sy + ty) // 2 + NODE_H // 2 - 6
            parts.append(f'<text class="edge-label" x="{lx}" y="{ly}" text-anchor="middle">'
                         f"{escape(_label(e.label, 22))}</text>")
    for n in graph.nodes:
        x, y = pos[n.id]
        cls = f"node kind-{n.kind}" + (" admin" if n.admin else "")
        fill = FILL.get(n.kind, "#f6f6f6")
        color = "#ffffff" if n.kind == "administrator" else "#1b1b1b"
        kind = n.kind + (f" · {n.account}" if n.account and n.kind in ("user", "role") else "")
        label = n.label.split(" (", 1)[0] if n.kind in ("user", "role") else n.label
        parts.append(
            f'<g class="{cls}" data-id="{escape(n.id)}"><title>{escape(n.id)} ({escape(n.kind)})</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}"/>'
            f'<text x="{x + 10}" y="{y + 15}" fill="{color}" class="node-kind">{escape(kind)}</text>'
            f'<text x="{x + 10}" y="{y + 29}" fill="{color}" class="node-label">{escape(_label(label))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def internet_svg(targets: list[InternetTarget]) -> str:
    gateways = sorted({t.gateway for t in targets})
    gy = {g: PAD + i * ROW_H * 2 for i, g in enumerate(gateways)}
    height = max(len(targets) * ROW_H, len(gateways) * ROW_H * 2, ROW_H) + 2 * PAD + 20
    width = PAD * 2 + 3 * COL_W + NODE_W + 120
    ix, iy = PAD, PAD + (height - 2 * PAD) // 2 - NODE_H
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" id="internet-map" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="what the internet reaches">',
             _defs(),
             f'<g class="node kind-internet"><title>the internet</title><ellipse cx="{ix + NODE_W // 2 - 40}" '
             f'cy="{iy + NODE_H // 2}" rx="80" ry="30" fill="#e3f2fd"/><text x="{ix + NODE_W // 2 - 40}" '
             f'y="{iy + NODE_H // 2 + 5}" text-anchor="middle" class="node-label">Internet</text></g>']
    gx = PAD + COL_W
    for g, y in gy.items():
        d = _edge(ix + NODE_W // 2 + 40, iy + NODE_H // 2, gx, y + NODE_H // 2, False)
        parts.append(f'<path class="edge" d="{d}" marker-end="url(#arrow)"/>')
        parts.append(f'<g class="node kind-gateway"><title>{escape(g)}</title><rect x="{gx}" y="{y}" '
                     f'width="{NODE_W}" height="{NODE_H}" rx="6" fill="#f6f6f6"/><text x="{gx + 10}" y="{y + 15}" '
                     f'class="node-kind">internet gateway</text><text x="{gx + 10}" y="{y + 29}" '
                     f'class="node-label">{escape(_label(g))}</text></g>')
    tx = PAD + 3 * COL_W
    for i, t in enumerate(targets):
        y = PAD + i * ROW_H
        risky = bool(t.sensitive)
        sy = gy.get(t.gateway, PAD)
        cls = "edge escalation" if risky else "edge"
        parts.append(f'<path class="{cls}" d="{_edge(gx + NODE_W, sy + NODE_H // 2, tx, y + NODE_H // 2, False)}" '
                     f'marker-end="url(#{"arrow-red" if risky else "arrow"})"><title>{escape(t.ports)}</title></path>')
        label = escape(_label(t.ports + (f" ({', '.join(t.sensitive)})" if t.sensitive else ""), 44))
        parts.append(f'<text class="edge-label{" risky" if risky else ""}" x="{(gx + NODE_W + tx) // 2}" '
                     f'y="{(sy + y) // 2 + NODE_H // 2 - 6}" text-anchor="middle">{label}</text>')
        name = f"{t.target}" + (f" ({t.name})" if t.name else "")
        fill = "#fdecea" if risky else "#eef7ee"
        parts.append(
            f'<g class="node kind-target"><title>{escape(name)} {escape(", ".join(t.addresses))} '
            f'{escape(t.interface)} {escape(t.subnet)} {escape(t.vpc)}</title>'
            f'<rect x="{tx}" y="{y}" width="{NODE_W + 80}" height="{NODE_H}" rx="6" fill="{fill}"/>'
            f'<text x="{tx + 10}" y="{y + 15}" class="node-kind">{escape(", ".join(t.addresses))}</text>'
            f'<text x="{tx + 10}" y="{y + 29}" class="node-label">{escape(_label(name, 40))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
