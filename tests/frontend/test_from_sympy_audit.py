"""Audit of the sympy input path: what researchers pass from sympy, checked against sympy's own derivatives."""
from __future__ import annotations


import pytest
import sympy

import symgraph as sg
from symgraph import UnsupportedOpError
from symgraph.errors import ArgumentError

x, y = sympy.symbols("x y")


def _sympy_gradient(expr: sympy.Expr, point: dict) -> dict:
    """sympy.diff of ``expr`` at ``point``, evaluated with mpmath at 30 digits."""
    at = {s: sympy.Float(point[str(s)], 30) for s in expr.free_symbols}
    return {str(s): float(sympy.diff(expr, s).xreplace(at).evalf(30)) for s in expr.free_symbols}


def test_a_piecewise_nested_ten_thousand_deep_converts():
    """A Piecewise cascade built with evaluate=False, 10,000 levels deep, raised RecursionError: sympy hashes a
    node from its arguments' hashes on first use, and the converter's first lookup hashed the whole tree
    recursively."""
    e = x
    for k in range(10_000):  # as code generators build it: nothing evaluated, so nothing hashed yet
        e = sympy.Piecewise((e, x > k % 7), (y, True), evaluate=False)
    gradient = sg.grad(e)
    assert gradient.at(x=10.0, y=2.0) == {"x": 1.0, "y": 0.0}  # every condition holds: f = x
    assert gradient.at(x=3.5, y=2.0) == {"x": 0.0, "y": 1.0}  # the last level with k % 7 > 3 gives y


def test_a_small_piecewise_cascade_matches_sympy_where_it_switches():
    """The same cascade, small enough for sympy.diff, at points on both sides of each switch."""
    e = x
    for k in range(6):
        e = sympy.Piecewise((e * y, x > k % 3), (e + y ** 2, True), evaluate=False)
    gradient = sg.grad(e, wrt=["x", "y"])
    for xv in (-0.5, 0.999999, 1.000001, 1.5, 1.999999, 2.000001, 3.0):
        point = {"x": xv, "y": 1.3}
        want = _sympy_gradient(e, point)
        got = gradient.at(**point)
        assert got == pytest.approx(want, rel=1e-12), point


@pytest.mark.parametrize("expr", [sympy.root(x, 3, 1), (-8) ** sympy.Rational(1, 3) * x,
                                  sympy.Pow(-1, sympy.Rational(2, 3), evaluate=False) + x],
                         ids=["root(x, 3, 1)", "(-8)**(1/3)*x", "(-1)**(2/3) + x"])
def test_a_complex_root_of_a_negative_number_is_refused(expr):
    """sympy's (-1)**(2/3) is a complex number; it became a real pow node that NumPy evaluates to nan, so
    grad(root(x, 3, 1)) printed Gradient({'x': nan}) with no word of why."""
    with pytest.raises(UnsupportedOpError, match=r"complex number.*real_root"):
        sg.grad(expr)


def test_the_real_cube_root_is_still_accepted():
    """What the complex-root error proposes works: real_root(-8, 3) is -2, cbrt(x) differentiates."""
    assert sg.grad(sympy.real_root(-8, 3) * x)["x"] == -2
    assert sg.grad(sympy.cbrt(x)).at(x=8.0)["x"] == pytest.approx(1 / 12)


@pytest.mark.parametrize("expr, words", [(sympy.I * x, "imaginary unit I.*complex number"),
                                         (sympy.exp(sympy.I * x), "imaginary unit I.*complex number"),
                                         (x + sympy.zoo, "complex infinity")],
                         ids=["I*x", "exp(I*x)", "x + zoo"])
def test_complex_constants_say_they_are_complex(expr, words):
    """I and zoo were refused with the generic list of supported ops, which did not say the problem is that
    the number is complex."""
    with pytest.raises(UnsupportedOpError, match=words):
        sg.grad(expr)


