"""Second derivatives as researchers use them, read against independent values: the closed forms of
selects whose condition sympy cannot put in a settled canonical form, and directions given as 0-d arrays."""
import subprocess
import sys

import numpy as np
import sympy

import symgraph as sg
from tests.helpers import ROOT

#: sympy rewrites this comparison to x/3 - sin(x) < 1/y - w, then w - 1/y < sin(x) - x/3, then back, forever
RESTLESS = "sin(x) - x/3 > w - 1/y"


def test_a_select_by_a_restless_comparison_builds_its_closed_forms():
    # every where() of this condition recursed without end in sympy's Piecewise: grad, hessian and hvp
    # raised a bare RecursionError
    g = sg.grad(f"where({RESTLESS}, x^2, y)", wrt=["x", "y"])
    x, y, w = sympy.symbols("x y w")
    at = {x: 0.5, y: 2.0, w: 0.1}
    assert float(g["x"].subs(at)) == 1.0 and float(g["y"].subs(at)) == 0.0
    f = f"where({RESTLESS}, erf(y)^2, cos(x)^2)^-1"
    point = dict(x=0.5, y=2.0, w=-3.0)  # the first branch: f = erf(y)^-2
    for mode in ("forward-over-reverse", "edge-pushing"):
        H = sg.hessian(f, wrt=["y", "x"], mode=mode)
        value = np.asarray(H.subs({sympy.Symbol(k): v for k, v in point.items()}), dtype=float)
        Y = sympy.Symbol("y")
        exact = float(sympy.diff(sympy.erf(Y) ** -2, Y, 2).subs(Y, 2.0).evalf(30))
        assert np.allclose(value, [[exact, 0], [0, 0]], rtol=1e-12)
        assert np.allclose(H.lambdify()(**point), value, rtol=1e-12)
    assert sg.hvp(f, ["y", "x"], [1, 0]).at(**point)["y"] == sg.hessian(f, wrt=["y", "x"]).lambdify()(**point)[0, 0]


def test_a_restless_comparison_does_not_crash_under_a_raised_recursion_limit():
    # sympy users often raise the limit; the endless recursion then overflowed the C stack (a segfault)
    code = ("import sys; sys.setrecursionlimit(200_000); import symgraph as sg; "
            f"print(sg.grad('where({RESTLESS}, x^2, y)', wrt=['x'])['x'].args[0][0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "2*x", done.stderr[-500:]


def test_a_direction_of_zero_dimensional_arrays_is_read_as_its_numbers():
    # np.array(2.0) was "a seed in v must be a number or a name" while np.float64(2.0) was read
    one = sg.hvp("x^3*y", ["x", "y"], [np.array(2.0), np.array(1)]).at(x=1.5, y=0.5)
    assert one == sg.hvp("x^3*y", ["x", "y"], [2.0, 1]).at(x=1.5, y=0.5) == {"x": 15.75, "y": 13.5}
    assert sg.hvp("x^3", ["x"], np.array(2.0)).at(x=1.0) == {"x": 12.0}
