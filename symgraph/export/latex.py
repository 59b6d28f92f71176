"""LaTeX export: gradients as partial-derivative equations, matrices, and graphs' edge derivatives.

Printing goes through :class:`LatexPrinter`, a subclass of sympy's printer
whose settings live in one dict, :data:`SETTINGS` (matrices as ``pmatrix``).
Symbol names render as sympy renders them: ``x_2`` and ``w12`` get
subscripts, ``alpha`` becomes ``\\alpha``; a name that convention would
misread (``x__1``, ``x_``, ``x_1_2``) is written as spelled, in ``\\mathit``.

Examples
--------
>>> import symgraph as sg
>>> print(sg.grad("c = a + b; d = b + 1; e = c * d").latex())
\\frac{\\partial e}{\\partial a} = b + 1
\\frac{\\partial e}{\\partial b} = a + 2 b + 1
"""
from __future__ import annotations

import numbers
import re

from itertools import islice
from typing import Any, Mapping

import numpy as np
import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from .. import constants
from ..options import checked_options
from ..errors import ArgumentError, shown
from ..ir.graph import Graph
from ..names import drawn_names, function_name  # noqa: F401 - callers import function_name from here
from ..frontend.coerce import as_graph
from ..frontend.parse import parse
from ..ad.linearised import edge_derivative
from ..ir import interpret
from ..ir.program import Program, live_instructions
from .display import LISTING_LINES, SHOW_LIMIT, SharedPrinting, expression_rows

#: Printer settings (sympy's names); ``to_latex(x, **settings)`` overrides them per call.
SETTINGS: dict[str, Any] = {
    "mat_str": "pmatrix",      # matrices as \begin{pmatrix} ... \end{pmatrix}
    "mat_delim": "",           # ... without extra \left[ \right] around them
    "inv_trig_style": "abbreviated",
    "ln_notation": False,      # log, as the expression grammar writes it
}

#: The LaTeX comment under assignments printed in place of a formula too large to print at once
EXPAND_NOTE = "% too large for one formula: latex(expand=True) or --expand prints it whole"

#: A Hessian with more rows than this prints its first rows and columns, dots, and the last one
MATRIX_LIMIT = 10

#: Entry lines a Hessian prints (``entries=True``, or a sparse one's nonzeros) before one line counts the rest
ENTRY_LINES = 36


#: an element's label, ``x[3]`` or ``W[0, 1]`` (:func:`symgraph.ir.input_names.element_label`)
_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[(\d+(?:, \d+)*)\]")


#: name suffixes sympy prints as an operation on the rest of the name (``xabs`` as ``|x|``, ``xnorm`` as ``||x||``,
#: ``xavg`` as ``<x>``, ``xprime`` as ``x'``, a derivative's mark): read so, the name is another expression
OPERATION_SUFFIXES = ("abs", "mag", "norm", "avg", "prime", "prm")


def _reads_as_operation(name: str) -> bool:
    """True when sympy would print a part of ``name`` (``xabs``, ``y_xnorm``) with an operation's notation."""
    head, sups, subs = split_super_sub(name)
    return any(part.lower().endswith(suffix) and len(part) > len(suffix)
               for part in (head, *sups, *subs) for suffix in OPERATION_SUFFIXES)


