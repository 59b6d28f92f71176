"""Every evaluation path of a derivative gives the same numbers: backends, entry points, and sympy.diff by mpmath.

What a researcher does with a compiled derivative is call it: at a point
(Python floats, NumPy scalars, 0-d arrays, ints, bools), on arrays that
broadcast, by position in ``args=`` order or by keyword; through
``Gradient.lambdify``, ``.at``, ``value_and_grad``, ``jacobian`` and
``hessian`` (dense and sparse), ``jvp``/``vjp``/``hvp``/``hessp``, on the
NumPy backend, the VM and numba.  ``tests/test_properties.py`` checks the
sixteen functions its independent oracle reads; here the programs are drawn
over the whole op table (two-operand functions, ``where``, powers with a
variable exponent, a function registered from Python), each drawn together
with its own sympy expression, so ``sympy.diff`` and ``sympy.hessian``
evaluated by mpmath are the reference.

Cost: numba compiles a kernel per function (0.2-1 s), so it runs on a
few drawn programs; the VM compiles nothing per function.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symgraph as sg

pytest.importorskip("numba")

EXAMPLES = int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 12))
AUDIT = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large])
INPUTS = ["x", "y", "z"]
SYMBOLS = {n: sympy.Symbol(n, real=True) for n in INPUTS}


def _softsign(u):
    """A function registered from Python (module level, so the functions that call it pickle)."""
    return u / (1 + np.abs(u))


@pytest.fixture(scope="module", autouse=True)
def softsign():
    handle = sg.function("softsign", numpy=_softsign, derivatives=["1/(1 + abs(x))^2"])
    yield handle
    handle.remove()


# --------------------------------------------------------------------------- programs and their sympy forms

#: one-operand calls, written so that any real operand is inside the domain: (text template, sympy form)
UNARY = [
    ("sin({0})", sympy.sin), ("cos({0})", sympy.cos), ("tanh({0})", sympy.tanh), ("atan({0})", sympy.atan),
    ("exp(-({0})^2)", lambda u: sympy.exp(-u ** 2)), ("log(1 + ({0})^2)", lambda u: sympy.log(1 + u ** 2)),
    ("sqrt(2 + ({0})^2)", lambda u: sympy.sqrt(2 + u ** 2)), ("abs({0})", sympy.Abs),
    ("sigmoid({0})", lambda u: 1 / (1 + sympy.exp(-u))), ("softplus({0})", lambda u: sympy.log(1 + sympy.exp(u))),
    ("relu({0})", lambda u: sympy.Max(0, u)), ("asinh({0})", sympy.asinh), ("erf({0})", sympy.erf),
    ("erfc({0})", sympy.erfc), ("expm1(sin({0}))", lambda u: sympy.exp(sympy.sin(u)) - 1),
    ("log1p(({0})^2)", lambda u: sympy.log(1 + u ** 2)), ("exp2(cos({0}))", lambda u: 2 ** sympy.cos(u)),
    ("log2(3 + ({0})^2)", lambda u: sympy.log(3 + u ** 2, 2)), ("log10(3 + ({0})^2)", lambda u: sympy.log(3 + u ** 2, 10)),
    ("cbrt({0})", lambda u: sympy.sign(u) * sympy.Abs(u) ** sympy.Rational(1, 3)),
    ("asin(tanh({0})/2)", lambda u: sympy.asin(sympy.tanh(u) / 2)),
    ("acos(tanh({0})/2)", lambda u: sympy.acos(sympy.tanh(u) / 2)),
    ("atanh(tanh({0})/2)", lambda u: sympy.atanh(sympy.tanh(u) / 2)),
    ("acosh(2 + ({0})^2)", lambda u: sympy.acosh(2 + u ** 2)), ("cosh(sin({0}))", lambda u: sympy.cosh(sympy.sin(u))),
    ("sinh({0})", sympy.sinh), ("tan(atan({0})/2)", lambda u: sympy.tan(sympy.atan(u) / 2)),
    ("softsign({0})", lambda u: u / (1 + sympy.Abs(u))),
]
#: two-operand calls and operators
BINARY = [
    ("({0}) + ({1})", lambda a, b: a + b), ("({0}) - ({1})", lambda a, b: a - b),
    ("({0}) * ({1})", lambda a, b: a * b), ("({0}) / (1 + ({1})^2)", lambda a, b: a / (1 + b ** 2)),
    ("hypot({0}, {1})", lambda a, b: sympy.sqrt(a ** 2 + b ** 2)), ("atan2({0}, {1})", sympy.atan2),
    ("max({0}, {1})", sympy.Max), ("min({0}, {1})", sympy.Min),
    ("max({0}, {1}, 0.25)", lambda a, b: sympy.Max(a, b, sympy.Rational(1, 4))),
    ("logsumexp({0}, {1})", lambda a, b: sympy.log(sympy.exp(a) + sympy.exp(b))),
    ("(1 + ({0})^2)^({1})", lambda a, b: (1 + a ** 2) ** b),
    ("log(2 + ({0})^2, 2 + ({1})^2)", lambda a, b: sympy.log(2 + a ** 2) / sympy.log(2 + b ** 2)),
    ("where({0} > {1}, ({0})*({1}), ({0}) - ({1}))", lambda a, b: sympy.Piecewise((a * b, a > b), (a - b, True))),
    ("where({0} <= 0.5 and {1} != 0, {0}, 2*({1}))", lambda a, b: sympy.Piecewise((a, (a <= 0.5) & sympy.Ne(b, 0)), (2 * b, True))),
    ("clip({0}, -1, 1) * ({1})", lambda a, b: sympy.Max(-1, sympy.Min(a, 1)) * b),
]


@st.composite
def expression(draw, refs: dict, depth: int) -> tuple[str, sympy.Expr]:
    """(text, sympy form) of an expression over ``refs`` (name -> sympy form), at most ``depth`` calls deep."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.integers(0, 5)) == 0:
            number = draw(st.sampled_from(["2", "0.5", "3", "1.5"]))
            return number, sympy.Rational(number) if "." not in number else sympy.Float(number, 40)
        name = draw(st.sampled_from(sorted(refs)))
        return name, refs[name]
    if draw(st.booleans()):
        template, form = draw(st.sampled_from(UNARY))
        text, expr = draw(expression(refs, depth - 1))
        return template.format(text), form(expr)
    template, form = draw(st.sampled_from(BINARY))
    (a, ae), (b, be) = draw(expression(refs, depth - 1)), draw(expression(refs, depth - 1))
    return template.format(a, b), form(ae, be)


