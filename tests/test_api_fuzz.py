"""Fuzzing the public Python API with the arguments a user could pass wrongly: each call gives a result or a
symgraph error that says what was wrong, never a raw Python, NumPy, Dask or sympy exception, and every result
prints.

tests/test_fuzz.py fuzzes the text and the command line, tests/test_api_audit3.py and
tests/test_bad_input_audit2.py hold single odd arguments; here hypothesis draws the arguments themselves:

* ``wrt`` as a string, a list, a tuple, a generator, a sympy symbol, a number, names absent or repeated, for
  every derivative entry point;
* values for compiled functions of every backend (NumPy, VM, numba; with ``xp=dask.array`` too) and for
  ``.at``: strings, None, ragged and nested lists, object and complex arrays, huge integers, nan and inf,
  0-d arrays, arrays of shapes that do not broadcast, dicts, sympy numbers;
* the label lists of a program's and a result's reading methods.

The examples are derandomised (tests/conftest.py); ``SYMGRAPH_HYPOTHESIS=random`` and
``SYMGRAPH_FUZZ_EXAMPLES=500`` search wider.  The regressions below the properties are the defects this
fuzzing found, each with what it did before.
"""
from __future__ import annotations

import decimal
import functools
import math
import os
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings, strategies as st

import symgraph as sg

