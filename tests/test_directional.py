"""jvp and vjp: one sweep each, numeric or symbolic seeds, equal to J·v and wᵀ·J."""
import inspect

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

import symgraph as sg
from symgraph.export.notebook_latex import notebook_math
from symgraph.names import output_labels

x, y, u, w = sympy.symbols("x y u w")
FS = ["x*y*sin(x)", "exp(x*y)+y^2", "x/y - log(1+y^2)"]


def jac():
    return sympy.Matrix([x * y * sympy.sin(x), sympy.exp(x * y) + y**2, x / y - sympy.log(1 + y**2)]).jacobian([x, y])


def test_jvp_numeric_seed_is_one_forward_sweep():
    d = sg.jvp(FS, ["x", "y"], [2, -0.5])
    assert d.mode == "forward" and d.cost.sweeps == 1 and list(d.cost) == ["forward"]
    expected = jac() * sympy.Matrix([2, -0.5])
    got = d.at(x=0.7, y=1.3)
    assert list(got) == list(output_labels(d.graph))
    assert list(got.values()) == pytest.approx([float(e.subs({x: 0.7, y: 1.3})) for e in expected], rel=1e-12)


def test_jvp_symbolic_seed_names_become_inputs():
    d = sg.jvp("x*y", ["x", "y"], ["u", sympy.Symbol("w")])
    assert d.program.inputs == ("x", "y", "u", "w")
    assert sympy.expand(d["f"] - (u * y + w * x)) == 0
    assert d.at(x=2, y=3, u=1, w=10) == {"f": 23.0}
    with pytest.raises(sg.GraphError, match="missing"):
        d.at(x=2, y=3)


def test_seed_names_that_look_like_temporaries_do_not_clash():
    d = sg.jvp("sin(x)*cos(y)", ["x", "y"], ["t1", "t2"])
    t1, t2 = sympy.symbols("t1 t2")
    ref = t1 * sympy.cos(x) * sympy.cos(y) - t2 * sympy.sin(x) * sympy.sin(y)
    assert sympy.simplify(d["f"] - ref) == 0
    assert d.at(x=0.5, y=0.25, t1=2, t2=3)["f"] == pytest.approx(
        float(ref.subs({x: 0.5, y: 0.25, t1: 2, t2: 3})), rel=1e-12)



def test_seed_names_that_the_graph_generated_for_its_own_nodes_do_not_clash():
    """Seeds v1, v2 (a vector v's components) were refused: the graph had named an unnamed node v1 itself."""
    text = "x^2*y + sin(x*y)"  # unnamed nodes: v1, v2, ... in the graph
    assert "v1" in sg.parse(text).op_of
    v1, v2 = sympy.symbols("v1 v2")
    f = x**2 * y + sympy.sin(x * y)
    point = {"x": 0.5, "y": 1.5, "v1": 2.0, "v2": -3.0}
    numbers = {sympy.Symbol(k): value for k, value in point.items()}
    tangent = sg.jvp(text, ["x", "y"], ["v1", "v2"])
    assert tangent.program.inputs == ("x", "y", "v1", "v2")
    assert sympy.simplify(tangent["f"] - (v1 * f.diff(x) + v2 * f.diff(y))) == 0
    assert tangent.at(**point)["f"] == pytest.approx(float((v1 * f.diff(x) + v2 * f.diff(y)).subs(numbers)))
    hessian = sympy.hessian(f, (x, y))
    product = sg.hvp(text, ["x", "y"], ["v1", "v2"])
    for name, row in zip(["x", "y"], hessian * sympy.Matrix([v1, v2])):
        assert sympy.simplify(product[name] - row) == 0
        assert product.lambdify()(**point)[["x", "y"].index(name)] == pytest.approx(float(row.subs(numbers)))
    assert sympy.simplify(sg.vjp([text, "x*y"], ["x", "y"], ["v1", "v2"])["x"] - (v1 * f.diff(x) + v2 * y)) == 0
    with pytest.raises(sg.GraphError, match="'x_0' is the node of an input element"):
        sg.jvp("sum(x[i]^2, i, 0, 2)", ["x"], ["x_0", 1, 1])

