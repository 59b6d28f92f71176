"""Terms ``c*u`` of a sum, ``c`` a rational constant: collected into one coefficient per ``u`` before sympy sees them.

Why: ``sum(x*i, i, 0, 9999)`` is 10,000 products ``x*k`` joined by one sum.
Built one by one, each new Integer in a sympy Mul runs its fact deduction
(130-170 us a term), and the sum then adds them up into ``49995000*x``:
2.4-3.7 s for the closed form.  sympy's sum collects its terms by the part
that is not a rational coefficient, adding the coefficients exactly, so
adding them here first (Python's integers and fractions) and building one
product per ``u`` gives the same sum: 0.3-0.6 s, with the parse (sum(x^2*i +
y*i^2, i, 0, 3000) 3.9 -> 0.3 s, sum(x/(i+1), i, 0, 3000) 3.6 -> 0.13 s).

Only where that is exactly sympy's result: ``c`` an Integer or Rational
(not 0, whose product may be nan; not a Float, whose sums depend on the
order), ``u`` a value sympy keeps as the whole non-coefficient part of
``c*u``: a Symbol, a function's value (not a Piecewise, whose nan branch a
product lifts out), a power of a non-number, or a product of those -- never
a sum, which sympy multiplies ``c`` into, nor a number.  A row of ``x/c``
is ``x*(1/c)``.  The row's one use must be a sum, and it must not be a
result wanted on its own (:func:`~symgraph.ir.interpret.forms`).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Container, Mapping

import sympy

from .. import constants


def candidates(rows: list, uses: Mapping[Any, int], kept: Container[str]) -> set[str]:
    """The ``mul`` and ``div`` rows of two operands whose one use is an ``add`` row, not in ``kept``: the rows
    that may be kept as :class:`Scaled` terms (:func:`pair` decides on their operands)."""
    scaling = {target for target, op, args in rows if (op == "mul" or op == "div") and len(args) == 2
               and uses[target] == 1 and target not in kept}
    return {a for _, op, args in rows if op == "add" for a in args if a.__class__ is str and a in scaling}


class Scaled:
    """A term ``c*u`` of a sum, not built: ``u`` a closed form, ``c`` an int or Fraction (not 0)."""

    __slots__ = ("u", "c")

    def __init__(self, u: sympy.Expr, c: int | Fraction) -> None:
        self.u, self.c = u, c

    def built(self) -> sympy.Expr:
        return sympy.Mul(_number(self.c), self.u)


def pair(op: str, args: tuple, value_of: Callable[[str], Any]) -> Scaled | None:
    """The row ``c*u``, ``u*c`` or ``u/c`` as a :class:`Scaled` term, or None when its value must be built as it is.

    ``value_of(name)`` is the built closed form of an operand, or None when it is not built (a pending chain).
    """
    if op == "div":
        name, number = args
        if name.__class__ is not str or not isinstance(number, sympy.Rational) or not number.p:
            return None
        coefficient = Fraction(number.q, number.p)
    else:
        number, name = args if args[1].__class__ is str else args[::-1]
        if name.__class__ is not str or not isinstance(number, sympy.Rational) or not number.p:
            return None
        coefficient = number.p if number.q == 1 else Fraction(number.p, number.q)
    u = value_of(name)
    if u is None or not _whole_term(u):
        return None
    return Scaled(u, coefficient)


def _factor(value: Any) -> bool:
    """A Symbol, a function's value other than a Piecewise, or a power of a non-number: no coefficient in it."""
    if isinstance(value, sympy.Symbol):
        return True
    if isinstance(value, sympy.Pow):
        return not value.base.is_number
    return isinstance(value, sympy.Function) and not isinstance(value, sympy.Piecewise)


def _whole_term(value: Any) -> bool:
    """True when sympy keeps ``value`` as the whole non-coefficient part of a rational times it."""
    if isinstance(value, sympy.Mul):
        ok = all(map(_factor, value.args))
    else:
        ok = _factor(value)
    return ok and not constants.is_exact_constant(value)


def collected(terms: list) -> list:
    """The terms of a sum, its :class:`Scaled` ones collected into one ``c*u`` per ``u`` (none where the ``c``
    sum to 0), as sympy's sum holds them.  Beside a term with a Float coefficient (``0.5*u``) each is built in
    its place instead: sympy adds such coefficients in the order of the terms, and a Float sum's rounding
    depends on it."""
    if not any(t.__class__ is Scaled for t in terms):
        return terms
    rest = [t for t in terms if t.__class__ is not Scaled]
    if any(map(_floated, rest)):
        return [t.built() if t.__class__ is Scaled else t for t in terms]
    sums: dict = {}
    for t in terms:
        if t.__class__ is Scaled:
            sums[t.u] = sums.get(t.u, 0) + t.c
    return rest + [u if c == 1 else sympy.Mul(_number(c), u) for u, c in sums.items() if c]


def _number(c: int | Fraction) -> sympy.Rational:
    return sympy.Integer(c) if c.__class__ is int else sympy.Rational(c.numerator, c.denominator)


def _floated(term: Any) -> bool:
    """True for a Float, a term with a Float coefficient, or a sum holding one."""
    if isinstance(term, sympy.Add):
        return any(map(_floated, term.args))
    return isinstance(term, sympy.Float) or isinstance(term, sympy.Mul) and isinstance(term.args[0], sympy.Float)
