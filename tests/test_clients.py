"""Real clients of compiled gradients: scipy's optimiser, Dask arrays, CuPy arrays."""
import numpy as np
import pytest

import symgraph as sg

scipy_optimize = pytest.importorskip("scipy.optimize")


def rosenbrock(n: int) -> str:
    """scipy's ``rosen``: sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, as text."""
    return " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(n - 1))


def names(n: int) -> list[str]:
    return [f"x{i}" for i in range(n)]


def test_scipy_bfgs_minimises_extended_rosenbrock_to_all_ones():
    n = 50
    fun = sg.value_and_grad(rosenbrock(n), wrt=names(n), vector=True)
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    result = scipy_optimize.minimize(fun, x0, jac=True, method="BFGS", options={"gtol": 1e-8})
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(n), atol=1e-6)
    assert result.fun < 1e-12


def test_compiled_gradient_equals_rosen_der_at_1000_random_points():
    n = 50
    rng = np.random.default_rng(4)
    points = rng.uniform(-2, 2, size=(1000, n))
    expected = np.array([scipy_optimize.rosen_der(p) for p in points])
    fun = sg.value_and_grad(rosenbrock(n), wrt=names(n), vector=True)
    for p, e in zip(points, expected):
        value, g = fun(p)
        assert value == pytest.approx(scipy_optimize.rosen(p), rel=1e-12)
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=0)
    # the batched form: one call on arrays of 1000 points, inputs by keyword
    batched = sg.grad(rosenbrock(n), wrt=names(n)).lambdify()(**dict(zip(names(n), points.T)))
    np.testing.assert_allclose(np.array(batched), expected.T, rtol=1e-10, atol=0)


def test_dask_inputs_give_lazy_dask_results_equal_to_numpy():
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    import dask
    n, points = 6, 10 ** 6
    rng = np.random.default_rng(5)
    data = rng.uniform(-2, 2, size=(n, points))
    fn = sg.grad(rosenbrock(n), wrt=names(n)).lambdify()
    lazy_inputs = {name: da.from_array(row, chunks=250_000) for name, row in zip(names(n), data)}
    lazy = fn(**lazy_inputs)
    assert all(isinstance(r, da.Array) for r in lazy)  # nothing computed yet
    assert lazy[0].chunks == ((250_000,) * 4,)
    computed = dask.compute(*lazy, scheduler="threads")
    eager = fn(**dict(zip(names(n), data)))
    for c, e in zip(computed, eager):
        assert isinstance(c, np.ndarray) and c.dtype == np.float64
        np.testing.assert_allclose(c, e, rtol=1e-15, atol=0)


def test_dask_constant_derivative_is_a_dask_array_of_ones():
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    da_a, da_b = sg.grad("a + b*b").lambdify()(da.ones(10, chunks=5), da.ones(10, chunks=5))
    assert isinstance(da_a, da.Array)
    np.testing.assert_array_equal(da_a.compute(), np.ones(10))
    np.testing.assert_array_equal(da_b.compute(), 2 * np.ones(10))


