"""Exact rational arithmetic: the values fractions computes, the bound on their size, the work a sum of them takes."""
import operator
import random
from fractions import Fraction

import sympy

import symgraph as sg
from symgraph.constants import fold
from symgraph.rationals import MAX_CONSTANT_BITS
from tests.helpers import bounded_work

_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


def test_rational_arithmetic_folds_to_the_reduced_fraction_and_sympys_singletons():
    rng = random.Random(7)
    for _ in range(2000):
        a, b = (sympy.Rational(rng.randint(-40, 40), rng.randint(1, 24)) for _ in range(2))
        for name, function in _OPERATORS.items():
            folded = fold(name, (a, b))
            if name == "div" and b == 0:
                assert folded is None
                continue
            expected = function(Fraction(a.p, a.q), Fraction(b.p, b.q))
            assert (folded.p, folded.q) == (expected.numerator, expected.denominator)
            assert type(folded) is type(sympy.Rational(folded.p, folded.q))  # Integer when whole; 0, 1, -1: S.Zero...
        assert fold("neg", (a,)) == -a
    assert fold("sub", (sympy.Rational(1, 6), sympy.Rational(1, 6))) is sympy.S.Zero
    assert fold("mul", (sympy.Rational(2, 3), sympy.Rational(3, 2))) is sympy.S.One
    assert fold("div", (sympy.Integer(1), sympy.Integer(-1))) is sympy.S.NegativeOne


def test_a_fold_past_the_bound_is_refused_and_an_operand_past_it_too():
    big = sympy.Integer(2) ** (MAX_CONSTANT_BITS - 2)
    assert fold("mul", (big, sympy.Integer(2))) == 2 * big
    assert fold("mul", (big, sympy.Integer(4))) is None
    assert fold("add", (sympy.Rational(1, 3), sympy.Integer(2) ** (MAX_CONSTANT_BITS + 1))) is None
    assert fold("div", (sympy.Integer(1), 3 ** sympy.Integer(700))) is None


def test_a_sum_of_exact_coefficients_costs_the_same_few_calls_a_term():
    """``sum(x/i, i, 1, n)``: its gradient folds 1/1 + 1/2 + ... up to the bound (about 700 terms), then keeps the
    sum as instructions.  Each term added a 1,000-bit rational through sympy's operators (sympify, its cache,
    a gcd of two 1,000-bit numbers); in Python's integers, reduced as fractions reduces, 10,000 terms took
    0.54-0.61 s of processor time instead of 0.90-1.02 (x*i: 0.16), 2.2 million calls instead of 3.4
    (n = 1,000: 195,000 instead of 292,000; n = 2,000: 422,000)."""
    n = 2000
    with bounded_work(n * 300, "sum(x/i) gradient"):
        gradient = sg.grad("sum(x/i, i, 1, n)", n=n)
    assert abs(gradient.at(x=1.0)["x"] - sum(1 / i for i in range(1, n + 1))) < 1e-12
