"""Corners a numerical analyst checks: every strategy and backend agree where a result is infinite or undefined.

Where a derivative is infinite (a domain's edge) or undefined (nan operands), the value is float64
arithmetic on inf and 0, and the order of the products decides between inf and nan (0 * inf).  The
documented convention is that the modes and backends agree there too, so each op's partial is written
in a form whose derivative every strategy evaluates alike.
"""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.hessian import STRATEGIES
from symgraph.ops import OPS
from tests.helpers import bounded_work

#: each unary op of the grammar, at its domain's edges, 0, the infinities and nan
UNARY = sorted(name for name, row in OPS.items() if row.arity == 1 and row.in_grammar and not row.symbol
               and not row.condition)
EDGES = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 1e-300, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", UNARY)
def test_every_hessian_strategy_and_the_vm_agree_at_a_unary_ops_edges(name):
    """acosh''(1) was -inf from forward-over-reverse and edge pushing, nan from reverse-over-forward and
    reverse-over-reverse: its partial 1/(sqrt(x - 1)*sqrt(x + 1)) differentiated in reverse meets
    sqrt(x - 1)*(1/(...))^2 = 0 * inf; written 1/sqrt(x - 1)/sqrt(x + 1), every strategy gives -inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = {mode: np.asarray(sg.hessian(f"{name}(x)", mode=mode).lambdify()(EDGES), float)
                  for mode in STRATEGIES}
        values["vm"] = np.asarray(sg.hessian(f"{name}(x)").lambdify(backend="vm")(EDGES), float)
    first = values["forward-over-reverse"]
    for mode, got in values.items():
        np.testing.assert_allclose(got, first, rtol=1e-14, atol=0, err_msg=f"{name}: {mode} at {EDGES}")


def test_acosh_second_derivative_at_one_is_minus_infinity():
    """The one-sided limit of acosh''(x) = -x/((x - 1)(x + 1))^(3/2) at x = 1, in every strategy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            assert sg.hessian("acosh(x)", mode=mode).at(x=1.0)[0, 0] == -np.inf, mode


def test_a_dense_hessian_whose_conditions_compare_selects_is_built_quickly_and_agrees_with_its_numbers():
    """Its closed forms took 1.4 s of CPU (4 s on a busy machine) for this five-line function: a condition
    comparing a select's value (max's ties of c0 and c2, the power's base c0 at 0) was folded by sympy into an
    ITE, rebuilding Max and the powers once per branch, and again at every enclosing select.  They are now kept
    as written (0.13 s); the entries still agree with the numbers, also at max's ties.  The bound is the
    rule that every result comes within about a second, with room for a busy machine, not a benchmark (since
    d(c0^x)/dx is its own row, whose derivative in c0 holds the power's two selects, the build takes about
    0.1 s more)."""
    text = "c0 = where(y != x and not x > 0, y, x*x); c1 = softplus(z); c2 = c0^x; c3 = max(c2, y, c0); c3*c2 + c1"
    with bounded_work(100_000, "hessian of where power max"):
        H = sg.hessian(text, wrt=["x", "y"], mode="reverse-over-forward")
    x, y, z = sympy.symbols("x y z")
    for point in [(0.5, 1.0), (0.8, 0.64), (1.0, 1.0)]:  # (1, 1): c0 = c2 = y, a three-way tie
        numbers = np.asarray(H.at(x=point[0], y=point[1], z=0.5), float)
        closed = [[float(H[i, j].subs({x: point[0], y: point[1], z: 0.5})) for j in range(2)] for i in range(2)]
        np.testing.assert_allclose(closed, numbers, rtol=1e-12, atol=1e-14, err_msg=str(point))
