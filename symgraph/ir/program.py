"""Straight-line programs: the shareable form of every derivative symgraph computes.

A :class:`Program` is a list of single-op assignments ``target = op(args)`` in
an order where every argument is defined before use (a let-listing, as JAX and
CasADi print theirs), plus named results.  Arguments are names (inputs, graph
nodes, temporaries ``t1, t2, ...``) or sympy constants.  Because a subexpression
appears once, programs of deep shared graphs stay linear in size; closed forms
in the inputs are built from them only on request, with bounded simplification.

The :class:`Emitter` builds programs: it starts from the function's own graph
(so derivatives refer to node values such as ``d`` instead of ``b + 1``),
folds small constants, drops multiplications by 0 and +-1, and hash-conses
instructions so a repeated subexpression is emitted once.
"""
from __future__ import annotations

from functools import cached_property
from itertools import chain
from operator import countOf, itemgetter
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import sympy

from .. import ops
from ..binding import check_values
from ..errors import ExpressionTooLargeError
from ..progress import paused_gc
from .graph import Graph
from .hooks import service
from .listing import argument, assignment

Ref = Any  # str (a name) or a sympy constant

ZERO, ONE, MINUS_ONE = sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)

#: Python ints that rules return, as sympy constants (converted once, not per instruction).
_SMALL_INTS = {k: sympy.Integer(k) for k in range(-2, 11)}


_UNITS = {id(ZERO): 0, id(ONE): 1, id(MINUS_ONE): -1}


def _unit_value(ref: Ref) -> int | None:
    """0, 1 or -1 when ``ref`` is that exact constant (sympy's singletons), else None.

    Only exact constants make an operation free: a Float 1.0 is not sympy's
    One (sympy >= 1.13 does not even call them equal) and is kept.
    """
    return _UNITS.get(id(ref))


def is_zero(ref: Ref) -> bool:
    """True for the exact constant 0 (or a rule's Python 0), whose products vanish and sums are free."""
    if ref is ZERO:
        return True
    cls = ref.__class__
    return (cls is int or cls is float) and ref == 0


def is_unit(ref: Ref) -> bool:
    """True for the exact constants +1 and -1 (or a rule's Python +-1), whose products are free."""
    if ref is ONE or ref is MINUS_ONE:
        return True
    cls = ref.__class__
    return (cls is int or cls is float) and (ref == 1 or ref == -1)


