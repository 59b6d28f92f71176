"""Graph.from_sympy as users call it: generated sympy expressions against sympy.diff in mpmath and against the
same function written as text; the constructs sympy makes on its own; refusals on every call path; depth, width
and repeats."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import Phase, assume, given, settings, strategies as st

import symgraph as sg
from symgraph import Graph, UnsupportedOpError

x, y = sympy.symbols("x y")
p = sympy.Symbol("p", positive=True)
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate])


# ------------------------------------------------------------------ generated expressions, two ways
def _leaf():
    return st.sampled_from([(x, "x"), (y, "y"), (p, "p"), (sympy.Integer(2), "2"), (sympy.Rational(3, 2), "(3/2)"),
                            (sympy.Float(0.25), "0.25"), (sympy.pi, "pi"), (sympy.Integer(-3), "(-3)")])


def _square_plus_one(a, t):
    return a**2 + 1, f"(({t})^2 + 1)"


def _unary(pair):
    a, t = pair
    s, ts = _square_plus_one(a, t)
    return st.sampled_from([
        (sympy.sin(a), f"sin({t})"), (sympy.cos(a), f"cos({t})"), (sympy.exp(a), f"exp({t})"),
        (sympy.tanh(a), f"tanh({t})"), (sympy.atan(a), f"atan({t})"), (sympy.Abs(a), f"abs({t})"),
        (sympy.erf(a), f"erf({t})"), (sympy.sinh(a), f"sinh({t})"), (sympy.sqrt(s), f"sqrt({ts})"),
        (sympy.log(s), f"log({ts})"), (sympy.log(s, 2), f"log({ts})/log(2)"), (sympy.root(s, 3), f"{ts}^(1/3)"),
        (s ** sympy.Rational(-3, 2), f"{ts}^(-3/2)"), (a**-2 if a != 0 else a, f"({t})^(-2)" if a != 0 else t),
        (sympy.re(a), t), (sympy.cot(s), f"1/tan({ts})"),
    ])


def _binary(pairs):
    (a, ta), (b, tb) = pairs
    s, ts = _square_plus_one(b, tb)
    return st.sampled_from([
        (a + b, f"({ta}) + ({tb})"), (a - b, f"({ta}) - ({tb})"), (a * b, f"({ta})*({tb})"),
        (a / s, f"({ta})/{ts}"), (s**a, f"{ts}^({ta})"), (sympy.Max(a, b, x), f"max({ta}, {tb}, x)"),
        (sympy.Min(a, b), f"min({ta}, {tb})"), (sympy.atan2(a, s), f"atan2({ta}, {ts})"),
        (sympy.Piecewise((a, b > 0), (b, True)), f"where(({tb}) > 0, {ta}, {tb})"),
        (sympy.Mod(a, s), f"({ta}) - {ts}*floor(({ta})/{ts})"),
    ])


EXPRESSIONS = st.recursive(_leaf(), lambda inner: st.one_of(inner.flatmap(_unary),
                                                             st.tuples(inner, inner).flatmap(_binary)), max_leaves=6)
_AWAY_FROM_0 = st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3)  # 1/y^2 past float64's range is inf: sin(inf) nan
POINTS = st.fixed_dictionaries({"x": _AWAY_FROM_0, "y": _AWAY_FROM_0, "p": st.floats(0.1, 3)})


def _close(got: float, want: float) -> bool:
    if math.isnan(want) or math.isinf(want):
        return math.isnan(got) if math.isnan(want) else got == want
    return abs(got - want) <= 1e-7 * (1 + abs(want))


def _mp(e: sympy.Expr, point: dict) -> float | None:
    """The value of ``e`` at 30 digits (mpmath through evalf), or None where it is no real number."""
    try:
        value = complex(e.evalf(30, subs={s: point[s.name] for s in e.free_symbols}))
    except TypeError:  # sympy's derivative of Mod or floor holds a Derivative it cannot evaluate
        return None
    return value.real if abs(value.imag) < 1e-20 else None


@PROPERTY
@given(EXPRESSIONS, POINTS)
def test_generated_sympy_expressions_agree_with_sympy_and_with_their_text(pair, point):
    expr, text = pair
    assume(len({point["x"], point["y"], point["p"]}) == 3)  # a tie of max/min: the conventions differ there only
    graph, parsed = Graph.from_sympy(expr), sg.parse(text)
    want = _mp(sympy.sympify(expr), point)
    value = graph.evaluate(**{n: point[n] for n in graph.inputs})[graph.output]
    from_text = parsed.evaluate(**{n: point[n] for n in parsed.inputs})[parsed.output]
    if want is not None and abs(want) < 1e12:
        assert _close(value, want), (expr, point, value, want)
        assert _close(from_text, want), (text, point, from_text, want)
    names = sorted(s.name for s in sympy.sympify(expr).free_symbols)
    if not names:
        return
    gradient = sg.grad(expr, wrt=names).at(**{n: point[n] for n in names})
    text_gradient = sg.grad(text, wrt=names, allow_unused=True).at(**{n: point[n] for n in parsed.inputs})
    for name in names:
        slope = _mp(sympy.diff(expr, sympy.Symbol(name, **({"positive": True} if name == "p" else {}))), point)
        if slope is None or abs(slope) > 1e12:
            continue
        assert _close(gradient[name], slope), (expr, name, point, gradient[name], slope)
        assert _close(text_gradient[name], slope), (text, name, point, text_gradient[name], slope)


# ------------------------------------------------------------------ constructs built of the table's rows
COMPOSED = [
    sympy.re(x) * y + sympy.conjugate(y) + sympy.im(x) * x,  # a graph's values are real
    sympy.Abs(sympy.exp(x)) * y,                              # sympy writes it with re(x)
    sympy.real_root(x, 3) + y,                                # sympy writes it with im(x)
    sympy.log(x**2 + y**2, 2, evaluate=False),
    sympy.log(x**2 + 1, y**2 + 2),
    sympy.cot(x) + sympy.sec(y), sympy.csc(x) * sympy.coth(y), sympy.sech(x) - sympy.csch(y),
]


@pytest.mark.parametrize("expr", COMPOSED, ids=str)
@pytest.mark.parametrize("point", [{"x": -2.3, "y": 0.7}, {"x": 1.1, "y": -1.9}])
def test_constructs_built_of_rows_give_sympys_values_and_derivatives(expr, point):
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols}  # the derivatives sympy can take
    graph = Graph.from_sympy(expr)
    assert _close(graph.evaluate(**{n: point[n] for n in graph.inputs})[graph.output],
                  _mp(expr.xreplace(real), point))
    gradient = sg.grad(expr, wrt=["x", "y"], allow_unused=True).at(**{n: point[n] for n in graph.inputs})
    for name in "xy":
        want = _mp(sympy.diff(expr.xreplace(real), sympy.Symbol(name, real=True)), point)
        assert _close(gradient[name], want), (name, gradient[name], want)


def test_mod_is_pythons_remainder_with_sympys_derivatives():
    gradient = sg.grad(sympy.Mod(x, y))
    for a, b in [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-0.25, 3.0)]:
        graph = Graph.from_sympy(sympy.Mod(x, y))
        assert graph.evaluate(x=a, y=b)[graph.output] == pytest.approx(a % b)
        assert gradient.at(x=a, y=b) == {"x": 1.0, "y": pytest.approx(-math.floor(a / b))}


@pytest.mark.parametrize("condition, truth", [
    (sympy.Xor(x > 0, y > 0), lambda a, b: (a > 0) != (b > 0)),
    (sympy.Implies(x > 0, y > 0), lambda a, b: a <= 0 or b > 0),
    (sympy.Equivalent(x > 0, y > 0), lambda a, b: (a > 0) == (b > 0)),
    (sympy.ITE(x > 0, y > 0, y < -1), lambda a, b: b > 0 if a > 0 else b < -1),
    (sympy.Nand(x > 0, y > 0), lambda a, b: not (a > 0 and b > 0)),
    (sympy.Nor(x > 0, y > 0), lambda a, b: not (a > 0 or b > 0)),
], ids=lambda c: type(c).__name__)
def test_boolean_functions_select_as_sympy_does(condition, truth):
    graph = Graph.from_sympy(sympy.Piecewise((x * y, condition), (x + y, True)))
    for a, b in [(1.5, 0.5), (1.5, -0.5), (-1.5, 0.5), (-1.5, -2.5), (-1.5, -0.5)]:
        want = a * b if truth(a, b) else a + b
        assert graph.evaluate(x=a, y=b)[graph.output] == want, (a, b)


def test_closed_forms_round_trip_to_sympys_derivatives():
    a, b = sympy.symbols("a b", real=True)
    for expr in [sympy.log(a, 2) * b, sympy.atan2(b, a) * sympy.erf(a), a ** sympy.Rational(-3, 2) * b,
                 sympy.root(a**2 + 1, 3) / b, sympy.cot(a) * b]:
        for name, closed in sg.grad(expr).items():
            closed = closed.replace(lambda e: type(e).__name__ == "hypot", lambda e: sympy.sqrt(e.args[0]**2 + e.args[1]**2))
            assert sympy.simplify(closed - sympy.diff(expr, a if name == "a" else b)) == 0, (expr, name, closed)
    for expr in [(a**2 + 1) ** b, sympy.Max(a, b, 2 * a) + sympy.Min(a, b, a**2), sympy.Piecewise((a * b, a > b), (a**2, True)),
                 sympy.Abs(a) * sympy.sign(b)]:  # branches: equal where sympy's derivative is defined
        gradient = sg.grad(expr)
        for at in [(0.3, -1.2), (-0.7, 0.4), (1.6, 0.9)]:
            subs = dict(zip((a, b), at))
            for name, closed in gradient.items():
                want = float(sympy.diff(expr, a if name == "a" else b).subs(subs))
                assert float(closed.subs(subs)) == pytest.approx(want), (expr, name, at)


# ------------------------------------------------------------------ a nan branch in a closed form
@pytest.mark.parametrize("f", [sympy.Piecewise((x, x > 0)), sympy.Piecewise((x**2, x > 0), (x * y, x > -1)),
                               "where(x > 0, x, 0) + where(x <= 0, x*(0/0), 0)"], ids=str)
def test_a_gradient_that_is_nan_somewhere_prints_and_simplifies(f):
    """str(), latex() and simplify() of the gradient of Piecewise((x, x > 0)) raised TypeError: Invalid NaN
    comparison (sympy ordering a sum of two Piecewise, one with a nan branch)."""
    gradient = sg.grad(f)
    for name, closed in gradient.items():
        assert str(closed) and sympy.latex(closed) and sympy.srepr(closed)
        simplified = sympy.simplify(closed)
        for at in (-3.0, 0.5, 2.0):
            point = {n: at for n in gradient}
            number = gradient.at(**point)[name]
            value = complex(simplified.subs({sympy.Symbol(n): at for n in gradient}).evalf())
            assert math.isnan(number) and math.isnan(value.real) or _close(number, value.real), (name, at)


# ------------------------------------------------------------------ what is refused, on every call path
REFUSED = [
    (sympy.gamma(x), "gamma"), (sympy.loggamma(x), "loggamma"), (sympy.sinc(x), "sinc"),
    (sympy.Function("f")(x), "sg.function"), (sympy.Lambda(x, x**2), "Lambda"),
    (sympy.Derivative(sympy.Function("f")(x), x), "Derivative"), (sympy.Integral(x * y, (x, 0, 1)), "Integral"),
    (sympy.Sum(x**y, (y, 0, 3)), "Sum"), (sympy.Product(x + y, (y, 1, 3)), "Product"),
    (sympy.DiracDelta(x), "DiracDelta"), (sympy.I * x, "imaginary"), (sympy.zoo * x, "zoo"),
    (sympy.diff(sympy.Abs(x), x), "real=True"), (sympy.Piecewise((x, sympy.Symbol("b")), (y, True)), "condition b"),
    (sympy.Symbol("a b") * x, "'a b'"), (sympy.Symbol("x[0]") * y, "'x[0]'"), (sympy.Symbol("α") * x, "'α'"),
]
CALLS = {
    "grad": sg.grad, "jacobian": sg.jacobian, "hessian": sg.hessian, "hvp": lambda f: sg.hvp(f, ["x"], [1.0]),
    "value_and_grad": sg.value_and_grad, "compare": sg.compare, "explore": sg.explore, "to_mermaid": sg.to_mermaid, "to_dot": sg.to_dot, "from_sympy": Graph.from_sympy,
}


@pytest.mark.parametrize("call", CALLS, ids=str)
@pytest.mark.parametrize("expr, named", REFUSED, ids=[n for _, n in REFUSED])
def test_an_unsupported_construct_is_a_symgraph_error_naming_it_on_every_call(expr, named, call):
    with pytest.raises(sg.SymgraphError, match=named.replace("[", r"\[").replace("(", r"\(")) as caught:
        CALLS[call](expr)
    assert len(str(caught.value)) < 2000


def test_a_deep_expression_refused_at_its_bottom_says_so_in_one_line():
    """The message printed the whole expression: sympy's printer recursed 10,000 levels (RecursionError)."""
    e = sympy.gamma(x)
    for _ in range(10_000):
        e = sympy.sin(sympy.Add(e, 1, evaluate=False), evaluate=False)
    with pytest.raises(UnsupportedOpError, match=r"cannot convert gamma \(gamma\(x\)\)"):
        Graph.from_sympy(e)
    wide = sympy.gamma(sympy.Add(*sympy.symbols("a0:5000")))
    with pytest.raises(UnsupportedOpError, match=r"gamma \(gamma\(\.\.\.\)\)") as caught:
        Graph.from_sympy(wide)
    assert len(str(caught.value)) < 2000


