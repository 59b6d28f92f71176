"""Every mode, Hessian strategy, hvp and backend agrees at the corners: 0, +-1, +-inf, nan, poles, branch points.

Where a derivative is finite the modes differ by rounding only; where it is infinite or undefined the value is
float64 arithmetic on inf and 0, and the order of the products could decide between inf and nan (0 * inf).
The contract: every mode gives the same value, or nan, or the same-signed infinity, as every other, single
points and arrays alike; and where sympy.diff evaluated by mpmath (tests/oracle.py) gives a finite number at
the point, the modes give it too.

One class is left to IEEE arithmetic and tolerated here: an infinite local derivative that meets a 0 the
numbers make in one mode's order of products and not in another's.  d/dy of acos(y*(y + 1 - y)) at y = 1 is
-inf in forward mode (the tangent of y + 1 - y is 1 - 1 = 0 before it meets acos' = -inf), and in reverse mode
now that like terms are collected first, but nan by paths (-inf reaches y along two paths: -inf + inf).  (acos(y*((y^y)/(y/y))) was such a case
until y/y's edge became the exact 0 it is: symgraph/ad/__init__.py.)  Only symbolic limits decide every
such product; writing 0 * inf as 0 would turn honest nans into wrong numbers (the product rule's sqrt(x)*(1/(2*sqrt(x))) at 0 is 1/2,
not 0: the emitter cancels such quotients exactly instead, :mod:`symgraph.ir.cancelling`).
The products a mode forms as d*(a/d) are cancelled (:mod:`symgraph.ir.cancelling`), which
covers the commonest case, an edge dividing by the value another multiplies by (sqrt(x)*exp(sqrt(x)) at 0).
So one mode may give nan where another gives an infinity; never another number, nor the other infinity.
Likewise where an edge's local derivative is itself nan (y^x in x at y = -1), a mode whose products cancel to
an exact 0 before they reach that edge gives a number where another gives nan (see :func:`edge_kinds`).  The property test draws small programs with intermediate names, shared
nodes and the grammar's functions, and evaluates them on a grid of special points.
"""
import itertools
import math
import os
import re
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import symgraph as sg
from symgraph.ad.paths import edge_values
from symgraph.hessian import STRATEGIES
from tests.oracle import FUNCTIONS, as_float, read

MODES = ["reverse", "forward", "paths", "elimination"]
#: the special points each input takes
SPECIAL = [0.0, 1.0, -1.0, 0.5, -2.0, math.inf, -math.inf, math.nan]
CONSTANTS = ["2", "0.5", "1", "3"]
#: the grammar's other functions (the oracle reads only its own FUNCTIONS: programs using these are checked
#: against each other, not against sympy)
MORE_UNARY = ["asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "cbrt", "erf", "erfc", "sign",
              "floor"]
MORE_BINARY = ["hypot", "atan2", "max", "min", "logsumexp", "pow", "log"]
SETTINGS = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 6)), deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def agree(got, want, defined=None) -> np.ndarray:
    """Elementwise: equal to rounding, both nan, or the same infinity, or one nan and the other infinite (see
    the module's docstring); where ``defined`` (a mask over the points, the last axis) is False, only where both
    are finite."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    ok = np.isclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)
    ok |= (np.isnan(got) & np.isinf(want)) | (np.isinf(got) & np.isnan(want))
    if defined is not None:
        ok |= ~np.broadcast_to(defined, ok.shape) & ~(np.isfinite(got) & np.isfinite(want))
        ok |= ~np.broadcast_to(defined, ok.shape) & (np.isnan(got) | np.isnan(want))
    return ok


def assert_agree(got, want, what: str, defined=None) -> None:
    ok = agree(got, want, defined)
    assert ok.all(), f"{what}: {np.asarray(got)[~ok]} != {np.asarray(want)[~ok]} at {np.argwhere(~ok)}"


@st.composite
def expressions(draw, names: list[str], depth: int) -> str:
    """An expression over ``names`` (each a node: a repeated name is a shared node) and a few constants."""
    kind = draw(st.sampled_from(["leaf", "unary", "binary", "binary"] if depth else ["leaf"]))
    if kind == "leaf":
        return draw(st.sampled_from(names)) if draw(st.integers(0, 5)) else draw(st.sampled_from(CONSTANTS))
    if kind == "unary":
        return f"{draw(st.sampled_from(list(FUNCTIONS) + MORE_UNARY))}({draw(expressions(names, depth - 1))})"
    left, right = draw(expressions(names, depth - 1)), draw(expressions(names, depth - 1))
    if draw(st.integers(0, 4)) == 0:
        return f"{draw(st.sampled_from(MORE_BINARY))}({left}, {right})"
    return f"({left} {draw(st.sampled_from(['+', '-', '*', '/', '^']))} {right})"


@st.composite
def programs(draw) -> tuple[str, list[str]]:
    """(text, intermediate names): one to three assignments, each reading the inputs and the names before it,
    the last line reading the last name (and perhaps others: shared nodes)."""
    names, lines = ["x", "y"], []
    for i in range(draw(st.integers(1, 3))):
        lines.append(f"c{i} = {draw(expressions(names, 2))}")
        names.append(f"c{i}")
    last = f"({draw(expressions(names, 1))} {draw(st.sampled_from(['+', '*', '/', '^']))} {names[-1]})"
    lines.append(last if draw(st.booleans()) else f"out = {last}")  # unnamed or named output
    return "; ".join(lines), names[2:]


def columns(graph) -> tuple[list[np.ndarray], list[dict]]:
    """Each input's values over the whole grid of special points (8 or 64 points, one array call per result),
    and the points as dicts."""
    rows = list(itertools.product(SPECIAL, repeat=len(graph.inputs)))
    return [np.array(c) for c in zip(*rows)], [dict(zip(graph.inputs, row)) for row in rows]


def edge_kinds(graph, cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per point: (every edge's local derivative is finite, some edge's is nan).

    Where every edge is finite the chain rule is arithmetic on finite numbers, and sympy.diff's value is the
    derivative (elsewhere sympy's cancellations, x/x = 1 and 1^u = 1, decide what the graph's edges leave
    undefined: d(1^(x^x))/dx at x = -1 is 0 to sympy, log(-1) to the edges).  Where an edge is nan (the
    derivative of y^x in x at y = -1), a mode whose products cancel to an exact 0 before they reach it (the
    adjoint of c in (2/c)*c) gives a number, and one that reaches it nan."""
    count = len(cols[0]) if cols else 1
    with warnings.catch_warnings():  # the points include poles and edges of domains: their warnings are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        values = [np.broadcast_to(np.asarray(v, float), (count,)) for v in
                  edge_values(graph, dict(zip(graph.inputs, cols))).values()]
    if not values:
        return np.ones(count, bool), np.zeros(count, bool)
    stacked = np.array(values)
    return np.isfinite(stacked).all(axis=0), np.isnan(stacked).any(axis=0)


