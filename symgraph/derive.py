"""grad and jacobian: the entry points of first derivatives.

The entry points resolve the mode (:mod:`symgraph.ad.modes`), run its sweep
and turn the emitted refs into a :class:`~symgraph.ir.program.Program` and a
:class:`~symgraph.cost.CostReport`; the mappings they return
(:class:`~symgraph.derivative_map.Gradient`) are :mod:`symgraph.derivative_map`'s.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from .ad.modes import resolve_mode, run_mode, sweep_options
from .options import checked_options
from .cost import CostReport, ModeCost, mode_cost
from .derivative_map import Gradient
from .frontend.coerce import as_graph, held_places, held_without_elements, read_once, taking_unused, wrt_names
from .ir.folding import ZERO
from .ir.graph import Graph
from .names import output_labels
from .ir.program import Program
from .ir.simplify import normalise
from .matrices import DerivativeMatrix, check_entries
from .sparse_derivative import SparseDerivative
from .sparsity import jacobian_sparsity
from .progress import paused_gc


@checked_options
def grad(f: Any, wrt: Sequence[str] | str | None = None, *, mode: str = "reverse",
         simplify: bool | str = True, order: str = "markowitz", limit: int | None = None, progress: Any = None,
         allow_unused: bool = False, **sizes: int) -> Gradient:
    """Symbolic gradient of a scalar function, derived on its computational graph.

    Parameters
    ----------
    f : str, sympy expression or Graph
        The function; text may be a program of ``name = expr`` lines.
    wrt : list of names, optional
        Variables to differentiate by (default: every input, in order of first
        appearance).  A graph node name gives the derivative with respect to
        that intermediate; a name that does not occur gets 0, with an
        :class:`~symgraph.errors.UnusedWrtWarning` unless ``allow_unused``.
    mode : {"reverse", "forward", "paths", "elimination", "auto"}
        How to accumulate the chain rule; every mode gives equal results.
        ``"auto"`` picks forward or reverse by counting edge products on the
        graph (:func:`symgraph.ad.modes.choose_mode`); ``gradient.mode`` and
        ``gradient.cost.note`` say which and why.
    simplify : True, False, "fast", "full" or "none"
        See :mod:`symgraph.ir.simplify`.
    order : {"markowitz", "forward", "reverse"}
        Vertex order for ``mode="elimination"`` (:mod:`symgraph.ad.eliminate`); another
        order with another mode is an ArgumentError.
    limit : int, optional
        The most input-output paths ``mode="paths"`` enumerates (default 10,000);
        more raise :class:`~symgraph.errors.PathLimitError`.  With another mode it is
        an ArgumentError.
    progress : None, bool or callable(done, total)
        Progress of long derivations; by default a bar on a terminal only
        (see :mod:`symgraph.progress`).
    allow_unused : bool
        Say that ``wrt`` may name variables absent from ``f`` (no warning).

    Examples
    --------
    >>> g = grad("(a+b)*(b+1)", wrt=["a", "b"])
    >>> g["a"], g["b"]
    (b + 1, a + 2*b + 1)
    >>> g.at(a=2, b=1)
    {'a': 2.0, 'b': 5.0}
    """
    # One collection after the whole derivation: a large table built with the collector on (the labels
    # of a million indexed elements) is traversed again by every young collection its growth triggers
    with paused_gc():
        graph, wrt = as_graph(f, **sizes), read_once(wrt)
        names = wrt_names(graph, wrt, allow_unused)
        program, cost, mode = gradient_program(graph, names, mode, order, progress, limit)
    return Gradient(graph, names, program, cost, mode, simplify, held_places(graph, wrt))


def gradient_program(graph: Graph, names: list[str], mode: str, order: str,
                      progress: Any, limit: int | None = None) -> tuple[Program, CostReport, str]:
    """:func:`grad`'s program (results labelled by the wrt names), cost and mode (``"auto"`` resolved).

    A function of its own so that the sweep's scratch (the linearised graph,
    the emitter's hash-consing keys) is freed before :func:`grad` resumes the
    collector, which would otherwise scan it once: 0.55 s -> 0.37 s at 10^6 nodes.
    """
    output = graph.output
    start = time.perf_counter()
    options = sweep_options(mode, order, limit)  # of the mode asked for: "auto" takes neither option
    mode, note = resolve_mode(graph, [output], names, mode)
    result, lin = run_mode(graph, [output], names, mode, progress, **options)
    program = taking_unused(lin.emitter.program(graph.input_nodes, {x: result.entry(output, x) for x in names}), graph, names)
    cost = mode_cost(mode, result.counts, program, time.perf_counter() - start, note, result.paths)
    return program, CostReport([cost], len(names), 1, note), mode


def jacobian_program(graph: Graph, wrt: Sequence[str], mode: str, progress: Any = None, sparse: bool = False,
                     **options) -> tuple[Program, ModeCost]:
    """The program of every d output / d wrt and its cost; results are labelled ``d{f}/d{x}`` by the output's
    label (:func:`~symgraph.names.output_labels`: ``df2/dx``, as the function's LaTeX and the command line print
    it), one per row even where two rows are the same node, in row-major order.

    ``mode="auto"`` is resolved here; ``options`` go to the sweep (``order=``, ``limit=``).
    ``sparse=True`` keeps only the entries the sweeps produced (the others are
    0), so a sparse Jacobian costs its nonzeros, not outputs x wrt.  The
    entries are labelled once, here: a dense 1,000 x 1,000 Jacobian labelled
    them by output node and then again by output label, 2.5 s of its 4.8 s.
    """
    start = time.perf_counter()
    mode, note = resolve_mode(graph, graph.outputs, wrt, mode)
    result, lin = run_mode(graph, graph.outputs, wrt, mode, progress, **options)
    labels = output_labels(graph)
    if sparse:
        rows_of: dict[str, list[str]] = {}  # output node -> the labels of its rows
        for y, label in zip(graph.outputs, labels):
            rows_of.setdefault(y, []).append(label)
        results = {f"d{f}/d{x}": ref for (y, x), ref in result.by_name() for f in rows_of[y]}
    else:
        get, nodes = result.derivatives.get, result.nodes
        columns = [(f"/d{x}", x if nodes is None else nodes.get(x)) for x in wrt]  # result.entry's, once per column
        results = {f"d{f}{column}": get((y, node), ZERO) for y, f in zip(graph.outputs, labels)
                   for column, node in columns}
    program = taking_unused(lin.emitter.program(graph.input_nodes, results), graph, wrt)
    return program, mode_cost(mode, result.counts, program, time.perf_counter() - start, note, result.paths)


class _DefaultMode(str):
    """:func:`jacobian`'s default ``mode="reverse"``, told apart from the same mode passed: with ``sparse=True``
    the default takes the cheaper sweep direction (as ``"auto"``), and a ``mode="reverse"`` given was taken so
    too, derived in forward mode without a word."""

    __slots__ = ()


#: the default mode of :func:`jacobian` (equal to, and printed as, "reverse")
DEFAULT_MODE = _DefaultMode("reverse")


@checked_options
def jacobian(fs: Any, wrt: Sequence[str] | None = None, *, mode: str = DEFAULT_MODE,
             simplify: bool | str = True, order: str = "markowitz", limit: int | None = None, progress: Any = None,
             sparse: bool = False, allow_unused: bool = False, **sizes: int) -> "DerivativeMatrix | SparseDerivative":
    """Jacobian matrix (outputs x wrt) of several functions or a multi-output graph.

    Forward mode fills it column by column (one sweep per wrt), reverse mode
    row by row (one sweep per output), elimination all at once in the given
    ``order``, the path sum path by path (at most ``limit`` paths, as in
    :func:`grad`); ``mode="auto"`` picks the cheaper sweep direction, as in
    :func:`grad`.  The results are equal.  One row per function, in order,
    even when two functions are the same expression; a ``wrt`` name absent
    from every function gives a zero column (with a warning unless
    ``allow_unused``).  The result is a sympy Matrix whose ``.lambdify()``
    compiles every entry at once (``(m, n, *batch)`` arrays) and whose
    ``.cost`` is its derivation's report, as a gradient's; ``sparse=True``
    derives only the structural nonzeros (:func:`symgraph.jacobian_sparsity`),
    with the default mode in the cheaper sweep direction (as ``"auto"``; a mode given is the mode used), and
    returns a :class:`~symgraph.sparse_derivative.SparseDerivative` (CSR matrices).

    Examples
    --------
    >>> jacobian(["x*y", "x+y"], wrt=["x", "y"])
    Matrix([
    [y, x],
    [1, 1]])
    """
    graph, wrt = as_graph(fs, **sizes), read_once(wrt)
    names = wrt_names(graph, wrt, allow_unused)
    default, mode = mode is DEFAULT_MODE, str(mode) if isinstance(mode, str) else mode  # a plain str from here on
    options = sweep_options(mode, order, limit)  # checked before any work, as simplify is
    normalise(simplify)
    if sparse:  # each sweep reaches only the entries its input (forward) or output (reverse) has; the default
        # takes the cheaper direction, counted on the graph: forward always made the gradient of a sum of
        # n = 3,000 squares in 3,000 sweeps along its chain of additions (5.4 s, reverse 0.04 s)
        pattern = jacobian_sparsity(graph, names, allow_unused=True)
        program, cost = jacobian_program(graph, names, "auto" if default else mode, progress,
                                         sparse=True, **options)
        program = in_pattern_order(program, pattern, output_labels(graph), names)
        return SparseDerivative(pattern, program, list(program.results), names, graph=graph, simplify=simplify,
                                held=held_without_elements(graph, wrt),
                                cost=CostReport([cost], len(names), len(graph.outputs), cost.note))
    check_entries(len(graph.outputs), len(names), "Jacobian", "sg.jacobian(..., sparse=True)")
    program, cost = jacobian_program(graph, names, mode, progress, **options)
    keys = list(program.results)  # row-major
    labels = [keys[i * len(names):(i + 1) * len(names)] for i in range(len(graph.outputs))]
    matrix = DerivativeMatrix.of(program, labels, simplify, "sg.jacobian(..., sparse=True) keeps the entries "
                                 "unexpanded (its .lambdify() compiles them to a CSR matrix, whose .toarray() is "
                                 "the dense one), and its .program.closed_form(label)",
                                 graph=graph, wrt=names, held=held_without_elements(graph, wrt))
    matrix.cost = CostReport([cost], len(names), len(graph.outputs), cost.note)
    return matrix


def in_pattern_order(program: Program, pattern: Any, rows: Sequence[str], cols: Sequence[str]) -> Program:
    """``program`` whose results are the stored entries of the sparse ``pattern``, in its CSR order, labelled
    ``d{row}/d{col}``; one the sweeps did not reach (a tangent that vanished) is 0."""
    results = program.results
    labels = (f"d{rows[i]}/d{cols[j]}" for i, j in zip(*(k.tolist() for k in pattern.nonzero())))
    return Program(program.inputs, program.instructions, {label: results.get(label, 0) for label in labels},
                   program.graph, program.unused)
