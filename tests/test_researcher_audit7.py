"""A research user's audit: the objectives of statistics, learning and physics, derived every way symgraph
derives them, checked against sympy.diff evaluated in 40-digit mpmath, and used by scipy as a client."""
import mpmath
import numpy as np
import pytest
import scipy.optimize
import sympy

import symgraph as sg

MODES = ["reverse", "forward", "elimination", "auto"]
STRATEGIES = ["forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
              "edge-pushing"]
_rng = np.random.default_rng(7)
_X, _T = _rng.normal(size=(5, 2)), np.array([1.0, -1, 1, -1, -1])
_A, _B = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.0]]), np.array([4.0, 2.0, 3.0])


def _q(value) -> sympy.Rational:
    """A float64 datum exactly."""
    return sympy.Rational(float(value))


# name -> (text, sizes, parameters and their point, data, the same function in sympy of the parameters' elements)
OBJECTIVES = {
    "log-sum-exp": ("log(sum(exp(z[i]), i, 0, n-1))", {"n": 4}, {"z": [0.3, -1.2, 2.0, 0.7]}, {},
                    lambda s, d: sympy.log(sum(map(sympy.exp, s)))),
    "softmax cross-entropy": (
        "l(c) = sum(W[c, j]*x[j], j, 0, 1)\nlogsumexp(l(0), l(1), l(2)) - l(1)", {},
        {"W": [[0.2, -0.5], [0.4, 0.1], [-0.3, 0.6]]}, {"x": [1.5, -0.7]},
        lambda s, d: sympy.log(sum(sympy.exp(s[2 * c] * _q(d["x"][0]) + s[2 * c + 1] * _q(d["x"][1])) for c in range(3)))
        - (s[2] * _q(d["x"][0]) + s[3] * _q(d["x"][1]))),
    "Gaussian NLL": ("sum(log_s + (y[i] - mu)^2/(2*exp(2*log_s)) + log(2*pi)/2, i, 0, m-1)", {"m": 4},
                     {"mu": 0.7, "log_s": 0.4}, {"y": [1.3, -0.2, 2.9, 0.4]},
                     lambda s, d: sum(s[1] + (_q(y) - s[0]) ** 2 / (2 * sympy.exp(2 * s[1])) + sympy.log(2 * sympy.pi) / 2
                                      for y in d["y"])),
    "Poisson NLL": ("sum(exp(a + b*x[i]) - c[i]*(a + b*x[i]), i, 0, m-1)", {"m": 4}, {"a": 0.2, "b": 0.9},
                    {"x": [0.0, 0.5, 1.0, 1.5], "c": [1.0, 0.0, 3.0, 4.0]},
                    lambda s, d: sum(sympy.exp(s[0] + s[1] * _q(x)) - _q(c) * (s[0] + s[1] * _q(x))
                                     for x, c in zip(d["x"], d["c"]))),
    "logistic regression with L2": (
        "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1) + lam/2*sum(w[j]^2, j, 0, k-1)",
        {"m": 5, "k": 2}, {"w": [0.3, -0.2], "b": 0.1}, {"X": _X, "t": _T, "lam": 0.1},
        lambda s, d: sum(sympy.log(1 + sympy.exp(-_q(t) * (s[0] * _q(x[0]) + s[1] * _q(x[1]) + s[2])))
                         for x, t in zip(d["X"], d["t"])) + _q(0.1) / 2 * (s[0] ** 2 + s[1] ** 2)),
    "Huber": ("h(u) = where(abs(u) < 1, u^2/2, abs(u) - 1/2)\nsum(h(r[i]), i, 0, n-1)", {"n": 3},
              {"r": [0.3, -2.5, 1.7]}, {},
              lambda s, d: sum(sympy.Piecewise((v ** 2 / 2, abs(v) < 1), (abs(v) - sympy.S.Half, True)) for v in s)),
    "pseudo-Huber": ("sum(sqrt(1 + r[i]^2) - 1, i, 0, n-1)", {"n": 3}, {"r": [0.3, -2.5, 1.7]}, {},
                     lambda s, d: sum(sympy.sqrt(1 + v ** 2) - 1 for v in s)),
    "squared hinge": ("sum(max(0, 1 - m[i])^2, i, 0, n-1)", {"n": 3}, {"m": [0.3, 1.7, -0.4]}, {},
                      lambda s, d: sum(sympy.Max(0, 1 - v) ** 2 for v in s)),
    "smooth hinge": ("sh(z) = where(z <= 0, 0.5 - z, where(z < 1, (1 - z)^2/2, 0))\nsum(sh(m[i]), i, 0, n-1)",
                     {"n": 3}, {"m": [0.3, 1.7, -0.4]}, {},
                     lambda s, d: sum(sympy.Piecewise((sympy.S.Half - v, v <= 0), ((1 - v) ** 2 / 2, v < 1), (0, True))
                                      for v in s)),
    "Lennard-Jones": ("r2(a, b) = sum((p[a, c] - p[b, c])^2, c, 0, 1)\n"
                      "sum(sum(4*(r2(a, b)^(-6) - r2(a, b)^(-3)), b, a+1, N-1), a, 0, N-1)", {"N": 3},
                      {"p": [[0.0, 0.0], [1.1, 0.1], [0.4, 1.05]]}, {},
                      lambda s, d: sum(4 * (r2 ** -6 - r2 ** -3) for r2 in
                                       ((s[2 * a] - s[2 * b]) ** 2 + (s[2 * a + 1] - s[2 * b + 1]) ** 2
                                        for a in range(3) for b in range(a + 1, 3)))),
    "MLP": ("h(k) = sum(W[k, j]*x[j], j, 0, 1)\n(v[0]*tanh(h(0)) + v[1]*softplus(h(1)) + v[2]*relu(h(2)) - y)^2", {},
            {"W": [[0.5, -0.3], [0.8, 0.2], [-0.4, 0.9]], "v": [1.2, -0.7, 0.4]}, {"x": [0.6, 1.1], "y": 0.25},
            lambda s, d: (s[6] * sympy.tanh(s[0] * _q(0.6) + s[1] * _q(1.1))
                          + s[7] * sympy.log(1 + sympy.exp(s[2] * _q(0.6) + s[3] * _q(1.1)))
                          + s[8] * sympy.Max(0, s[4] * _q(0.6) + s[5] * _q(1.1)) - _q(0.25)) ** 2),
    "log barrier": ("tau*sum(c[j]*x[j], j, 0, n-1) - sum(log(b[i] - sum(A[i, j]*x[j], j, 0, n-1)), i, 0, m-1)",
                    {"n": 2, "m": 3}, {"x": [0.5, 0.25]}, {"tau": 2.0, "c": [1.0, -1.0], "b": _B, "A": _A},
                    lambda s, d: 2 * (s[0] - s[1]) - sum(sympy.log(_q(bi) - _q(ai[0]) * s[0] - _q(ai[1]) * s[1])
                                                         for ai, bi in zip(d["A"], d["b"]))),
    "ridge": ("sum((y[i] - sum(X[i, j]*beta[j], j, 0, p-1))^2, i, 0, m-1) + lam*sum(beta[j]^2, j, 0, p-1)",
              {"m": 5, "p": 2}, {"beta": [0.1, -0.4]}, {"X": _X, "y": _T, "lam": 0.3},
              lambda s, d: sum((_q(y) - _q(x[0]) * s[0] - _q(x[1]) * s[1]) ** 2 for x, y in zip(d["X"], d["y"]))
              + _q(0.3) * (s[0] ** 2 + s[1] ** 2)),
    "Rosenbrock": ("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", {"n": 3}, {"x": [1.2, 0.8, -0.5]}, {},
                   lambda s, d: sum(100 * (s[i + 1] - s[i] ** 2) ** 2 + (1 - s[i]) ** 2 for i in range(2))),
}


