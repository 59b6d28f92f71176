"""Where a picture puts things: every node, edge, label, arrowhead and the legend, in inches.

:func:`arrange` is the one place the geometry of a picture is decided; the
matplotlib renderer of :mod:`symgraph.export.draw` only paints the
:class:`Scene` it returns, so the boxes a test checks for overlaps are the
boxes that are drawn.  The layout is Sugiyama's, as Graphviz's ``dot`` does
it with edge labels: :mod:`~symgraph.export.layout_placement` places the
rows and columns, with the sizes of :mod:`~symgraph.export.layout_sizes`;
this module turns those places into nodes, edge paths, arrowheads, texts,
call outlines and the legend.

Examples
--------
>>> import symgraph as sg
>>> pos, bends = layered_layout(sg.parse("p = x + y; g = p * z"))
>>> pos["x"][0] == pos["y"][0] < pos["p"][0] == pos["z"][0] < pos["g"][0]
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

from ..ir.graph import Graph
from ..names import drawn_captions
from .layout_placement import _nearest, _place
from .layout_sizes import (ARROW_HALF_WIDTH, ARROW_LENGTH, BAR_INSET, FONT_SIZE, LABEL_PAD, LABEL_SIZE, LEGEND_GAP,
                           LINE_SPACING, MARGIN, Point, Shape, _label_size, text_width)
from .text import EdgeLabel, NodeLabel, call_boxes, edge_texts, legend, op_label


class Text(NamedTuple):
    """One line of text: drawn centred on (x, y) unless ``align`` says "left"."""

    text: str
    x: float
    y: float
    colour: str
    size: float
    bold: bool = False
    align: str = "center"


class Box(NamedTuple):
    """A rectangle something occupies: a node, an edge label, an arrowhead, the legend, a call's caption."""

    kind: str  # "node" | "label" | "arrow" | "legend" | "caption"
    owner: Any  # the node's name, the edge (u, v), or None
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Scene:
    """Everything a picture shows, in inches (one data unit per inch, y up)."""

    nodes: list[tuple[NodeLabel, Point, Shape]] = field(default_factory=list)
    #: each edge's path from its source's outline to the arrow's tip: pieces of 2 points (a straight
    #: line) or 4 (a cubic Bezier curve, inside the rectangle its first and last point span)
    edges: list[tuple[EdgeLabel, list[list[Point]]]] = field(default_factory=list)
    arrows: list[tuple[Point, Point, Point]] = field(default_factory=list)  # tip, two base corners
    texts: list[Text] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    #: each call of a text definition: the outline around its rows (a polygon, top left corner first), its name
    calls: list[tuple[list[Point], str]] = field(default_factory=list)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, right, bottom, top

    @property
    def size(self) -> tuple[float, float]:
        """(width, height) in inches."""
        left, right, bottom, top = self.bounds
        return right - left, top - bottom


def boundary(centre: Point, shape: Shape, towards: Point) -> Point:
    """Where the segment from ``centre`` to ``towards`` leaves the node's outline.

    A bar (a folded sum) is met level with ``towards`` when that is within
    its height, so its many edges arrive side by side.
    """
    (x, y), (kind, hw, hh) = centre, shape
    if kind == "bar":
        return x - hw if towards[0] < x else x + hw, _nearest(towards[1], y, hh - BAR_INSET)
    dx, dy = towards[0] - x, towards[1] - y
    if kind == "point" or not (dx or dy):
        return x, y
    if kind == "ellipse":
        scale = ((dx / hw) ** 2 + (dy / hh) ** 2) ** -0.5
    else:
        scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def layered_layout(graph: Graph, room: tuple[float, float] | None = None,
                   label: tuple[float, float] | None = None) -> tuple[dict[str, Point], dict[tuple[str, str], list]]:
    """Positions (inches) of the nodes, left to right, and the points each edge passes on its way.

    The layout of :func:`arrange` without labels.  ``bends[u, v]`` lists
    the points (inches) the edge passes between its ends: two per column it
    crosses (it runs straight across each), so every edge bends only between
    columns.  ``room`` and ``label`` are as in :func:`spaced_layout`.

    Returns
    -------
    pos : dict node -> (x, y)
    bends : dict (u, v) -> list of (x, y)
    """
    pos, bends, _ = spaced_layout(graph, room, label)
    return pos, bends


