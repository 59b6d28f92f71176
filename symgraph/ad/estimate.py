"""mode="auto"'s count: the multiplications forward and reverse mode would perform, found before deriving.

:func:`sweep_estimates` is what :func:`symgraph.ad.modes.choose_mode` compares; see that module for the rule.

Measured on Rosenbrock's indexed sum at n = 10^5 (900,000 nodes, every input in wrt): 5.7-5.9 s of CPU on a
loaded 2-core machine, 4.4 us a node at n = 10^4 and 6.5 at 10^5; the chain of additions joins windows
up to n bits long (about 0.4 s of big-integer work at 10^5) and every node's window is kept for the reverse
pass (760 MB).  A window longer than :data:`_BIG` inputs is now dropped after its last reader (counted in
one pass in C, 0.4 s; only its count stays, which is all the reverse pass reads of it): 230 MB, and
5.5-5.8 s against 6.1-7.2 s side by side (rows of one node and a constant read their locals in one step,
:func:`~symgraph.ad.partials.static_locals`).  The rest of the time is per node, two plain passes.
"""
from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple, Sequence

from ..constants import as_constant
from ..ir.folding import MINUS_ONE, ONE, ZERO
from ..ir.graph import Graph
from ..progress import paused_gc
from .partials import static_locals


class Estimate(NamedTuple):
    """What one sweep mode would do on a graph, counted before deriving.

    ``multiplications`` is in the unit of :func:`compare`'s table (products
    with 0 or +-1 are free); ``products`` counts every edge product, free ones
    included, and breaks ties.  Tuples compare in that order.
    """

    multiplications: int
    products: int


