"""Edge derivatives: every edge's local derivative, from the op table's partial rules.

:func:`edge_derivatives` gives them as sympy expressions in node symbols (for
tables, paths and drawings; :func:`annotate_edges` stores them on ``g.nx``),
and :class:`~symgraph.ad.linearised.Linearised` emits them into a program on
demand for the sweeps.  An edge feeding several operand slots (``x*x``)
carries the sum of the slots' partials.  Partials that build nothing (add,
sub, mul, exp, ...) are read from :data:`STATIC_PARTIALS`; the others run
their rule as a *recipe* (:func:`symgraph.ir.recipes.record`): the rule
traced once per op and constant pattern, its constant-only calls folded at
trace time, its other calls made again on the real emitter -- the same calls
in the same order, so programs are identical to calling the rule, with fewer
Python layers per node (Rosenbrock, n = 1,000: ``x^2``'s partial is one
call, ``mul(2, x)``, not three).  A single reverse sweep finds a node's
partials by its *shape* (:data:`_SHAPES`: the op and which operands are names
or which constants, one lookup by identity), and a one-call recipe is made by
a function bound to that call's method and constant, not by
:meth:`~symgraph.ir.emitter.Emitter.replay`: Rosenbrock's gradient at
n = 1,000 went from 4.64 M to 4.22 M bytecode instructions.  Which edges are
free (:func:`edge_kind`) is decided here for the static partials.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy

from .. import ops
from .. import constants
from ..options import checked_options
from ..errors import GraphError
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.emitter import Emitter, Ref
from ..ir.folding import is_unit, is_zero, unit_value
from ..ir.instruction_keys import constant_key_of
from ..ir.recipes import NOT_YET, Recipes
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


def _constant_on_one_operand(row: ops.Op) -> bool:
    """True for a built-in binary op whose value is a constant when both operands are one node (a/a, a - a,
    log(a, a)): sympy's reading of the row says so, once per row at import."""
    if row.arity != 2 or row.condition:
        return False
    s = sympy.Symbol("s", real=True)  # not positive: heaviside(s, s) is no constant at s = 0
    try:
        return not row.sympy(s, s).free_symbols
    except (TypeError, ValueError, AttributeError):
        return False


#: binary ops whose local derivative is exactly 0 where one node fills both slots (:func:`_edge_partial`)
CONSTANT_ON_ONE_OPERAND = frozenset(name for name, row in ops.OPS.items() if _constant_on_one_operand(row))


def _edge_partial(builder, graph: Graph, u: str, v: str, ref_of: Callable[[str], object] | None, out) -> object:
    """d v / d u built with ``builder`` (sympy or an emitter): the sum over the slots ``u`` feeds.

    One node in both slots of an op that is then constant (``y/y``, :data:`CONSTANT_ON_ONE_OPERAND`)
    has the derivative 0, an exact 0 that no sweep multiplies, as sympy.diff reads y/y.  Summed slot
    by slot it was 1/y - (y/y)/y, zero only in the numbers: an infinite adjoint times that 0 was nan, and
    d/dy acos(y*((y^y)/(y/y))) at y = 1 was nan in reverse mode and the path sum, -inf in forward mode
    (whose tangent of y/y is that 0 before it meets acos' = -inf).  Where y/y itself is nan (y = 0, inf)
    its derivative is 0 too, as sympy's; every other path through its value still carries the nan.
    """
    op = graph.op_of[v]
    operands = graph.operands_of[v]
    if op in CONSTANT_ON_ONE_OPERAND and operands[0] == operands[1] == u:
        return 0
    row = ops.OPS[op]
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

#: (op, slot, operand pattern) -> the slot's partial rule as a recipe (:func:`symgraph.ir.recipes.record`), or
#: None where a rule call stays (it builds a where(), or an operand is an inexact constant); recorded on a
#: pattern's second use (:class:`~symgraph.ir.recipes.Recipes`)
_RECIPES = Recipes()

#: the built-in ops, whose rules never change (a registered function may be registered again)
_BUILT_IN = frozenset(ops.OPS)

#: placeholder names of a recipe: the node, its first and its second distinct operand name
_OUT, _FIRST, _SECOND = "o", "p0", "p1"


