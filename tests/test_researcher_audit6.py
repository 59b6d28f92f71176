"""A research user's audit: robust losses, fits and second order checked against sympy, modes and backends."""
import numpy as np
import pytest
import sympy

import symgraph as sg


def _nested_pieces(expr) -> list:
    """The Piecewise found inside a piece's value of another Piecewise."""
    return [inner for outer in expr.atoms(sympy.Piecewise) for value, _ in outer.args
            for inner in sympy.preorder_traversal(value) if isinstance(inner, sympy.Piecewise)]


@pytest.mark.parametrize("mode", ["reverse", "forward", "elimination"])
def test_a_huber_loss_gradient_reads_without_a_select_nested_in_its_own_condition(mode):
    """The Huber loss's gradient read Piecewise((2*r*Piecewise((1/2, d > Abs(r)), (0, True)), d > Abs(r)), (0, True))
    + Piecewise((Piecewise((0, d > Abs(r)), (d, True))*sign(r), d <= Abs(r)), (0, True)): the inner selects test the
    outer condition (|r| < d as written, d > |r| as sympy keeps it), so they are known there and now read so."""
    g = sg.grad("where(abs(r) < d, r^2/2, d*(abs(r) - d/2))", wrt=["r"], mode=mode)
    r, d = sympy.symbols("r d")
    assert not _nested_pieces(g["r"]), g["r"]
    want = sympy.Piecewise((r, d > abs(r)), (d * sympy.sign(r), True))
    for rv, dv in [(0.3, 1.0), (-2.0, 1.0), (5.0, 2.0), (-0.5, 0.7)]:
        assert float(g["r"].subs({r: rv, d: dv})) == float(want.subs({r: rv, d: dv})) == g.at(r=rv, d=dv)["r"]
    both = sg.grad("where(x > 0 and y < 1, x^2*y, x*y^3)", wrt=["y"], mode=mode)
    assert not _nested_pieces(both["y"]), both["y"]  # an untaken branch's select under not (x > 0 and y < 1)
