"""Values bound to inputs by name (``.at``, ``Graph.evaluate``): real numbers or arrays of them, or a named error."""
import inspect
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy

import symgraph as sg


@pytest.mark.parametrize("value", [1j, "1", None, np.array([1j, 1.0]), np.array(["1"]), [1, "a"],
                                   np.array([None, 1.0], dtype=object), sympy.I, [1, [2, 3]]])
def test_values_that_are_not_real_numbers_are_refused_by_name(value):
    # NumPy would read "1" as 1.0, None as nan and a complex array as its real part: wrong numbers, silently
    with pytest.raises(sg.GraphError, match="value for x must be a real number"):
        sg.grad("x^2*y").at(x=value, y=1)
    with pytest.raises(sg.GraphError, match="value for x must be a real number"):
        sg.parse("x/y").evaluate(x=value, y=2)


@pytest.mark.parametrize("value", [2**2000, Decimal("1e400"), Fraction(10**400, 3), sympy.Integer(10)**400,
                                   [1.0, Decimal("-1e400")]])
def test_an_exact_number_too_large_for_a_float_is_refused(value):
    """An int said so; a Decimal, Fraction or sympy number past float64 silently became inf."""
    with pytest.raises(sg.GraphError, match="too large for a float64"):
        sg.grad("x^2").at(x=value)


def test_an_infinite_exact_number_stays_infinite():
    assert sg.parse("x + 1").evaluate(x=Decimal("-Infinity"))["v1"] == -np.inf
    assert sg.grad("x*y").at(x=sympy.oo, y=2)["y"] == np.inf


@pytest.mark.parametrize("value, want", [(True, 2.0), (np.int8(3), 6.0), (np.float32(2), 4.0), (sympy.pi, 2 * np.pi),
                                         (sympy.Rational(1, 2), 1.0), (np.array([1, 2], dtype=object), [2.0, 4.0])])
def test_real_numbers_of_every_kind_are_accepted(value, want):
    assert sg.grad("x^2").at(x=value)["x"] == pytest.approx(want)


def test_shapes_that_do_not_broadcast_are_named_not_numpys_error():
    # NumPy's "operands could not be broadcast together" names neither input
    with pytest.raises(sg.GraphError, match=r"do not broadcast together: a \(3,\), b \(2,\)"):
        sg.grad("(a+b)*(b+1)").at(a=np.arange(3.0), b=np.arange(2.0))
    with pytest.raises(sg.GraphError, match=r"do not broadcast together: a \(2,\), b \(3,\)"):
        sg.parse("c = a + b; d = c*b").evaluate(a=np.ones(2), b=np.ones(3))
    assert sg.grad("a*b").at(a=np.arange(3.0), b=np.ones((2, 1)))["a"].shape == (2, 3)


def test_indexed_values_are_named_as_the_user_wrote_them():
    g = sg.grad("sum(x[i]^2, i, 0, n-1)*y", n=3)
    with pytest.raises(sg.GraphError, match=r"value for x\[0\] must be a real number"):
        g.at(x=[1 + 2j, 1, 1], y=1.0)  # not the element's node name, x_0
    with pytest.raises(sg.GraphError, match=r"do not broadcast together: x\[0\] \(2,\), .*y \(3,\)"):
        g.at(x=np.ones((3, 2)), y=np.ones(3))
    with pytest.raises(sg.GraphError, match="value for x must be a real number.*ragged"):
        g.at(x=[1, [2, 3], 4], y=1.0)


def test_missing_and_unknown_names_are_listed_briefly():
    """Was: every missing input was named, 20,000 of them in one message."""
    text = "+".join(f"x{i}" for i in range(2000))
    with pytest.raises(sg.GraphError) as missing:
        sg.grad(text, wrt=["x1"]).at(x1=2)
    assert str(missing.value) == "missing value(s) for x0, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, " \
                                 "x14, x15, x16, x17, x18, x19, x20, ... (1,979 more)"
    with pytest.raises(sg.GraphError) as unknown:
        sg.parse(text).evaluate(q=1)
    assert len(str(unknown.value)) < 400 and "... (1,980 more)" in str(unknown.value)


