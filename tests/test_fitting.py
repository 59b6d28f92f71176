"""Fitting models to fixed data: a one-line logistic regression through scipy's minimize, and
:mod:`symgraph.fitting` (residuals for scipy's least_squares)."""
import functools
import inspect
import warnings
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


# --------------------------------------------------------------------------- residuals for least_squares

#: one residual per data point: y[k] - (a exp(-b t[k]) + c)
DECAY = "y[k] - (a*exp(-b*t[k]) + c)"


def decay_data(m: int = 200, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4, m)
    return t, 2.5 * np.exp(-1.3 * t) + 0.5 + rng.normal(scale=0.05, size=m)


def decay_jacobian(theta: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The Jacobian of :data:`DECAY` by (a, b, c), worked by hand."""
    a, b, _ = theta
    e = np.exp(-b * t)
    return np.column_stack([-e, a * t * e, -np.ones_like(t)])


@pytest.fixture(scope="module")
def decay():
    return sg.residuals(DECAY, wrt=["a", "b", "c"], over=("k", 0, "m-1"), m=200)


def test_residuals_fit_matches_least_squares_with_finite_differences(decay):
    t, y = decay_data()
    x0 = np.array([1.0, 1.0, 0.0])
    start, before = time.perf_counter(), decay.evaluations
    tight = {"ftol": 1e-12, "xtol": 1e-12, "gtol": 1e-12}
    exact = scipy_optimize.least_squares(decay.fun, x0, jac=decay.jac, args=(y, t), **tight)
    print(f"\nleast_squares, 200 residuals: {time.perf_counter() - start:.3f} s, {exact.nfev} fun, {exact.njev} jac")
    assert decay.evaluations - before == exact.nfev  # each jac came right after fun at its point: no second run
    numeric = scipy_optimize.least_squares(decay.fun, x0, jac="3-point", args=(y, t), **tight)
    assert exact.success and numeric.success
    np.testing.assert_allclose(exact.x, numeric.x, rtol=1e-6)
    np.testing.assert_allclose(exact.x, [2.5, 1.3, 0.5], atol=0.1)
    # the normal equations hold at the optimum
    assert np.max(np.abs(decay_jacobian(exact.x, t).T @ decay.fun(exact.x, y, t))) < 1e-8


def test_fun_then_jac_at_one_point_evaluates_once(decay):
    t, y = decay_data()
    theta = np.array([2.0, 1.0, 0.3])
    before = decay.evaluations
    r = decay.fun(theta, y, t)
    J = decay.jac(theta.copy(), y, t)  # equal values, another array: still the cached point
    assert decay.evaluations == before + 1
    r2, J2 = decay(theta, y=y, t=t)  # the same data by name is another call signature: evaluated again
    assert decay.evaluations == before + 2
    np.testing.assert_array_equal(r, r2)
    np.testing.assert_array_equal(J, J2)
    decay.fun(theta + 1e-3, y, t)
    decay.jac(theta, y, t)
    assert decay.evaluations == before + 4
    decay.fun(theta, y, t.copy())  # other data objects at the same theta: evaluated again
    assert decay.evaluations == before + 5
    J[0, 0] = 99.0  # results are fresh arrays: the cache is not changed through them
    assert decay.jac(theta, y, t)[0, 0] != 99.0


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse", "elimination"])
def test_residuals_and_jacobian_are_right_in_every_mode(mode):
    t, y = decay_data(m=20)
    res = sg.residuals(DECAY, wrt=["a", "b", "c"], over=("k", 0, "m-1"), m=20, mode=mode)
    theta = np.array([1.7, 0.8, -0.2])
    r, J = res(theta, y, t)
    assert r.shape == (20,) and J.shape == (20, 3) and res.shape == (20, 3)
    np.testing.assert_allclose(r, y - (1.7 * np.exp(-0.8 * t) - 0.2), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(J, decay_jacobian(theta, t), rtol=1e-14, atol=1e-15)
    # and against central differences of fun itself
    h = 1e-6
    numeric = np.column_stack([(res.fun(theta + h * e, y, t) - res.fun(theta - h * e, y, t)) / (2 * h)
                               for e in np.eye(3)])
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-8)


def test_template_equals_written_out_list_of_residuals():
    t, y = decay_data(m=5)
    written = [f"y[{k}] - (a*exp(-b*t[{k}]) + c)" for k in range(5)]
    listed = sg.residuals(written, wrt=["a", "b", "c"])
    templated = sg.residuals(DECAY, wrt=["a", "b", "c"], over=("k", 0, 4))
    assert templated.graph.outputs == listed.graph.outputs
    # a list reads as the tuple does (as from JSON or a config file)
    assert sg.residuals(DECAY, wrt=["a", "b", "c"], over=["k", 0, 4]).graph.outputs == listed.graph.outputs
    theta = np.array([1.0, 2.0, 3.0])
    for got, want in zip(templated(theta, y, t), listed(theta, y, t)):
        np.testing.assert_array_equal(got, want)
    # bounds computed from sizes, and a template that reads neighbours
    diffs = sg.residuals("x[k+1] - x[k] - s", wrt=["s"], over=("k", 1, "n-2"), n=6)
    r, J = diffs([0.5], np.arange(6.0) ** 2)
    np.testing.assert_array_equal(r, [2.5, 4.5, 6.5, 8.5])
    np.testing.assert_array_equal(J, -np.ones((4, 1)))


def test_indexed_parameters_fit_a_polynomial_like_lstsq():
    rng = np.random.default_rng(8)
    t = rng.uniform(-1, 1, 50)
    y = 1 - 2 * t + 0.5 * t ** 3 + rng.normal(scale=0.01, size=50)
    res = sg.residuals("sum(w[j]*t[k]^j, j, 0, d) - y[k]", wrt="w", over=("k", 0, "m-1"), m=50, d=3)
    assert res.wrt == ("w[0]", "w[1]", "w[2]", "w[3]") and res.data == ("t", "y")
    fit = scipy_optimize.least_squares(res.fun, np.zeros(4), jac=res.jac, args=(t, y))
    vander = np.vander(t, 4, increasing=True)
    np.testing.assert_allclose(res.jac(fit.x, t, y), vander, rtol=1e-14)
    np.testing.assert_allclose(fit.x, np.linalg.lstsq(vander, y, rcond=None)[0], rtol=1e-7, atol=1e-10)


def test_residual_functions_show_their_arguments(decay):
    import inspect
    for f in (decay.fun, decay.jac):
        assert list(inspect.signature(f).parameters) == ["x", "y", "t"]
    assert repr(decay) == "<Residuals: 200 residuals of 3 parameters (a, b, c); data (y, t)>"


def test_one_residual_of_one_parameter_is_counted_in_the_singular():
    """repr and the compiled function's docstring said '1 residuals of 1 parameters'."""
    res = sg.residuals(["x*y - 1"], ["x"])
    assert repr(res) == "<Residuals: 1 residual of 1 parameter (x); data (y)>"
    assert res.function.__doc__.startswith("1 residual and the Jacobian with respect to (x)")


def test_a_data_input_called_x_leaves_the_vector_its_other_name():
    import inspect
    fn = sg.value_and_grad("a*x^2 + b", wrt=["a", "b"], vector=True)
    assert list(inspect.signature(fn).parameters) == ["theta", "x"]
    assert fn(np.array([2.0, 1.0]), x=3.0)[0] == 19.0
    res = sg.residuals(["a*x - 1"], wrt=["a"])
    assert list(inspect.signature(res.fun).parameters) == ["theta", "x"]


def test_residual_bad_input_gives_clear_errors(decay):
    t, y = decay_data()
    with pytest.raises(sg.GraphError, match=r"1-D vector of 3 values \(a, b, c\), got shape \(2,\)"):
        decay.fun(np.zeros(2), y, t)
    with pytest.raises(sg.SymgraphError, match="missing 1 required positional argument.*t"):
        decay.jac(np.zeros(3), y)
    with pytest.raises(sg.SymgraphError, match="unexpected keyword argument 'z'"):
        decay.fun(np.zeros(3), y, t=t, z=t)
    with pytest.raises(sg.GraphError, match=r"y takes an array whose first axis is \(200,\).*got shape \(199,\)"):
        decay.fun(np.zeros(3), y[:-1], t)
    with pytest.raises(sg.GraphError, match="not inputs: d"):
        sg.residuals(["d = a*x; y - d"], wrt=["a", "d"])
    with pytest.raises(sg.SymgraphError, match=r"over= takes \(index name, first, last\)"):
        sg.residuals(DECAY, wrt=["a"], over=("k", 0))
    with pytest.raises(sg.SymgraphError, match="'k' is also given as a size"):
        sg.residuals(DECAY, wrt=["a"], over=("k", 0, 3), k=3)
    with pytest.raises(sg.ParseError, match="'q' is not a size or an index"):
        sg.residuals(DECAY, wrt=["a"], over=("k", 0, "q-1"), m=3)
    with pytest.raises(sg.ParseError, match=r"index 1 of y\[...\] is 3 \(where k = 3\), out of range"):
        sg.residuals(DECAY, wrt=["a", "b", "c"], over=("k", 0, 3), y=3)
    # ten million copies of the template passed the term limit and built for minutes: refused after the first
    with pytest.raises(sg.ArgumentError, match=r"over=: 10,000,000 copies of a template whose first copy made "
                                               r"\d+ graph nodes would build about .*the limit is 5,000,000 nodes"):
        sg.residuals(DECAY, wrt=["a", "b", "c"], over=("k", 0, 10**7 - 1))
    # the template without over=: its unbound index says how to expand it, at its position; a list does not
    with pytest.raises(sg.ParseError, match=r"'k' is not a size or an index.*; for one residual per k, give "
                                            r"over=\('k', first, last\)") as info:
        sg.residuals(DECAY, wrt=["a"], m=3)
    assert info.value.position == DECAY.index("k")
    with pytest.raises(sg.ParseError) as info:
        sg.residuals(["y[k] - a"], wrt=["a"])
    assert "over=" not in info.value.reason


def smoothing_residuals(n: int) -> list[str]:
    """Data terms x[k] - y[k] and smoothness terms 3*(x[k+1]^2 - x[k]): each residual reads one or two parameters."""
    return [f"x[{k}] - y[{k}]" for k in range(n)] + [f"3*(x[{k + 1}]^2 - x[{k}])" for k in range(n - 1)]


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_sparse_residual_jacobian_equals_the_dense_one(mode):
    from scipy import sparse
    texts = smoothing_residuals(12) + ["floor(x[0]) + x[3]*0"]  # a zero derivative inside the pattern or out of it
    dense = sg.residuals(texts, wrt=["x"], mode=mode)
    thin = sg.residuals(texts, wrt=["x"], mode=mode, sparse=True)
    assert sparse.issparse(thin.pattern) and thin.pattern.shape == thin.shape == dense.shape == (24, 12)
    assert (thin.pattern != sg.jacobian_sparsity(texts, wrt=["x"])).nnz == 0
    rng = np.random.default_rng(3)
    for _ in range(3):
        theta, y = rng.normal(size=12), rng.normal(size=12)
        r, J = thin(theta, y)
        assert sparse.isspmatrix_csr(J) and J.nnz == thin.pattern.nnz
        assert (J.indices == thin.pattern.indices).all() and (J.indptr == thin.pattern.indptr).all()
        r_dense, J_dense = dense(theta, y)
        np.testing.assert_array_equal(r, r_dense)
        np.testing.assert_array_equal(J.toarray(), J_dense)
        np.testing.assert_array_equal(thin.jac(theta, y=y).toarray(), J_dense)
    assert thin.pattern.nnz == 12 + 2 * 11 + 1  # floor's derivative is 0: no structural entry
    import pickle
    again = pickle.loads(pickle.dumps(thin.function))  # for a cluster's workers: the pattern travels with it
    r_again, J_again = again(theta, y)
    np.testing.assert_array_equal(r_again, r)
    np.testing.assert_array_equal(J_again.toarray(), J.toarray())
    whole = pickle.loads(pickle.dumps(thin))  # the Residuals object itself, with its fun and jac
    assert repr(whole) == repr(thin) and whole.evaluations == 0 and whole.wrt == thin.wrt
    np.testing.assert_array_equal(whole.fun(theta, y), r)
    np.testing.assert_array_equal(whole.jac(theta, y).toarray(), J.toarray())
    assert whole.evaluations == 1 and (whole.pattern != thin.pattern).nnz == 0


def test_least_squares_with_the_sparse_jacobian_fits_4000_residuals_like_the_normal_equations():
    n = 2000
    res = sg.residuals(smoothing_residuals(n), wrt=["x"], sparse=True)
    rng = np.random.default_rng(5)
    y = 1 + 0.1 * rng.normal(size=n)
    fit = scipy_optimize.least_squares(res.fun, np.ones(n), jac=res.jac, args=(y,), method="trf",
                                       x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-10)
    assert fit.success and fit.jac.shape == (2 * n - 1, n)
    assert res.evaluations <= fit.nfev + 1  # jac at an accepted point reuses fun's evaluation
    # at the optimum the gradient J^T r has all but vanished (lsmr's inner solves are inexact)
    start, end = (np.abs(J.T @ r).max() for r, J in (res(np.ones(n), y), res(fit.x, y)))
    assert end < 1e-4 * start
    assert fit.cost < 0.5 * np.sum((1 - y) ** 2)  # better than the start, where only the data terms count


@pytest.mark.parametrize("call", [
    lambda **kw: sg.value_and_grad("a^2*t", wrt=["a", "q"], vector=True, **kw)([3.0, 5.0], 2.0)[1],
    lambda **kw: sg.residuals(["a*t - 1", "a^2"], wrt=["a", "q"], **kw).jac([3.0, 5.0], 2.0),
    lambda **kw: sg.residuals(["a*t - 1", "a^2"], wrt=["a", "q"], sparse=True, **kw).jac([3.0, 5.0], 2.0).toarray(),
    lambda **kw: sg.hessp("a^2*t", ["a", "q"], **kw)([3.0, 5.0], [1.0, 1.0], 2.0),
])
def test_a_vector_entry_absent_from_the_function_has_derivative_zero_as_in_grad(call):
    # the vector forms raised "wrt names that are not inputs: q" (after warning that q's derivative is 0), even
    # with allow_unused=True, whose documented meaning is a zero column
    with pytest.warns(sg.errors.UnusedWrtWarning, match="'q'"):
        quiet = call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = np.asarray(call(allow_unused=True))
    np.testing.assert_array_equal(result, quiet)
    assert result.shape[-1] == 2 and np.all(result[..., 1] == 0) and np.all(result[..., 0] != 0)


@pytest.mark.filterwarnings("ignore:wrt name 'c' is assigned a constant")  # said before the refusal; see test_contract
def test_an_assigned_name_is_still_no_vector_entry():
    for call in (lambda: sg.value_and_grad("c = 3; c*x", wrt=["x", "c"], vector=True),
                 lambda: sg.residuals(["c = 3; c*x"], wrt=["x", "c"]),
                 lambda: sg.hessp("c = 3; c*x^2", ["x", "c"])):
        with pytest.raises(sg.GraphError, match="differentiates by inputs; (wrt names that are not inputs: )?c"):
            call()


def test_vector_args_naming_an_indexed_input_stand_for_its_elements():
    # args=["w"] was compared with the expanded wrt (w[0], w[1]) and refused: "wrt [...] differs from args ['w']"
    text = "sum((y[i] - w[0]*t[i] - w[1])^2, i, 0, 2)"
    t, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
    by_args = sg.value_and_grad(text, args=["w"], vector=True)
    both = sg.value_and_grad(text, wrt=["w"], args=["w"], vector=True)
    by_wrt = sg.value_and_grad(text, wrt=["w"], vector=True)
    for fn in (by_args, both):
        assert str(inspect.signature(fn)) == str(inspect.signature(by_wrt)) == "(x, /, y, t)"
        value, gradient = fn([2.0, 1.0], y, t)
        assert value == 0.0 and np.all(gradient == 0)
        np.testing.assert_array_equal(fn([0.0, 0.0], y=y, t=t)[1], by_wrt([0.0, 0.0], y, t)[1])
    with pytest.raises(sg.GraphError, match="share one order"):
        sg.value_and_grad(text, wrt=["w[1]", "w[0]"], args=["w"], vector=True)


def test_data_with_batch_axes_is_refused_naming_each_such_input_and_its_shape(decay):
    # the message said only "got results of shape (2,)": neither the input nor the shape it takes
    t, y = decay_data()
    with pytest.raises(sg.GraphError, match=r"one point.*without batch axes; y has shape \(200, 2\), expected \(200,\) "
                                            r"\(its indices\)$"):
        decay.fun(np.zeros(3), np.stack([y, y], axis=1), t)
    scaled = sg.value_and_grad("sum((y[i] - a*s*t[i])^2, i, 0, 2)", wrt=["a"], vector=True, backend="vm")
    with pytest.raises(sg.GraphError, match=r"s has shape \(2,\), expected \(\) \(a number\); t has shape \(3, 2\)"):
        scaled([1.0], np.ones(3), np.ones(2), np.ones((3, 2)))


def test_a_data_buffer_refilled_in_place_is_new_data_for_a_warm_started_fit():
    # fun at the new fit's start reused the last point of the previous fit (the same theta bytes, the same
    # data object): each warm-started fit "converged" after 1 evaluation to the first fit's parameters
    res = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=50)
    t, y = np.linspace(0, 3, 50), np.empty(50)
    x0 = np.array([1.0, 1.0])
    for a in (1.0, 2.0, 3.0):
        y[:] = a * np.exp(-0.7 * t)
        fit = scipy_optimize.least_squares(res.fun, x0, jac=res.jac, args=(y, t))
        np.testing.assert_allclose(fit.x, [a, 0.7], rtol=1e-7)
        x0 = fit.x
    x0, before = np.array([3.0, 0.7]), res.evaluations
    res.fun(x0, y, t), res.jac(x0, y, t)  # unchanged data at the same point: still one evaluation
    assert res.evaluations == before + 1
    y[0] += 1.0
    assert res.fun(x0, y, t)[0] == pytest.approx(1.0) and res.evaluations == before + 2



