"""The linearised graph: every edge's local derivative, the one adjacency the sweeps walk, and free work.

Three things every mode shares, kept here once:

* **Edge derivatives** from the op table's partial rules.  :func:`edge_derivatives`
  gives them as sympy expressions in node symbols (for tables, paths and
  drawings; :func:`annotate_edges` stores them on ``g.nx``), and
  :class:`Linearised` emits them into a program on demand for the sweeps.
  An edge feeding several operand slots (``x*x``) carries the sum of the
  slots' partials.  Partials that build nothing (add, sub, mul, exp, ...)
  are read from :data:`STATIC_PARTIALS`; the others run their rule as a
  *recipe* (:func:`symgraph.ir.emitter.record`): the rule traced once per op
  and constant pattern, its constant-only calls folded at trace time, its
  other calls made again on the real emitter -- the same calls in the same
  order, so programs are identical to calling the rule, with fewer Python
  layers per node (Rosenbrock, n = 1,000: ``x^2``'s partial is one call,
  ``mul(2, x)``, not three).  A single reverse sweep finds a node's partials
  by its *shape* (:data:`_SHAPES`: the op and which operands are names or
  which constants, one lookup by identity), and a one-call recipe is made
  by a function bound to that call's method and constant, not by
  :meth:`~symgraph.ir.emitter.Emitter.replay`: Rosenbrock's gradient at
  n = 1,000 went from 4.64 M to 4.22 M bytecode instructions.
* **Adjacency** (:class:`Adjacency`): operands and users as plain dicts built
  from the graph's tables, and the one iterative walk over them.  Every
  traversal in :mod:`symgraph.ad` goes through it, never through the
  networkx view (built only on request, and slower to walk).
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
from functools import cached_property
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping

import sympy

from .. import ops
from .. import constants
from ..binding import checked_options
from ..errors import GraphError
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.emitter import MINUS_ONE, ONE, ZERO, Emitter, Ref, constant_key_of, is_unit, is_zero, record, unit_value
from ..constants import as_constant as _as_ref


#: classes whose instances :func:`constants.as_constant` returns unchanged (names, sympy constants), learnt as met
_UNCHANGED: set[type] = {str}


def _ref(value: Any) -> Ref:
    """:func:`constants.as_constant` without its isinstance tests for a class it is known to leave alone.

    Which values it changes depends on their class only (Python numbers become
    sympy constants), so one call per class decides.  The sweeps' arithmetic
    normalises every operand: on forward-over-reverse Hessians those tests were
    a tenth of the derivation.
    """
    cls = value.__class__
    if cls in _UNCHANGED:
        return value
    normal = _as_ref(value)
    if normal is value:
        _UNCHANGED.add(cls)
    return normal


def _edge_partial(builder, graph: Graph, u: str, v: str, ref_of: Callable[[str], object] | None, out) -> object:
    """d v / d u built with ``builder`` (sympy or an emitter): the sum over the slots ``u`` feeds."""
    row = ops.OPS[graph.op_of[v]]
    operands = graph.operands_of[v]
    ops.check_call(row.name, len(operands))  # a graph built before its function was registered again
    args = operands if ref_of is None else tuple(ref_of(x) if x.__class__ is str else x for x in operands)
    every = row.many(builder, out, *args) if len(args) > row.arity else None
    total = None
    for slot, x in enumerate(operands):
        if x.__class__ is str and x == u:
            part = every[slot] if every is not None else row.partials[slot](builder, out, *args)
            total = part if total is None else builder.op("add", total, part)
    return total


def edge_derivative(graph: Graph, u: str, v: str) -> sympy.Expr:
    """The local derivative d v / d u as a sympy expression in node symbols (``∂e/∂c = d``)."""
    value = _edge_partial(constants.SympyBuilder, graph, u, v, graph.symbol, graph.symbol(v))
    return constants.as_constant(value) if isinstance(value, int) else value


def edge_derivatives(graph: Graph) -> dict[tuple[str, str], sympy.Expr]:
    """Every edge ``(u, v)`` -> d v / d u (sympy, node symbols), in creation order; the graph is not touched."""
    return {(u, v): edge_derivative(graph, u, v) for u, v in graph.edge_slots()}


@checked_options
def annotate_edges(graph: Any, **sizes: int) -> Graph:
    """Store each edge's local derivative (sympy, in node symbols) as the ``derivative`` attribute of ``g.nx``.

    ``graph`` is a Graph (annotated in place and returned), or text or sympy
    expressions as every entry point takes them (the graph made is returned).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.annotate_edges("c = a + b; d = b + 1; e = c * d")
    >>> g.nx.edges["c", "e"]["derivative"]
    d
    """
    graph = as_graph(graph, **sizes)
    edges = graph.nx.edges
    local = edge_derivatives(graph)
    lost = [edge for edge in local if edge not in edges]
    if lost:  # the view was edited (remove_edge, relabel_nodes(copy=False)): say so, not networkx's KeyError
        u, v = lost[0]
        raise GraphError(f"g.nx has no edge {u} -> {v} of the graph ({len(lost)} of its {len(local)} edges missing)"
                         ": the networkx view was edited in place; annotate a fresh graph, or edit a "
                         "copy of the view (g.nx.copy())")
    for (u, v), derivative in local.items():
        edges[u, v]["derivative"] = derivative
    return graph


class _Rules(dict):
    """Op name -> its partial rules; a name not copied at import (a function registered later) is read from the table.

    Not stored when read: a registered function may be registered again with other derivatives.
    """

    def __missing__(self, name: str) -> tuple:
        return ops.op(name).partials


#: op name -> its partial rules (one per operand slot), read straight from the rule table
_PARTIALS = _Rules({name: row.partials for name, row in ops.OPS.items()})


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

#: (op, slot, operand pattern) -> the slot's partial rule as a recipe (:func:`symgraph.ir.emitter.record`), or
#: None where a rule call stays (it builds a where(), or an operand is an inexact constant)
_RECIPES: dict[tuple, tuple | None] = {}

#: the built-in ops, whose rules never change (a registered function may be registered again)
_BUILT_IN = frozenset(ops.OPS)

#: placeholder names of a recipe: the node, its first and its second distinct operand name
_OUT, _FIRST, _SECOND = "o", "p0", "p1"


def _recipe(op: str, slot: int, args: tuple) -> tuple | None:
    """The recipe of ``op``'s partial for ``slot`` on operands shaped like ``args`` (one or two), made once.

    Keyed by which operands are names (and which of them are equal) and by the
    constants' keys; only exact (rational) constants, whose value is all there
    is to them, share a recipe.  Measured on Rosenbrock, n = 1,000: the 3,000
    partials of ``x^2`` each make one call ``mul(2, x)`` instead of the rule's
    three (``2 - 1``, ``x^1``, ``2 * x``): 12% of a gradient.
    """
    x = args[0]
    kx = _FIRST if x.__class__ is str else constant_key_of(x)
    if len(args) == 1:
        key = (op, slot, kx)
    else:
        y = args[1]
        ky = constant_key_of(y) if y.__class__ is not str else _FIRST if kx is not _FIRST or y == x else _SECOND
        key = (op, slot, kx, ky)
    recipe = _RECIPES.get(key, _RECIPES)
    if recipe is _RECIPES:
        if len(_RECIPES) > 4096:
            _RECIPES.clear()
        exact = all(k.__class__ is str or k[1] == "Rational" for k in key[2:])
        placeholders = tuple(k if k.__class__ is str else a for k, a in zip(key[2:], args))
        recipe = _RECIPES[key] = record(ops.OPS[op].partials[slot], _OUT, placeholders) if exact else None
    return recipe


def _placeholders(v: str, args: tuple) -> dict[str, str]:
    """A recipe's placeholders bound to node ``v`` and its (first and second distinct) operand names."""
    names = {_OUT: v}
    for a in args:
        if a.__class__ is str:
            if _FIRST not in names:
                names[_FIRST] = a
            elif a != names[_FIRST]:
                names[_SECOND] = a
    return names


