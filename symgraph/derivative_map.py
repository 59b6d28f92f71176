"""The result mappings of the derivative APIs: :class:`DerivativeMap`, :class:`Gradient`, :class:`Values`.

Results are straight-line programs in node symbols; :class:`DerivativeMap`
(and :class:`Gradient`, and :class:`~symgraph.directional.Directional` beside
jvp/vjp) builds closed forms in the inputs from them only when one is asked
for, and delegates printing, LaTeX and compilation to the export and backend
layers.  Apart from :mod:`symgraph.derive`, which derives them: grad, jvp/vjp
and the command line share these mappings.
"""
from __future__ import annotations

import copy
from functools import cached_property
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import sympy

from .backends.compile import compile_program
from .backends.runtime import EMPTY, Stack
from .binding import point_values
from .options import checked_options, label_list
from .cost import CostReport
from .export.latex import ENTRY_LINES, derivative_latex
from .export.notebook_latex import notebook_math
from .frontend.coerce import element_labels
from .ir.graph import Graph
from .ir.listing import ShortDict, count_text
from .names import function_name, output_labels, partial_name
from .errors import (EntryError, ExpressionTooLargeError, GraphError, ResultLabels, WrtNames, no_entry, refusing, shown_names,
                     shown)
from .export.display import (BUILD_LIMIT, EXPAND_LIMIT, SHOW_ENTRIES, SHOW_LIMIT, ShortStrPrinter, check_limit,
                             check_size, expand_note, expandable, listing, printed_rows, short_str)
from .ir.interpret import SIZE_CAP
from .ir.program import MAX_DEPTH, Program
from .ir.simplify import batch_level, normalise, simplify as simplify_expr


def result_layout(graph: Graph, labels: Sequence[str], held: Sequence[tuple[int, str]] = ()) -> tuple:
    """The labels as compiled results return them: every element of an indexed input, in index order and
    together (what ``wrt=["x"]`` asks for), as one array (a :class:`~symgraph.backends.runtime.Stack` of
    ``x``'s shape); other labels one by one.  An input of no elements (``sum(x[i], i, 0, n-1)`` at n = 0) has
    no labels: ``held`` (:func:`~symgraph.frontend.coerce.held_places`) says where wrt named it, and it is an
    empty array there; a label ``x[1]`` of it is one label, with derivative 0."""
    if not graph.indexed:
        return tuple(labels)
    out, k, held = [], 0, list(held)
    while k < len(labels) or held:
        while held and held[0][0] <= k:
            name = held.pop(0)[1]
            out.append(Stack((EMPTY,), graph.indexed[name].shape))
        if k == len(labels):
            break
        base = labels[k].split("[", 1)[0]
        known = graph.indexed.get(base) if "[" in labels[k] else None
        if known is not None:
            run = element_labels(graph, base)
            if run and list(labels[k:k + len(run)]) == run and not (held and held[0][0] < k + len(run)):
                out.append(Stack(tuple(run), known.shape))
                k += len(run)
                continue
        out.append(labels[k])
        k += 1
    return tuple(out)


def _indexed_labels(graph: Graph, name: str, labels: Sequence[str]) -> list[str]:
    if not isinstance(name, str) or name not in graph.indexed:
        raise GraphError(f"{shown(name)} is not an indexed input" + (f"; indexed inputs: {', '.join(graph.indexed)}"
                                                                 if graph.indexed else ""))
    wanted = element_labels(graph, name)
    present = labels if isinstance(labels, (set, frozenset, Mapping)) else set(labels)  # a tuple's `in` scans it
    missing = [label for label in wanted if label not in present]
    if missing:
        raise GraphError(f"no entries for {', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}: "
                         f"ask for wrt={name!r} to get every element of {name}")
    return wanted


