"""A researcher's audit of indexed sums over data: each test failed before its fix."""
import numpy as np
import pytest

import symgraph as sg


def test_a_graphs_inputs_are_the_names_the_user_wrote():
    """``g.inputs`` listed an element's node name (``x_0``, or ``x_01`` beside an input named ``x_0``) where the
    text wrote ``x[0]``, unlike the graph's repr, its derivatives' keys and every message.  The nodes are in
    ``g.input_nodes``, as ``g.nx`` keys them."""
    g = sg.parse("x_0 + sum(x[i]*y[i], i, 0, n-1)", n=2)
    assert g.inputs == ("x_0", "x[0]", "y[0]", "x[1]", "y[1]")
    assert g.input_nodes[1] in g.nx and g.nx.nodes[g.input_nodes[1]]["name"] == "x[0]"
    gradient = sg.grad(g, wrt=g.inputs)
    assert tuple(gradient) == g.inputs
    values = g.evaluate(**dict(zip(g.inputs, [1.0, 2.0, 3.0, 4.0, 5.0])))
    assert values[g.outputs[0]] == 1 + 2 * 3 + 4 * 5
    assert sg.parse("(a+b)*(b+1)").inputs == ("a", "b")


def test_an_indexed_base_of_a_declared_shape_is_an_input_of_that_extent():
    """``IndexedBase("z", shape=(5,))`` gave the input z the extent of the elements used (2 for z[0], z[1]): data of
    the declared 5 entries was refused and ``wrt=[z]`` named 2 elements, where a MatrixSymbol's shape is its extent."""
    sympy = pytest.importorskip("sympy")
    z, a = sympy.IndexedBase("z", shape=(5,)), sympy.Symbol("a")
    f = (z[0] - a) ** 2 + (z[1] - a) ** 2
    assert sg.grad(f, wrt=[a]).at(z=np.arange(5.0), a=1.0) == {"a": 2.0}
    assert list(sg.grad(f, wrt=[z])) == [f"z[{k}]" for k in range(5)]
    assert sg.parse(sympy.IndexedBase("W", shape=(2, 3))[0, 0]).indexed["W"].shape == (2, 3)


@pytest.mark.parametrize("text, sizes, said", [
    ("m = sum(x[i], i, 0, n-1)/n\nv = sum((x[i+1] - m)^2, i, 0, n-1)", {"n": 3, "x": 3}, "is 3 (where i = 2), out of range"),
    ("sum(sum(W[i, j+i], j, 0, 2), i, 0, 2)", {"W": (3, 3)}, "index 2 of W[...] is 3 (where i = 1, j = 2)"),
    ("d(k) = x[k+1] - x[k]\ny = sum(d(i)^2, i, 0, n-1)", {"n": 3, "x": 3}, "is 3 (where k = 2), out of range"),
    ("sum(x[2 - i], i, 0, 5)", {}, "is -1 (where i = 3), out of range: indices run from 0"),
])
def test_an_index_out_of_range_in_a_sum_says_at_which_term(text, sizes, said):
    """The error named the element's index (3) and pointed at x[i+1] in the text, but not which term of the sum
    made it: with index arithmetic and nested sums the user had to work out the index values by hand."""
    with pytest.raises(sg.ParseError) as info:
        sg.parse(text, **sizes)
    assert said in str(info.value)


def test_an_index_out_of_range_in_a_residual_template_says_which_copy():
    with pytest.raises(sg.ParseError, match=r"index 1 of t\[...\] is 4 \(where k = 3, j = 1\), out of range"):
        sg.residuals("y[k] - a*sum(t[k+j], j, 0, 1)", wrt=["a"], over=("k", 0, 3), t=4)


def test_an_element_given_both_in_its_array_and_by_its_label_is_an_error():
    """``.at(x=[1, 2], **{"x[0]": 5})`` took 5 for x[0] and ``.at(**{"x[0]": 5}, x=[1, 2])`` took 1: whichever keyword
    came last won, silently (the command line already refused ``--at x=[1,2] x[0]=5``)."""
    gradient = sg.grad("sum(x[i]^2, i, 0, 1)", wrt=["x"])
    for values in ({"x": [1.0, 2.0], "x[0]": 5.0}, {"x[0]": 5.0, "x": [1.0, 2.0]}, {"x[0]": 1.0, "x[ 0 ]": 2.0}):
        with pytest.raises(sg.GraphError, match=r"x\[0\] is given two values"):
            gradient.at(**values)


def test_an_element_is_given_a_value_by_its_label_however_it_is_spaced():
    """``wrt=["W[0,1]"]`` names W[0, 1], but ``evaluate(**{"W[0,1]": 2.0})`` and ``.at()`` called it an unknown input."""
    graph = sg.parse("W[0, 1]^2 + x[1]")
    assert graph.evaluate(**{"W[0,1]": 2.0, "x[ 1 ]": 1.0})[graph.outputs[0]] == 5.0
    assert sg.grad(graph, wrt=["W[0,1]"]).at(**{"W[0,1]": 3.0, "x[1]": 0.0}) == {"W[0, 1]": 6.0}
    with pytest.raises(sg.GraphError, match=r"unknown input\(s\) W\[1,0\]"):  # W's extent is 1 x 2 (W[0,0], unread,
        graph.evaluate(**{"W[0,1]": 2.0, "x[1]": 1.0, "W[1,0]": 1.0})  # is taken: tests/ir/test_input_names.py)


def test_a_size_that_bounds_a_residual_template_may_be_read_as_a_number_in_it():
    """``residuals("(y[k] - a*t[k])/sqrt(m)", over=("k", 0, "m-1"), m=4)`` said m was used "only as a number: no index
    or bound uses it", though over='s bound does: a size read as a number beside a bound is allowed in sum()."""
    res = sg.residuals("(y[k] - a*t[k])/sqrt(m)", wrt=["a"], over=("k", 0, "m-1"), m=4)
    t = np.arange(4.0)
    np.testing.assert_allclose(res.fun(np.array([1.0]), np.ones(4), t), (1 - t) / 2, rtol=1e-15)
    np.testing.assert_allclose(res.jac(np.array([1.0]), np.ones(4), t).ravel(), -t / 2, rtol=1e-15)
    with pytest.raises(sg.ParseError, match="'q' is given as a size"):
        sg.residuals("(y[k] - a*t[k])/sqrt(q)", wrt=["a"], over=("k", 0, "m-1"), m=4, q=2)
