"""The explorer's residue bound: which constants carry a rounding, and what the page's script reads."""
from __future__ import annotations

import sympy

import symgraph as sg
from symgraph.export.explore import page_data
from symgraph.export.rounding import FUNCTION, exact, rounding


def test_a_constant_is_exact_when_one_float64_is_the_number_written():
    for constant in (2, sympy.Integer(-7), sympy.Float("0.5"), sympy.Rational(3, 4), sympy.Integer(2) ** 60,
                     sympy.oo, sympy.nan, sympy.true):
        assert exact(constant), constant
    for constant in (sympy.Float("0.1"), sympy.pi, sympy.E, sympy.Rational(1, 3), sympy.sqrt(2),
                     sympy.Integer(2) ** 60 + 1):
        assert not exact(constant), constant


def test_every_result_of_the_page_has_its_source_and_rounded_constants_are_leaves():
    # inputs called as the leaves would be (k1, k2) keep their names; 0.1, 0.2, 0.3 and pi are leaves, 2 is not
    graph = sg.parse("k1*0.1 + k1*0.2 - k1*0.3 + sin(pi)*k2 + k1^2")
    data, source, _ = page_data(graph, graph.inputs, {"k1": 1.0, "k2": 2.0}, "t")
    assert f"function {FUNCTION}(k1, k2)" in source and "function $values(k1, k2)" in source
    terms, at = data["rounding"]["terms"], data["rounding"]["at"]
    assert terms[:6] == [[]] * 6  # k1, k2, then the four rounded constants: leaves
    assert len(at) == len(data["nodes"]) + len(data["edges"])
    inputs = [i for i, n in enumerate(data["nodes"]) if n["kind"] == "input"]
    assert all(at[i] == -1 for i in inputs) and all(at[i] >= 6 for i, n in enumerate(data["nodes"]) if i not in inputs)
    sine = next(i for i, n in enumerate(data["nodes"]) if n["def"].endswith("sin(pi)"))
    assert [u for u, _ in terms[at[sine]]] == [5]  # sin(pi) receives from pi alone


def test_the_rounding_program_of_a_constant_function():
    program = sg.grad("3").program
    source, data = rounding(program)
    assert source.startswith(f"function {FUNCTION}(") and all(s == -1 for s in data["at"])
