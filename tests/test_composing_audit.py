"""Derivatives composed as JAX composes them: a derivative of a jvp by its direction, names of a gradient's entries
as outputs of the next derivative, the vector forms' keywords spelled alike, and deep chains' dense matrices."""
import warnings

import pytest
import sympy

import symgraph as sg

x, y, u = sympy.symbols("x y u")


def test_a_derivative_by_a_seed_parameter_of_a_jvp_is_not_zero():
    """The seed u of jvp(f, [x, y], [u, 1]) is an input of the result's program: grad by u was 0 with a warning
    that u is 'not in the function (inputs: x, y, u)', as its graph did not let a user name it."""
    d = sg.jvp("x^2*y", ["x", "y"], ["u", 1])  # u*2xy + x^2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = sg.grad(d, ["u", "x"])
        h = sg.grad(sg.hvp("x^3*y", ["x", "y"], ["u", 0]).as_graph("x"), ["u"])  # 6xy*u
    assert g["u"] == 2 * x * y and sympy.expand(g["x"] - (2 * u * y + 2 * x)) == 0
    assert sympy.expand(h["u"] - 6 * x * y) == 0
    assert sg.grad(d).wrt == ("x", "y", "u")  # every input of the program, the seed's after the function's


def test_a_gradients_entries_are_named_after_the_function_and_the_variable():
    """A gradient's entries as outputs of a graph were called f1, f2 (or f): its jvp's keys, a Jacobian's labels
    and the Hessian's LaTeX of an entry said nothing of what they are.  Now f_x is df/dx, f_x_y d2f/dxdy."""
    g = sg.grad("x^2*y + sin(x*y)", ["x", "y"])
    assert sg.grad(g.as_graph("x")).latex().startswith(r"\frac{\partial f_{x}}{\partial x}")
    assert list(sg.jvp(g, ["x", "y"], [1, 0])) == ["f_x", "f_y"]
    assert list(sg.jacobian(g, ["x", "y"]).program.results) == ["df_x/dx", "df_x/dy", "df_y/dx", "df_y/dy"]
    with pytest.raises(sg.GraphError, match=r"2 outputs \(f_x, f_y\)"):
        sg.grad(g)
    g2 = sg.grad(g.as_graph("x"), ["x", "y"])
    assert list(sg.jvp(g2, None, [0, 1])) == ["f_x_x", "f_x_y"]
    assert r"\frac{\partial^2 \mathrm{f\_x\_y}}{\partial x^{2}}" in sg.hessian(g2.as_graph("y")).latex(entries=True)
    named = sg.grad("c = a*b; e = c*sin(b)")  # the function's own name, and an element's label made a name
    assert list(sg.jvp(named, None, [1, 0])) == ["e_a", "e_b"]
    assert list(sg.jvp(sg.grad("x[0]*x[1]", ["x"]), None, [1, 0])) == ["f_x_0", "f_x_1"]
    taken = sg.grad("f_x*x")  # an input's name is not taken for an entry: df/dx is the input f_x itself, so named
    assert list(sg.jvp(taken, None, [1, 0])) == ["f_f_x", "f_x"]
    assert list(sg.jvp(sg.grad("f_x*x + x").as_graph(), None, [1, 0])) == ["f_f_x", "f2"]


def chain(depth: int) -> str:
    """c = sin(c)*c, ``depth`` times: a closed form nested about 4 levels a step."""
    return "c0 = x*y\n" + "\n".join(f"c{i} = sin(c{i - 1})*c{i - 1}" for i in range(1, depth + 1))


@pytest.mark.parametrize("call", [lambda t: sg.jacobian([t, "x"], ["x", "y"]), lambda t: sg.hessian(t, ["x", "y"]),
                                  lambda t: sg.hessian(sg.grad(t).as_graph("x"), ["x", "y"])])
def test_a_dense_matrix_too_deep_for_sympy_says_to_ask_for_a_sparse_one(call):
    """A dense Jacobian or Hessian of a 40-step chain said to use 'print(result.program), .at() or .lambdify()'
    of a result it did not return; it now says what gives one (sparse=True), and that one has the values."""
    with pytest.raises(sg.ExpressionTooLargeError, match=r"nested \d+ levels deep.*sparse=True"):
        call(chain(40))
    H = sg.hessian(sg.grad(chain(40)).as_graph("x"), ["x", "y"], sparse=True)
    assert H.at(x=0.5, y=0.25).shape == (2, 2)


