"""The sparse Hessian of a sum of one term's copies, its term derived once and replayed (symgraph.term_replay).

The oracle is the same sum's Hessian derived by the sweeps over every term
(:func:`symgraph.hessian.hessian_program`), and sympy's at a point for small sizes.
Sums of every size are replayed here (``REPLAY_FROM`` lowered), so that small ones test it too.
"""
from __future__ import annotations

import inspect
import pickle
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symgraph as sg
from symgraph import term_replay
from symgraph.hessian import _csr_labels, hessian_program

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


@pytest.fixture(autouse=True)
def replay_every_sum(monkeypatch):
    monkeypatch.setattr(term_replay, "REPLAY_FROM", 2)


def replayed(H, mode: str | None = None) -> bool:
    return "replayed" in (H.cost[mode or next(iter(H.cost))].note or "")


def swept(text: str, wrt=None, mode: str = "forward-over-reverse", **sizes):
    """The Hessian the sweeps derive over the whole sum: (pattern, {label: value} at a point) by a callable."""
    graph = sg.parse(text, **sizes)
    program, names, _, pattern = hessian_program(graph, wrt, mode=mode, sparse=True)
    labels = _csr_labels(pattern, names, list(program.results))
    return pattern, names, lambda **point: _csr(pattern, labels, program.evaluate(point))


def _csr(pattern, labels, values):
    from scipy import sparse
    return sparse.csr_matrix((np.array([values[label] for label in labels], dtype=float), pattern.indices.copy(),
                              pattern.indptr.copy()), shape=pattern.shape)


def same_hessian(text, point, wrt=None, mode="forward-over-reverse", **sizes):
    H = sg.hessian(text, wrt=wrt, mode=mode, sparse=True, **sizes)
    pattern, names, at = swept(text, wrt, mode, **sizes)
    assert H.wrt == tuple(names)
    assert (H.pattern != pattern).nnz == 0
    expected = at(**point).toarray()
    np.testing.assert_allclose(H.at(**point).toarray(), expected, rtol=1e-12, atol=1e-12)
    for backend in ("numpy", "vm"):
        np.testing.assert_allclose(H.lambdify(backend=backend)(**point).toarray(), expected, rtol=1e-12, atol=1e-12)
    return H


@pytest.mark.parametrize("n", [3, 10, 200])
def test_rosenbrock_is_replayed_and_equal_to_the_sweeps(n):
    x = np.random.default_rng(n).normal(size=n)
    H = same_hessian(ROSENBROCK, {"x": x}, n=n)
    assert replayed(H)
    assert H.nnz == 3 * n - 2


def test_rosenbrock_against_sympy():
    n = 6
    xs = sympy.symbols(f"x0:{n}")
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    point = np.random.default_rng(1).normal(size=n)
    expected = np.array(sympy.hessian(f, xs).subs(dict(zip(xs, point))).evalf(30), dtype=float)
    H = sg.hessian(ROSENBROCK, sparse=True, n=n)
    assert replayed(H)
    np.testing.assert_allclose(H.at(x=point).toarray(), expected, rtol=1e-13)
    closed = H.to_sympy()  # closed forms, among them entries two terms reach
    at = {e: point[int(e.indices[0])] for e in closed.atoms(sympy.Indexed)}
    np.testing.assert_allclose(np.array(closed.subs(at).evalf(30), dtype=float), expected, rtol=1e-13)
    assert sympy.expand(H[2, 2] - sympy.diff(f, xs[2], 2).subs({s: e for s in xs for e in at
                                                                if int(e.indices[0]) == int(str(s)[1:])})) == 0


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
                                  "reverse-over-reverse", "edge-pushing"])
def test_every_mode(mode):
    x = np.random.default_rng(2).normal(size=7)
    H = same_hessian(ROSENBROCK, {"x": x}, mode=mode, n=7)
    assert replayed(H, mode)


def test_parameters_shared_by_every_term_and_data_that_moves():
    """a and b are read by every term: each of their entries adds up m terms' (a balanced sum)."""
    m = 50
    rng = np.random.default_rng(3)
    point = {"a": 1.3, "b": 0.4, "y": rng.normal(size=m), "t": rng.uniform(size=m)}
    text = "sum((y[i] - a*exp(-b*t[i]))^2, i, 0, m-1)"
    H = same_hessian(text, point, wrt=["a", "b"], m=m)
    assert replayed(H)
    assert H.program.expanded_depth(H.labels[0]) < 20  # log2(50) additions deep, not 50


def test_moving_and_shared_parameters_together():
    n = 9
    rng = np.random.default_rng(4)
    text = "sum(c*(x[i+1] - x[i])^2 + sin(c*x[i])*y[i], i, 0, n-2)"
    point = {"x": rng.normal(size=n), "y": rng.normal(size=n - 1), "c": 0.7}
    H = same_hessian(text, point, n=n)
    assert replayed(H)
    H = same_hessian(text, point, wrt=["x", "c"], n=n)
    assert replayed(H)


