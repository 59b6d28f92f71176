"""Regression tests for silently wrong results: wrt names, directional seeds, repeated outputs, conventions."""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import UnusedWrtWarning

MODES = ["reverse", "forward", "paths", "elimination", "auto"]


# ---------------------------------------------------------------- absent wrt names
@pytest.mark.parametrize("mode", MODES)
def test_misspelled_wrt_warns_and_gives_zero(mode):
    with pytest.warns(UnusedWrtWarning, match=r"'z'.*inputs: x, y.*allow_unused=True"):
        g = sg.grad("x*y", wrt=["z"], mode=mode)
    assert g["z"] == 0 and g.at(x=1.0, y=2.0) == {"z": 0.0} == g.at(x=1.0, y=2.0, z=5.0)  # z: a parameter, ignored


def test_warning_names_the_closest_match():
    with pytest.warns(UnusedWrtWarning, match=r"did you mean 'alpha'"):
        sg.grad("alpha*y", wrt=["alpah", "y"])


@pytest.mark.parametrize("call", [
    lambda **kw: sg.grad("x*y", wrt=["x", "z"], **kw),
    lambda **kw: sg.jacobian(["x*y", "x+y"], wrt=["x", "z"], **kw),
    lambda **kw: sg.jvp("x*y", ["x", "z"], [1, 1], **kw),
    lambda **kw: sg.vjp(["x*y", "x+y"], ["x", "z"], [1, 1], **kw),
    lambda **kw: sg.compare("x*y", wrt=["x", "z"], **kw),
])
def test_allow_unused_silences_every_entry_point(call):
    with pytest.warns(UnusedWrtWarning):
        call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call(allow_unused=True)


def test_jacobian_zero_column_for_an_absent_name():
    with pytest.warns(UnusedWrtWarning):
        m = sg.jacobian(["x*y", "x+y"], wrt=["x", "z"])
    assert m == sympy.Matrix([[sympy.Symbol("y"), 0], [1, 0]])


@pytest.mark.parametrize("mode", MODES)
def test_generated_node_names_are_not_wrt_names(mode):
    text = "q = 1e-1+v1; asin(v1+1e-1)"  # the builder names the unnamed asin node; the user never wrote it
    graph = sg.parse(text)
    generated = [n for n in graph.order if n not in graph.user_names]
    assert generated
    for name in generated:
        with pytest.warns(UnusedWrtWarning):
            g = sg.grad(text, wrt=[name, "v1"], mode=mode)
        assert g[name] == 0
        assert g.at(v1=0.2)[name] == 0.0
        assert g.at(v1=0.2)["v1"] == pytest.approx(1 / np.sqrt(1 - 0.3 ** 2))


def test_an_assigned_intermediate_is_a_wrt_name():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = sg.grad("c = a + b; d = b + 1; e = c * d", wrt=["c", "d"])
    assert g.at(a=2.0, b=1.0) == {"c": 2.0, "d": 3.0}


# ---------------------------------------------------------------- jvp and vjp
def test_jvp_tangent_that_cancels_replaces_the_seed():
    assert sg.jvp("v = -x; y = v*3", ["v", "x"], [1, 1]).at(x=2.0) == {"y": 0.0}
    assert sg.jvp("v = -x; y = v*3", ["v", "x"], [1, 2]).at(x=2.0) == {"y": -3.0}


def test_jvp_keys_are_user_labels():
    d = sg.jvp("x*y", ["x", "y"], [1, "u"])
    assert list(d) == ["f"]
    assert d.at(x=2.0, y=3.0, u=5.0) == {"f": 13.0}
    named = sg.jvp("p = x*y", ["x", "y"], [1, 0])
    assert list(named) == ["p"]


def test_jvp_of_repeated_outputs_gives_one_entry_each():
    d = sg.jvp(["x*y", "x*y", "x+y"], ["x", "y"], [1, 2])
    assert len(d) == 3
    assert list(d.at(x=2.0, y=3.0).values()) == [7.0, 7.0, 3.0]


