"""Sparse Jacobians of many residuals, in every way users write them, agree with the dense Jacobian and NumPy."""
import numpy as np
import pytest

import symgraph as sg

N = 12


def _products_jacobian(x):
    """d(x[k]*x[k+1])/dx, k < len(x) - 1, written out in NumPy."""
    n = len(x) - 1
    out = np.zeros((n, n + 1))
    out[np.arange(n), np.arange(n)] = x[1:]
    out[np.arange(n), np.arange(1, n + 1)] = x[:-1]
    return out


@pytest.fixture
def point():
    return np.random.default_rng(3).uniform(-2, 2, N + 1)


def _texts():
    return [f"x{i}*x{i + 1}" for i in range(N)], [f"x{i}" for i in range(N + 1)]


def test_a_list_of_texts(point):
    fs, wrt = _texts()
    S = sg.jacobian(fs, wrt, sparse=True)
    values = dict(zip(wrt, point))
    assert S.shape == (N, N + 1) and S.nnz == 2 * N
    assert (S.pattern.toarray() == (_products_jacobian(np.ones(N + 1)) != 0)).all()
    np.testing.assert_allclose(S.at(**values).toarray(), _products_jacobian(point))
    dense = sg.jacobian(fs, wrt)
    np.testing.assert_allclose(S.at(**values).toarray(), np.array(dense.at(**values)), rtol=1e-15)
    assert list(S.program.results) == [f"df{i + 1}/dx{j}" for i in range(N) for j in (i, i + 1)]
    assert S[3, 4] == dense[3, 4] and S[3, 7] == 0


def test_a_multi_output_graph_in_any_order_of_outputs_and_wrt(point):
    fs, wrt = _texts()
    graph = sg.parse("\n".join(f"f{i} = {f}" for i, f in enumerate(fs)), outputs=[f"f{i}" for i in range(N)][::-1])
    order = wrt[::-1]
    S = sg.jacobian(graph, order, sparse=True)
    expected = _products_jacobian(point)[::-1, ::-1]
    np.testing.assert_allclose(S.at(**dict(zip(wrt, point))).toarray(), expected)
    assert (S.pattern.toarray() == (expected != 0)).all()


@pytest.mark.parametrize("mode", ["reverse", "forward", "auto"])
def test_an_indexed_template_as_residuals(point, mode):
    res = sg.residuals("x[k]*x[k+1]", wrt=["x"], over=("k", 0, "m-1"), sparse=True, mode=mode, m=N)
    np.testing.assert_allclose(res.fun(point), point[:-1] * point[1:])
    np.testing.assert_allclose(res.jac(point).toarray(), _products_jacobian(point))
    dense = sg.residuals("x[k]*x[k+1]", wrt=["x"], over=("k", 0, "m-1"), mode=mode, m=N)
    np.testing.assert_array_equal(res.jac(point).toarray(), dense.jac(point))


def test_residuals_from_a_list_of_texts(point):
    fs, wrt = _texts()
    res = sg.residuals(fs, wrt=wrt, sparse=True)
    np.testing.assert_allclose(res.jac(point).toarray(), _products_jacobian(point))
    assert res.pattern.nnz == 2 * N


def test_a_sparse_jacobian_by_forward_and_reverse_sweeps_agree(point):
    """Outputs that share subexpressions and read inputs far apart: every mode gives the dense values."""
    fs = [f"sin(x{k}*x{(k + 3) % N})*(2*x{(k + 1) % N} - x{(k + 1) % N}) + 3*(x{k} - x{(k + 5) % N})^2"
          for k in range(N)]
    wrt = [f"x{i}" for i in range(N)]
    values = dict(zip(wrt, point))
    dense = np.array(sg.jacobian(fs, wrt).at(**values))
    for mode in ("reverse", "forward", "auto", "elimination"):
        S = sg.jacobian(fs, wrt, sparse=True, mode=mode)
        np.testing.assert_allclose(S.at(**values).toarray(), dense, rtol=1e-12)
        assert (S.pattern.toarray() == sg.jacobian_sparsity(fs, wrt).toarray()).all()
