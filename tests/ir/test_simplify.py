"""Bounded simplification: the levels, the size gates that keep "fast" from stalling, and the user-facing values."""

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.ir.simplify import CANCEL_LIMIT, FAST_LIMIT, FULL_LIMIT, SIMPLIFY_LEVELS, normalise, simplify
from tests.helpers import bounded_work

x, y, r = sympy.symbols("x y r")


@pytest.mark.parametrize("how, level", [(True, "fast"), (None, "fast"), (False, "none"), ("fast", "fast"),
                                        ("full", "full"), ("none", "none")])
def test_user_values_map_to_the_three_levels(how, level):
    assert normalise(how) == level and level in SIMPLIFY_LEVELS


@pytest.mark.parametrize("how", ["sometimes", 1, "FULL"])
def test_other_values_are_refused_naming_the_choices(how):
    with pytest.raises(ValueError, match="simplify must be True, False or one of"):
        normalise(how)


def test_none_returns_the_expression_as_built():
    expr = sympy.Mul(2, x + y, evaluate=False) + 2 * x
    assert simplify(expr, "none") is expr and simplify(expr, False) is expr


def test_fast_pulls_out_common_factors_and_cancels_small_rational_functions():
    assert simplify(2 * x * y + 2 * x, "fast") == 2 * x * (y + 1)
    assert simplify((x**2 - 1) / (x - 1), "fast") == x + 1
    assert simplify(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, "fast") == sympy.sin(x) ** 2 + sympy.cos(x) ** 2


def test_fast_never_lengthens_a_result():
    for expr in (x + y, x * y + 1, (x + 1) ** 3 + x, sympy.exp(x) * (1 + x)):
        assert sympy.count_ops(simplify(expr, "fast")) <= sympy.count_ops(expr)


def test_full_runs_sympy_simplify():
    assert simplify(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, "full") == 1


def test_gates_skip_large_results_and_cancel_on_functions():
    big = sum(x**k * y for k in range(FAST_LIMIT))
    assert simplify(big, "fast") is big  # over FAST_LIMIT: returned as built, nothing walked
    assert simplify(2 * x + 2, "fast", size=FAST_LIMIT + 1) == 2 * x + 2  # the size counted on the program decides
    lennard_jones = 4 * ((1 / sympy.sqrt(r)) ** 12 - (1 / sympy.sqrt(r)) ** 6) / (r - 1)
    derivative = sympy.diff(lennard_jones, r)
    with bounded_work(100_000, "lennard-jones fast"):  # cancel is gated off for powers above the limit (it took 17 s)
        simplify(derivative, "fast", size=CANCEL_LIMIT)


def test_grad_applies_the_level():
    assert sg.grad("sin(x)^2 + cos(x)^2 + x", simplify="full")["x"] == 1
    raw = sg.grad("(a+b)*(b+1)", simplify=False)["b"]
    a, b = sympy.symbols("a b")
    assert sympy.expand(raw - (a + 2 * b + 1)) == 0


def test_full_is_bounded_by_size_and_holds_hyperbolic_functions(monkeypatch):
    """simplify="full" handed every result to sympy.simplify, which rewrites tanh as trigonometric functions of
    I*x and factors over the Gaussian rationals: repr(grad("tanh(w*x+b)*sigmoid(w*x)", simplify="full")) took
    15 s and a two-unit tanh layer's squared error 240 s.  Now sympy.simplify sees the hyperbolic functions as
    atoms, and only results of at most FULL_LIMIT operations; the forms are still the derivatives."""
    given = []
    real = sympy.simplify
    monkeypatch.setattr(sympy, "simplify", lambda e, **kw: given.append(e) or real(e, **kw))
    g = sg.grad("tanh(w*x+b)*sigmoid(w*x)", simplify="full")
    assert "tanh(b + w*x)" in repr(g) and given
    assert not any(e.atoms(sympy.functions.elementary.hyperbolic.HyperbolicFunction) for e in given)
    raw = sg.grad("tanh(w*x+b)*sigmoid(w*x)", simplify=False)
    point = {s: v for s, v in zip(sympy.symbols("w x b"), (0.3, -1.2, 0.5))}
    for k in g:
        assert abs(float((g[k] - raw[k]).subs(point).evalf())) < 1e-12
    assert simplify(sympy.sin(x) ** 2 + sympy.cos(x) ** 2 + sympy.tanh(x) ** 2, "full") == 1 + sympy.tanh(x) ** 2
    given.clear()
    big = sum(sympy.sin(x) ** k * y for k in range(1, FULL_LIMIT))
    assert simplify(big, "full") == simplify(big, "fast") and not given  # above the bound: the fast steps


