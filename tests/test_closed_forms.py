"""Closed forms are a view that never blocks, and they agree with the numbers (issue 14, items 6 and 10).

Work is bounded by calls made (:class:`tests.helpers.bounded_work`), a few times what each takes:
these test that nothing hangs or grows out of bounds, not speed.
"""
import io
import math
import sys

import pytest
from hypothesis import given, settings, strategies as st
import sympy

import symgraph as sg
from symgraph import constants
from symgraph.cli import main
from symgraph.ir.listing import count_text
from symgraph.errors import ExpressionTooLargeError, SymgraphError
from tests.helpers import bounded_work

x = sympy.Symbol("x")


def timed(fn, calls=3_000_000):  # the largest below makes 740,000 calls
    with bounded_work(calls, f"closed forms, line {sys._getframe(1).f_lineno}"):
        return fn()


def cli(*argv):
    buffer = io.StringIO()
    status = main(list(argv), buffer)
    return status, buffer.getvalue()


def chain(depth, inner="x"):
    text = inner
    for _ in range(depth):
        text = f"sin({text})"
    return text


def twice(lines):
    return "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, lines + 1))


# ------------------------------------------------------------------ huge constants
@pytest.mark.parametrize("text, want", [("9^9^9^9*x", sympy.oo), ("x/9^9^9^9", 0), ("log(9^9^9^9)*x", sympy.oo),
                                        ("x*sqrt(2)^100000", sympy.oo), ("x*sqrt(2)^1000000000", sympy.oo),
                                        ("x*(2*pi)^100000", sympy.oo), ("exp(exp(exp(10)))*x", sympy.oo)])
def test_huge_constants_give_float64_values_at_once(text, want):
    g = sg.grad(text)
    assert timed(lambda: g["x"]) == want
    assert timed(lambda: repr(g)) == f"Gradient({{'x': {sympy.sstr(want)}}})"
    assert timed(g.latex).startswith(r"\frac{\partial f}{\partial x} = ")


def test_cli_grad_of_a_huge_constant():
    status, out = timed(lambda: cli("grad", "9^9^9^9*x"))
    assert status == 0 and out == "df/dx = oo\n"


def test_graph_keeps_the_constant_as_written():
    assert "387420489" in str(sg.parse("9^9^9^9*x"))


# ------------------------------------------------------------------ closed form == numbers
CONSTANT_HEAVY = ["3^1000*x/3^999", "x*(9^9^9^9 - 9^9^9^9)", "9^9^9^9*x", "x/9^9^9^9", "log(9^9^9^9)*x",
                  "1e308*10*x", "x/0", "x*0/0", "-x/0", "x*(2^1000*2^1000)", "x*2^-2000", "x*(1/2)^2000",
                  "exp(1000)*x", "x*sqrt(0-1)", "x*log(0)", "x*sin(3^1000)", "x^2*3^700/3^699", ".5*x",
                  "x*(1e308*10 - 1e308*10)", "x*asin(2)", "2^0.5*x", "x*(0-8)^(1/3)", "x*0^(0-1)",
                  "2*pi*x + sqrt(2)*x", "x*(2^1000*2^1000)/(2^1000*2^1000)",
                  # constants made of constants (sympy expands sqrt(2)^n to an exact 2^(n/2))
                  "x*sqrt(2)^100000", "x*sqrt(2)^(0-100000)", "x*sqrt(2)^2050", "x*sqrt(2)^20",
                  "x*(2*pi)^100000", "exp(exp(exp(10)))*x", "x*exp(10)*sin(sqrt(2))"]


def mp_value(expr, point):
    value = sympy.sympify(expr).subs({sympy.Symbol(k): sympy.Float(v, 30) for k, v in point.items()}).evalf(30)
    if value is sympy.nan or value is sympy.zoo or not value.is_extended_real:
        return math.nan
    return float(value)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("text", CONSTANT_HEAVY)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_closed_form_agrees_with_the_numbers(text):
    g = sg.grad(text, wrt=["x"])
    point = {"x": 1.5}
    closed = mp_value(timed(lambda: g["x"]), point)
    number = g.at(**point)["x"]
    assert same(closed, number), (text, g["x"], number)
    assert same(float(g.lambdify()(1.5)[0]), number), text
    graph = sg.parse(text)
    assert same(mp_value(graph.expr(), point), graph.evaluate(**point)[graph.output]), text


