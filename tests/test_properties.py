"""Acceptance property tests: generated programs against an independent sympy/mpmath oracle (tests/oracle.py).

Hypothesis writes program text in symgraph's grammar: ``name = expr`` lines
with intermediates reused several times (shared nodes), aliases, inputs
reused, and either a bare final expression or the last assigned name as the
output.  The oracle reads the same text with its own parser, differentiates
with ``sympy.diff`` and evaluates with mpmath at 30 digits.  Every property is
checked in every mode and through ``.at``, the closed form, ``lambdify``
(arrays and single points), ``value_and_grad``, ``jvp``, ``vjp``,
``jacobian`` and ``lambdify`` of lists (repeated and rewritten texts
included); second derivatives (every Hessian strategy, dense and sparse, the
sparsity pattern, ``hvp`` and ``hessp``) against ``sympy.hessian``.  Points are kept away from domain edges and kinks, where the
oracle and float64 may rightly differ.
"""
import math
import os
import warnings

import numpy as np
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES

from tests.oracle import as_float, read, shared_derivative, well_inside

MODES = ["reverse", "forward", "paths", "elimination", "auto"]
INPUTS = ["x", "y", "e", "w"]  # e is a variable in the grammar, not Euler's number
INTERMEDIATES = ["c", "d", "g", "h", "k", "m"]
#: names that are not in the programs: v1, v2 look like symgraph's generated node names
ABSENT = ["z9", "v1", "v2"]
#: programs include aliases (``d = c``) and repeated right-hand sides (the same node under two names)
ALIASES = True
NUMBERS = ["2", "3", "1", "0.5", "1.5", "2.5e-1", "0.1", "3.25"]
BINARY = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
FUNCTIONS = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs",
             "sigmoid", "relu", "softplus"]

#: SYMGRAPH_PROPERTY_EXAMPLES=1000 searches deeper than the default run; derandomised by the profile
#: (tests/conftest.py), so SYMGRAPH_HYPOTHESIS=random with --hypothesis-seed explores other examples
PROPERTY = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 60)), deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
NUMERIC = dict(rel=1e-9, abs=1e-10)


# --------------------------------------------------------------------------- program text


#: exponents of ``^`` (with a name: d(x^y)/dy); EDGE_EXPONENTS adds zero, large and negative ones
EXPONENTS = [("2", 9, False), ("3", 9, False), ("0.5", 9, False), ("-1", 3, False)]
EDGE_EXPONENTS = EXPONENTS + [("0", 9, False), ("-2", 3, False), ("40", 9, False), ("1001", 9, False)]
#: functions whose every backend is exact (no libm last bits), and calls of two operands, for edge programs
EDGE_FUNCTIONS = ["abs", "relu", "sqrt", "sign"]
EDGE_CALLS = ["max({0}, {1})", "min({0}, {1})", "max({0}, {1}, 0)", "where({0} > {1}, {0}, {1})",
              "where({0} <= {1} and {1} != 0, {1}, -{0})", "where(not ({0} == {1}), {0}, 0.5)",
              "where({0} < 1 or {1} >= 2, 1, 0)", "heaviside({0}, 0.5)", "clip({0}, -1, {1})"]


