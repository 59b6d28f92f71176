"""The mode table: which sweep each mode runs, the choice behind mode=\"auto\", and running one.

``SWEEP_OF_MODE`` maps a mode name to its sweep over a :class:`~symgraph.ad.linearised.Linearised`
graph; :func:`run_mode` runs one with the wrt names resolved to nodes
(:func:`symgraph.frontend.coerce.wrt_nodes`).

``mode="auto"`` (:func:`choose_mode`) counts, on the actual graph and in the
unit of :func:`symgraph.compare`'s table, the multiplications each sweep would
perform: forward mode forms one product for every edge ``u -> v`` per wrt
input that reaches ``u`` (where ``v`` reaches an output), reverse mode one for every edge ``u -> v`` per
output that ``v`` reaches (where a wrt node reaches ``u``), and a product is free when the edge's local
derivative (:func:`~symgraph.ad.linearised.static_edge_values`) or the tangent
(adjoint) is exactly +-1, exact constants followed by value (``2*x - x`` has
tangent 1).  One bit-set pass each way (:func:`sweep_estimates`), its sets kept as
windows: linear in the graph where each node's inputs (outputs) lie near one another
in their order, as a sparse Jacobian's do, and as plain bit sets where they span
them all; a sum of constants costs one step per pair of distinct constants it adds.  Fewer
multiplications win; a tie goes to fewer edge products in all (free ones
included: they are still visited), then to fewer sweeps (forward one per
input, reverse one per output), then to reverse, the default.  Elimination
is not a candidate: its cost depends on fill-in that is only known by
performing it (:func:`symgraph.compare` shows it).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from ..constants import as_constant
from ..errors import ArgumentError, GraphError, counted, shown
from ..frontend.coerce import present, wrt_nodes
from ..ir.folding import MINUS_ONE, ONE, ZERO, is_unit, is_zero
from ..ir.graph import Graph
from ..progress import paused_gc, progress_reporter
from .eliminate import eliminate
from .forward import forward
from .linearised import Adjacency, Linearised, SweepResult, static_edge_values
from .paths import paths
from .reverse import reverse


#: mode name -> sweep function(lin, outputs, wrt, **options) -> SweepResult; "auto" picks
#: forward or reverse by counting on the graph (:func:`choose_mode`)
SWEEP_OF_MODE = {"reverse": reverse, "forward": forward, "paths": paths, "elimination": eliminate}


def sweep_of(mode: str):
    """The sweep function of ``mode``; a GraphError (a ValueError) naming the modes for an unknown one."""
    sweep = SWEEP_OF_MODE.get(mode) if isinstance(mode, str) else None
    if sweep is None:
        raise GraphError(f"unknown mode {shown(mode)}; choose one of {', '.join(SWEEP_OF_MODE)} or auto")
    return sweep


def resolve_mode(graph: Graph, outputs: Sequence[str], wrt: Sequence[str], mode: str) -> tuple[str, str]:
    """``(mode, note)``: "auto" becomes forward or reverse, with the sentence saying why."""
    if isinstance(mode, str) and mode == "auto":  # an array compared with "auto" is no bool
        return choose_mode(graph, outputs, present(graph, wrt))
    sweep_of(mode)
    return mode, ""


def run_mode(graph: Graph, outputs: Sequence[str], wrt: Sequence[str], mode: str, progress: Any = None,
             trace: Any = None, budget: int | None = None, **options) -> tuple[SweepResult, Linearised]:
    """Run one mode's sweep; return its result and the linearised graph (whose emitter holds the program).

    ``progress``: see :mod:`symgraph.progress` (default: a bar only for long runs on a terminal);
    ``trace``: an observer of the sweep's steps (:class:`symgraph.ad.trace.Recorder`);
    ``budget``: the multiplications the sweeps may make (:class:`~symgraph.ad.linearised.OverBudget` past them).
    Only the ``wrt`` names that occur reach the sweep (:func:`present`); the
    others' derivatives are absent from the result, i.e. 0.
    """
    sweep = sweep_of(mode)
    with paused_gc():
        lin = Linearised(graph)
        lin.budget = budget
        if trace is not None:
            trace.bind(lin)
            lin.trace = trace
        work = {"reverse": len(lin.order) * len(set(outputs)), "forward": len(set(wrt))}.get(mode, 0)
        lin.progress = progress_reporter(progress, work, f"{mode} mode")
        try:
            targets = wrt_nodes(graph, wrt)
            result = sweep(lin, list(outputs), list(dict.fromkeys(targets.values())), **options)
        finally:
            if lin.progress is not None:
                lin.progress.close()
    result.nodes = targets  # read by name with result.entry / result.by_name (no copy keyed by names)
    return result, lin


def sweep_options(mode: str, order: str, limit: int | None = None) -> dict:
    """Keyword options for the mode the caller asked for: elimination takes an order, the path sum a limit of
    paths (``None``: its default, :data:`symgraph.ad.paths.PATH_LIMIT`); the other modes neither, so an order
    other than the default, or a limit, given with them is an ArgumentError rather than silently unused
    (``mode="reverse", order="forward"`` derived in reverse mode, and ``order="fwd"`` passed unread).
    An unknown mode is refused here, so a caller that reads the options first refuses it before any work."""
    if not (isinstance(mode, str) and mode == "auto"):  # an array compared with "auto" is no bool
        sweep_of(mode)
    if mode != "elimination" and not (isinstance(order, str) and order == "markowitz"):  # an array compares by element
        raise ArgumentError(f"order={shown(order)} is the vertex order of mode='elimination'; mode={mode!r} "
                            "takes none (pass mode='elimination' with it)")
    if limit is not None and mode != "paths":
        raise ArgumentError(f"limit={shown(limit)} bounds the paths of mode='paths'; mode={mode!r} enumerates "
                            "none (pass mode='paths' with it)")
    if mode == "elimination":
        return {"order": order}
    return {"limit": limit} if limit is not None else {}


# ---------------------------------------------------------------- mode="auto"
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

    One bit-set pass each way.  Forward: ``reached[v]`` holds the wrt inputs
    whose tangent at ``v`` is not zero, ``known[v]`` maps each exact constant
    a tangent there has to the inputs that have it (``2*x - x`` has tangent
    1 at its root).  An edge ``u -> v`` forms a product for every input in
    ``reached[u]``; it is free when its local derivative is +-1 or the
    tangent is, as in the sweep, and a sum of constants that cancels to 0
    drops the input, as the sweep drops a zero tangent.  Reverse is the
    mirror image over the outputs.  Only symbolic cancellation is not
    followed (``t - t`` of one tangent ``t`` reached two ways, which the
    emitter folds to 0): there the figure is an upper bound of the sweep's count.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("h = sin(x); y1 = h*h; y2 = h+1", outputs=["y1", "y2"])
    >>> sweep_estimates(g, g.outputs, ["x"])
    {'forward': Estimate(multiplications=1, products=3), 'reverse': Estimate(multiplications=1, products=4)}
    """
    values = static_edge_values(graph)
    adj = Adjacency(graph)
    order, index = adj.order, adj.index
    xpos = {x: i for i, x in enumerate(dict.fromkeys(x for x in wrt if x in index))}
    ypos = {y: i for i, y in enumerate(dict.fromkeys(y for y in outputs if y in index))}

    def sweep(nodes, seeds, edges) -> Estimate:
        """Carry (reached, known) along ``edges[v]``: [(neighbour, constant local or None)], already visited.

        Each node's sets are windows, as :func:`symgraph.sparsity.dependencies`' are: its reached set and the
        bits of its constants are shifted down by its low position, so an OR or a count costs the span of the
        seeds they join, not the highest seed's position.  With plain bit sets the seeds were ``1 << k`` for
        every input (output) k, each count and OR as long as the highest: on the sparse Jacobian of the
        products x[k]*x[k+1], k < n, this estimate took 0.006 / 0.16 / 5.1 s at n = 10^3 / 10^4 / 10^5, and
        the seeds alone held over a gigabyte at 10^5 (the build's peak memory 2.2 GB); with windows 0.006 / 0.11 /
        1.7 s (peak 0.33 GB).  A node's state is one tuple, its +-1 tangents' bits read once, not per edge."""
        state: dict[str, tuple] = {}  # reached node -> (reached, low, known or None, the bits whose tangent is +-1)
        get = state.get
        mults = products = 0
        for v in nodes:
            at = seeds.get(v)
            reach, const = (0, None) if at is None else (1, {ONE: 1})
            for u, c in edges[v]:
                su = get(u)
                if su is None:  # no tangent reaches u
                    continue
                r, lu, cu, units = su
                count = r.bit_count()
                products += count
                if c is None or not is_unit(c):  # free only where the tangent is +-1
                    mults += count - (r & units).bit_count() if units else count
                terms = _scaled(cu, c) if cu and c is not None else None
                if not reach:  # nothing reached yet (or all of it cancelled): u's window is v's
                    at, const = lu, None
                elif lu > at:  # u's sets into v's window
                    r <<= lu - at
                    if terms:
                        terms = _shifted(terms, lu - at)
                elif lu < at:  # v's window widened down to u's
                    reach <<= at - lu
                    if const:
                        const = _shifted(const, at - lu)
                    at = lu
                if not (const or terms):  # no constants on either side: the plain bit-set step
                    reach |= r
                elif reach & r:  # inputs reached before: constant terms add up, anything else is not constant
                    reach, const = _summed(reach, const or {}, r, terms or {})
                else:
                    reach |= r
                    if terms:
                        if const is None:
                            const = terms
                        else:
                            for value, bits in terms.items():
                                const[value] = const.get(value, 0) | bits
            if reach:
                state[v] = (reach, at, const or None, const.get(ONE, 0) | const.get(MINUS_ONE, 0) if const else 0)
        return Estimate(mults, products)

    # the edges that form products (zero edges are none), with their constant locals, operands first and users first;
    # the users' lists are the operands' turned round (in creation order, as the adjacency's), not read off its
    # table of users, which took as long again to build (Rosenbrock n = 10,000: 1.1 s -> 0.8 s for the estimate)
    operands = {v: [(u, d) for u, d in local.items() if d is None or not is_zero(d)] for v, local in values.items()}
    users: dict[str, list] = {v: [] for v in order}
    for v, pairs in operands.items():
        for u, d in pairs:
            users[u].append((v, d))
    # as the forward sweep, none where no output is reached: every node is reached when each one is used or an
    # output (a node used only through zero edges has no pairs here, and the adjacency's walk then decides)
    live = None if all(pairs or v in ypos for v, pairs in users.items()) else adj.reaching(ypos)
    forward = sweep(order if live is None else [v for v in order if v in live], xpos, operands)
    fed = adj.reached_from(xpos)  # as the reverse sweep, none where no wrt node is reached
    reverse = sweep(reversed(order) if fed is None else [v for v in reversed(order) if v in fed], ypos, users)
    return {"forward": forward, "reverse": reverse}