def test_the_issue_examples_agree():
    assert sg.grad("3^1000*x/3^999")["x"] is sympy.nan
    assert sg.grad("x*(9^9^9^9 - 9^9^9^9)")["x"] is sympy.nan


def test_constant_value_never_overflows():
    assert constants.constant_value(sympy.Integer(2) ** 1100) == math.inf
    assert constants.constant_value(-sympy.Integer(2) ** 1100) == -math.inf
    assert constants.constant_value(sympy.Rational(1, 2 ** 1100)) == 0.0
    assert constants.constant_value(sympy.Float("1e400")) == math.inf
    assert constants.closed_constant(sympy.Integer(2) ** 1100) is sympy.oo
    assert constants.closed_constant(sympy.Integer(2) ** 1000) == sympy.Integer(2) ** 1000  # fits: stays exact


def test_a_sympy_float_below_float64_is_zero_in_closed_forms_as_in_the_numbers():
    """Float("1e-400") (nonzero, below float64's smallest subnormal) stayed 1e-400 in closed forms while the
    numbers computed 0: the derivative of x*Float("1e-400") was 1e-400 printed and 0.0 at every point."""
    x = sympy.Symbol("x")
    assert constants.closed_constant(sympy.Float("1e-400")).is_zero
    gradient = sg.grad(x * sympy.Float("1e-400"))
    assert gradient["x"].is_zero and gradient.at(x=1.5) == {"x": 0.0}
    assert constants.closed_constant(sympy.Float("1e-310")) == sympy.Float("1e-310")  # subnormal: kept
    assert constants.closed_constant(sympy.Float(0.0)).is_zero


# ------------------------------------------------------------------ deep and exponential results
def test_deep_chain_never_recurses():
    text = chain(400)
    g = sg.grad(text)
    with pytest.raises(ExpressionTooLargeError, match="levels deep"):
        g["x"]
    shown = timed(lambda: repr(g))
    assert "out[x] = " in shown and "levels deep" in shown and len(shown) < 5000
    latex = timed(g.latex)
    assert r"\frac{\partial f}{\partial x}" in latex and len(latex) < 10000
    with pytest.raises(ExpressionTooLargeError):
        sg.parse(text).expr()
    with pytest.raises(SymgraphError):
        sg.jacobian([text, "x*y"])
    assert len(str(sg.parse(text)).splitlines()) == 400
    assert g.at(x=0.5)["x"] == pytest.approx(sg.grad(text).lambdify()(0.5)[0])


def test_chain_within_the_depth_limit_builds():
    g = sg.grad(chain(110))
    assert g["x"].count_ops() > 110
    assert "out[x]" in str(g)  # 6,000 operations written out: printed as its program
    assert str(sg.grad(chain(10))).startswith("Gradient({'x': ")


def test_deep_chain_on_the_command_line():
    status, out = timed(lambda: cli("grad", chain(400), "--at", "x=0.5"))
    assert status == 0 and "levels deep" in out and out.rstrip().splitlines()[-1].startswith("df/dx = t")
    status, out = timed(lambda: cli("latex", chain(400)))
    assert status == 0 and out.splitlines()[0] == r"v_{1} = \sin{\left(x \right)}"
    assert timed(lambda: sg.to_latex(twice(15))).count("\n") < 50


@pytest.mark.parametrize("lines", [10, 13, 15])
def test_shared_twice_per_line_prints_its_program(lines):
    g = sg.grad(twice(lines))
    shown = timed(lambda: repr(g))
    assert "out[x] = " in shown and "expand with" in shown and len(shown) < 5000
    assert len(timed(g.latex)) < 20000
    status, out = timed(lambda: cli("grad", twice(lines)))
    assert status == 0 and "--expand" in out and len(out) < 5000


def test_expand_on_the_command_line_prints_the_closed_form():
    status, out = timed(lambda: cli("grad", twice(3), "--wrt", "y", "--expand"))
    assert status == 0 and "sin(" in out and "out[" not in out


