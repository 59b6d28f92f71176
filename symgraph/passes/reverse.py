"""Reverse mode (backpropagation): one sweep per output, adjoints flowing towards the inputs.

adjoint(u) = sum over out-edges u -> v of adjoint(v) * local(u, v), visiting the
output's ancestors in reverse topological order.  A node used several times
(shared parameters, reused intermediates) accumulates over every use: the
textbook's "treat each use as its own variable, then add them".
"""
from __future__ import annotations

from typing import Iterable, Sequence

from ..program import Ref, is_zero
from ..progress import STEP
from .local import Linearised, SweepResult


def backpropagate(lin: Linearised, adjoint: dict[str, Ref], visit: Iterable[str]) -> int:
    """Pull ``adjoint`` back over ``visit`` (reverse topological order), in place; return the nodes visited.

    Seeding one output with 1 is reverse mode's sweep; seeding several with a
    vector's components is a vector-Jacobian product (:func:`symgraph.vjp`).
    """
    partials, mul, add, report = lin.partials, lin.mul, lin.add, lin.progress
    visited = 0
    for v in visit:
        if report is not None:
            visited += 1
            if not visited & (STEP - 1):
                report.advance(STEP)
        a = adjoint.get(v)
        if a is None or is_zero(a):
            continue
        for u, d in partials(v).items():
            adjoint[u] = add(adjoint.get(u), mul(a, d))
    return visited


def reverse(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    derivatives = {}
    outputs = list(dict.fromkeys(outputs))
    for y in outputs:
        lin.counts.sweeps += 1
        adjoint = {y: 1}
        # One output: scan back from it over the topological order (nodes without an adjoint
        # are skipped), which is cheaper than collecting and sorting its ancestors.  Several
        # outputs: visit only each one's ancestors, so small cones stay cheap.
        if len(outputs) == 1:
            order = lin.order
            visit = reversed(order) if order[-1] == y else order[lin.index[y]::-1]
        else:
            visit = lin.ancestors(y)
        visited = backpropagate(lin, adjoint, visit)
        if lin.progress is not None:  # the rest of this sweep's share (len(order) node visits per output)
            lin.progress.advance(len(lin.order) - visited + visited % STEP)
        for x in wrt:
            derivatives[(y, x)] = adjoint.get(x, 0)
    return SweepResult(derivatives, lin.counts)
