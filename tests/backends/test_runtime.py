"""The runtime every backend shares: argument binding, the working dtype, result layout, chunked calls."""
import tracemalloc

import numpy as np
import pytest

import symgraph as sg
from symgraph.backends.chunk import chunked_kernel
from symgraph.binding import Binder, check_values


def test_dtype_rules_python_numbers_are_weak_integers_become_float64():
    fn = sg.grad("a*b").lambdify()
    assert fn(np.ones(2, np.float32), 2.0)[0].dtype == np.float32  # a Python float does not upcast
    assert fn(np.ones(2, np.float32), np.ones(2))[0].dtype == np.float64
    assert fn(np.array([1, 2]), 3)[0].dtype == np.float64
    assert fn(1, 2)[0].dtype == np.float64


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_working_dtype_is_one_rule_in_every_backend(backend):
    if backend == "numba":
        pytest.importorskip("numba")
    fn = sg.grad("a*b + sin(a)").lambdify(backend=backend)
    x32, x16 = np.linspace(0, 1, 4, dtype=np.float32), np.linspace(0, 1, 4, dtype=np.float16)
    assert all(r.dtype == np.float32 for r in fn(x32, x32))
    assert all(r.dtype == np.float32 for r in fn(x32, 2.0))       # a Python number does not vote
    assert all(r.dtype == np.float64 for r in fn(x16, x16))       # float16 computes in float64
    assert all(r.dtype == np.float64 for r in fn(x32, np.ones(4)))
    assert all(r.dtype == np.float32 for r in fn(np.float32(0.5), np.float32(2)))


class _ExtensionDtype:
    """What pandas' nullable Float64 is: a dtype object NumPy's np.dtype() cannot interpret."""
    kind, name = "f", "Float64"


class _SeriesLike:
    """An array-like with such a dtype, as a pandas Series of dtype "Float64" is: np.asarray reads its numbers."""
    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)
        self.dtype, self.shape = _ExtensionDtype(), self.values.shape

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
def test_an_array_like_whose_dtype_numpy_does_not_know_is_read_as_its_array(backend):
    """The dtype rule called np.dtype() on the input's dtype attribute: a TypeError ('Cannot interpret
    'Float64' as a data type') in every backend, while .at() read the same value."""
    if backend != "numpy":
        pytest.importorskip("numba")
    expected = np.array([2.0, 3.0]) * 4.0
    f = sg.lambdify("x*y", args=["x", "y"], backend=backend)
    np.testing.assert_array_equal(f(_SeriesLike([2, 3]), 4.0), expected)
    assert f(_SeriesLike([2, 3]), 4.0).dtype == np.float64
    vector = sg.value_and_grad("(a*t)^2", wrt=["a"], vector=True, backend=backend)
    assert vector(np.array([1.0]), _SeriesLike(2.0))[0] == 4.0
    assert sg.grad("x*y").at(x=_SeriesLike([2, 3]), y=4.0)["y"].tolist() == [2.0, 3.0]


@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
def test_inputs_that_are_no_real_numbers_are_refused_by_name_in_every_backend(backend):
    """NumPy's casts would read "3" as 3, None as nan and 1j's real part (with a warning only): wrong numbers
    without a word.  Every backend refuses them, as .at() does; ints, bools and object arrays of floats pass."""
    if backend != "numpy":
        pytest.importorskip("numba")
    f = sg.lambdify("x^2*y", backend=backend)
    for bad, what in ((np.array([1j, 2]), "complex128"), ("3", "str"), (None, "NoneType"), (1j, "complex"),
                      (np.array(["1"]), "<U1"), ([1.0, "2"], "<U32"),
                      # a NumPy timedelta64 is an Integral that int() refuses: writing the message raised TypeError
                      (np.timedelta64(1, "s"), "timedelta64"), (np.timedelta64("NaT"), "timedelta64")):
        with pytest.raises(sg.GraphError, match=f"value for x must be a real number.*{what}"):
            f(bad, 2.0)
    assert f(np.array([1, 2]), 2.0).tolist() == [2.0, 8.0] and f(True, 2.0) == 2.0
    assert f(np.array([1.5], dtype=object), 2.0).tolist() == [4.5]
    if backend == "vm":
        vector = sg.value_and_grad("x^2*y", vector=True, backend="vm")
        with pytest.raises(sg.GraphError, match="value for the vector must be a real number"):
            vector(np.array([1j, 2]))
        assert vector(np.array([1, 2]))[0] == 2.0


