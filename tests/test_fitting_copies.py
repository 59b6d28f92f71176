"""Residuals of a template over= as one copy's program over arrays (:class:`symgraph.backends.copies.CopiesKernel`).

The oracle is the same residuals written out as a list of texts, which are derived and compiled one by one
(tests/test_fitting.py checks that path against sympy and independent solvers).
"""
import os
import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import symgraph as sg
from symgraph.backends.copies import CopiesKernel

scipy_optimize = pytest.importorskip("scipy.optimize")


def kernel_of(res: sg.fitting.Residuals):
    """The kernel under the residuals' compiled function (the binder's, then the kernel it calls)."""
    return res.function.__wrapped__.__wrapped__


def written_out(template: str, index: str, first: int, count: int, **sizes: int) -> list[str]:
    """The copies of ``template`` as texts, its sizes written in (each a word of its own in every template here)."""
    for name, value in sizes.items():
        template = re.sub(rf"\b{name}\b", f"({value})", template)
    return [re.sub(rf"\b{index}\b", f"({first + j})", template) for j in range(count)]


def agree(res, ref, theta, data: dict, rtol: float = 1e-13) -> None:
    r1, j1 = res(theta, **data)
    r2, j2 = ref(theta, **data)
    if hasattr(j1, "toarray"):
        assert (j1.indices == j2.indices).all() and (j1.indptr == j2.indptr).all()
        j1, j2 = j1.toarray(), j2.toarray()
    np.testing.assert_allclose(r1, r2, rtol=rtol, atol=1e-300, equal_nan=True)
    np.testing.assert_allclose(j1, j2, rtol=rtol, atol=1e-300, equal_nan=True)
    assert r1.dtype == r2.dtype and j1.dtype == j2.dtype and r1.shape == r2.shape and j1.shape == j2.shape


RNG = np.random.default_rng(5)
M = 9
T, Y, X = np.linspace(0.0, 2.0, M + 2), RNG.normal(size=M + 2), RNG.normal(size=(M, 3))