def _theta(point: dict) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(v, float)) for v in point.values()])


def _element_names(point: dict) -> list:
    names = []
    for name, value in point.items():
        shape = np.shape(value)
        names += [name] if not shape else [f"{name}[{', '.join(map(str, i))}]" for i in np.ndindex(shape)]
    return names


def _reference(objective: str):
    """The value, gradient and Hessian of sympy.diff, evaluated in 40-digit arithmetic."""
    _, _, point, data, form = OBJECTIVES[objective]
    theta = _theta(point)
    symbols = sympy.symbols(f"s0:{len(theta)}", real=True)
    f = form(symbols, {k: np.asarray(v, float) for k, v in data.items()})
    gradient = [sympy.diff(f, s) for s in symbols]
    hessian = [[sympy.diff(g, s).replace(sympy.DiracDelta, lambda *a: sympy.S.Zero) for s in symbols] for g in gradient]
    evaluate = sympy.lambdify(symbols, [f, gradient, hessian], modules="mpmath", cse=True)
    with mpmath.workdps(40):
        value, gradient, hessian = evaluate(*map(mpmath.mpf, theta))
    return float(value), np.array(gradient, float), np.array(hessian, float)


def _close(got, want, rtol=1e-12):
    got, want = np.asarray(got, float), np.asarray(want, float)
    scale = np.maximum(np.abs(want), 1e-3 * np.max(np.abs(want)))  # entries that cancel to ~0 judged by the largest
    assert np.all(np.abs(got - want) <= rtol * scale), (got, want)


