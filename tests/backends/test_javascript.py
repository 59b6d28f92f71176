"""The JavaScript backend: every op's template, run in a real browser, agrees with NumPy."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import symgraph as sg
from symgraph import ops
from symgraph.backends.javascript import JS, javascript_source, js_literal, js_name
from symgraph.errors import UnsupportedOpError
from symgraph.export.display import graph_program
from tests.browser import run_script

#: together (functions and their gradients) they use every op of the table
EXPRESSIONS = [
    "x + y - x*y / (y + 3)", "x ^ y + x^3 + 2^y + x^0.5 + -x", "sin(x)*cos(y) + tan(x) + atan(y)",
    "asin(x/5) + acos(y/5)", "sinh(x) + cosh(y) + tanh(x*y)", "exp(x) + log(abs(y)) + sqrt(abs(x))",
    "sigmoid(x) + relu(y) + softplus(x - y)", "asinh(x) + acosh(abs(y) + 1) + atanh(x/10)",
    "log1p(abs(x)) + expm1(y)", "log2(abs(x) + 1) + log10(abs(y) + 1) + exp2(x)", "cbrt(x) + erf(y) + erfc(x)",
    "sign(x) + floor(y) + ceil(x) + round(y)", "hypot(x, y) + atan2(y, x)", "max(x, y) + min(x, y, 1)",
    "logsumexp(x, y)", "logsumexp(x, y, x*y, 2)", "log(abs(x) + 2, abs(y) + 2)", "clip(x, -1, 1)*y",
    "where(x > y, x^2, y) + where(x <= y and x != 0, x, 1) + where(not (x == y) or x >= 1, y, 2) + where(x < 1, 1, 0)",
]
POINTS = [(0.3, 2.5), (-1.7, 0.2), (2.5, -3.5), (0.0, 1.0), (1.0, 1.0), (4.0, -0.5), (-2.5, 30.0), (0.5, -1.5),
          (1.5, 6.0), (-0.75, -2.5)]


def _programs():
    programs = []
    for text in EXPRESSIONS:
        graph = sg.parse(text)
        programs.append(graph_program(graph))
        programs.append(sg.grad(graph, wrt=["x", "y"]).program)
    return programs


def test_the_table_covers_every_built_in_op():
    assert set(JS) == set(ops.OPS) - set(ops.USER)
    used = {op for program in _programs() for _, op, _ in program.instructions}
    assert set(JS) - used == set()  # the browser test below runs every template


def test_agrees_with_numpy_in_the_browser(browser, tmp_path):
    programs = _programs()
    # helpers repeat across the functions: a function declared twice in a script is legal, the last one counts
    script = "\n".join(javascript_source(p, f"f{i}") for i, p in enumerate(programs))
    calls = ", ".join(f"f{i}" for i in range(len(programs)))
    script += f"\nwindow.result = [{calls}].map(f => {json.dumps(POINTS)}.map(p => f(...p).map(v => String(v))));"
    found = run_script(browser, tmp_path, script)
    for program, rows, text in zip(programs, found, [t for t in EXPRESSIONS for _ in (0, 1)]):
        for (x, y), row in zip(POINTS, rows):
            with np.errstate(all="ignore"):
                expected = list(program.evaluate(x=x, y=y).values())
            got = [float(v) for v in row]
            for label, e, g in zip(program.results, expected, got):
                assert (math.isnan(e) and math.isnan(g)) or math.isclose(e, g, rel_tol=1e-12, abs_tol=1e-300) \
                    or (e == g), f"{text}: {label} at x={x}, y={y}: NumPy {e!r}, JavaScript {g!r}"


def test_the_base_partial_of_a_power_is_0_at_the_origin_in_the_browser(browser, tmp_path):
    """d(x^y)/dx at x = y = 0 was 0 * 0^-1 = NaN on the page too; the select in the op table's rule gives 0 in
    the JavaScript the explorer runs, as in every backend."""
    script = javascript_source(sg.grad("x^y", wrt=["x", "y"]).program, "g")
    script += "\nwindow.result = [[0, 0], [0, 1], [2, 3]].map(p => g(...p).map(v => String(v)));"
    assert run_script(browser, tmp_path, script) == [["0", "0"], ["1", "0"], ["12", repr(8 * math.log(2))]]


def test_literals_and_names():
    assert js_literal(3) == "3" and js_literal(-2) == "(-2)" and js_literal(0.5) == "0.5"
    assert js_literal(float("inf")) == "Infinity" and js_literal(float("nan")) == "NaN"
    assert js_literal(sg.parse("pi").order and __import__("sympy").pi) == "3.141592653589793"
    assert js_name("new") == "new$" and js_name("Math") == "Math$" and js_name("x1") == "x1"
    source = javascript_source(sg.grad("new * Math + NaN").program, "g")
    assert "function g(new$, Math$, NaN$)" in source


def test_a_registered_function_has_no_javascript_form():
    softsign = sg.function("softsign_js", numpy=lambda x: x / (1 + np.abs(x)),
                           derivatives=["1/(1 + abs(x))^2"], args=["x"])
    try:
        with pytest.raises(UnsupportedOpError, match="no JavaScript form"):
            javascript_source(graph_program(sg.parse("softsign_js(x) + 1")))
    finally:
        softsign.unregister() if hasattr(softsign, "unregister") else ops.unregister("softsign_js")
