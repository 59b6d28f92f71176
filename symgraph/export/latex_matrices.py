"""LaTeX of matrices: a Jacobian, or any sympy Matrix, as a ``pmatrix`` cut to a bounded size.

Apart from :mod:`~symgraph.export.latex` because a matrix has its own
bounds -- the first rows and columns, dots and the last (:data:`MATRIX_LIMIT`),
only the entries shown built -- which a Hessian's LaTeX uses too.
"""
from __future__ import annotations

from typing import Any

from .. import constants
from ..frontend.coerce import as_graph
from ..names import output_labels
from ..ir.program import Program
from .display import SHOW_LIMIT
from .latex_expressions import _listing_lines, _symbol, exact_form, listing_note, nested_deeper
from .latex_printer import LatexPrinter
from .notebook_latex import ALIGNED


#: A Hessian with more rows than this prints its first rows and columns, dots, and the last one
MATRIX_LIMIT = 10

#: ... and fewer when its entries pass this many characters of LaTeX (a 10 x 10 Hessian of entries of up to 200
#: operations each was 114 kB)
MATRIX_CHARS = 10_000


def _entry_forms(printer: "LatexPrinter", program: Any, expand: bool, large: list[str], counted: bool = True) -> Any:
    """``form(label, built=None)``: a matrix entry's LaTeX from its program result -- its closed form when
    small (or ``expand``; ``built()`` makes it when given, else the program's closed form), else its result's
    name, recorded in ``large``; every one not a constant is named so unless ``counted`` (its program is
    too long to count it for printing, :func:`~symgraph.export.display.printed_rows`)."""

    def form(label: str | None, built: Any = None) -> str:
        if label is None:
            return "0"
        ref = program.results[label]
        if not isinstance(ref, str):
            return printer.doprint(constants.closed_constant(ref))
        if expand or counted and (program.expanded_size(label) <= SHOW_LIMIT
                      and program.expanded_depth(label) <= constants.MAX_DEPTH):
            expr = program.closed_form(label) if built is None else built()
            return printer.doprint(exact_form(expr, program.instructions, ref, lambda name: _symbol(program, name)))
        large.append(label)
        return printer.doprint(_symbol(program, ref))

    return form


def _shown(count: int, limit: int | None) -> list[int]:
    """The rows (or columns) a matrix prints: all up to ``limit``, else the first ones and the last."""
    return list(range(count)) if limit is None or count <= limit else list(range(limit - 2)) + [count - 1]


def _pmatrix(rows: int, cols: int, cell: Any, limit: int | None = MATRIX_LIMIT) -> str:
    """A ``pmatrix`` of ``cell(i, j)`` texts, cut beyond ``limit`` rows or columns to the first ones, dots
    (``\\vdots``, ``\\cdots``, ``\\ddots``) and the last, so its size is bounded for any shape (None: every cell);
    past :data:`MATRIX_CHARS` characters, to fewer rows and columns (at least the first and the last)."""
    if not rows or not cols:  # an empty pmatrix is a pair of bare parentheses: say what it is, as a gradient does
        return rf"\text{{no entries: a }}{rows} \times {cols}\text{{ matrix}}"
    written: dict[tuple[int, int], str] = {}  # each cell written once, however many times the matrix is cut

    def text(i: int, j: int) -> str:
        if (i, j) not in written:
            written[i, j] = cell(i, j)
        return written[i, j]

    while True:
        shown_rows, shown_cols = _shown(rows, limit), _shown(cols, limit)
        cut_rows, cut_cols = len(shown_rows) < rows, len(shown_cols) < cols
        lines = []
        for i in shown_rows:
            row = [text(i, j) for j in shown_cols]
            if cut_cols:
                row.insert(-1, r"\cdots")
            lines.append(" & ".join(row))
        if cut_rows:
            dots = [r"\vdots"] * (len(shown_cols) - 1) + ([r"\ddots"] if cut_cols else []) + [r"\vdots"]
            lines.insert(-1, " & ".join(dots))
        latex = r"\begin{pmatrix}" + r"\\".join(lines) + r"\end{pmatrix}"
        if limit is None or limit <= 3 or sum(map(len, lines)) <= MATRIX_CHARS:
            return latex
        limit = max(3, min(limit, max(rows, cols)) - 2)


