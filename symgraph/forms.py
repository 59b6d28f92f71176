"""The sympy forms and NumPy helpers of op-table rows that neither sympy nor NumPy spell as one name.

:mod:`symgraph.ops` holds the rows; this module holds what a few of them
need: sympy functions for the real cube root and round-half-even (sympy's
``cbrt`` is the principal, complex root of a negative number, and sympy has
no symbolic rounding), and the one door to ``scipy.special`` (``erf``,
``erfc``), which is optional: a program that uses it raises a named error
naming scipy when scipy is missing, on evaluation or compilation.
"""
from __future__ import annotations

import fractions
from typing import Any

import numpy as np
import sympy

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
