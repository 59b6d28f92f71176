"""Pictures of graphs: renders the textbook drawing to PNG or SVG, with values, adjoints and local derivatives.

:func:`draw` renders a graph left to right -- inputs as boxes, operations as
circles labelled with their op, each edge labelled with its source's forward
value (green), adjoint (red) and local derivative (blue), and a legend saying
so.  Two engines:

* ``"graphviz"`` runs Graphviz's ``dot`` program on :func:`~symgraph.export.mermaid_dot.to_dot`
  text (a subprocess with a timeout), under the size rule below measured on Graphviz's own layout;
* ``"matplotlib"`` paints the :class:`~symgraph.export.layout.Scene` that
  :func:`~symgraph.export.layout.arrange` makes of :func:`~symgraph.export.text.walk`,
  on the Agg canvas, never a display.  Every position and box comes from the
  layout, so what a test measures there is what is drawn.

Both write the same labels (:func:`~symgraph.export.text.edge_texts`,
:func:`~symgraph.export.text.legend`).  ``engine="auto"`` uses Graphviz when
``dot`` is on the PATH and matplotlib otherwise.  The numbers come from
:func:`~symgraph.export.label_values.resolve_labels`, shared with the text exports, so
``draw``, ``to_mermaid`` and ``to_dot`` take the same ``values=``, ``at=``,
``adjoints=`` and ``derivatives=``.

Size.  A PNG is at most :data:`MAX_PIXELS` a side: the resolution drops for
big drawings.  When a drawing would be shown at less than :data:`FOLD_DPI`,
its sums are folded into one node each if that makes it smaller; one that
would need less than :data:`MIN_DPI` to fit -- text too small to read -- is
refused with a :class:`~symgraph.errors.RenderError` saying what to do
instead, and so is a graph over :data:`MAX_NODES` nodes, before any layout.

Speed (``benchmarks/pictures.py``, 2 shared cores, best of 3, ranges over
runs): the 2-3-1 network draws in 0.7-1.3 s (layout 0.02 s), a 207-node
4-12-1 network in 2.2-3.3 s (3897 x 3968 px), and a 300-node sum is refused
in 0.3 s; Graphviz takes 0.6-2.5 s on the same graphs.  PNG text is drawn
as glyph outlines and the image saved with a 256-colour palette: as text
artists and RGBA the 207-node picture took 10-12 s.  Before this layout an
80-node sum took 7.6 s and made a 7850 x 9060 PNG.

Importing this module registers the ``"picture"`` service of
:mod:`symgraph.ir.hooks` (a Graph's SVG in Jupyter).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..options import checked_options
from ..errors import ArgumentError, RenderError, shown
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.hooks import provide
from .layout import Scene, arrange
from .files import write
from .label_values import resolve_labels
from .mermaid_dot import dot_text
from .text import EdgeLabel, NodeLabel, sum_chains, walk

FORMATS = ("png", "svg")
ENGINES = ("auto", "graphviz", "matplotlib")

#: Graphs with more nodes are refused before any layout: no picture of them is readable.
MAX_NODES = 400
#: Largest PNG side, pixels; the lowest resolution (dots per inch) at which text stays readable; and
#: the resolution below which sums are folded into one node each, when that makes the picture smaller.
MAX_PIXELS, MIN_DPI, FOLD_DPI = 4000, 50, 100
_GRAPHVIZ_PAD = 4 / 72  # inches: the margin Graphviz draws on each side of a picture (its pad, 4 points)
#: Colour of edges and arrowheads.
EDGE_COLOUR = "#444444"


@checked_options
def draw(graph: Any, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
         path: str | Path | None = None, format: str | None = None, *,
         at: Mapping[str, float] | None = None, derivatives: Mapping | bool | None = None,
         engine: str = "auto", dpi: int = 150, timeout: float = 60.0, **sizes: int) -> bytes | Path:
    """Render the graph as a PNG or SVG picture, with values, adjoints and local derivatives on the edges.

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
        Local edge derivatives ∂v/∂u (blue).  ``True`` gives numbers at ``at``,
        or sympy expressions in node symbols when there is no point.
    engine : {"auto", "graphviz", "matplotlib"}
        ``"auto"`` is Graphviz when its ``dot`` program is installed.
    dpi : int
        Resolution of PNG output; lowered so that no side exceeds ``MAX_PIXELS``.
    timeout : float
        Seconds Graphviz may take before a RenderError.
    **sizes : int
        The sizes text with indexed sums needs (``n=3``), as :func:`symgraph.parse` takes them.

    Returns
    -------
    bytes or Path
        The picture's bytes (a ``bytes`` that Jupyter shows as the picture, and ``.save(path)`` writes), or
        ``path`` once written.

    Raises
    ------
    RenderError
        Unknown format or engine, Graphviz missing or failing, graph too big to
        read (the message says what to draw or write instead).

    Examples
    --------
    Rendering needs Graphviz or matplotlib (optional), so these lines are not run as tests:

    >>> import symgraph as sg
    >>> png = sg.draw("p = x + y; g = p * z", at={"x": 1, "y": 3, "z": -3}, adjoints=True)  # doctest: +SKIP
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"  # doctest: +SKIP
    True
    """

    graph = as_graph(graph, **sizes)
    if path is not None and (not isinstance(path, (str, os.PathLike)) or str(path) == ""):
        raise ArgumentError(f"path= takes a file name such as 'graph.png', got {type(path).__name__} {shown(path)}")
    for what, number in (("dpi", dpi), ("timeout", timeout)):
        if isinstance(number, bool) or not isinstance(number, (int, float, np.number)) or not 0 < number < 1e300:
            # < 1e300: an infinite or 5,000-digit timeout reached the subprocess as an OverflowError
            raise ArgumentError(f"{what}= takes a positive number, got {type(number).__name__} {shown(number, 40)}")
    fmt = _format(path, format)
    if not isinstance(engine, str) or engine not in ENGINES:
        raise RenderError(f"unknown engine {shown(engine)}; choose one of {', '.join(ENGINES)}")
    if len(graph) > MAX_NODES:
        raise _too_big(f"graph has {len(graph):,} nodes; pictures are limited to {MAX_NODES:,}")
    values, adjoints, derivatives = resolve_labels(graph, values, adjoints, derivatives, at)
    if engine == "auto":
        engine = "graphviz" if shutil.which("dot") else "matplotlib"
    if engine == "graphviz":
        data = _graphviz_picture(graph, values, adjoints, derivatives, fmt, dpi, timeout)
    else:
        scene = picture(graph, values, adjoints, derivatives)
        width, height = scene.size
        data = _render_matplotlib(scene, fmt, min(dpi, int(MAX_PIXELS / max(width, height))))
    if path is None:
        return Picture(data)
    return write(path, data)


class Picture(bytes):
    """The bytes of a PNG or SVG picture, which Jupyter shows as the picture: a cell ending in
    ``sg.draw(g, at=...)`` printed tens of kilobytes of escaped bytes."""

    def _repr_png_(self) -> bytes | None:
        return bytes(self) if self.startswith(b"\x89PNG") else None

    def _repr_svg_(self) -> str | None:
        return None if self.startswith(b"\x89PNG") else self.decode("utf-8")

    @property
    def format(self) -> str:
        """``"png"`` or ``"svg"``: what the bytes are."""
        return "png" if self.startswith(b"\x89PNG") else "svg"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture to ``path`` and return the path, as ``Explorer.save`` writes a page; a suffix of
        another format (an SVG to ``g.png``) is an ArgumentError."""
        return write(path, bytes(self), self.format)

    def __repr__(self) -> str:
        """A line naming the picture: a notebook keeps the text form beside the image (and a terminal prints
        it), and the bytes' own repr was tens of kilobytes of escapes."""
        return f"<Picture: {self.format.upper()}, {len(self):,} bytes>"

    __str__ = __repr__


