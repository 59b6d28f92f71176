"""What a teacher and a student of backpropagation met in the exports (the explorer in a notebook, pictures, LaTeX).

Each test is a use from a lesson that once showed something wrong, unreadable or needlessly large.
"""
from __future__ import annotations

import html
import re
import shutil

import pytest

import symgraph as sg
from tests.browser import console_errors

WIDE_SUM = " + ".join(f"w{i}*x{i}" for i in range(30))  # a 30-term sum: 60 inputs, 120 nodes


def test_a_page_shown_in_a_notebook_is_about_as_large_as_the_page(browser, tmp_path):
    """Was: the iframe's srcdoc was written with ``html.escape``, every ``"`` of the page's JSON data as
    ``&quot;``: the 30-term sum's page of 134 kB was a 253 kB ``_repr_html_``, saved so in every notebook."""
    page = sg.explore(WIDE_SUM)
    shown = page._repr_html_()
    assert len(shown) < 1.02 * len(page.html), (len(shown), len(page.html))
    found = re.fullmatch(r"<iframe srcdoc='([^']*)' title=\"symgraph explorer\"( [a-z]+=\"[^\"]*\")*></iframe>", shown)
    assert found and html.unescape(found.group(1)) == page.html and "<script" not in shown
    # a title with both quotes and an ampersand comes through the attribute whole, and the page runs in the frame
    page = sg.explore("x*y", title="it's \"x & y\" <b>")
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body>" + page._repr_html_() + "</body></html>", encoding="utf-8")
    browser.get(notebook.as_uri())
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        browser.execute_script("symgraphExplorer.setMode('reverse'); symgraphExplorer.go(symgraphExplorer.steps())")
        ready, heading = browser.execute_script(
            "return [document.body.dataset.ready, document.querySelector('h1 code').textContent]")
        assert ready == "1" and heading == "it's \"x & y\" <b>"
    finally:
        browser.switch_to.default_content()
    assert console_errors(browser) == []


def test_a_page_differentiating_by_some_inputs_steps_through_reverse_mode():
    """Was: ``sg.explore("h = tanh(w*x + b); L = (h - t)^2", wrt=["w", "b"])`` (and ``symgraph explore ... --wrt w b``)
    raised an AssertionError, "reverse mode at node v1: recorded 2 multiplications, the sweep counted 1": the
    sweep pulls no adjoint into x, which no wrt input reaches, and the page recorded a term into it all the same."""
    from symgraph.export.explore import page_data
    text = "h = tanh(w*x + b); L = (h - t)^2"
    graph = sg.parse(text)
    modes = page_data(graph, ["w", "b"], dict.fromkeys(graph.input_nodes, 1.0), text)[0]["modes"]
    report = sg.compare(text, wrt=["w", "b"])
    for mode in ("reverse", "forward", "paths", "elimination"):
        assert modes[mode]["multiplications"] == report[mode].multiplications
    steps = modes["reverse"]["steps"]
    edges = [(e["u"], e["v"]) for e in page_data(graph, ["w"], dict.fromkeys(graph.input_nodes, 1.0), text)[0]["edges"]]
    into = {edges[s["e"]][0] for s in steps if s["k"] == "term"}
    assert {"w", "b"} <= into and not {"x", "t"} & into  # no term into an input no wrt input reaches
    assert sum(s["m"] for s in steps if s["k"] == "term") == report["reverse"].multiplications
    assert sg.explore(text, wrt=["w"]).nodes == len(graph.order)


def test_a_page_in_a_notebook_frame_grows_to_show_its_panel(browser, tmp_path):
    """Was: the frame's height was a guess from the drawing's; in an output 900 pixels wide the panel wraps below
    the drawing, and the textbook page's messages, counts and Jacobian were cut off below the frame (its page
    was 835 pixels high in a frame of 616).  A tall drawing's box still stops at 80% of the frame's first height."""
    notebook = tmp_path / "notebook.html"
    tall = " + ".join(f"sin(x{i})*cos(x{i}*y)" for i in range(40))  # 240 nodes, drawn about 3,000 pixels high
    for text in ("c = a + b; d = b + 1; e = c * d", tall):
        page = sg.explore(text)
        notebook.write_text('<!DOCTYPE html><html><body style="width: 900px">' + page._repr_html_()
                            + "</body></html>", encoding="utf-8")
        browser.get(notebook.as_uri())
        frame = browser.find_element("css selector", "iframe")
        browser.switch_to.frame(frame)
        try:
            for mode in ("pass", "reverse", "elimination"):
                browser.execute_script(f"symgraphExplorer.setMode('{mode}'); "
                                       "symgraphExplorer.go(symgraphExplorer.steps())")
                page_height, box = browser.execute_script(
                    "return [document.documentElement.scrollHeight,"
                    " document.getElementById('drawing').getBoundingClientRect().height]")
                browser.switch_to.default_content()
                browser.execute_script("return new Promise(done => requestAnimationFrame(() => setTimeout(done, 50)))")
                shown = browser.execute_script("return arguments[0].clientHeight", frame)
                browser.switch_to.frame(frame)
                assert shown >= page_height and box <= 0.8 * page.height + 1, (text[:20], mode, shown, page_height, box)
        finally:
            browser.switch_to.default_content()
    assert console_errors(browser) == []


