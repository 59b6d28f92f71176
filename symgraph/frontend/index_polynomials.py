"""Polynomials in a reduction's index with exact (Fraction) coefficients, and their sums in closed form.

Apart from :mod:`symgraph.frontend.constant_reductions`, which decides when a term is one and what its
folds allow: this only computes.
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy


class Poly:
    """A polynomial in the index with Fraction coefficients (lowest degree first)."""

    __slots__ = ("c",)

    def __init__(self, c: list):
        while len(c) > 1 and c[-1] == 0:
            c.pop()
        self.c = c

    @classmethod
    def of(cls, number: sympy.Rational) -> "Poly":
        return cls([Fraction(int(number.p), int(number.q))])

    def __add__(self, other):
        a, b = self.c, other.c
        if len(a) < len(b):
            a, b = b, a
        return Poly([x + (b[k] if k < len(b) else 0) for k, x in enumerate(a)])

    def __neg__(self):
        return Poly([-x for x in self.c])

    def __mul__(self, other):
        out = [Fraction(0)] * (len(self.c) + len(other.c) - 1)
        for j, x in enumerate(self.c):
            if x:
                for k, y in enumerate(other.c):
                    out[j + k] += x * y
        return Poly(out)

    def at(self, k: int) -> Fraction:
        value = Fraction(0)
        for x in reversed(self.c):
            value = value * k + x
        return value

    def integers(self) -> tuple[list[int], int]:
        """The coefficients times their common denominator D, and D: the polynomial is ``N(k)/D``."""
        d = math.lcm(*(x.denominator for x in self.c))
        return [int(x * d) for x in self.c], d

    def bits(self, m: int, count: int = 1) -> int:
        """At most the bits of numerator or denominator of ``count`` times its value at any |index| <= ``m``."""
        n, d = self.integers()
        return max((count * sum(abs(x) * m ** j for j, x in enumerate(n))).bit_length(), d.bit_length())


def polynomial_sum(poly: Poly, lo: int, count: int) -> Fraction:
    """The exact sum of ``poly`` over lo, ..., lo + count - 1: its partial sums are a polynomial of one degree
    more, so their first ``degree + 2`` values and Newton's forward differences give the last."""
    points = min(count, len(poly.c) + 1)
    partial, total = [], Fraction(0)
    for k in range(points):
        total += poly.at(lo + k)
        partial.append(total)
    if count == points:
        return total
    last, result, binomial = count - 1, Fraction(0), 1
    for j in range(points):  # result = sum_j C(last, j) * (j-th forward difference at the first point)
        result += binomial * partial[0]
        partial = [b - a for a, b in zip(partial, partial[1:])]
        binomial = binomial * (last - j) // (j + 1)
    return result
