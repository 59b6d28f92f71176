"""First and second derivatives of the rule table's forms where float64 is hardest, every mode and backend.

``test_numerical_edges`` checks first derivatives at the ends of float64; a
partial is differentiated again by every Hessian strategy, so its form must
keep its own derivative too.  Each case is checked against ``sympy.diff`` by
mpmath (``assert_accurate``: relative 1e-12 where the truth is a normal
number, within the smallest normal number where it underflows).
"""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from tests.test_numerical_edges import assert_accurate, assert_gradient_matches_mpmath, every_hessian, mp_values


def assert_hessian_matches_mpmath(text: str, form: str, columns: dict, rel: float = 1e-12) -> None:
    """Every Hessian strategy on NumPy and the VM agrees with mpmath's second derivatives of ``form``."""
    names = list(columns)
    symbols = [sympy.Symbol(n, real=True) for n in names]
    exact = sympy.sympify(form, locals=dict(zip(names, symbols)))
    for i, u in enumerate(symbols):
        for j, v in enumerate(symbols):
            want = mp_values(sympy.diff(exact, u, v), symbols, [columns[n] for n in names])
            for key, got in every_hessian(text, names, columns).items():
                assert_accurate(got[i, j], want, (text, key, i, j), rel)


# --------------------------------------------------------------------------- logsumexp