class LatexPrinter(SharedPrinting, SympyLatexPrinter):
    """sympy's LaTeX printer with symgraph's settings and a partial-derivative helper; what the expressions
    one printer writes share is written once (:class:`~symgraph.export.display.SharedPrinting`)."""

    _default_settings = {**SympyLatexPrinter._default_settings, **SETTINGS}

    def _print_Heaviside(self, expr: sympy.Heaviside, exp: str | None = None) -> str:
        """The unit step as cases that state its value at 0 (relu'(0) = 0 is ``H(0) = 0``)."""
        arg = self._print(expr.args[0])
        at_zero = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        if at_zero == 0:
            body = rf"\begin{{cases}} 1 & {arg} > 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        elif at_zero == 1:
            body = rf"\begin{{cases}} 1 & {arg} \geq 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        else:
            body = rf"\begin{{cases}} 1 & {arg} > 0 \\ {self._print(at_zero)} & {arg} = 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A name as sympy prints it (``x_1`` as ``x_{1}``, ``alpha`` as ``\\alpha``), with two exceptions.

        Leading underscores are written ``\\_``: sympy leaves ``_x`` as it is,
        which LaTeX reads as a subscript of what comes before (``2 _x``), and
        ``__`` or ``_x_1`` do not compile (double subscript).  A name that
        sympy's convention would misread -- ``__`` is a superscript to it
        (``x__1`` printed ``x^{1}``, a power; ``x_1__2`` printed
        ``x^{2}_{1}``), a trailing ``_`` an empty subscript (``x_`` looked like
        ``x``), and several subscripts run together (``x_1_2`` looked like
        ``x_12``, ``long_variable_name`` like ``long_{variablename}``) -- is
        written as it is spelled, ``\\mathit{x\\_\\_1}``; so is one that a
        suffix of sympy's would print as an operation on another name
        (:data:`OPERATION_SUFFIXES`: ``xabs`` printed ``|x|``, as ``abs(x)``),
        and one that another name printed would read as (:meth:`clashing`).
        """
        name = expr.name
        if expr in self._settings["symbol_names"]:
            return super()._print_Symbol(expr, style)
        bare = name.lstrip("_")
        if "__" in bare or bare.endswith("_") or bare.count("_") > 1 or _reads_as_operation(bare) \
                or name in self.clashing((name,)):
            return r"\mathit{" + name.replace("_", r"\_") + "}"
        if bare == name:
            printed = super()._print_Symbol(expr, style)
            # a variable written as the constant (PI, or a sympy Symbol("pi")) is written as spelled
            return r"\mathit{" + name + "}" if printed == r"\pi" else printed
        lead = r"\_" * (len(name) - len(bare))
        return lead + (super()._print_Symbol(sympy.Symbol(bare), style) if bare else "")

    #: the names :meth:`clashing` has looked at, grouped by how sympy prints them, and those found printing alike
    _seen: frozenset = frozenset()
    _groups: dict | None = None
    _clashing: frozenset = frozenset()

    def clashing(self, names: Any = ()) -> frozenset:
        """The names (of the graph's and of ``names``) that print as another does, to be written as spelled.

        sympy prints ``x1``, ``x_1`` and the element ``x[1]`` alike (``x_{1}``),
        and ``alpha1`` as ``alpha_1``: ``x1 + x_1`` read as ``2 x_1``.  A name
        that prints as an element of an indexed input would, ``x_{k}`` for any
        k, is set apart even when x has no element k: a listing's ``v_{4} = x v_{1}``
        read as element 4 of an input v, and ``t_{330} = t_{329} t_{4}`` mixed
        generated names with the elements of a data input t.  Only the graph's
        own names (inputs and names the text assigned, not its million
        elements) and the names printed (each symbol as it is printed, so a
        listing's left-hand side too) are looked at, each once: a call groups
        only the names it is the first to see (the listing of a 10,000-line
        program calls it once per line).
        """
        graph = self.graph
        fresh = {n for n in names if n not in self._seen}
        if not self._seen and graph is not None:
            fresh.update(n for n in graph.addresses if "[" not in n)
        fresh = {n for n in fresh if "_" in n or n[-1:].isdigit()}
        if not fresh:
            return self._clashing
        if self._groups is None:
            self._seen, self._groups = set(), {}
        groups = self._groups
        indexed = graph.indexed if graph is not None else {}
        touched = []
        for n in fresh:
            head, sups, subs = split_super_sub(n.lstrip("_"))
            group = groups.setdefault((len(n) - len(n.lstrip("_")), head, tuple(sups), tuple(subs)), [])
            group.append(n)
            if head in indexed and not sups and len(subs) == 1 and subs[0].isdigit() and n == n.lstrip("_"):
                group.append(f"{head}[{subs[0]}]")  # reads as an element, whether or not the input has it
            touched.append(group)
        self._seen.update(fresh)
        clashing = self._clashing.union(m for group in touched if len(group) > 1 for m in group if "[" not in m)
        if clashing != self._clashing:
            self._clashing = clashing
            self.forget()  # what was written before wrote them as sympy does
        return clashing

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        """An element of an indexed input as ``x_{0}`` and ``W_{0,1}`` (sympy writes ``{x}_{0}``); a base
        that has a subscript or superscript of its own keeps its braces (``{x_{1}}_{0}``)."""
        base = self._print(expr.base.label)
        if "_" in base or "^" in base:
            base = "{" + base + "}"
        return f"{base}_{{{','.join(self._print(i) for i in expr.indices)}}}"

    def _call(self, head: str, expr: sympy.Expr, exp: str | None) -> str:
        body = rf"{head}\left({', '.join(self._print(a) for a in expr.args)}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    #: True once a variable named e is among what this printer prints: the exponential is then written
    #: ``\exp\left(x\right)``, not ``e^{x}`` (``e e^{e x}``, the partial of exp(e*x), read either way)
    e_is_a_name: bool = False

    def doprint(self, expr: Any, *args: Any) -> str:
        if not self.e_is_a_name:
            graph = self.graph
            self.e_is_a_name = (graph is not None and ("e" in graph.op_of or "e" in graph.addresses)) or any(
                getattr(s, "name", None) == "e" for s in getattr(expr, "free_symbols", ()))
            if self.e_is_a_name:
                self.forget()  # what was written before wrote exp(x) as e^{x}
        self.clashing(s.name for s in getattr(expr, "free_symbols", ()) if isinstance(s, sympy.Symbol))
        return super().doprint(expr, *args)

    def _print_ExpBase(self, expr, exp=None):
        if self.e_is_a_name:
            return self._call(r"\exp", expr, exp)
        return super()._print_ExpBase(expr, exp)

    def _print(self, expr: Any, **options: Any) -> str:
        """Euler's number (sympy's E, which prints itself) upright, ``\\mathrm{e}``, once a variable is named e:
        both were ``e`` (``2 e e x`` for ``2*E*e*x``)."""
        if expr is sympy.E and self.e_is_a_name:
            return r"\mathrm{e}"
        return super()._print(expr, **options)

    def _print_exp2(self, expr, exp=None):
        body = rf"2^{{{self._print(expr.args[0])}}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    #: the graph whose names :meth:`name` prints (an indexed input's element as ``x_{3}``), or None
    graph: Graph | None = None

    def name(self, name: str) -> str:
        """A node or variable name as sympy prints the symbol (``x_{2}``, ``\\alpha``, ``W_{0,1}`` for ``W[0, 1]``).

        An element's label (``x[3]``) prints as its node's symbol; a name the
        text assigned (``a`` of ``a = x``) prints as itself, not as the node it
        stands for: ``grad("a = x; a*y", wrt=["a"])`` is ``\\partial a``, as its key.
        """
        graph = self.graph
        if graph is not None:
            node = name if name in graph.op_of else None if name.isidentifier() else graph.addresses.get(name)
            if node is not None and node in graph.op_of:
                return self._print(graph.symbol(node))
        element = _ELEMENT.fullmatch(name) if name.endswith("]") else None
        if element is not None:  # an element the function never reads (derivative 0), written as the others are
            return self._print(sympy.IndexedBase(element[1])[tuple(int(i) for i in element[2].split(","))])
        return self._print(sympy.Symbol(name))

    def partial(self, f: str, x: str) -> str:
        """``\\frac{\\partial f}{\\partial x}`` for two names."""
        return rf"\frac{{\partial {self.name(f)}}}{{\partial {self.name(x)}}}"

    def second_partial(self, f: str, x: str, y: str) -> str:
        """``\\frac{\\partial^2 f}{\\partial x \\partial y}``, and ``\\partial x^{2}`` when ``x == y``."""
        below = rf"\partial {self.name(x)}^{{2}}" if x == y else rf"\partial {self.name(x)} \partial {self.name(y)}"
        return rf"\frac{{\partial^2 {self.name(f)}}}{{{below}}}"


#: functions sympy prints as atan_{2}, expm_{1}, log_{2}: spelled as the grammar writes them
_CALL_HEADS = {"atan2": r"\operatorname{atan2}", "log1p": r"\operatorname{log1p}", "expm1": r"\operatorname{expm1}",
               "log2": r"\log_{2}", "log10": r"\log_{10}", "hypot": r"\operatorname{hypot}"}
for _name, _head in _CALL_HEADS.items():
    setattr(LatexPrinter, f"_print_{_name}",
            lambda self, expr, exp=None, _head=_head: self._call(_head, expr, exp))


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


def _symbol(program: Any, name: str) -> sympy.Symbol:
    """The graph's own Symbol for a node or input (the user's, with its assumptions), else a new one."""
    graph = program.graph
    return graph.symbol(name) if graph is not None and name in graph.op_of else sympy.Symbol(name)


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
    lines = [rf"\text{{where }} {printer.name(v)}{sep}{printer.doprint(graph.node_expr(v))}" for v in shown]
    if cut:
        lines.insert(LISTING_LINES // 2, rf"\text{{\dots {cut:,} more definitions}}")
    return lines


def _first_and_last(items: list, most: int) -> tuple[list, int]:
    """``items``, or the first and last ``most // 2`` of them when there are more than ``most``; and how many
    were left out."""
    half = most // 2
    cut = len(items) - 2 * half
    return (items, 0) if cut <= 0 else (items[:half] + items[-half:], cut)


def _finish(printer: "LatexPrinter", program: Any, lines: list[str], large: list[str], sep: str,
            aligned: bool) -> str:
    """The entry lines, the let-listing of the ``large`` entries and the note on expanding them, aligned or not:
    the tail every derivative's LaTeX shares."""
    if large:
        lines = lines + _listing_lines(printer, program, large, sep)
    note = "\n" + EXPAND_NOTE if large else ""
    if not aligned:
        return "\n".join(lines) + note
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}" + note