_INSTEAD = ("draw a smaller piece of it (an indexed model at n=2 or 3 shows its structure), "
            "or write it with to_dot/to_mermaid for a viewer that zooms")


def _too_big(problem: str) -> RenderError:
    """The refusal of a picture too big to read, with what to do instead; ``.problem`` is the refusal alone,
    for the command line to give its own advice (its options, not these Python functions)."""
    error = RenderError(f"{problem}: {_INSTEAD}")
    error.problem = problem
    return error


def picture(graph: Graph, values: Mapping | None = None, adjoints: Mapping | None = None,
            derivatives: Mapping | None = None) -> Scene:
    """The scene the matplotlib engine paints, labels resolved; refused when it cannot be read at MAX_PIXELS.

    When the whole graph would be drawn at less than FOLD_DPI, chains of
    additions (indexed sums) are folded into one node each
    (:func:`~symgraph.export.text.sum_chains`), and that picture is taken if
    it is smaller.

    Raises
    ------
    RenderError
        The drawing would be larger than ``MAX_PIXELS / MIN_DPI`` inches a side.
    """
    fold, scene = False, None
    for folding in (False, True):
        items = list(walk(graph, values, adjoints, derivatives, fold_sums=folding))
        candidate = arrange(graph, [item for item in items if isinstance(item, NodeLabel)],
                            [item for item in items if isinstance(item, EdgeLabel)])
        if scene is None or max(candidate.size) < max(scene.size):
            fold, scene = folding, candidate
        if max(scene.size) <= MAX_PIXELS / FOLD_DPI or not sum_chains(graph):
            break
    width, height = scene.size
    if max(width, height) > MAX_PIXELS / MIN_DPI:
        raise _too_big(f"the picture of this {len(graph)}-node graph would be {width:.0f} x {height:.0f} inches"
                       f"{' with its sums folded' if fold else ''}, too big to read within {MAX_PIXELS} pixels a side")
    return scene