@pytest.mark.parametrize("backend", ["numpy", "numba", "chunked"])
def test_repeated_outputs_give_distinct_arrays(backend):
    """Issue example: lambdify(["x*y", "y*x"]) gives two results, never one array twice."""
    if backend == "numba":
        pytest.importorskip("numba")
    ops = {"x": "input", "y": "input", "v1": "mul"}
    graph = sg.Graph.from_ops(ops, {"x": (), "y": (), "v1": ("x", "y")}, ("x", "y"), outputs=("v1", "v1"))
    options = {"chunk": 2} if backend == "chunked" else {"backend": backend}
    fn = sg.lambdify(graph, **options)
    for args in ((2.0, 3.0), (np.arange(5.0), 3.0)):
        first, second = fn(*args)
        np.testing.assert_array_equal(first, second)
        assert not np.shares_memory(first, second)
        first[...] = -1
        assert np.all(second != -1)


def test_binder():
    bind = Binder(("a", "b"), "f")
    assert list(bind((1,), {"b": 2})) == [1, 2] and list(bind((), {"b": 2, "a": 1})) == [1, 2]
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        bind((1,), {"a": 2})
    with pytest.raises(sg.GraphError, match="missing 2 required positional arguments: 'a' and 'b'"):
        bind((), {})
    assert check_values(("a", "b"), {"b": 2, "a": 1}) == {"a": 1.0, "b": 2.0}
    with pytest.raises(sg.GraphError, match=r"missing value\(s\) for b; unknown input\(s\) c \(inputs: a, b\)"):
        check_values(("a", "b"), {"a": 1, "c": 3})
    with pytest.raises(sg.GraphError, match=r"missing value\(s\) for b"):  # evaluation binds the same way
        sg.parse("a*b").evaluate(a=1)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_chunked_equals_whole(backend):
    if backend == "numba":
        pytest.importorskip("numba")
    g = sg.grad("sin(a)*b + a^2/(1+b^2)")
    whole, pieces = g.lambdify(backend=backend), g.lambdify(backend=backend, chunk=7)
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 9)), rng.normal(size=(5, 9))  # 45 points: 6 full chunks and a short one
    for x, y in zip(pieces(a, b), whole(a, b)):
        assert x.shape == (5, 9)
        np.testing.assert_array_equal(x, y)
    for x, y in zip(pieces(a, 0.5), whole(a, 0.5)):  # a scalar input is broadcast, not copied
        np.testing.assert_array_equal(x, y)
    assert [float(v) for v in pieces(1.0, 2.0)] == [float(v) for v in whole(1.0, 2.0)]


def test_chunked_keeps_float32_and_single_results():
    g = sg.grad("a*b", wrt=["a", "b"])
    da, db = g.lambdify(chunk=4)(np.arange(10, dtype=np.float32), np.float32(3))
    assert da.dtype == np.float32 and da.tolist() == [3.0] * 10 and db.tolist() == list(range(10))
    one = chunked_kernel(lambda a: (np.asarray(a) * 2,), 3)
    assert one(np.arange(7.0))[0].tolist() == [0, 2, 4, 6, 8, 10, 12]
    with pytest.raises(ValueError, match="positive integer"):
        g.lambdify(chunk=0)


def test_chunks_bound_the_temporaries():
    g = sg.grad("+".join(f"sin(x*{k})*exp(y/{k})" for k in range(1, 6)), wrt=["x", "y"])
    x, y = np.linspace(0, 1, 200_000), np.linspace(1, 2, 200_000)
    peaks = []
    for f in (g.lambdify(), g.lambdify(chunk=10_000)):
        f(x, y)
        tracemalloc.start()
        f(x, y)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    outputs = 2 * x.nbytes
    assert peaks[1] < outputs * 1.5 < peaks[0]


def test_points_that_reach_inf_or_nan_warn_as_arrays_do():
    """A float64 point runs on NumPy scalars; inf or nan sends it to the array path, which warns once."""
    import warnings

    cases = [("1/x", 0.0, np.inf, "divide by zero"), ("sqrt(x)", -1.0, np.nan, "invalid value"),
             ("exp(x)*2", 1000.0, np.inf, "overflow")]
    for text, x, want, message in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = sg.lambdify(text)(x)
        assert got.shape == () and (np.isnan(got) if np.isnan(want) else got == want)
        messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        assert len(messages) == 1 and message in messages[0], (text, messages)


