"""Pictures of graphs: the textbook drawing with forward values and gradients on the edges.

:func:`draw` renders a graph left to right -- inputs as boxes, operations as
circles labelled with their op, each edge labelled with its source's forward
value (green) and gradient (red) -- to PNG or SVG.  Two engines:

* ``"graphviz"`` runs Graphviz's ``dot`` program on :func:`~symgraph.export.text.to_dot`
  text (a subprocess with a timeout), the best layout when it is installed;
* ``"matplotlib"`` lays nodes out in layers (``networkx.topological_generations``,
  ordered within a layer by the mean height of their operands, which removes
  most crossings) and draws with the Agg canvas, never a display.

``engine="auto"`` uses Graphviz when ``dot`` is on the PATH and matplotlib
otherwise.  The numbers on the edges come from
:func:`~symgraph.export.text.resolve_labels`, shared with the text exports, so
``draw``, ``to_mermaid`` and ``to_dot`` take the same ``values=``, ``at=``,
``adjoints=`` and ``derivatives=``.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

import networkx as nx

from ..errors import RenderError
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.hooks import provide
from .text import GRADIENT_COLOUR, VALUE_COLOUR, edge_labels, op_label, output_sink, resolve_labels, to_dot

FORMATS = ("png", "svg")
ENGINES = ("auto", "graphviz", "matplotlib")

#: Pictures of bigger graphs are refused: nobody can read them, and laying them out takes long.
MAX_NODES = 2000


def draw(graph: Any, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
         path: str | Path | None = None, format: str | None = None, *,
         at: Mapping[str, float] | None = None, derivatives: Mapping | bool | None = None,
         engine: str = "auto", dpi: int = 150, timeout: float = 60.0) -> bytes | Path:
    """Render the graph as a PNG or SVG picture, with values and gradients on the edges.

    Parameters
    ----------
    graph : Graph, str or sympy expression
        What to draw.
    values : mapping node -> number, optional
        Forward values (green), e.g. ``graph.evaluate(x=1, y=3, z=-3)``.
        Computed from ``at`` when omitted.
    adjoints : mapping node -> number or True, optional
        Gradients d output / d node (red).  ``True`` computes every node's
        adjoint at ``at`` (or at the inputs' entries of ``values``).
    path : str or Path, optional
        Where to write the picture; without it the bytes are returned.
    format : {"png", "svg"}, optional
        Defaults to the suffix of ``path``, else ``"png"``.
    at : mapping input -> number, optional
        The point for ``values``, ``adjoints=True`` and ``derivatives=True``.
    derivatives : mapping (u, v) -> number or expression, or True, optional
        Local edge derivatives ∂v/∂u (red).  ``True`` gives numbers at ``at``,
        or sympy expressions in node symbols when there is no point.
    engine : {"auto", "graphviz", "matplotlib"}
        ``"auto"`` is Graphviz when its ``dot`` program is installed.
    dpi : int
        Resolution of PNG output.
    timeout : float
        Seconds Graphviz may take before a RenderError.

    Returns
    -------
    bytes or Path
        The picture's bytes, or ``path`` once written.

    Raises
    ------
    RenderError
        Unknown format or engine, Graphviz missing or failing, graph too big.

    Examples
    --------
    >>> import symgraph as sg
    >>> png = sg.draw("p = x + y; g = p * z", at={"x": 1, "y": 3, "z": -3}, adjoints=True)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    graph = as_graph(graph)
    fmt = _format(path, format)
    if engine not in ENGINES:
        raise RenderError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if len(graph) > MAX_NODES:
        raise RenderError(f"graph has {len(graph)} nodes; pictures are limited to {MAX_NODES}")
    values, adjoints, derivatives = resolve_labels(graph, values, adjoints, derivatives, at)
    if engine == "auto":
        engine = "graphviz" if shutil.which("dot") else "matplotlib"
    if engine == "graphviz":
        data = _render_graphviz(to_dot(graph, values, adjoints, derivatives), fmt, dpi, timeout)
    else:
        data = _render_matplotlib(graph, values, adjoints, derivatives, fmt, dpi)
    if path is None:
        return data
    path = Path(path)
    path.write_bytes(data)
    return path


def _format(path, format) -> str:
    if format is None:
        suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
        format = suffix or "png"
    format = format.lower()
    if format not in FORMATS:
        raise RenderError(f"unknown picture format {format!r}; choose one of {', '.join(FORMATS)}")
    return format


# --------------------------------------------------------------------------- Graphviz

def _render_graphviz(dot_text: str, fmt: str, dpi: int, timeout: float) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise RenderError("Graphviz's 'dot' program is not installed; use engine='matplotlib'")
    command = [program, f"-T{fmt}"] + ([f"-Gdpi={dpi}"] if fmt == "png" else [])
    try:
        done = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz failed (exit {done.returncode}): {message}")
    return done.stdout


# --------------------------------------------------------------------------- matplotlib

#: Layout in inches: one data unit is one inch, so text sizes and node shapes agree.
LAYER_GAP, ROW_GAP, FONT_SIZE, LABEL_SIZE = 2.4, 1.5, 12, 11
#: Barycentre ordering sweeps (odd, so the last sweep runs left to right).
CROSSING_PASSES = 5
_CHAR = 0.62 * FONT_SIZE / 72  # approximate width of one character, inches


def layered_layout(graph: Graph) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], list]]:
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
    pos: dict[Any, tuple[float, float]] = {}
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


