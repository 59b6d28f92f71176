"""Hessians derived on the gradient's program: every strategy equals sympy.hessian, and sharing survives."""
import inspect
import pickle

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.hessian import STRATEGIES, hessian_program

X, Y, Z = sympy.symbols("x y z")
CASES = [
    ("x^2*y + y^3 + sin(x*y)", X**2 * Y + Y**3 + sympy.sin(X * Y)),
    ("exp(x - y)*z + log(1 + x^2)*y*z", sympy.exp(X - Y) * Z + sympy.log(1 + X**2) * Y * Z),
    ("c = x*y; d = c + z; c*d*tanh(d)", X * Y * (X * Y + Z) * sympy.tanh(X * Y + Z)),
]


@pytest.mark.parametrize("mode", list(STRATEGIES))
@pytest.mark.parametrize("text, form", CASES, ids=[t for t, _ in CASES])
def test_every_strategy_is_sympy_hessian(text, form, mode):
    names = [s.name for s in (X, Y, Z) if s in form.free_symbols]
    symbols = [sympy.Symbol(n) for n in names]
    got = sg.hessian(text, wrt=names, mode=mode)
    want = sympy.hessian(form, symbols)
    assert got.shape == (len(names), len(names)) and got == got.T
    point = dict(zip(symbols, [0.3, -0.7, 1.1]))
    for i in range(len(names)):
        for j in range(len(names)):
            assert float(got[i, j].subs(point)) == pytest.approx(float(want[i, j].subs(point)), rel=1e-12, abs=1e-12)


def test_rosenbrock_hessian_is_tridiagonal_and_its_program_stays_small():
    n = 30
    text = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
    H = sg.hessian(text, n=n)
    assert H.shape == (n, n)
    assert all(H[i, j] == 0 for i in range(n) for j in range(n) if abs(i - j) > 1)
    program, names, cost, _ = hessian_program(text, n=n)
    assert names == [f"x[{i}]" for i in range(n)]
    assert program.ops < 10 * len(sg.parse(text, n=n))
    x = sympy.IndexedBase("x")
    assert H[0, 0] == 1200 * x[0] ** 2 - 400 * x[1] + 2


def test_hessian_refuses_intermediates_and_several_outputs():
    with pytest.raises(sg.GraphError, match="intermediate"):
        sg.hessian("c = x*y; c^2", wrt=["x", "c"])
    with pytest.raises(sg.GraphError, match="one output"):
        sg.hessian(["x*y", "x+y"])
    with pytest.raises(ValueError, match="unknown Hessian mode"):
        sg.hessian("x^2", mode="sideways")


def test_compare_order_2_reports_every_strategy_and_a_verdict():
    rosenbrock = sg.compare("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", order=2, n=50)
    assert set(rosenbrock.keys()) == set(STRATEGIES)
    assert rosenbrock["forward-over-reverse"].sweeps == 51  # one reverse sweep, then one forward sweep per input
    # the gradient's program folds its constant factors (200*v, not 100*(2*v)), so the forward sweeps over
    # it multiply less than edge pushing's one sweep over the function's own graph
    assert rosenbrock.verdict.startswith("forward-over-reverse wins (tied with reverse-over-reverse) with ")
    assert "in 51 sweeps" in rosenbrock.verdict and rosenbrock["edge-pushing"].sweeps == 1
    assert rosenbrock["forward-over-reverse"].multiplications < rosenbrock["edge-pushing"].multiplications
    assert "148 structural nonzeros of 2,500" in rosenbrock.verdict
    mlp = "h0 = tanh(w00*a + w01*b + c0); h1 = tanh(w10*a + w11*b + c1); y = v0*h0 + v1*h1 + d; (y - t)^2"
    dense = sg.compare(mlp, wrt=["w00", "w01", "w10", "w11", "c0", "c1", "v0", "v1", "d"], order=2)
    best = min(dense.values(), key=lambda c: c.multiplications)
    assert dense.verdict.startswith(f"{best.mode} wins") and "81 structural nonzeros of 81" in dense.verdict
    with pytest.raises(ValueError, match="order=3"):
        sg.compare("x^2", order=3)


@pytest.mark.parametrize("mode", STRATEGIES)
def test_a_constant_exponent_selects_nothing_in_any_strategy(mode):
    """pow's base partial selects at x = y = 0 for a variable exponent; edge pushing replays the op's second
    partials derived for variable operands, and the comparisons on the constant exponent (2 != 0) did not
    fold: every x^2 of Rosenbrock's Hessian emitted a comparison, an 'or' and a 'where' (989 operations
    became 3,367 at n = 100).  The emitter folds conditions on constants, so no strategy emits one."""
    program = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", mode=mode, n=10).program
    assert not {op for _, op, _ in program.instructions} & {"ne", "or", "where"}, mode


