"""The explorer: one self-contained HTML page that steps through every way of taking a gradient.

``sg.explore(f, at=...)`` returns an :class:`Explorer`; its ``html`` is one
file with its script, style and SVG inline (no network), which Jupyter shows
inline and ``symgraph explore`` writes to disk.  Six walkthroughs share one
drawing of the graph (:func:`~symgraph.export.layout.spaced_layout`, with room for its texts): the
forward pass value by value, the local derivative on each edge, reverse
mode (adjoints accumulating, a shared node's sum term by term), forward
mode (one sweep per input), the path sum (path by path with its product)
and vertex elimination in Markowitz order, each with a running count of its
multiplications.

Where the page's content comes from:

* **Steps** are recorded from symgraph's own sweeps (:mod:`symgraph.ad.trace`),
  run as :func:`symgraph.compare` runs them, so a mode's count at its last
  step is compare's count exactly.
* **Numbers** are computed in the page: the function's values and every
  edge's local derivative form one :class:`~symgraph.ir.program.Program`,
  compiled to JavaScript (:mod:`symgraph.backends.javascript`); a reader who
  edits an input sees every value, tangent, adjoint, path product and
  fill-in recomputed from it along the recorded steps.
* **Residues** (``sin(pi)`` is 1.2e-16 in float64) are shown as 0: a value
  or local derivative within a few roundings of the magnitudes that produced
  it, by a running error bound over that same program
  (:mod:`symgraph.export.rounding`, compiled beside it as ``$rounding``).

The page's script and style live beside this module (``explore.js``,
``explore.css``) and are pasted into each page.  Graphs of more than
:data:`MAX_NODES` nodes are refused: a drawing that size cannot be read,
and forward mode's steps grow as nodes x inputs.
"""
from __future__ import annotations

import html
import math
import json
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .. import ops
from ..ad.linearised import Linearised, edge_derivative
from ..ad.trace import edge_list, walkthrough
from ..backends.javascript import javascript_source
from ..options import checked_options
from ..errors import ArgumentError, ExpressionTooLargeError, GraphError, counted, refusing, shown
from ..frontend.coerce import as_graph, present, unused_inputs, wrt_names
from ..ir.graph import Graph
from ..ir.listing import assignment
from ..names import drawn_captions, drawn_names, drawn_symbols, output_labels
from .files import write
from .display import expression_rows, grammar_text
from .layout import spaced_layout
from .rounding import rounding
from .text import op_label

#: the largest graph a page steps through (nodes); larger ones raise ExpressionTooLargeError
MAX_NODES = 250

#: pixels per inch of the layout (which works in inches)
SCALE = 72
#: room (inches) the page needs around a node: its circle, its name above, its value and adjoint below
NODE_ROOM = (1.4, 1.3)
#: room (inches) for the local derivative written on an edge
LABEL_ROOM = (0.7, 0.28)

_HERE = Path(__file__).resolve().parent
#: what a single-quoted attribute value must not hold as itself: its quote, the start of a character reference, and
#: '<' (no '<script>' in the notebook's HTML for a tool that looks for tags in text)
_SRCDOC_SAFE = str.maketrans({"&": "&amp;", "'": "&#39;", "<": "&lt;"})
#: the notebook frame's onload: the frame grows to its page whenever the page grows (a step's longer message, the
#: Jacobian table), as the page's own window would.  The height given is a guess: in an output 900 pixels wide the
#: panel wraps below the drawing, and the textbook page's step messages and tables were cut off below the frame.
#: The drawing's box is first held at the 80% of the frame's given height its style gives it, so growing the frame
#: does not grow a tall drawing's box, and the frame with it, to the drawing's whole height.  A frame not displayed
#: (an output collapsed, or in a notebook tab not shown) is measured when it is shown: laid out at no width, its
#: page is far taller than it will be.
_FIT_FRAME = ("try { const f = this, d = f.contentDocument;"
              " d.getElementById('drawing').style.maxHeight = Math.round(0.8 * parseFloat(f.style.height)) + 'px';"
              " new ResizeObserver(() => { if (!f.getClientRects().length) return;"
              " const h = d.documentElement.scrollHeight;"
              " if (h > f.clientHeight) f.style.height = h + 'px'; }).observe(d.body); } catch (error) {}")


