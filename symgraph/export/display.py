"""Results as text in bounded time: a closed form when it is small, else its let-listing.

Printing never blocks: sizes and depths are counted on the program (never
built) before any sympy expression is made, and a result too large to print
as one formula prints as the straight-line program that computes it, cut to
:data:`LISTING_LINES` lines, with a note on how to ask for the expansion.
"""
from __future__ import annotations

import re
from itertools import islice
from operator import countOf, itemgetter, length_hint
from typing import Any, NamedTuple, Sequence

import sympy
from sympy.core.exprtools import decompose_power
from sympy.printing.str import StrPrinter

from ..errors import ExpressionTooLargeError
from ..ir.graph import Graph
from ..ir.listing import PRINT_ARGS, assignment, count_text, result_line
from ..ir.listing import SHOW_ENTRIES  # noqa: F401 (read from here: repr() shows at most this many entries)
from ..ir.interpret import EXPAND_LIMIT, SIZE_CAP, check_limit, shapes  # noqa: F401 (EXPAND_LIMIT: read from here)
from ..ir.interpret import check_size as interpret_check_size
from ..ir.liveness import live_instructions
from ..ir.program import MAX_DEPTH, Program
from ..ops import OPS, SYMPY_FUNCTIONS, WRITTEN


#: closed forms of at most this many tree operations print as formulas; larger ones as programs
SHOW_LIMIT = 200




#: the closed forms printed together are built within this many operations (:meth:`Program.buildable`), the
#: partial results they need and no earlier entry built counted in: sympy builds about 100,000 a second, and a
#: chain of products builds its partial products one by one (the first 100 entries of a sparse Hessian of
#: prod(1 + x[i]) at n = 100, 196 operations each, built 642,000 and took 4-9 s to print); the rest print as the
#: program, the first as formulas
BUILD_LIMIT = 50_000


#: listings in repr() show at most this many lines (the first and the last ones)
LISTING_LINES = 40


#: printing reads at most this many rows of a program, from its end, for the entries it shows ...
PRINT_SCAN = 200_000


#: ... and prints from at most this many of them: so a result prints in bounded time whatever its program's size
#: (the first entries of a 900,000-row gradient, or the one entry of a 540,000-row chain, took 0.4-3 s to print)
PRINT_ROWS = 20_000


class Advice(NamedTuple):
    """How to see more of a result that printed shortened, in the words of who asks.

    A note under a shortened result says what was left out (the problem) and
    then this advice, as :class:`~symgraph.errors.ExpressionTooLargeError`'s
    ``problem`` leaves the advice to its reader: the library's printing names
    Python calls (:data:`PYTHON`), the ``symgraph`` command its options.
    """

    every_line: str  #: how to see a listing's omitted lines
    expand: str = ""  #: how to build a closed form too large to print; ``{name}`` is the entry's quoted label
    compute: str = ""  #: what computes a closed form nested too deep to build


#: the advice of the library's printing (``repr``, :meth:`DerivativeMap.formula`)
PYTHON = Advice(every_line="result.program.listing() writes every line",
                expand="expand with result[{name}] or result.expand({name})",
                compute="the program above, .at() and .lambdify() compute it")


def printed_rows(program: Program, labels: Sequence[str]) -> tuple[list, bool]:
    """The rows ``labels`` need, in program order, and whether they are all of them, read within the bounds.

    One backward scan of at most :data:`PRINT_SCAN` rows, which stops once
    every needed row is found; the rows are all of them when it stopped so
    and they are at most :data:`PRINT_ROWS`.  Otherwise they are the last
    rows found (the nearest the results): enough for a listing's tail,
    nothing to count a closed form by.  What printing does is then bounded
    by what it prints, not by the program's size.
    """
    instructions = program.instructions
    backwards = reversed(instructions)
    rows = live_instructions(islice(backwards, PRINT_SCAN), [program.results[k] for k in labels])
    read = len(instructions) - length_hint(backwards)
    return rows, (read < PRINT_SCAN or read == len(instructions)) and len(rows) <= PRINT_ROWS