#: an operand's place in a :data:`_SHAPES` key: a name, or (second operand) the same name as the first
_NAME, _SAME = "name", "same"

#: (op, first operand's kind, second's) -> (the shape's constants, d/d first, d/d second): each partial a
#: function ``(emitter, node, operands) -> ref``, None for a constant slot.  A kind is :data:`_NAME`,
#: :data:`_SAME` or a constant's id (the entry holds the constants, so their ids stay theirs): found with
#: one lookup and no constant keys, where :func:`_recipe` builds its key per call
_SHAPES: dict[tuple, tuple] = {}


def _shape(op: str, args: tuple, key: tuple) -> tuple:
    """The :data:`_SHAPES` entry of a built-in op's node ``op(*args)`` (one or two operands), made once."""
    if len(_SHAPES) > 4096:
        _SHAPES.clear()
    constants_ = tuple(a for a in args if a.__class__ is not str)
    parts = [_slot_partial(op, slot, args) if args[slot].__class__ is str else None for slot in range(len(args))]
    shape = _SHAPES[key] = (constants_, parts[0], parts[1] if len(parts) == 2 else None)
    return shape


def _slot_partial(op: str, slot: int, args: tuple) -> Callable:
    """``(emitter, node, operands) -> d node / d operand slot``: the rule's recipe replayed, or the rule itself.

    A recipe of one call with one placeholder (``x^2``'s ``mul(2, x)``, ``sin``'s ``cos(x)``, ``log``'s
    ``div(1, x)``) is made by a function binding that call's method and constant, without
    :meth:`Emitter.replay`'s loop and table of names: a third of Rosenbrock's nodes are squares.
    """
    recipe = _recipe(op, slot, args)
    if recipe is None:
        rule = _PARTIALS[op][slot]
        return lambda emitter, v, operands: rule(emitter, v, *operands)
    first = next(i for i, a in enumerate(args) if a.__class__ is str)  # where _FIRST is bound
    fast = _one_call(recipe, first)
    if fast is not None:
        return fast
    if first == 1:  # a constant first operand: the name is the first placeholder
        return lambda emitter, v, operands: emitter.replay(recipe, {_OUT: v, _FIRST: operands[1]})
    return lambda emitter, v, operands: emitter.replay(recipe, _placeholders(v, operands))