CASES = [  # template, wrt, over, sizes, data, theta
    ("y[k] - (a*exp(-b*t[k]) + c)", ["a", "b", "c"], ("k", 0, "m-1"), {"m": M}, {"y": Y[:M], "t": T[:M]}, [1.0, 2.0, 0.5]),
    ("y[k+1] - y[k]*a", ["a"], ("k", 0, "m-1"), {"m": M}, {"y": Y[:M + 1]}, [0.3]),
    ("y[k] - sum(w[j]*X[k,j], j, 0, 2)", ["w"], ("k", 0, "m-1"), {"m": M}, {"y": Y[:M], "X": X}, [1.0, -2.0, 0.5]),
    ("y[k] - a*exp(-b*t[k]) - s", ["a", "b"], ("k", 0, "m-1"), {"m": M}, {"y": Y[:M], "t": T[:M], "s": 0.25}, [1.0, 2.0]),
    ("where(t[k] > 1, a*t[k], b^2) - y[0]", ["a", "b"], ("k", 0, "m-1"), {"m": M}, {"t": T[:M], "y": Y[:1]}, [1.0, 2.0]),
    ("y[m - k] - a*t[k]", ["a"], ("k", 1, "m"), {"m": M}, {"y": Y[:M], "t": T[:M + 1]}, [0.7]),
    ("y[k] + y[2] - a", ["a"], ("k", 0, 3), {}, {"y": Y[:4]}, [1.5]),  # y[k] is y[2] in the copy at k = 2
    ("log(1 + exp(-y[k]*(w[0]*t[k] + w[1])))", ["w"], ("k", 2, "m+1"), {"m": M}, {"y": Y[:M + 2], "t": T[:M + 2]}, [0.5, -1.0]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("sparse", [False, True])
def test_a_template_over_data_is_one_program_over_arrays_with_the_written_out_values(case, sparse):
    template, wrt, over, sizes, data, theta = case
    res = sg.residuals(template, wrt=wrt, over=over, sparse=sparse, **sizes)
    ref = sg.residuals(written_out(template, over[0], over[1], len(res.graph.outputs), **sizes), wrt=wrt, sparse=sparse)
    assert isinstance(kernel_of(res), CopiesKernel) and not isinstance(kernel_of(ref), CopiesKernel)
    assert len(res.program.graph.outputs) == 1  # the first residual's program
    assert res.data == ref.data and res.wrt == ref.wrt and res.__signature__ == ref.__signature__
    agree(res, ref, theta, data)
    agree(res, ref, np.array(theta, dtype=np.float32), data, rtol=1e-6)  # a vector not float64: element by element
    if sparse:
        assert (res.pattern != sg.jacobian_sparsity(res.graph, res.wrt)).nnz == 0


@pytest.mark.parametrize("backend", ["vm", "numba"])
def test_every_backend_runs_the_copies_kernel_to_the_same_numbers(backend):
    template, wrt, over, sizes, data, theta = CASES[0]
    res = sg.residuals(template, wrt=wrt, over=over, backend=backend, **sizes)
    ref = sg.residuals(template, wrt=wrt, over=over, **sizes)
    assert isinstance(kernel_of(res), CopiesKernel)
    agree(res, ref, theta, data)


def test_data_of_other_dtypes_and_as_lists_compute_as_the_written_out_residuals():
    res = sg.residuals("y[k] - a*t[k]^2 - b", wrt=["a", "b"], over=("k", 0, 4))
    ref = sg.residuals(written_out("y[k] - a*t[k]^2 - b", "k", 0, 5), wrt=["a", "b"])
    agree(res, ref, [2, 1], {"y": np.arange(5), "t": np.arange(5, dtype=np.int8)})  # integers computed in float64
    agree(res, ref, [2.0, 1.0], {"y": [1, 2, 3, 4, 5], "t": np.arange(5, dtype=np.float32)}, rtol=1e-6)
    r, _ = res([2.0, 1.0], y=np.arange(5, dtype=np.float32), t=np.arange(5, dtype=np.float32))
    assert r.dtype == np.float64  # a float64 vector votes for float64, as the written-out function's


def test_a_parameter_whose_index_moves_is_derived_copy_by_copy():
    """``w[k+1] - w[k]`` reads other parameters in each row: not one program over arrays, and still right."""
    res = sg.residuals("w[k+1] - w[k]", wrt=["w"], over=("k", 0, 4), sparse=True)
    assert not isinstance(kernel_of(res), CopiesKernel)
    w = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 9.0])
    r, J = res(w)
    np.testing.assert_array_equal(r, np.diff(w))
    np.testing.assert_array_equal(J.toarray(), np.eye(5, 6, 1) - np.eye(5, 6))


@pytest.mark.parametrize("template", ["y[k^2] - a", "y[2*k] - a", "y[k] - a*k", "y[k] + y[2] - a*y[k+2]"])
def test_templates_whose_copies_are_not_the_first_moved_stay_copy_by_copy(template):
    res = sg.residuals(template, wrt=["a"], over=("k", 0, 3))
    assert not isinstance(kernel_of(res), CopiesKernel)
    ref = sg.residuals(written_out(template, "k", 0, 4), wrt=["a"])
    agree(res, ref, [1.5], {"y": np.arange(float(res.graph.indexed["y"].shape[0]))})


