"""Second order: Hessians as Jacobians of gradient programs, in the composition of modes asked for.

A Hessian is derived on programs, never on sympy trees: the gradient's
program (one reverse sweep, or forward sweeps) becomes a graph
(:meth:`Program.as_graph`) whose outputs are the gradient's entries, and the
Jacobian of that graph is the Hessian -- so every subexpression the gradient
shares stays shared, and the Hessian's program stays a small multiple of the
function's.  The four strategies of the literature are the compositions:

* ``"forward-over-reverse"`` (the default): one reverse sweep for the
  gradient, then one forward sweep per wrt input over its program (the
  columns) -- n sweeps, each about the cost of a gradient;
* ``"reverse-over-forward"``: forward sweeps for the gradient, then reverse
  sweeps over them;
* ``"forward-over-forward"``: forward for both;
* ``"reverse-over-reverse"``: reverse for both (an adjoint of an adjoint).

The Hessian is symmetric, so only the entries on and above the diagonal are
results of the program; the matrix mirrors them (each entry is computed once).
"""
from __future__ import annotations

import time
from typing import Any, Sequence

import sympy

from .cost import CostReport, ModeCost, mode_cost
from .derive import grad, jacobian_program
from .errors import GraphError
from .export.display import EXPAND_LIMIT, check_size
from .frontend.coerce import as_graph, wrt_names
from .ad.modes import sweep_options
from .ir.program import Program
from .ir.simplify import normalise, simplify as simplify_expr
from .matrices import DerivativeMatrix, SparseDerivative
from .sparsity import jacobian_sparsity

#: strategy -> (the gradient's mode, the mode of its Jacobian)
STRATEGIES = {
    "forward-over-reverse": ("reverse", "forward"),
    "reverse-over-forward": ("forward", "reverse"),
    "forward-over-forward": ("forward", "forward"),
    "reverse-over-reverse": ("reverse", "reverse"),
}


def hessian_program(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
                    sparse: bool = False, allow_unused: bool = False,
                    **sizes: int) -> tuple[Program, list[str], CostReport, Any]:
    """``(program, wrt names, cost, pattern)``: a program whose results ``d2/d{x}d{y}`` are the Hessian's
    entries on and above the diagonal (x before y in ``wrt`` order), what deriving it cost, and with
    ``sparse=True`` the structural pattern (``scipy.sparse`` CSR; else None), whose entries alone are results."""
    inner, outer = _strategy(mode)
    graph = as_graph(f, **sizes)
    if len(graph.outputs) != 1:
        raise GraphError(f"hessian() takes a function with one output; this one has {len(graph.outputs)}")
    names = wrt_names(graph, wrt, allow_unused)
    inputs = set(graph.input_labels) | set(graph.inputs)
    intermediate = [n for n in names if n in graph.addresses and n not in inputs]
    if intermediate:
        raise GraphError(f"hessian() differentiates by inputs; {', '.join(intermediate)} "
                         f"{'is' if len(intermediate) == 1 else 'are'} intermediate")
    start = time.perf_counter()
    gradient = grad(graph, names, mode=inner, simplify=False, progress=False, allow_unused=True)
    second = gradient.program.as_graph(names)
    program, cost = jacobian_program(second, names, outer, sparse=sparse, **sweep_options(outer, "markowitz"))
    labels = {}
    pattern = None
    if sparse:
        pattern = _symmetric(jacobian_sparsity(second, names, allow_unused=True))
        rows, cols = pattern.nonzero()
        for i, j in zip(rows.tolist(), cols.tolist()):
            if i <= j:
                labels[_label(names[i], names[j])] = program.results.get(f"d{second.outputs[i]}/d{names[j]}", 0)
    else:
        for i, x in enumerate(names):
            for y in names[i:]:
                labels[_label(x, y)] = program.results[f"d{second.outputs[i]}/d{y}"]
    program = Program(program.inputs, program.instructions, labels, program.graph).pruned()
    seconds = time.perf_counter() - start
    first = gradient.cost[inner]
    counts = ModeCost(mode, first.sweeps + cost.sweeps, first.multiplications + cost.multiplications,
                      first.additions + cost.additions, program.ops, None, seconds, "")
    return program, names, CostReport([counts], len(names), len(names), ""), pattern


def _symmetric(pattern: Any) -> Any:
    return (pattern + pattern.T).astype(bool).tocsr()


def hessian(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
            simplify: bool | str = True, sparse: bool = False, allow_unused: bool = False,
            **sizes: int) -> "DerivativeMatrix | SparseDerivative":
    """The symmetric matrix of second derivatives d2f/dx_i dx_j, derived on the gradient's program.

    Parameters
    ----------
    f : str, sympy expression or Graph
        A function with one output.
    wrt : list of names, optional
        The inputs, in the matrix's order (default: every input; ``"x"``
        names every element of an indexed input).
    mode : {"forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse"}
        How the two derivatives are taken (the entries are equal; the costs are
        not: see :mod:`symgraph.hessian`).
    simplify : True, False, "fast", "full" or "none"
        See :mod:`symgraph.ir.simplify`.
    sparse : bool
        Derive only the structural nonzeros (:func:`symgraph.hessian_sparsity`),
        at a cost proportional to their number, and return a
        :class:`~symgraph.matrices.SparseDerivative` (pattern, program, closed
        forms on request, ``.lambdify()`` to CSR matrices).

    Returns
    -------
    DerivativeMatrix
        A symmetric sympy Matrix whose ``.lambdify()`` gives ``(n, n, *batch)`` arrays.

    Examples
    --------
    >>> hessian("x^2*y + y^3", wrt=["x", "y"])
    Matrix([
    [2*y, 2*x],
    [2*x, 6*y]])
    """
    graph = as_graph(f, **sizes)
    program, names, _, pattern = hessian_program(graph, wrt, mode=mode, sparse=sparse, allow_unused=allow_unused)
    if sparse:
        rows, cols = pattern.nonzero()  # CSR order; (j, i) below the diagonal reads the label of (i, j)
        labels = [_label(names[min(i, j)], names[max(i, j)]) for i, j in zip(rows.tolist(), cols.tolist())]
        return SparseDerivative(pattern, program, labels, names, order=2, graph=graph)
    how = normalise(simplify)
    entry, cells = {}, {}
    for i, x in enumerate(names):
        for y in names[i:]:
            label = _label(x, y)
            check_size(program, label, EXPAND_LIMIT, "hessian_program(...)[0].closed_form(label)")
            entry[(x, y)] = entry[(y, x)] = simplify_expr(program.closed_form(label), how,
                                                           size=program.expanded_size(label))
            cells[(x, y)] = cells[(y, x)] = label
    return DerivativeMatrix.of([[entry[(x, y)] for y in names] for x in names], program,
                               [[cells[(x, y)] for y in names] for x in names], order=2, graph=graph, wrt=names)


def _label(x: str, y: str) -> str:
    return f"d2/d{x}d{y}"


def _strategy(mode: str) -> tuple[str, str]:
    try:
        return STRATEGIES[mode]
    except KeyError:
        raise ValueError(f"unknown Hessian mode {mode!r}; choose one of {', '.join(STRATEGIES)}") from None
