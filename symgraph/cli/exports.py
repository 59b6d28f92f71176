"""The subcommands that show the graph: ``graph`` (Mermaid, DOT, PNG, SVG), ``explore``, ``latex`` and ``demo``.

One ``cmd_*`` function per subcommand, called by :func:`symgraph.cli.main`
with the parsed arguments; each writes its answer to ``out`` or to ``-o FILE``.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from ..ad.linearised import annotate_edges
from ..compare import compare
from ..derive import grad
from ..errors import ExpressionTooLargeError, shown
from ..export.draw import draw
from ..export.explore import explore, text_heading
from ..export.files import SUFFIXES, write
from ..export.label_values import edge_derivatives, node_adjoints, resolve_labels
from ..export.latex_expressions import expression_latex
from ..export.mermaid_dot import to_dot, to_mermaid
from ..frontend.parse import parse
from .inputs import UsageError, _graph, parse_text, read_expr
from .points import _point
from .printing import ENTRY_LINES, _aligned


TEXTBOOK = "c = a + b\nd = b + 1\ne = c * d"


FORMATS = ("mermaid", "dot", "png", "svg")


def cmd_graph(args, out: TextIO) -> None:
    graph = _graph(args)
    fmt = _output_format(args.format, _file(args.output))
    point = _point(args, graph)
    if args.grad and point is None:
        raise UsageError("--grad needs a point: add --at NAME=VALUE ...")
    if fmt == "png" and args.output is None:  # before the drawing, which takes a while
        raise UsageError("a PNG picture needs an output file: add -o FILE.png")
    if fmt in ("mermaid", "dot") and args.engine is not None:  # it was ignored: the text came out as if unasked
        raise UsageError(f"--engine chooses how a picture is drawn (--format png or svg); {fmt} is text, written "
                         f"without one: leave --engine out, or ask for a picture")
    if fmt in ("png", "svg") and args.engine == "graphviz" and shutil.which("dot") is None:
        raise UsageError("Graphviz's 'dot' program is not installed: use --engine matplotlib (or install Graphviz)")
    with np.errstate(all="ignore"):
        values, adjoints, derivatives = resolve_labels(graph, None, args.grad or None, args.derivatives or None,
                                                       point)
    if fmt in ("mermaid", "dot"):
        text = (to_mermaid if fmt == "mermaid" else to_dot)(graph, values, adjoints, derivatives) + "\n"
        if _file(args.output):
            write(args.output, text)
        else:
            out.write(text)
        return
    data = draw(graph, values, adjoints, format=fmt, derivatives=derivatives, engine=args.engine or "auto")
    if _file(args.output):
        write(args.output, data)
    elif fmt == "png":  # -o -: the bytes themselves, for a pipe
        if getattr(out, "buffer", None) is None:
            raise UsageError("a PNG picture needs an output file or a byte stream: add -o FILE.png")
        out.flush()
        out.buffer.write(data)
    else:
        out.write(data.decode("utf-8"))


def cmd_explore(args, out: TextIO) -> None:
    """The explorer page, written to -o FILE (or standard output), headed by its text as sg.explore heads it:
    EXPR itself, or what a file or standard input held (a program from @FILE was headed by its formula alone)."""
    text = read_expr(args.expr)
    graph = parse_text(text, getattr(args, "size", None))
    point = _point(args, graph)
    title = text_heading(text, len(graph.outputs))
    try:
        page = explore(graph, at=point, wrt=args.wrt, title=title, allow_unused=args.allow_unused)
    except ExpressionTooLargeError as error:  # the library's advice names Python calls
        raise UsageError(f"{error.problem}: symgraph compare gives the counts and symgraph grad the "
                         "derivatives") from None
    if _file(args.output) is not None:
        path = _output_path(args.output)
        if path.is_dir():
            raise UsageError(f"-o {args.output} is a directory: name a file in it, e.g. {path / 'page.html'}")
        page.save(path)
    elif args.output is None and _is_terminal(out):  # tens of kilobytes of HTML scrolled past, unread
        raise UsageError("the page is an HTML file to open in a browser: write it with -o page.html "
                         "(-o - prints it here)")
    else:
        out.write(page.html)


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _file(output: str | None) -> str | None:
    """The file -o names: None for none, and for '-', standard output (as EXPR '-' is standard input)."""
    return None if output == "-" else output


def _output_path(output: str) -> Path:
    """``-o FILE`` as a path; an empty name (``-o ""``, which Path reads as the current directory) is refused."""
    if not output.strip():
        raise UsageError("-o needs a file name, got an empty one")
    return Path(output)


def _output_format(format: str | None, output: str | None) -> str:
    """--format, else the format of -o's suffix, else mermaid; a known suffix must agree with --format."""
    if output is None:
        return format or "mermaid"
    path = _output_path(output)
    if path.is_dir():
        raise UsageError(f"-o {output} is a directory: name a file in it, e.g. {path / 'graph.svg'}")
    suffix = path.suffix.lower()
    implied = SUFFIXES.get(suffix)
    if format is None:
        if implied not in FORMATS:  # no suffix, an unknown one, or a page's (.html: explore writes those)
            source = repr(suffix) if suffix else f"{shown(output)}, a name without a suffix"
            raise UsageError(f"cannot tell the format from {source}: add --format {'|'.join(FORMATS)}")
        return implied
    if implied is not None and implied != format:
        raise UsageError(f"--format {format} disagrees with -o {output} (a {suffix} file holds {implied}): "
                         f"change one of them")
    return format


