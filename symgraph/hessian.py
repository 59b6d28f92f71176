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

#: strategy -> (the gradient's mode, the mode of its Jacobian)
STRATEGIES = {
    "forward-over-reverse": ("reverse", "forward"),
    "reverse-over-forward": ("forward", "reverse"),
    "forward-over-forward": ("forward", "forward"),
    "reverse-over-reverse": ("reverse", "reverse"),
}


def hessian_program(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
                    allow_unused: bool = False, **sizes: int) -> tuple[Program, list[str], CostReport]:
    """``(program, wrt names, cost)``: a program whose results ``d2/d{x}d{y}`` are the Hessian's entries on
    and above the diagonal (x before y in ``wrt`` order), and what deriving it cost."""
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
    program, cost = jacobian_program(second, names, outer, **sweep_options(outer, "markowitz"))
    labels = {}
    for i, x in enumerate(names):
        for y in names[i:]:
            labels[_label(x, y)] = program.results[f"d{second.outputs[i]}/d{y}"]
    program = Program(program.inputs, program.instructions, labels, program.graph).pruned()
    seconds = time.perf_counter() - start
    first = gradient.cost[inner]
    counts = ModeCost(mode, first.sweeps + cost.sweeps, first.multiplications + cost.multiplications,
                      first.additions + cost.additions, program.ops, None, seconds, "")
    return program, names, CostReport([counts], len(names), len(names), "")


def hessian(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
            simplify: bool | str = True, allow_unused: bool = False, **sizes: int) -> sympy.Matrix:
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

    Examples
    --------
    >>> hessian("x^2*y + y^3", wrt=["x", "y"])
    Matrix([
    [2*y, 2*x],
    [2*x, 6*y]])
    """
    program, names, _ = hessian_program(f, wrt, mode=mode, allow_unused=allow_unused, **sizes)
    how = normalise(simplify)
    entry = {}
    for i, x in enumerate(names):
        for y in names[i:]:
            label = _label(x, y)
            check_size(program, label, EXPAND_LIMIT, "hessian_program(...)[0].closed_form(label)")
            entry[(x, y)] = entry[(y, x)] = simplify_expr(program.closed_form(label), how,
                                                           size=program.expanded_size(label))
    return sympy.Matrix([[entry[(x, y)] for y in names] for x in names])


def _label(x: str, y: str) -> str:
    return f"d2/d{x}d{y}"


def _strategy(mode: str) -> tuple[str, str]:
    try:
        return STRATEGIES[mode]
    except KeyError:
        raise ValueError(f"unknown Hessian mode {mode!r}; choose one of {', '.join(STRATEGIES)}") from None
