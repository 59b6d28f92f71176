"""Second order and sparsity as a researcher uses them: Hessians dense and sparse, products H·v, patterns, their
compiled forms and their use with scipy.optimize, read against sympy.diff and finite differences."""
import numpy as np
import pytest
import scipy.sparse as sp
import sympy

import symgraph as sg


# ---------------------------------------------------------------- a matrix sympy derived has no program
def test_the_program_of_a_matrix_sympy_derived_is_a_symgraph_error():
    # (2*H).program raised Python's bare AttributeError, naming neither why nor what to do
    H = sg.hessian("x^2*y")
    for derived in (2 * H, H.T, H[:, 0]):
        with pytest.raises(sg.GraphError, match="no program.*sympy made it"):
            derived.program  # noqa: B018
        with pytest.raises(sg.GraphError, match="no program"):
            derived.cells  # noqa: B018
        assert not hasattr(derived, "program")  # still an AttributeError: hasattr stays False
    assert hasattr(H, "program")
    with pytest.raises(sg.GraphError, match="no program"):
        (2 * H).lambdify()
    assert np.allclose((2 * H).subs({sympy.Symbol("x"): 1, sympy.Symbol("y"): 2}), 2 * H.at(x=1, y=2))


# ---------------------------------------------------------------- wrong arguments are ArgumentErrors
@pytest.mark.parametrize("call", [
    lambda: sg.grad("x*y", wrt=["x", "x"]),
    lambda: sg.jacobian(["x*y", "x+y"], wrt=["x", "x"]),
    lambda: sg.jacobian(["x*y", "x+y"], wrt=["y", "y"], sparse=True),
    lambda: sg.hessian("x*y", wrt=["x", "x"]),
    lambda: sg.hessian("x*y", wrt=["y", "x", "y"], sparse=True),
    lambda: sg.hessian_sparsity("x*y", wrt=["x", "x"]),
    lambda: sg.hvp("x*y", ["x", "x"], [1, 1]),
])
def test_a_wrt_name_listed_twice_is_an_argument_error(call):
    # was a GraphError, the class of "this graph does not fit the request"; still one (ArgumentError is a GraphError)
    with pytest.raises(sg.ArgumentError, match="twice"):
        call()


@pytest.mark.parametrize("v", [[1], [1, 0, 0], {"x": 1}, {"x": 1, "z": 0}])
def test_an_hvp_seed_of_the_wrong_length_is_an_argument_error(v):
    with pytest.raises(sg.ArgumentError, match="seed|component"):
        sg.hvp("x^2*y", ["x", "y"], v)
    with pytest.raises(sg.ArgumentError, match="seed|component"):
        sg.jvp("x^2*y", ["x", "y"], v)


# ---------------------------------------------------------------- scipy's reflected comparison
@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csr_array, sp.coo_matrix])
def test_a_scipy_matrix_compared_with_a_sparse_result_answers_as_the_result_does(kind):
    # csr == S raised "np.asarray(S) makes no array of it" where S == csr was False
    S = sg.hessian("x^2*y", sparse=True)
    other = kind(np.ones((2, 2)))
    assert (other == S) is False and (S == other) is False
    assert (other != S) is True and (S != other) is True
    with pytest.raises(sg.ArgumentError, match="takes no arithmetic"):
        other @ S  # noqa: B018
    for compare in (lambda: other < S, lambda: S < other, lambda: S >= 1, lambda: 1 > S):
        with pytest.raises(sg.ArgumentError, match="no order"):
            compare()
    with pytest.raises(sg.NotNumbersError):  # asked by the user, np.asarray(S) is still refused
        np.asarray(S)


# ---------------------------------------------------------------- compare(limit=) as grad(limit=)
def test_compare_takes_the_path_limit_as_grad_does():
    f = "(a+b)*(b+c)*(c+a)"
    assert sg.compare(f, limit=2)["paths"].multiplications is None  # too many paths: counted, not enumerated
    assert sg.compare(f, path_limit=2)["paths"].multiplications is None  # the old spelling still works
    assert sg.compare(f, limit=1000)["paths"].multiplications == sg.compare(f)["paths"].multiplications
    with pytest.raises(sg.ArgumentError, match="limit"):
        sg.compare(f, limit=5, path_limit=5)
    with pytest.raises(sg.ArgumentError, match="limit=5 bounds the path sum"):
        sg.compare(f, order=2, limit=5)


