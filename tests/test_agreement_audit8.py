"""Every mode, every backend, single points and arrays, at the points where float64 is hardest: the contract
of :mod:`symgraph.ad` ("Where the modes may differ") checked over generated programs.

What the other property files leave out: tests/test_backend_agreement.py keeps its points away from kinks, ties
and domain edges, and tests/test_mode_agreement.py draws no conditionals, no elimination orders and no call
forms but arrays.  Here the programs carry ``where`` on comparisons, ``max``/``min``/``abs``/``relu``, the
grammar's elementary functions, intermediate names used as wrt, repeated outputs and indexed sums; their
inputs run over a grid of 0, +-1, +-1/2 and 2, so equal inputs tie ``max(x, y)``, a ``where(x >= y, ...)`` sits
on its boundary, ``log``, ``sqrt`` and ``acos`` meet 0 and 1, and powers meet 0^0.

The policy each property holds (symgraph/ad/__init__.py says why):

* every mode (reverse, forward, paths, elimination in each order, auto) gives, where every node value and
  every edge's local derivative is finite, the same number to rounding, or the same infinity, or nan where
  another gives an infinity; never another finite number nor the other infinity; a zero's sign is no part of
  the contract (0.0 == -0.0);
* one mode on NumPy gives the same bits on arrays, single floats, 0-d arrays, batches of one, Dask arrays
  in chunks, ``.at()`` and ``Program.evaluate``; the VM and numba give NumPy's numbers to 1e-9 (libm) and
  their own arrays' bits at single points;
* every Hessian strategy, dense and sparse, hvp and jvp/vjp with float seeds, and ``hessp`` where the Hessian
  is finite, agree as the modes do; the gradient of a Gradient entry agrees with the Hessian's row where no
  node is 0 and every edge's local derivative is finite (the pow-at-0 conventions of the Hessian's own rows
  are not in a closed form, and sympy reads 1^u as 1 where the numbers meet 0*inf);
* sympy.diff of the program (tests/oracle.py's own reading) and symgraph's closed form, both evaluated by
  mpmath at 40 digits, give the numbers where sympy's derivative is a finite real free of kinks.

The examples are derandomised (tests/conftest.py); SYMGRAPH_HYPOTHESIS=random with
SYMGRAPH_PROPERTY_EXAMPLES=200 searches wider.
"""
import contextlib
import itertools
import math
import os
import warnings

import dask.array as da
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES
from tests.helpers import bits
from tests.oracle import FUNCTIONS, as_float, read
from tests.test_mode_agreement import MORE_UNARY, agree, assert_agree, edge_kinds, finite_values

GRID = [0.0, 1.0, -1.0, 0.5, -0.5, 2.0]
COMPARISONS = [">", "<", ">=", "<=", "==", "!="]
#: the binary calls drawn (conditionals among them), and the constants
CALLS = ["max", "min", "hypot", "atan2", "logsumexp", "pow"]
CONSTANTS = ["2", "0.5", "1", "0", "3"]
MODES = ["reverse", "forward", "paths", "elimination", "auto"]
#: every first-order way: (mode, elimination order or None)
WAYS = [(m, None) for m in MODES] + [("elimination", "forward"), ("elimination", "reverse")]


def examples(default: int):
    return settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", default)), deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


# --------------------------------------------------------------------------- programs


@st.composite
def expressions(draw, names: list[str], depth: int, unary: list[str], conditionals: bool = True) -> str:
    """An expression over ``names`` (a repeated name is a shared node): calls, operators, ``where`` on a
    comparison of names and constants (often exactly on its boundary at the grid's points)."""
    kinds = ["leaf", "unary", "binary", "binary"] + (["call", "where"] if conditionals else [])
    kind = draw(st.sampled_from(kinds if depth else ["leaf"]))
    if kind == "leaf":
        return draw(st.sampled_from(names)) if draw(st.integers(0, 5)) else draw(st.sampled_from(CONSTANTS))
    if kind == "unary":
        return f"{draw(st.sampled_from(unary))}({draw(expressions(names, depth - 1, unary, conditionals))})"
    a = draw(expressions(names, depth - 1, unary, conditionals))
    b = draw(expressions(names, depth - 1, unary, conditionals))
    if kind == "call":
        return f"{draw(st.sampled_from(CALLS))}({a}, {b})"
    if kind == "where":
        left, right = draw(st.sampled_from(names + CONSTANTS)), draw(st.sampled_from(names + CONSTANTS))
        return f"where({left} {draw(st.sampled_from(COMPARISONS))} {right}, {a}, {b})"
    return f"({a} {draw(st.sampled_from(['+', '-', '*', '/', '^']))} {b})"