def test_expand_in_python():
    g = sg.grad(twice(5))
    assert not g.is_small("x")
    assert "out[x]" in g.formula("x")
    raw = g.expand("x", simplify=False)
    assert float(raw.subs({x: 0.3, sympy.Symbol("y"): 0.7})) == pytest.approx(g.at(x=0.3, y=0.7)["x"])


# ------------------------------------------------------------------ bounded simplification
def test_lennard_jones_partial_is_quick_and_right():
    text = "r = sqrt((x1-x2)^2+(y1-y2)^2+(z1-z2)^2); e = 4*eps*((sig/r)^12 - (sig/r)^6)"
    g = sg.grad(text, wrt=["x1"])
    got = timed(lambda: g["x1"])
    s = {n: sympy.Symbol(n) for n in ("x1", "x2", "y1", "y2", "z1", "z2", "eps", "sig")}
    r = sympy.sqrt((s["x1"] - s["x2"]) ** 2 + (s["y1"] - s["y2"]) ** 2 + (s["z1"] - s["z2"]) ** 2)
    want = sympy.diff(4 * s["eps"] * ((s["sig"] / r) ** 12 - (s["sig"] / r) ** 6), s["x1"])
    point = dict(zip(s.values(), (0.3, 1.1, -0.2, 0.5, 0.9, 0.1, 1.3, 0.8)))
    assert float(got.subs(point)) == pytest.approx(float(want.subs(point)))


def test_rosenbrock_1000_closed_forms():
    text = " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1000))
    g = sg.grad(text)
    forms = timed(lambda: dict(g), calls=40_000_000)  # 12.4 M calls, 6 s of sympy's simplification; minutes before
    assert len(forms) == 1001
    assert timed(lambda: repr(g)).endswith("(981 more)})")


def test_nested_tanh_closed_form():
    text = "x"
    for _ in range(50):
        text = f"tanh(x + {text})"
    g = sg.grad(text)
    timed(lambda: repr(g))
    timed(lambda: g.expand("x", simplify=False))


# ------------------------------------------------------------------ huge counts
def test_huge_numbers_print_without_the_int_digit_limit():
    g = sg.grad("x" + "*2^1000" * 15)
    assert timed(lambda: repr(g)) == "Gradient({'x': oo})"
    assert timed(g.latex).endswith(r"\infty")
    assert count_text(2 ** 15000) == "about 10^4515"
    assert count_text(12345) == "12,345"


def test_a_huge_count_reads_as_its_nearest_power_of_ten():
    """The power came from the bit length rounded down: 10^15 read about 10^14, and a closed form's size capped
    at 10^18 operations (the where() chain's dense Jacobian) read about 10^17."""
    assert [count_text(10 ** k) for k in (15, 18, 400)] == ["about 10^15", "about 10^18", "about 10^400"]
    assert count_text(3 * 10 ** 20) == "about 10^20" and count_text(7 * 10 ** 20) == "about 10^21"


def test_compare_on_a_program_with_more_paths_than_int_digits():
    text = "\n".join(["v0 = x"] + [f"v{i} = v{i - 1}*x + v{i - 1}" for i in range(1, 15000)])
    report = sg.compare(text)
    assert "about 10^" in str(report)


# ------------------------------------------------------------------ symbols
def test_closed_forms_use_the_graphs_own_symbols():
    g = sg.grad("x*y^2")
    assert g["y"].free_symbols == {g.graph.symbol("x"), g.graph.symbol("y")}


# ------------------------------------------------------------------ constants that are not finite
@pytest.mark.parametrize("text, want", [
    ("x*where(1 > 0/0, 1, 2) + x", 3),             # sympy raised "Invalid NaN comparison"
    ("x*where(not 0/0 < 1 and pi > 3, 1, 2)", 1),
    ("x*where(0/0 == 0/0, 1, 2)", 2),
    ("x*1^(0/0)", 1),                              # NumPy's 1**nan is 1; sympy's is nan
    ("x/(1/0)", 0),                                # exact where sympy agrees
])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # 1/0 and 0/0 warn, as NumPy does
def test_constants_with_nan_or_inf_operands_follow_the_numbers(text, want):
    g = sg.grad(text)
    assert g.at(x=1.0) == {"x": want}
    assert float(g["x"]) == want


