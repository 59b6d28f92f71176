"""An optimisation researcher's audit: scipy.optimize's calling conventions, indexed data, second order."""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg


def test_a_size_no_text_names_is_refused_not_ignored():
    """`hessp(f, wrt, chunk=1000)` (an option hessp does not take) was read as a size named chunk and ignored
    without a word, as was a misspelt size (N=3 beside n); now each is an ArgumentError naming it."""
    with pytest.raises(sg.ArgumentError, match=r"size chunk=1000 sizes nothing: the text never names chunk"):
        sg.hessp("x^2*y", ["x", "y"], chunk=1000)
    with pytest.raises(sg.ArgumentError, match=r"size N=3 sizes nothing: the text never names N \(did you mean n\?\)"):
        sg.grad("sum(x[i], i, 0, n-1)", n=2, N=3)
    with pytest.raises(sg.ArgumentError, match=r"size limit=5 sizes nothing"):
        sg.hessian_sparsity("x*y", ["x"], limit=5)
    # a size one text of several names, or only the bounds of over= read, sizes something
    assert sg.jacobian(["sum(x[i], i, 0, n-1)", "y"], n=2).shape == (2, 3)
    res = sg.residuals("y[k] - a*t[k]", wrt=["a"], over=("k", 0, "m-1"), m=2)
    assert res.fun(np.array([2.0]), [1.0, 2.0], [1.0, 1.0]).tolist() == [-1.0, 0.0]


def test_a_compiled_hessian_or_jacobian_names_itself_in_its_messages():
    """A Hessian's compiled function called wrongly said "matrix() missing 1 required positional argument: 't'"
    and "sparse_matrix evaluates one point: ...": now it is hessian() (or jacobian()), as the user knows it."""
    f = "sum((y[k] - a*t[k])^2, k, 0, 2)"
    hess = sg.hessian(f, wrt=["a"], sparse=True).lambdify(vector=True)
    with pytest.raises(sg.ArgumentError, match=r"^hessian\(\) missing 1 required positional argument: 't'"):
        hess([1.0], [1.0, 2.0, 3.0])
    with pytest.raises(sg.GraphError, match=r"^hessian evaluates one point"):
        hess([1.0], np.ones((3, 2)), [1.0, 2.0, 3.0])
    assert repr(hess.data).startswith("<compiled function hessian.data(")
    jac = sg.jacobian(["x*y", "x"]).lambdify()
    with pytest.raises(sg.ArgumentError, match=r"^jacobian\(\) missing 1 required positional argument: 'y'"):
        jac(1.0)


def test_a_template_that_never_uses_its_over_index_is_refused():
    """residuals("y_k - a*t_k", over=("k", 0, "m-1"), m=3) made three copies of one residual in the scalar data
    y_k and t_k, fitted without a word; now an ArgumentError says the template never uses k."""
    with pytest.raises(sg.ArgumentError, match=r"never uses its index k, so every residual would be the same one "
                                               r"\('t_k' is one name"):
        sg.residuals("y_k - a*t_k", ["a"], over=("k", 0, "m-1"), m=3)
    with pytest.raises(sg.ArgumentError, match=r"never uses its index k"):
        sg.residuals("y - a*t", ["a"], over=("k", 0, 2))
    assert sg.residuals("a*k + b", wrt=["a", "b"], over=("k", 0, 2)).fun([2.0, 1.0]).tolist() == [1, 3, 5]
