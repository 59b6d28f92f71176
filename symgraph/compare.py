"""compare(): derive the same Jacobian in every mode and say which one wins, and why.

Each mode runs through :func:`symgraph.derive.jacobian_program`, so the rows
are the same :class:`~symgraph.cost.ModeCost` figures ``gradient.cost`` shows
(see :mod:`symgraph.cost` for what each counts); the path count comes first,
from the graph alone, and decides whether the path sum is enumerated.
:func:`verdict` is the sentence under the table.

Measured on Rosenbrock's function at n = 10,000 (90,000 nodes, 10,000 inputs), CPU on a loaded 2-core
machine: compare 3.7-4.5 s and printing its table 0.8-1.1 s (the expanded sizes of two 100,000-operation
programs, counted as the figures are printed).  Elimination is about half of it (Markowitz's heap, see
:mod:`symgraph.ad.eliminate`: 2.1-2.9 -> 1.75-2.2 s), forward mode's 10,000 sweeps about a quarter,
reverse a tenth; no mode's cost repeats another's, and each is about 5-20 us a node of Python, so the
table of a 90,000-node graph stays a few seconds.
"""
from __future__ import annotations

import time
from numbers import Integral
from typing import Any, Mapping, Sequence

from .ad.linearised import Adjacency, OverBudget
from .ad.paths import PATH_LIMIT, path_limit_error
from .options import checked_options
from .cost import COMPARED_MODES, TIE_PREFERENCE, CostReport, ModeCost, count_shown, mode_cost
from .derive import jacobian_program
from .errors import ArgumentError, GraphError, shown
from .hessian import STRATEGIES, hessian_program, second_order
from .frontend.coerce import as_graph, present, wrt_names
from .ir.graph import Graph
from .ir.listing import count_text
from .progress import progress_reporter, reported


# ---------------------------------------------------------------- compare
def verdict(report: CostReport) -> str:
    """One sentence: which mode needs the fewest multiplications, and why."""
    measured = {m: c for m, c in report.items() if c.multiplications is not None}
    if not measured:
        return ""
    rank = {m: i for i, m in enumerate(TIE_PREFERENCE)}
    # a tie in multiplications goes to fewer sweeps (forward for 1 input and 100 outputs), as mode="auto"'s does
    best = min(measured, key=lambda m: (measured[m].multiplications, _sweeps(measured[m]),
                                        rank.get(m, len(TIE_PREFERENCE))))
    count = measured[best].multiplications
    ties = [m for m in measured if m != best and measured[m].multiplications == count]
    others = ", ".join(f"{m} {count_text(c.multiplications)}" for m, c in measured.items() if m != best)
    n, m = report.n_inputs, report.n_outputs
    inputs, outputs = f"{n} input{'s' * (n != 1)}", f"{m} output{'s' * (m != 1)}"
    if len(ties) == len(measured) - 1 and len(measured) > 1 and best == TIE_PREFERENCE[0]:
        why = _every_tie(measured, "mode", best)
    elif best == "reverse":
        why = (f"with {inputs} and {outputs}, reverse needs one sweep per output and forward one per input"
               if m < n else "its sweeps over the outputs' ancestors share more of the graph than forward's")
    elif best == "forward":
        why = (f"with {inputs} and {outputs}, forward needs one sweep per input and reverse one per output"
               if n < m else "its sweeps over the inputs' descendants share more of the graph than reverse's")
    elif best == "elimination" and min(n, m) > 1:
        why = (f"eliminating the cheapest vertices first pays for shared vertices once, where forward "
               f"repeats the work after them for each of the {inputs} and reverse the work before them "
               f"for each of the {outputs}")
    elif best == "elimination":
        why = ("eliminating the cheapest vertices first merges chains and parallel edges whose products "
               "are free or shared, where a sweep multiplies its tangent or adjoint into every edge")
    else:
        why = f"the graph has only {count_text(measured[best].paths)} input-output paths, so multiplying along each is cheap"
    tied = _tied(ties)
    sentence = f"{best} wins{tied} with {_counted(count, 'multiplication')} ({others}): {why}"
    skipped = report.get("paths")
    if skipped is not None and skipped.multiplications is None and skipped.paths is not None:
        sentence += f"; the path sum was not enumerated ({count_text(skipped.paths)} paths)"
    return sentence + "."


