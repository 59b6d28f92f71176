"""Chains of constant sums and products, joined into one sympy Add or Mul: what :func:`constants.constant_op`
gives link by link, in linear time.

Why: ``sum(sin(i), i, 0, n)`` is a chain of n additions of constants.  Built
link by link, :func:`~symgraph.constants.constant_op` takes each partial sum's
float64 (sympy's evalf of a growing Add, every term again) and sympy re-sorts
the growing sum: quadratic, 13-18 s for the closed form at n = 1,000.  A link
whose numbers say nothing special -- every operand finite, none a Float, not
both rational (those fold exactly), the value well inside float64's range, and
for a product no factor a sum (sympy multiplies a number into a sum of two
terms, so such a product's links are not the whole's) -- is exactly sympy's
sum or product of its operands in constant_op, and sympy flattens those
(``(a + b) + c`` is ``Add(a, b, c)``).  So its terms are kept in a list and
joined once.  A special link is built as before, by constant_op on its
operands (each joined first), so ``1/0``, overflow and Floats keep their
meaning.  A join that sympy collapses to a rational past MAX_CONSTANT_BITS
takes its float64 value, as constant_op's result would.

A product of sums and functions' values alone (:func:`_plain` factors) never
has a number to multiply into a sum, so it joins too: ``prod(1 + sin(i), i, 1,
200)`` was 200 special links, each taking the float64 of the whole product so
far, 4.1-4.6 s; joined, 0.04-0.06 s (n = 2,000: 1.1 s).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import sympy

from .. import constants

#: a sum whose float64 magnitude passes this is built by constant_op (near overflow, where it may say inf; the
#: running sum is off by n rounding errors at most, far below the 5% margin to float64's largest, 1.8e308)
_HUGE = 1.7e308
#: ... and a product whose binary exponent passes this (its magnitude 2^1023 or more: overflow is at 2^1024)
_HUGE_SCALE = 1023


class Chain:
    """A sum or product of constants not built yet: its terms, in order, and its float64 value (as the numbers
    add or multiply them, link by link)."""

    __slots__ = ("terms", "number", "scale", "plain", "sums")

    def __init__(self, terms: list, number: float, scale: int = 0, plain: bool = False, sums: bool = True) -> None:
        self.terms, self.number, self.scale = terms, number, scale  # a product's value is number * 2**scale
        self.plain, self.sums = plain, sums  # every term plain (:func:`_plain`); some term holds a sum (:func:`_sums`)

    @classmethod
    def of(cls, value: sympy.Expr) -> "Chain":
        """A one-term chain holding a built constant."""
        return cls([value], float(constants.constant_value(value)), 0, _plain(value), _sums(value))

    def value(self, op: str) -> sympy.Expr:
        """The chain joined: one sympy Add (``op`` "add") or Mul of its terms, as a closed form holds a constant."""
        if len(self.terms) == 1:
            return self.terms[0]
        return constants.closed_constant((sympy.Add if op == "add" else sympy.Mul)(*self.terms))


def _special(op: str, left: Chain, right: Chain, number: float, scale: int) -> bool:
    """True when constant_op on two operands may say more than sympy's sum or product of their terms."""
    if not (math.isfinite(left.number) and math.isfinite(right.number)) or _one(left, sympy.Float) or _one(
            right, sympy.Float) or _one(left, sympy.Rational) and _one(right, sympy.Rational):
        return True
    if op == "add":
        return not math.isfinite(number) or abs(number) > _HUGE
    # a sum among plain factors stays a factor (no coefficient to multiply into it); else a link holding a sum is
    # special, so a product link by link that comes to a number and one sum (2*(1 + sin(1))*sin(3)/sin(3)) is
    # what the join holds
    return scale > _HUGE_SCALE or not (left.plain and right.plain) and (left.sums or right.sums)


def _plain(term: sympy.Expr) -> bool:
    """True for a factor whose products with others like it never have a number coefficient: a sum, pi, or a
    function's value (not exp's, which sympy combines as powers: exp(2)*exp(-2) is 1), not a number, power or
    product.  sympy multiplies a coefficient into a product of it and one sum, link by link, so a chain of such
    factors alone may hold sums and be joined."""
    return isinstance(term, (sympy.Add, sympy.NumberSymbol)) or isinstance(term, sympy.Function) and not isinstance(
        term, (sympy.exp, sympy.Piecewise))


def _sums(term: sympy.Expr) -> bool:
    """True for a sum, a power of one, or a product with such a factor: what may meet a number coefficient."""
    factors = term.args if isinstance(term, sympy.Mul) else (term,)
    return any(isinstance(f, sympy.Add) or isinstance(f, sympy.Pow) and isinstance(f.base, sympy.Add) for f in factors)


def _one(chain: Chain, kind: type) -> bool:
    """True for a chain of one term of class ``kind`` (a longer chain is no number: its links were not rational)."""
    return len(chain.terms) == 1 and isinstance(chain.terms[0], kind)


def link(op: str, operands: Sequence[Any]) -> Chain:
    """The chain of op ``op`` ("add" or "mul") on constant ``operands``: pending chains or built constants.

    Joins their terms when the link is not special (:func:`_special`), else
    builds it with constant_op, each operand joined first.  Pending chains
    passed in are consumed: the longer term list takes the shorter's terms
    (sympy orders a sum's terms itself), so any shape of chain costs linear time.
    """
    chains = [o if isinstance(o, Chain) else Chain.of(o) for o in operands]
    result = chains[0]
    for chain in chains[1:]:
        scale = 0
        if op == "add":
            number = result.number + chain.number
        else:  # a running product as mantissa and exponent: no underflow to 0 before a huge factor
            (m, e), (n, f) = math.frexp(result.number), math.frexp(chain.number)
            number, scale = math.frexp(m * n)
            scale += e + f + result.scale + chain.scale
        if _special(op, result, chain, number, scale):
            result = Chain.of(constants.constant_op(op, (result.value(op), chain.value(op))))
            continue
        if len(result.terms) < len(chain.terms):
            result, chain = chain, result
        result.terms.extend(chain.terms)
        result.number, result.scale = number, scale
        result.plain, result.sums = result.plain and chain.plain, result.sums or chain.sums
    return result
