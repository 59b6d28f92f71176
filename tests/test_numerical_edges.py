"""Numbers at the edges, in every mode and on every backend, against mpmath.

``test_properties`` keeps its points well inside every domain; this file
goes where float64 is hardest: tails where a value underflows or a formula
cancels, ties and nan operands of ``max``/``min``, magnitudes near the ends
of float64.  Each case is checked the same way: every derivative mode
(``sg.grad(..., mode=...)``), through ``.at`` and through every backend of
``.lambdify`` (NumPy, the VM, numba), at single points and on arrays,
against the value of ``sympy.diff`` computed by mpmath at 400 digits.

Cost: the VM compiles nothing per function and numba compiles one kernel per
function, so each case builds its functions once and calls them with all of
its points as one array (and a few single points).
"""
import os
import warnings

import mpmath
import numpy as np
import pytest
import sympy

import symgraph as sg

MODES = ["reverse", "forward", "paths", "elimination", "auto"]
BACKENDS = ["numpy", "vm", "numba"]
DIGITS = 400  # 1 + exp(-700) needs 305 of them


def mp_values(expr: sympy.Expr, symbols: list, columns: list[np.ndarray]) -> np.ndarray:
    """``expr`` at every row of ``columns``, by mpmath at 400 digits, rounded to float64 (nan outside the reals)."""
    f = sympy.lambdify(symbols, expr, modules="mpmath")
    out = []
    with mpmath.workdps(DIGITS):
        for row in zip(*columns):
            try:
                v = f(*[mpmath.mpf(float(a)) for a in row])
            except (ZeroDivisionError, ValueError):
                v = mpmath.nan
            out.append(float(v.real) if isinstance(v, mpmath.mpc) and v.imag == 0 else
                       float("nan") if isinstance(v, mpmath.mpc) else float(v))
    return np.array(out)


