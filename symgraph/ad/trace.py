"""Every mode's sweep as a list of steps: what the explorer page walks through, one node or edge at a time.

A :class:`Recorder` is handed to a sweep as ``lin.trace`` (through
:func:`~symgraph.ad.modes.run_mode`, the call :func:`symgraph.compare` makes)
and writes what the sweep did as plain data: which edge product formed a
tangent or an adjoint term, which path was multiplied out, which vertex was
eliminated and which fill-in it made.  The sweeps report once per node, path
or vertex (never per edge), so they stay as fast untraced; the recorder
reads the edges from the sweep's own dictionaries at that moment.

Why steps and not numbers: a step names edges and nodes, never values, so a
page that lets its reader change the inputs recomputes every number from the
function's values and local derivatives (compiled to JavaScript) and the
structure stays the sweep's.  Whether a product was counted is the sweep's
own decision (:meth:`Linearised.counts_product` is :meth:`Linearised.mul`'s
rule), and each node's, vertex's or mode's products are checked against what
the sweep counted (``lin.counts``), so the page's running counts are
:func:`symgraph.compare`'s exactly.

Steps (``k`` is the kind; ``e`` an index into :func:`edge_list`; ``m`` 1 when
the product was a counted multiplication; ``z`` 1 when it was exactly 0 and
dropped):

* forward mode: ``{"k": "seed", "x"}`` opens the sweep for input ``x``, one
  ``{"k": "term", "e", "m", "z"}`` per product tangent(u) * d v/d u, and
  ``{"k": "done", "x"}`` closes it;
* reverse mode: ``{"k": "seed", "y"}``, one ``term`` per adjoint(v) * d v/d u
  (added into u's adjoint: a shared node sums its terms one by one), ``{"k": "done", "y"}``;
* path sum: ``{"k": "path", "x", "y", "edges", "m", "z"}``, ``m`` the
  products this path formed that no earlier path had (prefixes are shared);
* elimination: ``{"k": "eliminate", "v", "pairs": [[i, k, m, how], ...]}``
  per vertex, ``how`` one of :data:`FILL`, :data:`ADDED`, :data:`CANCELLED`,
  :data:`DROPPED`; the starting edges are ``initial``.  Virtual vertices are
  ``"in:x"`` (the source of wrt input x) and ``"out:y"`` (the sink of output y).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import PathLimitError
from ..ir.graph import Graph
from .linearised import Linearised
from .modes import run_mode
from .paths import PATH_LIMIT

#: the modes a walkthrough records, in the order :func:`symgraph.compare` reports them
TRACED_MODES = ("forward", "reverse", "paths", "elimination")

#: what eliminating a vertex did to the edge i -> k: a new edge (fill-in), a sum into an existing
#: one, a sum that cancelled to exactly 0 (the edge goes), or a product exactly 0 (nothing changes)
FILL, ADDED, CANCELLED, DROPPED = 0, 1, 2, 3


def edge_list(graph: Graph) -> list[tuple[str, str]]:
    """The graph's edges ``(u, v)``, one per operand node of each node, in the order steps index them."""
    return list(graph.edge_slots())


def _vertex(v: Any) -> str:
    """An elimination vertex as a string: a node's name, ``in:x`` or ``out:y`` for the virtual ones."""
    if v.__class__ is str:
        return v
    kind, name = v
    return f"{'in' if kind == 'wrt' else 'out'}:{name}"


