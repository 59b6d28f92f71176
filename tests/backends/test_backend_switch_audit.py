"""Switching backends changes speed, never results: every backend ``backend=`` takes agrees with NumPy's.

A user switching ``backend="numpy"`` to ``"vm"`` or ``"numba"`` (and adding
Dask arrays) calls the same compiled objects -- values, gradients, Jacobians
and Hessians dense and sparse, Hessian-vector products, ``value_and_grad``,
residuals -- with what is at hand: Python floats and ints, NumPy scalars, 0-d
arrays, arrays that broadcast, float32 and integer arrays, scalars beside
arrays, keywords, empty arrays, views, Fortran order, nan and inf.  Each
backend gives NumPy's values, dtypes and shapes, or the same symgraph error
(naming the argument); every compiled object pickles and comes back
computing the same.

Cost: each target is compiled once per backend (module-scope cache); numba's
compiles dominate (about 10 s for the module).
"""
from __future__ import annotations

import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse

import symgraph as sg

BACKENDS = ["numpy", "vm", "numba"]
F = "x*sin(y) + x^2*y"
FS = ["x*y", "x + sin(y)", "x/y"]

#: what each target compiles (every one takes x, y positionally, hvp also its seed u)
TARGETS = {
    "lambdify": lambda b: sg.lambdify(F, args=["x", "y"], backend=b),
    "lambdify-many": lambda b: sg.lambdify([F, "2", "x*y"], args=["x", "y"], backend=b),
    "grad": lambda b: sg.grad(F, wrt=["x", "y"]).lambdify(backend=b),
    "value_and_grad": lambda b: sg.value_and_grad(F, ["x", "y"], backend=b),
    "jacobian": lambda b: sg.jacobian(FS, wrt=["x", "y"]).lambdify(backend=b),
    "jacobian-sparse": lambda b: sg.jacobian(FS, wrt=["x", "y"], sparse=True).lambdify(backend=b).data,
    "hessian": lambda b: sg.hessian(F, wrt=["x", "y"]).lambdify(backend=b),
    "hessian-sparse": lambda b: sg.hessian(F, wrt=["x", "y"], sparse=True).lambdify(backend=b).data,
    "hvp": lambda b: sg.hvp(F, ["x", "y"], [1, "u"]).lambdify(args=["x", "y", "u"], backend=b),
}

#: one-point forms: a vector, as scipy's optimisers call them
POINT_TARGETS = {
    "value_and_grad-vector": lambda b: sg.value_and_grad(F, ["x", "y"], vector=True, backend=b),
    "hessian-vector": lambda b: sg.hessian(F, wrt=["x", "y"]).lambdify(vector=True, backend=b),
    "hessian-sparse-csr": lambda b: sg.hessian(F, wrt=["x", "y"], sparse=True).lambdify(vector=True, backend=b),
    "hessp": lambda b: (lambda v, h=made(POINT_TARGETS, "hessp-two-vectors", b): h(v, [1.0, 0.5])),
    "hessp-two-vectors": lambda b: sg.hessp(F, ["x", "y"], backend=b),
    "residuals": lambda b: sg.residuals(FS, ["x", "y"], backend=b),
    "residuals-sparse": lambda b: sg.residuals(FS, ["x", "y"], backend=b, sparse=True),
}

#: what each one-point form returns
RETURNS = {"value_and_grad-vector": "tuple", "hessian-vector": "ndarray", "hessian-sparse-csr": "csr_matrix",
           "hessp": "ndarray", "residuals": "tuple", "residuals-sparse": "tuple"}

_made: dict = {}


def made(table: dict, target: str, backend: str):
    """``table[target]`` compiled on ``backend``, once per module run (numba compiles take the time)."""
    if backend != "numpy":
        pytest.importorskip("numba")
    key = (target, backend)
    if key not in _made:
        _made[key] = table[target](backend)
    return _made[key]


