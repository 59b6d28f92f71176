"""Forward sweeps on graphs whose shape used to cost too much: a node of many operands, a repeated operand."""
import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.ad.forward import forward
from symgraph.ad.linearised import Linearised


class _CountedScans(list):
    """A node's operand list that counts how often it is scanned."""

    scans = 0

    def __iter__(self):
        type(self).scans += 1
        return super().__iter__()


def test_a_max_of_many_inputs_is_not_scanned_once_per_sweep():
    """The forward gradient of max(x0, ..., x_{n-1}) scanned all n operands in each of its n sweeps.

    Each sweep reaches the max node through one operand; at 20,000 inputs the
    scans made the gradient take a minute and a half.  Now a sweep looks up the
    few operands with a tangent, so the operand list is read once (to place them).
    """
    n = 300
    names = [f"x{i}" for i in range(n)]
    graph = sg.parse(f"max({', '.join(names)})")
    lin = Linearised(graph)
    node = graph.output
    _CountedScans.scans = 0
    lin.preds[node] = _CountedScans(lin.preds[node])
    result = forward(lin, [node], names)
    assert lin.counts.sweeps == n and _CountedScans.scans <= 2
    reverse = sg.grad(graph, wrt=names, mode="reverse")
    forward_ = sg.grad(graph, wrt=names, mode="forward")
    point = {x: float(v) for x, v in zip(names, np.random.default_rng(0).permutation(n))}
    got, want = forward_.at(**point), reverse.at(**point)
    assert got == want and sum(got.values()) == 1.0 and got[max(point, key=point.get)] == 1.0
    assert {(node, x) for x in names} == set(result.derivatives)


def test_a_max_of_few_inputs_agrees_with_sympy_in_forward_mode():
    """The looked-up operands give sympy's derivative of Max (distinct values: no ties)."""
    names = [f"x{i}" for i in range(6)]
    gradient = sg.grad(f"max({', '.join(names)})", wrt=names, mode="forward")
    symbols = sympy.symbols(names)
    point = dict(zip(names, [0.3, 2.5, -1.0, 2.25, 0.0, 1.5]))
    subs = {s: point[x] for s, x in zip(symbols, names)}
    got = gradient.at(**point)
    for x, s in zip(names, symbols):
        assert got[x] == pytest.approx(float(sympy.diff(sympy.Max(*symbols), s).subs(subs)))


@pytest.mark.parametrize("text", [
    "x + x*y + x*y - x*y",
    "a = x*y; b = sin(x); a + b + a - 2*b + a*b + (a + b)",
    "x + x + x*y + x - x",
    "w = exp(x*y); (w + x) + (w + y) + w*w - (w - x)",
])
def test_forward_gradients_of_sums_meeting_a_term_twice_equal_sympy_and_reverse(text):
    """Sums that meet a term twice, with differences and cancelling terms: forward equals sympy and reverse."""
    graph = sg.parse(text)
    f = graph.expr()
    forward_ = sg.grad(graph, mode="forward")
    reverse = sg.grad(graph, mode="reverse")
    point = {x: 0.3 + 0.2 * k for k, x in enumerate(graph.inputs)}
    subs = {graph.symbol(x): v for x, v in point.items()}
    got, want = forward_.at(**point), reverse.at(**point)
    for x in graph.inputs:
        assert got[x] == pytest.approx(want[x], rel=1e-13)
        assert got[x] == pytest.approx(float(sympy.diff(f, graph.symbol(x)).subs(subs)), rel=1e-12)
