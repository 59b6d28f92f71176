"""Bad input, eighth audit: the public API and the methods of what it returns, given wrong types, odd values and
hostile text.  Each row is an input and the symgraph error it must raise (its class and a fragment of its message),
or the right answer; the defects found are the regressions below the tables, each with what it did before."""
import numpy as np
import pytest
import sympy

import symgraph as sg


class _Gone:
    """A value whose own conversion to numbers fails, as a lazy array whose data is gone does."""

    def __array__(self, dtype=None, copy=None):
        raise OSError("the file behind this array is closed")


class _NoFloat:
    """A value whose ``__float__`` fails."""

    def __float__(self):
        raise ZeroDivisionError("division by zero")


F = "x*y + sin(x)"

CONVERSIONS = [
    (lambda v: sg.lambdify(F)(v, 2.0), "value for x could not be read as numbers: converting its _Gone raised OSError"),
    (lambda v: sg.lambdify(F, backend="vm")(x=v, y=2.0), "value for x could not be read as numbers"),
    (lambda v: sg.grad(F).lambdify()(v, 2.0), "value for x could not be read as numbers"),
    (lambda v: sg.hessian(F, sparse=True).lambdify()(v, 2.0), "value for x could not be read as numbers"),
    (lambda v: sg.value_and_grad(F)(2.0, v), "value for y could not be read as numbers"),
    (lambda v: sg.grad(F).at(x=v, y=1.0), "value for x could not be read as numbers"),
    (lambda v: sg.parse(F).evaluate(x=1.0, y=v), "value for y could not be read as numbers"),
    (lambda v: sg.hessp(F)(v, [1.0, 1.0]), "value for hessp\\(\\)'s point could not be read as numbers"),
    (lambda v: sg.value_and_grad(F, vector=True)(v), "value for the vector could not be read as numbers"),
    (lambda v: sg.paths(F, at={"x": v, "y": 1.0}), r"paths\(at=\.\.\.\): value for x could not be read as numbers"),
    (lambda v: sg.explore(F, at={"x": 1.0, "y": v}), r"explore\(at=\.\.\.\): value for y could not be read"),
    (lambda v: sg.to_mermaid(F, values={"x": v, "y": 1.0}), "values=: value for x could not be read as numbers"),
]


@pytest.mark.parametrize("call, said", CONVERSIONS)
def test_a_value_whose_conversion_fails_is_a_graph_error_naming_the_input(call, said):
    """An object whose __array__ raised let its exception out bare from inside NumPy (OSError, ZeroDivisionError,
    whatever it was), naming no input; it is now the cause of a GraphError that names the input."""
    with pytest.raises(sg.GraphError, match=said) as caught:
        call(_Gone())
    error = caught.value  # the user's exception is kept in the chain (a message reworded on the way keeps it too)
    while error is not None and not isinstance(error, OSError):
        error = error.__cause__ or error.__context__
    assert isinstance(error, OSError)


@pytest.mark.parametrize("call", [row[0] for row in CONVERSIONS])
def test_a_value_whose_float_fails_is_no_real_number(call):
    # float(value) raised its ZeroDivisionError bare, from the check of an object array's elements
    with pytest.raises(sg.GraphError, match=r"value for .* must be a real number|is not a number|takes one number"):
        call(_NoFloat())


def test_one_vector_of_values_that_fails_to_convert_gets_no_vector_hint():
    # the hint for scipy's one-vector calls read np.ndim of the argument: its failure escaped the binding's message
    with pytest.raises(sg.ArgumentError, match=r"missing 1 required positional argument: 'y'$"):
        sg.lambdify(F)(_Gone())


@pytest.mark.parametrize("result", [lambda: sg.grad("sin(x)^2*y + cos(x)^2*y"),
                                    lambda: sg.jvp("sin(x)^2*y + cos(x)^2*y", ["y"], [1])])
def test_simplify_called_as_sympy_habit_gives_the_simplified_result(result):
    """result.simplify() raised Python's "'str' object is not callable": the level was an attribute of that name.
    It is now a method: a new result of the same program read at that level, the original left as it was."""
    original = result()
    simpler = original.simplify()
    assert type(simpler) is type(original) and simpler.program is original.program
    assert list(simpler.values())[-1] == 1 and simpler.simplification == "full"
    assert original.simplification == "fast" and list(original.values())[-1] != 1
    assert original.simplify(False).simplification == "none"
    with pytest.raises(sg.ArgumentError, match="simplify must be True, False or one of"):
        original.simplify("bogus")


@pytest.mark.parametrize("make, said", [
    (lambda: sg.grad("x*y").as_graph([]), "# no operations and no outputs (inputs: x, y)"),
    (lambda: sg.Graph.from_sympy([]), "# no operations and no outputs (inputs: none)"),
    (lambda: sg.parse("a = x; b = y", outputs=["a", "b"]), "# no operations: the outputs are x, y, inputs"),
])
def test_a_graph_of_no_operations_says_what_it_has(make, said):
    # a graph of no outputs printed "# no operations: the output is , an input"
    assert str(make()) == said