def _format(path, format) -> str:
    """``format``, else ``path``'s suffix, else png; a known suffix must agree with ``format`` (an SVG written to
    ``g.png`` is a file no viewer opens as its name says), as the command line's ``-o`` and ``--format`` must."""
    suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
    if format is None:
        format = suffix or "png"
    if not isinstance(format, str):
        raise RenderError(f"unknown picture format {shown(format, 40)}; choose one of {', '.join(FORMATS)}")
    format = format.lower()
    if format not in FORMATS:
        raise RenderError(f"unknown picture format {shown(format, 40)}; choose one of {', '.join(FORMATS)}")
    if suffix in FORMATS and suffix != format:
        raise RenderError(f"format={format!r} disagrees with path={shown(str(path), 80)} (a .{suffix} file holds "
                          f"{suffix}): change one of them, or leave format= out")
    return format


# --------------------------------------------------------------------------- Graphviz

def _graphviz_picture(graph: Graph, values: Mapping | None, adjoints: Mapping | None, derivatives: Mapping | None,
                      fmt: str, dpi: int, timeout: float) -> bytes:
    """Graphviz's picture under :func:`picture`'s rule, on Graphviz's own layout: sums folded when the drawing
    would be shown at less than FOLD_DPI and that makes it smaller; refused when it needs less than MIN_DPI."""
    # With sums to fold, each drawing is laid out alone first and only the one kept is rendered: rendering a
    # large PNG is most of Graphviz's time, and the drawing left unfolded was rendered for nothing.
    foldable = bool(sum_chains(graph))
    layout_first = foldable or (fmt == "png" and dpi > MAX_PIXELS)  # see the dpi's rule below
    fold, best = False, None
    for folding in (False, True):
        text = dot_text(graph, list(walk(graph, values, adjoints, derivatives, fold_sums=folding)))
        data, size = _render_graphviz(text, None if layout_first else fmt, dpi, timeout)
        if best is None or max(size) < max(best[2]):
            fold, best = folding, (text, data, size)
        if max(best[2]) <= MAX_PIXELS / FOLD_DPI or not foldable:
            break
    text, data, (width, height) = best
    if max(width, height) > MAX_PIXELS / MIN_DPI:
        raise _too_big(f"the picture of this {len(graph)}-node graph would be {width:.0f} x {height:.0f} inches"
                       f"{' with its sums folded' if fold else ''}, too big to read within {MAX_PIXELS} pixels a side")
    if fmt == "png" and dpi > MAX_PIXELS:  # Graphviz's scaling down to a -Gsize under an inch overshoots
        # (dpi=5000: 4,028 pixels) or is ignored (dpi=10**6: 32,767 pixels, after 15 s): the dpi is lowered
        # instead, so that the drawing and its margin fit MAX_PIXELS unscaled, as the matplotlib engine's is
        dpi = min(dpi, int(MAX_PIXELS / (max(width, height) + 2 * _GRAPHVIZ_PAD)))
    return _render_graphviz(text, fmt, dpi, timeout)[0] if layout_first else data