@pytest.fixture(scope="module", params=list(OBJECTIVES))
def objective(request):
    return request.param, _reference(request.param)


def test_every_mode_gives_the_gradient_of_sympy_diff(objective):
    name, (value, gradient, _) = objective
    text, sizes, point, data, _ = OBJECTIVES[name]
    names = _element_names(point)
    for mode in MODES:
        g = sg.grad(text, wrt=list(point), mode=mode, **sizes)
        at = g.at(**point, **data)
        _close([at[n] for n in names], gradient)
        _close(np.concatenate([np.ravel(r) for r in g.lambdify()(**point, **data)]), gradient)


def test_every_hessian_strategy_dense_and_sparse_gives_sympy_diffs_hessian(objective):
    name, (_, _, hessian) = objective
    text, sizes, point, data, _ = OBJECTIVES[name]
    for mode in STRATEGIES:
        for sparse in (False, True):
            h = sg.hessian(text, wrt=list(point), mode=mode, sparse=sparse, **sizes)
            at = h.at(**point, **data)
            _close(at.toarray() if sparse else at, hessian)
            vector = h.lambdify(vector=True)(_theta(point), **data)
            _close(vector.toarray() if sparse else vector, hessian)


def test_hvp_and_hessp_give_the_hessian_times_a_vector(objective):
    name, (_, _, hessian) = objective
    text, sizes, point, data, _ = OBJECTIVES[name]
    v = np.linspace(-1.0, 1.5, len(hessian))
    seeds, start = [], 0
    for value in point.values():
        size = np.size(value)
        seeds.append(v[start] if np.ndim(value) == 0 else v[start:start + size].reshape(np.shape(value)))
        start += size
    at = sg.hvp(text, list(point), seeds, **sizes).at(**point, **data)
    _close([at[n] for n in _element_names(point)], hessian @ v)
    for backend in ("numpy", "vm"):
        _close(sg.hessp(text, list(point), backend=backend, **sizes)(_theta(point), v, **data), hessian @ v)


def test_value_and_grad_at_a_point_and_on_a_batch_on_the_numpy_and_vm_backends(objective):
    name, (value, gradient, _) = objective
    text, sizes, point, data, _ = OBJECTIVES[name]
    for backend in ("numpy", "vm"):
        got, grad = sg.value_and_grad(text, wrt=list(point), vector=True, backend=backend, **sizes)(_theta(point), **data)
        _close(got, value)
        _close(grad, gradient)
        batch = {k: np.stack([np.asarray(v, float)] * 3, axis=-1) for k, v in point.items()}
        values, grads = sg.value_and_grad(text, wrt=list(point), backend=backend, **sizes)(**batch, **data)
        _close(values, np.full(3, value))
        _close(np.concatenate([np.reshape(g, (-1, 3)) for g in grads]), np.stack([gradient] * 3, axis=-1))


