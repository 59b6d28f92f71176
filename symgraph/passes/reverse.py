"""Reverse mode (backpropagation): one sweep per output, adjoints flowing towards the inputs.

adjoint(u) = sum over out-edges u -> v of adjoint(v) * local(u, v), visiting the
output's ancestors in reverse topological order.  A node used several times
(shared parameters, reused intermediates) accumulates over every use: the
textbook's "treat each use as its own variable, then add them".
"""
from __future__ import annotations

from typing import Sequence

from .local import Linearised, SweepResult


def reverse(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    derivatives = {}
    partials, mul, add = lin.partials, lin.mul, lin.add
    outputs = list(dict.fromkeys(outputs))
    for y in outputs:
        lin.counts.sweeps += 1
        adjoint = {y: 1}
        # One output: scan back from it over the topological order (nodes without an adjoint
        # are skipped), which is cheaper than collecting and sorting its ancestors.  Several
        # outputs: visit only each one's ancestors, so small cones stay cheap.
        if len(outputs) == 1:
            order = lin.order
            start = len(order) - 1 if order[-1] == y else lin.index[y]
            visit = (order[i] for i in range(start, -1, -1))
        else:
            visit = lin.ancestors(y)
        for v in visit:
            a = adjoint.get(v)
            if a is None:
                continue
            for u, d in partials(v).items():
                adjoint[u] = add(adjoint.get(u), mul(a, d))
        for x in wrt:
            derivatives[(y, x)] = adjoint.get(x, 0)
    return SweepResult(derivatives, lin.counts)
