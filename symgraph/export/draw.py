"""Pictures of graphs: renders the textbook drawing to PNG or SVG, forward values and gradients on the edges.

:func:`draw` renders a graph left to right -- inputs as boxes, operations as
circles labelled with their op, each edge labelled with its source's forward
value (green) and gradient (red).  Two engines:

* ``"graphviz"`` runs Graphviz's ``dot`` program on :func:`~symgraph.export.text.to_dot`
  text (a subprocess with a timeout), the best layout when it is installed;
* ``"matplotlib"`` draws what :func:`~symgraph.export.text.walk` yields where
  :mod:`symgraph.export.layout` puts it, on the Agg canvas, never a display.

``engine="auto"`` uses Graphviz when ``dot`` is on the PATH and matplotlib
otherwise.  The numbers on the edges come from
:func:`~symgraph.export.text.resolve_labels`, shared with the text exports, so
``draw``, ``to_mermaid`` and ``to_dot`` take the same ``values=``, ``at=``,
``adjoints=`` and ``derivatives=``.  Importing this module registers the
``"picture"`` service of :mod:`symgraph.ir.hooks` (a Graph's SVG in Jupyter).
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

from ..errors import RenderError
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.hooks import provide
from .layout import FONT_SIZE, boundary, bounds, place
from .text import GRADIENT_COLOUR, VALUE_COLOUR, EdgeLabel, NodeLabel, call_boxes, resolve_labels, to_dot, walk

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
    Rendering needs Graphviz or matplotlib (optional), so these lines are not run as tests:

    >>> import symgraph as sg
    >>> png = sg.draw("p = x + y; g = p * z", at={"x": 1, "y": 3, "z": -3}, adjoints=True)  # doctest: +SKIP
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"  # doctest: +SKIP
    True
    """

    graph = as_graph(graph)
    fmt = _format(path, format)
    if engine not in ENGINES:
        raise RenderError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if len(graph) > MAX_NODES:
        raise RenderError(f"graph has {len(graph)} nodes; pictures are limited to {MAX_NODES}: draw the model at a "
                          "smaller size (n=3 shows an indexed model's structure), or write the graph with "
                          "to_dot/to_mermaid for another viewer")
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

#: Text size of the numbers on the edges (points); the nodes' text is layout.FONT_SIZE.
LABEL_SIZE = 11


def _render_matplotlib(graph: Graph, values, adjoints, derivatives, fmt: str, dpi: int) -> bytes:
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch, Rectangle
    except ImportError:
        raise RenderError("drawing needs Graphviz's 'dot' program or matplotlib; neither is installed") from None

    items = list(walk(graph, values, adjoints, derivatives))
    nodes = [item for item in items if isinstance(item, NodeLabel)]
    edges = [item for item in items if isinstance(item, EdgeLabel)]
    pos, bends, shapes = place(graph, nodes, edges)
    boxes = _call_boxes(graph, pos, shapes)
    left, right, bottom, top = bounds(pos, shapes, bends)
    for (x0, y0, x1, y1), _ in boxes:
        left, right, bottom, top = min(left, x0 - 0.1), max(right, x1 + 0.1), min(bottom, y0 - 0.1), max(top, y1 + 0.3)
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
        for (x0, y0, x1, y1), name in boxes:  # calls of the text's own functions, dashed, behind everything
            ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.15",
                                        facecolor="none", edgecolor="#888888", linestyle="--", linewidth=1.0,
                                        zorder=0))
            ax.text(x0 + 0.08, y1 + 0.04, f"{name}()", ha="left", va="bottom", color="#666666",
                    fontsize=LABEL_SIZE, zorder=0)
        for node in nodes:
            if node.shape == "none":  # a sink: only the arrow into it is drawn
                continue
            (x, y), (kind, hw, hh) = pos[node.name], shapes[node.name]
            if kind == "box":
                ax.add_patch(Rectangle((x - hw, y - hh), 2 * hw, 2 * hh, facecolor="#e8f0fb",
                                       edgecolor="black", linewidth=1.2, zorder=2))
            else:
                ax.add_patch(Ellipse((x, y), 2 * hw, 2 * hh, facecolor="#fdf6e3", edgecolor="black",
                                     linewidth=1.2, zorder=2))
            ax.text(x, y, node.label, ha="center", va="center", fontsize=FONT_SIZE, zorder=3)
        for edge in edges:
            points = [pos[edge.source], *bends.get((edge.source, edge.target), []), pos[edge.target]]
            points[0] = boundary(points[0], shapes[edge.source], points[1])
            points[-1] = boundary(points[-1], shapes[edge.target], points[-2])
            if len(points) > 2:
                ax.plot([p[0] for p in points[:-1]], [p[1] for p in points[:-1]], color="#444444",
                        linewidth=1.2, zorder=1, solid_capstyle="round")
            ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=16,
                                         color="#444444", linewidth=1.2, shrinkA=0, shrinkB=0, zorder=1))
            # labels sit at the middle of the first segment: nothing else is drawn there
            mx, my = (points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2
            below = [t for t in (edge.adjoint, edge.derivative) if t is not None]
            box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
            if edge.value is not None:
                ax.text(mx, my + 0.05, edge.value, ha="center", va="bottom", color=VALUE_COLOUR,
                        fontsize=LABEL_SIZE, fontweight="bold", bbox=box, zorder=4)
            if below:
                ax.text(mx, my - 0.05, "\n".join(below), ha="center", va="top", color=GRADIENT_COLOUR,
                        fontsize=LABEL_SIZE, fontweight="bold", bbox=box, zorder=4)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _call_boxes(graph: Graph, pos: dict, shapes: dict) -> list[tuple[tuple[float, float, float, float], str]]:
    """A rectangle (x0, y0, x1, y1) around each call's nodes, an outer call's around its inner ones."""
    _, parent = call_boxes(graph)
    height = [0] * len(parent)  # how many boxes nest inside each: its margin grows with them
    for k in reversed(range(len(parent))):
        if parent[k] is not None:
            height[parent[k]] = max(height[parent[k]], height[k] + 1)
    boxes = []
    for k, group in enumerate(graph.groups):
        members = [n for n in group.nodes if n in pos]
        if not members:
            continue
        pad = 0.12 + 0.14 * height[k]
        x0 = min(pos[n][0] - shapes[n][1] for n in members) - pad
        x1 = max(pos[n][0] + shapes[n][1] for n in members) + pad
        y0 = min(pos[n][1] - shapes[n][2] for n in members) - pad
        y1 = max(pos[n][1] + shapes[n][2] for n in members) + pad
        boxes.append(((x0, y0, x1, y1), group.name))
    return boxes


def picture_or_none(graph: Graph) -> str | None:
    """The SVG text of ``graph`` for notebooks, or None when it is too big or nothing can render it."""
    if len(graph) > 200:
        return None
    try:
        return draw(graph, format="svg").decode("utf-8")
    except (RenderError, OSError, ImportError):
        return None


provide("picture", picture_or_none)  # a Graph's picture in Jupyter (symgraph.ir.hooks)