def test_wrong_data_is_refused_as_by_the_written_out_residuals():
    res = sg.residuals("y[k] - a*t[k]", wrt=["a"], over=("k", 0, 4))
    ref = sg.residuals(written_out("y[k] - a*t[k]", "k", 0, 5), wrt=["a"])
    for args, kwargs in [((np.ones(5),), {}), ((np.ones(4), np.ones(5)), {}), ((np.ones(5), np.ones(5)), {"z": 1}),
                         ((np.ones(5), np.ones((5, 2))), {}), ((np.ones(5), "abc"), {})]:
        with pytest.raises(sg.SymgraphError) as ours:
            res.fun([1.0], *args, **kwargs)
        with pytest.raises(sg.SymgraphError) as theirs:
            ref.fun([1.0], *args, **kwargs)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    with pytest.raises(sg.SymgraphError, match="1 value"):
        res.fun([1.0, 2.0], np.ones(5), np.ones(5))


def test_unused_parameters_are_zero_columns():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.residuals("y[k] - a*t[k]", wrt=["z", "a"], over=("k", 0, 2), allow_unused=True)
    assert isinstance(kernel_of(res), CopiesKernel)
    r, J = res([5.0, 2.0], y=[1.0, 2.0, 3.0], t=[1.0, 1.0, 2.0])
    np.testing.assert_array_equal(r, [-1.0, 0.0, -1.0])
    np.testing.assert_array_equal(J, [[0.0, -1.0], [0.0, -1.0], [0.0, -2.0]])


def test_the_copies_residuals_pickle_and_fit_with_least_squares():
    t = np.linspace(0.0, 4.0, 200)
    y = 2.0 * np.exp(-1.3 * t) + 0.5
    res = sg.residuals("y[k] - (a*exp(-b*t[k]) + c)", wrt=["a", "b", "c"], over=("k", 0, "m-1"), m=200)
    again = pickle.loads(pickle.dumps(res))
    assert isinstance(kernel_of(again), CopiesKernel)
    np.testing.assert_array_equal(again.jac([1.0, 1.0, 0.0], y, t), res.jac([1.0, 1.0, 0.0], y, t))
    fit = scipy_optimize.least_squares(again.fun, [1.0, 1.0, 0.0], jac=again.jac, args=(y, t))
    np.testing.assert_allclose(fit.x, [2.0, 1.3, 0.5], rtol=1e-8)


def test_a_hundred_thousand_residuals_are_made_without_a_program_per_copy():
    """The template's program is one residual's: it does not grow with the residuals (before: 10^5 copies of it,
    and a derivation and NumPy compile taking about half a minute)."""
    small = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, 9))
    large = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, 99_999))
    assert len(large.program.instructions) == len(small.program.instructions)
    t = np.linspace(0.0, 1.0, 100_000)
    r, J = large([2.0, 1.0], np.exp(-t), t)
    np.testing.assert_allclose(r, np.exp(-t) - 2.0 * np.exp(-t), rtol=1e-15)
    np.testing.assert_allclose(J, np.column_stack([-np.exp(-t), 2.0 * t * np.exp(-t)]), rtol=1e-15)


#: leaves: the parameters, data elements that move with k, one that does not (c[1]) and plain data (s)
LEAVES = st.sampled_from(["a", "b", "y[k]", "y[k+1]", "t[k]", "c[1]", "s", "2", "0.5"])


def _node(children):
    unary = st.tuples(st.sampled_from(["sin", "exp", "tanh", "sqrt", "log"]), children).map(
        lambda p: f"{p[0]}(1 + ({p[1]})^2)" if p[0] in ("sqrt", "log") else f"{p[0]}({p[1]})")
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda p: f"({p[0]} {p[1]} {p[2]})")
    return unary | binary


TEMPLATES = st.recursive(LEAVES, _node, max_leaves=8).filter(lambda t: "[k" in t)


@settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 25)), deadline=None)
@given(template=TEMPLATES, first=st.integers(0, 3), count=st.integers(2, 6), sparse=st.booleans(),
       theta=st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2))
