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

``mode="auto"`` (:func:`choose_mode`) counts, on the actual graph and in the
table's unit, the multiplications each sweep would perform: forward mode
forms one product for every edge ``u -> v`` per wrt input that reaches ``u``,
reverse mode one for every edge ``u -> v`` per output that ``v`` reaches, and
a product is free when the edge's local derivative or the tangent (adjoint)
is exactly +-1.  One bit-set pass each way (:func:`sweep_estimates`), linear
in the graph for up to a few thousand inputs or outputs.  Fewer
multiplications win; a tie goes to fewer edge products in all (free ones
included: they are still visited), then to reverse, the default.
Elimination is not a candidate: its cost depends on fill-in that is only
known by performing it (:func:`compare` shows it).
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from .graph import Graph

FIGURES = ("sweeps", "multiplications", "additions", "program_ops", "expanded_ops", "paths", "seconds")

#: the line under every cost table: what its figures count
COUNTED = ("multiplications, additions: edge-derivative products and sums the mode performed; "
           "products with 0 or ±1 and sums with 0 are free and not counted")

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

    ``str()`` is an aligned table, one line saying what it counts
    (:data:`COUNTED`) and a one-sentence verdict;
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
        lines.append(COUNTED)
        if self.verdict:
            lines.append(self.verdict)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter; what it counts and the verdict are the caption."""
        header, *body = self.rows()
        cell = '<td style="text-align:right">{}</td>'.format
        head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
        rows = "".join(f"<tr><th style=\"text-align:left\">{html.escape(r[0])}</th>"
                       + "".join(cell(html.escape(c)) for c in r[1:]) + "</tr>" for r in body)
        caption = "<br>".join(html.escape(line) for line in (COUNTED, self.verdict) if line)
        caption = f'<caption style="caption-side:bottom;text-align:left">{caption}</caption>'
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
    """Number of (wrt, output, path) triples, exact, in one pass over the graph (see ``count_through``).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("c = a + b; d = b + 1; e = c * d")
    >>> count_all_paths(g, g.outputs, ["a", "b"])
    3
    """
    from .passes.paths import count_through

    return count_through(graph.order, graph.nx.pred, outputs, wrt)


# ---------------------------------------------------------------- mode="auto"
class Estimate(NamedTuple):
    """What one sweep mode would do on a graph, counted before deriving.

    ``multiplications`` is in the unit of :func:`compare`'s table (products
    with 0 or +-1 are free); ``products`` counts every edge product, free ones
    included, and breaks ties.  Tuples compare in that order.
    """

    multiplications: int
    products: int


def _edge_kinds(graph: Graph) -> dict[str, dict[str, int]]:
    """Node -> {operand: 0 (local derivative exactly 0), 1 (exactly +-1) or 2 (anything else)}.

    Read from the static partials of the rule table (add, sub, neg, mul by a
    constant, ...), without emitting anything: an op whose partials build
    instructions has non-constant locals.
    """
    from .passes.local import OUT, _STATIC_PARTIALS

    kinds: dict[str, dict[str, int]] = {}
    for v, args in graph._operands.items():
        static = _STATIC_PARTIALS.get(graph._ops[v])
        local: dict[str, Any] = {}
        for slot, u in enumerate(args):
            if u.__class__ is not str:
                continue
            part = None
            if static is not None:
                s = static[slot]
                part = args[s] if s.__class__ is int else None if s == OUT else s
                part = None if part.__class__ is str else part
            local[u] = None if part is None or (u in local and local[u] is None) else local.get(u, 0) + part
        kinds[v] = {u: 2 if d is None else 0 if d == 0 else 1 if abs(d) == 1 else 2 for u, d in local.items()}
    return kinds


def sweep_estimates(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> dict[str, Estimate]:
    """The multiplications (and edge products) forward and reverse mode would perform on ``graph``.

    One bit-set pass each way.  Forward: ``reached[v]`` holds the wrt inputs
    whose tangent at ``v`` is not zero, ``unit[v]`` those whose tangent is
    exactly +-1 (one incoming term, a +-1 local times a +-1 tangent).  An edge
    ``u -> v`` forms a product for every input in ``reached[u]``; it is free
    when its local derivative is +-1 or the tangent is, as in the sweep.
    Reverse is the mirror image over the outputs.  Constant tangents are not
    followed by value, so one that sums to exactly 0 or +-1 (``2*x - x``)
    still counts: the figure is an upper bound of the sweep's count, equal to
    it unless constant terms cancel that way.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("h = sin(x); y1 = h*h; y2 = h+1", outputs=["y1", "y2"])
    >>> sweep_estimates(g, g.outputs, ["x"])
    {'forward': Estimate(multiplications=1, products=3), 'reverse': Estimate(multiplications=1, products=4)}
    """
    kinds = _edge_kinds(graph)
    pred, order = graph.nx.pred, graph.order
    users: dict[str, list[tuple[str, int]]] = {v: [] for v in order}
    for v, local in kinds.items():
        for u, kind in local.items():
            if kind:
                users[u].append((v, kind))
    xbit = {x: 1 << i for i, x in enumerate(dict.fromkeys(x for x in wrt if x in pred))}
    ybit = {y: 1 << i for i, y in enumerate(dict.fromkeys(y for y in outputs if y in pred))}

    def sweep(nodes, seeds, edges) -> Estimate:
        """Carry the (reached, unit) bit sets along ``edges[v]``: [(neighbour, kind)], already visited."""
        reached: dict[str, int] = {}
        unit: dict[str, int] = {}
        mults = products = 0
        for v in nodes:
            once = via_unit = seeds.get(v, 0)
            twice = 0
            for u, kind in edges[v]:
                r = reached[u]
                if not r:
                    continue
                count = r.bit_count()
                products += count
                if kind == 2:  # free only where the tangent is +-1
                    if unit[u]:
                        count -= (r & unit[u]).bit_count()
                    mults += count
                elif unit[u]:
                    via_unit = via_unit | unit[u] if via_unit else unit[u]
                if once:
                    twice |= once & r
                    once |= r
                else:
                    once = r
            reached[v] = once
            unit[v] = via_unit & ~twice if twice and via_unit else via_unit
        return Estimate(mults, products)

    operands = {v: [(u, kind) for u, kind in local.items() if kind] for v, local in kinds.items()}
    forward = sweep(order, xbit, operands)
    reverse = sweep(reversed(order), ybit, users)
    return {"forward": forward, "reverse": reverse}


def choose_mode(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> tuple[str, str]:
    """The cheaper of forward and reverse on this graph, and a sentence saying why.

    Cheaper means fewer multiplications, counted as :func:`compare`'s table
    counts them; a tie goes to the mode with fewer edge products in all
    (the free ones are still visited), then to reverse, the default.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("sin(x)*y*z")
    >>> choose_mode(g, g.outputs, ["x", "y", "z"])[0]
    'reverse'
    """
    est = sweep_estimates(graph, outputs, wrt)
    fwd, rev = est["forward"], est["reverse"]
    mode = "forward" if fwd < rev else "reverse"
    n = len([x for x in dict.fromkeys(wrt) if x in graph.nx])
    m = len(dict.fromkeys(outputs))
    why = (f"mode='auto' chose {mode}: forward would need {fwd.multiplications:,} multiplications "
           f"({n} sweep{'s' * (n != 1)}, one per input), reverse {rev.multiplications:,} "
           f"({m} sweep{'s' * (m != 1)}, one per output)")
    if fwd.multiplications == rev.multiplications:
        why += (f"; tied, so the fewer edge products in all, free ones included, decide "
                f"({fwd.products:,} forward, {rev.products:,} reverse)" if fwd.products != rev.products
                else "; tied, so the default, reverse")
    return mode, why + "; multiplications as compare() counts them: products with 0 or ±1 are free"


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


def _mode_work(graph: Graph, names: Sequence[str], limit: int, paths: int) -> dict[str, int]:
    """Node visits each mode's derivation makes at most (cheap bounds, for the progress bar).

    Forward mode visits the descendants of each wrt node (at most the nodes
    after it), reverse mode every node once per output, elimination every
    node, the path sum one step per path.
    """
    index = {v: i for i, v in enumerate(graph.order)}
    n = len(graph.order)
    return {"forward": sum(n - index[x] for x in dict.fromkeys(names) if x in index),
            "reverse": n * len(dict.fromkeys(graph.outputs)), "elimination": n,
            "paths": paths if paths <= limit else 0}


class _Share:
    """``progress(done, total)`` for one mode, moving its share of a bar shared by every mode."""

    def __init__(self, bar, start: int, work: int):
        self.bar, self.start, self.work = bar, start, work

    def __call__(self, done: int, total: int) -> None:
        target = self.start + self.work * done // max(total, 1)
        if target > self.bar.done:
            self.bar.advance(target - self.bar.done)


def compare(f: Any, wrt: Sequence[str] | str | None = None, *, path_limit: int | None = None,
            progress: Any = None, allow_unused: bool = False) -> CostReport:
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
    progress : None, bool or callable(done, total), optional
        One report over every mode, in node visits (as in :func:`symgraph.grad`;
        by default a bar on a terminal when the work is about a second or
        more: forward mode on many inputs visits the graph once per input).
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
    # derive imports this module for CostReport; importing its runner here keeps
    # the module graph acyclic at import time
    from .derive import as_graph, jacobian_program, present, wrt_names
    from .passes.paths import PATH_LIMIT
    from .progress import progress_reporter

    graph = as_graph(f)
    names = wrt_names(graph, wrt, allow_unused)
    limit = PATH_LIMIT if path_limit is None else path_limit
    start = time.perf_counter()
    count = count_all_paths(graph, graph.outputs, present(graph, names))
    counted = time.perf_counter() - start
    work = _mode_work(graph, present(graph, names), limit, count)
    bar = progress_reporter(progress, sum(work.values()), "compare", unit=" nodes")
    costs, done = [], 0
    try:
        for mode in MODES:
            share = None if bar is None else _Share(bar, done, work[mode])
            if mode == "paths" and count > limit:
                costs.append(ModeCost("paths", paths=count, seconds=counted,
                                      note=f"{count_text(count)} paths exceed the limit of {limit:,}: counted, not enumerated"))
            else:
                options = {"limit": limit} if mode == "paths" else {}
                costs.append(jacobian_program(graph, names, mode, progress=share or False, **options)[1])
            done += work[mode]
            if share is not None:
                share(1, 1)
    finally:
        if bar is not None:
            bar.close()
    report = CostReport(costs, len(names), len(graph.outputs))
    report.verdict = verdict(report)
    return report
