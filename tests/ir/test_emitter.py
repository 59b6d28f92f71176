"""The Emitter's identities, hash-consing and fresh names, and dead-code removal in Programs."""
import pytest
import sympy

import symgraph as sg
from symgraph.ir.emitter import Emitter
from symgraph.ir.folding import MINUS_ONE, ONE, ZERO, is_unit, is_zero
from symgraph.ir.liveness import live_instructions
from symgraph.ir.program import Program


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


def test_exact_constant_factors_of_a_temporary_fold_into_one_product():
    em = emitter()
    twice = em.op("mul", 2, "a")
    assert em.op("mul", 100, twice) == em.op("mul", 200, "a")  # 100*(2*a) is (200)*a: one new product
    assert [op for _, op, _ in em.instructions] == ["mul", "mul"]
    assert em.op("mul", sympy.Rational(1, 2), twice) == "a"  # (1/2)*(2*a) is a itself
    assert em.op("mul", -sympy.Rational(1, 2), twice) == em.op("neg", "a")
    float_twice = em.op("mul", sympy.Float(2.0), "b")  # floats round: never re-associated
    assert em.instructions[-1] == (float_twice, "mul", (sympy.Float(2.0), "b"))
    assert em.op("mul", 3, float_twice) != em.op("mul", 6, "b")
    assert em.op("mul", sympy.Float(0.5), twice) not in ("a", em.op("mul", 1, "a"))
    graph = sg.parse("y*(3*x)")  # the function's own row 3*x is a node, not a temporary: kept
    node = next(v for v in graph.order if graph.op(v) == "mul" and "x" in graph.operands(v))
    em = Emitter(graph)
    assert em.op("mul", 2, node) != em.op("mul", 6, "x")


def test_like_terms_over_one_name_are_summed_as_their_exact_coefficients():
    """Forward mode's tangent of log(x) - 2*log(x) was 1/x - 2/x (inf - inf = nan at 0) where reverse mode's
    summed adjoint gave (1 - 2)/x = -inf: the emitter now sums like terms as reverse mode does."""
    em = emitter()
    inverse, twice_over = em.op("div", 1, "b"), em.op("div", 2, "b")
    assert em.op("sub", inverse, twice_over) == em.op("div", -1, "b")
    assert em.op("add", twice_over, em.op("div", sympy.Rational(1, 2), "b")) == em.op("div", sympy.Rational(5, 2), "b")
    assert em.op("sub", twice_over, em.op("div", 2, "b")) is ZERO  # the same quotient: y - y
    twice, thrice = em.op("mul", 2, "a"), em.op("mul", 3, "a")
    assert em.op("sub", twice, thrice) == em.op("neg", "a") and em.op("add", twice, thrice) == em.op("mul", 5, "a")
    assert em.op("sub", "a", twice) == em.op("neg", "a") and em.op("add", thrice, "a") == em.op("mul", 4, "a")
    assert em.op("sub", em.op("mul", -2, "a"), em.op("mul", -2, "a")) is ZERO
    over_b = em.op("div", "a", "b")  # quotients of names over one name: summed before the division
    assert em.op("sub", over_b, em.op("div", "c", "b")) == em.op("div", em.op("sub", "a", "c"), "b")
    assert em.op("add", inverse, over_b) == em.op("div", em.op("add", "a", 1), "b")
    # not like terms: another name, a product against a quotient, a float coefficient (it would round)
    float_over = em.op("div", sympy.Float(2.0), "b")
    for x, y in [(twice, em.op("mul", 2, "b")), (twice, inverse), (inverse, float_over),
                 (over_b, em.op("div", "a", "c"))]:
        ref = em.op("sub", x, y)
        assert {target: op for target, op, _ in em.instructions}.get(ref) == "sub", (x, y)


def test_exact_constant_offsets_of_a_temporary_fold_into_one_instruction():
    em = emitter()
    shifted = em.op("add", 3, "a")  # t = 3 + a
    assert em.op("sub", 5, shifted) == em.op("sub", 2, "a")  # 5 - (3 + a) = 2 - a
    assert em.op("add", shifted, 1) == em.op("add", 4, "a") and em.op("sub", shifted, 3) == "a"
    below = em.op("sub", "b", 2)  # b - 2
    assert em.op("neg", below) == em.negate(below) == em.op("sub", 2, "b")  # -(b - 2) = 2 - b
    flipped = em.op("sub", 7, "a")  # 7 - a
    assert em.op("add", flipped, 1) == em.op("sub", 8, "a") and em.op("sub", flipped, 7) == em.op("neg", "a")
    assert em.op("sub", 7, flipped) == "a"
    count = len(em.instructions)
    floated = em.op("add", sympy.Float(0.5), "c")  # floats round: never re-associated
    assert em.op("sub", 1, floated) not in (em.op("sub", sympy.Float(0.5), "c"),)
    assert len(em.instructions) >= count + 2
    graph = sg.parse("y*(x + 3)")  # the function's own row x + 3 is a node, not a temporary: kept
    node = next(v for v in graph.order if graph.op(v) == "add")
    em = Emitter(graph)
    assert em.op("sub", 5, node) != em.op("sub", 2, "x")


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


def test_the_seed_holds_each_rows_key_in_the_emitters_order():
    from symgraph.ir.instruction_keys import _make_key, seed
    graph = sg.parse("n = -x; a = y*x; b = 2*x + x*3.5 - 1/2; c = b^2 + 1; d = (1 - a)/x + a*n; max(c, d, 2)")
    keys, negations, scaled, powers = seed(graph)
    rows = [(node, op, args) for node, op, args in graph.rows() if op not in ("input", "const")]
    assert keys == {_make_key(op, args): node for node, op, args in rows}
    assert negations == {"n": "x"}
    assert list(scaled.values()) == [(2, "x", "mul")] and list(powers.values()) == [("b", 2)]  # 3.5*x: not exact


