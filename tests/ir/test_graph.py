"""Tests for symgraph.Graph: the textbook graph, sharing, hash-consing, constants, evaluate, depth, printing."""
from __future__ import annotations

import math

import pytest
import sympy

from symgraph import Graph, GraphError, parse

a, b, x, y = sympy.symbols("a b x y")


def _op_nodes(g: Graph, op: str) -> list[str]:
    return [n for n in g.order if g.op(n) == op]


def _edges(g: Graph) -> set[tuple[str, str]]:
    return set(g.nx.edges)


# --------------------------------------------------------------------------- textbook graph

def test_textbook_graph_structure():
    g = parse("(a+b)*(b+1)")
    assert g.inputs == ("a", "b")
    assert len(g.outputs) == 1
    assert len(g) == 5
    assert all(g.op(n) != "const" for n in g.order)

    adds = _op_nodes(g, "add")
    muls = _op_nodes(g, "mul")
    assert len(adds) == 2 and len(muls) == 1
    (v3,) = muls
    assert g.output == v3
    v1 = next(n for n in adds if set(g.operands(n)) == {"a", "b"})
    v2 = next(n for n in adds if n != v1)
    assert set(map(str, g.operands(v2))) == {"b", "1"}
    assert sympy.Integer(1) in g.operands(v2)
    assert set(g.operands(v3)) == {v1, v2}
    assert _edges(g) == {("a", v1), ("b", v1), ("b", v2), (v1, v3), (v2, v3)}
    # generated names never clash with the inputs
    assert {v1, v2, v3}.isdisjoint({"a", "b"})


def test_textbook_graph_evaluate():
    g = parse("(a+b)*(b+1)")
    values = g.evaluate(a=2, b=1)
    v3 = g.output
    v1 = next(n for n in _op_nodes(g, "add") if set(g.operands(n)) == {"a", "b"})
    v2 = next(n for n in _op_nodes(g, "add") if n != v1)
    assert values[v1] == 3.0
    assert values[v2] == 2.0
    assert values[v3] == 6.0
    assert values["a"] == 2.0 and values["b"] == 1.0


def test_textbook_program_names():
    g = parse("c = a + b; d = b + 1; e = c * d")
    assert g.inputs == ("a", "b")
    assert g.outputs == ("e",)
    assert set(g.nx.nodes) == {"a", "b", "c", "d", "e"}
    assert _edges(g) == {("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")}
    assert g.op("c") == "add" and g.op("d") == "add" and g.op("e") == "mul"
    values = g.evaluate(a=2, b=1)
    assert (values["c"], values["d"], values["e"]) == (3.0, 2.0, 6.0)


def test_nodes_carry_name_op_operands_and_symbol():
    """Issue 2's node attributes are name, op, ordered operands and a Symbol; the name was only the key."""
    g = parse("c = a + b; d = b + 1; e = c * d")
    nodes = g.nx.nodes
    assert [nodes[n]["name"] for n in g.nx] == ["a", "b", "c", "d", "e"]
    assert nodes["e"]["op"] == "mul" and nodes["e"]["operands"] == ("c", "d")
    assert nodes["d"]["operands"] == ("b", sympy.Integer(1)) and nodes["c"]["symbol"] == sympy.Symbol("c")
    indexed = parse("x[0]*x[1]")
    assert [indexed.nx.nodes[n]["name"] for n in indexed.input_nodes] == ["x[0]", "x[1]"]


def test_program_expr_is_closed_form():
    g = parse("c = a + b; d = b + 1; e = c * d")
    assert sympy.simplify(g.expr() - (a + b) * (b + 1)) == 0
    assert g.expr("c") == a + b
    assert g.expr("d") == b + 1
    assert g.node_expr("e") == sympy.Symbol("c") * sympy.Symbol("d")


def test_topological_order():
    g = parse("c = a + b; d = b + 1; e = c * d")
    pos = {n: i for i, n in enumerate(g.order)}
    for u, v in g.nx.edges:
        assert pos[u] < pos[v]


# --------------------------------------------------------------------------- sharing

