"""What a teacher or student of backpropagation sees in the explorer and the pictures, and where it went wrong.

Each test is a use that once showed something other than what the rest of the library says: a node drawn under
one of its names, an outline that hid another, an output edge drawn twice.  The data the page script reads is
checked directly; what only the browser shows is checked in headless Chromium (skipped where there is none).
"""
from __future__ import annotations

import pytest

import symgraph as sg
from symgraph.export.explore import page_data
from symgraph.names import output_labels
from tests.browser import console_errors, open_page as _open


def _nodes(graph):
    data, _, _ = page_data(graph, list(graph.input_nodes), {x: 1.0 for x in graph.input_nodes}, "t")
    return {n["name"]: n for n in data["nodes"]}


def _captions(browser) -> dict[str, str]:
    return dict(browser.execute_script(
        "return [...document.querySelectorAll('g.node')].filter(g => g.querySelector('text.name'))"
        ".map(g => [g.dataset.node, g.querySelector('text.name').textContent])"))


@pytest.mark.parametrize("text, outputs, node, names", [
    (["x*y", "x+y", "x*y"], None, "v1", "f1, f3"),           # one node, outputs 1 and 3: the Jacobian's rows f1, f3
    (["u = x*y", "u = x*y"], None, "u", "u, f1, f2"),         # a named node listed twice: rows f1, f2
    ("c = a*b; d = c", None, "c", "c, d"),                    # an alias is the output's name
    ("c = a*b; d = c; e = d + 1", ["d", "e"], "c", "c, d"),
    (["x", "x*y", "x"], None, "x", "x, f1, f3"),              # an input that is two outputs
])
def test_a_node_is_drawn_with_every_name_the_jacobian_gives_it(text, outputs, node, names):
    """Was: the node that is outputs 1 and 3 of ["x*y", "x+y", "x*y"] was drawn as f1 alone while the Jacobian
    table had rows f1 and f3; an alias (d of c = a*b; d = c) and a named node listed twice were drawn under
    their own name only, so a table row had no node in the drawing."""
    graph = sg.parse(text, outputs=outputs) if outputs else sg.parse(text)
    found = _nodes(graph)[node]
    assert found["names"] == names and found["caption"] == names
    assert set(output_labels(graph)) | {found["label"]} >= set(names.split(", "))
    assert found["label"] == names.split(", ")[0]  # formulas keep one name: the first


def test_a_node_with_many_names_is_cut_in_the_drawing_and_whole_in_its_tooltip():
    graph = sg.parse(["x*y"] * 12)
    found = _nodes(graph)["v1"]
    assert found["names"] == ", ".join(f"f{i}" for i in range(1, 13))
    assert len(found["caption"]) == 16 and found["caption"].endswith("…")


def test_the_drawing_and_the_sweeps_name_every_output_of_a_node(browser, tmp_path):
    """Was: the drawing wrote f1 over the node that is f1 and f3, reverse mode's sweep over it said "f1" only,
    and forward mode's summary listed a derivative per node (f1, f2) where the table has a row per output."""
    from selenium.webdriver.common.keys import Keys
    texts, at = ["x*y", "x+y", "x*y"], {"x": 2, "y": 5}
    body = _open(browser, tmp_path, sg.explore(sg.parse(texts), at=at))
    captions = _captions(browser)
    assert captions["v1"] == "f1, f3" and captions["v2"] == "f2"
    title = browser.execute_script("return document.querySelector('g.node[data-node=v1] title').textContent")
    assert title.endswith("(f1, f3)")
    body.send_keys("3", Keys.HOME, Keys.ARROW_RIGHT)
    assert browser.find_element("id", "sweep").text.endswith(": f1, f3")
    grad = sg.grad("x*y").at(**at)
    body.send_keys("4", Keys.HOME)
    for _ in range(browser.execute_script("return window.symgraphExplorer.steps()")):
        body.send_keys(Keys.ARROW_RIGHT)
        message = browser.find_element("id", "message").text
        if message.startswith("Sweep 1 done"):
            assert f"∂f1/∂x = {grad['x']:g}" in message and "∂f2/∂x = 1" in message
            assert f"∂f3/∂x = {grad['x']:g}" in message
            break
    else:
        pytest.fail("forward mode never finished its first sweep")
    # an input that is an output carries the names of its rows above its box
    _open(browser, tmp_path, sg.explore(sg.parse(["x", "x*y", "x"]), at=at))
    assert _captions(browser)["x"] == "x, f1, f3"
    assert console_errors(browser) == []


