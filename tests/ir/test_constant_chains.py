"""Chains of constant sums and products: joined once, and equal to what constant_op gives link by link."""
from __future__ import annotations

import random

import pytest
import sympy

import symgraph as sg
from symgraph.ir import interpret

#: term rows: (op, args) of constants, ordinary and special (Floats, rationals, near overflow, inf, nan)
TERMS = [("sin", (sympy.Integer(k),)) for k in range(1, 7)] + [
    ("sqrt", (sympy.Integer(2),)), ("neg", (sympy.sqrt(2),)), ("const", (sympy.Rational(1, 3),)),
    ("const", (sympy.Integer(5),)), ("const", (sympy.Float(2.5),)), ("exp", (sympy.Integer(700),)),
    ("exp", (sympy.Integer(709),)), ("neg", (sympy.exp(709),)), ("div", (sympy.Integer(1), sympy.Integer(0))),
    ("log", (sympy.Integer(-1),)), ("add", (sympy.Integer(1), sympy.sin(1))), ("exp", (sympy.Integer(-700),)),
    ("pow", (sympy.Integer(2), sympy.Rational(1, 3))), ("const", (sympy.Integer(0),)), ("cos", (sympy.Integer(3),)),
    ("const", (sympy.Rational(2**1000 + 1, 3**640),)), ("const", (sympy.Rational(1, 5**440),)),  # near 1,024 bits
]


def _chain(op: str, picks: list, balanced: bool) -> list:
    """Rows of the terms ``picks`` joined by ``op``: a left-deep chain, or a balanced tree as regrouping makes."""
    rows = [(f"t{k}", *TERMS[p]) for k, p in enumerate(picks)]
    level, fresh = [row[0] for row in rows], 0
    while len(level) > 1:
        if balanced:
            pairs, level = [level[k:k + 2] for k in range(0, len(level), 2)], []
        else:
            pairs, level = [level[:2]], level[2:]
        joined = []
        for pair in pairs:
            if len(pair) == 1:
                joined.append(pair[0])
                continue
            fresh += 1
            rows.append((f"s{fresh}", op, tuple(pair)))
            joined.append(f"s{fresh}")
        level = joined + level
    return rows


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return a == b or (a is sympy.nan and b is sympy.nan)


@pytest.mark.parametrize("op", ["add", "mul"])
@pytest.mark.parametrize("balanced", [False, True])
def test_joined_chains_are_what_each_link_gives(op, balanced):
    """Joined (a wanted head) and link by link (nothing wanted: every row built by constant_op) agree exactly,
    specials included: a Float makes the rest float64, 1/0 and overflow inf, both rational folds."""
    rng = random.Random(7)
    big, small = TERMS.index(("exp", (709,))), TERMS.index(("exp", (-700,)))
    floating, rational = TERMS.index(("const", (2.5,))), TERMS.index(("const", (5,)))
    chosen = [[big, big, 1, big], [big, 0, big, big, big], [small, small, 2, small], [1, floating, 2, 3],
              [1, 2, rational, rational, 3], [big, 1, small, 2], [len(TERMS) - 2, len(TERMS) - 1, 1]]
    for picks in chosen + [[rng.randrange(len(TERMS)) for _ in range(rng.randrange(2, 9))] for _ in range(60)]:
        rows = _chain(op, picks, balanced)
        head = rows[-1][0]
        joined = interpret.forms(rows, {}, sympy.Symbol, {head})[head]
        linked = interpret.forms(rows, {}, sympy.Symbol)[head]
        assert _same(joined, linked), (rows, joined, linked)


def test_sum_of_constants_is_sympys_sum():
    """sum(sin(i), i, 0, n)'s closed form is sympy's own sum exactly, at sizes where it was quadratic (13 s at
    1,000 terms), and so is a product's."""
    for n in (1000, 4000):
        assert sg.parse(f"sum(sin(i), i, 0, {n})").expr() == sympy.Add(*[sympy.sin(k) for k in range(n + 1)])
    assert sg.parse("prod(sin(i), i, 1, 1000)").expr() == sympy.Mul(*[sympy.sin(k) for k in range(1, 1001)])
    terms = [sympy.exp(700 + sympy.Rational(k, 1000)) for k in range(1, 1001)]  # near float64's largest: exact
    assert sg.parse("sum(exp(700 + i/1000), i, 1, 1000)").expr() == sympy.Add(*terms)


