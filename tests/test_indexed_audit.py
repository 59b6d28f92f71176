"""Indexed inputs, reductions and data as a researcher uses them: edge sizes, every entry point agreeing.

Each test says what a user did and what was wrong before.
"""
from __future__ import annotations

import contextlib
import inspect
import json
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.cli import main as cli_main

TEXT = "a*sum(x[i]^2, i, 0, n-1) + b"


@contextlib.contextmanager
def _raising():
    """Every warning an error: these calls must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_empty_indexed_input_stays_an_input_of_the_graph():
    """x of size 0 (n=0) vanished from the function: evaluate(x=[]) said x was unknown."""
    g = sg.parse(TEXT, n=0)
    assert "x" in g.indexed and g.indexed["x"].shape == (0,)
    assert g.evaluate(a=2, b=1, x=[])[g.output] == 1.0
    with pytest.raises(sg.GraphError, match="missing value.*x"):
        g.evaluate(a=2, b=1)
    with pytest.raises(sg.GraphError, match=r"x takes an array.*\(0,\)"):
        g.evaluate(a=2, b=1, x=[1.0])
    batched = g.evaluate(a=[2.0, 3.0], b=1, x=np.empty((0, 2)))[g.output]
    assert batched.shape == (2,)


def test_empty_indexed_input_gradient_is_empty_without_warning():
    """grad(wrt=["x"]) warned that x was not in the function instead of giving an empty gradient."""
    with _raising():
        g = sg.grad(TEXT, wrt=["x", "a"], n=0)
    assert list(g.wrt) == ["a"]
    assert g.array("x").shape == (0,)
    values = g.at(x=[], a=2.0, b=1.0)
    assert values.array("x").shape == (0,)
    batch = g.at(x=np.empty((0, 3)), a=[1.0, 2.0, 3.0], b=1.0)
    assert batch.array("x").shape == (0, 3)
    for mode in ("forward", "reverse", "elimination", "paths"):
        with _raising():
            assert list(sg.grad(TEXT, wrt=["x"], mode=mode, n=0).wrt) == []


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_empty_indexed_input_is_a_parameter_of_compiled_functions(backend):
    """Compiled functions lost the parameter x at n=0, so a call written for any n (f(a, x, b)) broke at n=0."""
    f = sg.lambdify(TEXT, n=0, backend=backend)
    assert list(inspect.signature(f).parameters) == ["a", "x", "b"]
    assert float(f(2.0, [], 1.0)) == 1.0
    with _raising():
        fg = sg.value_and_grad(TEXT, wrt=["x", "a"], n=0, backend=backend)
    assert list(inspect.signature(fg).parameters) == ["a", "x", "b"]
    value, (dx, da) = fg(2.0, [], 1.0)
    assert float(value) == 1.0 and dx.shape == (0,) and float(da) == 0.0


@pytest.mark.parametrize("backend", ["numpy", "vm"])
@pytest.mark.parametrize("sizes", [{"n": 0}, {"n": 0, "x": 0}])
def test_empty_indexed_input_keeps_its_gradient_slot(backend, sizes):
    """value_and_grad and grad(...).lambdify() dropped the slot of an x of no elements: ``value, (dx, da) =
    f(a, x, b)`` failed at n = 0 only.  The slot is an empty array of x's shape and the batch axes, where
    wrt names x (or where the default wrt, every input, has it)."""
    text = "a*sum(x[i]^2, i, 0, n-1) + b"
    a, x, b = np.array([1.0, 2.0, 3.0]), np.empty((0, 3)), 1.0
    for wrt, slot in ((["x", "a"], 0), (["a", "x"], 1), (None, 1), ("x", 0), ([sympy.IndexedBase("x"), "b"], 0)):
        with _raising():
            fg = sg.value_and_grad(text, wrt=wrt, backend=backend, **sizes)
            g = sg.grad(text, wrt=wrt, **sizes).lambdify(backend=backend)
        for point, batch in (((2.0, [], 1.0), ()), ((a, x, b), (3,))):
            value, grads = fg(*point)
            assert np.shape(value) == batch and len(grads) == (1 if wrt == "x" else 2 if wrt else 3)
            assert grads[slot].shape == (0, *batch)
            assert [np.shape(d) for k, d in enumerate(grads) if k != slot] == [batch] * (len(grads) - 1)
            assert [np.shape(d) for d in g(*point)] == [np.shape(d) for d in grads]
    dx, da = sg.vjp(text, ["x", "a"], [1.0], **sizes).lambdify(backend=backend)(a, x, b)
    assert dx.shape == (0, 3) and da.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_empty_indexed_input_batch_axes_shape_every_result(dtype):
    """The batch axes of an x of no elements reached no kernel input, so NumPy's results ignored them (0-d
    for x of shape (0, 4) and a scalar b), as did the VM's on float32, while its float64 ones had them; nor
    did x's dtype vote."""
    text, x, b = "sum(x[i], i, 0, n-1) + b", np.empty((0, 4), dtype), dtype(1.0)
    for backend in ("numpy", "vm"):
        f = sg.lambdify(text, n=0, backend=backend)
        assert np.shape(f(x, b)) == (4,)
        assert f.array(x, b).shape == (1, 4)
        fg = sg.value_and_grad(text, n=0, backend=backend)
        value, (dx, db) = fg(x, b)
        assert value.tolist() == [1.0] * 4 and dx.shape == (0, 4) and db.tolist() == [1.0] * 4
        assert value.dtype == dx.dtype == db.dtype == dtype
        assert fg.array(x, b).tolist() == [[1.0] * 4] * 2  # the value and db: x has no row
        (alone,) = sg.grad("sum(x[i], i, 0, n-1)", wrt="x", n=0).lambdify(backend=backend)(x)
        assert alone.shape == (0, 4)
        # a Python number does not vote: the arrays' dtype decides, x's too (float32 x gave float64 here)
        assert f(x, 1.0).dtype == fg(x, 1.0)[1][0].dtype == dtype


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_empty_indexed_input_in_vector_form_is_parameter_or_data(backend):
    """value_and_grad(vector=True): an empty x named in wrt is held by the vector (in no entry), not data;
    not named, it is data, at the place where the text first writes it."""
    with _raising():
        held = sg.value_and_grad(TEXT, wrt=["x", "a"], vector=True, n=0, backend=backend)
    assert list(inspect.signature(held).parameters)[1:] == ["b"]
    value, gradient = held(np.array([2.0]), 1.0)
    assert value == 1.0 and gradient.tolist() == [0.0]
    data = sg.value_and_grad(TEXT, wrt=["a", "b"], vector=True, n=0, backend=backend)
    assert list(inspect.signature(data).parameters)[1:] == ["x"]
    assert data(np.array([2.0, 1.0]), [])[1].tolist() == [0.0, 1.0]
    assert list(inspect.signature(sg.value_and_grad(TEXT, wrt=["a", "b"], vector=True, n=3)).parameters)[1:] == ["x"]


