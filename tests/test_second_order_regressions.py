"""Regressions found reviewing second-order and sparse features as researchers use them with scipy's solvers."""
import numpy as np
import pytest

import symgraph as sg
from symgraph import names as names_module

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def test_hessp_names_its_direction_in_linear_time(monkeypatch):
    """hessp named its n direction inputs with n calls of Namer.fresh("p"), each walking p, p1, p2, ... from
    the start: n^2/2 look-ups (40 s at n = 10,000).  Counted, not timed."""
    calls = []
    original = names_module.Namer.__contains__
    monkeypatch.setattr(names_module.Namer, "__contains__", lambda self, name: calls.append(1) or original(self, name))
    n = 400
    hp = sg.hessp(ROSENBROCK, ["x"], n=n)
    assert len(calls) < 4 * n
    x, p = np.linspace(0.5, 1.5, n), np.linspace(-1.0, 1.0, n)
    dense = sg.hessian(ROSENBROCK, sparse=True, n=n).lambdify()(x).toarray()
    np.testing.assert_allclose(hp(x, p), dense @ p, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_a_hessian_takes_the_vector_and_data_that_minimize_passes(sparse):
    """``hess(x, *args)`` is how minimize calls a Hessian; ``.lambdify()`` takes the inputs one by one in
    first-appearance order, so with a data input ``a`` before ``x`` the point was bound to ``a``, and a
    function of scalars needed ``lambda v: hess(*v)``.  ``.lambdify(vector=True)`` takes them as minimize does."""
    optimize = pytest.importorskip("scipy.optimize")
    text = "sum(a*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
    fg = sg.value_and_grad(text, wrt=["x"], vector=True, n=6)
    matrix = sg.hessian(text, ["x"], sparse=sparse, n=6)
    hess = matrix.lambdify(vector=True)
    assert list(__import__("inspect").signature(hess).parameters) == ["x", "a"]
    point = np.linspace(0.5, 1.5, 6)
    want = matrix.lambdify()(a=100.0, x=point)
    got = hess(point, 100.0)
    assert (got.toarray() if sparse else got).tolist() == (want.toarray() if sparse else want).tolist()
    result = optimize.minimize(fg, np.full(6, 1.2), jac=True, method="trust-constr", hess=hess, args=(100.0,),
                               options={"gtol": 1e-10})
    np.testing.assert_allclose(result.x, np.ones(6), atol=1e-6)

    scalar = "(1 - x)^2 + 100*(y - x^2)^2"
    fg = sg.value_and_grad(scalar, wrt=["x", "y"], vector=True)
    hess = sg.hessian(scalar, ["x", "y"], sparse=sparse).lambdify(vector=True)
    for method in ("trust-constr", "Newton-CG") if sparse else ("trust-constr", "Newton-CG", "trust-exact"):
        result = optimize.minimize(fg, [0.0, 0.0], jac=True, method=method, hess=hess)
        np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-4)
    with pytest.raises(sg.GraphError, match=r"1-D vector of 2 values \(x, y\)"):
        hess([1.0, 2.0, 3.0])


def test_a_jacobian_takes_the_vector_and_data_and_refuses_what_does_not_apply():
    for sparse in (False, True):
        jac = sg.jacobian(["x*y", "x + a*y"], ["x", "y"], sparse=sparse).lambdify(vector=True)
        got = jac([1.0, 2.0], 3.0)
        assert (got.toarray() if sparse else got).tolist() == [[2.0, 1.0], [1.0, 3.0]]
        data = jac.data([1.0, 2.0], a=3.0) if sparse else None
        assert data is None or data.tolist() == [2.0, 1.0, 1.0, 3.0]
    matrix = sg.hessian("x^2*y", ["x", "y"])
    with pytest.raises(sg.SymgraphError, match="args= does not apply"):
        matrix.lambdify(vector=True, args=["y", "x"])
    with pytest.raises(sg.SymgraphError, match="intermediate|not inputs"):
        sg.jacobian(["c = x*y; c + x"], ["c", "x"]).lambdify(vector=True)
    assert matrix.lambdify(vector=True)([1, 2]).dtype == np.float64  # integers in, float64 out


def test_hessp_by_no_variables_is_refused_as_every_vector_form_refuses_it():
    """hessp's kernel returned (names[0], names) to borrow value_and_grad's layout: wrt=[] raised IndexError.
    Then it compiled a product of empty vectors with every input data, which value_and_grad(vector=True) refuses."""
    with pytest.raises(sg.ArgumentError, match=r"hessp\(\) takes a vector of the wrt names' values, and wrt is empty"):
        sg.hessp("x*y", [])
    out = sg.hessp("3")([], [])  # a function of no inputs: its empty vectors
    assert out.shape == (0,) and out.dtype == np.float64
    assert sg.hessp("x^2*a", ["x"])([1.0], [1.0], 3.0).tolist() == [6.0]


@pytest.mark.parametrize("seed", [float("nan"), float("inf"), -np.inf, np.float32("nan")], ids=repr)
@pytest.mark.parametrize("call", ["jvp", "vjp", "hvp"])
def test_a_seed_that_is_not_finite_is_refused(call, seed):
    """A nan seed gave entries that are all nan, an inf one ``oo*x`` (nan wherever x = 0), without a word."""
    sympy = pytest.importorskip("sympy")
    with pytest.raises(sg.SymgraphError, match="must be finite"):
        getattr(sg, call)("x^2*y", ["x", "y"] if call != "vjp" else None, [seed, 1.0] if call != "vjp" else [seed])
    with pytest.raises(sg.SymgraphError, match="must be finite"):
        sg.jvp("x^2*y", ["x", "y"], [sympy.nan if np.isnan(seed) else sympy.oo, 1])
    assert sg.hvp("x^2*y", ["x", "y"], [np.int64(2), 0])["y"] == 4 * sympy.Symbol("x")  # finite numbers stay seeds


@pytest.mark.parametrize("extra", [[], ["--at", "x=1", "y=2"]], ids=["closed forms", "at a point"])
def test_cli_prints_a_sparse_hessian_without_nonzeros(capsys, extra):
    """`symgraph hessian "3*x + y" --sparse --at ...` failed with "max() arg is an empty sequence"."""
    from symgraph.cli import main
    status = main(["hessian", "3*x + y", "--sparse", *extra])
    captured = capsys.readouterr()
    assert status == 0 and captured.err == ""
    assert captured.out.strip() == "# 2x2 sparse Hessian of f: 0 structural nonzeros, 0 on and above the diagonal"


def test_printing_a_product_builds_symbols_only_for_the_inputs_its_entries_read(monkeypatch):
    """A closed form made a Symbol for every input of the program first: 1.4 s of a 20-entry repr of an
    hvp at 10,000 inputs went to symbols no shown entry reads.  Counted, not timed."""
    from symgraph.ir.graph import Graph
    n = 2_000
    product = sg.hvp(ROSENBROCK, ["x"], ["v"] * n, n=n)
    made = []
    original = Graph.symbol
    monkeypatch.setattr(Graph, "symbol", lambda self, node: made.append(node) or original(self, node))
    text = repr(product)
    assert text.startswith("HVP({'x[0]': ") and "more" in text
    assert len(made) < 200
    sympy = pytest.importorskip("sympy")
    atoms = product["x[1]"].atoms(sympy.Symbol, sympy.Indexed)  # still the graph's own x[i] (Indexed elements)
    assert {str(a) for a in atoms if not isinstance(a, sympy.Symbol) or a.name == "v"} == {"v", "x[0]", "x[1]", "x[2]"}