def _as_ref(value: Any) -> Ref:
    """A rule's Python number as a sympy constant; names and sympy constants pass through."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is int:
        small = _SMALL_INTS.get(value)
        return small if small is not None else sympy.Integer(value)
    if cls is float:
        return sympy.Float(value)
    return value


class Program:
    """Assignments ``(target, op, args)`` and results ``label -> ref``.

    ``str(program)`` is a let-listing; ``len(program)`` the number of operations.
    """

    def __init__(self, inputs: Iterable[str], instructions: list[tuple[str, str, tuple]],
                 results: Mapping[str, Ref], graph: Graph | None = None):
        self.inputs = tuple(inputs)
        self.instructions = instructions
        self.results = {k: ops.as_constant(v) if isinstance(v, (int, float)) else v for k, v in results.items()}
        self.graph = graph
        self._env: dict[str, sympy.Expr] = {}  # closed forms built so far, by name

    def __len__(self) -> int:
        return len(self.instructions)

    @cached_property
    def ops(self) -> int:
        """Number of operations (const placeholders excluded), counted in C."""
        return len(self.instructions) - countOf(map(itemgetter(1), self.instructions), "const")

    def __str__(self) -> str:
        """A let-listing, one assignment per line with infix arithmetic: ``t1 = c + d``, ``t2 = cos(v1)``.

        Every shared temporary is named once and reused by name; the results
        follow as ``out[label] = name``.
        """
        lines = [assignment(target, op, args) for target, op, args in self.instructions]
        lines += [f"out[{label}] = {argument(ref).strip('()')}" for label, ref in self.results.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Program {len(self)} ops, results {list(self.results)}>"

    def source(self, name: str = "f", standalone: bool = False) -> str:
        """Python source of a function computing every result (see :mod:`symgraph.backends.numpy`).

        ``standalone=True`` adds the few import lines that make the text a
        module you can save and import.
        """
        return service("source")(self, name, standalone)  # registered by symgraph.backends.numpy

    def pruned(self) -> "Program":
        """Dead code removed: only instructions that some result needs, order kept.

        See :func:`live_instructions`.
        """
        return Program(self.inputs, live_instructions(reversed(self.instructions), self.results.values()),
                       self.results, self.graph)

    # -- numbers -------------------------------------------------------------
    def evaluate(self, /, **values: Any) -> dict[str, Any]:
        """Every result's value for the given input values (floats, or arrays for array inputs).

        Constants take their float64 value (:func:`ops.constant_value`), as in closed forms.
        """
        env: dict[str, Any] = check_values(self.inputs, values)
        value_of = ops.constant_value
        for target, op, args in self.instructions:
            vals = [env[a] if isinstance(a, str) else value_of(a) for a in args]
            env[target] = vals[0] if op == "const" else ops.OPS[op].numeric(*vals)
        shape = np.broadcast_shapes(*(np.shape(env[n]) for n in self.inputs)) if self.inputs else ()
        out = {}
        for label, ref in self.results.items():
            value = env[ref] if isinstance(ref, str) else value_of(ref)
            out[label] = float(value) if shape == () else np.broadcast_to(value, shape).astype(np.float64)
        return out

    # -- closed forms -----------------------------------------------------------
    @cached_property
    def _shapes(self) -> dict[str, tuple[int, int]]:
        """target -> (operations, depth) of its closed form written as a tree; one pass, never built.

        Operation counts stop at :data:`SIZE_CAP` (they can be exponential in the program).
        """
        shapes: dict[str, tuple[int, int]] = {}
        op_of: dict[str, str] = {}
        get, cap, none, nesting = shapes.get, SIZE_CAP, (0, 0), ops.nesting
        for target, op, args in self.instructions:
            op_of[target] = op
            if op == "const":
                shapes[target] = none
                continue
            size, depth = 1, 1
            for slot, a in enumerate(args):
                if a.__class__ is str:
                    s, d = get(a, none)
                    size += s
                    d += nesting(op, op_of.get(a), slot)
                    depth = d if d > depth else depth
            shapes[target] = (size if size < cap else cap, depth)
        return shapes

    def expanded_size(self, label: str, cap: int = 10**6) -> int:
        """Operation count of ``label``'s closed form written as a tree, capped at ``cap``.

        Counted on the program by dynamic programming (once for all results),
        so it never builds the (possibly exponential) tree.
        """
        ref = self.results[label]
        return min(cap, self._shapes.get(ref, (0, 0))[0]) if isinstance(ref, str) else 0

    def expanded_depth(self, label: str) -> int:
        """Nesting depth of ``label``'s closed form (0 for an input or a constant)."""
        ref = self.results[label]
        return self._shapes.get(ref, (0, 0))[1] if isinstance(ref, str) else 0

    def closed_form(self, label: str) -> sympy.Expr:
        """``label``'s result as a sympy expression in the inputs, built iteratively on request.

        Subexpressions built for one result are kept for the others.  A result
        nested deeper than :data:`MAX_DEPTH` raises :class:`ExpressionTooLargeError`
        (sympy's own printers and most of its functions recurse and could not
        handle it); the program, ``.at()`` and ``lambdify`` have every value.
        """
        ref = self.results[label]
        if not isinstance(ref, str):
            return ops.closed_constant(ref)
        if ref in self._env:
            return self._env[ref]
        depth = self.expanded_depth(label)
        if depth > MAX_DEPTH:
            raise ExpressionTooLargeError(
                f"the closed form of {label!r} is nested {depth} levels deep, more than sympy can handle "
                f"({MAX_DEPTH}); use the program (print(result.program)), .at() or .lambdify() instead")
        env = self._env
        if not env:
            nodes = self.graph._ops if self.graph is not None else ()
            env.update((name, self.graph.symbol(name) if name in nodes else sympy.Symbol(name))
                       for name in self.inputs)  # the graph's own Symbols (the user's, with assumptions)
        build, constant, defined = ops.build_sympy, ops.closed_constant, self._definitions
        stack = [ref]  # iterative post-order: a name is built once its operands are
        while stack:
            target = stack[-1]
            if target in env:
                stack.pop()
                continue
            op, args = defined[target]
            missing = [a for a in args if a.__class__ is str and a not in env]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            vals = tuple(env[a] if a.__class__ is str else constant(a) for a in args)
            env[target] = vals[0] if op == "const" else build(op, vals)
        return env[ref]

    @cached_property
    def _definitions(self) -> dict[str, tuple[str, tuple]]:
        """target -> (op, args), for building closed forms from any result without a pass over the rest."""
        return {target: (op, args) for target, op, args in self.instructions}

    def closed_forms(self) -> dict[str, sympy.Expr]:
        """Every result as a sympy expression in the inputs (see :meth:`closed_form`)."""
        return {label: self.closed_form(label) for label in self.results}