@st.composite
def expressions(draw, refs: list[str], depth: int, functions: list[str] = FUNCTIONS,
                exponents: list[tuple] = EXPONENTS, calls: list[str] = ()) -> tuple[str, int, bool]:
    """(text, precedence of its top operator, whether it mentions a name); at most ``depth`` levels.

    ``functions`` are the one-operand calls drawn; ``calls`` templates over two operands (``max({0}, {1})``).
    """
    sub = dict(functions=functions, exponents=exponents, calls=calls)
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        if draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(NUMBERS + ["pi"])), 9, False
        # the newest refs (intermediates) are drawn more often, so nodes are shared
        return draw(st.sampled_from(refs + refs[len(refs) // 2:] * 2)), 9, True
    kind = draw(st.sampled_from(["bin", "bin", "bin", "call", "call", "neg"] + ["call2"] * bool(calls)))
    if kind == "call2":
        (a, _, an), (b, _, bn) = draw(expressions(refs, depth - 1, **sub)), draw(expressions(refs, depth - 1, **sub))
        return draw(st.sampled_from(list(calls))).format(f"({a})", f"({b})"), 9, an or bn
    if kind == "call":
        inner, _, named = draw(expressions(refs, depth - 1, **sub))
        return f"{draw(st.sampled_from(functions))}({inner})", 9, named
    if kind == "neg":
        inner, prec, named = draw(expressions(refs, depth - 1, **sub))
        return (f"-{inner}" if prec >= 4 else f"-({inner})"), 3, named
    op = draw(st.sampled_from(list(BINARY)))
    prec = BINARY[op]
    left, lp, ln = draw(expressions(refs, depth - 1, **sub))
    if op == "^":  # small exponents keep values moderate; a name as exponent exercises d(x^y)/dy
        right, rp, rn = draw(st.sampled_from(list(exponents) + [(refs[0], 9, True)]))
    else:
        right, rp, rn = draw(expressions(refs, depth - 1, **sub))
    if not (ln or rn):  # a constant-only operation would be folded: keep a name in every op
        left, lp, ln = refs[-1], 9, True
    # parentheses where precedence needs them, and now and then where it does not
    extra = draw(st.booleans())
    if lp < prec or (op == "^" and lp <= 4) or extra:
        left = f"({left})"
    if rp < prec or (rp == prec and op != "^") or (op == "^" and rp == 3) or extra:
        right = f"({right})"
    spelled = "**" if op == "^" and draw(st.booleans()) else op
    return f"{left} {spelled} {right}", prec, True


@st.composite
def programs(draw, **kinds) -> str:
    """Program text: 0-5 assignments reusing earlier names, then a bare output or the last name.

    ``kinds`` go to :func:`expressions` (the functions, exponents and two-operand calls drawn).
    """
    inputs = draw(st.lists(st.sampled_from(INPUTS), min_size=1, max_size=3, unique=True))
    refs = list(inputs)
    lines: list[str] = []
    names = iter(draw(st.permutations(INTERMEDIATES)))
    exprs: list[str] = []
    for _ in range(draw(st.sampled_from([0, 1, 2, 3, 3, 4, 4, 5]))):
        name = next(names)
        how = draw(st.integers(0, 9)) if ALIASES else 9
        if how == 0:  # an alias of a name already there
            rhs = draw(st.sampled_from(refs))
        elif how == 1 and exprs:  # the same expression again: hash-consing makes it the same node
            rhs = draw(st.sampled_from(exprs))
        else:
            rhs, _, named = draw(expressions(refs, draw(st.sampled_from([1, 2, 2, 3])), **kinds))
            if not named:
                rhs = f"{rhs} * {refs[-1]}"
            while not ALIASES and (rhs in refs or rhs in exprs):
                rhs = f"({rhs}) * 2"
            exprs.append(rhs)
        lines.append(f"{name} = {rhs}")
        refs.append(name)
    if not lines or draw(st.booleans()):
        body, _, named = draw(expressions(inputs + refs[len(inputs):] * 3, 2, **kinds))
        lines.append(body if named else f"{body} + {refs[-1]}")
    sep = draw(st.sampled_from(["; ", "\n", ";\n"]))
    return sep.join(lines)


def points(inputs, size: int | None = None):
    """Input values (Python floats): moderate, mostly positive, now and then integral."""
    value = st.one_of(st.floats(0.2, 2.5), st.floats(-2.5, -0.2), st.sampled_from([1.0, 2.0, -1.0, 3.0]))
    if size is None:
        return st.fixed_dictionaries({n: value for n in inputs})
    return st.fixed_dictionaries({n: st.lists(value, min_size=size, max_size=size) for n in inputs})


@st.composite
def program_point(draw):
    """(text, oracle program, point) with the point well inside every node's domain."""
    text = draw(programs())
    prog = read(text)
    point = draw(points(prog.inputs))
    assume(well_inside(prog, point))
    return text, prog, point


@st.composite
def wrt_lists(draw, prog) -> list[str]:
    """wrt: inputs, intermediate names (aliases included) and absent names, in any order, no repeats."""
    pool = list(prog.inputs) + list(prog.assigned) + ABSENT[:1] + [draw(st.sampled_from(ABSENT))]
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))


@st.composite
def text_lists(draw):
    """1-5 program texts: repeats of one text, one text written two ways, a name one assigns and one reads."""
    base = [draw(programs()) for _ in range(draw(st.integers(1, 3)))]
    texts = list(base)
    extra = draw(st.sampled_from(["repeat", "swap", "both", "none", "leak"]))
    if extra == "leak":  # a name another text assigns is this text's own input
        texts.append(f"{draw(st.sampled_from(INTERMEDIATES))} * x")
    if extra in ("repeat", "both"):
        texts.insert(draw(st.integers(0, len(texts))), draw(st.sampled_from(base)))
    if extra in ("swap", "both"):
        texts.append(draw(st.sampled_from(["x*y", "y*x", "x+y", "y+x"])))
        texts.append({"x*y": "y*x", "y*x": "x*y", "x+y": "y+x", "y+x": "x+y"}[texts[-1]])
    return texts


@st.composite
def list_point(draw):
    texts = draw(text_lists())
    progs = [read(t) for t in texts]
    inputs = list(dict.fromkeys(n for p in progs for n in p.inputs))
    point = draw(points(inputs))
    for p in progs:
        assume(well_inside(p, {n: point[n] for n in p.inputs}))
    # a name one text assigns and another reads as an input is refused as a wrt name or seed (ambiguous: tested
    # in test_contract_audit16); the oracle here reads every input name as that input
    assume(not sg.parse(texts).ambiguous & set(inputs))
    return texts, progs, inputs, point


# --------------------------------------------------------------------------- helpers


def quiet(call, *args, **kwargs):
    """Call without warnings (an absent wrt name may warn; the value is what is checked here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def oracle_grad(prog, wrt, point) -> dict[str, float]:
    values = {}
    for name in wrt:
        d = as_float(prog.derivative(name, {n: point[n] for n in prog.inputs}))
        assume(d is not None and abs(d) < 1e8)
        values[name] = d
    return values


def exact_tolerance(progs) -> float:
    """Closed forms are exact but for float literals, which sympy rounds to 53 bits."""
    return 1e-13 if any(p.has_float() for p in progs) else 1e-20


def closed_form_value(expr: sympy.Expr, point: dict[str, float]) -> complex:
    subs = {sympy.Symbol(n): sympy.Float(float(v), 30) for n, v in point.items()}
    return complex(sympy.N(expr, 30, subs=subs))


def close(a, b, rel=1e-9, abs_=1e-10) -> bool:
    return abs(a - b) <= abs_ + rel * abs(b)


# --------------------------------------------------------------------------- grad in every mode


@PROPERTY
@given(data=st.data())
def test_grad_every_mode_at_and_closed_form_match_the_oracle(data):
    text, prog, point = data.draw(program_point())
    wrt = data.draw(wrt_lists(prog))
    expected = oracle_grad(prog, wrt, point)
    tol = exact_tolerance([prog])
    for mode in MODES:
        g = quiet(sg.grad, text, wrt, mode=mode)
        assert list(g) == wrt, (mode, text)
        at = g.at(**point)
        assert list(at) == wrt, (mode, text)
        for name in wrt:
            assert close(at[name], expected[name]), (mode, text, wrt, point, name, at[name], expected[name])
            exact = closed_form_value(g[name], point)
            assert exact.imag == 0 and close(exact.real, expected[name], rel=tol, abs_=tol), \
                (mode, text, wrt, point, name, g[name], exact, expected[name])


@PROPERTY
@given(data=st.data())
def test_absent_and_intermediate_wrt_names(data):
    """A name the program does not contain gets exactly 0; an assigned name (alias too) is its node."""
    text, prog, point = data.draw(program_point())
    names = list(prog.assigned) + ABSENT
    expected = oracle_grad(prog, names, point)
    for mode in MODES:
        at = quiet(sg.grad, text, names, mode=mode).at(**point)
        for name in names:
            assert close(at[name], expected[name]), (mode, text, point, name, at[name], expected[name])


# --------------------------------------------------------------------------- compiled functions


@PROPERTY
@given(data=st.data())
def test_gradient_lambdify_arrays_and_single_points(data):
    text, prog, _ = data.draw(program_point())
    wrt = data.draw(wrt_lists(prog))
    columns = data.draw(points(prog.inputs, size=5))
    rows = [{n: columns[n][i] for n in prog.inputs} for i in range(5)]
    for row in rows:
        assume(well_inside(prog, row))
    expected = [oracle_grad(prog, wrt, row) for row in rows]
    g = quiet(sg.grad, text, wrt)
    fn = g.lambdify()
    arrays = fn(*[np.array(columns[n]) for n in g.graph.inputs])
    assert len(arrays) == len(wrt)
    for k, name in enumerate(wrt):
        assert np.shape(arrays[k]) == (5,), (text, name, arrays[k])
        for i in range(5):
            assert close(arrays[k][i], expected[i][name]), (text, wrt, rows[i], name, arrays[k][i], expected[i][name])
    vm = g.lambdify(backend="vm")(*[np.array(columns[n]) for n in g.graph.inputs])  # the VM, against the oracle too
    for k, name in enumerate(wrt):
        for i in range(5):
            assert close(vm[k][i], expected[i][name]), ("vm", text, wrt, rows[i], name, vm[k][i], expected[i][name])
    for i, row in enumerate(rows):
        kinds = [float, np.float64] + ([int] if all(float(v).is_integer() for v in row.values()) else [])
        for kind in kinds:
            single = fn(*[kind(row[n]) for n in g.graph.inputs])
            for k, name in enumerate(wrt):
                assert np.shape(single[k]) == (), (text, kind, single[k])
                assert single[k] == arrays[k][i] or (math.isnan(single[k]) and math.isnan(arrays[k][i])), \
                    (text, wrt, row, kind.__name__, name, single[k], arrays[k][i])


@PROPERTY
@given(data=st.data())
def test_value_and_grad_matches_the_oracle(data):
    text, prog, point = data.draw(program_point())
    wrt = data.draw(wrt_lists(prog))
    value = as_float(prog.value(point))
    expected = oracle_grad(prog, wrt, point)
    for mode in ("reverse", "forward"):
        fn = quiet(sg.value_and_grad, text, wrt, mode=mode)
        graph = sg.parse(text)
        v, grads = fn(**point)
        assert close(float(v), value), (mode, text, point, v, value)
        assert len(grads) == len(wrt)
        for name, got in zip(wrt, grads):
            assert close(float(got), expected[name]), (mode, text, wrt, point, name, got, expected[name])
        # the same through positional scalars of the graph's input order
        v2, grads2 = fn(*[point[n] for n in graph.inputs])
        assert float(v2) == float(v) and [float(a) for a in grads2] == [float(a) for a in grads], (mode, text)
    inputs = list(prog.inputs)
    vec = quiet(sg.value_and_grad, text, inputs, vector=True)
    v, grads = vec(np.array([point[n] for n in inputs]))
    expected = oracle_grad(prog, inputs, point)
    assert close(float(v), value), (text, point, v, value)
    assert np.shape(grads) == (len(inputs),)
    for name, got in zip(inputs, grads):
        assert close(float(got), expected[name]), ("vector", text, point, name, got, expected[name])


# --------------------------------------------------------------------------- jvp and vjp


@PROPERTY
@given(data=st.data())
def test_jvp_with_intermediates_matches_oracle_jv(data):
    """J·v = sum of v_i * d f / d wrt_i, each partial as grad defines it (intermediate names too)."""
    text, prog, point = data.draw(program_point())
    wrt = data.draw(wrt_lists(prog))
    seeds = data.draw(st.lists(st.sampled_from([1, -1, 2, 0.5, 3]), min_size=len(wrt), max_size=len(wrt)))
    expected_grad = oracle_grad(prog, wrt, point)
    expected = sum(s * expected_grad[n] for s, n in zip(seeds, wrt))
    d = quiet(sg.jvp, text, wrt, seeds)
    (label,) = list(d)
    got = d.at(**point)[label]
    assert close(got, expected, abs_=1e-9), (text, wrt, seeds, point, got, expected)
    exact = closed_form_value(d[label], point)
    assert close(exact.real, expected, abs_=1e-9) and exact.imag == 0, (text, wrt, seeds, d[label], expected)


@PROPERTY
@given(data=st.data())
def test_vjp_with_intermediates_matches_oracle(data):
    text, prog, point = data.draw(program_point())
    wrt = data.draw(wrt_lists(prog))
    seed = data.draw(st.sampled_from([1, -1, 2, 0.5]))
    expected = oracle_grad(prog, wrt, point)
    d = quiet(sg.vjp, text, wrt, [seed])
    assert list(d) == wrt
    at = d.at(**point)
    for name in wrt:
        assert close(at[name], seed * expected[name]), (text, wrt, seed, point, name, at[name], expected[name])


@PROPERTY
@given(data=st.data())
def test_jvp_and_vjp_of_lists_with_repeated_outputs(data):
    texts, progs, inputs, point = data.draw(list_point())
    wrt = list(inputs) + ["z9"]
    J = [[as_float(shared_derivative(progs, p, n, point)) for n in wrt] for p in progs]
    assume(all(v is not None for row in J for v in row))
    v = data.draw(st.lists(st.sampled_from([1, -1, 2, 0.5]), min_size=len(wrt), max_size=len(wrt)))
    w = data.draw(st.lists(st.sampled_from([1, -1, 2, 0.5]), min_size=len(texts), max_size=len(texts)))
    jv = quiet(sg.jvp, texts, wrt, v)
    got = list(jv.at(**point).values())
    assert len(got) == len(texts), (texts, list(jv))
    for i, row in enumerate(J):
        want = sum(a * b for a, b in zip(row, v))
        assert close(got[i], want, abs_=1e-9), (texts, wrt, v, point, i, got[i], want)
    wj = quiet(sg.vjp, texts, wrt, w)
    at = wj.at(**point)
    assert list(at) == wrt
    for j, name in enumerate(wrt):
        want = sum(w[i] * J[i][j] for i in range(len(texts)))
        assert close(at[name], want, abs_=1e-9), (texts, wrt, w, point, name, at[name], want)


# --------------------------------------------------------------------------- lists of functions


@PROPERTY
@given(data=st.data())
def test_jacobian_of_lists_has_one_row_per_text(data):
    texts, progs, inputs, point = data.draw(list_point())
    wrt = data.draw(st.permutations(list(inputs) + ["z9"]))
    expected = [[as_float(shared_derivative(progs, p, n, point)) for n in wrt] for p in progs]
    assume(all(v is not None and abs(v) < 1e8 for row in expected for v in row))
    for mode in ("reverse", "forward", "elimination"):
        J = quiet(sg.jacobian, texts, wrt, mode=mode)
        assert J.shape == (len(texts), len(wrt)), (mode, texts, wrt, J.shape)
        for i in range(len(texts)):
            for j in range(len(wrt)):
                got = closed_form_value(J[i, j], point)
                assert close(got.real, expected[i][j], rel=1e-12, abs_=1e-12), \
                    (mode, texts, wrt, point, i, j, J[i, j], expected[i][j])


@PROPERTY
@given(data=st.data())
def test_lambdify_of_lists_returns_one_array_per_text(data):
    texts, progs, inputs, point = data.draw(list_point())
    fn = sg.lambdify(texts)
    graph = sg.parse(texts)
    out = fn(**{n: np.array([point[n]] * 3) for n in graph.inputs})
    out = out if isinstance(out, tuple) else (out,)
    assert len(out) == len(texts), (texts, len(out))
    for i, p in enumerate(progs):
        want = as_float(p.value({k: point[k] for k in p.inputs}))
        assert np.shape(out[i]) == (3,)
        assert all(close(float(a), want) for a in out[i]), (texts, point, i, out[i], want)


@PROPERTY
@given(data=st.data())
def test_single_point_equals_the_array_element_everywhere(data):
    """NumPy is the reference for one point: inside or outside the domain (nan), float, int or float64."""
    text = data.draw(programs())
    graph = sg.parse(text)
    row = data.draw(st.fixed_dictionaries({n: st.sampled_from([-4.0, -1.0, 0.0, 0.5, 2.0, 3.0])
                                           for n in graph.inputs}))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn in (sg.lambdify(text), sg.grad(text).lambdify()):
            arrays = fn(*[np.array([row[n]] * 2) for n in graph.inputs])
            arrays = arrays if isinstance(arrays, tuple) else (arrays,)
            for kind in (float, np.float64) + ((int,) if all(v.is_integer() for v in row.values()) else ()):
                single = fn(*[kind(row[n]) for n in graph.inputs])
                single = single if isinstance(single, tuple) else (single,)
                for a, s in zip(arrays, single):
                    assert np.array_equal(a[0], s, equal_nan=True), (text, row, kind.__name__, s, a[0])


# --------------------------------------------------------------------------- second order


def oracle_hessian(prog, point) -> np.ndarray:
    """sympy.hessian of the oracle's reading, at 30 digits (assumed finite and moderate)."""
    symbols = [sympy.Symbol(n, real=True) for n in prog.inputs]
    H = sympy.hessian(prog.sympy(), symbols)
    subs = prog.subs(point)
    values = np.empty(H.shape)
    for i, j in np.ndindex(*H.shape):
        v = as_float(sympy.N(H[i, j], 30, subs=subs))
        assume(v is not None and abs(v) < 1e8)
        values[i, j] = v
    return values


def close_arrays(got, want, rel=1e-8, abs_=1e-9) -> bool:
    return bool(np.all(np.abs(np.asarray(got, dtype=float) - want) <= abs_ + rel * np.abs(want)))


SECOND_ORDER = settings(PROPERTY, max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 30)))


