"""Conditions and branches: comparisons, and/or/not, where(), n-ary min/max, clip, and NaN-safe derivatives.

The reference for every derivative is ``sympy.diff`` of a sympy form written
here by hand (``Piecewise``, ``Max``, ...), never symgraph's own sympy, at
points away from the kinks; the conventions at the kinks are tested on their own.
"""
import importlib.util
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import ArgumentError, GraphError, ParseError
from symgraph.names import function_name

X, Y, Z = sympy.symbols("x y z", real=True)
MODES = ["reverse", "forward", "paths", "elimination"]
BACKENDS = ["numpy", "vm"] + (["numba"] if importlib.util.find_spec("numba") else [])


def pw(*pieces):
    return sympy.Piecewise(*pieces)


#: text, its sympy form (written independently), points away from kinks
CASES = [
    ("where(x > 0, sqrt(x), 0)", pw((sympy.sqrt(X), X > 0), (0, True)), [(-1.5, 0.3, 0.2), (2.25, 0.3, 0.2)]),
    ("where(x > 0, log(x), -x)", pw((sympy.log(X), X > 0), (-X, True)), [(-2.0, 0, 0), (0.5, 0, 0)]),
    ("where(x > 1 and y < 2, x*y^2, sin(x) - y)", pw((X * Y**2, (X > 1) & (Y < 2)), (sympy.sin(X) - Y, True)),
     [(1.5, 1.0, 0), (1.5, 3.0, 0), (0.5, 1.0, 0)]),
    ("where(not (x <= 0), x^3, where(y >= 0, exp(y)*x, -x*y))",
     pw((X**3, X > 0), (sympy.exp(Y) * X, Y >= 0), (-X * Y, True)), [(0.7, -1, 0), (-0.7, 0.4, 0), (-0.7, -0.4, 0)]),
    ("max(x, y, 1) + min(x*y, 2)", sympy.Max(X, Y, 1) + sympy.Min(X * Y, 2),
     [(3.0, 0.5, 0), (0.2, 1.7, 0), (0.3, 0.2, 0)]),
    ("clip(x*y, -1, 1) + sign(x)*floor(y) + heaviside(x - y, 0.5)*x",
     sympy.Min(sympy.Max(X * Y, -1), 1) + sympy.sign(X) * sympy.floor(Y) + sympy.Heaviside(X - Y, 0.5) * X,
     [(0.5, 0.9, 0), (2.0, 1.5, 0), (-3.0, 0.7, 0)]),
    ("c = x*y; where(c != 0, c^2, 1) + where(x == y, x, y) + where(x >= y or y > 2, x, 0)",
     pw((X**2 * Y**2, sympy.Ne(X * Y, 0)), (1, True)) + pw((X, sympy.Eq(X, Y)), (Y, True))
     + pw((X, (X >= Y) | (Y > 2)), (0, True)), [(0.5, 0.25, 0), (0.75, 0.75, 0), (0.1, 3.0, 0)]),
    ("where(x > 0, sqrt(x), 0) * where(y > 0, log(y), 0)",
     pw((sympy.sqrt(X), X > 0), (0, True)) * pw((sympy.log(Y), Y > 0), (0, True)),
     [(-1.0, -1.0, 0), (-1.0, 2.0, 0), (2.0, -1.0, 0), (4.0, 3.0, 0)]),
    ("where(x > -1, where(x > 0, sqrt(x), 0) * log(x + 1), 0) + where(z < 0, sqrt(-z), z)",
     pw((pw((sympy.sqrt(X), X > 0), (0, True)) * sympy.log(X + 1), X > -1), (0, True))
     + pw((sympy.sqrt(-Z), Z < 0), (Z, True)), [(-2.0, 0, -1.0), (-0.5, 0, 2.0), (3.0, 0, 0.5)]),
    ("max(0, 1 - y*x) + max(0, 1 + x)", sympy.Max(0, 1 - Y * X) + sympy.Max(0, 1 + X),
     [(0.5, 0.5, 0), (2.0, 1.0, 0), (-2.0, 1.0, 0)]),
]
IDS = [text[:40] for text, _, _ in CASES]