def _shifted(const: dict, by: int) -> dict:
    """``const`` with every bit set moved ``by`` positions up (into a window that starts lower)."""
    return {value: bits << by for value, bits in const.items()}


def _scaled(const: dict, c: Any) -> dict:
    """``{value * c: inputs}``: the constant tangents of ``const`` through an edge of constant local ``c``."""
    scaled: dict = {}
    for value, bits in const.items():
        key = value if c is ONE or c == 1 else as_constant(value * as_constant(c))
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


def choose_mode(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> tuple[str, str]:
    """The cheaper of forward and reverse on this graph, and a sentence saying why.

    Cheaper means fewer multiplications, counted as :func:`compare`'s table
    counts them; a tie goes to the mode with fewer edge products in all
    (the free ones are still visited), then to fewer sweeps (``sin(k*x)`` for
    k = 1..100 costs as much either way, in one forward sweep or 100 reverse
    ones), then to reverse, the default.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("sin(x)*y*z")
    >>> choose_mode(g, g.outputs, ["x", "y", "z"])[0]
    'reverse'
    """
    est = sweep_estimates(graph, outputs, wrt)
    fwd, rev = est["forward"], est["reverse"]
    n = len([x for x in dict.fromkeys(wrt) if x in graph.op_of])
    m = len(dict.fromkeys(outputs))
    mode = "forward" if (*fwd, n) < (*rev, m) else "reverse"
    why = (f"mode='auto' chose {mode}: forward would need {counted(fwd.multiplications, 'multiplication')} "
           f"({counted(n, 'sweep')}, one per input), reverse {rev.multiplications:,} "
           f"({counted(m, 'sweep')}, one per output)")
    if fwd.multiplications == rev.multiplications:
        if fwd.products != rev.products:
            why += (f"; tied, so the fewer edge products in all, free ones included, decide "
                    f"({fwd.products:,} forward, {rev.products:,} reverse)")
        elif n != m:
            why += f"; tied, in edge products too ({fwd.products:,}), so the fewer sweeps decide"
        else:
            why += "; tied, so the default, reverse"
    return mode, why + "; multiplications as compare() counts them: products with 0 or ±1 are free"
