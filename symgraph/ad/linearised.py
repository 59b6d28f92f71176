"""The linearised graph: every edge's local derivative, the one adjacency the sweeps walk, and free work.

Three things every mode shares, kept once (the first two in their own modules,
re-exported here, where the sweeps and the API import them):

* **Edge derivatives** (:mod:`symgraph.ad.partials`) from the op table's partial rules:
  :func:`edge_derivatives` as sympy expressions in node symbols, and
  :class:`Linearised` emitting them into a program on demand for the sweeps.
* **Adjacency** (:class:`Adjacency`, :mod:`symgraph.ad.adjacency`): operands and users
  as plain dicts, and the one iterative walk over them.
* **Free work**: a product with 0 or +-1 and a sum with 0 are never
  performed and never counted.  :meth:`Linearised.mul`, :meth:`~Linearised.add`,
  :meth:`~Linearised.sub`, :meth:`~Linearised.is_zero`, the unit factors
  (:data:`ONE_FACTOR`, :data:`MINUS_ONE_FACTOR`) and :func:`edge_kind` are
  the only places in the ad layer that decide it; the sweeps call them
  (reverse mode tests the unit factors itself, to carry a -1 factor as a
  sign instead of a ``neg`` instruction).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator

from .. import ops
from ..ir.graph import Graph
from ..ir.emitter import Emitter, Ref
from ..ir.folding import MINUS_ONE, ONE, ZERO, is_zero
from ..ir.recipes import NOT_YET
from ..constants import as_constant as _as_ref
from .adjacency import WIDE, Adjacency, _walk  # noqa: F401 - re-exported
from .partials import (CONSTANT_ON_ONE_OPERAND, OUT, PRODUCT_EDGE, STATIC_PARTIALS, UNIT_EDGE,  # noqa: F401
                       ZERO_EDGE, _BUILT_IN, _NAME, _PARTIALS, _SAME, _SHAPES, _UNCHANGED, _edge_partial, _placeholders,
                       _recipe, _ref, _shape, annotate_edges, edge_derivative, edge_derivatives, edge_kind, static_edge_kinds,
                       static_edge_values)


#: The exact unit factors, the only ones besides 0 whose products are free: ``x * ONE_FACTOR`` is
#: ``x`` and ``x * MINUS_ONE_FACTOR`` is ``-x``.  Sympy singletons, so ``is`` recognises them: the
#: cheapest test there is, which reverse mode makes on every edge (a lookup there costs 3%).
ONE_FACTOR, MINUS_ONE_FACTOR = ONE, MINUS_ONE


#: :data:`TWO_NAME_PARTIALS`' mark for mul, whose partial by each operand is the other operand
SWAPPED = "swapped"


def _two_name_partials(static: tuple) -> tuple | str | None:
    """A binary op's :data:`STATIC_PARTIALS` as :data:`TWO_NAME_PARTIALS` holds them, or None (an operand and the node)."""
    if static == (1, 0) and all(s.__class__ is int for s in static):  # slot 0's partial is operand 1, and conversely
        return SWAPPED
    return None if any(s.__class__ is int or s is OUT for s in static) else static


#: op -> the partials (d/d first, d/d second) of a node ``op(x, y)`` of two different names, when both are
#: constants (add: 1, 1; sub: 1, -1; a comparison: 0, 0) or each the other operand (mul: :data:`SWAPPED`):
#: what :meth:`Linearised.node_partials` returns for such a node, which the reverse sweep builds in line
TWO_NAME_PARTIALS: dict[str, tuple | str] = {
    op: pair for op, static in STATIC_PARTIALS.items() if len(static) == 2 and (pair := _two_name_partials(static))}


class OverBudget(Exception):
    """A derivation stopped once its multiplications passed :attr:`Linearised.budget` (``counts`` then)."""

    def __init__(self, counts: "Counts"):
        super().__init__(f"more than {counts.multiplications:,} multiplications")
        self.counts = counts