@pytest.mark.parametrize("sparse", [False, True])
def test_empty_indexed_input_in_matrix_vector_forms_is_held_as_in_value_and_grad(sparse):
    """H.lambdify(vector=True) of hessian(wrt=["x", "a"]) at n=0 took the empty x as data (f(theta, x, b)),
    where value_and_grad(vector=True) and hessp hold it in the vector; every vector form now agrees: a
    Jacobian's and a Hessian's, dense and sparse, take (theta, b), and x stays data when wrt leaves it out."""
    expected = list(inspect.signature(sg.value_and_grad(TEXT, wrt=["x", "a"], vector=True, n=0)).parameters)[1:]
    assert expected == ["b"]
    for matrix in (sg.hessian(TEXT, wrt=["x", "a"], n=0, sparse=sparse),
                   sg.jacobian([TEXT], wrt=["x", "a"], n=0, sparse=sparse)):
        f = matrix.lambdify(vector=True)
        assert list(inspect.signature(f).parameters)[1:] == expected
        entries = f(np.array([2.0]), 1.0)
        assert (entries.toarray() if sparse else entries).tolist() == [[0.0]]
    whole = sg.hessian(TEXT, n=0, sparse=sparse).lambdify(vector=True)  # wrt=None: every input, x held too
    assert list(inspect.signature(whole).parameters)[1:] == []
    data = sg.hessian(TEXT, wrt=["a"], n=0, sparse=sparse).lambdify(vector=True)
    assert list(inspect.signature(data).parameters)[1:] == ["x", "b"]
    alone = sg.hessian(TEXT, wrt=["x"], n=0, sparse=sparse).lambdify(vector=True)  # a 0 x 0 Hessian
    assert list(inspect.signature(alone).parameters)[1:] == ["a", "b"]
    assert alone(np.array([]), 2.0, 1.0).shape == (0, 0)


