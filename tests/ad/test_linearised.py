"""The linearised graph: one adjacency and walk, edge derivatives, and which products are free."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.linearised import (OUT, STATIC_PARTIALS, PRODUCT_EDGE, UNIT_EDGE, ZERO_EDGE, Adjacency, Linearised, edge_derivatives,
                                    static_edge_kinds)
from symgraph.ad.modes import run_mode, sweep_of, sweep_options
from symgraph.cost import mode_cost
from symgraph.ir.folding import MINUS_ONE, ONE, ZERO

SEED = "c = a + b; d = b + 1; e = c * d"


def test_one_adjacency_walks_both_ways():
    adj = Adjacency(sg.parse(SEED + "; f = e * a; g = sin(d)", outputs=["f", "g"]))
    assert adj.preds["e"] == ["c", "d"] and adj.succs["a"] == ["c", "f"] and adj.succs["b"] == ["c", "d"]
    assert adj.ancestors("e") == ["e", "d", "c", "b", "a"]  # reverse topological, the start included
    assert adj.descendants("b") == ["c", "d", "e", "f", "g"]  # topological, the start excluded
    assert adj.reachable(["d"], forward=False) == {"b"}
    assert adj.reachable(["b"], within={"d", "g"}) == {"d", "g"}


def test_a_graph_walk_never_builds_the_networkx_view(monkeypatch):
    graph = sg.parse(SEED)
    monkeypatch.setattr(sg.Graph, "nx", property(lambda self: pytest.fail("built the networkx view")))
    assert len(sg.paths(graph)) == 3 and sg.compare(graph)["paths"].paths == 3  # the graph's tables suffice
    assert sg.grad(graph, mode="auto").mode == "reverse"


def test_edge_derivatives_leave_the_graph_alone_and_annotate_edges_writes_them():
    graph = sg.parse("y = x * x - 3 * z")
    derivatives = edge_derivatives(graph)
    x = sympy.Symbol("x")
    assert derivatives[("x", next(v for v in graph.order if graph.op(v) == "mul" and "x" in graph.operands(v)))] == 2 * x
    assert sg.annotate_edges(graph) is graph
    assert {(u, v): data["derivative"] for u, v, data in graph.nx.edges(data=True)} == derivatives



def test_annotate_edges_on_an_edited_view_says_so():
    """Was: after g.nx.remove_edge("c", "e"), sg.annotate_edges(g) raised networkx's bare KeyError."""
    graph = sg.parse("c = a + b; d = b + 1; e = c * d")
    graph.nx.remove_edge("c", "e")
    with pytest.raises(sg.GraphError, match=r"g.nx has no edge c -> e .*edited"):
        sg.annotate_edges(graph)

def test_annotate_edges_takes_text_and_sympy_as_every_entry_point_does():
    """Was: sg.annotate_edges("(a+b)*(b+1)") raised Python's AttributeError ('str' object has no attribute 'nx')."""
    made = sg.annotate_edges("y = x * x - 3 * z")
    assert {(u, v): d["derivative"] for u, v, d in made.nx.edges(data=True)} == edge_derivatives(made)
    assert sg.annotate_edges(sympy.Symbol("x") * sympy.Symbol("y")).nx.edges["x", "v1"]["derivative"] == sympy.Symbol("y")
    indexed = sg.annotate_edges("sum(x[i]^2, i, 0, n-1)", n=2)
    assert sorted(str(d["derivative"]) for _, _, d in indexed.nx.edges(data=True)) == ["1", "1", "2*x[0]", "2*x[1]"]
    with pytest.raises(sg.ParseError):
        sg.annotate_edges("x +")


def test_edge_kinds_say_which_products_are_free():
    graph = sg.parse("y = (a - b) + 2*a - a*b + exp(b) + (b - b)")
    kinds = static_edge_kinds(graph)
    sub = next(v for v in graph.order if graph.op(v) == "sub" and graph.operands(v) == ("a", "b"))
    scaled = next(v for v in graph.order if graph.op(v) == "mul" and graph.operands(v) == ("a", 2))
    product = next(v for v in graph.order if graph.op(v) == "mul" and graph.operands(v) == ("a", "b"))
    assert kinds[sub] == {"a": UNIT_EDGE, "b": UNIT_EDGE}
    assert kinds[scaled] == {"a": PRODUCT_EDGE} and kinds[product] == {"a": PRODUCT_EDGE, "b": PRODUCT_EDGE}
    cancelled = next(v for v in graph.order if graph.operands(v) == ("b", "b"))
    assert kinds[cancelled] == {"b": ZERO_EDGE}  # b - b: the slots' partials 1 and -1 add up to 0


def test_products_and_sums_with_zero_and_units_are_free():
    lin = Linearised(sg.parse("a * b"))
    assert lin.mul("a", ONE) == "a" and lin.mul(MINUS_ONE, "a") != "a" and lin.mul("a", ZERO) is ZERO
    assert lin.add(None, "a") == "a" and lin.add("a", 0) == "a" and lin.sub("a", ZERO) == "a"
    assert (lin.counts.multiplications, lin.counts.additions) == (0, 0)
    lin.mul("a", "b"), lin.mul(2, "a"), lin.add("a", "b")
    assert (lin.counts.multiplications, lin.counts.additions) == (2, 1)
    assert lin.is_zero(ZERO) and lin.is_zero(0) and not lin.is_zero(sympy.Float(0.0))