def test_vjp_is_one_reverse_sweep_for_every_wrt():
    d = sg.vjp(FS, ["x", "y"], [1, "u", 3])
    assert d.mode == "reverse" and d.cost.sweeps == 1
    expected = (sympy.Matrix([[1, u, 3]]) * jac())
    pt = {x: 0.7, y: 1.3, u: -2.0}
    got = d.at(x=0.7, y=1.3, u=-2.0)
    assert [got["x"], got["y"]] == pytest.approx([float(e.subs(pt)) for e in expected], rel=1e-12)


def test_vjp_output_feeding_output_and_intermediate_wrt():
    graph = sg.parse("c = x*y; v = sin(c) + c", outputs=["c", "v"])
    d = sg.vjp(graph, ["x", "c"], [2, 1])
    c = x * y
    assert sympy.simplify(d["x"] - (2 * y + sympy.diff(sympy.sin(c) + c, x))) == 0
    assert sympy.simplify(d["c"] - (2 + sympy.cos(sympy.Symbol("c")) + 1).subs(sympy.Symbol("c"), c)) == 0


def test_jvp_seeded_intermediate_adds_to_its_tangent():
    # d/dt f(x + t*1, with c = x*y also nudged by 1): J·v with wrt x and intermediate c
    d = sg.jvp("c = x*y; e = sin(c)", ["x", "c"], [1, 1])
    assert sympy.simplify(d["e"] - sympy.cos(x * y) * (y + 1)) == 0


def test_zero_seeds_absent_names_and_bad_seeds():
    assert sg.jvp("x*y", ["x", "y"], [0, 0])["f"] == 0
    assert sg.jvp("x*y", ["x", "q"], [1, 5], allow_unused=True)["f"] == y
    assert sg.vjp("x*y", ["x", "q"], 1, allow_unused=True) == {"x": y, "q": 0}
    assert sg.jvp("sin(x)", None, 3)["f"] == 3 * sympy.cos(x)
    with pytest.raises(sg.GraphError, match="3 component"):
        sg.jvp("x*y", ["x", "y"], [1, 2, 3])
    with pytest.raises(sg.GraphError, match="not a name"):
        sg.jvp("x*y", ["x", "y"], ["1abc", 1])
    with pytest.raises(TypeError, match="number or a name"):
        sg.jvp("x*y", ["x", "y"], [x + 1, 1])


def test_unit_seeds_cost_no_more_than_a_gradient_sweep():
    text = "*".join(f"x{i}" for i in range(1, 21))
    d = sg.vjp(text, None, [1])
    g = sg.grad(text, mode="reverse")
    assert d.cost.multiplications == g.cost.multiplications
    assert d.at(**{f"x{i}": 1.5 for i in range(1, 21)}) == pytest.approx(g.at(**{f"x{i}": 1.5 for i in range(1, 21)}))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=2), st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.floats(0.2, 1.5), st.floats(0.2, 1.5))
def test_jvp_and_vjp_agree_with_the_jacobian(v, wv, px, py):
    J = np.array(sg.jacobian(FS, ["x", "y"]).subs({x: px, y: py}), dtype=float)
    jv = sg.jvp(FS, ["x", "y"], v).at(x=px, y=py)
    wj = sg.vjp(FS, ["x", "y"], wv).at(x=px, y=py)
    assert list(jv.values()) == pytest.approx(J @ np.array(v), rel=1e-9, abs=1e-9)
    assert [wj["x"], wj["y"]] == pytest.approx(np.array(wv) @ J, rel=1e-9, abs=1e-9)


def test_vector_jacobian_products_carry_signs_too():
    d = sg.vjp(["a - b*c", "b - a"], ["a", "b", "c"], [1, "u"])
    a, b, c, u = sympy.symbols("a b c u")
    assert sympy.expand(d["a"] - (1 - u)) == 0 and sympy.expand(d["b"] - (u - c)) == 0
    assert sympy.expand(d["c"] + b) == 0


