"""Compiled derivatives as a researcher calls them: from scipy's optimisers, on large batches, in pieces.

Each test is one call a user makes of ``lambdify``, ``Gradient.lambdify``,
``value_and_grad`` or a ``jvp``/``vjp`` result, on every backend that
applies, and checks the values or the error against what the README promises.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import symgraph as sg
from symgraph.errors import ArgumentError
from tests.backends.test_agreement_audit import (AUDIT, away_from_kinks, close, near_ulps, program, quietly,
                                                 reference_gradient, softsign)  # noqa: F401 (softsign: its fixture)

pytest.importorskip("numba")

BACKENDS = ["numpy", "vm", "numba"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunk_takes_a_numpy_integer(backend):
    """``chunk=np.int64(2)`` (a size computed with NumPy) was refused as "must be a positive integer, got
    np.int64(2)": only Python's int was taken.  Any integer is a chunk size; a bool still is not."""
    f = sg.grad("x*sin(y)", wrt=["x", "y"]).lambdify(backend=backend, chunk=np.int64(2))
    x, y = np.arange(5.0), np.linspace(-1, 1, 5)
    dx, dy = f(x, y)
    np.testing.assert_allclose(dx, np.sin(y), rtol=1e-15)
    np.testing.assert_allclose(dy, x * np.cos(y), rtol=1e-15)
    with pytest.raises(ArgumentError, match="chunk"):
        sg.lambdify("x", backend=backend, chunk=True)
    with pytest.raises(ArgumentError, match="chunk"):
        sg.lambdify("x", backend=backend, chunk=np.int64(0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", ["x*y", "x*y + sin(x)"])
def test_a_wrong_progress_is_refused_whatever_the_backend_and_program(backend, text):
    """``progress="yes"`` was refused by the NumPy and numba backends only for a program with
    instructions: the gradient of ``x*y`` (its results are the inputs) and every VM function took it
    silently, so the same typo passed or failed with the backend and the function."""
    with pytest.raises(ArgumentError, match="progress"):
        sg.grad(text, wrt=["x", "y"]).lambdify(backend=backend, progress="yes")
    with pytest.raises(ArgumentError, match="progress"):
        sg.lambdify(text, backend=backend, progress="yes")
    assert sg.lambdify(text, backend=backend, progress=False)(2.0, 3.0) == sg.lambdify(text)(2.0, 3.0)


def test_loading_a_pickled_vm_function_compiles_no_numpy_source(monkeypatch):
    """A pickled ``backend="vm"`` function compiled the NumPy backend's source of its whole program when
    loaded (its kernel for inputs the VM does not take: float32, Dask), though a VM function is made
    without that compile: 0.6 s of each load at 27,000 instructions, 9 s at 90,000, on every worker of a
    cluster.  Now loading leaves it to the first call that needs it, which gives the same values."""
    import pickle

    from symgraph.backends import numpy as numpy_backend

    f = sg.grad("x*sin(y) + x^2*y", wrt=["x", "y"]).lambdify(backend="vm")
    data = pickle.dumps(f)
    x, y = np.linspace(-1, 1, 5), np.arange(5.0)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    want32 = f(x32, y32)  # (the original's own fallback made here, before counting)
    made = []
    real = numpy_backend.build_function
    monkeypatch.setattr(numpy_backend, "build_function", lambda generated: made.append(generated.name) or real(generated))
    again = pickle.loads(data)
    for a, b in zip(again(x, y), f(x, y)):
        assert np.array_equal(a, b)
    assert made == []  # float64 work runs on the VM: still nothing compiled
    for a, b in zip(again(x32, y32), want32):  # float32 runs the NumPy kernel, made now
        assert a.dtype == np.float32 and np.array_equal(a, b)
    assert len(made) == 1
    assert all(np.array_equal(a, b) for a, b in zip(pickle.loads(pickle.dumps(again))(x32, y32), f(x32, y32)))


def agree(got, want) -> bool:
    """nan, inf and -inf where ``want`` has them, and finite values equal to a millionth: libm and NumPy
    differ in last bits, which a derivative such as tanh's 1 - tanh(u)^2 near 1 magnifies."""
    got, want = np.asarray(got), np.asarray(want)
    finite = np.isfinite(got) & np.isfinite(want)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    with np.errstate(all="ignore"):
        near = np.abs(got - want) <= 1e-6 * np.maximum(np.abs(got), np.abs(want))
    return got.shape == want.shape and bool(np.all(same | (finite & near)))


#: zeros of both signs, infinities, nan, the extremes and ordinary values
SPECIAL = np.array([1.0, -1.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 2.0, 0.5, 0.75, -3.0, 1e-300, 1e300, 5e-324])


@AUDIT
@given(data=st.data())
def test_every_backend_agrees_on_batches_that_broadcast_in_pieces_and_on_dask(data):
    """Programs over the op table whose assigned names later lines reuse, differentiated by every input
    and one intermediate: the gradient on a (4, 3) batch of special and ordinary values beside one input
    given as a number, on each backend whole and in chunks of 5 points, on Dask blocks, and each point of
    it called alone, gives the NumPy backend's array values (bitwise at a point of the NumPy backend,
    elsewhere within what libm's last bits become, nan and infinities where they are), float32 in float32,
    and sympy.diff's value at an ordinary point."""
    import dask.array as da

    text, expr, _, assigned = data.draw(program())
    inputs = list(sg.parse(text).inputs)
    wrt = inputs + assigned[:1]
    G = quietly(sg.grad, text, wrt=wrt)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    batch = {n: rng.choice(SPECIAL, size=(4, 3)) for n in inputs}
    ordinary = {n: 0.5 + 0.25 * k for k, n in enumerate(inputs)}
    for n in inputs:
        batch[n][3, 2] = ordinary[n]
    if len(inputs) > 1:  # a number beside the arrays
        batch[inputs[-1]] = ordinary[inputs[-1]] = data.draw(st.sampled_from([0.75, -2.0, 0.0]))
    want = quietly(G.lambdify(), **batch)
    assert all(w.shape == (4, 3) and w.dtype == np.float64 for w in want), text
    if away_from_kinks(expr, ordinary):
        assert close([w[3, 2] for w in want[:len(inputs)]], reference_gradient(expr, inputs, ordinary)), text
    backends = ["numpy", "vm"] + ["numba"] * (data.draw(st.integers(0, 3)) == 0)
    for backend in backends:
        for chunk in (None, 5):
            f = G.lambdify(backend=backend, chunk=chunk)
            got = quietly(f, **batch)
            assert all(g.shape == (4, 3) and agree(g, w) for g, w in zip(got, want)), (text, backend, chunk)
            for index in [(0, 0), (3, 2), (1, 2)]:
                point = {n: v if np.isscalar(v) else float(v[index]) for n, v in batch.items()}
                one = quietly(f, **point)
                same = (lambda o, w: near_ulps(o, w, 0)) if backend == "numpy" else agree
                assert all(o.shape == () and same(o, w[index]) for o, w in zip(one, want)), (text, backend, chunk, point)
        with np.errstate(over="ignore"):  # 1e300 is inf in float32
            f32 = {n: np.float32(v) if np.isscalar(v) else v.astype(np.float32) for n, v in batch.items()}
        single = quietly(G.lambdify(), **f32)
        got = quietly(G.lambdify(backend=backend, chunk=5), **f32)
        assert all(g.dtype == np.float32 and near_ulps(g, w, 0) for g, w in zip(got, single)), (text, backend)
    lazy = quietly(G.lambdify(), **{n: v if np.isscalar(v) else da.from_array(v, chunks=2) for n, v in batch.items()})
    assert all(near_ulps(quietly(np.asarray, g), w, 0) for g, w in zip(lazy, want)), text
