"""The drawn graphs: the layered layout (each node right of its predecessors, cycles broken, no two nodes on one
spot) and what the access graph keeps for a large account."""

from __future__ import annotations

from parc.core.audit.graph import AccessGraph, GraphEdge, GraphNode
from parc.reporters.html.layout import _layers, _positions, access_svg


def test_layers_follow_edges_and_break_cycles() -> None:
    ids = ["a", "b", "c", "d"]
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
    layer, back = _layers(ids, edges)
    assert back == {("c", "a")}
    assert layer == {"a": 0, "b": 1, "c": 2, "d": 3}


def test_positions_are_distinct_and_left_to_right() -> None:
    ids = [f"n{i}" for i in range(12)]
    edges = [(f"n{i}", f"n{i + 1}") for i in range(0, 11, 2)] + [("n0", "n5"), ("n5", "n0")]
    pos, back = _positions(ids, edges)
    assert len(back) == 1 and back < {("n0", "n5"), ("n5", "n0")}
    assert len(set(pos.values())) == len(ids)
    for a, b in edges:
        if (a, b) not in back:
            assert pos[a][0] < pos[b][0]


def test_svg_has_a_group_per_node_and_a_path_per_edge() -> None:
    g = AccessGraph((GraphNode("u", "u", "user", "1"), GraphNode("r", "r", "role", "1", admin=True)),
                    (GraphEdge("u", "r", "iam:PassRole+ec2:RunInstances", False, True),))
    svg = access_svg(g)
    assert svg.count('<g class="node') == 2 and svg.count('<path class="edge escalation"') == 1
    assert ">iam:PassRole+ec2:RunI…</text>" in svg  # labels are shortened, the full one is in the title
    assert 'class="node kind-role admin"' in svg