def test_seeds_may_be_numpy_numbers():
    # a seed vector is often a NumPy array of integers; its elements are numbers like any other
    assert sg.hvp("x^2*y", ["x", "y"], np.array([1, 0])) == {"x": 2 * y, "y": 2 * x}
    assert sg.vjp(["x^2*y"], ["x", "y"], np.array([2]))["x"] == 4 * x * y
    assert sympy.simplify(sg.jvp("x^2*y", ["x"], np.float64(2.0))["f"] - 4 * x * y) == 0


@pytest.mark.parametrize("seeds", [[1.0, 0.0], [1.0, -0.0], np.array([1.0, 0.0]), [np.float64(1), np.float32(0)],
                                   [sympy.Float(1), sympy.Float(0)]])
def test_float_seeds_of_0_and_1_are_exact_as_integer_ones(seeds):
    """A float 0.0 stayed a float constant, so 0.0 times the other column was formed: where that column is nan
    (x^y/y in y at y = 0) jvp along x was nan, the Jacobian's column x (and jvp with [1, 0]) 0.  Every
    spelling of 0 and 1 is now exact, and prints as the integer seeds do."""
    text = "c = y; (x ^ y) / c"
    with np.errstate(all="ignore"):
        column = sg.grad(text, ["x", "y"]).at(x=0.0, y=0.0)["x"]
        assert column == 0.0
        for v in (seeds, [1, 0]):
            product = sg.jvp(text, ["x", "y"], v)
            assert product.at(x=0.0, y=0.0) == {"f": column}, v
            assert product.lambdify()(x=np.array([0.0, 2.0]), y=np.array([0.0, 1.0]))[0].tolist() == [0.0, 1.0]
    assert str(sg.jvp("x*y", ["x", "y"], seeds)) == "JVP({'f': y})"
    assert sg.hvp("x*y^2", ["x", "y"], seeds) == {"x": 0, "y": 2 * y}
    assert sg.vjp(["x*y", "x"], ["x", "y"], seeds) == {"x": y, "y": x}
    assert str(sg.jvp("x*y", ["x", "y"], [0.5, -1.0])["f"]) == "-x + 0.5*y"  # other floats stay floats


@pytest.mark.parametrize("v, message", [([None, 0], "must be a number or a name"), (None, "v is missing")])
def test_bad_seeds_are_named_errors(v, message):
    with pytest.raises(sg.SymgraphError, match=message):
        sg.jvp("x^2*y", ["x", "y"], v)


def test_directional_results_compile_and_agree_with_at():
    """jvp, vjp and hvp results compile as gradients do: one array per entry, in order, for every backend."""
    cases = [
        (sg.jvp("x*y + sin(x)", ["x", "y"], [1, "u"]), dict(x=0.7, y=-1.3, u=2.5)),  # a name seed: an extra input
        (sg.vjp(["x*y", "x+y", "exp(x)"], ["x", "y"], [1, 2, -1]), dict(x=0.7, y=-1.3)),
        (sg.hvp("x^2*y + y^3 + log(x)", ["x", "y"], [1, -2]), dict(x=0.7, y=1.3)),
    ]
    for result, at in cases:
        expected = result.at(**at)
        for backend in ("numpy", "vm"):
            f = result.lambdify(backend=backend)
            assert list(inspect.signature(f).parameters) == list(result.program.inputs)
            got = f(**at)
            assert len(got) == len(result.labels)
            assert [float(v) for v in got] == [expected[label] for label in result.labels]
            batch = f(**{name: np.full(4, value) for name, value in at.items()})
            assert all(np.asarray(v).shape == (4,) for v in batch)
    # an indexed wrt comes back as one array of its shape, as a gradient's does
    h = sg.hvp("sum(x[i]^3*x[i+1], i, 0, 2)", ["x"], [1, 0, 0, 1])
    point = np.array([1.0, 2.0, 3.0, 0.5])
    (got,) = h.lambdify()(point)
    assert got.shape == (4,) and got.tolist() == [h.at(x=point)[label] for label in h.labels]