def test_a_sum_of_negated_products_keeps_its_subtractions_and_values():
    """A sum of many terms -a_k*b_k: each term becomes a subtraction of one product node, and the gradient
    matches sympy's.  (Converting 10**5 such terms rebuilt each product through sympy's Mul three times,
    38 s; the product is now taken from the term's own arguments.)"""
    a, b = sympy.symbols("a0:200"), sympy.symbols("b0:200")
    e = sympy.Add(*[-ak * bk * sympy.sin(ak) for ak, bk in zip(a, b)])
    g = sg.Graph.from_sympy(e)
    assert sum(g.op(n) == "sub" for n in g.order) == 199 and sum(g.op(n) == "neg" for n in g.order) == 1
    point = {str(s): 0.1 + 0.01 * k for k, s in enumerate(a + b)}
    want = _sympy_gradient(e, point)
    assert sg.grad(e).at(**point) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("given", ["x + 1", [x, "y"]])
def test_text_given_to_from_sympy_is_refused_saying_to_parse_it(given):
    """Graph.from_sympy("x + 1") raised AttributeError ('str' object has no attribute 'args') from inside the
    converter; text is never sympified, so it is an ArgumentError pointing at sg.parse."""
    with pytest.raises(ArgumentError, match=r"not text .*sg\.parse"):
        sg.Graph.from_sympy(given)


def test_two_matrix_symbols_of_one_name_and_different_shapes_are_refused():
    """MatrixSymbol("A", 3, 3) and MatrixSymbol("A", 2, 2) in one expression became one 3 x 3 input, silently:
    wrt=[the 2 x 2 one] named nine elements, A[2, 2] among them.  As for two Symbols of one name, it is an
    error naming both."""
    small, large = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("A", 3, 3)
    with pytest.raises(UnsupportedOpError, match=r"MatrixSymbol\('A', 2, 2\) and MatrixSymbol\('A', 3, 3\)"):
        sg.Graph.from_sympy(large[2, 2] * small[0, 1])
    with pytest.raises(UnsupportedOpError, match="two different matrix symbols"):
        sg.Graph.from_sympy([small[0, 1], sympy.MatrixSymbol("A", sympy.Symbol("n"), 2)[0, 0]])
    assert sg.Graph.from_sympy([small[0, 1], small[1, 1] * x]).indexed["A"].shape == (2, 2)  # one symbol: fine


@pytest.mark.parametrize("first", [True, False])
def test_an_indexed_element_beyond_a_matrix_symbols_shape_is_refused(first):
    """IndexedBase("A")[5, 0] beside MatrixSymbol("A", 2, 2)[0, 1] made A a 6 x 2 input, though the
    MatrixSymbol gives its extent (2 x 2): an element beyond it is an error, as beyond a text's declared size."""
    A, element = sympy.MatrixSymbol("A", 2, 2), sympy.IndexedBase("A")[5, 0]
    with pytest.raises(sg.GraphError, match=r"A\[5, 0\] is outside MatrixSymbol\('A', 2, 2\)"):
        sg.Graph.from_sympy([element, A[0, 1]] if first else [A[0, 1], element])
    assert sg.Graph.from_sympy(A[0, 1] + sympy.IndexedBase("A")[1, 1]).indexed["A"].shape == (2, 2)


def test_a_zero_to_a_negative_power_is_called_complex_infinity_not_a_complex_number():
    """Pow(0, -1, evaluate=False) was refused as 'a complex number' with advice about complex roots; it is
    sympy's zoo, refused as such."""
    for e in (sympy.Pow(0, -1, evaluate=False), sympy.Pow(0, sympy.Rational(-1, 2), evaluate=False)):
        with pytest.raises(UnsupportedOpError, match="complex infinity") as info:
            sg.Graph.from_sympy(e)
        assert "complex roots" not in str(info.value)