def test_an_outputs_second_outline_is_an_outline(browser, tmp_path):
    """Was: the ring round an output was filled white by the page's style (a style beats an SVG attribute), so it
    covered the node's own outline and an output looked like any other node; round an input (an input may be an
    output) it was an ellipse cutting through the box."""
    _open(browser, tmp_path, sg.explore(sg.parse(["x", "x*y"]), at={"x": 2, "y": 5}))
    rings = browser.execute_script(
        "return [...document.querySelectorAll('g.node.output .ring')].map(r => [r.closest('g').dataset.node, r.tagName,"
        " getComputedStyle(r).fill])")
    assert sorted(rings) == [["v1", "ellipse", "none"], ["x", "rect", "none"]]
    assert console_errors(browser) == []


@pytest.mark.parametrize("export", [sg.to_dot, sg.to_mermaid])
def test_a_node_listed_as_two_outputs_leaves_the_drawing_once(export):
    """Was: the output edge of a node listed twice (["u = x*y", "u = x*y"]) was written twice, so Graphviz and
    Mermaid drew two arrows from it, with the same value on each."""
    text = export(sg.parse(["u = x*y", "x+y", "u = x*y"]), at={"x": 1, "y": 2})
    edge = '"u -> u_out (label)" [' if export is sg.to_dot else "u -->"
    sink = '\n    "u_out" [' if export is sg.to_dot else 'u_out[" "]'
    assert text.count(edge) == 1 and text.count(sink) == 1


def test_a_large_graph_is_drawn_large_enough_to_read_and_follows_the_step(browser, tmp_path):
    """Was: a 180-node graph (13,000 px wide) was fitted to the window, about a tenth of its size, so every name
    and number was a pixel high; it is now drawn at 0.8 or more in a box that scrolls to each step's node."""
    from selenium.webdriver.common.keys import Keys
    text = "+".join(f"x{i}*x{i + 1}" for i in range(60))
    body = _open(browser, tmp_path, sg.explore(text))
    width = browser.execute_script("return document.querySelector('#drawing svg').viewBox.baseVal.width")
    shown = browser.execute_script("return document.querySelector('#drawing svg').getBoundingClientRect().width")
    assert shown >= 0.8 * width - 1
    for key in ("3", "4", "6"):
        body.send_keys(key, Keys.END, Keys.ARROW_LEFT)
        inside = browser.execute_script(
            "const b = document.getElementById('drawing').getBoundingClientRect();"
            "const r = document.querySelector('g.node.hot, g.edge.hot').getBoundingClientRect();"
            "return r.left >= b.left && r.right <= b.right && r.top >= b.top && r.bottom <= b.bottom")
        assert inside, key
    assert console_errors(browser) == []


@pytest.mark.parametrize("texts, at", [(["3", "x*y"], {"x": 2, "y": 5}), (["x*0", "2"], {"x": 1})])
def test_a_constant_outputs_row_ends_as_zeros_in_every_mode(browser, tmp_path, texts, at):
    """Was: reverse mode never sweeps a constant output, so at its last step that output's Jacobian row still
    showed "…" where forward mode, the path sum and elimination showed sg.jacobian's zeros."""
    from selenium.webdriver.common.keys import Keys
    graph = sg.parse(texts)
    want = [[float(v) for v in row] for row in sg.jacobian(texts).subs(at).tolist()]
    body = _open(browser, tmp_path, sg.explore(graph, at=at))
    for key in ("3", "4", "5", "6"):
        body.send_keys(key, Keys.END)
        cells = dict(browser.execute_script(
            "return [...document.querySelectorAll('td[data-entry]')].map(td => [td.dataset.entry, td.dataset.value ?? null])"))
        shown = [[cells[f"{y}|{x}"] for x in graph.inputs] for y in output_labels(graph)]
        assert [[None if v is None else float(v) for v in row] for row in shown] == want, key
    assert console_errors(browser) == []


