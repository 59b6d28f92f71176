"""Dense Jacobians and Hessians print in bounded time: sympy's Matrix text when small, else a let-listing."""
import inspect

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph import matrices
from symgraph.export.notebook_latex import notebook_math
from symgraph.matrices import PRINT_OPS

#: a two-layer tanh network: each entry of its Hessian is thousands of operations written out
MLP = "+".join(f"tanh({'+'.join(f'w{i}_{j}*x{j}' for j in range(12))})" for i in range(12))
X = [f"x{j}" for j in range(12)]


def test_small_matrices_print_as_sympy_prints_them():
    H = sg.hessian("x^2*y")
    assert repr(H) == repr(sympy.Matrix(H)) and str(H) == str(sympy.Matrix(H))
    J = sg.jacobian(["x*y"])
    assert J._repr_latex_() == r"$\displaystyle \frac{\partial f}{\partial \left(x, y\right)} = \begin{pmatrix}y & x\end{pmatrix}$"  # as J.latex()
    # an entry over the LaTeX writers' size for one formula, within what a matrix prints: written whole, as sympy
    # wrote it, not as a name and a let-listing, which a notebook runs together on one line
    J = sg.jacobian(["(" + "+".join(f"sin(x*{k} + y)" for k in range(1, 12)) + ")^2", "x*y"])
    shown = J._repr_latex_()
    assert r"\cos" in shown and "t_{" not in shown and "%" not in shown and "\n" not in shown


@pytest.mark.parametrize("make", [lambda: sg.jacobian(["relu(x)*y", "W[0,1]*x"]),
                                  lambda: sg.hessian("relu(x)*y^2 + W[0,1]*x^2").T],  # sympy made this one
                         ids=["jacobian", "derived"])
def test_notebook_shows_a_matrix_as_its_latex_method_writes_it(make):
    # a Jacobian showed sympy's LaTeX: relu' as \theta\left(x, 0\right) and W[0,1] as {W}_{0,1}, while its latex(),
    # to_latex() and every gradient and Hessian write a cases block and W_{0,1}
    M = make()
    shown = M._repr_latex_()
    assert shown == notebook_math(M.latex(expand=True)) and r"\theta" not in shown and "{W}" not in shown
    assert r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}" in shown and "W_{0,1}" in shown


def test_large_entries_print_their_program_not_their_closed_forms(monkeypatch):
    # sympy took minutes and wrote 20 MB for a 30x30 network Hessian; the text is now the program's first lines
    H = sg.hessian(MLP, wrt=X)
    assert sum(H.program.expanded_size(label) for label in {c for row in H.cells for c in row}) > PRINT_OPS
    text = repr(H)
    assert text.startswith("DerivativeMatrix: 12x12 Hessian, 78 distinct nonzero entries, too large to print")
    assert "out[d2/dx0^2]" in text and "M.lambdify()" in text and len(text) < 5_000
    assert str(H) == text
    J = sg.jacobian([MLP], wrt=X[:6])
    assert repr(J).startswith("Matrix([")  # under the limit
    monkeypatch.setattr(matrices, "PRINT_OPS", 1_000)
    assert repr(J).startswith("DerivativeMatrix: 1x6 matrix") and J._repr_latex_() is None  # the text shows
    assert J[0, 0] == sympy.Matrix(J)[0, 0]  # still a sympy Matrix, entries on request


def test_many_small_entries_print_their_program():
    H = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=120)
    text = repr(H)  # 120 diagonal entries and 119 beside it, each computed once (the mirror shares it)
    assert text.startswith("DerivativeMatrix: 120x120 Hessian, 239 distinct nonzero entries")
    assert len(text) < 5_000


def test_matrices_sympy_derives_print_as_sympy_prints_them():
    H = sg.hessian("x^2*y")
    assert repr(H.T + H) == repr(sympy.Matrix(H.T + H))


def _chained_squares(n: int) -> str:
    """A sum of n - 1 squared neighbour differences: its Hessian is tridiagonal, mostly zeros."""
    return " + ".join(f"(x{i + 1} - x{i})^2*x{i}" for i in range(n - 1))