def test_heaviside_with_a_symbolic_value_at_zero_reads_its_inputs():
    """Heaviside(x, y) kept y as a constant symbol: y was no input (evaluate(x=0, y=0.3) said 'unknown input
    y', grad had no y) and Heaviside(x, x)*y was nan at x = 0.  Its value at 0 is converted as any operand."""
    g = sg.Graph.from_sympy(2 * sympy.Heaviside(x, y))
    assert g.inputs == ("x", "y")
    assert g.evaluate(x=0.0, y=0.3)[g.outputs[0]] == pytest.approx(0.6)
    # its value at x = 0 is 2*y: derivative 2 by y there (0 elsewhere), 0 by x, as the text's heaviside(x, y)
    assert sg.grad(2 * sympy.Heaviside(x, y)).at(x=0.0, y=0.3) == {"x": 0.0, "y": 2.0}
    assert sg.grad(2 * sympy.Heaviside(x, y)).at(x=1.0, y=0.3) == {"x": 0.0, "y": 0.0}
    h = sg.Graph.from_sympy(sympy.Heaviside(x, x) * y)
    assert h.evaluate(x=0.0, y=0.3)[h.outputs[0]] == 0.0
    assert sg.grad(sympy.Heaviside(x) * y).at(x=0.0, y=1.0) == {"y": 0.5, "x": 0.0}  # sympy's default h0 = 1/2


def test_a_noncommutative_symbol_is_refused():
    """A*B - B*A of noncommutative symbols was read as numbers, which commute: the function became 0 and its
    derivatives 0, silently."""
    A, B = sympy.symbols("A B", commutative=False)
    with pytest.raises(UnsupportedOpError, match=r"symbol 'A' is noncommutative"):
        sg.Graph.from_sympy(A * B - B * A)
    with pytest.raises(UnsupportedOpError, match="noncommutative"):
        sg.grad(x * A)


def test_an_element_beyond_an_indexed_bases_declared_shape_is_refused():
    """IndexedBase("X", shape=(2,))[5] converted (sympy does not check it) and X became an input of 6 entries,
    though its IndexedBase declares 2; an element beyond the declared shape is refused, as beyond a text's size."""
    with pytest.raises(UnsupportedOpError, match=r"X\[5\]: it is outside the shape \(2,\)"):
        sg.Graph.from_sympy(sympy.IndexedBase("X", shape=(2,))[5] * x)
    with pytest.raises(UnsupportedOpError, match=r"X\[1, 3\]: it is outside the shape \(2, 3\)"):
        sg.Graph.from_sympy(sympy.IndexedBase("X", shape=(2, 3))[1, 3])
    assert sg.Graph.from_sympy(sympy.IndexedBase("X", shape=(2,))[1]).indexed["X"].shape == (2,)
    assert sg.Graph.from_sympy(sympy.IndexedBase("X", shape=(sympy.Symbol("n"),))[5]).indexed["X"].shape == (6,)


def test_a_sympy_name_that_is_a_python_keyword_is_refused_as_a_keyword():
    """Symbol("lambda") (a regularisation weight, printed as a Greek letter) was refused as 'not an identifier',
    which it is: the reason is that a keyword cannot be a compiled function's parameter.  Names that are not
    identifiers still say so."""
    lam = sympy.Symbol("lambda")
    with pytest.raises(UnsupportedOpError, match=r"symbol name 'lambda' is a Python keyword, which cannot name an "
                                                 r"input .*; rename it"):
        sg.grad(lam * x ** 2)
    with pytest.raises(UnsupportedOpError, match=r"indexed name 'if' is a Python keyword"):
        sg.Graph.from_sympy(sympy.IndexedBase("if")[0])
    with pytest.raises(UnsupportedOpError, match=r"matrix symbol name 'None' is a Python keyword"):
        sg.Graph.from_sympy(sympy.MatrixSymbol("None", 2, 2)[0, 1])
    for name in ("x y", "α", "2x"):
        with pytest.raises(UnsupportedOpError, match=rf"symbol name '{name}' is not an identifier \(ASCII letters"):
            sg.Graph.from_sympy(sympy.Symbol(name) + x)