class AnyTermOrder:
    """A sympy printer mixin that orders a sum's terms with numbers in names read as numbers, and prints a
    sum whose terms sympy cannot order in the sum's own order.

    sympy orders the variables of a sum by their names' text, so ``sum(x[i], i, 0, 11)`` printed as
    ``x[0] + x[10] + x[11] + x[1] + ...`` and ``x1 + ... + x12`` as ``x1 + x10 + x11 + x12 + x2 + ...``;
    they are ordered here as sympy orders them, but with each run of digits compared as a number.
    Beside another Piecewise, the nan branch of a Piecewise without a default (the gradient of
    ``Piecewise((x, x > 0), (y, x > -1))`` holds ``Piecewise((nan, x <= -1), (0, True))``) made sympy's
    ordering raise ``TypeError: Invalid NaN comparison``, and with it printing the result.
    """

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list:
        try:
            if (order or self.order) in (None, "lex") and expr.is_Add and len(expr.args) > 2:
                terms = _numbered_terms(expr, order or self.order)
                if terms is not None:
                    return terms
            return super()._as_ordered_terms(expr, order=order)
        except TypeError:
            return list(expr.args)


_DIGITS = re.compile(r"[0-9]+")


def _numbered_key(gen: Any) -> Any:
    """sympy's sort key of a sum's variable, the runs of digits of a name (a Symbol's, an element's ``x[10]``)
    padded so that they compare as numbers."""
    key = sympy.default_sort_key(gen)
    count, name = key[1] if len(key) > 1 and isinstance(key[1], tuple) and len(key[1]) == 2 else (None, ())
    if len(name) == 1 and isinstance(name[0], str) and _DIGITS.search(name[0]):  # (1, ('x[10]',)): a name's key
        key = (key[0], (count, (_DIGITS.sub(lambda m: m.group().zfill(24), name[0]),)), *key[2:])
    return key


def _numbered_terms(expr: sympy.Add, order: Any) -> list | None:
    """The terms of ``expr`` as :meth:`sympy.Expr.as_ordered_terms` orders those of a sum of three or more
    (sorted by their monomials in the sum's variables), the variables sorted by :func:`_numbered_key`; None
    where a term is an ``O()``, which sympy orders apart.

    The terms are read as :meth:`sympy.Expr.as_terms` reads them, but each monomial is kept sparse (its
    variables' positions and exponents) and compared by :func:`_sparse_monomial_key`, which orders as sympy's
    dense monomials do: sympy's tuple of one exponent per variable of the whole sum made printing a sum of t
    terms in t distinct variables take t * t time and memory (20,000 squares took 67 s and gigabytes).
    """
    terms, gens = [], set()
    for term in sympy.Add.make_args(expr):
        if term.is_Order:
            return None
        coeff, rest = term.as_coeff_Mul()
        coeff, powers, ncpart = complex(coeff), {}, []
        for factor in (() if rest is sympy.S.One else sympy.Mul.make_args(rest)):
            if factor.is_number:
                try:
                    coeff *= complex(factor)
                    continue
                except (TypeError, ValueError):
                    pass
            if factor.is_commutative:
                base, exponent = decompose_power(factor)
                powers[base] = exponent
                gens.add(base)
            else:
                ncpart.append(factor)
        terms.append((term, coeff, powers, tuple(ncpart)))
    position = {gen: k for k, gen in enumerate(sorted(sorted(gens, key=sympy.default_sort_key), key=_numbered_key))}

    def key(item):
        _, coeff, powers, ncpart = item
        monomial = sorted((position[base], exponent) for base, exponent in powers.items() if exponent != 0)
        return (_sparse_monomial_key(monomial), tuple(e.sort_key(order=order) for e in ncpart),
                ((bool(coeff.imag), coeff.imag), (coeff.real, coeff.imag)))

    _, reverse = expr._parse_order(order)
    return [item[0] for item in sorted(terms, key=key, reverse=reverse)]


def _sparse_monomial_key(monomial: list[tuple[int, Any]]) -> tuple:
    """A key of a monomial given as its (variable position, nonzero exponent) pairs in position order that
    orders as sympy's lex key of the dense monomial, the tuple of every exponent negated.

    Two dense monomials differ first where one has an exponent the other has not or has another one: there
    the larger exponent comes first, and 0 (a variable absent, or the monomial's end) sits between the positive
    and the negative exponents.  So a positive exponent at position i is ``(0, i, -e)`` (the earlier variable
    first), a negative one ``(2, -i, -e)`` (the earlier one last), and the end ``(1,)``.
    """
    return (*((0, k, -e) if e > 0 else (2, -k, -e) for k, e in monomial), (1,))


class SafeStrPrinter(AnyTermOrder, StrPrinter):
    """sympy's own text (``sstr(expr, order=None)``, what a sympy Matrix prints), with :class:`AnyTermOrder`."""

    def __init__(self):
        super().__init__({"order": None})