#: expanded sizes stop counting here
SIZE_CAP = 10**18

MAX_DEPTH = ops.MAX_DEPTH


#: (op, id of each constant) -> (the constants, the folded result or None)
_FOLDED: dict[tuple, tuple] = {}


def _fold(name: str, args: tuple) -> Any:
    """:func:`ops.fold`, memoised: sweeps fold the same few constants (2-1, 1/2, ...) over and over.

    Keyed by the constants' identities (sympy caches small integers, so the
    usual ones hit; sympy's own hashing is slow, and it hashes Float(2.0)
    like Integer(2)); each entry holds its constants, so their ids stay theirs.
    """
    key = (name, *map(id, args))
    hit = _FOLDED.get(key)
    if hit is not None:
        return hit[1]
    if len(_FOLDED) > 4096:
        _FOLDED.clear()
    result = ops.fold(name, args)
    _FOLDED[key] = (args, result)
    return result


_COMMUTATIVE = frozenset(name for name, row in ops.OPS.items() if row.commutative)

#: the default second operand of Emitter.op: marks a one-operand op
_UNARY = object()


def live_instructions(backwards: Iterable[tuple[str, str, tuple]], results: Iterable[Ref]) -> list:
    """The instructions some result needs, in program order, from all of them given last to first.

    Rows of op ``input`` are passed over (the graph's own rows come with its inputs).

    One backward pass; a name leaves the set of needed names at its
    definition (nothing before it can use it), so the set holds only the
    frontier, not every live name of a million-instruction program.
    """
    needed = {r for r in results if r.__class__ is str}
    need, found = needed.add, needed.discard
    kept = []
    for instruction in backwards:
        target = instruction[0]
        if target in needed:
            found(target)
            if instruction[1] == "input":  # the graph's rows include its inputs, which need no instruction
                continue
            kept.append(instruction)
            for a in instruction[2]:
                if a.__class__ is str:
                    need(a)
    kept.reverse()
    return kept


def _graph_rows(graph: Graph, backwards: bool = False) -> Iterator[tuple[str, str, tuple]]:
    """Every graph node as ``(node, op, operands)``, inputs included, in order or last first (built in C)."""
    tables = (graph._ops.keys(), graph._ops.values(), graph._operands.values())
    return zip(*map(reversed, tables)) if backwards else zip(*tables)


def _seed(graph: Graph) -> tuple[dict, dict]:
    """An emitter's start: the hash-consing keys of the graph's own assignments, and its negations."""
    negations: dict[str, Ref] = {}
    by_key: dict[tuple, str] = {}
    make_key = Emitter._make_key
    for node, op, args in _graph_rows(graph):
        if op == "input" or op == "const":
            continue
        if op == "neg":
            negations[node] = args[0]
        if len(args) == 2 and args[0].__class__ is str and args[1].__class__ is str:
            x, y = args
            key = (op, y, x) if y < x and op in _COMMUTATIVE else (op, x, y)
        else:
            key = make_key(op, args)
        by_key.setdefault(key, node)
    return by_key, negations


def _clashes(names: Iterable[str], prefix: str) -> frozenset[int]:
    """The numbers k for which ``prefix + str(k)`` is one of ``names`` (fresh names skip them).

    One sequential scan, so that emitting a temporary needs no lookup in the
    graph's (possibly million-entry) name table.
    """
    cut = len(prefix)
    return frozenset(int(name[cut:]) for name in names
                     if name.startswith(prefix) and name[cut:].isascii() and name[cut:].isdecimal()
                     and name[cut] != "0")