def cmd_latex(args, out: TextIO) -> None:
    graph = _graph(args)
    if args.wrt is None:
        if args.aligned:
            raise UsageError("--aligned lines up the partial derivatives: it needs --wrt NAME ...")
        print(expression_latex(graph, expand=args.expand), file=out)
        return
    gradient = grad(graph, wrt=args.wrt, simplify=args.simplify, allow_unused=args.allow_unused)
    print(gradient.latex(aligned=args.aligned, expand=args.expand, limit=ENTRY_LINES), file=out)


def cmd_demo(args, out: TextIO) -> None:
    demo(out)


def demo(out: TextIO | None = None) -> None:
    """The textbook graph e = (a+b)*(b+1): program, values, edge derivatives, gradient, cost table."""

    out = out or sys.stdout
    g = annotate_edges(parse(TEXTBOOK))
    at = {"a": 2, "b": 1}
    print("The textbook graph e = (a+b)*(b+1), as a program:", file=out)
    for node in g.order:
        if g.op(node) != "input":
            print(f"  {node} = {g.node_expr(node)}", file=out)
    values = g.evaluate(**at)
    print("\nForward values at a=2, b=1:", file=out)
    for node in g.order:
        print(f"  {node} = {values[node]:g}", file=out)
    print("\nLocal derivative on each edge (d child / d parent), and its value at a=2, b=1:", file=out)
    numbers = edge_derivatives(g, **at)
    for u, v, data in g.nx.edges(data=True):
        print(f"  d{v}/d{u} = {data['derivative']}    = {numbers[u, v]:g}", file=out)
    print("\nAdjoints (de/dnode), one reverse sweep from e back to the inputs:", file=out)
    adjoints = node_adjoints(g, **at)
    for node in reversed(g.order):
        print(f"  de/d{node} = {adjoints[node]:g}", file=out)
    gradient = grad(g, wrt=["a", "b"])
    point = gradient.at(**at)
    print("\nGradient by reverse mode (one sweep):", file=out)
    rows = [(f"de/d{name}", str(expr)) for name, expr in gradient.items()]
    for line in _aligned(rows, [f"{point[name]:g} at a=2, b=1" for name in gradient.wrt]):
        print("  " + line, file=out)
    print("\nDerivative program (shared values named once):", file=out)
    print("  " + str(gradient.program).replace("\n", "\n  "), file=out)
    print("\nWhat each mode costs on this graph:", file=out)
    print("  " + str(compare(g)).replace("\n", "\n  "), file=out)
    print("\nDraw it: symgraph graph \"c = a + b; d = b + 1; e = c * d\" --at a=2 b=1 --grad "
          "--format png -o textbook.png", file=out)
    print("Step through every mode in a browser: symgraph explore \"c = a + b; d = b + 1; e = c * d\" "
          "--at a=2 b=1 -o textbook.html", file=out)