def _sweeps(cost: ModeCost) -> float:
    """A row's sweeps for breaking a tie: a mode not organised in sweeps (paths, elimination) comes after both."""
    return float("inf") if cost.sweeps is None else cost.sweeps


def _mode_work(graph: Graph, names: Sequence[str], paths: int) -> dict[str, int]:
    """Node visits each mode's derivation makes at most (cheap bounds, for the progress bar).

    Forward mode visits the descendants of each wrt node (at most the nodes
    after it), reverse mode every node once per output, elimination every
    node, the path sum one step per path (``paths``: 0 when it is not enumerated).
    """
    index = {v: i for i, v in enumerate(graph.order)}
    n = len(graph.order)
    return {"forward": sum(n - index[x] for x in dict.fromkeys(names) if x in index),
            "reverse": n * len(dict.fromkeys(graph.outputs)), "elimination": n,
            "paths": paths}


class _Share:
    """``progress(done, total)`` for one mode, moving its share of a bar shared by every mode."""

    def __init__(self, bar, start: int, work: int):
        self.bar, self.start, self.work = bar, start, work

    def __call__(self, done: int, total: int) -> None:
        target = self.start + self.work * done // max(total, 1)
        if target > self.bar.done:
            self.bar.advance(target - self.bar.done)



def _every_tie(measured: Mapping[str, ModeCost], kind: str, default: str) -> str:
    """Why the default wins when every row needs as many multiplications: the same work, or, when
    the additions differ, the same multiplications only (the additions named, so nothing is hidden)."""
    additions = {m: c.additions for m, c in measured.items()}
    if not any(additions.values()) and not any(c.multiplications for c in measured.values()):
        return (f"no {kind} multiplies or adds anything on this graph (every product of local derivatives is "
                f"free), so the default, {default}, is as good as any")
    if len(set(additions.values())) == 1:
        return f"every {kind} needs the same work on this graph, so the default, {default}, is as good as any"
    return (f"every {kind} needs the same number of multiplications on this graph, so the default, {default}, "
            f"is as good as any by that count; the additions differ "
            f"({', '.join(f'{m} {count_text(a)}' for m, a in additions.items())})")


def _tied(ties: list[str]) -> str:
    """`` (tied with a, b and c)``, or nothing when no strategy ties with the winner."""
    if not ties:
        return ""
    return f" (tied with {ties[0] if len(ties) == 1 else ', '.join(ties[:-1]) + ' and ' + ties[-1]})"


def _counted(count: int, word: str) -> str:
    """``count`` (as :func:`count_text` writes it) and ``word``, plural unless the count is 1."""
    return f"{count_text(count)} {word}{'s' * (count != 1)}"

