"""Indexed inputs handed to the VM as whole arrays, and results taken as one array: the same bits as element by element.

The reference for each call is the path every other kernel takes, one value
per element (the VM's kernel stripped of its array forms:
:func:`element_by_element`, or a vector given as a list), and for arithmetic
programs the NumPy backend's values as well.  ``chunk=`` keeps the array
forms, a chunk at a time.
"""
import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import symgraph as sg
from tests.helpers import bits
from tests.test_properties import PROPERTY

pytest.importorskip("numba")

LEAST_SQUARES = "sum((y[i] - a*x[i] - b)^2, i, 0, n-1)"
#: a 2-D indexed input, a 1-D one read at two offsets, W's first row never read, a branch and a division
MIXED = ("sum(sum(W[i+1, j]*x[j] - W[i+1, j]^2/(1 + x[j]*x[j]), j, 0, 2)^2, i, 0, 1)"
         " + sum(where(x[j] > c, x[j]*c, x[j+1] - c), j, 0, 2)")


def element_by_element(f):
    """``f`` with its VM kernel handed one value per element: what kernels without array forms get."""
    call, *rest = f._made  # CompiledFunction's own arguments
    make, (kernel, params, shapes) = call.recipe  # runtime.array_parameters and what it was given
    bare = kernel.function
    return type(f)(make(lambda *values: bare(*values), params, shapes), *rest)


def same(got, want):
    """Bit for bit, shapes and dtypes included."""
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        assert bits([g]) == bits([w])


@pytest.fixture(scope="module")
def mixed():
    g = sg.grad(MIXED, wrt=["W", "x", "c"])
    assert g.graph.indexed["W"].shape == (3, 3) and g.graph.indexed["x"].shape == (4,)
    fast = g.lambdify(backend="vm", args=["W", "x", "c"])
    return fast, element_by_element(fast), g.lambdify(args=["W", "x", "c"])


@pytest.fixture(scope="module")
def chunked():
    """MIXED's gradient on the VM two points at a time: whole arrays cut along their batch axes."""
    return sg.grad(MIXED, wrt=["W", "x", "c"]).lambdify(backend="vm", args=["W", "x", "c"], chunk=2)


def layouts(rng, shape, batch, dtype=np.float64):
    """The same values as C, Fortran, a reversed view, a strided view of a larger array and a transposed copy."""
    a = rng.uniform(-2, 2, shape + batch).astype(dtype)
    big = np.zeros(tuple(2 * s for s in a.shape), dtype=dtype)
    view = big[tuple(slice(None, None, 2) for _ in a.shape)]
    view[...] = a
    flipped = a[::-1].copy()[::-1]
    swapped = np.moveaxis(np.moveaxis(a, 0, -1).copy(), -1, 0)  # the index axis last in memory
    return [a, np.asfortranarray(a), flipped, view, swapped]


@pytest.mark.parametrize("batch", [(), (5,), (2, 3)])
def test_whole_arrays_give_the_bits_of_element_by_element_and_of_numpy(mixed, batch):
    fast, elementwise, plain = mixed
    rng = np.random.default_rng(len(batch))
    c = rng.uniform(-1, 1, batch) if batch else 0.25
    for W, x in zip(layouts(rng, (3, 3), batch), layouts(rng, (4,), batch)):
        want = plain(W, x, c)
        same(fast(W, x, c), want)
        same(elementwise(W, x, c), want)
        assert all(r.shape == (3, 3) + batch for r in fast(W, x, c)[:1])


def test_shared_data_broadcast_batches_and_scalars(mixed):
    fast, elementwise, plain = mixed
    rng = np.random.default_rng(7)
    W, x = rng.uniform(-2, 2, (3, 3)), rng.uniform(-2, 2, (4,))
    cases = [(W, x, rng.uniform(-1, 1, 6)),                       # data shared by every point, a batch of c
             (W[..., None], x, rng.uniform(-1, 1, 6)),            # a batch axis of extent 1
             (rng.uniform(-2, 2, (3, 3, 3)), x, rng.uniform(-1, 1, (2, 3))),  # W's batch broadcast to (2, 3)
             (rng.uniform(-2, 2, (3, 3, 1, 3)), rng.uniform(-2, 2, (4, 2, 1)), 0.5),
             (W, x, np.float64(0.5)), (W, x, 1), (W.tolist(), x.tolist(), [0.5, 1.5]),
             (rng.uniform(-2, 2, (3, 3, 0)), x, 0.5)]           # an empty batch
    for args in cases:
        want = plain(*args)
        same(fast(*args), want)
        same(elementwise(*args), want)


