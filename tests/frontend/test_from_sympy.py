"""Graph.from_sympy: round trips, sharing of equal subtrees, several outputs, the user's symbols, refusals, depth."""
from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import sympy

import symgraph
import symgraph as sg
from symgraph.errors import GraphError
from symgraph import Graph, UnsupportedOpError, parse
from symgraph.forms import sigmoid

a, b, x, y = sympy.symbols("a b x y")
MODES = ["reverse", "forward", "paths", "elimination"]
BACKENDS = ["numpy", "vm"] + (["numba"] if importlib.util.find_spec("numba") else [])


def _op_nodes(g: Graph, op: str) -> list[str]:
    return [n for n in g.order if g.op(n) == op]


FROM_SYMPY = [
    (a + b) * (b + 1),
    sympy.sin(x) * sympy.exp(y) - x / y,
    x**2 + 2 * x * y,
    sympy.log(1 + sympy.exp(x)),
    sympy.sqrt(x) + sympy.Abs(y),
    sigmoid(x) * sympy.tanh(y),
    sympy.Max(0, x) + sympy.cos(x),
    sympy.pi * x - sympy.E,
    x ** (y**2),
    sympy.atan(x / y) + sympy.asin(x) + sympy.acos(y),
]


@pytest.mark.parametrize("expr", FROM_SYMPY, ids=[str(e) for e in FROM_SYMPY])
def test_from_sympy_round_trip(expr):
    g = Graph.from_sympy(expr)
    got = g.expr()
    assert got == expr or sympy.simplify(got - expr) == 0, (got, expr)


def test_from_sympy_structure_matches_parse():
    g = Graph.from_sympy((a + b) * (b + 1))
    assert set(g.inputs) == {"a", "b"}
    assert len(g) == 5
    assert sorted(g.op(n) for n in g.order) == ["add", "add", "input", "input", "mul"]


def test_from_sympy_list_gives_several_outputs():
    g = Graph.from_sympy([sympy.sin(x), sympy.sin(x) * y])
    assert len(g.outputs) == 2
    assert len(_op_nodes(g, "sin")) == 1
    assert g.expr(g.outputs[0]) == sympy.sin(x)
    assert g.expr(g.outputs[1]) == sympy.sin(x) * y


@pytest.mark.parametrize("expr", [sympy.Integral(x, x), sympy.gamma(x), sympy.besselj(0, x),
                                  sympy.LambertW(x)],
                         ids=["Integral", "gamma", "besselj", "LambertW"])
def test_from_sympy_unsupported(expr):
    with pytest.raises(UnsupportedOpError):
        Graph.from_sympy(expr)


def test_unsupported_is_value_error():
    assert issubclass(UnsupportedOpError, ValueError)
    assert issubclass(UnsupportedOpError, symgraph.SymgraphError)


def test_deep_from_sympy_chain():
    e = x
    for _ in range(3000):
        e = sympy.sin(e, evaluate=False)  # sympy's own auto-evaluation recurses on deep trees
    g = Graph.from_sympy(e)
    assert len(g) == 3001
    want = 0.7
    for _ in range(3000):
        want = math.sin(want)
    assert math.isclose(g.evaluate(x=0.7)[g.output], want, rel_tol=1e-12)


def test_from_sympy_keeps_repeated_outputs():
    g = Graph.from_sympy([x * y, x * y, x + y])
    assert len(g.outputs) == 3 and g.outputs[0] == g.outputs[1] != g.outputs[2]
    assert [g.expr(o) for o in g.outputs] == [x * y, x * y, x + y]


def test_from_sympy_keeps_the_users_symbols():
    """Issue 14: assumptions dropped; ``.subs(r, 2)`` must work on what the graph gives back."""
    r = sympy.Symbol("r", positive=True)
    g = Graph.from_sympy(r * x**2)
    assert g.symbol("r") is r and g.symbol("r").is_positive
    assert g.symbol("x") == x
    assert g.expr().subs(r, 2) == 2 * x**2
    assert g.nx.nodes["r"]["symbol"] is r
    assert parse("r*x").symbol("r") == sympy.Symbol("r")  # text: plain symbols


