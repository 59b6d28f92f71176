"""Numerical corners of derivatives where modes, Hessian strategies or backends disagreed, and constants that are
not real numbers, every mode and backend at single points and arrays against the closed form.

Each test names what a user saw before its fix.  The helpers are audit 9's (every mode, ``.at()``, the NumPy
and VM backends on floats and arrays).
"""
import math
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from tests.test_numerics_audit9 import assert_every_way, closed_form_values, every_way, same


# -- like terms: t - c*t is (1 - c)*t in every mode ---------------------------------------------------------

@pytest.mark.parametrize("text, limit", [
    ("log(x) - 2*log(x)", -math.inf), ("2*log(x) - 3*log(x)", -math.inf), ("log(x)/2 - log(x)", -math.inf),
    ("-log(x) + 2*log(x)", math.inf), ("sqrt(x) - 2*sqrt(x)", -math.inf), ("sqrt(x) - sqrt(x)/2", math.inf),
    ("log(x) - 2*log(x) + 3*log(x)", math.inf)])
def test_like_terms_of_an_infinite_derivative_give_its_limit_in_every_mode(text, limit):
    """d/dx (log(x) - 2*log(x)) at 0 was -inf in reverse mode and by elimination (the adjoints 1 - 2 summed
    before 1/x), nan forward and by paths (1/x - 2/x = inf - inf): every mode and backend now gives the closed
    form's -1/x = -inf, since the emitter sums like terms c1/x + c2/x as (c1 + c2)/x."""
    assert_every_way(text, {"x": 0.0}, (limit,))
    for x in (2.0, 1e-300, 1e300):
        want = closed_form_values(text, {"x": x})
        found = every_way(text, {"x": x})
        assert all(same(got[0], want[0]) or abs(got[0] - want[0]) <= 4e-16 * abs(want[0])
                   for got in found.values()), (text, x, found, want)


@pytest.mark.parametrize("text, point, want", [
    ("log(x)*y - 2*y*log(x)", {"x": 0.0, "y": 2.0}, (-math.inf, math.inf)),
    ("log(x)*y + log(x)*z", {"x": 0.0, "y": 2.0, "z": -3.0}, (-math.inf, -math.inf, -math.inf))])
def test_quotients_over_one_denominator_are_summed_before_the_division_in_every_mode(text, point, want):
    """d/dx (y*log(x) - 2*y*log(x)) at x = 0 was nan forward and by paths (y/x - (2*y)/x = inf - inf), -inf in
    reverse mode, which sums y - 2*y before it divides; forward mode now emits that same (y - 2*y)/x."""
    assert_every_way(text, point, want)


def test_like_terms_are_collected_in_the_program_not_only_in_its_numbers():
    """Forward mode's program of log(x) - 2*log(x) is one division, as reverse mode's: (-1)/x, not 1/x - 2/x."""
    for mode in ("forward", "paths", "reverse", "elimination"):
        program = sg.grad("log(x) - 2*log(x)", mode=mode).program
        assert [op for _, op, _ in program.instructions] in (["div"], ["div", "neg"]), (mode, str(program))


# -- log(x, y) at y = 0: one answer everywhere --------------------------------------------------------------