def test_other_dtypes_convert_once_or_run_the_numpy_backend(mixed):
    fast, elementwise, plain = mixed
    rng = np.random.default_rng(3)
    W = rng.integers(-3, 3, (3, 3, 4))
    x32 = rng.uniform(-2, 2, (4, 4)).astype(np.float32)
    for args in [(W, x32, 0.5), (W, x32[:, 0], np.arange(4.0)), (W.astype(np.float32), x32, 0.5),
                 (W.astype(np.float32), x32, np.float32(0.5)), (W[:, :, 0], x32[:, 0], 2),
                 (W > 0, np.arange(4), 0.5)]:
        want = plain(*args)
        same(fast(*args), want)
        same(elementwise(*args), want)
    assert fast(W.astype(np.float32), x32, 0.5)[0].dtype == np.float32  # every array float32: float32 work
    dask = pytest.importorskip("dask.array")
    lazy = fast(dask.from_array(W, chunks=2), x32[:, 0], 0.5)
    assert type(lazy[0]).__module__.startswith("dask")
    same(tuple(np.asarray(r) for r in lazy), plain(W, x32[:, 0], 0.5))


def test_wrong_shapes_keep_their_messages(mixed):
    fast, elementwise, plain = mixed
    for f in mixed:
        with pytest.raises(sg.GraphError, match=r"x takes an array whose first axis is \(4,\).*got shape \(3,\)"):
            f(np.ones((3, 3)), np.ones(3), 0.5)
        with pytest.raises(sg.GraphError, match=r"W takes an array whose first axes are \(3, 3\).*got shape \(3,\)"):
            f(np.ones(3), np.ones(4), 0.5)
        with pytest.raises(sg.GraphError, match=r"do not broadcast together: W \(3, 3, 2\) \(batch axes \(2,\)\), "
                                                r"x \(4, 3\) \(batch axes \(3,\)\), c \(\)"):
            f(np.ones((3, 3, 2)), np.ones((4, 3)), 0.5)


def test_least_squares_gradient_on_a_batch_and_at_a_point():
    n = 200
    g = sg.grad(LEAST_SQUARES, wrt=["a", "b"], n=n)
    fast, plain = g.lambdify(backend="vm"), g.lambdify()
    rng = np.random.default_rng(0)
    x, y, a, b = rng.uniform(-1, 1, (n, 8)), rng.uniform(-1, 1, (n, 8)), rng.uniform(0, 1, 8), rng.uniform(0, 1, 8)
    for kwargs in [dict(a=a, b=b, x=x, y=y), dict(a=a, b=0.5, x=x[:, 0], y=y[:, 0]),
                   dict(a=0.5, b=0.1, x=x[:, 0], y=y[:, 0]), dict(a=a, b=b, x=x.T.copy().T, y=y[:, ::-1])]:
        same(fast(**kwargs), plain(**kwargs))


def test_many_inputs_shared_by_a_batch_borrow_rows_of_the_register_file():
    """10^4 data inputs shared by 300 points pass :data:`vm_kernels.SHARED_BYTES`: each is written into a row lent from
    its first read to its last (x[i] is read by two terms), in every block."""
    from symgraph.backends import vm_kernels
    n, points = 5_000, 300
    g = sg.grad("sum((y[i] - a*x[i] - b*x[i+1]*x[i])^2, i, 0, n-2)", wrt=["a", "b"], n=n)
    fast, plain = g.lambdify(backend="vm"), g.lambdify()
    width = int(re.search(r"(\d+) points per block", fast.source).group(1))
    assert 2 * n * min(width, points) * 8 > vm_kernels.SHARED_BYTES
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n - 1)  # y[n-1] is never read: y has n - 1 entries
    a, b = rng.uniform(0, 1, points), rng.uniform(0, 1, points)
    for args in [dict(a=a, b=b, x=x, y=y), dict(a=a, b=0.5, x=x, y=rng.uniform(-1, 1, (n - 1, points))),
                 dict(a=a[:3], b=b[:3], x=x, y=y)]:
        same(fast(**args), plain(**args))