def test_matrices_are_stored_as_sympys_constructor_stores_them():
    # made from their nonzeros: the entries, the domain sympy chooses (ZZ, QQ, EXRAW) and equality are sympy's
    for text in ("x^2 + 3*x*y + y^2", "x^2/2 + x*y/3", "x^2*y + y^3", "x^2 + 0.5*x*y", "x + y"):
        H = sg.hessian(text, wrt=["x", "y"])
        plain = sympy.Matrix([[H[i, j] for j in range(2)] for i in range(2)])
        assert H == plain and H._rep.domain == plain._rep.domain and H._rep.rep.fmt == plain._rep.rep.fmt
        x, y = sympy.symbols("x y")
        assert sympy.simplify(H - sympy.hessian(sympy.sympify(text), (x, y))) == sympy.zeros(2, 2)
    J = sg.jacobian(["x*y", "x + y", "2"], wrt=["x", "y"])
    assert J == sympy.Matrix([[sympy.Symbol("y"), sympy.Symbol("x")], [1, 1], [0, 0]])


def test_a_mostly_zero_hessian_is_sympys_and_compiles_its_nonzeros_only():
    n = 40
    names = [f"x{i}" for i in range(n)]
    H = sg.hessian(_chained_squares(n), wrt=names)
    symbols = sympy.symbols(names)
    expected = sympy.hessian(sum((symbols[i + 1] - symbols[i]) ** 2 * symbols[i] for i in range(n - 1)), symbols)
    assert (H - expected).applyfunc(sympy.expand) == sympy.zeros(n, n)
    text = repr(H)  # 1,600 cells: printed as sympy prints them, or as the listing with the true count
    nonzero = sum(1 for i in range(n) for j in range(i, n) if expected[i, j] != 0)
    assert text.startswith("Matrix([") or f"{nonzero:,} distinct nonzero entries" in text
    point = [0.5 + 0.01 * i for i in range(n)]
    want = np.array(expected.subs(dict(zip(symbols, point))).evalf(), dtype=float)
    # the kernel computes only the distinct nonzero entries (the diagonal and one band) and one zero
    at = dict(zip(names, point))  # by keyword: positionally the inputs come in order of first appearance (x1 first)
    assert len(H.lambdify().kernel.flat(**at)) == n + (n - 1) + 1
    for backend in ("numpy", "vm"):
        got = H.lambdify(backend=backend)(**at)
        assert got.shape == (n, n) and np.allclose(got, want, rtol=1e-12, atol=1e-12)
    batch = H.lambdify()(**{name: np.full(3, p) for name, p in at.items()})
    assert batch.shape == (n, n, 3) and np.allclose(batch[..., 1], want, rtol=1e-12, atol=1e-12)


def test_the_listing_counts_distinct_nonzero_entries(monkeypatch):
    monkeypatch.setattr(matrices, "PRINT_CELLS", 10)
    H = sg.hessian(_chained_squares(6), wrt=[f"x{i}" for i in range(6)])
    distinct = {c for row in H.cells for c in row if H.program.results[c] != 0}
    assert repr(H).startswith(f"DerivativeMatrix: 6x6 Hessian, {len(distinct)} distinct nonzero entries")
    assert len(distinct) == 11  # the diagonal and the one band above it


def test_a_compiled_sparse_matrix_pickles_and_its_pattern_survives_edits_of_what_it_returned():
    import pickle

    import numpy as np
    H = sg.hessian("x^2*y + y^3", wrt=["x", "y"], sparse=True)
    f = H.lambdify()
    m = f(1.0, 0.0)  # stored entries 0, 2, 2, 0
    m.eliminate_zeros()  # in place: it shrank the index arrays f and H share with every matrix f returned
    np.testing.assert_array_equal(f(1.0, 2.0).toarray(), [[4.0, 2.0], [2.0, 12.0]])
    np.testing.assert_array_equal(H.pattern.indices, [0, 1, 0, 1])
    g = pickle.loads(pickle.dumps(f))  # a closure before: "attribute lookup sparse_matrix failed"
    np.testing.assert_array_equal(g(1.0, 2.0).toarray(), f(1.0, 2.0).toarray())
    np.testing.assert_array_equal(g.data(np.ones(3), 2.0), f.data(np.ones(3), 2.0))
    assert str(inspect.signature(g)) == "(x, y)"