def sweep_estimates(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> dict[str, Estimate]:
    """The multiplications (and edge products) forward and reverse mode would perform on ``graph``.

    Forward: ``reached[v]`` holds the wrt inputs whose tangent at ``v`` is
    not zero, ``known[v]`` maps each exact constant a tangent there has to
    the inputs that have it (``2*x - x`` has tangent 1 at its root).  An edge
    ``u -> v`` forms a product for every input in ``reached[u]``; it is free
    when its local derivative is +-1 or the tangent is, as in the sweep, and
    a sum of constants that cancels to 0 drops the input, as the sweep drops a
    zero tangent.  Reverse is the mirror image over the outputs.  Only
    symbolic cancellation is not followed (``t - t`` of one tangent ``t``
    reached two ways, which the emitter folds to 0): there the figure is an
    upper bound of the sweep's count.  As the sweeps, forward counts only
    nodes that reach an output, reverse only nodes a wrt node reaches.

    Two passes over the graph's rows and nothing else: the forward one
    (:func:`_forward_pass`) reads each row's constant locals
    (:func:`~symgraph.ad.partials.static_locals`) and keeps them for the
    reverse one (:func:`_reverse_pass`), which pushes adjoints to operands
    as the reverse sweep does, so no table of users is built.  With a table
    of every edge's locals and one of users built first, on 100,000
    residuals ``y[k] - a*exp(-b*t[k])`` (600,003 nodes) the estimate took
    4.2 s of CPU with the collector paused (7.0-9.8 s with it running); now
    see :func:`_forward_pass`.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("h = sin(x); y1 = h*h; y2 = h+1", outputs=["y1", "y2"])
    >>> sweep_estimates(g, g.outputs, ["x"])
    {'forward': Estimate(multiplications=1, products=3), 'reverse': Estimate(multiplications=1, products=4)}
    """
    nodes = graph.op_of
    xpos = {x: i for i, x in enumerate(dict.fromkeys(x for x in wrt if x in nodes))}
    ypos = {y: i for i, y in enumerate(dict.fromkeys(y for y in outputs if y in nodes))}
    with paused_gc():
        swept, forward, tangents = _forward_pass(graph, xpos)
        forward, reverse = _reverse_pass(swept, ypos, forward, tangents)
    return {"forward": forward, "reverse": reverse}


def _forward_pass(graph: Graph, xpos: dict[str, int]) -> tuple[dict[str, tuple], Estimate, dict]:
    """``(swept, forward, tangents)``: the nodes a wrt node reaches (every node when wrt holds every input, as
    :meth:`~symgraph.ad.adjacency.Adjacency.reached_from` says), each with its row's :func:`static_locals`,
    in topological order; forward's estimate as if every node reached an output (the reverse pass takes
    back the products of the nodes that reach none: :func:`_products_into`); and each reached node's state.

    Each node's sets are windows, as :func:`symgraph.sparsity.dependencies`' are: its reached set and the
    bits of its constants are shifted down by its low position, so an OR or a count costs the span of the
    seeds they join, not the highest seed's position (plain bit sets held over a gigabyte of seeds for the
    sparse Jacobian of x[k]*x[k+1] at n = 10^5).  A node's state is one tuple, its count and its +-1
    tangents' bits found once, not per edge.  A local is a sympy constant or None, so 0 and +-1 are told
    by identity (sympy's singletons), as :func:`~symgraph.ir.folding.is_zero` tells them."""
    state: dict[str, tuple] = {}  # reached node -> (reached, low, known or None, bits whose tangent is +-1, count)
    get = state.get
    every = set(xpos).issuperset(graph.input_nodes)
    readers = Counter(chain.from_iterable(graph.operands_of.values()))  # x*x counts x twice: kept, never wrong
    swept: dict[str, tuple] = {}
    all_products = all_mults = 0
    for v, op, args in graph.rows():
        if not every and v not in xpos:
            for u in args:
                if u.__class__ is str and u in swept:
                    break
            else:
                continue  # no wrt node reaches v: no tangent either, and reverse pulls no adjoint into it
        pairs = swept[v] = static_locals(op, args)
        at = xpos.get(v)
        reach, const = (0, None) if at is None else (1, _SEED.copy())
        products = mults = 0
        plain = [] if len(pairs) > _FEW else None  # a wide node's tangents without constants, joined at once
        for u, c in pairs:
            su = get(u)
            if su is None or c is ZERO:  # no tangent reaches u, or the edge is 0
                continue
            r, lu, cu, units, count = su
            if count > _BIG and not units:  # a long window no later reader needs: only its count stays
                left = readers[u] = readers[u] - 1
                if not left:
                    state[u] = (0, 0, None, 0, count)
            products += count
            if c is None:
                mults += count - (r & units).bit_count() if units else count
                terms = None
            else:
                if c is not ONE and c is not MINUS_ONE:  # free only where the tangent is +-1
                    mults += count - (r & units).bit_count() if units else count
                terms = _scaled(cu, c) if cu else None
            if not reach:  # nothing reached yet (or all of it cancelled): u's window is v's
                reach, at, const = r, lu, terms
            elif terms is None and plain is not None:
                plain.append((r, lu))
            else:
                reach, at, const = _joined(reach, at, const, r, lu, terms)
        if plain:
            reach, at, const = _joined(reach, at, const, *_gathered(plain), None)
        all_products += products
        all_mults += mults
        if reach:
            state[v] = (reach, at, const or None, _units(const) if const else 0, reach.bit_count())
    return swept, Estimate(all_mults, all_products), state


def _products_into(pairs: tuple, tangents: dict[str, tuple]) -> tuple[int, int]:
    """The (products, multiplications) :func:`_forward_pass` counted on the edges into a node of ``pairs``."""
    products = mults = 0
    for u, c in pairs:
        su = tangents.get(u)
        if su is None or c is ZERO:
            continue
        r, _, _, units, count = su
        products += count
        if c is not ONE and c is not MINUS_ONE:
            mults += count - (r & units).bit_count() if units else count
    return products, mults


def _reverse_pass(swept: dict[str, tuple], ypos: dict[str, int], forward: Estimate,
                  tangents: dict[str, tuple]) -> tuple[Estimate, Estimate]:
    """``(forward, reverse)``: the swept nodes last first, each node's adjoint pushed to its operands as the
    reverse sweep pushes it, so no table of users is needed; ``forward`` less the counts of the nodes
    that reach no output, which forward's sweep leaves out.

    A node reaches an output when it is one or a node that does pushed to it: the pushes mark it (even of
    adjoints that cancelled), and ``live`` holds only the nodes reached through a zero edge or from a node
    whose adjoints all cancelled, so the usual edge costs no set insertion."""
    state: dict[str, tuple] = {}  # node -> (reached, low, known or None) from its users so far
    get, pop = state.get, state.pop
    plain: dict[str, list] = {}  # node -> the adjoints without constants pushed to it after the first
    take = plain.pop
    live: set[str] = set()  # nodes that reach an output with nothing pushed to them
    dead_products = dead_mults = 0
    products = mults = 0
    for v, pairs in reversed(swept.items()):
        reach, at, const = pop(v, _NOTHING)
        more = take(v, None)
        if more is not None:
            reach, at, const = _joined(reach, at, const, *_gathered(more), None)
        seed = ypos.get(v)
        if seed is not None:
            reach, at, const = _joined(reach, at, const, 1, seed, _SEED.copy()) if reach else (1, seed, _SEED.copy())
        elif at is None and v not in live:  # forward's sweep leaves it out, and no adjoint reaches it
            products_here, mults_here = _products_into(pairs, tangents)
            dead_products += products_here
            dead_mults += mults_here
            continue
        if not reach:  # reaches an output, with adjoints that cancelled: its operands reach it too
            live.update(u for u, _ in pairs)
            continue
        count = reach.bit_count()
        units = _units(const) if const else 0
        paid = count - (reach & units).bit_count() if units else count  # the products of a non-unit edge
        for u, c in pairs:
            if c is ZERO:
                live.add(u)
                continue
            if u not in swept:
                continue
            products += count
            if c is None:
                terms = None
                mults += paid
            else:
                if c is not ONE and c is not MINUS_ONE:
                    mults += paid
                terms = _scaled(const, c) if const else None
            su = get(u)
            if su is None:
                state[u] = (reach, at, terms)
            elif terms is None:  # joined when u is reached, all at once: see _gathered
                if u in plain:
                    plain[u].append((reach, at))
                else:
                    plain[u] = [(reach, at)]
            else:
                state[u] = _joined(*su, reach, at, terms)
    return Estimate(forward.multiplications - dead_mults, forward.products - dead_products), Estimate(mults, products)


#: a reached window of more inputs than this is dropped after its last reader (the reverse pass reads its count):
#: the links of a chain of additions each held one, 760 MB for Rosenbrock's sum at n = 10^5
_BIG = 1024

#: the state of a node no adjoint reached
_NOTHING = (0, None, None)

#: the most operands a node has whose tangents are joined one by one in the forward pass
_FEW = 8


def _gathered(pieces: list[tuple[int, int]]) -> tuple[int, int]:
    """One ``(reached, low)`` window of several, joined pairwise in order of position.

    Joined one at a time, each join copies the whole window so far: a
    parameter used by all n residuals of a fit took n joins of windows up to
    n bits long (0.29 s of CPU at n = 10^5, quadratic beyond); pairwise, each
    round copies the span once.
    """
    if len(pieces) > 1:
        pieces.sort(key=itemgetter(1))
    while len(pieces) > 1:
        joined = []
        for (r, lo), (s, hi) in zip(pieces[::2], pieces[1::2]):
            joined.append((r | s << (hi - lo), lo))
        if len(pieces) % 2:
            joined.append(pieces[-1])
        pieces = joined
    return pieces[0]


#: a seed's constants: its own tangent (adjoint) is 1; copied, as a copy hashes no sympy key again
_SEED = {ONE: 1}


def _units(const: dict) -> int:
    """The bits of ``const`` whose tangent (adjoint) is +-1, told by identity: a lookup hashes the sympy key in
    Python (0.5 us; 700,000 of them on the residuals of :func:`sweep_estimates`, a third of the passes' time)."""
    units = 0
    for value, bits in const.items():
        if value is ONE or value is MINUS_ONE:
            units |= bits
    return units


def _joined(reach: int, at: Any, const: dict | None, r: int, lu: int, terms: dict | None) -> tuple:
    """A node's ``(reached, low, known)`` with an edge's ``r`` (window ``lu``) and its constant ``terms`` added."""
    if not reach:  # nothing reached yet (or all of it cancelled): the edge's window is the node's
        return r, lu, terms or None
    if lu > at:  # the edge's sets into the node's window
        r <<= lu - at
        if terms:
            terms = _shifted(terms, lu - at)
    elif lu < at:  # the node's window widened down to the edge's
        reach <<= at - lu
        if const:
            const = _shifted(const, at - lu)
        at = lu
    if not (const or terms):  # no constants on either side: the plain bit-set step
        return reach | r, at, None
    if reach & r:  # inputs reached before: constant terms add up, anything else is not constant
        reach, const = _summed(reach, const or {}, r, terms or {})
        return reach, at, const
    if terms:
        if const is None:
            const = terms
        else:
            for value, bits in terms.items():
                const[value] = const.get(value, 0) | bits
    return reach | r, at, const


def _shifted(const: dict, by: int) -> dict:
    """``const`` with every bit set moved ``by`` positions up (into a window that starts lower)."""
    return {value: bits << by for value, bits in const.items()}


def _scaled(const: dict, c: Any) -> dict:
    """``{value * c: inputs}``: the constant tangents of ``const`` through an edge of constant local ``c``."""
    if c is ONE:
        return const.copy()
    scaled: dict = {}
    for value, bits in const.items():
        if c is MINUS_ONE and (value is ONE or value is MINUS_ONE):
            key = MINUS_ONE if value is ONE else ONE
        else:
            key = value if c == 1 else as_constant(value * as_constant(c))
        scaled[key] = scaled.get(key, 0) | bits
    return scaled


def _summed(reach: int, const: dict, r: int, terms: dict) -> tuple[int, dict]:
    """A node's (reached, constants) after adding an edge's terms: ``r`` reached, ``terms`` those constant.

    An input in both sums its constants (dropped from ``reached`` where they cancel); an input not
    constant on either side is not constant.  The sums are made per pair of constants, all their
    inputs at once (a 2,000-input sum scaled 200 times: 0.05 s, where one input at a time took 2.6 s),
    or per input where there are fewer inputs than pairs.
    """
    both = reach & r
    merged: dict = {}
    for side in (const, terms):
        for value, bits in side.items():
            keep = bits & ~both
            if keep:
                merged[value] = merged.get(value, 0) | keep
    cancelled = 0

    def add(total: Any, bits: int) -> None:
        nonlocal cancelled
        total = as_constant(total)
        if total is ZERO:
            cancelled |= bits
        else:
            merged[total] = merged.get(total, 0) | bits

    pairs = [(a, abits & both) for a, abits in const.items() if abits & both]
    if pairs and terms:
        summed = 0
        for _, bits in pairs:
            summed |= bits
        if len(pairs) * len(terms) <= summed.bit_count():
            for a, abits in pairs:
                for b, bbits in terms.items():
                    if abits & bbits:
                        add(a + b, abits & bbits)
        else:  # more pairs of constants than inputs: one input at a time
            stays = 0
            for bits in terms.values():
                stays |= bits
            stays &= summed
            while stays:
                bit = stays & -stays
                stays ^= bit
                add(next(a for a, bits in pairs if bits & bit) + next(b for b, bits in terms.items() if bits & bit), bit)
    return (reach | r) & ~cancelled, merged
