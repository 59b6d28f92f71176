"""Compiling a function over many data terms: the compile path reads the graph's tables, and its results are NumPy's.

A ``value_and_grad`` over 10^5 data terms read every node through the graph's checked per-node methods
(``g.op(node)``, ``g.operands(node)``), 2 million wrapper calls; these tests hold the behaviour that must not
change with the faster read: the same rows in the same order, and values computed independently with NumPy.
"""
import numpy as np
import pytest

import symgraph as sg
from symgraph.export.display import graph_program
from symgraph.ir.graph import Graph

DECAY = "sum((y[i] - a*exp(-b*t[i]))^2, i, 0, n-1)"
LOGISTIC = "sum(softplus(-y[i]*(a*t[i] + b)), i, 0, n-1)"


def _data(n):
    rng = np.random.default_rng(1)
    t = np.linspace(0.0, 3.0, n)
    return t, 2.0 * np.exp(-1.3 * t) + 0.01 * rng.standard_normal(n)


def test_graph_program_holds_the_graph_rows_in_order():
    g = sg.parse("c = a + b; d = b + 1; e = c * d")
    program = graph_program(g)
    assert [row[0] for row in program.instructions] == [n for n in g.order if g.op(n) != "input"]
    assert [(t, op, tuple(args)) for t, op, args in program.instructions] == \
        [(n, g.op(n), tuple(g.operands(n))) for n in g.order if g.op(n) != "input"]
    assert dict(program.results) == {"e": "e"}


def test_compiling_reads_no_node_through_the_checked_methods(monkeypatch):
    g = sg.parse(DECAY, n=50)

    def per_node(*args, **kwargs):
        raise AssertionError("a per-node checked call on the compile path")
    monkeypatch.setattr(Graph, "op", per_node)
    monkeypatch.setattr(Graph, "operands", per_node)
    fn = sg.value_and_grad(g, wrt=["a", "b"], vector=True)
    t, y = _data(50)
    value, _ = fn(np.array([1.5, 1.0]), y, t)
    assert np.isfinite(value)


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_decay_fit_objective_agrees_with_numpy(backend):
    if backend == "vm":
        pytest.importorskip("numba")
    n = 2000
    t, y = _data(n)
    fn = sg.value_and_grad(DECAY, wrt=["a", "b"], vector=True, n=n, backend=backend)
    a, b = 1.5, 1.0
    value, gradient = fn(np.array([a, b]), y, t)
    r = y - a * np.exp(-b * t)
    assert value == pytest.approx((r ** 2).sum(), rel=1e-12)
    expected = [(-2 * r * np.exp(-b * t)).sum(), (2 * r * a * t * np.exp(-b * t)).sum()]
    np.testing.assert_allclose(gradient, expected, rtol=1e-10)
    assert list(fn.__signature__.parameters)[1:] == ["y", "t"]


def test_logistic_loss_gradient_lambdified_agrees_with_numpy():
    n = 1500
    t, y = _data(n)
    labels = np.where(y > y.mean(), 1.0, -1.0)
    dfa, dfb = sg.grad(LOGISTIC, wrt=["a", "b"], n=n).lambdify()(a=0.3, b=-0.2, t=t, y=labels)
    z = -labels * (0.3 * t - 0.2)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose([dfa, dfb], [(-s * labels * t).sum(), (-s * labels).sum()], rtol=1e-10)


def test_one_point_forms_keep_their_temporaries_and_batches_free_them():
    # a vector form runs at one point, on scalars: no del lines (a fifth of Python's compile of a large one);
    # a sum of one term's copies runs that term on arrays of every term's data, and frees them
    assert "\n    del " in sg.value_and_grad(DECAY, wrt=["a", "b"], vector=True, n=30).source
    fn = sg.value_and_grad(f"({DECAY})*1", wrt=["a", "b"], vector=True, n=30)
    assert "\n    del " not in fn.source
    batch = sg.value_and_grad(f"({DECAY})*1", wrt=["a", "b"], n=30)
    assert "\n    del " in batch.source
    t, y = _data(30)
    value, gradient = fn(np.array([1.5, 1.0]), y, t)
    batch_value, (da, db) = batch(a=1.5, b=1.0, y=y, t=t)
    assert value == batch_value and list(gradient) == [da, db]  # the same lines, so the same bits


def test_residuals_and_matrix_vector_forms_agree_with_their_batch_forms():
    res = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=20)
    t, y = _data(20)
    r, jac = res.fun([1.5, 1.0], y, t), res.jac([1.5, 1.0], y, t)
    np.testing.assert_allclose(r, y - 1.5 * np.exp(-t), rtol=1e-13)
    np.testing.assert_allclose(jac, np.stack([-np.exp(-t), 1.5 * t * np.exp(-t)], axis=1), rtol=1e-13)
    h = sg.hessian("x^2*y + y^3", wrt=["x", "y"])
    np.testing.assert_allclose(h.lambdify(vector=True)([2.0, 3.0]), [[6.0, 4.0], [4.0, 18.0]])
