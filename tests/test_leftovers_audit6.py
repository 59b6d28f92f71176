"""Regressions of the sixth audit's leftovers: a str of names read as one name, hessp's keyword errors in
Python's order, many absent wrt names at linear cost, an empty wrt, what a registered function was given."""
import re

import numpy as np
import pytest

import symgraph as sg

# --------------------------------------------------------------------------- a str is one name


@pytest.mark.parametrize("method", ["parameters", "given_symbols", "renamed_apart"])
def test_graph_name_lists_refuse_what_is_no_list_of_names(method):
    """Was: Python's bare "'int' object is not iterable" (a TypeError) for a number."""
    graph = sg.parse("x*y + xy")
    with pytest.raises(sg.ArgumentError, match=rf"Graph\.{method}\(\) takes a node name or a list of them, got int 3"):
        getattr(graph, method)(3)


def test_graph_name_lists_read_a_str_as_one_name():
    """Was: a str read one character at a time: ``parameters("xy")`` gave the inputs x and y, and
    ``renamed_apart("v1")`` moved no node out of the way of the name v1 (it read ``v`` and ``1``)."""
    graph = sg.parse("x*y + xy")
    assert graph.parameters("xy") == [("xy", None)] == graph.parameters(["xy"])
    assert graph.parameters(iter(["x", "y"])) == [("x", None), ("y", None)]  # a one-pass iterable too
    assert "v1" in graph.op_of and "v1" not in graph.renamed_apart("v1").op_of
    symbols = sg.Graph.from_sympy(__import__("sympy").Symbol("ab") + 1)
    assert list(symbols.given_symbols("ab")) == list(symbols.given_symbols(["ab"])) == ["ab"]

# --------------------------------------------------------------------------- keyword errors in Python's order


@pytest.mark.parametrize("make, name", [
    (lambda: sg.hessp("x^2*y + y^3*t", ["x", "y"]), "hessp"),
    (lambda: sg.value_and_grad("x^2*y + y^3*t", ["x", "y"], vector=True), "value_and_grad"),
    (lambda: sg.residuals(["x - t", "y*t"], ["x", "y"]).fun, "fun"),
])
def test_an_unknown_keyword_is_reported_before_the_missing_vectors(make, name):
    """Was: ``hessp(x, q=...)`` said ``p`` was missing, though Python (``def f(x, p, /, t)``) reports the
    unknown keyword first, the more useful message: it is often the misspelt missing one."""
    fn = make()
    with pytest.raises(sg.ArgumentError, match=rf"^{name}\(\) got an unexpected keyword argument 'q'$"):
        fn(q=[1.0, 0.0]) if name != "hessp" else fn([1.0, 2.0], q=[1.0, 0.0])
    with pytest.raises(sg.ArgumentError, match=rf"^{name}\(\) got an unexpected keyword argument 'tt' \(did you mean 't'\?\)"):
        fn(tt=1.0)
    with pytest.raises(sg.ArgumentError, match=rf"^{name}\(\) missing 1 required positional argument"):
        fn(t=1.0) if name != "hessp" else fn([1.0, 2.0], t=1.0)


def test_hessp_hints_at_its_direction():
    hp = sg.hessp("x^2*y + y^3", ["x", "y"])
    with pytest.raises(sg.ArgumentError, match=r"unexpected keyword argument 'p_' \(did you mean 'p'\?\)"):
        hp([1.0, 2.0], p_=[1.0, 0.0])
    with pytest.raises(sg.ArgumentError, match=r"positional-only arguments passed as keyword arguments: 'x'"):
        hp([1.0, 2.0], x=[1.0, 0.0])  # as Python says it, though x was also given by position

# --------------------------------------------------------------------------- an empty wrt


@pytest.mark.parametrize("given", [{"wrt": []}, {"args": []}, {"wrt": iter([])}], ids=["wrt", "args", "iterator"])
def test_a_vector_of_no_parameters_is_refused(given):
    """Was: ``value_and_grad(f, wrt=[], vector=True)`` compiled a function of an empty vector with every input
    as data, without a word: most likely a mistake (``jax.grad(f, argnums=())`` refuses it too)."""
    with pytest.raises(sg.ArgumentError, match=r"value_and_grad\(vector=True\) takes a vector of the wrt names' "
                                               r"values, and wrt is empty"):
        sg.value_and_grad("x*y", vector=True, **given)


@pytest.mark.parametrize("form", ["value_and_grad(vector=True)", "hessp()", "residuals()", "lambdify(vector=True)"])
def test_every_vector_form_takes_one_rule_for_an_empty_vector(form):
    """value_and_grad(vector=True) refused wrt=[]; hessp and residuals compiled empty vectors with every input data;
    a matrix's lambdify(vector=True) refused even a function of no inputs, with a GraphError.  Now one rule: an
    empty vector while the function has inputs is an ArgumentError; a function of no inputs takes its empty one."""
    make, call = {"value_and_grad(vector=True)": (lambda f, wrt: sg.value_and_grad(f, wrt, vector=True),
                                                  lambda fn: fn([])[1]),
                  "hessp()": (sg.hessp, lambda fn: fn([], [])),
                  "residuals()": (lambda f, wrt: sg.residuals([f, f], wrt), lambda fn: fn.jac([])),
                  "lambdify(vector=True)": (lambda f, wrt: sg.jacobian([f], wrt).lambdify(vector=True),
                                            lambda fn: fn([]))}[form]
    with pytest.raises(sg.ArgumentError, match=re.escape(form) + " takes a vector of the wrt names' values, and "
                                                                 "wrt is empty: the vector would hold nothing"):
        make("x*y", [])
    with pytest.raises(sg.ArgumentError, match=re.escape(form) + " takes a vector"):
        make("x*y", iter([]))
    assert np.asarray(call(make("3", None))).size == 0


def test_an_empty_wrt_without_a_vector_is_an_empty_gradient_as_grad_gives():
    assert dict(sg.grad("x*y", wrt=[])) == {}
    value, gradient = sg.value_and_grad("x*y", wrt=[])(2.0, 3.0)
    assert value == 6.0 and gradient == ()
    value, gradient = sg.value_and_grad("3", vector=True)([])  # a function of no inputs: its vector of them
    assert value == 3.0 and gradient.shape == (0,)

# --------------------------------------------------------------------------- what a registered function got


def _picky(x):
    if np.any(np.asarray(x) > 5):
        raise ValueError("picky() takes values up to 5")
    return 2 * x


@pytest.mark.parametrize("call, shown", [
    (lambda f: f(np.float32(10.0)), r"picky6\(array\(\[10\.0\], dtype=float32\)\)"),
    (lambda f: f(np.array([10.0])), r"picky6\(array\(\[10\.0\]\)\)"),
    (lambda f: f(np.array([1.0, 10.0], np.float32)), r"picky6\(<array of shape \(2,\) and dtype float32>\)"),
    (lambda f: f(10.0), r"picky6\(10\.0\)"),  # a float64 point: the number it was called on first
], ids=["float32 point", "one-point array", "float32 batch", "float64 point"])
def test_a_registered_functions_error_says_what_its_callable_got(define, call, shown):
    """Was: "called as picky6(10.0)" when the callable got a one-element array (a float32 point, or the array
    path at a point): a callable written for numbers fails on arrays, and the message hid that it got one."""
    define("picky6", numpy=_picky, derivatives=["2"])
    with pytest.raises(sg.UserFunctionError, match=rf"registered function 'picky6' raised ValueError when called "
                                                   rf"as {shown}: picky\(\) takes values up to 5"):
        call(sg.lambdify("picky6(a)*a"))
