"""Reverse mode (backpropagation): one sweep per output, adjoints flowing towards the inputs.

adjoint(u) = sum over out-edges u -> v of adjoint(v) * local(u, v), visiting the
output's ancestors in reverse topological order.  A node used several times
(shared parameters, reused intermediates) accumulates over every use: the
textbook's "treat each use as its own variable, then add them".

An adjoint that flows through a branch of ``where(c, a, b)`` is guarded: it is
``where(c, adjoint, 0)``, and every later product of it is selected again so an
untaken branch's nan (``sqrt(-1)``) never meets its zero adjoint; the emitter
does it for every mode (:mod:`symgraph.ir.branches`).

Per node the sweep makes one test to read or take the adjoint, skips the
zero test for an adjoint of exactly 1, and calls the emitter's
``plain_op2`` while nothing is guarded.  A sum, difference or product of
two names (:data:`~symgraph.ad.linearised.TWO_NAME_PARTIALS`) has its
partials built here, an input none, without a call of
:meth:`~symgraph.ad.linearised.Linearised.node_partials`, and a constant
adjoint times a name goes straight to the emitter's product
(``Emitter._scaled``, where :meth:`Linearised.mul` leads).  With the
negated adjoints as tuples (:data:`NEGATED`), measured in one process, the
old and new sweep alternating (best to first quartile of 30-450 gradients;
the machine shared and loaded): Rosenbrock n = 10, 100, 1,000 -4, -5 to -9,
-4 to -6%, the product of 10, 100, 1,000 inputs -3, -6 to -7, -7 to -8%,
the MLP -6%, the chain of depth 10 to 200 within the noise (-5 to +1%), the
sparse Hessian of Rosenbrock at n = 10,000 (its gradient) -6%; bytecode
instructions per gradient 3.93 M -> 3.85 M, 0.82 M -> 0.79 M, 94 k -> 90 k,
1.02 M -> 1.03 M.  Tried and not kept: testing once
per node whether the adjoint is a name (more work than the per-edge test it
saves, which the partial's class decides first); compiling this module, the
emitter, :mod:`~symgraph.ad.linearised` and :mod:`~symgraph.ir.program`
unchanged with Cython (Rosenbrock n = 1,000: 39.5 ms -> 30.2 ms, 1.3x, in
one run), which would not reach CasADi's pace (5x) and would make installs
need a C compiler.  Python's own floor, measured: a bare reverse sweep over
Rosenbrock's rows at n = 1,000 -- a dict of adjoints, each edge's product and
sum emitted through one hash-consing dict, no folding, signs, guards or
pruning -- took 19.1-19.7 ms against this sweep's 28.9-30.9 ms (same quiet
machine, best of 10, three runs) and CasADi's 6.2 ms.  So no Python sweep
reaches 2x CasADi's time: that needs the sweep compiled.  Measured since, in
one process (best of 20, the machine loaded): a numba reverse sweep over
Rosenbrock's rows at n = 1,000 held as arrays (op codes, operand indices, a
float constant table), hash-consing through a typed dict and folding only
units and constant products, took 0.70 ms (the product of 1,000 inputs:
0.11 ms) against this sweep's 35 ms and CasADi's 6 ms; turning its 7,991
instructions into this package's rows, with names and sympy constants, took
4.7 ms (0.85 ms); encoding the graph's rows as arrays 11 ms (0.8 ms), which a
graph held as arrays from parsing would not pay.  So rows as tuples are not
what stands in the way.  What does: the emitter's rules (exact sympy
constants and their folds, :mod:`symgraph.rationals`; signs, like terms,
guards) would need their one home inside the kernel, not a second copy beside
Python's, and derivation would need numba: that small kernel took 7.3 s to
compile cold and 0.46 s to load from numba's cache in a new process.

Outside this sweep, a gradient's fixed costs (bytecode per gradient of the
chain of depth 200, the MLP, Rosenbrock at n = 1,000): the emitter's seed,
a pass over the graph's rows, is now computed once per graph and copied
(:func:`~symgraph.ir.instruction_keys.seed`: 67 k, 7 k, 545 k bytecodes
before); a partial's recipe is replayed with its placeholders bound by one
dict literal per node shape and without a list per call (the chain 1.34 M
-> 1.25 M, the MLP 101 k -> 93 k).  Timings in
:mod:`~symgraph.ir.cancelling`.  Tried and not kept: the dead-code pass
(:func:`~symgraph.ir.liveness.live_instructions`, 17-23% of these
gradients' bytecode) with its screen out of a closure, a loop of its own
for screened scans, or a case for one-operand rows: within 3% of it on
each workload's rows; a one-operand case in ``Emitter.replay`` (as many
bytecodes as the list it saves).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from ..ir.emitter import Ref
from ..ir.folding import _UNITS, ONE  # _UNITS: id of 0, 1, -1 -> that value (Emitter._scaled's unit)
from ..progress import STEP
from .linearised import (_UNCHANGED, MINUS_ONE_FACTOR, ONE_FACTOR, SWAPPED, TWO_NAME_PARTIALS, Linearised, SweepResult,
                         _ref)


#: An adjoint held as ``-ref`` is the 1-tuple ``(ref,)``: the sign travels with it instead of a ``neg``
#: instruction.  Sums and differences absorb it (``x + -y`` is ``x - y``), products pass it on (``-a * d`` is
#: ``-(a*d)``), and IEEE arithmetic is symmetric in the sign, so the values are bitwise those of explicit
#: negations.  Only names carry it; a negated constant is folded at once.  No ref is a tuple, so the class
#: tells it.  A tuple is made in C; the small class with ``__slots__`` it replaces took about 0.3 us a time,
#: three times per term of Rosenbrock's sum: its gradients 1-3% faster (best and first quartile of 25-300,
#: n = 10, 100, 1,000), the other workloads within the noise.
NEGATED = tuple


def backpropagate(lin: Linearised, adjoint: dict[str, Ref], visit: Iterable[tuple[str, str, tuple]],
                  keep: Iterable[str] | None = None, cache: bool = True, within: set[str] | None = None) -> int:
    """Pull ``adjoint`` back over the ``visit`` rows, in place; return the nodes visited.

    ``visit`` yields ``(name, op, operands)`` in reverse topological order
    (:meth:`Linearised.backwards_from` or :meth:`Linearised.rows`).  Seeding
    one output with 1 is reverse mode's sweep; seeding several with a
    vector's components is a vector-Jacobian product (:func:`symgraph.vjp`).
    With ``keep``, a visited node's adjoint is dropped once pulled back unless
    ``keep`` names it, so the live adjoints are only the sweep's frontier
    (on a million-node graph that is the difference between a small dict and
    a huge one).  ``cache=False`` computes each node's partials without
    keeping them (:meth:`Linearised.node_partials`): right for a single sweep.
    Which products and sums are free is :class:`Linearised`'s decision
    (its ``mul``, ``add``, ``sub`` and unit factors, inlined here); a
    partial of -1 (``a - b``) flips a sign carried with the adjoint
    (:data:`NEGATED`) instead of emitting a ``neg``.  The adjoints left in
    ``adjoint`` at the end are plain refs.  With ``within``, adjoints are
    pulled back only into those nodes (:meth:`Linearised.reached_from` the wrt nodes).
    """
    partials, node_partials, two_names = lin.partials, lin.node_partials, TWO_NAME_PARTIALS.get
    report = lin.progress
    counts, emitter = lin.counts, lin.emitter
    op2, mul, add, sub, neg, is_zero = emitter.op2, lin.mul, lin.add, lin.sub, emitter.negate, lin.is_zero
    scaled, units, unchanged = emitter._scaled, _UNITS.get, _UNCHANGED  # a constant times a name (see below)

    get = adjoint.get
    take = get if keep is None else adjoint.pop  # a visited node's adjoint: read, or taken unless kept
    keep = () if keep is None else keep if keep.__class__ in (set, frozenset) else set(keep)  # a set: not copied
    guards, op2_plain = emitter.guards, emitter.plain_op2  # op2 without its guard test while nothing is guarded
    trace = lin.trace
    visited = 0
    for v, op, args in visit:
        if report is not None:
            visited += 1
            if not visited & (STEP - 1):
                report.advance(STEP)
        a = get(v) if v in keep else take(v, None)
        if a is None or a.__class__ is not str and a is not ONE_FACTOR and is_zero(a):
            continue
        negative = a.__class__ is NEGATED
        if negative:
            a = a[0]
        if cache:
            edges = partials(v).items()
        elif len(args) == 2 and (pair := two_names(op)) is not None and (x := args[0]).__class__ is str and (
                y := args[1]).__class__ is str and x != y:  # node_partials' commonest rows, without the call
            edges = ((x, y), (y, x)) if pair is SWAPPED else ((x, pair[0]), (y, pair[1]))
        else:
            edges = node_partials(v, op, args) if args else ()  # an input has no operand to pull back into
        for u, d in edges:
            if within is not None and u not in within:  # no wrt node reaches u: its adjoint would be dropped
                continue
            # The product a*d by Linearised's rules (mul and its unit factors), inlined: a per-edge
            # method call costs this loop 5% on Rosenbrock, where 90% of the edges are a name times
            # a name or +-1.
            if d.__class__ is str and a.__class__ is str:  # two names: never free
                counts.multiplications += 1
                term, sign = op2("mul", a, d) if guards else op2_plain("mul", a, d), negative
            else:
                if d is ONE_FACTOR:  # free: the adjoint passes
                    term, sign = a, negative
                elif d is MINUS_ONE_FACTOR:  # free: the adjoint passes, its sign flipped
                    term, sign = a, not negative
                elif a is ONE_FACTOR and (d.__class__ is str or not is_zero(d)):  # free: the partial passes
                    term, sign = d, negative  # (every term of a sum: a fifth of the sweep's calls to mul)
                else:
                    if d.__class__ is str and not guards:  # a constant times a name: Emitter._scaled, where mul leads
                        c = a if a.__class__ in unchanged else _ref(a)
                        unit = units(id(c))
                        if unit is None:
                            counts.multiplications += 1
                        term = scaled(d, c, unit)
                    else:
                        term = mul(a, d)
                    sign = negative
                    if term.__class__ is not str and is_zero(term):  # zero adjoints are not propagated
                        continue
            acc = get(u)
            if acc is None:  # the first use seen: nothing to add yet; a sign is carried on a name, folded into a constant
                adjoint[u] = term if not sign else (term,) if term.__class__ is str else neg(term)
            elif acc.__class__ is NEGATED:
                if sign:  # -x + -y = -(x + y)
                    total = add(acc[0], term)
                    adjoint[u] = (total,) if total.__class__ is str else neg(total)
                else:
                    adjoint[u] = sub(term, acc[0])  # -x + y = y - x
            elif sign:
                adjoint[u] = sub(acc, term)
            elif acc.__class__ is str and term.__class__ is str:  # two names: Linearised.add's first case, inlined
                counts.additions += 1
                adjoint[u] = op2("add", acc, term) if guards else op2_plain("add", acc, term)
            else:
                adjoint[u] = add(acc, term)
        if trace is not None:  # v's adjoint, then its operands' as v left them
            trace.adjoint(v, a, negative, adjoint, within)
    for name, value in adjoint.items():  # what the sweep leaves is read as plain refs
        if value.__class__ is NEGATED:
            adjoint[name] = neg(value[0])
    return visited


def reverse(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    derivatives = {}
    outputs = list(dict.fromkeys(outputs))
    wanted = set(wrt)
    nodes = lin.graph.op_of  # the graph's own table: lin.index, built here for this test alone, was 2% of a gradient
    if not any(x in nodes for x in wanted):
        # nothing to differentiate by (wrt names absent from the graph): no sweep, as forward mode makes none;
        # a sweep here computed every adjoint and kept none of them
        return SweepResult(derivatives, lin.counts)
    within = lin.reached_from(wanted & nodes.keys())  # no adjoint is pulled back where no wrt node is reached
    for y in outputs:
        if lin.graph.op_of.get(y) == "const":
            continue  # a constant output (a gradient's entry for an absent name): no sweep, its derivatives are 0
        lin.counts.sweeps += 1
        if lin.trace is not None:
            lin.trace.sweep(y)
        adjoint = {y: ONE}
        # One output: scan back from it over the topological order (nodes without an adjoint
        # are skipped), which is cheaper than collecting and sorting its ancestors.  Several
        # outputs: visit only each one's ancestors, so small cones stay cheap.
        visit = lin.backwards_from(y) if len(outputs) == 1 else lin.rows(lin.ancestors(y))
        visited = backpropagate(lin, adjoint, visit, keep=wanted, cache=len(outputs) > 1, within=within)
        if lin.progress is not None:  # the rest of this sweep's share (len(order) node visits per output)
            lin.progress.advance(len(lin.order) - visited + visited % STEP)
        for x in (wrt if len(wrt) <= len(adjoint) else [x for x in adjoint if x in wanted]):
            a = adjoint.get(x)
            if a is not None:  # only the nonzero entries (read with .get(key, 0))
                derivatives[(y, x)] = a
        lin.check_budget()
    return SweepResult(derivatives, lin.counts)