def test_a_ten_thousand_deep_two_argument_log_chain_converts():
    e = x
    for _ in range(10_000):
        e = sympy.log(sympy.Add(e, 2, evaluate=False), 2, evaluate=False)
    graph = Graph.from_sympy(e)
    value = 0.5
    for _ in range(10_000):
        value = math.log(value + 2) / math.log(2)
    assert graph.evaluate(x=0.5)[graph.output] == pytest.approx(value)
    assert np.isfinite(sg.grad(e).at(x=0.5)["x"])


def test_a_sum_and_a_product_of_ten_thousand_symbols_convert():
    names = sympy.symbols("a0:10000")
    point = {s.name: 1.0 + (k % 7) / 10 for k, s in enumerate(names)}
    for expr, want in [(sympy.Add(*names), sum(point.values())), (sympy.Add(*[s**2 for s in names]),
                                                                  sum(v * v for v in point.values()))]:
        graph = Graph.from_sympy(expr)
        assert sorted(graph.inputs) == sorted(s.name for s in names)
        assert graph.evaluate(**point)[graph.output] == pytest.approx(want)
    gradient = sg.grad(sympy.Mul(*names[:200])).at(**{s.name: point[s.name] for s in names[:200]})
    assert gradient["a3"] == pytest.approx(math.prod(point[f"a{k}"] for k in range(200) if k != 3))