def test_data_inputs_may_take_every_name_the_vector_could_have():
    """The vector parameter is named x, or theta when a data input is x, ...: with data inputs called x, theta,
    x_ and theta_ (or p, v, p_ beside hessp's direction) building the function raised a bare StopIteration."""
    text = "a^2*x + theta + x_ + theta_"
    fn = sg.value_and_grad(text, wrt=["a"], vector=True)
    assert str(inspect.signature(fn)) == "(x__, /, x, theta, x_, theta_)"
    value, gradient = fn([3.0], 2.0, 1.0, 1.0, 1.0)
    assert value == 21.0 and gradient.tolist() == [12.0]
    res = sg.residuals([text], wrt=["a"])
    assert list(inspect.signature(res.fun).parameters)[0] == "x__"
    assert res.jac([3.0], x=2.0, theta=1.0, x_=1.0, theta_=1.0).tolist() == [[12.0]]
    hp = sg.hessp(text + " + p + v + p_", ["a"])
    assert str(inspect.signature(hp)) == "(x__, p__, /, x, theta, x_, theta_, p, v, p_)"
    assert hp([3.0], [1.0], 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0).tolist() == [4.0]


@pytest.mark.parametrize("call, message", [
    (lambda f, r, h: f(y=1.0, t=2.0), r"value_and_grad\(\) missing 1 required positional argument: 'x'"),
    (lambda f, r, h: f(x=[1.0, 2.0], y=1.0, t=2.0),
     r"value_and_grad\(\) got some positional-only arguments passed as keyword arguments: 'x'"),
    (lambda f, r, h: r.fun(y=1.0, t=2.0), r"fun\(\) missing 1 required positional argument: 'x'"),
    (lambda f, r, h: r.jac(x=[1.0, 2.0], y=1.0, t=2.0), r"jac\(\) got some positional-only arguments .*: 'x'"),
    (lambda f, r, h: r(), r"residuals\(\) missing 1 required positional argument: 'x'"),
    (lambda f, r, h: h([1.0, 2.0], y=1.0, t=2.0), r"hessp\(\) missing 1 required positional argument: 'p'"),
    (lambda f, r, h: h(x=[1.0, 2.0], p=[1.0, 0.0], y=1.0, t=2.0),
     r"hessp\(\) got some positional-only arguments passed as keyword arguments: 'x, p'"),
])
def test_a_vector_function_called_without_its_vector_names_itself(call, message):
    """The vectors of a function with data are positional only, ``(x, /, y, t)``; calling it without them raised
    Python's bare TypeError naming ``_WithData.__call__()`` or ``Residuals.__init__.<locals>.fun()``."""
    text = "(y - a*exp(-b*t))^2"
    f = sg.value_and_grad(text, wrt=["a", "b"], vector=True)
    r = sg.residuals([text], wrt=["a", "b"])
    h = sg.hessp(text, ["a", "b"])
    with pytest.raises(sg.errors.ArgumentError, match=message):
        call(f, r, h)


MASKED = np.ma.array([1.0, 2.0, 3.0], mask=[0, 1, 0])


@pytest.mark.parametrize("call", [
    lambda backend: sg.lambdify("sum(x[j]^2, j, 0, 2)", backend=backend)(MASKED),
    lambda backend: sg.lambdify("x^2 + y", backend=backend)(MASKED, 1.0),
    lambda backend: sg.value_and_grad("sum(x[j]^2, j, 0, 2)*y", wrt=["x"], vector=True, backend=backend)(MASKED, 1.0),
    lambda backend: sg.value_and_grad("sum(x[j]^2, j, 0, 2)*y", wrt=["y"], vector=True, backend=backend)([1.0], MASKED),
    lambda backend: sg.residuals("y[k] - a", wrt=["a"], over=("k", 0, 2), backend=backend).fun([1.0], MASKED),
    lambda backend: sg.grad("sum(x[j]^2, j, 0, 2)").at(x=MASKED),
    lambda backend: sg.parse("x^2").evaluate(x=MASKED),
])
@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
def test_a_masked_array_is_refused_by_name(call, backend):
    """A masked entry has no value, and each path read it its own way: the sum of x[j]^2 over [1, --, 3] was 10
    with NumPy and numba (the masked term skipped) and 14 with the VM (its hidden 2 used); a vector, a scalar
    input or .at() used the hidden data."""
    if backend == "numba":
        pytest.importorskip("numba")
    with pytest.raises(sg.GraphError, match=r"value for (x|y|the vector) is a masked array: its masked entries "
                                            r"have no values; pass .*\.filled\(\.\.\.\)"):
        call(backend)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
def test_a_matrix_for_an_indexed_input_gives_results_of_its_batch_shape(backend):
    """np.matrix keeps two axes when indexed, so the NumPy and numba backends returned (1, 1) for one point
    of batch shape (1,), where the VM returned (1,)."""
    if backend == "numba":
        pytest.importorskip("numba")
    f = sg.lambdify("sum(x[j]^2, j, 0, 2)", backend=backend)
    got = f(np.matrix([[1.0, 2.0, 3.0]]).T)
    assert got.__class__ is np.ndarray and got.shape == (1,) and got[0] == 14.0


