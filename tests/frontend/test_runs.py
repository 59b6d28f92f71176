"""The parser's shortcuts against its reference paths: operator runs against the operator stack, the
words the scan finds against :func:`names_in`.  Same graphs (node for node, names included) and the
same errors, on generated texts, valid and not."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgraph as sg
from symgraph.frontend import expressions
from symgraph.frontend.tokens import names_in, scan

# tokens biased towards runs of operators over names and numbers, with everything that can break a run
# or make a builder call fail: a tighter operator after the operand, a call, a bracket, a condition,
# a newline inside parentheses, an assignment, a reduction, a stray token
OPERANDS = ["x", "y", "z", "c", "2", "0", "2.5", "1e3", "pi", "n", "x[0]", "x[i]"]
OPERATORS = ["+", "-", "*", "/", "^", "**", "+", "+", "*", "-", "<", ">=", "==", "and", "or"]
OTHERS = ["(", ")", ",", "\n", ";", "=", "-", "not", "sin(", "max(", "sum(", ", i, 0, 2)", "c =", "[", "]",
          "1e400", "#"]


@st.composite
def texts(draw) -> str:
    """A run-heavy text: operands and operators alternate, with other tokens put in at random."""
    parts = []
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(["c = x*y\n", "c = 2\n", "c = x > y\n", "c = x\n"])))
    for _ in range(draw(st.integers(1, 12))):
        parts.append(draw(st.sampled_from(OPERANDS)))
        parts.append(draw(st.sampled_from(OPERATORS)))
        if draw(st.integers(0, 9)) == 0:
            parts.append(draw(st.sampled_from(OTHERS)))
    if draw(st.booleans()):
        parts.pop()  # end on an operand
    return draw(st.sampled_from([" ", ""])).join(parts)


def _outcome(text: str):
    """Everything a parse gives (the graph's tables, names and labels), or its error."""
    try:
        g = sg.parse(text, n=2)
    except sg.SymgraphError as e:
        return type(e).__name__, str(e)
    return (list(g.op_of.items()), list(g.operands_of.items()), g.inputs, g.outputs, g.addresses,
            {k: tuple(v) for k, v in g.indexed.items()}, g.input_labels)


def _without_runs(text: str):
    expressions._RUNS = False
    try:
        return _outcome(text)
    finally:
        expressions._RUNS = True


@settings(max_examples=300, deadline=None)
@given(texts())
def test_operator_runs_build_what_the_operator_stack_builds(text):
    assert _without_runs(text) == _outcome(text)


@pytest.mark.parametrize("text", [
    "+".join(["x"] * 50), "*".join(["x", "y", "2"] * 20), "x - y + 2 - x*y - 3 + x^2^y - z",
    "a = x + y + 2\nb = a * a * x / 3\nb - a - 1", "(x + y\n + z) * 2", "(x + y\n * z)", "max(x - 2\n^ y, 1)",
    "x < y + 1 and y > 2 or x == 3", "not x > 1 and y + 2 > 3", "x + y + 2 = 3", "x + y z", "x + y + (",
    "x + y\n+ z", "sum(x[i] + x[i] + 2, i, 0, 3)",
])
def test_operator_runs_on_chosen_texts(text):
    assert _without_runs(text) == _outcome(text)


@pytest.mark.parametrize("text", [
    "x*y + 1e5 - 2.5E-3*z", "e5 + x1e5 + _a9 + 3e+2", "x # a comment with v1 and e5\n+ y", "1.5e3*x^2", "",
    "x+y # e1", "sin(x)*v2 + 1E10",
])
def test_the_scan_finds_the_words_a_search_of_the_text_finds(text):
    assert scan(text).words() == names_in([text])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="xyev_019.eE+-*# \n", max_size=30))
def test_the_scan_words_of_any_valid_text_are_its_words(text):
    try:
        tokens = scan(text)
    except sg.ParseError:
        return  # a text the scan refuses is never named
    assert tokens.words() == names_in([text])


def test_a_word_only_a_comment_or_an_exponent_holds_is_avoided_by_generated_names():
    assert list(sg.parse(["e = x*y", "e = x+y; e*1e1"]).op_of) == ["x", "y", "e", "e2", "v1"]
    assert list(sg.parse(["e = x*y", "e = x+y; e*2 # e1"]).op_of) == ["x", "y", "e", "e2", "v1"]
    assert list(sg.parse(["e = x*y", "e = x+y; e*2"]).op_of) == ["x", "y", "e", "e1", "v1"]
