"""Exact rational arithmetic in Python's integers, refused past a size bound: how constants are folded.

Apart from :mod:`symgraph.constants`, which decides what is folded and what
a closed form holds: this only computes, as :mod:`fractions` does, without
sympy's operators (sympify, its cache and a second gcd on each result).
"""
from __future__ import annotations

import math

import sympy

#: Folded constants may have at most this many bits in numerator or denominator.
MAX_CONSTANT_BITS = 1024

#: the ops :func:`exact` computes on rationals
EXACT_ARITHMETIC = frozenset({"add", "sub", "mul", "div", "neg"})
#: a reduced fraction as a sympy number (Integer when q is 1), without a second gcd; sympy < 1.13 lacks the
#: classmethod, and its Rational(p, q, 1) skips the gcd too
_coprime = getattr(sympy.Rational, "from_coprime_ints", None) or (lambda p, q: sympy.Rational(p, q, 1))


def exact(name: str, args: tuple) -> sympy.Rational | None:
    """``name`` on rationals in Python's integers, or None past MAX_CONSTANT_BITS or for a divisor 0.

    Reduced as :mod:`fractions` reduces: by gcds of the operands' parts, so a
    1,000-bit sum plus ``1/i`` takes one gcd with a small number, not one of two
    1,000-bit numbers.  Why not sympy's operators: each went through sympify,
    sympy's cache and that large gcd, 24 us for such an add (8 us for small
    rationals), and ``sum(x/i, i, 1, n)``'s gradient folds its coefficients near
    the bound once a term (see tests/test_rationals.py for the counts).
    """
    p, q = args[0].p, args[0].q
    r, s = args[-1].p, args[-1].q  # neg's one operand again
    if max(abs(p).bit_length(), q.bit_length(), abs(r).bit_length(), s.bit_length()) > MAX_CONSTANT_BITS or (
            name == "div" and not r):
        return None
    if name == "neg":
        return _coprime(-p, q)
    if name == "div":
        r, s = (s, r) if r > 0 else (-s, -r)
    if name == "mul" or name == "div":
        g, h = math.gcd(p, s), math.gcd(r, q)
        p, q = (p // g) * (r // h), (q // h) * (s // g)
    else:
        if name == "sub":
            r = -r
        g = math.gcd(q, s)
        if g == 1:
            p, q = p * s + r * q, q * s
        else:
            t = p * (s // g) + r * (q // g)
            h = math.gcd(t, g)
            p, q = t // h, (q // g) * (s // h)
    if max(abs(p).bit_length(), q.bit_length()) > MAX_CONSTANT_BITS:
        return None
    return _coprime(p, q)
