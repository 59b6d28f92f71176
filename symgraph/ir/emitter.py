"""The emitter: builds :class:`~symgraph.ir.program.Program` instructions on top of a graph's own.

It starts from the function's own graph (so derivatives refer to node values such as ``d`` instead of
``b + 1``), folds small constants, drops multiplications by 0 and +-1, combines exact constants across
temporaries (``100*(2*v)`` is ``200*v``, ``200 - (-2 + t)`` is ``202 - t``: Rosenbrock's gradient at
n = 1,000 has CasADi's 8,991 operations instead of 9,990, and its sparse Hessian at n = 10,000 99,990
instead of 139,986, derived about a quarter faster), and hash-conses instructions (keys by
:func:`constants.ordered`) so a repeated subexpression is emitted once.  Its temporaries ``t1, t2, ...``
skip the graph's node names (the rule of :mod:`symgraph.names`, kept as a counter here: see
``Emitter.__init__``).

The sweeps of :mod:`symgraph.ad` call :meth:`Emitter.op` and :meth:`Emitter.op2` once per multiplication or
addition they perform: this is the hot path of every derivation, and each shortcut below says what it buys.
Measured in bytecode instructions per gradient (deterministic on a shared machine; ``sys.settrace`` with opcode
events), the shortcuts of issue #19 (the seed's inlined keys, recipes for partial rules, products emitted
without the rewrite calls when no temporary is negated or a reciprocal, instructions that note no fact skipping
those checks) took Rosenbrock n = 1,000 from 5.86 M to 4.53 M, the product of 1,000 inputs from 1.10 M to
0.79 M, the 4-8-3 MLP from 112 k to 89 k and the chain of depth 200 from 1.14 M to 1.03 M. The sweeps call
:attr:`Emitter.plain_op2` (``op2`` without its guard test) while :attr:`~Emitter.guards` is empty, sums and
differences of two names build their keys in line, and ``c*(c2*y)`` goes straight to its product. Tried and not
kept: testing the negated and reciprocal temporaries of a product separately (more work on a Hessian, where both
tables are filled); seeding an op's graph rows only when the emitter first makes that op (a scan in C per op
cost what skipping Rosenbrock's squares saved: 100-126 ms against 104 ms for the emitter and its seed at n =
10,000). The seed's table finds no instruction at all in the gradients of Rosenbrock, the MLP or a mix of
where/max/tanh (it does in Hessians, where the gradient's products recur), but an instruction whose operands are
all the graph's names (a square's partial ``2*v``) could match a row, so a table built on first need is built at
the first partial. A lookup before the call to ``_plain`` in place of comparing the instruction count around it
saved 0.3% (Rosenbrock n = 1,000: 3.906 M -> 3.894 M) and was not kept; nor were ``_shifted`` calling ``_plain``
with its constant's key read in line (in the noise on a sparse Hessian), or :func:`_clashes` matching a line
break before the prefix, not anchors (0.43 -> 0.19 ms at n = 1,000: under 1% of a gradient).

Beside it: the exact constants it tests for and its memoised folds (:mod:`~symgraph.ir.folding`), its
hash-consing keys and the seed of its table, computed once per graph (:mod:`~symgraph.ir.instruction_keys`),
``where`` and the guards that keep derivatives through a branch free of nan (:mod:`~symgraph.ir.branches`), the cancellation of
d*(a/d) and (3*v^2)/(2*v) (:mod:`~symgraph.ir.cancelling`), the sum of like terms c1/d + c2/d (:mod:`~symgraph.ir.like_terms`),
all three mixed into :class:`Emitter`, and partial rules recorded as recipes it replays (:mod:`~symgraph.ir.recipes`).
"""
from __future__ import annotations

import re
from itertools import chain
from operator import methodcaller
from typing import Collection, Iterable, Mapping

from sympy import Integer

from ..constants import as_constant, ordered
from ..ops import CONDITIONS
from ..progress import paused_gc
from .branches import Branches
from .cancelling import Cancellations
from .folding import _UNARY, _UNITS, ONE, ZERO, _fold, _fold_condition, _unit_value, is_zero
from .graph import Graph
from .instruction_keys import _KEYS, _constant_key, _make_key, of_graph, seed
from .like_terms import LikeTerms
from .liveness import live_instructions
from .program import Program, Ref

TWO = Integer(2)

#: the arithmetic of derivatives (products, sums, negations, quotients), which guards apply to
_GUARDED = frozenset({"mul", "div", "neg", "add", "sub"})


