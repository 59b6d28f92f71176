"""Edge pushing's templates: an op's second partials derived once per operand shape and replayed at each node."""
import sympy

import symgraph as sg
from symgraph.ad.edge_pushing import ZERO_SLOT, _shape, _template


def test_a_shape_names_repeated_operands_and_keeps_a_constant_zero_apart():
    assert _shape(("a", "a", "b")) == (0, 0, 2)
    assert _shape((sympy.Integer(2), "x")) == (0, 1) and _shape(("x", sympy.Rational(1, 2))) == (0, 1)
    assert _shape((sympy.Integer(0), "x")) == (ZERO_SLOT, 1) and _shape((sympy.Float(0.0), "x")) == (ZERO_SLOT, 1)


def test_a_zero_base_powers_template_holds_the_zero_and_its_rules_select():
    """pow's template for 0^x is derived on the constant 0, so it replays the exponent partial's select: it
    replayed the general rule's pow_log0(0, x) * log0(0), nan for x < 0 in the numbers but 0 in the closed form."""
    instructions, results = _template("pow", _shape((sympy.Integer(0), "x")))
    assert list(results) == [(1, 1)]
    assert "log0" not in {op for _, op, _ in instructions} and "where" in {op for _, op, _ in instructions}
    general = _template("pow", _shape(("y", "x")))
    assert set(general[1]) == {(0, 0), (0, 1), (1, 1)}
    hessian = sg.hessian("y*0^x", wrt=["x", "y"], mode="edge-pushing")
    x = sympy.Symbol("x")
    assert hessian[0, 0].xreplace({x: -2}) is sympy.nan and hessian[0, 0].xreplace({x: 2}) == 0