def test_empty_reduction_keeps_every_input_and_the_data_order():
    """Logistic regression on m=0 rows lost t, X and b: the signature of the fit function changed with m."""
    nll = "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1)"
    full = sg.value_and_grad(nll, wrt=["w", "b"], vector=True, m=2, k=3)
    with _raising():
        empty = sg.value_and_grad(nll, wrt=["w", "b"], vector=True, m=0, k=3, w=3, X=(0, 3))
    assert list(inspect.signature(empty).parameters) == list(inspect.signature(full).parameters)
    value, gradient = empty(np.zeros(4), np.empty(0), np.empty((0, 3)))
    assert value == 0.0 and gradient.tolist() == [0.0] * 4
    assert sg.parse("sum(c*x[i], i, 0, n-1) + 1", n=0).inputs == ("c",)


def test_empty_indexed_input_in_residuals_and_hessp():
    """residuals() and hessp() took an empty x named in wrt as a data argument."""
    res = sg.residuals("y[k] - a*sum(x[i], i, 0, n-1)", wrt=["a", "x"], over=("k", 0, 1), n=0)
    assert list(inspect.signature(res.fun).parameters)[1:] == ["y"]
    assert res.fun(np.array([1.0]), [1.0, 2.0]).tolist() == [1.0, 2.0]
    assert res.jac(np.array([1.0]), [1.0, 2.0]).shape == (2, 1)
    hp = sg.hessp(TEXT, wrt=["x", "a"], n=0)
    assert hp(np.array([1.0]), np.array([1.0]), 2.0).tolist() == [0.0]


def test_uncalled_definition_makes_no_input():
    """The body of a definition no line calls is only checked: the inputs it writes are not the function's."""
    g = sg.parse("f(u) = u + sum(x[i], i, 0, n-1); y = a", n=0)
    assert g.inputs == ("a",) and not g.indexed
    called = sg.parse("f(u) = u + sum(x[i], i, 0, n-1); y = f(a)", n=0)
    assert "x" in called.indexed


def test_empty_indexed_input_used_without_indices_is_refused():
    """x written with indices in an empty range and without them elsewhere is one name used two ways."""
    with pytest.raises(sg.ParseError, match="indexed or not"):
        sg.parse("sum(x[i], i, 0, n-1) + x", n=0)
    with pytest.raises(sg.ParseError, match="indexed or not"):
        sg.parse("x + sum(x[i], i, 0, n-1)", n=0)
    with pytest.raises(sg.ParseError, match="takes 1 index"):
        sg.parse("sum(x[i], i, 0, n-1) + x[0, 1]", n=0)


