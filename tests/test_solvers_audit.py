"""Second-order and solver-facing API as a researcher who optimises with scipy uses it: Hessians in every
mode, sparse results and their compiled functions, hvp/hessp, Jacobians, patterns and residuals."""
import inspect
import pickle

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import ArgumentError


@pytest.mark.parametrize("vector", [False, True], ids=["inputs", "vector"])
def test_sparse_data_function_has_the_real_signature_and_pickles_alone(vector):
    """``f.data`` of a sparse Hessian is what a solver loop calls for the nonzeros; it was a method whose
    signature was ``(*args, **kwargs)``, although every compiled function carries a real one (``args=``
    fixes the order).  It now has the matrix function's signature and pickles on its own."""
    H = sg.hessian("a*x^2*y + y^3", wrt=["x", "y"], sparse=True)
    f = H.lambdify(vector=True) if vector else H.lambdify(args=["y", "a", "x"])
    want = ["x", "a"] if vector else ["y", "a", "x"]
    assert list(inspect.signature(f.data).parameters) == want
    assert inspect.signature(f.data) == inspect.signature(f)
    call = (np.array([1.0, 2.0]), 3.0) if vector else (2.0, 3.0, 1.0)
    values = pickle.loads(pickle.dumps(f.data))(*call)
    assert values.tolist() == f(*call).data.tolist() == [12.0, 6.0, 6.0, 12.0]
    assert inspect.signature(pickle.loads(pickle.dumps(f)).data) == inspect.signature(f)


def test_a_compiled_dense_hessian_prints_as_a_compiled_function():
    """A compiled dense Hessian printed as ``<symgraph.matrices.DenseFunction object at 0x...>``, while the
    sparse one, hessp and value_and_grad print their name and signature: the parameters a solver must pass."""
    f = sg.hessian("a*x^2*y", wrt=["x", "y"]).lambdify(vector=True)
    assert repr(f) == "<compiled function hessian(x, /, a)>"
    assert repr(sg.hessian("x^2*y").lambdify(args=["y", "x"])) == "<compiled function hessian(y, x)>"


def test_a_dense_hessian_of_many_small_sums_prints_its_program(monkeypatch):
    """The print limit counted each distinct entry once, at a rate of 40,000 operations a second; sympy writes a
    mirrored entry twice and sums far slower (it orders their terms), so the Hessian of a 99-input quadratic form,
    4,950 distinct sums A[i, j] + A[j, i], took 3 s to print (60 inputs: 1 s).  The cells written are counted now."""
    text = "sum(sum(x[i]*x[j]*A[i, j], j, 0, n-1), i, 0, n-1)"
    H = sg.hessian(text, wrt=["x"], n=60)
    small = sg.hessian(text, wrt=["x"], n=3)
    assert repr(small) == repr(sympy.Matrix(small))  # a small one is sympy's own text
    calls = []
    monkeypatch.setattr(sg.matrices.SafeStrPrinter, "doprint", lambda self, expr: calls.append(1) or "sympy")
    shown = repr(H)
    assert not calls and shown.startswith("DerivativeMatrix: 60x60 Hessian, 1,830 distinct nonzero entries")
    assert len(shown) < 5_000 and str(H) == shown
    assert repr(small) == "sympy" and calls  # written by sympy's printer, the big one never


@pytest.mark.parametrize("order", [True, False, np.array([1, 2]), "2", 3])
def test_compare_refuses_an_order_that_is_not_one_or_two(order):
    """``compare(f, order=True)`` quietly reported first derivatives (True == 1), and an array order raised NumPy's
    ValueError; every order but 1 and 2 is an ArgumentError saying which orders it reports."""
    with pytest.raises(ArgumentError, match="first \\(order=1\\) or second \\(order=2\\)"):
        sg.compare("x^2*y", order=order)


def test_a_dense_hessian_too_large_to_write_out_says_how_to_get_it_dense_and_that_way_works():
    """A 4 x 4 Hessian of a logistic loss over 500 rows is refused as sympy (355,490 operations written out);
    the message names the compiled route to the dense matrix, and following it gives sum p(1-p) z z^T."""
    import numpy as np
    text = "sum(log(1 + exp(-y[k]*(a*u[k] + b*v[k] + c*w[k] + d))), k, 0, m-1)"
    with pytest.raises(sg.ExpressionTooLargeError, match=r"\.toarray\(\) is the dense one"):
        sg.hessian(text, wrt=["a", "b", "c", "d"], m=500)
    rng = np.random.default_rng(0)
    u, v, w = rng.normal(size=(3, 500))
    y = rng.choice([-1.0, 1.0], size=500)
    theta = np.array([0.3, -0.2, 0.1, 0.05])
    hess = sg.hessian(text, wrt=["a", "b", "c", "d"], sparse=True, m=500).lambdify()
    dense = hess(a=theta[0], b=theta[1], c=theta[2], d=theta[3], u=u, v=v, w=w, y=y).toarray()
    z = np.stack([u, v, w, np.ones(500)], axis=1)
    p = 1 / (1 + np.exp(-y * (z @ theta)))
    np.testing.assert_allclose(dense, (z * (p * (1 - p))[:, None]).T @ z, rtol=1e-12)