A = np.array([0.5, 2.0, -3.0])
GRID = np.arange(12.0).reshape(3, 4) / 4 - 1
#: (a) to (k) of what a user passes: (positional x, y, keywords)
INPUTS = {
    "python floats": ((1.5, 2.0), {}),
    "python ints": ((1, 2), {}),
    "numpy float64 scalars": ((np.float64(1.5), np.float64(-2.0)), {}),
    "0-d arrays": ((np.array(1.5), np.array(-2.0)), {}),
    "float32 scalars": ((np.float32(1.5), np.float32(2.0)), {}),
    "equal shapes": ((A, A + 1), {}),
    "broadcast shapes": ((A[:, None], A[None, :2] - 1), {}),
    "float32 arrays": ((A.astype(np.float32), (A + 1).astype(np.float32)), {}),
    "float32 array and float": ((A.astype(np.float32), 2.0), {}),
    "float32 and float64 arrays": ((A.astype(np.float32), A), {}),
    "int arrays": ((np.array([1, 2, -3]), np.array([2, 0, 5])), {}),
    "scalar and array": ((1.5, A), {}),
    "keywords": ((), {"y": A, "x": 1.5}),
    "positional and keyword": ((A,), {"y": 2.0}),
    "empty": ((np.array([]), np.array([])), {}),
    "empty and scalar": ((np.zeros((0, 2)), 1.0), {}),
    "strided views": ((np.arange(12.0)[::3], np.arange(12.0)[1::3] - 5), {}),
    "reversed view": ((A[::-1], A), {}),
    "transposed view": ((GRID.T, 0.5), {}),
    "fortran order": ((np.asfortranarray(GRID), np.asfortranarray(GRID) + 2), {}),
    "nan and inf": ((np.array([np.nan, np.inf, -np.inf, 0.0]), np.array([1.0, np.nan, -np.inf, np.inf])), {}),
    "big-endian": ((A.astype(">f8"), 2.0), {}),
}
#: unsupported inputs: every backend raises the same symgraph error, naming the argument
BAD = {
    "string": (("1.5", 2.0), "x"),
    "none": ((1.5, None), "y"),
    "complex": ((1j, 2.0), "x"),
    "datetimes": ((np.array(["2020-01-01"], dtype="datetime64[D]"), 2.0), "x"),
    "shapes that do not broadcast": ((np.ones(2), np.ones(3)), "x"),
    "missing argument": ((1.5,), "y"),
    "too many arguments": ((1.5, 2.0, 3.0, 4.0), "argument"),
}
POINTS = {
    "float64 vector": np.array([1.5, -2.0]),
    "list of ints": [1, 2],
    "float32 vector": np.array([1.5, 2.0], dtype=np.float32),
    "strided view": np.arange(4.0)[::2],
    "nan and inf": np.array([np.nan, np.inf]),
}


def call(f, args, kwargs, extra=None):
    """``f``'s result, or the error it raised (NumPy's floating-point warnings silenced)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args, **kwargs, **(extra or {}))
        except Exception as error:  # compared below: same type and message on every backend
            return error


def assert_same(got, want, where=""):
    """Same structure, types, dtypes, shapes; values equal to NumPy's within an ulp or two (the VM's and
    numba's transcendental functions are the C library's), nan where NumPy's is nan."""
    if isinstance(want, Exception):
        assert type(got) is type(want) and str(got) == str(want), (where, got, want)
        assert isinstance(want, sg.SymgraphError), (where, want)
        return
    assert type(got) is type(want), (where, type(got), type(want))
    if isinstance(want, tuple):
        assert len(got) == len(want), where
        for g, w in zip(got, want):
            assert_same(g, w, where)
    elif scipy.sparse.issparse(want):
        assert (got.indptr.tolist(), got.indices.tolist()) == (want.indptr.tolist(), want.indices.tolist()), where
        assert_same(got.data, want.data, where)
    elif isinstance(want, np.ndarray):
        assert (got.dtype, got.shape) == (want.dtype, want.shape), where
        tolerance = 1e-6 if want.dtype == np.float32 else 1e-13
        np.testing.assert_allclose(got, want, rtol=tolerance, atol=0, equal_nan=True, err_msg=str(where))
    else:
        np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=str(where))


def seed(target):
    """hvp's one more argument, its seed ``u``, by keyword."""
    return {"u": 0.5} if target == "hvp" else {}


@pytest.mark.parametrize("backend", BACKENDS[1:])
@pytest.mark.parametrize("target", list(TARGETS))
def test_every_backend_gives_numpys_results_for_what_a_user_passes(target, backend):
    reference, f = made(TARGETS, target, "numpy"), made(TARGETS, target, backend)
    for name, (args, kwargs) in INPUTS.items():
        want = call(reference, args, kwargs, seed(target))
        assert not isinstance(want, Exception), (name, want)
        assert_same(call(f, args, kwargs, seed(target)), want, (target, backend, name))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", ["grad", "hessian-sparse", "hvp"])
def test_unsupported_inputs_are_the_same_symgraph_error_naming_the_argument(target, backend):
    reference, f = made(TARGETS, target, "numpy"), made(TARGETS, target, backend)
    for name, (args, named) in BAD.items():
        extra = seed(target) if len(args) == 2 else {}
        error = call(f, args, {}, extra)
        assert isinstance(error, sg.SymgraphError) and named in str(error), (name, error)
        assert_same(error, call(reference, args, {}, extra), (target, backend, name))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", list(RETURNS))