def _one_call(recipe: tuple, first: int) -> Callable | None:
    """A recipe of one emitter call on one placeholder (the node or its first name) and constants, as a function."""
    calls, result = recipe
    if len(calls) != 1 or calls[0][0] != result or calls[0][3] is None:
        return None
    _, name, call_args, method = calls[0]
    names = [a for a in call_args if a.__class__ is str]
    if len(names) != 1 or names[0] not in (_OUT, _FIRST):
        return None
    node = names[0] == _OUT  # the placeholder is the node itself, else its first name
    if len(call_args) == 1:
        if node:
            return lambda emitter, v, operands: method(emitter, name, v)
        return lambda emitter, v, operands: method(emitter, name, operands[first])
    if call_args[0] is names[0]:  # name(placeholder, constant)
        c = call_args[1]
        if node:
            return lambda emitter, v, operands: method(emitter, name, v, c)
        return lambda emitter, v, operands: method(emitter, name, operands[first], c)
    c = call_args[0]  # name(constant, placeholder)
    if name == "mul" and method is Emitter._const_name and not node:  # c*x: straight to the emitter's product
        unit, scaled = unit_value(c), Emitter._scaled
        return lambda emitter, v, operands: scaled(emitter, operands[first], c, unit)
    if node:
        return lambda emitter, v, operands: method(emitter, name, c, v)
    return lambda emitter, v, operands: method(emitter, name, c, operands[first])


#: what an edge's product costs: nothing at all (its local derivative is exactly 0), nothing
#: counted (exactly +-1), or one counted multiplication (anything else)
ZERO_EDGE, UNIT_EDGE, PRODUCT_EDGE = 0, 1, 2


def edge_kind(derivative: Ref | None) -> int:
    """:data:`ZERO_EDGE`, :data:`UNIT_EDGE` or :data:`PRODUCT_EDGE`; None (not known without emitting) is a product."""
    if derivative is None:
        return PRODUCT_EDGE
    return ZERO_EDGE if is_zero(derivative) else UNIT_EDGE if is_unit(derivative) else PRODUCT_EDGE


def static_edge_kinds(graph: Graph) -> dict[str, dict[str, int]]:
    """Node -> {operand node: its edge's :func:`edge_kind`}, without emitting anything (:func:`static_edge_values`)."""
    return {v: {u: edge_kind(d) for u, d in local.items()} for v, local in static_edge_values(graph).items()}


