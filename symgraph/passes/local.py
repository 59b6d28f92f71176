"""Edge derivatives: the local partial d(child)/d(parent) on every edge, from the rule table.

The same rules serve two builders: :func:`annotate_edges` stores sympy
expressions in node symbols on ``g.nx`` edges (``derivative`` attribute, for
drawings and tables), and :class:`Linearised` emits them into a program on
demand for the sweeps.  An edge feeding several operand slots (``x*x``)
carries the sum of the slots' partials.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy

from .. import rules
from ..graph import Graph
from ..program import Emitter, Ref, is_unit, is_zero


def _edge_partial(builder, graph: Graph, u: str, v: str, ref_of: Callable[[str], object], out) -> object:
    op_name = graph.op(v)
    row = rules.op(op_name)
    args = tuple(ref_of(x) if isinstance(x, str) else x for x in graph.operands(v))
    total = None
    for slot in graph.nx.edges[u, v]["slots"]:
        part = row.partials[slot](builder, out, *args)
        total = part if total is None else builder.op("add", total, part)
    return total


def annotate_edges(graph: Graph) -> Graph:
    """Store each edge's local derivative (sympy, in node symbols) as the ``derivative`` attribute."""
    for u, v in graph.nx.edges:
        value = _edge_partial(rules.SympyBuilder, graph, u, v, graph.symbol, graph.symbol(v))
        graph.nx.edges[u, v]["derivative"] = rules.as_constant(value) if isinstance(value, int) else value
    return graph


@dataclass
class Counts:
    """Work done by a sweep: non-trivial multiplications and additions (0 and +-1 are free)."""

    multiplications: int = 0
    additions: int = 0
    sweeps: int = 0


class Linearised:
    """A graph with lazily emitted local derivatives and counting multiply/accumulate helpers."""

    def __init__(self, graph: Graph, emitter: Emitter | None = None):
        self.graph = graph
        self.emitter = emitter or Emitter(graph)
        self.counts = Counts()
        self._local: dict[tuple[str, str], Ref] = {}
        self.index = {node: i for i, node in enumerate(graph.order)}
        self.preds = {node: list(graph.nx.pred[node]) for node in graph.order}
        self.succs = {node: list(graph.nx.succ[node]) for node in graph.order}

    def local(self, u: str, v: str) -> Ref:
        """d v / d u on the edge u -> v, as a program ref."""
        key = (u, v)
        if key not in self._local:
            value = _edge_partial(self.emitter, self.graph, u, v, lambda x: x, v)
            self._local[key] = rules.as_constant(value) if isinstance(value, int) else value
        return self._local[key]

    def mul(self, x: Ref, y: Ref) -> Ref:
        """x*y, counted unless a factor is 0 or +-1."""
        if is_zero(x) or is_zero(y):
            return self.emitter.op("mul", 0, 0)
        if not (is_unit(x) or is_unit(y)):
            self.counts.multiplications += 1
        return self.emitter.op("mul", x, y)

    def add(self, acc: Ref | None, term: Ref) -> Ref:
        """acc + term, counted when both are non-zero; ``acc=None`` starts a sum."""
        if acc is None or is_zero(acc):
            return term
        if is_zero(term):
            return acc
        self.counts.additions += 1
        return self.emitter.op("add", acc, term)


@dataclass
class SweepResult:
    """Derivative refs ``(output, wrt) -> ref`` and the counted work that produced them."""

    derivatives: dict[tuple[str, str], Ref]
    counts: Counts
    paths: int | None = None
    extra: dict = field(default_factory=dict)