@pytest.mark.parametrize("keywords, said", [
    (dict(values=3), r"Program.as_graph\(\): values= takes a name or a list of them, got int 3"),
    (dict(values=[["c"]]), r"values= takes names \(str\), got list \['c'\] among them"),
    (dict(names=3), r"Program.as_graph\(\): names= takes a name or a list of them, got int 3"),
])
def test_program_as_graph_refuses_what_is_no_list_of_names(keywords, said):
    """values=3 raised Python's bare "'int' object is not iterable", values=[["c"]] "unhashable type: 'list'"."""
    with pytest.raises(sg.ArgumentError, match=said):
        sg.grad("c = x*y; c + 1").program.as_graph(**keywords)


def test_program_as_graph_takes_one_value_name_as_a_str():
    # values="c" was read as its letters: set("c") happened to work, set("cd") named c and d
    program = sg.grad("cd = x*y; cd + 1").program
    assert "cd" in program.as_graph(values="cd").addresses
    assert program.as_graph(values="cd").addresses == program.as_graph(values=["cd"]).addresses


def test_node_values_takes_a_mapping():
    # dict(2.0) raised Python's bare "'float' object is not iterable"
    with pytest.raises(sg.ArgumentError, match=r"Graph.node_values\(\): values= takes a mapping of input names"):
        sg.parse("x*y").node_values(["x", "y"], 2.0)


REGISTERED_CALLS = [
    lambda text, x: sg.parse(text).evaluate(x=x),
    lambda text, x: sg.lambdify(text)(x),
    lambda text, x: sg.lambdify(text, backend="vm")(x),
    lambda text, x: sg.grad(text).at(x=x),
    lambda text, x: sg.value_and_grad(text)(x),
]


@pytest.mark.parametrize("call", REGISTERED_CALLS)
def test_a_registered_callable_that_writes_into_its_argument_is_refused(define, call):
    """A callable doing ``u *= 2`` doubled the caller's array in place: lambdify("twice(x)*x")(ones(3)) gave 4 for
    2*1 and left x doubled.  Arguments are now passed read-only, and the failure says why."""
    def twice(u):
        u *= 2
        return u
    define("twice", numpy=twice, derivatives=["2"])
    x = np.ones(3)
    with pytest.raises(sg.UserFunctionError, match=r"'twice' raised ValueError .*its callable wrote into an argument, "
                                                   r"which it is given read-only .*copy one before changing it"):
        call("twice(x)*x", x)
    assert x.tolist() == [1.0, 1.0, 1.0]
    define("clipped", numpy=lambda u: np.clip(u, 0.0, None), derivatives=["where(x > 0, 1, 0)"])
    x = np.array([-1.0, 2.0])  # a callable making a new array is unaffected
    assert np.array_equal(sg.lambdify("clipped(x) + x")(x), [-1.0, 4.0]) and x.tolist() == [-1.0, 2.0]


@pytest.mark.parametrize("call", REGISTERED_CALLS)
@pytest.mark.parametrize("x", [0.5, np.ones(3)], ids=["number", "array"])
def test_a_registered_callable_returning_a_masked_array_is_refused(define, call, x):
    """Its hidden data was taken as the values: lambdify("hidden(x)*2")(0.5) gave [0.5] (of shape (1,), and not
    doubled), value_and_grad raised NumPy's bare 'inhomogeneous shape' ValueError."""
    define("hidden", numpy=lambda u: np.ma.array(u, mask=True), derivatives=["1"])
    with pytest.raises(sg.FunctionDefinitionError, match=r"'hidden' returned a masked array \(its masked entries "
                                                         r"have no values\) where"):
        call("hidden(x)*x", x)


@pytest.mark.parametrize("read", [lambda g: g["x"], lambda g: g.at(w=[1, 2], x=[3, 4], y=1.0)["x"], lambda g: g.expand("x"),
                                  lambda g: g.formula("x")])
def test_an_indexed_inputs_name_as_an_entry_says_how_to_read_its_entries(read):
    # the message listed the entries x[0], x[1] without a word of .array("x"), which reads them as one array
    gradient = sg.grad("sum(w[i]*x[i]^2, i, 0, 1) + y")
    with pytest.raises(sg.EntryError, match=r"no entry 'x'; entries: .*; x is an indexed input: \.array\('x'\) reads "
                                            r"its entries as one array") as caught:
        read(gradient)
    assert isinstance(caught.value, KeyError) and "x" not in gradient
    assert [str(entry) for entry in gradient.array("x")] == ["2*w[0]*x[0]", "2*w[1]*x[1]"]