# ---------------------------------------------------------------- printing what sympy derived
ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


@pytest.mark.parametrize("f, n, made", [
    ("(sum(x[i], i, 0, n-1))^4", 40, lambda H: 2 * H),  # few entries, each long: sympy's text passes its bound
    (ROSENBROCK, 150, lambda H: H.T),  # 22,500 entries: more than sympy prints quickly
])
def test_a_large_matrix_sympy_derived_prints_quickly_and_says_so(f, n, made):
    # printing it raised AttributeError (now it would be the NoProgramError of its missing program)
    import time
    derived = made(sg.hessian(f, n=n))
    for show in (repr, str):
        start = time.perf_counter()
        text = show(derived)
        assert time.perf_counter() - start < 1.0
        assert f"{n}x{n}" in text and "too large to print" in text and len(text) < 2_000, text[:300]
    small = 2 * sg.hessian("x^2*y")
    assert repr(small) == "Matrix([\n[4*y, 4*x],\n[4*x,   0]])"


# ---------------------------------------------------------------- what an H·v product cost
@pytest.mark.parametrize("f", ["x^2*sin(x)", "exp(x)*log(1 + x^2)"])
def test_an_hvp_counts_its_gradient_sweep_too(f):
    # its cost was the forward sweep's alone ("forward", 1 sweep), where the Hessian of the same one input
    # counts both sweeps of forward-over-reverse: the gradient's reverse sweep was left out
    product = sg.hvp(f, ["x"], [1]).cost
    hessian = sg.hessian(f, wrt=["x"]).cost
    assert list(product) == ["forward-over-reverse"] == list(hessian)
    row, whole = product["forward-over-reverse"], hessian["forward-over-reverse"]
    assert row.sweeps == whole.sweeps == 2
    assert row.multiplications == whole.multiplications > 0
    gradient = sg.grad(f, ["x"]).cost["reverse"].multiplications
    assert row.multiplications > gradient


# ---------------------------------------------------------------- one wrt name, given bare
@pytest.mark.parametrize("wrt", ["x", sympy.IndexedBase("x")])
def test_an_indexed_input_named_bare_takes_its_seeds_as_one_array(wrt):
    # wrt="x" is wrt=["x"] everywhere, but its seeds as one array, v=[[1, 0, 0]], were refused: "v has 1
    # component(s) but there are 3"
    f = "sum(x[i]^2*x[i+1], i, 0, n-2) + a*x[0]"
    for product in (sg.hvp, sg.jvp):
        assert product(f, wrt, [[1, 0, 2]], n=3) == product(f, ["x"], [[1, 0, 2]], n=3) == product(f, ["x"], [1, 0, 2], n=3)
    H = sg.hessian(f, wrt=["x"], n=3).at(x=[0.5, -1.0, 2.0], a=3.0)
    got = sg.hvp(f, wrt, [[1, 0, 2]], n=3).at(x=[0.5, -1.0, 2.0], a=3.0)
    assert np.allclose(list(got.values()), H @ [1, 0, 2])


# ---------------------------------------------------------------- a large dense matrix at a point
def test_a_dense_hessian_of_a_million_entries_at_a_point_is_quick_and_right():
    # .at() evaluated every one of the program's 500,500 entry results (most the one constant 0) and filled the
    # million cells one by one in Python: 1.7-2.0 s a call; now it gathers the distinct nonzero entries as
    # .lambdify() does
    import time
    from scipy.optimize import rosen_hess
    H = sg.hessian(ROSENBROCK, n=1000)
    x = np.linspace(-1, 2, 1000)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        at = H.at(x=x)
        times.append(time.perf_counter() - start)
    assert min(times) < 1.0, times
    assert np.array_equal(at, rosen_hess(x)) or np.allclose(at, rosen_hess(x), rtol=1e-14, atol=1e-10)
    assert np.array_equal(at, H.lambdify()(x))