def _render_graphviz(dot_text: str, fmt: str | None, dpi: int, timeout: float) -> tuple[bytes, tuple[float, float]]:
    """The picture's bytes (none for ``fmt=None``: the layout alone), and the drawing's size in inches before
    Graphviz scales it to MAX_PIXELS."""
    program = shutil.which("dot")
    if program is None:
        raise RenderError("Graphviz's 'dot' program is not installed; use engine='matplotlib'")
    side = MAX_PIXELS / dpi  # Graphviz scales a bigger drawing down to this many inches
    # -Tplain first: its text (ending in a "stop" line) gives the layout's size, then the picture's bytes follow
    command = [program, "-Tplain"] + ([f"-T{fmt}"] if fmt else []) + (
        [f"-Gdpi={dpi}", f"-Gsize={side:.2f},{side:.2f}"] if fmt == "png" else [])
    try:
        done = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz failed (exit {done.returncode}): {message}")
    plain, stop, picture_bytes = done.stdout.partition(b"\nstop\n")
    _, _, width, height = plain.split(b"\n", 1)[0].split()[:4]  # "graph SCALE WIDTH HEIGHT", unscaled inches
    return picture_bytes, (float(width), float(height))


# --------------------------------------------------------------------------- matplotlib

def _render_matplotlib(scene: Scene, fmt: str, dpi: int) -> bytes:
    """The scene as PNG or SVG bytes."""
    fig = _figure(scene, dpi, text_as_paths=fmt == "png")  # first: without matplotlib it says what to install
    import matplotlib

    buffer = io.BytesIO()
    if fmt == "svg":
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
        return buffer.getvalue()
    # A palette of 256 colours holds the picture's few colours and their anti-aliasing: a 4000 px
    # square encodes in 0.3 s instead of 2-4 s (RGBA, zlib level 6), a third of the size.
    from PIL import Image

    fig.canvas.draw()
    width, height = fig.canvas.get_width_height(physical=True)
    rgba = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    rgba.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", dpi=(dpi, dpi))
    return buffer.getvalue()


