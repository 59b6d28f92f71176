"""What users write in the text grammar, read as an outside tester would: text that makes no term, error
wording and positions, and programs with intermediate names compared with sympy."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph import ParseError


def _error(text: str, **sizes) -> ParseError:
    with pytest.raises(ParseError) as info:
        sg.parse(text, **sizes)
    return info.value


# --------------------------------------------------------------------------- text that makes no term

@pytest.mark.parametrize("text, sizes, says", [
    ("sum(x[i] +* 2, i, 0, n-1)", {"n": 0}, "operator '*' follows operator '+'"),
    ("sum(q(x[i]), i, 0, n-1)", {"n": 0}, "unknown function 'q'"),
    ("sum(x[i] > 0, i, 0, n-1)", {"n": 0}, "the term of sum() is a condition"),
    ("prod(where(x[i], 1, 0), i, 1, 0)", {}, "must be a condition"),
    ("y + sum(y[i], i, 0, n-1)", {"n": 0}, "'y' is used without indices and with them"),
    ("sum(sum(x[j] +* 1, j, 0, 2), i, 0, n-1)", {"n": 0}, "operator '*' follows operator '+'"),
])
def test_an_empty_reduction_still_reads_its_term(text, sizes, says):
    """A reduction over an empty range (n = 0: no data yet) made no term, so its term was never read: a typo,
    an unknown function or a condition there parsed silently at n = 0 and failed only once n grew."""
    error = _error(text, **sizes)
    assert says in error.reason
    if sizes:  # the same text with terms reports the same problem
        assert says in _error(text, **{k: 3 for k in sizes}).reason


def test_an_empty_reduction_reads_its_term_without_range_checks():
    """The term of an empty reduction is read at a stand-in index: its elements' ranges are not checked (there
    is no term), and the value is the empty sum or product."""
    g = sg.parse("sum(x[i-1]^2, i, 0, n-1) + prod(x[i+5], i, 0, n-1) + y", n=0, x=0)
    assert g.inputs == ("y",) and g.indexed["x"].shape == (0,)  # x stays an input, of no elements
    assert g.evaluate(y=2.0, x=[])[g.outputs[0]] == 3.0
    g = sg.parse("sum(sum(x[j], j, 0, 1000000*i), i, 5, 4) + y")  # nested: checked once, never expanded
    assert g.inputs == ("y",)


@pytest.mark.parametrize("text, says", [
    ("f(u) = u +* 1\ny = 2", "operator '*' follows operator '+'"),
    ("f(u) = q(u)\ny = 2", "unknown function 'q'"),
    ("f(u) = where(u > 0, sin(u), )\ny = 2", "an argument is missing"),
    ("f(u) = u + )\ny = f(x)", "unbalanced ')'"),
])
def test_a_definition_is_checked_where_it_is_written(text, says):
    """The body of a definition was read only when a line called it: a typo in a function no line calls yet
    parsed silently, and an unbalanced ')' in a body ran the body on over the next lines (the error then said
    'the text only defines f()' at the end of the text)."""
    error = _error(text)
    assert says in error.reason
    assert error.line == 1


@pytest.mark.parametrize("text, inputs", [
    ("f(c) = where(c, 1, 0); y = f(x > 0)", ("x",)),  # a parameter may be a condition
    ("f(u) = x[u]; y = f(2)", ("x[2]",)),  # or an index
    ("f(m) = sum(x[i], i, 0, m - 10); y = f(12)", ("x[0]", "x[1]", "x[2]")),  # or a bound
    ("f(u) = u + k; k = 2; y = 3", ()),  # k means an input here, which no call reads
])
def test_checking_a_definition_accepts_what_a_call_accepts(text, inputs):
    """A definition's check knows neither its parameters' values nor their kinds: it refuses nothing a call
    could accept."""
    assert sg.parse(text).inputs == inputs


def test_checking_definitions_costs_one_reading_each():
    """Definitions calling each other double their expansion per level; their checks read each body once."""
    lines = ["f0(u) = u*u"] + [f"f{k}(u) = f{k - 1}(u) + f{k - 1}(u + 1)" for k in range(1, 99)] + ["y = x"]
    assert sg.parse("\n".join(lines)).inputs == ("x",)


# --------------------------------------------------------------------------- error wording and positions

def test_an_error_inside_brackets_names_the_token_before_the_line_breaks():
    """Inside brackets a line break is blank space, but errors named it as the token before: "')' after
    '\\n'" for a bracket closed on a line of its own."""
    error = _error("a = (1 +\n  2 +\n )")
    assert error.reason == "')' after '+': an operand is missing"
    assert (error.line, error.column) == (3, 2)
    error = _error("a = (x\n  y)")
    assert error.reason.startswith("missing operator between 'x' and 'y'")
    assert (error.line, error.column) == (2, 3)
    error = _error("a = (1 +\n * 2)")
    assert error.reason == "operator '*' follows operator '+': an operand is missing"
    assert _error("a = 1\n* 2").reason == "operator '*' is missing its left operand"  # a new line: no operand