@pytest.mark.parametrize("fs, wrt", [(["x*y", "x+y", "sin(z)"], ["z", "x", "y"]), (["x^2*z"], ["x", "q"]), ([], ["x"]),
                                     (["3", "x"], ["x"])])
def test_a_dense_jacobian_at_points_gathers_each_entry_where_it_belongs(fs, wrt):
    J = sg.jacobian(fs, wrt=wrt, allow_unused=True)
    every = dict(x=np.array([0.5, -2.0]), y=np.array([1.5, 3.0]), z=np.array([0.25, 4.0]), q=np.array([1.0, 1.0]))
    point = {k: v for k, v in every.items() if k in wrt or any(k in f for f in fs)}
    values = {sympy.Symbol(k): v for k, v in point.items()}
    expected = np.zeros((len(fs), len(wrt), 2))
    for k in range(2):
        at = {s: v[k] for s, v in values.items()}
        expected[..., k] = np.array(sympy.Matrix(len(fs), len(wrt), lambda i, j: J[i, j].subs(at)), dtype=float)
    assert np.array_equal(J.at(**point), expected)
    assert J.at(**{k: v[0] for k, v in point.items()}).shape == (len(fs), len(wrt))


# ---------------------------------------------------------------- a sparse Jacobian in the mode asked for
def test_a_sparse_jacobian_asked_for_in_reverse_mode_is_derived_in_reverse_mode():
    # sparse=True took the cheaper direction for mode="reverse" given explicitly too, as for the default: six
    # functions of two inputs were derived in forward mode, with a note that mode='auto' chose it
    fs = [f"x*y^{i}" for i in range(2, 8)]
    default = sg.jacobian(fs, ["x", "y"], sparse=True)
    assert list(default.cost) == ["forward"] and "mode='auto' chose forward" in default.cost.note
    asked = sg.jacobian(fs, ["x", "y"], sparse=True, mode="reverse")
    assert list(asked.cost) == ["reverse"] and asked.cost["reverse"].sweeps == 6 and asked.cost.note == ""
    assert asked == default and asked.to_sympy() == sg.jacobian(fs, ["x", "y"], mode="reverse")
    import inspect
    assert inspect.signature(sg.jacobian).parameters["mode"].default == "reverse"


# ---------------------------------------------------------------- a compiled sparse matrix's shape
def test_a_compiled_sparse_matrix_has_its_shape_as_a_compiled_dense_one_does():
    # hess.shape of a compiled dense Hessian is (n, n); of a compiled sparse one, Python's bare AttributeError
    S = sg.hessian(ROSENBROCK, sparse=True, n=4)
    hess = S.lambdify()
    assert hess.shape == S.shape == sg.hessian(ROSENBROCK, n=4).lambdify().shape == (4, 4)
    assert hess.nnz == S.nnz == hess.data(np.ones(4)).shape[0] == 10
    with pytest.raises(sg.ArgumentError, match="property"):
        hess.shape()
    J = sg.jacobian(["x*y", "x+y", "z"], wrt=["x", "y", "z"], sparse=True).lambdify(vector=True)
    assert J.shape == (3, 3) and J.nnz == 5 == J([1.0, 2.0, 3.0]).nnz


@pytest.mark.parametrize("v", [{"x": [1, 0], "a": 1}, [[1, 0], 1], [[1, 0, 0, 0], 1]])
def test_an_indexed_seed_of_the_wrong_length_is_an_argument_error(v):
    # the array of an indexed input's seeds, of the wrong length, was a GraphError as a flat list was
    with pytest.raises(sg.ArgumentError, match=r"seeds every element of the indexed input x: .*shape \(3,\)"):
        sg.hvp("sum(x[i]^2*x[i+1], i, 0, n-2) + a*x[0]", ["x", "a"], v, n=3)