def _clashes(names: Collection[str], prefix: str) -> frozenset[int]:
    """The numbers k for which ``prefix + str(k)`` is one of ``names`` (fresh names skip them).

    One scan, so that emitting a temporary needs no lookup in the graph's
    (possibly million-entry) name table.  The names are joined, one a line, and
    read by one regular expression (in C): a gradient's program as a graph
    (100,000 names, 60,000 of them temporaries ``t...``: Rosenbrock's at n = 10,000)
    took 36-40 ms through a filter and a generator, 23-27 ms so, and the function's
    own graph 8.3 -> 3.9 ms (3.2 -> 1.3 and 0.84 -> 0.35 ms at n = 1,000).  A name
    with a line break in it (no text makes one) is read the slow way, so it cannot
    pass for another.
    """
    text = "\n".join(names)
    if text.count("\n") == len(names) - 1:
        return frozenset(map(int, re.findall(f"(?m)^{re.escape(prefix)}([1-9][0-9]*)$", text)))
    cut = len(prefix)
    # the prefix test runs in C (filter over a method): a parsed graph's names rarely start with it
    return frozenset(int(name[cut:]) for name in filter(methodcaller("startswith", prefix), names)
                     if name[cut:].isascii() and name[cut:].isdecimal() and name[cut] != "0")