def every_way(text: str, wrt: list[str], columns: dict[str, np.ndarray], singles: int = 3,
              numba_mode: str | None = None) -> dict:
    """(mode, how) -> list of arrays, one per wrt name: ``.at`` and each backend on arrays and on single points.

    numba compiles a kernel per function (0.2-1 s), so it runs in one mode, ``numba_mode``
    (default: a mode picked by the text, so a table of cases covers every mode).
    """
    numba_mode = numba_mode or MODES[sum(map(ord, text)) % len(MODES)]
    out = {}
    n = len(next(iter(columns.values())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in MODES:
            g = sg.grad(text, wrt=wrt, mode=mode)
            at = g.at(**columns)
            out[mode, "at"] = [np.broadcast_to(at[w], (n,)) for w in wrt]
            for backend in BACKENDS if mode == numba_mode else ["numpy", "vm"]:
                f = g.lambdify(backend=backend)
                out[mode, backend] = list(f(**columns))
                points = [f(**{k: float(v[i]) for k, v in columns.items()}) for i in range(min(singles, n))]
                out[mode, backend, "point"] = [np.array([p[k] for p in points]) for k in range(len(wrt))]
    return out


def assert_close(got: np.ndarray, want: np.ndarray, rel: float, context) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)[:len(got)]
    same_kind = (np.isnan(got) == np.isnan(want)) & (np.isinf(got) == np.isinf(want))
    finite = np.isfinite(want)
    with np.errstate(invalid="ignore"):  # inf - inf: the infinities are compared by kind above
        err = np.abs(got - want) <= rel * np.abs(want) + 1e-300
    ok = same_kind & np.where(finite, err, np.isnan(want) | (got == want))
    assert ok.all(), (context, got[~ok], want[~ok])


# --------------------------------------------------------------------------- tails of sigmoid

#: the right tail stops at 5: there log(sigmoid(x)) itself is log of a number near 1 (the derivative's right
#: tail is checked in test_sigmoid_and_hypot_keep_their_derivatives_at_the_ends)
TAIL = np.array([-700.0, -100.0, -40.0, -37.0, -20.0, -5.0, -1e-8, 0.0, 1e-8, 5.0])


@pytest.mark.parametrize("text", ["sigmoid(x)", "log(sigmoid(x))", "softplus(x)", "log(softplus(x))"])
def test_sigmoid_keeps_its_relative_accuracy_in_the_left_tail(text):
    """sigmoid(x) ~ exp(x) for x -> -oo is a normal number down to x = -708: it was 0.5 + 0.5*tanh(x/2),
    which cancels (relative error 1e-8 at x = -20) and is 0 below x = -37, so log(sigmoid(-40)) was -inf
    and its derivative nan (the log-likelihood of logistic regression)."""
    x = sympy.Symbol("x", real=True)
    form = sympy.sympify(text.replace("sigmoid(x)", "1/(1 + exp(-x))").replace("softplus(x)", "log(1 + exp(x))"),
                         locals={"x": x})
    want_value = mp_values(form, [x], [TAIL])
    want = mp_values(sympy.diff(form, x), [x], [TAIL])
    for backend in BACKENDS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and no overflow or divide warnings on the way
            assert_close(sg.lambdify(text, backend=backend)(TAIL), want_value, 1e-13, (text, backend))
    for key, (got,) in every_way(text, ["x"], {"x": TAIL}).items():
        assert_close(got, want, 1e-12, (text, key))


# --------------------------------------------------------------------------- max and min of several operands

NAN = float("nan")


@pytest.mark.parametrize("many, nested", [("max(x, y, z)", "max(max(x, y), z)"), ("min(x, y, z)", "min(x, min(y, z))"),
                                          ("max(x, y, z)*w", "max(max(x, y), z)*w")])
def test_n_ary_max_and_min_give_nan_for_a_nan_operand_as_nested_pairs_do(many, nested):
    """max(x, y, z) is one node whose tied operands share the derivative; with a nan operand its value is
    nan and no operand equals it, which read as "no operand is the maximum": a gradient of zeros beside
    a nan value, where the nested binary max (heaviside(nan)) gives nan.  Ties and ordinary points keep
    their shares; an infinite adjoint times an operand that is not the maximum stays 0 (a guarded select)."""
    columns = {"x": np.array([NAN, 1.0, 2.0, 1.0, 1.0, 5.0]), "y": np.array([1.0, NAN, 2.0, 1.0, 1.0, 1.0]),
               "z": np.array([2.0, 0.5, NAN, 1.0, 3.0, 2.0]), "w": np.array([2.0, 2.0, 2.0, 2.0, 2.0, np.inf])}
    wrt = [n for n in "xyzw" if n in many]
    columns = {n: columns[n] for n in wrt}
    nan_rows = np.isnan(np.array([columns[n] for n in "xyz"])).any(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        binary = sg.grad(nested, wrt=wrt).at(**columns)
    for key, got in every_way(many, wrt, columns, singles=6).items():
        for name, values in zip(wrt, got):
            values = np.asarray(values, dtype=float)
            assert np.isnan(values[nan_rows]).all(), (many, key, name, values)
            # row 4: one maximum, or a tie of two (min), where the pairs give the same shares
            assert values[4] == binary[name][4], (many, key, name, values, binary[name])
        shares = dict(zip(wrt, (np.asarray(v, dtype=float) for v in got)))
        if "w" not in wrt:  # a three-way tie shares 1/3 each; a two-way tie 1/2 each
            assert [shares[n][3] for n in "xyz"] == [1 / 3] * 3, (many, key)
        else:  # the infinite adjoint w = inf reaches only the maximum, x = 5
            assert [shares[n][5] for n in "xyz"] == [np.inf, 0.0, 0.0], (many, key)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the nan lanes' 1/0 is a discarded branch: computed quietly
        sg.grad(many, wrt=wrt).lambdify()(**columns)


# --------------------------------------------------------------------------- generated programs, every mode x backend

from hypothesis import assume, given, settings, strategies as st  # noqa: E402

from tests.oracle import as_float, read, well_inside  # noqa: E402
from tests.test_properties import PROPERTY, close, oracle_grad, points, programs, wrt_lists  # noqa: E402

#: numba compiles one kernel per function (0.2-1 s): a third of the examples compile one, in a mode they
#: draw (SYMGRAPH_PROPERTY_EXAMPLES=300 passed before this file was committed)
EVERY_WAY = settings(PROPERTY, max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 15)))