class Recorder:
    """Observes one mode's sweep and writes its :mod:`steps <symgraph.ad.trace>`.

    Bound to the sweep's :class:`Linearised` by :func:`run_mode`; the
    sweeps call :meth:`sweep`, :meth:`tangent`, :meth:`adjoint`,
    :meth:`path`, :meth:`edges` and :meth:`eliminated`.
    """

    def __init__(self, mode: str, edges: dict[tuple[str, str], int]):
        self.mode = mode
        self.edge_index = edges
        self.steps: list[dict] = []
        self.initial: list[tuple[str, str, int | None]] = []
        self.lin: Linearised | None = None
        self._counted = 0  # lin.counts.multiplications when the last node, vertex or sweep was recorded
        self._open: dict | None = None  # the "done" step of the sweep in progress
        self._mark = 0  # steps before this index are checked against the sweep's count
        self._seen: set[int] = set()  # path links (ids) whose product an earlier path formed
        self._links: list = []  # keeps those links alive, so their ids stay theirs
        self._current: dict[str, dict[str, None]] = {}  # elimination: vertex -> its successors now

    def bind(self, lin: Linearised) -> None:
        self.lin = lin

    # -- what the sweeps call ---------------------------------------------------------------
    def sweep(self, start: str) -> None:
        """A forward sweep from input ``start`` or a reverse sweep from output ``start`` begins."""
        self._close()
        key = "x" if self.mode == "forward" else "y"
        self.steps.append({"k": "seed", key: start})
        self._open = {"k": "done", key: start}
        self._counted = self.lin.counts.multiplications

    def tangent(self, v: str, tangent: dict) -> None:
        """Forward mode has summed ``v``'s tangent: one term per operand with a tangent."""
        lin = self.lin
        for u in lin.preds[v]:
            t = tangent.get(u)
            if t is not None:
                self._term(u, v, lin.local(u, v), t)
        self._check(f"node {v}")

    def adjoint(self, v: str, a: Any, negative: bool, adjoint: dict, within: set[str] | None = None) -> None:
        """Reverse mode has pulled ``v``'s adjoint ``a`` back to its operands: one term each, but for an operand
        outside ``within`` (no wrt node reaches it), into which the sweep pulls nothing."""
        for u, d in self.lin.partials(v).items():  # the same refs the sweep used (the emitter hash-conses)
            if within is None or u in within:
                self._term(u, v, d, a)
        self._check(f"node {v}")

    def path(self, walk: tuple) -> None:
        """The path sum added one path's product; ``walk`` is ``(node, product, rest)``, last node first."""
        nodes, products, new = [], [], []
        link = walk
        while link is not None:
            nodes.append(link[0])
            products.append(link[1])
            new.append(id(link) not in self._seen)
            self._seen.add(id(link))
            self._links.append(link)
            link = link[2]
        nodes.reverse()
        products.reverse()
        new.reverse()
        lin = self.lin
        counted = sum(1 for i in range(1, len(nodes))
                      if new[i] and lin.counts_product(products[i - 1], lin.local(nodes[i - 1], nodes[i])))
        self.steps.append({"k": "path", "x": nodes[0], "y": nodes[-1],
                           "edges": [self.edge_index[e] for e in zip(nodes, nodes[1:])], "m": counted,
                           "z": int(lin.is_zero(products[-1]))})

    def edges(self, outs: dict) -> None:
        """Elimination starts from these edges ``outs[i][k]`` (virtual sources and sinks included)."""
        for i, row in outs.items():
            self._current[_vertex(i)] = {}
            for k in row:
                i_, k_ = _vertex(i), _vertex(k)
                self._current[i_][k_] = None
                self.initial.append((i_, k_, self.edge_index.get((i, k))))
        self._counted = self.lin.counts.multiplications

    def eliminated(self, j: str, preds: dict, succs: dict, outs: dict) -> None:
        """Vertex ``j`` is gone: each predecessor i now reaches each successor k directly."""
        lin = self.lin
        pairs = []
        for i, cij in preds.items():
            row = self._current[_vertex(i)]
            row.pop(j, None)
            for k, cjk in succs.items():
                i_, k_ = _vertex(i), _vertex(k)
                counted = int(lin.counts_product(cij, cjk))
                if lin.is_zero(cij) or lin.is_zero(cjk):
                    how = DROPPED
                elif k in outs.get(i, ()):
                    how = ADDED if k_ in row else FILL
                    row[k_] = None
                else:
                    how = CANCELLED
                    row.pop(k_, None)
                pairs.append([i_, k_, counted, how])
        del self._current[j]
        self.steps.append({"k": "eliminate", "v": j, "pairs": pairs})
        self._check(f"vertex {j}")

    # -- bookkeeping -------------------------------------------------------------------------
    def _term(self, u: str, v: str, d: Any, factor: Any) -> None:
        lin = self.lin
        zero = lin.is_zero(d) or lin.is_zero(factor)
        self.steps.append({"k": "term", "e": self.edge_index[u, v], "m": int(lin.counts_product(d, factor)),
                           "z": int(zero)})

    def _check(self, where: str) -> None:
        """The products recorded since the last check are the ones the sweep counted since then."""
        now = self.lin.counts.multiplications
        recorded = sum(step["m"] if step["k"] == "term" else sum(p[2] for p in step["pairs"])
                       for step in self.steps[self._mark:] if step["k"] in ("term", "eliminate"))
        if recorded != now - self._counted:
            raise AssertionError(f"{self.mode} mode at {where}: recorded {recorded} multiplications, "
                                 f"the sweep counted {now - self._counted}")
        self._counted = now
        self._mark = len(self.steps)

    def _close(self) -> None:
        if self._open is not None:
            self.steps.append(self._open)
            self._open = None
            self._mark = len(self.steps)

    def finish(self) -> list[dict]:
        """The steps, the last sweep closed; a path sum's new products add up to what it counted."""
        self._close()
        if self.mode == "paths":
            recorded = sum(step["m"] for step in self.steps)
            if recorded != self.lin.counts.multiplications:
                raise AssertionError(f"path sum: recorded {recorded} multiplications, "
                                     f"the sweep counted {self.lin.counts.multiplications}")
        return self.steps


def walkthrough(graph: Graph, wrt: Sequence[str], path_limit: int = PATH_LIMIT) -> dict[str, dict]:
    """Every traced mode's steps on ``graph``, run exactly as :func:`symgraph.compare` runs it.

    ``wrt``: names as compare takes them (:func:`~symgraph.frontend.coerce.wrt_names`); the steps name nodes.

    Returns mode -> ``{"steps", "multiplications", "sweeps", "initial"}``
    (``initial``: elimination's starting edges ``(i, k, edge index or None)``);
    the path sum over more than ``path_limit`` paths is not enumerated (as in
    compare) and gives ``{"skipped": its PathLimitError's message}``.
    """
    index = {edge: i for i, edge in enumerate(edge_list(graph))}
    found = {}
    for mode in TRACED_MODES:
        recorder = Recorder(mode, index)
        options = {"limit": path_limit} if mode == "paths" else {}
        try:
            result, lin = run_mode(graph, graph.outputs, wrt, mode, progress=False, trace=recorder, **options)
        except PathLimitError as error:
            found[mode] = {"skipped": str(error)}
            continue
        found[mode] = {"steps": recorder.finish(), "multiplications": result.counts.multiplications,
                       "sweeps": result.counts.sweeps, "initial": recorder.initial}
    return found
