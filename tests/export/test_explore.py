"""The explorer page: what it holds, that its counts are compare's, bad input, and the page in a real browser."""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time

import pytest

import symgraph as sg
from symgraph.ad.trace import walkthrough
from symgraph.cli import main
from symgraph.errors import ExpressionTooLargeError, GraphError, ParseError
from symgraph.export.explore import MAX_NODES
from symgraph.export.label_values import edge_derivatives
from symgraph.names import output_labels
from tests.browser import console_errors, open_page as _open, shown_nodes as _nodes

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"
SEED = {"a": 2, "b": 1}
G = "p = x + y; g = p * z"
G_AT = {"x": 1, "y": 3, "z": -3}

#: graphs whose counts differ between modes: shared nodes, several outputs, zero and unit edges, branches
GRAPHS = [
    (TEXTBOOK, None), (G, None), ("x1*x2*x3*x4*x5", None), ("sin(x*y)*exp(x) + x*y", None),
    ("h = sin(x); y1 = h*h; y2 = h + 1; y3 = y1*y2*x", ["y1", "y2", "y3"]),
    ("u = a*b + c*d; v = u*u; w1 = sin(v)*a; w2 = cos(v)*d", ["w1", "w2"]),
    ("where(x > y, x*y, y^2) + x - x", None), ("tanh(w1*x + b1)*w2 + w3*x", None),
]


@pytest.mark.parametrize("text, outputs", GRAPHS)
def test_each_modes_steps_count_what_compare_counts(text, outputs):
    graph = sg.parse(text, outputs=outputs) if outputs else sg.parse(text)
    report = sg.compare(graph)
    modes = walkthrough(graph, graph.inputs)
    for mode, found in modes.items():
        steps = found["steps"]
        counted = sum(s["m"] if s["k"] in ("term", "path") else sum(p[2] for p in s["pairs"])
                      for s in steps if s["k"] in ("term", "path", "eliminate"))
        assert counted == found["multiplications"] == report[mode].multiplications, mode
        if mode in ("forward", "reverse"):
            assert found["sweeps"] == report[mode].sweeps
            assert sum(s["k"] == "seed" for s in steps) == report[mode].sweeps


def test_counts_product_is_muls_rule():
    from symgraph.ad.linearised import Linearised
    lin = Linearised(sg.parse(TEXTBOOK))
    for x in ("c", 1, -1, 0, 2, 0.5, -1.0):
        for y in ("d", 1, -1, 0, 3):
            before = lin.counts.multiplications
            lin.mul(x, y)
            assert (lin.counts.multiplications - before == 1) == lin.counts_product(x, y), (x, y)