def _listing_lines(printer: "LatexPrinter", program: Any, labels: list[str], sep: str, named: bool = False) -> list[str]:
    """The assignments ``labels`` need, in LaTeX, cut to the first and last lines (for results too large).

    The function's own named nodes (``c = a + b``) are left out, being the
    user's, unless ``named`` (the listing of the function itself).
    """

    needed = live_instructions(reversed(program.instructions), [program.results[k] for k in labels])
    graph = program.graph
    if graph is not None and not named:
        graph_nodes = graph.op_of
        needed = [i for i in needed if i[0] not in graph_nodes or i[0] not in graph.user_names]
    half = LISTING_LINES // 2
    shown, cut = _first_and_last(needed, LISTING_LINES)
    lines = []
    for k, (target, op, args) in enumerate(shown):
        if cut > 0 and k == half:
            lines.append(rf"\text{{\dots {cut:,} more assignments}}")
        rhs = interpret.forms([(target, op, args)], {}, lambda name: _symbol(program, name))[target]
        prefix = r"\text{where } " if k == 0 else ""
        lines.append(prefix + printer.name(target) + sep + printer.doprint(rhs))
    return lines


def _check_limit(limit: Any, what: str) -> None:
    """``limit=`` of the LaTeX writers: a count, or None for all (a negative one would slice from the end)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0):
        raise ArgumentError(f"limit= takes the most {what} to write (a non-negative integer, or None: every one), "
                            f"got {type(limit).__name__} {shown(limit, 40)}")


def _named(name: Any) -> str | None:
    """``name=`` of the LaTeX methods: the function's name in the fractions, as text (or None: the graph's)."""
    if name is not None and not isinstance(name, str):
        raise ArgumentError(f"name= takes the function's name as text, such as 'L', got {type(name).__name__} {shown(name, 40)}")
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
    printer.graph = result.graph
    head = HEADS[kind]
    f = _named(name) or MATRIX_NAMES.get(kind) or function_name(result.graph)
    sep = " &= " if aligned else " = "
    labels = result.labels
    wrt = list(labels if limit is None else labels[:limit])
    program = result.program
    # built and simplified together, as repr and the command line print them (DerivativeMap.printed_exprs)
    forms = node_forms(program, None if expand else SHOW_LIMIT, wrt) if nodes else result.printed_exprs(wrt, expand)
    lines, printed, large = [], [], []
    for x in wrt:
        expr = forms[x]
        if expr is None:
            large.append(x)
            ref = program.results[x]
            expr = _symbol(program, ref)
        printed.append(expr)
        lines.append(head(printer, f, x) + sep + printer.doprint(expr))
    if len(wrt) < len(labels):
        rest = len(labels) - len(wrt)
        lines.append(rf"\text{{\dots {rest:,} more entr{'y' if rest == 1 else 'ies'}}}")
    if nodes and result.graph is not None:
        lines += _where(printer, result.graph, printed, sep)
    return _finish(printer, program, lines, large, sep, aligned)


def _entry_forms(printer: "LatexPrinter", program: Any, expand: bool, large: list[str]) -> Any:
    """``form(label, built=None)``: a matrix entry's LaTeX from its program result -- its closed form when
    small (or ``expand``; ``built()`` makes it when given, else the program's closed form), else its result's
    name, recorded in ``large``."""

    def form(label: str | None, built: Any = None) -> str:
        if label is None:
            return "0"
        ref = program.results[label]
        if not isinstance(ref, str):
            return printer.doprint(constants.closed_constant(ref))
        if expand or (program.expanded_size(label) <= SHOW_LIMIT
                      and program.expanded_depth(label) <= constants.MAX_DEPTH):
            return printer.doprint(program.closed_form(label) if built is None else built())
        large.append(label)
        return printer.doprint(_symbol(program, ref))

    return form


def _shown(count: int, limit: int | None) -> list[int]:
    """The rows (or columns) a matrix prints: all up to ``limit``, else the first ones and the last."""
    return list(range(count)) if limit is None or count <= limit else list(range(limit - 2)) + [count - 1]


def _pmatrix(rows: int, cols: int, cell: Any, limit: int | None = MATRIX_LIMIT) -> str:
    """A ``pmatrix`` of ``cell(i, j)`` texts, cut beyond ``limit`` rows or columns to the first ones, dots
    (``\\vdots``, ``\\cdots``, ``\\ddots``) and the last, so its size is bounded for any shape (None: every cell)."""
    shown_rows, shown_cols = _shown(rows, limit), _shown(cols, limit)
    cut_rows, cut_cols = len(shown_rows) < rows, len(shown_cols) < cols
    lines = []
    for i in shown_rows:
        row = [cell(i, j) for j in shown_cols]
        if cut_cols:
            row.insert(-1, r"\cdots")
        lines.append(" & ".join(row))
    if cut_rows:
        dots = [r"\vdots"] * (len(shown_cols) - 1) + ([r"\ddots"] if cut_cols else []) + [r"\vdots"]
        lines.insert(-1, " & ".join(dots))
    return r"\begin{pmatrix}" + r"\\".join(lines) + r"\end{pmatrix}"


def matrix_latex(matrix: Any, expand: bool = False, limit: int | None = MATRIX_LIMIT, **settings: Any) -> str:
    """A Jacobian, or any sympy Matrix, as a ``pmatrix``: as sympy prints it up to ``limit`` rows and
    columns, else the first ones, dots and the last (a 1,000 x 1,000 Jacobian was 4 MB of LaTeX, 25 s);
    ``limit=None`` writes every entry.

    A matrix with a program (:func:`symgraph.jacobian`) prints an entry too
    large to print at once as its result's name, defined by the assignments
    after the matrix (unless ``expand=True``).
    """
    printer = LatexPrinter(settings)
    printer.graph = getattr(matrix, "graph", None)
    rows, cols = matrix.shape
    program, cells = getattr(matrix, "program", None), getattr(matrix, "cells", None)
    if program is None or cells is None or not rows or not cols:  # a matrix sympy made: its entries are all it has
        shown = [(i, j) for i in _shown(rows, limit) for j in _shown(cols, limit)]
        if any(nested_deeper(matrix[i, j], constants.MAX_DEPTH) for i, j in shown):
            # an entry nested deeper than sympy's printer recurses: the shown entries as one graph's outputs,
            # printed as a Jacobian's are (the deep ones named, defined by the assignments after the matrix)
            graph = as_graph([matrix[i, j] for i, j in shown])
            program = Program(graph.inputs, list(graph.rows()), {node: node for node in graph.outputs}, graph)
            nodes = dict(zip(shown, graph.outputs))
            cells = [[nodes.get((i, j)) for j in range(cols)] for i in range(rows)]
            return program_matrix_latex(program, cells, None, expand, limit, printer)
        if limit is None or rows <= limit and cols <= limit:
            return printer.doprint(matrix)
        return _pmatrix(rows, cols, lambda i, j: printer.doprint(matrix[i, j]), limit)
    return program_matrix_latex(program, cells, lambda i, j: lambda: matrix[i, j], expand, limit, printer)


def program_matrix_latex(program: Any, cells: list[list[str | None]], built: Any = None, expand: bool = False,
                         limit: int | None = MATRIX_LIMIT, printer: "LatexPrinter | None" = None) -> str:
    """The ``pmatrix`` of the program's results ``cells[i][j]`` (None: 0), cut beyond ``limit`` rows or
    columns; only the entries shown are built (``built(i, j)()`` when given, else the program's closed form),
    and one too large to print at once is its result's name, defined by the assignments after the matrix
    (unless ``expand=True``)."""
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
    if not large:
        return text
    return "\n".join([text, *_listing_lines(printer, program, large, " = "), EXPAND_NOTE])


def hessian_latex(matrix: Any, aligned: bool = False, name: str | None = None, entries: bool = False,
                  expand: bool = False, **settings: Any) -> str:
    """LaTeX for a Hessian from :func:`symgraph.hessian`: ``\\nabla^2 f = \\begin{pmatrix} ... \\end{pmatrix}``.

    A dense Hessian (a ``DerivativeMatrix``) prints as a ``pmatrix`` (more
    than :data:`MATRIX_LIMIT` rows: the first ones, dots, and the last), and
    with ``entries=True`` one ``\\frac{\\partial^2 f}{\\partial x \\partial y} = ...``
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
    printer.graph = graph
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
                if j >= i and len(pairs) < ENTRY_LINES:
                    pairs.append((i, j, matrix.labels[k], None))
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
    renamed = {graph.symbol(node): sympy.Symbol(label) for node, label in names.items() if graph.op(node) != "input"}
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


def expression_latex(graph: Graph, expand: bool = False, **settings: Any) -> str:
    """LaTeX of the graph's single output in bounded time: the formula when small, else its assignments."""

    printer = LatexPrinter(settings)
    printer.graph = graph
    output = graph.output
    rows, printable = expression_rows(graph, output, expand)
    if printable:
        return printer.doprint(graph.expr(output))
    lines = _listing_lines(printer, Program(graph.inputs, rows, {output: output}, graph), [output], " = ", named=True)
    lines[0] = lines[0].replace(r"\text{where } ", "", 1)
    return "\n".join(lines + [EXPAND_NOTE])


def nested_deeper(expr: Any, depth: int) -> bool:
    """Whether the sympy tree ``expr`` is nested more than ``depth`` levels deep, found without recursion
    and reading each distinct subexpression once."""
    heights: dict[int, int] = {}
    stack = [(expr, False)]
    while stack:
        e, children_done = stack.pop()
        if children_done:
            heights[id(e)] = height = 1 + max((heights[id(a)] for a in e.args), default=0)
            if height > depth:
                return True
        elif id(e) not in heights:
            heights[id(e)] = 0  # on the stack: its height comes when its arguments' have
            stack.append((e, True))
            stack.extend((a, False) for a in getattr(e, "args", ()) if id(a) not in heights)
    return False


def sympy_latex(expr: Any, **settings: Any) -> str:
    """sympy's LaTeX of a sympy expression; one nested deeper than sympy's printer can recurse (sin of sin
    ... 300 deep) is written as its graph's formula or assignments, as the same expression as text is."""
    if isinstance(expr, int) and not isinstance(expr, bool):
        expr = sympy.Integer(expr)
    if isinstance(expr, sympy.Basic) and (nested_deeper(expr, constants.MAX_DEPTH) or any(
            constants.closed_constant(a) is not a for a in expr.atoms(sympy.Rational))):
        # a number beyond MAX_CONSTANT_BITS is written as its float64 value, as the graph and closed forms hold it
        # (sympy's printer raised Python's bare ValueError on an integer of over 4,300 digits)
        return expression_latex(as_graph(expr), **settings)
    return LatexPrinter(settings).doprint(expr)


#: the options of ``to_latex`` that take True or False only
FLAGS = frozenset({"aligned", "nodes", "expand", "entries"})

#: what ``to_latex(x, **settings)`` passes to sympy's printer (:data:`SETTINGS` and sympy's own)
PRINTER_SETTINGS = frozenset(LatexPrinter._default_settings)


@checked_options(settings=PRINTER_SETTINGS | {"aligned", "name", "nodes", "expand", "limit", "entries"},
                 what="LaTeX printer settings")
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
        sympy LaTeX printer settings overriding :data:`SETTINGS`, and the
        options of what ``x`` is: for a Graph ``limit``, the edges its table
        shows (default :data:`LATEX_EDGES`, None for all); for a Gradient
        those of its ``latex()``.  An option the kind of ``x`` does not take,
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
        sizes = {k: settings.pop(k) for k in list(settings) if k not in PRINTER_SETTINGS and k != "expand"}
        writer, own, printer = ((lambda text, **options: expression_latex(parse(text, **sizes), **options)),
                                ("expand",), True)
    elif isinstance(x, Mapping) and hasattr(x, "program") and hasattr(x, "latex_kind"):
        writer, own, printer = (lambda result, **options: derivative_latex(result, kind=result.latex_kind, **options),
                                ("aligned", "name", "nodes", "expand", "limit"), True)
    elif isinstance(getattr(x, "order", None), int) and x.order == 2 and hasattr(x, "program"):
        writer, own, printer = hessian_latex, ("aligned", "name", "entries", "expand"), True
    elif hasattr(x, "pattern") and hasattr(x, "program") and callable(getattr(x, "latex", None)):
        writer, own, printer = (lambda matrix, **options: matrix.latex(**options)), ("aligned", "name", "expand"), False
    elif isinstance(x, sympy.MatrixBase):
        writer, own, printer = matrix_latex, ("expand", "limit"), True
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
    return writer(x, **settings)