def test_the_verdict_says_one_in_the_singular():
    """compare("exp(x)", order=2) said "a program of 1 operations" and "1 structural nonzeros"."""
    verdict = sg.compare("exp(x)", order=2).verdict
    assert "a program of 1 operation;" in verdict and "the Hessian has 1 structural nonzero of 1" in verdict
    assert "0 multiplications" in verdict


def test_derivatives_of_derivatives_keep_sharing_and_stay_linear():
    def chain(depth):
        text = "x"
        for _ in range(depth):
            text = f"sin({text})*y"
        return text
    sizes = []
    for depth in (50, 100, 200):
        g = sg.grad(chain(depth), wrt=["x"])
        g2 = sg.grad(g.as_graph("x"), wrt=["x"])
        g3 = sg.grad(g2.as_graph("x"), wrt=["x"])
        sizes.append(len(g3.program))
    assert sizes[1] <= 2.1 * sizes[0] and sizes[2] <= 2.1 * sizes[1]  # linear, not exponential
    g = sg.grad("x^3*y", wrt=["x", "y"])
    assert sg.grad(g.as_graph("x"), wrt=["x"])["x"] == 6 * sympy.Symbol("x") * sympy.Symbol("y")
    assert sg.jacobian(g, wrt=["x", "y"]) == sympy.Matrix([[6 * X * Y, 3 * X**2], [3 * X**2, 0]])
    third = sg.grad(sg.grad(g.as_graph("x"), wrt=["x"]).as_graph("x"), wrt=["x"])
    assert third["x"] == 6 * Y


def test_hvp_and_hessp_are_the_hessian_times_v():
    text = "exp(x - y)*z + log(1 + x^2)*y*z"
    H = sg.hessian(text, wrt=["x", "y", "z"])
    point = {"x": 0.3, "y": -0.7, "z": 1.1}
    v = [0.5, -2.0, 3.0]
    product = sg.hvp(text, ["x", "y", "z"], v)
    dense = np.array(H.lambdify()(*point.values()), dtype=float) @ np.array(v)
    np.testing.assert_allclose([product.at(**point)[n] for n in "xyz"], dense, rtol=1e-12)
    hp = sg.hessp(text, ["x", "y", "z"])
    np.testing.assert_allclose(hp(list(point.values()), v), dense, rtol=1e-12)
    with pytest.raises(sg.GraphError, match=r"hessp\(\)'s point must be a 1-D vector of 3 values \(x, y, z\)"):
        hp([1.0, 2.0], v)



@pytest.mark.parametrize("v", [["c", 1], {"x": 1, "y": "c"}, [sympy.Symbol("e"), 0], "c", ["c", "c"]])
def test_hvp_reads_a_seed_naming_an_assigned_value_as_jvp_does(v):
    """A seed naming an assigned value (c of c = x*y) is that value in sg.jvp and sg.vjp; hvp refused it,
    since its sweep runs over the gradient's program, which kept only the inputs' names.  That program now
    keeps the names the seeds use, with their rows, so hvp reads c as x*y too.  Checked against sympy."""
    X, Y = sympy.symbols("x y")
    wrt = ["x"] if isinstance(v, str) else ["x", "y"]
    coords = [sympy.Symbol(n) for n in wrt]
    values = {"c": X * Y, "e": (X * Y) ** 2, "x": X, "y": Y}
    seeds = [v] if isinstance(v, str) else [v[n] for n in wrt] if isinstance(v, dict) else v
    direction = sympy.Matrix([values.get(str(s), s) for s in seeds])
    want = sympy.hessian((X * Y) ** 2, coords) * direction
    got = sg.hvp("c = x*y; e = c^2", wrt, v)
    assert [sympy.expand(got[n] - want[i]) for i, n in enumerate(wrt)] == [0] * len(wrt)
    assert set(got.program.inputs) == {"x", "y"}  # no new parameter named c
    point = {"x": 1.5, "y": -0.5}
    assert list(got.at(**point).values()) == pytest.approx([float(e.subs({X: 1.5, Y: -0.5})) for e in want])
    assert sg.hvp("c = x*y; e = c^2", ["x", "y"], ["y", "u"]).at(x=1, y=2, u=3) == {"x": 40.0, "y": 22.0}
    assert sg.hvp("c = x; e = c^3", ["x"], ["c"])["x"] == 6 * X ** 2