@dataclass
class Counts:
    """Work done by a sweep: non-trivial multiplications and additions (0 and +-1 are free)."""

    multiplications: int = 0
    additions: int = 0
    sweeps: int = 0


class Linearised(Adjacency):
    """A graph with lazily emitted local derivatives, and the counting arithmetic every sweep uses.

    :meth:`mul`, :meth:`add` and :meth:`sub` perform the chain rule's
    products and sums into the emitter and count them on ``counts``, except
    the free ones (a factor 0 or +-1, a term 0); :meth:`is_zero` says which
    tangents and adjoints need not be stored.
    """

    def __init__(self, graph: Graph, emitter: Emitter | None = None):
        super().__init__(graph)
        self.emitter = emitter or Emitter(graph)
        self.counts = Counts()
        #: (u, v) -> d v / d u for the edges :meth:`local` has emitted: a forward sweep reads it in line
        self.edge_cache: dict[tuple[str, str], Ref] = {}
        self._local = self.edge_cache
        self._partials: dict[str, dict[str, Ref]] = {}
        #: a :class:`~symgraph.progress.Progress` the sweeps advance, or None
        self.progress = None
        #: an observer the sweeps report their steps to (:class:`symgraph.ad.trace.Recorder`), or None:
        #: one test per node, path or vertex, never per edge, so an untraced sweep pays nothing measurable
        self.trace = None
        #: the multiplications a derivation may make, or None: the sweeps test it after each sweep and raise
        #: :class:`OverBudget` past it (compare(order=2) stops a strategy that cannot win)
        self.budget: int | None = None
        #: the nodes a forward sweep reached whose tangent came out exactly 0 (dropped): while there are none,
        #: the sweeps' entries are the structural pattern (:func:`symgraph.sparsity.swept_pattern`)
        self.vanished = 0
        self._ops, self._operands = graph.op_of, graph.operands_of

    def check_budget(self) -> None:
        """Raise :class:`OverBudget` when the multiplications made passed :attr:`budget`."""
        if self.budget is not None and self.counts.multiplications > self.budget:
            raise OverBudget(self.counts)

    def local(self, u: str, v: str) -> Ref:
        """d v / d u on the edge u -> v, as a program ref.

        Its own cache first, the one a forward sweep fills: one lookup per edge
        after the first sweep.  An edge in both caches has the same ref in
        each (the same calls, hash-consed; checked over the test suite), so
        the order decides nothing else.
        """
        value = self._local.get((u, v))
        return value if value is not None else self.uncached_local(u, v)

    def uncached_local(self, u: str, v: str) -> Ref:
        """:meth:`local` for an edge not in :attr:`edge_cache` (a forward sweep looked there in line).

        A sparse Hessian's sweeps meet almost every edge once: the second
        lookup of the cache, and ``as_constant`` on a name or a sympy constant, were
        a fifth of their edge's cost.
        """
        every = self._partials.get(v)
        if every is not None:
            return every[u]
        value = self._edge(u, v)
        if value.__class__ not in _UNCHANGED:  # _ref(value), its test in line: names and sympy constants pass
            value = _as_ref(value)
        self._local[(u, v)] = value
        return value

    def _edge(self, u: str, v: str) -> Ref:
        """d v / d u, summed over the slots ``u`` feeds: :func:`_edge_partial` with the static
        partials and recipes of :meth:`node_partials` (the same calls, in the same order).

        The slots of one or two operands are read as :meth:`node_partials` reads them (static
        partials; recipes found by the node's shape, :data:`_SHAPES`), only the slots ``u`` feeds:
        the sparse Rosenbrock Hessian's sweeps at n = 1,000 (12,986 edges) ran 95 bytecode
        instructions per edge here through the general loop, 59 now.
        """
        op, args = self._ops[v], self._operands[v]
        static = STATIC_PARTIALS.get(op)
        if static is not None and len(args) == 2:  # the commonest (mul, add, sub): no rule call, no emission
            x, y = args
            if x.__class__ is str and x == u:
                s = static[0]
                dx = args[s] if s.__class__ is int else v if s is OUT else s
                if y.__class__ is not str or y != u:
                    return dx
                s = static[1]  # x*x: both slots
                return self.emitter.op("add", dx, args[s] if s.__class__ is int else v if s is OUT else s)
            s = static[1]
            return args[s] if s.__class__ is int else v if s is OUT else s
        if static is None and op in _BUILT_IN and 0 < len(args) < 3 and not self.emitter.guards:
            x = args[0]  # the rules as recipes, found by the node's shape (node_partials' lookup)
            kx = _NAME if x.__class__ is str else id(x)
            if len(args) == 1:
                y, key = None, (op, kx)
            else:
                y = args[1]
                key = (op, kx, (_SAME if kx is _NAME and y == x else _NAME) if y.__class__ is str else id(y))
            shape = _SHAPES.get(key)
            if shape is None:
                shape = _shape(op, args, key)
            emitter = self.emitter
            if kx is _NAME and x == u:
                dx = shape[1](emitter, v, args)
                if y.__class__ is not str or y != u:
                    return dx
                if op in CONSTANT_ON_ONE_OPERAND:  # x/x: an exact 0 (partials._edge_partial)
                    return _as_ref(0)
                return emitter.op("add", dx, shape[2](emitter, v, args))  # x^x: both slots
            return shape[2](emitter, v, args)
        return self._general_edge(u, v, op, args, static)

    def _general_edge(self, u: str, v: str, op: str, args: tuple, static: tuple | None) -> Ref:
        """:meth:`_edge` for the other nodes: many operands, registered functions, one static operand, guards."""
        if len(args) > 2:  # every edge of the node at once, as its slots may share work (max's count of ties)
            return self.partials(v)[u]
        if op not in _BUILT_IN or op in CONSTANT_ON_ONE_OPERAND and args[0] == args[1]:
            return _as_ref(_edge_partial(self.emitter, self.graph, u, v, None, v))
        emitter = self.emitter
        recipes = static is None and not emitter.guards
        total = None
        for slot, x in enumerate(args):
            if x.__class__ is not str or x != u:
                continue
            if static is not None:
                s = static[slot]
                part = args[s] if s.__class__ is int else v if s is OUT else s
            else:
                recipe = _recipe(op, slot, args) if recipes else None
                part = _PARTIALS[op][slot](emitter, v, *args) if recipe is None or recipe is NOT_YET else (
                    emitter.replay(recipe, _placeholders(v, args)))
            total = part if total is None else emitter.op("add", total, part)
        return total

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

    def cached_partials(self) -> int:
        """How many nodes' partials :meth:`partials` keeps (0 after single reverse sweeps)."""
        return len(self._partials)

    def node_partials(self, v: str, op: str, args: tuple) -> list[tuple[str, Ref]]:
        """``(operand name, d v / d operand)`` for every in-edge of node ``v = op(*args)``, not cached.

        One pass over the operand slots; an operand in several slots (``x*x``)
        gets one pair carrying the sum of its slots' partials.
        """
        static = STATIC_PARTIALS.get(op)
        if static is not None and len(args) == 2:  # the commonest rows first: no rule call, no emission
            x, y = args
            if x.__class__ is str:
                s = static[0]
                dx = args[s] if s.__class__ is int else v if s is OUT else s
                if y.__class__ is not str:
                    return [(x, dx)]
                s = static[1]
                dy = args[s] if s.__class__ is int else v if s is OUT else s
                return [(x, self.emitter.op("add", dx, dy))] if x == y else [(x, dx), (y, dy)]  # x+x: one edge
            if y.__class__ is not str:
                return []
            s = static[1]
            return [(y, args[s] if s.__class__ is int else v if s is OUT else s)]
        if static is None and op in _BUILT_IN and 0 < len(args) < 3 and not self.emitter.guards:
            # the rules as recipes, found by the node's shape: the same calls, fewer layers
            x = args[0]
            kx = _NAME if x.__class__ is str else id(x)
            if len(args) == 1:
                y, key = None, (op, kx)
            else:
                y = args[1]
                key = (op, kx, (_SAME if kx is _NAME and y == x else _NAME) if y.__class__ is str else id(y))
            shape = _SHAPES.get(key)
            if shape is None:
                shape = _shape(op, args, key)
            emitter = self.emitter
            if kx is _NAME:
                dx = shape[1](emitter, v, args)
                if dx.__class__ is not str:
                    dx = _as_ref(dx)
                if y.__class__ is not str:
                    return [(x, dx)]
                dy = shape[2](emitter, v, args)
                if dy.__class__ is not str:
                    dy = _as_ref(dy)
                if x == y:  # x*x: one edge; x/x: an exact 0 (partials._edge_partial)
                    return [(x, _as_ref(0) if op in CONSTANT_ON_ONE_OPERAND else emitter.op("add", dx, dy))]
                return [(x, dx), (y, dy)]
            if y.__class__ is not str:
                return []
            dy = shape[2](emitter, v, args)
            return [(y, dy if dy.__class__ is str else _as_ref(dy))]
        if op == "input" or op == "const":  # the only ops without partials (and without operand nodes)
            return []
        if len(args) > 2:
            return self._many_partials(v, op, args)
        x, y = args[0], args[1] if len(args) == 2 else None
        dx = dy = None  # None: the slot holds a constant, no edge
        if static is not None:  # one operand: a constant, the operand or the node itself
            if x.__class__ is str:
                s = static[0]
                dx = args[s] if s.__class__ is int else v if s is OUT else s
        else:  # a registered function, or a guarded emitter: the rules themselves
            rules_, emitter = _PARTIALS[op], self.emitter
            if x.__class__ is str:
                dx = rules_[0](emitter, v, *args)
                if dx.__class__ is not str:
                    dx = _as_ref(dx)
            if y.__class__ is str:
                dy = rules_[1](emitter, v, *args)
                if dy.__class__ is not str:
                    dy = _as_ref(dy)
        if dx is None:
            return [] if dy is None else [(y, dy)]
        if dy is None:
            return [(x, dx)]
        if x == y:  # x*x: one edge; x/x: an exact 0 (partials._edge_partial)
            return [(x, _as_ref(0) if op in CONSTANT_ON_ONE_OPERAND else self.emitter.op("add", dx, dy))]
        return [(x, dx), (y, dy)]

    def _many_partials(self, v: str, op: str, args: tuple) -> list[tuple[str, Ref]]:
        """:meth:`node_partials` for an op of three or more operands (``where``): every slot's rule, summed per operand."""
        total: dict[str, Ref] = {}
        emitter = self.emitter
        ops.check_call(op, len(args))  # a graph built before its function was registered again
        many = ops.OPS[op].many if len(args) > ops.OPS[op].arity else None
        every = many(emitter, v, *args) if many else None
        for slot, x in enumerate(args):
            if x.__class__ is str:
                d = _as_ref(every[slot] if many else _PARTIALS[op][slot](emitter, v, *args))
                total[x] = emitter.op("add", total[x], d) if x in total else d
        return list(total.items())

    def backwards_from(self, node: str) -> Iterator[tuple[str, str, tuple]]:
        """``(name, op, operands)`` of ``node`` and every node before it, in reverse topological order.

        Walks the graph's tables in their stored order (no lookups by name),
        which is what keeps a sweep over a million nodes cache-friendly.
        """
        rows = self.graph.rows(backwards=True)
        if self.order[-1] != node:
            rows = islice(rows, len(self.order) - 1 - self.index[node], None)
        return rows

    def rows(self, names: Iterable[str]) -> Iterator[tuple[str, str, tuple]]:
        """``(name, op, operands)`` for each of ``names``, in the given order."""
        ops_, operands = self._ops, self._operands
        return ((v, ops_[v], operands[v]) for v in names)

    # -- the chain rule's arithmetic: with the unit factors and edge_kind, the one place where 0 and +-1 make work free
    #: True for an exact 0: a tangent, adjoint or edge that is neither stored nor propagated
    is_zero = staticmethod(is_zero)

    def mul(self, x: Ref, y: Ref) -> Ref:
        """x*y, counted unless a factor is 0 or +-1."""
        if x.__class__ is str and y.__class__ is str:
            self.counts.multiplications += 1
            emitter = self.emitter
            return emitter.op2("mul", x, y) if emitter.guards else emitter.plain_op2("mul", x, y)
        x, y = _ref(x), _ref(y)
        if x is ZERO or y is ZERO:
            return ZERO
        if not (x is ONE_FACTOR or x is MINUS_ONE_FACTOR or y is ONE_FACTOR or y is MINUS_ONE_FACTOR):
            self.counts.multiplications += 1
        return self.emitter.op("mul", x, y)

    @staticmethod
    def counts_product(x: Ref, y: Ref) -> bool:
        """True when :meth:`mul` counts ``x*y`` (its rule, for observers of a sweep; a test keeps the two in step)."""
        if x.__class__ is str and y.__class__ is str:
            return True
        x, y = _as_ref(x), _as_ref(y)
        return not (x is ZERO or y is ZERO or x is ONE_FACTOR or x is MINUS_ONE_FACTOR
                    or y is ONE_FACTOR or y is MINUS_ONE_FACTOR)

    def sub(self, x: Ref, y: Ref) -> Ref:
        """x - y, counted (as an addition) when both are non-zero."""
        if x.__class__ is str and y.__class__ is str:
            self.counts.additions += 1
            emitter = self.emitter
            return emitter.op2("sub", x, y) if emitter.guards else emitter.plain_op2("sub", x, y)
        x, y = _ref(x), _ref(y)
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
            emitter = self.emitter
            return emitter.op2("add", acc, term) if emitter.guards else emitter.plain_op2("add", acc, term)
        term = _ref(term)
        if acc is None:
            return term
        acc = _ref(acc)
        if acc is ZERO:
            return term
        if term is ZERO:
            return acc
        self.counts.additions += 1
        return self.emitter.op("add", acc, term)


