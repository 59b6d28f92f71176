"""Bounded simplification: cheap canonical steps that cannot stall on big results.

``"fast"`` (the default, also ``True``) keeps sympy's automatic canonical form
(like terms collected, constants folded) and adds, under size gates counted on
the program before anything is built:

* ``factor_terms`` (pulls common factors out of sums; linear-ish, about 1-10 ms
  at the gate) for results of at most :data:`FAST_LIMIT` tree operations;
* ``cancel`` only for rational functions that have a denominator, whose integer
  powers are at most :data:`CANCEL_MAX_POWER`, and of at most
  :data:`CANCEL_LIMIT` operations.  ``cancel`` expands numerators and
  denominators into polynomials, so its cost grows with degree: it took 17 s
  on one partial of a Lennard-Jones term (``(sig/r)^12`` with ``r`` a square
  root), and on a polynomial it can only expand (20 ms per Rosenbrock partial,
  never shorter).

The shortest candidate is kept (ties keep the earlier one).  Every step is
gated by size and kind, so big graphs pay nothing and no default step is
unbounded.  ``"none"`` / ``False`` returns the raw closed form.

``"full"`` runs ``sympy.simplify``, which has no bound of its own, under two
bounds, so that a result still prints in about a second:

* results of more than :data:`FULL_LIMIT` tree operations (counted on the
  program, or by ``sympy.count_ops``) get the ``"fast"`` steps instead;
* hyperbolic functions (``tanh``, ``sinh``, ``cosh``, ...) are held as atoms
  while it runs: sympy's ``trigsimp`` rewrites them as trigonometric
  functions of ``I*x`` and factors over the Gaussian rationals, which took
  0.6 s on ``1 - tanh(b + w*x)**2`` (5 operations), 5.5 s on a partial of
  ``tanh(w*x+b)*sigmoid(w*x)`` (20) and 64 s on one of a two-unit tanh layer's
  squared error (43), to find a form no shorter (28 operations either way).
  With them as atoms the same partials take 0.06-0.4 s;
* an argument of a trigonometric function that holds trigonometric
  functions itself (``cos(tan(u))`` in ``sin(cos(tan(u)))``) is held as an
  atom too: ``futrig`` otherwise rewrites every nesting level with every
  rule, 86% of 3.0 s on the 31-operation z-partial of
  ``sin(cos(tan(x*y+z)))*cos(sin(z))`` (1.2 s and 0.8 s on the other two);
  held, 0.3, 0.09 and 0.09 s, to the same operation counts.  It is held
  wherever it occurs: ``tan(u)`` beside ``sin(tan(u))`` is the same atom
  (holding it only inside the outer function gave 1.1 s, not 0.3 s).  The
  outer level's identities are still found (``sin(c)^2 + cos(c)^2`` is 1);
  one that needs a held argument's own trigonometry is not (the
  ``cos(cos(u))^2`` beside ``sin(cos(cos(u)))`` is an atom squared);
* an integer power of a sum past :data:`CANCEL_MAX_POWER` is held too: its
  ``cancel`` and ``together`` expand it, 4.4 s on ``8*(a+b+c+d+e+f)**7`` (7
  operations) for no shorter form, so 17 s for the gradient of
  ``(a+b+c+d+e+f)^8``; held, 0.04 s;
* a ``Piecewise`` (``where``, ``max``'s ties, ...) is simplified branch by
  branch, the innermost first, and held as an atom by what encloses it:
  sympy folds nested and summed Piecewise forms into one whose conditions
  multiply, 71 s on a partial of ``where(x > y, x^y, y^x)*max(x, y, z)`` (40
  operations) to a form 17 times as long; branch by branch, 0.4 s for the
  gradient.  Its conditions are kept as built.

Both levels first join a sum of selects whose conditions exclude one another into one select
(:func:`joined_selects`): the gradient of the Huber loss ``where(abs(r) < d, r^2/2, d*(abs(r) - d/2))``
read ``Piecewise((r, d > Abs(r)), (0, True)) + Piecewise((d*sign(r), d <= Abs(r)), (0, True))``, one select
per branch of the adjoint's sum, and now reads ``Piecewise((r, d > Abs(r)), (d*sign(r), True))``, as the
text is written.  It compares conditions as sets of comparisons, so it is linear in the sum's pieces times
the groups they join.
"""
from __future__ import annotations
from typing import Collection

