"""The VM's instruction set: op codes, fused pairs, the program array's header, and what each op computes.

A program is an int32 array (a header of :data:`_HEADER` counts, then
``(op, target, x, y, z)`` register instructions; op codes :data:`CODES`,
fused pairs from :data:`FUSED` on).  :func:`_apply` is one op on float64
scalars as the NumPy backend computes it, :func:`_pair` an op of a fused
pair.  Separate from the kernels (:mod:`.vm_kernels`) because every part of
the VM reads the op codes -- the passes (:mod:`.vm_passes`) write them, the
kernels run them, native code (:mod:`.native`) calls :func:`_apply`
compiled as a C function -- and only the kernels run programs.  The op
numbers the compiled functions test (``op == 2``) are :data:`CODES`'s.

numba checks a cached kernel against the file that defines it only: the
kernels and passes compiled with these functions and codes (cached beside
:mod:`.vm_kernels` and :mod:`.vm_passes`) do not see an edit of this file
until their own files change or the cache is cleared.
"""
from __future__ import annotations

import math

import numpy as np

from .peephole import SCALAR_POWERS


#: VM op codes: the op table's rows, plus the special forms of power NumPy itself takes for a literal exponent
CODES: dict[str, int] = {name: code for code, name in enumerate((
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy", "pow",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs",
    "sigmoid", "relu", "softplus", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "cbrt",
    "erf", "erfc", "sign", "floor", "ceil", "round", "hypot", "atan2", "max", "min", "logaddexp", "logb",
    "heaviside", "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "where", "log0", "one_minus_square",
    "sech2", "dsigmoid", "pow_log0"))}

#: power with these literal exponents is what NumPy computes for them (``numpy.power``'s fast paths)
_POWERS = SCALAR_POWERS

ADD, SUB, MUL, DIV, NEG, SQUARE, RECIPROCAL, COPY = (CODES[n] for n in (
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy"))

#: Fused pairs: an arithmetic op whose value only the next instruction reads runs inside it.  The code is
#: ``FUSED + 16 * first + 2 * second + side``: ``first`` indexes :data:`FIRST` (on x, y), ``second``
#: :data:`SECOND`, whose other operand is z, on the right (side 0) or the left (side 1).
FIRST = (ADD, SUB, MUL, DIV, SQUARE, NEG)
SECOND = (ADD, SUB, MUL, DIV, NEG)
FUSED = len(CODES)


#: header of the int32 program array: instructions, constants, inputs, results, registers
_HEADER = 5


def _pair(k, x, y):  # pragma: no cover - compiled by numba
    """Op ``FIRST[k]`` (the first five of SECOND in the same order) on float64 scalars.

    The point kernel keeps its own chain of the common ops by op code: calling
    this for them (by code, through one comparison) measured 10-30% slower at
    Rosenbrock n = 1,000.
    """
    if k == 2:
        return x * y
    elif k == 0:
        return x + y
    elif k == 1:
        return x - y
    elif k == 3:
        return x / y
    elif k == 4:
        return x * x
    return -x


def _apply(op, x, y, z):  # pragma: no cover - compiled by numba (tests run it through the kernels)
    """One op on float64 scalars, as the NumPy backend computes it (conditions are 1.0 and 0.0)."""
    if op == 0:
        return x + y
    elif op == 1:
        return x - y
    elif op == 2:
        return x * y
    elif op == 3:
        return x / y
    elif op == 4:
        return -x
    elif op == 5:
        return x * x
    elif op == 6:
        return 1.0 / x
    elif op == 7:
        return x
    elif op == 8:
        return np.power(x, y)
    elif op == 9:
        return np.sin(x)
    elif op == 10:
        return np.cos(x)
    elif op == 11:
        return np.tan(x)
    elif op == 12:
        return np.arcsin(x)
    elif op == 13:
        return np.arccos(x)
    elif op == 14:
        return np.arctan(x)
    elif op == 15:
        return np.sinh(x)
    elif op == 16:
        return np.cosh(x)
    elif op == 17:
        return np.tanh(x)
    elif op == 18:
        return np.exp(x)
    elif op == 19:
        return np.log(x)
    elif op == 20:
        return np.sqrt(x)
    elif op == 21:
        return np.abs(x)
    elif op == 22:
        e = np.exp(-abs(x))  # the op table's exp(min(x, 0)) / (1 + exp(-|x|)), one exp
        return (1.0 if x >= 0.0 else e) / (1.0 + e)
    elif op == 23:  # numpy.maximum(x, 0): nan propagates, a tie (-0.0) gives the second operand
        return x if (x > 0.0 or x != x) else 0.0
    elif op == 24:
        return np.logaddexp(0.0, x)
    elif op == 25:
        return np.arcsinh(x)
    elif op == 26:
        return np.arccosh(x)
    elif op == 27:
        return np.arctanh(x)
    elif op == 28:
        return np.log1p(x)
    elif op == 29:
        return np.expm1(x)
    elif op == 30:
        return np.log2(x)
    elif op == 31:
        return np.log10(x)
    elif op == 32:
        return np.exp2(x)
    elif op == 33:
        return np.cbrt(x)
    elif op == 34:
        return math.erf(x)
    elif op == 35:
        return math.erfc(x)
    elif op == 36:  # numpy.sign: 0.0 for both zeros (C's and numba's keep -0.0)
        return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else x))
    elif op == 37:
        return np.floor(x)
    elif op == 38:
        return np.ceil(x)
    elif op == 39:
        return np.rint(x)
    elif op == 40:
        return np.hypot(x, y)
    elif op == 41:
        return np.arctan2(x, y)
    elif op == 42:  # numpy.maximum: nan propagates, a tie (0.0 and -0.0) gives the second operand
        return x if (x > y or x != x) else y
    elif op == 43:
        return x if (x < y or x != x) else y
    elif op == 44:
        return np.logaddexp(x, y)
    elif op == 45:
        return np.log(x) / np.log(y)
    elif op == 46:
        return y if x == 0.0 else (1.0 if x > 0.0 else (0.0 if x < 0.0 else x))
    elif op == 47:
        return 1.0 if x < y else 0.0
    elif op == 48:
        return 1.0 if x <= y else 0.0
    elif op == 49:
        return 1.0 if x > y else 0.0
    elif op == 50:
        return 1.0 if x >= y else 0.0
    elif op == 51:
        return 1.0 if x == y else 0.0
    elif op == 52:
        return 1.0 if x != y else 0.0
    elif op == 53:
        return 1.0 if (x != 0.0 and y != 0.0) else 0.0
    elif op == 54:
        return 1.0 if (x != 0.0 or y != 0.0) else 0.0
    elif op == 55:
        return 1.0 if x == 0.0 else 0.0
    elif op == 56:
        return y if x != 0.0 else z
    elif op == 57:
        return np.log(x + (1.0 if x == 0.0 else 0.0))
    elif op == 58:
        return (1.0 - x) * (1.0 + x)
    elif op == 59:  # sech(x)^2, the op table's (2e/(1 + e*e))^2 with e = exp(-|x|)
        e = np.exp(-abs(x))
        s = 2.0 * e / (1.0 + e * e)
        return s * s
    elif op == 61:  # x^y * log0(x), d(x^y)/dy
        return np.power(x, y) * np.log(x + (1.0 if x == 0.0 else 0.0))
    else:  # sigmoid(x)*sigmoid(-x), the op table's e/(1 + e)^2
        e = np.exp(-abs(x))
        return e / ((1.0 + e) * (1.0 + e))
