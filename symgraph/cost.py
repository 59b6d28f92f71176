"""Cost of a derivation, every mode side by side, and the rule behind ``mode="auto"``.

A :class:`ModeCost` is what one derivation counted; a :class:`CostReport` puts
several side by side (``str()`` is an aligned table, ``to_dict()`` plain data,
``_repr_html_`` a table in Jupyter).  :func:`compare` derives the same
Jacobian in every mode and reports:

``sweeps``
    forward: one per wrt input; reverse: one per output; None for paths and
    elimination, which are not organised in sweeps.
``multiplications``, ``additions``
    Edge-derivative products and sums the mode performed.  Products with 0 or
    +-1 and sums with 0 are free and not counted (they are never performed),
    as in the AD literature's operation counts.
``program_ops``
    Operations of the resulting straight-line Program (the function's own
    nodes plus the derivative instructions, after sharing and dead-code removal).
``expanded_ops``
    Operations of the same results written out as trees in the inputs,
    counted by dynamic programming on the program (never built) and capped
    at :data:`EXPANDED_CAP`: the expression swell that sharing avoids.
``paths``
    Number of wrt -> output paths, counted exactly by dynamic programming
    (only in the paths row).
``seconds``
    Wall-clock derivation time: the sweep plus building the program.

What the paths row counts: the path sum enumerates paths depth-first and
shares each prefix product with every path that extends it, so its
``multiplications`` are one per edge of the tree of path prefixes -- the
work it actually did, measured like every other row.  That is a lower bound
on the textbook's one-product-chain-per-path count (which pays ``len - 1``
products for every path), and it still grows with the number of paths,
exponentially in depth for layered graphs.  Above the path limit the row
shows the path count alone and no enumeration happens.

``mode="auto"`` (:func:`choose_mode`) counts, on the actual graph, the edge
products each sweep forms: forward mode forms one for every edge ``u -> v``
per wrt input that reaches ``u``; reverse mode one for every edge ``u -> v``
per output that ``v`` reaches.  Both sums are exact structural counts
(products with constant 0 or +-1 included) made with one bit-set pass each,
linear in the graph for up to a few thousand inputs or outputs.  The smaller
sum wins; a tie goes to reverse, the default.  Elimination is not a
candidate: its cost depends on fill-in that is only known by performing it
(:func:`compare` shows it).
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .graph import Graph

FIGURES = ("sweeps", "multiplications", "additions", "program_ops", "expanded_ops", "paths", "seconds")

#: compare() rows, in table order
MODES = ("forward", "reverse", "paths", "elimination")

#: which mode the verdict names when several need the same multiplications (simplest first)
PREFERENCE = ("reverse", "forward", "elimination", "paths")

#: expanded_ops stops counting here (the closed form can be exponential in the program)
EXPANDED_CAP = 10**9


@dataclass
class ModeCost:
    """The counted work of one mode on one graph; None where a figure does not apply.

    ``expanded`` is ``expanded_ops`` or a function computing it: that count
    is a pass over the whole program, so derivations hand in the function and
    it runs only when the figure is read (``gradient.cost`` is rarely looked at).
    """

    mode: str
    sweeps: int | None = None
    multiplications: int | None = None
    additions: int | None = None
    program_ops: int | None = None
    paths: int | None = None
    seconds: float | None = None
    note: str = ""
    expanded: "int | Callable[[], int] | None" = field(default=None, repr=False, compare=False)

    @property
    def expanded_ops(self) -> int | None:
        if callable(self.expanded):
            self.expanded = self.expanded()
        return self.expanded

    def to_dict(self) -> dict:
        """``{figure: value}`` for the seven FIGURES, None where a figure does not apply."""
        return {k: getattr(self, k) for k in FIGURES}


class CostReport(Mapping[str, ModeCost]):
    """Costs of one or more modes on the same graph: a mapping mode -> :class:`ModeCost`.

    ``str()`` is an aligned table followed by a one-sentence verdict;
    ``to_dict()`` gives ``{mode: {"sweeps", "multiplications", "additions",
    "program_ops", "expanded_ops", "paths", "seconds"}}`` with None where a
    figure does not apply.  A single-mode report (``gradient.cost``) also
    reads its figures directly: ``gradient.cost.sweeps``.

    Examples
    --------
    >>> import symgraph as sg
    >>> report = sg.compare("x1*x2*x3*x4")
    >>> report["reverse"].sweeps, report["forward"].sweeps
    (1, 4)
    >>> sorted(report.to_dict()["paths"])[:3]
    ['additions', 'expanded_ops', 'multiplications']
    """

    def __init__(self, costs: Iterable[ModeCost], n_inputs: int = 0, n_outputs: int = 0, verdict: str = ""):
        self.costs = {c.mode: c for c in costs}
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.verdict = verdict

    def __getitem__(self, mode: str) -> ModeCost:
        return self.costs[mode]

    def __iter__(self) -> Iterator[str]:
        return iter(self.costs)

    def __len__(self) -> int:
        return len(self.costs)

    # the figures of a single-mode report read directly: gradient.cost.sweeps
    def __getattr__(self, name: str):
        if name in (*FIGURES, "mode", "note") and len(self.__dict__.get("costs", {})) == 1:
            return getattr(next(iter(self.costs.values())), name)
        raise AttributeError(name)

    def to_dict(self) -> dict[str, dict]:
        return {mode: cost.to_dict() for mode, cost in self.costs.items()}

    def rows(self) -> list[list[str]]:
        """Header and one row per mode, every cell formatted as text."""
        header = ["mode", *FIGURES]
        body = [[mode, *(_fmt(getattr(c, k), k) for k in FIGURES)] for mode, c in self.costs.items()]
        return [header, *body]

    def __str__(self) -> str:
        rows = self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.verdict:
            lines.append(self.verdict)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter; the verdict is the caption."""
        header, *body = self.rows()
        cell = '<td style="text-align:right">{}</td>'.format
        head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
        rows = "".join(f"<tr><th style=\"text-align:left\">{html.escape(r[0])}</th>"
                       + "".join(cell(html.escape(c)) for c in r[1:]) + "</tr>" for r in body)
        caption = (f'<caption style="caption-side:bottom">{html.escape(self.verdict)}</caption>'
                   if self.verdict else "")
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        return f"<CostReport {', '.join(self.costs)}>"