def static_edge_values(graph: Graph) -> dict[str, dict[str, Ref | None]]:
    """Node -> {operand node: its edge's constant local derivative, or None where it is not a constant}.

    Read from :data:`STATIC_PARTIALS` (add, sub, neg, mul by a constant, ...):
    an op whose partials build instructions, or a partial that is an operand
    or the node itself, has a non-constant local derivative.  Repeated
    operands add up (``x - x`` has a zero edge).
    """
    values: dict[str, dict[str, Ref | None]] = {}
    for v, op, args in graph.rows():
        static = STATIC_PARTIALS.get(op)
        local: dict[str, Ref | None] = {}
        for slot, u in enumerate(args):
            if u.__class__ is not str:
                continue
            part = None
            if static is not None:
                s = static[slot]
                part = args[s] if s.__class__ is int else None if s is OUT else s
                if part.__class__ is str:  # an operand node or the node itself: not a constant
                    part = None
            local[u] = None if part is None or (u in local and local[u] is None) else local.get(u, 0) + part
        values[v] = local
    return values


#: The exact unit factors, the only ones besides 0 whose products are free: ``x * ONE_FACTOR`` is
#: ``x`` and ``x * MINUS_ONE_FACTOR`` is ``-x``.  Sympy singletons, so ``is`` recognises them: the
#: cheapest test there is, which reverse mode makes on every edge (a lookup there costs 3%).
ONE_FACTOR, MINUS_ONE_FACTOR = ONE, MINUS_ONE


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


def _walk(step: Mapping[str, list[str]], starts: Iterable[str], seen: set[str],
          within: set[str] | None = None) -> set[str]:
    """Add to ``seen`` every node reachable from ``starts`` by one or more ``step``s (staying ``within``)."""
    stack = list(starts)
    pop, push, add = stack.pop, stack.append, seen.add
    if within is None:  # every forward sweep's walk: no test of a bound per edge
        while stack:
            for w in step[pop()]:
                if w not in seen:
                    add(w)
                    push(w)
        return seen
    while stack:
        for w in step[pop()]:
            if w not in seen and w in within:
                add(w)
                push(w)
    return seen


#: a node of more operands than this is *wide*: a forward sweep that has fewer tangents than it has operands
#: looks the tangents up (:meth:`Adjacency.operands_among`) instead of scanning the operands
WIDE = 8


class _SweepOperands(dict):
    """:attr:`Adjacency.preds` without the wide nodes, whose operands are looked up among a sweep's tangents."""

    def __init__(self, adjacency: "Adjacency"):
        wide = adjacency.wide
        super().__init__((v, us) for v, us in adjacency.preds.items() if v not in wide)
        self.adjacency = adjacency
        self.tangent: Mapping[str, Any] = {}

    def __missing__(self, v: str) -> list[str]:
        preds, tangent = self.adjacency.preds[v], self.tangent
        return preds if len(preds) <= len(tangent) else self.adjacency.operands_among(v, tangent)