def test_a_constant_index_that_is_not_computed_is_not_called_an_expression_of_inputs():
    """An index or bound is computed from sizes and numbers only, yet 9^9^9 (kept unevaluated) was 'an
    expression of inputs'."""
    for text in ("x[9^9^9]", "sum(x[i], i, 0, 9^9^9)"):
        reason = _error(text).reason
        assert "inputs" not in reason and "a constant that is not computed while parsing" in reason


def test_a_function_in_an_index_is_named_as_what_an_index_cannot_compute():
    """x[abs(i)], x[floor(i/2)] and x[max(i, 0)] in a sum were refused as 'a constant that is not computed
    while parsing', which is not the reason: an index is computed from sizes, indices and numbers with
    + - * / ^ and where() only; the error names the function found, where it is."""
    cases = [("sum(x[abs(i)], i, 0, 2)", "abs", 6), ("sum(x[floor(i/2)], i, 0, 2)", "floor", 6),
             ("sum(x[max(i, 0)], i, 0, 2)", "max", 6), ("x[sin(0)]", "sin", 2), ("x[clip(1, 0, 2)]", "clip", 2),
             ("sum(x[i], i, 0, abs(n))", "abs", 16), ("f(n) = sum(x[i], i, 0, abs(n))\nf(2)", "abs", 23)]
    for text, word, position in cases:
        error = _error(text, n=2)
        assert error.reason.startswith(f"{word}() cannot compute an index or a bound: indices and bounds are "
                                       "integers computed while parsing"), text
        assert "+ - * / ^" in error.reason and "not computed" not in error.reason, text
        assert error.position == position, text
    for text, element in (("x[pow(2, 2)]", "x[4]"), ("x[where(1 > 0, 1, 0)]", "x[1]"),
                          ("f(n) = sum(x[i], i, 0, pow(n, 2))\nf(1)", "x[1]")):  # what an index does compute
        assert sg.parse(text).input_labels[-1] == element


def test_an_index_beyond_an_extent_of_zero_says_there_are_no_entries():
    """x=0 declares no entries; the error said 'x has 0 entries along axis 0 (0 to -1)'."""
    reason = _error("x[0]", x=0).reason
    assert "(0 to -1)" not in reason and "x has no entries along axis 0 (its size is x=0)" in reason


def test_an_unknown_function_is_worded_as_a_sentence():
    """'unknown function 'q' Known functions: ...' ran two sentences together; with a close match the hint
    ended in '?' before 'Known'."""
    assert _error("q(x)").reason.startswith("unknown function 'q' (to multiply write q*(...)). Known functions: ")
    assert _error("sn(x)").reason.startswith("unknown function 'sn' (did you mean sin? To multiply write sn*(...)). "
                                             "Known functions: ")


def test_a_tab_shows_as_blank_space_under_its_caret():
    """The caret excerpt printed a tab as '?', which reads as a bad character; it is blank space."""
    error = _error("a = 1\n\tb = a * \t)")
    excerpt = str(error).splitlines()[-2:]
    assert excerpt[0] == "   b = a *  )"
    assert excerpt[1].index("^") == excerpt[0].index(")")
    assert (error.line, error.column) == (2, 11)


@pytest.mark.parametrize("text, line, column", [
    ("a = 1\r\n# note\r\nb = a + )\r\n", 3, 9),
    ("a = 1  # x = (\n\n  b = a +* 2", 3, 10),
    ("a = 1; b = 2\nc = a b", 2, 7),
    ("x = 1 # \u00e9\ny = x \u2212 1", 2, 7),
])
def test_positions_in_multi_line_text(text, line, column):
    """Line and column count the text as written: CRLF and comments (with any characters) do not shift them."""
    error = _error(text)
    assert (error.line, error.column) == (line, column)
    assert str(error).splitlines()[-1].index("^") == column + 1