def test_data_by_keyword_in_another_order_is_the_same_data_to_the_last_point():
    # the data's contents were compared in keyword order: jac after fun with the keywords in another order
    # evaluated again (fun and jac through two functools.partial made apart), and two buffers whose contents
    # were swapped in place looked unchanged, so jac returned the Jacobian of the old data
    res = sg.residuals("y[k] - a*t[k]^2", wrt=["a"], over=("k", 0, "m-1"), m=2)
    y, t = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    fit = scipy_optimize.least_squares(functools.partial(res.fun, y=y, t=t), [1.0],
                                       jac=functools.partial(res.jac, t=t, y=y))
    assert res.evaluations == fit.nfev
    res.fun([1.0], y=y, t=t)
    y[:], t[:] = t.copy(), y.copy()  # now y = (3, 4), t = (1, 2)
    np.testing.assert_array_equal(res.jac([1.0], t=t, y=y), [[-1.0], [-4.0]])


def test_over_refuses_pi_as_its_index_as_sum_does():
    # over=("pi", 0, 2) bound pi inside y[pi] but left the constant in a*pi: residuals y[k] - 3.14159...*a
    with pytest.raises(sg.errors.ArgumentError, match="the index cannot be 'pi': it is a reserved name"):
        sg.residuals("y[pi] - a*pi", wrt=["a"], over=("pi", 0, 2))

