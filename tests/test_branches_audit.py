"""Branches and non-finite values, from a user's side: every mode, backend and Hessian strategy agree, the
untaken branch never leaks a nan into a derivative, and where the function is smooth the derivatives are
``sympy.diff``'s at 30 digits.

The sympy form of each generated program is built beside its text by the generator itself (Piecewise,
Max, Min, Abs, Heaviside, ...), sharing no code with symgraph's own closed forms.
"""
import importlib.util
import warnings

import numpy as np
import pytest

import symgraph as sg

MODES = ["reverse", "forward", "paths", "elimination"]
HESSIAN_MODES = ["forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
                 "edge-pushing"]
BACKENDS = ["numpy", "vm"] + (["numba"] if importlib.util.find_spec("numba") else [])


# --------------------------------------------------------------------------- heaviside's h0 is a branch
@pytest.mark.parametrize("backend", BACKENDS)
def test_heaviside_discards_a_nan_h0_away_from_zero(backend):
    """heaviside(x, h0) reads h0 only at x = 0, as numpy.heaviside (heaviside(1, nan) = 1) and sympy's
    Heaviside do; the formula sign(max(x, 0)) + h0*(x == 0) made it 0*nan = nan at every x, so
    heaviside(x - 1, log(y))*x at y = -1 was nan, and its gradient by x too, in every mode and backend."""
    text = "heaviside(x - 1, log(y)) * x"
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # log(-1), the untaken h0
        x, y = np.array([2.0, 0.5, 1.0]), np.array([-1.0, -1.0, -1.0])
        value = sg.lambdify(text, backend=backend, args=["x", "y"])
        np.testing.assert_array_equal(value(x, y), [2.0, 0.0, np.nan])
        assert float(value(2.0, -1.0)) == 2.0
        assert sg.parse(text).evaluate(x=2.0, y=-1.0)[sg.parse(text).output] == 2.0
        for mode in MODES:
            g = sg.grad(text, wrt=["x", "y"], mode=mode)
            assert g.at(x=2.0, y=-1.0) == {"x": 1.0, "y": 0.0}, mode
            dx, dy = g.lambdify(backend=backend, args=["x", "y"])(x, y)
            np.testing.assert_array_equal(dx, [1.0, 0.0, np.nan])
            # by y: 0 where h0 is not read; at x = 1 the value is log(y), so x * (1/y) = -1 there
            np.testing.assert_array_equal(dy, [0.0, 0.0, -1.0])


# --------------------------------------------------------------------------- a property over generated programs
import sympy  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings, strategies as st  # noqa: E402

from symgraph.ir.interpret import branch_only  # noqa: E402

X, Y = sympy.symbols("x y", real=True)
HALF = sympy.Rational(1, 2)
#: functions that are nan or inf outside their domain: (text, sympy)
DOMAIN = [("sqrt({})", sympy.sqrt), ("log({})", sympy.log), ("1/({})", lambda a: 1 / a), ("asin({})", sympy.asin),
          ("acos({})", sympy.acos), ("({})^0.5", lambda a: a ** HALF), ("({})^1.5", lambda a: a ** (3 * HALF)),
          ("({})^-0.5", lambda a: a ** -HALF), ("log(-({}))", lambda a: sympy.log(-a)),
          ("sqrt(-1 - ({})^2)", lambda a: sympy.sqrt(-1 - a ** 2))]
#: where()s whose untaken branch is nan or inf beyond the condition: (text, sympy, kinks) of a, b
GUARDED = [
    ("where({a} > 0, sqrt({a}), {b})", lambda a, b: sympy.Piecewise((sympy.sqrt(a), a > 0), (b, True)), (0,)),
    ("where({a} <= 0, {b}, log({a}))", lambda a, b: sympy.Piecewise((b, a <= 0), (sympy.log(a), True)), (0,)),
    ("where(abs({a}) < 1, asin({a}), {b})",
     lambda a, b: sympy.Piecewise((sympy.asin(a), sympy.Abs(a) < 1), (b, True)), (-1, 1)),
    ("where({a} != 0, 1/{a}, {b})", lambda a, b: sympy.Piecewise((1 / a, sympy.Ne(a, 0)), (b, True)), (0,)),
    ("where({a} < 0, ({b}) * sqrt(-({a})), ({a})^1.5)",
     lambda a, b: sympy.Piecewise((b * sympy.sqrt(-a), a < 0), (a ** (3 * HALF), True)), (0,)),
    ("where({a} > 1 or {a} < -1, {b}, acos({a}) * {b})",
     lambda a, b: sympy.Piecewise((b, (a > 1) | (a < -1)), (sympy.acos(a) * b, True)), (-1, 1)),
    ("heaviside({a}, log({b})) * {b}", lambda a, b: sympy.Heaviside(a, sympy.log(b)) * b, (0,)),
]
COMPARISONS = [(">", lambda a, b: a > b), ("<", lambda a, b: a < b), (">=", lambda a, b: a >= b),
               ("<=", lambda a, b: a <= b)]
