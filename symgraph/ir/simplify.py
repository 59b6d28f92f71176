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
"""
from __future__ import annotations

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
    functions and the integer powers of sums past :data:`CANCEL_MAX_POWER` held as atoms."""
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


def simplify(expr: sympy.Expr, how="fast", size: int | None = None) -> sympy.Expr:
    """Simplify ``expr`` per ``how``; ``size`` is its expanded size, counted on the program.

    Without ``size``, ``sympy.count_ops`` counts it (it walks the tree).
    "full" runs ``sympy.simplify`` up to :data:`FULL_LIMIT` operations, with
    hyperbolic functions held as atoms, and the "fast" steps above it.
    """
    how = normalise(how)
    if how == "none" or expr.is_Atom:
        return expr
    if size is None:
        size = sympy.count_ops(expr)
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
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
        cost = sympy.count_ops(candidate)
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best
