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

A sparse Hessian makes one sweep per input over few nodes (Rosenbrock at
n = 10,000: 10,000 sweeps of 17 nodes and 13 edges on average), so what a
sweep sets up and an edge's first visit cost as much as its products:
:func:`sweeper` binds what every sweep reads once per derivation, products
and sums of a name and a constant go straight to the emitter methods that
:meth:`Linearised.mul` and :meth:`Linearised.add` reach through
:meth:`~symgraph.ir.emitter.Emitter.op`, and an edge met for the first time
is read by :meth:`Linearised.uncached_local` (one lookup of the cache, not
two), which finds its partial as :meth:`Linearised.node_partials` does.
That Hessian's sweeps at n = 1,000 ran 8.77 M bytecode instructions, now
6.50 M (with the emitter's sums with a constant built in line); at
n = 10,000 they took 1.8-2.5 s of CPU, now 1.4-1.8 s, measured side by
side on a loaded machine.  Those sweeps never meet an edge twice (129,986
edges, as many misses of the cache), and nine in ten of their partials are
static (an operand, the node or a constant: nothing emitted), so once the
first :data:`PROBE` sweeps show that most edges met were new, a static
partial missing from the cache is read off
:data:`~symgraph.ad.partials.STATIC_PARTIALS` in line and not stored: the
sweeps with their set-up at n = 1,000 took 59-64 ms, now 54-60 ms, at
n = 10,000 867-909 ms, now 812-846 ms (best of 25 and 6, side by side; the
MLP's dense Hessian, whose sweeps meet their edges again, unchanged at
27.6-28.2 ms; reading static partials in line in every derivation, before
the cache, cost it 8%).  Tried and not kept: walking the descendants level
by level with set unions in C (152-172 ms for the 10,000 walks, against
92-102 ms for the stack of :meth:`Linearised.descendants`); skipping the
lookup of the seeds at each node of a one-seed sweep (0.1% of the bytecode,
no time measurable); every sweep made together, in one pass over the nodes
holding each node's tangents by input (the same instructions, only emitted in
another order): the sparse Hessian at n = 10,000 1.94-2.14 -> 1.66-2.02 s of
CPU, the forward gradient at n = 2,000 186 -> 154 ms, but with a second copy of
this module's products and sums (a recorded sweep and :func:`tangents` still
sweep one at a time), peak memory 229 -> 240 MB and the VM's numbering of the
new order 7% slower, far from CasADi's 0.2 s either way.

Chains of additions (``sum(...)``, ``a + b + c + ...``) are joined into their last link
for the sweeps (:meth:`~symgraph.ad.adjacency.Adjacency.join_sums`), whose terms' tangents
are added there, left to right: the additions the links made, of the same operands in the
same order, so the program and its counts are unchanged.  Each input's sweep walked the rest of
the chain from its term, passing its tangent on unchanged at every link: the n sweeps of a sum of
n terms visited n^2/2 nodes.  ``compare`` of Rosenbrock at n = 2,000 took 6.4 s, its forward row
5.1 s; now 0.8 s and 0.18 s (the forward gradient at n = 1,000: 535-740 -> 230-390 ms on a loaded
machine); on graphs without long chains the join's one pass is within the noise (sparse Hessians,
the MLP's, a fit by two parameters).  An earlier design regrouped the graph's sums as balanced trees
before the sweeps, as a Hessian does for its gradient: a sweep then passes log n additions, but a
pair of negated tangents needs a negation a chain's subtraction absorbs (a fit's forward gradient
by 20 parameters had 10% more instructions), and the graph is rebuilt.  A recorded sweep
(:mod:`symgraph.ad.trace`) is shown on the graph as written, so it joins nothing; nor does a single
sweep, which walks every link it reaches anyway.

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

from typing import Callable, Mapping, Sequence

from ..ir.emitter import Ref
from ..ir.folding import _UNITS, ONE, ZERO  # _UNITS: id of 0, 1, -1 -> that value (Emitter._scaled's unit)
from .linearised import _UNCHANGED, OUT, STATIC_PARTIALS, Linearised, SweepResult, _ref