@st.composite
def program(draw) -> tuple[str, sympy.Expr, list[str], list[str]]:
    """(text, sympy form of its output, its inputs, its assigned names): lines whose names later lines reuse."""
    inputs = draw(st.lists(st.sampled_from(INPUTS), min_size=1, max_size=3, unique=True))
    refs = {n: SYMBOLS[n] for n in inputs}
    lines, assigned = [], []
    for k in range(draw(st.integers(0, 2))):
        text, expr = draw(expression(refs, 2))
        name = f"h{k}"
        lines.append(f"{name} = {text}")
        assigned.append(name)
        refs[name] = expr
    text, expr = draw(expression(refs, 2))
    lines.append(text)
    free = {str(s) for s in expr.free_symbols}
    assume(free)  # a constant output has no inputs to call it with
    inputs = [n for n in inputs if n in free]
    return "; ".join(lines), expr, inputs, assigned


# --------------------------------------------------------------------------- the reference


def mp_value(expr: sympy.Expr, point: dict[str, float]) -> float | None:
    """``expr`` at ``point`` by mpmath at 30 digits; None where it is not a finite real number."""
    subs = {SYMBOLS[n]: sympy.Float(v, 40) for n, v in point.items()}
    try:
        value = complex(sympy.N(expr.subs(subs), 30))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if abs(value.imag) > 1e-25 or not np.isfinite(value.real) or abs(value.real) > 1e8:
        return None
    return value.real


