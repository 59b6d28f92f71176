"""Where a picture puts things: the layered layout, node outlines and where edges meet them.

Nodes go in layers left to right (``networkx.topological_generations``),
edges spanning several layers bend in every layer they cross (Sugiyama's
virtual nodes), and rows within a layer are ordered by barycentre sweeps and
adjacent exchanges, which remove most crossings.  Everything is in inches,
one data unit per inch, so text sizes and node outlines agree.  Pure
geometry over :class:`~symgraph.export.text.NodeLabel` and
:class:`~symgraph.export.text.EdgeLabel`: :mod:`symgraph.export.draw` renders it.

Examples
--------
>>> import symgraph as sg
>>> pos, bends = layered_layout(sg.parse("p = x + y; g = p * z"))
>>> pos["x"], pos["z"], pos["g"]
((0.0, 0.75), (2.4, -0.75), (4.8, 0.0))
"""
from __future__ import annotations

from typing import Any, Sequence

import networkx as nx

from ..ir.graph import Graph
from .text import EdgeLabel, NodeLabel

#: Layout in inches: one data unit is one inch, so text sizes and node shapes agree.
LAYER_GAP, ROW_GAP, FONT_SIZE = 2.4, 1.5, 12
#: Barycentre ordering sweeps (odd, so the last sweep runs left to right).
CROSSING_PASSES = 5
#: How far right of an output the edge leaving it ends, inches.
SINK_GAP = 1.6
#: Blank border around the drawing, inches.
MARGIN = 0.6
_CHAR = 0.62 * FONT_SIZE / 72  # approximate width of one character, inches

Point = tuple[float, float]
Shape = tuple[str, float, float]


def layered_layout(graph: Graph) -> tuple[dict[str, Point], dict[tuple[str, str], list]]:
    """Positions (inches) by topological generations, left to right, and the bends of long edges.

    An input used only by later layers moves right, next to its first use
    (``z`` of ``(x+y)*z`` sits beside ``x+y``, as in the textbook).  An edge
    spanning several layers gets a bend point in every layer it crosses, which
    takes a row there like a node (Sugiyama's virtual nodes), so no edge runs
    through a node.  Rows within a layer are ordered by sweeps of the
    barycentre heuristic (mean row of the neighbours in the previous layer,
    alternately left to right and right to left), which removes most
    crossings; each layer is centred.

    Returns
    -------
    pos : dict node -> (x, y)
    bends : dict (u, v) -> list of (x, y), empty for edges between adjacent layers
    """
    depth = {node: d for d, layer in enumerate(nx.topological_generations(graph.nx)) for node in layer}
    for node in graph.order:
        succ = graph.nx.succ[node]
        if not graph.nx.pred[node] and succ:
            depth[node] = min(depth[s] for s in succ) - 1
    layers: dict[int, list] = {}
    preds: dict[Any, list] = {node: [] for node in graph.order}
    succs: dict[Any, list] = {node: [] for node in graph.order}
    for node in graph.order:
        layers.setdefault(depth[node], []).append(node)
    chains: dict[tuple[str, str], list] = {}
    for u, v in graph.nx.edges:
        previous = u
        chains[u, v] = []
        for d in range(depth[u] + 1, depth[v]):
            bend = ("bend", u, v, d)
            layers[d].append(bend)
            preds[bend], succs[bend] = [previous], []
            succs[previous].append(bend)
            chains[u, v].append(bend)
            previous = bend
        preds[v].append(previous)
        succs[previous].append(v)
    ordered = [layers[d] for d in sorted(layers)]
    row = {item: i for layer in ordered for i, item in enumerate(layer)}
    for sweep in range(CROSSING_PASSES):  # barycentre sweeps, down then up; the last one is down
        down = sweep % 2 == 0
        indices = range(1, len(ordered)) if down else range(len(ordered) - 2, -1, -1)
        for d in indices:
            neighbours = preds if down else succs
            def key(item):
                rows = [row[n] for n in neighbours[item]]
                return sum(rows) / len(rows) if rows else row[item]
            ordered[d] = sorted(ordered[d], key=key)
            row.update((item, i) for i, item in enumerate(ordered[d]))
    _exchange_adjacent(ordered, row, preds, succs)
    pos: dict[Any, Point] = {}
    for d, layer in zip(sorted(layers), ordered):
        top = (len(layer) - 1) * ROW_GAP / 2
        for i, item in enumerate(layer):
            pos[item] = (d * LAYER_GAP, top - i * ROW_GAP)
    bends = {edge: [pos[b] for b in chain] for edge, chain in chains.items()}
    return {node: pos[node] for node in graph.order}, bends