@pytest.mark.parametrize("x", [2.0, 0.5, 1.0, 1e300])
def test_a_logarithm_in_a_base_at_base_0_is_minus_0_and_nan_everywhere(x):
    """log(x, y) = log(x)/log(y) at y = 0 is -0 (log(0) = -inf).  d/dx = 1/(x*log(y)) is -0, its limit.
    d/dy = -log(x)/(y*log(y)^2) is 0*inf in every form of it (y*log(y)^2 -> 0 is a product's limit IEEE
    cannot decide): its one-sided limit is -inf for x > 1 (sympy's limit), 0 for x = 1, but every program,
    JAX's and PyTorch's rule and the closed form evaluated by mpmath say nan, as symgraph/ad's policy has it
    (only symbolic limits decide 0*inf).  Pinned: every mode, backend, ``.at()``, the closed form and every
    Hessian strategy give that one answer, not one of them a number another does not."""
    from symgraph.hessian import STRATEGIES
    assert_every_way("log(x, y)", {"x": x, "y": 0.0}, (-0.0, math.nan))
    assert all(map(same, closed_form_values("log(x, y)", {"x": x, "y": 0.0}), (0.0, math.nan)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            hessian = np.asarray(sg.hessian("log(x, y)", mode=mode).at(x=x, y=0.0), float)
            assert hessian[0, 0] == 0 and np.isnan(hessian.ravel()[1:]).all(), (mode, hessian)


# -- 0^x in a Hessian: every strategy follows d(0^y)/dy's select ---------------------------------------------

def closed_form_matrix(matrix: sympy.Matrix, point: dict) -> np.ndarray:
    """A closed-form matrix evaluated at ``point`` by xreplace (every symbol at once), nan where not real."""
    subs = {sympy.Symbol(k): sympy.Rational(v) for k, v in point.items()}
    values = [[e.xreplace(subs).evalf(30) for e in row] for row in matrix.tolist()]
    return np.array([[float(v) if v.is_real or v in (sympy.oo, -sympy.oo) else math.nan for v in row]
                     for row in values])


@pytest.mark.parametrize("text, wrt", [("y*0^x", ["x", "y"]), ("0^x", ["x"]), ("0.0^(x*y)", ["x", "y"]),
                                       ("x*0^(x^3 + x)", ["x"])])
def test_every_hessian_strategy_gives_a_zero_base_powers_select_in_numbers_and_closed_form(text, wrt):
    """d2(y*0^x)/dx2 at x < 0 was nan by edge pushing (its template made the base 0 a variable and replayed
    0^x * log0(0) = inf * 0) and 0 in the four nested strategies (the derivative of the select
    where(x >= 0, 0, nan), whose constant nan has derivative 0), and edge pushing's closed form read 0 (sympy's
    0^x * log0(0)).  Every derivative of 0^x now follows d(0^x)/dx's convention, 0 for x >= 0 and nan below
    (as a base that is 0 at run time gives), in every strategy, the numbers and the closed form alike."""
    from symgraph.hessian import STRATEGIES
    found = {}
    for mode in STRATEGIES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hessian = sg.hessian(text, wrt=wrt, mode=mode)
            for x in (2.0, 0.5, 0.0, -0.5, -2.0):
                point = {"x": x, "y": 3.0} if "y" in wrt else {"x": x}
                numbers = np.asarray(hessian.at(**point), float)
                np.testing.assert_array_equal(numbers, closed_form_matrix(hessian, point), err_msg=f"{mode} {point}")
                np.testing.assert_array_equal(numbers, found.setdefault(x, numbers), err_msg=f"{mode} {point}")
    assert np.isnan(found[-2.0]).any() and not np.isnan(found[2.0]).any()


# -- constants sympy reads as complex infinity: closed forms say what the numbers say ------------------------

@pytest.mark.parametrize("text, point, want", [
    ("min(y, tan(pi/2))", {"y": 1.0}, (1.0,)), ("min(y, tan(pi/2))", {"y": 1e17}, (0.0,)),
    ("y*tan(pi/2)", {"y": 3.0}, (math.tan(math.pi / 2),)),
    ("max(x, log(0, y))", {"x": 1.0, "y": 2.0}, (1.0, math.nan)),  # max's step 0 times inf: symgraph/ad's policy
    ("max(x, log(0, y))", {"x": 1.0, "y": 0.5}, (0.0, math.inf)),
    ("x*log(0, y)", {"x": 1.0, "y": 2.0}, (-math.inf, math.inf)), ("x*log(0, y)", {"x": 2.0, "y": 0.5}, (math.inf, math.inf))])
def test_a_constant_sympy_calls_complex_infinity_is_its_float64_value_in_closed_forms(text, point, want):
    """grad("min(y, tan(pi/2))") printed Heaviside(-y + zoo) and grad("max(x, log(0, y))") zoo/log(y): sympy's
    exact tan(pi/2) and log(0) are complex infinity, where float64's are 1.6e16 and -inf.  As the text's 1/0 and
    log(0) already were (oo, -oo: the parser takes them, and NumPy's numbers), a constant's closed form is now
    what the numbers say, so the closed form evaluated agrees with every mode and backend."""
    gradient = sg.grad(text)
    assert not any(entry.has(sympy.zoo) for entry in gradient.values()), gradient
    assert_every_way(text, point, want)
    assert all(map(same, closed_form_values(text, point), want)), (closed_form_values(text, point), want)
    assert "zoo" not in str(gradient) and "zoo" not in str(sg.parse(text).expr())


def test_a_constant_that_is_infinite_in_float64_too_keeps_its_closed_form():
    """1/0, log(0), log(0, 2) and log(x, 1) were and stay oo, -oo, -oo and log(x)/0 (x/0's rule)."""
    x = sympy.Symbol("x")
    assert sg.grad("x*(1/0)")["x"] == sympy.oo and sg.grad("x*log(0)")["x"] == -sympy.oo
    assert sg.grad("x*log(0, 2)")["x"] == -sympy.oo and sg.grad("log(x, 1)")["x"] == sympy.oo / x
    assert sg.grad("log(x, 2)")["x"] == 1 / (x * sympy.log(2)) and sg.grad("y*log(1, x)")["x"] == 0
    # the one rule, symgraph.constants: a constant op's closed form is exact only while it is finite
    from symgraph.constants import build_sympy, constant_op
    assert constant_op("tan", (sympy.pi / 2,)) == sympy.Float(math.tan(math.pi / 2))
    assert constant_op("tan", (sympy.pi / 4,)) == 1 and constant_op("log", (sympy.Integer(0),)) == -sympy.oo
    assert build_sympy("logb", (sympy.Integer(0), x)) == -sympy.oo / sympy.log(x)


# -- the gradient of a gradient entry against the Hessian, powers at 0 ----------------------------------------

@pytest.mark.parametrize("text", ["x^y", "x^c", "x^(1 + y)", "x^(y^2)", "x^3*y", "x^1.5", "x^1.5*y", "(x*y)^1.5",
                                  "x^(3/2)*y", "x^2.5"])
def test_the_gradient_of_each_gradient_entry_is_the_hessians_row_at_powers_at_0(text):
    """d/dx of the entry d(x^y)/dy at (0, 1) was 0 (the product rule on its closed form x^y * log0(x), with
    log0'(0) = 0) where every Hessian strategy gives 1; also x^c at c = 1, x^(1 + y) at y = 0 and x^(y^2) at
    y = +-1.  Graph.from_sympy reads x^y * log0(x) back as the row pow_log0, so the two agree."""
    from symgraph.hessian import STRATEGIES
    names = list(sg.parse(text).inputs)
    gradient = sg.grad(text)
    for other in (1.5, 1.0, 0.0, 2.0, -1.0):
        point = {n: 0.0 if n == "x" else other for n in names}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = {mode: np.asarray(sg.hessian(text, mode=mode).at(**point), float) for mode in STRATEGIES}
            rows = np.array([[float(sg.grad(gradient[a], wrt=[b], allow_unused=True).at(
                **{k: v for k, v in point.items() if sympy.Symbol(k) in gradient[a].free_symbols})[b])
                if gradient[a].free_symbols else 0.0 for b in names] for a in names])
        for mode, hessian in found.items():
            np.testing.assert_array_equal(hessian, rows, err_msg=f"{text} at {point}: {mode}")
