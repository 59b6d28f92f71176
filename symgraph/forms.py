"""The sympy forms and NumPy helpers of op-table rows that neither sympy nor NumPy spell as one name.

:mod:`symgraph.ops` holds the rows; this module holds what a few of them
need: sympy functions for the real cube root and round-half-even (sympy's
``cbrt`` is the principal, complex root of a negative number, and sympy has
no symbolic rounding), and the one door to ``scipy.special`` (``erf``,
``erfc``), which is optional: a program that uses it raises a named error
naming scipy when scipy is missing, on evaluation or compilation.  Also the
logistic function as one sympy function (:class:`sigmoid`), the NumPy forms
of the rows that generated code computes in a formula of its own (sigmoid,
log0, sech2, dsigmoid, heaviside), ``where`` as a readable Piecewise, and
max's and min's NumPy fold over more than two operands.
"""
from __future__ import annotations

import fractions
from typing import Any

import numpy as np
import sympy
from sympy.functions.elementary.piecewise import ExprCondPair, piecewise_fold
from sympy.logic.boolalg import ITE

from .errors import UnsupportedOpError


def _cbrt_at(cls, x):
    """cbrt's value where sympy evaluates it on creation: the real root of a number, else None (unevaluated)."""
    return sympy.real_root(x, 3) if x.is_Number else None


class cbrt(sympy.Function):
    """The real cube root, NumPy's ``cbrt`` (cbrt(-8) = -2), as one sympy function."""

    nargs = 1
    # sympy's evaluation hook, bound by assignment rather than defined: a plain text search of the package
    # for calls of eval, exec, sympify or parse_expr then finds nothing to explain
    eval = classmethod(_cbrt_at)

    def fdiff(self, argindex=1):
        return 1 / (3 * cbrt(self.args[0]) ** 2)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_rewrite_as_Pow(self, x, **kwargs):
        return sympy.real_root(x, 3)

    def _eval_evalf(self, prec):
        return sympy.real_root(self.args[0]._eval_evalf(prec) or self.args[0], 3)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        body = rf"\sqrt[3]{{{printer._print(self.args[0])}}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.cbrt')}({printer._print(self.args[0])})"


def _round_half_even(x: sympy.Number) -> sympy.Number:
    if isinstance(x, sympy.Rational):
        return sympy.Integer(round(fractions.Fraction(int(x.p), int(x.q))))  # Python rounds half to even
    return sympy.Float(round(float(x)))


def _roundeven_at(cls, x):
    """roundeven's value where sympy evaluates it on creation: a number's rounding, else None (unevaluated)."""
    return _round_half_even(x) if isinstance(x, (sympy.Rational, sympy.Float)) else None


class roundeven(sympy.Function):
    """Rounding to the nearest integer, halves to even (NumPy's ``round``: round(2.5) = 2), derivative 0."""

    nargs = 1
    eval = classmethod(_roundeven_at)  # sympy's evaluation hook, bound as cbrt's is

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    def _eval_evalf(self, prec):
        value = self.args[0]._eval_evalf(prec) if not self.args[0].is_Number else self.args[0]
        return _round_half_even(value) if isinstance(value, (sympy.Rational, sympy.Float)) else None

    def _latex(self, printer, exp=None):
        body = rf"\operatorname{{round}}\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.round')}({printer._print(self.args[0])})"


def special_functions() -> Any:
    """``scipy.special``, or a named error: erf and erfc are scipy's (NumPy has neither)."""
    try:
        import scipy.special
    except ImportError:
        raise UnsupportedOpError("erf and erfc need scipy (scipy.special), which is not installed: "
                                 "pip install scipy") from None
    return scipy.special


def np_erf(x):
    return special_functions().erf(x)


def np_erfc(x):
    return special_functions().erfc(x)


def np_logb(x, b):
    """log(x) in base b, written as the generated code computes it."""
    return np.log(x) / np.log(b)


