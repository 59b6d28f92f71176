"""Directional derivatives: ``jvp`` (J·v, one forward sweep) and ``vjp`` (wᵀ·J, one reverse sweep).

Seeding every wrt input with its component of ``v`` at once turns forward
mode's n sweeps into one, and seeding every output with its component of
``w`` turns reverse mode's m sweeps into one (CasADi's ``jtimes``, JAX's
``jvp``/``vjp``).  A seed is a number or a name: a name that is a node of the
graph stands for that node's value, any other name becomes an extra input of
the result's program (so ``at()`` needs a value for it).
"""
from __future__ import annotations

import re
import time
from typing import Any, Sequence

import sympy

from . import rules
from .cost import CostReport, ModeCost, expanded_ops
from .derive import DerivativeMap, _wrt_list, as_graph
from .errors import GraphError
from .graph import Graph, is_identifier
from .passes.forward import tangents
from .passes.local import Linearised
from .passes.reverse import backpropagate
from .program import Emitter, is_zero


class Directional(DerivativeMap):
    """A directional derivative: ``jvp`` maps output names, ``vjp`` wrt names, to sympy expressions.

    Attributes
    ----------
    graph : Graph
        The function's graph.
    program : Program
        The straight-line program of every entry; its inputs are the graph's
        inputs followed by the seed names that are not graph nodes.
    cost : CostReport
        What the single sweep counted.
    mode : str
        ``"forward"`` for jvp, ``"reverse"`` for vjp.
    """


def _seeds(seeds: Any, names: Sequence[str], what: str) -> list:
    """Seed refs (program constants or names) for ``names``; a bare scalar seeds a single name."""
    if isinstance(seeds, (str, sympy.Symbol, int, float, sympy.Number)):
        seeds = [seeds]
    seeds = list(seeds)
    if len(seeds) != len(names):
        raise GraphError(f"{what} has {len(seeds)} component(s) but there are {len(names)} "
                         f"({', '.join(names)})")
    refs = []
    for s in seeds:
        if isinstance(s, sympy.Symbol):
            s = s.name
        if isinstance(s, str):
            if not is_identifier(s):
                raise GraphError(f"seed {s!r} in {what} is not a name")
            refs.append(s)
        elif isinstance(s, (int, float, sympy.Number)) and not isinstance(s, bool):
            refs.append(rules.as_constant(s) if isinstance(s, (int, float)) else s)
        else:
            raise TypeError(f"a seed in {what} must be a number or a name, got {s!r}")
    return refs


def _linearised(graph: Graph, seed_refs: Sequence) -> tuple[Linearised, list[str]]:
    """A Linearised graph whose temporaries cannot clash with seed names, and the extra input names."""
    extra = list(dict.fromkeys(s for s in seed_refs if isinstance(s, str) and s not in graph.nx))
    prefix = "t"
    while any(re.fullmatch(rf"{prefix}\d+", s) for s in extra):
        prefix += "_"
    return Linearised(graph, Emitter(graph, prefix=prefix)), extra


def _result(graph, keys, lin, extra, values, mode, start, simplify) -> Directional:
    program = lin.emitter.program((*graph.inputs, *extra), {k: values.get(k, 0) for k in keys})
    counts = lin.counts
    cost = ModeCost(mode, sweeps=counts.sweeps, multiplications=counts.multiplications,
                    additions=counts.additions, program_ops=program.ops, expanded=lambda: expanded_ops(program),
                    seconds=time.perf_counter() - start)
    return Directional(graph, keys, program, CostReport([cost], len(keys), len(graph.outputs)), mode, simplify)


def jvp(f: Any, wrt: Sequence[str] | str | None, v: Any, *, simplify: bool | str = True) -> Directional:
    """Jacobian-vector product J·v in one forward sweep, for every output of ``f``.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        The function (several outputs allowed).
    wrt : list of names
        The directions' coordinates (default: every input, in order).
    v : sequence of numbers or names
        One seed per wrt name.

    Returns
    -------
    Directional
        Output name -> sum over i of v[i] * d output / d wrt[i].

    Examples
    --------
    >>> import symgraph as sg
    >>> sg.jvp("x*y", ["x", "y"], [1, 0])["v1"]
    y
    >>> d = sg.jvp("x*y", ["x", "y"], ["u", "w"])
    >>> d["v1"], d.cost.sweeps
    (u*y + w*x, 1)
    >>> d.at(x=2, y=3, u=1, w=10)
    {'v1': 23.0}
    """
    start = time.perf_counter()
    graph = as_graph(f)
    names = _wrt_list(graph, wrt)
    refs = _seeds(v, names, "v")
    lin, extra = _linearised(graph, refs)
    lin.counts.sweeps = 1
    tangent = tangents(lin, dict(zip(names, refs)))
    return _result(graph, graph.outputs, lin, extra, tangent, "forward", start, simplify)


def vjp(f: Any, wrt: Sequence[str] | str | None, w: Any, *, simplify: bool | str = True) -> Directional:
    """Vector-Jacobian product wᵀ·J in one reverse sweep, for every wrt name.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        The function (several outputs allowed).
    wrt : list of names
        Names to report (default: every input, in order).
    w : sequence of numbers or names
        One seed per output of ``f``, in ``graph.outputs`` order.

    Returns
    -------
    Directional
        wrt name -> sum over j of w[j] * d output[j] / d name.

    Examples
    --------
    >>> import symgraph as sg
    >>> d = sg.vjp(["x*y", "x+y"], ["x", "y"], [1, "u"])
    >>> d["x"], d["y"], d.cost.sweeps
    (u + y, u + x, 1)
    """
    start = time.perf_counter()
    graph = as_graph(f)
    names = _wrt_list(graph, wrt)
    refs = _seeds(w, list(graph.outputs), "w")
    lin, extra = _linearised(graph, refs)
    lin.counts.sweeps = 1
    adjoint = {y: s for y, s in zip(graph.outputs, refs) if not is_zero(s)}
    backpropagate(lin, adjoint, lin.rows(lin.ancestors(*adjoint)), keep=names)
    return _result(graph, names, lin, extra, adjoint, "reverse", start, simplify)