@dataclass
class SweepResult:
    """Derivative refs ``(output, wrt node) -> ref`` and the counted work that produced them.

    Only nonzero entries are stored.  :func:`symgraph.ad.modes.run_mode` sets
    ``nodes`` (wrt name -> its node; an indexed input's ``x[0]`` is node
    ``x_0``) and the API reads entries by name with :meth:`entry` and
    :meth:`by_name`, so no second table keyed by names is built: at 250,000
    wrt names that copy took a third of a second.
    """

    derivatives: dict[tuple[str, str], Ref]
    counts: Counts
    paths: int | None = None
    extra: dict = field(default_factory=dict)
    nodes: dict[str, str] | None = None

    def entry(self, output: str, name: str) -> Ref:
        """d output / d name (0 where the sweep produced nothing, or the name does not occur)."""
        node = name if self.nodes is None else self.nodes.get(name)
        return self.derivatives.get((output, node), 0)

    def by_name(self) -> Iterator[tuple[tuple[str, str], Ref]]:
        """The nonzero entries as ``((output, wrt name), ref)``: an alias repeats its node's entries."""
        if self.nodes is None or not any(map(str.__ne__, self.nodes, self.nodes.values())):
            yield from self.derivatives.items()
            return
        names_of: dict[str, list[str]] = {}
        for name, node in self.nodes.items():
            names_of.setdefault(node, []).append(name)
        for (y, node), ref in self.derivatives.items():
            for name in names_of.get(node, ()):
                yield (y, name), ref
