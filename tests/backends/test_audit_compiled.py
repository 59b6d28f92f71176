"""Compiled derivatives as a researcher calls them: from scipy's optimisers, on large batches, in pieces.

Each test is one call a user makes of ``lambdify``, ``Gradient.lambdify``,
``value_and_grad`` or a ``jvp``/``vjp`` result, on every backend that
applies, and checks the values or the error against what the README promises.
"""
import numpy as np
import pytest

import symgraph as sg
from symgraph.errors import ArgumentError

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
    made = []
    real = numpy_backend.build_function
    monkeypatch.setattr(numpy_backend, "build_function", lambda generated: made.append(generated.name) or real(generated))
    again = pickle.loads(data)
    x, y = np.linspace(-1, 1, 5), np.arange(5.0)
    for a, b in zip(again(x, y), f(x, y)):
        assert np.array_equal(a, b)
    assert made == []  # float64 work runs on the VM: still nothing compiled
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    for a, b in zip(again(x32, y32), f(x32, y32)):  # float32 runs the NumPy kernel, made now
        assert a.dtype == np.float32 and np.array_equal(a, b)
    assert len(made) == 1
    assert all(np.array_equal(a, b) for a, b in zip(pickle.loads(pickle.dumps(again))(x32, y32), f(x32, y32)))