def test_two_axes_and_a_stride():
    rng = np.random.default_rng(5)
    point = {"X": rng.normal(size=(5, 4))}
    H = same_hessian("sum(X[k, k]^2*X[k+1, k], k, 0, 3)", point)
    assert replayed(H)
    point = {"x": rng.normal(size=7)}
    H = same_hessian("sum(x[6-k]*x[k+1]^3, k, 0, 4)", point)  # one element moving down, one up
    assert replayed(H)
    point = {"x": rng.normal(size=12)}
    same_hessian("sum(x[2*k]*x[2*k+1]^3, k, 0, 5)", point)  # the parser records no copies here: the sweeps


def test_a_wrt_list_that_takes_some_terms_elements_falls_back_to_the_sweeps():
    x = np.random.default_rng(6).normal(size=6)
    H = same_hessian(ROSENBROCK, {"x": x}, wrt=["x[0]", "x[1]", "x[2]"], n=6)
    assert not replayed(H)


def test_a_branch_in_the_term():
    rng = np.random.default_rng(7)
    point = {"x": rng.normal(size=8)}
    same_hessian("sum(where(x[i] > 0, x[i]^3*x[i+1], x[i+1]^2), i, 0, 6)", point)


def test_other_shapes_keep_the_sweeps():
    H = sg.hessian("sum(x[i]^2, i, 0, 0)*y", sparse=True)  # no sum of copies at the top
    assert not replayed(H)


def test_the_program_pickles_prints_and_solves():
    import pickle

    from scipy.optimize import minimize
    n = 40
    H = sg.hessian(ROSENBROCK, sparse=True, n=n)
    assert replayed(H)
    assert "out[d2/dx[0]^2]" in str(H.program)
    h = pickle.loads(pickle.dumps(H.lambdify(vector=True)))
    fg = sg.value_and_grad(ROSENBROCK, vector=True, n=n)
    result = minimize(fg, np.full(n, -1.0), jac=True, hess=h, method="trust-constr",
                      options={"gtol": 1e-10, "maxiter": 500})
    np.testing.assert_allclose(result.x, np.ones(n), atol=1e-6)


# --------------------------------------------------------------------------- generated terms

_LEAVES = ["x[i]", "x[i+1]", "x[n-2-i]", "y[i]", "a", "2", "0.5"]  # x[n-2-i] meets x[i] mid-way


@st.composite
def terms(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_LEAVES))
    kind = draw(st.sampled_from(["+", "-", "*", "sin", "exp", "sq", "where"]))
    left = draw(terms(depth=depth - 1))
    if kind in ("sin", "exp"):
        return f"{kind}({left})" if kind == "sin" else f"exp(0.1*{left})"
    if kind == "sq":
        return f"({left})^2"
    right = draw(terms(depth=depth - 1))
    if kind == "where":
        return f"where({left} > 0, {right}, {left})"
    return f"({left}) {kind} ({right})"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(term=terms(), n=st.integers(3, 6), seed=st.integers(0, 2**16), wrt=st.sampled_from([None, "x", "xa"]))
def test_generated_terms_agree_with_the_sweeps(term, n, seed, wrt):
    text = f"sum({term} + x[i]*x[i+1], i, 0, n-2)"  # every term reads x[i] and x[i+1]
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = sg.parse(text, n=n)
        point = {"x": rng.normal(size=n)}
        if "y" in graph.indexed:
            point["y"] = rng.normal(size=graph.indexed["y"].shape)
        if "a" in graph.inputs:
            point["a"] = float(rng.normal())
        names = None if wrt is None else (["x"] if wrt == "x" else ["x", "a"])
        if names and "a" in names and "a" not in graph.inputs:
            names = ["x"]
        same_hessian(text, point, wrt=names, n=n)


def test_small_sums_keep_the_sweeps_and_large_ones_are_replayed(monkeypatch):
    """Below REPLAY_FROM terms the sweeps take about as long and fold the program further (``202 - t``)."""
    monkeypatch.setattr(term_replay, "REPLAY_FROM", 64)
    small, large = sg.hessian(ROSENBROCK, sparse=True, n=64), sg.hessian(ROSENBROCK, sparse=True, n=65)
    assert not replayed(small) and replayed(large)
    assert small.program.ops == hessian_program(sg.parse(ROSENBROCK, n=64), sparse=True)[0].ops
    x = np.random.default_rng(11).normal(size=65)
    _, _, at = swept(ROSENBROCK, n=65)
    np.testing.assert_allclose(large.at(x=x).toarray(), at(x=x).toarray(), rtol=1e-13)


def test_unused_wrt_names_warn_once():
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        sg.hessian(ROSENBROCK, wrt=["x", "zz"], sparse=True, n=8)
    assert len([w for w in caught if issubclass(w.category, sg.UnusedWrtWarning)]) == 1


