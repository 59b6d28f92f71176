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


@pytest.mark.parametrize("text, wrt, want", [
    ("d = tan(y) + 3/y; h = d + x", ["d", "y"], [1.0, 1 + np.tan(0.5) ** 2 - 12.0]),
    ("d = x*y + 1; f = d + z", ["d", "x"], [1.0, 0.5]),
    ("c = x + y; d = c + z; e = d + w", ["d", "c", "x"], [1.0, 1.0, 1.0]),
    ("d = sum(x[i]^2, i, 0, 3); e = d + z", ["d", "x[1]"], [1.0, 3.0]),
])
def test_forward_mode_by_an_intermediate_that_is_a_link_of_a_chain_of_additions(text, wrt, want):
    """Forward mode joins chains of additions into their last link; an intermediate wrt name that is such a link
    (d of d + x, itself a sum) left the graph its sweeps walk, and the derivative by it was silently 0 in forward
    mode, forward-over-forward and the forward Jacobians, 1 in every other mode."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = {"x": 1.5 if "x[" not in text else np.full(4, 1.5), "y": 0.5, "z": 2.0, "w": -1.0}
        for mode in ["forward", "reverse", "paths", "elimination"]:
            g = sg.grad(text, wrt, mode=mode)
            at = g.at(**{n: v for n, v in point.items() if n in g.graph.inputs or n in g.graph.indexed})
            assert np.allclose([at[w] for w in wrt], want), (mode, text, at)
            J = sg.jacobian(text, wrt, mode=mode, sparse=True)
            assert np.allclose(J.lambdify()(**{n: v for n, v in point.items() if n in g.graph.inputs
                                               or n in g.graph.indexed}).toarray()[0], want), (mode, text)