class _CountedRows(list):
    """A program's rows that count how many of them a walk reads (forwards or backwards)."""

    read = 0

    def __iter__(self):
        for row in super().__iter__():
            _CountedRows.read += 1
            yield row

    def __reversed__(self):
        return _CountedBackwards(self)


class _CountedBackwards:
    def __init__(self, rows):
        self.rows = list.__reversed__(rows)

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self.rows)
        _CountedRows.read += 1
        return row

    def __length_hint__(self):
        return self.rows.__length_hint__()


def test_printing_a_huge_gradient_reads_a_bounded_part_of_its_program(monkeypatch):
    """repr and formula of a gradient whose entries need a 540,000-row program (a chain) or rows at both ends
    of a 900,000-row one (Rosenbrock at n = 100,000) walked the whole program two or three times (0.3-2.4 s):
    now printing reads at most PRINT_SCAN rows, and a result whose rows lie beyond that prints the last lines
    of its listing, saying it is shortened and how to see every line.  (Bounds made small here, so that a
    small chain has a "huge" program.)"""
    from symgraph.export import display
    monkeypatch.setattr(display, "PRINT_SCAN", 2_000, raising=False)
    monkeypatch.setattr(display, "PRINT_ROWS", 500, raising=False)
    lines = [f"v{k + 1} = sin({v})*{v} + {v}^2/(1+{v}^2)" for k, v in ((k, "x" if k == 0 else f"v{k}")
                                                                        for k in range(1_000))]
    g = sg.grad("\n".join(lines))
    total = len(g.program.instructions)
    assert total > 5 * display.PRINT_SCAN
    g.program.instructions = _CountedRows(g.program.instructions)
    for text in (repr(g), str(g), g.formula("x")):
        assert "# ... earlier lines not shown" in text and "result.program.listing() writes every line" in text
        assert "out[x] = " in text and "expand with result['x']" in text
    assert repr(g).startswith("Gradient of 1 entry as a program (shortened):\n")
    _CountedRows.read = 0
    repr(g)
    assert _CountedRows.read <= display.PRINT_SCAN
    _CountedRows.read = 0
    g.formula("x")
    assert _CountedRows.read <= display.PRINT_SCAN
    whole = g.program.listing()  # every line, on request
    assert whole.count("\n") + 1 == total + 1


def test_printing_within_the_bounds_is_unchanged():
    """A gradient whose rows lie within the bounds prints as before: its closed forms, or its whole listing cut
    in the middle."""
    assert repr(sg.grad("(a+b)*(b+1)", wrt=["a", "b"])) == "Gradient({'a': b + 1, 'b': a + 2*b + 1})"
    lines = [f"v{k + 1} = sin({v})*{v} + {v}^2/(1+{v}^2)" for k, v in ((k, "x" if k == 0 else f"v{k}")
                                                                        for k in range(100))]
    text = repr(sg.grad("\n".join(lines)))
    assert text.startswith("Gradient of 1 entry as a program:\n") and "lines omitted" in text
    assert "earlier lines not shown" not in text


def test_a_select_by_a_comparison_with_a_non_real_piece_builds_its_closed_forms():
    """``(-1)^0.5`` in a piece of a condition (nan in the numbers): sympy refused to fold it into the comparison
    (TypeError: Invalid comparison of non-real 1.0*I), so the Jacobian, which builds its entries, raised."""
    J = sg.jacobian(["where(x > (where(y == 0, -1, 0) ^ 0.5), x*y, sin(y))"], wrt=["x", "y"])
    assert "Piecewise" in str(J)
    f = J.lambdify()
    assert f(1.0, 0.0).tolist() == [[0.0, 1.0]]  # 1 > nan is false: the derivatives of sin(y) at 0
    assert f(1.0, 2.0).tolist() == [[2.0, 1.0]]


