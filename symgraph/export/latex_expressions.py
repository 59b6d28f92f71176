"""LaTeX of one expression in bounded time: the formula when small enough, else the program's assignments
that define it, cut to their first and last lines.

Apart from :mod:`~symgraph.export.latex` (derivatives and graphs) because
every writer falls back on it: a result too large or too deeply nested for
one formula is written as its assignments, followed by :data:`EXPAND_NOTE`,
whether it is an expression, an entry of a matrix
(:mod:`~symgraph.export.latex_matrices`) or of a gradient.
"""
from __future__ import annotations

from typing import Any, Iterable

import sympy
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from .. import constants
from ..ir.graph import Graph
from ..frontend.coerce import as_graph
from ..ir import interpret
from ..ir.listing import PRINT_ARGS
from ..ir.liveness import live_instructions
from ..ops import CONDITIONS, OPS, WRITTEN
from ..ir.program import Program
from .display import LISTING_LINES, SHOW_LIMIT, expression_shape
from .latex_printer import LatexPrinter


#: The LaTeX comment under assignments printed in place of a formula too large to print at once
EXPAND_NOTE = "% too large for one formula: latex(expand=True) or --expand prints it whole"
#: the note as a notebook shows it, the last line of the aligned block: MathJax drops a comment unseen
EXPAND_TEXT = r"\text{(too large for one formula: latex(expand=True) prints it whole)}"
#: ... and under the assignments of a formula nested deeper than sympy can build, which expanding cannot print
DEEP_NOTE = (f"% nested more than {constants.MAX_DEPTH} levels deep, deeper than sympy can build: "
             "the assignments are its formula")
DEEP_TEXT = (rf"\text{{(nested more than {constants.MAX_DEPTH} levels deep, deeper than sympy can build: the "
             r"assignments are its formula)}")
#: each note as a notebook shows it
NOTE_TEXTS = {EXPAND_NOTE: EXPAND_TEXT, DEEP_NOTE: DEEP_TEXT}


def listing_note(program: Any, labels: list[str], counted: bool = True) -> str:
    """The note under the assignments of the results ``labels``: :data:`DEEP_NOTE` when one of them is nested
    deeper than sympy can build (expanding it fails: the note said latex(expand=True) or --expand prints it
    whole), else :data:`EXPAND_NOTE`; ``counted`` False: the program was too long to read for printing."""
    if counted and any(program.expanded_depth(label) > constants.MAX_DEPTH for label in labels):
        return DEEP_NOTE
    return EXPAND_NOTE


class ExactConstant(sympy.Symbol):
    """A constant beyond float64 as LaTeX writes it, exactly (``10^{10000000000}``): closed forms hold its
    float64 value, oo, and ``x^10^10^10`` printed ``x^{\\infty}``.  A symbol to sympy -- positive, an
    integer, as the constant is -- so the formulas around it are built as for any number (``A x^{A - 1}``)."""

    def _latex(self, printer: Any) -> str:
        return self.name  # the constant's LaTeX (written once, by sympy's printer, unevaluated)

    @property
    def precedence(self) -> int:  # read by sympy's printer: 10^{...} in a power's base is bracketed
        return _PRECEDENCES.get(self.name, PRECEDENCE["Atom"])


#: each ExactConstant's precedence, as its expression's (a power, a product), by its LaTeX
_PRECEDENCES: dict[str, int] = {}

#: the constants closed forms hold for numbers beyond float64 or not numbers at all: their sign of an exact
#: constant written in full
_NOT_FINITE = (sympy.oo, sympy.S.NegativeInfinity, sympy.zoo, sympy.nan)


def exact_constants(rows: Iterable[tuple]) -> dict[str, Any]:
    """The rows of an op on exact numbers whose value is a real number beyond float64 (``10^(10^10)``, ``3^1000``,
    ``exp(1000)``) as :class:`ExactConstant`: closed forms hold inf for it (:func:`symgraph.constants.constant_op`),
    LaTeX its expression.  ``1/0`` or ``sqrt(-1)`` is no such number, and keeps the closed form's oo or nan.

    With them, the conditions on constants the rows compute (``10^(10^10) - 1 != 0``, of a power's derivative),
    decided as the numbers decide them, as closed forms do: the formula is the branch the numbers take.
    """
    found: dict[str, Any] = {}
    values: dict[str, Any] = {}  # each constant row's closed form (oo for an exact constant's)
    for target, op, args in rows:
        if not args or not all(a.__class__ is not str or a in values for a in args):
            continue
        if op == "const":  # a constant node: its value as closed forms hold it
            values[target] = constants.closed_constant(args[0])
            continue
        closed = tuple(values[a] if a.__class__ is str else a for a in args)
        values[target] = value = constants.constant_op(op, closed)
        if op in CONDITIONS:
            found[target] = value
            continue
        if value not in _NOT_FINITE or not all(isinstance(a, (int, sympy.Rational)) for a in args):
            continue
        with sympy.evaluate(False):
            written = OPS[op].sympy(*(sympy.Integer(a) if isinstance(a, int) else a for a in args))
        if written.is_finite is not True or written.is_extended_real is not True:
            continue
        latex = SympyLatexPrinter().doprint(written)
        # a power is an atom to sympy's printer, which brackets a symbol's superscript in a base itself
        _PRECEDENCES[latex] = precedence(written) if precedence(written) < PRECEDENCE["Pow"] else PRECEDENCE["Atom"]
        found[target] = ExactConstant(latex, positive=written.is_positive, negative=written.is_negative,
                                      integer=written.is_integer)
    return found if any(isinstance(v, ExactConstant) for v in found.values()) else {}


