"""LaTeX export: gradients as partial-derivative equations, Hessians, graphs' edge derivatives, and
:func:`to_latex`, which picks the writer for what it is given.

The printer is :mod:`~symgraph.export.latex_printer`'s; a single expression's
LaTeX (and the assignments that stand for a result too large for one formula)
is :mod:`~symgraph.export.latex_expressions`', a matrix's
:mod:`~symgraph.export.latex_matrices`'.

No two different things print alike.  One function writes every name, :func:`~.latex_printer.typeset`: one
of several letters is one upright word, ``\\mathrm{ab}``, as MathML and MathJax set it (sympy's ``ab`` is LaTeX's
product ``a b``: ``ab + a*b`` printed ``a b + ab``; ``\\mathit{ab}`` still looks like ``a b``; the printer's
docstring says more).  A constant beyond float64, oo in closed forms, is its expression (``x^{10^{10000000000}}``).

Examples
--------
>>> import symgraph as sg
>>> print(sg.grad("c = a + b; d = b + 1; e = c * d").latex())
\\frac{\\partial e}{\\partial a} = b + 1
\\frac{\\partial e}{\\partial b} = a + 2 b + 1
"""
from __future__ import annotations

import numbers
from itertools import islice
from typing import Any, Mapping

import numpy as np
import sympy

from .. import constants
from ..options import checked_options
from ..errors import ArgumentError, shown
from ..ir.graph import Graph
from ..names import drawn_names, drawn_symbols, function_name, is_identifier, output_labels  # noqa: F401 - callers import function_name from here
from ..frontend.parse import parse
from ..ad.linearised import edge_derivative
from ..ir import interpret
from ..ir.liveness import live_instructions
from .display import LISTING_LINES, SHOW_LIMIT, printed_rows
from .latex_expressions import (_first_and_last, _listing_lines, _symbol, exact_form, expression_latex,
                                listing_note, sympy_latex)
from .latex_matrices import _entry_forms, _pmatrix, matrix_latex
from .latex_printer import LatexPrinter
from .notebook_latex import ALIGNED


#: Entry lines a Hessian prints (``entries=True``, or a sparse one's nonzeros) before one line counts the rest
ENTRY_LINES = 36


def node_forms(program: Any, limit: int | None = None, labels: Any = None) -> dict[str, sympy.Expr | None]:
    """The results ``labels`` (default: all) in node symbols: graph intermediates stay atoms (``c + d``, not
    ``a + 2b + 1``).

    A result whose form (counted first, never built) has more than ``limit``
    operations or is nested deeper than sympy can handle maps to None.  Only
    the rows outside the graph that these results read are counted and built.
    """
    nodes = program.graph.op_of if program.graph is not None else {}
    refs = {label: program.results[label] for label in (program.results if labels is None else labels)}
    rows = live_instructions(reversed(program.instructions), refs.values(), leaves=nodes)  # graph nodes: atoms
    shape = interpret.shapes(rows, atoms=nodes)
    small = {label: ref for label, ref in refs.items()
             if not isinstance(ref, str) or (limit is None or shape.get(ref, (0, 0))[0] <= limit)
             and shape.get(ref, (0, 0))[1] <= constants.MAX_DEPTH}
    rows = live_instructions(reversed(rows), small.values(), leaves=nodes)
    leaf = lambda name: _symbol(program, name)  # noqa: E731 - graph nodes stay atoms
    env = interpret.forms(rows, {}, leaf, set(small.values()))
    return {label: ((env[ref] if ref in env else leaf(ref)) if isinstance(ref, str) else constants.closed_constant(ref))
            if label in small else None for label, ref in refs.items()}