def test_two_symbols_of_one_name_are_refused_naming_both():
    r = sympy.Symbol("r", positive=True)
    with pytest.raises(UnsupportedOpError) as info:
        Graph.from_sympy(r * sympy.Symbol("r") + 1)
    message = str(info.value)
    assert "Symbol('r', positive=True)" in message and "Symbol('r')" in message
    with pytest.raises(UnsupportedOpError):
        Graph.from_sympy([r * x, sympy.Symbol("r")])


def test_user_names_of_from_sympy_are_the_inputs():
    g = Graph.from_sympy(sympy.sin(x) * y)
    assert g.user_names == frozenset({"x", "y"})


# --------------------------------------------------------------------------- round trips
ROUND_TRIPS = [
    "c = a + b; d = b + 1; e = c * d",
    "sin(x*y) + cos(x*y)*(x*y) + exp(x*y)",
    "h = tanh(w*x + b); h*h - exp(-h)/(1 + x^2)",
    "x^y + 2^x - x^3/y + sqrt(abs(x)) - log(1 + x^2)",
    "sigmoid(x) + relu(x - 1) + softplus(-x) + asin(x/3) + acos(x/4) + atan(x) + sinh(x) + cosh(x)",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_text_to_sympy_to_graph_keeps_the_function(text):
    """parse -> closed form -> from_sympy -> closed form: the same expression and the same numbers."""
    g = parse(text)
    again = Graph.from_sympy(g.expr())
    assert again.expr() == g.expr() or sympy.simplify(again.expr() - g.expr()) == 0
    point = {name: 0.3 + 0.1 * k for k, name in enumerate(g.inputs)}
    assert again.evaluate(**point)[again.output] == pytest.approx(g.evaluate(**point)[g.output], rel=1e-13)


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_from_sympy_is_a_fixed_point(text):
    """A graph built from its own closed form builds the same graph again: one node per distinct subtree."""
    once = Graph.from_sympy(parse(text).expr())
    twice = Graph.from_sympy(once.expr())
    assert len(twice) == len(once) and twice.expr() == once.expr()
    assert sorted(twice.op(n) for n in twice.order) == sorted(once.op(n) for n in once.order)


def test_inputs_of_a_sympy_expression_come_in_order_of_first_appearance():
    # the converter's stack once visited the last operand first: grad(x*y) came out as {'y': x, 'x': y}
    x, y, z = sympy.symbols("x y z")
    assert Graph.from_sympy(x * y).inputs == ("x", "y")
    assert list(symgraph.grad(x**2 * sympy.sin(y))) == ["x", "y"]
    expr = sympy.sin(z) + x * y * sympy.cos(z)
    assert str(expr) == "x*y*cos(z) + sin(z)" and Graph.from_sympy(expr).inputs == ("x", "y", "z")


@pytest.mark.parametrize("expr", [sympy.Eq(sympy.Symbol("x"), 1), sympy.Symbol("x") > 1,
                                  sympy.And(sympy.Symbol("x") > 1, sympy.Symbol("x") < 2), sympy.true])
def test_a_condition_is_no_function_value_from_sympy_either(expr):
    # the text "x > 1" was refused, its sympy form gave the gradient {x: 0}
    with pytest.raises(GraphError, match="the result is a condition, not a number"):
        sg.grad(expr)
    with pytest.raises(GraphError, match=r"output 2 \(.*\): the result is a condition"):
        sg.jacobian([sympy.Symbol("x") ** 2, expr], wrt=["x"])


def test_indexed_elements_convert_to_the_element_nodes_the_text_makes():
    # sympy's x[0] (an IndexedBase's element, as closed forms of indexed inputs are written) was refused:
    # "cannot convert Indexed (x[0]) to a graph", so a closed form could not be read back
    xs, W = sympy.IndexedBase("x"), sympy.IndexedBase("W")
    expr = sum(xs[i] ** 2 * W[i, 0] for i in range(3))
    g = Graph.from_sympy(expr)
    text = parse("x[0]^2*W[0, 0] + x[1]^2*W[1, 0] + x[2]^2*W[2, 0]")
    assert g.input_labels == text.input_labels and g.indexed["W"].shape == (3, 1)
    gradient = sg.grad(expr, wrt=["x"])
    assert gradient.array("x") == sg.grad(text, wrt=["x"]).array("x")
    assert gradient.at(x=[1.0, 2.0, 3.0], W=[[1.0], [1.0], [2.0]]).array("x").tolist() == [2.0, 4.0, 12.0]
    again = sg.grad(gradient["x[0]"], wrt=[xs[0], W[0, 0]])  # the closed form read back
    assert dict(again) == {"x[0]": 2 * W[0, 0], "W[0, 0]": 2 * xs[0]}
    assert sg.value_and_grad(expr, wrt=[xs], vector=True)([1.0, 2.0, 3.0], np.ones((3, 1)))[1].tolist() == [2, 4, 6]
    for bad, message in ((xs[sympy.Symbol("i")], "must be non-negative integers"), (xs[-1], "non-negative"),
                         (xs[10**8], "more than 10,000,000 entries")):
        with pytest.raises(UnsupportedOpError, match=message):
            Graph.from_sympy(bad)
    with pytest.raises(GraphError, match="used without indices and with them"):
        Graph.from_sympy(xs[0] + sympy.Symbol("x"))


def test_an_unevaluated_sum_says_to_expand_it():
    i, x = sympy.Symbol("i", integer=True), sympy.IndexedBase("x")
    with pytest.raises(UnsupportedOpError, match=r"unevaluated Sum has no graph: expand it with \.doit\(\) first"):
        sg.grad(sympy.Sum(x[i] ** 2, (i, 0, 3)))
    assert sg.grad(sympy.Sum(x[i] ** 2, (i, 0, 3)).doit(), wrt=["x"]).at(x=[1.0, 2.0, 3.0, 4.0]) == \
        {"x[0]": 2.0, "x[1]": 4.0, "x[2]": 6.0, "x[3]": 8.0}


@pytest.mark.parametrize("mode", MODES)
def test_a_piecewise_without_default_has_nan_derivatives_where_it_is_nan(mode):
    """sympy's Piecewise((x**2, x > 0)) is nan where no condition holds, and so is sympy.diff of it; the
    gradient was 0 there (the missing branch became the constant nan, whose derivative is 0), in every mode and
    backend.  The derivatives by every input the Piecewise reads, conditions included, are nan there now, to
    every order, and the branch that holds keeps its derivative."""
    form = sympy.Piecewise((y**2 * x, x > 0))
    g = sg.grad(form, wrt=["x", "y"], mode=mode)
    assert np.isnan(g.at(x=-1.0, y=3.0)["x"]) and np.isnan(g.at(x=-1.0, y=3.0)["y"])
    assert g.at(x=2.0, y=3.0) == {"x": 9.0, "y": 12.0}
    for backend in BACKENDS:
        dx, dy = g.lambdify(backend=backend)(np.array([-1.0, 2.0]), np.array([3.0, 3.0]))
        assert np.isnan(dx[0]) and np.isnan(dy[0]) and (dx[1], dy[1]) == (9.0, 12.0), backend
    for s in (x, y):
        assert sympy.diff(form, s).subs({x: -1, y: 3}) is sympy.nan  # the reference: undefined there
    hessian = sg.hessian(sympy.Piecewise((x**3, x > 0)), wrt=["x"]).lambdify()(np.array([-1.0, 2.0]))
    assert np.isnan(hessian[0, 0, 0]) and hessian[0, 0, 1] == 12.0
    assert sg.grad(sympy.Piecewise((x**2, x > 0)) + y, wrt=["y"], mode=mode).at(x=-1.0, y=0.0) == {"y": 1.0}  # as diff
    cascade = x
    for k in range(50):  # each level's missing branch reads x and y: one shared node, guarded at every level
        cascade = sympy.Piecewise((cascade + y, x > k % 7), evaluate=False)
    g = sg.grad(cascade, mode=mode)
    assert g.at(x=10.0, y=1.0) == {"x": 1.0, "y": 50.0}
    assert all(np.isnan(v) for v in g.at(x=3.5, y=1.0).values())


def test_matrix_symbol_elements_are_elements_of_an_indexed_input():
    """MatrixSymbol("A", 2, 2)[0, 1] was refused as an unsupported MatrixElement; it is element (0, 1) of the
    indexed input A (as the text A[0, 1]), whose extent is the MatrixSymbol's shape.  A matrix expression
    (A*A, A itself) is refused saying to give the entries of its .as_explicit()."""
    A = sympy.MatrixSymbol("A", 2, 2)
    g = sg.grad(A[0, 1] * A[1, 0] * x, wrt=[A])
    assert list(g) == ["A[0, 0]", "A[0, 1]", "A[1, 0]", "A[1, 1]"]
    assert g.at(A=np.array([[1.0, 2.0], [3.0, 4.0]]), x=2.0) == {"A[0, 0]": 0.0, "A[0, 1]": 6.0, "A[1, 0]": 4.0,
                                                                "A[1, 1]": 0.0}
    assert dict(sg.grad(A[0, 1] ** 2, wrt=A[0, 1])) == {"A[0, 1]": 2 * sympy.IndexedBase("A")[0, 1]}
    assert sg.jacobian(list((A * A).as_explicit()), wrt=[A]).shape == (4, 4)
    for bad in (A * A, A):
        with pytest.raises(UnsupportedOpError, match=r"matrix expression has no graph.*as_explicit\(\)"):
            Graph.from_sympy(bad)



def test_signs_of_numbers_are_read_off_their_values():
    """A sum of c*x^k - x^-k with numbers sympy has not met converted at 1,300-1,500 calls a term, most of them
    sympy's fact deduction for is_negative on each new Integer; the signs are now read off the values."""
    import sympy
    from tests.helpers import bounded_work
    x = sympy.Symbol("x")
    first = 5 * 10 ** 7  # numbers no other test makes: sympy keeps what it deduced on each
    terms = [sympy.Integer(first + 3 * i) * x ** (first + i) - x ** -(first + 2 * i) - sympy.Float(0.5 + i)
             for i in range(300)]
    total = sympy.Add(*terms)
    with bounded_work(300 * 800, "from_sympy of 300 terms"):
        g = sg.Graph.from_sympy(total)
    ops = [g.op(n) for n in g.order]
    assert ops.count("div") == 300 and ops.count("sub") >= 300  # x^-k as 1/x^k, -c as a difference
    small = 3 * x ** 2 - x ** -3 - sympy.Float(2.5) + x ** sympy.Rational(-1, 2)
    assert sg.Graph.from_sympy(small).evaluate(x=2.0)[sg.Graph.from_sympy(small).output] == pytest.approx(
        float(small.subs(x, 2.0)))


def test_a_divisor_with_a_negative_float_exponent_is_converted_without_a_new_sympy_power():
    """``c*x**-2.5``: the divisor ``x^2.5`` was built as a sympy Pow twice a factor (its children, then its node);
    now as the graph's ``pow(x, 2.5)`` from x's node.  1,000 terms ``a*x_i**-2.5 + b*x_i**-1.5``: 724,000 calls
    instead of 1.11 million, 0.14-0.15 s of processor time instead of 0.25-0.28 (sympy hashing its Floats is most
    of what is left); 300 terms: 155,000 calls instead of 279,000."""
    from tests.helpers import bounded_work
    n = 300
    xs = sympy.symbols(f"x0:{n}")
    total = sympy.Add(*[sympy.Float(1.5 + i) * x ** sympy.Float(-2.5) + sympy.Float(0.5 + i) * x ** sympy.Float(-1.5)
                        for i, x in enumerate(xs)])
    with bounded_work(n * 750, f"from_sympy of {n} terms with Float exponents"):
        g = sg.Graph.from_sympy(total)
    ops = [g.op(v) for v in g.order]
    assert ops.count("div") == 2 * n and ops.count("pow") == 2 * n
    point = {f"x{i}": 1.0 + i / n for i in range(n)}
    expected = float(total.xreplace({x: sympy.Float(point[x.name]) for x in xs}))
    assert g.evaluate(**point)[g.output] == pytest.approx(expected, rel=1e-12)
    x = xs[0]
    for power in (x ** -1, x ** sympy.Rational(-1, 2), x ** sympy.Float(-1.0), 2 * x ** sympy.Rational(-3, 2),
                  sympy.Mul(3, x ** sympy.Float(-0.5), evaluate=False)):
        graph = sg.Graph.from_sympy(power)
        assert graph.evaluate(x0=2.0)[graph.output] == pytest.approx(float(power.subs(x, 2.0)), rel=1e-15), power
