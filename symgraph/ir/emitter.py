"""The emitter: builds :class:`~symgraph.ir.program.Program` instructions on top of a graph's own.

It starts from the function's own graph (so derivatives refer to node values
such as ``d`` instead of ``b + 1``), folds small constants, drops
multiplications by 0 and +-1, combines exact constants across temporaries
(``100*(2*v)`` is ``200*v``, ``200 - (-2 + t)`` is ``202 - t``: Rosenbrock's
gradient at n = 1,000 has CasADi's 8,991 operations instead of 9,990, and its
sparse Hessian at n = 10,000 99,990 instead of 139,986, derived about a quarter
faster), and hash-conses instructions (keys by
:func:`constants.ordered`) so a repeated subexpression is emitted once.  Its
temporaries ``t1, t2, ...`` skip the graph's node names (the rule of
:mod:`symgraph.names`, kept as a counter here: see ``Emitter.__init__``).

The sweeps of :mod:`symgraph.ad` call :meth:`Emitter.op` and :meth:`Emitter.op2`
once per multiplication or addition they perform: this is the hot path of
every derivation, and each shortcut below says what it buys.  Measured in
bytecode instructions per gradient (deterministic on a shared machine;
``sys.settrace`` with opcode events), the shortcuts of issue #19 (the seed's
inlined keys, recipes for partial rules, products emitted without the
rewrite calls when no temporary is negated or a reciprocal, instructions
that note no fact skipping those checks) took Rosenbrock n = 1,000 from
5.86 M to 4.53 M, the product of 1,000 inputs from 1.10 M to 0.79 M, the
4-8-3 MLP from 112 k to 89 k and the chain of depth 200 from 1.14 M to 1.03 M.
The sweeps call :attr:`Emitter.plain_op2` (``op2`` without its guard test)
while :attr:`~Emitter.guards` is empty, sums and differences of two names
build their keys in line, and ``c*(c2*y)`` goes straight to its product.
Tried and not kept: testing the negated and reciprocal temporaries of a
product separately (more work on a Hessian, where both tables are filled);
seeding an op's graph rows only when the emitter first makes that op (a scan
in C per op cost what skipping Rosenbrock's squares saved: 100-126 ms
against 104 ms for the emitter and its seed at n = 10,000).  The seed's
table finds no instruction at all in the gradients of Rosenbrock, the MLP
or a mix of where/max/tanh (it does in Hessians, where the gradient's
products recur), but an instruction whose operands are all the graph's
names (a square's partial ``2*v``) could match a row, so a table built on
first need is built at the first partial.  A lookup before the call to
``_plain`` in place of comparing the instruction count around it saved
0.3% (Rosenbrock n = 1,000: 3.906 M -> 3.894 M) and was not kept.

Branches: how derivatives through ``where`` stay free of nan
---------------------------------------------------------------
``where(c, a, b)`` has the partials ``where(c, 1, 0)`` (for ``a``) and
``where(c, 0, 1)`` (for ``b``), *selects*.  The trouble they bring is the one
JAX users meet in ``where(x > 0, sqrt(x), 0)`` at x = -1: the untaken branch's
partial 1/(2*sqrt(x)) is nan, and an adjoint that is 0 there times nan is nan
(jax#1052, and the "double where" written by hand).  A symbolic emitter knows
which values flow through a branch, so it guards them, in every mode at once
(reverse, forward, path products and elimination all multiply through here):

* a product with a select is a select of the other factor, never a product:
  ``adj * where(c, 1, 0)`` is ``where(c, adj, 0)``;
* such a value is *guarded* by ``c``: it is exactly 0 wherever ``c`` is false.
  Every later product of a guarded value ``g`` with a name ``d`` is selected
  again, ``where(c, g*d, 0)``, so the nan or inf of ``d`` in the untaken
  lanes is discarded instead of multiplied by 0.  Negations and constant
  multiples keep the guard; a sum of two guarded values is guarded by
  ``c1 or c2``; nested branches guard by ``c1 and c2``;
* a tangent's two one-sided selects add up to one ``where(c, ta, tb)``.

Only derivative values are ever guarded (the emitter never re-emits the
function's own rows), so function values keep NumPy's semantics.  The rows
a where() may discard are evaluated without floating-point warnings
(:func:`symgraph.ir.interpret.branch_only`), so the result is exact and quiet:
``grad("where(x > 0, sqrt(x), 0)")`` at x = -1 is 0 in ``.at``, compiled code
and the closed form ``Piecewise((1/(2*sqrt(x)), x > 0), (0, True))``.  A
program whose results are themselves in a branch -- the local derivative on
every edge, which pictures label -- names those results ``discardable``
(:meth:`program`), and they are evaluated as quietly as the branch's values.
"""
from __future__ import annotations