def test_a_point_is_the_one_point_array_value_for_power_in_every_operand_kind():
    """NumPy's power differs by kind of exponent (array or scalar); a point mirrors what arrays get."""
    x, y = 2.610434542726609, 2.0
    for text, args in [("x^2", (x,)), ("x^y", (x, y)), ("2^x", (x,)), ("x^0.5", (x,)), ("x^-1", (x,))]:
        f = sg.lambdify(text)
        arrays = f(*[np.array([a, 1.0]) for a in args])
        assert f(*args).tobytes() == arrays[:1].tobytes(), text


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_values_numpy_cannot_read_are_named_in_every_backend(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    f = sg.grad("x*y").lambdify(backend=backend)
    with pytest.raises(sg.GraphError, match="value for x must be a real number.*ragged"):
        f([[1, 2], [3]], 2.0)  # NumPy's own error: "inhomogeneous shape"
    with pytest.raises(sg.GraphError, match="value for x is too large for a float64"):
        f(10**400, 2.0)  # an OverflowError before
    assert float(f(2**1024 - 2**970 - 1, 1.0)[1]) == np.finfo(float).max  # the largest that converts


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_an_indexed_input_is_checked_whole_and_named_as_passed(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    text = "sum(x[i]^2, i, 0, n-1)*y"
    f = sg.grad(text, n=3).lambdify(backend=backend)
    vector = sg.value_and_grad(text, n=3, wrt=["y"], vector=True, backend=backend)
    for bad in ([1 + 2j, 1, 1], np.array([1, 2, None], dtype=object), ["1", "2", "3"]):
        # the VM read None as nan and went on; the NumPy backend named the element node x_0
        with pytest.raises(sg.GraphError, match="value for x must be a real number"):
            f(bad, 1.0)
        with pytest.raises(sg.GraphError, match="value for x must be a real number"):
            vector(np.array([1.0]), bad)
    with pytest.raises(sg.GraphError, match="value for x must be a real number.*ragged"):
        f([1, [2, 3], 4], 1.0)
    np.testing.assert_array_equal(f(np.array([1, 2, 3], dtype=object), 1.0)[0], [2.0, 4.0, 6.0])


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_a_ragged_parameter_vector_is_named(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    fn = sg.value_and_grad("x^2*y", wrt=["x", "y"], vector=True, backend=backend)
    with pytest.raises(sg.GraphError, match="value for the vector must be a real number.*ragged"):
        fn([[1.0], [2.0, 3.0]])
    res = sg.residuals(["x*y - 1", "y - 2"], wrt=["x", "y"], backend=backend)
    with pytest.raises(sg.GraphError, match="value for the vector must be a real number.*ragged"):
        res.fun([[1.0], [2.0, 3.0]])


class _CountedList(list):
    """A list that counts how often NumPy reads it (each conversion to an array reads its length and items)."""

    reads = 0

    def __len__(self) -> int:
        _CountedList.reads += 1
        return super().__len__()

    def __iter__(self):
        _CountedList.reads += 1
        return super().__iter__()


def _conversions(call, *values) -> float:
    """How many times ``call(*values)`` made its list arguments into arrays."""
    _CountedList.reads = 0
    np.asarray(_CountedList([1.0]))
    once = _CountedList.reads
    _CountedList.reads = 0
    call(*values)
    return _CountedList.reads / once


@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
@pytest.mark.parametrize("chunk", [None, 2])
def test_a_list_input_is_made_an_array_once(backend, chunk):
    """A list passed to a compiled function was made an array twice (its dtype vote, then its values; with
    an indexed input beside it also for the shape check, three or four times): once now, and its dtype
    still votes as the array NumPy makes of it."""
    if backend == "numba":
        pytest.importorskip("numba")
    f = sg.lambdify("a*b", backend=backend, chunk=chunk)
    assert _conversions(f, _CountedList([1.0, 2.0, 3.0]), 2.0) == 1
    assert f(_CountedList([1.0, 2.0, 3.0]), 2.0).tolist() == [2.0, 4.0, 6.0]
    indexed = sg.lambdify("sum(x[i]*b, i, 0, 1)", backend=backend, chunk=chunk)
    assert _conversions(indexed, _CountedList([1.0, 2.0]), _CountedList([1.0, 2.0, 3.0])) == 2  # x and b
    assert indexed(_CountedList([1.0, 2.0]), _CountedList([1.0, 2.0, 3.0])).tolist() == [3.0, 6.0, 9.0]
    assert f([np.float32(1), np.float32(2)], np.float32(2)).dtype == np.float32  # the list votes float32
    assert f([1, 2], np.float32(2)).dtype == np.float64  # integers vote float64


class _ArrayLike:
    """An array-like NumPy does not hold (no ndarray, list or tuple), as array.array or a pandas Series is."""
    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_batch_axes_of_array_like_data_are_named_at_one_point(backend):
    """Data with batch axes given to a one-point function as an array-like (not an ndarray or list) was
    refused as 'got results of shape (2,)', naming no input; it is named with its shape, as an ndarray is."""
    if backend == "vm":
        pytest.importorskip("numba")
    fn = sg.value_and_grad("(a*t - y)^2", wrt=["a"], vector=True, backend=backend)
    for t in (_ArrayLike([1.0, 2.0]), np.array([1.0, 2.0])):
        with pytest.raises(sg.GraphError, match=r"evaluates one point.*; t has shape \(2,\), expected \(\) \(a number\)$"):
            fn(np.array([1.0]), t, 3.0)
    (value, grad), (expected_value, expected_grad) = fn(np.array([1.0]), _ArrayLike(2.0), 3.0), \
        fn(np.array([1.0]), 2.0, 3.0)
    assert value == expected_value == 1.0 and grad.tolist() == expected_grad.tolist() == [-4.0]