def spaced_layout(graph: Graph, room: tuple[float, float] | None = None,
                  label: tuple[float, float] | None = None) -> tuple[
        dict[str, Point], dict[tuple[str, str], list], dict[tuple[str, str], Point]]:
    """:func:`layered_layout` for a drawing that writes its own texts: room for them, and where each edge's goes.

    ``room`` (width, height in inches) is the least space each node takes
    in its column (a page writing a value and an adjoint under every node
    asks for that room); ``label`` (width, height) reserves a label box that
    size on every edge, in the column right of its source, as :func:`arrange`
    does for the labels it writes.  Returns the positions, the bends and each
    edge's label centre (edges within one layer of their source and target
    included).
    """
    captions = drawn_captions(graph)
    nodes = [NodeLabel(n, op_label(graph, n, names=captions), "box" if graph.op(n) == "input" else "circle")
             for n in graph.order]
    edges = [EdgeLabel(u, v) for u, v in graph.edges()]
    pos, routes, centres, _, _ = _place(nodes, edges, _calls(graph), room, label)
    return ({n: pos[n] for n in graph.order}, {edge: route[1:-1] for edge, route in routes.items()}, centres)


def arrange(graph: Graph, nodes: Sequence[NodeLabel], edges: Sequence[EdgeLabel]) -> Scene:
    """The whole picture of what :func:`~symgraph.export.text.walk` yields: the one source of its geometry."""
    pos, routes, label_rows, shapes, outlines = _place(nodes, edges, _calls(graph))
    scene = Scene()
    for node in nodes:
        x, y = pos[node.name]
        kind, hw, hh = shape = shapes[node.name]
        scene.nodes.append((node, (x, y), shape))
        if kind != "point":
            scene.texts.append(Text(node.label, x, y, "black", FONT_SIZE))
            scene.boxes.append(Box("node", node.name, x - hw, y - hh, x + hw, y + hh))
    for edge in edges:
        key = (edge.source, edge.target)
        points = list(routes[key])
        points[0] = boundary(points[0], shapes[edge.source], points[1])
        points[-1] = boundary(points[-1], shapes[edge.target], points[-2])
        scene.edges.append((edge, _pieces(points)))
        tip, tail = points[-1], points[-2]
        length = ((tip[0] - tail[0]) ** 2 + (tip[1] - tail[1]) ** 2) ** 0.5 or 1.0
        ux, uy = (tip[0] - tail[0]) / length, (tip[1] - tail[1]) / length
        bx, by = tip[0] - ARROW_LENGTH * ux, tip[1] - ARROW_LENGTH * uy
        corners = ((bx - ARROW_HALF_WIDTH * uy, by + ARROW_HALF_WIDTH * ux),
                   (bx + ARROW_HALF_WIDTH * uy, by - ARROW_HALF_WIDTH * ux))
        scene.arrows.append((tip, *corners))
        xs, ys = [tip[0], corners[0][0], corners[1][0]], [tip[1], corners[0][1], corners[1][1]]
        scene.boxes.append(Box("arrow", key, min(xs), min(ys), max(xs), max(ys)))
        if key in label_rows:
            x, y = label_rows[key]
            lines = edge_texts(edge)
            width, height = _label_size(lines)
            scene.boxes.append(Box("label", key, x - width / 2, y - height / 2, x + width / 2, y + height / 2))
            step = LINE_SPACING * LABEL_SIZE / 72
            top = y + (len(lines) - 1) * step / 2
            scene.texts.extend(Text(text, x, top - i * step, colour, LABEL_SIZE, True)
                               for i, (text, colour) in enumerate(lines))
    _add_calls(scene, graph, outlines)
    left, right, bottom, top = _extent(scene)
    entries = legend(graph, edges, folded=any(node.terms for node in nodes))
    if entries:  # one row above the drawing, left aligned
        height = LINE_SPACING * LABEL_SIZE / 72 + 2 * LABEL_PAD
        y = top + LEGEND_GAP + height / 2
        x = left
        for text, colour in entries:
            scene.texts.append(Text(text, x + LABEL_PAD, y, colour, LABEL_SIZE, True, "left"))
            x += text_width(text, LABEL_SIZE) + 0.25
        scene.boxes.append(Box("legend", None, left, y - height / 2, x - 0.25 + 2 * LABEL_PAD, y + height / 2))
        left, right, bottom, top = _extent(scene)
    scene.bounds = (left - MARGIN, right + MARGIN, bottom - MARGIN, top + MARGIN)
    return scene


