"""Branches and non-finite values, from a user's side: every mode, backend and Hessian strategy agree, the
untaken branch never leaks a nan into a derivative, and where the function is smooth the derivatives are
``sympy.diff``'s at 30 digits.

The sympy form of each generated program is built beside its text by the generator itself (Piecewise,
Max, Min, Abs, Heaviside, ...), sharing no code with symgraph's own closed forms.
"""
import importlib.util
import warnings

import numpy as np
import pytest

import symgraph as sg

MODES = ["reverse", "forward", "paths", "elimination"]
HESSIAN_MODES = ["forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
                 "edge-pushing"]
BACKENDS = ["numpy", "vm"] + (["numba"] if importlib.util.find_spec("numba") else [])


# --------------------------------------------------------------------------- heaviside's h0 is a branch
@pytest.mark.parametrize("backend", BACKENDS)
def test_heaviside_discards_a_nan_h0_away_from_zero(backend):
    """heaviside(x, h0) reads h0 only at x = 0, as numpy.heaviside (heaviside(1, nan) = 1) and sympy's
    Heaviside do; the formula sign(max(x, 0)) + h0*(x == 0) made it 0*nan = nan at every x, so
    heaviside(x - 1, log(y))*x at y = -1 was nan, and its gradient by x too, in every mode and backend."""
    text = "heaviside(x - 1, log(y)) * x"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # log(-1), the untaken h0
        x, y = np.array([2.0, 0.5, 1.0]), np.array([-1.0, -1.0, -1.0])
        value = sg.lambdify(text, backend=backend, args=["x", "y"])
        np.testing.assert_array_equal(value(x, y), [2.0, 0.0, np.nan])
        assert float(value(2.0, -1.0)) == 2.0
        assert sg.parse(text).evaluate(x=2.0, y=-1.0)[sg.parse(text).output] == 2.0
        for mode in MODES:
            g = sg.grad(text, wrt=["x", "y"], mode=mode)
            assert g.at(x=2.0, y=-1.0) == {"x": 1.0, "y": 0.0}, mode
            dx, dy = g.lambdify(backend=backend, args=["x", "y"])(x, y)
            np.testing.assert_array_equal(dx, [1.0, 0.0, np.nan])
            np.testing.assert_array_equal(dy, [0.0, 0.0, 0.0])
