"""Forward mode: one sweep per wrt node, tangents flowing towards the outputs.

tangent(v) = sum over in-edges u -> v of local(u, v) * tangent(u), visiting only
the wrt node's descendants in topological order.  Zero tangents are never
stored or propagated; products with 0 or +-1 are free and not counted
(:class:`~symgraph.ad.linearised.Linearised` decides which).

A Hessian's forward sweeps run here (one per input over the gradient's
program), so the commonest steps are in line: a tangent's first term and a
sum of two names skip :meth:`Linearised.add`, and while nothing is guarded
the emitter's :attr:`~symgraph.ir.emitter.Emitter.plain_op2` is called
(Rosenbrock n = 300 in forward mode: 19.2 M -> 15.0 M bytecode instructions),
and an edge's local derivative is read from :attr:`Linearised.edge_cache` in line,
calling :meth:`Linearised.local` only the first time (15.0 M -> 13.2 M with
local's own reordered lookup; a sparse Hessian, whose sweeps rarely meet an
edge twice, pays 0.2% more).

A node of many operands (``max(x0, ..., x19999)``) reached through few is read
through :meth:`Linearised.sweep_operands`, which looks up the operands holding
a tangent instead of scanning all of them in every sweep (92 s -> 1.3 s there).
Sums that meet one term again (``x + x*y + ... + x*y`` as a chain of
additions) emit one addition per partial sum, where reverse mode's constant
adjoints fold to a count: keeping such tangents as unemitted sums was built and
measured, and cost every other forward sweep 1.4-5% more bytecode (Rosenbrock's
gradient, the sparse Hessians) for a shape sympy and the parser's reductions
rarely make, so it was not kept.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from ..ir.emitter import ONE, Ref
from .linearised import Linearised, SweepResult


def tangents(lin: Linearised, seeds: Mapping[str, Ref]) -> dict[str, Ref]:
    """One forward sweep from every seeded node at once: tangent(v) = seed(v) + sum of local * tangent.

    With the single seed ``{x: 1}`` this is forward mode's sweep for ``x``;
    with several it is a Jacobian-vector product (:func:`symgraph.jvp`).
    """
    is_zero, local, mul, add = lin.is_zero, lin.local, lin.mul, lin.add
    op2, counts = lin.emitter.op2, lin.counts
    guards, op2_plain = lin.emitter.guards, lin.emitter.plain_op2  # op2 without its guard test while nothing is guarded
    cached = lin.edge_cache.get
    tangent = {x: s for x, s in seeds.items() if x in lin.index and not is_zero(s)}
    seeded = dict(tangent)
    trace = lin.trace
    get = tangent.get
    operands = lin.sweep_operands(tangent)  # preds itself, unless a node has many operands (max(x0, ..., x19999))
    for v in lin.descendants(*tangent):
        acc = seeded.get(v)
        for u in operands[v]:
            t = get(u)
            if t is not None:
                d = cached((u, v))  # Linearised.local's own cache, read in line: a call only the first time
                if d is None:
                    d = local(u, v)
                if d.__class__ is str and t.__class__ is str:  # Linearised.mul's first case, inlined
                    counts.multiplications += 1
                    term = op2("mul", d, t) if guards else op2_plain("mul", d, t)
                elif t is ONE and (d.__class__ is str or not is_zero(d)):  # free: a seed's partial passes
                    term = d  # (a Hessian's forward sweeps start from 1 at every input: 15% of their calls)
                elif d is ONE and (t.__class__ is str or not is_zero(t)):  # free: the tangent passes (sums)
                    term = t
                else:
                    term = mul(d, t)
                if term.__class__ is str:  # Linearised.add's cases for a name, inlined
                    if acc is None:  # the first term: nothing to add
                        acc = term
                        continue
                    if acc.__class__ is str:
                        counts.additions += 1
                        acc = op2("add", acc, term) if guards else op2_plain("add", acc, term)
                        continue
                acc = add(acc, term)
        if acc is None or acc.__class__ is not str and is_zero(acc):
            tangent.pop(v, None)  # a seeded node whose sum cancels to 0: the sum replaces the seed
        else:
            tangent[v] = acc
        if trace is not None:
            trace.tangent(v, tangent)
    return tangent


def forward(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    """One sweep per wrt node; ``derivatives`` holds the nonzero ``(output, wrt) -> ref`` (read with ``.get(key, 0)``)."""
    derivatives = {}
    wanted = set(outputs)
    for x in dict.fromkeys(wrt):
        if x not in lin.index or (x not in wanted and not lin.succs[x]):
            # a name that does not occur, or an input nothing uses (a gradient's program whose entries are
            # constants keeps its inputs): its derivatives are 0, and no sweep is made, as in reverse mode
            continue
        lin.counts.sweeps += 1
        if lin.trace is not None:
            lin.trace.sweep(x)
        tangent = tangents(lin, {x: ONE})
        # only the outputs this sweep reached: a sparse Jacobian's sweeps stay proportional to its nonzeros
        for y in (outputs if len(outputs) <= len(tangent) else [y for y in tangent if y in wanted]):
            t = tangent.get(y)
            if t is not None:
                derivatives[(y, x)] = t
        if lin.progress is not None:
            lin.progress.advance(1)
        lin.check_budget()
    return SweepResult(derivatives, lin.counts)
