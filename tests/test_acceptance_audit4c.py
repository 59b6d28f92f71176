"""Acceptance audit of issues 14, 16 and 17 from a user's side: defects found there, each a regression test.

Each test fails on the code before its fix and says what was wrong.
"""
import numpy as np
import pytest
import sympy

import symgraph as sg
from tests.test_branches_audit import BACKENDS, HESSIAN_MODES, MODES


# --------------------------------------------------------------------------- heaviside's h0 has a derivative
@pytest.mark.parametrize("mode", MODES)
def test_heaviside_derivative_by_h0_is_one_at_zero(mode):
    """heaviside(x, h0) is h0 at x = 0, so its derivative by h0 is 1 there (JAX: 1) and 0 elsewhere; the
    partial was 0 everywhere, so d/dh of heaviside(x, h)*y at x = 0 was silently 0 instead of y."""
    g = sg.grad("heaviside(x, h)*y", wrt=["x", "h", "y"], mode=mode)
    assert g.at(x=0.0, h=0.3, y=2.0) == {"x": 0.0, "h": 2.0, "y": 0.3}
    assert g.at(x=1.0, h=0.3, y=2.0) == {"x": 0.0, "h": 0.0, "y": 1.0}
    assert g.at(x=-1.0, h=0.3, y=2.0)["h"] == 0.0
    assert g.at(x=np.nan, h=0.3, y=2.0)["h"] == 0.0  # x == 0 is false for nan, as JAX's where(x == 0, 1, 0)
    x, h, y = sympy.symbols("x h y")
    closed = g["h"].subs({g.graph.symbol(n): s for n, s in (("x", x), ("h", h), ("y", y))})
    assert closed.subs({x: 0, y: 2}) == 2 and closed.subs({x: 1, y: 2}) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_heaviside_derivative_by_h0_compiled(backend):
    f = sg.grad("heaviside(x, h)*y", wrt=["h"]).lambdify(backend=backend, args=["x", "h", "y"])
    (dh,) = f(np.array([0.0, 1.0, -1.0, np.nan, -0.0]), 0.3, 2.0)
    np.testing.assert_array_equal(dh, [2.0, 0.0, 0.0, 0.0, 2.0])
    assert float(f(0.0, 0.3, 2.0)[0]) == 2.0


def test_heaviside_h0_derivative_second_order_jvp_vjp_and_from_sympy():
    for mode in HESSIAN_MODES:  # d2/dh2 of heaviside(x, h)*h^2 = 4h [x == 0] + 2 heaviside(x, h)
        hess = sg.hessian("heaviside(x, h)*h^2", wrt=["x", "h"], mode=mode).lambdify(args=["x", "h"])
        np.testing.assert_array_equal(np.asarray(hess(0.0, 0.5)), [[0.0, 0.0], [0.0, 3.0]])
        np.testing.assert_array_equal(np.asarray(hess(2.0, 0.5)), [[0.0, 0.0], [0.0, 2.0]])
    assert sg.jvp("heaviside(x, h)", ["x", "h"], [1.0, 2.0]).at(x=0.0, h=1.0) == {"f": 2.0}
    assert sg.vjp("heaviside(x, h)", ["x", "h"], [3.0]).at(x=0.0, h=1.0) == {"x": 0.0, "h": 3.0}
    x, h = sympy.symbols("x h")
    assert sg.grad(sympy.Heaviside(x, h), wrt=["h"]).at(x=0.0, h=0.25) == {"h": 1.0}


def test_heaviside_h0_derivative_is_nan_safe():
    """The partial is a select: an inf from h0's own derivative where x != 0 is discarded, never 0*inf."""
    (dy,) = sg.grad("heaviside(x, 1/y)", wrt=["y"]).lambdify(args=["x", "y"])(np.array([0.0, 1.0]),
                                                                               np.array([2.0, 0.0]))
    np.testing.assert_array_equal(dy, [-0.25, 0.0])


def test_relu_and_max_build_no_h0_partial():
    """Their heaviside has a constant h0 (0, 1/2): no edge, so no extra operation in their programs."""
    assert len(sg.grad("relu(x)").program.instructions) == 1
    assert len(sg.grad("max(x, y)").program.instructions) == 4


# --------------------------------------------------------------------------- every slot of every function
#: calls of the grammar's functions of several numbers, each slot a separate input
CALLS = ["hypot(a, b)", "atan2(a, b)", "pow(a, b)", "a^b", "log(a, b)", "heaviside(a, b)", "max(a, b)", "min(a, b)",
         "max(a, b, c)", "min(a, b, c)", "clip(a, b, c)", "logsumexp(a, b)", "logsumexp(a, b, c)",
         "where(a > b, c, a)", "a/b", "a*b - c"]
POINTS = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]


def _one_sided(f, args, slot, step):
    """(f(.. + step ..) - f(..)) / step and (f(..) - f(.. - step ..)) / step along one slot."""
    up, down = list(args), list(args)
    up[slot] += step
    down[slot] -= step
    mid = f(*args)
    return (f(*up) - mid) / step, (mid - f(*down)) / step


@pytest.mark.parametrize("text", CALLS)
def test_every_slot_matches_finite_differences_where_the_function_is_smooth_along_it(text):
    """A partial the op table declares is checked slot by slot against one-sided differences wherever both
    sides agree (the function is smooth along that slot there), corners included (0, ties, equal bounds):
    heaviside's partial in h0 was declared 0, which no check of d/dx could see."""
    names = [n for n in "abc" if n in text]
    value = sg.lambdify(text, args=names)
    grad = sg.grad(text, wrt=names).lambdify(args=names)
    grid = np.array(np.meshgrid(*[POINTS] * len(names), indexing="ij")).reshape(len(names), -1).T
    f = lambda *a: float(value(*a))  # noqa: E731
    with np.errstate(all="ignore"):
        checked = 0
        for args in grid:
            got = [float(d) for d in grad(*args)]
            for slot in range(len(names)):
                if len(set(args)) < len(args):
                    continue  # ties: max, min and clip split the adjoint there (a convention, as JAX)
                estimates = [*_one_sided(f, list(args), slot, 1e-5), *_one_sided(f, list(args), slot, 1e-6)]
                right = estimates[2]
                if not np.all(np.isfinite(estimates)) or np.ptp(estimates) > 1e-3 * (1 + abs(right)):
                    continue  # a kink, a jump or a domain edge along this slot: conventions decide there
                checked += 1
                assert got[slot] == pytest.approx(right, rel=1e-3, abs=1e-4), (text, args, slot)
    assert checked >= len(grid) // 4  # log(a, b) is defined for a, b > 0 only
