"""Hessians derived on the gradient's program: every strategy equals sympy.hessian, and sharing survives."""
import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.hessian import STRATEGIES, hessian_program

X, Y, Z = sympy.symbols("x y z")
CASES = [
    ("x^2*y + y^3 + sin(x*y)", X**2 * Y + Y**3 + sympy.sin(X * Y)),
    ("exp(x - y)*z + log(1 + x^2)*y*z", sympy.exp(X - Y) * Z + sympy.log(1 + X**2) * Y * Z),
    ("c = x*y; d = c + z; c*d*tanh(d)", X * Y * (X * Y + Z) * sympy.tanh(X * Y + Z)),
]


@pytest.mark.parametrize("mode", list(STRATEGIES))
@pytest.mark.parametrize("text, form", CASES, ids=[t for t, _ in CASES])
def test_every_strategy_is_sympy_hessian(text, form, mode):
    names = [s.name for s in (X, Y, Z) if s in form.free_symbols]
    symbols = [sympy.Symbol(n) for n in names]
    got = sg.hessian(text, wrt=names, mode=mode)
    want = sympy.hessian(form, symbols)
    assert got.shape == (len(names), len(names)) and got == got.T
    point = dict(zip(symbols, [0.3, -0.7, 1.1]))
    for i in range(len(names)):
        for j in range(len(names)):
            assert float(got[i, j].subs(point)) == pytest.approx(float(want[i, j].subs(point)), rel=1e-12, abs=1e-12)


def test_rosenbrock_hessian_is_tridiagonal_and_its_program_stays_small():
    n = 30
    text = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
    H = sg.hessian(text, n=n)
    assert H.shape == (n, n)
    assert all(H[i, j] == 0 for i in range(n) for j in range(n) if abs(i - j) > 1)
    program, names, cost, _ = hessian_program(text, n=n)
    assert names == [f"x[{i}]" for i in range(n)]
    assert program.ops < 10 * len(sg.parse(text, n=n))
    x = sympy.IndexedBase("x")
    assert H[0, 0] == 1200 * x[0] ** 2 - 400 * x[1] + 2


def test_hessian_refuses_intermediates_and_several_outputs():
    with pytest.raises(sg.GraphError, match="intermediate"):
        sg.hessian("c = x*y; c^2", wrt=["x", "c"])
    with pytest.raises(sg.GraphError, match="one output"):
        sg.hessian(["x*y", "x+y"])
    with pytest.raises(ValueError, match="unknown Hessian mode"):
        sg.hessian("x^2", mode="sideways")
