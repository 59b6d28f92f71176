"""Tests for symgraph.names: the one naming service (fresh names, output labels, user names)."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph import Graph, GraphError, parse
from symgraph.export.latex import function_name as latex_function_name
from symgraph.names import Namer, function_name, output_labels


def test_namer_never_hands_out_a_taken_or_issued_name():
    graph_names = {"v1", "v3", "x", "x1"}
    namer = Namer(graph_names, ["t1"])
    assert [namer.numbered("v") for _ in range(3)] == ["v2", "v4", "v5"]
    assert namer.numbered("t") == "t2"
    assert namer.fresh("x") == "x2" and namer.fresh("x") == "x3"
    assert namer.fresh("y") == "y" and namer.fresh("y") == "y1"
    namer.reserve("z")
    assert "z" in namer and namer.fresh("z") == "z1"
    assert graph_names == {"v1", "v3", "x", "x1"}  # consulted, never changed


def test_generated_node_names_avoid_every_word_of_the_texts():
    g = parse(["v1 + v2*sin(v3)", "w = sin(v3)*v2"])
    generated = set(g.order) - g.user_names
    assert generated and not generated & {"v1", "v2", "v3", "w"}
    assert g.user_names == frozenset({"v1", "v2", "v3", "w"})


def test_a_renamed_assignment_gets_a_fresh_name_that_is_no_user_name():
    g = parse(["u = x*y; v = u + x", "u*2 + u1"])
    renamed = g.operands(g.outputs[0])
    assert "u" not in renamed
    new = next(n for n in renamed if n not in ("x", "y"))
    assert new not in ("u", "u1", "v", "x", "y") and new not in g.user_names


def test_unnamed_output_label_avoids_an_input_called_f():
    """Issue 14: a variable named ``f`` collided with the default label: ``\\partial f / \\partial f``."""
    g = parse("f*x")
    assert function_name(g) == output_labels(g)[0] == "g"
    assert r"\frac{\partial g}{\partial f} = x" in sg.grad("f*x", wrt=["f"]).latex()
    assert latex_function_name is function_name


@pytest.mark.parametrize("text, want", [
    ("x*y", ("f",)),
    ("e = x*y", ("e",)),
    ("x", ("x",)),
    ("f*g*h*F*G*H*phi*psi*x", ("ff",)),
    (["x*y", "x+y"], ("f1", "f2")),
    (["x*y", "y*x", "x+y"], ("f1", "f2", "f3")),
    (["x*y", "u = x+y"], ("f1", "u")),
    (["f1*x", "x+1"], ("g1", "g2")),
    (["u = x*y", "u = x*y"], ("f1", "f2")),
    (["u = x*y", "u = x*y", "x+y"], ("f1", "f2", "f3")),
    (["f*x", "f2 = x + 1", "x - 1"], ("f1", "f2", "f3")),
    (["f3*x", "f2 = x + 1", "x - 1"], ("g1", "f2", "g3")),
])
def test_output_labels(text, want):
    g = parse(text)
    labels = output_labels(g)
    assert labels == want
    assert len(set(labels)) == len(g.outputs)
    user_named = set(labels) & g.user_names
    assert all(label not in g.order for label in set(labels) - user_named)


def test_output_labels_of_from_sympy_graphs():
    x, f = sympy.symbols("x f")
    assert output_labels(Graph.from_sympy([x * f, x * f])) == ("f1", "f2")
    assert output_labels(Graph.from_sympy(x * f)) == ("g",)
    assert output_labels(Graph.from_sympy(x)) == ("x",)


def test_function_name_refuses_several_outputs():
    with pytest.raises(GraphError):
        function_name(parse(["x", "y"]))


def test_an_unnamed_output_is_not_labelled_by_a_registered_function_it_calls():
    # grad("f(x)^2") with a registered f printed "df/dx = 2 cos(x) f(x)", which reads as f's own derivative
    handle = sg.function("f", np.sin, ["cos(x)"])
    try:
        assert sg.grad("f(x)^2").latex().startswith(r"\frac{\partial g}{\partial x}")
        assert output_labels(sg.parse("f(x)^2 + 1")) == ("g",)
    finally:
        handle.remove()
    assert output_labels(sg.parse("sin(x)^2")) == ("f",)