@SECOND_ORDER
@given(data=st.data())
def test_hessian_every_strategy_dense_sparse_and_hvp_match_sympy_hessian(data):
    """Every Hessian strategy, dense and sparse, compiled and at a point, and H·v, against sympy.hessian."""
    text, prog, point = data.draw(program_point())
    wrt = list(prog.inputs)
    expected = oracle_hessian(prog, point)
    args = [point[n] for n in wrt]
    pattern = sg.hessian_sparsity(text, wrt).toarray()
    assert not np.any((np.abs(expected) > 1e-12) & ~pattern), (text, point, expected, pattern)
    for mode in STRATEGIES:
        H = sg.hessian(text, wrt, mode=mode)
        assert H.shape == (len(wrt), len(wrt)) and H == H.T, (mode, text)
        assert close_arrays(H.lambdify()(*args), expected), (mode, text, point, H.lambdify()(*args), expected)
        batch = H.lambdify()(*[np.full(2, a) for a in args])
        assert batch.shape == (len(wrt), len(wrt), 2) and close_arrays(batch[..., 1], expected), (mode, text)
        exact = np.array([[closed_form_value(H[i, j], point) for j in range(len(wrt))] for i in range(len(wrt))])
        assert np.all(exact.imag == 0) and close_arrays(exact.real, expected), (mode, text, H, expected)
        S = sg.hessian(text, wrt, mode=mode, sparse=True)
        assert np.array_equal(S.pattern.toarray(), pattern), (mode, text)
        assert close_arrays(S.lambdify()(*args).toarray(), expected), (mode, text)
    v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=len(wrt), max_size=len(wrt)))
    hv = sg.hvp(text, wrt, v).at(**point)
    assert list(hv) == wrt and close_arrays([hv[n] for n in wrt], expected @ np.array(v)), (text, v, hv, expected)
    hessp = sg.hessp(text, wrt)(np.array(args), np.array(v))
    assert close_arrays(hessp, expected @ np.array(v)), (text, v, hessp, expected)