def test_vjp_seeds_of_repeated_outputs_add():
    d = sg.vjp(["x*y", "x*y"], ["x", "y"], [1, 2])
    assert d.at(x=2.0, y=5.0) == {"x": 15.0, "y": 6.0}
    d = sg.vjp(["x*y", "y*x", "x+y"], ["x", "y"], [1, -1, 1])  # the same node seeded with 1 and -1
    assert d.at(x=2.0, y=5.0) == {"x": 1.0, "y": 1.0}


def test_seed_named_like_a_generated_node_is_a_new_input_not_that_node():
    graph = sg.parse("sin(x)*y")
    generated = next(n for n in graph.order if n not in graph.user_names)
    d = sg.jvp(graph, ["x"], [generated])
    seed, x, y = sympy.symbols(f"{generated} x y")
    assert sympy.simplify(d["f"] - seed * y * sympy.cos(x)) == 0
    assert d.at(x=0.0, y=2.0, **{generated: 3.0}) == {"f": 6.0}


# ---------------------------------------------------------------- repeated outputs
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("texts", [["x*y", "y*x", "x+y"], ["x-y", "x-y", "x+y"]])
def test_jacobian_has_one_row_per_function(texts, mode):
    m = sg.jacobian(texts, wrt=["x", "y"], mode=mode)
    x, y = sympy.symbols("x y")
    want = sympy.Matrix([[sympy.diff(sympy.sympify(t, locals={"x": x, "y": y}), v) for v in (x, y)]
                         for t in texts])
    assert m.shape == (3, 2)
    assert (m - want).applyfunc(sympy.simplify) == sympy.zeros(3, 2)