def finite_values(graph, points: list[dict]) -> np.ndarray:
    """Per point: every node's float64 value is finite.  Elsewhere (an infinite or nan input, a pole of a node
    such as x/sin(y) at y = 0) the modes meet inf - inf and 0 * inf in different orders, and only their finite
    values are compared (and where an edge is nan, a number against nan passes: see :func:`edge_kinds`)."""
    with warnings.catch_warnings():  # as in edge_kinds: a pole's warning is what this finds, not a failure
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.array([all(math.isfinite(v) for v in graph.evaluate(**point).values()) for point in points])


def oracle_finite(prog, name: str, point: dict) -> float | None:
    """d output / d input ``name`` from sympy.diff at 30 digits where it is a real finite number free of kinks,
    else None."""
    expr, symbol, _ = prog.derivative_expr(name)
    if expr.has(sympy.Heaviside, sympy.sign, sympy.DiracDelta, sympy.Piecewise, sympy.Max, sympy.Min, sympy.Abs):
        return None  # a kink's convention (relu'(0), abs'(0)) is the library's, not sympy's
    exact = {sympy.Symbol(n, real=True): sympy.Rational(point[n]) for n in prog.inputs}
    if symbol is not None:  # an input's symbol stands for the input
        exact[symbol] = sympy.Rational(point[name])
    try:  # substituted exactly, then 30 digits: sympy's 0**0.0 is 0 where 0**0 is 1 (and mpmath's power 1)
        return as_float(sympy.N(expr.subs(exact), 30))
    except (TypeError, ValueError, ZeroDivisionError):
        return None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the special points' nan and inf are what is asked for