def test_hvp_seeds_values_the_gradient_never_computes():
    """d = c + 1 and the unused a, b are no part of the gradient's program: their rows join it for the seed."""
    X, Y = sympy.symbols("x y")
    got = sg.hvp("c = x*y; d = c + 1; a = sin(x); b = a*y; e = c^2", ["x", "y"], ["d", "b"])
    want = sympy.hessian((X * Y) ** 2, [X, Y]) * sympy.Matrix([X * Y + 1, sympy.sin(X) * Y])
    assert [sympy.expand(got[n] - want[i]) for i, n in enumerate("xy")] == [0, 0]
    with pytest.raises(sg.GraphError, match="seed 'd' names a constant of the text"):
        sg.hvp("c = x*y; d = 1; e = c^2", ["x", "y"], ["d", 1])


def test_edge_pushing_follows_the_nonzeros_and_handles_every_op():
    text = "max(x, y, z)*x + where(x > 0, x*y, y^2) + exp(x)/y + x*x*z + atan2(y, z) + relu(x - z)^2"
    point = {X: 0.7, Y: -1.3, Z: 0.4}
    want = sg.hessian(text, wrt=["x", "y", "z"])
    got = sg.hessian(text, wrt=["x", "y", "z"], mode="edge-pushing")
    for i in range(3):
        for j in range(3):
            assert float(got[i, j].subs(point)) == pytest.approx(float(want[i, j].subs(point)), rel=1e-12, abs=1e-12)
    sparse = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", mode="edge-pushing", sparse=True, n=40)
    dense = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=40)
    x = np.linspace(-1, 1, 40)
    np.testing.assert_allclose(sparse.lambdify()(x).toarray(), dense.lambdify()(x), rtol=1e-13)


@pytest.mark.parametrize("text, wrt", [("3", ["x"]), ("3", ["x", "y"]), ("x^2", ["x", "z"]), ("c", ["a", "d"]),
                                       ("x*y + w", ["w", "q", "x", "y", "r"])])
def test_edge_pushing_gives_a_wrt_name_absent_from_the_function_no_structural_nonzero(text, wrt):
    """Edge pushing read its pattern off a gradient program that did not take the absent names as inputs, so
    their constant 0 entries named outputs after them: ``sparse=True`` stored (z, z) of ``x^2`` by x, z, and
    every entry of ``3`` by x, y (two absent names were two names of one constant), a CSR structure
    (``nnz``, ``.data``'s length) other than every other strategy's and ``hessian_sparsity``'s."""
    want = sg.hessian_sparsity(text, wrt, allow_unused=True)
    for mode in STRATEGIES:
        got = sg.hessian(text, wrt, mode=mode, sparse=True, allow_unused=True)
        assert (got.pattern != want).nnz == 0, mode
        data = got.lambdify().data(*[np.ones(3)] * len(inspect.signature(got.lambdify()).parameters))
        assert data.shape == (want.nnz, 3), mode


def test_sparse_jacobians_compile_and_print():
    texts = ["x*y", "x + sin(z)", "floor(y) + z^2"]
    S = sg.jacobian(texts, wrt=["x", "y", "z"], sparse=True)
    assert S.nnz == 5 and S.shape == (3, 3)
    dense = sg.jacobian(texts, wrt=["x", "y", "z"])
    point = (0.5, -1.5, 2.0)
    np.testing.assert_allclose(S.lambdify()(*point).toarray(), dense.lambdify()(*point), rtol=1e-14)
    assert S.lambdify().data(np.ones(4), 2.0, 3.0).shape == (5, 4)
    text = sg.to_latex(S)
    assert text.startswith(r"3 \times 3 \text{ Jacobian, 5 structural nonzeros}")
    assert r"\frac{\partial f_{3}}{\partial z} = 2 z" in text
    assert S[1, 2] == sympy.cos(Z) and S[2, 0] == 0


@pytest.mark.parametrize("mode", ["reverse", "bogus", None, ["edge-pushing"]])
def test_an_unknown_hessian_mode_is_a_symgraph_error(mode):
    with pytest.raises(sg.ArgumentError, match="unknown Hessian mode"):
        sg.hessian("x^2*y", mode=mode)