FUZZ = settings(max_examples=int(os.environ.get("SYMGRAPH_FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

F = "x*y + sin(x)"
X, Y = sympy.symbols("x y")

#: names a wrt list is made of: inputs, an absent one, one in another case, a function's name, the constant
NAMES = st.sampled_from(["x", "y", "q", "X", "sin", "pi", "x[0]", "", " x", "x y"])
#: what a user could pass as wrt
WRT = st.one_of(
    st.none(), NAMES, st.lists(NAMES, max_size=4), st.lists(NAMES, max_size=4).map(tuple),
    st.lists(NAMES, max_size=3).map(iter), st.sampled_from([X, [X, Y], (X,), 3, 2.5, True, b"x", {"x": 1},
                                                            np.array(["x", "y"]), np.array("x"), [["x"]], [1, 2]]),
)


def _a_result_or_a_symgraph_error(call) -> object:
    """``call()``'s result, printed (repr and str, as a notebook or a print would), or None for a symgraph error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except sg.SymgraphError:
        return None
    repr(result), str(result)
    return result


DERIVATIVES = {
    "grad": lambda wrt: sg.grad(F, wrt),
    "grad paths": lambda wrt: sg.grad(F, wrt, mode="paths"),
    "jacobian": lambda wrt: sg.jacobian([F, "x - y"], wrt),
    "hessian": lambda wrt: sg.hessian(F, wrt),
    "sparse hessian": lambda wrt: sg.hessian(F, wrt, sparse=True),
    "jvp": lambda wrt: sg.jvp(F, wrt, [1, 2]),
    "vjp": lambda wrt: sg.vjp([F, "x"], wrt, [1, 2]),
    "hvp": lambda wrt: sg.hvp(F, wrt, [1, 2]),
    "compare": lambda wrt: sg.compare(F, wrt),
    "paths": lambda wrt: sg.paths(F, wrt),
    "jacobian_sparsity": lambda wrt: sg.jacobian_sparsity([F, "x"], wrt),
    "hessian_sparsity": lambda wrt: sg.hessian_sparsity(F, wrt),
    "value_and_grad": lambda wrt: sg.value_and_grad(F, wrt),
    "hessp": lambda wrt: sg.hessp(F, wrt),
    "residuals": lambda wrt: sg.residuals([F, "x - 1"], wrt),
}


@pytest.mark.parametrize("entry", DERIVATIVES)
@FUZZ
@given(wrt=WRT)
def test_any_wrt_gives_a_result_or_a_symgraph_error(entry, wrt):
    _a_result_or_a_symgraph_error(lambda: DERIVATIVES[entry](wrt))


#: one value of an input, as a user could pass it
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(min_value=-10**400, max_value=10**400),
    st.booleans(), st.complex_numbers(max_magnitude=10), st.none(), st.text(max_size=3),
    st.lists(st.floats(-10, 10), max_size=3), st.lists(st.lists(st.integers(0, 3), max_size=2), max_size=3),
    st.sampled_from([np.array(2.0), np.array([1.0, 2.0], dtype=object), np.array([1, "a"], dtype=object),
                     np.array([1 + 2j]), np.ones((2, 3)), np.ones((3, 1), np.float32), np.array([], float),
                     np.ma.array([1.0, 2.0], mask=[0, 1]), np.array(["1"]), {"x": 1}, sympy.Integer(2),
                     sympy.Rational(1, 3), sympy.oo, sympy.I, X, decimal.Decimal("1.5"), np.int64(2), np.float16(1),
                     np.array([decimal.Decimal("2")]), np.datetime64("2020-01-01"), range(3), b"1"]),
)


@functools.lru_cache(maxsize=None)
def compiled(kind: str, backend: str, dask: bool = False):
    """One compiled function per kind and backend, made once for the session (numba compiles in seconds)."""
    xp = pytest.importorskip("dask.array") if dask else None
    if kind == "value":
        return sg.lambdify(F, backend=backend, xp=xp)
    if kind == "gradient":
        return sg.grad(F).lambdify(backend=backend, xp=xp)
    if kind == "hessian":
        return sg.hessian(F).lambdify(backend=backend, xp=xp)
    return sg.hessian(F, sparse=True).lambdify(backend=backend, xp=xp)


CALLS = [(kind, backend, False) for kind in ("value", "gradient", "hessian", "sparse")
         for backend in ("numpy", "vm", "numba")] + [("value", "numpy", True), ("gradient", "vm", True)]


@pytest.mark.parametrize("kind, backend, dask", CALLS)
@FUZZ
@given(x=VALUES, y=VALUES, by_keyword=st.booleans())
def test_a_compiled_function_called_with_any_values_computes_or_names_the_input(kind, backend, dask, x, y,
                                                                                by_keyword):
    if backend == "numba":
        pytest.importorskip("numba")
    f = compiled(kind, backend, dask)
    result = _a_result_or_a_symgraph_error(lambda: f(x=x, y=y) if by_keyword else f(x, y))
    if dask and result is not None:  # lazy: the values are computed, and refused, only here
        _a_result_or_a_symgraph_error(lambda: __import__("dask").compute(result, scheduler="sync"))


@FUZZ
@given(x=VALUES, y=VALUES)
def test_at_with_any_values_computes_or_names_the_input(x, y):
    for result in (sg.grad(F), sg.hessian(F), sg.jvp(F, ["x"], [1])):
        _a_result_or_a_symgraph_error(lambda: result.at(x=x, y=y))
        _a_result_or_a_symgraph_error(lambda: result.at({"x": x, "y": y}))


#: what a user could pass for a list of result labels
LABELS = st.one_of(NAMES, st.lists(NAMES, max_size=3), st.none(),
                   st.sampled_from([3, 2.5, X, np.array("x"), {"x"}, ["x", 1], [["x"]], b"xy"]))


@FUZZ
@given(labels=LABELS)
def test_reading_results_by_any_labels_reads_those_or_names_the_ones_there_are(labels):
    program = sg.grad(F).program
    for read in (program.closed_forms, program.measure, lambda ls: program.buildable(ls, 100),
                 program.built_size, program.as_graph, sg.grad(F).printed_forms):
        _a_result_or_a_symgraph_error(lambda: read(labels))


# --------------------------------------------------------------------------- regressions


@pytest.mark.parametrize("backend", ["numpy", "vm"])
@pytest.mark.parametrize("value", [np.array([1.0, 2.0], dtype=object), [decimal.Decimal("1"), decimal.Decimal("2")]],
                         ids=["object array", "list of Decimals"])
def test_an_object_array_of_real_numbers_is_taken_with_xp_dask(backend, value):
    """Checked to hold real numbers, the object array was handed to dask.array.asarray as it was, which raised
    Dask's bare 'NotImplementedError: Can not use auto rechunking with object dtype'; NumPy inputs took it."""
    da = pytest.importorskip("dask.array")
    f = sg.lambdify("x*y", backend=backend, xp=da)
    np.testing.assert_array_equal(f(value, 3.0).compute(scheduler="sync"), [3.0, 6.0])
    np.testing.assert_array_equal(sg.grad("x*y").lambdify(backend=backend, xp=da)(value, 3.0)[1].compute(), [1, 2])


@pytest.mark.parametrize("call, said", [
    (lambda v: sg.value_and_grad(F, vector=True)(v), "value for the vector is a masked array"),
    (lambda v: sg.hessp(F)(v, [1.0, 1.0]), "value for hessp\\(\\)'s point is a masked array"),
    (lambda v: sg.lambdify(F)(v, 1.0), "value for x is a masked array"),
])
def test_a_masked_array_is_refused_in_words_that_read(call, said):
    """The message wrote its name as a variable: 'pass the vector.filled(...)', 'pass hessp()'s point.filled(...)'."""
    with pytest.raises(sg.GraphError, match=said) as caught:
        call(np.ma.array([1.0, 2.0], mask=[0, 1]))
    assert "the vector.filled" not in str(caught.value) and "point.filled" not in str(caught.value)
    assert ("x.filled(...)" in str(caught.value)) == ("value for x " in str(caught.value))


@pytest.mark.parametrize("read", [
    lambda p, labels: p.closed_forms(labels), lambda p, labels: p.measure(labels),
    lambda p, labels: p.built_size(labels), lambda p, labels: p.buildable(labels, 100),
    lambda p, labels: sg.grad("x*y").printed_forms(labels), lambda p, labels: sg.grad("x*y").printed_exprs(labels),
])
def test_a_string_given_for_a_list_of_labels_is_one_label(read):
    """A string is iterable: closed_forms("xy") read the labels 'x' and 'y' and returned both closed forms,
    for a label the program has not; and a number raised Python's bare "'int' object is not iterable"."""
    program = sg.grad("x*y").program
    with pytest.raises(sg.EntryError, match="no (result|entry) 'xy'"):
        read(program, "xy")
    with pytest.raises(sg.ArgumentError, match=r"takes a result label or a list of them, got int 3"):
        read(program, 3)
    read(program, "x")  # one label the program has
    assert program.closed_forms("x") == {"x": Y} and sg.grad("x*y").printed_forms("y") == {"y": "x"}


def test_a_registered_function_failing_on_float32_inputs_in_numba_says_why():
    """backend='numba' computes float32 inputs with the NumPy backend's code, which calls the callable on arrays;
    compiled, it is called on float64 numbers.  So a callable for single numbers ran on every float64 input and
    failed on float32 ones alone, with 'only 0-dimensional arrays can be converted to Python scalars' and no word
    of the backend: the same function seemed to break on a change of dtype."""
    pytest.importorskip("numba")
    handle = sg.function("scalar_sine", math.sin, ["cos(x)"])
    try:
        f = sg.lambdify("scalar_sine(x) + y", backend="numba")
        np.testing.assert_allclose(f(np.ones(3), 1.0), np.sin(1.0) + 1.0)
        with pytest.raises(sg.UserFunctionError, match=r"backend='numba' computes float32 inputs with the NumPy "
                                                       r"backend's code, which calls the registered function's "
                                                       r"callable on arrays") as caught:
            f(np.ones(3, np.float32), 1.0)
        assert isinstance(caught.value.__cause__, TypeError) and caught.value.function == "scalar_sine"
        with pytest.raises(sg.UserFunctionError, match="float32 inputs"):  # a float32 point too
            sg.lambdify("scalar_sine(x) + y", backend="numba")(np.float32(1.0), 1.0)
    finally:
        handle.remove()


def _nested(depth: int, leaf: object) -> list:
    """``leaf`` in ``depth`` lists, one inside the other."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


LONG_TEXT = "1+" * 50_000 + "1"
LONG_LIST = list(range(100_000))
DEEP = _nested(5_000, "x")


@pytest.mark.parametrize("call", [
    lambda v: sg.jvp(F, ["x"], [v]), lambda v: sg.jvp(F, ["x"], {"x": v}), lambda v: sg.vjp([F], ["x"], w=[v]),
    lambda v: sg.hvp(F, ["x"], [v]), lambda v: sg.jvp("sum(w[i], i, 0, 2)", ["w[0]"], ["w[" + (v if isinstance(v, str) else "0][0") + "]"]),
    lambda v: sg.lambdify(F, args=[v, "y"]), lambda v: sg.lambdify(F, args=v),
    lambda v: sg.explore(F, at={"x": v, "y": 1.0}), lambda v: sg.explore(F, at={v if isinstance(v, str) else "q": 1.0}),
    lambda v: sg.paths(F, at={"x": v, "y": 1.0}),
    lambda v: sg.parse(F, **{"b" * 1000: v}), lambda v: sg.to_latex(F, **{"b" * 1000: v}),
    lambda v: sg.residuals(["x*t[k] - y[k]"], ["x"], over=("k", 0, v)),
    lambda v: sg.residuals(["x*t[k] - y[k]"], ["x"], over=(v if isinstance(v, str) else "k", 0, 3)),
    lambda v: sg.residuals(["x*t[k] - y[k]"], ["x"], over=("k", 0, 3), k=v),
    lambda v: sg.grad("n*x + sum(x[i], i, 0, 2)", n=(10**100,) * 1000),
    lambda v: sg.function("fuzzed", np.add, ["1", "1"], args=["x", v]),
    lambda v: sg.grad(sympy.Symbol("q" * 100_000), [sympy.Symbol("q" * 100_000, positive=True)]),
])
@pytest.mark.parametrize("value", [LONG_TEXT, LONG_LIST, DEEP, [[1.0], [2.0, 3.0]], 10**5000],
                         ids=["long text", "long list", "deep list", "ragged list", "5,001 digits"])
def test_a_long_deep_or_ragged_argument_is_named_in_a_short_message(call, value):
    """Each echoed the value whole in its message (a seed of a 100,000-entry list made a 690 kB message; a
    keyword name, an over= index or bound, a size, a registered function's argument name, a wrt symbol of a long
    name, an unknown key of explore(at=...)), or failed on it: repr() of a list nested 5,000 deep raised
    RecursionError (jvp/vjp/hvp seeds; args=, which made a name of str() of each entry), repr() of an integer of
    5,001 digits Python's bare ValueError (over='s index also given as a size), and explore(at=...) and
    paths(at=...) raised NumPy's bare ValueError on a ragged or deeply nested list (np.ndim)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call(value)
        except sg.SymgraphError as error:
            assert len(str(error)) < 1000, str(error)[:300]


def test_args_takes_names_and_sympy_symbols_only():
    """args=[1, 2] made the names '1' and '2' ("names in args that are not inputs: 1, 2"), args=[["x"], "y"] the
    name "['x']"; a list nested thousands deep recursed in str()."""
    for wrong in ([1, 2], [["x"], "y"], ["x", None], DEEP):
        with pytest.raises(sg.ArgumentError, match="args= takes a list of the input names in positional order"):
            sg.lambdify(F, args=wrong)
    assert sg.lambdify(F, args=[Y, "x"])(2.0, 3.0) == pytest.approx(6.0 + math.sin(3.0))
    assert tuple(sg.lambdify("sum(w[i], i, 0, 2)*y", args=[sympy.IndexedBase("w"), "y"]).inputs) == ("w", "y")


@pytest.mark.parametrize("at, said", [
    ({"x": [[1.0], [2.0, 3.0]], "y": 1.0}, r"x takes one number, got list \[\[1.0\], \[2.0, 3.0\]\]"),
    ({"x": _nested(100, 1.0), "y": 1.0}, r"x takes one number, got list \[\[\[\["),
    ({"x": [1.0, 2.0], "y": 1.0}, r"x takes one number, got an array of shape \(2,\)"),
])
@pytest.mark.parametrize("make", [sg.explore, lambda f, at: sg.paths(f, at=at)])
def test_a_point_that_is_no_number_says_which_input(make, at, said):
    """np.ndim of a ragged list, or of one nested deeper than NumPy's 64 axes, raised NumPy's bare ValueError."""
    with pytest.raises(sg.GraphError, match=r"\(at=\.\.\.\) is one point: " + said):
        make(F, at=at)


@pytest.mark.parametrize("value", [bytearray(b"12"), memoryview(b"12"), memoryview(bytearray(b"12"))],
                         ids=["bytearray", "memoryview of bytes", "memoryview of a bytearray"])
@pytest.mark.parametrize("call", [
    lambda v: sg.lambdify("x*y")(v, 1.0), lambda v: sg.lambdify("x*y", backend="vm")(v, 1.0),
    lambda v: sg.grad("x*y").at(x=v, y=1.0), lambda v: sg.parse("x*y").evaluate(x=v, y=1.0),
    lambda v: sg.value_and_grad("x*y", vector=True)(v), lambda v: sg.hessp("x*y")([1.0, 2.0], v),
])
def test_bytes_of_text_are_refused_in_every_container(call, value):
    """b"12" was refused as text, but bytearray(b"12") and a memoryview of bytes were read by NumPy as the byte
    values: x was the numbers 49 and 50, without a word.  A memoryview of numbers is still numbers."""
    with pytest.raises(sg.GraphError, match=r"got (bytearray|memoryview) b'12' \(bytes of text, not numbers\)"):
        call(value)
    np.testing.assert_array_equal(sg.lambdify("x*y")(memoryview(np.array([1.0, 2.0])), 3.0), [3.0, 6.0])


def test_a_backend_without_numba_says_what_to_install(monkeypatch):
    """backend='numba' and 'vm' raised a bare ImportError, not one of the library's errors (scipy's absence is a
    MissingDependencyError, which is an ImportError too)."""
    from symgraph.backends import vm_jit
    monkeypatch.setitem(__import__("sys").modules, "numba", None)  # import numba: ImportError
    with pytest.raises(sg.MissingDependencyError, match=r"backend='numba' needs numba, which is not installed: "
                                                        r"pip install numba") as caught:
        sg.lambdify("x*y + 2.5", backend="numba")
    assert isinstance(caught.value, ImportError)
    monkeypatch.setattr(vm_jit, "_COMPILED", {})  # no kernel loaded yet in this process
    with pytest.raises(sg.MissingDependencyError, match=r"backend='vm' needs numba, which is not installed"):
        sg.lambdify("x*y + 3.5", backend="vm")(np.ones(3), 2.0)


def test_progress_true_without_tqdm_says_what_to_install(monkeypatch):
    # a bare ImportError("progress=True needs tqdm: pip install tqdm"), not one of the library's errors
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)
    big = " + ".join(f"x{i}*x{i + 1}" for i in range(30))
    with pytest.raises(sg.MissingDependencyError, match="progress=True needs tqdm, which is not installed: pip install tqdm"):
        sg.grad(big, progress=True)
    assert sg.grad(big, progress=None)  # not asked for: no bar, no error


def test_a_value_of_a_node_the_graph_has_not_names_the_nodes():
    """Graph.evaluate(...)["q"] raised a bare KeyError('q'), where .at(...)["q"] names the entries there are."""
    values = sg.parse("c = x*y; c + 1").evaluate(x=2.0, y=3.0)
    with pytest.raises(sg.EntryError, match=r"no node 'C' \(did you mean 'c'\?\); nodes: x, y, c") as caught:
        values["C"]
    assert isinstance(caught.value, KeyError) and "q" not in values and values.get("q") is None
    assert values["c"] == 6.0


@pytest.mark.parametrize("arguments", [["x"], [1.0], [[1]], b"x", "2", [sympy.Integer(1), sympy.Integer(2)], ()])
def test_a_registered_functions_evaluate_at_what_is_no_sympy_number_is_none(define, arguments):
    # each raised AttributeError ("'str' object has no attribute 'is_Number'") from the check of its arguments
    handle = define("fuzzed_sine", numpy=np.sin, derivatives=["cos(x)"])
    assert handle.evaluate(arguments) is None
    assert float(handle.evaluate([sympy.Integer(2)])) == pytest.approx(math.sin(2.0))
    with pytest.raises(sg.ArgumentError, match=r"UserFunction.evaluate\(\) takes a list of sympy numbers, one per "
                                               r"argument \(x\), got int 3"):
        handle.evaluate(3)