G = sg.grad("x*y", wrt=["x", "y"])


@pytest.mark.parametrize("call, called, keyword", [
    (lambda: G.lambdify(vector=True), "Gradient.lambdify", "vector"),
    (lambda: G.lambdify(bakend="vm"), "Gradient.lambdify", "bakend"),
    (lambda: sg.jvp("x*y", ["x", "y"], [1, 0]).lambdify(vectr=True), "Directional.lambdify", "vectr"),
    (lambda: sg.jacobian(["x*y", "x"], wrt=["x", "y"]).lambdify(vectr=True), "DerivativeMatrix.lambdify", "vectr"),
    (lambda: sg.hessian("x*y", wrt=["x", "y"]).lambdify(chunks=10), "DerivativeMatrix.lambdify", "chunks"),
    (lambda: sg.hessian("x*y", wrt=["x", "y"], sparse=True).lambdify(vectr=True), "SparseDerivative.lambdify",
     "vectr"),
    (lambda: sg.value_and_grad("x*y", vectr=True), "value_and_grad", "vectr"),
    (lambda: sg.hessian("x*y", sprase=True), "hessian", "sprase"),
    (lambda: sg.hessp("x*y", ["x", "y"], backend="vm", vector=True), "hessp", "vector"),
    (lambda: sg.function("ff", numpy=abs, derivative=["sign(x)"]), "function", "derivative"),
])
def test_an_unknown_keyword_is_named_with_the_keywords_the_function_takes(call, called, keyword):
    """Gradient.lambdify(vector=True) and a misspelt option of a matrix's lambdify raised Python's TypeError
    ("DerivativeMap.lambdify() got an unexpected keyword argument"), naming a class the user never met and
    not what it takes; every entry point now raises ArgumentError naming the call, the keyword and its options."""
    with pytest.raises(sg.SymgraphError, match=rf"^{called}\(\) got an unexpected keyword argument {keyword}=.*; "
                                               r"its keywords: .*\b(args|wrt|numpy)\b") as info:
        call()
    assert isinstance(info.value, TypeError)  # an ArgumentError: code catching TypeError keeps working


def test_a_misspelt_option_with_a_number_is_not_taken_for_a_size():
    """lambdify(text, chnk=1000) took chnk for the size of an indexed input that the text never names, and
    evaluated without chunks, silently.  A keyword close to an option and absent from the text is refused;
    a size the text does name is still a size, however it is spelt."""
    with pytest.raises(sg.SymgraphError, match=r"unexpected keyword argument chnk=1000 \(did you mean 'chunk'\?\)"):
        sg.lambdify("x*y", chnk=1000)
    with pytest.raises(sg.SymgraphError, match=r"unexpected keyword argument sparce=1 \(did you mean 'sparse'\?\)"):
        sg.hessian("sum(x[i]^2, i, 0, n-1)", n=3, sparce=1)
    assert float(sg.lambdify("sum(x[i]*chnk, i, 0, chnk-2)", chnk=3)([1.0, 2.0])) == 9.0  # in the text: a size


def test_a_misspelt_option_is_pointed_to_and_a_wrong_call_shows_the_signature():
    with pytest.raises(sg.SymgraphError, match=r"bakend='vm' \(did you mean 'backend'\?\)"):
        sg.lambdify("x*y", bakend="vm")
    with pytest.raises(sg.SymgraphError, match=r"^grad\(\): too many positional arguments; it takes "
                                               r"grad\(f, wrt, \*, mode, .*\*\*sizes\)$"):
        sg.grad("x*y", ["x"], "forward")
    with pytest.raises(sg.SymgraphError, match=r"^Gradient.lambdify\(\): too many positional arguments"):
        G.lambdify(None, ["x", "y"])
    assert str(inspect.signature(sg.grad)).startswith("(f: 'Any', wrt:")  # the signature is still the function's