@pytest.mark.parametrize("indexed", [False, True])
def test_dense_matrices_read_the_vms_result_array_and_keep_numpys_bits(indexed):
    """Compiled on the VM, a dense Hessian is gathered from the kernel's one result array (no view per
    entry stacked again): the bits of the NumPy backend's, at a point and on a batch, zeros included, and it
    pickles with its kernel on either backend; Dask inputs still give a Dask matrix."""
    import inspect
    import pickle

    pytest.importorskip("numba")
    if indexed:
        H = sg.hessian("sum(x[i]^2*x[i+1] - 3*x[i]*c, i, 0, n-2) + c^2", n=4)  # x[3]*x[3] and x[0]*x[3]: zeros
        rng = np.random.default_rng(5)
        point, batch = (rng.uniform(-2, 2, 4), 0.5), (rng.uniform(-2, 2, (4, 7)), rng.uniform(-1, 1, 7))
    else:
        H = sg.hessian("x^2*y/z + y*z - 2*x + w^3", wrt=["x", "y", "z", "w"])  # d2/dxdw = 0
        rng = np.random.default_rng(6)
        point, batch = (0.3, -1.2, 2.5, 0.7), tuple(rng.uniform(0.5, 2, 9) for _ in range(4))
    fast, plain = H.lambdify(backend="vm"), H.lambdify()
    assert fast.kernel.flat(*batch).__class__ is np.ndarray  # the VM writes every result into one array
    size = H.shape[0]
    for args, shape in ((point, (size, size)), (batch, (size, size, len(batch[-1])))):
        got, want = fast(*args), plain(*args)
        assert got.shape == want.shape == shape and got.dtype == want.dtype == np.float64
        assert got.tobytes() == want.tobytes() and (got == 0).any()
        for f in (fast, plain):
            assert pickle.loads(pickle.dumps(f))(*args).tobytes() == want.tobytes()
    assert fast.source.startswith("# symgraph VM program") and str(inspect.signature(fast)) == str(
        inspect.signature(plain))
    if not indexed:
        da = pytest.importorskip("dask.array")
        lazy = fast(da.from_array(batch[0], chunks=3), *batch[1:])
        assert type(lazy).__module__.startswith("dask") and lazy.compute().tobytes() == plain(*batch).tobytes()


def test_no_hessian_strategy_pays_for_loading_scipy_in_compare():
    """In a fresh process the first strategy timed used to include scipy.sparse's import (0.3 s against 0.02 s)."""
    import subprocess
    import sys
    probe = ("import sys, symgraph as sg\n"
             "c = sys.modules['symgraph.compare']\n"
             "seen = []\n"
             "real = c.hessian_program\n"
             "def timed(*a, **k):\n"
             "    seen.append('scipy.sparse' in sys.modules)\n"
             "    return real(*a, **k)\n"
             "c.hessian_program = timed\n"
             "assert 'scipy.sparse' not in sys.modules\n"
             "sg.compare('x*y + sin(x)', order=2)\n"
             "print(seen)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True,", "True,", "True,", "True,", "True]"]


def test_hessp_refuses_what_is_not_a_real_vector_and_pickles():
    hp = sg.hessp("x^2*y*c + y^3", ["x", "y"])
    theta, p = np.array([1.0, 2.0]), np.array([1.0, 0.0])
    # it converted with dtype=float: an imaginary part dropped with a warning, "1" read as 1.0, None as nan
    for bad in (np.array([1 + 1j, 2]), np.array(["1", "2"]), ["1", "2"], np.array([1, None], dtype=object)):
        with pytest.raises(sg.GraphError, match="hessp\\(\\)'s point must be a real number"):
            hp(bad, p, 3.0)
        with pytest.raises(sg.GraphError, match="hessp\\(\\)'s direction must be a real number"):
            hp(theta, bad, 3.0)
    with pytest.raises(sg.GraphError, match="hessp\\(\\)'s direction must be a real number.*ragged"):
        hp(theta, [[1.0], [2.0, 3.0]], 3.0)
    assert str(inspect.signature(hp)) == "(x, p, /, c)"
    again = pickle.loads(pickle.dumps(hp))
    np.testing.assert_array_equal(again(theta, p, c=3.0), hp(theta, p, 3.0))
    np.testing.assert_array_equal(hp(theta, p, 3.0), [12.0, 6.0])


def test_every_second_derivative_call_refuses_intermediate_names_and_several_outputs_alike():
    program = "c = a + b; d = b + 1; e = c*d"
    # hvp gave {'c': 0, 'd': 0} and hessian_sparsity an all-False pattern: e = c*d has d2e/dcdd = 1
    calls = {"hessian": lambda: sg.hessian(program, wrt=["c", "d"]),
             "hvp": lambda: sg.hvp(program, ["c", "d"], [1, 0]),
             "hessp": lambda: sg.hessp(program, ["c", "d"]),
             "hessian_sparsity": lambda: sg.hessian_sparsity(program, wrt=["c", "d"])}
    for who, call in calls.items():
        with pytest.raises(sg.GraphError, match=rf"^{who}\(\) differentiates by inputs; c, d are intermediate"):
            call()
    for who, call in {"hessp": sg.hessp, "hessian_sparsity": sg.hessian_sparsity}.items():
        # hessp said "hvp() takes ...", hessian_sparsity "this graph has 2 outputs ('v1', 'x')"
        with pytest.raises(sg.GraphError, match=rf"^{who}\(\) takes a function with one output; this one has 2"):
            call(["x*y", "x"])
    assert dict(sg.hvp(program, ["a", "b"], [1, 0])) == {"a": 0, "b": 1}