def test_square_has_one_edge_with_two_slots():
    g = parse("x*x")
    assert len(g) == 2
    (v,) = _op_nodes(g, "mul")
    assert _edges(g) == {("x", v)}
    assert g.nx.edges["x", v]["slots"] == (0, 1)
    assert g.evaluate(x=3)[v] == 9.0


def test_shared_subexpression_counts():
    g = parse("(x+y)*(x+y)")
    assert len(g) == 4  # x, y, one add, one mul
    (s,) = _op_nodes(g, "add")
    (m,) = _op_nodes(g, "mul")
    assert _edges(g) == {("x", s), ("y", s), (s, m)}
    assert g.nx.edges[s, m]["slots"] == (0, 1)
    assert g.evaluate(x=1, y=2)[m] == 9.0


def test_repeated_function_call_is_one_node():
    g = parse("sin(x)+sin(x)")
    assert len(_op_nodes(g, "sin")) == 1
    assert len(g) == 3
    assert math.isclose(g.evaluate(x=0.5)[g.output], 2 * math.sin(0.5))


def test_commutative_hash_consing():
    g = parse("a+b+(b+a)")
    ab = [n for n in _op_nodes(g, "add") if set(g.operands(n)) == {"a", "b"}]
    assert len(ab) == 1
    assert len(_op_nodes(g, "add")) == 2
    assert len(g) == 4
    assert g.evaluate(a=1, b=2)[g.output] == 6.0


def test_commutative_mul_hash_consing():
    g = parse("a*b + b*a")
    assert len(_op_nodes(g, "mul")) == 1


def test_non_commutative_not_merged():
    g = parse("(a-b)*(b-a)")
    assert len(_op_nodes(g, "sub")) == 2


def test_constants_are_not_nodes():
    g = parse("b+1")
    assert len(g) == 2
    assert g.inputs == ("b",)
    assert _edges(g) == {("b", g.output)}


def test_bare_constant_output_gets_const_node():
    g = parse("2+3")
    assert len(g) == 1
    assert g.op(g.output) == "const"
    assert g.evaluate()[g.output] == 5.0


def test_multiple_texts_share_nodes():
    g = parse(["sin(x)*y", "sin(x)+1"])
    assert len(g.outputs) == 2
    assert len(_op_nodes(g, "sin")) == 1
    with pytest.raises(GraphError):
        g.output


# --------------------------------------------------------------------------- evaluate errors

def test_evaluate_missing_input():
    g = parse("(a+b)*(b+1)")
    with pytest.raises(GraphError) as info:
        g.evaluate(a=1)
    assert "b" in str(info.value)


def test_evaluate_unknown_input():
    g = parse("(a+b)*(b+1)")
    with pytest.raises(GraphError) as info:
        g.evaluate(a=1, b=2, q=3)
    assert "q" in str(info.value)


def test_graph_error_is_value_error():
    assert issubclass(GraphError, ValueError)


def test_unknown_node_is_graph_error():
    g = parse("a+b")
    with pytest.raises(GraphError):
        g.op("nope")
    with pytest.raises(GraphError):
        g.expr("nope")


def test_evaluate_arrays():
    import numpy as np

    g = parse("(a+b)*(b+1)")
    out = g.evaluate(a=np.array([2.0, 0.0]), b=np.array([1.0, 1.0]))[g.output]
    assert list(out) == [6.0, 2.0]


# --------------------------------------------------------------------------- depth

def test_deep_program_chain():
    n = 10_000
    lines = ["v1 = sin(x)"] + [f"v{i} = sin(v{i - 1})" for i in range(2, n + 1)]
    g = parse("\n".join(lines))
    assert g.outputs == (f"v{n}",)
    _assert_sin_chain(g, n)


def test_deep_nested_text_chain():
    n = 10_000
    _assert_sin_chain(parse("sin(" * n + "x" + ")" * n), n)


def _assert_sin_chain(g, n):
    """g is sin applied n times to x: n + 1 nodes and the iterated value at 0.7."""
    assert len(g) == n + 1
    want = 0.7
    for _ in range(n):
        want = math.sin(want)
    assert math.isclose(g.evaluate(x=0.7)[g.output], want, rel_tol=1e-12)