def test_generated_templates_agree_with_their_written_out_residuals(template, first, count, sparse, theta):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sg.residuals(template, wrt=["a", "b"], over=("k", first, first + count - 1), sparse=sparse,
                           allow_unused=True)
        ref = sg.residuals(written_out(template, "k", first, count), wrt=["a", "b"], sparse=sparse, allow_unused=True)
    shapes = {name: known.shape for name, known in res.graph.indexed.items()}
    rng = np.random.default_rng(len(template))
    data = {name: rng.normal(size=shape) for name, shape in shapes.items()}
    data.update({name: 0.75 for name in res.data if name not in shapes})
    with np.errstate(all="ignore"):
        agree(res, ref, theta, data, rtol=1e-12)


# -- value_and_grad(vector=True) of a sum whose terms are its first with data elements moved

NLL = "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1)"


def summed_both_ways(text: str, wrt, backend: str = "numpy", copies: bool = True, **sizes):
    """The sum compiled as one term over arrays (unless a term's nodes are shared in ways the copies' record
    cannot tell apart: ``copies=False``), and (times 1: not a bare sum) copy by copy."""
    fast = sg.value_and_grad(text, wrt=wrt, vector=True, backend=backend, **sizes)
    *lines, last = text.split("\n")
    slow = sg.value_and_grad("\n".join([*lines, f"({last})*1"]), wrt=wrt, vector=True, backend="vm" if backend == "numba" else backend,
                             **sizes)  # (numba compiles the 500 terms one by one for minutes)
    assert isinstance(fast.__wrapped__.__wrapped__, CopiesKernel) or not copies
    assert not isinstance(slow.__wrapped__.__wrapped__, CopiesKernel)
    assert fast.__signature__ == slow.__signature__ and fast.data == slow.data
    return fast, slow


def same_value_and_gradient(fast, slow, theta, *data, rtol=1e-13, **named):
    v1, g1 = fast(theta, *data, **named)
    v2, g2 = slow(theta, *data, **named)
    assert type(v1) is float and g1.shape == g2.shape and g1.dtype == g2.dtype
    np.testing.assert_allclose(v1, v2, rtol=rtol, equal_nan=True)
    np.testing.assert_allclose(g1, g2, rtol=rtol, atol=1e-300, equal_nan=True)


@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
def test_the_readme_logistic_loss_is_one_term_over_arrays_with_numpys_value_and_gradient(backend):
    rng = np.random.default_rng(3)
    X, t = rng.normal(size=(500, 3)), np.where(rng.random(500) < 0.5, 1.0, -1.0)
    fast, slow = summed_both_ways(NLL, ["w", "b"], backend, m=500, k=3)
    theta = np.array([0.5, -1.0, 2.0, 0.25])
    same_value_and_gradient(fast, slow, theta, t, X)
    z = -t * (X @ theta[:3] + theta[3])
    value, gradient = fast(theta, t=t, X=X)
    np.testing.assert_allclose(value, np.logaddexp(0.0, z).sum(), rtol=1e-13)
    s = 1 / (1 + np.exp(-z)) * -t
    np.testing.assert_allclose(gradient, np.append(X.T @ s, s.sum()), rtol=1e-12)


SUMS = [  # text, wrt, data
    ("sum((y[i] - a*x[i] - b)^2, i, 0, 6)", ["a", "b"], {"y": np.arange(7.0) ** 0.5, "x": np.arange(7.0)}),
    ("sum(a*y[i]*y[i+1] + exp(-b*y[i+2]), i, 1, 5)", ["a", "b"], {"y": np.linspace(-1.0, 1.0, 8)}),
    ("sum(a^2*c[0] + b, i, 0, 4)", ["a", "b"], {"c": np.array([3.0])}),  # the same term five times
    ("sum(where(y[i] > 0, a*y[i], b*y[i]^2), i, 0, 5)", ["a", "b"], {"y": np.linspace(-1.0, 1.0, 6)}),
    ("sum(log(1 + exp(a*x[i, 0] + b*x[i, 1])) - s*y[i], i, 0, 3)", ["a", "b"],
     {"x": np.arange(8.0).reshape(4, 2) / 8, "s": 0.5, "y": np.ones(4)}),
]