from itertools import chain
from operator import methodcaller
from typing import Any, Iterable, Mapping

import sympy

from .. import constants
from ..constants import as_constant, constant_key, ordered
from ..ops import COMMUTATIVE, CONDITIONS
from ..progress import paused_gc
from .graph import Graph
from .program import Program, Ref, live_instructions

ZERO, ONE, MINUS_ONE = sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)
TRUE, FALSE = sympy.true, sympy.false

_UNITS = {id(ZERO): 0, id(ONE): 1, id(MINUS_ONE): -1}


def _unit_value(ref: Ref) -> int | None:
    """0, 1 or -1 when ``ref`` is that exact constant (sympy's singletons), else None.

    Only exact constants make an operation free: a Float 1.0 is not sympy's
    One (sympy >= 1.13 does not even call them equal) and is kept.
    """
    return _UNITS.get(id(ref))


#: 0, 1 or -1 for those exact constants, else None (what :meth:`Emitter._scaled` takes as ``unit``)
unit_value = _unit_value


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


#: (op, id of each constant) -> (the constants, the folded result or None)
_FOLDED: dict[tuple, tuple] = {}


def _fold(name: str, args: tuple) -> Any:
    """:func:`constants.fold`, memoised: sweeps fold the same few constants (2-1, 1/2, ...) over and over.

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
    result = constants.fold(name, args) if name not in CONDITIONS else _fold_condition(name, args)
    _FOLDED[key] = (args, result)
    return result


def _fold_condition(name: str, args: tuple) -> Any:
    """A comparison of two constants (NumPy's answer, :func:`constants.constant_op`), or ``and``, ``or``,
    ``not`` with a true/false operand, folded to true, false or the other operand; else None.

    As the graph builder folds them in text.  Why here too: a rule that selects
    on its operands (pow's base partial, ``where(x != 0 or y != 0, ...)``) is
    replayed on constant operands by edge pushing's templates, and ``2 != 0``
    left unfolded emitted a comparison, an ``or`` and a ``where`` at every
    ``x^2`` of a Hessian.
    """
    if name == "not":
        return (FALSE if args[0] is TRUE else TRUE) if args[0] is TRUE or args[0] is FALSE else None
    if name == "and" or name == "or":
        absorbing, neutral = (FALSE, TRUE) if name == "and" else (TRUE, FALSE)
        x, y = args
        return absorbing if x is absorbing or y is absorbing else y if x is neutral else x if y is neutral else None
    if any(a.__class__ is str or a is TRUE or a is FALSE for a in args):
        return None
    return constants.constant_op(name, args)


#: the default second operand of Emitter.op: marks a one-operand op
_UNARY = object()

#: the arithmetic of derivatives (products, sums, negations, quotients), which guards apply to
_GUARDED = frozenset({"mul", "div", "neg", "add", "sub"})


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


def _seed(graph: Graph) -> tuple[dict, dict]:
    """An emitter's start: the hash-consing keys of the graph's own assignments, and its negations.

    :func:`constants.ordered` inlined for the row shapes of a parsed graph (two names, a name
    and a constant, one operand), with constant keys memoised: on Rosenbrock (n = 1,000,
    9,000 rows, a constant on half of them) 9.6 ms -> 2.5 ms, a quarter of a gradient.
    """
    negations: dict[str, Ref] = {}
    by_key: dict[tuple, str] = {}
    add = by_key.setdefault
    commutative, key_of, keys = COMMUTATIVE, _constant_key, _KEYS.get
    for node, op, args in graph.rows():
        n = len(args)
        if n == 2:
            x, y = args
            if x.__class__ is str:
                if y.__class__ is str:
                    add((op, y, x) if y < x and op in commutative else (op, x, y), node)
                else:  # a name comes before a constant; its key's memo read in line
                    hit = keys(id(y))
                    add((op, x, hit[1] if hit is not None else key_of(y)), node)
            elif y.__class__ is str:
                add((op, y, key_of(x)) if op in commutative else (op, key_of(x), y), node)
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
    return by_key, negations


def _clashes(names: Iterable[str], prefix: str) -> frozenset[int]:
    """The numbers k for which ``prefix + str(k)`` is one of ``names`` (fresh names skip them).

    One sequential scan, so that emitting a temporary needs no lookup in the
    graph's (possibly million-entry) name table.
    """
    cut = len(prefix)
    # the prefix test runs in C (filter over a method): a parsed graph's names rarely start with it
    return frozenset(int(name[cut:]) for name in filter(methodcaller("startswith", prefix), names)
                     if name[cut:].isascii() and name[cut:].isdecimal() and name[cut] != "0")


class _NotRecordable(Exception):
    """A rule that a recipe cannot replay exactly (it builds a where(), whose guards depend on names)."""


class _Recorder:
    """The builder a partial rule runs on to become a recipe (see :func:`record`).

    It forwards each call to a scratch emitter whose names carry no facts.  A
    call that emits nothing and returns a constant or one of those names (a
    fold, or an identity such as ``x^1 = x``) was decided by constants and
    name equality alone, the same for any names, so the recipe keeps its
    result.  Every other call is kept, to be made again on the real emitter;
    the rule gets a fresh name for its result, so later decisions never read
    a fact of the scratch emitter's own temporaries.
    """

    def __init__(self, scratch: "Emitter", names: set[str]):
        self.scratch, self.names = scratch, names
        self.calls: list[tuple[str, str, tuple]] = []

    def op(self, name: str, *args: Ref) -> Ref:
        if name == "where" and not (args[0] is TRUE or args[0] is FALSE):  # a constant condition folds
            raise _NotRecordable(name)
        before = len(self.scratch.instructions)
        result = self.scratch.op(name, *args)
        if len(self.scratch.instructions) == before and (result.__class__ is not str or result in self.names):
            return result
        token = f"r{len(self.calls)}"
        self.calls.append((token, name, args))
        self.names.add(token)
        return token


def record(rule: Any, out: str, args: tuple) -> tuple[tuple, Ref] | None:
    """A partial rule as a recipe ``(calls, result)`` over the names ``out`` and ``args``, or None.

    ``result`` is a ref, or a tuple of refs for a rule returning several.

    ``out`` and the name operands are placeholders (not ``r``-numbered);
    constants are the node's.  The recipe holds the rule's calls minus those
    the constants alone decide: ``pow(x, 2)``'s partial ``2 * x^(2-1)`` is the
    one call ``mul(2, x)``.  :meth:`Emitter.replay` then makes exactly the
    calls the rule would, without the rule's folds.  Valid only while the
    emitter has no guards (a guard depends on names); None for a rule that
    builds a where().
    """
    names = list(dict.fromkeys((out, *(a for a in args if a.__class__ is str))))
    graph = Graph.from_ops(dict.fromkeys(names, "input"), {n: () for n in names}, tuple(names), (out,))
    recorder = _Recorder(Emitter(graph, prefix="s"), set(names))
    try:
        result = rule(recorder, out, *args)
    except _NotRecordable:
        return None
    calls = []
    for token, name, call_args in recorder.calls:
        call_args = tuple(a if a.__class__ is str else as_constant(a) for a in call_args)
        kinds = "".join("n" if a in names else "t" if a.__class__ is str else "c" for a in call_args)
        calls.append((token, name, call_args, _DIRECT.get(kinds)))
    if result.__class__ is tuple:  # a rule with several results (edge pushing's second partials)
        return tuple(calls), tuple(r if r.__class__ is str else as_constant(r) for r in result)
    return tuple(calls), (result if result.__class__ is str else as_constant(result))


class Emitter:
    """Builds a :class:`Program` on top of a graph's own assignments.

    ``op(name, *args)`` returns a ref: an existing name when the same
    instruction exists (hash-consing), a constant when it folds or a trivial
    identity applies (x*1, x+0, x*0, x^1, --x), otherwise a new temporary
    ``t1, t2, ...`` (numbers that would repeat a graph node's name are skipped).

    Per new instruction the emitter touches one large table (the
    hash-consing keys); the rewrites read small ones (negations, and
    temporaries that are reciprocals or exact multiples), which keeps sweeps over
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
        #: the hash-consing table's setdefault and the instruction list's append, bound once (:meth:`_plain`)
        self._hashed, self._append = self._by_key.setdefault, self.instructions.append
        #: temporaries defined as -y (rewritten in products; graph nodes are not)
        self._negated_temps: dict[str, Ref] = {}
        #: temporaries defined as 1/y -> y
        self._reciprocals: dict[str, str] = {}
        #: temporaries defined as c*y with an exact constant c -> (c, y): a constant times one of
        #: them is one product, (c'*c)*y, as CasADi folds it (see _scaled)
        self._scaled_temps: dict[str, tuple[Ref, str]] = {}
        #: temporaries defined as c + y or c - y (either order) with an exact constant c -> (c, +-1, y):
        #: a constant added to, subtracted from or negating one of them is one instruction (see _shifted)
        self._offsets: dict[str, tuple[Ref, int, str]] = {}
        #: derivative values known to be exactly 0 wherever a condition is false: name -> that
        #: condition's name (see "Branches" in the module docstring); read, never written, outside the
        #: emitter (recipes apply only while it is empty)
        self.guards: dict[str, str] = {}
        #: the selects where(c, 1, 0) and where(c, 0, 1): name -> (c, which branch holds the 1)
        self._selects: dict[str, tuple[str, bool]] = {}
        #: where(c, a, 0) and where(c, 0, b): name -> (c, a, b), so a sum of the two is one where
        self._one_sided: dict[str, tuple[str, Ref, Ref]] = {}
        #: conditions defined as not(c) -> c
        self._negated_conditions: dict[str, str] = {}
        # Temporaries ``prefix1, prefix2, ...`` skip the numbers of the graph's node names.  Not
        # names.Namer.sequence: measured on 70,000 temporaries over a 50,000-node graph, its
        # generator (a string lookup per name in the node table) took 21-42 ms against 12-18 ms
        # for this counter over a set of ints, about 3% of a whole gradient; the rule is the
        # Namer's (a name of the graph is never reused), computed once by _clashes.
        self._clashes = _clashes(graph.op_of, prefix)
        self._prefix = prefix
        self._counter = 0

    def _emit(self, key: tuple, name: str, args: tuple) -> str:
        """The existing instruction with this key, or a new temporary computing ``name(*args)``."""
        count = len(self.instructions)
        target = self._plain(key, name, args)
        if len(self.instructions) == count:  # found: its facts are known already
            return target
        if name == "neg":
            self._negations[target] = self._negated_temps[target] = args[0]
        elif name == "div" and args[0] is ONE:
            self._reciprocals[target] = args[1]
        return target

    def _plain(self, key: tuple, name: str, args: tuple) -> str:
        """:meth:`_emit` for an instruction that is neither a negation nor a reciprocal ``1/y`` (no fact to note)."""
        number = self._counter + 1
        if number in self._clashes:  # skipped once for all: a found key must not rescan the run next time
            while number in self._clashes:  # (a program's temporaries t1..tN as a graph's names: quadratic)
                number += 1
            self._counter = number - 1
        target = f"{self._prefix}{number}"
        found = self._hashed(key, target)
        if found is not target:
            return found
        self._counter = number
        self._append((target, name, args))
        return target

    def op(self, name: str, x: Ref, y: Ref = _UNARY, *more: Ref) -> Ref:
        """``name(x)``, ``name(x, y)`` or ``name(x, y, z, ...)`` as a ref (see :meth:`_op`), guarded."""
        if more:
            return self.where(x, y, *more) if name == "where" else self._emit(
                _make_key(name, (x, y, *more)), name, tuple(a if a.__class__ is str else as_constant(a)
                                                          for a in (x, y, *more)))
        if self.guards and name in _GUARDED and (
                (x.__class__ is str and x in self.guards) or (y.__class__ is str and y in self.guards)):
            return self._guarded(name, x, y)
        return self._op(name, x, y)

    def _op(self, name: str, x: Ref, y: Ref = _UNARY) -> Ref:
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
                    return self._op2(name, x, y)
                if cy is int or cy is float:
                    y = as_constant(y)
                return self._name_const(name, x, y)
            if cx is int or cx is float:
                x = as_constant(x)
            if cy is str:
                return self._const_name(name, x, y)
            if cy is int or cy is float:
                y = as_constant(y)
            folded = _fold(name, (x, y))
            if folded is not None:
                return folded
            return self._const_const(name, x, y)
        if cx is str:
            if name == "neg":
                inner = self._negations.get(x)
                if inner is not None:
                    return inner
                if x in self._offsets:
                    return self._negated_offset(x)
            return self._emit((name, x), name, (x,))
        if cx is int or cx is float:
            x = as_constant(x)
        folded = _fold(name, (x,))
        if folded is not None:
            return folded
        return self._emit((name, _constant_key(x)), name, (x,))

    def negate(self, x: Ref) -> Ref:
        """``-x`` (``op("neg", x)``), for callers that multiply by -1 often."""
        if x.__class__ is str and self.guards and x in self.guards:
            return self._guarded("neg", x)
        if x.__class__ is str:
            inner = self._negations.get(x)
            if inner is not None:
                return inner
            if x in self._offsets:
                return self._negated_offset(x)
            return self._emit(("neg", x), "neg", (x,))
        return self.op("neg", x)

    def _negated_offset(self, x: str) -> Ref:
        """``-x`` for a temporary ``x = c +- z``: ``(-c) -+ z``, one instruction instead of two."""
        c, sign, z = self._offsets[x]
        return self.op("sub" if sign > 0 else "add", _fold("neg", (c,)), z)

    def _name_const(self, name: str, x: str, c: Ref) -> Ref:
        """``name(x, c)`` for a name ``x`` and a constant ``c``."""
        unit = _unit_value(c)
        if name == "mul":
            return self._scaled(x, c, unit)
        if name == "add" or name == "sub":
            if unit == 0:
                return x
            if name == "add":
                nx_ = self._negations.get(x)
                if nx_ is not None:
                    return self.op("sub", c, nx_)
            # ordered(name, x, key) is (name, x, key) for a name and a constant, built in line
            return self._shifted(x, c if name == "add" else _fold("neg", (c,)), 1, name, (x, c),
                                 (name, x, _constant_key(c)))
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
        elif name in CONDITIONS:  # x or true is true, x and true is x
            folded = _fold_condition(name, (x, c))
            if folded is not None:
                return folded
        return self._plain(ordered(name, x, _constant_key(c)), name, (x, c))  # a name first: never 1/y

    def _const_name(self, name: str, c: Ref, y: str) -> Ref:
        """``name(c, y)`` for a constant ``c`` and a name ``y``."""
        if name == "mul":
            return self._scaled(y, c, _unit_value(c))
        # ordered() in line below: a sum's name comes before the constant, a difference keeps its order
        if name == "add":
            if is_zero(c):
                return y
            ny = self._negations.get(y)
            if ny is not None:
                return self.op("sub", c, ny)
            return self._shifted(y, c, 1, name, (c, y), ("add", y, _constant_key(c)))
        elif name == "sub":
            if is_zero(c):
                return self.op("neg", y)
            ny = self._negations.get(y)
            if ny is not None:
                return self.op("add", c, ny)
            return self._shifted(y, c, -1, name, (c, y), ("sub", _constant_key(c), y))
        elif name == "div":
            if is_zero(c):
                return ZERO
        elif name in CONDITIONS:
            folded = _fold_condition(name, (c, y))
            if folded is not None:
                return folded
        return self._emit(ordered(name, _constant_key(c), y), name, (c, y))

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
        return self._emit(_make_key(name, (x, y)), name, (x, y))

    def _scaled(self, x: str, c: Ref, unit: int | None) -> Ref:
        """``c * x``: free for c in {0, 1, -1}; a negated or reciprocal temporary is rewritten."""
        if unit is not None:
            return ZERO if unit == 0 else x if unit == 1 else self.negate(x)
        if x in self._negated_temps or x in self._reciprocals:
            return self._rewritten_product(c, x)
        hit = _KEYS.get(id(c))  # _constant_key(c), its memo read in line
        key = hit[1] if hit is not None else _constant_key(c)
        scaled = self._scaled_temps.get(x)
        if scaled is not None and key[1] == "Rational":  # c * (c2*y) = (c*c2) * y: exact, one product
            product = _fold("mul", (c, scaled[0]))
            if product is not None:
                y = scaled[1]
                if self.guards and y in self.guards:
                    return self.op("mul", product, y)
                return self._scaled(y, product, _UNITS.get(id(product)))  # what op("mul", product, y) reaches
        count = len(self.instructions)
        target = self._plain(("mul", x, key), "mul", (c, x))  # ordered(): a name before a constant
        if len(self.instructions) != count and key[1] == "Rational":
            self._scaled_temps[target] = (c, x)
        return target

    def _shifted(self, y: str, c: Ref | None, sign: int, name: str, args: tuple, key: tuple) -> Ref:
        """``c + sign*y`` (the instruction ``name(*args)``): one instruction when ``y`` is itself
        ``c2 +- z`` with exact constants (``200 - ((-2) + z)`` is ``202 - z``), else emitted as given."""
        exact = c is not None and _constant_key(c)[1] == "Rational"
        if exact:
            inner = self._offsets.get(y)
            if inner is not None:
                c2, sign2, z = inner
                total = _fold("add", (c, c2) if sign > 0 else (c, _fold("neg", (c2,))))
                if total is not None:
                    return self.op("add" if sign * sign2 > 0 else "sub", total, z)
        count = len(self.instructions)
        target = self._emit(key, name, args)
        if exact and len(self.instructions) != count:
            self._offsets[target] = (c, sign, y)
        return target

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
        if self.guards and (x in self.guards or y in self.guards) and name in _GUARDED:
            return self._guarded(name, x, y)
        return self._op2(name, x, y)

    def _op2(self, name: str, x: str, y: str) -> Ref:
        """:meth:`op2` when no operand is guarded (:attr:`guards` empty, or neither name in it)."""
        if name == "mul":
            negated, reciprocals = self._negated_temps, self._reciprocals
            if (negated or reciprocals) and (y in negated or y in reciprocals or x in negated or x in reciprocals):
                rewritten = self._rewritten_product(x, y)
                return rewritten if rewritten is not None else self._rewritten_product(y, x)
            return self._plain(("mul", y, x) if y < x else ("mul", x, y), "mul", (x, y))  # ordered(), inlined
        elif name == "add":
            negations = self._negations
            inner = negations.get(y)
            if inner is not None:
                return self.op("sub", x, inner)
            inner = negations.get(x)
            if inner is not None:
                return self.op("sub", y, inner)
            return self._plain(("add", y, x) if y < x else ("add", x, y), "add", (x, y))  # ordered(), inlined
        elif name == "sub":
            if x == y:
                return ZERO
            inner = self._negations.get(y)
            if inner is not None:
                return self.op("add", x, inner)
            return self._plain(("sub", x, y), "sub", (x, y))
        return self._plain(ordered(name, x, y), name, (x, y))  # two names: never a negation or 1/y

    #: :meth:`op2` for a caller that has seen :attr:`guards` empty (the sweeps test it once per product)
    plain_op2 = _op2

    # -- branches: where() and the guards of the derivatives that flow through one
    def where(self, c: str, a: Ref, b: Ref) -> Ref:
        """``where(c, a, b)``: a ref, with the guard and select facts later products use."""
        a = a if a.__class__ is str else as_constant(a)
        b = b if b.__class__ is str else as_constant(b)
        if c is TRUE or c is FALSE:  # a condition on constants, folded
            return a if c is TRUE else b
        if (a == b) if a.__class__ is b.__class__ is str else (
                a.__class__ is not str and b.__class__ is not str and _constant_key(a) == _constant_key(b)):
            return a
        zero_b, zero_a = is_zero(b), is_zero(a)
        if zero_b and a.__class__ is str and self.guards.get(a) == c:
            return a  # already 0 wherever c is false
        target = self._emit(_make_key("where", (c, a, b)), "where", (c, a, b))
        if zero_b or zero_a:
            inner = a if zero_b else b
            guard = self._both(c if zero_b else self._not(c), self.guards.get(inner) if inner.__class__ is str else None)
            self.guards.setdefault(target, guard)
            self._one_sided.setdefault(target, (c, a, b))
            if inner is ONE:
                self._selects.setdefault(target, (c, zero_b))
        return target

    def _guarded(self, name: str, x: Ref, y: Ref = _UNARY) -> Ref:
        """``name(x, y)`` for a product, quotient, negation, sum or difference with a guarded operand.

        A guarded value g is exactly 0 wherever its condition is false, but its
        partner in a product may be nan or inf there (the untaken branch's
        sqrt(-1), 1/0): the product is selected, ``where(cond, g*d, 0)``, never
        ``0*nan``.  A product with a select is the select of the other factor.
        """
        guards, selects = self.guards, self._selects
        gx = guards.get(x) if x.__class__ is str else None
        gy = guards.get(y) if y.__class__ is str else None
        if name == "mul":
            for s, other in ((x, y), (y, x)):
                if s.__class__ is str and s in selects:
                    c, first = selects[s]
                    return self.where(c, other, ZERO) if first else self.where(c, ZERO, other)
        if (name == "add" or name == "sub") and x in self._one_sided and y in self._one_sided:
            merged = self._merged(name, x, y)  # a tangent of where(c, a, b), or where(c, a, -b)
            if merged is not None:
                if merged.__class__ is str and gx is not None and gy is not None:  # 0 where both parts are
                    guards.setdefault(merged, self._either(gx, gy))
                return merged
        result = self._op(name, x, y) if y is _UNARY or not (x.__class__ is str and y.__class__ is str) \
            else self._op2(name, x, y)
        if result.__class__ is not str:
            return result
        if name == "add" or name == "sub":
            if gx is not None and gy is not None:
                guards.setdefault(result, self._either(gx, gy))
            return result
        if name == "neg":
            guards.setdefault(result, gx)
            return result
        if name == "div":
            if gx is None:
                return result  # only a guarded numerator keeps the quotient 0
            gy = None
        guard = self._both(gx, gy)
        if x.__class__ is str and (y is _UNARY or y.__class__ is str):  # two names: the partner may be nan
            return self.where(guard, result, ZERO)
        guards.setdefault(result, guard)  # a finite constant times 0 is 0
        return result

    def _merged(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` (or ``x - y``) of two one-sided selects on one condition as one ``where``, else None.

        The sum keeps its parts' guards (the caller adds ``gx or gy``): a guarded adjoint that gathers a
        shared node's uses through nested branches (``where(x > 2, where(x > 1, x, u), u)``) lost its guard
        here, and its 0 times the untaken ``u``'s nan partial gave nan where the function is x.
        """
        (c, a, b), (c2, a2, b2) = self._one_sided[x], self._one_sided[y]
        if c != c2:
            return None
        if is_zero(b) and is_zero(a2):
            return self.where(c, a, b2 if name == "add" else self.negate(b2))
        if is_zero(a) and is_zero(b2):
            return self.where(c, a2 if name == "add" else self.negate(a2), b)
        return None

    def _both(self, g: str | None, h: str | None) -> str | None:
        if g is None or h is None or g == h:
            return h if g is None else g
        return self._emit(ordered("and", g, h), "and", (g, h))

    def _either(self, g: str, h: str) -> str:
        return g if g == h else self._emit(ordered("or", g, h), "or", (g, h))

    def _not(self, c: str) -> str:
        inner = self._negated_conditions.get(c)
        if inner is not None:
            return inner
        target = self._emit(("not", c), "not", (c,))
        self._negated_conditions.setdefault(target, c)
        return target

    def replay(self, recipe: tuple[tuple, Ref], names: dict[str, Ref]) -> Ref:
        """Make a recipe's calls (:func:`record`) with its placeholders bound by ``names``; its result.

        The caller checks that the emitter has no guards yet (``not emitter.guards``).
        """
        calls, result = recipe
        op, bound = self.op, names.get
        for token, name, args, direct in calls:
            if direct is not None:  # only placeholders (always names) and constants: the case known in advance
                names[token] = direct(self, name, *[bound(a) if a.__class__ is str else a for a in args])
            elif len(args) == 2:
                x, y = args
                names[token] = op(name, bound(x, x) if x.__class__ is str else x, bound(y, y) if y.__class__ is str else y)
            else:
                names[token] = op(name, *[bound(a, a) if a.__class__ is str else a for a in args])
        if result.__class__ is tuple:
            return tuple(bound(r, r) if r.__class__ is str else r for r in result)
        return bound(result, result) if result.__class__ is str else result

    def program(self, inputs: Iterable[str], results: Mapping[str, Ref], discardable: Iterable[str] = ()) -> Program:
        """The program computing ``results``: the graph's assignments and the emitted ones, dead code removed
        (``discardable``: :class:`Program`'s, the results in a branch of a where of the graph)."""
        with paused_gc():
            backwards = chain(reversed(self.instructions), self.graph.rows(backwards=True))
            return Program(inputs, live_instructions(backwards, results.values()), results, self.graph,
                           discardable=discardable)


#: a recorded call's operand kinds (n: a placeholder, which binds a name; c: a constant) -> the emitter method
#: :meth:`Emitter.op` would reach for them without guards, called directly on replay (t, a token that may bind
#: a constant, and two constants, which may fold, take :meth:`Emitter.op`)
_DIRECT = {"nn": Emitter._op2, "nc": Emitter._name_const, "cn": Emitter._const_name, "n": Emitter._op}