# --------------------------------------------------------------------------- issue 14


def test_user_names_of_text_are_inputs_and_assigned_names():
    g = parse("c = a + b; d = b + 1; c * d")
    assert g.user_names == frozenset({"a", "b", "c", "d"})
    assert g.output not in g.user_names


@pytest.mark.parametrize("names", [("self", "values", "node", "name"), ("values", "self")])
def test_evaluate_takes_inputs_named_like_its_own_parameters(names):
    """Issue 14: an input named ``self`` broke ``Graph.evaluate``."""
    g = parse("*".join(names))
    values = {n: float(k + 2) for k, n in enumerate(names)}
    assert g.evaluate(**values)[g.output] == math.prod(values.values())


def test_repr_and_listing_are_linear_for_large_graphs():
    # counted, not timed (the machine is shared): Python calls made while printing, deterministic
    import cProfile

    def calls(n: int) -> int:
        g = parse("+".join(f"sin(x{i})*y" for i in range(n)))
        profile = cProfile.Profile()
        profile.enable()
        text, line = g.listing(), repr(g)
        profile.disable()
        assert len(line) < 400 and "more" in line and text.count("\n") == len(g) - n - 2
        return sum(entry.callcount for entry in profile.getstats())

    small, large = calls(2_500), calls(25_000)  # 100,000 nodes
    assert large <= 10.5 * small, (small, large)


