"""Every backend gives NumPy's values at the edges: signed zeros, infinities, subnormals, float32, byte orders.

NumPy (the default backend) is the reference; numba, the VM, Dask and the
JavaScript the explorer page runs (here under ``node``) must give the same
bits where the operations are exact (arithmetic, ``max``/``min``/``sign``,
square roots), whatever the inputs.  The property test over generated
programs is :func:`tests.test_properties.test_every_backend_agrees_with_numpy_at_special_values`.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import warnings

import numpy as np
import pytest

import symgraph as sg
from symgraph.backends.javascript import javascript_source
from symgraph.export.display import graph_program
from tests.helpers import bits

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e308, -1e308, 0.25]


def numpy_values(function, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = function(*args)
    return out if isinstance(out, tuple) else (out,)


def run_node(program, params, points) -> list[list[float]]:
    """The program's JavaScript (as the explorer page runs it) evaluated by node at ``points``."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    encode = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}
    script = javascript_source(program, "f", params=params) + (
        f"\nconst P = {json.dumps([[encode.get(repr(float(v)), repr(float(v))) for v in p] for p in points])};"
        "\nconsole.log(JSON.stringify(P.map(p => f(...p.map(Number)).map(v => Object.is(v, -0) ? '-0' : String(+v)))));")
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [[float(v) for v in row] for row in json.loads(done.stdout)]


def grid(count: int) -> list[np.ndarray]:
    """Every combination of the special values for ``count`` inputs, one array per input."""
    mesh = np.meshgrid(*[np.array(SPECIAL)] * count, indexing="ij")
    return [m.ravel() for m in mesh]


EXACT = ["max(x, y)", "min(x, y)", "max(x, y, 0)", "relu(x) + relu(y)", "sign(x) * y", "abs(x) * y",
         "x^0.5 + y^2", "x^-1 * y", "heaviside(x, 0.5) + y", "clip(x, -1, 1) * y", "where(x > y, x, -y)"]


@pytest.mark.parametrize("text", EXACT)
@pytest.mark.parametrize("backend", ["vm", "numba"])
def test_compiled_backends_give_numpys_bits_at_special_values(text, backend):
    """max(0.0, -0.0), relu(-0.0), sign(-0.0), the gradient of abs at -0.0 and (-0.0)^0.5 were signed zeros
    of the other sign on the VM and numba, and (-inf)^0.5 was inf on numba (NumPy: nan): numba's and C's
    scalar functions are not NumPy's on signed zeros, and NumPy computes x^0.5 as sqrt."""
    pytest.importorskip("numba")
    x, y = grid(2)
    for make in (lambda b: sg.lambdify(text, backend=b), lambda b: sg.grad(text, wrt=["x", "y"]).lambdify(backend=b)):
        want = numpy_values(make("numpy"), x, y)
        fast = make(backend)
        assert bits(numpy_values(fast, x, y)) == bits(want), text
        for i in range(0, x.size, 7):  # single points run the one-point kernels
            assert bits(numpy_values(fast, float(x[i]), float(y[i]))) == bits([w[i] for w in want]), (text, x[i], y[i])


@pytest.mark.parametrize("text", EXACT)
def test_javascript_gives_numpys_bits_at_special_values(text):
    """The explorer page's JavaScript gave Math.max's and Math.sign's signed zeros and Math.pow(-0, 0.5) = 0
    where NumPy gives the other zero (and nan for (-inf)^0.5)."""
    graph = sg.parse(text)
    x, y = grid(2)
    gradient = sg.grad(graph, wrt=["x", "y"])
    for program, function in ((graph_program(graph), sg.lambdify(graph, args=["x", "y"])),
                              (gradient.program, gradient.lambdify(args=["x", "y"]))):
        want = numpy_values(function, x, y)
        got = run_node(program, ["x", "y"], list(zip(x.tolist(), y.tolist())))
        assert bits([np.array(column) for column in zip(*got)]) == bits(want), text


def test_javascript_erf_keeps_the_sign_of_zero():
    """erf(-0) was 0 in the page's JavaScript (scipy's erf, NumPy's reference: -0)."""
    graph = sg.parse("erf(x)")
    got = run_node(graph_program(graph), ["x"], [(-0.0,), (0.0,), (np.nan,)])
    assert bits([row[0] for row in got]) == bits(list(sg.lambdify(graph)(np.array([-0.0, 0.0, np.nan]))))


def test_constant_factors_merge_only_where_exact():
    """The peephole wrote (2*x)*y as 2*(x*y) and 0.1*(2*x) as 0.2*x, which differ where x*y is subnormal
    (2e-323 instead of 2.5e-323 at x = 2.5, y = 5e-324) or 2*x overflows (2e307 instead of inf at x = 1e308);
    the VM merged differently, so the backends disagreed.  Every backend now computes the program's values."""
    pytest.importorskip("numba")
    x = np.array([2.5, 1e308, -1e308, 5e-324, 3.0, 0.75])
    y = np.array([5e-324, 0.25, 3.0, 0.5, 1e-320, -2.5])
    for text in ("x^2*y", "0.1*(2*x) + 3*(0.5*y)", "-(2*x)*y + 100*(2*(3*x))", "x*(0.5*y)*1e308"):
        gradient = sg.grad(text, wrt=["x", "y"])
        with np.errstate(all="ignore"):
            want = [gradient.program.evaluate(x=x, y=y)[label] for label in ("x", "y")]
            for backend in ("numpy", "vm", "numba"):
                got = gradient.lambdify(backend=backend)(x, y)
                assert bits(got) == bits([np.broadcast_to(w, x.shape) for w in want]), (text, backend)
            value = sg.lambdify(text)
            steps = sg.parse(text).evaluate(x=x, y=y)
            assert bits(value(x, y)) == bits(np.asarray(list(steps.values())[-1])), text


def test_numba_float32_work_is_numpys():
    """backend='numba' computed float32 inputs in float64 and rounded at the end, so x*1e40*1e-30 was
    1e10 (NumPy: inf, 1e40 is beyond float32) and (x + 1e-8) - x was 1e-8 (NumPy: 0)."""
    pytest.importorskip("numba")
    x = np.array([1.0, 2.0, -3.0], dtype=np.float32)
    for text in ("x*1e40*1e-30", "(x + 1e-8) - x", "x/3 + 1/3"):
        want = numpy_values(sg.lambdify(text), x)
        for backend in ("vm", "numba"):
            got = numpy_values(sg.lambdify(text, backend=backend), x)
            assert got[0].dtype == np.float32 and bits(got) == bits(want), (text, backend, got, want)


def test_big_endian_float32_computes_in_float32():
    """'>f4' arrays voted float64 (the dtype test compared with native float32 only), unlike NumPy's own
    arithmetic on them and unlike the same data in native order."""
    data = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    for backend in ("numpy", "vm", "numba"):
        if backend != "numpy":
            pytest.importorskip("numba")
        f = sg.lambdify("x*1e-8 + 1 - 1", backend=backend)
        got, native = f(data.astype(">f4")), f(data)
        assert got.dtype == np.float32 and bits(got) == bits(native), backend


def test_dask_gives_numpys_bits_at_special_values():
    da = pytest.importorskip("dask.array")
    x, y = grid(2)
    for text in EXACT:
        f = sg.grad(text, wrt=["x", "y"]).lambdify()
        want = numpy_values(f, x, y)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = [r.compute() for r in f(da.from_array(x, chunks=50), da.from_array(y, chunks=50))]
        assert bits(got) == bits(want), text