@pytest.mark.parametrize("text, wrt, data", SUMS, ids=[s[0] for s in SUMS])
def test_a_sum_of_moved_terms_is_its_first_term_over_arrays(text, wrt, data):
    fast, slow = summed_both_ways(text, wrt)
    same_value_and_gradient(fast, slow, [0.7, -0.3], **data)
    same_value_and_gradient(fast, slow, np.array([0.7, -0.3], dtype=np.float32), rtol=1e-6, **data)
    again = pickle.loads(pickle.dumps(fast))
    same_value_and_gradient(again, slow, [0.7, -0.3], **data)


@pytest.mark.parametrize("text, wrt", [
    ("sum((w[i] - y[i])^2, i, 0, 4)", ["w"]),  # a parameter that moves: each term reads another
    ("1 + sum(a*y[i], i, 0, 4)", ["a"]),  # the sum is not the function
    ("prod(a + y[i], i, 0, 4)", ["a"]),  # a product's gradient is no sum of its factors'
    ("sum(a*y[i^2], i, 0, 2)", ["a"]),  # an index the parser evaluates
])
def test_other_functions_of_sums_compile_as_before(text, wrt):
    fn = sg.value_and_grad(text, wrt=wrt, vector=True)
    assert not isinstance(fn.__wrapped__.__wrapped__, CopiesKernel)
    g = sg.grad(text, wrt=wrt)
    data = {name: np.linspace(0.5, 1.5, known.shape[0]) for name, known in sg.parse(text).indexed.items()
            if name not in wrt}
    theta = np.linspace(0.1, 0.9, len(g.wrt))
    value, gradient = fn(theta, **data)
    point = {**dict(zip(g.wrt, theta)), **data}
    np.testing.assert_allclose(gradient, [g.at(point)[x] for x in g.wrt], rtol=1e-12)


@pytest.mark.parametrize("first, copies", [(0, True), (1, False), (2, True)])
def test_an_element_read_before_the_sum_stays_where_it_is(first, copies):
    """``c = y[1]*2`` before the sum: when the first term's y[i] is c's y[1] (i from 1), the term's elements cannot
    move without moving c's (copy by copy); otherwise y[1] is data that every term reads unmoved (the term at
    i = 1 reads it twice)."""
    text = f"c = y[1]*2\nsum(c*a*y[i], i, {first}, 4)"
    fast, slow = summed_both_ways(text, ["a"], copies=copies)
    assert isinstance(fast.__wrapped__.__wrapped__, CopiesKernel) is copies
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    value, gradient = fast([1.5], y)
    assert value == pytest.approx(4 * 1.5 * y[first:].sum()) and gradient == pytest.approx([4 * y[first:].sum()])
    same_value_and_gradient(fast, slow, [1.5], y)


def test_wrong_data_for_a_sum_is_refused_as_before():
    fast, slow = summed_both_ways("sum((y[i] - a*x[i])^2, i, 0, 4)", ["a"])
    for args, kwargs in [((np.ones(5),), {}), ((np.ones(4), np.ones(5)), {}), ((np.ones(5), np.ones(5)), {"z": 1}),
                         ((np.ones((5, 2)), np.ones(5)), {}), (("abc", np.ones(5)), {})]:
        with pytest.raises(sg.SymgraphError) as ours:
            fast([1.0], *args, **kwargs)
        with pytest.raises(sg.SymgraphError) as theirs:
            slow([1.0], *args, **kwargs)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


SUM_LEAVES = st.sampled_from(["a", "b", "y[i]", "y[i+1]", "x[i, 0]", "c[1]", "s", "2", "0.5"])
SUM_TERMS = st.recursive(SUM_LEAVES, _node, max_leaves=8).filter(lambda t: "[i" in t)


@settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 25)), deadline=None)
@given(term=SUM_TERMS, first=st.integers(0, 3), count=st.integers(2, 6), named=st.booleans(),
       theta=st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2))