@pytest.mark.parametrize("labelled", [False, True], ids=["bare", "with values and adjoints"])
def test_both_engines_say_in_the_legend_that_a_sum_was_folded(labelled):
    """Was: the matplotlib engine's legend said "Σ: a chain of additions drawn as one node" under a folded sum, and
    Graphviz's (the command line's engine wherever dot is installed) did not: the class saw 'f: Σ 31 terms' with
    nothing saying what it stood for."""
    text = " + ".join(f"x{i}" for i in range(30)) + " + y*z"
    at = {f"x{i}": i for i in range(30)} | {"y": 2, "z": 3}
    options = {"at": at, "adjoints": True} if labelled else {}
    engines = ["matplotlib"] + (["graphviz"] if shutil.which("dot") else [])
    for engine in engines:
        svg = sg.draw(text, format="svg", engine=engine, **options).decode()
        svg = svg.replace("&#160;", " ")
        assert "Σ 31 terms" in svg and "a chain of additions drawn as one node" in svg, engine


@pytest.mark.parametrize("result, shown", [
    (lambda: sg.hessian("2*pi"), r"\nabla^2 f &= \text{no entries: a }0 \times 0\text{ matrix}"),
    (lambda: sg.jacobian(["2", "3"]), r"\text{no entries: a }2 \times 0\text{ matrix}"),
    (lambda: sg.jacobian(["x*y"], wrt=[]), r"\text{no entries: a }1 \times 0\text{ matrix}"),
], ids=["hessian", "jacobian", "jacobian of no wrt"])
def test_a_derivative_of_no_entries_says_so_in_a_notebook(result, shown):
    """Was: a notebook showed the Hessian of a constant as ``\\nabla^2 f = ( )`` and the Jacobian of two constants as
    empty parentheses two rows high (``\\begin{pmatrix}\\\\\\end{pmatrix}``), where the gradient says "no entries:
    nothing to differentiate with respect to" and the command line says the Jacobian is empty."""
    assert shown in result()._repr_latex_()
    assert "pmatrix" not in result()._repr_latex_()


def test_an_operator_on_two_constants_is_drawn_between_them():
    """Was: the Gaussian's ``sqrt(2*pi)`` drew its product as 'v5: * pi 2' (and ``2^pi`` as '^ 2 pi'), read as a call
    of * on pi and 2; the listing writes ``v5 = pi * 2``."""
    from symgraph.export.text import op_label
    graph = sg.parse("exp(-x^2/2)/sqrt(2*pi) + 2^pi + (1 - pi)")
    labels = {op_label(graph, node) for node in graph.order}
    assert {"v5: pi * 2", "v8: 2 ^ pi", "v10: 1 - pi"} <= labels
    assert "v5 = pi * 2" in str(graph) and '(("v5: pi * 2"))' in sg.to_mermaid(graph)
    assert {"v1: ^ 2", "v3: / 2"} <= labels  # a constant beside a node is written as before


def test_a_pages_heading_writes_powers_as_its_steps_do():
    """Was: the page of ``["x*y", "x^y"]`` was headed 'f1 = x*y; f2 = x**y' while its steps and edges wrote
    'f2 = x ^ y' and 'x^(y - 1)*y'."""
    from symgraph.export.explore import page_data
    import sympy
    x, y = sympy.symbols("x y")
    assert sg.explore(["x*y", "x^y"]).title == "f1 = x*y; f2 = x^y"
    assert sg.explore(x**2 * y).title == "x^2*y"
    graph = sg.parse(["x*y", "x^y"])
    data = page_data(graph, ["x", "y"], {"x": 1.0, "y": 1.0}, "t")[0]
    assert "**" not in " ".join(n["def"] for n in data["nodes"]) + " ".join(e["formula"] for e in data["edges"])


def test_a_page_in_a_hidden_notebook_frame_fits_when_it_is_shown(browser, tmp_path):
    """A frame loaded while not displayed (an output collapsed, a notebook tab not shown) measured no height: its
    drawing's box would be held at 0 pixels and the frame grown to the page laid out at no width."""
    page = sg.explore("c = a + b; d = b + 1; e = c * d")
    notebook = tmp_path / "notebook.html"
    notebook.write_text('<!DOCTYPE html><html><body style="width: 900px"><div id="cell" style="display: none">'
                        + page._repr_html_() + "</div></body></html>", encoding="utf-8")
    browser.get(notebook.as_uri())
    frame = browser.find_element("css selector", "iframe")
    settle = "return new Promise(done => requestAnimationFrame(() => setTimeout(done, 100)))"
    browser.execute_script(settle)
    assert browser.execute_script("return arguments[0].style.height", frame) == f"{page.height}px"
    browser.execute_script("document.getElementById('cell').style.display = 'block'")
    browser.execute_script(settle)
    shown = browser.execute_script("return arguments[0].clientHeight", frame)
    browser.switch_to.frame(frame)
    try:
        page_height, box = browser.execute_script(
            "return [document.documentElement.scrollHeight,"
            " document.getElementById('drawing').getBoundingClientRect().height]")
    finally:
        browser.switch_to.default_content()
    assert shown >= page_height and 100 < box <= 0.8 * page.height + 1, (shown, page_height, box)
    assert console_errors(browser) == []