@st.composite
def programs(draw, unary: list[str] | None = None, conditionals: bool = True) -> tuple[str, list[str]]:
    """(text, intermediate names): one to three assignments over x, y and the names before them, and a last
    line reading the last name (named or not)."""
    unary = unary or list(FUNCTIONS) + MORE_UNARY
    names, lines = ["x", "y"], []
    for i in range(draw(st.integers(1, 3))):
        lines.append(f"c{i} = {draw(expressions(names, 2, unary, conditionals))}")
        names.append(f"c{i}")
    last = f"({draw(expressions(names, 1, unary, conditionals))} {draw(st.sampled_from(['+', '*', '/', '^']))} " \
           f"{names[-1]})"
    lines.append(last if draw(st.booleans()) else f"out = {last}")
    return "; ".join(lines), names[2:]


def grid(graph) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Each input's column over the grid (36 points for two inputs), and the points as dicts."""
    rows = list(itertools.product(GRID, repeat=len(graph.inputs)))
    return {n: np.array(c) for n, c in zip(graph.inputs, zip(*rows))}, [dict(zip(graph.inputs, r)) for r in rows]


def defined_at(graph, cols: dict, points: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Per point: (every node value finite and no edge's local derivative nan, and every edge's finite too)."""
    finite_edges, nan_edges = edge_kinds(graph, [cols[n] for n in graph.inputs])
    defined = finite_values(graph, points) & ~nan_edges
    return defined, defined & finite_edges


@contextlib.contextmanager
def quiet():
    """The grid's 0/0 and log(0) are what is asked for: no warnings."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def same_bits(got, want, what: str) -> None:
    """Bit for bit, a zero's sign apart (sums in another order: -0.0 + 0.0), every nan alike."""
    got = np.asarray(got, float) + 0.0  # -0.0 + 0.0 is 0.0
    want = np.asarray(want, float) + 0.0
    assert bits(tuple(got.reshape(-1))) == bits(tuple(want.reshape(-1))), f"{what}: {got} != {want}"


def arrays(fn, cols: dict, count: int, size: int) -> np.ndarray:
    """A compiled derivative's results on arrays as (size, count)."""
    got = fn(**cols)
    got = [np.broadcast_to(np.asarray(g, float), (count,)) for g in (got if isinstance(got, tuple) else (got,))]
    return np.array(got).reshape(size, count)


# --------------------------------------------------------------------------- first order


@examples(40)
@given(data=st.data())
def test_every_mode_order_call_form_and_backend_agree_on_the_grid(data):
    """Every mode and elimination order against reverse mode on the grid (the policy above); then one drawn
    mode: NumPy on single floats, 0-d arrays, batches of one, Dask chunks, ``.at()`` and ``Program.evaluate``
    give its arrays' bits, the VM its numbers and its own bits at single points, and a Jacobian of repeated
    outputs (an intermediate name among them) the gradients of each, row by row."""
    text, intermediates = data.draw(programs(), label="program")
    graph = sg.parse(text)
    if not graph.inputs:
        return
    cols, points = grid(graph)
    count = len(points)
    defined, _ = defined_at(graph, cols, points)
    wrt = list(graph.inputs) + [n for n in intermediates[-2:] if n in graph.nx and n not in graph.outputs]
    wrt += data.draw(st.sampled_from([[], ["z9"]]), label="absent wrt")
    with quiet():
        got = {}
        for mode, order in WAYS:
            options = {"order": order} if order else {}
            g = sg.grad(text, wrt, mode=mode, allow_unused=True, **options)
            got[mode, order] = g, arrays(g.lambdify(), cols, count, len(wrt))
        reference = got["reverse", None][1]
        for (mode, order), (_, values) in got.items():
            assert_agree(values, reference, f"{text}: grad {mode} {order or ''} against reverse", defined)

        mode, order = data.draw(st.sampled_from(WAYS), label="call forms of")
        g, values = got[mode, order]
        vm = g.lambdify(backend="vm")
        on_vm = arrays(vm, cols, count, len(wrt))
        assert_agree(on_vm, values, f"{text}: {mode} on the VM")
        lazy = g.lambdify()(**{n: da.from_array(c, chunks=5) for n, c in cols.items()})
        same_bits(np.array(da.compute(*lazy)).reshape(len(wrt), count), values, f"{text}: {mode} on Dask arrays")
        same_bits([np.broadcast_to(g.at(**cols)[w], (count,)) for w in wrt], values, f"{text}: {mode} .at(arrays)")
        for k in data.draw(st.lists(st.sampled_from(range(count)), min_size=2, max_size=2, unique=True),
                           label="single points"):
            point, want = points[k], values[:, k]
            for how, args in (("floats", point), ("0-d", {n: np.array(v) for n, v in point.items()}),
                              ("batch of 1", {n: np.array([v]) for n, v in point.items()})):
                same_bits(np.asarray(g.lambdify()(**args), float).reshape(-1), want, f"{text}: {mode} {how} {point}")
                same_bits(np.asarray(vm(**args), float).reshape(-1), on_vm[:, k], f"{text}: VM {how} {point}")
            at = g.at(**point)
            same_bits([at[w] for w in wrt], want, f"{text}: {mode} .at({point})")
            evaluated = g.program.evaluate(point)
            same_bits([evaluated[w] for w in wrt], want, f"{text}: {mode} Program.evaluate({point})")

        names = [n for n in intermediates if n in graph.nx][-2:] + (["out"] if "out = " in text else [])
        if not names:
            return
        outputs = data.draw(st.permutations(names + names[:1]), label="outputs")  # a name twice
        J = sg.jacobian(sg.parse(text, outputs=outputs), wrt, mode=mode, allow_unused=True, **(
            {"order": order} if order else {}))
        rows = np.asarray(J.lambdify()(**cols), float).reshape(len(outputs), len(wrt), count)
        for i, name in enumerate(outputs):
            sub = sg.parse(text, outputs=[name])
            want = arrays(sg.grad(sub, wrt, mode="reverse", allow_unused=True).lambdify(), cols, count, len(wrt))
            sub_defined = finite_values(sub, points) & ~edge_kinds(sub, [cols[n] for n in sub.inputs])[1] \
                if sub.inputs else np.ones(count, bool)
            assert_agree(rows[i], want, f"{text}: jacobian {mode} row {name}", sub_defined)


#: past float64's range and at its ends: the modes round differently there (symgraph/ad), one mode's call forms
#: and backends do not
EXTREMES = [-0.0, 1e308, -1e-320, math.inf, -math.inf, math.nan, 1.0]


@examples(10)
@given(data=st.data())
def test_call_forms_and_backends_agree_past_float64s_range(data):
    """Infinite, nan, huge and subnormal inputs: one drawn mode's NumPy arrays against its single floats, 0-d
    arrays and ``.at()`` bit for bit, and the VM's arrays against NumPy's (the same numbers, nan for nan)."""
    text, _ = data.draw(programs(), label="program")
    graph = sg.parse(text)
    if not graph.inputs:
        return
    rows = list(itertools.product(EXTREMES, repeat=len(graph.inputs)))
    cols = {n: np.array(c) for n, c in zip(graph.inputs, zip(*rows))}
    mode, order = data.draw(st.sampled_from(WAYS), label="mode")
    with quiet():
        g = sg.grad(text, mode=mode, **({"order": order} if order else {}))
        n, count = len(graph.inputs), len(rows)
        values = arrays(g.lambdify(), cols, count, n)
        on_vm = arrays(g.lambdify(backend="vm"), cols, count, n)
        ok = np.isclose(on_vm, values, rtol=1e-9, atol=0, equal_nan=True)
        assert ok.all(), (text, mode, [rows[k] for k in np.argwhere(~ok)[:, 1]], on_vm[~ok], values[~ok])
        for k in data.draw(st.lists(st.sampled_from(range(count)), min_size=3, max_size=3, unique=True),
                           label="points"):
            point = dict(zip(graph.inputs, rows[k]))
            same_bits(np.asarray(g.lambdify()(**point), float).reshape(-1), values[:, k], f"{text}: {mode} at {point}")
            same_bits(np.asarray(g.lambdify()(**{a: np.array(v) for a, v in point.items()}), float).reshape(-1),
                      values[:, k], f"{text}: {mode} 0-d at {point}")
            at = g.at(**point)
            same_bits([at[w] for w in graph.inputs], values[:, k], f"{text}: {mode} .at({point})")


# --------------------------------------------------------------------------- second order


@examples(16)
@given(data=st.data())
def test_every_hessian_strategy_hvp_jvp_vjp_hessp_and_grad_of_grad_agree_on_the_grid(data):
    """Every strategy dense and sparse, hvp and jvp along each input with float seeds (1.0 and 0.0), vjp with a
    float seed, ``hessp`` where the Hessian is finite, and the gradient of each Gradient entry where no node
    value is 0 and every edge is finite: the Hessian, its columns, and the gradient, as the modes agree (the module's policy)."""
    text, _ = data.draw(programs(), label="program")
    graph = sg.parse(text)
    inputs = list(graph.inputs)
    if not inputs:
        return
    cols, points = grid(graph)
    count, n = len(points), len(inputs)
    defined, clear = defined_at(graph, cols, points)
    with quiet():
        try:
            dense = {m: np.asarray(sg.hessian(text, inputs, mode=m).lambdify()(**cols), float).reshape(n, n, count)
                     for m in STRATEGIES}
        except sg.ExpressionTooLargeError:
            return
        H = dense["forward-over-reverse"]
        k = data.draw(st.sampled_from(range(count)), label="sparse at")
        for m, values in dense.items():
            assert_agree(values, H, f"{text}: hessian {m}", defined)
            sparse = sg.hessian(text, inputs, mode=m, sparse=True).lambdify()(**points[k]).toarray()
            assert_agree(sparse, H[..., k], f"{text}: sparse hessian {m} at {points[k]}", defined[k])
        assert_agree(np.swapaxes(H, 0, 1), H, f"{text}: symmetric", defined)
        G = arrays(sg.grad(text, inputs).lambdify(), cols, count, n)
        hessp = sg.hessp(text, inputs)
        for j in range(n):
            v = [float(i == j) for i in range(n)]
            hv = arrays(sg.hvp(text, inputs, v).lambdify(), cols, count, n)
            assert_agree(hv, H[:, j], f"{text}: hvp along {inputs[j]}", defined)
            jv = arrays(sg.jvp(text, inputs, np.array(v)).lambdify(), cols, count, 1)
            assert_agree(jv[0], G[j], f"{text}: jvp along {inputs[j]}", defined)
            finite = np.isfinite(H).all(axis=(0, 1))
            for kk in np.flatnonzero(finite)[:3]:
                got = hessp(np.array([points[kk][w] for w in inputs]), np.array(v))
                assert_agree(got, H[:, j, kk], f"{text}: hessp along {inputs[j]} at {points[kk]}", defined[kk])
        assert_agree(arrays(sg.vjp(text, inputs, [1.0]).lambdify(), cols, count, n), G, f"{text}: vjp", defined)
        gradient = sg.grad(text, inputs)
        # the closed form is sympy's: 1^u is 1 there, where the numbers meet log(1)*asin'(1) = 0*inf
        nonzero = np.array([all(v != 0 for v in graph.evaluate(**p).values()) for p in points]) & clear
        for i, w in enumerate(inputs):
            second = sg.grad(gradient[w], inputs, allow_unused=True)
            values = arrays(second.lambdify(), {s: cols[s] for s in second.graph.inputs}, count, n)
            assert_agree(values[:, nonzero], H[i][:, nonzero], f"{text}: grad of d/d{w}", None)


# --------------------------------------------------------------------------- sympy at 40 digits


def at_40_digits(expr: sympy.Expr, point: dict) -> float | None:
    """``expr`` with the point substituted exactly, then 40 digits: a finite real as a float, else None."""
    exact = {s: sympy.Rational(point[s.name]) for s in expr.free_symbols if s.name in point}
    try:
        return as_float(sympy.N(expr.xreplace(exact), 40))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):  # past float64's range: no number to compare
        return None