def _figure(scene: Scene, dpi: int, text_as_paths: bool = False):
    """Paint :func:`~symgraph.export.layout.arrange`'s scene on an Agg figure: geometry is the layout's alone.

    ``text_as_paths`` draws the text as glyph outlines in one collection
    (for PNG): a 200-node picture's 700 texts take 5 s as text artists, 0.3 s
    as outlines.  SVG keeps real text, searchable and selectable.
    """
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.collections import PatchCollection, PolyCollection
        from matplotlib.patches import Ellipse, PathPatch
        from matplotlib.path import Path as MplPath
    except ImportError:
        dot = " and is installed: choose the graphviz engine" if shutil.which("dot") else ""
        raise RenderError("drawing with matplotlib needs matplotlib, which is not installed (pip install matplotlib); "
                          f"Graphviz's 'dot' program draws too{dot}") from None

    left, right, bottom, top = scene.bounds
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(right - left, top - bottom), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.axis("off")
        # calls of the text's own functions, dashed, behind everything
        ax.add_collection(PolyCollection([outline for outline, _ in scene.calls], facecolor="none",
                                         edgecolor="#888888", linestyle="--", linewidth=1.0, zorder=0), autolim=False)
        paths = []
        for _, pieces in scene.edges:
            vertices, codes = [pieces[0][0]], [MplPath.MOVETO]
            for piece in pieces:
                vertices += piece[1:]
                codes += [MplPath.LINETO] if len(piece) == 2 else [MplPath.CURVE4] * 3
            paths.append(PathPatch(MplPath(vertices, codes)))
        # collections, not one patch each: adding patches one by one costs seconds on big graphs
        layers = [
            PatchCollection(paths, facecolor="none", edgecolor=EDGE_COLOUR, linewidth=1.1, zorder=1),
            PolyCollection(scene.arrows, facecolor=EDGE_COLOUR, edgecolor="none", zorder=1),
            PolyCollection([_corners(x, y, hw, hh) for _, (x, y), (kind, hw, hh) in scene.nodes if kind == "box"],
                           facecolor="#e8f0fb", edgecolor="black", linewidth=1.2, zorder=2),
            PolyCollection([_corners(x, y, hw, hh) for _, (x, y), (kind, hw, hh) in scene.nodes if kind == "bar"],
                           facecolor="#fdf6e3", edgecolor="black", linewidth=1.2, zorder=2),
            PatchCollection([Ellipse((x, y), 2 * hw, 2 * hh) for _, (x, y), (kind, hw, hh) in scene.nodes
                             if kind == "ellipse"], facecolor="#fdf6e3", edgecolor="black", linewidth=1.2, zorder=2),
            # labels and the legend hide the stretch of edge they sit on
            PolyCollection([_corners((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, (b.x1 - b.x0) / 2, (b.y1 - b.y0) / 2)
                            for b in scene.boxes if b.kind in ("label", "legend")],
                           facecolor="white", edgecolor=[(0.73, 0.73, 0.73, 1.0 if b.kind == "legend" else 0.0)
                                                         for b in scene.boxes if b.kind in ("label", "legend")],
                           linewidth=0.8, zorder=3),
        ]
        for layer in layers:
            ax.add_collection(layer, autolim=False)
        if text_as_paths:
            outlines = _outlines(scene.texts)
            ax.add_collection(PatchCollection([PathPatch(path) for path in outlines], facecolor=[
                text.colour for text in scene.texts], edgecolor="none", zorder=4), autolim=False)
        else:
            for text in scene.texts:
                ax.text(text.x, text.y, text.text, ha=text.align, va="center", color=text.colour,
                        fontsize=text.size, fontweight="bold" if text.bold else "normal", zorder=4)
    return fig


def _outlines(texts) -> list:
    """Each text's glyph outlines, in inches, placed as ``ax.text(..., va="center")`` would place it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath, TextToPath
    from matplotlib.transforms import Affine2D

    measure, shapes, out = TextToPath(), {}, []
    for text in texts:
        key = (text.text, text.size, text.bold)
        if key not in shapes:  # the same numbers recur on many edges
            prop = FontProperties(family="DejaVu Sans", weight="bold" if text.bold else "normal", size=text.size)
            width, height, descent = (v / 72 for v in measure.get_text_width_height_descent(text.text, prop, False))
            _, line, below = (v / 72 for v in measure.get_text_width_height_descent("lp", prop, False))
            path = TextPath((0, 0), text.text, size=text.size / 72, prop=prop)
            shapes[key] = (path, width, (line - 2 * below) / 2)
        path, width, lift = shapes[key]
        dx = text.x - (width / 2 if text.align == "center" else 0.0)
        out.append(path.transformed(Affine2D().translate(dx, text.y - lift)))
    return out


def _corners(x: float, y: float, hw: float, hh: float) -> list[tuple[float, float]]:
    return [(x - hw, y - hh), (x + hw, y - hh), (x + hw, y + hh), (x - hw, y + hh)]


def picture_or_none(graph: Graph) -> str | None:
    """The SVG text of ``graph`` for notebooks, or None when it is too big or nothing can render it."""
    if len(graph) > 200:
        return None
    try:
        return draw(graph, format="svg").decode("utf-8")
    except (RenderError, OSError, ImportError):
        return None


provide("picture", picture_or_none)  # a Graph's picture in Jupyter (symgraph.ir.hooks)