@pytest.mark.parametrize("text", [
    "sum(x[3]^2*x[i], i, 0, 5)",  # a fixed element that a moving one reaches in copy 3
    "sum(x[i]^2*x[i], i, 0, 5)",  # one element read twice in the term
    "sum(x[i]*y[0]^2*x[i+1], i, 0, 4)",  # a fixed data element
    "c = x[2]^2\nsum(c*x[i], i, 0, 5)",  # a named intermediate every term reads, written once
    "sum(log(1+x[i]^2), i, 0, 4)",  # a diagonal only
    "sum(x[0]*x[i]^2, i, 0, 5)",  # the parser records no copies: the sweeps
])
def test_shapes_of_terms_against_the_sweeps(text):
    graph = sg.parse(text)
    rng = np.random.default_rng(12)
    point = {name: rng.normal(size=known.shape) for name, known in graph.indexed.items()}
    H = same_hessian(text, point)
    assert replayed(H) == (graph.copies is not None)


def test_a_dense_hessian_of_an_indexed_sum_is_replayed_too():
    """The logistic loss's dense Hessian by its weights: NumPy's X^T diag(s(1-s)) X; at 10,000 rows the closed
    forms are too large to build, and saying so took 11 s of sweeps over every row (now about 1 s)."""
    m, k = 80, 3
    text = "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1)"
    rng = np.random.default_rng(13)
    point = {"w": rng.normal(size=k), "b": 0.2, "X": rng.normal(size=(m, k)), "t": rng.choice([-1.0, 1.0], m)}
    H = sg.hessian(text, wrt=["w", "b"], m=m, k=k)
    assert replayed(H) and H.shape == (k + 1, k + 1)
    A = np.hstack([point["X"], np.ones((m, 1))])
    s = 1 / (1 + np.exp(-point["t"] * (point["X"] @ point["w"] + point["b"])))
    want = (A.T * (s * (1 - s))) @ A
    np.testing.assert_allclose(H.lambdify()(**point), want, rtol=1e-12)
    np.testing.assert_allclose(H.at(point), want, rtol=1e-12)
    swept = hessian_program(sg.parse(text, m=m, k=k), ["w", "b"])[0]
    got = H.program.evaluate(point)
    assert all(abs(got[label] - value) <= 1e-12 * max(1.0, abs(value)) for label, value in swept.evaluate(point).items())
    with pytest.raises(sg.ExpressionTooLargeError, match="sparse=True"):
        sg.hessian(ROSENBROCK, n=1500)  # more than a million entries: refused before anything is derived


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_hessp_of_terms_whose_parameters_move_is_the_replayed_hessian_times_p(backend, monkeypatch):
    """Rosenbrock's terms read x[i] and x[i+1]: their product cannot run over arrays of every term's data, so
    hessp derived the product's program for the whole sum (n = 10,000: ready in 3.8 s with the VM); it is now
    the sparse Hessian, replayed, times p (0.85 s).  The oracle: the product's own program (replay off)."""
    n, text = 30, "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2 + c*y[i]*x[i], i, 0, n-2)"
    rng = np.random.default_rng(14)
    x, p, y = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n - 1)
    replayed_product = sg.hessp(text, ["x"], n=n, backend=backend)
    monkeypatch.setattr(term_replay, "REPLAY_FROM", 10**9)
    swept_product = sg.hessp(text, ["x"], n=n, backend=backend)
    assert type(replayed_product.kernel).__name__ == "_SparseProduct"
    assert list(inspect.signature(replayed_product).parameters) == ["x", "p", "c", "y"]
    assert inspect.signature(replayed_product) == inspect.signature(swept_product)
    np.testing.assert_allclose(replayed_product(x, p, 0.5, y), swept_product(x, p, 0.5, y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(replayed_product(x, p, y=y, c=0.5), swept_product(x, p, 0.5, y), rtol=1e-12)
    with pytest.raises(sg.ArgumentError):
        replayed_product(x[:-1], p, 0.5, y)
    again = pickle.loads(pickle.dumps(replayed_product))
    np.testing.assert_allclose(again(x, p, 0.5, y), replayed_product(x, p, 0.5, y), rtol=0)
    low = (x.astype(np.float32), p.astype(np.float32), np.float32(0.5), y.astype(np.float32))
    assert replayed_product(*low).dtype == swept_product(*low).dtype


def test_newton_cg_with_the_replayed_product():
    from scipy.optimize import minimize
    n = 100
    fg = sg.value_and_grad(ROSENBROCK, vector=True, n=n)
    result = minimize(fg, np.full(n, -1.0), jac=True, hessp=sg.hessp(ROSENBROCK, ["x"], n=n), method="Newton-CG",
                      options={"xtol": 1e-10, "maxiter": 1000})
    np.testing.assert_allclose(result.x, np.ones(n), atol=1e-6)