def test_dask_results_warn_as_numpy_results_do():
    """NumPy inputs warn for a log of a negative number that reaches the result, and not for one that only
    feeds an untaken where() branch (computed under numpy.errstate); Dask inputs used to warn for both at
    compute(), where that errstate no longer held.  Now each block runs the NumPy code: the same warnings."""
    import warnings
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    import dask
    x, y = np.array([[-1.0, 0.0], [2.0, 4.0]]), np.array([0.0, 1.0])
    lazy = (da.from_array(x, chunks=1), da.from_array(y, chunks=1))
    quiet = sg.grad("where(a > 0, log(a)*b, b)", wrt=["a", "b"]).lambdify()
    loud = sg.lambdify("log(a) + 1/b")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python -W error: any warning is an exception
        for got, want in zip(dask.compute(*quiet(*lazy), scheduler="sync"), quiet(x, y)):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(dask.compute(quiet(lazy[0], 2.0)[0], scheduler="sync")[0], quiet(x, 2.0)[0])
    for inputs, compute in ((lazy, lambda r: r.compute(scheduler="sync")), ((x, y), lambda r: r)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            np.testing.assert_array_equal(compute(loud(*inputs)), loud(x, y))
        assert {"divide by zero encountered in log", "invalid value encountered in log",
                "divide by zero encountered in divide"} <= {str(w.message) for w in caught}


def test_a_fixed_dask_namespace_warns_as_numpy_does():
    """lambdify(..., xp=dask.array) compiled Dask calls, which ran at compute(), outside the numpy.errstate
    of the where() branches: where(x > 0, log(x), 0) on negative entries leaked "invalid value encountered
    in log".  Now a fixed Dask namespace runs the NumPy code per block, as Dask inputs do without xp=:
    no warning, lazy results (NumPy inputs too), NumPy's values."""
    import warnings
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    f = sg.lambdify("where(x > 0, log(x), 0)", xp=da)
    g = sg.grad("where(x > 0, sqrt(x)*y, y)", wrt=["x", "y"]).lambdify(xp=da)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lazy = f(da.from_array(x, chunks=2))
        assert isinstance(lazy, da.Array) and isinstance(f(x), da.Array) and isinstance(g(x, 2.0)[0], da.Array)
        np.testing.assert_array_equal(lazy.compute(scheduler="sync"), sg.lambdify("where(x > 0, log(x), 0)")(x))
        for got, want in zip(g(da.from_array(x, chunks=2), 2.0), sg.grad("where(x > 0, sqrt(x)*y, y)",
                                                                          wrt=["x", "y"]).lambdify()(x, 2.0)):
            np.testing.assert_array_equal(got.compute(scheduler="sync"), want)


def test_dask_inputs_broadcast_with_numpy_inputs_and_keep_their_chunks():
    """Dask, NumPy and Python inputs together: every result is a Dask array chunked as the inputs broadcast
    (d/dc = cos(c), which only the Python number c reaches, used to be one chunk of its own), of the working
    dtype, equal to the all-NumPy results; shapes that do not broadcast are named at the call."""
    da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
    import dask
    f = sg.grad("a*b + sin(c)", wrt=["a", "b", "c"]).lambdify()
    a = np.arange(12.0).reshape(3, 4)
    b = np.linspace(0, 1, 4)
    lazy = f(da.from_array(a, chunks=(2, 3)), b, 0.5)
    assert all(isinstance(r, da.Array) and r.chunks == ((2, 1), (3, 1)) for r in lazy)
    for got, want in zip(dask.compute(*lazy, scheduler="sync"), f(a, b, 0.5)):
        np.testing.assert_array_equal(got, want)
    assert f(da.ones(3, chunks=2, dtype=np.float32), np.float32(2), 1.0)[0].dtype == np.float32
    with pytest.raises(sg.GraphError, match=r"do not broadcast together: a \(3,\), b \(4,\)"):
        f(da.ones(3, chunks=2), np.ones(4), 1.0)


def _cupy_or_skip():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (it needs an NVIDIA GPU and CUDA)")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("CuPy is installed but no GPU is visible")
    except cupy.cuda.runtime.CUDARuntimeError as error:
        pytest.skip(f"CuPy is installed but CUDA is unusable: {error}")
    return cupy


def test_cupy_inputs_run_on_the_gpu():
    cupy = _cupy_or_skip()
    n = 6
    data = np.random.default_rng(6).uniform(-2, 2, size=(n, 1000))
    fn = sg.grad(rosenbrock(n), wrt=names(n)).lambdify()
    on_gpu = fn(**{name: cupy.asarray(row) for name, row in zip(names(n), data)})
    eager = fn(**dict(zip(names(n), data)))
    for g, e in zip(on_gpu, eager):
        assert isinstance(g, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(g), e, rtol=1e-12)
