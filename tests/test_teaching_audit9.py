"""What a teacher and a student of backpropagation met in the library, on the command line and in its pictures.

Each test is a use from a lesson that once gave something wrong, or other than the same call elsewhere gives.
"""
from __future__ import annotations

import re

import pytest
import sympy

import symgraph as sg
from symgraph.cli import main

RUN_TOGETHER = "2*a*db + ad*b"  # (a, db) and (ad, b): their names written one after the other read alike


def test_a_hessian_by_names_that_run_together_keeps_every_entry(capsys):
    """Was: the Hessian of 2*a*db + ad*b by a, db, ad, b had 1 where it has 2: both entries were labelled
    d2/daddb in its program, so one kept the other's value (dense, sparse, every strategy and the command
    line); the command line printed d2f/daddb twice.  Every surface now writes d2f/dx^2 and d2f/dx dy."""
    names = ["a", "db", "ad", "b"]
    exact = sympy.hessian(2 * sympy.Symbol("a") * sympy.Symbol("db") + sympy.Symbol("ad") * sympy.Symbol("b"),
                          sympy.symbols(names))
    for mode in ("forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
                 "edge-pushing"):
        assert sg.hessian(RUN_TOGETHER, wrt=names, mode=mode) == exact, mode
        sparse = sg.hessian(RUN_TOGETHER, wrt=names, mode=mode, sparse=True)
        numbers = [[float(v) for v in row] for row in exact.tolist()]
        assert sparse.at(a=1, db=1, ad=1, b=1).toarray().tolist() == numbers, mode
    assert sg.hessian(RUN_TOGETHER, wrt=names).cells[0][1] == "d2/da ddb"
    assert main(["hessian", RUN_TOGETHER, "--wrt", *names]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "d2f/da ddb  = 2" in lines and "d2f/dad db  = 1" in lines and "d2f/da^2    = 0" in lines  # one column
    assert len(set(line.split(" = ")[0] for line in lines[1:])) == 10
    assert main(["hessian", RUN_TOGETHER, "--wrt", *names, "--sparse"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["d2f/da ddb = 2", "d2f/dad db = 1"]


def test_a_hessians_program_labels_its_entries_as_the_command_line_does(capsys):
    """Was: the program listing read out[d2/dxdx] and out[d2/dxdy] where the command line read d2f/dx^2 and
    d2f/dxdy: one labelling now, the command line's with the function's name."""
    listing = str(sg.hessian("x^2*y", wrt=["x", "y"]).program)
    assert "out[d2/dx^2]" in listing and "out[d2/dx dy]" in listing and "dxdx" not in listing
    assert main(["hessian", "x^2*y"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["d2f/dx^2  = 2*y", "d2f/dx dy = 2*x", "d2f/dy^2  = 0"]


@pytest.mark.parametrize("text", ["e^x", "e^(2*t) + 1", "e**x*y"])
def test_e_to_a_varying_power_is_noted_as_the_variable_e(text, capsys):
    """Was: ``symgraph grad "e^x"`` printed df/de as a nested Piecewise and df/dx = e**x*Piecewise(...) and said
    nothing; a student meant the exponential.  The result stands (e is a variable, as the textbook's output
    is), and one line on stderr says to write exp(x)."""
    assert main(["grad", text]) == 0
    out, err = capsys.readouterr()
    assert "df/de" in out and err.count("\n") == 1
    assert err.startswith("symgraph: note: e is a variable here") and "write exp(x)" in err


@pytest.mark.parametrize("text, name, meant", [("x^2*sinx", "sinx", "sin(x)"), ("sinhx + x", "sinhx", "sinh(x)"),
                                              ("cosy*y + t", "cosy", "cos(y)")])
def test_a_function_run_into_its_argument_is_noted(text, name, meant, capsys):
    """Was: ``symgraph grad "x^2*sinx"`` differentiated by a variable sinx and said nothing; a student meant sin(x).
    Said where the rest of the name is an input of the text too: cost*w says nothing, cost*t does (a note, as
    cos t is written in physics)."""
    assert main(["grad", text]) == 0
    out, err = capsys.readouterr()
    assert f"df/d{name} = " in out
    assert err == f"symgraph: note: {name} is one name here, a variable; for {meant.split('(')[0]} of " \
                  f"{meant[:-1].split('(')[1]} write {meant}\n"


@pytest.mark.parametrize("text", ["e^2 + x", "c = a + b; d = b + 1; e = c * d", "exp(x)", "x^e", "cost*w",
                                  "logp + q^2", "sinx"])
def test_e_squared_the_textbook_graph_and_plain_names_get_no_note(text, capsys):
    assert main(["grad", text]) == 0
    assert capsys.readouterr().err == ""


def test_a_constant_local_derivative_is_written_once_in_the_explorer(browser, tmp_path):
    """Was: the local-derivatives walkthrough of the textbook graph read '∂c/∂a = 1 = 1' and '∂f/∂y = -1 = -1'
    (the rule's formula, then its value); a formula in the node values is still followed by its value."""
    from selenium.webdriver.common.keys import Keys
    from tests.browser import console_errors
    path = sg.explore("c = a + b; d = b + 1; e = c * d - y", at={"a": 2, "b": 1, "y": 3}).save(tmp_path / "page.html")
    browser.get(path.as_uri())
    body = browser.find_element("tag name", "body")
    body.send_keys("2")
    said = []
    for _ in range(7):
        body.send_keys(Keys.ARROW_RIGHT)
        said.append(browser.find_element("id", "message").text.splitlines()[0])
    assert "∂c/∂a = 1" in said and "∂e/∂y = -1" in said and "∂v1/∂c = d = 2" in said, said
    assert not [line for line in said if line.endswith(("= 1 = 1", "= -1 = -1"))]
    assert console_errors(browser) == []


SHARED = "c = a*b; d = sin(c); g = exp(d)*c; e = c*d + a*g + b"


def _bezier_points(edge: dict) -> list[tuple[float, float]]:
    """Points along an edge's drawn curve in Graphviz's JSON layout (cubic Bezier pieces, sampled)."""
    points = []
    for op in edge["_draw_"]:
        if op.get("op") != "b":
            continue
        ctrl = op["points"]
        for k in range(0, len(ctrl) - 3, 3):
            p0, p1, p2, p3 = ctrl[k:k + 4]
            for step in range(21):
                t = step / 20
                points.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d
                                    for a, b, c, d in zip(p0, p1, p2, p3)))
    return points


@pytest.mark.parametrize("text", [SHARED, "f(u) = u^2 + sin(u)*u; g = f(x)*f(y)"])
def test_graphviz_edges_keep_off_other_edges_labels(text):
    """Was: in the picture of c*d + a*g + b (values, adjoints and local derivatives on the edges) the edge a -> v3
    ran through the text of v2 -> v4's label, and a label sat as near a neighbouring edge as its own: Graphviz
    routes edges around nodes, not around labels.  Each label is now a node its edge runs through, in the call
    box holding both ends (a function's edges stay in its box)."""
    import json
    import shutil
    import subprocess

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    graph = sg.parse(text)
    dot = sg.to_dot(graph, at={name: 1.5 for name in graph.inputs}, adjoints=True, derivatives=True)
    layout = json.loads(subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True, timeout=60,
                                       check=True).stdout)
    objects = layout["objects"]
    labels = {k: o for k, o in enumerate(objects) if o["name"].endswith(" (label)")}
    assert len(labels) == len(graph.edges()) + len(graph.outputs)
    for k, box in labels.items():
        x, y = map(float, box["pos"].split(","))
        half_w, half_h = float(box["width"]) * 36 - 2, float(box["height"]) * 36 - 2
        for edge in layout["edges"]:
            if k in (edge["tail"], edge["head"]):
                continue
            inside = [p for p in _bezier_points(edge) if abs(p[0] - x) < half_w and abs(p[1] - y) < half_h]
            assert not inside, (box["name"], objects[edge["tail"]]["name"], objects[edge["head"]]["name"])
    boxes = [o for o in objects if o["name"].startswith("cluster")]
    for box in boxes:  # the labels of a call's inner edges are in its box
        inner = [objects[n]["name"] for n in box.get("nodes", [])]
        assert any(name.endswith(" (label)") for name in inner) == (len(boxes) > 0)


@pytest.mark.parametrize("text", ["1/2x", "y / 3t + 1"])
def test_a_number_run_into_a_name_after_a_division_says_what_each_reading_divides_by(text):
    """Was: 1/2x said 'write 2*x to multiply', and 1/2*x is x/2, where a student writing 1/2x means 1/(2x)."""
    number, name = text.split("/")[1].split()[0][0], text.split("/")[1].split()[0][1]
    said = f"write /({number}*{name}) to divide by {number}*{name}; /{number}*{name} divides by {number}, then " \
           f"multiplies by {name}"
    with pytest.raises(sg.ParseError, match=re.escape(said)):
        sg.parse(text)
    with pytest.raises(sg.ParseError, match=re.escape("(write 2*x to multiply)")):
        sg.parse("y - 2x")
