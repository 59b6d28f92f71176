"""The mode table: which sweep each mode runs, the choice behind mode=\"auto\", and running one.

``SWEEP_OF_MODE`` maps a mode name to its sweep over a :class:`~symgraph.ad.linearised.Linearised`
graph; :func:`run_mode` runs one with the wrt names resolved to nodes
(:func:`symgraph.frontend.coerce.wrt_nodes`).

``mode="auto"`` (:func:`choose_mode`) counts, on the actual graph and in the
unit of :func:`symgraph.compare`'s table, the multiplications each sweep would
perform: forward mode forms one product for every edge ``u -> v`` per wrt
input that reaches ``u`` (where ``v`` reaches an output), reverse mode one for every edge ``u -> v`` per
output that ``v`` reaches (where a wrt node reaches ``u``), and a product is free when the edge's local
derivative (:func:`~symgraph.ad.partials.static_locals`) or the tangent
(adjoint) is exactly +-1, exact constants followed by value (``2*x - x`` has
tangent 1).  One bit-set pass each way (:func:`~symgraph.ad.estimate.sweep_estimates`), its sets kept as
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

from typing import Any, Sequence

from ..errors import ArgumentError, counted, shown
from ..frontend.coerce import present, wrt_nodes
from ..ir.graph import Graph
from ..progress import paused_gc, reported
from .eliminate import check_order, eliminate
from .estimate import Estimate, sweep_estimates  # noqa: F401 - Estimate re-exported
from .forward import forward
from .linearised import Linearised, SweepResult
from .paths import paths
from .reverse import reverse


#: mode name -> sweep function(lin, outputs, wrt, **options) -> SweepResult; "auto" picks
#: forward or reverse by counting on the graph (:func:`choose_mode`)
SWEEP_OF_MODE = {"reverse": reverse, "forward": forward, "paths": paths, "elimination": eliminate}


def sweep_of(mode: str):
    """The sweep function of ``mode``; an ArgumentError (a GraphError, a ValueError) naming the modes for an unknown one, as for an unknown backend."""
    sweep = SWEEP_OF_MODE.get(mode) if isinstance(mode, str) else None
    if sweep is None:
        raise ArgumentError(f"unknown mode {shown(mode)}; choose one of {', '.join(SWEEP_OF_MODE)} or auto")
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
        # brought to its total at the end: a sweep skipped (an unused wrt name, a constant output) reports nothing
        with reported(progress, work, f"{mode} mode", unit=None) as lin.progress:
            targets = wrt_nodes(graph, wrt)
            result = sweep(lin, list(outputs), list(dict.fromkeys(targets.values())), **options)
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
        check_order(order)  # before any work, as an unknown mode
        return {"order": order}
    return {"limit": limit} if limit is not None else {}


# ---------------------------------------------------------------- mode="auto"
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
