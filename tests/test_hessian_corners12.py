"""Hessians at the corners of a domain, round 12: every strategy, ``hvp``, ``sparse=True`` and the compiled Hessians
(NumPy and the VM, single points and arrays) against sympy.diff taken twice and evaluated by mpmath.

Each explicit case names what a user saw before its fix.  The oracle is the shared one
(:func:`tests.oracle.mp_value`, IEEE's infinities, kinks reported); the property reuses round 11's generated
programs with a shared node (:func:`tests.test_numerics_audit11.programs`) and its edge points.
"""
import itertools
import math
import os
import warnings

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES
from tests.oracle import mp_value
from tests.test_mode_agreement import agree
from tests.test_numerics_audit11 import EDGES, programs


def sympy_hessian(graph, wrt: list[str], points: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(sympy.diff twice of the graph's function per point by mpmath at 30 digits, an array (points, n, n); whether
    the point meets a kink of the function, per point).  A DiracDelta is 0 off its point and a kink at it."""
    expr = graph.expr()
    expr = expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})
    symbols = [sympy.Symbol(name, real=True) for name in wrt]
    entries = [[sympy.diff(expr, a, b) for b in symbols] for a in symbols]
    deltas = {d.args[0] for row in entries for e in row for d in e.atoms(sympy.DiracDelta)}
    entries = [[e.replace(sympy.DiracDelta, lambda *_: sympy.S.Zero) for e in row] for row in entries]
    values, kinked = [], []
    with mpmath.workdps(30):
        for point in points:
            kinks = [d for d in deltas if mp_value(d, point) == 0]
            values.append([[float(mp_value(e, point, kinks)) for e in row] for row in entries])
            kinked.append(bool(kinks))
    return np.array(values), np.array(kinked)


#: the ops whose derivatives at a tie (abs at 0, max and min of equal operands, a comparison of equal ones) are
#: each library's convention
KINKED = {"abs": 1, "max": 2, "min": 2, "gt": 2, "ge": 2, "lt": 2, "le": 2}


def graph_kinks(graph, points: list[dict]) -> np.ndarray:
    """Per point: some node of the graph sits at a kink (sympy may have written it away: Abs(x^2) is x^2 for a
    real x, while the graph's abs of u = x^2 keeps its convention at 0)."""
    found = []
    for point in points:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            values = graph.evaluate(**point)
        value = lambda a: values[a] if a.__class__ is str else float(a)
        found.append(any(
            (kind == 1 and value(graph.operands_of[n][0]) == 0) or
            (kind == 2 and value(graph.operands_of[n][0]) == value(graph.operands_of[n][1]))
            for n in graph.order if (kind := KINKED.get(graph.op_of[n])) is not None))
    return np.array(found)


def hessians_every_way(graph, wrt: list[str], points: list[dict]) -> dict:
    """(way, how) -> the Hessian at every point, an array (points, n, n): for every strategy ``.at()``, the NumPy
    and VM functions on single floats and on the arrays of all points, and ``sparse=True``'s ``.at()`` and CSR
    functions (both backends, on floats and arrays); ``hvp`` along each input, ``.at()`` and NumPy on arrays."""
    found = {}
    count, n = len(points), len(wrt)
    columns = [np.array([p[name] for p in points]) for name in graph.inputs]
    singles = [[p[name] for name in graph.inputs] for p in points]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            dense = sg.hessian(graph, wrt, mode=mode)
            found[mode, "at"] = np.array([np.asarray(dense.at(**p), float) for p in points])
            for backend in ("numpy", "vm"):
                f = dense.lambdify(backend=backend)
                found[mode, backend] = np.array([np.asarray(f(*s), float) for s in singles])
                found[mode, backend + "[]"] = np.moveaxis(
                    np.broadcast_to(np.asarray(f(*columns), float), (n, n, count)), -1, 0)
            sparse = sg.hessian(graph, wrt, mode=mode, sparse=True)
            found[mode, "sparse at"] = np.array([sparse.at(**p).toarray() for p in points])
            for backend in ("numpy", "vm"):
                f = sparse.lambdify(backend=backend)
                found[mode, "sparse " + backend] = np.array([f(*s).toarray() for s in singles])
                data = np.broadcast_to(np.asarray(f.data(*columns), float), (sparse.nnz, count))
                rows, cols = sparse.pattern.nonzero()
                scattered = np.zeros((count, n, n))
                scattered[:, rows, cols] = data.T
                found[mode, "sparse " + backend + "[]"] = scattered
        at, arrays = np.zeros((count, n, n)), np.zeros((count, n, n))
        for j in range(n):
            product = sg.hvp(graph, wrt, [int(i == j) for i in range(n)], allow_unused=True)
            at[:, :, j] = [[float(product.at(**p)[name]) for name in wrt] for p in points]
            arrays[:, :, j] = np.array([np.broadcast_to(np.asarray(v, float), (count,))
                                        for v in product.lambdify()(*columns)]).T
        found["hvp", "at"], found["hvp", "numpy[]"] = at, arrays
    return found


def close(got: float, want: float) -> bool:
    """Equal, the same infinity, or within 1e-9 relative plus 1e-12 absolute of a finite value."""
    if math.isnan(want):
        return math.isnan(got)
    return got == want or math.isfinite(want) and abs(got - want) <= 1e-9 * abs(want) + 1e-12


def assert_hessians(text: str, point: dict, want, wrt: list[str] | None = None) -> None:
    """Every way gives ``want`` (an n x n matrix) at ``point``, and sympy's value where it is a number."""
    graph = sg.parse(text)
    wrt = list(graph.inputs) if wrt is None else wrt
    want = np.asarray(want, float)
    for way, got in hessians_every_way(graph, wrt, [point]).items():
        ok = [close(a, w) for a, w in zip(got[0].ravel(), want.ravel())]
        assert all(ok), f"{text} at {point}: {way} gave {got[0].tolist()}, expected {want.tolist()}"
    oracle, kinked = sympy_hessian(graph, wrt, [point])
    if not kinked[0]:
        for a, w in zip(oracle[0].ravel(), want.ravel()):
            assert math.isnan(a) or close(w, a), (text, point, oracle[0].tolist(), want.tolist())


INF, NAN = math.inf, math.nan

#: round 11's edge points but 1e8: mpmath does not finish exp(exp(1e8)) at 30 digits, which a generated program
#: such as exp(sqrt(x)*exp(y)) asks the oracle for
POINTS = [e for e in EDGES if abs(e) < 1e8]


# -- the cases of the issue: a power of sqrt over its base, at 0 ------------------------------------------------------

@pytest.mark.parametrize("text, point, want", [
    ("x*sqrt(x)^3", {"x": 0.0}, [[0.0]]), ("x*sqrt(x)^3", {"x": 4.0}, [[7.5]]),
    ("x*sqrt(x)^3", {"x": -1.0}, [[NAN]]),
    ("x^2*sqrt(x)", {"x": 0.0}, [[0.0]]), ("x^2*sqrt(x)", {"x": 4.0}, [[7.5]]),
    ("sqrt(x)^3*y", {"x": 0.0, "y": 1.0}, [[INF, 0.0], [0.0, 0.0]]),
    ("sqrt(x)^3*y", {"x": 4.0, "y": 1.0}, [[0.375, 3.0], [3.0, 0.0]]),
    ("sqrt(x)^3*y", {"x": 0.0, "y": -2.0}, [[-INF, 0.0], [0.0, 0.0]])])
def test_powers_of_a_square_root_at_0_agree_in_every_strategy(text, point, want):
    """d2(x*sqrt(x)^3)/dx2 at 0 was nan by reverse-over-forward, reverse-over-reverse and edge pushing (0 by the
    others, sympy's (15/4)*sqrt(0)); x^2*sqrt(x)'s was nan by edge pushing; d2(sqrt(x)^3*y)/dx2 at (0, 1) was nan
    by edge pushing where the others gave sympy's limit +inf (3y/(4*sqrt(x)), whose sign is y's).  Reverse sweeps
    summed an adjoint (3/2)*x + 3*v^2 (v = sqrt(x)) before dividing it by sqrt's 2*v, a sum the cancellation of
    powers did not look into; edge pushing's weights were quotients (2/(2v))*((3/4)*y) and ((v*v)/2)/2 that were
    neither like terms of 3y/(2v) nor monomials of v.  The emitter now divides a sum term by term when every term
    cancels, lifts a quotient c/d out of a product, and reads a division by an exact constant as a multiple."""
    assert_hessians(text, point, want)


@pytest.mark.parametrize("text, point, want", [
    ("sqrt(x)^5", {"x": 0.0}, [[0.0]]), ("x^3*sqrt(x)", {"x": 0.0}, [[0.0]]),
    ("sqrt(x)*sqrt(x)*y", {"x": 0.0, "y": 2.0}, [[0.0, 1.0], [1.0, 0.0]]),
    ("u = sqrt(x); u^3*u", {"x": 0.0}, [[2.0]]), ("u = sqrt(x); u^3*u", {"x": 3.0}, [[2.0]]),
    ("u = sqrt(x)*x; u*u", {"x": 0.0}, [[0.0]]), ("u = sqrt(x)*x; u*u", {"x": 1.0}, [[6.0]]),
    ("sqrt(x)^3 + sqrt(x)^5", {"x": 0.0}, [[INF]]),
    ("x*sqrt(x) - 2*x*sqrt(x)", {"x": 0.0}, [[-INF]]),
    ("x*y*sqrt(x)", {"x": 0.0, "y": 1.0}, [[INF, 0.0], [0.0, 0.0]]),
    ("x*y*sqrt(x)", {"x": 1.0, "y": 1.0}, [[0.75, 1.5], [1.5, 0.0]]),
    ("x*y*sqrt(x)", {"x": 0.0, "y": 0.0}, [[NAN, 0.0], [0.0, 0.0]])])
def test_products_with_shared_bases_at_0_agree_in_every_strategy(text, point, want):
    """Products whose factors share a square root's base (sqrt(x)*sqrt(x), u^3*u with u = sqrt(x), (sqrt(x)*x)^2):
    sympy's second derivative at 0 is a number, and every strategy and backend gives it; where it is an infinity
    (d2 x^(3/2)/dx2 = 3/(4*sqrt(x))) every strategy gives the same infinity, and 0 times it (y = 0) is nan."""
    assert_hessians(text, point, want)


@pytest.mark.parametrize("text, point, want", [
    ("x*log(x)", {"x": 0.0}, [[INF]]), ("x*log(x)", {"x": 1.0}, [[1.0]]), ("x*log(x)", {"x": -1.0}, [[-1.0]]),
    ("x^2*log(x)", {"x": 0.0}, [[-INF]]), ("x^2*log(x)", {"x": 1.0}, [[3.0]]),
    ("x^3*log(x)", {"x": 0.0}, [[NAN]]), ("x*log(x)*y", {"x": 1.0, "y": 1.0}, [[1.0, 1.0], [1.0, 0.0]]),
    ("exp(log(x))", {"x": 1.0}, [[0.0]]), ("exp(log(x))*y", {"x": 2.0, "y": 3.0}, [[0.0, 1.0], [1.0, 0.0]]),
    ("abs(x)*x", {"x": 1.0}, [[2.0]]), ("abs(x)*x", {"x": -1.0}, [[-2.0]]),
    ("abs(x)^3", {"x": -1.0}, [[6.0]]), ("abs(x)^3", {"x": 0.0}, [[0.0]]),
    ("x*y*sqrt(x*y)", {"x": 1.0, "y": 1.0}, [[0.75, 2.25], [2.25, 0.75]]),
    ("x*y + x*x", {"x": 1.0, "y": 1.0}, [[2.0, 1.0], [1.0, 0.0]]),
    ("u = x*y; u^2", {"x": 1.0, "y": 1.0}, [[2.0, 4.0], [4.0, 2.0]]),
    ("u = x*y; sqrt(u)^3", {"x": 1.0, "y": 1.0}, [[0.75, 2.25], [2.25, 0.75]])])
def test_logs_abs_and_shared_products_at_0_1_and_equal_inputs(text, point, want):
    """x*log(x) (1/x, +inf at 0 and -1 at -1, where the function itself is nan), x^2*log(x) (2*log(x) + 3, -inf at
    0), abs (|x|^3's 6|x| is 0 at its kink), exp(log(x)) and products of a shared intermediate at x = y = 1: every
    way gives sympy's value.  d2(x^3*log(x))/dx2 = 6x*log(x) + 5x holds x*log(x), 0*(-inf) at 0 in floats and in
    the oracle's evaluation alike (its limit 0 is symbolic): nan in every way, as x*log(x) itself is."""
    assert_hessians(text, point, want)


def test_a_float_exponent_is_not_cancelled():
    """The documented limit: a float constant is not exact, so y^1.5 is no monomial of y.  d2(y^1.5)^2/dy2 at 0
    multiplies 2*y^1.5 = 0 by 0.75*y^-0.5 = inf in every strategy (nan), where sympy's 6*y is 0; written y^(3/2) the
    exponent is exact, the product is cancelled and every strategy gives 0.  Elsewhere both forms agree."""
    for mode in STRATEGIES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert math.isnan(float(sg.hessian("(y^1.5)^2", mode=mode).at(y=0.0)[0, 0])), mode
            assert float(sg.hessian("(y^(3/2))^2", mode=mode).at(y=0.0)[0, 0]) == 0.0, mode
            assert float(sg.hessian("(y^1.5)^2", mode=mode).at(y=2.0)[0, 0]) == pytest.approx(12.0, rel=1e-14)
    assert_hessians("(y^(3/2))^2", {"y": 0.0}, [[0.0]])


# -- a property: generated programs at edge points, every way against sympy.diff twice by mpmath ---------------------

def exact(text: str) -> str:
    """The text with its constants 0.5 and 1.5 written exactly, (1/2) and (3/2): the cancellations read exact
    constants only (symgraph.ir.cancelling's "Exact constants only"; :func:`test_a_float_exponent_is_not_cancelled`)."""
    return text.replace("0.5", "(1/2)").replace("1.5", "(3/2)")


@settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 25)), deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
@given(text=programs().map(exact), data=st.data())
def test_every_strategy_and_backend_give_sympy_diff_twice_at_edge_points(text, data):
    """Programs with a shared node (powers, sqrt, log, exp, abs, division, where, min, max) at 0, +-1, 0.5, 2 and
    tiny inputs and where a branch switches (x = y): every Hessian strategy, ``sparse=True``, ``hvp``, ``.at()``
    and the NumPy and VM backends on floats and arrays against sympy.diff twice evaluated by mpmath.

    * Where sympy's entry is a finite number (and no kink is met), every way gives it, to 1e-9 relative plus
      1e-12 absolute.
    * Where it is an infinity, every way gives that infinity or nan: symgraph.ir.cancelling's "Where it changes
      a value" (0*inf in one order of products, a lower power over a higher whose infinity's sign the numbers do
      not decide); never a finite number, never the other infinity.
    * Where sympy's value is nan (0 to a negative power, whose infinity's sign the mpmath evaluator does not
      keep; 0*inf in its own form; a value outside the reals) or at a kink of sympy's form or of the graph's
      (abs at 0, a tie of max, min or a comparison: each library's convention), the ways agree with one
      another: equal, or nan against an infinity.
    * The constants 0.5 and 1.5 are written exactly (:func:`exact`)."""
    graph = sg.parse(text)
    if not graph.inputs:
        return
    wrt = list(graph.inputs)
    grid = [dict(zip(wrt, p)) for p in itertools.product(POINTS, repeat=len(wrt))]
    picked = data.draw(st.lists(st.sampled_from(range(len(grid))), min_size=3, max_size=3, unique=True), label="points")
    points = [grid[k] for k in picked]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            want, kinked = sympy_hessian(graph, wrt, points)
            kinked |= graph_kinks(graph, points)
        except NotImplementedError:  # sympy wrote a function the evaluator does not know (none in this grammar)
            return
        found = hessians_every_way(graph, wrt, points)
    reference = found["forward-over-reverse", "at"]
    for way, got in found.items():
        assert agree(got, reference).all(), (text, points, way, got.tolist(), reference.tolist())
        for k, point in enumerate(points):
            if kinked[k]:
                continue
            for a, w in zip(got[k].ravel(), want[k].ravel()):
                if math.isnan(w):
                    continue
                assert close(a, w) or math.isinf(w) and math.isnan(a) or abs(w) > 1.7e308 and math.isinf(a), (
                    text, point, way, got[k].tolist(), want[k].tolist())