def exact(expr, point):
    """The value at ``point``; sympy leaves d floor(u)/du unevaluated, and it is 0 between the jumps."""
    expr = expr.replace(lambda e: isinstance(e, (sympy.Subs, sympy.Derivative)) and e.has(sympy.floor),
                        lambda e: sympy.Integer(0))
    return float(expr.subs(dict(zip((X, Y, Z), map(sympy.Float, point)))).evalf(30))


def wrt_of(expr):
    return [s.name for s in (X, Y, Z) if s in expr.free_symbols]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("text, form, points", CASES, ids=IDS)
def test_gradient_in_every_mode_is_sympy_diff(text, form, points, mode):
    wrt = wrt_of(form)
    g = sg.grad(text, wrt=wrt, mode=mode)
    for point in points:
        values = dict(zip(("x", "y", "z"), point))
        at = {k: values[k] for k in g.graph.inputs}  # in the compiled function's positional order
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no nan, no warning: not even from an untaken branch
            got = g.at(**at)
            compiled = g.lambdify(args=list(g.graph.inputs))(*at.values())
        for k, name in enumerate(wrt):
            want = exact(sympy.diff(form, sympy.Symbol(name, real=True)), point)
            assert got[name] == pytest.approx(want, rel=1e-12, abs=1e-14), (text, mode, point, name)
            assert float(compiled[k]) == got[name]
            closed = g[name].subs({g.graph.symbol(n): v for n, v in at.items()})
            assert float(closed.evalf(30)) == pytest.approx(want, rel=1e-12, abs=1e-14), (text, mode, point, name)


@pytest.mark.parametrize("text, form, points", CASES, ids=IDS)
def test_arrays_points_numba_jvp_and_vjp_agree(text, form, points):
    wrt = wrt_of(form)
    g = sg.grad(text, wrt=wrt)
    inputs = list(g.graph.inputs)
    columns = {name: np.array([p["xyz".index(name)] for p in points]) for name in inputs}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arrays = g.lambdify(args=inputs)(*columns.values())
        for i in range(len(points)):
            point = [float(c[i]) for c in columns.values()]
            assert tuple(float(a[i]) for a in arrays) == tuple(float(v) for v in g.lambdify(args=inputs)(*point))
    pytest.importorskip("numba")
    numba = g.lambdify(args=inputs, backend="numba")(*columns.values())
    np.testing.assert_array_equal(np.array(numba), np.array(arrays))
    v = [0.5, -2.0, 3.0][:len(wrt)]
    tangent = sg.jvp(text, wrt, v).at(**{k: c[0] for k, c in columns.items()})
    assert tangent["f"] == pytest.approx(sum(vi * float(a[0]) for vi, a in zip(v, arrays)), rel=1e-12, abs=1e-14)
    cotangent = sg.vjp(text, wrt, [2.0]).at(**{k: c[-1] for k, c in columns.items()})
    for name, a in zip(wrt, arrays):
        assert cotangent[name] == pytest.approx(2.0 * float(a[-1]), rel=1e-12, abs=1e-14)


