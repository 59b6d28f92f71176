"""Where a user stumbles: a property called as a method, a symbolic matrix asked for numbers or arithmetic, a bool
given for a number, a program turned back into a graph, a constant that is 0 exactly but not in float64.  Each
is a clear symgraph error naming the thing and the fix, or the right result, the same in every place."""
import copy
import math
import pickle
import time
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import NotNumbersError, refusing


def _says_property(value, read_as, also=""):
    dotted = read_as.replace(".", "[.]")
    with pytest.raises(sg.ArgumentError, match=rf"^{dotted} is a property \(.*\), not a method: write {dotted}, "
                                               rf"without \(\){also}"):
        value()


def _prints_quickly(value):
    start = time.perf_counter()
    assert repr(value) and str(value)
    assert time.perf_counter() - start < 5  # generous: the machine is shared


# -- 1. properties called as methods -------------------------------------------------------------------

def _residuals():
    return sg.residuals(["x*a - y", "x + a"], wrt=["a"])


PROPERTIES = [
    (lambda: sg.grad("x*y + sin(x)").program, "instructions", "program.instructions", list),
    (lambda: sg.grad("x*y + sin(x)").program, "results", "program.results", dict),
    (lambda: sg.grad("x*y + sin(x)").program, "unused", "program.unused", tuple),
    (lambda: sg.grad("x*y + sin(x)").program, "ops", "program.ops", int),
    (lambda: sg.grad("x*y").lambdify(), "inputs", "f.inputs", tuple),
    (lambda: sg.grad("x*y").lambdify(), "source", "f.source", str),
    (lambda: sg.grad("x*y").lambdify(), "backend", "f.backend", str),
    (lambda: sg.value_and_grad("x*y"), "inputs", "f.inputs", tuple),
    (lambda: sg.lambdify("x*y"), "inputs", "f.inputs", tuple),
    (lambda: sg.hessian("x^2*y").lambdify(), "shape", "f.shape", tuple),
    (lambda: sg.hessian("x^2*y").lambdify(), "source", "f.source", str),
    (lambda: sg.hessian("x^2*y", sparse=True).lambdify(), "source", "f.source", str),
    (lambda: sg.hessp("x^2*y"), "names", "hessp.names", tuple),
    (_residuals, "wrt", "res.wrt", tuple),
    (_residuals, "data", "res.data", tuple),
    (_residuals, "shape", "res.shape", tuple),
    (lambda: sg.explore("x*y", at={"x": 1, "y": 2}), "html", "page.html", str),
    (lambda: sg.explore("x*y", at={"x": 1, "y": 2}), "title", "page.title", str),
    (lambda: sg.explore("x*y", at={"x": 1, "y": 2}), "nodes", "page.nodes", int),
    (lambda: sg.hessian("x^2*y", sparse=True), "shape", "S.shape", tuple),
    (lambda: sg.hessian("x^2*y", sparse=True), "nnz", "S.nnz", int),
    (lambda: sg.jacobian(["x*y", "x"], sparse=True), "order", "S.order", int),
    (lambda: sg.hessian("x^2*y"), "held", "M.held", tuple),
    (lambda: sg.hessian("x^2*y"), "order", "M.order", int),
]


@pytest.mark.parametrize("make, attribute, read_as, kind", PROPERTIES)
def test_a_property_called_as_a_method_says_to_drop_the_parentheses(make, attribute, read_as, kind):
    owner = make()
    value = getattr(owner, attribute)
    _says_property(value, read_as)
    # the value is as it was in every other way: its class's instance, equal to its plain copy, printed as one,
    # and it pickles and copies to a value that refuses a call too
    assert isinstance(value, kind) and value == kind(value) and repr(value) == repr(kind(value))
    for again in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert again == value and isinstance(again, kind)
        _says_property(again, read_as)