def test_a_sparse_matrix_refuses_iteration_rather_than_looking_empty():
    """Was: list(H) of a sparse Hessian with three nonzeros was [] and 2 in H False: Python's fallback
    iteration stopped at the refusal of H[0]."""
    H = sg.hessian("x^2 + y^2 + z^2", wrt=["x", "y", "z"], sparse=True)
    for attempt in (list, lambda m: 2 in m, lambda m: [e for e in m]):
        with pytest.raises(sg.SymgraphError, match=r"3x3 SparseDerivative is not iterable.*S\[i, j\]"):
            attempt(H)
    assert H[1, 1] == 2 and H.to_sympy() == 2 * sympy.eye(3)  # what the message offers


def test_a_matrix_edited_in_place_or_derived_by_sympy_does_not_compile_the_old_entries():
    """Was: after H[0, 0] = 99, H.lambdify() still computed 2*y there (and H.latex() called it nabla^2 f);
    after H.row_del(0) it raised NumPy's bare ValueError (cannot reshape) and latex() an EntryError; and
    (2*H).lambdify(), H.T.lambdify(), H[:, 0].lambdify() raised Python's AttributeError ('program')."""
    H = sg.hessian("x^2*y + y^3", wrt=["x", "y"])
    kept = H.copy()
    edited, shrunk, swapped = H.copy(), H.copy(), H.copy()
    edited[0, 0] = 99
    shrunk.row_del(0)
    swapped.row_swap(0, 1)
    for M in (edited, shrunk, swapped, 2 * H, H.T, H[:, 0]):
        with pytest.raises(sg.GraphError, match=r"no program to compile.*sg.lambdify\(list\(M\)\)"):
            M.lambdify()
        assert "nabla" not in M.latex() and "nabla" not in sg.to_latex(M)  # printed as the matrix it is
    assert edited.latex() == r"\begin{pmatrix}99 & 2 x\\2 x & 6 y\end{pmatrix}"
    kept.simplify()  # same values: the program stays
    for M in (H, kept):
        np.testing.assert_array_equal(M.lambdify()(1.0, 2.0), [[4.0, 2.0], [2.0, 12.0]])
        assert M.latex().startswith(r"\nabla^2 f")

def test_matrices_without_entries_keep_their_shape_and_compile():
    import numpy as np
    empty = sg.jacobian([], wrt=["x"], allow_unused=True)
    assert empty.shape == (0, 1)  # len(fs) x len(wrt); it was 0 x 0
    assert empty.lambdify()().shape == (0, 1)  # "need at least one array to stack" before
    no_wrt = sg.jacobian(["x*y", "x"], wrt=[]).lambdify()
    assert no_wrt(1.0, 2.0).shape == (2, 0) and no_wrt(np.ones(3), 2.0).shape == (2, 0, 3)
    assert no_wrt(np.ones(3, np.float32), np.float32(2)).dtype == np.float32
    assert sg.hessian("3").lambdify()().shape == (0, 0)
    with pytest.raises(sg.ArgumentError, match=r"lambdify\(vector=True\) takes a vector of the wrt names' values, "
                                               r"and wrt is empty.*; lambdify\(\) computes its empty array"):
        sg.hessian("x*y", wrt=[]).lambdify(vector=True)  # every input data: most likely a mistake
    assert sg.hessian("3").lambdify(vector=True)([]).shape == (0, 0)  # no inputs: its empty vector, as value_and_grad