def test_over_counts_its_copies_against_one_budget_before_expanding(monkeypatch):
    """over= parsed each copy of the template with a budget of its own: a residual range of 10^12 ran out of
    memory building its list (MemoryError), and a template whose sum fits the limit once expanded it again for
    every residual, unchecked, for as long as that took."""
    with pytest.raises(sg.errors.ArgumentError, match=r"k runs from 0 to 1000000000000, which makes "
                                                      r"1,000,000,000,001 residuals; the limit is 10,000,000"):
        sg.residuals("y[k] - a", wrt=["a"], over=("k", 0, 10**12))
    from symgraph.frontend import parse, reductions
    for module in (parse, reductions):  # a small limit, so that the template expands quickly when it fits
        monkeypatch.setattr(module, "MAX_TERMS", 1000)
    with pytest.raises(sg.ParseError, match=r"sum\(\) over i = 0..99 has 100 terms, repeated 20 times by over= "
                                            r"\(20 copies of its template from here on\) \(2,000 terms\)") as info:
        sg.residuals("sum(x[i]*y[k], i, 0, 99) - a", wrt=["a"], over=("k", 0, 19))
    assert info.value.position == 0
    fits = sg.residuals("sum(x[i]*y[k], i, 0, 99) - a", wrt=["a"], over=("k", 0, 9))  # 1,000 terms: the limit
    assert fits.shape == (10, 1)