def reference_gradient(expr: sympy.Expr, wrt: list[str], point: dict[str, float]) -> np.ndarray:
    values = [mp_value(sympy.diff(expr, SYMBOLS[n]), point) if n in SYMBOLS else 0.0 for n in wrt]
    assume(all(v is not None for v in values))
    return np.array(values)


def reference_hessian(expr: sympy.Expr, wrt: list[str], point: dict[str, float]) -> np.ndarray:
    H = sympy.hessian(expr, [SYMBOLS[n] for n in wrt])
    values = [mp_value(H[i, j], point) for i in range(len(wrt)) for j in range(len(wrt))]
    assume(all(v is not None for v in values))
    return np.array(values).reshape(len(wrt), len(wrt))


def away_from_kinks(expr: sympy.Expr, point: dict[str, float]) -> bool:
    """No kink of ``expr`` (a Max/Min/Abs/Piecewise/sign operand, a comparison) lies within 1e-6 of deciding
    differently at ``point``: there float64 and 30 digits may rightly take different sides."""
    subs = {SYMBOLS[n]: sympy.Float(v, 40) for n, v in point.items()}
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (sympy.Max, sympy.Min)):
            values = sorted(complex(sympy.N(a.subs(subs), 20)).real for a in node.args)
            if any(abs(b - a) < 1e-6 * (1 + abs(a)) for a, b in zip(values, values[1:])):
                return False
        elif isinstance(node, (sympy.Abs, sympy.sign)):
            if abs(complex(sympy.N(node.args[0].subs(subs), 20)).real) < 1e-6:
                return False
        elif isinstance(node, sympy.core.relational.Relational):
            a, b = (complex(sympy.N(s.subs(subs), 20)).real for s in (node.lhs, node.rhs))
            if abs(a - b) < 1e-6 * (1 + abs(a)):
                return False
    return True


def close(got, want, rel: float = 1e-8, abs_: float = 1e-9) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= abs_ + rel * np.abs(want)))