class Emitter(Branches, Cancellations, LikeTerms):
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
        #: the graph's tables, read by the cancellations (bound once: a property call each time otherwise)
        self._graph_ops, self._graph_operands = graph.op_of, graph.operands_of
        #: the emitted instructions (the graph's own come first in every program, see program())
        self.instructions: list[tuple[str, str, tuple]] = []
        self._by_key: dict[tuple, str]
        #: temporaries and graph rows c*y, temporaries c/y (exact c) and a/y (a name) -> (c or a, y, "mul" or
        #: "div"): see like_terms
        self._terms: dict[str, tuple[Ref, str, str]]
        #: name (graph node or temporary) -> y, for every name defined as -y
        self._negations: dict[str, Ref]
        #: temporaries and graph rows y^k with an integer k >= 2 -> (y, k): see cancelling
        self._powers: dict[str, tuple[str, int]]
        #: name -> its :meth:`~symgraph.ir.cancelling.Cancellations._monomial`, remembered
        self._monomials_of: dict[str, tuple] = {}
        self._by_key, self._negations, self._terms, self._powers = seed(graph)
        #: the hash-consing table's setdefault and the instruction list's append, bound once (:meth:`_plain`)
        self._hashed, self._append = self._by_key.setdefault, self.instructions.append
        #: temporaries defined as -y (rewritten in products; graph nodes are not)
        self._negated_temps: dict[str, Ref] = {}
        #: temporaries defined as 1/y -> y
        self._reciprocals: dict[str, str] = {}
        #: temporaries defined as c*y with an exact constant c -> (c, y): a constant times one of
        #: them is one product, (c'*c)*y, as CasADi folds it (see _scaled)
        self._scaled_temps: dict[str, tuple[Ref, str]] = {}
        #: temporaries defined as x*y with two names -> (x, y): a quotient of one by a power cancels (cancelling)
        self._products: dict[str, tuple[str, str]] = {}
        #: temporaries defined as c + y or c - y (either order) with an exact constant c -> (c, +-1, y):
        #: a constant added to, subtracted from or negating one of them is one instruction (see _shifted)
        self._offsets: dict[str, tuple[Ref, int, str]] = {}
        #: temporaries defined as x + y or x - y with two names -> (op, x, y): a quotient of one cancels term by term;
        #: those holding a quotient c/d, whose like terms are collected across sums (like_terms)
        self._sums: dict[str, tuple[str, str, str]] = {}
        self._fractional: set[str] = set()
        #: temporaries defined as a/d with a name d and a name or exact constant a -> (a, d): d times one of them
        #: is a (see _cancelled)
        self._quotients: dict[str, tuple[str, str]] = {}
        #: temporaries defined as b*q with a name b and a temporary q of _quotients -> (b, q): d times one of them
        #: is b*a (a forward tangent multiplied by an edge between the division and the product)
        self._scaled_quotients: dict[str, tuple[str, str]] = {}
        #: the names of _negated_temps, _reciprocals, _quotients and _scaled_quotients, which a product rewrites
        self._noted_factors: set[str] = set()
        #: derivative values known to be exactly 0 wherever a condition is false: name -> that
        #: condition's name (see :mod:`~symgraph.ir.branches`); read, never written, outside the
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
        self._clashes = of_graph(graph, ("clashes", prefix), lambda graph: _clashes(graph.op_of, prefix))
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
            self._noted_factors.add(target)
        elif name == "div":
            self._note_quotient(target, *args)
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
            return self._over_constant(x, c, ordered(name, x, _constant_key(c)))
        elif name == "pow":
            if unit == 1:
                return x
            if unit == 0:
                return ONE
            return self._exact_power(x, c)  # noted for the cancellations; y^(-1/2) is 1/y^(1/2)
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
            if (y in self._terms or y in self._negations) and (rewritten := self._over_monomial(c, y)) is not None:
                return rewritten  # c/(c2*b^k) is (c/c2)/b^k: a like term of the quotients over b^k
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
        """``c * x``: free for c in {0, 1, -1}; a negated temporary or a quotient c2/y is rewritten."""
        if unit is not None:
            return ZERO if unit == 0 else x if unit == 1 else self.negate(x)
        if x in self._negated_temps or x in self._terms:  # c*(c2/y) is (c*c2)/y, a like term of c3/y
            if (rewritten := self._rewritten_product(c, x)) is not None:
                return rewritten
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
            self._terms[target] = (c, x, "mul")
        return target

    def op2(self, name: str, x: str, y: str) -> Ref:
        """``op(name, x, y)`` for two names: the sweeps' hot path, without constant handling."""
        if self.guards and (x in self.guards or y in self.guards) and name in _GUARDED:
            return self._guarded(name, x, y)
        return self._op2(name, x, y)

    def _op2(self, name: str, x: str, y: str) -> Ref:
        """:meth:`op2` when no operand is guarded (:attr:`guards` empty, or neither name in it)."""
        if name == "mul":
            noted = self._noted_factors
            if x in noted or y in noted:  # one test for the four tables below (most products are in none)
                negated, reciprocals = self._negated_temps, self._reciprocals
                if y in negated or y in reciprocals or x in negated or x in reciprocals:
                    rewritten = self._rewritten_product(x, y)
                    return rewritten if rewritten is not None else self._rewritten_product(y, x)
                quotients = self._quotients
                if y in quotients or x in quotients or y in self._scaled_quotients or x in self._scaled_quotients:
                    cancelled = self._cancelled(x, y)
                    if cancelled is None:
                        cancelled = self._lifted(x, y)
                    if cancelled is not None:
                        return cancelled
                    target = self._plain(("mul", y, x) if y < x else ("mul", x, y), "mul", (x, y))
                    if y in quotients or x in quotients:
                        self._scaled_quotients[target] = (x, y) if y in quotients else (y, x)
                        noted.add(target)
                    return target
            target = self._plain(("mul", y, x) if y < x else ("mul", x, y), "mul", (x, y))  # ordered(), inlined
            self._products[target] = (x, y)
            return target
        if name == "add" or name == "sub":
            if x in self._terms or y in self._terms:  # like terms: like_terms
                if (collected := self._collected(name, x, y)) is not None:
                    return collected
            if x in self._offsets or y in self._offsets:  # (c1 + a) - (c2 + 2*a)
                if (collected := self._collected_offsets(name, x, y)) is not None:
                    return collected
            if x in self._fractional or y in self._fractional:  # across sums
                if (collected := self._collected_sums(name, x, y)) is not None:
                    return collected
            if x == y:  # y + y is 2*y, a term (like_terms), as the sum of a term and y is; y - y is 0
                return self._scaled(x, TWO, None) if name == "add" else ZERO
            negations = self._negations
            inner = negations.get(y)
            if inner is not None:
                return self.op("sub" if name == "add" else "add", x, inner)
            if name == "add":
                inner = negations.get(x)
                if inner is not None:
                    return self.op("sub", y, inner)
                target = self._plain(("add", y, x) if y < x else ("add", x, y), "add", (x, y))  # ordered(), inlined
            else:
                target = self._plain(("sub", x, y), "sub", (x, y))
            self._sums[target] = (name, x, y)
            return self._note_sum(target, x, y) if self._quotients else target
        if name == "div":
            return self._quotient(x, y)
        return self._plain(ordered(name, x, y), name, (x, y))  # two names: never a negation or 1/y

    #: :meth:`op2` for a caller that has seen :attr:`guards` empty (the sweeps test it once per product)
    plain_op2 = _op2

    def replay(self, recipe: tuple[tuple, Ref], names: dict[str, Ref]) -> Ref:
        """Make a recipe's calls (:func:`~symgraph.ir.recipes.record`) with its placeholders bound by ``names``;
        its result.

        The caller checks that the emitter has no guards yet (``not emitter.guards``).
        """
        calls, result = recipe
        op, bound = self.op, names.get
        for token, name, args, direct in calls:
            if direct is not None and len(args) == 2:  # only placeholders (always names) and constants: the case
                x, y = args  # known in advance
                names[token] = direct(self, name, bound(x) if x.__class__ is str else x, bound(y) if y.__class__ is str else y)
            elif direct is not None:
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
