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


def every_way(text: str, wrt: list[str], columns: dict[str, np.ndarray], singles: int = 3) -> dict:
    """(mode, how) -> list of arrays, one per wrt name: ``.at`` and each backend on arrays and on single points."""
    out = {}
    n = len(next(iter(columns.values())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in MODES:
            g = sg.grad(text, wrt=wrt, mode=mode)
            at = g.at(**columns)
            out[mode, "at"] = [np.broadcast_to(at[w], (n,)) for w in wrt]
            for backend in BACKENDS:
                f = g.lambdify(backend=backend)
                out[mode, backend] = list(f(**columns))
                points = [f(**{k: float(v[i]) for k, v in columns.items()}) for i in range(min(singles, n))]
                out[mode, backend, "point"] = [np.array([p[k] for p in points]) for k in range(len(wrt))]
    return out


def assert_close(got: np.ndarray, want: np.ndarray, rel: float, context) -> None:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)[:len(got)]
    same_kind = (np.isnan(got) == np.isnan(want)) & (np.isinf(got) == np.isinf(want))
    finite = np.isfinite(want)
    err = np.abs(got - want) <= rel * np.abs(want) + 1e-300
    ok = same_kind & np.where(finite, err, np.isnan(want) | (got == want))
    assert ok.all(), (context, got[~ok], want[~ok])


# --------------------------------------------------------------------------- tails of sigmoid

#: the right tail stops at 5: there the derivative s*(1 - s) (JAX's and PyTorch's too) cancels in 1 - s
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
