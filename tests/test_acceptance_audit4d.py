"""Regressions found by a user-level acceptance audit of second order (issue 18) and compiled evaluation (issue 19)."""
import warnings

import numpy as np
import pytest

import symgraph as sg
from symgraph.backends import chunk as chunk_module
from symgraph.backends import compile as compile_module
from symgraph.derivative_map import Gradient

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


class _Counted(str):
    """A seed key that counts how often it is compared."""

    compared = 0

    def __eq__(self, other):
        type(self).compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_hvp_reads_seeds_by_name_in_linear_time():
    """A mapping of seeds was checked with list scans, every wrt name against every key: n^2 comparisons
    (an indexed input's n seeds as one array, {"x": [...]}, took 7 s at n = 20,000).  Counted, not timed."""
    n = 600
    seeds = {_Counted(f"x[{i}]"): 1.0 for i in range(n)}
    _Counted.compared = 0
    product = sg.hvp(ROSENBROCK, ["x"], seeds, n=n)
    assert _Counted.compared < 10 * n
    point = np.linspace(0.5, 1.5, n)
    dense = sg.hessian(ROSENBROCK, sparse=True, n=n).lambdify()(point).toarray()
    np.testing.assert_allclose(product.lambdify()(point)[0], dense @ np.ones(n), rtol=1e-12)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_a_bad_simplify_is_refused_by_hessian_and_jacobian_with_sparse_too(sparse):
    """sparse=True took simplify="bogus" (or 0) silently: only the dense matrix read the option."""
    for bad in ("bogus", 0):
        with pytest.raises(sg.ArgumentError, match="simplify must be"):
            sg.hessian("x^2*y", sparse=sparse, simplify=bad)
        with pytest.raises(sg.ArgumentError, match="simplify must be"):
            sg.jacobian(["x*y", "x+y"], sparse=sparse, simplify=bad)


def _refuse_work(monkeypatch):
    """Make every derivation and every compile fail loudly: an option error must come before them."""
    def no(*args, **kwargs):
        raise AssertionError("work was done before the options were checked")
    for module, name in [("symgraph.derive", "jacobian_program"), ("symgraph.derive", "gradient_program"),
                         ("symgraph.fitting", "jacobian_program"), ("symgraph.fitting", "jacobian_sparsity"),
                         ("symgraph.derive", "jacobian_sparsity"), ("symgraph.hessian_vector", "hvp"),
                         ("symgraph.compiled", "grad"), ("symgraph.compiled", "graph_program")]:
        monkeypatch.setattr(f"{module}.{name}", no)


@pytest.mark.parametrize("call, error", [
    (lambda: sg.lambdify(ROSENBROCK, n=5, chunk=0), "chunk must be a positive integer"),
    (lambda: sg.lambdify(ROSENBROCK, n=5, backend="nmuba"), "unknown backend 'nmuba'"),
    (lambda: sg.lambdify(ROSENBROCK, n=5, parallel=True), "parallel=True needs backend='numba'"),
    (lambda: sg.lambdify(ROSENBROCK, n=5, xp="numpy"), "xp= takes an array namespace"),
    (lambda: sg.lambdify(ROSENBROCK, n=5, progress="yes"), "progress must be"),
    (lambda: sg.value_and_grad(ROSENBROCK, n=5, chunk=0), "chunk must be a positive integer"),
    (lambda: sg.value_and_grad(ROSENBROCK, n=5, backend="nmuba"), "unknown backend"),
    (lambda: sg.value_and_grad(ROSENBROCK, n=5, vector=True, chunk=10), "chunk= does not apply"),
    (lambda: sg.value_and_grad(ROSENBROCK, n=5, parallel=True, backend="vm"), "parallel=True needs"),
    (lambda: sg.hessp(ROSENBROCK, ["x"], n=5, backend="nmuba"), "unknown backend"),
    (lambda: sg.residuals(["x - 1", "x*y"], ["x", "y"], backend="nmuba"), "unknown backend"),
    (lambda: sg.residuals(["x - 1", "x*y"], ["x", "y"], sparse=True, mode="bogus"), "unknown mode 'bogus'"),
    (lambda: sg.jacobian(["x*y", "x+y"], sparse=True, mode="bogus"), "unknown mode 'bogus'"),
])
def test_compile_and_mode_options_are_refused_before_any_work(monkeypatch, call, error):
    """These options need no program, but were checked after the derivation (and chunk= after the code
    was generated): ``value_and_grad(chunk=0)`` of Rosenbrock at n = 30,000 said so after 22 s."""
    _refuse_work(monkeypatch)
    with pytest.raises(sg.SymgraphError, match=error):
        call()


def test_a_gradients_compile_checks_chunk_before_generating_code(monkeypatch):
    gradient = sg.grad(ROSENBROCK, n=5)
    assert isinstance(gradient, Gradient)

    def no(*args, **kwargs):
        raise AssertionError("code was generated before chunk= was checked")
    monkeypatch.setattr(compile_module, "numpy_kernel", no)
    with pytest.raises(sg.ArgumentError, match="chunk must be a positive integer, got 0"):
        gradient.lambdify(chunk=0)
    with pytest.raises(sg.ArgumentError, match="chunk must be a positive integer"):
        sg.hessian(ROSENBROCK, sparse=True, n=5).lambdify(chunk=2.5)


