"""Shapes of indexed sums whose replayed Hessian (symgraph.term_replay) once differed from the sweeps' or failed.

The oracle is the Hessian the sweeps derive over every term (:func:`symgraph.hessian.hessian_program`);
every sum is replayed here (``REPLAY_FROM`` lowered to 2).
"""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg
from symgraph import term_replay
from symgraph.hessian import _csr_labels, hessian_program


@pytest.fixture(autouse=True)
def replay_every_sum(monkeypatch):
    monkeypatch.setattr(term_replay, "REPLAY_FROM", 2)


def swept_dense(text, wrt, point, mode="forward-over-reverse", **sizes):
    from scipy import sparse
    program, names, _, pattern = hessian_program(sg.parse(text, **sizes), wrt, mode=mode, sparse=True)
    labels = _csr_labels(pattern, names, list(program.results))
    values = program.evaluate(point)
    data = np.array([values[label] for label in labels], dtype=float)
    return pattern, names, sparse.csr_matrix((data, pattern.indices, pattern.indptr), shape=pattern.shape).toarray()


@pytest.mark.parametrize("mode", ["forward-over-reverse", "edge-pushing"])
@pytest.mark.parametrize("text, wrt", [
    ("sum(x[i], i, 0, 5)", None),  # linear in every term
    ("sum(a*x[i], i, 0, 5)", ["x"]),  # linear in the wrt inputs
    ("sum(x[i]^2*y[i], i, 0, 5)", ["y"]),
])
def test_a_term_without_second_derivatives_by_the_wrt_inputs(text, wrt, mode):
    """Such a sum's Hessian is all zeros: the replay raised NumPy's ValueError (nothing to concatenate)."""
    point = {name: np.arange(1.0, 1.0 + known.shape[0]) for name, known in sg.parse(text).indexed.items()}
    point.update(a=0.5) if "a" in sg.parse(text).inputs else None
    pattern, names, expected = swept_dense(text, wrt, point, mode=mode)
    H = sg.hessian(text, wrt=wrt, mode=mode, sparse=True)
    assert H.wrt == tuple(names) and H.nnz == 0 and (H.pattern != pattern).nnz == 0
    for backend in ("numpy", "vm"):
        np.testing.assert_array_equal(H.lambdify(backend=backend)(**point).toarray(), expected)
    np.testing.assert_array_equal(H.at(**point).toarray(), expected)
    D = sg.hessian(text, wrt=wrt, mode=mode)
    assert D.shape == (len(names), len(names)) and all(entry == 0 for entry in D)
    np.testing.assert_array_equal(np.asarray(D.lambdify()(**point), dtype=float), expected)


@pytest.mark.parametrize("text", [
    "sum(x[1]/x[i], i, 0, 2)",  # copy 1 reads x[1] twice: x[1]/x[1] is 1
    "sum(x[2-i]*x[i]^2 - x[i]*x[2-i]^2, i, 0, 2)",  # every copy folds to 0 but the first's moved would not
    "sum((X[1, i] - X[i, i])^3, i, 0, 2)",  # copy 1 is (X[1, 1] - X[1, 1])^3 = 0
    "sum((y[i] - y[0])*x[i]^2, i, 0, 3)",  # copy 0 is 0: a data element met twice
    "sum(x[3]*x[i], i, 0, 5)",  # (3, 3) only copy 3 reaches: the sweeps, which give it
    "sum(x[5-k]*x[k+1]^3, k, 0, 4)",
])
def test_a_copy_that_reads_one_element_twice_is_folded_by_the_parser(text):
    """Where two of the term's elements are one in some copy, the sweeps fold that copy's entries that cancel
    (x[1]/x[1] is 1): an entry only such copies reach, a nonzero worth 0 in the replay, was none of the sweeps'
    (H.pattern and H.nnz differed from sg.hessian_sparsity's)."""
    graph = sg.parse(text)
    point = {name: np.linspace(0.5, 1.7, int(np.prod(known.shape))).reshape(known.shape) for name, known in graph.indexed.items()}
    wrt = ["x"] if "y" in graph.indexed else None
    pattern, names, expected = swept_dense(text, wrt, point)
    H = sg.hessian(text, wrt=wrt, sparse=True)
    assert H.wrt == tuple(names)
    assert (H.pattern != pattern).nnz == 0 and (H.pattern != sg.hessian_sparsity(text, wrt=wrt)).nnz == 0
    np.testing.assert_allclose(H.at(**point).toarray(), expected, rtol=1e-12, atol=1e-12)