CONSTANTS = ["0", "1", "2", "-1", "0.5"]
#: the points: every kink of a comparison with a constant, ties of max/min, and both sides of each
GRID = [-10.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 10.0]


class Drawn:
    """One program drawn line by line: its text, its sympy form, the expressions whose zeros are kinks."""

    def __init__(self, draw):
        self.draw = draw
        self.names = {"x": X, "y": Y}
        self.lines: list[str] = []
        self.kinks: list[sympy.Expr] = []

    def leaf(self):
        if self.draw(st.integers(0, 6)) == 0:
            c = self.draw(st.sampled_from(CONSTANTS))
            return c, sympy.nsimplify(c)
        name = self.draw(st.sampled_from(sorted(self.names)))
        return name, self.names[name]

    def condition(self, depth):
        a, b = self.expr(depth - 1), self.leaf()
        op, form = self.draw(st.sampled_from(COMPARISONS))
        self.kinks.append(a[1] - b[1])
        text, cond = f"{a[0]} {op} {b[0]}", form(a[1], b[1])
        kind = self.draw(st.integers(0, 5))
        if kind == 0:
            other = self.condition(depth - 1)
            return f"({text}) and ({other[0]})", sympy.And(cond, other[1])
        if kind == 1:
            return f"not ({text})", sympy.Not(cond)
        return text, cond

    def expr(self, depth):
        kind = self.draw(st.integers(0, 9)) if depth > 0 else 9
        if kind <= 2:
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            text, form, kinks = self.draw(st.sampled_from(GUARDED))
            self.kinks += [a[1] - k for k in kinks]
            out = text.format(a=a[0], b=b[0]), form(a[1], b[1])
            if self.draw(st.booleans()):  # named, so later lines share it
                name = f"w{len(self.lines)}"
                self.lines.append(f"{name} = {out[0]}")
                self.names[name] = out[1]
                return name, out[1]
            return out
        if kind == 3:
            text, form = self.draw(st.sampled_from(DOMAIN))
            a = self.expr(depth - 1)
            return text.format(a[0]), form(a[1])
        if kind == 4:
            c, a, b = self.condition(depth), self.expr(depth - 1), self.expr(depth - 1)
            return f"where({c[0]}, {a[0]}, {b[0]})", sympy.Piecewise((a[1], c[1]), (b[1], True))
        if kind == 5:
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            self.kinks.append(a[1] - b[1])
            if self.draw(st.booleans()):
                return f"max({a[0]}, {b[0]})", sympy.Max(a[1], b[1])
            return f"min({a[0]}, {b[0]})", sympy.Min(a[1], b[1])
        if kind == 6:
            a = self.expr(depth - 1)
            self.kinks.append(a[1])
            which = self.draw(st.sampled_from(["abs", "relu", "sign", "heaviside", "clip"]))
            if which == "clip":
                self.kinks += [a[1] - 1, a[1] + 1]
                return f"clip({a[0]}, -1, 1)", sympy.Min(sympy.Max(a[1], -1), 1)
            form = {"abs": sympy.Abs, "relu": lambda u: sympy.Max(0, u), "sign": sympy.sign,
                    "heaviside": lambda u: sympy.Heaviside(u, HALF)}[which](a[1])
            return (f"heaviside({a[0]}, 0.5)" if which == "heaviside" else f"{which}({a[0]})"), form
        if kind <= 8:
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            op = self.draw(st.sampled_from("+-*"))
            return f"({a[0]} {op} {b[0]})", {"+": a[1] + b[1], "-": a[1] - b[1], "*": a[1] * b[1]}[op]
        return self.leaf()

    def program(self):
        for k in range(self.draw(st.integers(0, 2))):
            text, form = self.expr(self.draw(st.integers(1, 2)))
            self.lines.append(f"u{k} = {text}")
            self.names[f"u{k}"] = form
        text, form = self.expr(self.draw(st.integers(1, 2)))
        if self.draw(st.integers(0, 3)) == 0:  # the output uses a result twice
            other = self.leaf()
            text, form = f"({text}) * {other[0]} + ({text})", form * other[1] + form
        return "; ".join(self.lines + [text]), form


@st.composite
def branchy(draw):
    """(text, sympy form, kinks), or None when sympy cannot even build the form (a comparison of a
    non-real constant such as log(-1) > 0, which symgraph reads as nan > 0, false)."""
    drawn = Drawn(draw)
    try:
        text, form = drawn.program()
    except (TypeError, ValueError):
        return None
    return text, form, drawn.kinks


def at30(expr: sympy.Expr, x: float, y: float) -> float | None:
    """``expr`` at (x, y) by mpmath at 30 digits, or None when it is no finite real number there."""
    try:
        value = complex(expr.subs({X: sympy.Float(x, 30), Y: sympy.Float(y, 30)}).evalf(30))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return value.real if value.imag == 0 and np.isfinite(value.real) else None