def test_str_of_a_large_graph_or_program_prints_its_first_and_last_lines():
    """print(graph) and print(program) wrote every line: 1.7 MB for Rosenbrock's graph at n = 10,000, 20 MB at a
    million nodes.  They print the first and last PRINT_LINES // 2 lines and one counting the rest, making only
    those; listing() writes every line."""
    import symgraph as sg
    from symgraph.ir.listing import PRINT_LINES
    n = 2_000
    g = parse("+".join(f"sin(x{i})*y" for i in range(n)))  # 3n - 1 op nodes
    lines = str(g).splitlines()
    assert len(lines) == PRINT_LINES + 1 and lines[:2] == ["v1 = sin(x0)", "v2 = v1 * y"]
    assert lines[PRINT_LINES // 2] == f"# ... {3 * n - 1 - PRINT_LINES:,} lines omitted: graph.listing() writes every line"
    assert lines[-1] == g.listing().splitlines()[-1] and len(g.listing().splitlines()) == 3 * n - 1
    program = sg.grad(g).program
    lines = str(program).splitlines()
    every = program.listing().splitlines()
    assert len(every) == len(program) + n + 1 and len(lines) == PRINT_LINES + 1
    assert lines[:PRINT_LINES // 2] == every[:PRINT_LINES // 2] and lines[-PRINT_LINES // 2:] == every[-PRINT_LINES // 2:]
    assert lines[-1] == f"out[x{n - 1}] = {program.results[f'x{n - 1}']}"


def test_a_graph_of_inputs_alone_prints_what_it_is():
    # str(parse("x")) was the empty string
    assert str(parse("x")) == "# no operations: the output is x, an input"
    assert str(parse(["x", "y"])) == "# no operations: the outputs are x, y, inputs"
    assert str(parse("c = a + b")) == "c = a + b"
    # an element is named as the text writes it, as every line of a listing names it: it said x_2
    assert str(parse("x[2]")) == "# no operations: the output is x[2], an input"
    assert parse(["W[1, 0]", "y"]).listing() == "# no operations: the outputs are W[1, 0], y, inputs"


def test_several_outputs_are_named_as_results_name_them():
    # the message listed node names: "this graph has 2 outputs ('v1', 'v2')"
    import symgraph as sg
    with pytest.raises(GraphError, match=r"this graph has 2 outputs \(f1, f2\); use jacobian\(\)"):
        sg.grad(["x*y", "x+y"])
    with pytest.raises(GraphError, match=r"2 outputs \(u, v\)"):
        parse("u = x*y; v = x+y", outputs=["u", "v"]).output


def test_evaluate_takes_the_point_as_one_mapping():
    """graph.evaluate({"a": 2, "b": 1}) raised Python's TypeError; a list of numbers is a named error."""
    g = parse("c = a + b; d = b + 1; e = c * d")
    assert g.evaluate({"a": 2, "b": 1}) == g.evaluate(a=2, b=1) == g.evaluate({"a": 2}, b=1)
    assert parse("x[0]*x[1]").evaluate({"x[0]": 2, "x[1]": 3})["v1"] == 6.0
    with pytest.raises(GraphError, match=r"evaluate\(\) takes the values by name"):
        g.evaluate([2, 1])


def test_a_graph_of_no_output_says_so_instead_of_pointing_at_jacobian():
    """grad([]) and grad(Graph.from_sympy([])) said "this graph has 0 outputs (); use jacobian() for several
    outputs": there is no function at all, and jacobian() is no way out."""
    import symgraph as sg
    for f in ([], Graph.from_sympy([])):
        with pytest.raises(GraphError, match="this graph has no output: give a function") as info:
            sg.grad(f)
        assert "jacobian" not in str(info.value)
    with pytest.raises(GraphError, match="2 outputs .*use jacobian"):
        sg.grad(["x", "y"])


def test_evaluate_reads_an_element_by_the_name_the_user_wrote():
    """evaluate() keys node names (x_0, as g.nx has them); values["x[0]"], as .at() spells an element, raised a
    plain KeyError.  The names a user wrote now read their nodes' values; other keys are unchanged."""
    import pickle

    g = parse("c = sum(x[i]^2, i, 0, n-1); e = c*y", n=3)
    values = g.evaluate(x=[1.0, 2.0, 3.0], y=2.0)
    assert values["x[0]"] == values["x_0"] == 1.0 and values["x[2]"] == 3.0 and values["e"] == 28.0
    assert "x[1]" in values and values.get("x[1]") == 2.0 and values.get("x[3]") is None and "x[3]" not in values
    assert list(values)[:4] == ["x_0", "x_1", "x_2", "y"]  # the keys themselves: node names, as before
    with pytest.raises(KeyError):
        values["x[3]"]
    assert type(pickle.loads(pickle.dumps(values))) is dict and pickle.loads(pickle.dumps(values)) == values


def test_expr_takes_the_names_and_symbols_a_user_has_for_a_node():
    """g.expr("x[0]") (the element as the user wrote it), g.expr(alias) and g.expr(Symbol("c")) (the symbol
    g.nx.nodes["c"]["symbol"] holds) said "no node named c; nodes: ..., c, ..." while listing it."""
    g = parse("c = x[0]*x[1]; d = c + y; e = d; e")
    x = sympy.IndexedBase("x")
    c = sympy.Symbol("c")
    assert g.expr("x[0]") == g.expr("x_0") == g.expr(x[0]) == x[0]
    assert g.expr(c) == g.expr("c") == g.expr(g.nx.nodes["c"]["symbol"]) == x[0] * x[1]
    assert g.expr("e") == g.expr(sympy.Symbol("e")) == g.expr("d") == x[0] * x[1] + sympy.Symbol("y")
    assert g.node_expr("e") == g.node_expr(sympy.Symbol("d")) == c + sympy.Symbol("y")
    with pytest.raises(GraphError, match=r"^c is another sympy symbol than the graph's c \(a Symbol of other "):
        g.expr(sympy.Symbol("c", positive=True))
    with pytest.raises(GraphError, match=r"^no node named 'q'; nodes: x_0, x_1, c, y, d$"):
        g.expr("q")
    real = sympy.Symbol("r", real=True)
    assert Graph.from_sympy(2 * real).expr(real) == real


def test_a_graph_is_no_container_and_says_where_its_nodes_are():
    """len(g) counts nodes, so list(g) and "c" in g looked meant; Python refused them with a bare TypeError."""
    import symgraph as sg

    g = parse("c = a + b; e = c*c")
    for attempt in (lambda: list(g), lambda: "c" in g):
        with pytest.raises(sg.ArgumentError, match=r"^a Graph is not iterable: its nodes are g.order \(or g.nx"):
            attempt()
    assert g.order == ["a", "b", "c", "e"] and "c" in g.nx and len(g) == 4
