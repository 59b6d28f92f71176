"""Edge derivatives (symgraph/ad/partials.py): one node in both slots of an op that is then constant."""
import math
import warnings

import numpy as np
import pytest

import symgraph as sg
from symgraph.ad.partials import CONSTANT_ON_ONE_OPERAND, edge_derivatives
from symgraph.hessian import STRATEGIES

MODES = ["reverse", "forward", "paths", "elimination", "auto"]


def test_the_ops_constant_on_one_operand_are_read_from_sympy():
    # heaviside(s, s) is 0 for s <= 0 and 1 above: no constant, and its h-partial at 0 is kept
    assert CONSTANT_ON_ONE_OPERAND == {"div", "sub", "logb"}


@pytest.mark.parametrize("mode", MODES)
def test_acos_of_a_power_over_y_over_y_is_minus_infinity_at_1_in_every_mode(mode):
    """d/dy acos(y*((y^y)/(y/y))) at y = 1 is -2/sqrt(0) = -inf (one-sided: acos' is -inf at 1).  Forward
    mode gave -inf; reverse mode and the path sum gave nan: y/y's edge was 1/y - (y/y)/y, a numerical 0 that
    the adjoint -inf met.  That edge is now the exact 0 sympy.diff reads (y/y is 1), in every mode."""
    text = "acos(y*((y^y)/(y/y)))"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        g = sg.grad(text, ["y"], mode=mode)
        assert g.at(y=1.0) == {"y": -math.inf}
        assert g.lambdify()(np.array([1.0, 0.5]))[0][0] == -math.inf
        assert g.lambdify(backend="vm")(1.0)[0] == -math.inf
        assert math.isclose(g.at(y=0.5)["y"], -(0.5 ** 1.5) * (math.log(0.5) + 3) / math.sqrt(1 - 0.5 ** 3))


def test_an_op_of_one_node_twice_has_an_exact_zero_edge():
    assert edge_derivatives(sg.parse("y/y")) == {("y", "v1"): 0}
    assert sg.grad("log(y, y)*x + x*(y/y)") == {"x": 2, "y": 0}
    assert sg.grad("y/y").at(y=0.0) == {"y": 0.0}  # sympy's d(y/y)/dy; the value itself is NumPy's nan
    for mode in STRATEGIES:
        assert sg.hessian("(y/y)*x^2", ["x", "y"], mode=mode).tolist() == [[2, 0], [0, 0]], mode
    # other ops of one node twice keep their slots' sum
    assert sg.grad("y*y") == {"y": 2 * sg.parse("y").symbol("y")}
    assert sg.grad("heaviside(y, y)", wrt=["y"]).at(y=0.0) == {"y": 1.0}
