"""Forward mode: one sweep per wrt node, tangents flowing towards the outputs.

tangent(v) = sum over in-edges u -> v of local(u, v) * tangent(u), visiting only
the wrt node's descendants in topological order.  Zero tangents are never
stored or propagated; products with 0 or +-1 are free and not counted.
"""
from __future__ import annotations

from typing import Sequence

from .local import Linearised, SweepResult


def forward(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    derivatives = {}
    for x in dict.fromkeys(wrt):
        if x not in lin.index:
            continue  # a name that does not occur: its derivatives are 0
        lin.counts.sweeps += 1
        reach = lin.descendants(x)
        tangent = {x: 1}
        for v in reach:
            acc = None
            for u in lin.preds[v]:
                t = tangent.get(u)
                if t is not None:
                    acc = lin.add(acc, lin.mul(lin.local(u, v), t))
            if acc is not None and not (not isinstance(acc, str) and acc == 0):
                tangent[v] = acc
        for y in outputs:
            derivatives[(y, x)] = tangent.get(y, 0)
        if lin.progress is not None:
            lin.progress.advance(1)
    return SweepResult(derivatives, lin.counts)
