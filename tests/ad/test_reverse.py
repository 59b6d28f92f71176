"""The reverse sweep: adjoints on small graphs against sympy.diff, signs carried instead of negations, and its counts."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.linearised import SWAPPED, TWO_NAME_PARTIALS, Linearised
from symgraph.ad.reverse import backpropagate
from symgraph.ir.folding import ONE
from tests.ad.cases import SMALL, check_against_sympy


@pytest.mark.parametrize("text", SMALL)
def test_adjoints_equal_sympy_diff(text):
    check_against_sympy(text, "reverse")


@pytest.mark.parametrize("text, multiplications", [
    ("x*y", 0),                 # the output's unit adjoint times each local partial: free
    ("sin(x*y)", 2),            # cos(v) times y, cos(v) times x
    ("sin(sin(sin(x)))", 2),
    ("x1*x2*x3*x4*x5", 6),      # 2n - 4: two products per factor below the first non-unit adjoint
])
def test_one_sweep_for_one_output_and_the_products_it_performs(text, multiplications):
    cost = sg.grad(text, mode="reverse").cost
    assert (cost.sweeps, cost.multiplications) == (1, multiplications)


def test_one_sweep_per_output():
    assert sg.compare(["sin(x)*y", "cos(x)*y", "x + y"])["reverse"].sweeps == 3


def test_a_single_sweep_keeps_only_the_adjoints_asked_for():
    graph = sg.parse("\n".join(["v1 = sin(x) * y"] + [f"v{k + 1} = v{k} * v{k} + y" for k in range(1, 200)]))
    lin = Linearised(graph)
    adjoint = {graph.output: ONE}
    backpropagate(lin, adjoint, lin.backwards_from(graph.output), keep=["x", "y"], cache=False)
    assert set(adjoint) == {"x", "y"}  # every intermediate's adjoint was dropped once pulled back
    assert lin.cached_partials() == 0  # and no partials were cached for a single sweep
    full = sg.grad(graph)
    assert full.program.results == {"x": adjoint["x"], "y": adjoint["y"]}


def _ops(program):
    return [op for _, op, _ in program.instructions]


def test_negative_partials_travel_as_signs_not_negations():
    g = sg.grad("(1-x)^2 + 100*(y-x^2)^2")  # every path to x passes a subtraction
    assert _ops(g.program).count("neg") == 1 and g.program.results["x"] == g.program.instructions[-1][0]
    x, y = sympy.symbols("x y")
    f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    assert sympy.expand(g["x"] - f.diff(x)) == 0 and sympy.expand(g["y"] - f.diff(y)) == 0
    assert g.cost.multiplications == 2 and g.cost.additions == 1  # the counts do not see the signs
    big = sg.grad("+".join(f"100*(x{i + 1}-x{i}^2)^2+(1-x{i})^2" for i in range(1, 20)))
    assert _ops(big.program).count("neg") == 1  # x1's result only, not one per term


def test_a_negative_result_is_negated_once_and_double_signs_cancel():
    g = sg.grad("c - a*b", wrt=["a", "b", "c"])
    assert _ops(g.program).count("neg") == 2 and g["a"] == -sympy.Symbol("b") and g["c"] == 1
    twice = sg.grad("x - (y - x*z)", wrt=["z", "y"])
    assert "neg" not in _ops(twice.program) and twice["z"] == sympy.Symbol("x") and twice["y"] == -1
    mixed = sg.grad("(a - b)*(b - a) - b", wrt=["b"])  # a negative and a positive use of one node
    a, b = sympy.symbols("a b")
    assert sympy.expand(mixed["b"] - sympy.diff((a - b) * (b - a) - b, b)) == 0


@pytest.mark.parametrize("text", [
    "(1-x)^2 + 100*(y-x^2)^2 + x*y - y/x",
    "where(x < y and y > 0 or x >= 2, x*y, y - x) + 3*sin(x)^2 - x*x",
    "a = x*y; b = a - 2*x; c = 5*(a*b + b*x); c*c - 7*a",
])
def test_the_sweep_builds_the_partials_node_partials_gives(text):
    """Partials built in the sweep (a sum, difference, product or comparison of two names; a constant adjoint
    times a name sent to the emitter's product) make the instructions and counts of the cached partials."""
    graph = sg.parse(text)
    made = []
    for cache in (False, True):
        lin = Linearised(graph)
        adjoint = {graph.output: ONE}
        backpropagate(lin, adjoint, lin.backwards_from(graph.output), keep=graph.input_nodes, cache=cache)
        made.append((lin.emitter.instructions, adjoint, lin.counts))
    assert made[0] == made[1] and made[0][0]


def test_two_name_partials_are_node_partials():
    graph = sg.parse("where(a < b and b > a or a <= b and b >= a or a == b and a != b, a*b - (a + b), 0)")
    lin = Linearised(graph)
    seen = set()
    for v, op, args in graph.rows():
        pair = TWO_NAME_PARTIALS.get(op)
        if pair is None or len(args) != 2 or not all(isinstance(a, str) for a in args) or args[0] == args[1]:
            continue
        x, y = args
        expected = [(x, y), (y, x)] if pair is SWAPPED else [(x, pair[0]), (y, pair[1])]
        assert lin.node_partials(v, op, args) == expected
        seen.add(op)
    assert seen == set(TWO_NAME_PARTIALS) and not lin.emitter.instructions