def test_generated_sums_agree_with_their_terms_compiled_one_by_one(term, first, count, named, theta):
    """``named``: the term also reads an element through a name assigned before the sum, which a term may
    read too (y[1] at i = 1: then no copies), and which never moves."""
    text = f"sum({term}, i, {first}, {first + count - 1})"
    if named:
        text = f"u = y[1]*2 + x[0, 1]\n" + text.replace(f"sum({term},", f"sum(({term})*u,")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast, slow = summed_both_ways(text, ["a", "b"], copies=False, allow_unused=True)  # (a*y[i] + y[i]*a: not)
    graph = sg.parse(text)
    rng = np.random.default_rng(len(term))
    data = {name: rng.normal(size=known.shape) for name, known in graph.indexed.items()}
    data.update({name: 0.75 for name in fast.data if name not in data})
    with np.errstate(all="ignore"):
        same_value_and_gradient(fast, slow, theta, rtol=1e-11, **data)


# -- hessp of such a sum: the first term's Hessian-vector product over arrays, added up

def test_hessp_of_the_logistic_loss_is_one_term_over_arrays_and_fits_with_newton_cg():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(400, 3))
    z = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    t = np.where(rng.random(400) < 1 / (1 + np.exp(-z)), 1.0, -1.0)
    hp = sg.hessp(NLL, wrt=["w", "b"], m=400, k=3)
    slow = sg.hessp(NLL.replace(", r, 0, m-1)", ", r, 0, m-1)*1"), wrt=["w", "b"], m=400, k=3)
    assert isinstance(hp.kernel.__wrapped__.__wrapped__, CopiesKernel)
    assert not isinstance(slow.kernel.__wrapped__.__wrapped__, CopiesKernel)
    assert hp.__signature__ == slow.__signature__
    theta, p = np.array([0.5, -1.0, 2.0, 0.25]), np.array([1.0, -2.0, 3.0, 0.5])
    A = np.hstack([X, np.ones((400, 1))])
    s = 1 / (1 + np.exp(t * (A @ theta)))
    np.testing.assert_allclose(hp(theta, p, t, X), (A * (s * (1 - s))[:, None]).T @ A @ p, rtol=1e-12)
    np.testing.assert_allclose(hp(theta, p, t=t, X=X), slow(theta, p, t, X), rtol=1e-13)
    again = pickle.loads(pickle.dumps(hp))
    np.testing.assert_array_equal(again(theta, p, t, X), hp(theta, p, t, X))
    fn = sg.value_and_grad(NLL, wrt=["w", "b"], vector=True, m=400, k=3)
    fit = scipy_optimize.minimize(fn, np.zeros(4), jac=True, hessp=hp, method="Newton-CG", args=(t, X),
                                  options={"xtol": 1e-12})
    assert fit.success and np.linalg.norm(fn(fit.x, t, X)[1]) < 1e-8
    with pytest.raises(sg.SymgraphError) as ours:
        hp(theta, p, t, X[:, :2])
    with pytest.raises(sg.SymgraphError) as theirs:
        slow(theta, p, t, X[:, :2])
    assert str(ours.value) == str(theirs.value)


def test_hessp_of_a_sum_whose_parameters_move_is_derived_term_by_term():
    hp = sg.hessp("sum(w[i]^2*y[i] + w[i]*w[i+1], i, 0, 3)", wrt=["w"])
    assert not isinstance(hp.kernel.__wrapped__.__wrapped__, CopiesKernel)
    y, w, p = np.array([1.0, 2.0, 3.0, 4.0]), np.arange(5.0), np.array([1.0, 0.0, 0.0, 0.0, 1.0])
    H = np.diag([*(2 * y), 0.0]) + np.eye(5, k=1) + np.eye(5, k=-1)
    np.testing.assert_allclose(hp(w, p, y), H @ p)
