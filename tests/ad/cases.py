"""Small graphs shared by the sweep tests, and the check of a mode's derivatives against sympy.diff."""
import numpy as np
import pytest
import sympy

import symgraph as sg

#: small texts with shared nodes, several inputs, chains and most kinds of op; sympy.diff gives every partial
SMALL = [
    "c = a + b; d = b + 1; e = c * d",
    "x*y",
    "sin(x*y) + x",
    "sin(sin(sin(x)))",
    "x1*x2*x3*x4*x5",
    "h = tanh(w*x + b); h*h - exp(-h)/(1 + x^2)",
    "u = x/y; v = u^2 + sqrt(1 + u^2); log(1 + v) - atan(u)*y",
    "sigmoid(x - y) * softplus(x*y) + cosh(x)*sinh(y) - asin(x/3) + acos(y/4)",
    "x^y + 2^x - x^3/y",
]


def check_against_sympy(text: str, mode: str, points: int = 3, seed: int = 0) -> None:
    """Every partial of ``text`` derived in ``mode`` equals sympy.diff of its closed form at random points."""
    graph = sg.parse(text)
    f = graph.expr()
    gradient = sg.grad(graph, mode=mode, simplify=False)
    symbols = [graph.symbol(x) for x in graph.input_nodes]
    rng = np.random.default_rng(seed)
    for x, symbol in zip(graph.input_nodes, symbols):
        want, got = sympy.diff(f, symbol), gradient[x]
        for _ in range(points):
            point = {s: sympy.Float(rng.uniform(0.3, 0.9)) for s in symbols}
            expected = float(want.subs(point).evalf(30))
            assert float(got.subs(point).evalf(30)) == pytest.approx(expected, rel=1e-12, abs=1e-12), (text, x)