def test_a_comparison_with_a_value_sympy_proves_non_real_is_numpys_comparison_with_nan():
    """``log(min(-1, x))`` is nan in the numbers; sympy raised TypeError (Invalid comparison of non-real) building
    the comparison, so sg.hessian and sg.jacobian, which build their entries, raised."""
    H = sg.hessian("where(1 > log(min(-1, x)), x*x, y^3)", wrt=["x", "y"])
    assert H == sympy.Matrix([[0, 0], [0, 6 * sympy.Symbol("y")]])  # 1 > nan is false: y^3
    J = sg.jacobian(["where(log(min(-1, x)) != 0.5, x*y, y)"], wrt=["x", "y"])  # nan != 0.5 is true
    assert J == sympy.Matrix([[sympy.Symbol("y"), sympy.Symbol("x")]])
    assert J.lambdify()(1.5, 2.0).tolist() == [[2.0, 1.5]]


@settings(max_examples=300, deadline=None)
@given(p=st.integers(-10**6, 10**6), q=st.integers(1, 10**6), e=st.integers(-40, 40))
def test_exact_powers_fold_to_sympys_own_number(p, q, e):
    """A rational to an integer power folds in Python's integers, to the number (and class) sympy's Pow gives."""
    base = sympy.Rational(p, q)
    folded = constants.fold("pow", (base, sympy.Integer(e)))
    if p == 0 and e < 0:
        assert folded is None  # 1/0 stays unfolded
    else:
        want = base ** e
        assert folded == want and type(folded) is type(want)


def test_index_powers_in_a_sum_fold_exactly():
    """i^2 and i^3 fold per index to exact integers (sum(x[i]*i^2, ...) weights each element by its own)."""
    g = sg.parse("sum(x[i]*i^2, i, 0, n-1) + y*sum(i^3/2^i, i, 0, n-1)", n=200)
    assert sg.grad(g, ["y"])["y"] == sum(sympy.Rational(i ** 3, 2 ** i) for i in range(200))
    assert sg.grad(g, ["x[7]"])["x[7]"] == 49


def test_a_condition_holding_a_where_is_not_solved_as_an_inequality():
    """where(z > where(cos(z) > 1/6, sigmoid(x), -1.5), y/x, 0): sympy folds a condition holding a Piecewise into
    an ITE form, solving each comparison as an inequality (cos(z) > 1/6 through its periodicity), so printing this
    gradient of 40 operations took 1.5-6 s (simplify="full" up to 50 s).  The condition is now folded once, into
    plain comparisons, and the closed forms still agree with the numbers on both sides of both conditions."""
    with bounded_work(500_000, "a where in a condition"):  # 122,000 calls
        g = sg.grad("where(z + 2 + 0.5/z > where(cos(z) > 0.5/3, sigmoid(x), -1.5), y/x, 0)*x^y")
        assert "cos(z) > 0.166666666666667" in repr(g) and "ITE" not in repr(g)
    x, y, z = sympy.symbols("x y z")
    for point in ({x: 0.7, y: 1.3, z: 0.4}, {x: 0.7, y: 1.3, z: -0.4}, {x: 2.0, y: 1.3, z: 5.0}, {x: 9.0, y: 2.5, z: 1.4}):
        numbers = g.at({str(k): v for k, v in point.items()})
        for k in g:
            assert float(g[k].xreplace(point)) == pytest.approx(numbers[k], rel=1e-12, abs=1e-15)


def test_a_condition_on_where_values_is_folded_once_and_means_the_same():
    """sympy folds a condition on a where() value into an ITE, and folding that condition again simplifies it in
    conjunctive normal form, exponential in its comparisons: this took 0.5 s to build, and a chain of five took
    7-60 s.  The condition is folded once, to negation normal form, with the same values everywhere."""
    graph = sg.parse("where(where(where(a > 0, a, b) > c, a, b) > 1, x, y)")
    expr = graph.expr()
    assert not expr.has(sympy.ITE)
    names = ("a", "b", "c")
    for values in [(-2, 0.5, 1.5), (0.5, 2, 1), (1.5, -2, 0.5), (2, 2, 3), (-1, 3, 2), (3, 0, 1)]:
        point = dict(zip(names, values), x=10, y=20)
        assert float(expr.subs({sympy.Symbol(k): v for k, v in point.items()})) == graph.evaluate(**point)[graph.output]