import sympy
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import InverseTrigonometricFunction, TrigonometricFunction

from ..errors import ArgumentError, shown
from ..forms import piecewise

#: results larger than this (expanded tree operations) are returned as built
FAST_LIMIT = 150

#: the entries of one matrix or array, or those printed together (expanded tree operations): above this,
#: none of them is simplified.  sympy's steps cost 0.3-0.35 ms per operation on such entries: the 780 entries
#: of the Hessian of prod(1 + x[i]) at n = 40 (58,500 operations, 75 each) took 20 s simplified, 1.3 s as
#: built, and the 100 entries `symgraph hessian --sparse` prints of it at n = 20 (3,500 operations) 1.2 s;
#: 2,000 keep them within about 0.7 s, so that a result prints in about a second
BATCH_LIMIT = 2_000

#: simplify="full" runs sympy.simplify on results of at most this many tree operations (about 1 s at the
#: limit on trigonometric results; more gets the "fast" steps)
FULL_LIMIT = 40

#: cancel() runs only on rational functions at most this large ...
CANCEL_LIMIT = 60
#: ... whose integer powers are at most this (cancel expands them)
CANCEL_MAX_POWER = 4

SIMPLIFY_LEVELS = ("fast", "full", "none")

_TRIGONOMETRIC = (TrigonometricFunction, InverseTrigonometricFunction)


def normalise(how) -> str:
    """Map the user-facing ``simplify=`` values (True/False/str) to one of SIMPLIFY_LEVELS."""
    if how is True or how is None:
        return "fast"
    if how is False:
        return "none"
    if isinstance(how, str) and how in SIMPLIFY_LEVELS:  # `in` compares an array elementwise
        return how
    raise ArgumentError(f"simplify must be True, False or one of {SIMPLIFY_LEVELS}, got {shown(how)}")


def batch_level(how, total: int) -> str:
    """The level for entries built together (a matrix, an array), ``total`` operations in all: ``how``, or
    ``"none"`` above :data:`BATCH_LIMIT` (all of them alike, so the entries look alike)."""
    how = normalise(how)
    return how if total <= BATCH_LIMIT else "none"


def _cancel_pays(expr: sympy.Expr, size: int) -> bool:
    """True when ``cancel`` is cheap and may help: a small rational function with a denominator."""
    if size > CANCEL_LIMIT:
        return False
    denominator = False
    for node in sympy.preorder_traversal(expr):
        if node.is_Function or node.is_Float:
            return False
        if node.is_Pow:
            exponent = node.exp
            if not exponent.is_Integer or abs(exponent) > CANCEL_MAX_POWER:
                return False
            denominator = denominator or exponent < 0
    return denominator


def _full(expr: sympy.Expr) -> sympy.Expr:
    """``sympy.simplify`` of ``expr`` below its ``Piecewise`` forms and of each of their branches, the innermost
    first, each form held as an atom by the levels above it (see the module's docstring)."""
    pieces: dict = {}  # a Piecewise -> the Dummy standing for it above it
    back: dict = {}  # that Dummy -> the Piecewise with its branches simplified
    for piece in sorted(expr.atoms(sympy.Piecewise), key=sympy.count_ops):  # an inner one is smaller: first
        dummy = pieces[piece] = sympy.Dummy()
        back[dummy] = piecewise((_held_simplify(branch.xreplace(pieces)).xreplace(back), condition)
                                for branch, condition in piece.args)
    return _held_simplify(expr.xreplace(pieces)).xreplace(back)


def _held_simplify(expr: sympy.Expr) -> sympy.Expr:
    """``sympy.simplify`` with the hyperbolic functions, the trigonometric arguments that hold trigonometric
    functions and the integer powers of sums past :data:`CANCEL_MAX_POWER` held as atoms; ``expr`` itself where
    that is longer (``sympy.simplify`` keeps a form up to 1.7 times as long: ``d*sign(r)`` became
    ``Piecewise((0, Eq(r, 0)), (d*r/Abs(r), True))``)."""
    simpler = _simplified(expr)
    return simpler if sympy.count_ops(simpler) <= sympy.count_ops(expr) else expr


