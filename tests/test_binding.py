"""Values bound to inputs by name (``.at``, ``Graph.evaluate``): real numbers or arrays of them, or a named error."""
import numpy as np
import pytest
import sympy

import symgraph as sg


@pytest.mark.parametrize("value", [1j, "1", None, np.array([1j, 1.0]), np.array(["1"]), [1, "a"],
                                   np.array([None, 1.0], dtype=object), sympy.I, [1, [2, 3]]])
def test_values_that_are_not_real_numbers_are_refused_by_name(value):
    # NumPy would read "1" as 1.0, None as nan and a complex array as its real part: wrong numbers, silently
    with pytest.raises(sg.GraphError, match="value for x must be a real number"):
        sg.grad("x^2*y").at(x=value, y=1)
    with pytest.raises(sg.GraphError, match="value for x must be a real number"):
        sg.parse("x/y").evaluate(x=value, y=2)


def test_an_integer_too_large_for_a_float_is_refused():
    with pytest.raises(sg.GraphError, match="too large for a float64"):
        sg.grad("x^2").at(x=2**2000)


@pytest.mark.parametrize("value, want", [(True, 2.0), (np.int8(3), 6.0), (np.float32(2), 4.0), (sympy.pi, 2 * np.pi),
                                         (sympy.Rational(1, 2), 1.0), (np.array([1, 2], dtype=object), [2.0, 4.0])])
def test_real_numbers_of_every_kind_are_accepted(value, want):
    assert sg.grad("x^2").at(x=value)["x"] == pytest.approx(want)
