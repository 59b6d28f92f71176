"""The op table: every row's partials, numbers and NumPy code agree with its sympy form.

The partial rules are run against a builder written here (each op built by its
row's own ``sympy`` form), so a rule is checked against ``sympy.diff`` of the
row, not against the package's own sympy builder.
"""
import math

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph import ops
from symgraph.errors import UnsupportedOpError

ROWS = sorted(ops.OPS)

#: where each operand is drawn from (away from kinks, poles and branch cuts); the default is [-2, 2]
DOMAIN = {
    "asin": [(-0.9, 0.9)], "acos": [(-0.9, 0.9)], "log": [(0.1, 3.0)], "sqrt": [(0.1, 3.0)],
    "log0": [(0.1, 3.0)], "pow": [(0.2, 3.0), (-2.0, 2.0)], "pow_log0": [(0.2, 3.0), (-2.0, 2.0)],
    "div": [(-2.0, 2.0), (0.3, 2.0)],
    "tan": [(-1.2, 1.2)], "heaviside": [(-2.0, 2.0), (0.0, 1.0)],
    "acosh": [(1.1, 3.0)], "atanh": [(-0.9, 0.9)], "log1p": [(-0.9, 3.0)], "log2": [(0.1, 3.0)],
    "log10": [(0.1, 3.0)], "logb": [(0.1, 3.0), (1.2, 4.0)], "atan2": [(-2.0, 2.0), (0.2, 2.0)],
    # away from the jumps (floor, ceil at integers, round at halves): drawn inside (k + 0.1, k + 0.4)
    "floor": [(0.1, 0.4)], "ceil": [(1.1, 1.4)], "round": [(-1.4, -1.1)],
}
#: rows constant between jumps: sympy leaves d floor(u)/du unevaluated; the rows' partial is 0
PIECEWISE_CONSTANT = {"floor", "ceil", "round"}


class Builder:
    """The partial rules' builder protocol, each op made by its row's sympy form."""

    @staticmethod
    def op(name, *args):
        return ops.OPS[name].sympy(*(sympy.Integer(a) if isinstance(a, int) else a for a in args))


def points(name, count=4, seed=0):
    """``count`` points for op ``name``, each a tuple of floats (bools for conditions), none at a kink (|x| > 0.1)."""
    row = ops.OPS[name]
    rng = np.random.default_rng(seed + len(name))
    ranges = DOMAIN.get(name, [(-2.0, 2.0)] * row.arity)
    out = []
    while len(out) < count:
        point = tuple(bool(rng.integers(2)) if kind == "c" else float(rng.uniform(lo, hi))
                      for kind, (lo, hi) in zip(row.kinds, ranges))
        if all(abs(v) > 0.1 for v in point[:1]):
            out.append(point)
    return out


def sympy_value(v):
    return sympy.true if v is True else sympy.false if v is False else sympy.Float(v)


def real_symbols(arity):
    return sympy.symbols(f"u0:{arity}", real=True)


@pytest.mark.parametrize("name", ROWS)
def test_every_partial_is_sympy_diff_of_the_row(name):
    row = ops.OPS[name]
    assert len(row.partials) == row.arity
    for point in points(name):
        for slot, rule in enumerate(row.partials):
            symbol = sympy.Symbol("u", real=True)
            if row.kinds[slot] == "c" or row.condition:  # conditions carry no derivative
                assert rule(Builder, None, *map(sympy_value, point)) == 0
                continue
            args = [symbol if k == slot else sympy_value(v) for k, v in enumerate(point)]
            out = row.sympy(*args)
            partial = sympy.sympify(rule(Builder, out, *args))
            want = sympy.Integer(0) if name in PIECEWISE_CONSTANT else sympy.diff(out, symbol)
            at = {symbol: sympy.Float(point[slot])}
            got_value, want_value = complex(partial.subs(at).evalf(30)), complex(want.subs(at).evalf(30))
            assert got_value == pytest.approx(want_value, rel=1e-12, abs=1e-12), (name, slot, point)


@pytest.mark.parametrize("name", ROWS)
def test_numeric_is_the_sympy_value(name):
    row = ops.OPS[name]
    for point in points(name, seed=1):
        got = row.numeric(*(np.bool_(v) if isinstance(v, bool) else np.float64(v) for v in point))
        want = row.sympy(*map(sympy_value, point))
        if row.condition:
            assert bool(got) == bool(want), (name, point)
            continue
        assert float(got) == pytest.approx(float(want.evalf(30)), rel=1e-13, abs=1e-15), (name, point)


@pytest.mark.parametrize("name", ROWS)
def test_code_template_computes_the_numeric(name):
    """The NumPy source of a row, run on arrays, gives the row's numeric function bitwise."""
    row = ops.OPS[name]
    columns = [np.array(column) for column in zip(*points(name, count=6, seed=2))]  # bool arrays for conditions
    names = [f"arg{k}" for k in range(row.arity)]
    source = row.code.format(*names)
    namespaces = {"xp": np, "special": pytest.importorskip("scipy.special") if name in ops.SPECIAL else None}
    got = eval(compile(source, f"<{name} template>", "eval"), namespaces, dict(zip(names, columns)))  # our own template
    np.testing.assert_array_equal(got, row.numeric(*columns))


@pytest.mark.parametrize("name", [n for n in ROWS if ops.OPS[n].commutative])
def test_commutative_rows_are_symmetric(name):
    x, y = real_symbols(2)
    row = ops.OPS[name]
    assert row.arity == 2
    if row.kinds == "cc":  # and, or: of two conditions
        x, y = sympy.symbols("p q")
    elif row.condition:  # Eq(x, y) and Eq(y, x) are one relation written both ways
        assert row.sympy(x, y).reversed == row.sympy(y, x)
        return
    assert row.sympy(x, y) == row.sympy(y, x)


def test_the_grammars_functions_are_the_in_grammar_rows_that_are_not_operators():
    rows = ops.OPS.values()
    assert set(ops.FUNCTIONS) == ({r.name for r in rows if r.in_grammar and not r.symbol and not r.spelling}
                                  | {"pow"} | set(ops.VARIADIC) | set(ops.COMPOSITES))
    assert ops.OVERLOADS == {("log", 2): "logb"}
    assert ops.VARIADIC == {"max": "max", "min": "min", "logsumexp": "logaddexp"}
    assert all(ops.OPS[row].many for row in ops.VARIADIC.values())  # the parser makes each call one node
    for name in ops.FUNCTIONS:
        if name in ops.OPS and ops.OPS[name].arity == 1:
            graph = sg.parse(f"{name}(x)")
            assert graph.op(graph.output) == name


def test_conventions_at_the_kinks():
    """relu'(0) = 0, abs'(0) = sign(0) = 0, d(x^y)/dy = 0 at x = 0 (JAX and PyTorch's choices)."""
    zero = np.float64(0.0)
    assert ops.OPS["heaviside"].numeric(zero, zero) == 0 and ops.OPS["heaviside"].numeric(zero, 0.5) == 0.5
    assert ops.OPS["sign"].numeric(zero) == 0
    assert ops.OPS["log0"].numeric(zero) == 0 and ops.OPS["log0"].sympy(sympy.Integer(0)) == 0
    assert math.isclose(ops.OPS["log0"].numeric(np.float64(2.0)), math.log(2.0))


def test_a_missing_row_is_a_named_error():
    with pytest.raises(UnsupportedOpError, match="no rule for op 'gamma'"):
        ops.op("gamma")
    assert ops.op("sin") is ops.OPS["sin"]
