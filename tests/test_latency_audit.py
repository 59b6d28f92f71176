"""Large problems that must answer within about a second: each fix keeps the results of the slower way.

Every test here compares with an independent computation of the same result (sympy's own evaluation, the
design before the change, or plain Python), on sizes small enough to run quickly; the timings are in the
modules' docstrings, never asserted.
"""
import sympy

import symgraph as sg
from symgraph.constants import build_sympy

FUNCTIONS = (  # sinh, cosh and tanh are built unevaluated on purpose (constants._UNEVALUATED)
    "sin", "cos", "tan", "asin", "acos", "atan", "asinh", "acosh", "atanh",
             "abs", "sign", "floor", "ceil", "erf", "erfc", "log1p", "expm1", "log2", "log10", "exp2")
ASSUMPTIONS = ({}, {"real": True}, {"positive": True}, {"negative": True}, {"integer": True}, {"zero": True},
               {"nonnegative": True, "integer": True}, {"imaginary": True})


def test_a_function_of_one_symbol_is_what_sympy_evaluates_it_to_whatever_the_assumptions():
    """Built unevaluated once sympy is seen to leave such a call alone: the same expression, and a rewrite
    (abs of a positive symbol, floor of an integer one, sign of a negative one) is still made."""
    from symgraph.ops import op
    for name in FUNCTIONS:
        function = op(name).sympy
        for k, assumptions in enumerate(ASSUMPTIONS):
            for j in range(3):  # the first of each pair decides, the others are built from that
                s = sympy.Symbol(f"s{name}{k}_{j}", **assumptions)
                built = build_sympy(name, (s,))
                expected = function(s)
                assert built == expected and built.func == expected.func, (name, assumptions, built, expected)
    p = sympy.Symbol("p_positive", positive=True)
    assert build_sympy("abs", (sympy.Symbol("plain"),)) == sympy.Abs(sympy.Symbol("plain"))
    assert build_sympy("abs", (p,)) == p
    assert build_sympy("floor", (sympy.Symbol("k_int", integer=True),)) == sympy.Symbol("k_int", integer=True)


def test_paths_of_a_deep_chain_are_the_evaluated_cosines_and_their_product():
    depth = 300
    text = "x"
    for _ in range(depth):
        text = f"sin({text})"
    [path] = sg.paths(text, limit=10 ** 4)
    symbols = [sympy.Symbol(name) for name in path.nodes[:-1]]
    assert path.derivatives == tuple(sympy.cos(s) for s in symbols)
    assert path.product == sympy.Mul(*(sympy.cos(s) for s in symbols))
    assert len(path.nodes) == depth + 1
