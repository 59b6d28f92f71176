"""sympy constructs built of table rows: the product x**y * log0(x), a gradient's closed form, read back as pow_log0."""
import sympy

import symgraph as sg
from symgraph.forms import _sympy_log0
from symgraph.frontend.sympy_composed import PowLog0, with_pow_log0

x, y, z = sympy.symbols("x y z")


def ops_of(expr) -> list:
    graph = sg.Graph.from_sympy(expr)
    return [graph.op(n) for n in graph.order if graph.op(n) != "input"]


def test_a_power_times_log0_of_its_base_is_the_row_pow_log0():
    assert with_pow_log0([x ** y, _sympy_log0(x)]) == [PowLog0(x, y)]
    assert with_pow_log0([z, _sympy_log0(x), x ** (y - 1)]) == [z, PowLog0(x, y - 1)]
    assert ops_of(x ** y * _sympy_log0(x)) == ["pow_log0"]
    assert ops_of(sg.grad("x^y")["y"]) == ["pow_log0"]  # the gradient entry's closed form round-trips
    assert sorted(ops_of(2 * z * x ** y * _sympy_log0(x))) == ["mul", "mul", "pow_log0"]


def test_products_that_are_not_that_row_stay_products():
    """Another base, a numeric exponent (the rule writes out*log0(x) there), a Piecewise that is not log0."""
    for factors in ([y ** x, _sympy_log0(x)], [x ** 2, _sympy_log0(x)],
                    [x ** y, sympy.Piecewise((1, sympy.Eq(x, 0)), (sympy.log(x), True))],
                    [x ** y, sympy.Piecewise((0, sympy.Eq(x, 1)), (sympy.log(x), True))],
                    [x ** y, sympy.Piecewise((0, x > 0), (1, True))], [x ** y, y]):
        assert with_pow_log0(list(factors)) == list(factors), factors


def test_the_gradient_of_the_entry_is_the_hessians_mixed_partial_everywhere():
    """d/dx of d(x^y)/dy's closed form was 0 at (0, 1) by the product rule (log0'(0) = 0), where every Hessian
    strategy gives 1 (pow_log0's base partial, the other order of differentiation)."""
    import numpy as np
    entry = sg.grad("x^y")["y"]
    for point in [{"x": 0.0, "y": 1.0}, {"x": 0.0, "y": 0.0}, {"x": 0.0, "y": 2.0}, {"x": 0.5, "y": -1.5}]:
        hessian = np.asarray(sg.hessian("x^y").at(**point), float)
        assert sg.grad(entry, wrt=["x"]).at(**point)["x"] == hessian[0, 1], point