KINKS = (sympy.Heaviside, sympy.sign, sympy.DiracDelta, sympy.Piecewise, sympy.Max, sympy.Min, sympy.Abs)


@examples(30)
@given(data=st.data())
def test_every_mode_and_the_closed_form_give_sympy_diff_at_40_digits(data):
    """The oracle's sympy.diff of the program (its own reading of the text) at 40 digits, where it is a finite
    real and its expression has no kink: every mode's numbers and symgraph's closed form, also at 40 digits.
    The grid's points are also where most derivatives are no number at all: there only the modes' agreement
    is asked (the first property)."""
    text, _ = data.draw(programs(unary=list(FUNCTIONS), conditionals=False), label="program")
    graph = sg.parse(text)
    if not graph.inputs:
        return
    prog = read(text)
    cols, points = grid(graph)
    _, clear = defined_at(graph, cols, points)
    picked = data.draw(st.lists(st.sampled_from(range(len(points))), min_size=3, max_size=3, unique=True),
                       label="points")
    with quiet():
        gradients = {mode: sg.grad(text, mode=mode) for mode in MODES}
        for k in picked:
            if not clear[k]:
                continue
            for name in graph.inputs:
                expr, symbol, _ = prog.derivative_expr(name)
                if expr.has(*KINKS):
                    continue
                want = at_40_digits(expr.xreplace({symbol: sympy.Symbol(name, real=True)}) if symbol is not None
                                    else expr, points[k])
                if want is None:
                    continue
                for mode, g in gradients.items():
                    got = g.at(**points[k])[name]
                    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (text, mode, name, points[k], got,
                                                                                    want)
                closed = at_40_digits(gradients["reverse"][name], points[k])
                assert closed is not None and math.isclose(closed, want, rel_tol=1e-12, abs_tol=1e-15), (
                    text, "closed form", name, points[k], gradients["reverse"][name], closed, want)