def test_vector_forms_refuse_another_array_namespace():
    """lambdify(xp=dask.array, vector=True) and value_and_grad(..., xp=dask.array, vector=True) ignored xp and
    computed in NumPy: a vector form computes one point for scipy's optimisers, which pass NumPy vectors and
    read NumPy numbers back, so xp= is refused there, saying why; xp=numpy stays allowed."""
    da = pytest.importorskip("dask.array")
    text = "a*x^2*y + y^3"
    for sparse in (False, True):
        hessian = sg.hessian(text, wrt=["x", "y"], sparse=sparse)
        with pytest.raises(sg.errors.ArgumentError,
                           match=r"vector=True evaluates one point.*xp=dask\.array does not apply"):
            hessian.lambdify(xp=da, vector=True)
        assert hessian.lambdify(xp=np, vector=True)([1.0, 2.0], 3.0).shape == (2, 2)
    with pytest.raises(sg.errors.ArgumentError, match=r"xp=dask\.array does not apply.*without vector=True"):
        sg.jacobian(["x*y", "x+y"], wrt=["x", "y"]).lambdify(da, vector=True)
    with pytest.raises(sg.errors.ArgumentError, match=r"xp=dask\.array does not apply"):
        sg.value_and_grad(text, wrt=["x", "y"], xp=da, vector=True)
    lazy = sg.hessian(text, wrt=["x", "y"]).lambdify(xp=da)(da.from_array(np.array([1.0, 2.0])), 2.0, 3.0)
    assert isinstance(lazy, da.Array)  # without vector=True, xp=dask.array stays lazy


def test_a_jacobian_or_hessian_at_a_point_is_what_its_compiled_function_gives():
    """``M.at(...)`` and ``S.at(...)``, as ``gradient.at``: a student who learnt ``gradient.at`` met an
    AttributeError on a Jacobian or Hessian."""
    text = "sum(x[i]^2*x[i+1] + sin(a*x[i]), i, 0, n-2)"
    H, S = sg.hessian(text, n=4), sg.hessian(text, sparse=True, n=4)
    x = np.array([0.5, -1.0, 2.0, 0.25])
    want = H.lambdify()(a=2.0, x=x)
    assert np.array_equal(H.at(a=2.0, x=x), want)
    assert np.array_equal(H.at({"a": 2.0, "x": x}), want)
    assert np.array_equal(S.at(a=2.0, x=x).toarray(), want)
    xs = np.stack([x, 2 * x], axis=1)  # two points
    assert H.at(a=2.0, x=xs).shape == (5, 5, 2) and np.array_equal(H.at(a=2.0, x=xs)[..., 1], H.at(a=2.0, x=2 * x))
    with pytest.raises(sg.GraphError, match=r"holds one point.*S\.lambdify\(\)\.data"):
        S.at(a=2.0, x=xs)
    J = sg.jacobian(["x*y", "3", "sin(y)"], wrt=["x", "y"])
    assert np.array_equal(J.at(x=2.0, y=0.5), [[0.5, 2.0], [0.0, 0.0], [0.0, np.cos(0.5)]])
    with pytest.raises(sg.ArgumentError, match=r"at\(\) takes the values by name"):
        J.at(2.0, 0.5)
    with pytest.raises(sg.GraphError, match="no program to evaluate"):
        (2 * J).at(x=2.0, y=0.5)


def test_a_dense_hessian_on_dask_arrays_is_one_chunk_per_block_of_points():
    """Each block's task computes every entry; the matrix was gathered from one Dask slice per result, so a 60 x 60
    Hessian over 2,000 points was thousands of tasks (6 s to compute, 0.3 s now) and 3,600 chunks per block."""
    da = pytest.importorskip("dask.array")
    n = 60
    f = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=n).lambdify()
    X = np.random.default_rng(0).uniform(-1, 1, (n, 2000))
    lazy = f(da.from_array(X, chunks=(n, 500)))
    # 4 blocks' tasks, 4 gathers and the input's 60 rows read from each block (240); it was 30,009 tasks
    assert lazy.numblocks == (1, 1, 4) and len(lazy.__dask_graph__()) < 300
    assert np.array_equal(lazy.compute(), f(X))