def near_ulps(got, want, ulps: int = 16) -> bool:
    """Equal but for the last bits libm and NumPy may differ in (nan where nan, the sign of zero kept)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    same = (np.isnan(got) & np.isnan(want)) | ((got == want) & (np.signbit(got) == np.signbit(want)))
    with np.errstate(invalid="ignore"):
        near = np.abs(got - want) <= ulps * np.spacing(np.maximum(np.abs(got), np.abs(want)))
    return bool(np.all(same | (near & np.isfinite(got) & np.isfinite(want))))


@st.composite
def program_point(draw):
    """(text, sympy form, graph inputs, assigned names, point) with the point away from every kink."""
    text, expr, _, assigned = draw(program())
    inputs = list(sg.parse(text).inputs)
    value = st.one_of(st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.05), st.sampled_from([1.0, -1.0, 2.0, 0.5]))
    point = {n: draw(value) for n in inputs}
    assume(away_from_kinks(expr, point))
    return text, expr, inputs, assigned, point


def quietly(call, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


# --------------------------------------------------------------------------- first derivatives


@AUDIT
@given(data=st.data())
def test_gradient_every_path_matches_sympy_diff_over_the_op_table(data):
    """The gradient by ``.at``, ``lambdify`` on each backend (single point by position and by keyword, a
    batch holding the point), ``value_and_grad`` (also ``vector=True``), against sympy.diff by mpmath; the
    wrt list mixes inputs, an assigned name, an unused name and reversed order."""
    text, expr, inputs, assigned, point = data.draw(program_point())
    wrt = data.draw(st.permutations(inputs)) + ["unused"]
    want = reference_gradient(expr, wrt, point)
    g = quietly(sg.grad, text, wrt=wrt)
    args = list(reversed(inputs))
    at = g.at(**point)
    assert close([at[n] for n in wrt], want), (text, point, at, want)
    batch = {n: np.array([v, 0.75, v]) for n, v in point.items()}
    backends = ["numpy", "vm"] + ["numba"] * data.draw(st.integers(0, 3)).__eq__(0)
    for backend in backends:
        f = g.lambdify(args=args, backend=backend)
        by_position = quietly(f, *[point[n] for n in args])
        by_keyword = quietly(f, **point)
        assert close(by_position, want), (backend, text, point, by_position, want)
        assert near_ulps(by_keyword, by_position, 0), (backend, text)
        kind = data.draw(st.sampled_from([np.float64, np.array, lambda v: np.array([v])[0]]))
        assert near_ulps(quietly(f, **{n: kind(v) for n, v in point.items()}), by_position, 0), (backend, text)
        if all(v == int(v) for v in point.values()):  # ints, and True for 1, are the same numbers
            exact = {n: True if v == 1 else int(v) for n, v in point.items()}
            assert near_ulps(quietly(f, **exact), by_position, 0), (backend, text, exact)
        many = quietly(f, **batch)
        assert all(m.shape == (3,) for m in many) and near_ulps([m[2] for m in many], by_position, 0), (backend, text)
        value, grad = quietly(sg.value_and_grad, text, wrt=wrt, args=args, backend=backend)(**point)
        assert near_ulps(grad, by_position, 0) and close(value, mp_value(expr, point)), (backend, text)
    vector = quietly(sg.value_and_grad, text, wrt=inputs, vector=True, backend=data.draw(st.sampled_from(["numpy", "vm"])))
    value, grad = quietly(vector, np.array([point[n] for n in inputs]))
    assert close(grad, want[[wrt.index(n) for n in inputs]]), (text, grad, want)



@AUDIT
@given(data=st.data())
def test_jacobian_jvp_and_vjp_of_repeated_outputs_agree_with_sympy_diff(data):
    """A list holding one program twice and another once: the dense and sparse Jacobian (each backend, by
    keyword), jvp and vjp (compiled and ``.at``) give one row per text, the repeated rows equal, against
    sympy.diff."""
    (text, expr, inputs, _, point), (other, other_expr, _, _, _) = data.draw(program_point()), data.draw(program_point())
    inputs = list(dict.fromkeys(inputs + list(sg.parse(other).inputs)))
    point = {n: point.get(n, 0.75) for n in inputs}
    assume(away_from_kinks(other_expr, point))
    texts, exprs = [text, other, text], [expr, other_expr, expr]
    want = np.array([reference_gradient(e, inputs, point) for e in exprs])
    backend = data.draw(st.sampled_from(["numpy", "vm"]))
    dense = quietly(sg.jacobian(texts, wrt=inputs).lambdify(backend=backend), **point)
    assert close(dense, want), (texts, point, dense, want)
    S = sg.jacobian(texts, wrt=inputs, sparse=True)
    sparse = quietly(S.lambdify(backend=backend), **point).toarray()
    assert close(sparse, want) and bitwise(sparse[0], sparse[2]), (texts, sparse, want)
    v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=len(inputs), max_size=len(inputs)))
    w = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=3, max_size=3))
    jvp, vjp = sg.jvp(texts, inputs, v), sg.vjp(texts, inputs, w)
    for compiled, at, expected in ((jvp.lambdify(backend=backend), jvp.at, want @ v),
                                   (vjp.lambdify(backend=backend), vjp.at, np.array(w) @ want)):
        got = quietly(compiled, **point)
        assert close(got, expected) and close(list(quietly(at, **point).values()), expected), (texts, got, expected)


@AUDIT
@given(data=st.data())
def test_hessian_dense_sparse_hvp_and_hessp_agree_with_sympy_hessian(data):
    """Dense Hessian (NumPy and the VM, at a point and in a batch), sparse (CSR and .data), ``hvp`` and
    ``hessp`` (also on the VM) against sympy.hessian by mpmath."""
    text, expr, inputs, _, point = data.draw(program_point())
    want = reference_hessian(expr, inputs, point)
    mode = data.draw(st.sampled_from(["forward-over-reverse", "edge-pushing", "reverse-over-reverse"]))
    H = sg.hessian(text, wrt=inputs, mode=mode)
    S = sg.hessian(text, wrt=inputs, mode=mode, sparse=True)
    x = np.array([point[n] for n in inputs])
    for backend in ("numpy", "vm"):
        dense = quietly(H.lambdify(backend=backend), **point)
        assert close(dense, want), (mode, backend, text, point, dense, want)
        batch = quietly(H.lambdify(backend=backend), **{n: np.array([0.75, v]) for n, v in point.items()})
        assert batch.shape == dense.shape + (2,) and near_ulps(batch[..., 1], dense, 0), (backend, text)
        sparse = S.lambdify(backend=backend)
        assert close(quietly(sparse, **point).toarray(), want), (backend, text)
        assert bitwise(quietly(sparse.data, *x), quietly(sparse, *x).data), (backend, text)
        v = np.array(data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=len(x), max_size=len(x))))
        assert close(quietly(sg.hessp(text, inputs, backend=backend), x, v), want @ v), (backend, text, v)
        hv = sg.hvp(text, inputs, list(v))
        assert close(quietly(hv.lambdify(backend=backend), **point), want @ v), (backend, text, v)


# --------------------------------------------------------------------------- regressions

#: zeros of both signs, infinities, nan and ordinary values
EDGES = np.array([1.0, -1.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 2.0, 0.5])


def bitwise(got, want) -> bool:
    from tests.helpers import bits
    return bits(got) == bits(want)


@pytest.mark.parametrize("text", ["abs(where(x > 0, 0.5, x))", "max(where(x != 0, 0.5, 2*x), x)",
                                  "min(x, where(x < 1, x^2, 1))*x"])
def test_numba_compiles_a_select_feeding_sign_max_or_min(text):
    """backend='numba' raised numba's TypingError ("Cannot unify float64 and array(float64, 0d, C)") for
    abs(where(...)) and sign, max or min of a where: numba's np.where on scalars makes a 0-d array, which
    the kernels' scalar sign/max/min do not take.  The function and its gradient are NumPy's bits now."""
    for make in (lambda b: sg.lambdify(text, backend=b), lambda b: sg.grad(text, wrt=["x"]).lambdify(backend=b)):
        want = quietly(make("numpy"), EDGES)
        fast = make("numba")
        assert bitwise(quietly(fast, EDGES), want), text
        assert bitwise([quietly(fast, float(v)) for v in EDGES], want), text


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_vector_forms_of_matrices_keep_the_float32_of_their_vector(backend):
    """H.lambdify(vector=True) and J.lambdify(vector=True), dense and sparse, computed a float32 vector in
    float32 and returned the values cast to float64, unlike value_and_grad(vector=True), hessp and
    H.lambdify() on the same float32 numbers (float32): now each gives the float32 values it computed."""
    text, wrt = "x^2*y + sin(x)*y^3", ["x", "y"]
    v = np.array([1.5, 0.3], dtype=np.float32)
    for matrix in (sg.hessian(text, wrt=wrt), sg.jacobian([text, "x*y"], wrt=wrt)):
        want = matrix.lambdify(backend=backend)(*v)
        got = matrix.lambdify(vector=True, backend=backend)(v)
        assert want.dtype == got.dtype == np.float32 and bitwise(got, want)
    S = sg.hessian(text, wrt=wrt, sparse=True)
    want = S.lambdify(backend=backend)(*v)
    got = S.lambdify(vector=True, backend=backend)(v)
    assert want.dtype == got.dtype == np.float32 and bitwise(got.toarray(), want.toarray())
    assert sg.hessp(text, wrt, backend=backend)(v, v).dtype == np.float32