@checked_options
def compare(f: Any, wrt: Sequence[str] | str | None = None, *, order: int = 1, limit: int | None = None,
            progress: Any = None, allow_unused: bool = False, path_limit: int | None = None,
            **sizes: int) -> CostReport:
    """Derive the Jacobian of ``f`` in every mode and report what each one cost.

    Rows: forward, reverse, paths (the path count alone when there are more
    than ``path_limit`` paths), and elimination in Markowitz order.  See the
    module docstring for what each figure counts.  ``order=2`` compares the
    Hessian strategies instead (:func:`second_order_report`): each one's sweeps,
    multiplications and program size, and which wins and why; a strategy that
    passes :data:`STOP_FACTOR` times the fewest multiplications is stopped
    there (it cannot win), its row without counts.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        A scalar or multi-output function (as for :func:`symgraph.jacobian`).
    wrt : list of names, optional
        Variables to differentiate by (default: every input).
    limit : int, optional
        Largest number of paths the path sum enumerates (default
        :data:`symgraph.ad.paths.PATH_LIMIT`), as ``grad(..., mode="paths", limit=)``
        takes it; ``path_limit=`` is its former name, still read.
    progress : None, bool or callable(done, total), optional
        One report over every mode, in node visits (as in :func:`symgraph.grad`;
        by default a bar on a terminal when the work is about a second or
        more: forward mode on many inputs visits the graph once per input); with ``order=2``, one
        report per Hessian strategy derived (it was not read there).
    allow_unused : bool
        Say that ``wrt`` may name variables absent from ``f`` (no warning).

    Examples
    --------
    >>> import symgraph as sg
    >>> report = sg.compare("*".join(f"x{i}" for i in range(1, 11)))
    >>> report["forward"].sweeps, report["reverse"].sweeps
    (10, 1)
    >>> report["forward"].multiplications > report["reverse"].multiplications
    True
    """

    if isinstance(order, bool) or not isinstance(order, Integral) or order not in (1, 2):
        # True == 1 and 2.0 == 2, but a flag or a float is no order: a slip of another argument, said so
        raise ArgumentError(f"compare() reports first (order=1) or second (order=2) derivatives, the integer 1 or 2; "
                            f"got order={shown(order)} ({type(order).__name__})")
    if path_limit is not None:  # the former name of limit=
        if limit is not None:
            raise ArgumentError(f"compare() got limit={shown(limit)} and path_limit={shown(path_limit)}: they are one "
                                "option (path_limit is limit's former name); give limit= alone")
        limit, spelt = path_limit, "path_limit"
    else:
        spelt = "limit"
    if order == 2 and limit is not None:  # given with order=2 it was silently unread, as grad()'s limit= is not
        raise ArgumentError(f"{spelt}={shown(limit)} bounds the path sum of order=1; order=2 compares the "
                            f"Hessian strategies, none of which enumerates paths (drop {spelt})")
    graph = as_graph(f, **sizes)
    if not graph.outputs:  # compare([]) printed a table of empty sweeps and a verdict on nothing
        raise GraphError("compare() takes at least one function; this graph has no output (an empty list of "
                         "functions has none)")
    if order == 2:  # one output, differentiated by inputs: checked as hessian() checks them
        return second_order_report(*second_order(graph, wrt, allow_unused, {}, "compare(order=2)"), progress)
    names = wrt_names(graph, wrt, allow_unused)
    limit = PATH_LIMIT if limit is None else limit
    start = time.perf_counter()
    count, refused = path_limit_error(Adjacency(graph), graph.outputs, present(graph, names), limit, "")
    counted = time.perf_counter() - start
    work = _mode_work(graph, present(graph, names), 0 if refused is not None else count)
    bar = progress_reporter(progress, sum(work.values()), "compare", unit=" nodes")
    costs, done = [], 0
    try:
        for mode in COMPARED_MODES:
            share = None if bar is None else _Share(bar, done, work[mode])
            if mode == "paths" and refused is not None:
                costs.append(mode_cost("paths", seconds=counted, paths=count,
                                       note=f"{str(refused).rstrip('; ')}: counted, not enumerated"))
            else:
                options = {"limit": limit} if mode == "paths" else {}
                # sparse: the figures count the program's operations, and the zero entries of a dense
                # Jacobian (n functions of one input each: n^2 of them) cost time and memory and no operation
                costs.append(jacobian_program(graph, names, mode, progress=share or False, sparse=True,
                                              **options)[1])
            done += work[mode]
            if share is not None:
                share(1, 1)
    finally:
        if bar is not None:
            bar.close()
    report = CostReport(costs, len(names), len(graph.outputs), read_as=None)
    report.verdict = verdict(report)
    return count_shown(report)


#: why a Hessian strategy can win, for the verdict of compare(order=2)
_WHY_SECOND = {
    "forward-over-reverse": "the gradient costs one reverse sweep, and each forward sweep over its program "
                            "touches only what one input affects",
    "reverse-over-forward": "the forward sweeps of the gradient share their work, and each reverse sweep reads "
                            "back only the tangents one gradient entry needs",
    "forward-over-forward": "with few inputs, forward sweeps for both derivatives repeat little",
    "reverse-over-reverse": "each adjoint of the adjoint program revisits only one gradient entry's ancestors",
    "edge-pushing": "one symmetric reverse sweep carries second-order weights only between the pairs of nodes "
                    "that interact, and each weight is pushed once instead of once per sweep",
}


