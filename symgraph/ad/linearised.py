"""Edge derivatives: the local partial d(child)/d(parent) on every edge, from the rule table.

The same rules serve two builders: :func:`annotate_edges` stores sympy
expressions in node symbols on ``g.nx`` edges (``derivative`` attribute, for
drawings and tables), and :class:`Linearised` emits them into a program on
demand for the sweeps.  An edge feeding several operand slots (``x*x``)
carries the sum of the slots' partials.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Callable, Iterable, Iterator

import sympy

from .. import ops
from ..ir.graph import Graph
from ..ir.emitter import ZERO, Emitter, Ref, is_unit
from ..ops import as_constant as _as_ref


def _edge_partial(builder, graph: Graph, u: str, v: str, ref_of: Callable[[str], object], out) -> object:
    row = ops.OPS[graph._ops[v]]
    operands = graph._operands[v]
    args = operands if ref_of is None else tuple(ref_of(x) if x.__class__ is str else x for x in operands)
    total = None
    for slot, x in enumerate(operands):
        if x.__class__ is str and x == u:
            part = row.partials[slot](builder, out, *args)
            total = part if total is None else builder.op("add", total, part)
    return total


def annotate_edges(graph: Graph) -> Graph:
    """Store each edge's local derivative (sympy, in node symbols) as the ``derivative`` attribute."""
    for u, v in graph.nx.edges:
        value = _edge_partial(ops.SympyBuilder, graph, u, v, sympy.Symbol, sympy.Symbol(v))
        graph.nx.edges[u, v]["derivative"] = ops.as_constant(value) if isinstance(value, int) else value
    return graph


#: op name -> its partial rules (one per operand slot), read straight from the rule table
_PARTIALS = {name: row.partials for name, row in ops.OPS.items()}


class _Refuse:
    """A builder that builds nothing: a partial rule that never calls it needs no instruction."""

    @staticmethod
    def op(*_):
        raise LookupError


#: in a static partial, stands for the node's own value (exp' = exp)
OUT = "out"


def _static_partials(row: ops.Op) -> tuple | None:
    """The row's partials when none builds an instruction, else None.

    Each slot's partial is a constant (add: 1, 1; sub: 1, -1), the index of
    the operand it equals (mul: 1, 0, i.e. d(x*y)/dx = y), or :data:`OUT`
    (exp).  Found by running each rule on placeholders with a builder that
    refuses to build, so the sweeps skip the rule calls for the commonest ops
    without a second table to keep in step with the rules.
    """
    out, operands = object(), [object() for _ in range(row.arity)]
    try:
        values = [rule(_Refuse, out, *operands) for rule in row.partials]
    except LookupError:
        return None
    static = []
    for value in values:
        if value is out:
            static.append(OUT)
        elif any(value is operand for operand in operands):
            static.append(next(i for i, operand in enumerate(operands) if value is operand))
        elif value.__class__ in (int, float):
            static.append(_as_ref(value))
        else:
            return None
    return tuple(static)