def as_kind(value: float, kind: str):
    return {"float": float, "int": int, "float64": np.float64, "0-d": np.array}[kind](value)


@EVERY_WAY
@given(data=st.data())
def test_generated_programs_in_every_mode_on_every_backend_match_mpmath(data):
    """Programs with intermediate names, shared nodes and aliases (test_properties' generator): every
    mode's gradient, wrt inputs, intermediates and absent names, through ``.at``, NumPy and the VM on
    arrays, at single points given as Python floats, ints, NumPy scalars and 0-d arrays, and numba in a
    drawn mode, against sympy.diff at mpmath's 30 digits.  And the functions themselves listed with a
    repeat, an input and a constant as outputs, on every backend."""
    text = data.draw(programs())
    prog = read(text)
    columns = data.draw(points(prog.inputs, size=3))
    rows = [{n: columns[n][i] for n in prog.inputs} for i in range(3)]
    for row in rows:
        assume(well_inside(prog, row))
    wrt = data.draw(wrt_lists(prog))
    expected = [oracle_grad(prog, wrt, row) for row in rows]
    numba_mode = data.draw(st.sampled_from(MODES + [None] * 10))
    arrays = {n: np.array(v) for n, v in columns.items()}
    kinds = ["float", "float64", "0-d"] + (["int"] if all(float(v).is_integer() for v in rows[0].values()) else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an absent wrt name warns
        for mode in MODES:
            g = sg.grad(text, wrt, mode=mode)
            got = {("at",): [g.at(**arrays)[w] for w in wrt]}
            for backend in ["numpy", "vm"] + (["numba"] if mode == numba_mode else []):
                f = g.lambdify(backend=backend)
                got[backend, "arrays"] = f(**arrays)
                for kind in kinds:
                    single = f(**{n: as_kind(v, kind) for n, v in rows[0].items()})
                    assert all(np.shape(s) == () for s in single), (text, mode, backend, kind, single)
                    got[backend, kind] = [np.array([s]) for s in single]  # the first row
            for how, values in got.items():
                assert len(values) == len(wrt), (text, mode, how)
                for k, name in enumerate(wrt):
                    for i in range(np.size(values[k])):
                        assert close(float(values[k][i]), expected[i][name]), \
                            (text, mode, how, wrt, rows[i], name, values[k][i], expected[i][name])
    first = prog.inputs[0]
    want = [as_float(prog.value(row)) for row in rows]
    for backend in BACKENDS:
        out = sg.lambdify([text, first, text, "3"], backend=backend)(**arrays)
        assert len(out) == 4 and not np.shares_memory(out[0], out[2]) and not np.shares_memory(out[1], arrays[first])
        for i in range(3):
            assert close(float(out[0][i]), want[i]) and out[0][i] == out[2][i], (text, backend, out)
        assert np.array_equal(out[1], arrays[first]) and np.array_equal(out[3], [3.0, 3.0, 3.0]), (text, backend, out)


# --------------------------------------------------------------------------- domain edges, one table

INF = float("inf")
#: (text, point, expected gradient in the order of the point's names): sympy.diff's value where it has
#: one (mpmath), the documented conventions at kinks (relu'(0) = abs'(0) = sign'(0) = 0, ties split,
#: d(0^y)/dy = 0), and IEEE's signed infinities for a division by a signed zero
EDGES = [
    ("log(x)", {"x": 0.0}, [INF]),
    ("sqrt(x)", {"x": 0.0}, [INF]),
    ("x^3", {"x": -2.0}, [12.0]),
    ("x^-1", {"x": -0.5}, [-4.0]),
    ("x^0.5", {"x": -4.0}, [NAN]),
    ("x^y", {"x": -2.0, "y": 3.0}, [12.0, NAN]),       # d/dy needs log(-2): not real
    ("x^y", {"x": 0.0, "y": 2.0}, [0.0, 0.0]),
    ("x^y", {"x": 0.0, "y": 0.0}, [0.0, 0.0]),         # x^0 = 1 for every x (was 0 * 0^-1 = nan); d(0^y)/dy = 0
    ("sqrt(x)^y", {"x": 0.0, "y": 0.0}, [0.0, 0.0]),   # and the chain rule's next product keeps it: not 0 * inf
    ("x^y", {"x": 1.5, "y": 0.0}, [0.0, 0.4054651081081644]),  # log(1.5)
    ("x^x", {"x": 1.0}, [1.0]),
    ("x^x", {"x": 0.5}, [0.21697770945227393]),         # sqrt(1/2) * (1 + log(1/2))
    ("abs(x) + relu(x) + sign(x)", {"x": 0.0}, [0.0]),
    ("acosh(x)", {"x": -2.0}, [NAN]),                  # acosh is nan below 1, so is its derivative (was 1/sqrt(3))
    ("asin(x)", {"x": 1.0}, [INF]),                    # the poles stay +inf from both sides
    ("atanh(x)", {"x": -1.0}, [INF]),
    ("atan2(y, x)", {"y": 0.0, "x": -1.0}, [-1.0, 0.0]),
    ("atan2(y, x)", {"y": 2.0, "x": 0.0}, [0.0, -0.5]),
    ("where(x > 0, x^2, -x)", {"x": 0.0}, [-1.0]),     # the switch point takes the else branch
    ("where(x > 0, x^2, -x)", {"x": NAN}, [-1.0]),     # so does a nan condition (nan > 0 is false)
    ("where(x > 0, sqrt(x), 0)", {"x": -1.0}, [0.0]),  # the untaken branch's nan does not leak
    ("max(x, y)", {"x": 1.0, "y": 1.0}, [0.5, 0.5]),
    ("min(x, y, z)", {"x": 2.0, "y": 2.0, "z": 2.0}, [1 / 3, 1 / 3, 1 / 3]),
    ("1/x", {"x": 0.0}, [-INF]),
    ("1/x", {"x": -0.0}, [-INF]),
    ("x/y", {"x": 1.0, "y": 0.0}, [INF, -INF]),
    ("x/y", {"x": 1.0, "y": -0.0}, [-INF, -INF]),
    ("x/y", {"x": -1.0, "y": 0.0}, [INF, INF]),
    ("exp(x)", {"x": 710.0}, [INF]),
    ("exp(-x)", {"x": 800.0}, [0.0]),                  # underflows to (-)0
    ("x*log(x)", {"x": 1e-300}, [-689.7755278982137]),  # log(1e-300) + 1
    # integers whose square overflows int64: the inputs become float64 before any arithmetic
    ("x^2*y", {"x": 3037000500, "y": 3037000500}, [1.84467440740005e19, 9.22337203700025e18]),
]


@pytest.mark.parametrize("text, point, want", EDGES, ids=[f"{t} at {p}" for t, p, _ in EDGES])
def test_domain_edges_in_every_mode_and_backend(text, point, want):
    """Every mode, ``.at`` and every backend (arrays and single points) give the table's value."""
    columns = {n: np.array([v, v]) for n, v in point.items()}  # integer points stay integer arrays
    for key, got in every_way(text, list(point), columns, singles=1).items():
        assert len(got) == len(want), (text, key)
        for name, values, w in zip(point, got, want):
            for v in np.asarray(values, dtype=float):
                assert (np.isnan(w) and np.isnan(v)) or v == pytest.approx(w, rel=1e-15, abs=0), \
                    (text, point, key, name, v, w)


def test_the_base_partial_of_a_power_is_0_at_the_origin_and_exact_around_it():
    """d(x^y)/dx at x = y = 0 was 0 * 0^-1 = nan where JAX gives 0 (x^0 is 1 for every x).  It is 0 now in every
    mode, backend and the closed form, and the select that gives it covers that point alone: the Hessian's
    d2(x^y)/dxdy at y = 0 is still 1/x (a select on y == 0, JAX's, gives 0 there), and both orders agree
    with mpmath on points around the origin."""
    x, y = sympy.symbols("x y", real=True)
    columns = {"x": np.array([0.0, 0.0, 0.0, 0.0, 1.5, 0.25, 2.0, 1e-300, 3.0]),
               "y": np.array([0.0, 1.0, 2.0, 0.5, 0.0, 0.0, -1.5, 0.0, 1e-300])}
    grads = [mp_values(sympy.diff(x ** y, v), [x, y], list(columns.values())) for v in (x, y)]
    for k in np.flatnonzero(columns["x"] == 0)[1:]:  # on x = 0 (y > 0): the limits as x -> 0+
        for grad, v in zip(grads, (x, y)):
            grad[k] = float(sympy.limit(sympy.diff(x ** y, v).subs(y, sympy.nsimplify(columns["y"][k])), x, 0, "+"))
    grads[0][0] = grads[1][0] = 0.0  # at the origin: the conventions (x^0 = 1 for every x; d(0^y)/dy = 0)
    for key, got in every_way("x^y", ["x", "y"], columns).items():
        for values, want in zip(got, grads):
            assert_close(values, want, 1e-14, key)
    closed = sg.grad("x^y", wrt=["x", "y"])["x"]
    assert closed.subs({"x": 0, "y": 0}) == 0 and closed.subs({"x": 2, "y": 3}) == 12
    # x > 0, where the Hessian has a value (not x = 1e-300: y*(y-1)*x^(y-2) at y = 0 is 0 * inf there)
    inside = {k: v[[4, 5, 6, 8]] for k, v in columns.items()}
    for mode in ["forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
                 "edge-pushing"]:
        hessian = sg.hessian("x^y", wrt=["x", "y"], mode=mode).lambdify()(inside["x"], inside["y"])
        for (i, u), (j, v) in [((0, x), (0, x)), ((0, x), (1, y)), ((1, y), (1, y))]:
            want = mp_values(sympy.diff(x ** y, u, v), [x, y], [inside["x"], inside["y"]])
            assert_close(hessian[i][j], want, 1e-13, (mode, i, j))


# --------------------------------------------------------------------------- inverse functions at the edges

TINY = np.finfo(float).tiny  # the smallest normal float64
#: 1 - x*x loses the digits x*x rounded away as |x| -> 1; the ends of float64 overflow or underflow a square
NEAR_ONE = np.array([1 - 2.0 ** -53, 1 - 2.0 ** -52, 1 - 1e-12, 0.99999999, 0.9, 0.5, 1e-300, 0.0])
EXTREME = np.array([0.0, 1e-300, 1e-8, 1.0, 1e8, 1e154, 1e155, 1e200, 1e300, 1.7e308])
#: (text, sympy form of the function, its variables, the points)
INVERSES = [
    ("asin(x)", "asin(x)", {"x": np.concatenate([NEAR_ONE, -NEAR_ONE])}),
    ("acos(x)", "acos(x)", {"x": np.concatenate([NEAR_ONE, -NEAR_ONE])}),
    ("atanh(x)", "atanh(x)", {"x": np.concatenate([NEAR_ONE, -NEAR_ONE])}),
    ("acosh(x)", "acosh(x)", {"x": np.array([1 + 2.0 ** -52, 1 + 1e-12, 1.00000001, 1.5, 1e8, 1e154, 1e155, 1e200,
                                             1e300, 1.7e308])}),
    ("asinh(x)", "asinh(x)", {"x": np.concatenate([EXTREME, -EXTREME])}),
    # both partials at every pair of magnitudes: their squares overflow (1e200) and underflow (1e-200)
    ("atan2(y, x)", "atan2(y, x)", dict(zip("yx", map(np.array, zip(*[
        (a, b) for a in (1e-300, -1e-200, 3e-160, 1.0, -1e154, 1e200, 1e300) for b in (-1e-300, 1e-200, 1.0, 1e155, -1e300)]))))),
]


@pytest.mark.parametrize("text, form, columns", INVERSES, ids=[case[0] for case in INVERSES])
def test_inverse_functions_keep_their_derivatives_accurate_near_poles_and_at_the_ends_of_float64(text, form, columns):
    """An inverse function's derivative at |x| -> 1 or at huge and tiny magnitudes is a normal float64, but its
    textbook form cancels or overflows there: asin'(0.99999999) = 1/sqrt(1 - x^2) was off by 3e-10 (1 - x*x
    keeps the digits x*x lost), asinh'(1e155) = 1/sqrt(x^2 + 1) was 0 (x^2 = inf), acosh'(1 + 1e-8) off by 3e-9
    and acosh'(1e155) 0, the partials of atan2 at (1e200, 1e200) 0 and at (1e-200, 1e-200) inf.  Every mode,
    every backend and the printed sympy form (by mpmath) agree with mpmath's exact derivative to 1e-12."""
    _, _, wants = assert_gradient_matches_mpmath(text, form, columns, quiet=True)
    for want in wants:  # every derivative is finite, and most are normal numbers: 0 or inf there is no rounding
        assert np.isfinite(want).all() and np.mean(np.abs(want) >= TINY) > 0.5, (text, want)


def assert_gradient_matches_mpmath(text: str, form: str, columns: dict, quiet: bool = False) -> tuple:
    """Every mode, every backend and the printed sympy form of ``text``'s gradient agree with mpmath's exact
    derivatives of ``form`` at the points ``columns`` (``quiet``: warnings while deriving are ignored); returns
    ``(exact, symbols, wants)`` for further checks."""
    names = list(columns)
    symbols = [sympy.Symbol(n, real=True) for n in names]
    exact = sympy.sympify(form, locals=dict(zip(names, symbols)))
    wants = [mp_values(sympy.diff(exact, s), symbols, [columns[n] for n in names]) for s in symbols]
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        printed = sg.grad(text, wrt=names)
    plain = [sympy.Symbol(n) for n in names]
    for name, want in zip(names, wants):
        assert_accurate(mp_values(printed[name], plain, [columns[n] for n in names]), want, (text, "sympy", name))
    for key, got in every_way(text, names, columns).items():
        for name, values, want in zip(names, got, wants):
            assert_accurate(values, want, (text, key, name))
    return exact, symbols, wants


def assert_accurate(got: np.ndarray, want: np.ndarray, context, rel: float = 1e-12) -> None:
    """``got`` within ``rel`` of a normal ``want``, with no absolute slack (0 for 1e-300 fails), and within the
    smallest normal number of a ``want`` that underflows (subnormal or 0); ``want`` may be longer (single points)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)[:len(got)]
    normal = np.abs(want) >= TINY
    ok = np.abs(got - want) <= np.where(normal, rel * np.abs(want), TINY)
    assert ok.all(), (context, got[~ok], want[~ok])


# --------------------------------------------------------------------------- second derivatives of powers at 0

HESSIAN_MODES = ["forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse",
                 "edge-pushing"]


def every_hessian(text: str, wrt: list[str], columns: dict[str, np.ndarray]) -> dict:
    """(mode, backend) -> the Hessian at every point, ``(n, n, points)``; the sympy form through ``.at``-free mpmath
    is checked by the callers where it has a value."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in HESSIAN_MODES:
            hessian = sg.hessian(text, wrt=wrt, mode=mode)
            for backend in ["numpy", "vm"]:
                out[mode, backend] = np.asarray(hessian.lambdify(backend=backend)(**columns), dtype=float)
    return out


def test_the_hessian_of_a_power_of_a_product_is_0_where_the_product_is_0_in_every_mode():
    """(x*y)^y is 0 along x = 0 for every y > 0, so d2/dy2 is 0 there (sympy's limit x -> 0+ too).  The nested
    modes said nan: they differentiate d/dy = (x*y)^y * log0(x*y), whose log0' = 1/u meets u^y at u = 0 (0 * inf);
    edge pushing, which differentiates the other partial there, said 0.  log0' is 0 at 0 now, where log0 is the
    constant 0, as JAX's log(where(x == 0, 1, x)).  Every mode and backend agree with mpmath around the line."""
    x, y = sympy.symbols("x y", positive=True)
    f = (x * y) ** y
    columns = {"x": np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.5, 1e-3]), "y": np.array([2.0, 3.0, 4.0, 2.5, 2.0, 3.0, 2.0])}
    on_line = columns["x"] == 0
    for (i, u), (j, v) in [((0, x), (0, x)), ((0, x), (1, y)), ((1, y), (1, y))]:
        d2 = sympy.diff(f, u, v)
        want = mp_values(d2, [x, y], list(columns.values()))
        for k in np.flatnonzero(on_line):  # on x = 0: the limit x -> 0+
            want[k] = float(sympy.limit(d2.subs(y, sympy.nsimplify(columns["y"][k])), x, 0, "+"))
        assert np.isfinite(want).all() and (i < 1 or (want[on_line] == 0).all()), (i, j, want)
        for key, got in every_hessian("(x*y)^y", ["x", "y"], columns).items():
            assert_close(got[i, j], want, 1e-13, (key, i, j))


