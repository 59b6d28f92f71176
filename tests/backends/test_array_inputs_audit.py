"""What compiled functions do with the values researchers pass, on every backend.

Each test is a call a user makes with data as it comes (NumPy scalars, arrays
of another dtype beside float64 ones, nested lists) and checks the values and
the dtype against NumPy's evaluation of the closed form, or the error.  The
dtype rule (README, "Results always have the inputs' broadcast shape ...") is:
float64 unless the array inputs are all float32, Python numbers not counting,
in every backend.
"""
import numpy as np
import pytest

import symgraph as sg

pytest.importorskip("numba")

BACKENDS = ["numpy", "vm", "numba"]

#: least squares over an indexed data matrix: theta = (w[0], w[1], w[2], b), data X (m, 3) and t (m,)
LEAST_SQUARES = "sum((sum(w[j]*X[r, j], j, 0, 2) + b - t[r])^2, r, 0, m-1)"


def least_squares(theta, X, t):
    """The closed form of LEAST_SQUARES and its gradient, in float64."""
    theta, X, t = (np.asarray(a, dtype=np.float64) for a in (theta, X, t))
    r = X @ theta[:3] + theta[3] - t
    return (r ** 2).sum(), np.r_[2 * X.T @ r, 2 * r.sum()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_indexed_float64_array_beside_a_float32_one_computes_in_float64(backend):
    """A float64 array for an indexed input beside a float32 array for a plain input gave float32 results:
    the indexed array reaches the kernel as its elements, np.float64 scalars, which the dtype rule took
    for Python floats (np.float64 subclasses float) and so did not count."""
    f = sg.lambdify("sum(x[i]*y, i, 0, 2)", backend=backend)
    x = np.array([0.1, 0.2, 0.3])
    y = np.array([1.0, 3.0], dtype=np.float32)
    got = f(x=x, y=y)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, x.sum() * y.astype(np.float64), rtol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_numpy_float64_scalar_counts_as_a_0d_float64_array(backend):
    """np.float64(2) beside a float32 array gave float32, np.array(2.0) float64: the same number gave two
    dtypes by its container.  NumPy 2 itself computes float32 * np.float64 in float64."""
    grad = sg.grad("x*y + x^2", wrt=["x", "y"]).lambdify(args=["x", "y"], backend=backend)
    x = np.array([1.0, 2.0], dtype=np.float32)
    scalar, zero_d = grad(x, np.float64(0.1)), grad(x, np.array(0.1))
    for a, b in zip(scalar, zero_d):
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("theta_dtype, data_dtype", [(np.float64, np.float32), (np.float32, np.float64)])
def test_value_and_grad_vector_with_data_of_another_dtype_computes_in_float64(backend, theta_dtype, data_dtype):
    """value_and_grad(vector=True) with float32 data and a float64 vector (or the reverse) returned a
    float32 gradient: the float64 vector was handed on as Python floats and the data's elements as
    np.float64 scalars, neither of which voted in the dtype rule."""
    fn = sg.value_and_grad(LEAST_SQUARES, wrt=["w", "b"], vector=True, m=5, backend=backend)
    rng = np.random.default_rng(1)
    theta, X, t = rng.normal(size=4), rng.normal(size=(5, 3)), rng.normal(size=5)
    value, gradient = fn(theta.astype(theta_dtype), X=X.astype(data_dtype), t=t.astype(data_dtype))
    want_value, want_gradient = least_squares(theta.astype(theta_dtype), X.astype(data_dtype), t.astype(data_dtype))
    assert gradient.dtype == np.float64
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(gradient, want_gradient, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_and_grad_vector_with_float32_everything_stays_float32(backend):
    """The other side of the rule: a float32 vector with float32 data computes in float32."""
    fn = sg.value_and_grad(LEAST_SQUARES, wrt=["w", "b"], vector=True, m=5, backend=backend)
    rng = np.random.default_rng(2)
    theta, X, t = (a.astype(np.float32) for a in (rng.normal(size=4), rng.normal(size=(5, 3)), rng.normal(size=5)))
    value, gradient = fn(theta, X=X, t=t)
    assert gradient.dtype == np.float32
    np.testing.assert_allclose(gradient, least_squares(theta, X, t)[1], rtol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunked_function_names_a_ragged_nested_list(backend):
    """With chunk=, a ragged nested list raised NumPy's raw ValueError ("inhomogeneous shape") from the
    chunking wrapper; without chunk= it was already a GraphError naming the input."""
    f = sg.grad("x*sin(y) + x^2*y", wrt=["x", "y"]).lambdify(args=["x", "y"], backend=backend, chunk=2)
    with pytest.raises(sg.GraphError, match=r"value for x .*ragged"):
        f([[1.0, 2.0], [3.0]], 1.0)


def test_numba_on_dask_arrays_stays_lazy_as_the_other_backends():
    """backend='numba' on float64 Dask arrays computed them whole with np.asarray and returned NumPy arrays
    (float32 Dask arrays, which take the NumPy code, came back lazy): the same call gave lazy results or a
    full in-memory computation by dtype.  Now every backend returns Dask arrays, NumPy's values at compute()."""
    da = pytest.importorskip("dask.array")
    f = sg.grad("x*sin(y) + x^2*y", wrt=["x", "y"]).lambdify(args=["x", "y"], backend="numba")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=10), rng.normal(size=10)
    lazy = f(da.from_array(x, chunks=4), da.from_array(y, chunks=3))
    for got, want in zip(lazy, (np.sin(y) + 2 * x * y, x * np.cos(y) + x ** 2)):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-14)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_hessian_data_and_array_on_dask_inputs_stay_lazy(backend):
    """A sparse Hessian's .data(...) and a compiled function's .array(...) on Dask arrays stacked the results
    with np.array, which computed every one whole and returned NumPy arrays, while the dense Hessian of the
    same inputs stayed lazy.  Now all three return Dask arrays with NumPy's values at compute()."""
    da = pytest.importorskip("dask.array")
    text = "x*sin(y) + x^2*y"
    sparse = sg.hessian(text, wrt=["x", "y"], sparse=True).lambdify(args=["x", "y"], backend=backend)
    gradient = sg.grad(text, wrt=["x", "y"]).lambdify(args=["x", "y"], backend=backend)
    x, y = np.linspace(-1.0, 2.0, 7), np.linspace(0.5, 1.5, 7)
    lazy_x, lazy_y = da.from_array(x, chunks=3), da.from_array(y, chunks=4)
    for got, want in [(sparse.data(lazy_x, lazy_y), sparse.data(x, y)), (gradient.array(lazy_x, lazy_y), gradient.array(x, y))]:
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(got.compute(), want)
    np.testing.assert_allclose(gradient.array(x, y), [np.sin(y) + 2 * x * y, x * np.cos(y) + x ** 2], rtol=1e-14)


#: a 2-D indexed input, a 1-D one and a plain one
INDEXED = "sum(sum(W[i, j]*x[j], j, 0, 2), i, 0, 1) + c*x[0]"


@pytest.mark.parametrize("backend", BACKENDS)
def test_dask_inputs_that_do_not_broadcast_are_named_as_the_user_passed_them(backend):
    """With a Dask array among the inputs of a function with indexed inputs, batch shapes that do not
    broadcast were reported by the kernel in its own input names, one per element ("W_0_0 (5,), W_0_1
    (5,), ..."), names the user never wrote.  Now the message names W, x and c with their shapes."""
    da = pytest.importorskip("dask.array")
    f = sg.grad(INDEXED, wrt=["x", "W", "c"]).lambdify(backend=backend)
    with pytest.raises(sg.GraphError) as error:
        f(W=da.ones((2, 3, 5)), x=np.ones((3, 5)), c=da.ones(4))
    message = str(error.value)
    assert "W (2, 3, 5) (batch axes (5,))" in message and "c (4,)" in message
    assert "W_0_0" not in message and "x_0" not in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_ragged_list_for_a_plain_input_beside_indexed_ones_is_named(backend):
    """A ragged nested list for a plain input of a function that also has indexed inputs raised NumPy's
    ValueError ("inhomogeneous shape") from the shape check; a function without indexed inputs already
    named it."""
    f = sg.grad(INDEXED, wrt=["x", "W", "c"]).lambdify(backend=backend)
    with pytest.raises(sg.GraphError, match=r"value for c .*ragged"):
        f(W=np.ones((2, 3)), x=np.ones(3), c=[[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_indexed_inputs_on_dask_agree_with_numpy(backend):
    """The other side of the shape check: Dask arrays whose shapes do broadcast still run lazily, with NumPy's values."""
    da = pytest.importorskip("dask.array")
    f = sg.grad(INDEXED, wrt=["x", "W", "c"]).lambdify(backend=backend)
    rng = np.random.default_rng(4)
    W, x, c = rng.normal(size=(2, 3, 5)), rng.normal(size=(3, 5)), rng.normal(size=5)
    lazy = f(W=da.from_array(W, chunks=(2, 3, 2)), x=x, c=da.from_array(c, chunks=3))
    want = (W.sum(axis=0) + np.r_[[c], np.zeros((2, 5))], np.broadcast_to(x, (2, 3, 5)), x[0])
    for got, expected in zip(lazy, want):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), expected, rtol=1e-14)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hessp_and_vector_hessians_with_a_float32_datum_follow_the_dtype_rule(backend):
    """hessp, H.lambdify(vector=True) and a sparse H's .data at a float64 point with a float32 datum (an
    np.float32 scalar) computed in float32, and at a float32 point with an np.float64 datum in float32 too:
    the float64 arrays were handed on as Python floats, the np.float64 as a weak number.  Both are float64 now;
    a float32 point with a Python float stays float32."""
    text = "sum(c*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, 2)"
    hp = sg.hessp(text, ["x"], backend=backend)
    dense = sg.hessian(text, wrt=["x"]).lambdify(vector=True, backend=backend)
    sparse = sg.hessian(text, wrt=["x"], sparse=True).lambdify(vector=True, backend=backend)
    x, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 0.0, 1.0])

    def hessian(x, c):
        x, H = np.asarray(x, dtype=np.float64), np.zeros((4, 4))
        for i in range(3):
            H[i, i] += c * (-4 * (x[i + 1] - x[i] ** 2) + 8 * x[i] ** 2) + 2
            H[i, i + 1] += -4 * c * x[i]
            H[i + 1, i] += -4 * c * x[i]
            H[i + 1, i + 1] += 2 * c
        return H

    for point, direction, c, dtype in [(x, p, np.float32(10), np.float64),
                                       (x.astype(np.float32), p.astype(np.float32), np.float64(10), np.float64),
                                       (x.astype(np.float32), p.astype(np.float32), 10.0, np.float32)]:
        H = hessian(point, float(c))
        got = [hp(point, direction, c), dense(point, c), sparse(point, c).toarray(), sparse.data(point, c)]
        assert [g.dtype for g in got] == [dtype] * 4
        rtol = 1e-5 if dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got[0], H @ p, rtol=rtol)
        np.testing.assert_allclose(got[1], H, rtol=rtol)
        np.testing.assert_allclose(got[2], H, rtol=rtol)