def exact_form(expr: Any, rows: Iterable[tuple], ref: Any, leaf: Any, leaves: Any = ()) -> Any:
    """``expr``, the closed form of ``ref``; or, when it holds oo or nan where its ``rows`` compute a constant
    beyond float64 (:func:`exact_constants`), ``ref``'s form built again from them with that constant written
    exactly: ``10^{10000000000} x^{10^{10000000000} - 1}``, not ``\\infty x^{\\infty}``.  ``leaf(name)``: the
    atom of a name no row defines, or of one in ``leaves`` (graph nodes, when a result is written in them)."""
    if not isinstance(expr, sympy.Basic) or not isinstance(ref, str) or not expr.has(*_NOT_FINITE):
        return expr
    needed = live_instructions(reversed(list(rows)), [ref], leaves=leaves)
    found = exact_constants(needed)
    if not found:
        return expr
    return interpret.forms(needed, found, leaf).get(ref, expr)


def _symbol(program: Any, name: str) -> sympy.Symbol:
    """The graph's own Symbol for a node or input (the user's, with its assumptions), else a new one."""
    graph = program.graph
    return graph.symbol(name) if graph is not None and name in graph.op_of else sympy.Symbol(name)


def _first_and_last(items: list, most: int) -> tuple[list, int]:
    """``items``, or the first and last ``most // 2`` of them when there are more than ``most``; and how many
    were left out."""
    half = most // 2
    cut = len(items) - 2 * half
    return (items, 0) if cut <= 0 else (items[:half] + items[-half:], cut)


def _listing_lines(printer: "LatexPrinter", program: Any, labels: list[str], sep: str,
                   rows: list | None = None) -> list[str]:
    """The assignments ``labels`` need, in LaTeX, cut to the first and last lines (for results too large).

    Every one, the function's own named nodes (``c = a + b``) included, as the
    text listing writes them: left out, a derivative's listing used c and d of
    ``c = x*y; d = sin(c); ...`` and defined neither.  ``rows``:
    the last of those assignments, when the program is too long to read them
    all for printing (:func:`~symgraph.export.display.printed_rows`); a line says the earlier are not shown.
    """
    if rows is not None:
        return [r"\text{\dots earlier assignments not shown (the program is too long to read for printing)}",
                *_listing_lines(printer, Program(program.inputs, rows[-LISTING_LINES:],
                                                 {k: program.results[k] for k in labels}, program.graph), labels, sep)]
    needed = live_instructions(reversed(program.instructions), [program.results[k] for k in labels])
    half = LISTING_LINES // 2
    shown, cut = _first_and_last(needed, LISTING_LINES)
    lines = []
    for k, (target, op, args) in enumerate(shown):
        if cut > 0 and k == half:
            lines.append(rf"\text{{\dots {cut:,} more assignments}}")
        prefix = r"\text{where } " if k == 0 else ""
        exact = exact_constants([(target, op, args)]).get(target)  # 10^{10000000000}, where the closed form is oo
        right = printer.doprint(exact) if isinstance(exact, ExactConstant) else _row_latex(printer, program, op, args)
        lines.append(prefix + printer.name(target) + sep + right)
    return lines


def _row_latex(printer: "LatexPrinter", program: Any, op: str, args: tuple) -> str:
    """One assignment's right-hand side; an op of more than :data:`~symgraph.ir.listing.PRINT_ARGS` operands
    as a call of its first ones, dots and the last, never built (sympy took 11 s to build and print
    ``logsumexp`` of 3,000 names)."""
    leaf = lambda name: _symbol(program, name)  # noqa: E731 - a name stands for itself
    if len(args) <= PRINT_ARGS:
        return printer.doprint(interpret.forms([("rhs", op, args)], {}, leaf)["rhs"])
    shown = [printer.doprint(leaf(a) if a.__class__ is str else constants.closed_constant(a))
             for a in (*args[:PRINT_ARGS - 1], args[-1])]
    return (rf"\operatorname{{{WRITTEN.get(op, op)}}}\left({', '.join(shown[:-1])}, \dots, {shown[-1]}\right)"
            rf"\text{{ ({len(args):,} operands)}}")


def expression_latex(graph: Graph, expand: bool = False, **settings: Any) -> str:
    """LaTeX of the graph's single output in bounded time: the formula when small, else its assignments."""

    printer = LatexPrinter(settings)
    printer.graph = graph
    output = graph.output
    rows, size, depth = expression_shape(graph, output, expand)
    deep = depth is not None and depth > constants.MAX_DEPTH
    if size is not None and not deep and (expand or size <= SHOW_LIMIT):
        expr = exact_form(graph.expr(output, limit=None), rows, output, graph.symbol)
        return printer.doprint(expr)  # small, or asked for whole (expand)
    lines = _listing_lines(printer, Program(graph.input_nodes, rows, {output: output}, graph), [output], " = ")
    lines[0] = lines[0].replace(r"\text{where } ", "", 1)
    return "\n".join(lines + [DEEP_NOTE if deep else EXPAND_NOTE])


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