# --------------------------------------------------------------------------- programs against sympy

_SYMBOLS = {name: sympy.Symbol(name, real=True) for name in ("x", "y", "e")}  # real: d|u| is sign(u)
_SYMPY = {"sin": sympy.sin, "exp": sympy.exp, "tanh": sympy.tanh, "sqrt": sympy.sqrt, "abs": sympy.Abs,
          "pi": sympy.pi}


def _term(rng: random.Random, names: list[str], depth: int) -> tuple[str, object]:
    """A random term as text and as the sympy expression built from the same choices (not from the text)."""
    if depth == 0 or rng.random() < 0.3:
        pick = rng.choice([*names, "2", "0.5", "pi"])
        return pick, _SYMPY.get(pick) or _SYMBOLS.get(pick) or sympy.Float(pick)
    kind = rng.randrange(4)
    a, ea = _term(rng, names, depth - 1)
    if kind == 0:
        f = rng.choice(["sin", "exp", "tanh", "sqrt", "abs"])
        if f == "sqrt":  # of a magnitude: sympy's sqrt of a negative number is imaginary, NumPy's nan
            return f"sqrt(abs({a}))", sympy.sqrt(sympy.Abs(ea))
        return f"{f}({a})", _SYMPY[f](ea)
    b, eb = _term(rng, names, depth - 1)
    if kind == 1:
        return f"({a} + {b})", ea + eb
    if kind == 2:
        return f"({a})*({b})", ea * eb
    return f"-({a})^2", -(ea ** 2)


def test_programs_with_intermediate_names_evaluate_as_sympy_does():
    """Programs of `name = expr` lines (`e` a variable, `pi` the constant, shared subexpressions) evaluate to
    the numbers sympy gives for the same expressions, and their gradients by an intermediate name are the
    derivatives of the result written as a function of that name (the lines after it spelled out in it)."""
    rng = random.Random(7)
    for _ in range(60):
        names, lines, values = ["x", "y", "e"], [], {}
        for k in range(rng.randint(1, 3)):
            text, expr = _term(rng, names, 3)
            if k == 0:  # t0 names a node of its own (no constant, no alias, no repeat of another line)
                text, expr = f"x*y*e + 0.25*({text})", _SYMBOLS["x"] * _SYMBOLS["y"] * _SYMBOLS["e"] + 0.25 * expr
            lines.append(f"t{k} = {text}")
            values[f"t{k}"] = expr
            _SYMBOLS[f"t{k}"] = sympy.Symbol(f"t{k}", real=True)
            names.append(f"t{k}")
        final, final_expr = _term(rng, names, 2)
        program = rng.choice(["\n", "; ", "  # note\n"]).join([*lines, f"{final} + t0"])
        final_expr = final_expr + _SYMBOLS["t0"]
        point = {"x": 0.7, "y": -0.4, "e": 1.3}
        g = sg.parse(program)
        whole = final_expr
        for name in reversed(list(values)):
            whole = whole.subs(_SYMBOLS[name], values[name])
        want = float(whole.subs({_SYMBOLS[k]: v for k, v in point.items()}).evalf())
        got = g.evaluate(**{k: point[k] for k in g.inputs})[g.outputs[0]]
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), program
        # by an intermediate: the result as a function of t0 (the later lines written out in it), differentiated
        later = final_expr
        for name in reversed(list(values)[1:]):
            later = later.subs(_SYMBOLS[name], values[name])
        partial = sympy.diff(later, _SYMBOLS["t0"]).subs(_SYMBOLS["t0"], values["t0"])
        want = float(partial.subs({_SYMBOLS[k]: v for k, v in point.items()}).evalf())
        got = sg.grad(g, wrt=["t0"]).at(**{k: point[k] for k in g.inputs})["t0"]
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), program