@SETTINGS
@given(data=st.data())
def test_every_mode_strategy_hvp_and_backend_agree_at_special_points(data):
    text, intermediates = data.draw(programs(), label="program")
    graph = sg.parse(text)
    if not graph.inputs:
        return
    cols, points = columns(graph)
    finite_edges, nan_edges = edge_kinds(graph, cols)
    defined = finite_values(graph, points) & ~nan_edges
    single = data.draw(st.sampled_from(range(len(points))), label="single point")
    checked = data.draw(st.lists(st.sampled_from(range(len(points))), min_size=3, max_size=3), label="oracle points")
    wrt = list(graph.inputs) + [n for n in intermediates[:1] if n in graph.nx and n not in graph.outputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # first order: every mode, NumPy and the VM on arrays, .at() at single points, against reverse NumPy
        reference = np.asarray(sg.grad(text, wrt, mode="reverse", allow_unused=True).lambdify()(*cols), float)
        for mode in MODES:
            g = sg.grad(text, wrt, mode=mode, allow_unused=True)
            assert_agree(np.asarray(g.lambdify()(*cols), float), reference, f"{text}: grad {mode}", defined)
            at = g.at(**points[single])
            assert_agree([at[w] for w in wrt], reference[:, single], f"{text}: grad {mode}.at({points[single]})",
                         defined[single])
        vm = sg.grad(text, wrt, allow_unused=True).lambdify(backend="vm")(*cols)
        assert_agree(np.asarray(vm, float), reference, f"{text}: grad on the VM", defined)
        J = sg.jacobian([text, text], wrt, mode=data.draw(st.sampled_from(MODES), label="jacobian mode"))
        rows = np.asarray(J.lambdify()(*cols), float)
        assert_agree(rows[0], reference, f"{text}: jacobian row 1", defined)
        assert_agree(rows[1], reference, f"{text}: jacobian row 2 (the same output again)", defined)
        # the oracle, where sympy.diff at the point is finite
        prog = None if re.search(r"\b(%s)\(" % "|".join(MORE_UNARY + MORE_BINARY), text) else read(text)
        for k in dict.fromkeys(checked if prog is not None else []):
            point = points[k]
            if not (defined[k] and finite_edges[k]):
                continue
            for i, name in enumerate(graph.inputs):
                want = oracle_finite(prog, name, point)
                if want is not None:
                    assert math.isclose(reference[i, k], want, rel_tol=1e-7, abs_tol=1e-9), (
                        f"{text}: d/d{name} at {point} is {reference[i, k]}, sympy.diff gives {want}")
        # second order: two strategies, the other order of wrt, and hvp along each input, against one Hessian
        inputs = list(graph.inputs)
        first, second = data.draw(st.lists(st.sampled_from(list(STRATEGIES)), min_size=2, max_size=2, unique=True),
                                  label="strategies")
        H = np.asarray(sg.hessian(text, inputs, mode=first).lambdify()(*cols), float)
        other = np.asarray(sg.hessian(text, inputs, mode=second).lambdify()(*cols), float)
        assert_agree(other, H, f"{text}: hessian {second} against {first}", defined)
        flipped = np.asarray(sg.hessian(text, inputs[::-1], mode=second).lambdify()(*cols), float)
        assert_agree(flipped[::-1, ::-1], H, f"{text}: hessian {second}, wrt reversed,", defined)
        assert_agree(np.swapaxes(H, 0, 1), H, f"{text}: hessian {first} symmetric", defined)
        for j in range(len(inputs)):
            v = [int(i == j) for i in range(len(inputs))]
            hv = np.asarray(sg.hvp(text, inputs, v, allow_unused=True).lambdify()(*cols), float)
            assert_agree(hv, H[:, j], f"{text}: hvp along {inputs[j]}", defined)


@pytest.mark.parametrize("mode", MODES)
def test_sqrt_times_exp_of_sqrt_at_zero_is_infinite_in_every_mode(mode):
    """d/dx sqrt(x)*exp(sqrt(x)) = exp(sqrt(x))*(1 + sqrt(x))/(2*sqrt(x)) -> +inf as x -> 0+.  Forward mode and
    the path sum gave nan: the tangent sqrt(x)*(exp(sqrt(x))/(2*sqrt(x))) is 0 * inf at 0, where reverse mode
    sums the adjoints before it divides.  The sweeps' emitter now cancels d*(a/d), as sympy does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = sg.grad("sqrt(x)*exp(sqrt(x))", mode=mode)
        assert g.at(x=0.0)["x"] == math.inf
        assert np.all(g.lambdify()(np.array([0.0, 0.0]))[0] == math.inf)
        assert g.lambdify(backend="vm")(np.array([0.0, 0.0, 1.0]))[0][0] == math.inf
        paths = sg.paths("sqrt(x)*exp(sqrt(x))", at={"x": 0.0})
        assert [p.value for p in paths] == [0.5, math.inf]  # exp(sqrt(x))/2 and exp(sqrt(x))/(2*sqrt(x))


@pytest.mark.parametrize("mode", list(STRATEGIES))
def test_the_mixed_partial_of_a_power_at_zero_is_the_same_in_both_orders(mode):
    """d2(x^y)/dxdy at (0, 1) was 1 with wrt = [x, y] and 0 with [y, x] in the nested strategies (d/dx of
    x^y*log0(x) is 0 there, d/dy of y*x^(y-1) is 1), and hvp disagreed with the Hessian.  d(x^y)/dy is now a
    row whose derivative in x is written as the other order gives it: 1 in every order, strategy and hvp
    (log0's convention: the limit from x > 0 is -inf)."""
    X, Y = np.array([0.0, 0.0, 0.0, 2.0, 0.5, 1e-300]), np.array([1.0, 0.0, 2.0, 0.0, -1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xy = np.asarray(sg.hessian("x^y", ["x", "y"], mode=mode).lambdify()(X, Y), float)
        yx = np.asarray(sg.hessian("x^y", ["y", "x"], mode=mode).lambdify()(X, Y), float)
        assert_agree(yx[::-1, ::-1], xy, mode)
        assert xy[0, 1, 0] == xy[1, 0, 0] == 1.0
        for wrt in (["x", "y"], ["y", "x"]):
            for v in ([1, 0], [0, 1]):
                hv = sg.hvp("x^y", wrt, v).at(x=0.0, y=1.0)
                assert [hv[w] for w in wrt] == [float(v[1]), float(v[0])], (wrt, v, hv)