def _exchange_adjacent(ordered: list[list], row: dict, preds: dict, succs: dict, passes: int = 8) -> None:
    """Swap neighbouring rows while that removes crossings (the adjacent-exchange heuristic)."""
    def crossings(a, b):  # edges of a (above) and b (below) that cross, on both sides
        return (sum(1 for p in preds[a] for q in preds[b] if row[p] > row[q])
                + sum(1 for p in succs[a] for q in succs[b] if row[p] > row[q]))

    for _ in range(passes):
        improved = False
        for layer in ordered:
            for i in range(len(layer) - 1):
                a, b = layer[i], layer[i + 1]
                if crossings(b, a) < crossings(a, b):
                    layer[i], layer[i + 1] = b, a
                    row[a], row[b] = i + 1, i
                    improved = True
        if not improved:
            return


def node_shape(node: NodeLabel) -> Shape:
    """("box" | "ellipse" | "point", half width, half height) in inches; circles are round ellipses."""
    if node.shape == "none":
        return "point", 0.0, 0.0
    width = len(node.label) * _CHAR
    if node.shape == "box":
        return "box", width / 2 + 0.15, 0.25
    radius = max(0.32, width / 2 + 0.12)
    return "ellipse", radius, min(radius, 0.45)


def boundary(centre: Point, shape: Shape, towards: Point) -> Point:
    """Where the segment from ``centre`` to ``towards`` leaves the node's outline."""
    (x, y), (kind, hw, hh) = centre, shape
    dx, dy = towards[0] - x, towards[1] - y
    if kind == "point" or not (dx or dy):
        return x, y
    if kind == "ellipse":
        scale = ((dx / hw) ** 2 + (dy / hh) ** 2) ** -0.5
    else:
        scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def place(graph: Graph, nodes: Sequence[NodeLabel], edges: Sequence[EdgeLabel]
          ) -> tuple[dict[str, Point], dict[tuple[str, str], list], dict[str, Shape]]:
    """Positions, bends and outlines of everything :func:`~symgraph.export.text.walk` yields.

    The layered layout of the graph's nodes, plus each output's sink, to the
    right of the output it leaves.
    """
    pos, bends = layered_layout(graph)
    shapes = {node.name: node_shape(node) for node in nodes}
    for edge in edges:
        if shapes[edge.target][0] == "point":
            x, y = pos[edge.source]
            pos[edge.target] = (x + shapes[edge.source][1] + SINK_GAP, y)
    return pos, bends, shapes


def bounds(pos: dict[str, Point], shapes: dict[str, Shape], bends: dict[tuple[str, str], list]
           ) -> tuple[float, float, float, float]:
    """``(left, right, bottom, top)`` of the drawing, outlines, bends and margin included."""
    extents = [(x - shapes[n][1], x + shapes[n][1], y - shapes[n][2], y + shapes[n][2])
               for n, (x, y) in pos.items()]
    extents += [(x, x, y, y) for points in bends.values() for x, y in points]
    return (min(e[0] for e in extents) - MARGIN, max(e[1] for e in extents) + MARGIN,
            min(e[2] for e in extents) - MARGIN, max(e[3] for e in extents) + MARGIN)