@pytest.mark.parametrize("text, defs, formulas", [
    ("(a+b)*(b+1)", {"v3": "f = v1 * v2"}, {("v1", "v3"): "v2", ("v2", "v3"): "v1"}),
    (["x*y", "x*y*z"], {"v1": "f1 = x * y", "v2": "f2 = f1 * z"}, {("v1", "v2"): "z", ("z", "v2"): "f1"}),
    ("sum(w[i]*x[i], i, 0, 1)", {"v1": "v1 = w[0] * x[0]", "v3": "f = v1 + v2"}, {("x_0", "v1"): "w[0]"}),
])
def test_the_steps_write_each_node_by_the_name_the_drawing_gives_it(text, defs, formulas):
    """Was: the forward pass of (a+b)*(b+1) said "v3 = v1 * v2 = 6" under the node drawn and named f everywhere
    else, the local derivative of f2 = f1*z by z was "v1", and an element was its node's name, "v1 = w_0 * x_0"."""
    graph = sg.parse(text)
    data, _, _ = page_data(graph, list(graph.input_nodes), {x: 1.0 for x in graph.input_nodes}, "t")
    assert {n["name"]: n["def"] for n in data["nodes"] if n["name"] in defs} == defs
    assert {(e["u"], e["v"]): e["formula"] for e in data["edges"] if (e["u"], e["v"]) in formulas} == formulas


def test_the_heading_is_one_line_of_the_program_or_the_formula(tmp_path):
    """Was: a program on several lines was headed 'c = a + b d = b + 1 e = c*d' (the lines run together, a comment
    and all), and a graph whose formula is too large to print was headed by its listing run together,
    'v1 = W1[0, 0] * a[0] v2 = ... # expression too large to print as one formula', cut at 80 characters."""
    from symgraph.cli import main
    program = "c = a + b   # the sum\n\nd = b + 1\ne = c*d\n"
    assert sg.explore(program).title == "c = a + b; d = b + 1; e = c*d"
    assert main(["explore", program, "-o", str(tmp_path / "e.html")]) == 0
    assert "<title>symgraph explorer: c = a + b; d = b + 1; e = c*d</title>" in (tmp_path / "e.html").read_text()
    doubling = "; ".join(["a0 = x + y"] + [f"a{k} = a{k - 1}*a{k - 1} + a{k - 1}" for k in range(1, 10)])
    large = sg.parse(doubling + "; L = sin(a9)", outputs=["L", "a1"])  # L: 13 nodes, thousands of operations
    assert sg.explore(large).title == "L; a1 = x + y + (x + y)^2"
    assert sg.explore(sg.parse("x*y + 1", outputs=None)).title == "x*y + 1"
    assert sg.explore(["x", "3"]).title == "x; f2 = 3"  # an input listed as an output: not 'x = x'


def test_a_negative_factor_is_written_in_parentheses_in_every_mode(browser, tmp_path):
    """Was: reverse and forward mode and elimination wrote '1 · -1' and '1.911 · -0.2955' while the path sum and
    the adjoint's sum wrote '(-1)'."""
    from selenium.webdriver.common.keys import Keys
    body = _open(browser, tmp_path, sg.explore("1 - x", at={"x": 2}))
    shown = {}
    for key, steps in (("3", 2), ("4", 2), ("5", 1), ("6", 2)):
        body.send_keys(key, *[Keys.ARROW_RIGHT] * steps)
        shown[key] = browser.find_element("id", "message").text
    assert "∂f/∂x += ∂f/∂f · ∂f/∂x = 1 · (-1) = -1" in shown["3"]
    assert "∂f/∂x += ∂f/∂x · ∂x/∂x = (-1) · 1 = -1" in shown["4"]
    assert "∂f/∂x = (-1) = -1" in shown["5"]
    assert "c[in:x, out:f] = 1 · (-1) = -1" in shown["6"]
    assert console_errors(browser) == []