def test_cli_takes_an_empty_list_for_an_empty_input(capsys):
    """--at "x=[]" was refused as an empty list, and leaving x out was refused too: no way to evaluate at n=0."""
    assert cli_main(["grad", TEXT, "--size", "n=0", "--at", "x=[]", "--at", "a=1", "--at", "b=2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["at"]["x"] == [] and data["value"] == 2.0
    assert cli_main(["grad", TEXT, "--size", "n=0", "--at", "a=1", "--at", "b=2"]) == 2
    assert "no value for x" in capsys.readouterr().err
    assert cli_main(["grad", TEXT, "--size", "n=2", "--at", "x=[]", "--at", "a=1", "--at", "b=2"]) == 2
    assert "x has 2 entries" in capsys.readouterr().err


def test_cli_says_why_the_derivative_of_an_empty_input_is_empty(capsys):
    """The command said "0 has no variables" of sum(x[i]^2, i, 0, n-1) at n = 0, a function of x."""
    for command, what in (("grad", "gradient"), ("hessian", "Hessian")):
        assert cli_main([command, "sum(x[i]^2, i, 0, n-1)", "--size", "n=0"]) == 0
        assert capsys.readouterr().out.strip() == f"# 0: x has no elements, so its {what} is empty"
    assert cli_main(["grad", "a*sum(x[i]^2, i, 0, n-1)", "--size", "n=0", "--wrt", "x"]) == 0
    assert "x has no elements" in capsys.readouterr().out
    assert cli_main(["grad", "3"]) == 0
    assert capsys.readouterr().out.strip() == "# 3 has no variables: its gradient is empty"


def test_array_of_entries_is_bounded_together():
    """Each entry of sum(x[i])^2's gradient holds the n-term sum: n^2 operations in all.  array() built them one by
    one, each under the per-entry bound (sympy for hours at n = 10,000); the bound now holds for them together."""
    g = sg.grad("sum(x[i], i, 0, n-1)^2", n=1000)
    with pytest.raises(sg.ExpressionTooLargeError, match=r"1,000 entries for 'x' have 1,000,000 operations.*limit=None"):
        g.array("x")
    with pytest.raises(sg.SymgraphError, match="limit="):
        g.array("x", limit=-1)
    small = sg.grad("sum(x[i], i, 0, n-1)^2", n=3)
    with pytest.raises(sg.ExpressionTooLargeError):
        small.array("x", limit=5)
    assert list(small.array("x", limit=None)) == list(small.array("x")) == [small[f"x[{i}]"] for i in range(3)]


def test_array_at_many_elements_answers_at_once():
    """array() matched each element's label against the entries' tuple, a scan per element: 106 s to find that
    100,000 entries are too large to build.  Values.array() did the same against a list."""
    g = sg.grad("sum(x[i], i, 0, n-1)^2", n=100_000)
    with pytest.raises(sg.ExpressionTooLargeError, match="100,000 entries"):
        g.array("x")
    values = g.at(x=np.arange(100_000.0))
    assert values.array("x").shape == (100_000,) and values.array("x")[0] == 2 * np.arange(100_000.0).sum()


def test_array_of_many_entries_is_built_as_the_entries_are():
    """The 60 entries of prod(1 + x[i])'s gradient (7,000 operations together) were each simplified by sympy
    (about 0.3 ms per operation); above BATCH_LIMIT together they are built as they are, all alike."""
    from symgraph.ir.simplify import BATCH_LIMIT
    g = sg.grad("prod(1 + x[i], i, 0, n-1)", n=60)
    assert sum(g.program.expanded_size(label) for label in g.labels) > BATCH_LIMIT
    entries = g.array("x")
    atoms = {str(a): a for a in entries[0].free_symbols}
    assert entries[0] == sympy.Mul(*[1 + atoms[f"x[{k}]"] for k in range(1, 60)])
    assert sg.grad("sum(x[i]^2*y, i, 0, n-1)", n=2).array("x")[1] == 2 * sympy.Symbol("y") * atoms["x[1]"]


def test_listings_write_elements_as_the_user_wrote_them():
    """A listing wrote an element by its node's name (``v1 = x_0 + 1``) beside ``out[x[0]]``: a name the user
    never wrote.  Programs, graphs, printed results and the command line now write ``x[0]``."""
    g = sg.grad("prod(1 + x[i], i, 0, n-1)*x[0]", n=3)
    for text in (g.program.listing(), g.graph.listing(), str(g.program), repr(sg.grad("sum(x[i]*y, i, 0, n-1)", n=500))):
        assert "x_" not in text and "x[0]" in text
    assert "v1 = x[0] + 1" in g.program.listing() and "out[x[0]] = " in g.program.listing()
    assert sg.grad("x[1]*y", "y").program.listing() == "out[y] = x[1]"  # a result that is an element
    out = json.loads(_cli_json(["grad", "prod(1 + x[i], i, 0, n-1)", "--size", "n=2", "--json"]))
    assert "x_" not in json.dumps(out)


def _cli_json(argv):
    import io
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert cli_main(argv) == 0
    return buffer.getvalue()


def test_array_checks_its_limit_whatever_the_size():
    """array(limit="a") on a small result compared 'a' with a count: a raw TypeError."""
    g = sg.grad("sum(x[i]^2, i, 0, n-1)", n=3)
    for bad in ("a", -1, True):
        with pytest.raises(sg.SymgraphError, match="limit= takes a number of operations"):
            g.array("x", limit=bad)