def _simplified(expr: sympy.Expr) -> sympy.Expr:
    held = {f: sympy.Dummy() for f in expr.atoms(HyperbolicFunction)}
    expr = expr.xreplace(held)
    nested = {f.args[0]: sympy.Dummy() for f in expr.atoms(*_TRIGONOMETRIC) if f.args[0].has(*_TRIGONOMETRIC)}
    expr = expr.xreplace(nested)  # wherever it occurs (tan(u) beside sin(tan(u))), the outermost first
    powers = {p: sympy.Dummy() for p in expr.atoms(sympy.Pow) if p.base.is_Add and p.exp.is_Integer
              and abs(p.exp) > CANCEL_MAX_POWER}
    expr = expr.xreplace(powers)
    if not held and not nested and not powers:
        return sympy.simplify(expr)
    back = {d: f for f, d in held.items()}
    back.update((d, argument.xreplace(back)) for argument, d in nested.items())
    back.update((d, power.xreplace(back)) for power, d in powers.items())
    return sympy.simplify(expr).xreplace(back)


def simplify(expr: sympy.Expr, how="fast", size: int | None = None, prefer: Collection = ()) -> sympy.Expr:
    """Simplify ``expr`` per ``how``; ``size`` is its expanded size, counted on the program; ``prefer``: the
    conditions a joined select puts first (:func:`joined_selects`).

    Without ``size``, ``sympy.count_ops`` counts it (it walks the tree).
    "full" runs ``sympy.simplify`` up to :data:`FULL_LIMIT` operations, with
    hyperbolic functions held as atoms, and the "fast" steps above it.
    """
    how = normalise(how)
    if how == "none" or expr.is_Atom:
        return expr
    if size is None:
        size = sympy.count_ops(expr)
    if size <= FAST_LIMIT:
        expr = joined_selects(expr, prefer)
    if how == "full" and size <= FULL_LIMIT:
        return _full(expr)
    if size > FAST_LIMIT:
        return expr
    steps = [sympy.factor_terms]
    if _cancel_pays(expr, size):
        steps.append(sympy.cancel)
    best, best_cost = expr, sympy.count_ops(expr)
    for step in steps:
        try:
            candidate = step(expr)
        except (sympy.PolynomialError, TypeError, ValueError, AssertionError):  # (the last: sympy refolding a select
            continue  # kept as written, see symgraph.constants.build_sympy)
        cost = sympy.count_ops(candidate)
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best


def joined_selects(expr: sympy.Expr, prefer: Collection = ()) -> sympy.Expr:
    """``expr`` with each sum of selects that are 0 outside their pieces, and whose pieces exclude one another,
    written as one select: ``where(c, a, 0) + where(not c, b, 0)`` reads ``where(c, a, b)``.

    Two pieces exclude one another when one holds a comparison whose negation the other holds (a piece of a
    select holds its own comparisons and the negations of the comparisons before it).  Pieces that exclude
    one another add to the one piece that holds, so the select of all of them, in any order, is the sum; each
    piece then drops the negations of the single comparisons before it, which hold wherever it is reached.
    Of pieces of as many comparisons, one holding a condition in ``prefer`` comes first: the gradient of
    ``where(x > 0, x^3, x^2)*y`` read ``Piecewise((2*x*y, x <= 0), (3*x**2*y, True))``, the text's condition
    negated, where the graph's own conditions (:meth:`Program.graph_conditions`) keep it as written.
    """
    if not expr.has(sympy.Piecewise):
        return expr
    try:
        return expr.replace(lambda e: e.is_Add, lambda total: _joined_sum(total, prefer))
    except (RecursionError, TypeError, AttributeError):  # a comparison whose canonical form sympy cannot settle
        return expr