# --------------------------------------------------------------------------- every backend at the edges

#: zeros of both signs, infinities, nan, subnormals, huge and ordinary values
EDGE_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, -0.5, math.inf, -math.inf, math.nan, 5e-324, -1e-310, 1e308, -1e308, 3.0]


def agree(got, want, exact: bool = True) -> bool:
    """Equal as NumPy's results: bit for bit (every nan alike, the sign of zero kept) but for a last bit of a
    finite value, or else to 1e-9 with the same sign bit, nan where NumPy's is nan (JavaScript's Math.pow is
    not C's in the last bit).  The last bit: NumPy 2 on a CPU with AVX-512 takes ``x ** y`` of arrays from its
    own SIMD code, and C's ``pow`` (the VM's, numba's, NumPy's scalars') differs from it there
    (``sqrt(6) ** 3``: 14.696938456699064 against 14.696938456699066)."""
    from tests.helpers import bits
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    if exact:
        if bits(got) == bits(want):
            return True
        same = (got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) & np.isnan(want))
        near = np.isfinite(want) & np.isfinite(got) & (np.abs(got - want) <= np.spacing(np.abs(want)))
        return bool(np.all(same | near))
    same = np.isclose(got, want, rtol=1e-9, atol=0, equal_nan=True) & (np.signbit(got) == np.signbit(want))
    return bool(np.all(same | (np.isnan(got) & np.isnan(want))))