def test_the_page_is_one_self_contained_file():
    page = sg.explore(TEXTBOOK, at=SEED)
    text = page.html
    assert text.startswith("<!DOCTYPE html>") and text.count("<script>") == 2 and "<style>" in text
    # no resource from elsewhere: no src= or href= at all, no URL but the SVG namespace's name
    assert not re.search(r"\b(src|href)\s*=", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert "function $values(a, b)" in text and '"title":"c = a + b; d = b + 1; e = c * d"' in text
    assert repr(page) == "<Explorer of c = a + b; d = b + 1; e = c * d: 5 nodes, 6 walkthroughs>"
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc='&lt;!DOCTYPE html>") and "<script>" not in shown


def test_the_default_point_and_the_title_of_a_graph():
    page = sg.explore(sg.parse("x*y"))
    assert '"value":1.0' in page.html and "symgraph explorer: x*y" in page.html
    several = sg.explore(sg.parse("u = sin(x); y1 = u*x; y2 = u + 1", outputs=["y1", "y2"]))
    assert "y1 = x*sin(x); y2 = sin(x) + 1" in several.html and '"outputs":["y1","y2"]' in several.html


@pytest.mark.parametrize("call, error, message", [
    (lambda: sg.explore("(a+b)*(b+1"), ParseError, "unclosed"),
    (lambda: sg.explore(TEXTBOOK, at={"a": 1}), GraphError, "no value for b"),
    (lambda: sg.explore(TEXTBOOK, at={"a": 1, "b": 2, "q": 3}), GraphError, "q is not an input"),
    (lambda: sg.explore("x[0] + x[1]", at={"x": [[1, 2], [3, 4]]}), GraphError, "one number"),
    (lambda: sg.explore(TEXTBOOK, at={"a": "two", "b": 1}), GraphError, "not a number"),
    # a point that is not finite opened a page of nan and inf (the command line's --at refuses it)
    (lambda: sg.explore(TEXTBOOK, at={"a": float("nan"), "b": 1}), GraphError, "a = nan is not a finite number"),
    (lambda: sg.explore(TEXTBOOK, at={"a": 2, "b": 1e999}), GraphError, "b = inf is not a finite number"),
    (lambda: sg.explore("x[0] + x[1]", at={"x": [1, -math.inf]}), GraphError, r"x\[1\] = -inf is not a finite"),
    (lambda: sg.explore(TEXTBOOK, at=[2, 1]), TypeError, "takes a mapping of input names"),  # was dict()'s TypeError
    (lambda: sg.explore("+".join(f"x{i}*x{i + 1}" for i in range(MAX_NODES))), ExpressionTooLargeError,
     f"at most {MAX_NODES}"),
])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_command_writes_the_page(tmp_path, capsys):
    out = tmp_path / "e.html"
    assert main(["explore", "(a+b)*(b+1)", "--at", "a=2", "b=1", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["explore", "(a+b)*(b+1", "-o", str(out)]) == 2
    assert "unclosed" in capsys.readouterr().err
    assert main(["explore", "(a+b)*(b+1)", "--at", "a=oops", "-o", str(out)]) == 2
    assert "--at value for 'a'" in capsys.readouterr().err
    assert main(["explore", "(a+b)*(b+1)", "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["explore", "--help"]) == 0
    assert 'symgraph explore "(a+b)*(b+1)" --at a=2 b=1 -o e.html' in capsys.readouterr().out


# ---------------------------------------------------------------- in a browser


def _jacobian(browser) -> dict[tuple[str, str], float]:
    cells = browser.execute_script(
        "return [...document.querySelectorAll('td[data-entry]')].map(td => [td.dataset.entry, td.dataset.value ?? null])")
    return {tuple(entry.split("|")): None if value is None else float(value) for entry, value in cells}


def _step(browser) -> tuple[int, int]:
    el = browser.find_element("id", "stepno")
    return int(el.get_attribute("data-step")), int(el.get_attribute("data-steps"))


def _count(browser) -> int:
    return int(browser.find_element("id", "mults").get_attribute("data-count"))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("text, at", [(TEXTBOOK, SEED), (G, G_AT)])
def test_walk_every_mode_in_the_browser(browser, tmp_path, text, at):
    from selenium.webdriver.common.keys import Keys
    graph = sg.parse(text)
    values = graph.evaluate(**at)
    gradient = sg.grad(graph).at(**at)
    report = sg.compare(graph)
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    console_errors(browser)

    # 1 forward pass, value by value: each step shows one more node, with Graph.evaluate's value
    body.send_keys("1")
    for k, node in enumerate(graph.order, start=1):
        body.send_keys(Keys.ARROW_RIGHT)
        shown = _nodes(browser)
        assert float(shown[node][0]) == pytest.approx(values[node], rel=1e-12), node
        assert sum(v != "" for v, _ in shown.values()) == k
    # 2 local derivatives, edge by edge
    body.send_keys("2", Keys.END)
    locals_ = edge_derivatives(graph, **at)
    shown = browser.execute_script(
        "return [...document.querySelectorAll('g.edge')].map(g => [g.dataset.u, g.dataset.v, g.querySelector('text').textContent])")
    assert {(u, v): float(t) for u, v, t in shown} == pytest.approx(locals_, rel=1e-3)

    # 3-6 every derivative mode, one step at a time: the count grows to compare's, the Jacobian is grad's
    for key, mode in (("3", "reverse"), ("4", "forward"), ("5", "paths"), ("6", "elimination")):
        body.send_keys(key, Keys.HOME)
        step, steps = _step(browser)
        assert step == 0 and steps > 0
        counts = []
        for _ in range(steps):
            body.send_keys(Keys.ARROW_RIGHT)
            counts.append(_count(browser))
        assert counts == sorted(counts) and counts[-1] == report[mode].multiplications, mode
        assert _step(browser) == (steps, steps)
        jac = _jacobian(browser)
        for x in graph.inputs:
            assert _close(jac[output_labels(graph)[0], x], gradient[x]), (mode, x)
        if mode == "reverse":  # the adjoints stay on the nodes: the inputs' are the gradient
            shown = _nodes(browser)
            assert all(_close(float(shown[x][1]), gradient[x]) for x in graph.inputs)
    assert console_errors(browser) == []


@pytest.mark.parametrize("text, at", [
    ("where(x > 0, sqrt(x), 0)", {"x": -1.0}),  # the README's example: 0, not 0 * nan
    ("where(x > 0, log(x)*y, y^2) + where(y < 0, sqrt(y), x)", {"x": -2.0, "y": 3.0}),
    ("c = where(x < 1, 0, sqrt(x - 1)); c*y + c", {"x": 0.5, "y": 2.0}),  # the untaken branch is the first
    ("where(x > -2, sqrt(x), 0)", {"x": -1.0}),  # the taken branch's nan still shows
    ("where(x > 0, where(y > 0, sqrt(x)*y, 0), y)", {"x": -1.0, "y": 2.0}),  # nested
])
def test_untaken_branches_discard_their_nan_in_every_mode_as_grad_does(browser, tmp_path, text, at):
    from selenium.webdriver.common.keys import Keys
    graph = sg.parse(text)
    gradient = sg.grad(graph).at(**at)
    assert math.isnan(gradient["x"]) == ("-2" in text)
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    for key, mode in (("3", "reverse"), ("4", "forward"), ("5", "paths"), ("6", "elimination")):
        body.send_keys(key, Keys.END)
        jac = _jacobian(browser)
        for x in graph.inputs:
            want = gradient[x]
            assert (math.isnan(jac[output_labels(graph)[0], x]) and math.isnan(want)) or _close(jac[output_labels(graph)[0], x], want), \
                (mode, x, jac[output_labels(graph)[0], x], want)
    assert console_errors(browser) == []


def test_reverse_mode_sums_a_shared_node_term_by_term(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys
    body = _open(browser, tmp_path, sg.explore(TEXTBOOK, at=SEED))
    body.send_keys("3", Keys.END, Keys.ARROW_LEFT)  # the last term, then the sweep's end
    message = browser.find_element("id", "message").text
    assert "b is used 2 times so far" in message and "∂e/∂b = 3 + 2 = 5" in message
    (tmp_path / "shot.png").write_bytes(browser.get_screenshot_as_png())
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_editing_an_input_recomputes_everything(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys
    body = _open(browser, tmp_path, sg.explore(G, at=G_AT))
    body.send_keys("2")  # local derivatives: every node's value is shown
    field = browser.find_element("css selector", "input[data-input='z']")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("2.5")
    at = dict(G_AT, z=2.5)
    values, gradient = sg.parse(G).evaluate(**at), sg.grad(G).at(**at)
    assert {n: float(v) for n, (v, _) in _nodes(browser).items() if v} == pytest.approx(values)
    assert browser.find_element("id", "outputs").text == "g = 10"
    body.send_keys("3", Keys.END)
    assert {x: _jacobian(browser)["g", x] for x in "xyz"} == pytest.approx(gradient)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("oops")  # not a number: marked, and the page keeps the last good point
    assert "bad" in field.get_attribute("class")
    assert {x: _jacobian(browser)["g", x] for x in "xyz"} == pytest.approx(gradient)
    # not finite, or no decimal number (JavaScript reads 0x10 as 16): marked as 'oops' is (1e999 was inf)
    for text in ("1e999", "-1e999", "nan", "inf", "Infinity", "0x10", "0b1", "0o7", "1_0"):
        _paste(browser, field, text)
        assert "bad" in field.get_attribute("class"), text
        assert {x: _jacobian(browser)["g", x] for x in "xyz"} == pytest.approx(gradient), text
    for text in ("-.5e-1", "+2.", "3E2"):  # decimal forms the command line's --at takes too
        _paste(browser, field, text)
        assert "bad" not in field.get_attribute("class"), text
        shown = browser.find_element("id", "outputs").text.removeprefix("g = ").replace(",", "")
        assert float(shown) == pytest.approx(4 * float(text)), text  # g = (x + y) * z at x + y = 4
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("1e999")  # typed: 1e99 is a point on the way, and 1e999 is marked
    assert "bad" in field.get_attribute("class")
    assert {x: _jacobian(browser)["g", x] for x in "xyz"} == pytest.approx(sg.grad(G).at(**dict(G_AT, z=1e99)))
    assert console_errors(browser) == []


def _paste(browser, field, text):
    """Put ``text`` into the field at once, as a paste does (typing goes through each prefix)."""
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", field, text)


def test_play_walks_on_by_itself_and_pauses(browser, tmp_path):
    from selenium.webdriver.support.ui import Select
    _open(browser, tmp_path, sg.explore(G, at=G_AT))
    browser.find_element("css selector", "button[data-mode='forward']").click()
    Select(browser.find_element("id", "speed")).select_by_value("8")
    browser.find_element("id", "play").click()
    deadline = time.monotonic() + 10
    while _step(browser)[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    browser.find_element("id", "play").click()  # pause
    paused = _step(browser)[0]
    assert paused >= 3
    time.sleep(0.4)
    assert _step(browser)[0] == paused
    assert console_errors(browser) == []


@pytest.mark.parametrize("text", [TEXTBOOK, G, "h1 = tanh(w1*x1 + w2*x2 + b1); h2 = tanh(w3*x1 + w4*x2 + b2); "
                                  "y = v1*h1 + v2*h2; L = (y - t)^2 + (w1^2 + w4^2)/10"])
def test_the_page_keeps_room_for_its_texts(text):
    """What the page writes around a node (name above; value and adjoint such as ``∂L/∂v12=-1.454`` below, as
    explore.js places them) stays clear of every other node's texts and of every edge's local derivative."""
    from symgraph.export.explore import page_data
    graph = sg.parse(text)
    data, _, _ = page_data(graph, list(graph.input_nodes), {x: 1.0 for x in graph.input_nodes}, text)
    out = graph.outputs[0]
    char = 6.6  # px per character of the 11 px labels
    boxes = []
    for n in data["nodes"]:
        x, y = n["xy"]
        half = max(19.0, char * len(f"∂{out}/∂{n['label']}=-1.454") / 2)
        boxes.append((x - half, y - 19 - 15, x + half, y + 19 + 33))  # R = 19, a name line, two text lines
    for e in data["edges"]:
        assert e["at"] is not None  # every edge has a place for its local derivative
        x, y = e["at"]
        boxes.append((x - 3 * char, y - 4 - 10, x + 3 * char, y - 4 + 3))  # "-1.454" on its baseline

    def overlap(p, q):
        return p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    clashes = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if overlap(boxes[i], boxes[j])]
    assert clashes == []


def test_a_comment_holding_html_neither_ends_nor_holds_open_the_script(browser, tmp_path):
    """Only '</' was escaped in the page's data: a comment with '<!--' and '<script' kept the data's script
    element open past its '</script>', so the page was blank."""
    text = "y = (a+b)*(b+1) # <!-- <script> </script> & more"
    page = sg.explore(text, at={"a": 2, "b": 1}, title=text)  # a heading leaves comments out unless given them
    data = page.html.split("const DATA = ", 1)[1].split("\n", 1)[0]
    assert not set("<>&") & set(data)
    _open(browser, tmp_path, page)  # the page ran to its end
    assert browser.execute_script("return document.title") == f"symgraph explorer: {text}"
    assert console_errors(browser) == []


@pytest.mark.parametrize("text", [
    "constructor*__proto__ + toString",
    "f(u) = u^2; valueOf = f(hasOwnProperty) + f(isPrototypeOf)*constructor; valueOf",
    "sum(x[i]*__proto__, i, 0, 2)",
])
def test_names_of_javascripts_object_prototype_work_in_the_page(browser, tmp_path, text):
    """Was: the page keyed plain objects by node names, so an input called __proto__ never got a
    position (the page stopped before it was ready) and one called hasOwnProperty broke reverse mode."""
    from selenium.webdriver.common.keys import Keys
    graph = sg.parse(text)
    at = {"x": [0.5, -1.5, 2.0]} if graph.indexed else {}
    at.update({x: 0.25 + k for k, x in enumerate(graph.input_nodes) if x in graph.input_labels})
    gradient = sg.grad(graph).at(**at)
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    for key in ("1", "2", "3", "4", "5", "6"):
        body.send_keys(key, Keys.END)
        if key in "3456":
            jac = _jacobian(browser)
            assert all(_close(jac[output_labels(graph)[0], x], gradient[label])
                       for x, label in zip(graph.input_nodes, graph.input_labels)), key
    assert console_errors(browser) == []


def test_texts_under_nodes_with_long_names_stay_inside_the_drawing(browser, tmp_path):
    """Was: an input's adjoint was written ``∂f/∂very_long_variable_name=0.1745`` centred under it, and the
    drawing cut off its first characters; names are now cut there as in the node (``∂f/∂very…name``) and a
    text near the drawing's edge is moved in."""
    from selenium.webdriver.common.keys import Keys
    text = ("very_long_variable_name*another_long_name + sigmoid(very_long_variable_name) "
            "- where(x_1 < 0, x_1, exp(another_long_name))")
    at = {"very_long_variable_name": 1.23456, "another_long_name": -0.000123, "x_1": 3}
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    width = float(browser.execute_script("return document.querySelector('#drawing svg').viewBox.baseVal.width"))
    for key in ("3", "4"):
        body.send_keys(key, Keys.END, Keys.ARROW_LEFT)
        boxes = browser.execute_script("return [...document.querySelectorAll('g.node text')].filter(t => t.textContent)"
                                       ".map(t => { const b = t.getBBox(); return [t.textContent, b.x, b.x + b.width]; })")
        assert all(left >= 0 and right <= width for _, left, right in boxes), boxes
        shown = {t for t, _, _ in boxes}
        assert ("∂f/∂very…name=0.1745" in shown) == (key == "3")
    assert console_errors(browser) == []


def test_a_function_listed_twice_is_two_rows_named_as_the_library_names_them(browser, tmp_path):
    """Was: ["x*y", "x+y", "x*y"] showed a 2-row Jacobian with rows v1 and v2, where sg.jacobian has 3 rows
    and the library calls the outputs f1, f2, f3."""
    from selenium.webdriver.common.keys import Keys
    texts, at = ["x*y", "x+y", "x*y"], {"x": 2, "y": 5}
    page = sg.explore(sg.parse(texts), at=at)
    assert page.title == "f1 = x*y; f2 = x + y; f3 = x*y"
    body = _open(browser, tmp_path, page)
    assert browser.find_element("id", "outputs").text == "f1 = 10, f2 = 7, f3 = 10"
    want = [[float(v) for v in row] for row in sg.jacobian(texts, wrt=["x", "y"]).subs(at).tolist()]
    for key in ("3", "4", "5", "6"):  # every mode fills every row
        body.send_keys(key, Keys.END)
        jac = _jacobian(browser)
        assert sorted(jac) == [(f"f{i}", x) for i in (1, 2, 3) for x in "xy"]
        assert [[jac[f"f{i + 1}", x] for x in "xy"] for i in range(3)] == want, key
        rows = browser.execute_script("return [...document.querySelectorAll('table.jac th')].map(th => th.textContent)")
        assert rows[-3:] == ["f1", "f2", "f3"]
    body.send_keys("3", Keys.HOME, Keys.ARROW_RIGHT)
    assert "f1" in browser.find_element("id", "message").text + browser.find_element("id", "sweep").text
    assert console_errors(browser) == []


def test_save_refuses_what_is_no_file_name():
    """Explorer.save(3) raised Path's raw TypeError and save("") wrote to the working folder's name."""
    page = sg.explore("x*y", at={"x": 1, "y": 2})
    for path in (3, "", None):
        with pytest.raises(sg.SymgraphError, match=r"path= takes a file name"):
            page.save(path)


MLP2 = "h1 = tanh(w1*x + b1); h2 = tanh(w2*x + b2); y = v1*h1 + v2*h2"


@pytest.mark.parametrize("text, at", [(TEXTBOOK, SEED),
                                      (MLP2, {"x": 0.5, "w1": 1, "b1": 0, "w2": -1, "b2": 0.2, "v1": 1, "v2": 2})])
def test_elimination_fill_labels_stay_off_the_nodes(browser, tmp_path, text, at):
    """A fill edge joins distant nodes straight across the ones between, and its label sat at its midpoint: on
    node c for the textbook graph's a -> e, on h2 and v8 in a two-unit network.  At every step of elimination
    now, no fill label overlaps a node's outline."""
    from selenium.webdriver.common.keys import Keys
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    body.send_keys("6", Keys.HOME)
    steps = int(browser.find_element("id", "stepno").get_attribute("data-steps"))
    overlaps = """
        const box = e => e.getBoundingClientRect();
        const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        const shapes = [...document.querySelectorAll('g.node > ellipse:not(.ring), g.node > rect:not(.ring)')];
        return [...document.querySelectorAll('g.fill text')].filter(t => t.textContent)
            .flatMap(t => shapes.filter(s => meet(box(t), box(s)))
            .map(s => t.textContent + ' on ' + s.parentNode.dataset.node));"""
    seen = 0
    for _ in range(steps):
        body.send_keys(Keys.ARROW_RIGHT)
        seen += browser.execute_script("return document.querySelectorAll('g.fill text').length")
        assert browser.execute_script(overlaps) == []
    assert seen > 0  # the walkthrough drew fill edges
    assert console_errors(browser) == []


@pytest.mark.parametrize("text, sizes, wrt", [("3", {}, None), ("sum(x[i]^2, i, 0, n-1)", {"n": 0}, None),
                                              ("x*y", {}, ["q"])])
def test_a_mode_with_nothing_to_step_says_so(browser, tmp_path, text, sizes, wrt):
    """A constant function, a size-0 sum or an absent wrt name: every sweep has no steps, and the page said
    "Press ▶ to seed the first output's adjoint with 1 and sweep back", which did nothing."""
    from selenium.webdriver.common.keys import Keys
    page = sg.explore(text, wrt=wrt, allow_unused=True, **sizes)
    body = _open(browser, tmp_path, page)
    for key in ("3", "4", "5", "6"):
        body.send_keys(key, Keys.END)
        assert _step(browser) == (0, 0) and _count(browser) == 0
        message = browser.find_element("id", "message").text
        assert message.startswith("Nothing to step through") and "▶" not in message, key
    assert console_errors(browser) == []


def test_repr_cuts_a_long_title():
    # the repr (a notebook's text/plain beside the page) held a long program's whole text: 2,219 characters here
    text = "; ".join(["c0 = x"] + [f"c{k + 1} = sin(c{k}) + c{k}" for k in range(100)])
    page = sg.explore(text)
    assert repr(page).startswith("<Explorer of c0 = x; c1 = sin(c0) + c0;") and "…: 201 nodes" in repr(page)
    # the page's heading is cut as one built from formulas is (at 80 characters per output): a heading line
    assert len(repr(page)) < 130 and len(page.title) == 80 and page.title in page.html


def test_a_page_is_the_same_in_every_process():
    """The page's data (elimination's starting edges came in a set's order) is the same whatever the process's
    hash seed, so a saved notebook's page changes only when the graph does."""
    script = ("import sys, symgraph as sg; "
              "sys.stdout.write(sg.explore('c = a + b; d = b + 1; e = c * d; e + sin(c)', at={'a': 2, 'b': 1}).html)")
    pages = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(pages) == 1 and "const DATA" in next(iter(pages))


def test_float_noise_is_shown_as_0_and_small_values_keep_their_digits(browser, tmp_path):
    """Was: 0.1*x + 0.2*x - 0.3*x at x = 1 showed c = 5.551e-17, sin(pi) 1.225e-16 and the derivatives that are 0
    2.776e-17-like residues; a value within a few roundings of what it was computed from is 0 on the page now,
    in the values, the local derivatives and every mode's sums, while 1e-20 = x*y at x = y = 1e-10 keeps its
    digits."""
    from selenium.webdriver.common.keys import Keys
    text = "c = 0.1*x + 0.2*x - 0.3*x; d = sin(c) + y; e = d*c + sin(t) + u*w"
    graph = sg.parse(text)
    at = {"x": 1, "y": 2, "t": math.pi, "u": 1e-10, "w": 1e-10}
    raw = graph.evaluate(**at)
    assert 0 < abs(raw["c"]) < 1e-15 and sg.grad(graph).at(**at)["x"] != 0  # the noise the page had shown
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    body.send_keys("1", Keys.END)
    shown = {node: value for node, (value, _) in _nodes(browser).items()}
    assert float(shown["c"]) == 0 and float(shown[graph.addresses["d"]]) == 2
    assert float(shown["t"]) == math.pi  # an input is as given
    product = next(n for n in graph.order if graph.op_of[n] == "mul" and set(graph.operands_of[n]) == {"u", "w"})
    assert float(shown[product]) == pytest.approx(1e-20, rel=1e-12)  # small, and no residue
    text_on_page = browser.find_element("tag name", "svg").text
    assert "e-17" not in text_on_page and "e-16" not in text_on_page and "1e-20" in text_on_page
    for key, mode in (("3", "reverse"), ("4", "forward"), ("5", "paths"), ("6", "elimination")):
        body.send_keys(key, Keys.END)
        jacobian = _jacobian(browser)
        assert jacobian[("e", "x")] == 0 and jacobian[("e", "y")] == 0 and jacobian[("e", "t")] == -1, mode
        assert jacobian[("e", "u")] == pytest.approx(1e-10) and jacobian[("e", "w")] == pytest.approx(1e-10), mode
        assert "e-17" not in browser.find_element("id", "jacobian").text, mode
    assert console_errors(browser) == []