# --------------------------------------------------------------------------- indexed sums and numba


@examples(20)
@given(data=st.data())
def test_indexed_sums_with_branches_agree_in_every_mode_and_backend(data):
    """A sum over the elements of an indexed input (its term a drawn expression of x[i] and y, with branches)
    feeding a drawn last line: every mode on arrays of points of the grid (each element a grid value, ties
    between elements and with y among them), and the VM, against reverse mode on NumPy."""
    term = data.draw(expressions(["x[i]", "y"], 2, list(FUNCTIONS) + MORE_UNARY), label="term")
    last = data.draw(expressions(["s", "y"], 1, list(FUNCTIONS) + MORE_UNARY), label="last line")
    text = f"s = sum({term}, i, 0, 2); {last} + s"
    graph = sg.parse(text)
    rows = data.draw(st.lists(st.tuples(*[st.sampled_from(GRID)] * 4), min_size=4, max_size=4), label="points")
    xs, ys = np.array([r[:3] for r in rows]).T, np.array([r[3] for r in rows])
    args = {n: v for n, v in (("x", xs), ("y", ys)) if n in graph.indexed or n in graph.inputs}
    wrt = list(args)
    if not wrt:
        return
    with quiet():
        values = {}
        for mode in MODES:
            g = sg.grad(graph, wrt, mode=mode)
            out = g.lambdify()(**args)
            values[mode] = np.concatenate([np.broadcast_to(np.asarray(o, float), (3, 4) if w == "x" else (4,))
                                           .reshape(-1, 4) for o, w in zip(out, wrt)])
            if mode == "reverse":
                vm = g.lambdify(backend="vm")(**args)
                values["vm"] = np.concatenate([np.broadcast_to(np.asarray(o, float), (3, 4) if w == "x" else (4,))
                                               .reshape(-1, 4) for o, w in zip(vm, wrt)])
        points = [{**{f"x[{i}]": r[i] for i in range(3)}, "y": r[3]} for r in rows]
        labels = list(graph.input_labels)
        finite = np.array([all(math.isfinite(v) for v in graph.evaluate(**{l: p[l] for l in labels}).values())
                           for p in points])
        for how, got in values.items():
            assert_agree(got, values["reverse"], f"{text}: {how}", finite)