# -------------------------------------------------------------------- NaN-safe branches (the examples)
@pytest.mark.parametrize("mode", MODES)
def test_gradient_through_an_untaken_branch_is_exactly_zero(mode):
    g = sg.grad("where(x > 0, sqrt(x), 0)", mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.at(x=-1.0) == {"x": 0.0}
        assert g.lambdify()(-1.0) == (0.0,)
        (array,) = g.lambdify()(np.array([-1.0, -4.0, 0.0, 4.0]))
    np.testing.assert_array_equal(array, [0.0, 0.0, 0.0, 0.25])
    assert g["x"].subs(g.graph.symbol("x"), -1) == 0
    value, (d,) = sg.value_and_grad("where(x > 0, sqrt(x), 0)", mode=mode)(-1.0)
    assert (float(value), float(d)) == (0.0, 0.0)


def test_gradient_on_an_array_holding_both_signs():
    g = sg.grad("where(x > 0, log(x), -x)")
    x = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (d,) = g.lambdify()(x)
        at = g.at(x=x)["x"]
    want = np.where(x > 0, 1 / np.where(x > 0, x, 1), -1.0)
    np.testing.assert_array_equal(d, want)
    np.testing.assert_array_equal(at, want)


def test_directional_derivatives_through_untaken_branches():
    text = "where(x > 0, sqrt(x), 0) * y + where(y < 1, log(1 - y), 0)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sg.jvp(text, ["x", "y"], [1, 1]).at(x=-1.0, y=2.0) == {"f": 0.0}
        assert sg.vjp(text, ["x", "y"], [1]).at(x=-1.0, y=2.0) == {"x": 0.0, "y": 0.0}


def test_a_nan_in_the_taken_branch_still_shows():
    """Guarding discards untaken values only: sqrt(x) taken at x = -1 is nan, as the function is."""
    g = sg.grad("where(x > -5, sqrt(x), 0)")
    with np.errstate(all="ignore"):
        assert np.isnan(g.at(x=-1.0)["x"])
        assert np.isnan(sg.lambdify("where(x > -5, sqrt(x), 0)")(-1.0))


def test_jax_gives_nan_where_symgraph_gives_zero():
    """The case of jax#1052: the untaken branch's nan times a zero cotangent."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    assert np.isnan(float(jax.grad(lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0))(-1.0)))
    assert sg.grad("where(x > 0, sqrt(x), 0)").at(x=-1.0) == {"x": 0.0}


def test_generated_code_selects_and_silences_only_discardable_rows():
    source = sg.grad("where(x > 0, log(x), -x) + log(y)", wrt=["x", "y"]).program.source()
    assert "xp.where(" in source and 'errstate(all="ignore")' in source
    quiet = source.split("errstate")[1].split("\n    t")[0]
    assert "log(y)" not in quiet  # the loud row keeps NumPy's warnings
    with pytest.warns(RuntimeWarning):
        sg.grad("where(x > 0, log(x), -x) + log(y)", wrt=["x", "y"]).lambdify()(1.0, 0.0)


def test_float32_stays_float32_through_selects():
    (d,) = sg.grad("where(x > 0, x, 0)").lambdify()(np.float32([-1.0, 2.0]))
    assert d.dtype == np.float32 and d.tolist() == [0.0, 1.0]


# -------------------------------------------------------------------- conventions at the kinks
@pytest.mark.parametrize("mode", MODES)
def test_conventions_at_kinks(mode):
    def at(text, wrt, **point):
        g = sg.grad(text, wrt=wrt, mode=mode)
        got = g.at(**point)
        for backend in BACKENDS:  # compiled code keeps the same convention, on a point and on an array
            f = g.lambdify(backend=backend)
            assert [float(v) for v in f(**point)] == [got[w] for w in wrt], (text, backend)
            batch = f(**{k: np.full(3, v) for k, v in point.items()})
            assert [list(v) for v in batch] == [[got[w]] * 3 for w in wrt], (text, backend)
        return got

    assert at("max(x, y)", ["x", "y"], x=1.0, y=1.0) == {"x": 0.5, "y": 0.5}
    assert at("min(x, y)", ["x", "y"], x=2.0, y=2.0) == {"x": 0.5, "y": 0.5}
    third = at("max(x, y, z)", ["x", "y", "z"], x=1.0, y=1.0, z=1.0)
    assert third == pytest.approx({"x": 1 / 3, "y": 1 / 3, "z": 1 / 3}, rel=1e-15)
    assert at("max(x, y, z)", ["x", "y", "z"], x=0.0, y=1.0, z=1.0) == {"x": 0.0, "y": 0.5, "z": 0.5}
    assert at("min(x, 1, y)", ["x", "y"], x=1.0, y=1.0) == pytest.approx({"x": 1 / 3, "y": 1 / 3}, rel=1e-15)
    assert at("clip(x, 0, 1)", ["x"], x=0.0) == {"x": 0.5}
    assert at("clip(x, 0, 1)", ["x"], x=1.0) == {"x": 0.5}
    assert at("clip(x, 0, 1)", ["x"], x=0.5) == {"x": 1.0}
    assert at("relu(x) + abs(y)", ["x", "y"], x=0.0, y=0.0) == {"x": 0.0, "y": 0.0}
    assert at("sign(x) + floor(x) + ceil(x) + round(x)", ["x"], x=1.0) == {"x": 0.0}
    assert at("heaviside(x, 0.5) * y", ["x", "y"], x=0.0, y=3.0) == {"x": 0.0, "y": 0.5}
    # where takes the branch its condition picks, also on the boundary
    assert at("where(x > 0, 2*x, 3*x)", ["x"], x=0.0) == {"x": 3.0}
    assert at("where(x >= 0, 2*x, 3*x)", ["x"], x=0.0) == {"x": 2.0}
    assert at("where(x == 1, x^2, x)", ["x"], x=1.0) == {"x": 2.0}
    # a repeated operand of a tie gets a share per occurrence; 0^y has derivative 0 in y (JAX's rule)
    assert at("max(x, y, x)", ["x", "y"], x=1.0, y=1.0) == pytest.approx({"x": 2 / 3, "y": 1 / 3}, rel=1e-15)
    assert at("x^y", ["x", "y"], x=0.0, y=2.0) == {"x": 0.0, "y": 0.0}
    assert at("clip(x, y, 1)", ["x", "y"], x=0.5, y=0.5) == {"x": 0.5, "y": 0.5}


def test_n_ary_max_is_one_node_and_prints_as_max():
    graph = sg.parse("max(a, b, c, 2)")
    assert graph.op(graph.output) == "max" and len(graph.operands(graph.output)) == 4
    a, b, c = (graph.symbol(n) for n in "abc")
    assert graph.expr() == sympy.Max(a, b, c, 2)
    assert sg.lambdify("max(a, b, c, 2)")(1, 5, 3) == 5.0


# -------------------------------------------------------------------- the grammar of conditions
def test_precedence_of_comparisons_and_logic():
    g = sg.parse("where(not x > 0 and y < 1 or x == y, 1, 0)")
    x, y = g.symbol("x"), g.symbol("y")
    assert g.expr() == pw((1, ((x <= 0) & (y < 1)) | sympy.Eq(x, y)), (0, True))
    assert sg.parse("where(x + 1 > y * 2, x, y)").expr() == pw((x, x + 1 > 2 * y), (y, True))
    assert sg.parse("where(-x^2 < 0, 1, 2)").expr() == pw((1, -x**2 < 0), (2, True))


def test_constant_conditions_fold():
    assert sg.parse("where(2 > 1, x, y)").expr() == sg.parse("x").expr()
    assert sg.parse("where(1 > 2 or not 3 == 3, x, y + x)").expr() == sg.parse("y + x").expr()
    assert sg.parse("where(x > 0, y, y)").expr() == sg.parse("y").expr()


@pytest.mark.parametrize("text, position, message", [
    ("x > 0", 0, "the result is a condition"),
    ("c = x > 0", 0, "the result is a condition"),
    ("(x > 0) + 1", 8, "is a condition, not a number"),
    ("sin(x > 0)", 0, "is a condition, not a number"),
    ("where(x, 1, 0)", 0, "must be a condition such as x > 0"),
    ("where(x > 0, x < 1, 0)", 0, "is a condition, not a number"),
    ("a < b < c", 6, "comparisons do not chain"),
    ("where(x and y > 0, 1, 0)", 8, "must be a condition"),
    ("where(not x, 1, 0)", 6, "must be a condition"),
    ("where(x > 0, 1)", 0, "takes exactly three arguments"),
    ("clip(x, 1)", 0, "takes exactly three arguments"),
    # every operand of a call of several is checked (max(1, 2, x > 0) was a graph whose closed form raised)
    ("max(1, 2, x > 0)", 0, "the third operand of 'max()' is a condition"),
    ("min(x, y, z, w, x > 0)", 0, "the fifth operand of 'min()' is a condition"),
    # and the error names the call written, not the ops it is built from
    ("clip(x, 0, x > 0)", 0, "the third argument of clip() is a condition"),
    ("logsumexp(1, 2, 3, x > 0)", 0, "the fourth argument of logsumexp() is a condition"),
    ("log(x, x > 0)", 0, "the second argument of log() is a condition"),
    ("x and", 5, "an operand is missing"),
    ("and x", 0, "missing its left operand"),
    ("x = 1 < 2; x + 1", 13, "is a condition"),
    ("x ! y", 2, "no factorial"),
    # a comparison of conditions, parenthesised: not only "do not chain", what to write instead
    ("where((x > 0) == (y > 0), x, y)", 14, "where(condition, 1, 0) is its 0/1 value"),
    # => and =< are the comparisons misspelt, wherever they stand
    ("x => 0", 2, "'=>' is not an operator: did you mean '>='?"),
    ("where(x =< 0, 1, 2)", 8, "'=<' is not an operator: did you mean '<='?"),
    ("y = 1\nz => 1", 8, "did you mean '>='?"),
    ("x = > 0", 4, "missing its left operand"),
    # a definition of no parameters says so, and what a constant is
    ("f() = 2", 2, "f() defines a function of no parameters"),
])
def test_misplaced_conditions_are_parse_errors(text, position, message):
    with pytest.raises(ParseError) as info:
        sg.parse(text)
    assert info.value.position == position, str(info.value)
    if message:
        assert message in str(info.value)


def test_builders_refuse_conditions_as_numbers():
    from symgraph.ir.builder import GraphBuilder
    b = GraphBuilder()
    c = b.op("gt", b.input("x"), sympy.Integer(0))
    with pytest.raises(GraphError, match="is a condition, not a number"):
        b.op("add", c, sympy.Integer(1))
    with pytest.raises(GraphError, match="must be a condition"):
        b.op("where", b.input("x"), sympy.Integer(1), sympy.Integer(0))
    with pytest.raises(ArgumentError, match="outputs= names 'c'"):
        sg.parse("c = x > 0; d = x", outputs=["c"])


# -------------------------------------------------------------------- sympy both ways, LaTeX, pictures, compare
@pytest.mark.parametrize("form", [
    pw((sympy.sqrt(X), X > 0), (0, True)),
    pw((X, X < 1), (Y**2, sympy.And(X >= 1, Y > 2))),
    pw((X * Y, sympy.Or(sympy.Not(X > 1), sympy.Ne(Y, 0))), (1, True)),
    sympy.Max(X, Y, 1) - sympy.Min(X, 2 * Y),
    sympy.Heaviside(X) * Y + sympy.Heaviside(Y, 0) + sympy.sign(X) + sympy.floor(Y),
])
def test_from_sympy_and_back(form):
    graph = sg.Graph.from_sympy(form)
    for point in [(0.5, 3.0), (1.5, 3.0), (1.5, 0.5), (-2.0, -1.0)]:
        subs = dict(zip((X, Y), map(sympy.Float, point)))
        want = form.subs(subs)
        got = graph.expr().subs(subs)
        assert (want is sympy.nan and got is sympy.nan) or float(got) == pytest.approx(float(want))
        if want is not sympy.nan and all(abs(v - 1) > 0.1 and abs(v) > 0.1 for v in point):
            g = sg.grad(form, wrt=[s.name for s in (X, Y) if s in form.free_symbols])
            for s in (X, Y):
                if s in form.free_symbols:
                    assert g.at(**{k.name: float(v) for k, v in subs.items() if k in form.free_symbols})[s.name] == \
                        pytest.approx(exact(sympy.diff(form, s), (*point, 0)), abs=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_a_node_in_the_untaken_branch_of_nested_wheres_stays_guarded(mode):
    """u is the untaken branch of both wheres; its adjoint gathers two selects on x > 2 into one where(), which
    lost their guard in reverse mode, so 0 times u's nan partial gave nan at x = 10, where the function is x."""
    text = "u = sqrt(-1 - x^2); where(x > 2, where(x > 1, x, u), u)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the function's own sqrt(-1)
        g = sg.grad(text, mode=mode)
        assert g.at(x=10.0) == {"x": 1.0}
        assert g.lambdify()(np.array([10.0]))[0][0] == 1.0


def test_latex_writes_cases_and_comparisons():
    text = sg.grad("where(x > 0 and y != 1, x*y, -x)", wrt=["x", "y"]).latex()
    assert r"\begin{cases}" in text and r"\neq" in text and r"\wedge" in text
    assert r"\begin{cases}" in sg.to_latex("where(x <= 1, x, 1)")


def test_pictures_label_where_and_comparisons():
    mermaid = sg.to_mermaid("where(x > 0, sqrt(x), 0)")
    dot = sg.to_dot("where(x > 0 and not y < 1, x, y)")
    assert "where" in mermaid and "&gt;" in mermaid or ">" in mermaid
    assert "where" in dot and "and" in dot and "not" in dot


def test_compare_counts_branches_like_every_mode():
    text = "where(x > 0, sqrt(x)*y, y^2) + max(x, y, 1)"
    report = sg.compare(text)
    assert set(report.keys()) == set(MODES)
    values = {}
    for mode in MODES:
        g = sg.grad(text, mode=mode)
        values[mode] = g.at(x=4.0, y=2.0)
        assert report[mode].multiplications == g.cost[mode].multiplications > 0
    assert all(v == values["reverse"] for v in values.values())


# -------------------------------------------------------------------- a property over generated programs with branches
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from symgraph.ir.interpret import branch_only  # noqa: E402

#: line templates over earlier names; each draws its operands from the inputs and the names assigned so far
TEMPLATES = [
    "{0} + {1}", "{0} * {1}", "{0} - {1} / (1 + {2}^2)", "sqrt({0})", "log({0})", "sin({0}) * {1}",
    "where({0} > {1}, {2}, {3})", "where({0} < 0 and not {1} > 1, sqrt({2}), {3})",
    "where({0} >= {1} or {2} != 0, log({0}), -{1})", "max({0}, {1}, {2})", "min({0}, 1)",
    "clip({0}, -1, 1) * {1}", "abs({0}) + relu({1})", "exp(-{0}^2) * {1}",
]


@st.composite
def branchy_programs(draw):
    names = ["x", "y", "z"]
    lines = []
    for k in range(draw(st.integers(1, 5))):
        template = draw(st.sampled_from(TEMPLATES))
        operands = [draw(st.sampled_from(names)) for _ in range(4)]
        lines.append(f"c{k} = " + template.format(*operands))
        names.append(f"c{k}")
    if draw(st.booleans()):  # a repeated use of intermediates in the output
        lines.append(f"out = {names[-1]} + {draw(st.sampled_from(names))}")
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(branchy_programs(), st.integers(0, 2**31))
def test_every_mode_agrees_and_untaken_branches_never_leak_nan(text, seed):
    """All modes, jvp, vjp and compiled code agree; where the function is finite along its taken path,
    the gradient is sympy.diff of the Piecewise form (which discards untaken branches exactly)."""
    graph = sg.parse(text)
    wrt = list(graph.inputs)
    rng = np.random.default_rng(seed)
    point = {name: float(rng.uniform(-2, 2)) for name in wrt}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        results = {mode: sg.grad(text, wrt=wrt, mode=mode).at(**point) for mode in MODES}
        compiled = sg.grad(text, wrt=wrt).lambdify(args=wrt)(*point.values())
        tangent = sg.jvp(text, wrt, [1.0] * len(wrt)).at(**point)
        cotangent = sg.vjp(text, wrt, [1.0]).at(**point)
        values = graph.evaluate(**point)
    reference = results["reverse"]
    for mode, got in results.items():
        np.testing.assert_allclose([got[n] for n in wrt], [reference[n] for n in wrt], rtol=1e-12, atol=1e-300,
                                   err_msg=f"{mode}: {text}")
    np.testing.assert_allclose([float(c) for c in compiled], [reference[n] for n in wrt], rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose([cotangent[n] for n in wrt], [reference[n] for n in wrt], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(tangent[function_name(graph)],
                               sum(reference[n] for n in wrt), rtol=1e-9, atol=1e-9)
    loud = set(graph.order) - branch_only(list(graph.rows()), graph.outputs)
    if not all(np.isfinite(values[n]) and abs(values[n]) < 1e50 for n in loud if not isinstance(values[n], bool)):
        return  # the function itself leaves the reals on its taken path: nothing to compare with sympy
    form = graph.expr()
    subs = {graph.symbol(n): sympy.Float(v, 30) for n, v in point.items()}
    for n in wrt:
        want = sympy.diff(form, graph.symbol(n)).subs(subs).evalf(30)
        if not (want.is_real and want.is_finite):
            continue  # at a kink (measure zero) or a pole
        assert np.isfinite(reference[n]), (text, point, n)  # an untaken branch's nan never leaks
        assert reference[n] == pytest.approx(float(want), rel=1e-9, abs=1e-12), (text, point, n)
