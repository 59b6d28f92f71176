"""What a student or teacher of backpropagation met using symgraph for the first time, and where it went wrong.

Each test is a use from a first session with the README and the notebooks (the textbook graph, softmax with
cross-entropy, small networks, shared parameters) that once showed something wrong or unreadable.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

import symgraph as sg
from tests.browser import console_errors

WIDE_LINEAR = " + ".join(f"w{i}*x{i}" for i in range(30))  # 60 inputs: a Jacobian table of 60 columns


@pytest.mark.parametrize("text", [WIDE_LINEAR, "h = tanh(" + WIDE_LINEAR + "); L = (h - t)^2"])
def test_a_wide_jacobian_table_scrolls_in_its_panel_not_the_whole_page(browser, tmp_path, text):
    """Was: at the end of reverse mode on a function of 60 inputs (a 2-8-3 network has 59), the Jacobian table
    of one column per input made the whole page 4,000-5,000 pixels wide: the inputs, tabs and drawing scrolled
    sideways with it, and the table ran out of its panel."""
    browser.get(sg.explore(text).save(tmp_path / "page.html").as_uri())
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    for mode in ("reverse", "forward"):
        browser.execute_script(f"symgraphExplorer.setMode('{mode}'); symgraphExplorer.go(symgraphExplorer.steps())")
        page, view, table, panel = browser.execute_script(
            "const r = e => e.getBoundingClientRect().right;"
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " (document.getElementById('jacobian').scrollLeft = 100, document.getElementById('jacobian').scrollLeft > 0),"
            " r(document.querySelector('.panel')) >= r(document.getElementById('jacobian'))]")
        assert page <= view and table and panel, (mode, page, view, table, panel)
    assert console_errors(browser) == []


DEEP = "sin(" * 30 + "x" + ")" * 30  # a gradient too large for one formula: LaTeX writes its assignments


@pytest.mark.parametrize("result", [
    lambda: sg.grad(DEEP),
    lambda: sg.jvp(DEEP, ["x"], [1]),
    lambda: sg.hessian("y*" + DEEP, wrt=["x", "y"]),
    lambda: sg.hessian("y*" + DEEP, wrt=["x", "y"], sparse=True),
], ids=["grad", "jvp", "hessian", "sparse hessian"])
def test_a_large_result_shown_in_a_notebook_is_latex_that_compiles(result, tmp_path):
    """Was: a large result's notebook LaTeX ended ``% too large for one formula: ... whole$``, its closing ``$``
    inside the comment, so LaTeX never saw it (nbconvert to PDF stopped at "Missing $ inserted")."""
    shown = result()._repr_latex_()
    assert shown.startswith("$\\displaystyle ") and shown.endswith("$")
    assert "too large for one formula" in shown and "%" not in shown.splitlines()[-1], shown[-200:]
    if shutil.which("pdflatex") is None:
        pytest.skip("no LaTeX engine (pdflatex) on PATH")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
                                      + shown + "\n\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-1500:]


def test_logsumexp_is_listed_and_drawn_as_the_text_wrote_it():
    """Was: the softmax loss's ``lse = logsumexp(z0, z1, z2)`` (notebook 04) was listed, drawn and shown in the
    explorer as ``logaddexp(z0, z1, z2)``: NumPy's name for two arguments, which the grammar does not take, so
    the listing did not parse back and the node did not say what the text said."""
    from symgraph.export.explore import page_data
    text = "lse = logsumexp(z0, z1, z2); C = lse - z1"
    graph = sg.parse(text)
    assert "lse = logsumexp(z0, z1, z2)" in str(graph) and "logaddexp" not in str(sg.grad(text).program)
    assert sg.parse(str(graph).replace("\n", "; ")) == graph  # the listing parses back to the same graph
    assert '"lse: logsumexp"' in sg.to_mermaid(graph) and '"lse: logsumexp"' in sg.to_dot(graph)
    node = {n["name"]: n for n in page_data(graph, list(graph.inputs), dict.fromkeys(graph.inputs, 1.0), "t")[0]["nodes"]}
    assert (node["lse"]["glyph"], node["lse"]["def"]) == ("logsumexp", "lse = logsumexp(z0, z1, z2)")


def test_a_path_sum_too_long_to_enumerate_says_so_and_shows_no_zero_derivative(browser, tmp_path):
    """Was: on 20 layers of ``v = sin(u) + cos(u)`` (1,048,576 paths, more than the page enumerates) the path
    sum said "no input differentiated by reaches an output, so every derivative is 0" and showed dv20/dx = 0,
    where x reaches v20 along every one of those paths and the derivative is 7.6e-5 at x = 1, not 0."""
    text = "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(20)).replace("v0", "x")
    assert sg.compare(text)["paths"].paths == 2**20
    browser.get(sg.explore(text, at={"x": 1}).save(tmp_path / "page.html").as_uri())
    assert browser.execute_script("return document.body.dataset.ready") == "1"
    browser.execute_script("symgraphExplorer.setMode('paths'); symgraphExplorer.go(symgraphExplorer.steps())")
    message, cell = browser.execute_script(
        "return [document.getElementById('message').textContent,"
        " document.querySelector('#jacobian td:last-child').textContent]")
    assert "1,048,576 input-output paths" in message and "Nothing to step through" not in message, message
    assert cell.strip() != "0", cell
    browser.execute_script("symgraphExplorer.setMode('reverse'); symgraphExplorer.go(symgraphExplorer.steps())")
    shown = browser.execute_script("return document.querySelector('#jacobian td:last-child').textContent")
    assert float(shown) == pytest.approx(sg.grad(text).at(x=1)["x"], rel=1e-3)
    assert console_errors(browser) == []
