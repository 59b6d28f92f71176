"""The numba backend against the NumPy one: every op, shapes, keywords, domain, parallel loops, input kinds."""
import sys

import numpy as np
import pytest

import symgraph as sg
from tests.helpers import bits
from symgraph.backends.compile import compile_program

EVERY_OP = ("(a+b)*(b+1) - a/b + a^2 + 2^b + sin(a)*cos(b) + tan(a/4) + asin(a/3) + acos(b/4) + atan(a*b)"
            " + sinh(a) + cosh(b) + tanh(a-b) + exp(-a) + log(b*b+1) + sqrt(b*b+1) + abs(a) + sigmoid(a*b)"
            " + relu(a-1) + softplus(b) + pi*a")


def test_numba_matches_numpy_on_every_op():
    pytest.importorskip("numba")
    g = sg.grad(EVERY_OP)
    fast, plain = g.lambdify(backend="numba"), g.lambdify()
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-2, 2, 500), rng.uniform(-3, 3, 500)
    for x, y in zip(fast(a, b), plain(a, b)):
        assert x.dtype == np.float64 and x.shape == (500,)
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    assert "for _i in range" in fast.source and "np.sin(a)" in fast.source


def test_numba_shapes_keywords_and_errors():
    pytest.importorskip("numba")
    g = sg.grad("(a+b)*(b+1)", wrt=["a", "b"])
    f = g.lambdify(backend="numba")
    da, db = f(2, 1)
    assert da.shape == () and float(da) == 2.0 and float(db) == 5.0
    da, db = f(b=np.ones((2, 3)), a=np.arange(3.0))  # broadcast (3,) with (2, 3)
    assert da.shape == db.shape == (2, 3)
    np.testing.assert_array_equal(db, np.arange(3.0) + 2 * 1 + 1 + np.zeros((2, 3)))
    with pytest.raises(sg.GraphError, match="missing 1 required positional argument: 'b'"):
        f(a=1.0)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        f(1, 2, 3)
    constant = sg.grad("a + 2*b", wrt=["a", "b", "c"], allow_unused=True).lambdify(backend="numba")
    assert [r.tolist() for r in constant(np.zeros(2), np.zeros(2))] == [[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]


def test_numba_domain_follows_numpy_without_raising():
    pytest.importorskip("numba")
    f = sg.grad("log(x) + 1/y", wrt=["x", "y"]).lambdify(backend="numba")
    dx, dy = f(np.array([-1.0, 0.0, 2.0]), np.array([0.0, 1.0, 2.0]))
    assert dx.tolist() == [-1.0, np.inf, 0.5] and dy[0] == -np.inf and dy[1:].tolist() == [-1.0, -0.25]
    (dx,) = sg.grad("sqrt(x)", wrt=["x"]).lambdify(backend="numba")(np.array([-1.0]))
    assert np.isnan(dx[0])


def test_numba_missing_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(ImportError, match="pip install numba"):
        sg.grad("x*y").lambdify(backend="numba")


def test_numba_parallel_equals_serial_and_numpy():
    pytest.importorskip("numba")
    g = sg.grad(EVERY_OP)
    serial = compile_program(g.program, returns=g.wrt, backend="numba")
    parallel = g.lambdify(backend="numba", parallel=True)
    assert "prange" in parallel.source and "prange" not in serial.source
    assert parallel.parallel and not serial.parallel
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-2, 2, (40, 50)), rng.uniform(-3, 3, 50)
    for x, y, z in zip(parallel(a, b), serial(a, b), g.lambdify()(a, b)):
        assert x.shape == (40, 50)
        np.testing.assert_array_equal(x, y)
        np.testing.assert_allclose(x, z, rtol=1e-12, atol=1e-12)
    assert [float(v) for v in parallel(0.5, 1.5)] == [float(v) for v in serial(0.5, 1.5)]