def _node_shape(graph: Graph, node: str | None) -> tuple[str, float, float]:
    """("box" | "ellipse" | "point", half width, half height) in inches; circles are round ellipses."""
    if node is None:
        return "point", 0.0, 0.0
    width = len(op_label(graph, node)) * _CHAR
    if graph.op(node) == "input":
        return "box", width / 2 + 0.15, 0.25
    radius = max(0.32, width / 2 + 0.12)
    return "ellipse", radius, min(radius, 0.45)


def _boundary(centre, shape, towards) -> tuple[float, float]:
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


def _render_matplotlib(graph: Graph, values, adjoints, derivatives, fmt: str, dpi: int) -> bytes:
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle
    except ImportError:
        raise RenderError("drawing needs Graphviz's 'dot' program or matplotlib; neither is installed") from None

    pos, bends = layered_layout(graph)
    shapes = {node: _node_shape(graph, node) for node in graph.order}
    labels = edge_labels(graph, values, adjoints, derivatives)
    for edge in labels:
        if edge.target is None:  # the edge leaving an output ends in a point to its right
            sink = output_sink(graph, edge.source)
            x, y = pos[edge.source]
            pos[sink] = (x + shapes[edge.source][1] + 1.6, y)
            shapes[sink] = _node_shape(graph, None)

    margin = 0.6
    extents = [(x - shapes[n][1], x + shapes[n][1], y - shapes[n][2], y + shapes[n][2])
               for n, (x, y) in pos.items()]
    extents += [(x, x, y, y) for points in bends.values() for x, y in points]
    left = min(e[0] for e in extents) - margin
    right = max(e[1] for e in extents) + margin
    bottom = min(e[2] for e in extents) - margin
    top = max(e[3] for e in extents) + margin
    width, height = right - left, top - bottom
    dpi = min(dpi, int(16000 / max(width, height)))  # Agg refuses images over 2**16 pixels a side

    with matplotlib.rc_context({"svg.fonttype": "none", "font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(width, height), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.set_aspect("equal")
        ax.axis("off")
        for node in graph.order:
            (x, y), (kind, hw, hh) = pos[node], shapes[node]
            if kind == "box":
                ax.add_patch(Rectangle((x - hw, y - hh), 2 * hw, 2 * hh, facecolor="#e8f0fb",
                                       edgecolor="black", linewidth=1.2, zorder=2))
            else:
                ax.add_patch(Ellipse((x, y), 2 * hw, 2 * hh, facecolor="#fdf6e3", edgecolor="black",
                                     linewidth=1.2, zorder=2))
            ax.text(x, y, op_label(graph, node), ha="center", va="center", fontsize=FONT_SIZE, zorder=3)
        for edge in labels:
            target = edge.target if edge.target is not None else output_sink(graph, edge.source)
            points = [pos[edge.source], *bends.get((edge.source, target), []), pos[target]]
            points[0] = _boundary(points[0], shapes[edge.source], points[1])
            points[-1] = _boundary(points[-1], shapes[target], points[-2])
            if len(points) > 2:
                ax.plot([p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color="#444444",
                        linewidth=1.2, zorder=1, solid_capstyle="round")
            ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=16,
                                         color="#444444", linewidth=1.2, shrinkA=0, shrinkB=0, zorder=1))
            # labels sit at the middle of the first segment: nothing else is drawn there
            mx, my = (points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2
            above = [t for t in (edge.value,) if t is not None]
            below = [t for t in (edge.adjoint,) if t is not None]
            if edge.derivative is not None:
                below.append(f"∂{target}/∂{edge.source} = {edge.derivative}")
            box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
            if above:
                ax.text(mx, my + 0.05, above[0], ha="center", va="bottom", color=VALUE_COLOUR,
                        fontsize=LABEL_SIZE, fontweight="bold", bbox=box, zorder=4)
            if below:
                ax.text(mx, my - 0.05, "\n".join(below), ha="center", va="top", color=GRADIENT_COLOUR,
                        fontsize=LABEL_SIZE, fontweight="bold", bbox=box, zorder=4)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()


def picture_or_none(graph: Graph) -> str | None:
    """The SVG text of ``graph`` for notebooks, or None when it is too big or nothing can render it."""
    if len(graph) > 200:
        return None
    try:
        return draw(graph, format="svg").decode("utf-8")
    except (RenderError, OSError, ImportError):
        return None


provide("picture", picture_or_none)  # a Graph's picture in Jupyter (symgraph.ir.hooks)
