"""Structural sparsity patterns: exactly the entries that can be nonzero, checked against dense derivatives."""
import numpy as np
import pytest

import symgraph as sg

pytest.importorskip("scipy")

CASES = [
    (["x*y", "z + floor(x)", "sin(y)^2", "where(x > 0, y, z)", "sign(x)*3 + w"], ["x", "y", "z", "w"]),
    (["c = x*y; d = c + z; exp(d)", "x + y + z"], ["x", "y", "z"]),
]


@pytest.mark.parametrize("fs, wrt", CASES)
def test_jacobian_pattern_is_the_nonzero_structure(fs, wrt):
    pattern = sg.jacobian_sparsity(fs, wrt=wrt).toarray()
    dense = sg.jacobian(fs, wrt=wrt)
    assert pattern.dtype == bool and pattern.shape == dense.shape
    assert np.array_equal(pattern, np.array([[entry != 0 for entry in row] for row in dense.tolist()]))


def test_hessian_pattern_of_rosenbrock_is_tridiagonal():
    n = 50
    pattern = sg.hessian_sparsity("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=n)
    want = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
    assert np.array_equal(pattern.toarray(), want) and pattern.nnz == 3 * n - 2


@pytest.mark.parametrize("text, wrt", [
    ("x^2 + x*y + z", ["x", "y", "z"]),
    ("exp(x)*sin(y) + log(z)", ["x", "y", "z"]),
    ("where(x > 0, x*y, y^2) + sign(x)*z + max(x, z)", ["x", "y", "z"]),
])
def test_hessian_pattern_covers_the_nonzeros_and_is_symmetric(text, wrt):
    pattern = sg.hessian_sparsity(text, wrt=wrt).toarray()
    H = sg.hessian(text, wrt=wrt)
    assert np.array_equal(pattern, pattern.T)
    nonzero = np.array([[entry != 0 for entry in row] for row in H.tolist()])
    assert np.all(pattern >= nonzero)


@pytest.mark.parametrize("many, nested", [("max(x*y, z, w)", "max(max(x*y, z), w)"),
                                          ("min(x, y, z, w) + x*x", "min(min(min(x, y), z), w) + x*x"),
                                          ("max(x, x, y)*w + z", "max(max(x, x), y)*w + z")])
def test_hessian_pattern_of_a_max_of_many_operands_is_its_nested_pairs(many, nested):
    """max(a, b, c) is one node whose tie share was where(unordered, out, 1/k): the nan branch made the share
    depend on the node's value, so on every operand, and the Hessian's pattern of max(x*y, z, w) was all 16
    entries where its nonzeros are (x, y) and (y, x), as for max(max(x*y, z), w).  The nan branch is the
    constant nan now: the patterns are the nested pairs', and so are the sparse Hessian's stored entries."""
    wrt = ["x", "y", "z", "w"]
    want = sg.hessian_sparsity(nested, wrt=wrt).toarray()
    assert np.array_equal(sg.hessian_sparsity(many, wrt=wrt).toarray(), want)
    assert np.array_equal(sg.hessian(many, wrt=wrt, sparse=True).pattern.toarray(), want)
    nonzero = np.array([[entry != 0 for entry in row] for row in sg.hessian(nested, wrt=wrt).tolist()])
    assert np.array_equal(want, nonzero)


def test_patterns_keep_wrt_order_aliases_and_absent_names():
    pattern = sg.jacobian_sparsity(["x*y", "w"], wrt=["y", "q", "x"], allow_unused=True).toarray()
    assert pattern.tolist() == [[True, False, True], [False, False, False]]


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_sparse_data_stacks_constant_and_varying_entries_alike(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    f = sg.hessian("x^2 + x*y + y^3", wrt=["x", "y"], sparse=True).lambdify(backend=backend)
    np.testing.assert_array_equal(f.data(np.arange(3.0), np.arange(3.0)), [[2, 2, 2], [1, 1, 1], [1, 1, 1], [0, 6, 12]])
    np.testing.assert_array_equal(f.data(np.arange(3.0), 2.0), [[2, 2, 2], [1, 1, 1], [1, 1, 1], [12, 12, 12]])
    for point in ((1.0, 2.0), (np.float64(1.0), np.float64(2.0)), (np.array(1.0), 2.0)):
        np.testing.assert_array_equal(f(*point).toarray(), [[2, 1], [1, 12]])


# --------------------------------------------------------------------------- windows and reused gradients

from hypothesis import given, strategies as st  # noqa: E402

from symgraph.frontend.coerce import wrt_names, wrt_nodes  # noqa: E402
from symgraph.sparsity import _zero_slots  # noqa: E402
from symgraph import ops  # noqa: E402
from tests.test_properties import PROPERTY, programs, quiet  # noqa: E402


def plain_pattern(graph, names):
    """The Jacobian pattern with plain bit sets (bit j: wrt name j), the definition the windows must keep."""
    nodes = wrt_nodes(graph, names)
    bits: dict = {}
    for node, op, args in graph.rows():
        acc = sum(1 << j for j, n in enumerate(names) if nodes.get(n) == node)
        if op not in ("input", "const"):
            zero = _zero_slots(ops.OPS[op], len(args))
            for slot, a in enumerate(args):
                if isinstance(a, str) and not zero[slot]:
                    acc |= bits[a]
        bits[node] = acc
    return np.array([[bool(bits.get(y, 0) >> j & 1) for j in range(len(names))] for y in graph.outputs])


@PROPERTY
@given(st.data())
def test_windowed_pattern_is_the_plain_bit_set_pattern(data):
    text = data.draw(programs())
    graph = sg.parse(text)
    pool = list(graph.inputs) + ["q"] + list(graph.inputs)[:1]  # an absent name; an input twice (an alias)
    names = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    got = quiet(sg.jacobian_sparsity, graph, wrt=names, allow_unused=True).toarray()
    assert np.array_equal(got, plain_pattern(graph, names))


def test_windows_join_inputs_far_apart():
    n = 70  # positions past one machine word, joined from both ends
    text = "sum(x[i]*x[n-1-i], i, 0, n-1) + x[0]*x[n-1]^2"
    graph = sg.parse(text, n=n)
    names = wrt_names(graph, None, False)
    grad_graph = sg.grad(graph, simplify=False).program.as_graph(names)
    assert np.array_equal(sg.jacobian_sparsity(grad_graph, wrt=names).toarray(), plain_pattern(grad_graph, names))
    want = np.eye(n, dtype=bool)[::-1].copy()
    want[0, n - 1] = want[n - 1, 0] = want[n - 1, n - 1] = True
    assert np.array_equal(sg.hessian_sparsity(graph).toarray(), want)


@PROPERTY
@given(programs())
def test_edge_pushing_pattern_from_its_own_adjoints_is_the_gradients(text):
    """The sparse edge-pushing Hessian reads its pattern off the gradient its sweep emitted, not a second
    gradient: the same pattern as hessian_sparsity's (a reverse sweep's program), and the same entries."""
    graph = sg.parse(text)
    names = list(graph.inputs)
    sparse = sg.hessian(graph, wrt=names, mode="edge-pushing", sparse=True)
    assert np.array_equal(sparse.pattern.toarray(), sg.hessian_sparsity(graph, wrt=names).toarray())


@pytest.mark.parametrize("text, wrt", [
    ("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", None),
    ("x*z + y*z + w*z", ["w", "x", "y", "z"]),  # three gradient entries are the one node z: a row each
    ("c = x\nx*z + c*z + y*c", ["c", "x", "z", "y"]),  # c names x's node: its entries in both columns
    ("x*y", ["y", "q", "x"]),  # an absent name
    ("x^2/2 + y", None),  # a gradient entry that is an input (x), whose own sweep starts at it
    ("x*x - x^2 + y*z", None),  # a tangent that cancels to 0: the pattern is the structure's, not the sweeps'
    ("sign(x)*y + floor(y)*x + x*y", None),  # partials identically 0: the structure's pattern
])
def test_forward_sweeps_pattern_is_the_gradients(text, wrt):
    """The sparse Hessian's forward sweeps give its pattern where no tangent dropped out (swept_pattern):
    the same as the pass over the gradient's program (hessian_sparsity), for every shape of names."""
    graph = sg.parse(text, n=6) if "n-2" in text else sg.parse(text)
    sparse = quiet(sg.hessian, graph, wrt=wrt, sparse=True, allow_unused=True)
    assert np.array_equal(sparse.pattern.toarray(), quiet(sg.hessian_sparsity, graph, wrt=wrt, allow_unused=True).toarray())
    assert sparse.pattern.has_sorted_indices


@PROPERTY
@given(programs())
def test_forward_sweeps_pattern_of_any_program_is_the_gradients(text):
    graph = sg.parse(text)
    names = list(graph.inputs)
    sparse = sg.hessian(graph, wrt=names, sparse=True)
    assert np.array_equal(sparse.pattern.toarray(), sg.hessian_sparsity(graph, wrt=names).toarray())


def test_sparse_hessian_labels_every_stored_entry_apart_when_names_run_together():
    """The CSR labels mirror the program's labels of the entries on and above the diagonal, one per stored
    entry; (a, db) and (ad, b) were both labelled d2/daddb, so the program kept one value for both."""
    S = quiet(sg.hessian, "2*a*db + ad*b + a*ad", wrt=["a", "db", "ad", "b"], sparse=True)
    assert len(S.labels) == S.nnz and S.labels[0] == "d2/da ddb" and "d2/dad db" in S.labels
    values = S.at(a=1, db=1, ad=1, b=1).toarray()
    assert values[0, 1] == 2 and values[2, 3] == 1


def test_len_of_a_sparse_result_is_a_named_error_and_the_result_stays_true():
    S = sg.hessian("x^2*y", sparse=True)
    with pytest.raises(sg.ArgumentError, match=r"2x2 SparseDerivative has no len\(\): its shape is S.shape.*S.nnz"):
        len(S)
    assert S and S.nnz == 3