def test_vector_and_residual_functions_take_data_whole():
    n = 50
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    theta = np.array([0.5, 0.1])
    fast = sg.value_and_grad(LEAST_SQUARES, wrt=["a", "b"], vector=True, backend="vm", n=n)
    plain = sg.value_and_grad(LEAST_SQUARES, wrt=["a", "b"], vector=True, n=n)
    (v1, g1), (v2, g2), (v3, g3) = fast(theta, x=x, y=y), fast(list(theta), x=x, y=y), plain(theta, x=x, y=y)
    assert type(v1) is float and v1 == v2 == v3
    same(g1, g2)
    same(g1, g3)
    same(fast(theta, x=x[::-1].copy()[::-1], y=y.astype(np.float32))[1], plain(theta, x=x, y=y.astype(np.float32))[1])
    for f in (fast, plain):  # data with batch axes makes a batch: the same message from every path
        with pytest.raises(sg.GraphError, match=r"evaluates one point.*x has shape \(50, 3\), expected \(50,\) \(its indices\)$"):
            f(theta, x=np.ones((n, 3)), y=y)
        with pytest.raises(sg.GraphError, match=r"y takes an array whose first axis is \(50,\)"):
            f(theta, x=x, y=y[:-1])
    res = sg.residuals("y[k] - a*x[k] - b", wrt=["a", "b"], over=("k", 0, "n-1"), backend="vm", n=n)
    ref = sg.residuals("y[k] - a*x[k] - b", wrt=["a", "b"], over=("k", 0, "n-1"), n=n)
    for got in (res.function(theta, x=x, y=y), res.function(list(theta), x=x, y=y)):
        same(got, ref.function(theta, x=x, y=y))
    assert res.function(theta, x=x, y=y)[1].shape == (n, 2)
    sparse = sg.residuals("y[k] - a[k]*x[k] - b", wrt=["a", "b"], over=("k", 0, "n-1"), backend="vm", sparse=True,
                          n=n).function
    plain_sparse = sg.residuals("y[k] - a[k]*x[k] - b", wrt=["a", "b"], over=("k", 0, "n-1"), sparse=True,
                                n=n).function
    theta = rng.uniform(0, 1, n + 1)
    (r1, j1), (r2, j2) = sparse(theta, x=x, y=y), plain_sparse(theta, x=x, y=y)
    same(r1, r2)
    same(j1.data, j2.data)
    assert (j1.indices == j2.indices).all() and (j1.indptr == j2.indptr).all()


def test_unread_vector_entries_without_data():
    """Entries of an indexed wrt that no input reads are dropped before the VM's one-point path."""
    fast = sg.value_and_grad("sum(W[k, j]*v[j], j, 0, 2)", wrt=["W", "v"], vector=True, backend="vm", k=1)
    plain = sg.value_and_grad("sum(W[k, j]*v[j], j, 0, 2)", wrt=["W", "v"], vector=True, k=1)
    point = np.arange(9.0)
    (v1, g1), (v2, g2) = fast(point), plain(point)
    assert v1 == v2 == 3 * 6 + 4 * 7 + 5 * 8  # W is (2, 3): W[1, j] are entries 3-5, v entries 6-8
    same(g1, g2)


def test_sparse_hessian_data_and_matrix_take_the_result_array():
    text = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2) + x[0]*x[n-1]"
    H = sg.hessian(text, n=30, sparse=True)
    fast, elementwise, plain = H.lambdify(backend="vm"), H.lambdify(backend="vm", chunk=3), H.lambdify()
    rng = np.random.default_rng(2)
    for x in (rng.uniform(-1, 1, 30), rng.uniform(-1, 1, (30, 4)), np.asfortranarray(rng.uniform(-1, 1, (30, 4)))):
        want = plain.data(x)
        same(fast.data(x), want)
        same(elementwise.data(x), want)
    x = rng.uniform(-1, 1, 30)
    m1, m2 = fast(x), plain(x)
    same(m1.data, m2.data)
    assert (m1.indices == m2.indices).all() and m1.shape == (30, 30)
    with pytest.raises(ValueError, match="a CSR matrix holds one point"):
        fast(rng.uniform(-1, 1, (30, 2)))