class Emitter:
    """Builds a :class:`Program` on top of a graph's own assignments.

    ``op(name, *args)`` returns a ref: an existing name when the same
    instruction exists (hash-consing), a constant when it folds or a trivial
    identity applies (x*1, x+0, x*0, x^1, --x), otherwise a new temporary
    ``t1, t2, ...`` (numbers that would repeat a graph node's name are skipped).

    Per new instruction the emitter touches one large table (the
    hash-consing keys); the rewrites read two small ones (negations, and
    temporaries that are reciprocals), which keeps sweeps over
    million-node graphs close to linear.
    """

    def __init__(self, graph: Graph, prefix: str = "t"):
        self.graph = graph
        #: the emitted instructions (the graph's own come first in every program, see program())
        self.instructions: list[tuple[str, str, tuple]] = []
        self._by_key: dict[tuple, str]
        #: name (graph node or temporary) -> y, for every name defined as -y
        self._negations: dict[str, Ref]
        self._by_key, self._negations = _seed(graph)
        #: temporaries defined as -y (rewritten in products; graph nodes are not)
        self._negated_temps: dict[str, Ref] = {}
        #: temporaries defined as 1/y -> y
        self._reciprocals: dict[str, str] = {}
        self._clashes = _clashes(graph._ops, prefix)
        self._prefix = prefix
        self._counter = 0

    @staticmethod
    def _make_key(op: str, args: tuple) -> tuple:
        """Hash-consing key: names stand for themselves, constants by their cheap key.

        Commutative ops put a constant first, and two names (or two constants)
        in sorted order, so ``x*y`` and ``y*x`` are one instruction.
        """
        if len(args) == 2:
            x, y = args
            kx = x if x.__class__ is str else ops.constant_key(x)
            ky = y if y.__class__ is str else ops.constant_key(y)
            if op in _COMMUTATIVE and (kx.__class__ is not ky.__class__ and kx.__class__ is str
                                       or kx.__class__ is ky.__class__ and ky < kx):
                kx, ky = ky, kx  # canonical order: constants first, then by key
            return (op, kx, ky)
        return (op, *(a if a.__class__ is str else ops.constant_key(a) for a in args))

    def _emit(self, key: tuple, name: str, args: tuple) -> str:
        """The existing instruction with this key, or a new temporary computing ``name(*args)``."""
        number = self._counter + 1
        while number in self._clashes:
            number += 1
        target = f"{self._prefix}{number}"
        found = self._by_key.setdefault(key, target)
        if found is not target:
            return found
        self._counter = number
        self.instructions.append((target, name, args))
        if name == "neg":
            self._negations[target] = self._negated_temps[target] = args[0]
        elif name == "div" and args[0] is ONE:
            self._reciprocals[target] = args[1]
        return target

    def op(self, name: str, x: Ref, y: Ref = _UNARY) -> Ref:
        """``name(x)`` or ``name(x, y)`` as a ref: folded, simplified by an identity, found, or emitted.

        Dispatches on the argument kinds (names are ``str``, constants are sympy
        numbers; a rule's Python ``int``/``float`` becomes a sympy constant), so
        each case runs only the checks that can apply to it.
        """
        cx = x.__class__
        if y is not _UNARY:
            cy = y.__class__
            if cx is str:
                if cy is str:
                    return self.op2(name, x, y)
                if cy is int or cy is float:
                    y = _as_ref(y)
                return self._name_const(name, x, y)
            if cx is int or cx is float:
                x = _as_ref(x)
            if cy is str:
                return self._const_name(name, x, y)
            if cy is int or cy is float:
                y = _as_ref(y)
            folded = _fold(name, (x, y))
            if folded is not None:
                return folded
            return self._const_const(name, x, y)
        if cx is str:
            if name == "neg":
                inner = self._negations.get(x)
                if inner is not None:
                    return inner
            return self._emit((name, x), name, (x,))
        if cx is int or cx is float:
            x = _as_ref(x)
        folded = _fold(name, (x,))
        if folded is not None:
            return folded
        return self._emit((name, ops.constant_key(x)), name, (x,))

    def negate(self, x: Ref) -> Ref:
        """``-x`` (``op("neg", x)``), for callers that multiply by -1 often."""
        if x.__class__ is str:
            inner = self._negations.get(x)
            if inner is not None:
                return inner
            return self._emit(("neg", x), "neg", (x,))
        return self.op("neg", x)

    def _name_const(self, name: str, x: str, c: Ref) -> Ref:
        """``name(x, c)`` for a name ``x`` and a constant ``c``."""
        unit = _unit_value(c)
        if name == "mul":
            return self._scaled(x, c, unit)
        if name == "add" or name == "sub":
            if unit == 0:
                return x
            if name == "add":
                nx_ = self._negated(x)
                if nx_ is not None:
                    return self.op("sub", c, nx_)
        elif name == "div":
            if unit == 1:
                return x
            if unit == -1:
                return self.op("neg", x)
        elif name == "pow":
            if unit == 1:
                return x
            if unit == 0:
                return ONE
        key = ("add", ops.constant_key(c), x) if name == "add" else (name, x, ops.constant_key(c))
        return self._emit(key, name, (x, c))

    def _const_name(self, name: str, c: Ref, y: str) -> Ref:
        """``name(c, y)`` for a constant ``c`` and a name ``y``."""
        if name == "mul":
            return self._scaled(y, c, _unit_value(c))
        if name == "add":
            if is_zero(c):
                return y
            ny = self._negated(y)
            if ny is not None:
                return self.op("sub", c, ny)
        elif name == "sub":
            if is_zero(c):
                return self.op("neg", y)
            ny = self._negated(y)
            if ny is not None:
                return self.op("add", c, ny)
        elif name == "div":
            if is_zero(c):
                return ZERO
        return self._emit((name, ops.constant_key(c), y), name, (c, y))

    def _const_const(self, name: str, x: Ref, y: Ref) -> Ref:
        """``name(x, y)`` for two constants that do not fold (too large): only the trivial identities."""
        ux, uy = _unit_value(x), _unit_value(y)
        if name == "mul" and (ux is not None or uy is not None):
            unit, other = (ux, y) if ux is not None else (uy, x)
            return ZERO if unit == 0 else other if unit == 1 else self.op("neg", other)
        if name in ("add", "sub") and uy == 0 or name in ("div", "pow") and uy == 1:
            return x
        if name == "add" and ux == 0:
            return y
        if name == "sub" and ux == 0:
            return self.op("neg", y)
        return self._emit(self._make_key(name, (x, y)), name, (x, y))

    def _scaled(self, x: str, c: Ref, unit: int | None) -> Ref:
        """``c * x``: free for c in {0, 1, -1}; a negated or reciprocal temporary is rewritten."""
        if unit is not None:
            return ZERO if unit == 0 else x if unit == 1 else self.negate(x)
        rewritten = self._rewritten_product(c, x)
        if rewritten is not None:
            return rewritten
        return self._emit(("mul", ops.constant_key(c), x), "mul", (c, x))

    def _rewritten_product(self, a: Ref, b: str) -> Ref | None:
        """``a * b`` when the temporary ``b`` is ``-y`` (then ``-(a*y)``) or ``1/y`` (then ``a/y``), else None."""
        inner = self._negated_temps.get(b)
        if inner is not None:
            return self.op("neg", self.op("mul", a, inner))
        denominator = self._reciprocals.get(b)
        if denominator is not None:
            return self.op("div", a, denominator)
        return None

    def op2(self, name: str, x: str, y: str) -> Ref:
        """``op(name, x, y)`` for two names: the sweeps' hot path, without constant handling."""
        if name == "mul":
            rewritten = self._rewritten_product(x, y)
            if rewritten is None:
                rewritten = self._rewritten_product(y, x)
            if rewritten is not None:
                return rewritten
        elif name == "add":
            negations = self._negations
            inner = negations.get(y)
            if inner is not None:
                return self.op("sub", x, inner)
            inner = negations.get(x)
            if inner is not None:
                return self.op("sub", y, inner)
        elif name == "sub":
            if x == y:
                return ZERO
            inner = self._negations.get(y)
            if inner is not None:
                return self.op("add", x, inner)
        key = (name, y, x) if y < x and name in _COMMUTATIVE else (name, x, y)
        return self._emit(key, name, (x, y))

    def _negated(self, ref: str) -> Ref | None:
        """y when the name ``ref`` is defined as ``neg y``, else None."""
        return self._negations.get(ref)

    def program(self, inputs: Iterable[str], results: Mapping[str, Ref]) -> Program:
        """The program computing ``results``: the graph's assignments and the emitted ones, dead code removed."""
        with paused_gc():
            backwards = chain(reversed(self.instructions), _graph_rows(self.graph, backwards=True))
            return Program(inputs, live_instructions(backwards, results.values()), results, self.graph)
