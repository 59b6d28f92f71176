"""What the teaching surfaces write for a student: formulas in the grammar's notation, the user's labels, headings
cut alike, a cost table that reads as a table."""
import json
import re

import pytest
import sympy

import symgraph as sg
from symgraph.export.display import grammar_text


def _page_data(page) -> dict:
    return json.loads(re.search(r"const DATA = (.*?);\n", page.html).group(1))


SYMPY_TEXT = re.compile(r"Heaviside|Piecewise|Eq\(|Ne\(|Max\(|Min\(|Abs\(|\*\*")


def test_edge_formulas_are_in_the_grammar_notation():
    """Local derivatives on edges (Mermaid, DOT, the explorer) were sympy's text: Heaviside(x - y),
    Piecewise((1, v2), (0, True)), Eq(v1, x), which the grammar cannot read and a student has never seen."""
    text = "f = max(x, y) + where(x > 0, x, y)*x + min(x, y)^2 + abs(x)"
    mermaid = sg.to_mermaid(text, derivatives=True)
    dot = sg.to_dot(text, derivatives=True)
    formulas = [e["formula"] for e in _page_data(sg.explore(text))["edges"]]
    for shown in (mermaid, dot, " ".join(formulas)):
        assert not SYMPY_TEXT.search(shown), shown
    assert "∂v1/∂x = where(x > y, 1, where(x == y, 1/2, 0))" in mermaid
    assert "where(v2, 1, 0)" in mermaid
    for formula in formulas:  # each one parses back (a condition node's name, v2, reads as a number alone)
        if "v2" not in formula:
            sg.parse(formula)


def test_explorer_heading_of_a_formula_in_the_grammar_notation():
    page = sg.explore(sympy.Max(*sympy.symbols("x y")) ** 2)
    assert page.title == "max(x, y)^2"


@pytest.mark.parametrize("expr, text", [
    (sympy.Heaviside(sympy.Symbol("x"), 0), "where(x > 0, 1, 0)"),
    (sympy.Heaviside(sympy.Symbol("x"), 1), "where(x >= 0, 1, 0)"),
    (sympy.Eq(sympy.Symbol("f"), sympy.Symbol("x")), "f == x"),
    (sympy.Piecewise((1, sympy.Symbol("x") > 0), (0, True)), "where(x > 0, 1, 0)"),
    (sympy.ceiling(sympy.Symbol("x")) + sympy.E, "ceil(x) + exp(1)"),
    (sympy.Piecewise((1, sympy.And(sympy.Symbol("x") > 0, sympy.Or(sympy.Symbol("y") > 0, sympy.Symbol("x") < 1))),
                     (0, True)), "where(x > 0 and (y > 0 or x < 1), 1, 0)"),
])
def test_grammar_text(expr, text):
    assert grammar_text(expr) == text
    sg.parse(text if "where" in text or "==" not in text else f"where({text}, 1, 0)")


def test_paths_name_nodes_as_the_pictures_do():
    """sg.paths listed node ids (x_0, v4) where pictures and listings write x[0] and the output's name f."""
    found = sg.paths("sum(x[i]^2, i, 0, 1)*y")
    assert [p.nodes[0] for p in found] == ["x[0]", "x[1]", "y"]
    assert all(p.nodes[-1] == "f" for p in found)
    assert sg.paths("c = a + b; c*b", at={"a": 1, "b": 2})[0].nodes == ("a", "c", "f")
    # a derivative naming the unnamed output writes it as the pictures do: d exp(x)/dx = f, not v1
    (path,) = sg.paths("exp(x)")
    assert path.nodes == ("x", "f") and str(path.product) == "f"


def test_explorer_headings_from_text_and_from_formulas_are_cut_alike():
    """A 40-term sum typed as text made an 8-line heading; the same sum as a formula was cut at 80 characters."""
    terms = " + ".join(f"x{i}*y{i}" for i in range(40))
    from_text = sg.explore(terms).title
    from_formula = sg.explore(sympy.sympify(terms)).title
    assert len(from_text) == len(from_formula) == 80 and from_text.endswith("…")
    assert sg.explore("c = a + b; d = b + 1; e = c * d").title == "c = a + b; d = b + 1; e = c * d"
    two = sg.explore([terms, "x0 - y0"]).title
    assert two.endswith("; f2 = x0 - y0") and len(two.split("; ")[0]) == 80


def test_cost_table_html_has_its_own_cell_padding():
    """Outside Jupyter's style sheet the columns ran together: '- 0.345ms' read as a negative number."""
    page = sg.compare("c = a + b; d = b + 1; e = c * d")._repr_html_()
    cells = re.findall(r"<t[hd]( style=\"[^\"]*\")?>", page)
    assert cells and all("padding" in style for style in cells)