def _pieces(points: list[Point]) -> list[list[Point]]:
    """The route as straight lines at its ends and across columns, S-curves in the gaps between columns.

    A curve leaves and enters horizontally, as the edge runs across the
    columns on either side, and stays within the gap its ends span.
    """
    pieces = []
    for i, (p, q) in enumerate(zip(points, points[1:])):
        if i == 0 or i == len(points) - 2 or p[1] == q[1]:
            pieces.append([p, q])
        else:
            half = (q[0] - p[0]) / 2
            pieces.append([p, (p[0] + half, p[1]), (q[0] - half, q[1]), q])
    return pieces


def _extent(scene: Scene) -> tuple[float, float, float, float]:
    points = [p for _, pieces in scene.edges for piece in pieces for p in piece]
    xs = [v for box in scene.boxes for v in (box.x0, box.x1)] + [p[0] for p in points]
    ys = [v for box in scene.boxes for v in (box.y0, box.y1)] + [p[1] for p in points]
    for outline, _ in scene.calls:
        xs += [p[0] for p in outline]
        ys += [p[1] for p in outline]
    return min(xs, default=0.0), max(xs, default=0.0), min(ys, default=0.0), max(ys, default=0.0)


def _calls(graph: Graph) -> dict[str, tuple[int, ...]]:
    """Node -> the calls of text definitions it was made by, outermost first (``graph.groups`` indices)."""
    innermost, parent = call_boxes(graph)
    out = {}
    for node, k in innermost.items():
        chain = []
        while k is not None:
            chain.append(k)
            k = parent[k]
        out[node] = tuple(reversed(chain))
    return out


def _add_calls(scene: Scene, graph: Graph, outlines: dict[int, list[Point]]) -> None:
    """Each call's outline, captioned ``f()`` above its top edge: at the top left corner unless an edge or
    a text is there (an edge entering the call from the left often runs through that corner), then further
    along the top, then above the next column's band; the corner when every place is taken."""
    height = LINE_SPACING * LABEL_SIZE / 72
    pieces = [piece for _, route in scene.edges for piece in route]
    for k, outline in outlines.items():
        name = graph.groups[k].name
        scene.calls.append((outline, name))
        caption = f"{name}()"
        width = text_width(caption, LABEL_SIZE)
        places = [Box("caption", k, x + 0.08, y, x + 0.08 + width, y + height)
                  for x, y in _caption_places(outline, width)]
        box = next((b for b in places if _clear(b, scene.boxes, pieces)), places[0])
        scene.texts.append(Text(caption, box.x0, box.y0 + height / 2, "#666666", LABEL_SIZE, False, "left"))
        scene.boxes.append(box)


def _caption_places(outline: list[Point], width: float) -> list[Point]:
    """Where a caption ``width`` wide may start, left to right along the outline's top: the top edge of each
    column's band (:func:`~symgraph.export.layout_placement._outlines` lists them first, two corners each),
    every quarter inch of it that still holds the caption."""
    places = []
    top = outline[:len(outline) // 2]
    for (x0, y), (x1, _) in zip(top[::2], top[1::2]):
        x = x0
        while not places or x + 0.08 + width <= x1:
            places.append((x, y))
            x += 0.25
    return places


def _clear(box: Box, boxes: Sequence[Box], pieces: Sequence[list[Point]]) -> bool:
    """Whether ``box`` meets no other box (node, label, arrowhead, caption) and no edge passes through it;
    a curve counts by the rectangle its four points span (it stays inside)."""
    def meets(x0: float, y0: float, x1: float, y1: float) -> bool:
        return x0 < box.x1 and box.x0 < x1 and y0 < box.y1 and box.y0 < y1

    if any(meets(b.x0, b.y0, b.x1, b.y1) for b in boxes):
        return False
    for piece in pieces:
        xs, ys = [p[0] for p in piece], [p[1] for p in piece]
        if not meets(min(xs), min(ys), max(xs), max(ys)):
            continue
        if len(piece) != 2:
            return False
        # a straight line through the box's rectangle leaves its corners on both sides (or on it)
        (ax, ay), (bx, by) = piece
        sides = [(bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
                 for cx in (box.x0, box.x1) for cy in (box.y0, box.y1)]
        if min(sides) <= 0 <= max(sides):
            return False
    return True
