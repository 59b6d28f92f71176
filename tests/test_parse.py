"""Tests for symgraph.parse: round trips, error reporting, deep nesting, big inputs, properties."""
from __future__ import annotations

import io
import math
import pathlib
import tokenize as pytokenize
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symgraph
from symgraph import ParseError, parse
from symgraph.rules import sigmoid

a, b, c, x, y, z = sympy.symbols("a b c x y z")


def _same(got: sympy.Expr, want: sympy.Expr) -> bool:
    if got == want:
        return True
    return sympy.simplify(got - want) == 0


# --------------------------------------------------------------------------- round trips

ROUND_TRIPS = [
    ("x", x),
    ("x^2", x**2),
    ("x**2", x**2),
    ("-x^2", -(x**2)),
    ("-x**2", -(x**2)),
    ("2^-x^2", 2 ** (-(x**2))),
    ("a^b^c", a ** (b**c)),
    ("a**b**c", a ** (b**c)),
    ("(a^b)^c", (a**b) ** c),
    ("a-b-c", (a - b) - c),
    ("a/b/c", (a / b) / c),
    ("a-(b-c)", a - (b - c)),
    ("a/(b/c)", a / (b / c)),
    ("a+b*c", a + b * c),
    ("(a+b)*c", (a + b) * c),
    ("-a*b", -(a * b)),
    ("+a", a),
    ("--a", a),
    ("(a+b)*(b+1)", (a + b) * (b + 1)),
    ("2*x + 3", 2 * x + 3),
    ("x/2", x / 2),
    ("pi*x", sympy.pi * x),
    ("sin(x)", sympy.sin(x)),
    ("cos(x)", sympy.cos(x)),
    ("tan(x)", sympy.tan(x)),
    ("asin(x)", sympy.asin(x)),
    ("acos(x)", sympy.acos(x)),
    ("atan(x)", sympy.atan(x)),
    ("sinh(x)", sympy.sinh(x)),
    ("cosh(x)", sympy.cosh(x)),
    ("tanh(x)", sympy.tanh(x)),
    ("exp(x)", sympy.exp(x)),
    ("log(x)", sympy.log(x)),
    ("sqrt(x)", sympy.sqrt(x)),
    ("abs(x)", sympy.Abs(x)),
    ("sigmoid(x)", sigmoid(x)),
    ("relu(x)", sympy.Max(0, x)),
    ("softplus(x)", sympy.log(1 + sympy.exp(x))),
    ("sin(x)^2 + cos(x)^2", sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
    ("exp(-x^2/2)", sympy.exp(-(x**2) / 2)),
    ("log(1 + exp(a*b))", sympy.log(1 + sympy.exp(a * b))),
    ("(x\n*\ny)", x * y),  # newlines inside parentheses are white space
    ("  x\t+ y  ", x + y),
]


@pytest.mark.parametrize("text, want", ROUND_TRIPS, ids=[t for t, _ in ROUND_TRIPS])
def test_round_trip(text, want):
    got = parse(text).expr()
    assert _same(got, want), (text, got, want)


def test_round_trip_structural_power_assoc():
    # right associativity must be structural, not just numerically equal
    assert parse("a^b^c").expr() == a ** (b**c)
    assert parse("a^b^c").expr() != (a**b) ** c
    assert parse("-x^2").expr() == -(x**2)
    assert parse("2^-x^2").expr() == 2 ** (-(x**2))


def test_left_assoc_numerically():
    vals = parse("a-b-c").evaluate(a=10.0, b=3.0, c=2.0)
    assert vals[parse("a-b-c").output] == 5.0
    g = parse("a/b/c")
    assert g.evaluate(a=12.0, b=3.0, c=2.0)[g.output] == 2.0


def test_program_round_trip():
    g = parse("c = a + b; d = b + 1; e = c * d")
    assert g.outputs == ("e",)
    assert _same(g.expr(), (a + b) * (b + 1))
    g2 = parse("c = a + b\nd = b + 1\nc * d")
    assert _same(g2.expr(), (a + b) * (b + 1))


# --------------------------------------------------------------------------- errors

ERRORS = [
    # (text, expected position or None for "any", substring of the reason, case-insensitive)
    ("", 0, "empty"),
    ("   ", None, "empty"),
    ("(a+b", 0, "unclosed"),
    ("a+b)", 3, "')'"),
    ("a+", 2, "missing"),
    ("a**/b", 3, "'/'"),
    ("a*/b", 2, "'/'"),
    ("foo(x)", 0, "known"),
    ("sinn(x)", 0, "sin"),
    ("sin()", 4, "argument"),
    ("sin(x, y)", 5, "one argument"),
    ("sin + 1", 0, "function"),
    ("sin", 0, "function"),
    ("\uff41+1", 0, "U+FF41"),
    ("\uff11+x", 0, "U+FF11"),
    ("x\x00", 1, "U+0000"),
    ("x\u200b+1", 1, "U+200B"),
    ("'x'", 0, "string"),
    ('"x"', 0, "string"),
    ("a\\b", 1, "backslash"),
    ("a;b", 1, "';'"),
    ("a+b\nc", 3, "bare expression"),
    ("a.b", 1, "attribute"),
    ("a[0]", 1, "subscript"),
    ("lambda x: x", None, "not"),
    ("if", 0, "keyword"),
    ("None", 0, "keyword"),
    ("a<b", 1, "comparison"),
    ("a==b", 1, "comparison"),
    ("a, b", 1, "comma"),
    ("x=1; x=2", 5, "twice"),
    ("2x", 1, "2*x"),
    ("1e999999", 0, "out of range"),
    ("x @ y", 2, "@"),
    ("x % y", 2, "%"),
    ("x = ", 4, "missing"),
    ("=x", 0, "="),
]


@pytest.mark.parametrize("text, position, fragment", ERRORS, ids=[repr(t) for t, _, _ in ERRORS])
def test_malformed_raises_parse_error(text, position, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, symgraph.SymgraphError)
    assert isinstance(err.position, int)
    assert 0 <= err.position <= len(text)
    if position is not None:
        assert err.position == position, (text, err.position, str(err))
    assert fragment.lower() in str(err).lower(), (text, str(err))
    lines = str(err).splitlines()
    assert any(line.strip() == "^" for line in lines), str(err)
    assert err.text == text


def test_unknown_function_lists_known_functions_and_suggests():
    with pytest.raises(ParseError) as info:
        parse("foo(x)")
    assert "known" in str(info.value).lower()
    with pytest.raises(ParseError) as info:
        parse("sinn(x)")
    assert "did you mean sin" in str(info.value)


def test_caret_points_at_position():
    with pytest.raises(ParseError) as info:
        parse("a + b + c)")
    err = info.value
    assert err.position == 9
    excerpt, caret = str(err).splitlines()[-2:]
    # the caret sits under the offending ')'
    assert excerpt[caret.index("^")] == ")"


def test_caret_on_second_line():
    with pytest.raises(ParseError) as info:
        parse("c = a + b\nd = c * * 2")
    err = info.value
    assert err.text[err.position] == "*"
    assert err.position == len("c = a + b\nd = c * ")
    excerpt, caret = str(err).splitlines()[-2:]
    assert "d = c * * 2" in excerpt
    assert excerpt[caret.index("^")] == "*"


def test_parse_error_is_value_error():
    with pytest.raises(ValueError):
        parse("a +")


# --------------------------------------------------------------------------- nesting

def test_deep_parentheses():
    n = 10_000
    g = parse("(" * n + "x" + ")" * n)
    assert g.evaluate(x=3.0)[g.output] == 3.0


def test_deep_unary_minus_even():
    g = parse("-" * 10_000 + "x")
    assert g.evaluate(x=2.5)[g.output] == 2.5


def test_deep_unary_minus_odd():
    g = parse("-" * 10_001 + "x")
    assert g.evaluate(x=2.5)[g.output] == -2.5


def test_deep_calls():
    n = 3000
    g = parse("sin(" * n + "x" + ")" * n)
    want = 1.0
    for _ in range(n):
        want = math.sin(want)
    assert math.isclose(g.evaluate(x=1.0)[g.output], want, rel_tol=1e-12)


def test_deep_unclosed_parentheses():
    with pytest.raises(ParseError) as info:
        parse("(" * 10_000 + "x")
    assert "unclosed" in str(info.value)


def test_deep_unbalanced_close():
    with pytest.raises(ParseError) as info:
        parse("(" * 5000 + "x" + ")" * 5001)
    assert info.value.position == 5000 + 1 + 5000


# --------------------------------------------------------------------------- size

def test_long_sum():
    n = 250_000
    text = " + ".join(f"x{i % 1000}" for i in range(n))
    g = parse(text)
    assert len(g.inputs) == 1000
    values = {f"x{i}": 1.0 for i in range(1000)}
    assert g.evaluate(**values)[g.output] == float(n)


def test_power_tower_is_fast_and_finite_or_inf():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        g = parse("9^9^9^9")
        value = g.evaluate()[g.output]
    assert isinstance(value, float)
    assert value == math.inf or math.isfinite(value)


# --------------------------------------------------------------------------- hypothesis

_VARS = {"x": x, "y": y, "z": z}
_FUNCS = ("sin", "cos", "exp", "tanh", "sigmoid")

leaves = st.one_of(
    st.sampled_from(["x", "y", "z"]).map(lambda v: ("var", v)),
    st.integers(min_value=0, max_value=9).map(lambda k: ("const", k)),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(lambda t: ("bin",) + t),
        children.map(lambda t: ("neg", t)),
        st.tuples(st.sampled_from(_FUNCS), children).map(lambda t: ("fn",) + t),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


def _render(tree) -> str:
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "const":
        return str(tree[1])
    if kind == "neg":
        return f"(-{_render(tree[1])})"
    if kind == "bin":
        return f"({_render(tree[2])} {tree[1]} {_render(tree[3])})"
    fn, arg = tree[1], _render(tree[2])
    if fn == "exp":
        return f"exp(({arg}) / 10)"  # keep exp small
    return f"{fn}({arg})"


def _to_sympy(tree) -> sympy.Expr:
    kind = tree[0]
    if kind == "var":
        return _VARS[tree[1]]
    if kind == "const":
        return sympy.Integer(tree[1])
    if kind == "neg":
        return -_to_sympy(tree[1])
    if kind == "bin":
        left, right = _to_sympy(tree[2]), _to_sympy(tree[3])
        op = tree[1]
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return left / right
    fn, arg = tree[1], _to_sympy(tree[2])
    if fn == "sin":
        return sympy.sin(arg)
    if fn == "cos":
        return sympy.cos(arg)
    if fn == "exp":
        return sympy.exp(arg / 10)
    if fn == "tanh":
        return sympy.tanh(arg)
    return sigmoid(arg).rewrite(sympy.exp)


@settings(max_examples=100, deadline=None)
@given(
    tree=trees,
    xv=st.floats(min_value=-3, max_value=3, allow_nan=False),
    yv=st.floats(min_value=-3, max_value=3, allow_nan=False),
    zv=st.floats(min_value=-3, max_value=3, allow_nan=False),
)
def test_random_expressions_match_sympy(tree, xv, yv, zv):
    text = _render(tree)
    reference = _to_sympy(tree)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        g = parse(text)
        inputs = {name: v for name, v in (("x", xv), ("y", yv), ("z", zv)) if name in g.inputs}
        got = g.evaluate(**inputs)[g.output]
    assume(math.isfinite(got))
    ref = reference.subs({x: xv, y: yv, z: zv}).evalf()
    assume(ref.is_real and ref.is_finite)
    want = float(ref)
    assume(math.isfinite(want))
    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (text, got, want)


# --------------------------------------------------------------------------- no eval

_FORBIDDEN = {"eval", "exec", "sympify", "parse_expr"}


def test_no_eval_exec_sympify_parse_expr_calls():
    package = pathlib.Path(symgraph.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        toks = [t for t in pytokenize.generate_tokens(io.StringIO(source).readline)
                if t.type not in (pytokenize.NL, pytokenize.NEWLINE, pytokenize.COMMENT,
                                  pytokenize.INDENT, pytokenize.DEDENT)]
        for i, tok in enumerate(toks[:-1]):
            if tok.type == pytokenize.NAME and tok.string in _FORBIDDEN and toks[i + 1].string == "(":
                if i and toks[i - 1].string == "def":
                    continue  # a method definition (sympy.Function.eval), not a call
                offenders.append(f"{path.name}:{tok.start[0]}: {tok.line.strip()}")
    assert not offenders, offenders


def test_no_eval_regex_outside_definitions():
    # the plain-text check from the brief, minus 'def eval(' (sigmoid's sympy classmethod)
    import re

    pattern = re.compile(r"\b(eval|exec|sympify|parse_expr)\(")
    package = pathlib.Path(symgraph.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for m in pattern.finditer(code):
                if code[:m.start()].rstrip().endswith("def"):
                    continue
                offenders.append(f"{path.name}:{lineno}: {line.strip()}")
    assert not offenders, offenders