def agree(got, want) -> bool:
    """Equal within 1e-12 with the same nan pattern; inf and nan count alike (see the property's docstring)."""
    got, want = (np.where(np.isinf(a), np.nan, np.asarray(a, dtype=float)) for a in (got, want))
    if got.shape != want.shape or (np.isnan(got) != np.isnan(want)).any():
        return False
    ok = np.isnan(want) | (np.abs(got - want) <= 1e-12 * np.maximum(1, np.abs(want)))
    return bool(ok.all())


def columns(values, n):
    return np.array([np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in values])


#: no shrinking: a failing example is small already, and shrinking one took minutes
@settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(branchy(), st.lists(st.tuples(st.sampled_from(GRID), st.sampled_from(GRID)), min_size=6, max_size=6),
       st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=2, max_size=2), st.integers(0, 5))
def test_branchy_programs_agree_everywhere_and_never_leak_an_untaken_nan(program, grid, drawn, numba):
    """Programs mixing where/max/min/abs/relu/sign/heaviside/clip with functions that are nan or inf outside
    their domain, named and shared intermediates and a result used twice, at points on the kinks and ties,
    where an untaken branch is nan, and in between.  Every gradient mode, ``.at``, NumPy and the VM (numba
    in some examples) on arrays and single points agree, as do every Hessian strategy, dense and sparse,
    and ``hvp``.  Where nothing the function keeps is non-finite and no kink is within 1e-7, the gradient
    and the Hessian are sympy.diff's at 30 digits: finite, so no untaken nan leaked.

    At a pole (a derivative that is inf) the order in which a mode adds the chain rule's products decides
    between inf and nan (reverse mode sums inf*1 + inf*0 where forward mode multiplies by the summed
    tangent), so inf and nan are compared alike there."""
    if program is None:
        return
    text, form, kinks = program
    points = grid + drawn
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    n = len(points)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        reference = None
        for mode in MODES:
            g = sg.grad(text, wrt=["x", "y"], mode=mode, allow_unused=True)
            at = g.at(x=xs, y=ys)
            got = {"at": columns([at["x"], at["y"]], n)}
            for backend in ["numpy", "vm"] + (["numba"] if numba == 0 and mode == "reverse" and "numba" in BACKENDS
                                              else []):
                f = g.lambdify(backend=backend, args=["x", "y"])
                got[backend] = columns(f(xs, ys), n)
                got[backend, "points"] = np.array([[float(f(x, y)[k]) for x, y in points] for k in range(2)])
            reference = got["at"] if reference is None else reference
            for how, values in got.items():
                assert agree(values, reference), (text, mode, how, values, reference)
        hessians = {}
        for mode in HESSIAN_MODES:
            dense = sg.hessian(text, wrt=["x", "y"], mode=mode, allow_unused=True)
            hessians[mode] = np.broadcast_to(np.asarray(dense.lambdify(args=["x", "y"])(xs, ys), float), (2, 2, n))
            sparse = sg.hessian(text, wrt=["x", "y"], mode=mode, sparse=True, allow_unused=True)
            full = np.zeros((2, 2, n))
            data = sparse.lambdify(args=["x", "y"]).data(xs, ys)
            pattern = sparse.pattern.tocoo()
            for k, (i, j) in enumerate(zip(pattern.row, pattern.col)):
                full[i, j] = np.broadcast_to(np.asarray(data[k], float), (n,))
            hessians[mode, "sparse"] = full
        for k, v in enumerate(([1, 0], [0, 1])):
            hv = sg.hvp(text, ["x", "y"], v, allow_unused=True).at(x=xs, y=ys)
            hessians["hvp", k] = columns([hv["x"], hv["y"]], n)
        H = hessians[HESSIAN_MODES[0]]
        for how, values in hessians.items():
            want = H[:, how[1]] if how[0] == "hvp" else H
            assert agree(values, want), (text, how, values, want)
        graph = sg.parse(text)
        loud = set(graph.order) - branch_only(list(graph.rows()), graph.outputs)
        derivatives = [sympy.diff(form, s) for s in (X, Y)]
        second = [[sympy.diff(d, s) for s in (X, Y)] for d in derivatives]
        for p, (x, y) in enumerate(points):
            if any(v is not None and abs(v) < 1e-7 for v in (at30(k, x, y) for k in kinks)):
                continue  # on a kink: the conventions there are test_conditionals' and test_numerical_edges'
            values = graph.evaluate(**{k: v for k, v in {"x": x, "y": y}.items() if k in graph.inputs})
            if not all(np.isfinite(values[v]) for v in loud if not isinstance(values[v], (bool, np.bool_))):
                continue  # the function itself leaves the reals on the path it takes
            for i in range(2):
                want = at30(derivatives[i], x, y)
                if want is not None:
                    assert abs(reference[i, p] - want) <= 1e-9 * max(1.0, abs(want)), (text, x, y, i, want)
                for j in range(2):
                    want = at30(second[i][j], x, y)
                    if want is not None and all(np.isfinite(H[a, b, p]) for a in range(2) for b in range(2)):
                        assert abs(H[i, j, p] - want) <= 1e-8 * max(1.0, abs(want)), (text, x, y, i, j, want)