@pytest.mark.parametrize("call, flag, value", [
    (lambda: sg.hessian("x*y", sparse="yes"), "sparse", "'yes'"),
    (lambda: sg.jacobian(["x*y", "x"], sparse="no"), "sparse", "'no'"),  # a true string: it was taken as True
    (lambda: sg.jacobian(["x*y", "x"], sparse=1), "sparse", "1"),
    (lambda: sg.value_and_grad("x*y", vector="False"), "vector", "'False'"),
    (lambda: sg.hessian("x*y").lambdify(vector="yes"), "vector", "'yes'"),
    (lambda: sg.lambdify("x*y", parallel="no"), "parallel", "'no'"),
    (lambda: sg.grad("x*y", wrt=["z"], allow_unused="yes"), "allow_unused", "'yes'"),
    (lambda: sg.residuals(["x*y - 1"], ["x"], sparse="yes"), "sparse", "'yes'"),
])
def test_a_flag_takes_true_or_false_only(call, flag, value):
    """sparse="yes" (and sparse="no") was taken by its truth value: jacobian and hessian returned a sparse
    result for either; a flag now refuses anything but True and False, naming the call and the value."""
    with pytest.raises(sg.SymgraphError, match=rf"\(\): {flag}= takes True or False, got {value}$"):
        call()
    assert sg.hessian("x*y", wrt=["x", "y"], sparse=np.bool_(True)).pattern.nnz == 2  # NumPy's bool is a bool


@pytest.mark.parametrize("call, message", [
    (lambda: sg.jvp("x*y", ["x", "y"], [1, [2]]), r"a seed in v must be a number or a name, got \[2\]"),
    (lambda: sg.compare("x*y", path_limit="x"), r"a path limit is a non-negative integer \(the most paths to enumerate\), got str 'x'"),
    (lambda: sg.compare("x*y", path_limit=-1), r"a path limit is a non-negative integer \(the most paths to enumerate\), got int -1"),
    (lambda: sg.paths("x*y", limit=2.5), r"a path limit is a non-negative integer \(the most paths to enumerate\), got float 2.5"),
    (lambda: sg.paths("x*y", at="x=1"), r"paths\(at=...\) takes a mapping of input names to numbers"),
    (lambda: G.at(1, 2), r"at\(\) takes the values by name, at\(x=1.0, ...\), or as one mapping, .*; got 1, 2"),
    (lambda: sg.lambdify("x*y", args=3), "args= takes a list of the input names in positional order, got int 3"),
    (lambda: sg.lambdify("x*y", args={"x", "y"}), r"got set .* \(a set has no order\)"),
    # bytes were read as their values: "names in args that are not inputs: 120, 121"
    (lambda: sg.lambdify("x*y", args=b"xy"), r"args= takes a list of the input names in positional order, got bytes b'xy'"),
    (lambda: sg.grad("x*y", wrt={"x", "y"}), r"wrt takes a list of names \(results come in its order"),
    (lambda: sg.lambdify("x*y", xp="numpy"), r"xp= takes an array namespace, the module itself \(xp=numpy, dask.array or cupy\), "
                                             "got str 'numpy'"),
    (lambda: G.lambdify(xp=__import__("math")), "xp= takes an array namespace"),
    (lambda: G.expand("x", limit="a"), r"limit= takes a number of operations \(or None: any size\), got str 'a'"),
    (lambda: sg.jacobian(["x*y"], ["x"])[5, 5], r"a 1x1 matrix has entries M\[i, j\] .*got M\[\(5, 5\)\]"),
])
def test_wrong_typed_arguments_are_named_errors(call, message):
    """Each of these reached the caller as a raw exception from inside: NumPy's "inhomogeneous shape"
    ValueError (a ragged seed list), "'>' not supported between int and str" (a path limit), Python's
    TypeError (positional values for .at, args=3), AttributeError (xp="numpy" or the math module failed
    at compile or at call time), sympy's bare IndexError, or no error at all (a negative path limit; wrt
    or args as a set, whose order, and so the results', changed from run to run)."""
    with pytest.raises(sg.SymgraphError, match=message):
        call()


def test_a_vector_function_counts_its_vectors_among_the_positional_arguments():
    """fn(theta, y, t, 5) said "value_and_grad() takes 2 positional arguments but 3 were given" (the data
    binder did not count the vector before it; hessp's two vectors were counted as one), and a vector of
    the wrong length said "a 1-D vector of 1 values"."""
    loss = "sum((y[i] - a*t[i])^2, i, 0, 2)"
    theta, data = np.ones(1), (np.ones(3), np.ones(3))
    with pytest.raises(sg.SymgraphError, match=r"^value_and_grad\(\) takes 3 positional arguments but 4 were given$"):
        sg.value_and_grad(loss, wrt=["a"], vector=True)(theta, *data, 5)
    with pytest.raises(sg.SymgraphError, match=r"^fun\(\) takes 3 positional arguments but 4 were given$"):  # what was called
        sg.residuals("y[k] - a*t[k]", ["a"], over=("k", 0, 2)).fun(theta, *data, 5)
    with pytest.raises(sg.SymgraphError, match=r"^hessp\(\) takes 4 positional arguments but 5 were given$"):
        sg.hessp(loss, ["a"])(theta, theta, *data, 5)
    with pytest.raises(sg.SymgraphError, match=r"must be a 1-D vector of 1 value \(a\), got shape \(2,\)"):
        sg.value_and_grad(loss, wrt=["a"], vector=True)(np.ones(2), *data)