#: compare(order=2) stops a strategy once its sweeps made this many times the multiplications of the fewest
#: so far, as it cannot win: forward-over-forward on prod(1 + x[i]) at n = 300 goes through the gradient's
#: n^2 partial products once per input (n^3/2 node visits, 4.5 million instructions, 70 s) where
#: forward-over-reverse makes 90,000 instructions in 1.4 s
STOP_FACTOR = 5
#: ... but never below this many multiplications: a small Hessian is always derived whole in every strategy
STOP_FLOOR = 20_000
#: the strategies run first, the cheapest on most graphs, so that the bound is tight early
FIRST = ("forward-over-reverse", "edge-pushing")


def second_order_report(graph: Any, names: Sequence[str], progress: Any = False) -> CostReport:
    """Every Hessian strategy's cost on ``graph`` (sparse derivation: the structural nonzeros), with a verdict.

    A strategy whose sweeps pass :data:`STOP_FACTOR` times the fewest multiplications of those derived before
    it (at least :data:`STOP_FLOOR`) is stopped: its row shows no counts and a note, and the verdict names it.
    """
    try:  # loaded before the timings: its first import (0.3 s) is no strategy's cost, but it fell on the first
        import scipy.sparse  # noqa: F401
    except ImportError:
        pass  # the sparse derivation says what is missing
    rows, pattern, fewest = {}, None, None
    with reported(progress, len(STRATEGIES), "compare(order=2)", unit=" strategies") as bar:
        for mode in sorted(STRATEGIES, key=lambda m: m not in FIRST):
            budget = None if fewest is None else max(STOP_FLOOR, STOP_FACTOR * fewest)
            start = time.perf_counter()
            try:
                _, _, report, found = hessian_program(graph, names, mode=mode, sparse=True, allow_unused=True,
                                                      budget=budget)
            except OverBudget:
                rows[mode] = ModeCost(mode, seconds=time.perf_counter() - start,
                                      note=f"stopped past {count_text(budget)} multiplications, {STOP_FACTOR} times "
                                           f"the fewest of another strategy: it cannot win")
                report = None
            if bar is not None:
                bar.advance(1)
            if report is None:
                continue
            pattern = found
            rows[mode] = report[mode]
            fewest = rows[mode].multiplications if fewest is None else min(fewest, rows[mode].multiplications)
    costs = [rows[mode] for mode in STRATEGIES]
    report = CostReport(costs, len(names), len(graph.outputs), read_as=None)  # one function: its Hessian's rows are its gradients
    rank = {mode: k for k, mode in enumerate(STRATEGIES)}  # a tie goes to the default, forward-over-reverse
    measured = [c for c in costs if c.multiplications is not None]
    stopped = [c.mode for c in costs if c.multiplications is None]
    best = min(measured, key=lambda c: (c.multiplications, rank[c.mode]))
    ties = [c.mode for c in measured if c is not best and c.multiplications == best.multiplications]
    others = ", ".join(f"{c.mode} {count_text(c.multiplications)}" for c in measured if c is not best)
    if stopped:
        others += (", " if others else "") + ", ".join(f"{mode} stopped past {STOP_FACTOR} times the fewest"
                                                       for mode in stopped)
    nonzeros = pattern.nnz if pattern is not None else 0
    tied = _tied(ties)
    why = (_every_tie({c.mode: c for c in measured}, "strategy", best.mode) if len(ties) == len(measured) - 1 > 0
           else _WHY_SECOND.get(best.mode, ""))
    report.verdict = (f"{best.mode} wins{tied} with {_counted(best.multiplications, 'multiplication')} ({others}) "
                      f"in {_counted(best.sweeps, 'sweep')} and a program of "
                      f"{_counted(best.program_ops, 'operation')}; "
                      f"the Hessian has {_counted(nonzeros, 'structural nonzero')} of {count_text(len(names) ** 2)}: "
                      f"{why}")
    return count_shown(report)