class SharedPrinting(AnyTermOrder):
    """A sympy printer that writes each subexpression object once and then copies its text.

    A derivative's entries share most of their subexpressions (the entries of
    the gradient of ``prod(1 + x[i], i, 0, 99)`` are 100 products of the same
    100 sums), and sympy prints every occurrence anew, ordering each sum's terms
    each time: its 100 entries, 9,900 sums of which 100 are distinct, took 1.3 s
    to print with sympy's printer and 0.07 s with this one.  One printer writes
    entries printed together, so what they share is written once.

    The text is kept by the object's identity (with the object, so that the
    identity is not reused) and only for a call without options and an
    expression with arguments, whose text depends on nothing else (a Float's
    can depend on its depth).  :meth:`forget` drops it when a setting that
    changes the text changes.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._written: dict[int, tuple[Any, str]] = {}

    def _print(self, expr: Any, **options: Any) -> str:
        if options or not isinstance(expr, sympy.Basic) or not expr.args:
            return super()._print(expr, **options)
        written = self._written.get(id(expr))
        if written is None:
            written = self._written[id(expr)] = (expr, super()._print(expr))
        return written[1]

    def forget(self) -> None:
        """Drop every text written so far (a setting that changes them has changed)."""
        self._written.clear()


class ShortStrPrinter(SharedPrinting, StrPrinter):
    """sympy's text with floats short (``0.5``, not ``0.500000000000000``), each subexpression written once."""

    def __init__(self):
        super().__init__({"full_prec": False})