@examples(2)
@given(data=st.data())
def test_numba_gives_numpys_numbers_and_its_own_bits_at_single_points(data):
    """numba compiles one kernel per function (0.2-1 s): a tiny program, one drawn mode, the grid as arrays
    against NumPy (to 1e-9, libm) and single points against its own arrays, bit for bit."""
    pytest.importorskip("numba")
    a = data.draw(expressions(["x", "y"], 1, list(FUNCTIONS)), label="a")
    text = f"c = {a}; where(x >= y, c, max(c, y)) * c"
    graph = sg.parse(text)
    cols, points = grid(graph)
    mode = data.draw(st.sampled_from(MODES), label="mode")
    with quiet():
        g = sg.grad(text, list(graph.inputs), mode=mode)
        count, n = len(points), len(graph.inputs)
        want = arrays(g.lambdify(), cols, count, n)
        fn = g.lambdify(backend="numba")
        got = arrays(fn, cols, count, n)
        assert_agree(got, want, f"{text}: numba {mode}")
        for k in (0, count - 1, count // 2):
            same_bits(np.asarray(fn(**points[k]), float).reshape(-1), got[:, k], f"{text}: numba at {points[k]}")


def test_the_policys_comparison_refuses_what_it_must():
    """The policy's comparison (tests/test_mode_agreement.agree) accepts rounding, equal infinities and nan
    against an infinity, and refuses another number, the other infinity, and a number against nan where the
    point is defined: the properties above can fail."""
    assert agree([1.0, math.inf, math.nan, -math.inf], [1.0 + 1e-12, math.inf, -math.inf, math.nan]).all()
    assert not agree([1.0], [1.001]).any()
    assert not agree([math.inf], [-math.inf]).any()
    assert not agree([0.0], [math.nan], np.array([True])).any()
    assert agree([0.0], [math.nan], np.array([False])).all()
    with pytest.raises(AssertionError):
        same_bits([1.0], [1.0 + 2 ** -52], "one ulp")
    same_bits([-0.0], [0.0], "a zero's sign")


@pytest.mark.parametrize("text, point, wrt, infinity", [
    ("acos(y*(y + 1 - y))", {"y": 1.0}, "y", -math.inf),         # the tangent of y + 1 - y is 1 - 1 = 0 first
    ("max(log(y, x), y)/acos(x + 1)", {"x": 0.0, "y": 1.0}, "y", math.inf),  # max's step times an inf adjoint
    ("acos(y*((y^y)/(y/y)))", {"y": 1.0}, "y", -math.inf),        # y/y's exact 0: the infinity in every mode
])
def test_an_infinity_meeting_a_zero_the_numbers_make_is_that_infinity_or_nan(text, point, wrt, infinity):
    """The documented class (symgraph/ad/__init__.py): forward mode gives the derivative's infinity, every other
    mode, strategy and backend that infinity or nan, never a number nor the other infinity; where the 0 is one
    the graph knows (y/y), the infinity everywhere."""
    with quiet():
        got = {}
        for mode, order in WAYS:
            g = sg.grad(text, [wrt], mode=mode, **({"order": order} if order else {}))
            got[mode, order] = g.at(**point)[wrt]
            got[mode, order, "vm"] = float(g.lambdify(backend="vm")(**point)[0])
        hv = sg.hvp(text, [wrt], [1.0]).at(**point)[wrt]
    assert got["forward", None] == infinity
    assert all(v == infinity or math.isnan(v) for v in got.values()), got
    if "y/y" in text:
        assert set(got.values()) == {infinity}, got
    assert not math.isfinite(hv)  # the second derivative there is no number either