def count_text(count: int) -> str:
    """A count as text: ``1,234``, or ``about 10^4512`` when it is huge.

    Never ``str()`` of a huge int: Python refuses more than 4,300 digits, and
    a path count of a long program has many more; the power of ten comes
    from the bit length.
    """
    if count < 10**15:
        return f"{count:,}"
    return f"about 10^{int((count.bit_length() - 1) * 0.30102999566398120)}"


def _fmt(value, figure: str = "") -> str:
    if value is None:
        return "-"
    if figure == "expanded_ops" and value >= EXPANDED_CAP:
        return f">={value:,}"
    if isinstance(value, float):
        return f"{value:.3g}s" if value >= 0.001 else f"{value * 1e3:.2g}ms"
    return count_text(value)


def expanded_ops(program, cap: int = EXPANDED_CAP) -> int:
    """Operations of every result of ``program`` written as a tree in the inputs, summed and capped.

    One dynamic-programming pass over the instructions (``Program.expanded_size``
    per result would repeat it for every result).
    """
    size: dict[str, int] = {}
    get = size.get
    for target, op, args in program.instructions:
        if op == "const":
            size[target] = 0
            continue
        total = 1
        for a in args:
            if a.__class__ is str:
                total += get(a, 0)
        size[target] = total if total < cap else cap
    return min(cap, sum(size.get(r, 0) for r in program.results.values() if isinstance(r, str)))


