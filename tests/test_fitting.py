"""Fitting models to fixed data: a one-line logistic regression through scipy's minimize, and
:mod:`symgraph.fitting` (residuals for scipy's least_squares)."""
import functools
import time

import numpy as np
import pytest

import symgraph as sg

scipy_optimize = pytest.importorskip("scipy.optimize")

#: the negative log-likelihood of logistic regression with labels t in {-1, +1}: one line over the data
LOGISTIC = "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1)"


def logistic_data(m: int = 10_000, k: int = 3, seed: int = 17) -> tuple[np.ndarray, np.ndarray]:
    """Rows x ~ N(0, 1) and labels t = +1 with probability sigmoid(x.w + b), for fixed w, b."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, k))
    z = X @ np.array([1.5, -2.0, 0.5])[:k] + 0.3
    t = np.where(rng.random(m) < 1 / (1 + np.exp(-z)), 1.0, -1.0)
    return X, t


def newton_logistic(X: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The maximum-likelihood (w, b) by Newton's method (IRLS) in NumPy, to steps below 1e-12: the reference."""
    A = np.hstack([X, np.ones((len(X), 1))])
    y = (t + 1) / 2
    theta = np.zeros(A.shape[1])
    for _ in range(100):
        s = 1 / (1 + np.exp(-A @ theta))
        step = np.linalg.solve((A * (s * (1 - s))[:, None]).T @ A, A.T @ (s - y))
        theta -= step
        if np.max(np.abs(step)) < 1e-12:
            return theta
    raise AssertionError("Newton's method did not converge")


@pytest.fixture(scope="module")
def logistic():
    """The compiled value and gradient of :data:`LOGISTIC` at 10,000 rows, built once for the module."""
    start = time.perf_counter()
    fn = sg.value_and_grad(LOGISTIC, wrt=["w", "b"], vector=True, m=10_000, k=3)
    print(f"\nlogistic regression, 10,000 x 3: build + derive + compile {time.perf_counter() - start:.1f} s")
    return fn


def test_logistic_regression_one_line_fits_10000_rows_like_newton(logistic):
    assert len(LOGISTIC) < 200
    X, t = logistic_data()
    fn = logistic
    assert list(fn.__signature__.parameters) == ["x", "t", "X"]  # data in order of first appearance
    start = time.perf_counter()
    result = scipy_optimize.minimize(fn, np.zeros(4), jac=True, method="BFGS", args=(t, X), options={"gtol": 1e-6})
    print(f"BFGS fit: {time.perf_counter() - start:.2f} s, {result.nfev} evaluations")
    assert result.success, result.message
    reference = newton_logistic(X, t)
    np.testing.assert_allclose(result.x, reference, rtol=1e-5)
    # the reference is the optimum: symgraph's gradient vanishes there, and its value is the likelihood's
    value, gradient = fn(reference, t, X)
    assert np.max(np.abs(gradient)) < 1e-8
    z = X @ reference[:3] + reference[3]
    assert value == pytest.approx(np.sum(np.logaddexp(0, -t * z)), rel=1e-12)
    # and the fit recovers the parameters the labels were drawn with, roughly
    np.testing.assert_allclose(result.x, [1.5, -2.0, 0.5, 0.3], atol=0.1)


def test_logistic_regression_through_functools_partial(logistic):
    X, t = logistic_data()
    fixed = functools.partial(logistic, X=X, t=t)  # the data by name; the vector stays first
    result = scipy_optimize.minimize(fixed, np.zeros(4), jac=True, method="L-BFGS-B",
                                     options={"gtol": 1e-9, "ftol": 1e-14})
    assert result.success, result.message
    np.testing.assert_allclose(result.x, newton_logistic(X, t), rtol=1e-5)