def test_a_seed_count_mismatch_names_the_outputs_as_results_do():
    # it named the graph's internal nodes: "w has 1 component(s) but there are 2 (v1, v2)"
    with pytest.raises(sg.GraphError, match=r"v has 1 component\(s\) but there are 2 \(f1, f2\)"):
        sg.vjp(["x*y", "x+y"], ["x", "y"], [1])  # the seeds are v, as jvp's and hvp's (and w when given as w=)
    with pytest.raises(sg.GraphError, match=r"w has 1 component\(s\) but there are 2 \(f1, f2\)"):
        sg.vjp(["x*y", "x+y"], ["x", "y"], w=[1])
    with pytest.raises(sg.GraphError, match=r"v has 3 component\(s\) but there are 2 \(x, y\)"):
        sg.jvp("x*y", ["x", "y"], [1, 2, 3])


def test_seeds_by_name():
    """jvp(f, ["x", "y"], {"x": 1, "y": 0}) said 'v has 1 component(s) but there are 2': the mapping was
    taken for one scalar seed. A mapping gives each name's seed by name, for jvp, vjp and hvp alike."""
    assert sg.jvp("x*y", ["x", "y"], {"y": "u", "x": 1}) == sg.jvp("x*y", ["x", "y"], [1, "u"])
    assert sg.vjp(["x*y", "x+y"], ["x", "y"], {"f2": 2, "f1": 1}) == sg.vjp(["x*y", "x+y"], ["x", "y"], [1, 2])
    assert sg.hvp("x^2*y", ["x", "y"], {"x": 1, "y": 0}) == sg.hvp("x^2*y", ["x", "y"], [1, 0])
    with pytest.raises(sg.GraphError, match="v as a mapping gives one seed per name of .*no seed for y; 'z' is not"):
        sg.jvp("x*y", ["x", "y"], {"x": 1, "z": 2})


LARGE = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, 7))


@pytest.mark.parametrize("make, first", [
    (lambda: sg.jvp("x*y", ["x", "y"], ["u", "w"]), r"\left(J v\right)_{f} = u y + w x"),
    (lambda: sg.vjp(["x*y", "x+y"], ["x", "y"], [1, "u"]), r"\left(w^{\top} J\right)_{x} = u + y"),
    (lambda: sg.hvp("x^2*y + y^3", ["x", "y"], [1, 0]), r"\left(H v\right)_{x} = 2 y"),
    (lambda: sg.jvp(LARGE, ["x", "y"], [1, "u"], simplify=False), r"\left(J v\right)_{v_{6}} = t_{"),
])
def test_a_directional_derivative_writes_latex_as_a_gradient_does(make, first):
    """sg.jvp(...).latex() raised AttributeError (only Gradient had latex() and _repr_latex_), and
    sg.to_latex of a jvp or vjp result refused it; both now go through the one writer of derivative LaTeX,
    one line per entry, a large entry as its program, and the lines render."""
    d = make()
    lines = d.latex().splitlines()
    assert lines[0].startswith(first) and len(lines) >= len(d)
    assert sg.to_latex(d) == d.latex()
    assert d._repr_latex_() == notebook_math(d.latex(aligned=True))  # a large one's "$" after its % note
    assert d.latex(name="K").startswith(first.replace("J", "K").replace("H", "K")[:12])
    mathtext = pytest.importorskip("matplotlib.mathtext").MathTextParser("agg")
    for line in lines:
        if not line.startswith("%"):
            mathtext.parse(f"${line}$")


def test_a_wrt_name_the_function_never_reads_is_a_parameter_of_jvp_and_vjp():
    """A gradient takes such a name as a parameter (its value ignored); jvp and vjp did not: their functions
    had no z, and .at(z=5) refused it.  They now take it after the inputs and seeds, with a default."""
    d = sg.vjp("x*y", ["x", "z"], [1], allow_unused=True)
    f = d.lambdify()
    assert list(inspect.signature(f).parameters) == ["x", "y", "z"]
    assert [float(v) for v in f(2.0, 3.0, 7.0)] == [3.0, 0.0] and [float(v) for v in f(2.0, 3.0)] == [3.0, 0.0]
    assert d.at(x=1, y=2, z=5) == {"x": 2.0, "z": 0.0}
    t = sg.jvp("x*y", ["x", "y", "z"], [1, 0, "u"], allow_unused=True)
    assert list(inspect.signature(t.lambdify()).parameters) == ["x", "y", "u", "z"]
    assert float(t.lambdify()(2.0, 3.0, 1.0, z=4.0)[0]) == 3.0
    h = sg.hvp("a^2*t", ["a", "q"], ["pa", "pq"], allow_unused=True)  # forward over reverse: the same rule
    assert list(inspect.signature(h.lambdify()).parameters) == ["a", "t", "pa", "pq", "q"] and h.program.unused == ("q",)
    assert list(sg.hessp("a^2*t", ["a", "q"], allow_unused=True)([3.0, 5.0], [1.0, 1.0], 2.0)) == [4.0, 0.0]


