"""Agreement between modes, strategies and closed forms at the places the property tests do not reach:
defects found by drawing programs over the whole op table at branch boundaries and domain edges."""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.hessian import STRATEGIES


def test_a_hessian_whose_selects_compare_a_hypot_of_an_indexed_input_builds_its_closed_forms():
    """A select's Piecewise is folded by sympy, which tests two conditions for equality at random points,
    complex ones for an element of an indexed input (not known real); sympy's hypot cannot evaluate there
    (``cfunctions.hypot(I, 1).evalf()`` raises AttributeError), and every dense Hessian of this text raised
    it.  The closed forms now build and agree with the numbers."""
    text = "c = hypot(where(a[0] > 0, 1, x), a[0]); min(where(a[0] >= c, a[0], c), x, clip(c, 0, 2))"
    point = {"a[0]": 0.75, "x": 1.5}
    for mode in STRATEGIES:
        H = sg.hessian(text, ["a[0]", "x"], mode=mode)
        numbers = H.lambdify()(a=np.array([point["a[0]"]]), x=point["x"])
        closed = H.subs({s: point[str(s)] for s in H.free_symbols | H.atoms(sympy.Indexed) if str(s) in point})
        assert np.allclose(np.array(closed.evalf(), dtype=float), numbers, rtol=1e-12, atol=1e-12), (mode, closed)