def _recipe(op: str, slot: int, args: tuple) -> tuple | None | object:
    """The recipe of ``op``'s partial for ``slot`` on operands shaped like ``args`` (one or two), made once;
    None where the rule is called instead, :data:`~symgraph.ir.recipes.NOT_YET` at a shape's first use.

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
    if not all(k.__class__ is str or k[1] == "Rational" for k in key[2:]):
        return None
    recipe = _RECIPES.find(key)
    if recipe is NOT_YET:
        placeholders = tuple(k if k.__class__ is str else a for k, a in zip(key[2:], args))
        recipe = _RECIPES.learn(key, ops.OPS[op].partials[slot], _OUT, placeholders)
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
    """The :data:`_SHAPES` entry of a built-in op's node ``op(*args)`` (one or two operands), made once
    its recipes are (a shape met once calls its rules, and is not kept)."""
    if len(_SHAPES) > 4096:
        _SHAPES.clear()
    constants_ = tuple(a for a in args if a.__class__ is not str)
    recipes = [_recipe(op, slot, args) if args[slot].__class__ is str else None for slot in range(len(args))]
    parts = [_slot_partial(op, slot, args, recipe) if args[slot].__class__ is str else None
             for slot, recipe in enumerate(recipes)]
    shape = (constants_, parts[0], parts[1] if len(parts) == 2 else None)
    if not any(recipe is NOT_YET for recipe in recipes):
        _SHAPES[key] = shape
    return shape


def _slot_partial(op: str, slot: int, args: tuple, recipe: tuple | None | object) -> Callable:
    """``(emitter, node, operands) -> d node / d operand slot``: the rule's recipe replayed, or the rule itself.

    A recipe of one call with one placeholder (``x^2``'s ``mul(2, x)``, ``sin``'s ``cos(x)``, ``log``'s
    ``div(1, x)``) is made by a function binding that call's method and constant, without
    :meth:`Emitter.replay`'s loop and table of names: a third of Rosenbrock's nodes are squares.
    """
    if recipe is None or recipe is NOT_YET:
        rule = _PARTIALS[op][slot]
        return lambda emitter, v, operands: rule(emitter, v, *operands)
    first = next(i for i, a in enumerate(args) if a.__class__ is str)  # where _FIRST is bound
    fast = _one_call(recipe, first)
    if fast is not None:
        return fast
    if first == 1:  # a constant first operand: the name is the first placeholder
        return lambda emitter, v, operands: emitter.replay(recipe, {_OUT: v, _FIRST: operands[1]})
    if len(args) == 2 and args[1].__class__ is str and args[1] != args[0]:  # two names (the shape's key says so)
        return lambda emitter, v, operands: emitter.replay(recipe, {_OUT: v, _FIRST: operands[0], _SECOND: operands[1]})
    return lambda emitter, v, operands: emitter.replay(recipe, {_OUT: v, _FIRST: operands[0]})  # x^c, f(x), x*x


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
    """Node -> {operand node: its edge's constant local derivative, or None where it is not a constant}
    (:func:`static_locals` of every row)."""
    return {v: dict(static_locals(op, args)) for v, op, args in graph.rows()}


def static_locals(op: str, args: tuple) -> tuple[tuple[str, Ref | None], ...]:
    """``(operand node, its edge's constant local derivative or None)`` per distinct operand node of one row.

    Read from :data:`STATIC_PARTIALS` (add, sub, neg, mul by a constant, ...):
    an op whose partials build instructions, or a partial that is an operand
    or the node itself, has a non-constant local derivative.  Repeated
    operands add up (``x - x`` has a zero edge).  One tuple per row, not a
    dict, and the rows of one or two operand nodes read off :data:`_NAMED_LOCALS`, a node and a constant
    from its one slot: :func:`symgraph.ad.modes.sweep_estimates` reads it for every node of graphs of a million.
    """
    if len(args) == 2:
        x, y = args
        if x.__class__ is str and y.__class__ is str:
            named = _NAMED_LOCALS.get(op, _NONE_NAMED)
            return ((x, named[0]), (y, named[1])) if x != y else ((x, named[2]),)
        if x.__class__ is str or y.__class__ is str:  # one node and a constant (x^2, 100*v, 1 - x): its slot alone
            slot, u = (0, x) if x.__class__ is str else (1, y)
            static = STATIC_PARTIALS.get(op)
            if static is None:
                return ((u, None),)
            s = static[slot]
            part = args[s] if s.__class__ is int else None if s is OUT else s
            return ((u, None if part is None or part.__class__ is str else 0 + part),)
    elif len(args) == 1:
        x = args[0]
        if x.__class__ is str:
            return ((x, _NAMED_LOCALS.get(op, _NONE_NAMED)[0]),)
    elif not args:  # an input or a constant
        return ()
    static = STATIC_PARTIALS.get(op)
    if static is None:
        return tuple((u, None) for u in dict.fromkeys(a for a in args if a.__class__ is str))
    local: dict[str, Ref | None] = {}
    for slot, u in enumerate(args):
        if u.__class__ is not str:
            continue
        s = static[slot]
        part = args[s] if s.__class__ is int else None if s is OUT else s
        if part.__class__ is str:  # an operand node or the node itself: not a constant
            part = None
        local[u] = None if part is None or (u in local and local[u] is None) else local.get(u, 0) + part
    return tuple(local.items())


def _named_locals(static: tuple) -> tuple:
    """A static op's locals where every operand is a node: per slot, and for one node in both slots, their sum."""
    parts = [None if s.__class__ is int or s is OUT else s for s in static]
    both = None if len(parts) != 2 or None in parts else parts[0] + parts[1]
    return (*parts, both)


#: the locals of a row whose operands are all nodes, by op (:func:`static_locals`)
_NAMED_LOCALS = {op: _named_locals(static) for op, static in STATIC_PARTIALS.items()}
_NONE_NAMED = (None, None, None)