def test_compiled_functions_give_every_result_as_one_array():
    g = sg.grad("(a + b)*b", wrt=["a", "b"])
    for backend in ("vm", "numpy"):
        f = g.lambdify(backend=backend)
        out = f.array(np.arange(3.0), b=2.0)
        assert out.shape == (2, 3) and out.dtype == np.float64
        same(out, np.stack(f(np.arange(3.0), 2.0)))
        assert f.array(1.0, 2.0).shape == (2,)


def test_array_functions_round_trip_through_pickle(mixed):
    fast = mixed[0]
    rng = np.random.default_rng(4)
    W, x = rng.uniform(-2, 2, (3, 3, 2)), rng.uniform(-2, 2, (4, 2))
    again = pickle.loads(pickle.dumps(fast))
    same(again(W, x, 0.5), fast(W, x, 0.5))
    same(again(W[..., 0], x[:, 0], 0.5), fast(W[..., 0], x[:, 0], 0.5))
    n = 20
    v = sg.value_and_grad(LEAST_SQUARES, wrt=["a", "b"], vector=True, backend="vm", n=n)
    data = dict(x=rng.uniform(-1, 1, n), y=rng.uniform(-1, 1, n))
    again = pickle.loads(pickle.dumps(v))
    (v1, g1), (v2, g2) = again(np.array([0.5, 0.1]), **data), v(np.array([0.5, 0.1]), **data)
    assert v1 == v2
    same(g1, g2)
    res = sg.residuals("y[k] - a*x[k] - b", wrt=["a", "b"], over=("k", 0, "n-1"), backend="vm", n=n).function
    same(pickle.loads(pickle.dumps(res))(np.array([0.5, 0.1]), **data), res(np.array([0.5, 0.1]), **data))


@st.composite
def calls(draw):
    """W (3, 3) and x (4,) with batch axes or none, laid out any way, of any dtype, and c: one call of MIXED."""
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)

    def value(shape):
        own = tuple(draw(st.sampled_from([b, 1])) for b in batch) if draw(st.booleans()) else ()
        own = own[draw(st.integers(0, len(own))):]  # fewer batch axes broadcast too
        dtype = draw(st.sampled_from([np.float64, np.float64, np.float32, np.int64]))
        return layouts(rng, shape, own, dtype)[draw(st.integers(0, 4))]
    W, x = value((3, 3)), value((4,))
    c = draw(st.sampled_from(["float", "batch", "array0"]))
    c = 0.25 if c == "float" or not batch else rng.uniform(-1, 1, batch) if c == "batch" else np.array(0.25)
    return W, x, c


@PROPERTY
@given(args=calls())
def test_any_layout_dtype_and_broadcast_gives_the_bits_of_element_by_element(mixed, chunked, args):
    fast, elementwise, plain = mixed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = plain(*args)
    same(fast(*args), want)
    same(elementwise(*args), want)
    same(chunked(*args), want)
    same(chunked.array(*args), fast.array(*args))


def test_chunks_hand_the_vm_whole_arrays_cut_along_their_batch_axes(mixed, chunked, monkeypatch):
    """chunk= keeps the VM's array forms: no value per element (the per-element helper is never reached),
    the bits of one whole call for batches of several chunks, shared data passed whole, one result array."""
    from symgraph.backends import arrays, vm
    fast, elementwise, plain = mixed
    rng = np.random.default_rng(11)
    W, x = rng.uniform(-2, 2, (3, 3)), rng.uniform(-2, 2, (4,))
    cases = [(W, x, rng.uniform(-1, 1, 7)),  # data shared by every point: four chunks of c
             (rng.uniform(-2, 2, (3, 3, 2, 3)), rng.uniform(-2, 2, (4, 3)), 0.5),  # batch (2, 3), x's broadcast
             (np.asfortranarray(rng.uniform(-2, 2, (3, 3, 5))), x[:, None], rng.uniform(-1, 1, (1, 5))),
             (W, x, 0.25)]
    wants = [plain(*args) for args in cases]

    def refused(*args, **kwargs):
        raise AssertionError("handed one value per element")
    monkeypatch.setattr(arrays, "elements", refused)
    monkeypatch.setattr(vm, "elements", refused)
    for args, want in zip(cases, wants):
        same(chunked(*args), want)
        same(chunked.array(*args), fast.array(*args))
        assert chunked.array(*args).shape == (14,) + np.shape(want[2])  # W's 9, x's 4 and c's: one row each
    with pytest.raises(AssertionError, match="one value per element"):
        elementwise(*cases[0])  # the reference of the other tests takes that path