class Adjacency:
    """A graph's operands and users as plain dicts: the one adjacency structure the ad layer walks.

    Built from the graph's tables on first use (a sweep that needs neither,
    such as one reverse sweep, never builds them); every walk is iterative.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.order: list[str] = list(graph.op_of)
        self._positions: dict[str, dict[str, int]] = {}  # node -> {operand: its place in preds}, for operands_among

    @cached_property
    def preds(self) -> dict[str, list[str]]:
        """Node name -> its distinct operand nodes, in operand order.

        Two operands are told apart in line, not through ``dict.fromkeys`` over a generator: the gradient
        graph a sparse Rosenbrock Hessian sweeps at n = 10,000 (100,000 nodes) took 150-240 ms, now 75-110 ms.
        """
        preds = {}
        for v, args in self.graph.operands_of.items():
            if len(args) == 2:
                x, y = args
                if x.__class__ is str:
                    preds[v] = [x, y] if y.__class__ is str and y != x else [x]
                else:
                    preds[v] = [y] if y.__class__ is str else []
            elif len(args) == 1:
                preds[v] = [args[0]] if args[0].__class__ is str else []
            else:
                preds[v] = list(dict.fromkeys(x for x in args if x.__class__ is str)) if args else []
        return preds

    @cached_property
    def wide(self) -> set[str]:
        """The nodes of more than :data:`WIDE` distinct operands, which a forward sweep may reach through few."""
        preds = self.preds
        if max(map(len, preds.values()), default=0) <= WIDE:  # the usual graph, told in one pass at C speed
            return set()
        return {v for v, us in preds.items() if len(us) > WIDE}

    def sweep_operands(self, tangent: Mapping[str, Any]) -> Mapping[str, list[str]]:
        """Node -> the operands a forward sweep holding ``tangent`` reads at it, in ``preds`` order.

        :attr:`preds` itself when no node is :attr:`wide` (the sweep's loop
        then costs what it did: a test per node costs Rosenbrock's forward
        gradient 4% of the sweep's own bytecode).  Otherwise a view whose wide
        nodes give only their operands in ``tangent``, found in time
        proportional to ``tangent`` when it is the smaller: scanning every
        operand made each sweep cost the node's in-degree, and the gradient of
        ``max(x0, ..., x19999)`` quadratic (92 s; 1.3 s now).  The view is
        kept and rebound for the next sweep.
        """
        if not self.wide:
            return self.preds
        view = self.__dict__.get("_sweep_view")
        if view is None:
            view = self.__dict__["_sweep_view"] = _SweepOperands(self)
        view.tangent = tangent
        return view

    def operands_among(self, v: str, nodes: Iterable[str]) -> list[str]:
        """``v``'s distinct operands that are among ``nodes``, in ``preds`` order, in time proportional to ``nodes``."""
        position = self._positions.get(v)
        if position is None:
            position = self._positions[v] = {u: i for i, u in enumerate(self.preds[v])}
        found = [u for u in nodes if u in position]
        found.sort(key=position.__getitem__)
        return found

    @cached_property
    def index(self) -> dict[str, int]:
        """Node name -> position in topological order."""
        return {node: i for i, node in enumerate(self.order)}

    @cached_property
    def succs(self) -> dict[str, list[str]]:
        """Node name -> the nodes that use it, in creation order."""
        succs: dict[str, list[str]] = {v: [] for v in self.order}
        for v, us in self.preds.items():
            for u in us:
                succs[u].append(v)
        return succs

    def reachable(self, starts: Iterable[str], forward: bool = True, within: set[str] | None = None) -> set[str]:
        """The nodes reached from ``starts`` along users (``forward``) or operands, staying ``within``.

        A start node is included only when another start reaches it.
        """
        return _walk(self.succs if forward else self.preds, starts, set(), within)

    def ancestors(self, *nodes: str) -> list[str]:
        """The ``nodes`` and every node they depend on, in reverse topological order."""
        seen = _walk(self.preds, nodes, set(nodes))
        return sorted(seen, key=self.index.__getitem__, reverse=True)

    def descendants(self, *nodes: str) -> list[str]:
        """Every node that depends on one of ``nodes`` (a start node only if another reaches it), in topological order.

        Each forward sweep calls it (10,000 times for a sparse Hessian at n = 10,000): the walk is
        :meth:`reachable`'s, without its layer."""
        return sorted(_walk(self.succs, nodes, set()), key=self.index.__getitem__)


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
                return emitter.op("add", dx, shape[2](emitter, v, args))  # x^x: both slots
            return shape[2](emitter, v, args)
        return self._general_edge(u, v, op, args, static)

    def _general_edge(self, u: str, v: str, op: str, args: tuple, static: tuple | None) -> Ref:
        """:meth:`_edge` for the other nodes: many operands, registered functions, one static operand, guards."""
        if len(args) > 2:  # every edge of the node at once, as its slots may share work (max's count of ties)
            return self.partials(v)[u]
        if op not in _BUILT_IN:
            return _edge_partial(self.emitter, self.graph, u, v, None, v)
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
                part = _PARTIALS[op][slot](emitter, v, *args) if recipe is None else emitter.replay(
                    recipe, _placeholders(v, args))
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
                return [(x, emitter.op("add", dx, dy))] if x == y else [(x, dx), (y, dy)]  # x*x: one edge
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
        return [(x, self.emitter.op("add", dx, dy))] if x == y else [(x, dx), (y, dy)]  # x*x: one edge

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
