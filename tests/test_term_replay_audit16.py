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
