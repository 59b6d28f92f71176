"""The forward sweep: one sweep per wrt input, tangents against sympy.diff, and what it counts."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.forward import forward
from symgraph.ad.linearised import Linearised
from tests.ad.cases import SMALL, check_against_sympy


@pytest.mark.parametrize("text", SMALL)
def test_tangents_equal_sympy_diff(text):
    check_against_sympy(text, "forward")


@pytest.mark.parametrize("text, sweeps, multiplications", [
    ("x*y", 2, 0),                 # unit seeds times local partials: every product is free
    ("sin(x*y)", 2, 2),            # cos(v) times y, cos(v) times x
    ("sin(sin(sin(x)))", 1, 2),    # the chain rule's two products after the free first one
    ("x1*x2*x3*x4*x5", 5, 9),      # sweep k multiplies by each later factor: 3 + 3 + 2 + 1 + 0
])
def test_one_sweep_per_input_and_the_products_it_performs(text, sweeps, multiplications):
    cost = sg.grad(text, mode="forward").cost
    assert (cost.sweeps, cost.multiplications) == (sweeps, multiplications)


def test_the_textbook_sum_is_its_one_addition():
    cost = sg.grad("c = a + b; d = b + 1; e = c * d", mode="forward").cost
    assert (cost.multiplications, cost.additions) == (0, 1)  # de/db = d + c


def test_a_name_that_does_not_occur_costs_no_sweep():
    graph = sg.parse("sin(x)*y")
    lin = Linearised(graph)
    result = forward(lin, list(graph.outputs), ["x", "nowhere"])
    assert lin.counts.sweeps == 1 and set(result.derivatives) == {(graph.output, "x")}


def test_tangents_do_not_flow_into_unrelated_branches():
    """d/dx of an output that does not depend on x is 0 without a product (zero tangents are not propagated)."""
    J = sg.jacobian(["sin(x)*y", "cos(y)"], wrt=["x", "y"], mode="forward")
    x, y = sympy.symbols("x y")
    assert J[1, 0] == 0 and J[1, 1] == -sympy.sin(y) and J[0, 0] == y * sympy.cos(x)