def test_the_second_derivative_of_x_to_the_0_is_0_at_tiny_and_subnormal_x():
    """x^0 is 1 for every x, so d2(x^y)/dx2 is 0 at y = 0; it was y*(y-1)*x^(y-2) = 0 * inf = nan for x below
    1e-154 (x^-2 overflows), and at a subnormal x the first derivative 0 * x^-1 was nan too.  The base partial
    takes the form y/x at y = 0 (0 there; 1/x in y, so d2/dxdy keeps its value): every mode, backend and the
    closed form agree with mpmath."""
    x, y = sympy.symbols("x y", real=True)
    columns = {"x": np.array([1e-300, 1e-200, 1e-160, 5e-324, 2.0, 0.5]), "y": np.zeros(6)}
    for key, got in every_way("x^y", ["x", "y"], columns).items():
        assert_close(got[0], np.zeros(6), 0, key)  # d/dx at y = 0
        assert_close(got[1], np.log(columns["x"]), 1e-15, key)  # d/dy = log(x)
    for (i, u), (j, v) in [((0, x), (0, x)), ((0, x), (1, y)), ((1, y), (1, y))]:
        want = mp_values(sympy.diff(x ** y, u, v), [x, y], list(columns.values()))
        for key, got in every_hessian("x^y", ["x", "y"], columns).items():
            assert_close(got[i, j], want, 1e-14, (key, i, j))
    closed = sg.hessian("x^y", wrt=["x", "y"])
    for k in range(len(columns["x"])):
        point = {sympy.Symbol("x"): columns["x"][k], sympy.Symbol("y"): 0}
        assert float(closed[0, 0].subs(point)) == 0.0, (k, closed[0, 0])


