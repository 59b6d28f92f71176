"""Values keyed by the user's names of an indexed input's elements (symgraph/ir/input_names.py)."""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg


def test_an_element_the_text_never_reads_is_taken_and_its_value_ignored():
    """x[0] of ``x[2]*y`` is an element of x (extent 3; the gradient has an entry for it, and ``x=[...]`` must hold
    it), but ``.at({"x[0]": 1, ...})`` said "unknown input(s) x[0]": feeding a gradient's own keys back failed."""
    gradient = sg.grad("x[2]*y")
    assert list(gradient) == ["x[0]", "x[1]", "x[2]", "y"]
    point = dict.fromkeys(gradient, 3.0)
    assert gradient.at(point) == {"x[0]": 0.0, "x[1]": 0.0, "x[2]": 3.0, "y": 3.0}
    assert gradient.at(point) == gradient.at(x=[3.0, 3.0, 3.0], y=3.0)
    assert sg.parse("x[2]*y").evaluate({"x[0]": 5.0, "x[2]": 2.0, "y": 4.0})["x[2]"] == 2.0
    assert sg.hessian("x[2]^2*y").at({"x[0]": 1.0, "x[1]": 1.0, "x[2]": 3.0, "y": 2.0})[2, 3] == 6.0
    assert sg.jvp("x[2]*y", wrt=["x[2]"], v=[1]).at({"x[0]": 1.0, "x[2]": 3.0, "y": 2.0}) == {"f": 2.0}
    assert isinstance(sg.explore("x[2]^2*y", at={"x[0]": 1, "x[1]": 1, "x[2]": 3, "y": 2}), sg.Explorer)


def test_an_unread_element_is_still_checked():
    """Its value is not used, but it is the user's value: text, an element beyond the extent, or the element
    given also in the whole array are the errors they are for a read element."""
    gradient = sg.grad("x[2]*y")
    with pytest.raises(sg.GraphError, match="value for x\\[0\\] must be a real number"):
        gradient.at({"x[0]": "a", "x[2]": 3.0, "y": 2.0})
    with pytest.raises(sg.GraphError, match="unknown input\\(s\\) x\\[3\\]"):
        gradient.at({"x[3]": 1.0, "x[2]": 3.0, "y": 2.0})
    with pytest.raises(sg.GraphError, match="unknown input\\(s\\) x\\[0, 0\\]"):
        gradient.at({"x[0, 0]": 1.0, "x[2]": 3.0, "y": 2.0})
    for values in ({"x": [1.0, 2.0, 3.0], "x[0]": 5.0, "y": 1.0}, {"x[ 0 ]": 5.0, "x": [1.0, 2.0, 3.0], "y": 1.0},
                   {"x[0]": 1.0, "x[ 0 ]": 2.0, "x[2]": 1.0, "y": 1.0}):
        with pytest.raises(sg.GraphError, match="x\\[0\\] is given two values"):
            gradient.at(values)
    assert np.shape(gradient.at({"x[1]": 1.0, "x[2]": [1.0, 2.0], "y": 2.0})["y"]) == (2,)