def test_latex_options_are_checked_as_the_compilers_are():
    """g.latex(algned=True) raised Python's TypeError and g.latex(aligned="no") printed an aligned block."""
    with pytest.raises(sg.SymgraphError, match=r"Gradient.latex\(\) got an unexpected keyword argument algned=True "
                                               r"\(did you mean 'aligned'\?\)"):
        G.latex(algned=True)
    with pytest.raises(sg.SymgraphError, match=r"DerivativeMatrix.latex\(\): entries= takes True or False, got 'no'"):
        sg.hessian("x*y", wrt=["x", "y"]).latex(entries="no")
    with pytest.raises(sg.SymgraphError, match=r"SparseDerivative.latex\(\) got an unexpected keyword argument expnd"):
        sg.hessian("x*y", wrt=["x", "y"], sparse=True).latex(expnd=True)


def test_one_vector_given_to_a_function_of_one_argument_per_parameter_points_to_vector_true():
    """scipy's minimize(fn, np.zeros(2)) passes one vector; a function of (a, b) said only that b was missing.
    The message now says what the optimiser passed and which forms take it; other missing arguments are unchanged."""
    import scipy.optimize

    fn = sg.value_and_grad("(a - 1)^2 + (b - 2)^2")
    with pytest.raises(sg.SymgraphError, match=r"missing 1 required positional argument: 'b'; it was given one "
                                               r"vector of 2 values.*value_and_grad\(f, vector=True\)"):
        scipy.optimize.minimize(fn, np.zeros(2), jac=True)
    gradient = sg.grad("(a - 1)^2 + (b - 2)^2").lambdify()
    for call in (lambda: gradient(np.zeros(3)), lambda: gradient(1.0), lambda: gradient(a=np.zeros(2))):
        with pytest.raises(sg.SymgraphError, match=r"argument: 'b'$"):  # no vector of one value per parameter
            call()
    fixed = sg.value_and_grad("(a - 1)^2 + (b - 2)^2", vector=True)
    assert scipy.optimize.minimize(fixed, np.zeros(2), jac=True).x == pytest.approx([1, 2], abs=1e-6)


def test_a_point_keyed_by_sympy_symbols_is_read_by_their_names():
    """Was: g.evaluate({a: 1, b: 2}) with sympy Symbols (as subs takes them) said "missing value(s) for a, b;
    unknown input(s) a, b (inputs: a, b)", and so did .at(), Program.evaluate, paths(at=), explore(at=);
    to_mermaid(at=) said "at= names a, b, not inputs of the graph (inputs: a, b)"."""
    a, b = sympy.symbols("a b")
    x = sympy.IndexedBase("x")
    assert sg.parse("a*b").evaluate({a: 1, b: 2})["v1"] == 2.0
    gradient = sg.grad("a*b")
    assert gradient.at({a: 1}, b=2) == {"a": 2.0, "b": 1.0} == gradient.program.evaluate({a: 1, b: 2})
    assert sg.grad("x[0]*x[1]", wrt=["x"]).at({x[0]: 1, x[1]: 2}) == {"x[0]": 2.0, "x[1]": 1.0}
    assert [p.value for p in sg.paths("a*b", at={a: 1, b: 2})] == [2.0, 1.0]
    assert sg.to_mermaid("a*b", at={a: 1, b: 2}) == sg.to_mermaid("a*b", at={"a": 1, "b": 2})
    with pytest.raises(sg.GraphError, match="got .a. twice in the mapping"):
        gradient.at({a: 1, "a": 3, b: 2})


def test_a_wrong_args_list_is_an_argument_error():
    # both were plain GraphErrors, while every other mistake in a call's arguments is an ArgumentError
    with pytest.raises(sg.ArgumentError, match="args must list every input once .* inputs missing from args: b"):
        sg.value_and_grad("a*b", args=["a"])
    with pytest.raises(sg.ArgumentError, match="vector and the gradient share one order"):
        sg.value_and_grad("a*b", args=["b", "a"], wrt=["a"], vector=True)