def test_numba_inputs_of_every_kind():
    pytest.importorskip("numba")
    g = sg.grad("a*b^2 + c", wrt=["a", "b", "c"])
    f, plain = g.lambdify(backend="numba"), g.lambdify()
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous
    cases = [(np.float32(2), 3, 1.5), (strided, [1, 2], 0), (np.arange(4), np.int64(2), [[1.0]] * 2),
             (True, 2.0, 1.0), (np.arange(3, dtype=np.int32), 2.0, np.zeros(0)[:, None])]
    for args in cases:
        for x, y in zip(f(*args), plain(*args)):
            assert x.dtype == y.dtype and x.shape == np.shape(y)
            np.testing.assert_array_equal(x, y)
    da, db, dc = f(a=1.0, b=2.0, c=3.0)  # one point: 0-d arrays, each its own result
    assert (da.shape, float(da), float(db), float(dc)) == ((), 4.0, 4.0, 1.0)
    with pytest.raises(sg.GraphError, match="unexpected keyword argument 'd'"):
        f(1.0, 2.0, 3.0, d=4.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'd'"):
        f(a=1.0, b=2.0, d=4.0)
    x = np.linspace(0, 1, 5)
    da, db, _ = f(x, x, x)
    db[:] = -1  # results do not alias the inputs or each other
    assert x.tolist() == np.linspace(0, 1, 5).tolist() and da.tolist() == (x * x).tolist()


def test_inputs_named_like_the_numba_globals():
    pytest.importorskip("numba")
    text = "np*range + sin(inf) - nan/prange + carray*_pointer"
    g = sg.grad(text)
    fast, plain = g.lambdify(backend="numba"), g.lambdify()
    args = [1.0, 2.0, 0.5, 3.0, 4.0, 5.0, 6.0]
    assert bits(fast(*args)) == bits(plain(*args))


def test_numba_backend_in_every_compiler():
    pytest.importorskip("numba")
    text = "sin(a)*b + a^2"
    a, b = np.linspace(-1, 1, 9), np.linspace(2, 3, 9)
    np.testing.assert_allclose(sg.lambdify(text, backend="numba")(a, b), sg.lambdify(text)(a, b), rtol=1e-14)
    value, (da, db) = sg.value_and_grad(text, backend="numba")(a, b=b)
    ref_value, (ref_da, ref_db) = sg.value_and_grad(text)(a, b)
    for x, y in ((value, ref_value), (da, ref_da), (db, ref_db)):
        np.testing.assert_allclose(x, y, rtol=1e-14)
    v, g = sg.value_and_grad(text, backend="numba", vector=True)(np.array([0.5, 2.0]))
    assert type(v) is float and g.shape == (2,)
    np.testing.assert_allclose(g, [2 * np.cos(0.5) + 1.0, np.sin(0.5)], rtol=1e-14)


def test_a_program_numba_cannot_compile_is_a_named_error(monkeypatch):
    """numba's SSA pass recursed past Python's limit on a max of 300 operands (25 s, then a raw RecursionError
    from inside numba); that failure is now an ExpressionTooLargeError that names the backends that run it."""
    numba = pytest.importorskip("numba")
    real = numba.njit

    def recursing(*args, **kwargs):
        decorate = real(*args, **kwargs)
        if not args:  # the registered functions' njit(...) without a signature: as it is
            return decorate

        def compile_(function):
            raise RecursionError("maximum recursion depth exceeded")
        return compile_

    monkeypatch.setattr(numba, "njit", recursing)
    with pytest.raises(sg.ExpressionTooLargeError, match=r"numba cannot compile this program of .* "
                                                           r"backend='vm' or 'numpy' runs it"):
        sg.lambdify("max(a, b, c)", backend="numba")


def test_a_kernel_with_many_selects_calls_them_instead_of_inlining_them():
    """numba inlined every max/min/sign/where: the gradient of 32 relu terms (128 such calls) compiled in 3.5 s
    (0.75 s called), 128 terms in 59 s, and a max of 300 operands recursed past Python's limit.  Past
    INLINE_SELECTS calls the kernel calls them; its numbers are NumPy's either way."""
    numba = pytest.importorskip("numba")  # noqa: F841 - the kernel below compiles with it
    from symgraph.backends import numba as backend

    few = sg.grad("relu(x - 1)*y + max(x, y, 2)").program
    many = sg.grad(" + ".join(f"relu(x{i} - {i % 7})*x{i}" for i in range(20))).program
    module = {p: backend.numba_source(p, list(p.results)).globals for p in (few, many)}
    assert backend._numpy_for_numba(True) in module[few].values()
    assert backend._numpy_for_numba(False) in module[many].values()
    f = sg.grad(" + ".join(f"relu(x{i} - {i % 7})*x{i}" for i in range(20)))
    points = [np.linspace(-3.0, 9.0, 7) + i for i in range(20)]
    for got, want in zip(f.lambdify(backend="numba")(*points), f.lambdify()(*points)):
        assert bits(got) == bits(want)
