"""Tests for symgraph.ir.builder: hash-consing tables, indexed inputs' extents and names, input labels."""
from __future__ import annotations

import pytest
import sympy

import symgraph as sg
from symgraph.errors import GraphError
from symgraph.ir.builder import GraphBuilder


def test_nodes_on_nodes_are_one_node_per_op_and_operands_commutative_ones_sorted():
    b = GraphBuilder()
    x, y = b.input("x"), b.input("y")
    assert b.binary("add", x, y) == b.binary("add", y, x) == b.op("add", x, y)
    assert b.binary("sub", x, y) != b.binary("sub", y, x)
    assert b.binary("mul", x, y) != b.binary("add", x, y)  # one table per op
    assert b.op("sin", x) == b.op("sin", x) != b.op("cos", x)
    g = b.finish([b.binary("sub", y, x)])
    assert g.operands_of[g.output] == ("y", "x")


def test_an_indexed_input_extent_is_one_past_each_axis_largest_index_or_as_declared():
    b = GraphBuilder()
    for index in [(0, 4), (2, 1), (1, 0)]:
        b.indexed_input("W", index)
    b.indexed_input("x", (3,))
    b.declare_extents({"x": (6,), "W": (1, 1), "v": (2,)})  # W's declared extent is smaller: the used one wins
    g = b.finish([b.binary("add", b.indexed_input("x", (0,)), b.indexed_input("W", (0, 4)))])
    assert g.indexed["W"].shape == (3, 5) and g.indexed["x"].shape == (6,)
    assert list(g.indexed["W"].nodes) == [(0, 4), (1, 0), (2, 1)]  # row-major order
    assert sg.parse("x[2] + x[0]", x=5).indexed["x"].shape == (5,)


def test_an_indexed_input_keeps_its_number_of_indices():
    b = GraphBuilder()
    b.indexed_input("W", (0, 1))
    with pytest.raises(GraphError, match=r"W takes 2 indices \(W\[0, 1\]\), got W\[3\]"):
        b.indexed_input("W", (3,))
    b.input("y")
    with pytest.raises(GraphError, match=r"'y' is used without indices and with them"):
        b.indexed_input("y", (0,))
    with pytest.raises(GraphError, match=r"'W' is used with indices \(W\[0, 1\]\) and without"):
        b.input("W")


def test_element_names_are_free_names_even_when_two_elements_would_share_one():
    g = sg.parse("x_1[1] * x[1, 1] + x_1_2 + x[0, 2]")  # x_1[1] and x[1, 1] both make 'x_1_1'; x_1_2 is taken
    assert g.addresses["x_1[1]"] == "x_1_1" and g.addresses["x[1, 1]"] == "x_1_11"
    assert g.addresses["x[0, 2]"] == "x_0_2" and "x_1_2" in g.inputs
    many = sg.parse("sum(x[i], i, 0, 9)")
    assert [many.addresses[f"x[{k}]"] for k in range(10)] == [f"x_{k}" for k in range(10)]


@pytest.mark.parametrize("texts, labels", [
    ("c = x[0]; c + x[1]", ("x[0]", "x[1]")),  # an alias of an element is not its label
    (["x[0]*y", "c = y; c*2"], ("x[0]", "y")),  # nor of a plain input
])
def test_input_labels_are_the_inputs_own_names(texts, labels):
    assert sg.parse(texts).input_labels == labels


# ------------------------------------------------------------------ branches a fold left behind
@pytest.mark.filterwarnings("error::RuntimeWarning")  # the untaken branch is never computed
@pytest.mark.parametrize("text, rows, output", [
    ("where(1 > 0, x, sqrt(y))", 0, "x"),  # the output is an input; y stays one (the text reads it)
    ("a = where(1 < 0, sqrt(y), x)\nb = a*2", 1, "b"),
    ("where(x > 0, x, 0) + where(2 > 1, 1, log(y))", 3, "v3"),  # names numbered without the pruned node
])
def test_a_branch_a_constant_condition_rules_out_is_no_node(text, rows, output):
    graph = sg.parse(text)
    assert set(graph.inputs) == {"x", "y"}
    assert sum(1 for node in graph.order if graph.op(node) != "input") == rows
    assert graph.output == output
    assert not any(graph.op(node) in ("sqrt", "log") for node in graph.order)
    values = graph.evaluate(x=1.0, y=-1.0)
    assert values[output] == sg.parse(text).evaluate(x=1.0, y=2.0)[output]
    assert sg.grad(text, wrt=["x", "y"]).at(x=1.0, y=-1.0)["y"] == 0.0


def test_a_named_line_stays_read_or_not():
    graph = sg.parse("c = sqrt(y)\nd = where(1 > 0, x, c)")
    assert "c" in graph.order and graph.op("c") == "sqrt"


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_sympys_real_root_leaves_no_untaken_branch():
    x, y = sympy.symbols("x y")
    graph = sg.Graph.from_sympy(sympy.real_root(x, 3) + y)  # Piecewise((..., Eq(im(x), 0)), (x**(1/3), True))
    assert "pow" in {graph.op(n) for n in graph.order}
    assert not any(graph.op(n) == "pow" and graph.operands(n)[0] == "x" for n in graph.order)
    assert graph.evaluate(x=-8.0, y=1.0)[graph.output] == pytest.approx(-1.0)
