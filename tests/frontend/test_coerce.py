"""What an API call was given, coerced at the boundary: wrong kinds of argument are named symgraph errors."""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import ArgumentError

x, y = sympy.symbols("x y")


@pytest.mark.parametrize("f", [None, b"x*y", object(), {"x": 1}])
def test_a_function_of_the_wrong_kind_is_a_symgraph_error(f):
    # an ArgumentError is a SymgraphError and a TypeError: both ways of catching it work
    with pytest.raises(ArgumentError, match="expected expression text"):
        sg.grad(f)
    with pytest.raises(TypeError):
        sg.jacobian(f)


@pytest.mark.parametrize("wrt, message", [(3, "wrt takes a name or a list of names"), ([None], "got None"),
                                          (["x", 2.5], "got 2.5"),
                                          # bytes were read as a list of their values: "wrt names must be ..., got 120"
                                          (b"x", r"wrt takes a name or a list of names, got bytes b'x'")])
def test_wrt_of_the_wrong_kind_is_a_symgraph_error(wrt, message):
    with pytest.raises(sg.SymgraphError, match=message):
        sg.grad("x*y", wrt=wrt)


def test_wrt_as_a_numpy_array_gives_plain_string_labels():
    g = sg.grad("x^2*y", wrt=np.array(["x", "y"]))
    assert [type(k) for k in g] == [str, str]
    assert repr(g) == "Gradient({'x': 2*x*y, 'y': x**2})"


def test_a_sympy_matrix_of_functions_is_a_list_of_outputs():
    J = sg.jacobian(sympy.Matrix([x * y, x + y]))
    assert J == sympy.Matrix([[y, x], [1, 1]])
    assert sg.jacobian(sympy.Matrix([[x * y, x + y]]), wrt=["y"]) == sympy.Matrix([[x], [1]])


def test_a_two_dimensional_matrix_is_refused_not_flattened():
    """A 2x2 Matrix given as the function was read as four outputs in row-major order, silently: its Jacobian
    was 4 x n with no rows and columns left.  The error says what to pass for that reading."""
    M = sympy.Matrix([[x * y, x], [y, x + y]])
    for call in (lambda: sg.jacobian(M), lambda: sg.grad(M), lambda: sg.Graph.from_sympy(M),
                 lambda: sg.jacobian(sympy.ImmutableMatrix(M)), lambda: sg.compare(M),
                 lambda: sg.jacobian([sympy.ImmutableMatrix(M), x])):
        with pytest.raises(ArgumentError, match=r"2x2 sympy Matrix.*list\(M\)"):
            call()
    assert sg.jacobian(list(M), wrt=["x"]) == sympy.Matrix([[y], [1], [0], [1]])
    assert sg.jacobian(M.reshape(4, 1), wrt=["x"]) == sympy.Matrix([[y], [1], [0], [1]])


@pytest.mark.parametrize("call", [lambda: sg.parse([None]), lambda: sg.to_latex(None),
                                  lambda: sg.grad("x", progress="yes")])
def test_other_arguments_of_the_wrong_kind_are_symgraph_errors(call):
    with pytest.raises(ArgumentError):
        call()


def test_wrt_names_an_element_however_it_is_spaced_or_an_indexed_base():
    # "W[0,0]" (the text's own spelling) was not W[0, 0]: derivative 0 and a warning "did you mean 'W[0, 0]'?"
    text = "W[0,0]^2*W[1,1] + x[1]"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = sg.grad(text, wrt=["W[0,0]", " W[ 1 , 1 ] ", sympy.IndexedBase("x")[1]])
        assert list(g) == ["W[0, 0]", "W[1, 1]", "x[1]"] and g["W[0, 0]"] != 0
        assert list(sg.grad(text, wrt=sympy.IndexedBase("W"))) == ["W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]"]
    with pytest.warns(sg.errors.UnusedWrtWarning, match="'W\\[2, 0\\]'"):  # beyond the extent: absent
        sg.grad(text, wrt=["W[2,0]"])


def test_a_name_listed_twice_is_named():
    # the message listed every name ("'w[0]', 'w[1]', 'w[2]', 'w[0]'") without saying which was repeated
    with pytest.raises(sg.GraphError, match=r"^wrt lists 'w\[0\]' twice \(w stands for every w\[...\]\): 'w\[0\]', "):
        sg.grad("sum(y[k] - w[k], k, 0, 2)", wrt=["w", "w[0]"])
    with pytest.raises(sg.GraphError, match=r"^wrt lists 'a' twice: 'a', 'b', 'a'$"):
        sg.grad("a*b", wrt=["a", "b", "a"])


@pytest.mark.parametrize("functions, message", [
    (["x*y", sympy.Symbol("x") + 1], "item 1 of the list of functions is a text among sympy expressions"),
    ([sg.parse("x*y"), sg.parse("x+y")], "item 1 of the list of functions is a Graph: .* sg.parse\\(\\[text1, text2"),
    ([sympy.Symbol("x"), None], "item 2 of the list of functions is a NoneType"),
    # texts with a stray item: the stray item is named, not the first text ("item 1 ... is a text among sympy
    # expressions" for ["x*y", None], where no sympy expression was given)
    (["x*y", None], "item 2 of the list of functions is a NoneType, not a text or a sympy expression"),
    (["x*y", "x", b"y"], "item 3 of the list of functions is a bytes, not a text"),
    (["x*y", 3], "item 1 of the list of functions is a text among numbers: write each number as text too"),
])
def test_a_list_of_functions_of_mixed_kinds_says_which_item(functions, message):
    """jacobian(["x*y", x + 1]) or a list of Graphs said "cannot convert str (x*y) to a graph; supported are
    Add, Mul, ..." (sympy's converter given a text), which named neither the list nor what to do."""
    with pytest.raises(TypeError, match=message) as caught:
        sg.jacobian(functions)
    assert isinstance(caught.value, sg.SymgraphError)


def test_functions_as_a_generator_or_an_array_are_a_list_of_them():
    """As wrt takes a generator or an array of names: jacobian(f for f in ...) said 'got generator'."""
    x, y = sympy.symbols("x y")
    want = sympy.Matrix([[y, x], [1, 0]])
    assert sg.jacobian((t for t in ["x*y", "x"]), ["x", "y"]) == want
    assert sg.jacobian(np.array(["x*y", "x"]), ["x", "y"]) == want
    assert sg.jacobian(np.array([x * y, x], dtype=object), ["x", "y"]) == want
    assert sg.jacobian(map(str, ["x*y", "x"]), ["x", "y"], sparse=True).nnz == 3
    with pytest.raises(sg.ArgumentError, match="got set"):  # no order to read the rows in
        sg.jacobian({"x*y", "x"}, ["x"])
    with pytest.raises(sg.ArgumentError, match="got ndarray"):  # a 2-d array is no list of functions
        sg.jacobian(np.array([["x"]]), ["x"])


@pytest.mark.parametrize("wrt, hint", [(["x "], "(did you mean 'x'?)"), ([" y"], "(did you mean 'y'?)"),
                                       (["x\t"], "(did you mean 'x'?)"),
                                       (["x y"], "give each separately: 'x', 'y'")])
def test_a_wrt_name_with_spaces_says_which_name_it_may_mean(wrt, hint):
    with pytest.raises(sg.ArgumentError, match="is not a name") as info:
        sg.grad("x*y", wrt=wrt)
    assert hint in str(info.value)
    with pytest.raises(sg.ArgumentError) as info:
        sg.grad("x*y", wrt=["x-1"])
    assert "did you mean" not in str(info.value)