def _where(printer: "LatexPrinter", graph: Graph, exprs: list, sep: str) -> list[str]:
    """Definitions of the generated intermediates (``v_{3} = \\sin(x)``) the printed formulas use, cut to the
    first and last :data:`LISTING_LINES` (a long chain's formulas read every node of the chain)."""
    op_of, user_names = graph.op_of, graph.user_names
    defined = lambda name: op_of.get(name, "input") != "input" and name not in user_names  # noqa: E731
    used: set[str] = set()  # an element x_0 is an input (printed x_{0}), no definition: it read x_{0} = x_{0}
    stack = [s.name for e in exprs for s in e.free_symbols if defined(s.name)]
    while stack:
        node = stack.pop()
        if node in used:
            continue
        used.add(node)
        stack.extend(a for a in graph.operands(node) if isinstance(a, str) and defined(a))
    shown, cut = _first_and_last([v for v in graph.order if v in used], LISTING_LINES)
    lines = [rf"\text{{where }} {printer.name(v)}{sep}"
             rf"{printer.doprint(exact_form(graph.node_expr(v), graph.rows(), v, graph.symbol))}" for v in shown]
    if cut:
        lines.insert(LISTING_LINES // 2, rf"\text{{\dots {cut:,} more definitions}}")
    return lines


def _finish(printer: "LatexPrinter", program: Any, lines: list[str], large: list[str], sep: str,
            aligned: bool, rows: list | None = None) -> str:
    """The entry lines, the let-listing of the ``large`` entries and the note on expanding them, aligned or not:
    the tail every derivative's LaTeX shares (``rows``: as :func:`_unread` found them, or None)."""
    if large:
        lines = lines + _listing_lines(printer, program, large, sep, rows=rows)
    note = "\n" + listing_note(program, large, counted=rows is None) if large else ""
    if not aligned:
        return "\n".join(lines) + note
    begin, sep, close = ALIGNED
    return begin + sep.join(lines) + close + note


def _unread(program: Any, labels: list[str], whole: bool) -> list | None:
    """The last rows of the program ``labels`` read, when it is too long to read them all for printing
    (:func:`~symgraph.export.display.printed_rows`): then every entry is written as its name, uncounted,
    before those rows (else None: counted as usual; always when the caller asks for the ``whole``).
    A gradient's LaTeX at n = 100,000 counted every row of its program, 5 s."""
    if whole:
        return None
    rows, read = printed_rows(program, labels)
    return None if read else rows


def _check_limit(limit: Any, what: str) -> None:
    """``limit=`` of the LaTeX writers: a count, or None for all (a negative one would slice from the end)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0):
        raise ArgumentError(f"limit= takes the most {what} to write (a non-negative integer, or None: every one), "
                            f"got {type(limit).__name__} {shown(limit, 40)}")


def _named(name: Any) -> str | None:
    """``name=`` of the LaTeX methods: the function's name in the fractions, as text (or None: the graph's)."""
    if name is not None and not isinstance(name, str):
        raise ArgumentError(f"name= takes the function's name as text, such as 'L', got {type(name).__name__} {shown(name, 40)}")
    if name is not None and not is_identifier(name):  # written as a name is (LatexPrinter._print_Symbol), not as LaTeX
        raise ArgumentError(f"name= takes the function's name, an identifier such as 'L' or 'loss' (ASCII letters, "
                            f"digits and '_'), got {shown(name, 40)}")
    return name


#: the left-hand side of each line of :func:`derivative_latex`, by the kind of result: ``(printer, name, label)``
#: -> LaTeX, where ``name`` is the function's (a gradient) or the matrix's (a directional derivative)
HEADS = {
    "gradient": lambda printer, f, label: printer.partial(f, label),
    "jvp": lambda printer, m, label: rf"\left({printer.name(m)} v\right)_{{{printer.name(label)}}}",
    "vjp": lambda printer, m, label: rf"\left(w^{{\top}} {printer.name(m)}\right)_{{{printer.name(label)}}}",
    "hvp": lambda printer, m, label: rf"\left({printer.name(m)} v\right)_{{{printer.name(label)}}}",
}

#: what a directional derivative's lines call its matrix unless ``name=`` says otherwise
MATRIX_NAMES = {"jvp": "J", "vjp": "J", "hvp": "H"}


def derivative_latex(result: Any, aligned: bool = False, name: str | None = None, nodes: bool = False,
                     expand: bool = False, limit: int | None = ENTRY_LINES, kind: str = "gradient",
                     **settings: Any) -> str:
    """LaTeX for a derivative mapping: one ``\\frac{\\partial f}{\\partial x} = ...`` per entry of a
    :class:`~symgraph.derivative_map.Gradient`; for a :class:`~symgraph.directional.Directional` one
    ``\\left(J v\\right)_{y} = ...`` per output (``kind="jvp"``), ``\\left(w^{\\top} J\\right)_{x} = ...``
    per wrt name (``kind="vjp"``) or ``\\left(H v\\right)_{x} = ...`` (``kind="hvp"``).

    One writer for every derivative mapping, so that each gets the same
    bounds (entries, large closed forms as their program) and options.

    Parameters
    ----------
    result : Gradient or Directional
    aligned : bool
        Wrap the lines in an ``aligned`` environment (``&=`` and ``\\\\``);
        otherwise they are joined by newlines, one equation per line.
    name : str, optional
        A gradient's function name in the fractions (default: the output
        node's name, or ``f`` when the graph invented it); a directional
        derivative's matrix (default ``J``, ``H`` for a Hessian-vector product).
    nodes : bool
        Write the derivatives in node symbols (``c + d``), keeping the graph's
        intermediates as atoms, instead of in the inputs; intermediates the
        graph named itself (``v3``) are defined after the equations.
    expand : bool
        Print every closed form, however large.  By default a closed form
        too large to print at once is written as the program's result name
        followed by the assignments it needs (cut to a few dozen lines), so
        LaTeX output is bounded in time.
    limit : int or None
        Write at most this many entries (default :data:`ENTRY_LINES`) and one
        line counting the rest, so that a gradient of thousands of inputs
        prints in bounded time (sympy writes about a thousand entries a
        second); None writes every entry.
    kind : {"gradient", "jvp", "vjp", "hvp"}
        The left-hand sides (:data:`HEADS`).
    """

    _check_limit(limit, "entries")
    printer = LatexPrinter(settings)
    printer.look_at(result.graph, result.labels)
    head = HEADS[kind]
    f = _named(name) or MATRIX_NAMES.get(kind) or function_name(result.graph)
    sep = " &= " if aligned else " = "
    labels = result.labels
    wrt = list(labels if limit is None else labels[:limit])
    program = result.program
    # built and simplified together, as repr and the command line print them (DerivativeMap.printed_exprs)
    unread = None if nodes else _unread(program, wrt, expand or limit is None)  # limit=None asks for every entry
    if nodes:
        forms = node_forms(program, None if expand else SHOW_LIMIT, wrt)
    else:
        forms = result.printed_exprs(wrt, expand) if unread is None else {
            x: None if program.results[x].__class__ is str else constants.closed_constant(program.results[x]) for x in wrt}
    lines, printed, large = [], [], []
    leaf, leaves = (lambda name: _symbol(program, name)), (program.graph.op_of if nodes and program.graph else ())
    for x in wrt:
        expr = exact_form(forms[x], program.instructions, program.results[x], leaf, leaves)
        if expr is None:
            large.append(x)
            ref = program.results[x]
            expr = _symbol(program, ref)
        printed.append(expr)
        lines.append(head(printer, f, x) + sep + printer.doprint(expr))
    if not labels:  # an empty aligned block held a blank line, which stops LaTeX ("Missing $ inserted")
        lines.append(r"\text{no entries: nothing to differentiate with respect to}")
    if len(wrt) < len(labels):
        rest = len(labels) - len(wrt)
        lines.append(rf"\text{{\dots {rest:,} more entr{'y' if rest == 1 else 'ies'}}}")
    if nodes and result.graph is not None:
        lines += _where(printer, result.graph, printed, sep)
    return _finish(printer, program, lines, large, sep, aligned, unread)


def hessian_latex(matrix: Any, aligned: bool = False, name: str | None = None, entries: bool = False,
                  expand: bool = False, **settings: Any) -> str:
    """LaTeX for a Hessian from :func:`symgraph.hessian`: ``\\nabla^2 f = \\begin{pmatrix} ... \\end{pmatrix}``.

    A dense Hessian (a ``DerivativeMatrix``) prints as a ``pmatrix`` (more
    than :data:`~symgraph.export.latex_matrices.MATRIX_LIMIT` rows: the first ones, dots, and the
    last), and with ``entries=True`` one ``\\frac{\\partial^2 f}{\\partial x \\partial y} = ...``
    line per entry on and above the diagonal.  A sparse one (a
    ``SparseDerivative``) prints its size and its structural nonzeros on and
    above the diagonal as such lines.  Entry lines stop after
    :data:`ENTRY_LINES` with one line counting the rest, so the output stays
    bounded for any n.  As in :func:`derivative_latex`, an entry too large to
    print at once is its program's result name, defined by the assignments
    after the equations (unless ``expand=True``); an indexed input prints as a
    subscript (``x_{0}``); ``name`` overrides the function's name (default:
    :func:`function_name` of the graph the Hessian was taken of).
    """
    printer = LatexPrinter(settings)
    graph = getattr(matrix, "graph", None)
    printer.look_at(graph, matrix.wrt)
    f = _named(name) or (function_name(graph) if graph is not None else "f")
    sep = " &= " if aligned else " = "
    program = matrix.program
    large: list[str] = []
    form = _entry_forms(printer, program, expand, large)
    names = list(matrix.wrt)
    n = len(names)
    nabla = rf"\nabla^2 {printer.name(f)}"
    lines: list[str] = []
    pairs: list[tuple[int, int, str | None, Any]] = []  # (i, j, label, closed form already built or None)
    if hasattr(matrix, "pattern"):
        pattern = matrix.pattern
        upper = (pattern.nnz + int(pattern.diagonal().astype(bool).sum())) // 2
        # \mathbf, not amssymb's \mathbb: the LaTeX compiles with amsmath alone, as every other result's does
        lines.append(rf"{nabla} \in \mathbf{{R}}^{{{n} \times {n}}}\text{{: {pattern.nnz:,} structural "
                     rf"nonzero{'' if pattern.nnz == 1 else 's'}, {upper:,} on and above the diagonal}}")
        for i in range(n):
            for k in range(pattern.indptr[i], pattern.indptr[i + 1]):
                j = int(pattern.indices[k])
                if j >= i and len(pairs) < ENTRY_LINES:  # built as S[i, j] is: simplified as simplify= says
                    pairs.append((i, j, matrix.labels[k], lambda label=matrix.labels[k]: matrix._form(label)))
            if len(pairs) >= ENTRY_LINES:
                break
        total = upper
    else:
        lines.append(nabla + sep + _pmatrix(n, n, lambda i, j: form(matrix.cells[i][j], lambda: matrix[i, j])))
        if entries:  # the first ENTRY_LINES pairs on and above the diagonal, without listing all n(n+1)/2 first
            upper = ((i, j) for i in range(n) for j in range(i, n))
            pairs = [(i, j, matrix.cells[i][j], lambda i=i, j=j: matrix[i, j]) for i, j in islice(upper, ENTRY_LINES)]
        total = n * (n + 1) // 2 if entries else 0
    program.measure(label for label in dict.fromkeys(p[2] for p in pairs) if label is not None)  # one pass
    if not expand:
        program.closed_forms([p[2] for p in pairs if p[3] is None and p[2] is not None and program.expanded_size(p[2])
                              <= SHOW_LIMIT and program.expanded_depth(p[2]) <= constants.MAX_DEPTH])
    for i, j, label, built in pairs:
        lines.append(printer.second_partial(f, names[i], names[j]) + sep + form(label, built))
    if len(pairs) < total:
        lines.append(rf"\text{{\dots {total - len(pairs):,} more entries}}")
    return _finish(printer, program, lines, list(dict.fromkeys(large)), sep, aligned)


def sparse_jacobian_latex(matrix: Any, aligned: bool = False, expand: bool = False) -> str:
    """LaTeX for a sparse Jacobian (a ``SparseDerivative`` of order 1): its size and its first
    :data:`ENTRY_LINES` structural nonzeros, one ``\\frac{\\partial f}{\\partial x} = ...`` line each, and a
    line counting the rest.  As in :func:`hessian_latex`, an entry too large to print at once is its program's
    result name, defined by the assignments after the equations (unless ``expand=True``)."""
    printer = LatexPrinter({})
    printer.look_at(matrix.graph, matrix.wrt)
    outputs = output_labels(matrix.graph) if matrix.graph is not None else ()
    sep = " &= " if aligned else " = "
    large: list[str] = []
    rows, cols = matrix.pattern.nonzero()
    labels = [label for label in dict.fromkeys(matrix.labels[:ENTRY_LINES]) if label is not None]
    unread = _unread(matrix.program, labels, expand)
    form = _entry_forms(printer, matrix.program, expand, large, counted=unread is None)
    lines = [rf"{matrix.shape[0]} \times {matrix.shape[1]} \text{{ Jacobian, {matrix.nnz:,} structural nonzeros}}"]
    for k, (i, j) in enumerate(zip(rows[:ENTRY_LINES].tolist(), cols[:ENTRY_LINES].tolist())):
        f = outputs[i] if i < len(outputs) else f"f_{i}"
        lines.append(printer.partial(f, matrix.wrt[j]) + sep + form(matrix.labels[k],
                                                                    lambda label=matrix.labels[k]: matrix._form(label)))
    if len(rows) > ENTRY_LINES:
        lines.append(rf"\text{{\dots {len(rows) - ENTRY_LINES:,} more entries}}")
    return _finish(printer, matrix.program, lines, list(dict.fromkeys(large)), sep, aligned, unread)


#: the edges a graph's LaTeX table shows (sympy prints one in 1-3 ms: a 10,000-node graph took over 20 s)
LATEX_EDGES = 300


def graph_latex(graph: Graph, limit: int | None = LATEX_EDGES, **settings: Any) -> str:
    """The local derivative on every edge, as a two-column ``array`` (works in math mode and MathJax).

    At most ``limit`` edges (None: all), in the order ``g.nx`` lists them, then a row counting the rest.
    """
    _check_limit(limit, "edges")
    printer = LatexPrinter(settings)
    printer.graph = graph
    shown, total = first_edges(graph, limit)
    # an unnamed output is f, as grad and the pictures call it (drawn_names), in its edges' derivatives too (exp')
    names = drawn_names(graph)
    renamed = drawn_symbols(graph)
    rows = []
    for u, v in shown:
        u, v, derivative = names.get(u, u), names.get(v, v), edge_derivative(graph, u, v)
        rows.append(rf"{printer.name(u)} \to {printer.name(v)} & {printer.partial(v, u)} = "
                    + printer.doprint(derivative.xreplace(renamed) if renamed else derivative))
    if len(shown) < total:
        rows.append(rf"\text{{... and {total - len(shown):,} more edges}} & \text{{(to\_latex(graph, limit=None) "
                    rf"writes them all)}}")
    header = r"\text{edge} & \text{local derivative} \\" + "\n\\hline"
    return "\\begin{array}{ll}\n" + header + "\n" + " \\\\\n".join(rows) + "\n\\end{array}"


def first_edges(graph: Graph, limit: int | None) -> tuple[list[tuple[str, str]], int]:
    """The first ``limit`` edges (None: all) in the order ``g.nx`` lists them -- by operand in node order, then
    by result in node order -- and how many edges there are, without making the networkx view (50 s at
    900,000 nodes, for a table of 300 edges).

    One pass over the operands keeps the results of the first ``limit``
    nodes only: every node but a sink has an edge, so they hold the first
    edges unless most of them are sinks, when every node's are kept.
    """
    order = graph.order
    first = set(order if limit is None or limit >= len(order) else order[:limit])
    while True:
        results: dict[str, list[str]] = {}
        for v, _, args in graph.rows():
            if len(args) == 2:  # the usual node, without a set
                x, y = args
                if x.__class__ is str and x in first:
                    results.setdefault(x, []).append(v)
                if y.__class__ is str and y != x and y in first:
                    results.setdefault(y, []).append(v)
                continue
            for u in dict.fromkeys(a for a in args if a.__class__ is str and a in first):
                results.setdefault(u, []).append(v)
        edges = [(u, v) for u in order if u in results for v in results[u]]
        if limit is None or len(edges) >= limit or len(first) == len(order):
            return edges[:limit], graph.edge_count
        first = set(order)


#: ``to_latex``'s own options (each taken by some kinds of ``x``; never the size of an indexed text), and its flags
OPTIONS = frozenset({"aligned", "name", "nodes", "expand", "limit", "entries"})
FLAGS = frozenset({"aligned", "nodes", "expand", "entries"})
#: what ``to_latex(x, **settings)`` passes to sympy's printer
#: (:data:`~symgraph.export.latex_printer.SETTINGS` and sympy's own)
PRINTER_SETTINGS = frozenset(LatexPrinter._default_settings)


@checked_options(settings=PRINTER_SETTINGS | OPTIONS, what="LaTeX printer settings")
def to_latex(x: Any, **settings: Any) -> str:
    """LaTeX for a sympy expression or Matrix, a Gradient, a Hessian, a Graph, or expression text.

    Parameters
    ----------
    x : sympy expression, sympy Matrix, Gradient, jvp/vjp result, Hessian, Graph or str
        A Graph gives its edge-derivative table; text gives the expression of
        its (single) output; a Gradient or a jvp/vjp result its ``latex()``
        lines; a Hessian from :func:`symgraph.hessian` (dense or sparse) its
        :func:`hessian_latex`.  Text with indexed sums takes its sizes as
        keywords, as :func:`symgraph.parse` does (``n=3``).
    **settings
        sympy LaTeX printer settings overriding :data:`~symgraph.export.latex_printer.SETTINGS`, and the
        options of what ``x`` is: for a Graph ``limit``, the edges its table
        shows (default :data:`LATEX_EDGES`, None for all); for a Gradient,
        a Jacobian or a Hessian those of its ``latex()``.  An option the kind of ``x`` does not take,
        or a misspelt one, is an ArgumentError.

    Examples
    --------
    >>> import symgraph as sg, sympy
    >>> sg.to_latex(sympy.Matrix([[sympy.Symbol("y"), 1]]))
    '\\\\begin{pmatrix}y & 1\\\\end{pmatrix}'
    >>> sg.to_latex(sympy.Symbol("x_2") * sympy.Symbol("alpha"))
    '\\\\alpha x_{2}'
    """
    if isinstance(x, Graph):
        writer, own, printer = graph_latex, ("limit",), True
    elif isinstance(x, str):  # the keywords beyond the settings are the sizes an indexed text needs (n=3)
        sizes = {k: settings.pop(k) for k in list(settings) if k not in PRINTER_SETTINGS and k not in OPTIONS}
        writer, own, printer = ((lambda text, **options: expression_latex(parse(text, **sizes), **options)),
                                ("expand",), True)
    elif isinstance(x, Mapping) and hasattr(x, "program") and hasattr(x, "latex_kind"):
        writer, own, printer = (lambda result, **options: derivative_latex(result, kind=result.latex_kind, **options),
                                ("aligned", "name", "nodes", "expand", "limit"), True)
    elif isinstance(getattr(x, "order", None), int) and x.order == 2 and hasattr(x, "program"):
        writer, own, printer = hessian_latex, ("aligned", "name", "entries", "expand"), True
    elif hasattr(x, "pattern") and hasattr(x, "program") and callable(getattr(x, "latex", None)):
        writer, own, printer = (lambda matrix, **options: matrix.latex(**options)), ("aligned", "name", "expand"), False
    elif isinstance(x, sympy.MatrixBase):  # a Jacobian (it has a program) is an equation, as its latex() writes it
        own = ("aligned", "name", "expand", "limit") if hasattr(x, "program") else ("expand", "limit")
        writer, printer = (lambda matrix, name=None, **options: matrix_latex(matrix, name=_named(name), **options)), True
    elif isinstance(x, (sympy.Basic, int, float)):
        writer, own, printer = sympy_latex, (), True
    else:
        raise ArgumentError(f"to_latex takes a sympy expression or Matrix, a Gradient, a Hessian, a Graph or text, "
                            f"got {type(x).__name__}")
    wrong = [k for k in settings if k not in own and not (printer and k in PRINTER_SETTINGS)]
    if wrong:
        takes = ", ".join(own) or "no keywords of its own"
        raise ArgumentError(f"to_latex() of a {type(x).__name__} takes no {wrong[0]}= (it takes {takes}"
                            f"{' and the LaTeX printer settings' if printer else ''})")
    for flag in FLAGS.intersection(settings):  # as the latex() methods check them: "no" is no False
        if not isinstance(settings[flag], (bool, np.bool_)):
            raise ArgumentError(f"to_latex(): {flag}= takes True or False, got {shown(settings[flag])}")
    _try_printer_settings({k: v for k, v in settings.items() if k in PRINTER_SETTINGS})
    return writer(x, **settings)


def _try_printer_settings(settings: dict[str, Any]) -> None:
    """An ArgumentError naming the printer settings when sympy's printer refuses them on a small matrix.

    Why: sympy checks few of its settings when its printer is made (``mode``,
    as a bare ValueError) and uses the others as they come, deep inside a
    print (``order="bogus"``, ``mat_delim=3``, ``symbol_names=None`` raised
    ValueError, KeyError, TypeError or AttributeError from its printer).
    """
    if not settings:
        return
    x, y = sympy.symbols("x y")
    try:
        LatexPrinter(settings).doprint(sympy.Matrix([[x * y / (x + y + 1) + x**2 + sympy.sqrt(x) + sympy.I]]))
    except Exception as error:
        given = ", ".join(f"{k}={shown(v)}" for k, v in settings.items())
        raise ArgumentError(f"to_latex(): sympy's LaTeX printer refuses the settings {given}: "
                            f"{type(error).__name__}: {error}") from None