def test_from_sympy_and_the_text_sympy_prints_make_the_same_function():
    """Graph.from_sympy(expr) and parse(str(expr)) (with sympy's Abs and Max spelled as the grammar's) agree."""
    x, y, e = (_SYMBOLS[n] for n in ("x", "y", "e"))
    shared = sympy.sin(x * y)
    for expr in (shared * sympy.exp(shared) + e ** 2, sympy.Max(x, y, 2) - sympy.Abs(x - e) / (1 + y ** 2),
                 sympy.sqrt(x ** 2 + 1) * sympy.pi - x ** -3):
        text = str(expr).replace("Abs", "abs").replace("Max", "max")
        g1, g2 = sg.Graph.from_sympy(expr), sg.parse(text)
        point = {"x": 0.3, "y": 1.7, "e": -0.6}
        v1 = g1.evaluate(**{k: point[k] for k in g1.inputs})[g1.outputs[0]]
        v2 = g2.evaluate(**{k: point[k] for k in g2.inputs})[g2.outputs[0]]
        assert math.isclose(v1, v2, rel_tol=1e-12), text
    g = sg.Graph.from_sympy(shared + sympy.cos(shared))
    assert sum(op == "mul" for op in nx_ops(g)) == 1  # structurally equal subtrees are one node


def nx_ops(g: sg.Graph) -> list[str]:
    return [op for _, op in g.nx.nodes(data="op")]


def test_aliases_inputs_as_outputs_and_repeats_in_derivatives():
    """An alias differentiates as the node it names, an output that is an input has derivative 1 in it, and
    repeated outputs keep their rows."""
    x = sympy.Symbol("x")
    assert dict(sg.grad("a = x; y = a*a", wrt=["a", "x"])) == {"a": 2 * x, "x": 2 * x}
    g = sg.parse("y = x*2", outputs=["x", "y", "x"])
    assert g.outputs == ("x", "y", "x")
    assert sg.jacobian(g) == sympy.Matrix([[1], [2], [1]])
    with pytest.warns(sg.ReadingWarning):  # e^x: e is the variable, as meant here
        assert sg.grad("e^x", wrt=["e"]).at(e=2.0, x=3.0)["e"] == pytest.approx(12.0)
    assert np.isclose(sg.grad("pi*x").at(x=1.0)["x"], math.pi)


def test_an_element_of_an_indexed_input_can_be_an_output():
    """outputs= took a plain input (outputs=["x"]) but not an element, though wrt names it the same way:
    outputs=["x[1]"] said "'x[1]' is not a name in the text"; the base name now says to name an element."""
    g = sg.parse("y = x[0]*x[1]", outputs=["x[1]", "y", "x[ 1 ]"])
    assert len(g.outputs) == 3 and g.outputs[0] == g.outputs[2]
    assert sg.jacobian(g, wrt=["x"]) == sympy.Matrix([[0, 1], [sympy.IndexedBase("x")[1], sympy.IndexedBase("x")[0]], [0, 1]])
    assert "name one of its elements, such as W[0, 0]" in str(pytest.raises(sg.ArgumentError, sg.parse, "W[0,1]*2",
                                                                             outputs=["W"]).value)


@pytest.mark.parametrize("index", ["pi", "sin", "where", "min", "sum", "prod", "and", "not", "lambda"])
def test_a_reserved_word_cannot_be_the_index_of_a_reduction(index):
    """sum(pi*y[pi], pi, 0, 2) was accepted: pi was the index inside y[...] but stayed the constant 3.14... in the
    term, so the weights were pi, pi, pi instead of 0, 1, 2; sin, where, and, lambda ... were indices too.  A
    reserved word is refused as an index, as it is as a parameter or an assigned name."""
    text = f"sum(2*y[{index}], {index}, 0, 2)"
    error = _error(text)
    assert f"the index of sum() cannot be {index!r}: it is a reserved name" in str(error)
    assert error.position == text.index(f", {index},") + 2
    assert sg.grad("sum(e*y[e], e, 0, 2)", wrt=["y"]).at(y=[1.0, 1.0, 1.0]).array("y").tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("text", ["f(u) = x[u]; f(y)", "f(u) = sum(x[k], k, 0, u); f(2*sin(y))",
                                  "f(u) = x[u]; sum(f(z[i]), i, 0, 1)"])
def test_an_index_from_a_parameter_bound_to_an_input_says_so(text):
    """f(u) = x[u]; f(y) said u was 'a constant that is not computed while parsing (a power beyond 1,024 bits
    stays unevaluated)': u is the input y, whose value no index can take."""
    message = str(_error(text))
    assert "'u' is a value of the function's inputs, not a number known while parsing" in message
    assert "1,024 bits" not in message
    assert "1,024 bits" in str(_error("f(u) = x[u]; f(9^9^9)"))  # a huge constant is still worded as one