def test_the_page_says_how_to_write_its_html_and_long_values_are_not_written_out():
    page = sg.explore("x*y", at={"x": 1, "y": 2})
    with pytest.raises(sg.ArgumentError, match=r"page\.html is a property \(the str '<!DOCTYPE.*characters\)\).*"
                                               r"page\.save\(path\) writes it to a file") as caught:
        page.html()
    assert len(str(caught.value)) < 300
    rows = refusing([("t", "add", ("x", "y"))] * 100_000, "program.instructions")
    with pytest.raises(sg.ArgumentError, match=r"\(a list of 100,000 entries\)"):
        rows()


def test_a_program_with_refusing_fields_still_works_and_pickles():
    gradient = sg.grad("x*y + sin(x)")
    program = gradient.program
    again = pickle.loads(pickle.dumps(program))
    assert again.instructions == program.instructions and again.results == program.results
    assert again.evaluate(x=1.0, y=2.0) == program.evaluate(x=1.0, y=2.0)
    _says_property(again.instructions, "program.instructions")
    f = pickle.loads(pickle.dumps(gradient.lambdify()))
    assert f(1.0, 2.0)[0] == pytest.approx(2.0 + math.cos(1.0))
    _says_property(f.inputs, "f.inputs")
    # a value that takes no subclass, or has a class of its own, is kept as it is
    assert refusing(None, "x") is None and refusing(True, "x") is True
    marker = object()
    assert refusing(marker, "x") is marker


# -- 2. symbolic matrices asked for numbers or arithmetic -----------------------------------------------

SPARSE = [lambda: sg.hessian("x^2*y + y^3", sparse=True), lambda: sg.jacobian(["x*y", "x + y"], sparse=True)]


@pytest.mark.parametrize("make", SPARSE)
@pytest.mark.parametrize("member", ["toarray", "todense", "tocsr", "tocoo", "A", "T", "dtype", "ndim", "astype",
                                    "diagonal", "dot", "transpose", "getrow", "count_nonzero"])
def test_a_sparse_result_asked_for_what_a_scipy_matrix_has_names_at_and_lambdify(make, member):
    S = make()
    with pytest.raises(NotNumbersError, match=rf"SparseDerivative holds closed forms, not numbers: it has no "
                                              rf"\.{member}; its numbers at a point are S\.at\(x=\.\.\., y=\.\.\.\) "
                                              r"\(a scipy\.sparse CSR matrix\), and S\.lambdify\(\)"):
        getattr(S, member)
    assert isinstance(NotNumbersError("m"), (sg.SymgraphError, AttributeError))
    assert not hasattr(S, member)  # an AttributeError still: code that tells sparse matrices apart keeps working


def test_a_sparse_result_asked_for_what_a_sympy_matrix_has_names_to_sympy():
    S = sg.hessian("x^2*y", sparse=True)
    with pytest.raises(NotNumbersError, match=r"S\.to_sympy\(\) is the sympy SparseMatrix .* \(S\.to_sympy\(\)\.subs\)"):
        S.subs({"x": 1})
    assert S.to_sympy().subs({sympy.Symbol("x"): 1}) == sympy.SparseMatrix([[2 * sympy.Symbol("y"), 2], [2, 0]])
    with pytest.raises(AttributeError, match="no attribute 'nothing_like_this'"):
        S.nothing_like_this  # noqa: B018


@pytest.mark.parametrize("written, call", [
    (r"S \* \.\.\.", lambda S: S * 2), (r"S \* \.\.\.", lambda S: 2 * S), (r"S \+ \.\.\.", lambda S: S + S),
    (r"S - \.\.\.", lambda S: S - 1), (r"S / \.\.\.", lambda S: S / 2), (r"S @ \.\.\.", lambda S: S @ S),
    (r"S \*\* \.\.\.", lambda S: S ** 2), (r"-S", lambda S: -S), (r"abs\(S\)", lambda S: abs(S)),
    (r"S \+ \.\.\.", lambda S: np.ones((2, 2)) + S), (r"S \+ \.\.\.", lambda S: sum([S]))])