# ------------------------------------------------------------------ what counts as a list of functions
@pytest.mark.parametrize("functions", [
    [x * y, x * y, x], (x * y, x * y, x), sympy.Tuple(x * y, x * y, x), sympy.Matrix([x * y, x * y, x]),
    sympy.ImmutableMatrix([[x * y, x * y, x]]), sympy.Array([x * y, x * y, x]),
], ids=lambda f: type(f).__name__)
def test_n_functions_in_give_n_results_out_in_order(functions):
    graph = Graph.from_sympy(functions)
    assert len(graph.outputs) == 3 and graph.outputs[0] == graph.outputs[1]
    assert sg.jacobian(functions) == sympy.Matrix([[y, x], [y, x], [1, 0]])


def test_numbers_of_numpy_and_fractions_are_functions_too():
    graph = Graph.from_sympy([x, np.int64(3), np.float32(0.5), Fraction(1, 3)])
    values = graph.evaluate(x=2.0)
    assert [values[o] for o in graph.outputs] == [2.0, 3.0, 0.5, pytest.approx(1 / 3)]
    assert sg.jacobian([x * y, np.int64(2)]) == sympy.Matrix([[y, x], [0, 0]])
    for bad in ([x, 1j], [x, np.bool_(True)], sympy.Array([[x, y]])):
        with pytest.raises(sg.SymgraphError):
            Graph.from_sympy(bad)


