"""Terms c*u of a sum collected into one coefficient per u: exactly the sum sympy builds term by term."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy

import symgraph as sg
from symgraph.ir import scaled_terms

x, y = sympy.symbols("x y")


def _unscaled(text: str, monkeypatch) -> sympy.Expr:
    """The closed form as built before scaled terms were collected: each c*u built, then summed."""
    with monkeypatch.context() as m:
        m.setattr(scaled_terms, "candidates", lambda *args: set())
        return sg.parse(text).expr()


def test_long_sums_of_scaled_names():
    """The sums that took 2.4-3.9 s (each x*k a new sympy Mul) are sympy's sums exactly."""
    assert sg.parse("sum(x*i, i, 0, 9999)").expr() == 49995000 * x
    n = 3000
    assert sg.parse(f"sum(x^2*i + y*i^2, i, 0, {n})").expr() == (
        sum(range(n + 1)) * x**2 + sum(k * k for k in range(n + 1)) * y)
    harmonic = sum(sympy.Rational(1, k) for k in range(1, 3002))
    assert sg.parse("sum(x/(i+1), i, 0, 3000)").expr() == harmonic * x


@pytest.mark.parametrize("text", [
    "sum(x*i, i, -3, 3)", "sum(x*i, i, -3, 3) + y", "x*2 + x*(-2) + sin(x)", "sum(x*i, i, 1, 3) + x*0.5",
    "x*0.5 + x/3 + x*2 + y*7", "sum(x*y*i, i, 1, 5) + x*y", "(x + y)*2 + (x + y)*3", "2*(3*x) + x + x*4",
    "where(x > 0, x, y)*2 + where(x > 0, x, y)*3", "sum(sin(x)*i + exp(x)/i, i, 1, 6)", "x/(1/0) + x*2",
    "sum(x*i, i, 1, 4)*2 + x", "sqrt(2)*x*3 + x*5", "2^x*2 + 2^x*3", "x^(1/2)*4 - x^(1/2)*4 + 1",
    "sum(x[i]*i, i, 0, 6)", "sum(x*pi*i, i, 1, 3)", "x*0 + y*2 + y*3"])
def test_collected_sums_are_what_each_term_gives(text, monkeypatch):
    """Numbers of each kind (0, Floats, 1/0, irrational), sums, products and Piecewise as u: the same tree as
    building each product and summing them."""
    assert sg.parse(text).expr() == _unscaled(text, monkeypatch)


def test_random_sums_are_what_each_term_gives(monkeypatch):
    """Random sums of c*u, u*c, u/c and sums over i of them: the same trees both ways."""
    rng = random.Random(5)
    us = ["x", "x^2", "sin(x)", "x*y", "x + y", "where(x > 0, x, y)", "2^x", "sqrt(2)*x", "-x", "1/x", "pi",
          "max(x, y)", "0.5*x"]
    cs = ["0", "1", "-1", "3", "1/2", "-2/3", "0.5", "10^30", "sqrt(2)", "i", "i/3"]
    for _ in range(60):
        parts = []
        for _ in range(rng.randrange(1, 7)):
            u, c = rng.choice(us), rng.choice(cs)
            fixed = c.replace("i", "2")  # the index only inside a sum
            parts.append(rng.choice([f"({u})*({fixed})", f"({fixed})*({u})", f"({u})/({fixed})",
                                     f"sum(({u})*({c}), i, 0, {rng.randrange(4)})"]))
        text = " + ".join(parts)
        assert sg.parse(text).expr() == _unscaled(text, monkeypatch), text


def test_pair_takes_only_what_sympy_keeps_whole():
    """A rational nonzero coefficient and a u without a coefficient, number or sum; else the row is built."""
    values = {"x": x, "s": x + y, "p": 2 * x, "w": sympy.Piecewise((x, x > 0), (y, True)), "k": sympy.sin(1)}
    value_of = values.get
    term = scaled_terms.pair("mul", (sympy.Integer(3), "x"), value_of)
    assert (term.u, term.c) == (x, 3) and term.built() == 3 * x
    term = scaled_terms.pair("div", ("x", sympy.Rational(-2, 3)), value_of)
    assert (term.u, term.c) == (x, Fraction(-3, 2))
    for op, args in [("mul", ("x", sympy.Integer(0))), ("mul", ("x", sympy.Float(2.0))), ("mul", ("s", sympy.Integer(2))),
                     ("mul", ("p", sympy.Integer(2))), ("mul", ("w", sympy.Integer(2))), ("mul", ("k", sympy.Integer(2))),
                     ("mul", ("x", sympy.sqrt(2))), ("div", (sympy.Integer(2), "x")), ("mul", ("pending", sympy.Integer(2)))]:
        assert scaled_terms.pair(op, args, value_of) is None, (op, args)


def test_collected_keeps_float_order():
    """Beside a Float coefficient each term is built in its place (sympy's Float sums depend on the order)."""
    half = sympy.Float(0.5) * x
    terms = [half, scaled_terms.Scaled(x, Fraction(-2, 3)), scaled_terms.Scaled(x, Fraction(1, 2))]
    assert scaled_terms.collected(terms) == [half, -2 * x / 3, x / 2]
    assert scaled_terms.collected([y, scaled_terms.Scaled(x, 2), scaled_terms.Scaled(x, -2)]) == [y]
    assert sympy.Add(*scaled_terms.collected([scaled_terms.Scaled(x, 2), scaled_terms.Scaled(x, Fraction(1, 2))])) == 5 * x / 2


def test_derivatives_of_scaled_sums():
    """Gradients and evaluation see the same sums."""
    gradient = sg.grad("sum(x^2*i + y*i, i, 0, 100)", ["x", "y"])
    assert gradient["x"] == 2 * 5050 * x and gradient["y"] == 5050
    assert sg.parse("sum(x*i, i, 0, 100) + y").evaluate(x=2.0, y=1.0)[sg.parse("sum(x*i, i, 0, 100) + y").output] \
        == pytest.approx(10101.0)