def count_all_paths(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    """Number of (wrt, output, path) triples, exact, in one pass over the graph.

    ``through[v]`` counts the paths from any wrt node to ``v`` (a wrt node
    starts one of its own, even when it is reached from another), so the
    total is the sum of ``through`` over the outputs: linear in the graph
    where counting pair by pair is (inputs x graph).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("c = a + b; d = b + 1; e = c * d")
    >>> count_all_paths(g, g.outputs, ["a", "b"])
    3
    """
    pred = graph.nx.pred
    starts = set(wrt)
    through: dict[str, int] = {}
    for v in graph.order:
        through[v] = (v in starts) + sum(through[u] for u in pred[v])
    return sum(through.get(y, 0) for y in dict.fromkeys(outputs))


# ---------------------------------------------------------------- mode="auto"
def sweep_estimates(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> dict[str, int]:
    """Edge products forward and reverse mode would form on ``graph`` (see the module docstring).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("h = sin(x); y1 = h*h; y2 = h+1", outputs=["y1", "y2"])
    >>> sweep_estimates(g, g.outputs, ["x"])
    {'forward': 3, 'reverse': 4}
    """
    pred, succ, order = graph.nx.pred, graph.nx.succ, graph.order
    xbit = {x: 1 << i for i, x in enumerate(dict.fromkeys(x for x in wrt if x in pred))}
    ybit = {y: 1 << i for i, y in enumerate(dict.fromkeys(y for y in outputs if y in pred))}
    reached: dict[str, int] = {}  # bit set of the wrt inputs that reach each node
    forward = 0
    for v in order:
        bits = xbit.get(v, 0)
        for u in pred[v]:
            bits |= reached[u]
        reached[v] = bits
        forward += bits.bit_count() * len(succ[v])
    reaching: dict[str, int] = {}  # bit set of the outputs each node reaches
    reverse = 0
    for v in reversed(order):
        bits = ybit.get(v, 0)
        for w in succ[v]:
            bits |= reaching[w]
        reaching[v] = bits
        reverse += bits.bit_count() * len(pred[v])
    return {"forward": forward, "reverse": reverse}


def choose_mode(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> tuple[str, str]:
    """The cheaper of forward and reverse on this graph, and a sentence saying why.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("sin(x)*y*z")
    >>> choose_mode(g, g.outputs, ["x", "y", "z"])[0]
    'reverse'
    """
    est = sweep_estimates(graph, outputs, wrt)
    mode = "forward" if est["forward"] < est["reverse"] else "reverse"
    n = len([x for x in dict.fromkeys(wrt) if x in graph.nx])
    m = len(dict.fromkeys(outputs))
    why = (f"mode='auto' chose {mode}: {est['forward']:,} edge products for forward ({n} sweep{'s' * (n != 1)}, "
           f"one per input) against {est['reverse']:,} for reverse ({m} sweep{'s' * (m != 1)}, one per output)")
    return mode, why


# ---------------------------------------------------------------- compare
def verdict(report: CostReport) -> str:
    """One sentence: which mode needs the fewest multiplications, and why."""
    measured = {m: c for m, c in report.items() if c.multiplications is not None}
    if not measured:
        return ""
    rank = {m: i for i, m in enumerate(PREFERENCE)}
    best = min(measured, key=lambda m: (measured[m].multiplications, rank.get(m, len(PREFERENCE))))
    count = measured[best].multiplications
    ties = [m for m in measured if m != best and measured[m].multiplications == count]
    others = ", ".join(f"{m} {count_text(c.multiplications)}" for m, c in measured.items() if m != best)
    n, m = report.n_inputs, report.n_outputs
    inputs, outputs = f"{n} input{'s' * (n != 1)}", f"{m} output{'s' * (m != 1)}"
    if len(ties) == len(measured) - 1 and len(measured) > 1:
        why = "every mode needs the same work on this graph, so the default, reverse, is as good as any"
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
    tied = f" (tied with {' and '.join(ties)})" if ties else ""
    sentence = f"{best} wins{tied} with {count_text(count)} multiplications ({others}): {why}"
    skipped = report.get("paths")
    if skipped is not None and skipped.multiplications is None and skipped.paths is not None:
        sentence += f"; the path sum was not enumerated ({count_text(skipped.paths)} paths)"
    return sentence + "."


def compare(f: Any, wrt: Sequence[str] | str | None = None, *, path_limit: int | None = None) -> CostReport:
    """Derive the Jacobian of ``f`` in every mode and report what each one cost.

    Rows: forward, reverse, paths (the path count alone when there are more
    than ``path_limit`` paths), and elimination in Markowitz order.  See the
    module docstring for what each figure counts.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        A scalar or multi-output function (as for :func:`symgraph.jacobian`).
    wrt : list of names, optional
        Variables to differentiate by (default: every input).
    path_limit : int, optional
        Largest number of paths the path sum enumerates (default
        :data:`symgraph.passes.paths.PATH_LIMIT`).

    Examples
    --------
    >>> import symgraph as sg
    >>> report = sg.compare("*".join(f"x{i}" for i in range(1, 11)))
    >>> report["forward"].sweeps, report["reverse"].sweeps
    (10, 1)
    >>> report["forward"].multiplications > report["reverse"].multiplications
    True
    """
    # derive imports this module for CostReport; importing its runner here keeps
    # the module graph acyclic at import time
    from .derive import _wrt_list, as_graph, jacobian_program
    from .passes.paths import PATH_LIMIT

    graph = as_graph(f)
    names = _wrt_list(graph, wrt)
    limit = PATH_LIMIT if path_limit is None else path_limit
    costs = []
    for mode in MODES:
        if mode == "paths":
            start = time.perf_counter()
            count = count_all_paths(graph, graph.outputs, names)
            if count > limit:
                costs.append(ModeCost("paths", paths=count, seconds=time.perf_counter() - start,
                                      note=f"{count_text(count)} paths exceed the limit of {limit:,}: counted, not enumerated"))
                continue
            _, cost = jacobian_program(graph, names, mode, limit=limit)
        else:
            _, cost = jacobian_program(graph, names, mode)
        costs.append(cost)
    report = CostReport(costs, len(names), len(graph.outputs))
    report.verdict = verdict(report)
    return report