def test_a_name_for_an_input_is_that_input_for_every_second_derivative_call():
    """``c = x`` names the input x itself: grad and jacobian took it, the second-order calls called it intermediate."""
    program = "c = x; c^3 + x*y"
    assert sg.grad(program, ["c", "y"])["c"] == 3 * sympy.Symbol("x") ** 2 + sympy.Symbol("y")
    x = sympy.Symbol("x")
    assert sg.hessian(program, wrt=["c", "y"]) == sympy.Matrix([[6 * x, 1], [1, 0]])
    assert sg.hessian(program, wrt=["c", "y"], sparse=True).lambdify()(x=2.0, y=3.0).toarray().tolist() == [
        [12.0, 1.0], [1.0, 0.0]]
    assert dict(sg.hvp(program, ["c", "y"], [1, 0])) == {"c": 6 * x, "y": 1}
    np.testing.assert_array_equal(sg.hessp(program, ["c", "y"])(np.array([2.0, 3.0]), np.array([0.0, 1.0])),
                                  [1.0, 0.0])
    assert sg.hessian_sparsity(program, wrt=["c", "y"]).toarray().tolist() == [[True, True], [True, False]]


def test_sweep_counts_agree_across_strategies_when_a_wrt_name_is_unused():
    # a gradient entry for an absent name is the constant 0: reverse sweeps over it were counted (a sweep of
    # nothing), forward sweeps from the absent name were not, so the two orders disagreed
    report = sg.compare("x^2*y", wrt=["x", "y", "z"], order=2, allow_unused=True)
    assert report["forward-over-reverse"].sweeps == report["reverse-over-reverse"].sweeps == 1 + 2
    assert report["reverse-over-forward"].sweeps == report["forward-over-forward"].sweeps == 2 + 2
    assert sg.compare(["x*y", "3"])["reverse"].sweeps == 1  # a constant output needs no sweep


def test_sparse_hessian_of_a_dense_quadratic_sweeps_in_proportion_to_its_entries(monkeypatch):
    """A dense quadratic sum(x[i]*x[j]*A[i,j]) has n^2 Hessian entries, but its gradient entries are chains of
    n additions, and the forward sweep of x[k] passed through every link after x[k]'s terms: n^3/2 node visits
    (50 s at n = 300).  With the chains regrouped as balanced sums a sweep passes log2(n) links per term."""
    from symgraph.ad.linearised import Adjacency
    visits = []
    descendants = Adjacency.descendants
    monkeypatch.setattr(Adjacency, "descendants", lambda self, *nodes, **within: visits.append(
        len(found := descendants(self, *nodes, **within))) or found)
    n = 64
    text = "sum(sum(x[i]*x[j]*A[i,j], j, 0, n-1), i, 0, n-1)"
    H = sg.hessian(text, wrt=["x"], sparse=True, n=n)
    assert H.pattern.nnz == n * n and len(visits) == n
    assert sum(visits) < 8 * n * n  # 7.0 n^2 balanced (about n^2 (log2(2n) + 1)); 33.5 n^2 through the chains
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(n, n)), rng.normal(size=n)
    np.testing.assert_allclose(H.lambdify()(x=x, A=A).toarray(), A + A.T, rtol=1e-12, atol=1e-12)


def test_a_sparse_hessians_labels_are_read_past_int32_positions():
    """A sparse Hessian of 100,000 inputs failed with an IndexError: the mirror of an entry below the diagonal
    was searched by row * width + column, computed in scipy's int32 indices, which overflowed past n = 46,341."""
    import scipy.sparse
    from symgraph.hessian import _csr_labels

    n = 100_000
    rows, cols = [0, n - 2, n - 1], [0, n - 1, n - 2]
    pattern = scipy.sparse.csr_matrix((np.ones(3, dtype=bool), (rows, cols)), shape=(n, n))
    assert _csr_labels(pattern, [f"x{i}" for i in range(n)], ["a", "b"]) == ["a", "b", "b"]