def test_a_seed_keyed_by_an_indexed_input_gives_every_element_from_one_array():
    """wrt=["x"] stands for every element of the indexed input x, yet a seed mapping keyed by "x" with an
    array of its elements was refused ("no seed for x[0], x[1]; 'x' is not among them") by jvp and hvp;
    it now seeds the elements in row-major order, as an evaluation reads x's array."""
    text = "x[0]*x[1]^2 + y*x[1]"
    assert dict(sg.hvp(text, ["x"], {"x": [1.0, 2.0]})) == dict(sg.hvp(text, ["x"], [1.0, 2.0]))
    assert dict(sg.jvp(text, ["x", "y"], {"y": 1, "x": np.array(["u", "w"])})) == \
        dict(sg.jvp(text, ["x", "y"], {"x[0]": "u", "x[1]": "w", "y": 1}))
    W = np.arange(6.0).reshape(2, 3)
    grid = "sum(sum(W[i, j]^3*j, j, 0, 2), i, 0, 1)"
    product = dict(sg.hvp(grid, ["W"], {"W": W}))
    assert product["W[1, 2]"] != 0 and product == dict(sg.hvp(grid, ["W"], W.ravel().tolist()))
    with pytest.raises(sg.GraphError, match=r"v\['x'\] seeds every element of the indexed input x: it takes an "
                                            r"array of shape \(2,\) \(its extents\), got shape \(1, 2\)"):
        sg.hvp(text, ["x"], {"x": [[1.0, 2.0]]})


def test_an_element_name_seeds_that_elements_value_in_jvp_vjp_and_hvp():
    """An indexed input's element (x[1]) is a wrt name everywhere, and now a seed too, meaning its value: it was
    refused by jvp, vjp and hvp alike with "seed 'x[1]' in v is not a name".  Checked against sympy."""
    f = "sum(x[i]^2*y[i], i, 0, n-1)"
    X, Y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    xs, ys = [X[i] for i in range(3)], [Y[i] for i in range(3)]
    expr = sum(xs[i] ** 2 * ys[i] for i in range(3))
    coords = [*xs, *ys]
    v = sympy.Matrix([X[1], 0, 0, 1, 0, 0])
    seeds = ["x[1]", 0, 0, 1, 0, 0]
    jv = sg.jvp(f, ["x", "y"], seeds, n=3)
    assert sympy.expand(jv["f"] - (sympy.Matrix([expr]).jacobian(coords) * v)[0]) == 0
    assert set(jv.program.inputs) == {"x_0", "y_0", "x_1", "y_1", "x_2", "y_2"}  # no new parameter
    vj = sg.vjp(f, ["x[0]", "y[2]"], "x[1]", n=3)
    assert sympy.expand(vj["x[0]"] - X[1] * sympy.diff(expr, X[0])) == 0
    assert sympy.expand(vj["y[2]"] - X[1] * sympy.diff(expr, Y[2])) == 0
    assert sympy.expand(sg.vjp(f, ["x[0]"], X[1], n=3)["x[0]"] - vj["x[0]"]) == 0  # sympy's element, as wrt takes it
    hv = sg.hvp(f, ["x", "y"], seeds, n=3)
    want = sympy.hessian(expr, coords) * v
    assert [sympy.expand(hv[str(c)] - want[k]) for k, c in enumerate(coords)] == [0] * 6
    assert hv.at(x=[1.0, 2.0, 3.0], y=[4.0, 5.0, 6.0])["x[0]"] == pytest.approx(2 * (1 + 2 * 4))
    with pytest.raises(sg.GraphError, match=r"seed 'x\[7\]' in v is no element of x, whose elements are x\[0\], "):
        sg.jvp(f, ["x[0]"], ["x[7]"], n=3)  # said "is not a name"
    with pytest.raises(sg.GraphError, match=r"seed 'x\[1\]' in v is an element the function does not read"):
        sg.hvp("x[0]^2 + x[2]", ["x[0]"], ["x[1]"])
    with pytest.raises(sg.GraphError, match=r"seed 'z\[1\]' in v is not a name"):
        sg.jvp(f, ["x[0]"], ["z[1]"], n=3)
    with pytest.raises(sg.GraphError, match=r"seed 'x' in v names the indexed input x as a whole"):
        sg.jvp(f, ["x[0]"], ["x"], n=3)  # was a new parameter x beside the input x