@settings(PROPERTY, max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 12)))
@given(data=st.data())
def test_every_backend_agrees_with_numpy_at_special_values(data):
    """Programs of exact operations (arithmetic, powers of every sign, max/min/where/comparisons, abs, sign,
    relu, sqrt) with shared nodes, aliases and repeated outputs give NumPy's bits on the VM, numba and Dask,
    and NumPy's values on the explorer's JavaScript, at zeros of both signs, infinities, nan, subnormals
    and huge values, on arrays and at single points, the function and its gradient."""
    import dask.array as da
    from symgraph.backends.javascript import javascript_source
    from symgraph.export.display import graph_program
    from tests.backends.test_agreement import run_node

    text = data.draw(programs(functions=EDGE_FUNCTIONS, exponents=EDGE_EXPONENTS, calls=EDGE_CALLS))
    graph = sg.parse(text)
    inputs = list(graph.inputs)
    columns = [np.array(data.draw(st.permutations(EDGE_VALUES))) for _ in inputs]
    inner = [str(n) for n in graph.nx.nodes if str(n) not in inputs]  # an intermediate too, when there is one
    # a program of aliases only (``c = x``) has no intermediate to draw
    gradient = sg.grad(graph, inputs + ([data.draw(st.sampled_from(inner))] if inner else []), allow_unused=True)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for program, make in ((graph_program(graph), lambda **kw: sg.lambdify(graph, args=inputs, **kw)),
                              (gradient.program, lambda **kw: gradient.lambdify(args=inputs, **kw))):
            want = make()(*columns)
            want = want if isinstance(want, tuple) else (want,)
            for backend in ("vm", "numba"):
                fn = make(backend=backend)
                got = fn(*columns)
                got = got if isinstance(got, tuple) else (got,)
                assert all(agree(g, w) for g, w in zip(got, want)), (backend, text, got, want)
                for i in range(0, len(EDGE_VALUES), 5):
                    single = fn(*[float(c[i]) for c in columns])
                    single = single if isinstance(single, tuple) else (single,)
                    assert all(agree(s, w[i]) for s, w in zip(single, want)), (backend, text, i, single)
            lazy = make()(*[da.from_array(c, chunks=5) for c in columns])
            lazy = lazy if isinstance(lazy, tuple) else (lazy,)
            assert all(agree(g.compute(), w) for g, w in zip(lazy, want)), ("dask", text)
            rows = run_node(program, inputs, list(zip(*[c.tolist() for c in columns])))
            assert len(rows[0]) == len(want), (text, javascript_source(program))
            assert all(agree([row[k] for row in rows], w, exact=False) for k, w in enumerate(want)), \
                ("javascript", text, rows, want)
