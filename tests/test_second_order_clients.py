"""Second-order clients: scipy's trust-constr with the sparse Hessian, Newton-CG with hessp, least_squares
with a sparse Jacobian of 10,000 residuals -- each checked against scipy's own formulas or a dense run."""
import numpy as np
import pytest

import symgraph as sg

scipy_optimize = pytest.importorskip("scipy.optimize")
from scipy import sparse  # noqa: E402  (scipy is present once the line above passed)

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
N = 1_000


@pytest.fixture(scope="module")
def rosenbrock():
    """Value and gradient, sparse Hessian (CSR at a point) and hessp of Rosenbrock at n = 1,000, derived once."""
    return {
        "fun": sg.value_and_grad(ROSENBROCK, wrt=["x"], vector=True, n=N),
        "hess": sg.hessian(ROSENBROCK, sparse=True, n=N).lambdify(),
        "hessp": sg.hessp(ROSENBROCK, ["x"], n=N),
    }


def near_the_valley(seed: int = 0) -> np.ndarray:
    """All ones plus 1 % noise: a start from which BFGS converges in tens of iterations, not thousands.

    From zeros trust-constr needs about 4,200 iterations and BFGS about 4,700
    (both minutes at n = 1,000, where each BFGS iteration multiplies two
    n x n matrices); here both finish in seconds.
    """
    return 1.0 + 0.01 * np.random.default_rng(seed).standard_normal(N)


def test_sparse_hessian_equals_rosen_hess_at_a_random_point(rosenbrock):
    x = np.random.default_rng(1).uniform(-2, 2, N)
    h = rosenbrock["hess"](x)
    assert sparse.isspmatrix_csr(h) and h.shape == (N, N) and h.nnz == 3 * N - 2  # tridiagonal
    np.testing.assert_allclose(h.toarray(), scipy_optimize.rosen_hess(x), rtol=1e-12, atol=1e-9)


def test_trust_constr_with_the_sparse_hessian_takes_fewer_iterations_than_bfgs(rosenbrock):
    x0, options = near_the_valley(), {"gtol": 1e-3}
    exact = scipy_optimize.minimize(rosenbrock["fun"], x0, jac=True, hess=rosenbrock["hess"],
                                    method="trust-constr", options=options)
    quasi = scipy_optimize.minimize(rosenbrock["fun"], x0, jac=True, method="BFGS", options=options)
    assert exact.success and quasi.success, (exact.message, quasi.message)
    assert np.abs(exact.x - 1).max() < 1e-2 and np.abs(quasi.x - 1).max() < 1e-2
    # measured: 7 iterations against 75; the same gradient and the same tolerance for both
    assert exact.nit < quasi.nit, (exact.nit, quasi.nit)


def test_newton_cg_with_hessp_converges_and_hessp_equals_rosen_hess_prod(rosenbrock):
    rng = np.random.default_rng(2)
    x, p = rng.uniform(-2, 2, N), rng.standard_normal(N)
    np.testing.assert_allclose(rosenbrock["hessp"](x, p), scipy_optimize.rosen_hess_prod(x, p),
                               rtol=1e-12, atol=1e-9)
    result = scipy_optimize.minimize(rosenbrock["fun"], near_the_valley(3), jac=True, hessp=rosenbrock["hessp"],
                                     method="Newton-CG", options={"xtol": 1e-10})
    assert result.success, result.message
    assert np.abs(result.x - 1).max() < 1e-8 and result.nhev > 0


# --------------------------------------------------------------------------- least squares, 10,000 residuals

def chain_fit(n: int) -> list[str]:
    """2(n - 1) residuals in n unknowns: the chain 10*(x[k+1] - x[k]^2), and y[k] - x[k] pulling x towards data.

    Rosenbrock's residuals with observations y for its ones: each residual
    touches one or two unknowns, so the Jacobian has 3(n - 1) nonzeros.
    """
    return [f"10*(x[{k + 1}] - x[{k}]^2)" for k in range(n - 1)] + [f"y[{k}] - x[{k}]" for k in range(n - 1)]


def chain_problem(n: int):
    """fun(x), sparse jac(x) (CSR) and its pattern for least_squares, from the texts of :func:`chain_fit`."""
    graph = sg.parse(chain_fit(n))
    values = sg.lambdify(graph)
    jacobian = sg.jacobian(graph, wrt=["x"], sparse=True).lambdify()
    y = 1 + 0.1 * np.sin(np.arange(n - 1))
    return (lambda x: np.asarray(values(x=x, y=y))), (lambda x: jacobian(x=x, y=y)), jacobian.pattern


def test_least_squares_with_a_sparse_jacobian_of_10000_residuals():
    n = 5_001  # 10,000 residuals; the texts, their graph, Jacobian and compiled functions take about 3 s
    fun, jac, pattern = chain_problem(n)
    assert pattern.shape == (2 * (n - 1), n) and pattern.nnz == 3 * (n - 1)
    x = np.random.default_rng(5).uniform(-1, 1, n)
    k = np.arange(n - 1)
    expected = sparse.vstack([sparse.csr_matrix((np.r_[-20 * x[:-1], np.full(n - 1, 10.0)],
                                                 (np.r_[k, k], np.r_[k, k + 1])), shape=(n - 1, n)),
                              sparse.csr_matrix((-np.ones(n - 1), (k, k)), shape=(n - 1, n))]).tocsr()
    got = jac(x)
    assert sparse.isspmatrix_csr(got) and abs(got - expected).max() < 1e-14
    x0 = np.full(n, 0.5)
    result = scipy_optimize.least_squares(fun, x0, jac=jac, jac_sparsity=pattern, tr_solver="lsmr", method="trf",
                                          xtol=1e-10, ftol=1e-10, gtol=1e-10)
    assert result.status > 0, result.message
    assert sparse.issparse(result.jac) and result.fun.shape == (2 * (n - 1),)
    # first-order optimality: the gradient J^T r is tiny against the start's
    assert np.abs(jac(result.x).T @ result.fun).max() < 1e-5 * np.abs(jac(x0).T @ fun(x0)).max()
    assert result.cost < 1e-2 * 0.5 * np.sum(fun(x0) ** 2)


def test_least_squares_sparse_jacobian_run_matches_a_finite_difference_run_on_a_smaller_size():
    n = 101
    fun, jac, _ = chain_problem(n)
    x0, tight = np.full(n, 0.5), {"xtol": 1e-12, "ftol": 1e-12, "gtol": 1e-12}
    exact = scipy_optimize.least_squares(fun, x0, jac=jac, tr_solver="lsmr", **tight)
    differences = scipy_optimize.least_squares(fun, x0, jac="2-point", **tight)  # dense, numerical
    assert exact.status > 0 and differences.status > 0
    assert exact.cost == pytest.approx(differences.cost, rel=1e-9)
    np.testing.assert_allclose(exact.x, differences.x, atol=1e-4)  # measured: 6e-6 (the minimum is flat)
    np.testing.assert_allclose(jac(differences.x).toarray(), differences.jac, atol=1e-6)  # at the same point