@pytest.mark.parametrize("name", ["softmax cross-entropy", "smooth hinge", "Lennard-Jones"])
def test_the_numba_backend_gives_the_same_gradient(name):
    text, sizes, point, data, _ = OBJECTIVES[name]
    _, gradient, _ = _reference(name)
    _, grad = sg.value_and_grad(text, wrt=list(point), vector=True, backend="numba", **sizes)(_theta(point), **data)
    _close(grad, gradient)


def _rk4(steps: int) -> str:
    """The logistic equation y' = r*y*(1 - y) integrated by ``steps`` classical Runge-Kutta steps, then a loss."""
    lines = ["f(u) = r*u*(1 - u)", "y0 = y_init"]
    for i in range(steps):
        lines += [f"k1_{i} = f(y{i})", f"k2_{i} = f(y{i} + dt/2*k1_{i})", f"k3_{i} = f(y{i} + dt/2*k2_{i})",
                  f"k4_{i} = f(y{i} + dt*k3_{i})", f"y{i + 1} = y{i} + dt/6*(k1_{i} + 2*k2_{i} + 2*k3_{i} + k4_{i})"]
    return "\n".join(lines + [f"(y{steps} - target)^2"])


def test_an_unrolled_rk4_integrator_agrees_with_mpmath_in_every_mode_and_strategy():
    text, point, data = _rk4(3), {"r": 1.3, "y_init": 0.2}, {"dt": 0.25, "target": 0.6}

    def loss(r, y):
        f = lambda u: r * u * (1 - u)  # noqa: E731
        for _ in range(3):
            k1 = f(y)
            k2 = f(y + data["dt"] / 2 * k1)
            k3 = f(y + data["dt"] / 2 * k2)
            y = y + data["dt"] / 6 * (k1 + 2 * k2 + 2 * k3 + f(y + data["dt"] * k3))
        return (y - data["target"]) ** 2

    with mpmath.workdps(40):
        at = [mpmath.mpf(point["r"]), mpmath.mpf(point["y_init"])]
        gradient = np.array([float(mpmath.diff(loss, at, o)) for o in [(1, 0), (0, 1)]])
        hessian = np.array([[float(mpmath.diff(loss, at, o)) for o in row] for row in [[(2, 0), (1, 1)], [(1, 1), (0, 2)]]])
    for mode in MODES:
        g = sg.grad(text, wrt=list(point), mode=mode)
        _close([g.at(**point, **data)[n] for n in point], gradient)
    for mode in STRATEGIES:
        # a sparse result: the dense one's closed forms are nested too deep for a sympy Matrix in some strategies
        _close(sg.hessian(text, wrt=list(point), mode=mode, sparse=True).at(**point, **data).toarray(), hessian)
    _close(sg.hessp(text, list(point), backend="vm")(_theta(point), [1.0, -0.5], **data), hessian @ [1.0, -0.5])


def test_scipy_minimises_a_regularised_logistic_regression_with_every_second_order_form():
    text, sizes, _, data, _ = OBJECTIVES["logistic regression with L2"]
    args = (data["t"], data["X"], data["lam"])
    fg = sg.value_and_grad(text, wrt=["w", "b"], vector=True, backend="vm", **sizes)
    dense = sg.hessian(text, wrt=["w", "b"], **sizes).lambdify(vector=True)
    sparse = sg.hessian(text, wrt=["w", "b"], sparse=True, **sizes).lambdify(vector=True)
    hessp = sg.hessp(text, ["w", "b"], **sizes)
    fits = [scipy.optimize.minimize(fg, np.zeros(3), jac=True, method="trust-exact", hess=dense, args=args),
            scipy.optimize.minimize(fg, np.zeros(3), jac=True, method="trust-constr", hess=sparse, args=args,
                                    options={"gtol": 1e-12}),
            scipy.optimize.minimize(fg, np.zeros(3), jac=True, method="Newton-CG", hessp=hessp, args=args,
                                    options={"xtol": 1e-12})]

    def gradient(theta):  # written out by hand: X^T (-t sigmoid(-t z)) + lam w
        w, b = theta[:2], theta[2]
        weights = -data["t"] / (1 + np.exp(data["t"] * (data["X"] @ w + b)))
        return np.concatenate([data["X"].T @ weights + data["lam"] * w, [weights.sum()]])

    for fit in fits:
        assert np.max(np.abs(gradient(fit.x))) < 1e-7, fit
        np.testing.assert_allclose(fit.x, fits[0].x, atol=1e-6)


