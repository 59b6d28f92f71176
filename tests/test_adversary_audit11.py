"""Audit 11, an adversarial user of the texts typed and the outputs looked at: the explorer's residues, the
parser, the command line and the exports."""
from __future__ import annotations

import math

import pytest

import symgraph as sg
from tests.browser import console_errors, open_page as _open, shown_nodes as _shown




def _edge_texts(browser) -> list[str]:
    return browser.execute_script("return [...document.querySelectorAll('g.edge text')].map(t => t.textContent)")


def _jacobian(browser) -> dict[str, float]:
    cells = browser.execute_script(
        "return [...document.querySelectorAll('td[data-entry]')].map(td => [td.dataset.entry, td.dataset.value])")
    return {entry: float(value) for entry, value in cells}


def _node(graph, op, operands):
    return next(n for n in graph.order if graph.op_of[n] == op and tuple(map(str, graph.operands_of[n])) == operands)


def test_a_value_computed_from_rounded_constants_alone_is_judged_against_them(browser, tmp_path):
    """Was: sin(pi) (1.2246e-16: pi is rounded, and sin's slope there is -1) showed 1.225e-16, and so did its product
    with y and the adjoint df/dy; the page's bound counted inputs and nodes but not constants.  Now every rounded
    constant carries its size, as an input does, and sin(pi), sin(pi)*y, their edges and df/dy are 0, in the page
    as opened and after the reader edits y."""
    from selenium.webdriver.common.keys import Keys
    text = "0.1*x + 0.2*x - 0.3*x + sin(pi)*y"
    graph = sg.parse(text)
    sine, product = _node(graph, "sin", ("pi",)), _node(graph, "mul", (_node(graph, "sin", ("pi",)), "y"))
    assert graph.evaluate(x=1, y=2)[sine] != 0 and sg.grad(graph).at(x=1, y=2)["y"] != 0  # the noise there is
    body = _open(browser, tmp_path, sg.explore(text, at=dict(x=1, y=2)))
    for y in ("2", "-7.5"):
        field = browser.find_element("css selector", "input[data-input='y']")
        browser.execute_script("arguments[0].value = arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", field, y)
        body.send_keys("2", Keys.END)
        shown = _shown(browser)
        assert float(shown[sine][0]) == 0 and float(shown[product][0]) == 0 and float(shown["y"][0]) == float(y)
        assert not any("e-1" in t for t in _edge_texts(browser))
        for key in ("3", "4", "5", "6"):
            body.send_keys(key, Keys.END)
            assert _jacobian(browser) == {"f|x": 0, "f|y": 0}, key
    assert console_errors(browser) == []


def test_a_local_derivative_is_judged_as_a_value_is(browser, tmp_path):
    """Was: sin(pi/2*x) at x = 1 showed the local derivative cos(u) = 6.123e-17 on the edge into the sine, and
    df/dx = 9.618e-17, in every mode; u = x*pi/2 is rounded by about 1.6 roundings of 1, which cos turns into
    that.  A local derivative is judged against what produced it, as a node's value is."""
    from selenium.webdriver.common.keys import Keys
    body = _open(browser, tmp_path, sg.explore("sin(pi/2*x)", at=dict(x=1)))
    body.send_keys("2", Keys.END)
    assert "0" in _edge_texts(browser) and not any("e-17" in t for t in _edge_texts(browser))
    for key in ("3", "4", "5", "6"):
        body.send_keys(key, Keys.END)
        assert _jacobian(browser) == {"f|x": 0}, key
    assert console_errors(browser) == []


@pytest.mark.parametrize("text, at, node, value", [
    ("x - 0.3", {"x": 0.3 + 1e-12}, ("sub", ("x", "0.300000000000000")), 1e-12),  # small, not a residue
    ("sin(x) + y", {"x": math.pi, "y": 1e-15}, None, 1e-15 + math.sin(math.pi)),  # an input keeps it
    ("x*y", {"x": 1e-10, "y": 1e-10}, ("mul", ("x", "y")), 1e-20),
])
def test_small_values_that_are_no_residue_keep_their_digits(browser, tmp_path, text, at, node, value):
    from selenium.webdriver.common.keys import Keys
    graph = sg.parse(text)
    body = _open(browser, tmp_path, sg.explore(text, at=at))
    body.send_keys("1", Keys.END)
    shown = _shown(browser)
    name = _node(graph, *node) if node else graph.outputs[0]
    assert float(shown[name][0]) == pytest.approx(value, rel=1e-9)


def _cli(capsys, *argv):
    from symgraph.cli import main
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


@pytest.mark.parametrize("argv, said", [
    # an option of another subcommand: hessian has no -o (it prints; graph and explore write files)
    (["hessian", "x", "-o", "f.txt"], "-o is an option of symgraph graph and explore, not of symgraph hessian "
                                      "(symgraph hessian prints its result: redirect it to a file with '> FILE')"),
    (["compare", "--at", "x=1"], "--at is an option of symgraph grad, jacobian, hessian, graph and explore, "
                                 "not of symgraph compare"),
    (["grad", "x", "--format", "png"], "--format is an option of symgraph graph, not of symgraph grad"),
    (["grad", "x", "--wrtt", "x"], "--wrtt is not an option of symgraph grad: did you mean --wrt?"),
    # an expression with spaces, unquoted: the second word was taken for a second EXPR
    (["grad", "x", "+", "y"], "symgraph grad takes one EXPR, got 'x' and then '+ y': quote an expression that has "
                              "spaces as one word"),
    (["latex", "x", "-"], "'-' reads EXPR from standard input, and EXPR is given already"),
    (["compare", "x", "--json", "y"], "put every EXPR before the options"),
    (["demo", "x"], "symgraph demo takes no expression"),
    (["grad", "x", "--at", "x=1", "--", "y"], "symgraph grad takes one EXPR, got 'x' and then '-- y'"),
    # the hints name the subcommand typed, not grad
    (["hessian", "--wrt", "x", "x*y"], "end the list with '--': symgraph hessian --wrt x y -- \"x*y\""),
])
def test_an_unrecognized_word_is_named_for_what_it_likely_was(capsys, argv, said):
    """Was: every unrecognized word starting with '-' got "(an expression that starts with '-' may also go after
    '--': symgraph grad -- "-x^2")", whatever the word and the subcommand (hessian x -o f.txt, latex x -), and
    other words got nothing (grad x + y, compare --at x=1)."""
    status, out, err = _cli(capsys, *argv)
    assert status == 2 and out == "" and said in err and "symgraph grad -- \"-x^2\"" not in err