def _no_entry(graph: Graph, name: Any, labels: Sequence[str]) -> EntryError:
    """The error for an entry ``name`` a result has not; for the name of an indexed input (``x`` of ``x[0]``,
    ``x[1]``), which is no entry, it says which method reads its entries as one array."""
    error = no_entry("entry", name, labels, "entries")
    if isinstance(name, str) and graph.indexed and name in graph.indexed:
        return EntryError(f"{error}; {name} is an indexed input: .array({name!r}) reads its entries as one array")
    return error


class Values(ShortDict):
    """Numbers keyed by label (``x[0]``, ``b``), with :meth:`array` for an indexed input's entries; printed as
    their first entries and a count of the rest (the values at 100,000 inputs were 2 MB of text)."""

    def __init__(self, graph: Graph, values: Mapping[str, Any]):
        super().__init__(values)
        self.graph = graph

    def __missing__(self, name: str) -> Any:  # an element spelt as wrt takes it, W[0,1] for W[0, 1], is read too
        if (label := self.graph.entry_label(name)) is name or not dict.__contains__(self, label):
            raise _no_entry(self.graph, name, list(self))
        return self[label]

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or dict.__contains__(self, self.graph.entry_label(name))

    @checked_options
    def array(self, name: str) -> np.ndarray:
        """The entries for the elements of the indexed input ``name`` as one array of shape ``(*its shape, *batch)``."""
        labels = _indexed_labels(self.graph, name, self)
        parts = [np.asarray(self[label]) for label in labels]
        if not parts:  # an input of no elements: the batch axes are the other entries' (all of one shape)
            batch = np.shape(next(iter(self.values()), 0.0))
            return np.empty(self.graph.indexed[name].shape + batch)
        return np.stack(parts).reshape(self.graph.indexed[name].shape + parts[0].shape)