def test_least_squares_with_a_sparse_jacobian_solves_a_smoothing_problem():
    n, lam = 40, 3.0
    texts = [f"u[{i}] - y[{i}]" for i in range(n)] + [f"lam*(u[{i + 1}] - 2*u[{i}] + u[{i - 1}])" for i in range(1, n - 1)]
    res = sg.residuals(texts, wrt=["u"], sparse=True)
    y = np.sin(np.linspace(0, 3, n)) + _rng.normal(size=n) * 0.1
    matrix = np.zeros((2 * n - 2, n))
    matrix[:n] = np.eye(n)
    for i in range(1, n - 1):
        matrix[n + i - 1, i - 1:i + 2] = lam * np.array([1.0, -2.0, 1.0])
    jac = res.jac(np.zeros(n), y, lam)
    assert jac.nnz == n + 3 * (n - 2) and np.array_equal(jac.toarray(), matrix)
    fit = scipy.optimize.least_squares(res.fun, np.zeros(n), jac=res.jac, args=(y, lam), xtol=1e-15, ftol=1e-15,
                                       gtol=1e-15)
    exact = np.linalg.lstsq(matrix, np.concatenate([y, np.zeros(n - 2)]), rcond=None)[0]
    np.testing.assert_allclose(fit.x, exact, atol=1e-6)  # scipy's sparse solver (lsmr) is iterative


def test_a_registered_log_gamma_in_a_negative_binomial_likelihood_agrees_with_mpmath():
    special = pytest.importorskip("scipy.special")
    handles = [sg.function("trigamma_r7", numpy=_trigamma, derivatives=["0*x"]),
               sg.function("digamma_r7", numpy=special.digamma, derivatives=["trigamma_r7(x)"]),
               sg.function("gammaln_r7", numpy=special.gammaln, derivatives=["digamma_r7(x)"])]
    try:
        text = ("sum(gammaln_r7(a) - gammaln_r7(c[i] + a) + c[i]*log(1 + a/mu) + a*log(1 + mu/a), i, 0, m-1)")
        counts = np.array([0.0, 3.0, 1.0, 7.0, 2.0])

        def nll(a, mu):
            return sum(mpmath.loggamma(a) - mpmath.loggamma(c + a) + c * mpmath.log(1 + a / mu)
                       + a * mpmath.log(1 + mu / a) for c in counts)

        with mpmath.workdps(40):
            at = [mpmath.mpf(1.5), mpmath.mpf(2.0)]
            gradient = [float(mpmath.diff(nll, at, o)) for o in [(1, 0), (0, 1)]]
            hessian = [[float(mpmath.diff(nll, at, o)) for o in row] for row in [[(2, 0), (1, 1)], [(1, 1), (0, 2)]]]
        for backend in ("numpy", "vm"):
            value, grad = sg.value_and_grad(text, wrt=["a", "mu"], vector=True, backend=backend, m=5)([1.5, 2.0], counts)
            _close(value, float(nll(*at)))
            _close(grad, gradient)
        for mode in ("forward-over-reverse", "edge-pushing"):
            _close(sg.hessian(text, wrt=["a", "mu"], mode=mode, m=5).at(a=1.5, mu=2.0, c=counts), hessian)
    finally:
        for handle in handles:
            handle.remove()


def _trigamma(x):
    from scipy.special import polygamma
    return polygamma(1, x)