def test_full_holds_a_trigonometric_argument_that_holds_trigonometric_functions(monkeypatch):
    """sympy's futrig rewrote every nesting level with every rule: the z-partial of
    sin(cos(tan(x*y+z)))*cos(sin(z)) took 3 s to print, the gradient 5 s.  Now sympy.simplify sees such an
    argument as an atom: no trigonometric function inside another's argument, the outer identities still
    found, and the forms still the derivatives."""
    trig = (sympy.functions.elementary.trigonometric.TrigonometricFunction,
            sympy.functions.elementary.trigonometric.InverseTrigonometricFunction)
    given = []
    real = sympy.simplify
    monkeypatch.setattr(sympy, "simplify", lambda e, **kw: given.append(e) or real(e, **kw))
    text = "sin(cos(tan(x*y+z)))*cos(sin(z)) + tanh(asin(x))"
    g, raw = sg.grad(text, simplify="full"), sg.grad(text, simplify=False)
    repr(g)
    assert len(given) == 3 and not any(f.args[0].has(*trig) for e in given for f in e.atoms(*trig))
    point = dict(zip(sympy.symbols("x y z"), (0.3, -1.2, 0.5)))
    for k in g:
        assert g[k].atoms(*trig) and abs(float((g[k] - raw[k]).subs(point).evalf())) < 1e-12
    c = sympy.cos(x)
    assert simplify(sympy.sin(c) ** 2 * y + sympy.cos(c) ** 2 * y + sympy.sin(sympy.tan(c)), "full") == \
        y + sympy.sin(sympy.tan(c))  # the outer identity, with cos(x) and tan(cos(x)) held


def test_full_holds_powers_of_sums_and_simplifies_piecewise_forms_branch_by_branch(monkeypatch):
    """sympy.simplify's cancel and together expand a power of a sum, and it folds nested and summed Piecewise
    forms into one whose conditions multiply: repr(grad("(a+b+c+d+e+f)^8", simplify="full")) took 17 s (its
    entries have 7 operations) and the gradient of where(x > y, x^y, y^x)*max(x, y, z) 70 s a partial.  Now a
    power of a sum past CANCEL_MAX_POWER is an atom to it, and each Piecewise is simplified branch by branch;
    the forms are still the derivatives, and a branch's identities are still found."""
    given = []
    real = sympy.simplify
    monkeypatch.setattr(sympy, "simplify", lambda e, **kw: given.append(e) or real(e, **kw))
    g = sg.grad("(a+b+c+d+e+f)^8", simplify="full")
    assert repr(g).startswith("Gradient({'a': 8*(a + b + c + d + e + f)**7, ")
    assert given and not any(p.base.is_Add and p.exp.is_Integer and abs(p.exp) > 4 for e in given for p in e.atoms(sympy.Pow))
    given.clear()
    text = "where(x > y, x^y, y^x) * max(x, y, z)"
    g, raw = sg.grad(text, simplify="full"), sg.grad(text, simplify=False)
    repr(g)
    assert given and not any(e.has(sympy.Piecewise) for e in given)
    for point in ((2.0, 0.5, 1.0), (0.5, 2.0, 3.0), (1.5, 1.5, 1.5)):
        values = dict(zip(sympy.symbols("x y z"), point))
        for k in g:
            assert abs(float((g[k] - raw[k]).subs(values).evalf())) < 1e-12
    inner = sympy.Piecewise((sympy.sin(y) ** 2 + sympy.cos(y) ** 2 + x, y > 0), (1, True))
    assert simplify(sympy.Piecewise((inner, x > 0), (0, True)) * x, "full") == \
        sympy.Piecewise((sympy.Piecewise((x + 1, y > 0), (1, True)), x > 0), (0, True)) * x


