"""Reductions whose term is numbers and the index (symgraph.frontend.constant_reductions): their value at once,
equal to the terms folded one by one, which the reference here computes with sympy's own arithmetic."""
from __future__ import annotations

import math
import operator
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symgraph as sg
from symgraph.frontend.constant_reductions import MAX_TERM_BY_TERM

F = sympy.Float


def _value(text: str) -> sympy.Expr:
    graph = sg.parse(text)
    assert len(graph.nx) == 1, "a reduction of numbers is one constant"
    return graph.expr()


def _fold(name: str, x, y=None):
    """One op on sympy numbers as the terms fold it: sympy's arithmetic; a power with a decimal is Python's."""
    if name == "neg":
        return -x
    if name == "pow":
        if isinstance(x, sympy.Float) or isinstance(y, sympy.Float):
            return F(float(x) ** float(y))
        return x ** y
    return {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}[name](x, y)


def _reference(term, lo: int, hi: int, word: str = "sum") -> sympy.Expr:
    """The terms at i = lo..hi folded left to right, by sympy (0 or 1 for no term)."""
    op, acc = (operator.add, sympy.Integer(0)) if word == "sum" else (operator.mul, sympy.Integer(1))
    terms = [term(sympy.Integer(i)) for i in range(lo, hi + 1)]
    for k, t in enumerate(terms):
        acc = t if k == 0 else op(acc, t)
    return acc


@pytest.mark.parametrize("body, term", [
    ("i", lambda i: i),
    ("i^2/2 - 3*i + 1/7", lambda i: i ** 2 / 2 - 3 * i + sympy.Rational(1, 7)),
    ("(i - 2)^3*(2*i + 1)", lambda i: (i - 2) ** 3 * (2 * i + 1)),
    ("5", lambda i: sympy.Integer(5)),
    ("0.1*i", lambda i: F(0.1) * i),
    ("0.1*i^2 - 1.5", lambda i: F(0.1) * i ** 2 - F(1.5)),
    ("1/(0.3 + i)", lambda i: 1 / (F(0.3) + i)),
    ("i/3*0.7", lambda i: i / 3 * F(0.7)),
    ("2/(i + 0.5)", lambda i: 2 / (i + F(0.5))),
    ("0.5^i", lambda i: _fold("pow", F(0.5), i)),
    ("(i + 0.5)^2", lambda i: _fold("pow", i + F(0.5), sympy.Integer(2))),
    ("0.25*i - 0.25*i + 1/3", lambda i: F(0.25) * i - F(0.25) * i + sympy.Rational(1, 3)),
    ("1/i", lambda i: 1 / i),
])
@pytest.mark.parametrize("lo, hi", [(1, 40), (-17, 23), (5, 5), (3, 2), (10, 0)])
@pytest.mark.parametrize("word", ["sum", "prod"])
def test_equal_to_the_terms_folded_one_by_one(body, term, lo, hi, word):
    if body == "1/i" and lo <= 0 <= hi:  # 1/0 is a node, not a constant: the reduction is infinite, as in float64
        with np.errstate(divide="ignore", invalid="ignore"):
            assert math.isinf(sg.parse(f"y = {word}({body}, i, {lo}, {hi})").evaluate()["y"])
        return
    want = _reference(term, lo, hi, word)
    got = _value(f"y = {word}({body}, i, {lo}, {hi})")
    assert sympy.srepr(got) == sympy.srepr(want)


def test_names_bound_to_numbers_and_sizes_read_in_the_term():
    got = sg.parse("c = 0.25\nd = 2/3\ny = sum(c*i + d*n, i, 0, n - 1)", n=30).expr()
    assert sympy.srepr(got) == sympy.srepr(_reference(lambda i: F(0.25) * i + sympy.Rational(2, 3) * 30, 0, 29))


def test_nested_sums_over_numbers():
    got = _value("y = sum(sum(i*j + 1/2, j, 0, i), i, -5, 60)")
    want = sum(sum(Fraction(i * j) + Fraction(1, 2) for j in range(0, i + 1)) for i in range(-5, 61))
    assert got == sympy.Rational(want.numerator, want.denominator)
    got = _value("y = sum(sum(0.1*i*j, j, 0, 20), i, 0, 20)")
    inner = [_reference(lambda j, i=i: F(0.1) * i * j, 0, 20) for i in range(21)]
    assert sympy.srepr(got) == sympy.srepr(_reference(lambda i: inner[int(i)], 0, 20))


# -- a property over terms: trees of numbers, decimals and the index

_LEAVES = st.sampled_from(["i", "i", "0", "1", "2", "3", "7", "0.1", "0.25", "1.5", "2.5e2", "1e-3"])


def _trees(leaves):
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.tuples(st.just("neg"), inner),
        st.tuples(st.just("^"), inner, st.integers(0, 3))), max_leaves=8)


def _text(tree) -> str:
    if isinstance(tree, str):
        return tree
    if tree[0] == "neg":
        return f"-({_text(tree[1])})"
    if tree[0] == "^":
        return f"({_text(tree[1])})^{tree[2]}"
    return f"({_text(tree[1])} {tree[0]} {_text(tree[2])})"


