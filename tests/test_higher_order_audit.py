"""Derivatives of derivatives, taken on programs: third and fourth derivatives through ``Gradient.as_graph``
against sympy.diff at 30 digits, every Hessian strategy (dense and sparse, points and batches) agreeing through
where/max/min/abs, directional products with repeated outputs, and program sizes linear in a chain's depth."""
import os
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES
from tests.oracle import as_float
from tests.test_properties import EDGE_CALLS, close_arrays, program_point, programs

SETTINGS = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 8)), deadline=None,
                    derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def oracle(F, syms, names, subs) -> float:
    """d^k F / d names... at the point, at 30 digits (assumed finite and moderate)."""
    value = as_float(sympy.N(sympy.diff(F, *[syms[n] for n in names]), 30, subs=subs))
    assume(value is not None and abs(value) < 1e8)
    return value


@SETTINGS
@given(data=st.data())
def test_third_and_fourth_derivatives_on_programs_match_sympy(data):
    """The Hessian of a gradient's entry (every strategy) is the third derivative, and grad of grad of grad of an
    entry the fourth, with shared intermediates and aliases, against sympy.diff of an independent reading."""
    text, prog, point = data.draw(program_point())
    wrt = list(prog.inputs)
    syms = {n: sympy.Symbol(n, real=True) for n in wrt}
    F, subs = prog.sympy(), prog.subs(point)
    g = sg.grad(text, wrt)
    a = data.draw(st.sampled_from(wrt))
    want = np.array([[oracle(F, syms, [a, i, j], subs) for j in wrt] for i in wrt])
    for mode in STRATEGIES:
        H = sg.hessian(g.as_graph(a), wrt, mode=mode, sparse=True, allow_unused=True)
        got = H.lambdify()(*[point[n] for n in wrt]).toarray()
        assert close_arrays(got, want, rel=1e-7, abs_=1e-8), (mode, text, a, point, got, want)
    b, c = data.draw(st.sampled_from(wrt)), data.draw(st.sampled_from(wrt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an entry that no longer reads an input: its derivative is 0
        g2 = sg.grad(g.as_graph(a), wrt, allow_unused=True)
        g3 = sg.grad(g2.as_graph(b), wrt, allow_unused=True)
        g4 = sg.grad(g3.as_graph(c), wrt, allow_unused=True).at(**point)
    for d in wrt:
        want4 = oracle(F, syms, [a, b, c, d], subs)
        assert abs(g4[d] - want4) <= 1e-7 * abs(want4) + 1e-7, (text, (a, b, c, d), point, g4[d], want4)


@SETTINGS
@given(data=st.data())
def test_every_hessian_strategy_agrees_through_selects_at_points_and_on_batches(data):
    """Programs with where(), max, min, abs, relu and sign (kinks and ties included): every strategy, dense and
    sparse, at single points and on a batch, gives the same Hessian, and H·v is its product with v."""
    text = data.draw(programs(functions=["abs", "relu", "sqrt", "sign", "sin", "exp", "tanh"], calls=EDGE_CALLS))
    wrt = list(sg.parse(text).inputs)
    values = st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.5]) if data.draw(st.booleans()) else st.floats(0.2, 2.0)
    batch = [np.array(data.draw(st.lists(values, min_size=3, max_size=3))) for _ in wrt]
    results = {}
    with np.errstate(all="ignore"):
        for mode in STRATEGIES:
            f = sg.hessian(text, wrt, mode=mode).lambdify()
            results[mode] = f(*batch)
            results[mode, "points"] = np.stack([f(*[x[k] for x in batch]) for k in range(3)], -1)
            S = sg.hessian(text, wrt, mode=mode, sparse=True).lambdify()
            results[mode, "sparse"] = np.stack([S(*[x[k] for x in batch]).toarray() for k in range(3)], -1)
        v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=len(wrt), max_size=len(wrt)))
        hv = sg.hvp(text, wrt, v).at(**dict(zip(wrt, batch)))
    reference = results["forward-over-reverse"]
    for key, got in results.items():
        assert np.allclose(got, reference, rtol=1e-9, atol=1e-12, equal_nan=True), (key, text, batch, got, reference)
    product = np.einsum("ijk,j->ik", reference, np.array(v))
    got = np.array([np.broadcast_to(hv[n], (3,)) for n in wrt])
    # a zero direction is exact: it is not propagated, so an inf or nan second partial times 0 is 0, not nan
    finite = np.all(np.isfinite(reference), axis=(0, 1))
    assert np.allclose(got[:, finite], product[:, finite], rtol=1e-9, atol=1e-12, equal_nan=True), (text, v, got, product)


def test_directional_products_with_repeated_outputs_match_sympy():
    """jvp and vjp of a list holding one text twice, and hvp with numbers and with names as the direction."""
    text = "v1 = x*y; t1 = sin(v1); t2 = t1*v1 + exp(t1); c1 = t2*x; c1 + t1"
    x, y = sympy.symbols("x y")
    F = (sympy.sin(x * y) * x * y + sympy.exp(sympy.sin(x * y))) * x + sympy.sin(x * y)
    at = {x: 0.7, y: -0.3}
    grad = np.array([float(sympy.diff(F, s).evalf(30, subs=at)) for s in (x, y)])
    H = np.array([[float(sympy.diff(F, s, t).evalf(30, subs=at)) for t in (x, y)] for s in (x, y)])
    point = {"x": 0.7, "y": -0.3}
    jv = sg.jvp([text, text, "x*y"], ["x", "y"], [1.5, -2]).at(**point)
    assert list(jv.values())[0] == list(jv.values())[1] == pytest.approx(grad @ [1.5, -2], rel=1e-12)
    vj = sg.vjp([text, text], ["x", "y"], [1, 2]).at(**point)
    assert [vj["x"], vj["y"]] == pytest.approx(3 * grad, rel=1e-12)
    hv = sg.hvp(text, ["x", "y"], ["u", "w"]).at(**point, u=1.5, w=-2)
    assert [hv["x"], hv["y"]] == pytest.approx(H @ [1.5, -2], rel=1e-12)


def chain(depth: int) -> str:
    return "\n".join(["v0 = x*y"] + [f"v{i} = sin(v{i - 1})*y + v{i - 1}*x" for i in range(1, depth)])


def sizes(depth: int) -> dict:
    """Instructions of each derivative program of the chain at ``depth``."""
    text = chain(depth)
    g = sg.grad(text, ["x", "y"])
    out = {"grad": len(g.program.instructions)}
    for mode in STRATEGIES:
        out[mode] = len(sg.hessian(text, ["x", "y"], mode=mode, sparse=True).program.instructions)
    out["third"] = len(sg.hessian(g.as_graph("x"), ["x", "y"], sparse=True).program.instructions)
    g2 = sg.grad(g.as_graph("x"), ["x", "y"])
    g3 = sg.grad(g2.as_graph("y"), ["x", "y"])
    g4 = sg.grad(g3.as_graph("x"), ["x", "y"])
    out.update(second=len(g2.program.instructions), third_grad=len(g3.program.instructions),
               fourth=len(g4.program.instructions))
    return out


def test_derivatives_of_derivatives_stay_linear_in_a_chains_depth():
    """Each order, in every strategy, grows as the chain does (depth 50 -> 100 -> 200: sizes about double), since
    every derivative is taken on the program before it; closed forms would grow exponentially."""
    small, middle, large = sizes(50), sizes(100), sizes(200)
    for key in small:
        assert middle[key] <= 2.1 * small[key] and large[key] <= 2.1 * middle[key], (key, small, middle, large)
    assert large["fourth"] < 50 * len(sg.parse(chain(200)).nx)