@pytest.mark.parametrize("call, said", [
    (lambda: sg.hessp("x*y^2 + sin(x)*z", ["x", "y"])([1.0, 2.0], [1.0, 1.0], x=3.0, z=1.0), "hessp() got .* 'x': x is"),
    (lambda: sg.residuals(["a*t - y"], ["a"]).fun([1.0], a=2.0, t=1.0, y=1.0), "fun() got .* 'a': a is"),
    (lambda: sg.residuals("a*t[k] - y[k]", ["a"], over=("k", 0, 2)).jac([1.0], a=1.0, t=[1, 2, 3], y=[1, 2, 3]),
     "jac() got .* 'a': a is"),
    (lambda: sg.value_and_grad("a*t", ["a"], vector=True)([1.0], a=1.0, t=1.0), "value_and_grad() got .* 'a': a is"),
])
def test_a_variable_of_the_vector_given_by_keyword_says_it_is_in_the_vector(call, said):
    # the message was only "unexpected keyword argument 'a'", for a name the function plainly has
    with pytest.raises(sg.ArgumentError, match=said.replace("(", r"\(").replace(")", r"\)")
                       + " a variable, whose value is an entry of the vector, the first argument"):
        call()
    with pytest.raises(sg.ArgumentError, match=r"unexpected keyword argument 'q'$"):  # any other name as before
        sg.value_and_grad("a*t", ["a"], vector=True)([1.0], q=1.0, t=1.0)


@pytest.mark.parametrize("read", [lambda f, at: sg.grad(f).at(at), lambda f, at: sg.parse(f).evaluate(at),
                                  lambda f, at: sg.hessian(f).at(at)])
def test_an_indexed_base_as_a_key_gives_the_indexed_inputs_array(read):
    """{IndexedBase("x"): [...]} said "missing value(s) for x; unknown input(s) x": Symbol and Indexed keys were read
    as the names they print, an IndexedBase (which args= takes for an indexed input) was not."""
    text = "sum(w[i]*x[i]^2, i, 0, 1)"
    x, w = sympy.IndexedBase("x"), sympy.IndexedBase("w")
    by_symbol = read(text, {x: [1.0, 2.0], w: [3.0, 4.0]})
    by_name = read(text, {"x": [1.0, 2.0], "w": [3.0, 4.0]})
    assert np.array_equal(np.asarray(list(dict(by_symbol).values()) if isinstance(by_symbol, dict) else by_symbol),
                          np.asarray(list(dict(by_name).values()) if isinstance(by_name, dict) else by_name))
    with pytest.raises(sg.ArgumentError, match="got 'x' twice in the mapping, as a sympy symbol and as text"):
        read(text, {x: [1.0, 2.0], "x": [1.0, 2.0], "w": [3.0, 4.0]})


@pytest.mark.parametrize("call", [lambda v: sg.jvp("x*y + sin(x)", ["x", "y"], v), lambda v: sg.hvp("x*y + sin(x)", ["x", "y"], v)])
def test_a_seed_given_twice_in_a_mapping_is_refused(call):
    # {"x": 1, Symbol("x"): 2} took the later seed without a word, where at() refuses the same mapping
    x = sympy.Symbol("x")
    with pytest.raises(sg.ArgumentError, match="v got 'x' twice in the mapping, as a sympy symbol and as text"):
        call({"x": 1.0, x: 2.0, "y": 1.0})
    assert dict(call({x: 2.0, "y": 1.0})) == dict(call([2.0, 1.0]))


class _Unreadable:
    """An iterable whose iteration fails, as a generator over a closed file does."""

    def __iter__(self):
        raise OSError("the file is closed")


@pytest.mark.parametrize("call, said", [
    (lambda v: sg.grad("x*y", v), "wrt takes a name or a list of names; reading the _Unreadable given raised OSError"),
    (lambda v: sg.lambdify("x*y", args=v), "args= takes a list of the input names in positional order; reading the "
                                           "_Unreadable given raised OSError"),
    (lambda v: sg.grad("x*y").printed_forms(v), r"Gradient.printed_forms\(\) takes a result label or a list of them; "
                                                 "reading the _Unreadable given raised OSError"),
    (lambda v: sg.grad("x*y").program.closed_forms(v), "reading the _Unreadable given raised OSError"),
    (lambda v: sg.jvp("x*y", ["x", "y"], _Gone()), r"v takes seeds \(numbers or names\), one per name of \(x, y\); "
                                                   "reading the _Gone given raised OSError"),
])
def test_an_argument_whose_own_iteration_fails_is_an_argument_error(call, said):
    """list(wrt), list(args), list(labels) and np.ndim(seeds) let the object's own exception out bare (an OSError
    from a closed file, naming no argument); it is now the cause of an ArgumentError naming the argument."""
    with pytest.raises(sg.ArgumentError, match=said) as caught:
        call(_Unreadable())
    assert isinstance(caught.value.__cause__, OSError)