def test_logsumexp_partials_keep_their_digits_where_the_value_rounds():
    """d logsumexp(a, b)/da was exp(a - out): out = max + log(1 + exp(-|a - b|)) loses that small term as it
    rounds, so at a = b = 1e16 (and 1e155, -1e300) the partials were 1 each, not 1/2 (the gradient summed to 2),
    and at a = 1e4, b = 1e4 + 1 off by 1e-12; the Hessian's 1/4 was 0.  They are the softmax weights
    sigmoid(a - b) now, in every mode, backend and the closed form."""
    columns = {"a": np.array([1e16, 1e155, -1e300, 1e4, 2.0, 3.0, -700.0, 0.0, 1e16, 40.0]),
               "b": np.array([1e16, 1e155, -1e300, 1e4 + 1, -3.0, 3.0, 700.0, -1e-300, 1e16 + 2, -40.0])}
    assert_gradient_matches_mpmath("logsumexp(a, b)", "log(exp(a) + exp(b))", columns)
    assert_hessian_matches_mpmath("logsumexp(a, b)", "log(exp(a) + exp(b))", columns)
    assert sg.grad("logsumexp(a, b)")["a"] == sg.forms.sigmoid(sympy.Symbol("a") - sympy.Symbol("b"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sg.grad("logsumexp(a, b)").lambdify(backend="vm")(1e16, 1e16)
    assert [float(v) for v in got] == [0.5, 0.5]


def test_logsumexp_of_three_or_more_is_one_node_whose_partials_keep_their_digits():
    """logsumexp(a, b, c) was logaddexp(logaddexp(a, b), c): its partials, products of sigmoids of differences
    with the inner pair's value, lost that value's log(2) once it rounds, so at a = b = c = 1e16 the gradient
    was 0.25, 0.25, 0.5 (1/3 each) and at 1e15 2 % off.  It is one node now, whose partials are the softmax
    weights shifted by its own value, in every mode, backend, Hessian strategy and the closed form."""
    assert [op for _, op, _ in sg.parse("logsumexp(a, b, c, d)").rows()] == ["input"] * 4 + ["logaddexp"]
    columns = {"a": np.array([1e16, 1e15, 1e155, -1e300, 1e4, 2.0, -700.0, 0.0, 1e16, 40.0]),
               "b": np.array([1e16, 1e15 + 1, 1e155, -1e300, 1e4 + 1, -3.0, 700.0, -1e-300, 1e16 + 2, -40.0]),
               "c": np.array([1e16, 1e15 - 2, 1e155, -1e300, 1e4 - 1, 3.0, 0.0, -np.inf, 1e16 - 2, 1.0])}
    form = "log(exp(a) + exp(b) + exp(c))"
    assert_gradient_matches_mpmath("logsumexp(a, b, c)", form, columns)
    finite = {name: values[:7] for name, values in columns.items()}  # mpmath's second derivatives need finite c
    assert_hessian_matches_mpmath("logsumexp(a, b, c)", form, finite)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for backend in ["numpy", "vm"]:
            got = sg.grad("logsumexp(a, b, c)").lambdify(backend=backend)(1e16, 1e16, 1e16)
            assert [float(v) for v in got] == [1 / 3] * 3
    a, b, c = sympy.symbols("a b c")
    assert sg.grad("logsumexp(a, b, c)")["a"] == sympy.exp(a) / (sympy.exp(a) + sympy.exp(b) + sympy.exp(c))
    # an operand repeated, and a constant one, still sum their slots' weights: d/da of logsumexp(a, a, 0) = 2e^a/(2e^a + 1)
    got = sg.grad("logsumexp(a, a, 0)").lambdify()(np.log(0.5))
    assert float(got[0]) == pytest.approx(0.5, rel=1e-15)


def test_edge_pushing_differentiates_an_operand_in_two_slots_as_one_variable():
    """Edge pushing summed the slots' second partials of an operand in two slots, h00 + 2 h01 + h11, which
    cancels where the op's own second derivative is small: d2 logsumexp(a, a, b)/da2 = 2e^a e^b/(2e^a + e^b)^2
    was 4e-8 off at a = 20, b = 0 and 0 (not 5e-305) at a = 700, where every other strategy is exact.  The
    op's template is now derived with the repeated operand as one variable: every strategy agrees with mpmath."""
    columns = {"a": np.array([20.0, 700.0, 5.0, -3.0, 1e16]), "b": np.array([0.0, 0.0, -2.0, 1.0, 1e16])}
    assert_hessian_matches_mpmath("logsumexp(a, a, b)", "log(2*exp(a) + exp(b))", columns)
    assert_hessian_matches_mpmath("logsumexp(a, b, a, a)*b", "log(3*exp(a) + exp(b))*b", columns)


def test_logsumexp_partial_is_the_limit_at_an_infinite_argument():
    """exp(a - out) at a = inf was exp(inf - inf) = nan; sigmoid(inf - b) is 1 (and 0 for the finite b)."""
    got = sg.grad("logsumexp(a, b)").lambdify()(np.inf, 1.0)
    assert [float(v) for v in got] == [1.0, 0.0]


# --------------------------------------------------------------------------- hypot

HYPOT = dict(zip("xy", map(np.array, zip(*[
    (a, b) for a in (0.0, -0.0, 1e-160, 1e-8, 0.5, -3.0, 1e100, 1e300)
    for b in (1.0, -0.5, 4.0, 1e-300, 1e150, -1e200) if (a, b) != (0.0, 1e-300) and (a, b) != (-0.0, 1e-300)]))))


def test_hypot_second_derivatives_are_finite_at_and_near_a_zero_operand():
    """hypot's partial sign(x)/hypot(1, y/x) differentiates through y/x = inf at x = 0 (0 * inf): every
    Hessian strategy gave d2 hypot/dx2 = nan at x = 0 for every y (1/|y|), and inf for |x| < 1e-154 |y|
    (x = 1e-160, y = 0.5: 2).  The partial is x/hypot(x, y) now: first derivatives by every mode and
    backend, and second derivatives by every strategy, agree with mpmath (the Hessian to 1e-7: its
    d2/dx2 = (1 - p^2)/out cancels where |y| << |x|, an absolute error below 1e-16/out)."""
    assert_gradient_matches_mpmath("hypot(x, y)", "sqrt(x**2 + y**2)", HYPOT)
    names = ["x", "y"]
    x, y = sympy.symbols("x y", real=True)
    r = sympy.sqrt(x ** 2 + y ** 2)
    for (i, u), (j, v) in [((0, x), (0, x)), ((0, x), (1, y)), ((1, y), (1, y))]:
        want = mp_values(sympy.diff(r, u, v), [x, y], [HYPOT["x"], HYPOT["y"]])
        scale = 1 / mp_values(r, [x, y], [HYPOT["x"], HYPOT["y"]])
        for key, got in every_hessian("hypot(x, y)", names, HYPOT).items():
            err = np.abs(got[i, j] - want)
            assert np.all(np.isfinite(got[i, j])) and np.all(err <= 1e-15 * scale + 1e-7 * np.abs(want)), \
                (key, i, j, got[i, j], want)
    at_zero = sg.hessian("hypot(x, y)").lambdify()(0.0, -2.0)
    assert float(at_zero[0, 0]) == 0.5 and float(at_zero[0, 1]) == 0.0


# --------------------------------------------------------------------------- atan

def test_atan_second_derivative_where_one_plus_x_squared_is_huge():
    """atan' = 1/(1 + x^2) differentiated to -(out/u)*2x, whose out/u = 1/(1 + x^2)^2 underflows from
    x = 1e77 on: atan''(1e100) was 0 (true -2e-300), and at x = 1.7e308 2x = inf made it 0 * inf = nan.
    atan' is 1/hypot(x, 1)^2 now: two operations instead of three, and the second derivative by every
    strategy agrees with mpmath."""
    points = np.array([0.0, 1e-300, 1e-8, 0.5, -1.0, 3.0, 1e8, -1e77, 1e100, 1e150, 1e200, 1.7e308])
    assert_gradient_matches_mpmath("atan(x)", "atan(x)", {"x": points})
    assert_hessian_matches_mpmath("atan(x)", "atan(x)", {"x": points})


# --------------------------------------------------------------------------- 1 - x^2 of asin, acos, atanh

NEAR_ZERO_AND_ONE = np.array([0.0, 1e-300, -1e-200, 1e-20, 1e-12, -1e-8, 0.5, -0.9, 0.99999999, 1 - 2.0 ** -52,
                              -(1 - 2.0 ** -53)])


@pytest.mark.parametrize("text", ["asin(x)", "acos(x)", "atanh(x)"])
def test_inverse_functions_second_derivatives_near_zero_and_near_one(text):
    """1 - x^2 was written (1 - x)*(1 + x), exact near |x| = 1, but its derivative by the product rule is
    (1 - x) - (1 + x), which cancels near 0: every Hessian strategy gave asin''(1e-8) off by 5e-10 and
    asin''(1e-20) = 0 (it is x there), and so for acos and atanh.  It is one row now, (1 - x)*(1 + x) with
    the derivative -2x; the closed forms read 1/sqrt(1 - x**2) and 1/(1 - x**2)."""
    columns = {"x": NEAR_ZERO_AND_ONE}
    assert_gradient_matches_mpmath(text, text, columns)
    assert_hessian_matches_mpmath(text, text, columns)
    x = sympy.Symbol("x")
    assert sympy.simplify(sg.grad(text)["x"] - sympy.diff(sympy.sympify(text), x)) == 0


# --------------------------------------------------------------------------- tanh, sigmoid, softplus: second and third derivatives

#: near 0 (where sigmoid'' ~ -x/8 and tanh'' ~ -2x), where tanh and sigmoid round to +-1 (|x| > 19 and > 37), where
#: cosh overflows (|x| > 710) and at the end of float64
SATURATING = np.array([0.0, 1e-300, 1e-20, -1e-8, 1e-4, 0.3, -1.0, 3.0, 10.0, -19.0, 20.0, -40.0, 100.0, 300.0,
                       -355.0, 700.0, 720.0, -1000.0, 1e300])


def assert_third_derivative_matches_mpmath(text: str, form: str, points: np.ndarray) -> None:
    """grad of grad of grad, and every Hessian strategy on the gradient's program, on NumPy and the VM."""
    x = sympy.Symbol("x", real=True)
    want = mp_values(sympy.diff(sympy.sympify(form, locals={"x": x}), x, 3), [x], [points])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        third = sg.grad(sg.grad(sg.grad(text)))
        for backend in ["numpy", "vm"]:
            assert_accurate(third.lambdify(backend=backend)(points)[0], want, (text, "grad^3", backend))
        for mode in ["forward-over-reverse", "reverse-over-forward", "edge-pushing"]:
            hessian = sg.hessian(sg.grad(text).as_graph("x"), mode=mode).lambdify()(points)
            assert_accurate(np.asarray(hessian, dtype=float)[0, 0], want, (text, "hessian of grad", mode))


@pytest.mark.parametrize("text, form", [("tanh(x)", "tanh(x)"), ("sigmoid(x)", "1/(1 + exp(-x))"),
                                        ("softplus(x)", "log(1 + exp(x))")])
def test_tanh_sigmoid_and_softplus_derivatives_keep_their_digits_near_0_and_in_the_tails(text, form):
    """tanh' was 1 - t^2: 0 from |x| = 19.1 on (tanh'(20) is 1.7e-17), 1e-8 off at x = 10, and so its second and
    third derivatives; sigmoid'' was s*sigmoid(-x)*(sigmoid(-x) - s), which cancels near 0 (0 at x = 1e-20, where
    it is -2.5e-21; 6e-9 off at 1e-8), and so softplus'''.  tanh' and sigmoid' are rows of their own now, sech2
    and dsigmoid, from exp(-|x|): first derivatives by every mode and backend, second by every Hessian strategy
    and third by nested gradients agree with mpmath, with no warning past |x| = 710 where cosh overflows."""
    columns = {"x": SATURATING}
    assert_gradient_matches_mpmath(text, form, columns)
    assert_hessian_matches_mpmath(text, form, columns)
    assert_third_derivative_matches_mpmath(text, form, SATURATING)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for backend in ["numpy", "vm"]:
            sg.grad(text).lambdify(backend=backend)(SATURATING)
            sg.hessian(text).lambdify(backend=backend)(SATURATING)
    assert float(sg.grad("tanh(x)").lambdify()(20.0)[0]) == pytest.approx(1.6993417021166355e-17, rel=1e-15)


def test_tanh_and_sigmoid_partials_are_one_operation_and_print_as_before():
    """The rows cost one operation per node (1 - t^2 took two, s*sigmoid(-x) three), and closed forms read
    as sympy.diff's."""
    assert sg.grad("tanh(x)").program.ops == 1 and sg.grad("sigmoid(x)").program.ops == 1
    x = sympy.Symbol("x")
    assert sg.grad("tanh(x)")["x"] == 1 - sympy.tanh(x) ** 2
    assert sg.grad("sigmoid(x)")["x"] == sg.forms.sigmoid(x) * sg.forms.sigmoid(-x)

