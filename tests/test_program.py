"""The Emitter's identities, hash-consing and fresh names, and dead-code removal in Programs."""
import sympy

import symgraph as sg
from symgraph.ad.linearised import STATIC_PARTIALS, OUT, Linearised
from symgraph.ad.reverse import backpropagate
from symgraph.ir.program import MINUS_ONE, ONE, ZERO, Emitter, Program, is_unit, is_zero, live_instructions


def emitter(text="a + b + c"):
    return Emitter(sg.parse(text))


def test_trivial_products_and_sums_emit_nothing():
    em = emitter()
    assert em.op("mul", "a", 1) == "a" and em.op("mul", ONE, "a") == "a"
    assert em.op("mul", "a", 0) is ZERO and em.op("mul", ZERO, "b") is ZERO
    assert em.op("add", "a", 0) == "a" and em.op("add", ZERO, "a") == "a" and em.op("sub", "a", ZERO) == "a"
    assert em.op("div", "a", 1) == "a" and em.op("pow", "a", 1) == "a" and em.op("pow", "a", 0) is ONE
    assert em.op("sub", "a", "a") is ZERO
    assert em.instructions == []


def test_negation_is_pulled_out_and_absorbed():
    em = emitter()
    neg_a = em.op("mul", "a", MINUS_ONE)
    assert em.instructions == [(neg_a, "neg", ("a",))]
    assert em.op("neg", neg_a) == "a"  # --a
    assert em.op("add", "b", neg_a) == em.op("sub", "b", "a")  # b + (-a) -> b - a
    assert em.op("sub", "b", neg_a) == em.op("add", "b", "a")  # b - (-a) -> b + a
    product = em.op("mul", "b", neg_a)  # b * (-a) -> -(b*a): the temporary's negation moves out
    assert em.instructions[-1] == (product, "neg", (em.op("mul", "a", "b"),))
    scaled = em.op("mul", 3, neg_a)
    assert em.instructions[-1][1:] == ("neg", (em.op("mul", 3, "a"),)) and scaled == em.instructions[-1][0]


def test_reciprocal_temporaries_become_divisions():
    em = emitter()
    inverse = em.op("div", 1, "b")
    assert em.op("mul", "a", inverse) == em.op("div", "a", "b")
    assert em.op("mul", 2, inverse) == em.op("div", 2, "b")


def test_hash_consing_is_commutative_and_separates_exact_from_float_constants():
    em = emitter()
    assert em.op("mul", "a", "b") == em.op("mul", "b", "a")
    assert em.op("add", 2, "a") == em.op("add", "a", 2)
    two, two_float = em.op("mul", 2, "a"), em.op("mul", sympy.Float(2.0), "a")
    assert two != two_float  # 2 and 2.0 are different constants in the program
    one_float = em.op("mul", sympy.Float(1.0), "a")  # only the exact 1 is free
    assert one_float != "a" and not is_unit(sympy.Float(1.0)) and not is_zero(sympy.Float(0.0))
    assert is_unit(1) and is_unit(-1) and is_zero(0) and is_unit(MINUS_ONE)


def test_graph_nodes_are_reused_and_fresh_names_skip_them():
    graph = sg.parse("t1 * t3 + cos(t1)")
    em = Emitter(graph)
    cos_node = next(node for node in graph.order if graph.op(node) == "cos")
    assert em.op("cos", "t1") == cos_node and em.instructions == []  # the graph's own node, not a copy
    names = [em.op("sin", x) for x in ("t1", "t3")] + [em.op("exp", "t1")]
    assert names == ["t2", "t4", "t5"]  # t1 and t3 are the graph's inputs


def test_unfoldable_constants_keep_their_identities():
    huge = sympy.Integer(9) ** 400  # too large to fold a product with
    em = emitter()
    assert em.op("mul", ONE, huge) is huge and em.op("mul", huge, ONE) is huge
    assert em.op("add", huge, ZERO) is huge and em.op("mul", ZERO, huge) is ZERO
    assert em.op("mul", huge, huge) not in (huge, ZERO)  # emitted, not folded


def test_live_instructions_keep_what_results_need_in_order():
    instructions = [("u", "sin", ("x",)), ("v", "cos", ("x",)), ("w", "mul", ("u", "x")),
                    ("dead", "exp", ("w",)), ("z", "add", ("w", "u"))]
    kept = live_instructions(reversed(instructions), ["z", 2])
    assert [t for t, _, _ in kept] == ["u", "w", "z"]
    program = Program(["x"], instructions, {"r": "z", "s": 0})
    pruned = program.pruned()
    assert [t for t, _, _ in pruned.instructions] == ["u", "w", "z"] and pruned.ops == 3
    assert pruned.evaluate(x=0.5)["r"] == program.evaluate(x=0.5)["r"]


def test_static_partials_are_found_in_the_rule_table():
    assert STATIC_PARTIALS["add"] == (ONE, ONE) and STATIC_PARTIALS["sub"] == (ONE, MINUS_ONE)
    assert STATIC_PARTIALS["neg"] == (MINUS_ONE,) and STATIC_PARTIALS["mul"] == (1, 0)
    assert STATIC_PARTIALS["exp"] == (OUT,)
    assert "sin" not in STATIC_PARTIALS and "pow" not in STATIC_PARTIALS and "div" not in STATIC_PARTIALS
    g = sg.grad("x - x + x + x + x*x + 3*x + exp(x)")  # repeated operands still add up
    assert g["x"] == 2 * sympy.Symbol("x") + 5 + sympy.exp(sympy.Symbol("x"))


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


def test_vector_jacobian_products_carry_signs_too():
    d = sg.vjp(["a - b*c", "b - a"], ["a", "b", "c"], [1, "u"])
    a, b, c, u = sympy.symbols("a b c u")
    assert sympy.expand(d["a"] - (1 - u)) == 0 and sympy.expand(d["b"] - (u - c)) == 0
    assert sympy.expand(d["c"] + b) == 0
