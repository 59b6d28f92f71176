"""Exports as a student of backpropagation reads them: the pictures' legend, and what the text exports say."""
import json
import shutil
import subprocess

import pytest

import symgraph as sg

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def _graphviz_json(dot: str) -> dict:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    done = subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _y(point: str) -> float:
    return float(point.split(",")[1])


def test_graphviz_legend_is_above_the_drawing_not_among_the_inputs():
    """Was: the legend was a text-only node, which Graphviz ranked with the inputs: on Rosenbrock at n = 4 it sat
    between x[1] and x[2], as if part of the graph.  It is now the graph's label, above every node."""
    dot = sg.to_dot(ROSENBROCK, at={"x": [1, 2, 3, 4]}, adjoints=True, n=4)
    layout = _graphviz_json(dot)
    assert "shape=plaintext" not in dot and "on an edge u → v:" in layout["label"]
    label_y = _y(layout["lp"])  # Graphviz's y grows upwards
    tops = [_y(node["pos"]) + float(node["height"]) * 36 for node in layout["objects"] if "pos" in node]
    assert tops and label_y > max(tops)


def test_graphviz_call_boxes_keep_their_own_caption_under_the_legend():
    """The legend's label is set after the call boxes, so a box (a cluster, which inherits what is set before it)
    is captioned f(), not with the legend."""
    dot = sg.to_dot("f(u) = u^2 + 1; g = f(x)*f(y)", at={"x": 1, "y": 2}, adjoints=True)
    layout = _graphviz_json(dot)
    boxes = [o for o in layout["objects"] if o["name"].startswith("cluster")]
    assert len(boxes) == 2 and all(box["label"] == "f()" for box in boxes)
    assert "adjoint ∂g/∂u" in layout["label"]


def test_a_formula_label_is_written_without_trying_it_as_a_number(monkeypatch):
    """A local derivative without a point is a formula; format_number tried float() on it first, which runs
    sympy's evalf before failing (about 1 ms an edge: half of `symgraph graph --derivatives` on a large graph)."""
    import sympy

    from symgraph.export.text import format_number

    def refuse(self):
        raise AssertionError("float() of a formula")

    x, y = sympy.symbols("x y")
    monkeypatch.setattr(sympy.Expr, "__float__", refuse)
    assert format_number(2 * x * y) == "2*x*y"
    assert format_number(sympy.Piecewise((1, x > y), (0, True))) == "where(x > y, 1, 0)"
    monkeypatch.undo()
    assert format_number(sympy.sin(1)) == "0.8415" and format_number(sympy.Integer(3)) == "3"
    assert format_number(sympy.Rational(1, 3), 10) == "0.3333333333"


def test_a_large_derivatives_latex_defines_the_users_named_nodes_it_uses():
    """Was: the assignments under a derivative too large for one formula left out the function's own named nodes,
    so ``c = x*y; d = sin(c); e = ...`` printed rows reading c and d and defined neither (the text listing of
    the same program defines them)."""
    text = "c = x*y; d = sin(c); e = d*c + c^2 + " + " + ".join(f"exp(c*{k} + x)" for k in range(60))
    gradient = sg.grad(text, wrt=["x"])
    lines = gradient.latex().splitlines()
    assert lines[0].startswith(r"\frac{\partial e}{\partial x} = t_{")  # its program's result, defined below
    assert lines[1] == r"\text{where } c = x y" and lines[2] == r"d = \sin{\left(c \right)}"
    listing = gradient.program.listing().splitlines()
    assert listing[:2] == ["c = x * y", "d = sin(c)"]


DEEP = "sin(" * 150 + "x" + ")" * 150


@pytest.mark.parametrize("argv", [["latex", DEEP], ["latex", DEEP, "--expand"], ["latex", DEEP, "--wrt", "x"],
                                  ["latex", DEEP, "--wrt", "x", "--aligned"], ["jacobian", DEEP, "x", "--latex"]])
def test_latex_of_a_formula_too_deep_for_sympy_does_not_offer_to_expand_it(argv, capsys):
    """Was: under the assignments, "% too large for one formula: latex(expand=True) or --expand prints it whole",
    even after --expand, which fails on a formula nested deeper than sympy can build."""
    from symgraph.cli import main

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("% nested more than 120 levels deep, deeper than sympy can build: the assignments "
                                 "are its formula") and "--expand prints it whole" not in out


def test_a_notebook_shows_the_deep_note_as_text():
    latex = sg.grad(DEEP)._repr_latex_()
    assert latex.endswith("\\text{(nested more than 120 levels deep, deeper than sympy can build: the assignments "
                          "are its formula)}\n\\end{aligned}$")


def test_a_large_but_shallow_result_still_offers_to_expand():
    text = " + ".join(f"exp(x*y*{k})" for k in range(80))
    assert sg.grad(text, wrt=["x"]).latex().endswith("% too large for one formula: latex(expand=True) or --expand "
                                                     "prints it whole")