def _value_at(expr, point: dict) -> float:
    return float(expr.subs({sympy.Symbol(k): v for k, v in point.items()}))


@pytest.mark.parametrize("text, wrt, want", [
    # the Huber loss: one select per branch of the adjoint's sum, joined as the text is written
    ("where(abs(r) < d, r^2/2, d*(abs(r) - d/2))", "r", "Piecewise((r, d > Abs(r)), (d*sign(r), True))"),
    # the smooth hinge: a where nested in the other branch; the negated z > 0 dropped after z <= 0
    ("where(z <= 0, 0.5 - z, where(z < 1, (1 - z)^2/2, 0))", "z", "Piecewise((-1, z <= 0), (z - 1, z < 1), (0, True))"),
    # three pieces, the last holding wherever it is reached; its inner select by (x > -1) | (x > 0) refuted
    ("where(x > 0, x^2, where(x > -1, -x, x^3))", "x", "Piecewise((2*x, x > 0), (-1, x > -1), (3*x**2, True))"),
])
@pytest.mark.parametrize("how", ["fast", "full"])
def test_a_sum_of_selects_that_exclude_one_another_reads_as_one_select(text, wrt, want, how):
    # they read Piecewise((r, d > Abs(r)), (0, True)) + Piecewise((d*sign(r), d <= Abs(r)), (0, True)), and the
    # third as three selects, one of them nested in another's value under a condition that refutes it
    g = sg.grad(text, wrt=[wrt], simplify=how)
    assert str(g[wrt]) == want
    raw = sg.grad(text, wrt=[wrt], simplify=False)[wrt]
    assert isinstance(raw, sympy.Add) and len(raw.atoms(sympy.Piecewise)) > 1
    for value in [-2.5, -1.0, -0.999, -0.5, 0.0, 0.25, 0.999, 1.0, 3.0]:
        point = {wrt: value, **({"d": 1.0} if wrt == "r" else {})}
        assert _value_at(g[wrt], point) == _value_at(raw, point) == sg.grad(text, wrt=[wrt]).at(**point)[wrt]


def test_selects_that_may_both_hold_stay_a_sum():
    x, y = sympy.symbols("x y")
    both = sympy.Piecewise((x, x > 0), (0, True)) + sympy.Piecewise((y, y > 0), (0, True))
    assert simplify(both) == both  # x > 0 and y > 0 may hold together: the sum is not one select
    overlapping = sympy.Piecewise((x, x > 0), (0, True)) + sympy.Piecewise((y, x > 1), (0, True))
    assert simplify(overlapping) == overlapping
    other = sympy.Piecewise((x, x > 0), (1, True)) + sympy.Piecewise((y, x <= 0), (0, True))
    assert simplify(other) == other  # not 0 outside its pieces: a value, not a select to join
    joined = simplify(3 * sympy.Piecewise((x, x > 0), (0, True)) - sympy.Piecewise((y, x <= 0), (0, True)))
    assert joined in (sympy.Piecewise((3 * x, x > 0), (-y, True)), sympy.Piecewise((-y, x <= 0), (3 * x, True)))