class Explorer:
    """An explorer page: ``html`` is the whole file; Jupyter shows it inline.

    Examples
    --------
    >>> import symgraph as sg
    >>> page = sg.explore("(a+b)*(b+1)", at={"a": 2, "b": 1})
    >>> page
    <Explorer of (a+b)*(b+1): 5 nodes, 6 walkthroughs>
    >>> page.html.startswith("<!DOCTYPE html>")
    True
    """

    def __init__(self, html_text: str, title: str, nodes: int, height: int):
        self.html = refusing(html_text, "page.html", "; page.save(path) writes it to a file")  # called as methods,
        self.title = refusing(title, "page.title")  # these say to drop the ()
        self.nodes = refusing(nodes, "page.nodes")
        self.height = refusing(height, "page.height")

    @checked_options
    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path; a suffix of another format (``e.png``) is an
        ArgumentError."""
        return write(path, self.html, "html")

    def __repr__(self) -> str:
        # the title cut as the page cuts its formulas: a long program's whole text made a repr of thousands of characters
        return f"<Explorer of {_short(self.title, 80)}: {counted(self.nodes, 'node')}, 6 walkthroughs>"

    def _repr_html_(self) -> str:
        """The page in an iframe (its own document, so its script and style meet nothing of the notebook's).

        The srcdoc is quoted with ``'``, so ``"`` is not escaped: the page's data is JSON, whose every ``"``
        ``html.escape`` wrote as ``&quot;``, and a 30-term sum's page of 134 kB was shown as 253 kB.
        """
        return (f"<iframe srcdoc='{self.html.translate(_SRCDOC_SAFE)}' title=\"symgraph explorer\" "
                f'onload="{html.escape(_FIT_FRAME)}" '
                f'style="width: 100%; height: {self.height}px; border: 1px solid #ddd;"></iframe>')


@checked_options
def explore(f: Any, at: Mapping[str, Any] | None = None, wrt: Sequence[str] | str | None = None, *,
            title: str | None = None, allow_unused: bool = False, **sizes: int) -> Explorer:
    """An interactive page stepping through the forward pass and every derivative mode of ``f``.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        The function (several outputs are fine: reverse mode sweeps once per output).
    at : mapping name -> number, optional
        The point the page opens at (every input 1 when not given); the
        reader can change each input in the page.  An indexed input takes a
        list (``{"x": [1, 2, 3]}``) or its elements (``{"x[0]": 1, ...}``).
    wrt : list of names, optional
        The inputs to differentiate by (default: all).
    title : str, optional
        The heading (default: the text given, or the expression).

    Raises
    ------
    ParseError
        Text that does not parse.
    GraphError
        A bad point: an unknown or missing input, an array value, or a value that is not finite.
    ExpressionTooLargeError
        More than :data:`MAX_NODES` nodes.
    UnsupportedOpError
        A function registered from Python, which the page cannot compute.
    """
    graph = as_graph(f, **sizes)
    if not graph.outputs:  # an empty list of functions: no node to place, no step to take
        raise GraphError("explore() takes at least one function; this graph has no output (an empty list of "
                         "functions has none)")
    if len(graph.order) > MAX_NODES:
        problem = (f"the graph has {len(graph.order):,} nodes; explore steps through graphs of at most {MAX_NODES} "
                   "(a larger drawing cannot be read)")
        error = ExpressionTooLargeError(f"{problem}: use sg.compare for the counts and sg.grad for the derivatives")
        error.problem = problem  # without the advice, which names Python calls: the command line gives its own
        raise error
    names = wrt_names(graph, wrt, allow_unused)
    unused = set(unused_inputs(graph, names))  # wrt names f lacks: a value given them is not used, as in .at()
    if unused and isinstance(at, Mapping):
        at = {k: v for k, v in at.items() if k not in unused}
    point = {x: 1.0 for x in graph.input_nodes} if at is None else graph.one_point(at, "explore")
    for x, label in zip(graph.input_nodes, graph.input_labels):  # as --at on the command line, and the page's fields
        if not math.isfinite(point[x]):
            raise GraphError(f"explore(at=...): {label} = {point[x]} is not a finite number; the page steps "
                             "through a point of finite numbers")
    if title is not None and not isinstance(title, str):
        raise ArgumentError(f"title= takes text, got {type(title).__name__} {shown(title)}")
    if title is None:
        count = len(graph.outputs)
        title = text_heading(f, count) if isinstance(f, str) else heading(
            (_formula(graph, y, name, count > 1) for y, name in zip(graph.outputs, output_labels(graph))), count)
    title = "; ".join(filter(None, map(str.strip, title.splitlines())))  # a heading is one line
    data, source, height = page_data(graph, names, point, title)
    return Explorer(page_html(data, source, title), " ".join(title.split()), len(graph.order), height)


def page_data(graph: Graph, wrt: Sequence[str], point: Mapping[str, float], title: str
              ) -> tuple[dict, str, int]:
    """``(data, JavaScript of the values, height in pixels)``: everything the page script reads.

    The JavaScript function ``$values(inputs...)`` returns every node's value
    (in ``data["nodes"]`` order) followed by every edge's local derivative
    (in ``data["edges"]`` order).
    """
    edges = edge_list(graph)
    lin = Linearised(graph)
    locals_ = {edge: lin.local(*edge) for edge in edges}
    results = {node: node for node in graph.order}
    results.update({f"{u}->{v}": ref for (u, v), ref in locals_.items()})
    program = lin.emitter.program(graph.input_nodes, results)
    rounding_source, residues = rounding(program)
    source = javascript_source(program, "$values") + "\n" + rounding_source

    pos, bends, centres = spaced_layout(graph, NODE_ROOM, LABEL_ROOM)
    xs = [x for x, _ in pos.values()] + [x for b in bends.values() for x, _ in b]
    ys = [y for _, y in pos.values()] + [y for b in bends.values() for _, y in b]
    left, top = min(xs), max(ys)

    def px(point_):
        return [round((point_[0] - left) * SCALE + 60, 1), round((top - point_[1]) * SCALE + 50, 1)]

    # an output is called what the rest of the library calls it (f, or f1, f2, ... by position, as the Jacobian's
    # rows and sg.jacobian's LaTeX); formulas name a node by one label, its first output's (drawn_names, as every
    # picture), and the drawing writes every name it has: f1, f3 for the node that is outputs 1 and 3 of
    # ["x*y", "x+y", "x*y"], c, d for the alias d of c = a*b; d = c
    labels, captions = drawn_names(graph), drawn_captions(graph)
    outputs = output_labels(graph)
    nodes = []
    for node in graph.order:
        op = graph.op_of[node]
        kind = "input" if op == "input" else "const" if op == "const" else "op"
        label = labels.get(node, node)
        glyph = label if kind == "input" else op_label(graph, node, names=labels).split(": ", 1)[-1]
        definition = (f"{label} (input)" if kind == "input"
                      else assignment(label, op, graph.operands_of[node], labels).replace("**", "^"))
        names = captions.get(node, node)
        nodes.append({"name": node, "label": label, "names": names, "caption": _short(names, 16), "kind": kind,
                      "glyph": _middle_cut(glyph.replace("*", "×")),
                      "def": definition, "condition": op in ops.CONDITIONS, "xy": px(pos[node])})
    # formulas are in node symbols; an unnamed output's (v3) is written as the page calls it (f)
    renamed = drawn_symbols(graph)
    edge_rows = []
    for u, v in edges:
        formula = grammar_text(edge_derivative(graph, u, v).xreplace(renamed))
        edge_rows.append({"u": u, "v": v, "formula": formula, "zero": bool(lin.is_zero(locals_[u, v])),
                          "branch": graph.op_of[v] == "where" and u in graph.operands_of[v][1:],
                          "bends": [px(b) for b in bends.get((u, v), [])],
                          "at": px(centres[u, v]) if (u, v) in centres else None})
    modes = walkthrough(graph, wrt)
    width = max(p[0] for n in nodes for p in [n["xy"]]) + 120
    height = max(p[1] for n in nodes for p in [n["xy"]]) + 90
    data = {
        "title": title,
        "inputs": [{"name": x, "label": labels.get(x, x), "value": point[x]} for x in graph.input_nodes],
        "outputs": list(graph.outputs),
        "output_labels": list(outputs),
        "wrt": present(graph, wrt),
        "nodes": nodes,
        "edges": edge_rows,
        "modes": modes,
        "rounding": residues,
        "size": [width, height],
    }
    return data, source, int(max(560, min(height, 900) + 330))


#: a heading built from the text or the formulas writes at most this many characters per output (and per part)
HEADING_CHARS = 80


def heading(parts: Iterable[str], outputs: int = 1) -> str:
    """One heading line from its parts (a program's lines, or each output's formula) joined by '; ': each part
    cut to :data:`HEADING_CHARS` characters, and the whole to as many per output.

    The one cut of every heading built for the reader: one from the text was never cut (a 40-term sum
    wrapped over 8 lines) while one from formulas was cut at 80 characters per output."""
    joined = "; ".join(_short(part, HEADING_CHARS) for part in parts)
    return _short(joined, (HEADING_CHARS + 2) * max(outputs, 1) - 2)


def text_heading(text: str, outputs: int = 1) -> str:
    """A program's text as one heading line (:func:`heading`): its lines joined by '; ', without comments and
    blank lines (the page's heading is one line, where 'c = a + b' and 'd = b + 1' on two lines would run
    together); ``outputs``: how many the program has."""
    return heading(filter(None, (line.split("#", 1)[0].strip() for line in text.splitlines())), outputs)


def _formula(graph: Graph, node: str, name: str, named: bool) -> str:
    """An output in a heading: its formula when it prints as one, else its name alone (not its listing), in the
    grammar's notation as the page's node definitions and edge formulas (the heading said ``x**y``, ``Max(x, y)``)."""
    if not expression_rows(graph, node)[1]:
        return name
    formula = grammar_text(graph.expr(node))
    return f"{name} = {formula}" if named and formula != name else formula


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _middle_cut(text: str) -> str:
    """A name in a node, at most 9 characters: its start and its end, which tell x_position_1 from x_position_2
    (the page script's ``short`` cuts the names written under nodes alike)."""
    return text if len(text) <= 9 else text[:4] + "…" + text[-4:]


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def page_html(data: dict, values_source: str, title: str) -> str:
    """The whole page: data, the generated values function, the page script and style, inline."""
    script = (_HERE / "explore.js").read_text(encoding="utf-8")
    style = (_HERE / "explore.css").read_text(encoding="utf-8")
    # '<', '>' and '&' as JSON escapes (as Django's json_script): '</' alone was escaped, but a '<!--' and
    # a '<script' in the text (a comment may hold anything) keep a script element open past its '</script>'
    payload = json.dumps(data, separators=(",", ":")).translate(_SCRIPT_SAFE)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>symgraph explorer: {html.escape(title)}</title>
<style>
{style}
</style>
</head>
<body>
<div id="app"></div>
<script>
const DATA = {payload};
{values_source}
</script>
<script>
{script}
</script>
</body>
</html>
"""