def test_an_indexed_inputs_seed_array_may_mix_names_and_numbers():
    """{"x": ["u", 0, 0]} made NumPy turn every entry into a string, and the seed '0' was "not a name"."""
    f = "sum(x[i]^2*y[i], i, 0, n-1)"
    X, Y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    assert sympy.expand(sg.jvp(f, ["x"], {"x": ["u", 0, 0]}, n=3)["f"] - 2 * u * X[0] * Y[0]) == 0
    assert sympy.expand(sg.jvp(f, ["x"], {"x": ("y[2]", 0, 1.5)}, n=3)["f"]
                        - 2 * X[0] * Y[0] * Y[2] - 3.0 * X[2] * Y[2]) == 0
    product = sg.hvp(f, ["x", "y"], {"x": ["u", 0, 0], "y": ["x[1]", 1, 0]}, n=3)
    assert sympy.expand(product["x[0]"] - 2 * (u * Y[0] + X[0] * X[1])) == 0
    assert sympy.expand(product["x[1]"] - 2 * X[1]) == 0


def test_a_seed_list_may_give_an_indexed_input_one_array_as_wrt_names_it():
    """wrt=["x", "y"] with v=[[1, 0, 0], 1] (one seed per name as written, x's an array of its elements) said
    "v has 2 component(s) but there are 4"; a mapping already took {"x": [1, 0, 0], "y": 1}.  jvp and hvp read
    both forms alike; a flat list of one seed per element still works."""
    f = "sum(x[i]^2, i, 0, n-1)*y"
    by_list = sg.jvp(f, ["x", "y"], [["u", 0, 0], 1], n=3)
    by_name = sg.jvp(f, ["x", "y"], {"x": ["u", 0, 0], "y": 1}, n=3)
    flat = sg.jvp(f, ["x", "y"], ["u", 0, 0, 1], n=3)
    X = sympy.IndexedBase("x")
    assert sympy.expand(by_list["f"] - (2 * u * X[0] * y + sum(X[i] ** 2 for i in range(3)))) == 0
    assert by_list["f"] == by_name["f"] == flat["f"]
    hv = sg.hvp(f, ["x", "y"], [np.array([1.0, 0, 0]), 0], n=3)
    assert hv.at(x=[1.0, 2.0, 3.0], y=2.0) == pytest.approx({"x[0]": 4.0, "x[1]": 0.0, "x[2]": 0.0, "y": 2.0})
    with pytest.raises(sg.GraphError, match=r"v\['x'\] seeds every element of the indexed input x: it takes an "
                                            r"array of shape \(3,\)"):
        sg.jvp(f, ["x", "y"], [[1, 0], 1], n=3)


def test_fraction_seeds_stay_exact():
    """A fractions.Fraction seed is the rational it is, not its float (4*y/3, not 1.33333333333333*y)."""
    from fractions import Fraction
    h = sg.hvp("x^2*y", ["x", "y"], [Fraction(2, 3), 0])
    assert h["x"] == sympy.Rational(4, 3) * sympy.Symbol("y")
    assert sg.jvp("x*y", ["x", "y"], {"x": Fraction(1, 3), "y": 1})["f"] == sympy.Symbol("x") + sympy.Symbol("y") / 3
    assert sg.hvp("x^2*y", ["x", "y"], [Fraction(4, 2), 0])["x"] == 4 * sympy.Symbol("y")