def test_the_program_of_many_residuals_prints_one_short_line():
    """repr(res.program) listed every result label: at 10^5 residuals of a sparse Jacobian, 4 million characters."""
    res = sg.residuals("x[k]^2 - y[k]", wrt=["x"], over=("k", 0, "n-1"), sparse=True, n=500)
    shown = repr(res.program)
    assert shown.startswith("<Program ") and shown.endswith(" and 990 more>") and len(shown) < 300
    assert "'<residual 0>'" in shown and len(res.program.results) == 1000
    assert repr(sg.grad("x*y").program) == "<Program 0 ops, results ['x', 'y']>"


def test_fun_and_jac_pickle_on_their_own():
    """pickle.dumps(res.fun) raised AttributeError "Can't pickle local object 'Residuals.__init__.<locals>.fun'":
    a process pool or a cluster's workers are sent least_squares's fun and jac one by one, as for
    value_and_grad's functions, which pickle."""
    import pickle

    res = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=5)
    theta, y, t = np.array([1.0, 0.5]), np.linspace(1, 0, 5), np.arange(5.0)
    fun, jac = (pickle.loads(pickle.dumps(part)) for part in (res.fun, res.jac))
    np.testing.assert_array_equal(fun(theta, y, t), res.fun(theta, y, t))
    np.testing.assert_array_equal(jac(theta, y, t), res.jac(theta, y, t))
    assert inspect.signature(fun) == inspect.signature(res.fun) and "Jacobian" in jac.__doc__