def test_run_mode_and_the_one_mode_cost():
    graph = sg.parse(SEED)
    result, lin = run_mode(graph, graph.outputs, ["a", "b"], "forward")
    program = lin.emitter.program(graph.input_nodes, {x: result.derivatives[("e", x)] for x in "ab"})
    cost = mode_cost("forward", result.counts, program, 0.0)
    assert cost.sweeps == 2 and cost.program_ops == program.ops and cost.expanded_ops > 0
    counted = mode_cost("paths", seconds=0.0, paths=10**9, note="counted")
    assert counted.multiplications is None and counted.program_ops is None and counted.paths == 10**9
    with pytest.raises(sg.ArgumentError, match="unknown mode 'sideways'"):  # an argument's error, as an unknown backend's
        sweep_of("sideways")
    for call in (lambda: sg.grad("x*y", mode="elimination", order="diagonal"),
                 lambda: sg.jacobian(["x*y"], mode="elimination", order=["markowitz"]),
                 lambda: sweep_options("elimination", "diagonal")):  # an argument's error (it was a GraphError), before
        with pytest.raises(sg.ArgumentError, match="unknown elimination order"):  # any work, as an unknown mode's
            call()


def test_static_partials_are_found_in_the_rule_table():
    assert STATIC_PARTIALS["add"] == (ONE, ONE) and STATIC_PARTIALS["sub"] == (ONE, MINUS_ONE)
    assert STATIC_PARTIALS["neg"] == (MINUS_ONE,) and STATIC_PARTIALS["mul"] == (1, 0)
    assert STATIC_PARTIALS["exp"] == (OUT,)
    assert "sin" not in STATIC_PARTIALS and "pow" not in STATIC_PARTIALS and "div" not in STATIC_PARTIALS
    g = sg.grad("x - x + x + x + x*x + 3*x + exp(x)")  # repeated operands still add up
    assert g["x"] == 2 * sympy.Symbol("x") + 5 + sympy.exp(sympy.Symbol("x"))


def test_operands_are_normalised_as_as_constant_does():
    from symgraph.ad.linearised import _ref
    from symgraph.constants import as_constant
    import numpy as np
    for value in ["x", 2, 2.5, True, np.float64(0.5), sympy.Integer(3), sympy.Rational(1, 3), sympy.Float(1.5), 2, "y"]:
        got, want = _ref(value), as_constant(value)
        assert got == want and type(got) is type(want), value


def test_an_edges_partial_is_the_sum_of_its_slots_rules():
    """local() reads static partials and recipes; it gives what the rules give (edge_partial), slot sums included."""
    from symgraph.ad.linearised import _edge_partial
    text = ("n = -x; r = 1/y; a = x*x; b = r^3; c = n^r; d = sin(n)/r; e = x - x; f = atan2(r, x) + hypot(n, n); "
            "g = r^r; h = 3^x; k = x^2.5; m = 2/x; p = 2*x; q = 1 - x; s = x - 2; a+b+c+d+e+f+g+h+k+m+p+q+s")
    for u, v in sg.parse(text).edge_slots():
        fast, slow = Linearised(sg.parse(text)), Linearised(sg.parse(text))
        want = _edge_partial(slow.emitter, slow.graph, u, v, None, v)
        assert (fast.local(u, v), fast.emitter.instructions) == (sympy.sympify(want) if not isinstance(want, str)
                                                                 else want, slow.emitter.instructions), (u, v)


def test_a_nodes_partials_found_by_its_shape_are_its_rules():
    """A single reverse sweep finds a node's partials by its shape (which operands are names, which
    constants) and makes a one-call recipe straight on the emitter; the instructions are the rules' own."""
    from symgraph.ad.linearised import _edge_partial
    from symgraph.constants import as_constant
    text = ("a = x^2; b = 3^x; c = x^2.5; d = 2/x; e = y/x; f = y^x; g = x^x; h = sin(x) + log(y) + sqrt(x)*tanh(y); "
            "k = x^(-1) + (x*y)^3 + (2*x)^2; a+b+c+d+e+f+g+h+k")
    shapes = set()
    for v, op, args in sg.parse(text).rows():
        fast, slow = Linearised(sg.parse(text)), Linearised(sg.parse(text))
        got = fast.node_partials(v, op, args)
        want = [(u, _edge_partial(slow.emitter, slow.graph, u, v, None, v)) for u in dict.fromkeys(
            a for a in args if isinstance(a, str))]
        want = [(u, d if isinstance(d, str) else as_constant(d)) for u, d in want]
        assert (got, fast.emitter.instructions) == (want, slow.emitter.instructions), (v, op, args)
        shapes.add((op, tuple(isinstance(a, str) for a in args)))
    assert {("pow", (True, False)), ("pow", (False, True)), ("pow", (True, True)), ("div", (False, True)),
            ("sin", (True,))} <= shapes


def test_a_single_reverse_sweep_builds_no_adjacency_tables():
    """Reverse mode asked lin.index whether a wrt name occurs, building a table of every node for that test
    alone (2% of Rosenbrock's gradient at n = 1,000); a single sweep walks the graph's own rows."""
    graph = sg.parse("100*(y - x^2)^2 + (1 - x)^2")
    result, lin = run_mode(graph, graph.outputs, ["x", "y"], "reverse")
    assert result.entry(graph.output, "x") != 0
    assert not {"index", "preds", "succs"} & set(vars(lin))