def test_arithmetic_on_a_sparse_result_names_the_two_forms_that_take_it(written, call):
    S = sg.hessian("x^2*y + y^3", sparse=True)
    with pytest.raises(sg.ArgumentError, match=rf"takes no arithmetic \({written}\): .*S\.to_sympy\(\).* is sympy's "
                                               r"SparseMatrix arithmetic, and .*S\.at\(x=\.\.\., y=\.\.\.\).* scipy's"):
        call(S)
    # what the message names works
    assert (S.to_sympy() * 2)[0, 1] == 4 * sympy.Symbol("x")
    assert (S.at(x=1.0, y=2.0) * 2).toarray().tolist() == [[8.0, 4.0], [4.0, 24.0]]


def test_a_sparse_result_as_a_numpy_array_names_at_instead_of_a_0d_object_array():
    S = sg.hessian("x^2*y + y^3", sparse=True)
    for convert in (np.asarray, np.array):
        with pytest.raises(NotNumbersError, match=r"np\.asarray\(S\) makes no array of it; .*S\.at\(x=\.\.\., "
                                                  r"y=\.\.\.\) .*\.toarray\(\) makes it dense"):
            convert(S)
    assert np.array(S.to_sympy()).shape == (2, 2)


def test_a_sparse_result_of_an_indexed_input_names_the_input_as_a_point_takes_it():
    S = sg.hessian("sum(x[i]^2*y, i, 0, 3)", sparse=True)
    with pytest.raises(NotNumbersError, match=r"S\.at\(x=\.\.\., y=\.\.\.\)"):
        S.toarray()
    assert S.at(x=[1.0, 2.0, 3.0, 4.0], y=1.0).shape == (5, 5)


def test_a_dense_result_asked_for_numbers_names_at_and_stays_a_sympy_matrix():
    H = sg.hessian("x^2*y + y^3")
    for member in ("toarray", "todense", "tocsr", "A", "dtype", "astype"):
        with pytest.raises(NotNumbersError, match=rf"2x2 DerivativeMatrix holds closed forms, not numbers: it has "
                                                  rf"no \.{member}; its numbers at a point are M\.at\(x=\.\.\., "
                                                  r"y=\.\.\.\) \(an ndarray\)"):
            getattr(H, member)
        assert not hasattr(H, member)
    with pytest.raises(NotNumbersError, match=r"np\.asarray\(M, dtype=float64\) makes no array of it; .*M\.at\("):
        np.asarray(H, dtype=float)
    # what sympy and NumPy did stays: an object array of the entries, a float array of numbers, sympy's own members
    assert np.asarray(H).dtype == object and np.asarray(H).shape == (2, 2)
    assert np.asarray(sg.hessian("x^2 + 3*y^2"), dtype=float).tolist() == [[2.0, 0.0], [0.0, 6.0]]
    assert H.T == H and H.at(x=1.0, y=2.0).tolist() == [[4.0, 2.0], [2.0, 12.0]]
    assert (2 * H)[0, 0] == 4 * sympy.Symbol("y") and not hasattr(2 * H, "toarray")
    with pytest.raises(NotNumbersError, match="has no program to give numbers"):  # sympy made it: no .at either
        (2 * H).toarray()
    _prints_quickly(H)


# -- 3. a bool is a number wherever a number enters -------------------------------------------------------