class GrammarPrinter(ShortStrPrinter):
    """A formula in the expression grammar's own notation, as a student wrote it and the parser reads it back:
    ``x^2``, ``max(x, y)``, ``abs(x)``, ``x == f``, ``where(x > y, 1, 0)``.

    sympy's text (``Heaviside(x - y)``, ``Piecewise((1, v1), (0, True))``,
    ``Eq(f, x)``, ``Max``, ``x**2``) is no text the grammar takes; the LaTeX
    side writes the same steps and selections as cases
    (:class:`~symgraph.export.latex_printer.LatexPrinter`).  The functions are
    written by the op table's names (:data:`~symgraph.ops.SYMPY_FUNCTIONS`,
    :data:`~symgraph.ops.WRITTEN`): ``ceiling`` as ``ceil``, ``Abs`` as ``abs``.
    """

    _RELATIONS = {"==": "==", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Exp1(self, expr: Any) -> str:
        return "exp(1)"  # e is a variable in the grammar

    def _print_Relational(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} {self._RELATIONS[expr.rel_op]} {self._print(expr.rhs)}"

    def _compare(self, arg: sympy.Expr, relation: str) -> str:
        """``arg relation 0``, a difference written as its two sides: ``x - y > 0`` as ``x > y``."""
        if isinstance(arg, sympy.Add):
            minus = [t for t in arg.args if t.could_extract_minus_sign()]
            plus = [t for t in arg.args if not t.could_extract_minus_sign()]
            if minus and plus:
                return f"{self._print(sympy.Add(*plus))} {relation} {self._print(-sympy.Add(*minus))}"
        return f"{self._print(arg)} {relation} 0"

    def _print_Heaviside(self, expr: sympy.Heaviside) -> str:
        """The unit step as a selection stating its value at 0, as the LaTeX cases do (relu'(0) = 0)."""
        arg = expr.args[0]
        at_zero = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        if at_zero == 0:
            return f"where({self._compare(arg, '>')}, 1, 0)"
        if at_zero == 1:
            return f"where({self._compare(arg, '>=')}, 1, 0)"
        return f"where({self._compare(arg, '>')}, 1, where({self._compare(arg, '==')}, {self._print(at_zero)}, 0))"

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """Nested ``where(condition, value, otherwise)``; a last piece without condition True is nan otherwise."""
        pieces = list(expr.args)
        text = self._print(pieces.pop()[0]) if pieces[-1][1] is sympy.true else "nan"
        for value, condition in reversed(pieces):
            text = f"where({self._print(condition)}, {self._print(value)}, {text})"
        return text

    def _logic(self, expr: Any, word: str, looser: type | None) -> str:
        return f" {word} ".join(f"({self._print(a)})" if looser is not None and isinstance(a, looser)
                                else self._print(a) for a in expr.args)

    def _print_And(self, expr: sympy.And) -> str:
        return self._logic(expr, "and", sympy.Or)

    def _print_Or(self, expr: sympy.Or) -> str:
        return self._logic(expr, "or", None)

    def _print_Not(self, expr: sympy.Not) -> str:
        arg = expr.args[0]
        return f"not {self._print(arg)}" if arg.is_Atom else f"not ({self._print(arg)})"

    def _call(self, expr: Any, name: str) -> str:
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"


for _class, _op in SYMPY_FUNCTIONS.items():  # the calls sympy names otherwise (Max, Abs, ceiling, roundeven)
    if not OPS[_op].symbol and _op != "heaviside":
        setattr(GrammarPrinter, f"_print_{_class.__name__}",
                lambda self, expr, _name=WRITTEN.get(_op, _op): self._call(expr, _name))


def grammar_text(expr: Any, printer: GrammarPrinter | None = None) -> str:
    """``expr`` in the expression grammar's notation (:class:`GrammarPrinter`): what drawings, Mermaid/DOT and the
    explorer write for a formula (an edge's local derivative ``where(x > y, 1, 0)``, not ``Heaviside(x - y)``)."""
    return (printer or GrammarPrinter()).doprint(expr)


def short_str(expr: Any, printer: ShortStrPrinter | None = None) -> str:
    """sympy's text with floats short (``0.5``, not ``0.500000000000000``); pass one ``printer`` for the
    expressions printed together, so that what they share is written once (:class:`SharedPrinting`)."""
    return (printer or ShortStrPrinter()).doprint(expr)


def listing(program: Program, labels: Sequence[str], max_lines: int = LISTING_LINES,
            found: tuple[list, bool] | None = None, advice: Advice = PYTHON) -> str:
    """The let-listing of what ``labels`` need, cut to ``max_lines`` (first and last lines kept).

    Its rows are :func:`printed_rows` (or ``found``, what it returned): when
    they are not all of them, the listing is the last lines only, under a
    line saying so and how to see every line (``advice.every_line``).
    """
    results = {k: program.results[k] for k in labels}
    needed, whole = printed_rows(program, labels) if found is None else found
    names = program.element_labels  # x[0], as the user wrote it
    outs = [result_line(k, ref, names) for k, ref in results.items()]
    head = max(max_lines - len(outs), 2) // 2
    if not whole:
        return "\n".join([f"# ... earlier lines not shown: these results need more of the program "
                          f"({len(program.instructions):,} rows) than printing reads; "
                          f"{advice.every_line}"]
                         + [assignment(*i, names, PRINT_ARGS) for i in needed[-2 * head:]] + outs)
    if len(needed) > 2 * head:
        cut = len(needed) - 2 * head
        rows = ([assignment(*i, names, PRINT_ARGS) for i in needed[:head]]
                + [f"# ... {cut:,} lines omitted ({advice.every_line})"]
                + [assignment(*i, names, PRINT_ARGS) for i in needed[-head:]])
    else:
        rows = [assignment(*i, names, PRINT_ARGS) for i in needed]
    return "\n".join(rows + outs)


def expand_note(program: Program, names: Sequence[str], counted: bool = True, advice: Advice = PYTHON) -> str:
    """The comment under a listing of results too large to print: how large their closed forms are, then
    ``advice`` on how to see them (their sizes only when ``counted``: their rows were all read within the
    bounds of printing, :func:`printed_rows`)."""
    expand = advice.expand.format(name=repr(names[0]))
    if not counted:
        return f"# closed form not counted (its program is too long to read for printing); {expand}"
    deep = [n for n in names if program.expanded_depth(n) > MAX_DEPTH]
    if deep:
        return (f"# closed form of {deep[0]!r} nested {program.expanded_depth(deep[0]):,} levels deep, "
                f"deeper than sympy can build ({MAX_DEPTH}); {advice.compute}")
    sizes = ", ".join(f"{n!r}: {count_text(program.expanded_size(n, SIZE_CAP))} operations" for n in names[:3])
    if all(program.expanded_size(n, SIZE_CAP) <= SHOW_LIMIT for n in names):  # small, but not built (BUILD_LIMIT)
        return (f"# closed form not built for printing ({sizes}{', ...' if len(names) > 3 else ''}, but with the "
                f"entries printed before them more than {BUILD_LIMIT:,} operations to build); {expand}")
    return f"# closed form too large to print ({sizes}{', ...' if len(names) > 3 else ''}); {expand}"


def check_size(program: Program, label: str, limit: int | None, anyway: str,
               where: str = "the program has it in shared form") -> None:
    """Refuse, with a named error, to build a program's closed form of more than ``limit`` tree operations
    (:func:`symgraph.ir.interpret.check_size`, the gate :meth:`Graph.expr` shares)."""
    check_limit(limit)
    interpret_check_size(label, program.expanded_size(label, SIZE_CAP), limit, anyway, where)


def graph_program(graph: Graph) -> Program:
    """The graph's own assignments as a program whose results are its outputs (for bounded printing, and the
    value rows ``lambdify`` and ``value_and_grad`` compile).

    Read from :meth:`Graph.rows` in one pass, not by ``graph.op(node)`` per node: those are the API's checked
    methods (:func:`~symgraph.options.checked_options`), whose wrapper per call was 2 million calls and
    1.5-2 s of a ``value_and_grad`` over 10^5 data terms (700,000 nodes).
    """
    rows = [row for row in graph.rows() if row[1] != "input"]
    return Program(graph.input_nodes, rows, {y: y for y in graph.outputs}, graph)


def with_graph_values(graph: Graph, derived: Program, values: dict[str, str], inputs: Sequence[str] | None = None,
                      unused: Sequence[str] = ()) -> Program:
    """One program of ``graph``'s own rows, with results ``values`` (label -> node), and ``derived``'s rows and
    results, sharing their work: what ``value_and_grad``, ``residuals`` and their copies compile."""
    own = graph_program(graph).instructions
    defined = {target for target, _, _ in own}
    instructions = own + [row for row in derived.instructions if row[0] not in defined]
    return Program(graph.input_nodes if inputs is None else inputs, instructions, {**values, **derived.results}, graph,
                   unused)


def expression_rows(graph: Graph, node: str, expand: bool = False) -> tuple[list, bool]:
    """The rows ``node`` reads, in order, and whether its formula prints: at most :data:`SHOW_LIMIT`
    operations written out (or ``expand``) and nested no deeper than sympy can handle.

    A node that reads more than :data:`SHOW_LIMIT` operation nodes has at
    least as many operations written out, so its tree is not counted (a
    count over 900,000 nodes took 1.5 s of its LaTeX).
    """
    rows, size, depth = expression_shape(graph, node, expand)
    return rows, size is not None and depth <= MAX_DEPTH and (expand or size <= SHOW_LIMIT)


#: the most operations ``expand=True`` writes out one formula with (sympy takes about 25 us an operation)
EXPAND_PRINT_LIMIT = 1_000_000


def expression_shape(graph: Graph, node: str, expand: bool = False) -> tuple[list, int | None, int | None]:
    """The rows ``node`` reads, and its size and depth written out; both None when it reads more than
    :data:`SHOW_LIMIT` operation nodes and not ``expand`` (too large to print, known without counting)."""
    rows = live_instructions(graph.rows(backwards=True), [node])
    if not expand and len(rows) - countOf(map(itemgetter(1), rows), "const") > SHOW_LIMIT:
        return rows, None, None
    size, depth = shapes(rows).get(node, (0, 0))[:2]
    if expand:  # sin(v)*v forty times over: 2^40 operations filled memory, never printed
        too_large(node, size)
    return rows, size, depth


def expandable(program: Program, labels: list[str]) -> list[str]:
    """``labels``, each checked by :func:`too_large` (a doubling chain's gradient: 2^30 operations, never done)."""
    for label in labels:
        too_large(label, program.expanded_size(label, SIZE_CAP))
    return labels


def too_large(label: str, size: int) -> None:
    """Refuse to write out with ``expand`` a formula of more than :data:`EXPAND_PRINT_LIMIT` operations."""
    if size > EXPAND_PRINT_LIMIT:
        problem = (f"the closed form of {label!r} has {count_text(size)} operations written out, more than expand "
                   f"prints ({EXPAND_PRINT_LIMIT:,})")
        error = ExpressionTooLargeError(f"{problem}: no one could read it; printed without expand, its assignments "
                                        "are its formula")
        error.problem, error.expanded = problem, size  # the command line gives its own advice (--expand)
        raise error


def expression_text(graph: Graph, node: str | None = None, expand: bool = False, advice: Advice = PYTHON) -> str:
    """A graph node's expression as text in bounded time: the formula when small (or ``expand``), else its
    listing (its omitted lines with ``advice.every_line``)."""
    node = graph.output if node is None else node
    rows, printable = expression_rows(graph, node, expand)
    if printable:
        return short_str(graph.expr(node, limit=None))  # small, or asked for whole (expand)
    text = listing(Program(graph.input_nodes, rows, {node: node}, graph), [node], advice=advice)
    return text + "\n# expression too large to print as one formula"
