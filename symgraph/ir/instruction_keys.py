"""The emitter's hash-consing keys: of a constant, of an instruction, and of a graph's own rows (its seed).

An instruction's key is its op and operands, names standing for themselves
and constants for their cheap key (:func:`constants.constant_key`, memoised
by identity), in :func:`constants.ordered`'s order; equal keys are one
instruction.  :func:`_seed` computes the keys of a graph's rows, which an
emitter starts from so that derivatives refer to the graph's own values;
:func:`seed` hands each emitter its own copy of them, computed once per
graph (:func:`of_graph`).
Why apart from :mod:`~symgraph.ir.emitter`: keys are a function of rows and
constants alone, and the sweeps' caches of recipes (:mod:`symgraph.ad.partials`,
:mod:`symgraph.ad.edge_pushing`) key their constants by the same memo.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

from ..constants import constant_key, ordered
from ..ops import COMMUTATIVE
from .graph import Graph
from .program import Ref


#: id of a constant -> (the constant, its :func:`constants.constant_key`); the few constants of a
#: graph (2, 100, 1/2) recur on thousands of rows, and sympy's isinstance tests cost a microsecond each
_KEYS: dict[int, tuple] = {}


def _constant_key(c: Any) -> tuple:
    """:func:`constants.constant_key`, memoised by identity (each entry holds its constant, so its id stays its own)."""
    hit = _KEYS.get(id(c))
    if hit is not None:
        return hit[1]
    if len(_KEYS) > 4096:
        _KEYS.clear()
    key = constant_key(c)
    _KEYS[id(c)] = (c, key)
    return key


#: the memoised constant key, for the recipes of partial rules
constant_key_of = _constant_key


def _make_key(op: str, args: tuple) -> tuple:
    """Hash-consing key: names stand for themselves, constants by their cheap key, in :func:`constants.ordered`'s order."""
    if len(args) == 2:
        x, y = args
        return ordered(op, x if x.__class__ is str else _constant_key(x), y if y.__class__ is str else _constant_key(y))
    return (op, *(a if a.__class__ is str else _constant_key(a) for a in args))


#: id of a graph -> (a weak reference to it, what :func:`of_graph` computed of it by name), for the last
#: :data:`_GRAPHS_KEPT` graphs; an entry leaves with its graph
_OF_GRAPH: dict[int, tuple[weakref.ref, dict]] = {}
_GRAPHS_KEPT = 8


def of_graph(graph: Graph, what: Any, make: Callable[[Graph], Any]) -> Any:
    """``make(graph)``, remembered for ``what`` of this graph (a graph's rows never change).

    One graph is derived many times over: by every mode of :func:`symgraph.compare`, every Hessian
    strategy, a gradient and then a Hessian, a derivation repeated.  The seed of an emitter's table
    (:func:`seed`) and the numbers its temporaries skip are functions of the graph alone.
    """
    key = id(graph)
    entry = _OF_GRAPH.get(key)
    if entry is None or entry[0]() is not graph:
        if len(_OF_GRAPH) >= _GRAPHS_KEPT:
            del _OF_GRAPH[next(iter(_OF_GRAPH))]
        entry = _OF_GRAPH[key] = (weakref.ref(graph, lambda _, key=key: _OF_GRAPH.pop(key, None)), {})
    made = entry[1].get(what)
    if made is None:
        made = entry[1][what] = make(graph)
    return made


def seed(graph: Graph) -> tuple[dict, dict, dict, dict]:
    """An emitter's start, its own to grow: the hash-consing keys of the graph's rows, its negations, its rows
    ``c*y`` and its rows ``y^k`` (:func:`_seed`), computed once per graph (:func:`of_graph`) and copied.

    Copying in C costs a few per cent of computing in Python: the seed of Rosenbrock's graph at n = 1,000
    (9,000 rows) took 3.9 ms of a 44 ms gradient, its copy 0.14 ms (so the first derivation of a graph
    pays that much more, every later one 3.8 ms less).
    """
    return tuple(table.copy() for table in of_graph(graph, "seed", _seed))


def _seed(graph: Graph) -> tuple[dict, dict, dict, dict]:
    """The hash-consing keys of a graph's own assignments, and its negations; its rows ``c*y`` with an exact
    constant c (the text's ``2*x``) as ``node -> (c, y, "mul")``, the form of the emitter's like terms
    (:mod:`~symgraph.ir.like_terms`), and its rows ``y^k`` with an integer k >= 2 as ``node -> (y, k)``
    (:mod:`~symgraph.ir.cancelling`).

    :func:`constants.ordered` inlined for the row shapes of a parsed graph (two names, a name
    and a constant, one operand), with constant keys memoised: on Rosenbrock (n = 1,000,
    9,000 rows, a constant on half of them) 9.6 ms -> 2.5 ms, a quarter of a gradient.
    """
    negations: dict[str, Ref] = {}
    by_key: dict[tuple, str] = {}
    add = by_key.setdefault
    commutative, key_of, keys = COMMUTATIVE, _constant_key, _KEYS.get
    scaled: dict[str, tuple] = {}
    powers: dict[str, tuple] = {}
    for node, op, args in graph.rows():
        n = len(args)
        if n == 2:
            x, y = args
            if x.__class__ is str:
                if y.__class__ is str:
                    add((op, y, x) if y < x and op in commutative else (op, x, y), node)
                else:  # a name comes before a constant; its key's memo read in line
                    hit = keys(id(y))
                    key = hit[1] if hit is not None else key_of(y)
                    add((op, x, key), node)
                    if key[1] == "Rational":
                        if op == "mul":
                            scaled[node] = (y, x, "mul")
                        elif op == "pow" and key[3] == 1 and key[2] > 1:
                            powers[node] = (x, key[2])
            elif y.__class__ is str:
                key = key_of(x)
                add((op, y, key) if op in commutative else (op, key, y), node)
                if op == "mul" and key[1] == "Rational":
                    scaled[node] = (x, y, "mul")
            else:
                add(ordered(op, key_of(x), key_of(y)), node)
        elif n == 1:
            if op == "const":
                continue
            x = args[0]
            if op == "neg":
                negations[node] = x
            add((op, x) if x.__class__ is str else (op, key_of(x)), node)
        elif n:
            add(_make_key(op, args), node)
    return by_key, negations, scaled, powers