#: op name -> static partials, for the ops whose partials build nothing
STATIC_PARTIALS = {name: s for name, row in ops.OPS.items() if (s := _static_partials(row)) is not None}


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
        self._partials: dict[str, dict[str, Ref]] = {}
        #: a :class:`~symgraph.progress.Progress` the sweeps advance, or None
        self.progress = None
        self.order: list[str] = list(graph._ops)
        self._ops, self._operands = graph._ops, graph._operands

    @cached_property
    def preds(self) -> dict[str, list[str]]:
        """Node name -> its distinct operand nodes, in operand order (built on first use).

        A single-output reverse sweep reads operands through :meth:`partials`
        and never needs this.
        """
        return {v: ([args[0]] if args[0].__class__ is str else []) if len(args) == 1
                else list(dict.fromkeys(x for x in args if x.__class__ is str)) if args else []
                for v, args in self.graph._operands.items()}

    @cached_property
    def index(self) -> dict[str, int]:
        """Node name -> position in topological order (built on first use)."""
        return {node: i for i, node in enumerate(self.order)}

    @cached_property
    def succs(self) -> dict[str, list[str]]:
        """Node name -> the nodes that use it, in creation order (built on first use)."""
        succs: dict[str, list[str]] = {v: [] for v in self.order}
        for v, us in self.preds.items():
            for u in us:
                succs[u].append(v)
        return succs

    def local(self, u: str, v: str) -> Ref:
        """d v / d u on the edge u -> v, as a program ref."""
        every = self._partials.get(v)
        if every is not None:
            return every[u]
        key = (u, v)
        value = self._local.get(key)
        if value is None:
            value = _edge_partial(self.emitter, self.graph, u, v, None, v)
            value = self._local[key] = _as_ref(value)
        return value

    def partials(self, v: str) -> dict[str, Ref]:
        """Operand name -> d v / d operand for every in-edge of ``v`` at once (in ``preds`` order), cached.

        Several sweeps (one per output, or forward and elimination reading
        single edges) reuse them; a single reverse sweep reads each node once
        and calls :meth:`node_partials` instead, keeping no cache.
        """
        every = self._partials.get(v)
        if every is None:
            every = self._partials[v] = dict(self.node_partials(v, self._ops[v], self._operands[v]))
        return every

    def node_partials(self, v: str, op: str, args: tuple) -> list[tuple[str, Ref]]:
        """``(operand name, d v / d operand)`` for every in-edge of node ``v = op(*args)``, not cached.

        One pass over the operand slots; an operand in several slots (``x*x``)
        gets one pair carrying the sum of its slots' partials.
        """
        if op == "input" or op == "const":  # the only ops without partials (and without operand nodes)
            return []
        x, y = args[0], args[1] if len(args) == 2 else None
        dx = dy = None  # None: the slot holds a constant, no edge
        static = STATIC_PARTIALS.get(op)
        if static is not None:  # no rule call: a constant, an operand or the node itself
            if x.__class__ is str:
                s = static[0]
                dx = args[s] if s.__class__ is int else v if s is OUT else s
            if y.__class__ is str:
                s = static[1]
                dy = args[s] if s.__class__ is int else v if s is OUT else s
        else:
            rules_ = _PARTIALS[op]
            if x.__class__ is str:
                dx = rules_[0](self.emitter, v, *args)
                if dx.__class__ is not str:
                    dx = _as_ref(dx)
            if y.__class__ is str:
                dy = rules_[1](self.emitter, v, *args)
                if dy.__class__ is not str:
                    dy = _as_ref(dy)
        if dx is None:
            return [] if dy is None else [(y, dy)]
        if dy is None:
            return [(x, dx)]
        return [(x, self.emitter.op("add", dx, dy))] if x == y else [(x, dx), (y, dy)]  # x*x: one edge

    def backwards_from(self, node: str) -> Iterator[tuple[tuple[str, str], tuple]]:
        """``((name, op), operands)`` of ``node`` and every node before it, in reverse topological order.

        Walks the graph's tables in their stored order (no lookups by name),
        which is what keeps a sweep over a million nodes cache-friendly.
        """
        rows = zip(reversed(self._ops.items()), reversed(self._operands.values()))
        if self.order[-1] != node:
            rows = islice(rows, len(self.order) - 1 - self.index[node], None)
        return rows

    def rows(self, names: Iterable[str]) -> Iterator[tuple[tuple[str, str], tuple]]:
        """``((name, op), operands)`` for each of ``names``, in the given order."""
        ops, operands = self._ops, self._operands
        return (((v, ops[v]), operands[v]) for v in names)

    def ancestors(self, *nodes: str) -> list[str]:
        """The ``nodes`` and every node they depend on, in reverse topological order."""
        preds, seen, stack = self.preds, set(nodes), list(nodes)
        while stack:
            for u in preds[stack.pop()]:
                if u not in seen:
                    seen.add(u)
                    stack.append(u)
        return sorted(seen, key=self.index.__getitem__, reverse=True)

    def descendants(self, *nodes: str) -> list[str]:
        """Every node that depends on one of ``nodes`` (a start node only if another reaches it), in topological order."""
        succs, seen, stack = self.succs, set(), list(nodes)
        while stack:
            for w in succs[stack.pop()]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        return sorted(seen, key=self.index.__getitem__)

    def mul(self, x: Ref, y: Ref) -> Ref:
        """x*y, counted unless a factor is 0 or +-1."""
        if x.__class__ is str and y.__class__ is str:
            self.counts.multiplications += 1
            return self.emitter.op2("mul", x, y)
        x, y = _as_ref(x), _as_ref(y)
        if x is ZERO or y is ZERO:
            return ZERO
        if not (is_unit(x) or is_unit(y)):
            self.counts.multiplications += 1
        return self.emitter.op("mul", x, y)

    def sub(self, x: Ref, y: Ref) -> Ref:
        """x - y, counted (as an addition) when both are non-zero."""
        if x.__class__ is str and y.__class__ is str:
            self.counts.additions += 1
            return self.emitter.op2("sub", x, y)
        x, y = _as_ref(x), _as_ref(y)
        if y is ZERO:
            return x
        if x is ZERO:
            return self.emitter.negate(y)
        self.counts.additions += 1
        return self.emitter.op("sub", x, y)

    def add(self, acc: Ref | None, term: Ref) -> Ref:
        """acc + term, counted when both are non-zero; ``acc=None`` starts a sum."""
        if acc.__class__ is str and term.__class__ is str:
            self.counts.additions += 1
            return self.emitter.op2("add", acc, term)
        term = _as_ref(term)
        if acc is None:
            return term
        acc = _as_ref(acc)
        if acc is ZERO:
            return term
        if term is ZERO:
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