def test_a_narrow_window_fits_the_drawing_box_to_the_drawing(browser, tmp_path):
    """Was: in a window under 900 px, where the panel goes below the drawing, the drawing's 520 px flex basis
    became its box's height: the textbook graph (287 px high) sat in a 520 px box, a blank band above the
    panel on a projected page."""
    browser.set_window_size(800, 900)
    try:
        _open(browser, tmp_path, sg.explore("(a+b)*(b+1)", at={"a": 2, "b": 1}))
        svg, box = browser.execute_script(
            "return [document.querySelector('#drawing svg').getBoundingClientRect().height,"
            " document.getElementById('drawing').getBoundingClientRect().height]")
    finally:
        browser.set_window_size(1300, 900)
    assert box <= svg + 20, (svg, box)


_LABEL_OVERLAPS = """
const box = t => t.getBoundingClientRect(), E = symgraphExplorer, found = [];
E.setMode('elimination');
for (let i = 1; i <= E.steps(); i++) {
  E.go(i);
  const fills = [...document.querySelectorAll('g.fill text')].map(box);
  const edges = [...document.querySelectorAll('g.edge text')].filter(t => t.textContent).map(box);
  fills.forEach(a => edges.forEach(b => {
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) found.push(i);
  }));
}
return found;
"""


def test_a_fill_edges_label_keeps_clear_of_the_edge_labels(browser, tmp_path):
    """Was: in elimination, a fill edge's label was kept clear of the nodes and of other fill labels but not of
    the local derivatives written on the edges: w*x1 + w*x2 + w^2's fill w -> f wrote its 1 on v2 -> v3's 1."""
    _open(browser, tmp_path, sg.explore("w*x1 + w*x2 + w^2", at={"w": 0.5, "x1": 2, "x2": -1}))
    assert browser.execute_script(_LABEL_OVERLAPS) == []
    assert console_errors(browser) == []


def test_a_tall_graphs_step_stays_in_the_window(browser, tmp_path):
    """Was: a narrow, tall drawing (fifteen outputs sin(x0), ..., sin(x14), 1,800 px high) was not held in a
    scrolling box, so reverse mode's last sweep lit a node 2,000 px below the window, the panel's message at
    its top; the box now scrolls to the step."""
    _open(browser, tmp_path, sg.explore([f"sin(x{k})" for k in range(15)]))
    node, box, height = browser.execute_script(
        "symgraphExplorer.setMode('reverse'); symgraphExplorer.go(symgraphExplorer.steps() - 1);"
        "const r = e => e.getBoundingClientRect();"
        "return [r(document.querySelector('.node.hot')), r(document.getElementById('drawing')), innerHeight]")
    assert box["height"] <= height  # the box scrolls, not the page
    assert box["top"] <= node["top"] and node["bottom"] <= box["bottom"], (node, box)  # and shows the step


def test_long_names_that_start_alike_are_told_apart_in_the_drawing(browser, tmp_path):
    """Was: names were cut to their first 8 characters, so x_position_1 and x_position_2 were both drawn
    'x_positi…', and their adjoints both '∂f/∂x_positi…=...': a projected page could not tell them apart."""
    graph = sg.parse("x_position_1*x_position_2 + x_position_1")
    glyphs = {n["label"]: n["glyph"] for n in _nodes(graph).values() if n["kind"] == "input"}
    assert glyphs == {"x_position_1": "x_po…on_1", "x_position_2": "x_po…on_2"}
    _open(browser, tmp_path, sg.explore(graph, at={"x_position_1": 2, "x_position_2": 3}))
    shown = browser.execute_script("symgraphExplorer.setMode('reverse'); symgraphExplorer.go(symgraphExplorer.steps());"
                                   "return [...document.querySelectorAll('g.node.input text.der')].map(t => t.textContent)")
    assert sorted(shown) == ["∂f/∂x_po…on_1=4", "∂f/∂x_po…on_2=2"]
    assert console_errors(browser) == []
