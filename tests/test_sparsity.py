"""Structural sparsity patterns: exactly the entries that can be nonzero, checked against dense derivatives."""
import numpy as np
import pytest
import sympy

import symgraph as sg

pytest.importorskip("scipy")

CASES = [
    (["x*y", "z + floor(x)", "sin(y)^2", "where(x > 0, y, z)", "sign(x)*3 + w"], ["x", "y", "z", "w"]),
    (["c = x*y; d = c + z; exp(d)", "x + y + z"], ["x", "y", "z"]),
]


@pytest.mark.parametrize("fs, wrt", CASES)
def test_jacobian_pattern_is_the_nonzero_structure(fs, wrt):
    pattern = sg.jacobian_sparsity(fs, wrt=wrt).toarray()
    dense = sg.jacobian(fs, wrt=wrt)
    assert pattern.dtype == bool and pattern.shape == dense.shape
    assert np.array_equal(pattern, np.array([[entry != 0 for entry in row] for row in dense.tolist()]))


def test_hessian_pattern_of_rosenbrock_is_tridiagonal():
    n = 50
    pattern = sg.hessian_sparsity("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=n)
    want = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
    assert np.array_equal(pattern.toarray(), want) and pattern.nnz == 3 * n - 2


@pytest.mark.parametrize("text, wrt", [
    ("x^2 + x*y + z", ["x", "y", "z"]),
    ("exp(x)*sin(y) + log(z)", ["x", "y", "z"]),
    ("where(x > 0, x*y, y^2) + sign(x)*z + max(x, z)", ["x", "y", "z"]),
])
def test_hessian_pattern_covers_the_nonzeros_and_is_symmetric(text, wrt):
    pattern = sg.hessian_sparsity(text, wrt=wrt).toarray()
    H = sg.hessian(text, wrt=wrt)
    assert np.array_equal(pattern, pattern.T)
    nonzero = np.array([[entry != 0 for entry in row] for row in H.tolist()])
    assert np.all(pattern >= nonzero)


def test_patterns_keep_wrt_order_aliases_and_absent_names():
    pattern = sg.jacobian_sparsity(["x*y", "w"], wrt=["y", "q", "x"], allow_unused=True).toarray()
    assert pattern.tolist() == [[True, False, True], [False, False, False]]


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_sparse_data_stacks_constant_and_varying_entries_alike(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    f = sg.hessian("x^2 + x*y + y^3", wrt=["x", "y"], sparse=True).lambdify(backend=backend)
    np.testing.assert_array_equal(f.data(np.arange(3.0), np.arange(3.0)), [[2, 2, 2], [1, 1, 1], [1, 1, 1], [0, 6, 12]])
    np.testing.assert_array_equal(f.data(np.arange(3.0), 2.0), [[2, 2, 2], [1, 1, 1], [1, 1, 1], [12, 12, 12]])
    for point in ((1.0, 2.0), (np.float64(1.0), np.float64(2.0)), (np.array(1.0), 2.0)):
        np.testing.assert_array_equal(f(*point).toarray(), [[2, 1], [1, 12]])