class DerivativeMap(Mapping[str, sympy.Expr]):
    """Labels -> sympy expressions, built from a program's closed forms on first access.

    The program is the result; expressions in the inputs are a view of it,
    simplified with bounded effort (:mod:`symgraph.ir.simplify`) only when read.
    Printing never blocks: ``repr``/``str`` show the closed forms when every
    shown one is small (:meth:`is_small`, sizes counted on the program, never
    built), else the program's let-listing cut to :data:`LISTING_LINES` lines
    and a note on how to expand; :meth:`formula` is the same for one entry.
    ``result[name]`` and :meth:`expand` build the sympy expression on request
    (refusing, with ExpressionTooLargeError, trees above :data:`EXPAND_LIMIT`
    operations or nested deeper than sympy can handle).
    :class:`Gradient` and :class:`~symgraph.directional.Directional` are this
    mapping with different labels.

    Attributes
    ----------
    graph : Graph
        The function's graph.
    program : Program
        The straight-line program computing every entry.
    cost : CostReport
        What the derivation counted.
    mode : str
        The mode that ran.
    """

    def __init__(self, graph: Graph, labels: Sequence[str], program: Program, cost: CostReport,
                 mode: str, simplify: bool | str = "fast", held: Sequence[tuple[int, str]] = ()):
        self.graph = graph
        self.labels = ResultLabels(labels)  # called as a method, it says to drop the ()
        #: where wrt named an indexed input of no elements (:func:`~symgraph.frontend.coerce.held_places`):
        #: :meth:`lambdify` returns an empty array there
        self.held = refusing(tuple(held), "result.held")  # these, called as methods, say to drop the ()
        self.program = program
        self.cost = cost
        self.mode = refusing(mode, "result.mode")
        #: the simplification entries are read with: "fast", "full" or "none" (see :meth:`simplify`)
        self.simplification = refusing(normalise(simplify), "result.simplification")
        self._exprs: dict[tuple[str, str], sympy.Expr] = {}

    def __getstate__(self) -> dict:
        """Without the closed forms built (a registered function's sympy class in them pickles by no module's name)."""
        return {**self.__dict__, "_exprs": {}}
    def __getitem__(self, name: str | sympy.Symbol) -> sympy.Expr:
        """The closed form of one entry (see :meth:`expand`): you asked for it, so it is built whole."""
        return self.expand(name)

    @checked_options
    def expand(self, name: str | sympy.Symbol, simplify: bool | str | None = None,
               limit: int | None = EXPAND_LIMIT) -> sympy.Expr:
        """Entry ``name`` as a sympy expression in the inputs, simplified with bounded effort.

        ``simplify`` overrides the mode the result was made with.  The build
        is iterative and its size is counted on the program first:
        simplification is skipped above :data:`symgraph.ir.simplify.FAST_LIMIT`,
        and a closed form of more than ``limit`` tree operations (default
        :data:`EXPAND_LIMIT`; sympy needs about 25 us per operation to print
        one) raises :class:`~symgraph.errors.ExpressionTooLargeError`, as does
        one nested deeper than sympy can handle; ``limit=None`` builds any size.  The program has every value.
        """
        name = self._entry(name)
        check_size(self.program, name, limit, f"result.expand({name!r}, limit=None)", f"the program has it in shared "
                   f"form: .at() and .lambdify() compute it, and result.as_graph({name!r}) differentiates it further")
        how = self.simplification if simplify is None else normalise(simplify)
        key = (name, how)
        if key not in self._exprs:
            raw = self.program.closed_form(name)
            self._exprs[key] = simplify_expr(raw, how, size=self.program.expanded_size(name),
                                             prefer=self.program.graph_conditions())
        return self._exprs[key]

    @checked_options
    def simplify(self, how: bool | str = "full") -> "DerivativeMap":
        """This result with its entries read at simplification ``how`` (default ``"full"``): a new map of the
        same program, as sympy's ``expr.simplify()`` is a new expression.

        Why a method: ``result.simplify()`` is the sympy habit, and the level was an attribute of that name,
        so the call raised Python's bare "'str' object is not callable".  The level is
        :attr:`simplification`; a matrix result is a sympy Matrix, whose own ``simplify()`` applies.
        """
        other = copy.copy(self)
        other.simplification = refusing(normalise(how), "result.simplification")  # the closed forms built are shared: they are keyed by level
        return other

    def _entry(self, name: str | sympy.Symbol) -> str:
        """``name`` (a string or a sympy Symbol) as an entry's label; an EntryError naming the entries if none."""
        label = str(name) if isinstance(name, (str, sympy.Basic)) and not isinstance(name, sympy.Number) else None
        if label is not None and label not in self._index and self.graph is not None:  # spelt as wrt takes it: W[0,1]
            label = self.graph.entry_label(label)
        if label is None or label not in self._index:  # not str() of any key: a 5,000-digit int cannot be written
            raise _no_entry(self.graph, name if label is None else label, self.labels)
        return label

    @cached_property
    def _index(self) -> frozenset:
        return frozenset(self.labels)

    @checked_options
    def is_small(self, name: str | sympy.Symbol) -> bool:
        """True when entry ``name``'s closed form is small enough to print at once (:data:`SHOW_LIMIT`)."""
        name = self._entry(name)
        return (self.program.expanded_size(name) <= SHOW_LIMIT
                and self.program.expanded_depth(name) <= MAX_DEPTH)

    @checked_options
    def formula(self, name: str | sympy.Symbol) -> str:
        """Entry ``name`` as text, in bounded time: its closed form when small, else its program's listing.

        The listing names the result (``out[x] = t12``) and ends with how to
        expand it; see :func:`listing`.
        """
        name = self._entry(name)
        found = printed_rows(self.program, [name])
        if found[1] and self.is_small(name):
            return short_str(self.expand(name))
        return listing(self.program, [name], found=found) + "\n" + expand_note(self.program, [name], counted=found[1])

    @checked_options
    def printed_forms(self, labels: Sequence[str], expand: bool = False) -> dict[str, str | None]:
        """Entries ``labels`` as the text of their closed forms, to print together; None for an entry too
        large to print as a formula (:meth:`is_small`), unless ``expand`` asks for every one.

        They are simplified together or not at all (:func:`~symgraph.ir.simplify.batch_level`): sympy's
        steps cost about 0.3 ms per operation, so one by one the 82 entries of the gradient of
        ``prod(x[i] + y[i], i, 0, 40)`` (81 operations each) took 2-3 s to print; past
        :data:`~symgraph.ir.simplify.BATCH_LIMIT` operations together they print as built.  Unless
        ``expand``, only the first entries whose closed forms build within :data:`BUILD_LIMIT` operations
        are built (:meth:`Program.buildable`); the others are None too.
        """
        labels = label_list(f"{type(self).__name__}.printed_forms()", labels)
        printer = ShortStrPrinter()  # what the entries share is written once
        return {label: None if expr is None else short_str(expr, printer)
                for label, expr in self.printed_exprs(labels, expand).items()}

    @checked_options
    def printed_exprs(self, labels: Sequence[str], expand: bool = False) -> dict[str, sympy.Expr | None]:
        """The closed forms :meth:`printed_forms` writes (and LaTeX, :meth:`latex`): None for an entry
        too large to print, or not built within :data:`BUILD_LIMIT`, unless ``expand``."""
        labels = [self._entry(label) for label in label_list(f"{type(self).__name__}.printed_exprs()", labels)]
        self.program.measure(labels)  # every entry counted in one pass
        shown = [label for label in labels if expand or self.is_small(label)]
        # the first ones that build within BUILD_LIMIT; asked for whole, none past what expand prints
        shown = expandable(self.program, shown) if expand else self.program.buildable(shown, BUILD_LIMIT)
        self.program.closed_forms(shown)  # their rows found in one pass for all of them
        how = batch_level(self.simplification, sum(self.program.expanded_size(label, SIZE_CAP) for label in shown))
        exprs: dict[str, sympy.Expr | None] = dict.fromkeys(labels)
        for label in shown:
            try:
                exprs[label] = self.expand(label, simplify=how, limit=None)
            except ExpressionTooLargeError:  # nested deeper than sympy can build, even when asked for
                pass
        return exprs

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is an entry, without building its closed form (Mapping's default would build it)."""
        return isinstance(name, (str, sympy.Basic)) and (str(name) in self._index or self.graph is not None and
                                                          self.graph.entry_label(str(name)) in self._index)

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        """The closed forms when they are small, else the program's let-listing; bounded in time either way.

        At most :data:`SHOW_ENTRIES` entries are shown.
        """
        shown = self.labels[:SHOW_ENTRIES]
        more = f", ... ({len(self.labels) - len(shown):,} more)" if len(self.labels) > len(shown) else ""
        found = printed_rows(self.program, shown)  # within bounds, whatever the program's size
        head = f"{self.shown_as} of {len(self.labels)} entr{'y' if len(self.labels) == 1 else 'ies'} as a program"
        if not found[1]:  # nothing counted: the listing's last lines and how to see the rest
            return f"{head} (shortened):\n" + listing(self.program, shown, found=found) + "\n" + \
                expand_note(self.program, shown, counted=False)
        self.program.measure(shown)  # the shown entries' rows, found in one pass for all of them
        big = [k for k in shown if not self.is_small(k)]
        if not big:
            texts = self.printed_forms(shown)
            big = [k for k in shown if texts[k] is None]  # not built within BUILD_LIMIT
            if not big:
                return f"{self.shown_as}({{" + ", ".join(f"{k!r}: {texts[k]}" for k in shown) + more + "})"
        return f"{head}:\n" + listing(self.program, shown, found=found) + "\n" + expand_note(self.program, big)

    __str__ = __repr__

    @property
    def shown_as(self) -> str:
        """What the printed form calls the result (``Gradient``; a directional derivative says which product)."""
        return refusing(type(self).__name__, "result.shown_as")

    def at(self, /, *point: Mapping[str, float], **values: float) -> "Values":
        """Numeric values at a point (or arrays of points), evaluated on the program; the inputs' values by
        keyword, ``at(x=1.0)``, or as one mapping, ``at({"x": 1.0})``, as pictures take ``at=``.

        An indexed input takes one array (``x=[...]``, index axes first); the
        result is keyed like this mapping (``x[0]``, ...) and
        :meth:`Values.array` reads an indexed input's entries back as one array.
        Numbers by position (``g.at(1, 2)``) are an ArgumentError: which input
        is first is what ``lambdify(args=...)`` fixes.  It computes in float64
        whatever the inputs' dtype (float32 arrays too, which compiled
        functions keep in float32).
        """
        return Values(self.graph, self.program.evaluate(point_values("at", point, values)))

    @checked_options
    def as_graph(self, label: str | Sequence[str] | None = None) -> Graph:
        """The entries' program as a graph, with output ``label`` (default: every entry, in order), or the
        outputs of a list of labels (``["x", "y"]``: a Jacobian of some entries), as :meth:`Program.as_graph` takes.

        Differentiating it again keeps every subexpression the first derivative
        shares: ``grad(g.as_graph("x"))`` is d(dg/dx), and ``grad``,
        ``jacobian`` and ``hessian`` also take a Gradient itself (its entries
        as outputs).  A gradient's entry is the output ``f_x`` of that graph.
        """
        labels = (self.labels if label is None else [self._entry(x) for x in label]
                  if isinstance(label, (list, tuple)) else [self._entry(label)])
        return self.program.as_graph(labels, names=self._output_names(labels))

    def _output_names(self, labels: Sequence[str]) -> list[str] | None:
        """The names :meth:`as_graph` asks for its outputs: none here (a jvp's entries are the function's outputs,
        a vjp's directions); a gradient's are its partials' (:meth:`Gradient._output_names`)."""
        return None

    @checked_options
    def lambdify(self, xp: Any = None, *, args: Sequence[str] | None = None, backend: str = "numpy",
                 chunk: int | None = None, parallel: bool = False, progress: Any = None) -> Callable:
        """Compile to a function: inputs positionally or by keyword -> tuple of arrays, one per entry, in order.

        ``args`` fixes the positional order (every input once; default: first
        appearance, ``self.graph.inputs``).  Results have the inputs'
        broadcast shape (constants too); see :mod:`symgraph.backends.numpy`.  ``xp``
        fixes the array namespace (default: chosen per call, so Dask and CuPy
        arrays work as well).  ``backend="vm"`` runs the program as data on one compiled virtual
        machine (no compile wait, fast single points, native code once repeated calls
        repay its compile; :mod:`symgraph.backends.vm`); ``backend="numba"`` fuses the program into one
        compiled loop over points (needs numba; NumPy arrays;
        ``parallel=True`` spreads the points over the cores), and ``chunk=N``
        evaluates at most N points at a time; see :mod:`symgraph.backends`.
        ``progress`` reports on compiling large programs (see :mod:`symgraph.progress`).

        Examples
        --------
        >>> from symgraph import grad
        >>> grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify()([2, 3], [1, 2])
        (array([2., 3.]), array([5., 8.]))
        >>> g = grad("b - 2*a")          # wrt defaults to first appearance: (b, a)
        >>> g.lambdify(args=["a", "b"])(1.0, 5.0)   # args fixes the inputs' order, results stay in wrt order
        (array(1.), array(-2.))
        """
        gradient, entries = isinstance(self, Gradient), shown_names(self.labels)  # a short line for any size
        fn = shown_names(output_labels(self.graph))  # a vjp's function may have several outputs
        doc = (f"Gradient of {fn} with respect to ({entries}); generated by symgraph." if gradient else
               f"The {self.mode} directional derivative of {fn}, entries ({entries}); generated by symgraph.")
        return compile_program(self.program, name="gradient" if gradient else "derivative",
                               returns=result_layout(self.graph, self.labels, self.held), doc=doc,
                               args=args, xp=xp,
                               backend=backend, chunk=chunk, parallel=parallel, progress=progress)

    #: the left-hand side of the LaTeX lines (:data:`symgraph.export.latex.HEADS`): a gradient's partials
    latex_kind = refusing("gradient", "result.latex_kind")

    @checked_options
    def latex(self, aligned: bool = False, name: str | None = None, nodes: bool = False,
              expand: bool = False, limit: int | None = ENTRY_LINES) -> str:
        """One line per entry: ``\\frac{\\partial f}{\\partial x} = ...`` for a gradient, ``\\left(J v\\right)_{y} = ...``
        for a jvp, ``\\left(w^{\\top} J\\right)_{x} = ...`` for a vjp (see :func:`symgraph.export.latex.derivative_latex`).

        A closed form too large to print at once is written as the program's
        assignments unless ``expand=True``; at most ``limit`` entries are
        written, then one line counts the rest (``limit=None`` writes every one).

        Examples
        --------
        >>> from symgraph import grad
        >>> print(grad("c = a + b; d = b + 1; e = c * d").latex(aligned=True, nodes=True))
        \\begin{aligned}
        \\frac{\\partial e}{\\partial a} &= d \\\\
        \\frac{\\partial e}{\\partial b} &= c + d
        \\end{aligned}
        """
        return derivative_latex(self, aligned=aligned, name=name, nodes=nodes, expand=expand, limit=limit,
                                kind=self.latex_kind)

    def _repr_latex_(self) -> str:
        """The notebook's display: :meth:`latex` of the first entries, so it stays bounded in time."""
        return notebook_math(derivative_latex(self, aligned=True, kind=self.latex_kind))

    @checked_options
    def array(self, name: str, limit: int | None = EXPAND_LIMIT) -> sympy.Array:
        """The entries for the elements of the indexed input ``name`` (``x[0], x[1], ...``) as a sympy Array of its shape.

        Every entry is built whole, as :meth:`expand` builds one, so ``limit``
        bounds their operations written out *together*: n entries that each
        hold a sum of n terms (``sum(x[i], i, 0, n-1)^2``) are n^2 operations,
        which sympy would build for hours at n = 10,000 although each entry
        passes the bound alone.  ``limit=None`` builds any size.
        """
        labels = _indexed_labels(self.graph, name, self.labels)
        check_limit(limit)
        self.program.measure(labels)  # one pass for every entry's count
        total = sum(self.program.expanded_size(label, SIZE_CAP) for label in labels)
        if limit is not None and total > limit:
            raise ExpressionTooLargeError(
                f"the {len(labels):,} entries for {name!r} have {count_text(total)} operations written out "
                f"together, more than {limit:,} (sympy would take minutes to build them); "
                f"result.array({name!r}, limit=None) builds them anyway; the program has them in shared form "
                "(.at(), .lambdify())")
        how = batch_level(self.simplification, total)
        return sympy.Array([self.expand(label, simplify=how, limit=None) for label in labels],
                           self.graph.indexed[name].shape)


class Gradient(DerivativeMap):
    """The gradient of a scalar function: wrt name -> sympy expression (built on first access).

    Attributes
    ----------
    wrt : tuple of str
        The variables, in the order asked for (the mapping's keys).
    graph, program, cost, mode
        As in :class:`DerivativeMap`.
    """

    @property
    def wrt(self) -> tuple[str, ...]:
        return WrtNames(self.labels)

    def _output_names(self, labels: Sequence[str]) -> list[str]:
        """``f_x`` for the entry x of f's gradient (:func:`~symgraph.names.partial_name`), so that derivatives taken
        on :meth:`as_graph` say what they differentiate: ``f_x_y``, ``df_x/dy``, not ``f1`` or ``df1/dy``."""
        function = function_name(self.graph)
        return [partial_name(function, label) for label in labels]