def test_each_emitter_grows_its_own_copy_of_its_graphs_seed():
    """The seed is computed once per graph and copied: what one emitter adds is not in the next one's tables, an
    equal graph parsed again has equal ones, another graph its own; a graph's entry leaves with it."""
    import gc
    from symgraph.ir import instruction_keys
    text = "a = x*y; b = 2*a; c = a^2; n = -c; b + n"
    graph = sg.parse(text)
    first = Emitter(graph)
    product, negated, scaled = first.op("mul", "x", "c"), first.op("neg", "b"), first.op("mul", 3, "x")
    assert first.op("mul", "c", "x") == product and first._negations[negated] == "b"
    second = Emitter(graph)
    tables = lambda em: (em._by_key, em._negations, em._terms, em._powers)
    assert tables(second) == tables(Emitter(sg.parse(text))) == instruction_keys._seed(graph)
    assert product not in second._by_key.values() and negated not in second._negations
    assert scaled not in second._terms and first._terms[scaled] == (3, "x", "mul")
    assert second.op("mul", "x", "y") == "a" and second.op("mul", "c", "x") == "t1" and second.instructions
    other = sg.parse("a = x*y; b = 3*a; b")
    assert Emitter(other)._terms == {"b": (3, "a", "mul")} and second._terms["b"] == (2, "a", "mul")
    key = id(other)
    assert instruction_keys._OF_GRAPH[key][0]() is other
    del other
    gc.collect()
    assert key not in instruction_keys._OF_GRAPH or instruction_keys._OF_GRAPH[key][0]() is not None


def test_a_recipe_makes_the_calls_its_rule_would():
    """Every built-in partial rule, on names with facts (a negation, a reciprocal) and on exact constants:
    replaying its recipe emits what calling the rule emits."""
    from symgraph import ops
    from symgraph.constants import as_constant
    from symgraph.ir.recipes import record
    text = "n = -x; r = 1/y; v = n*r"
    operands = [("n",), ("r",), ("x",), ("n", "r"), ("r", "n"), ("x", "x"), ("n", sympy.Integer(2)),
                (sympy.Integer(3), "r"), ("x", sympy.Rational(1, 2)), (sympy.Integer(-1), "x"), ("r", sympy.Integer(0))]
    checked = 0
    for name, row in ops.OPS.items():
        for args in operands:
            if len(args) != row.arity or row.condition:
                continue
            for slot, operand in enumerate(args):
                if operand.__class__ is not str:
                    continue
                names = list(dict.fromkeys(a for a in args if a.__class__ is str))  # first, second distinct name
                placeholders = {"o": "v", **{f"p{k}": a for k, a in enumerate(names)}}
                inverse = {a: f"p{k}" for k, a in enumerate(names)}
                recipe = record(row.partials[slot], "o", tuple(inverse.get(a, a) if a.__class__ is str else a for a in args))
                if recipe is None:
                    continue
                direct, replayed = Emitter(sg.parse(text)), Emitter(sg.parse(text))
                want = row.partials[slot](direct, "v", *args)
                got = replayed.replay(recipe, dict(placeholders))
                assert (got, replayed.instructions) == (as_constant(want), direct.instructions), (name, args, slot)
                checked += 1
    assert checked > 60


def test_a_rule_that_builds_a_where_has_no_recipe():
    from symgraph.ir.recipes import record
    assert record(lambda B, out, x: B.op("where", B.op("gt", x, 0), 1, 0), "o", ("p0",)) is None


def test_a_recipe_is_recorded_on_its_keys_third_use():
    """Recording costs about two calls of the rule: a key used once or twice (a new constant at every term)
    is answered by the rule itself, and the recipe it then gets makes the same calls."""
    from symgraph.ir.recipes import NOT_YET, Recipes
    from symgraph.op_partials import _pow_base_partial
    recipes = Recipes()
    key = ("pow", 0, "p0", (1, "Rational", 3, 1))
    answers = [recipes.learn(key, _pow_base_partial, "o", ("p0", sympy.Integer(3))) for _ in range(3)]
    assert answers[:2] == [NOT_YET, NOT_YET] and answers[2] is recipes.find(key) and answers[2] is not None
    direct, replayed = emitter("x*y"), emitter("x*y")
    assert replayed.replay(answers[2], {"o": "v", "p0": "x"}) == _pow_base_partial(direct, "v", "x", sympy.Integer(3))
    assert replayed.instructions == direct.instructions


def test_a_new_exponent_at_every_term_derives_in_linear_work():
    """sum(x^i*y^(i+1), ...) has a new constant at every term, each used twice.  Its gradient took 0.52 ms a
    term: a recipe recorded at every first use, and pow's partial asking sympy's assumptions whether each new
    exponent is 0 (0.17 ms an Integer).  Measured in calls with exponents no other test makes (sympy keeps
    what it deduced on each number): 800 a term before, 290 now."""
    from tests.helpers import bounded_work
    per_term = []
    for n, first in ((200, 10 ** 7), (400, 2 * 10 ** 7)):
        graph = sg.parse(f"sum(x^i*y^(i+1), i, {first}, {first + n - 1})")
        with bounded_work(10 ** 9) as work:
            gradient = sg.grad(graph)
        per_term.append(work.calls / n)
    assert max(per_term) < 450, per_term
    assert gradient.at(x=1.0, y=1.0) == {"x": pytest.approx(sum(range(first, first + 400))),
                                         "y": pytest.approx(sum(range(first + 1, first + 401)))}