def test_scipy_constructors_and_methods_given_a_sparse_result_keep_the_clear_refusal():
    S = sg.hessian("x^2*y", sparse=True)
    # (csr_matrix(S) raises scipy's own ValueError, "unrecognized csr_matrix constructor input", from the refusal)
    for call in (lambda: sp.coo_array(S), lambda: sp.eye(2, format="csr").multiply(S), lambda: sp.vstack([S, S])):
        with pytest.raises(sg.NotNumbersError, match=r"S\.at\(x=\.\.\., y=\.\.\.\)"):
            call()
    with pytest.raises(sg.ArgumentError, match="takes no arithmetic"):
        sp.eye(2, format="csr") / S  # noqa: B018


@pytest.mark.parametrize("call", [
    lambda f: sg.hessp(f, ["x", "c"]),
    lambda f: sg.hessian(f, ["x", "c"]).lambdify(vector=True),
    lambda f: sg.hessian(f, ["y", "x", "c"], sparse=True).lambdify(vector=True),
    lambda f: sg.value_and_grad(f, ["x", "c"], vector=True),
])
def test_two_wrt_names_of_one_input_in_a_vector_form_are_an_argument_error_naming_them(call):
    # a GraphError that named neither name: "needs each input once in wrt; two wrt names stand for one input"
    with pytest.raises(sg.ArgumentError, match="'x' and 'c' stand for one input"):
        call("c = x; e = c^2*y")


# ---------------------------------------------------------------- LaTeX of a matrix sympy derived
def test_the_latex_of_a_matrix_sympy_derived_reads_name_and_aligned():
    # (2*H).latex(name="G", aligned=True) wrote the bare pmatrix: both options were silently unread
    H = sg.hessian("x^2*y")
    bare = (2 * H).latex()
    assert bare == r"\begin{pmatrix}4 y & 4 x\\4 x & 0\end{pmatrix}"
    assert (2 * H).latex(name="G") == "G = " + bare
    assert (2 * H).latex(name="alpha") == r"\alpha = " + bare
    assert (2 * H).latex(name="G", aligned=True) == "\\begin{aligned}\nG &= " + bare + "\n\\end{aligned}"
    assert (2 * H).latex(aligned=True) == "\\begin{aligned}\n" + bare + "\n\\end{aligned}"
    with pytest.raises(sg.ArgumentError, match="name="):
        (2 * H).latex(name="2x")
    # entries=True named a Jacobian's latex() as the reason, for a Hessian sympy derived
    with pytest.raises(sg.ArgumentError, match="sympy made"):
        (2 * H).latex(entries=True)


@pytest.mark.parametrize("seed, message", [("1x", "is not a name"), ("x y", "is not a name"),
                                           (10**400, "too large for a float64")], ids=["digit", "space", "huge"])
def test_a_seed_that_is_no_name_or_too_large_is_an_argument_error_as_a_complex_or_infinite_one_is(seed, message):
    # these were GraphErrors beside the ArgumentErrors of a seed 1+2j or inf: the same slip in the argument
    for product in (sg.hvp, sg.jvp):
        with pytest.raises(sg.ArgumentError, match=message):
            product("x*y", ["x", "y"], [seed, 0])


@pytest.mark.parametrize("call", [
    lambda: sg.hessp("x^2*y", ["x", "y"])([1.0, 2.0], [1.0]),
    lambda: sg.hessp("x^2*y", ["x", "y"])([1.0], [1.0, 2.0]),
    lambda: sg.hessian("x^2*y").lambdify(vector=True)([1.0, 2.0, 3.0]),
    lambda: sg.hessian("x^2*y", sparse=True).lambdify(vector=True).data(np.ones((2, 2))),
    lambda: sg.value_and_grad("x^2*y", vector=True)([1.0]),
], ids=["hessp direction", "hessp point", "dense hessian", "sparse data", "value_and_grad"])
def test_a_vector_of_the_wrong_length_given_to_a_compiled_form_is_an_argument_error(call):
    # hvp's seeds of the wrong number are an ArgumentError; hessp's direction of the wrong length was a GraphError
    with pytest.raises(sg.ArgumentError, match="must be a 1-D vector of 2 values"):
        call()