def test_a_chain_of_where_comparing_the_one_before_is_refused_before_building():
    """Each c[k+1] compares c[k], a sum holding where() values: sympy writes the condition once per combination
    of their branches (1,806 for c[5]), and the dense Jacobian took over a minute in sympy's Piecewise folding.
    It is counted on the program and refused at once, saying what to use instead."""
    lines = "c0 = x\n" + "\n".join(f"c{k + 1} = max(c{k}, y*{k}) + where(c{k} > {k}, abs(c{k}), z)" for k in range(5))
    graph = sg.parse(lines, outputs=[f"c{k}" for k in range(1, 6)])
    with pytest.raises(ExpressionTooLargeError, match="sparse=True"), bounded_work(50_000, "where chain refused"):
        sg.jacobian(graph, wrt=["x", "y", "z"])
    program = sg.jacobian(graph, wrt=["x", "y", "z"], sparse=True).program
    assert program.expanded_size("dc4/dx") < 100_000 < program.expanded_size("dc5/dx")


def test_a_dense_jacobian_folding_large_conditions_is_refused_before_building():
    """Three where() definitions each comparing a sum of max() of the one before: the conditions hold 8 pieces,
    but each piece is a copy of a large condition, and sympy compares the operands of every Max in every copy
    (its dense Jacobian took 4-17 s, its Hessian over 30 s).  Building them is counted and refused; two build."""
    def text(n: int) -> str:
        lines = (f"c{k + 1} = f(c{k}, y{k}) + sum(max(c{k}*j, y{k})*x, j, 1, 3)" for k in range(n))
        return "f(u, v) = where(u > v, max(u, v, 1), min(u, v)^2)\n" + "\n".join(lines).replace("c0", "x")
    with pytest.raises(ExpressionTooLargeError, match="sparse=True"), bounded_work(100_000, "max conditions refused"):
        sg.jacobian(sg.parse(text(3), outputs=["c1", "c2", "c3"]))
    assert sg.jacobian(sg.parse(text(1), outputs=["c1"])).shape == (1, 2)


def test_a_dense_jacobian_whose_max_min_and_abs_walk_large_operands_is_refused_before_building():
    """sympy's Max and Min factor the difference of their operands and Abs conjugates its operand, walking their
    trees: c[k+1] = min(max(c[k], y[k]), z) + abs(c[k] - y[k]) built its dense Jacobian in 0.4 s to c[8] and 6 s to
    c[12], counted as 825 and 1,809 arguments.  Building counts those walks; to c[12] it is refused at once."""
    def chain(n: int) -> sg.Graph:
        lines = "c0 = x\n" + "\n".join(f"c{k + 1} = min(max(c{k}, y{k}), z) + abs(c{k} - y{k})" for k in range(n))
        return sg.parse(lines, outputs=[f"c{k}" for k in range(1, n + 1)])
    with pytest.raises(ExpressionTooLargeError, match="sparse=True"), bounded_work(150_000, "max min abs refused"):
        sg.jacobian(chain(12))
    assert sg.jacobian(chain(6)).shape == (6, 8)
    assert sg.jacobian(chain(12), sparse=True).nnz > 0


def test_a_value_squared_or_doubled_counts_its_operand_once_as_sympy_writes_it():
    # u*u is written u**2 and u + u as 2*u: the iterated map u -> u*u + a has a closed form of 2 operations a level,
    # where counting u twice said 196,606 operations at 16 levels and refused it
    text = "; ".join(["u0 = x"] + [f"u{k + 1} = u{k}*u{k} + a" for k in range(16)])
    with bounded_work(10**7):
        closed = sg.parse(text).expr()
    assert sympy.count_ops(closed) == 32
    doubled = "; ".join(["u0 = x"] + [f"u{k + 1} = sin(u{k} + u{k})" for k in range(40)])
    assert sympy.count_ops(sg.parse(doubled).expr()) == 80
    # a product of two different values still counts both
    with pytest.raises(ExpressionTooLargeError, match="operations written out"):
        sg.parse("; ".join(["u0 = x"] + [f"u{k + 1} = u{k}*sin(u{k}) + a" for k in range(20)])).expr()