# ---------------------------------------------------------------- conventions
@pytest.mark.parametrize("mode", MODES)
def test_power_derivative_in_the_exponent_is_zero_at_a_zero_base(mode):
    g = sg.grad("x^y", wrt=["y"], mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log(0) warning either
        assert g.at(x=0.0, y=2.0) == {"y": 0.0}
        assert g.lambdify()(np.array([0.0, 2.0]), 3.0)[0].tolist() == [0.0, 8 * np.log(2)]
    assert g["y"].subs({sympy.Symbol("x"): 0, sympy.Symbol("y"): 2}) == 0
    assert g["y"].subs({sympy.Symbol("x"): 2, sympy.Symbol("y"): 3}) == 8 * sympy.log(2)


def test_zero_to_the_x_has_derivative_zero_where_it_is_finite():
    """0 for x >= 0 (no zoo from log(0)); nan for x < 0, where 0^x is inf, in the closed form as in the numbers."""
    g = sg.grad("0^x")
    x = sympy.Symbol("x")
    assert g.at(x=2.0) == {"x": 0.0} and g.at(x=0.0) == {"x": 0.0}
    assert g["x"].subs(x, 2) == 0 and g["x"].subs(x, 0) == 0 and g["x"].subs(x, -1) is sympy.nan
    assert not g["x"].has(sympy.zoo)


@pytest.mark.parametrize("h0", [0, 1, sympy.Rational(1, 2), None])
def test_heaviside_from_sympy_keeps_its_value_at_zero(h0):
    x, y = sympy.symbols("x y")
    expr = sympy.Heaviside(x) if h0 is None else sympy.Heaviside(x, h0)
    want = float(expr.subs(x, 0))
    graph = sg.Graph.from_sympy(expr * y)
    assert graph.evaluate(x=0.0, y=1.0)[graph.output] == want
    # by keyword: positionally the inputs come in order of first appearance in sympy's y*Heaviside(x)
    assert float(sg.lambdify(graph)(x=0.0, y=1.0)) == want
    assert sg.lambdify(graph)(x=np.array([-1.0, 0.0, 2.0, np.nan]), y=1.0)[[0, 1, 2]].tolist() == [0.0, want, 1.0]
    assert np.isnan(sg.lambdify(graph)(x=np.array([np.nan]), y=1.0)[0])
    assert graph.expr() == expr * y


def test_relu_and_abs_keep_their_conventions():
    assert sg.grad("relu(x)").at(x=0.0) == {"x": 0.0}
    assert sg.grad("abs(x)").at(x=0.0) == {"x": 0.0}
    assert sg.grad("relu(x)").at(x=1.0) == {"x": 1.0}


# ---------------------------------------------------------------- inputs named like parameters
@pytest.mark.parametrize("name", ["self", "values", "graph", "at", "f", "x"])
def test_inputs_named_like_parameters_evaluate_everywhere(name):
    text = f"{name}*y + sin({name})" if name != "x" else "x*y + sin(x)"
    point = {name: 2.0, "y": 3.0}
    want = {name: 3.0 + np.cos(2.0), "y": 2.0}
    assert sg.grad(text).at(**point) == pytest.approx(want)
    assert sg.parse(text).evaluate(**point)[sg.parse(text).output] == pytest.approx(6.0 + np.sin(2.0))
    assert list(sg.jvp(text, [name], [1]).at(**point).values()) == pytest.approx([want[name]])
    assert sg.vjp(text, [name, "y"], [1]).at(**point) == pytest.approx(want)
    assert sg.grad(text).program.evaluate(**point) == pytest.approx(want)
    from symgraph.export.label_values import edge_derivatives, node_adjoints
    assert node_adjoints(text, **point)[name] == pytest.approx(want[name])
    assert edge_derivatives(text, **point)


# ---------------------------------------------------------------- a wrt name the function never reads
@pytest.mark.parametrize("backend", ["numpy", "vm"])
@pytest.mark.parametrize("text, wrt", [("3", ["x"]), ("y^2", ["x", "y"])])
def test_a_derivative_takes_every_wrt_name_as_a_parameter(text, wrt, backend):
    """grad("3", wrt=["x"], allow_unused=True).lambdify() had no parameter x, so the gradient with respect to
    x could not be called as f(x) (and .at(x=2) said x is unknown).  Every derivative result takes the wrt
    names the function never reads after its inputs, with a default (callers that leave them out keep
    working): their values are ignored, but results broadcast to their shape."""
    import inspect
    x = np.array([1.0, 2.0, 3.0])
    point = {"x": x, "y": 2.0} if "y" in text else {"x": x}
    want = [np.zeros(3) if w == "x" else np.full(3, 4.0) for w in wrt]  # d/dx 0, d(y^2)/dy = 4 at y = 2
    params = list(point)[::-1]  # the function's inputs, then the unused x
    grad = sg.grad(text, wrt=wrt, allow_unused=True)
    assert np.array_equal(grad.at(**point)["x"], np.zeros(3))
    f = grad.lambdify(backend=backend)
    assert list(inspect.signature(f).parameters) == params
    for got, w in zip(f(**point), want):
        assert np.array_equal(got, w), (text, wrt, got)
    assert [np.shape(r) for r in f(*[point[n] for n in params][:-1])] == [()] * len(wrt)  # x left out
    value, grads = sg.value_and_grad(text, wrt=wrt, allow_unused=True, backend=backend)(**point)
    assert value.shape == (3,) and all(np.array_equal(g, w) for g, w in zip(grads, want))
    jac = sg.jacobian([text, text], wrt=wrt, allow_unused=True).lambdify(backend=backend)
    assert list(inspect.signature(jac).parameters) == params and jac(**point).shape == (2, len(wrt), 3)
    for mode in ["forward-over-reverse", "edge-pushing"]:
        hess = sg.hessian(text, wrt=wrt, allow_unused=True, mode=mode).lambdify(backend=backend)
        assert list(inspect.signature(hess).parameters) == params, mode
        got = hess(**point)
        assert got.shape == (len(wrt), len(wrt), 3) and got[-1, -1].tolist() == [0.0 if text == "3" else 2.0] * 3