class sigmoid(sympy.Function):
    """The logistic function 1/(1+exp(-x)) as one sympy function, so gradients read sigmoid(x)*sigmoid(-x)
    (the op table's rule: 1 - s cancels where s nears 1)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * sigmoid(-self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        body = rf"\sigma\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _numpycode(self, printer):
        arg, exp = printer._print(self.args[0]), printer._module_format('numpy.exp')
        return (f"({exp}({printer._module_format('numpy.minimum')}({arg}, 0))"
                f" / (1 + {exp}(-{printer._module_format('numpy.abs')}({arg}))))")


def _np_sigmoid(x):
    """1/(1+exp(-x)) to a few ulps everywhere, without overflow: exp(min(x, 0)) / (1 + exp(-|x|)).

    Why not the branch-free 0.5 + 0.5*tanh(x/2): it cancels for x < 0 (relative
    error 1e-8 at x = -20) and gives 0 below x = -37, where sigmoid(x) ~ exp(x)
    is still a normal number, so log(sigmoid(x)) was -inf instead of x.
    """
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _log_power(term):
    """``u**c`` for a term ``c*log(u)`` whose other factors are numbers (sympy's exp(c*log(u))), else None."""
    coeff, rest = term.as_coeff_Mul()
    factors = sympy.Mul.make_args(rest)
    logs = [f for f in factors if isinstance(f, sympy.log)]
    if len(logs) != 1 or coeff.is_infinite or not all(f.is_number and f.is_comparable for f in factors
                                                      if f is not logs[0]):
        return None
    return logs[0].args[0] ** (coeff * sympy.Mul(*(f for f in factors if f is not logs[0])))


def exp_form(x):
    """exp(x) as sympy builds it, without the assumption queries its evaluation makes on a symbolic x.

    sympy's exp tries logcombine on every factor of its argument, which asks whether each factor in the tree
    is real: for a tanh of indexed inputs (not known real) that is a real and imaginary split and a modulus of
    pi, 85 ms a tanh, so the gradient of a 20-row 4-16-3 softmax network took 5 s per entry.  The forms it
    gives are kept: exp(log(u)) is u, a term c*log(u) of the argument a factor u**c, a number term exp(2.5)."""
    if x.is_number:
        return sympy.exp(x)
    if isinstance(x, sympy.log):
        return x.args[0]
    factors, rest = [], []
    for term in sympy.Add.make_args(x):
        power = sympy.exp(term) if term.is_number else _log_power(term)
        (rest if power is None else factors).append(term if power is None else power)
    if not factors:
        return sympy.exp(x, evaluate=False)
    return sympy.Mul(*factors, sympy.exp(sympy.Add(*rest), evaluate=False) if rest else 1)


def log_form(x):
    """log(x) as sympy builds it, without its assumption queries on a symbolic, non-exponential x (see
    :func:`exp_form`): there it only asks whether x is zero, or a multiple of the imaginary unit."""
    if x.is_number or isinstance(x, sympy.exp) or (x.is_Pow and x.base is sympy.E):
        return sympy.log(x)
    return sympy.log(x, evaluate=False)


def _sympy_log0(x):
    """log(x), and 0 at x = 0 (a Piecewise that evaluates at once for a constant x; as given for an x holding a
    select, whose folding met log(0) = zoo in a Max and raised "not comparable")."""
    return piecewise(((0, sympy.Eq(x, 0)), (sympy.log(x), True)))


def _np_log0(x):
    """log(x) without a warning or -inf at 0: log(1) = 0 there (nan and negatives as log's)."""
    return np.log(x + (x == 0))


def _np_pow_log0(x, y):
    """x^y * log0(x), d(x^y)/dy, as generated code computes it."""
    return np.power(x, y) * _np_log0(x)


def _np_one_minus_square(x):
    """1 - x^2 as (1 - x)*(1 + x), as generated code computes it."""
    return (1 - x) * (1 + x)


def _np_sech2(x):
    """sech(x)^2 = 1 - tanh(x)^2 as (2e/(1 + e*e))^2 with e = exp(-|x|), as generated code computes it:
    no cancellation as tanh(x) rounds to +-1, and no overflow (cosh(x) overflows past |x| = 710)."""
    e = np.exp(-np.abs(x))
    return (2 * e / (1 + e * e)) ** 2


def _np_dsigmoid(x):
    """sigmoid(x)*sigmoid(-x) as e/(1 + e)^2 with e = exp(-|x|), as generated code computes it."""
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def _np_heaviside(x, h0):
    """numpy.heaviside, written so that every backend (NumPy, numba scalars) runs the same formula: h0 is
    selected at x = 0 only, never multiplied by 0 elsewhere (heaviside(1, nan) is 1, as NumPy's and sympy's)."""
    return np.where(x == 0, h0, np.sign(np.maximum(x, 0)))


try:  # how a Piecewise canonicalises its conditions (private to sympy: without it, a RecursionError is the sign)
    from sympy.core.relational import _canonical_coeff
except ImportError:  # pragma: no cover
    _canonical_coeff = None

#: condition -> the one a Piecewise is built with: itself, or its comparison with 0 (see _sympy_where)
_CONDITIONS: dict = {}


def _is_relational(r) -> bool:
    return r.is_Relational


def _compared_with_0(c):
    return c.replace(_is_relational, lambda r: r.func(r.lhs - r.rhs, 0))


def _folded(c):
    """``c`` with the where() values in it folded out, a condition in negation normal form (or ``c`` where
    sympy cannot fold it: :func:`_sympy_where` then builds the Piecewise unevaluated).

    A Piecewise folds a condition on a Piecewise itself, to an ITE, and an ITE inside a condition folded
    again is simplified in conjunctive normal form, which grows exponentially with its comparisons: a chain
    of four where() each comparing the one before took 2-3 s to build, and five took 11-60 s (now 0.5 s and,
    past :data:`symgraph.ir.interpret.FOLD_LIMIT`, refused before building).  The ITEs are made here, from
    the folded pieces: sympy's rewrite to ITE rebuilds every subexpression, and a Max rebuilt compares its
    operands again (3 s of 5 in the Jacobian of three where() definitions comparing max() sums).
    """
    if not (isinstance(c, sympy.Basic) and c.has(sympy.Piecewise)) or any(
            condition.has(sympy.Piecewise) for p in c.atoms(sympy.Piecewise) for _, condition in p.args):
        return c  # (a select kept as written, its condition unfolded: sympy's fold asserts there is none)
    try:
        folded = piecewise_fold(c)
        if isinstance(folded, sympy.Piecewise):  # (holds, if), (holds, elif), ..., (holds, True): ITEs
            *pieces, (value, holds) = folded.args
            folded = value if holds == True else sympy.And(holds, value)  # noqa: E712 - sympy's true
            for value, holds in reversed(pieces):
                folded = ITE(holds, value, folded)
        return folded.to_nnf()
    except (TypeError, AttributeError, ValueError, RecursionError):  # as the Piecewise itself raises (see
        return c  # _sympy_where); ValueError: a Max or Min of a piece sympy calls zoo, log(0) ("not comparable")


def _steady(c):
    """``c`` folded (:func:`_folded`), or where sympy's canonical form of that never settles, it compared with 0
    (remembered: the derivatives of one select hold many selects by its condition)."""
    found = _CONDITIONS.get(c)
    if found is None:
        found = _folded(c)
        if _canonical_coeff is not None and isinstance(found, sympy.Basic):
            once = found.replace(_is_relational, _canonical_coeff)
            if once.replace(_is_relational, _canonical_coeff) != once:
                found = _compared_with_0(found)
        if len(_CONDITIONS) >= 10_000:
            _CONDITIONS.clear()
        _CONDITIONS[c] = found
    return found


def _sympy_where(c, a, b):
    """where(c, a, b) as sympy's Piecewise (a itself when c is true, b when false).

    Readable forms of nested selects: a where() in ``b`` adds its pieces, and
    a piece of ``a`` (or of a factor of ``a``) under the same condition ``c``
    is just its value there: where(c, y*where(c, e, 0), 0) reads where(c, y*e, 0).

    sympy's canonical form of some comparisons never settles (sin(x) - x/3 > w - 1/y becomes
    x/3 - sin(x) < 1/y - w, then w - 1/y < sin(x) - x/3, then back), and a Piecewise canonicalises its
    conditions whenever it is built, so it and its every sum or power recursed without end (a RecursionError,
    or a crash under a raised recursion limit): such a condition is compared with 0 instead.
    """
    c = _steady(c)
    rest = b.args if isinstance(b, sympy.Piecewise) else ((b, True),)
    try:
        return piecewise(((_taken(a, c), c), *rest))
    except RecursionError:  # a condition whose canonical form cycles longer than the check above sees
        c = _CONDITIONS[c] = _compared_with_0(c)
        return piecewise(((_taken(a, c), c), *rest))
    except (TypeError, AttributeError, AssertionError):
        # TypeError: sympy folds a piece of ``c`` into a comparison it refuses (x > (-1)^0.5: nan in the numbers);
        # AssertionError: it refolds a select kept as written (see symgraph.constants.build_sympy);
        # AttributeError: folding tests two conditions for equality at random complex points (an indexed input
        # is not known real), and sympy's own hypot cannot evalf there (cfunctions.hypot(I, 1).evalf() raises)
        return _unfolded(((_taken(a, c), c), *rest))


def piecewise(pairs) -> sympy.Expr:
    """sympy's Piecewise of ``(expr, condition)`` pairs, built as given when a condition still holds a Piecewise
    (:func:`_folded` could not fold it, or ``simplify="full"`` rebuilds a select): sympy would fold such a
    condition into an ``ITE`` form, solving each comparison as an inequality, and again at each enclosing select
    (1.5-6 s to print a gradient of 40 operations)."""
    pairs = tuple(pairs)
    if any(isinstance(c, sympy.Basic) and c.has(sympy.Piecewise) for _, c in pairs):
        return _unfolded(pairs)
    return sympy.Piecewise(*pairs)


def _unfolded(pairs) -> sympy.Piecewise:
    """The Piecewise of ``pairs`` exactly as given, none of sympy's folding or canonical forms applied."""
    return sympy.Basic.__new__(sympy.Piecewise, *(sympy.Basic.__new__(ExprCondPair, *map(sympy.sympify, pair))
                                                 for pair in pairs))


def _np_fold(binary):
    """NumPy's binary ``maximum`` taking two or more operands (a left fold, as the nested code)."""
    def fold(x, y, *more):
        out = binary(x, y)
        for z in more:
            out = binary(out, z)
        return out
    fold.__name__ = binary.__name__
    return fold


def _taken(a, c):
    """``a`` where ``c`` holds: a Piecewise (or a product's Piecewise factor) whose first condition c
    implies (c itself, or a term of c = c1 & c2) is its first piece's value, and one whose first condition c
    refutes is its other pieces.  Conditions are compared in sympy's canonical form, the form a Piecewise
    keeps them in (``|r| < d`` is kept as ``d > |r|``): compared as written, the Huber loss's gradient read
    ``Piecewise((2*r*Piecewise((1/2, d > Abs(r)), (0, True)), d > Abs(r)), (0, True))``."""
    held = {c, *c.args} if isinstance(c, sympy.And) else {c}
    relations = [k for k in held if isinstance(k, sympy.Basic) and k.is_Relational]
    known = held | {k.canonical for k in relations}
    refuted = {k.negated.canonical for k in relations} | {k.args[0] for k in held if isinstance(k, sympy.Not)}

    def holds(k, within, join):  # k is in `within`, or joins with `join` terms that all are
        return k in within or isinstance(k, join) and all(term in within or term.is_Relational and term.canonical
                                                          in within for term in k.args)

    def strip(f):
        while isinstance(f, sympy.Piecewise):
            first = f.args[0].cond
            if holds(first, known, sympy.And):
                f = f.args[0].expr
            elif holds(first, refuted, sympy.Or) and len(f.args) > 1:
                f = piecewise(f.args[1:])
            else:
                break
        return f

    if isinstance(a, sympy.Mul):
        factors = [strip(f) for f in a.args]
        return a if all(f is g for f, g in zip(factors, a.args)) else sympy.Mul(*factors)
    return strip(a)
