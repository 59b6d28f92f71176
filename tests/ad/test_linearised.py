"""The linearised graph: which local partials are known from the op table alone, before any sweep."""
import sympy

import symgraph as sg
from symgraph.ad.linearised import STATIC_PARTIALS, OUT
from symgraph.ir.emitter import MINUS_ONE, ONE


def test_static_partials_are_found_in_the_rule_table():
    assert STATIC_PARTIALS["add"] == (ONE, ONE) and STATIC_PARTIALS["sub"] == (ONE, MINUS_ONE)
    assert STATIC_PARTIALS["neg"] == (MINUS_ONE,) and STATIC_PARTIALS["mul"] == (1, 0)
    assert STATIC_PARTIALS["exp"] == (OUT,)
    assert "sin" not in STATIC_PARTIALS and "pow" not in STATIC_PARTIALS and "div" not in STATIC_PARTIALS
    g = sg.grad("x - x + x + x + x*x + 3*x + exp(x)")  # repeated operands still add up
    assert g["x"] == 2 * sympy.Symbol("x") + 5 + sympy.exp(sympy.Symbol("x"))