def test_valid_compile_options_still_compile():
    """The checks moved ahead of the work; what they let through is unchanged."""
    point = np.linspace(0.5, 1.5, 4)
    want = sg.grad(ROSENBROCK, n=4).lambdify()(point)[0]
    for options in [{}, {"chunk": np.int64(2)}, {"backend": "vm"}]:
        got = sg.value_and_grad(ROSENBROCK, n=4, **options)(point)[1][0]
        np.testing.assert_allclose(got, want, rtol=1e-13)
    assert chunk_module.checked_chunk(np.int32(3)) == 3
    value, gradient = sg.value_and_grad(ROSENBROCK, wrt=["x"], n=4, vector=True, xp=np)(point)
    np.testing.assert_allclose(gradient, want, rtol=1e-13)


def test_compare_of_second_order_refuses_a_path_limit():
    """compare(order=2) compares Hessian strategies, none of which enumerates paths: path_limit= was read by
    nothing (and the comparison ran anyway), where grad(limit=) with another mode than paths is refused."""
    with pytest.raises(sg.ArgumentError, match="path_limit=5 bounds the path sum of order=1"):
        sg.compare("x^2*y", order=2, path_limit=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sg.compare("x^2*y", path_limit=5)["reverse"].sweeps == 1


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "edge-pushing"])
def test_a_hessian_carries_the_cost_of_its_derivation(mode):
    """A Jacobian's ``.cost`` is its derivation's report, as a gradient's; a Hessian's was None (dense) or
    absent (sparse, and a sparse Jacobian's too), although the derivation counts it: the figures are the
    strategy's row of compare(order=2)."""
    row = sg.compare(ROSENBROCK, order=2, n=12).to_dict()[mode]
    for sparse in (False, True):
        cost = sg.hessian(ROSENBROCK, mode=mode, sparse=sparse, n=12).cost
        assert isinstance(cost, sg.CostReport)
        got = cost.to_dict()[mode]
        assert (got["sweeps"], got["multiplications"], got["program_ops"]) == \
            (row["sweeps"], row["multiplications"], row["program_ops"])
    jacobian = sg.jacobian(["x*y", "sin(x)"], sparse=True)
    assert isinstance(jacobian.cost, sg.CostReport) and "mode='auto' chose" in jacobian.cost.note


def test_a_function_that_cannot_pickle_says_so_with_a_symgraph_error():
    """Pickling a numba function raised a bare pickle.PicklingError; it is a SymgraphError now, and still a
    PicklingError (what pickle raises for what it cannot pickle, and what Dask's serialisation catches)."""
    pytest.importorskip("numba")
    import pickle
    # numba functions pickle now (compiled again where loaded), except those calling a registered function
    handle = sg.function("cube", numpy=np.cbrt, derivatives=["1/(3*cube(x)^2)"])
    try:
        for function in (sg.lambdify("x*cube(y)", backend="numba"),
                         sg.value_and_grad("x*cube(y)", vector=True, backend="numba"),
                         sg.hessian("x^2*cube(y)").lambdify(backend="numba")):
            with pytest.raises(sg.NotPicklableError, match="cannot be pickled") as caught:
                pickle.dumps(function)
            assert isinstance(caught.value, pickle.PicklingError)
    finally:
        handle.remove()


def test_seeds_name_an_indexed_input_given_to_wrt_as_sympy():
    """wrt takes the IndexedBase (or MatrixSymbol) for every element, as it takes the name "x"; the seeds of
    hvp and jvp then took one array for it only when wrt said "x" (the IndexedBase gave "v has 1 component(s)
    but there are 3"), and a mapping keyed by the IndexedBase or by its elements x[0] was refused."""
    sympy = pytest.importorskip("sympy")
    text = "sum(x[i]^2*x[i+1], i, 0, n-2) + y^2"
    x, y = sympy.IndexedBase("x"), sympy.Symbol("y")
    want = sg.hvp(text, ["x", "y"], [[1, 0, 0], 1], n=3)
    for wrt, v in [([x, y], [[1, 0, 0], 1]), ([x, y], {x: [1, 0, 0], y: 1}),
                   (["x", "y"], {x[0]: 1, x[1]: 0, x[2]: 0, "y": 1})]:
        assert dict(sg.hvp(text, wrt, v, n=3)) == dict(want)
        assert dict(sg.jvp(text, wrt, v, n=3)) == dict(sg.jvp(text, ["x", "y"], [[1, 0, 0], 1], n=3))
    matrix = sympy.MatrixSymbol("A", 2, 2)
    product = sg.hvp(matrix[0, 1]**2*matrix[1, 0], [matrix], {matrix: [[0, 1], [0, 0]]})
    assert product.at(A=[[0.0, 3.0], [5.0, 0.0]]) == {"A[0, 0]": 0.0, "A[0, 1]": 10.0, "A[1, 0]": 6.0, "A[1, 1]": 0.0}