def matrix_latex(matrix: Any, expand: bool = False, limit: int | None = MATRIX_LIMIT, aligned: bool = False,
                 name: str | None = None, **settings: Any) -> str:
    """A Jacobian, or any sympy Matrix, as a ``pmatrix``: as sympy prints it up to ``limit`` rows and
    columns, else the first ones, dots and the last (a 1,000 x 1,000 Jacobian was 4 MB of LaTeX, 25 s);
    ``limit=None`` writes every entry.

    A matrix with a program (:func:`symgraph.jacobian`) is an equation, as a Hessian's
    ``\\nabla^2 f = ...`` and a gradient's lines are: ``\\frac{\\partial (f_1, f_2)}{\\partial (x, y)} =
    \\begin{pmatrix} ...`` (:func:`jacobian_head`; ``name`` the function's name, ``aligned`` an ``aligned``
    environment, its relation at ``&=``), and prints an entry too large to print at once as its
    result's name, defined by the assignments after the matrix (unless ``expand=True``).  A matrix
    sympy derived from one (``J.T``) has no program, and is a bare ``pmatrix`` as sympy's own.
    """
    printer = LatexPrinter(settings)
    printer.look_at(getattr(matrix, "graph", None), getattr(matrix, "wrt", ()))
    rows, cols = matrix.shape
    program, cells = getattr(matrix, "program", None), getattr(matrix, "cells", None)
    if program is None or cells is None or not rows or not cols:  # a matrix sympy made: its entries are all it has
        shown = [(i, j) for i in _shown(rows, limit) for j in _shown(cols, limit)]
        if any(nested_deeper(matrix[i, j], constants.MAX_DEPTH) for i, j in shown):
            # an entry nested deeper than sympy's printer recurses: the shown entries as one graph's outputs,
            # printed as a Jacobian's are (the deep ones named, defined by the assignments after the matrix)
            graph = as_graph([matrix[i, j] for i, j in shown])
            program = Program(graph.input_nodes, list(graph.rows()), {node: node for node in graph.outputs}, graph)
            nodes = dict(zip(shown, graph.outputs))
            cells = [[nodes.get((i, j)) for j in range(cols)] for i in range(rows)]
            return program_matrix_latex(program, cells, None, expand, limit, printer)
        if rows and cols and (limit is None or rows <= limit and cols <= limit):
            return printer.doprint(matrix)
        return _pmatrix(rows, cols, lambda i, j: printer.doprint(matrix[i, j]), limit)
    graph, wrt = getattr(matrix, "graph", None), getattr(matrix, "wrt", ())
    head = jacobian_head(printer, graph, wrt, name) if graph is not None and wrt else None
    return program_matrix_latex(program, cells, lambda i, j: lambda: matrix[i, j], expand, limit, printer, head,
                                aligned)


def jacobian_head(printer: "LatexPrinter", graph: Any, wrt: Any, name: str | None = None) -> str:
    """``\\frac{\\partial (f_{1}, f_{2})}{\\partial (x, y)}``: the Jacobian's outputs (by their labels, or
    ``name``) over its inputs, a tuple only of more than one, cut to the first two, dots and the last
    beyond four (a Jacobian of 1,000 residuals names three)."""
    def names(items: list) -> str:
        shown = [printer.name(n) for n in (items if len(items) <= 4 else [*items[:2], items[-1]])]
        if len(items) > 4:
            shown.insert(2, r"\dots")
        return shown[0] if len(items) == 1 else r"\left(" + ", ".join(shown) + r"\right)"
    outputs = [name] if name is not None else list(output_labels(graph))
    return rf"\frac{{\partial {names(outputs)}}}{{\partial {names(list(wrt))}}}"


def program_matrix_latex(program: Any, cells: list[list[str | None]], built: Any = None, expand: bool = False,
                         limit: int | None = MATRIX_LIMIT, printer: "LatexPrinter | None" = None,
                         head: str | None = None, aligned: bool = False) -> str:
    """The ``pmatrix`` of the program's results ``cells[i][j]`` (None: 0), cut beyond ``limit`` rows or
    columns; only the entries shown are built (``built(i, j)()`` when given, else the program's closed form),
    and one too large to print at once is its result's name, defined by the assignments after the matrix
    (unless ``expand=True``).  ``head``: the left-hand side of an equation (``aligned``: in an ``aligned``
    environment, as every result's lines can be)."""
    printer = printer or LatexPrinter({})
    if printer.graph is None:
        printer.graph = program.graph
    rows, cols = len(cells), len(cells[0]) if cells else 0
    shown = [cells[i][j] for i in _shown(rows, limit) for j in _shown(cols, limit)]
    program.measure(label for label in dict.fromkeys(shown) if label is not None)  # one pass for all shown
    large: list[str] = []
    form = _entry_forms(printer, program, expand, large)
    text = _pmatrix(rows, cols, lambda i, j: form(cells[i][j], None if built is None else built(i, j)), limit)
    large = list(dict.fromkeys(large))
    sep = " &= " if aligned else " = "
    lines = [text if head is None or not rows or not cols else head + sep + text,
             *(_listing_lines(printer, program, large, sep) if large else [])]
    note = "\n" + listing_note(program, large) if large else ""
    if not aligned:
        return "\n".join(lines) + note
    begin, between, close = ALIGNED
    return begin + between.join(lines) + close + note