#: the sweeps that tell whether a derivation's sweeps meet their edges once (:func:`sweeper`)
PROBE = 8


def tangents(lin: Linearised, seeds: Mapping[str, Ref], within: set[str] | None = None) -> dict[str, Ref]:
    """One forward sweep from every seeded node at once: tangent(v) = seed(v) + sum of local * tangent.

    With the single seed ``{x: 1}`` this is forward mode's sweep for ``x``;
    with several it is a Jacobian-vector product (:func:`symgraph.jvp`).
    ``within``: the nodes the sweep may visit (:meth:`Linearised.reaching` the outputs).
    """
    return sweeper(lin, within)(seeds)


def sweeper(lin: Linearised, within: set[str] | None = None) -> Callable[[Mapping[str, Ref]], dict[str, Ref]]:
    """:func:`tangents` on ``lin`` as a function of the seeds, with what every sweep reads bound once; the
    sweeps visit only nodes ``within`` when it is given (:meth:`Linearised.reaching` the outputs).

    A sparse Hessian makes one sweep per input over few nodes (Rosenbrock: 17 on
    average), so what a sweep sets up counts: the emitter's methods, the
    adjacency and the caches are bound here once per derivation, and the
    products and sums with a constant go straight to the emitter methods
    :meth:`Linearised.mul` and :meth:`Linearised.add` reach through
    :meth:`Emitter.op` while nothing is guarded.
    """
    emitter, counts = lin.emitter, lin.counts
    is_zero, mul = lin.is_zero, lin.mul
    op2, guards, op2_plain = emitter.op2, emitter.guards, emitter.plain_op2  # op2 without its guard test
    op, op_plain, scaled = emitter.op, emitter._op, emitter._scaled  # op without its guard test; c*x's product
    cached, uncached = lin.edge_cache.get, lin.uncached_local
    preds, wide, descendants = lin.preds, lin.wide, lin.descendants
    units, unchanged = _UNITS.get, _UNCHANGED
    trace = lin.trace
    index = lin.index
    ops_of, operands_of, statics = lin._ops, lin._operands, STATIC_PARTIALS.get
    edge_cache = lin.edge_cache
    # Static partials skip the cache once the first PROBE sweeps have shown that edges are rarely met twice
    # (a sparse Hessian's), which the growth of the cache against the nodes visited tells; else it stays in use
    inline, sweeps, visits, cached_before = False, 0, 0, len(edge_cache)

    def sweep(seeds: Mapping[str, Ref]) -> dict[str, Ref]:
        nonlocal inline, sweeps, visits
        tangent = {x: s for x, s in seeds.items() if x in index and not is_zero(s)}
        seeded = dict(tangent)
        get = tangent.get
        operands = lin.sweep_operands(tangent) if wide else preds  # a view only where a node has many operands
        nodes = descendants(*tangent, within=within)
        for v in nodes:
            acc = seeded.get(v)
            for u in operands[v]:
                t = get(u)
                if t is None:
                    continue
                d = cached((u, v))  # Linearised.local's own cache, read in line: a call only the first time
                if d is None:
                    if inline and len(args := operands_of[v]) == 2:  # Linearised._edge's first case, not cached
                        static = statics(ops_of[v])
                        if static is not None:
                            x = args[0]
                            if x.__class__ is str and x == u:
                                y = args[1]
                                if y.__class__ is not str or y != u:  # (x*x: both slots, a sum emitted)
                                    s = static[0]
                                    d = args[s] if s.__class__ is int else v if s is OUT else s
                            else:
                                s = static[1]
                                d = args[s] if s.__class__ is int else v if s is OUT else s
                            if d is not None and d.__class__ not in unchanged:
                                d = _ref(d)
                    if d is None:
                        d = uncached(u, v)
                # The product d*t by Linearised.mul's rules, in line (its order of tests, sorted by d's class)
                if d.__class__ is str:
                    if t.__class__ is str:
                        counts.multiplications += 1
                        term = op2("mul", d, t) if guards else op2_plain("mul", d, t)
                    elif t is ONE:  # free: a seed's partial passes (a Hessian's sweeps start from 1 at every input)
                        term = d
                    elif guards:
                        term = mul(d, t)
                    else:  # a name times a constant: Emitter._scaled, where mul and Emitter.op lead
                        if t.__class__ not in unchanged:  # _ref(t), its test in line
                            t = _ref(t)
                        unit = units(id(t))
                        if unit is None:
                            counts.multiplications += 1
                        term = scaled(d, t, unit)
                elif t is ONE and not is_zero(d):  # free: the partial passes
                    term = d
                elif d is ONE and (t.__class__ is str or not is_zero(t)):  # free: the tangent passes (sums)
                    term = t
                elif t.__class__ is str and not guards:  # a constant times a name, as above
                    if d.__class__ not in unchanged:
                        d = _ref(d)
                    unit = units(id(d))
                    if unit is None:
                        counts.multiplications += 1
                    term = scaled(t, d, unit)
                else:
                    term = mul(d, t)
                # The sum acc + term by Linearised.add's rules, in line
                if term.__class__ is str:
                    if acc is None:  # the first term: nothing to add
                        acc = term
                        continue
                    if acc.__class__ is str:
                        counts.additions += 1
                        acc = op2("add", acc, term) if guards else op2_plain("add", acc, term)
                        continue
                elif term.__class__ not in unchanged:
                    term = _ref(term)
                if acc is None:
                    acc = term
                    continue
                if acc.__class__ not in unchanged:
                    acc = _ref(acc)
                if acc is ZERO:
                    acc = term
                elif term is not ZERO:
                    counts.additions += 1
                    acc = op("add", acc, term) if guards else op_plain("add", acc, term)
            if acc is None or acc.__class__ is not str and is_zero(acc):
                tangent.pop(v, None)  # a seeded node whose sum cancels to 0: the sum replaces the seed
                lin.vanished += 1
            else:
                tangent[v] = acc
            if trace is not None:
                trace.tangent(v, tangent)
        if sweeps < PROBE:
            sweeps += 1
            visits += len(nodes)
            inline = sweeps == PROBE and 2 * (len(edge_cache) - cached_before) > visits  # most edges met were new
        return tangent

    return sweep