def test_the_vector_forms_spell_their_keywords_alike():
    """jvp and hvp took wrt with no default (their docs said every input) and vjp called its seeds w where jvp and
    hvp say v: vjp(f, wrt, v=...) and jvp(f, v=...) were refused.  Now each takes wrt=None and v; w= still works."""
    f = "x^2*y + sin(y)"
    assert sg.jvp(f, v=[1, 0]) == sg.jvp(f, ["x", "y"], [1, 0]) == {"f": 2 * x * y}
    assert sg.hvp(f, v=[1, 0]) == sg.hvp(f, ["x", "y"], [1, 0]) == {"x": 2 * y, "y": 2 * x}
    assert sg.vjp(f, v=[2]) == sg.vjp(f, w=[2]) == sg.vjp(f, ["x", "y"], [2])
    assert sympy.expand(sg.vjp(f, v=[2])["y"]) == 2 * x**2 + 2 * sympy.cos(y)
    with pytest.raises(sg.ArgumentError, match="vjp\\(\\) takes its seeds once"):
        sg.vjp(f, None, [1], w=[1])
    with pytest.raises(sg.ArgumentError, match=r"v is missing: give one seed \(a number or a name\) per name of \(f\)"):
        sg.vjp(f)
    with pytest.raises(sg.ArgumentError, match=r"v is missing.* per name of \(x, y\)"):
        sg.hvp(f)


def test_a_gradient_gives_a_graph_of_some_of_its_entries_as_its_program_does():
    """g.as_graph(["x", "y"]) said "no entry ['x', 'y']" where g.program.as_graph takes a list; a wrong label in
    the list is named alone."""
    g = sg.grad("x^2*y*z", ["x", "y", "z"])
    assert sg.jacobian(g.as_graph(["x", "z"]), ["x"]) == sympy.Matrix([[2 * y * sympy.Symbol("z")], [2 * x * y]])
    assert g.as_graph(("z",)).outputs == g.as_graph("z").outputs
    with pytest.raises(sg.EntryError, match="no entry 'q'"):
        g.as_graph(["x", "q"])


def test_an_indexed_inputs_seeds_are_one_array_with_wrt_left_out_too():
    """wrt=["x"] takes x's seeds as one array; with wrt left to its default (every input, x among them) the same
    v was refused: 'v has 1 component(s) but there are 4'."""
    rosen, point = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", {"x": [1.0, 2.0, 3.0, 4.0]}
    g = sg.grad(rosen, ["x"], n=4)
    assert sg.jvp(g, None, [[1, 0, 0, 0]]).at(**point) == sg.jvp(g, ["x"], [[1, 0, 0, 0]]).at(**point)
    assert sg.hvp(rosen, v=[[0, 1, 0, 0]], n=4).at(**point) == sg.hvp(rosen, ["x"], [[0, 1, 0, 0]], n=4).at(**point)
    assert sg.hvp("a*sum(x[i]^2, i, 0, 1)", v=[1, [0, 2]]).at(a=3, x=[1, 2]) == {"a": 8, "x[0]": 2, "x[1]": 16}


@pytest.mark.parametrize("seeds", [lambda g: g, lambda g: g.program, lambda g: g.as_graph("x"),
                                   lambda g: sg.grad("a*b")])
@pytest.mark.parametrize("call", [sg.jvp, sg.vjp, sg.hvp])
def test_a_function_given_as_the_seeds_is_named_as_such(call, seeds):
    """A Gradient, its Program or a Graph given as v was read as one seed ('v has 1 component(s) but there are
    2') or as closed forms ('a seed in v must be a number or a name, got y*(2*x + cos(x*y))')."""
    g = sg.grad("x^2*y + sin(x*y)", ["x", "y"])
    with pytest.raises(sg.ArgumentError, match=r"v takes seeds \(numbers or names\), one per name of .*, got "
                                               r"(Gradient|Program|Graph)"):
        call("x^2*y + sin(x*y)", ["x", "y"], seeds(g))


def test_a_seed_written_as_text_says_what_to_give():
    """'1' and '2*x' as seeds were refused as "not a name" alone."""
    with pytest.raises(sg.GraphError, match=r"seed '1' in v is not a name: give the number 1.0, not the text '1'"):
        sg.jvp("x*y", ["x", "y"], ["1", 0])
    with pytest.raises(sg.GraphError, match=r"seed '2\*x' in v is not a name; .* \(c = 2\*x\) and seed c"):
        sg.hvp("x*y", ["x", "y"], ["2*x", 0])
    with pytest.raises(sg.GraphError, match=r"seed 'a b' in v is not a name$"):
        sg.vjp("x*y", ["x", "y"], ["a b"])
