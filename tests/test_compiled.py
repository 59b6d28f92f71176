"""lambdify and value_and_grad, the compiling API: calls by position and keyword, signatures, args=, the vector form, options."""
import inspect
import math

import numpy as np
import pytest

import symgraph as sg
from tests.helpers import bits

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


# ---------------------------------------------------------------- calling conventions
def test_positional_and_keyword_calls_agree():
    g = sg.grad("x*sin(y) + y*z")
    fn = g.lambdify()
    assert g.graph.inputs == ("x", "y", "z")
    pos = fn(1.0, 2.0, 3.0)
    for other in (fn(x=1.0, y=2.0, z=3.0), fn(1.0, z=3.0, y=2.0)):
        for p, q in zip(pos, other):
            assert p == q
    assert list(inspect.signature(fn).parameters) == ["x", "y", "z"]


def test_wrong_arguments_are_type_errors_naming_the_problem():
    fn = sg.grad("(a+b)*(b+1)").lambdify()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'b'"):
        fn(1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        fn(1.0, 2.0, c=3.0)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3"):
        fn(1.0, 2.0, 3.0)


def test_lambdify_values_single_and_multi_output():
    f = sg.lambdify("(a+b)*(b+1)")
    np.testing.assert_array_equal(f([2, 3], [1, 2]), [6, 15])
    assert f(a=2, b=1).shape == ()
    two = sg.lambdify(sg.parse("u = x*y; v = x + 1", outputs=["u", "v"]))
    u, v = two(x=[1.0, 2.0], y=3.0)
    np.testing.assert_array_equal(u, [3, 6])
    np.testing.assert_array_equal(v, [2, 3])
    const = sg.lambdify("2*pi")()
    assert const.shape == () and const == pytest.approx(2 * math.pi)


def test_value_and_grad_matches_value_and_gradient():
    fn = sg.value_and_grad(TEXTBOOK, wrt=["a", "b"])
    value, grads = fn(a=[2.0, 3.0], b=[1.0, 2.0])
    np.testing.assert_array_equal(value, [6, 15])
    assert isinstance(grads, tuple) and len(grads) == 2
    np.testing.assert_array_equal(grads[0], [2, 3])
    np.testing.assert_array_equal(grads[1], [5, 8])
    value, (only,) = sg.value_and_grad("x^3", wrt="x")(2.0)
    assert value == 8 and only == 12


def test_vector_form_for_optimisers():
    fn = sg.value_and_grad("(1-x)^2 + 100*(y-x^2)^2", wrt=["x", "y"], vector=True)
    value, g = fn(np.array([0.5, 2.0]))
    assert type(value) is float and value == pytest.approx(0.25 + 100 * 1.75 ** 2)
    assert g.shape == (2,) and g.dtype == np.float64
    np.testing.assert_allclose(g, [-2 * 0.5 - 400 * 0.5 * 1.75, 200 * 1.75])
    # the vector follows the wrt order, not the order of first appearance
    flipped = sg.value_and_grad("(1-x)^2 + 100*(y-x^2)^2", wrt=["y", "x"], vector=True)
    np.testing.assert_allclose(flipped(np.array([2.0, 0.5]))[1], g[::-1])
    with pytest.raises(sg.GraphError, match="1-D vector of 2 values"):
        fn(np.ones(3))
    # an input not in wrt is data, passed after the vector by position or by name
    data = sg.value_and_grad("x*y", wrt=["x"], vector=True)
    assert data(np.array([2.0]), 3.0) == (6.0, pytest.approx([3.0])) and data([2.0], y=3.0)[0] == 6.0
    with pytest.raises(sg.errors.ArgumentError, match="missing 1 required positional argument: 'y'"):
        data(np.array([2.0]))
    with pytest.raises(sg.GraphError, match="not inputs: c"):
        sg.value_and_grad("c = x*y; c + x", wrt=["x", "c"], vector=True)


def test_vector_form_calls_functions_through_numpy():
    fn = sg.value_and_grad("sin(x)*y + log(y)", wrt=["x", "y"], vector=True)
    value, g = fn(np.array([1.0, 2.0]))
    assert value == pytest.approx(2 * np.sin(1.0) + np.log(2.0))
    np.testing.assert_allclose(g, [2 * np.cos(1.0), np.sin(1.0) + 0.5])
    with np.errstate(divide="ignore"):
        assert fn(np.array([1.0, 0.0]))[0] == -np.inf  # NumPy's domain rules: log(0) is -inf
    one = sg.value_and_grad("exp(x)", wrt=["x"], vector=True)  # a single input unpacks too
    assert one(np.array([0.0])) == (1.0, pytest.approx(np.array([1.0])))


# ---------------------------------------------------------------- calling: one binder, signatures, args=
def _rosenbrock(n):
    return "+".join(f"100*(x{i+1}-x{i}^2)^2+(1-x{i})^2" for i in range(n - 1))


def test_keyword_calls_cost_one_lookup_per_keyword():
    """Issue example: n = 4000, keyword calls were 40x slower than positional (CPython matched each keyword
    against the parameters by a linear scan).  The binder now reads each keyword with one dictionary lookup:
    counted here rather than timed, so the test holds on a loaded machine."""
    g = sg.grad(_rosenbrock(4000))
    fn = g.lambdify()
    values = [0.5] * len(g.graph.inputs)
    by_name = dict(zip(g.graph.inputs, values))

    class CountingIndex(dict):
        lookups = 0

        def get(self, key, default=None):
            CountingIndex.lookups += 1
            return dict.get(self, key, default)

    fn._bind.index = CountingIndex(fn._bind.index)
    assert bits(fn(**by_name)) == bits(fn(*values))
    assert CountingIndex.lookups == len(by_name)
    assert "**" not in str(inspect.signature(fn)) and len(inspect.signature(fn).parameters) == len(values)


def test_every_compiled_function_has_a_real_signature():
    text = "x1*x0 + y"
    for fn in (sg.lambdify(text), sg.grad(text).lambdify(), sg.value_and_grad(text),
               sg.lambdify(text, chunk=3), sg.value_and_grad(text, wrt=["x0", "x1", "y"], vector=True)):
        params = list(inspect.signature(fn).parameters)
        assert params == (["x"] if params == ["x"] else ["x1", "x0", "y"]), fn


def test_args_fixes_the_positional_order():
    """Issue example: Rosenbrock's x1 comes before x0; args= puts the inputs in the caller's order."""
    names = [f"x{i}" for i in range(5)]
    text = _rosenbrock(5)
    p = [0.1, 0.2, 0.3, 0.4, 0.5]
    by_name = dict(zip(names, p))
    fn = sg.value_and_grad(text, wrt=names, args=names)
    assert list(inspect.signature(fn).parameters) == names
    assert bits(fn(*p)) == bits(fn(**by_name))
    assert bits(sg.lambdify(text, args=names)(*p)) == bits(sg.lambdify(text)(**by_name))
    assert bits(sg.grad(text, wrt=names).lambdify(args=names)(*p)) == bits(sg.grad(text, wrt=names).lambdify()(**by_name))
    value, g = sg.value_and_grad(text, args=names[::-1], vector=True)(np.array(p[::-1]))
    assert bits(value) == bits(fn(*p)[0]) and bits(tuple(g[::-1])) == bits(fn(*p)[1])


def test_args_must_be_a_permutation_of_the_inputs():
    with pytest.raises(sg.GraphError, match="inputs missing from args: y"):
        sg.lambdify("x*y", args=["x"])
    with pytest.raises(sg.GraphError, match="not inputs: z"):
        sg.grad("x*y").lambdify(args=["x", "y", "z"])
    with pytest.raises(sg.GraphError, match="given twice: x"):
        sg.value_and_grad("x*y", args=["x", "x", "y"])
    with pytest.raises(sg.GraphError, match="share one order"):
        sg.value_and_grad("x*y", wrt=["x", "y"], args=["y", "x"], vector=True)


# ---------------------------------------------------------------- one compile entry point: options everywhere
def test_every_compiler_takes_the_same_options():
    text = "sin(a)*b + a^2"
    a, b = np.linspace(-1, 1, 9), np.linspace(2, 3, 9)
    whole = sg.lambdify(text)(a, b)
    np.testing.assert_array_equal(sg.lambdify(text, chunk=4)(a, b), whole)
    value, grads = sg.value_and_grad(text, chunk=4)(a, b)
    np.testing.assert_array_equal(value, whole)
    np.testing.assert_array_equal(grads[0], sg.grad(text).lambdify()(a, b)[0])
    with pytest.raises(sg.GraphError, match="parallel=True needs backend='numba'"):
        sg.lambdify(text, parallel=True)
    with pytest.raises(sg.GraphError, match="unknown backend 'jax'"):
        sg.value_and_grad(text, backend="jax")
    with pytest.raises(sg.GraphError, match="chunk= does not apply"):
        sg.value_and_grad(text, vector=True, chunk=4)


def test_unknown_backend():
    with pytest.raises(sg.GraphError, match="unknown backend 'jax'"):  # a symgraph error, and a ValueError
        sg.grad("x*y").lambdify(backend="jax")


@pytest.mark.parametrize("compile_", [lambda xp: sg.lambdify("x*y", xp=xp), lambda xp: sg.grad("x*y").lambdify(xp),
                                      lambda xp: sg.value_and_grad("x*y", xp=xp)])
def test_xp_names_the_module_it_needs(compile_):
    """xp="numpy" (the module's name instead of the module) raised AttributeError "'str' object has no
    attribute '__name__'" from inside the NumPy backend."""
    with pytest.raises(sg.SymgraphError, match=r"xp= takes an array namespace, the module itself .* got str 'numpy'"):
        compile_("numpy")
    assert compile_(np)(2.0, 3.0) is not None


def test_parallel_needs_numba_backend():
    with pytest.raises(ValueError, match="parallel=True needs backend='numba'"):
        sg.grad("x*y").lambdify(parallel=True)


def test_args_orders_lambdify_of_several_outputs_and_the_vector_form():
    fn = sg.lambdify(["x*y", "x - y"], args=["y", "x"])
    assert list(inspect.signature(fn).parameters) == ["y", "x"]
    product, difference = fn(2.0, 5.0)
    assert (float(product), float(difference)) == (10.0, 3.0)
    value, g = sg.value_and_grad("x - 2*y", wrt=["y", "x"], args=["y", "x"], vector=True)(np.array([1.0, 5.0]))
    assert value == 3.0 and g.tolist() == [-2.0, 1.0]
    assert list(inspect.signature(sg.value_and_grad("x*y", vector=True)).parameters) == ["x"]


def test_value_and_grad_returns_grads_in_wrt_order_only():
    value, grads = sg.value_and_grad("x*y*z", wrt=["z", "x"])(2.0, 3.0, 4.0)
    assert float(value) == 24.0 and [float(v) for v in grads] == [6.0, 12.0]


@pytest.mark.parametrize("given, meant", [(["y", "x"], r"the inputs' positional order is the keyword args= \(args=\['y', 'x'\]\)"),
                                          ("vm", r"a backend is the keyword backend= \(backend='vm'\)")])
def test_lambdify_given_args_or_a_backend_as_its_first_parameter_says_which_keyword(given, meant):
    """Gradient.lambdify's first parameter is xp: g.lambdify(["y", "x"]) (the order, as sympy's lambdify takes it)
    and g.lambdify("vm") said only that xp= takes an array namespace."""
    for matrix in (sg.grad("x*y"), sg.hessian("x^2*y")):
        with pytest.raises(sg.ArgumentError, match=meant):
            matrix.lambdify(given)
    with pytest.raises(sg.ArgumentError) as error:
        sg.grad("x*y").lambdify("numpy")
    assert "backend=" not in str(error.value)  # the module numpy, as the message says


def test_value_and_grads_docstring_lists_the_modes_it_takes_and_what_it_raises():
    """Its docstring listed mode in {"reverse", "forward", "paths"}, though "elimination" and "auto" work as in
    grad, and said vector=True raises when wrt "does not list exactly the inputs", though the inputs not in wrt
    are data there.  It now lists every mode the call takes, and the vector form with a subset of the inputs runs."""
    import re
    from symgraph.ad.modes import SWEEP_OF_MODE

    doc = sg.value_and_grad.__doc__
    listed = re.search(r"mode : \{([^}]*)\}", doc)[1]
    assert set(re.findall(r'"([a-z-]+)"', listed)) == {*SWEEP_OF_MODE, "auto"}
    for mode in (*SWEEP_OF_MODE, "auto"):
        assert sg.value_and_grad("x*y", mode=mode)(2.0, 3.0) == (6.0, (3.0, 2.0))
    assert "does not list exactly the inputs" not in doc
    assert sg.value_and_grad("x*y", wrt=["x"], vector=True)([2.0], 3.0)[1].tolist() == [3.0]