def forward(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> SweepResult:
    """One sweep per wrt node; ``derivatives`` holds the nonzero ``(output, wrt) -> ref`` (read with ``.get(key, 0)``)."""
    derivatives = {}
    wanted = set(outputs)
    among_outputs = wanted.__contains__
    if lin.trace is None and len(wrt) > 1 and "succs" not in lin.__dict__:
        # chains of additions joined into their last link, whose terms' partials are 1 (a recorded sweep
        # is shown on the graph as written; one sweep walks every link it reaches anyway); a wrt node stays a
        # node: as a link it left the adjacency, its sweep reached nothing, and d = x*y + 1; f = d + x had
        # derivative 0 by d
        cache = lin.edge_cache
        for end, terms in lin.join_sums(wanted.union(wrt)).items():
            for u in terms:
                cache[u, end] = ONE
    index, succs, counts, trace, progress = lin.index, lin.succs, lin.counts, lin.trace, lin.progress
    sweep = sweeper(lin, lin.reaching(outputs))  # no tangent is carried where no output is reached
    for x in dict.fromkeys(wrt):
        if x not in index or (x not in wanted and not succs[x]):
            # a name that does not occur, or an input nothing uses (a gradient's program whose entries are
            # constants keeps its inputs): its derivatives are 0, and no sweep is made, as in reverse mode
            continue
        counts.sweeps += 1
        if trace is not None:
            trace.sweep(x)
        tangent = sweep({x: ONE})
        # only the outputs this sweep reached: a sparse Jacobian's sweeps stay proportional to its nonzeros
        if len(outputs) <= len(tangent):
            for y in outputs:
                t = tangent.get(y)
                if t is not None:
                    derivatives[(y, x)] = t
        else:
            for y in filter(among_outputs, tangent):
                derivatives[(y, x)] = tangent[y]
        if progress is not None:
            progress.advance(1)
        if lin.budget is not None:
            lin.check_budget()
    return SweepResult(derivatives, lin.counts)