@pytest.mark.parametrize("true", [True, np.bool_(True)])
def test_a_bool_is_one_as_a_seed_as_it_is_as_a_value(true):
    assert sg.jvp("x*y", ["x", "y"], [true, 0]) == sg.jvp("x*y", ["x", "y"], [1, 0])
    assert sg.jvp("x*y", ["x", "y"], {"x": true, "y": False}) == sg.jvp("x*y", ["x", "y"], [1, 0])
    assert sg.jvp("x*y", ["x"], true) == sg.jvp("x*y", ["x"], 1)
    assert sg.vjp(["x*y", "x"], ["x", "y"], [true, False]) == sg.vjp(["x*y", "x"], ["x", "y"], [1, 0])
    assert sg.hvp("x^2*y", ["x", "y"], [true, False]) == sg.hvp("x^2*y", ["x", "y"], [1, 0])
    assert sg.jvp("x[0]*x[1]", v={"x": np.array([True, False])}) == sg.jvp("x[0]*x[1]", v={"x": [1, 0]})
    # the values: every place a point enters reads it as 1 alike
    gradient = sg.grad("x*y")
    assert gradient.at(x=true, y=2.0) == gradient.at(x=1.0, y=2.0)
    assert gradient.lambdify()(true, 2.0) == gradient.lambdify()(1.0, 2.0)
    assert sg.parse("x*y").evaluate(x=true, y=2.0)["x"] == 1.0
    assert sg.hessian("x^2*y").at(x=true, y=2.0).tolist() == sg.hessian("x^2*y").at(x=1.0, y=2.0).tolist()
    hessp = sg.hessp("x^2*y")
    assert hessp([1.0, 2.0], [true, False]).tolist() == hessp([1.0, 2.0], [1.0, 0.0]).tolist()
    assert sg.to_mermaid("x*y", values={"x": true, "y": 2.0}) == sg.to_mermaid("x*y", values={"x": 1, "y": 2.0})


def test_a_condition_drawn_with_a_bool_stays_true_and_counts_refuse_bools():
    drawn = sg.to_mermaid("c = x > 0; f = where(c, x, 0)", values={"x": 1.0, "c": True})
    assert "true" in drawn
    with pytest.raises(sg.ArgumentError, match="chunk must be a positive integer, got True"):
        sg.grad("x*y").lambdify(chunk=True)
    with pytest.raises(sg.ArgumentError, match="must be a non-negative integer"):
        sg.grad("sum(x[i], i, 0, n-1)", n=True)


@pytest.mark.parametrize("seed", [None, [1], "1 + x", b"x"])
def test_what_is_no_number_nor_name_is_still_refused_as_a_seed(seed):
    with pytest.raises(sg.SymgraphError):
        sg.jvp("x*y", ["x", "y"], [seed, 0])


# -- 4. a program turned back into a graph keeps its result labels ----------------------------------------

def test_a_programs_labels_name_the_outputs_of_its_graph():
    program = sg.Program(["x", "y"], [("t1", "mul", ("x", "y")), ("t2", "sin", ("t1",))], {"f": "t2", "g": "t1", "h": 2})
    graph = program.as_graph()
    assert graph.output_names == ("f", "g", "h") and graph.outputs == ("t2", "t1", "c1")
    assert graph.addresses["f"] == "t2" and graph.evaluate(x=2.0, y=3.0)["t2"] == pytest.approx(math.sin(6.0))
    assert r"\partial \left(f, g, h\right)" in sg.jacobian(graph).latex()
    assert program.as_graph(["g", "f"]).output_names == ("g", "f")
    assert program.as_graph(names=None).output_names == (None, None, None)
    assert program.as_graph(names=["u", None, "w"]).output_names == ("u", None, "w")
    # round trips: the graph pickles with its names, and its own gradient program turns back into a graph
    assert pickle.loads(pickle.dumps(graph)).output_names == ("f", "g", "h")
    again = sg.grad(graph.outputs and program.as_graph(["f"])).program.as_graph()
    assert again.output_names == (None, None)  # labels x and y are the inputs' names: no output is named by them
    twice = sg.Program(["x"], [("t1", "mul", ("x", "x"))], {"f": "t1", "g": "t1"}).as_graph()
    assert twice.outputs == ("t1", "t1") and twice.output_names == ("f", "g")


def test_labels_that_cannot_name_an_output_name_none():
    gradient = sg.grad("f = x*y", wrt=["x", "y", "z"], allow_unused=True)
    assert gradient.program.as_graph().output_names == (None, None, None)  # inputs' names, z unused too
    assert sg.jacobian(["x*y", "x + y"]).program.as_graph().output_names == (None,) * 4  # df/dx: no identifier
    assert sg.jvp("x*y", ["x", "y"], [1, 0]).as_graph().output_names == (None,)  # a directional entry is no f
    assert gradient.as_graph().output_names == ("f_x", "f_y", "f_z")  # named as before
    report = sg.compare("x^2*y", wrt=["x", "y", "z"], order=2, allow_unused=True)
    assert report["forward-over-reverse"].sweeps == report["reverse-over-reverse"].sweeps == 3