# ------------------------------------------------------------------ symbols as users name them
def test_symbols_named_like_generated_names_or_grammar_words_are_ordinary_inputs():
    names = ["v1", "t1", "e", "pi", "sin", "x_0", "out", "f", "where", "E", "I", "inf", "nan", "np"]
    symbols = [sympy.Symbol(n) for n in names]
    expr = sum(sympy.sin(s) * s ** (k + 1) for k, s in enumerate(symbols)) * x
    point = {n: 0.1 + k / 20 for k, n in enumerate(names)} | {"x": 1.5}
    gradient = sg.grad(expr)
    assert sorted(gradient) == sorted(names + ["x"])
    subs = {sympy.Symbol(n): v for n, v in point.items()}
    numbers = gradient.at(**point)
    compiled = sg.value_and_grad(expr)(**point)
    for k, n in enumerate(gradient):
        want = float(sympy.diff(expr, sympy.Symbol(n)).evalf(30, subs=subs))
        assert sympy.simplify(gradient[n] - sympy.diff(expr, sympy.Symbol(n))) == 0
        assert numbers[n] == pytest.approx(want) and float(compiled[1][k]) == pytest.approx(want)
    for export in (sg.to_latex, sg.to_mermaid, sg.to_dot):
        assert export(expr)


def test_assumptions_and_dummies_keep_their_symbols():
    n = sympy.Symbol("n", integer=True)
    d = sympy.Dummy("d")
    gradient = sg.grad(p**2 * n + d * x)
    assert gradient["p"] == 2 * p * n and gradient["n"] == p**2 and gradient["d"] == x and gradient["x"] == d
    with pytest.raises(UnsupportedOpError, match="two different symbols are both named 'x'"):
        Graph.from_sympy(x + sympy.Dummy("x"))


@pytest.mark.parametrize("number, value", [
    (sympy.Integer(3), 3.0), (sympy.Rational(2, 3), 2 / 3), (sympy.S.Half, 0.5), (sympy.Float("2.5"), 2.5),
    (sympy.Float("3.14159265358979323846264338327950288", 40), math.pi), (sympy.pi, math.pi), (sympy.E, math.e),
    (sympy.oo, math.inf), (-sympy.oo, -math.inf), (sympy.nan, math.nan), (sympy.Float("1e-400"), 0.0),
    (sympy.Float("1e400"), math.inf), (sympy.Integer(10) ** 400, math.inf),
])
def test_numbers_convert_to_their_float64_values(number, value):
    graph = Graph.from_sympy([number, x])
    got = graph.evaluate(x=1.0)[graph.outputs[0]]
    assert math.isnan(got) if math.isnan(value) else got == pytest.approx(value)