# --------------------------------------------------------------------------- saturated tails and hypot's ends

#: (text, sympy form, the points): where the derivative is a normal float64 that the textbook form cancels
#: or overflows to 0
TAILS = [
    ("sigmoid(x)", "1/(1 + exp(-x))", {"x": np.array([-700.0, -40.0, -5.0, 0.0, 5.0, 20.0, 37.0, 40.0, 100.0,
                                                      700.0])}),
    # where hypot's own value is a normal number (x/hypot(x, y) is as far off as the value where it
    # overflows or is subnormal: test_numerics_audit3 says why that form)
    ("hypot(x, y)", "sqrt(x**2 + y**2)", dict(zip("xy", map(np.array, zip(*[
        (a, b) for a in (1.7e308, -1e308, 1e200, 3.0, 1e-300, 5e-324) for b in (1e308, -4.0, 1e-200, 5e-324)
        if TINY <= np.hypot(a / 2, b / 2) < np.finfo(float).max / 2]))))),
]


@pytest.mark.parametrize("text, form, columns", TAILS, ids=[case[0] for case in TAILS])
def test_sigmoid_and_hypot_keep_their_derivatives_at_the_ends(text, form, columns):
    """sigmoid' = s*(1 - s) was 0 from x = 37 (sigmoid'(40) is 4.2e-18); hypot's partials at the ends of
    float64 where its value is a normal number.  Every mode, backend and the printed sympy form agree with
    mpmath, and the first and second derivatives are computed without a warning."""
    names = list(columns)
    exact, symbols, _ = assert_gradient_matches_mpmath(text, form, columns)
    if len(names) == 1:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            second = sg.hessian(text).lambdify()(columns["x"])[0, 0]
        want = mp_values(sympy.diff(exact, symbols[0], 2), symbols, [columns["x"]])
        assert_accurate(second, want, (text, "hessian"))