# -- 5. constants exactly 0 that float64 misses ------------------------------------------------------------

@pytest.mark.parametrize("text", ["y/tan(pi)", "y/sin(pi)", "y/cos(pi/2)", "y/sin(2*pi)", "y*tan(pi)",
                                  "y/(pi - pi)", "y/log(1)", "y/0", "y/tan(pi/2)"])
def test_closed_forms_and_every_backend_agree_on_constants_that_are_0_exactly(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gradient = sg.grad(text, wrt=["y"])
        closed = complex(gradient["y"])
        at = gradient.at(y=2.0)["y"]
        numbers = [at] + [float(gradient.lambdify(backend=b)(2.0)[0]) for b in ("numpy", "vm")]
        numbers.append(float(sg.value_and_grad(text, wrt=["y"])(2.0)[1][0]))
    if math.isinf(at):
        assert all(n == at for n in numbers) and closed.real == at
    else:
        assert numbers == pytest.approx([at] * len(numbers), rel=1e-12)
        assert closed.real == pytest.approx(at, rel=1e-12)
    _prints_quickly(gradient)


def test_sympys_own_constants_are_not_changed_by_the_rule():
    assert sg.grad("y*sin(pi/6)")["y"] == sympy.Rational(1, 2)  # exact and nonzero: kept exact
    assert sg.grad("y*cos(pi)")["y"] == -1
    assert sg.grad("y*sin(1)")["y"] == sympy.sin(1)
    with pytest.raises(sg.UnsupportedOpError, match="complex infinity"):  # sympy made zoo before symgraph saw it
        sg.grad(sympy.Symbol("y") / sympy.tan(sympy.pi))


# -- found by fuzzing the public API ------------------------------------------------------------------------

@pytest.mark.parametrize("graph", [lambda: sg.parse("x*y"), lambda: sg.grad("x*y").graph,
                                   lambda: sg.hessian("x^2*y", sparse=True).graph, lambda: _residuals().graph])
def test_a_graph_called_says_how_to_compute_it(graph):
    g = graph()
    with pytest.raises(sg.ArgumentError, match=r"a Graph is not callable .*g\.evaluate\(x=\.\.\.\) .*sg\.lambdify\(g\)"):
        g(x=1.0)
    assert isinstance(g, sg.Graph) and g.evaluate(**dict.fromkeys(g.inputs, 1.0))


@pytest.mark.parametrize("arguments", [(["x"], None, {"f": "x"}), ("x", [], {"f": "x"}), (["x"], [], ["f"]),
                                       (["x"], "t = sin(x)", {"f": "t"})])
def test_a_program_made_by_hand_of_the_wrong_kinds_says_what_it_takes(arguments):
    with pytest.raises(sg.ArgumentError, match=r"Program\(inputs, instructions, results\) takes a list of input "
                                               r"names, a list of rows \(target, op, args\) and a mapping"):
        sg.Program(*arguments)


@pytest.mark.parametrize("rows, results", [([], {"f": "q"}), ([("t", "sin", ("q",))], {"f": "t"})])
def test_a_program_made_by_hand_that_reads_an_undefined_name_says_which(rows, results):
    program = sg.Program(["x"], rows, results)
    _prints_quickly(program)
    with pytest.raises(sg.GraphError, match=r"this program reads 'q', which no row defines and no input is \(inputs: x\)"):
        program.evaluate(x=1.0)
    good = sg.Program(["x"], (("t", "sin", ("x",)),), {"f": "t", "c": 2})
    assert good.evaluate(x=1.0) == {"f": pytest.approx(math.sin(1.0)), "c": 2.0}
