"""Second-order and solver-facing API as a researcher who optimises with scipy uses it: Hessians in every
mode, sparse results and their compiled functions, hvp/hessp, Jacobians, patterns and residuals."""
import inspect
import pickle

import numpy as np
import pytest

import symgraph as sg


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
    assert repr(f) == "<compiled function matrix(x, /, a)>"
    assert repr(sg.hessian("x^2*y").lambdify(args=["y", "x"])) == "<compiled function matrix(y, x)>"