def test_the_hessian_of_hypot_is_finite_where_one_operand_is_0():
    """d hypot(x, y)/dx = sign(x)/hypot(1, y/x) is 0 at x = 0, but its derivative there went through y/x = inf:
    the Hessian of hypot(x, y) at (0, 1) was nan in every strategy (it is [[1, 0], [0, 0]]), and so was
    hypot(x - a, y - b)'s at x = a, a Newton step's start.  The partial is x/hypot(x, y) now, whose
    derivatives are hypot's there; third derivatives follow (asinh''' (0) = -1, was nan)."""
    x, y = sympy.symbols("x y", real=True)
    columns = {"x": np.array([0.0, 0.0, -0.0, 2.0, -3.0, 1e-300, 0.5]),
               "y": np.array([1.0, -4.0, 1e-200, 0.0, 0.0, 0.0, 2.0])}
    exact = sympy.sqrt(x ** 2 + y ** 2)
    for (i, u), (j, v) in [((0, x), (0, x)), ((0, x), (1, y)), ((1, y), (1, y))]:
        want = mp_values(sympy.diff(exact, u, v), [x, y], list(columns.values()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for mode in HESSIAN_MODES:
                hessian = sg.hessian("hypot(x, y)", wrt=["x", "y"], mode=mode)
                for backend in ["numpy", "vm"]:
                    got = np.asarray(hessian.lambdify(backend=backend)(**columns), dtype=float)
                    assert_accurate(got[i, j], want, (mode, backend, i, j))
                sparse = sg.hessian("hypot(x, y)", wrt=["x", "y"], mode=mode, sparse=True).lambdify()
                point = sparse(x=0.0, y=1.0).toarray()
                assert (point == [[1.0, 0.0], [0.0, 0.0]]).all(), (mode, point)
    third = sg.grad(sg.grad(sg.grad("asinh(x)")))
    assert third.at(x=0.0)["x"] == -1.0 and float(third.lambdify()(0.0)[0]) == -1.0
    with pytest.warns(RuntimeWarning, match="invalid value"):  # 0/0: hypot has no derivative at the origin
        at_origin = sg.grad("hypot(x, y)").at(x=0.0, y=0.0)
    assert at_origin == pytest.approx({"x": float("nan"), "y": float("nan")}, nan_ok=True)