def _evaluate(tree, i: sympy.Integer):
    if isinstance(tree, str):
        return i if tree == "i" else F(float(tree)) if any(c in tree for c in ".e") else sympy.Integer(int(tree))
    if tree[0] == "neg":
        return _fold("neg", _evaluate(tree[1], i))
    if tree[0] == "^":
        base = _evaluate(tree[1], i)
        if base == 0:
            return sympy.Integer(0) ** tree[2] if not isinstance(base, sympy.Float) else _fold("pow", base, tree[2])
        return _fold("pow", base, sympy.Integer(tree[2]))
    x, y = _evaluate(tree[1], i), _evaluate(tree[2], i)
    if tree[0] == "/" and y == 0:
        raise ZeroDivisionError
    return _fold({"+": "add", "-": "sub", "*": "mul", "/": "div"}[tree[0]], x, y)


@settings(max_examples=150, deadline=None)
@given(tree=_trees(_LEAVES), lo=st.integers(-12, 12), length=st.integers(-3, 25),
       word=st.sampled_from(["sum", "sum", "prod"]))
def test_property_equal_to_the_terms_folded_one_by_one(tree, lo, length, word):
    hi = lo + length - 1
    try:
        want = _reference(lambda i: _evaluate(tree, i), lo, hi, word)
    except ZeroDivisionError:
        assume(False)
    assume(want.is_finite and abs(float(want)) < 1e300)
    graph = sg.parse(f"y = {word}({_text(tree)}, i, {lo}, {hi})")
    assume(len(graph.nx) == 1)  # a value float64 cannot hold, or a subnormal one: nodes, as before
    assert sympy.srepr(graph.expr()) == sympy.srepr(want)


# -- sizes that took minutes term by term

def test_ten_million_terms_of_a_polynomial():
    n = 10 ** 7
    got = _value(f"y = sum(i^3 - 2*i + 1/3, i, 0, {n - 1})")
    want = (n * (n - 1) // 2) ** 2 - n * (n - 1) + Fraction(n, 3)
    assert got == sympy.Rational(want.numerator, want.denominator)
    m = n // 2
    assert _value("y = sum(i^2, i, -5*10^6 + 1, 5*10^6 - 1)") == 2 * ((m - 1) * m * (2 * m - 1) // 6)


def test_ten_million_terms_with_decimals():
    got = _value("y = sum(0.1*i, i, 0, 10^7 - 1)")
    with np.errstate(all="ignore"):
        want = np.add.accumulate(0.1 * np.arange(10 ** 7, dtype=np.float64))[-1]  # left to right, as folded
    assert got == F(float(want))


def test_ten_million_factors():
    assert _value("y = prod(i, i, 0, 10^7 - 1)") == 0
    assert _value("y = prod(-1, i, 1, 10^7)") == 1
    assert _value("y = prod(1 + 0*i, i, 1, 10^7)") == 1


def test_a_constant_sum_as_a_value_of_a_gradient_point():
    gradient = sg.grad("x*y")
    assert gradient.at(x=1.0, y=float(_value("y = sum(i, i, 0, 10^7 - 1)")))["x"] == 49999995000000.0


# -- bad input

@pytest.mark.parametrize("text, says", [
    ("y = sum(i, i, 0, 2.5)", "must be an integer"),
    ("y = sum(i, i, 0.5, 2)", "must be an integer"),
    ("y = sum(i, i, 0, 10^8)", "the limit is 10,000,000 terms"),
    ("y = sum(i, i, 0, 10^400)", "beyond 1,024 bits"),
    ("y = sum(i*2, i, 0, n)", "'n' is not a size or an index"),
    ("y = sum(i +* 2, i, 0, 10^7 - 1)", "operator '*' follows operator '+'"),
    ("y = sum(i*2 + q, i, 0, 10^4 - 1)\nq = 1", "before this line assigns it"),
    ("y = sum(1/i, i, 1, 10^6)", f"at most {MAX_TERM_BY_TERM:,} terms"),
    ("y = sum(2^i, i, 0, 10^6)", "not a polynomial"),
    ("y = sum(i^100, i, 0, 10^6)", "degree above"),
    ("y = sum(i^60, i, 0, 10^6)", "bits of exact constants"),
    ("y = sum(i^20, i, 0, 10^7 - 1)*0 + sum(1/i, i, 1, 10^5)", "1/i"),
    ("y = sum(10.0^i, i, 0, 10^5)", "float64's range"),
])
def test_bad_input_is_a_clear_parse_error(text, says):
    with pytest.raises(sg.ParseError) as error:
        sg.parse(text)
    assert says in str(error.value)
    assert error.value.position is not None


def test_a_term_folded_one_by_one_within_the_limit():
    harmonic = sum(Fraction(1, k) for k in range(1, 101))
    assert _value("y = sum(1/i, i, 1, 100)") == sympy.Rational(harmonic.numerator, harmonic.denominator)
    basel = sg.parse(f"y = sum(1/i^2, i, 1, 10^7 - {10 ** 7 - MAX_TERM_BY_TERM})")  # past the bits: nodes
    n = MAX_TERM_BY_TERM  # the tail past n is 1/n - 1/(2n^2) + 1/(6n^3) - ...
    assert basel.evaluate()["y"] == pytest.approx(np.pi ** 2 / 6 - 1 / n + 1 / (2 * n * n) - 1 / (6 * n ** 3), rel=1e-13)


def test_empty_and_reversed_ranges_keep_their_value():
    assert _value("y = sum(0.1*i, i, 10^7, 0)") == 0
    assert _value("y = prod(1/i, i, 5, -5)") == 1
    assert _value("y = sum(i, i, -3, -4)") == 0