@pytest.mark.parametrize("product, names", [
    (lambda seeds: sg.jvp("x*y", ["x", "y"], seeds), "x, y"),
    (lambda seeds: sg.vjp(["x*y", "x"], ["x", "y"], seeds), "f1, x"),
    (lambda seeds: sg.hvp("x*y", ["x", "y"], seeds), "x, y"),
])
def test_a_set_of_seeds_is_refused_as_a_set_of_wrt_names_is(product, names):
    """NumPy takes a set for one scalar, so {1, 2} was read as one seed: "v has 1 component(s) but there are 2"."""
    with pytest.raises(sg.ArgumentError, match=rf"takes a list of seeds, one per name of \({names}\) in that order "
                                               r"\(a set has no order\), or a mapping by name; got set \{1, 2\}"):
        product({1, 2})
    assert sg.jvp("x*y", ["x"], {2})["f"] == 2 * y  # one seed has no order to lose, as wrt={"x"}


def test_jvp_and_vjp_sweep_only_what_joins_their_seeds_to_the_outputs():
    """As forward and reverse mode: jvp carried tangents into a line no output reads, and vjp adjoints into a
    branch of inputs not in wrt, counting products whose rows the program then dropped."""
    dead = sg.jvp("d = sin(x*y)*cos(x)*exp(x)*tanh(x*x); e = x*y", ["x", "y"], [1, "u"])
    assert dead.cost["forward"].multiplications == 1 and dead["e"] == u * x + y
    branch = sg.vjp("sin(x*y)*exp(tanh(z*w)*cos(z))", ["x"], [1])
    assert branch.cost["reverse"].multiplications == 2
    assert branch["x"] == sg.grad("sin(x*y)*exp(tanh(z*w)*cos(z))", wrt=["x"])["x"]


@pytest.mark.parametrize("seeds", [bytearray(b"a"), b"a", memoryview(b"ab")])
def test_bytes_are_no_seeds(seeds):
    # a bytearray was read as a list of its byte values: jvp("x*y", ["x"], bytearray(b"a")) gave 97*y
    with pytest.raises(sg.ArgumentError, match=r"v takes seeds \(numbers or names\).*got (bytes|bytearray|memoryview)"):
        sg.jvp("x*y", ["x"], seeds)
    with pytest.raises(sg.ArgumentError, match=r"takes seeds"):
        sg.hvp("x^2*y", ["x"], seeds)


def test_seeds_by_name_take_the_spellings_wrt_takes():
    """wrt reads an element spelt as the text may space it (``W[1,0]``) or by its node (``x_0``) as its label;
    a mapping of seeds keyed by the same spellings was refused ("no seed for W[1, 0]; 'W[1,0]' is not among
    them"), in jvp and hvp alike."""
    text = "sum(x[i]^2*x[i+1], i, 0, n-2) + W[0,1]*W[1,0]*x[0]"
    sizes = {"n": 3, "W": (2, 2)}
    for wrt in (["W[1,0]", "x_0"], ["W[ 1 , 0 ]", "x[0]"]):
        seeds = dict(zip(wrt, [2, "u"]))
        assert sg.hvp(text, wrt, seeds, **sizes) == sg.hvp(text, ["W[1, 0]", "x[0]"], [2, "u"], **sizes)
        assert sg.jvp(text, wrt, seeds, **sizes) == sg.jvp(text, ["W[1, 0]", "x[0]"], [2, "u"], **sizes)
    with pytest.raises(sg.GraphError, match="no seed for x\\[0\\]; 'x_1' is not among them"):
        sg.hvp(text, ["W[1,0]", "x_0"], {"W[1,0]": 1, "x_1": 1}, **sizes)
    with pytest.raises(sg.ArgumentError, match=r"got 'x\[0\]' twice in the mapping, as 'x_0' and as 'x\[0\]'"):
        sg.jvp(text, ["x_0"], {"x_0": 1, "x[0]": 2}, **sizes)
