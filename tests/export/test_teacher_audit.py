"""What a teacher's class meets in the pictures and their texts: every engine names things as formulas do."""
import pytest

import symgraph as sg
from symgraph.export.text import EdgeLabel, legend


@pytest.mark.parametrize("text, name", [("y = x; z = y", "z"), ("c = a*b; d = c", "d"), ("(a+b)*b", "f")])
def test_the_legend_names_the_output_as_grad_does(text, name):
    # The legend of "y = x; z = y" said "adjoint ∂x/∂u" (the node's own name) while grad writes dz/dx.
    graph = sg.parse(text)
    assert sg.grad(graph).latex().startswith(f"\\frac{{\\partial {name}}}")
    entries = legend(graph, [EdgeLabel(graph.inputs[0], graph.outputs[0], "1", "2")])
    assert (f"adjoint ∂{name}/∂u", "red") in entries


@pytest.mark.parametrize("to_text", [sg.to_mermaid, sg.to_dot])
def test_an_edge_formula_names_the_output_as_the_picture_does(to_text):
    # The edge into the unnamed output of sin(x)^3/y read "∂f/∂y = -v3/y": v3 is drawn nowhere (the node says f).
    text = to_text("sin(x)^3/y", derivatives=True)
    assert "∂f/∂y = -f/y" in text and "v3/" not in text
    assert "∂f/∂x = f" in to_text("exp(x)", derivatives=True)