def test_selects_of_the_same_conditions_add_piece_by_piece():
    # the Huber loss's d-d second derivative read Piecewise((0, d > Abs(r)), (-1/2, True)) - Piecewise((0, d >
    # Abs(r)), (1/2, True))
    h = sg.hessian("where(abs(r) < d, r^2/2, d*(abs(r) - d/2))", wrt=["r", "d"])
    r, d = sympy.symbols("r d")
    assert h[1, 1] == sympy.Piecewise((0, d > abs(r)), (-1, True))
    assert h[0, 1] == h[1, 0] == sympy.Piecewise((0, d > abs(r)), (sympy.sign(r), True))
    for point in [(0.3, 1.0), (-2.0, 1.0), (1.0, 1.0)]:
        np.testing.assert_array_equal(h.at(r=point[0], d=point[1]),
                                      np.array(h.subs({r: point[0], d: point[1]}), dtype=float))
    x, y = sympy.symbols("x y")
    apart = sympy.Piecewise((x, x > 0), (y, True)) + sympy.Piecewise((y, y > 0), (x, True))
    assert simplify(apart) == apart  # other conditions: nothing to add


@pytest.mark.parametrize("condition, negation", [("x > 0", "x <= 0"), ("x >= 0", "x < 0"), ("x < 1", "x >= 1")])
def test_a_joined_select_keeps_the_condition_as_the_text_wrote_it(condition, negation):
    """The two pieces of d/dx where(c, x^3, x^2)*y come from two selects, one guarded by c and one by its negation;
    joined, the select read Piecewise((2*x*y, x <= 0), (3*x**2*y, True)), the text's condition negated."""
    g = sg.grad(f"where({condition}, x^3, x^2)*y")
    x, y = sympy.symbols("x y")
    for entry in (g["x"], g["y"]):
        assert isinstance(entry, sympy.Piecewise) and str(entry.args[0].cond) == condition
        assert negation not in str(entry)
    for point in (-0.5, 0.0, 0.5, 1.0, 2.0):
        numbers = g.at(x=point, y=1.5)
        assert float(g["x"].subs({x: point, y: 1.5})) == pytest.approx(numbers["x"])
        assert float(g["y"].subs({x: point, y: 1.5})) == pytest.approx(numbers["y"])


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
                                  "reverse-over-reverse", "edge-pushing"])
@pytest.mark.parametrize("condition, negation", [("x > 0", "x <= 0"), ("x < 1", "x >= 1")])
def test_a_hessians_selects_keep_the_condition_as_the_text_wrote_it(mode, condition, negation):
    """The default Hessian read d2/dx2 as Piecewise((2*y, x <= 0), (6*x*y, True)): its second sweep runs on the
    gradient's program as a graph, where the first sweep's guard ``not c`` is a node like the text's own ``c``.
    That graph knows which of its conditions a sweep made (Graph.swept_conditions); the text's come first."""
    h = sg.hessian(f"where({condition}, x^3, x^2)*y", mode=mode)
    x, y = sympy.symbols("x y")
    for entry in (h[0, 0], h[0, 1]):
        selects = entry.atoms(sympy.Piecewise)  # forward-over-forward reads y*Piecewise((6*x, x > 0), (2, True))
        assert selects and all(str(s.args[0].cond) == condition for s in selects), entry
        assert negation not in str(entry)
    for point in (-0.5, 0.5, 1.0, 2.0):
        numbers = h.lambdify()(point, 1.5)
        assert float(h[0, 0].subs({x: point, y: 1.5})) == pytest.approx(numbers[0, 0])
        assert float(h[0, 1].subs({x: point, y: 1.5})) == pytest.approx(numbers[0, 1])


def test_a_program_graph_knows_the_conditions_its_sweeps_made():
    """The text's condition (a node of the function's graph) is not among them, at every level; a guard is."""
    g = sg.grad("where(x > 0, x^3, x^2)*y")
    first = g.program.as_graph("x")
    swept = {first.op(name) for name in first.swept_conditions}
    assert swept == {"not"} and "v1" not in first.swept_conditions
    second = sg.grad(first, wrt=["x"]).program.as_graph()
    assert first.swept_conditions <= second.swept_conditions and "v1" not in second.swept_conditions
    assert sg.parse("where(not (x > 0), x, 2*x)").swept_conditions == frozenset()