@pytest.mark.parametrize("text, spelled", [
    ("Lamda*Lambda", {r"\mathrm{Lamda}", r"\mathrm{Lambda}"}),  # both were \Lambda
    ("lamda_1 + lambda_1", {r"\mathrm{lamda\_1}", r"\mathrm{lambda\_1}"}),  # both were \lambda_{1}
    ("omicron + o", {r"\mathrm{omicron}", "o \\to f"}),  # both were o
    ("omicronhat + ohat", {r"\mathrm{omicronhat}", r"\hat{o}"}),  # both were \hat{o}
    ("x1_2 + x12", {r"\mathrm{x1\_2}", "x_{12}"}),  # x_{1 2} and x_{12}: the same subscript on the page
])
def test_names_that_latex_would_print_alike_are_spelled(text, spelled):
    """Was: sympy's spellings of Greek letters met (lamda is lambda, omicron is o), and a digit's subscript ran
    into another (x1_2 printed x_{1 2}); the gradient of Lamda*Lambda read d f / d Lambda = Lambda twice."""
    graph = sg.parse(text)
    printed = sg.to_latex(graph)
    assert all(name in printed for name in spelled), printed
    lines = sg.grad(graph).latex().splitlines()
    assert len(set(lines)) == len(graph.inputs) == 2


def test_plain_and_greek_names_still_print_as_sympy_prints_them():
    assert sg.to_latex("alpha*x_1 + Lamda + beta_2*xhat") == r"\Lambda + \alpha x_{1} + \beta_{2} \hat{x}"


def test_a_long_name_keeps_the_page_within_the_window(browser, tmp_path):
    """Was: an input of 200 characters wrote its whole name before its field and in the Jacobian's heading, and
    the step messages ran past the panel: the page was wider than the window.  Fields and headings cut a name
    at 24 characters (start and end, the whole in a tooltip) and messages wrap it."""
    from selenium.webdriver.common.keys import Keys
    name = "x_" + "a" * 200 + "_1"
    body = _open(browser, tmp_path, sg.explore(f"{name}*2 + sin({name}) + y"))
    for key in "123456":
        body.send_keys(key, Keys.END)
        width, window = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= window, key
    field = browser.find_element("css selector", "#inputs label span")
    assert field.text == "x_aaaaaaaaa…aaaaaaaaaa_1" and field.get_attribute("title") == name
    heading = browser.find_element("css selector", "#jacobian th span")
    assert heading.text == field.text and heading.get_attribute("title") == name
    assert console_errors(browser) == []


def test_a_line_ending_in_an_operator_says_how_to_go_on_to_the_next():
    """Was: c = x + (line break) 1 said only "expression ends after '+': an operand is missing", at the end of
    line 1, while the operand stood on line 2."""
    with pytest.raises(sg.ParseError, match=r"an operand is missing; a line break ends the line: an expression goes "
                                            r"on to the next line only inside parentheses") as info:
        sg.parse("c = x +\n  1")
    assert info.value.position == 7
    for text in ("c = x +", "c = x +\n", "c = x +; d = 1"):  # nothing follows on the next line: no hint
        with pytest.raises(sg.ParseError) as info:
            sg.parse(text)
        assert "line break" not in str(info.value)
    assert sg.parse("c = (x +\n  1)").expr("c") == sg.parse("x + 1").expr()


@pytest.mark.parametrize("text, line, above, names", [("c = a*b\n  + d", 2, 1, "c"), ("c = x\n\n- y", 3, 1, "c"),
                                                       ("c = a; e = c*2\n + 1", 2, 1, "c, e")])
def test_a_last_line_starting_with_a_sign_that_reads_nothing_above_is_noted(text, line, above, names):
    """Was: c = a*b then '  + d' on the next line (a formula broken over two lines) was silently the program
    whose output is +d: c was never used.  The result stands (a bare last line is the output), with a
    ReadingWarning, as the command line's note."""
    with pytest.warns(sg.ReadingWarning, match=rf"line {line} starts with '[+-]': a line break ends a line, so line "
                                               rf"{line} is the output on its own and does not use {names} \(assigned "
                                               rf"above\); to go on with line {above}'s expression"):
        graph = sg.parse(text)
    assert graph.expr() == sg.parse(text.splitlines()[-1]).expr()  # the output is the last line, as before


@pytest.mark.parametrize("text", ["c = x*y\n-c", "c = x; -y", "+x", "c = x\nc + 1", "c = x\n-c*2"])
def test_a_last_line_that_reads_what_is_assigned_or_follows_a_semicolon_is_no_note(text):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", sg.ReadingWarning)
        sg.parse(text)


def test_the_command_line_prints_the_note(capsys):
    status, out, err = _cli(capsys, "grad", "c = a*b\n  + d", "--wrt", "d")
    assert status == 0 and out == "dd/dd = 1\n" and "symgraph: note: line 2 starts with '+'" in err