def _network(n_in: int, n_hidden: int, n_out: int) -> str:
    """A sigmoid layer, then softmax and cross-entropy: the benchmark's MLP at another size."""
    lines = [f"h{j} = sigmoid({'+'.join(f'w{j}_{i}*x{i}' for i in range(n_in))}+b{j})" for j in range(n_hidden)]
    lines += [f"z{k} = {'+'.join(f'v{k}_{j}*h{j}' for j in range(n_hidden))}+c{k}" for k in range(n_out)]
    lines += ["s = " + "+".join(f"exp(z{k})" for k in range(n_out)), "C = -log(exp(z0)/s)"]
    return "\n".join(lines)


def test_a_dense_hessian_of_shared_subexpressions_is_built_though_its_trees_are_large():
    """A network's dense Hessian was refused: its entries written out as trees pass the expansion limit many
    times over, but they share their subexpressions, which sympy builds once (the 4-8-3 network: 93.5 million
    operations written out, built in 0.6 s).  Refusals now also need what building takes to pass
    BUILD_LIMIT; prod(1 + x[i])'s entries, distinct flat products, still pass it."""
    from symgraph.export.display import EXPAND_LIMIT
    text = _network(3, 6, 3)
    sparse = sg.hessian(text, sparse=True)
    labels = [label for label in dict.fromkeys(sparse.labels) if label is not None]
    sparse.program.measure(labels)
    assert sum(sparse.program.expanded_size(label) for label in labels) > EXPAND_LIMIT
    assert sparse.program.built_size(labels) <= matrices.BUILD_LIMIT
    dense = sg.hessian(text)
    point = {x: v for x, v in zip(sg.parse(text).inputs, np.random.default_rng(2).normal(size=64))}
    assert np.array_equal(dense.lambdify()(**point), sparse.lambdify()(**point).toarray())
    n = len(dense.wrt)
    assert repr(dense).startswith(f"DerivativeMatrix: {n}x{n} Hessian") and "too large to print" in repr(dense)
    with pytest.raises(sg.ExpressionTooLargeError, match="3,160 distinct entries"):
        sg.hessian("prod(1 + x[i], i, 0, n-1)", n=80)


def test_built_size_counts_what_sympy_flattens():
    """A chain of sums is one flat Add of its terms; a product of products one flat Mul."""
    from symgraph.ir.interpret import built_size
    chain = [("s1", "add", ("a", "b")), ("s2", "add", ("s1", "c")), ("s3", "add", ("s2", "d"))]
    assert built_size(chain) == 2 + 3 + 4
    assert built_size([("p", "mul", ("a", "b")), ("q", "sin", ("p",)), ("r", "mul", ("q", "p"))]) == 2 + 1 + 3


def test_an_entry_too_large_to_print_is_refused_as_a_gradients_is():
    # each level doubles the entry written out, which sympy builds shared at once and then takes minutes to print
    text = "; ".join(["u0 = x"] + [f"u{k + 1} = sin(u{k})*u{k} + a*u{k}" for k in range(14)])
    J = sg.jacobian([text], ["x", "a"])
    with pytest.raises(sg.ExpressionTooLargeError, match=r"the closed form of 'du14/dx' has .* operations written out, "
                                                         r"more than 100,000 .*; matrix\.tolist\(\)\[0\]\[0\] builds it "
                                                         r"anyway") as info:
        J[0, 0]
    with pytest.raises(sg.ExpressionTooLargeError):
        sg.grad(text, ["x", "a"])["x"]  # the gradient's entry, refused alike
    assert isinstance(info.value, ValueError) or isinstance(info.value, sg.SymgraphError)
    assert J.tolist()[0][0].has(sympy.Symbol("a"))  # built anyway, shared
    assert J.at(x=0.5, a=0.1).shape == (1, 2)
    assert sg.hessian("x^2*y")[0, 1] == 2 * sympy.Symbol("x")  # small entries as before
