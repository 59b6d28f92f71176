"""over='s copies replayed from one recorded copy give the graph, names and errors of parsing every copy.

:func:`symgraph.frontend.parse.parse_over` parses its template once and replays the builder calls for the
other copies (in one loop when the template allows).  Each case here is built three ways: as it is, with
the one-loop path turned off (every copy replayed call by call), and with the replay turned off (every copy
parsed, the behaviour before the replay): the graphs must be equal row for row, with the same inputs,
outputs and input labels, and an error must be the same error at the same position.
"""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg
import symgraph.frontend.parse as parse_module
from symgraph.errors import SymgraphError
from symgraph.frontend.parse import parse_over
from symgraph.frontend.replay import _Tape

CASES = [
    ("y[k] - a*exp(-b*t[k])", ("k", 0, "m-1"), dict(m=5)),
    ("y[k+1] - y[k]*a", ("k", 0, "m-1"), dict(m=4)),
    ("y[k+1] - y[k]*a", ("k", 0, "m-1"), dict(m=4, y=4)),  # y[4] out of range at the last copy
    ("y[k] - y[0]*a", ("k", 0, "m-1"), dict(m=4)),  # two steps make y[0] at k = 0: parsed per copy
    ("y[2*k] - W[k, 1]*a + sin(x[k-1])", ("k", 1, 3), {}),
    ("y[k/2] - a", ("k", 0, 3), {}),
    ("y[k-2] - a", ("k", 0, 3), {}),
    ("y[k] - a*t[m-k]", ("k", 0, "m+1"), dict(m=3)),  # t[-1] at the last copy
    ("y[k] - a*t[m-k]", ("k", 0, "m"), dict(m=3, t=3)),
    ("(y[k] - a*t[k])/sqrt(m)", ("k", 0, "m-1"), dict(m=3)),
    ("y[k] - a*k", ("k", 0, 3), {}),  # the index outside brackets: parsed per copy
    ("r = y[k] - a; r", ("k", 0, 3), {}),
    ("f(u) = u*a; f(y[k])", ("k", 0, 3), {}),
    ("y[k] - sum(a*t[i], i, 0, 2)", ("k", 0, 3), {}),
    ("where(y[k] > 0, a*y[k], b)", ("k", 0, 3), {}),
    ("y[k] > a", ("k", 0, 3), {}),
    ("y[k] - a + 0*t[k]", ("k", 0, 3), {}),
    ("y[k] - 1*a*y[k] - a^2 + a^2", ("k", 0, 3), {}),
    ("y[k] - softplus(a*t[k]) - relu(b) + min(a, t[k])", ("k", 0, 3), {}),
    ("y[k] - a*t[k]*n", ("k", 0, 2), dict(n=3)),
    ("y[k, n] - a # a comment", ("k", 0, 2), dict(n=1)),
    ("y[k] + y[k+1] + y[k+2]", ("k", 0, 5), {}),
    ("y[k*5000000] - a", ("k", 0, 2), {}),  # past the largest input at the last copy
    ("W[k, 2*k+1] - a*W[k, k]", ("k", 0, 4), dict(W=(5, 9))),
    ("W[k, 2*k+1] - a*W[k, k]", ("k", 0, 4), dict(W=(5, 8))),
    ("y[k] - a*t[k] - -b + pi*c - 2.5e3*a", ("k", 0, 4), {}),
    ("y[k] - (a", ("k", 0, 2), {}),
]


def _built(text: str, over: tuple, sizes: dict) -> tuple:
    try:
        g = parse_over(text, over, **sizes)
    except SymgraphError as error:
        return "error", type(error).__name__, str(error), getattr(error, "position", None)
    return "graph", g.inputs, g.outputs, g.input_labels, list(g.rows()), g.order


@pytest.mark.parametrize("text, over, sizes", CASES)
def test_replayed_copies_are_the_parsed_copies(text, over, sizes, monkeypatch):
    fast = _built(text, over, sizes)
    with monkeypatch.context() as m:  # every copy replayed call by call
        m.setattr(_Tape, "repeat", lambda *args: None)
        replayed = _built(text, over, sizes)
    with monkeypatch.context() as m:  # every copy parsed, as before the replay
        m.setattr(parse_module, "replayable", lambda parser, index: False)
        parsed = _built(text, over, sizes)
    assert fast == parsed
    assert replayed == parsed


def test_residuals_from_replayed_copies_are_the_parsed_ones(monkeypatch):
    t, y = np.linspace(0.0, 2.0, 7), np.linspace(3.0, 1.0, 7)
    theta = np.array([1.5, 0.7])
    res = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=7)
    monkeypatch.setattr(parse_module, "replayable", lambda parser, index: False)
    parsed = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=7)
    assert res.graph == parsed.graph  # the replayed copies evaluate as one program over arrays, the parsed one by one
    np.testing.assert_allclose(res.fun(theta, y, t), parsed.fun(theta, y, t), rtol=1e-15)
    np.testing.assert_allclose(res.jac(theta, y, t), parsed.jac(theta, y, t), rtol=1e-15)


def test_replayed_residuals_against_sympy():
    """The residuals and Jacobian of replayed copies against sympy's derivatives evaluated in 30 digits."""
    import sympy

    m = 9
    t, y = np.linspace(0.0, 2.0, m), np.linspace(3.0, 1.0, m)
    theta = [1.5, 0.7]
    res = sg.residuals("y[k+1] - a*exp(-b*t[k]) + y[k]/a", wrt=["a", "b"], over=("k", 0, "m-2"), m=m)
    a, b = sympy.symbols("a b")
    point = {a: sympy.Float(theta[0], 30), b: sympy.Float(theta[1], 30)}
    want_r, want_j = [], []
    for k in range(m - 1):
        r = sympy.Float(y[k + 1], 30) - a * sympy.exp(-b * sympy.Float(t[k], 30)) + sympy.Float(y[k], 30) / a
        want_r.append(float(r.evalf(30, subs=point)))
        want_j.append([float(sympy.diff(r, v).evalf(30, subs=point)) for v in (a, b)])
    np.testing.assert_allclose(res.fun(theta, y, t[:-1]), want_r, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(res.jac(theta, y, t[:-1]), want_j, rtol=1e-14, atol=1e-15)