def _joined_sum(total: sympy.Add, prefer: Collection = ()) -> sympy.Expr:
    total = _same_conditions_added(total)
    if not total.is_Add:
        return total
    groups: list[tuple[list, list]] = []  # (the terms joined, their pieces)
    rest = []
    for term in total.args:
        pieces = _select_pieces(term)
        if pieces is None:
            rest.append(term)
            continue
        for terms, joined in groups:
            if all(_exclusive(a, b) for _, a in joined for _, b in pieces):
                terms.append(term)
                joined.extend(pieces)
                break
        else:
            groups.append(([term], list(pieces)))
    if all(len(terms) == 1 for terms, _ in groups):
        return total
    return sympy.Add(*rest, *(terms[0] if len(terms) == 1 else _select(joined, prefer) for terms, joined in groups))


def _same_conditions_added(total: sympy.Add) -> sympy.Expr:
    """``total`` with the selects (times numbers) of the same conditions in the same order added piece by piece:
    the Huber loss's d-d second derivative read ``Piecewise((0, d > Abs(r)), (-1/2, True)) - Piecewise((0, d >
    Abs(r)), (1/2, True))``."""
    by_conditions: dict = {}
    for term in total.args:
        factor, select = _factored(term)
        key = tuple(pair.cond for pair in select.args) if isinstance(select, sympy.Piecewise) else term
        by_conditions.setdefault(key, []).append((factor, select))
    if len(by_conditions) == len(total.args):
        return total
    return sympy.Add(*(factor * select if len(terms) == 1 else
                       piecewise((sympy.Add(*(f * t.args[i].expr for f, t in terms)), condition)
                                 for i, condition in enumerate(key))
                       for key, terms in by_conditions.items() for factor, select in terms[:1]))


def _factored(term: sympy.Expr) -> tuple:
    """``(number, the rest)`` of a term that is a number times one factor; else ``(1, term)``."""
    if term.is_Mul and len(term.args) == 2 and term.args[0].is_Number:
        return term.args
    return sympy.S.One, term


def _select_pieces(term: sympy.Expr) -> list | None:
    """``[(value, comparisons that hold there), ...]`` of a term that is a select (times a number) which is 0
    where none of its pieces holds; None for another term or a condition not made of comparisons."""
    factor, select = _factored(term)
    if not isinstance(select, sympy.Piecewise) or select.args[-1].cond != True or select.args[-1].expr != 0:  # noqa: E712
        return None
    pieces, before = [], []  # before: the negations of the pieces before, None when one is no comparison
    for value, condition in select.args[:-1]:
        if value != 0:
            holds = _comparisons(condition, sympy.And)
            if holds is None or before is None:
                return None
            pieces.append((factor * value, tuple(dict.fromkeys((*holds, *before)))))
        negated = _comparisons(condition, sympy.Or)  # not (a or b) is (not a) and (not b)
        before = None if negated is None or before is None else [*before, *map(_negated, negated)]
    return pieces


def _comparisons(condition, join) -> tuple | None:
    """The comparisons ``condition`` joins with ``join`` (itself alone when it is one), canonical; else None."""
    terms = condition.args if isinstance(condition, join) else (condition,)
    if not all(isinstance(k, sympy.Basic) and k.is_Relational for k in terms):
        return None
    return tuple(k.canonical for k in terms)


def _negated(comparison):
    return comparison.negated.canonical


def _exclusive(a: tuple, b: tuple) -> bool:
    return any(_negated(k) in b for k in a)


def _select(pieces: list, prefer: Collection = ()) -> sympy.Expr:
    """The select of pieces that exclude one another, those of fewer comparisons first (their order is free), each
    piece without the negations of the single comparisons of the pieces before it (they hold wherever it is
    reached)."""
    pairs, reached = [], set()
    for value, holds in sorted(pieces, key=lambda piece: (len(piece[1]), not any(k in prefer for k in piece[1]))):
        kept = [k for k in holds if k not in reached]
        pairs.append((value, sympy.And(*kept)))
        if not kept:
            return piecewise(pairs)  # it holds wherever it is reached: the pieces after it are never reached
        if len(kept) == 1:
            reached.add(_negated(kept[0]))
    return piecewise((*pairs, (sympy.S.Zero, True)))