def test_over_index_reused_by_a_sum_in_the_template_is_named_as_the_over_index():
    """A template whose sum reuses the over= index was refused as "also a size bound by keyword (r=0)",
    though nothing was bound by keyword: the error now says the clash is with the over= index."""
    with pytest.raises(sg.ParseError) as e:
        sg.residuals("y[r] - sum(y[r], r, 0, 2)", wrt=["y"], over=("r", 0, 2))
    message = str(e.value)
    assert "bound by keyword" not in message
    assert "the index 'r' of sum() is also the index of over=" in message
    assert "choose another name" in message
    with pytest.raises(sg.ParseError, match="'r' is the index of over=.*cannot be assigned"):
        sg.residuals("r = 2\nr*a", wrt=["a"], over=("r", 0, 2))


def test_a_wrong_length_vector_names_every_parameter_also_one_no_sparse_residual_reads():
    """The message names the vector's entries; with sparse=True an unused parameter (no stored Jacobian entry)
    was shown as None."""
    for sparse in (False, True):
        res = sg.residuals(["a*t", "b*t"], wrt=["a", "zz", "b"], sparse=sparse, allow_unused=True)
        with pytest.raises(sg.GraphError, match=r"3 values \(a, zz, b\), got shape \(1,\)"):
            res.fun([1.0], 2.0)