def test_one_point_forms_agree_on_every_backend(target, backend):
    reference, f = made(POINT_TARGETS, target, "numpy"), made(POINT_TARGETS, target, backend)
    for name, vector in POINTS.items():
        want = call(reference, (vector,), {})
        assert not isinstance(want, Exception), (name, want)
        assert type(want).__name__ == RETURNS[target], (target, type(want))  # what scipy's optimisers read
        assert_same(call(f, (vector,), {}), want, (target, backend, name))
    for bad in ([1.0], np.ones((2, 2)), "ab"):
        assert_same(call(f, (bad,), {}), call(reference, (bad,), {}), (target, backend, bad))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_compiled_functions_pickle_and_compute_the_same(target, backend):
    f = made(TARGETS, target, backend)
    again = pickle.loads(pickle.dumps(f))  # numba's: compiled again as it loads
    for name in ("python floats", "broadcast shapes", "float32 arrays", "keywords"):
        args, kwargs = INPUTS[name]
        assert_same(call(again, args, kwargs, seed(target)), call(f, args, kwargs, seed(target)), name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_point_forms_pickle_and_compute_the_same(backend):
    for target in ("value_and_grad-vector", "hessian-vector", "hessian-sparse-csr", "residuals", "residuals-sparse",
                   "hessp-two-vectors"):
        f = made(POINT_TARGETS, target, backend)
        vectors = ([1.5, -2.0], [1.0, 0.5])[:2 if target == "hessp-two-vectors" else 1]
        assert_same(pickle.loads(pickle.dumps(f))(*vectors), f(*vectors), target)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_dask_arrays_stay_lazy_and_compute_to_numpys_results(target, backend):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    f = made(TARGETS, target, backend)
    x, y = np.linspace(-2, 2, 6), np.linspace(0.5, 3, 6)
    lazy = f(da.from_array(x, chunks=4), y, **seed(target))
    leaves = lazy if isinstance(lazy, tuple) else (lazy,)
    leaves = [leaf for part in leaves for leaf in (part if isinstance(part, tuple) else (part,))]
    assert all(isinstance(leaf, da.Array) for leaf in leaves), target
    # dask.compute walks plain tuples: a result of several arrays computes in one call
    (computed,) = dask.compute(lazy)
    assert_same(computed, made(TARGETS, target, "numpy")(x, y, **seed(target)), (target, backend))


@pytest.mark.parametrize("backend", ["c", "NumPy", "dask", "cupy", None])
def test_an_unknown_backend_is_an_argument_error_naming_the_accepted_ones(backend):
    for compile_ in (lambda: sg.lambdify(F, backend=backend), lambda: sg.grad(F).lambdify(backend=backend),
                     lambda: sg.hessian(F, sparse=True).lambdify(backend=backend),
                     lambda: sg.hessp(F, backend=backend), lambda: sg.residuals(FS, ["x", "y"], backend=backend)):
        with pytest.raises(sg.ArgumentError, match="'numpy', 'vm' or 'numba'") as caught:
            compile_()
        assert isinstance(caught.value, sg.GraphError)  # as before, for code that caught that
        if backend in ("dask", "cupy"):
            assert "xp=" in str(caught.value)
        if backend == "NumPy":
            assert "did you mean 'numpy'" in str(caught.value)


def test_options_a_backend_does_not_take_are_argument_errors():
    da = pytest.importorskip("dask.array")
    for compile_, message in [(lambda: sg.grad(F).lambdify(backend="vm", parallel=True), "parallel=True needs"),
                              (lambda: sg.grad(F).lambdify(backend="numba", xp=da), "takes no xp="),
                              (lambda: sg.value_and_grad(F, vector=True, chunk=10), "chunk= does not apply")]:
        with pytest.raises(sg.ArgumentError, match=message):
            compile_()


@pytest.mark.parametrize("backend", BACKENDS)
def test_dask_arrays_of_unknown_chunk_sizes_broadcast_as_dask_broadcasts_them(backend):
    """After boolean indexing a Dask array's extent is nan (unknown until computed): beside a scalar it was
    NumPy's raw TypeError ('float' object cannot be interpreted as an integer) from the broadcast check."""
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    values = np.linspace(-1, 1, 8)
    x = da.from_array(values, chunks=3)
    positive = x[x > 0]
    for target in ("grad", "hessian", "hessian-sparse"):
        f = made(TARGETS, target, backend)
        for y, y_values in ((2.0, 2.0), (np.array([0.5]), np.array([0.5])), (positive, values[4:])):
            (got,) = dask.compute(f(positive, y))
            assert_same(got, made(TARGETS, target, "numpy")(values[4:], y_values), (target, y_values))
    with pytest.raises(sg.GraphError, match=r"x \(3,\), y \(nan,\); .*y\.compute_chunk_sizes\(\)"):
        made(TARGETS, "grad", backend)(np.ones(3), positive)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_compiled_object_has_the_same_real_signature_on_every_backend(backend):
    """Residuals' signature was its class's ``(*args, **kwargs)`` (its fun and jac had the real one)."""
    for table, target in [*((TARGETS, t) for t in TARGETS), (POINT_TARGETS, "value_and_grad-vector"),
                          (POINT_TARGETS, "hessian-vector"), (POINT_TARGETS, "residuals")]:
        signature = inspect.signature(made(table, target, backend))
        assert signature == inspect.signature(made(table, target, "numpy")), target
        assert all(p.kind is not p.VAR_POSITIONAL for p in signature.parameters.values()), (target, signature)