def test_chain_meeting_a_variable():
    """A constant chain joins the sum or product of a variable as one operand; derivatives see the same sum."""
    x = sympy.Symbol("x")
    total = sympy.Add(*[sympy.sin(k) for k in range(1, 301)])
    g = sg.parse("x^2*sum(sin(i), i, 1, 300) + sum(sin(i), i, 1, 300) + x")
    assert sympy.expand(g.expr() - (x**2 * total + total + x)) == 0
    gradient = sg.grad(g, ["x"])
    assert sympy.expand(gradient["x"] - (2 * x * total + 1)) == 0
    assert gradient.at(x=0.5)["x"] == pytest.approx(float(2 * 0.5 * total + 1), rel=1e-12)
    assert sg.hessian(g, ["x"])[0, 0] == 2 * total
    assert r"2 x \left(\sin{\left(" in gradient.latex(expand=True)


def test_special_links_keep_constant_op_semantics():
    """Overflow is inf as in the numbers; a Float term makes the sum float64; rationals stay exact."""
    assert sg.parse("sum(exp(700 + i), i, 1, 20)").expr() == sympy.oo
    assert sg.parse("prod(exp(100 + i), i, 1, 20)").expr() == sympy.oo
    floated = sg.parse("sin(1) + sin(2) + 0.5 + sin(3)").expr()
    assert isinstance(floated, sympy.Float) and float(floated) == pytest.approx(0.5 + sum(map(float, map(
        sympy.sin, (1, 2, 3)))))
    assert sg.parse("sum(1/i, i, 1, 50)").expr() == sum(sympy.Rational(1, k) for k in range(1, 51))


#: factors of products: sums and functions' values (a chain of them alone joins, sums and all), and factors that
#: make a coefficient (numbers, sqrt(2)^2), cancel (exp(2)*exp(-2), a sum and its reciprocal) or are powers
_ONE = sympy.Integer(1)
FACTORS = [("add", (_ONE, sympy.sin(k))) for k in range(1, 5)] + [
    ("neg", (1 + sympy.sin(1),)), ("const", (sympy.pi,)), ("exp", (_ONE,)), ("exp", (sympy.Integer(2),)),
    ("exp", (sympy.Integer(-2),)), ("sin", (_ONE,)), ("cos", (sympy.Integer(2),)), ("const", (sympy.Integer(2),)),
    ("const", (sympy.Rational(1, 2),)), ("sqrt", (sympy.Integer(2),)), ("div", (_ONE, 1 + sympy.sin(1))),
    ("pow", (1 + sympy.sin(2), sympy.Integer(2))), ("add", (sympy.Integer(3), sympy.pi))]


@pytest.mark.parametrize("balanced", [False, True])
def test_products_of_sums_are_what_each_link_gives(balanced):
    """A product chain holding sums joins (when every factor is plain) or is built link by link, and both give
    exactly what constant_op gives link by link: 2*(1 + sin(1)) is 2 + 2*sin(1), so a chain through a number
    and one sum is not joined."""
    global TERMS
    rng = random.Random(11)
    saved, TERMS = TERMS, FACTORS
    try:
        sums = list(range(4))
        chosen = [sums, [0, 0, 1], [0, 7, 1], [11, 0, 8], [0, 5, 12, 3], [13, 0, 2], [4, 0], [0, 14, 2, 1],
                  [11, 13, 0, 8, 13, 8, 3], [9, 0, 10, 1], [8, 0, 7, 14], [15, 1, 0], [16, 6, 0, 5]]
        for picks in chosen + [[rng.randrange(len(FACTORS)) for _ in range(rng.randrange(2, 9))] for _ in range(80)]:
            rows = _chain("mul", picks, balanced)
            head = rows[-1][0]
            joined = interpret.forms(rows, {}, sympy.Symbol, {head})[head]
            linked = interpret.forms(rows, {}, sympy.Symbol)[head]
            assert _same(joined, linked), (picks, joined, linked)
    finally:
        TERMS = saved


def test_product_of_sums_is_sympys_product():
    """prod(1 + sin(i), i, 1, n)'s closed form is sympy's product of the sums, at sizes where each link took
    the float64 of the whole product so far (4.5 s at n = 200)."""
    x = sympy.Symbol("x")
    factors = [1 + sympy.sin(k) for k in range(1, 401)]
    assert sg.parse("prod(1 + sin(i), i, 1, 400)").expr() == sympy.Mul(*factors)
    assert sg.parse("x*prod(1 + sin(i), i, 1, 400)").expr() == x * sympy.Mul(*factors)
    assert sg.parse("2*prod(1 + sin(i), i, 1, 3)").expr() == 2 * sympy.Mul(*factors[:3])
    assert sg.parse("prod(2 + i*sin(i), i, 1, 3)").expr() == sympy.Mul(*[2 + k * sympy.sin(k) for k in (1, 2, 3)])
