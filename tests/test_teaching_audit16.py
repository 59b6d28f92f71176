"""Teaching audit: pictures, cost tables and their messages, as a teacher and a student of backpropagation use them."""
from __future__ import annotations

import pytest

import symgraph as sg
from symgraph.errors import GraphError, SymgraphError


# ---------------------------------------------------------------- a picture's point missing an input
@pytest.mark.parametrize("export", [sg.to_mermaid, sg.to_dot, sg.draw])
def test_a_pictures_point_missing_an_input_names_at_and_the_inputs(export):
    # was "missing value(s) for y": neither the argument at fault nor the inputs there are
    with pytest.raises(GraphError) as caught:
        export("x*y", at={"x": 1})
    message = str(caught.value)
    assert "at=" in message and "y" in message and "(inputs: x, y)" in message


def test_a_pictures_point_missing_an_element_names_at():
    with pytest.raises(GraphError) as caught:
        sg.to_mermaid("sum(x[i]*y, i, 0, 1)", at={"x": [1, 2]})
    assert "at=" in str(caught.value) and "y" in str(caught.value)


def test_a_complete_point_still_labels_every_edge():
    text = sg.to_mermaid("x*y", at={"x": 2, "y": 3}, adjoints=True)
    assert '"2 | grad 3"' in text and '"3 | grad 2"' in text


# ---------------------------------------------------------------- a mode's row read as an attribute
def test_a_mode_read_as_an_attribute_of_a_table_says_to_index_it():
    report = sg.compare("(a+b)*(b+1)")
    with pytest.raises(AttributeError) as caught:  # hasattr() still answers False
        report.reverse  # noqa: B018
    assert isinstance(caught.value, SymgraphError)
    assert "report['reverse']" in str(caught.value)
    assert not hasattr(report, "forward")


def test_a_table_called_says_how_to_read_it_whichever_way_it_was_made():
    with pytest.raises(SymgraphError) as caught:
        sg.compare("(a+b)*(b+1)")()
    # was "result.cost is a property": this table came from sg.compare, not from a result's .cost
    assert "result.cost is a property" not in str(caught.value)
    assert "report['forward'].sweeps" in str(caught.value)
    with pytest.raises(SymgraphError, match=r"result[.]cost is a property .*without \(\)"):  # a result's .cost() still
        sg.grad("x*y").cost()


# ---------------------------------------------------------------- compare of no function
def test_compare_of_no_function_is_an_error_as_grad_of_none_is():
    with pytest.raises(GraphError) as caught:
        sg.compare([])
    assert "no output" in str(caught.value)


# ---------------------------------------------------------------- a picture kept, then saved
def test_a_drawn_picture_saves_as_the_explorer_page_does(tmp_path):
    # a student keeps sg.draw's picture and saves it, as Explorer.save: it was Python's bare AttributeError
    picture = sg.draw("(x+y)*z", at={"x": 1, "y": 3, "z": -3}, adjoints=True)
    assert picture.format == "png"
    written = picture.save(tmp_path / "g.png")
    assert written.read_bytes() == bytes(picture) and written.read_bytes().startswith(b"\x89PNG")
    svg = sg.draw("(x+y)*z", format="svg")
    assert svg.format == "svg" and svg.save(tmp_path / "g.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    with pytest.raises(sg.ArgumentError, match="png"):  # an SVG written to g.png: no viewer opens it as named
        svg.save(tmp_path / "wrong.png")
    with pytest.raises(sg.OutputError):
        picture.save(tmp_path / "missing" / "g.png")


# ---------------------------------------------------------------- expand=True of a formula no one can print
DOUBLING = "; ".join(["v0 = x"] + [f"v{i} = sin(v{i - 1}) * v{i - 1}" for i in range(1, 40)])  # 2^40 terms written out


def test_expanding_a_formula_of_a_trillion_operations_is_refused_at_once():
    # sg.to_latex(text, expand=True) and `symgraph latex --expand` filled 24 GB of memory and never returned
    import time
    start = time.perf_counter()
    with pytest.raises(sg.ExpressionTooLargeError, match="operations written out"):
        sg.to_latex(DOUBLING, expand=True)
    assert time.perf_counter() - start < 5
    assert "v_{39}" in sg.to_latex(DOUBLING)  # without expand: its assignments, as before


def test_the_command_line_refuses_it_too(capsys):
    from symgraph.cli import main
    assert main(["latex", DOUBLING, "--expand"]) == 2
    assert "operations" in capsys.readouterr().err


def test_expanding_a_gradient_of_a_billion_operations_is_refused_at_once():
    # gradient.latex(expand=True) of a 30-level doubling ran on past 20 s (nested under sympy's depth limit)
    import time
    gradient = sg.grad("; ".join(["v0 = x"] + [f"v{i} = sin(v{i - 1}) * v{i - 1}" for i in range(1, 30)]))
    start = time.perf_counter()
    with pytest.raises(sg.ExpressionTooLargeError, match="operations written out"):
        gradient.latex(expand=True)
    with pytest.raises(sg.ExpressionTooLargeError, match="operations written out"):
        sg.to_latex(gradient, expand=True)
    assert time.perf_counter() - start < 5
    assert "t_{" in gradient.latex()  # without expand: the assignments, as before
