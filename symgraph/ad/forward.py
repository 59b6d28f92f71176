"""Forward mode: one sweep per wrt node, tangents flowing towards the outputs.

tangent(v) = sum over in-edges u -> v of local(u, v) * tangent(u), visiting only
the wrt node's descendants in topological order.  Zero tangents are never
stored or propagated; products with 0 or +-1 are free and not counted
(:class:`~symgraph.ad.linearised.Linearised` decides which).
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ..ir.emitter import Ref
from .linearised import Linearised, SweepResult


def tangents(lin: Linearised, seeds: Mapping[str, Ref]) -> dict[str, Ref]:
    """One forward sweep from every seeded node at once: tangent(v) = seed(v) + sum of local * tangent.

    With the single seed ``{x: 1}`` this is forward mode's sweep for ``x``;
    with several it is a Jacobian-vector product (:func:`symgraph.jvp`).
    """
    is_zero = lin.is_zero
    tangent = {x: s for x, s in seeds.items() if x in lin.index and not is_zero(s)}
    seeded = dict(tangent)
    for v in lin.descendants(*tangent):
        acc = seeded.get(v)
        for u in lin.preds[v]:
            t = tangent.get(u)
            if t is not None:
                acc = lin.add(acc, lin.mul(lin.local(u, v), t))
        if acc is None or is_zero(acc):
            tangent.pop(v, None)  # a seeded node whose sum cancels to 0: the sum replaces the seed
        else:
            tangent[v] = acc
    return tangent


def forward(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    derivatives = {}
    for x in dict.fromkeys(wrt):
        if x not in lin.index:
            continue  # a name that does not occur: its derivatives are 0
        lin.counts.sweeps += 1
        tangent = tangents(lin, {x: 1})
        for y in outputs:
            derivatives[(y, x)] = tangent.get(y, 0)
        if lin.progress is not None:
            lin.progress.advance(1)
    return SweepResult(derivatives, lin.counts)
