"""Compiled functions as an optimiser and a batch caller use them: residuals, value_and_grad and lambdify
on every backend, called well and badly (audit 16)."""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg


@pytest.mark.parametrize("wrt", [["k"], "k", [sympy.Symbol("k")], ["a", "k"]])
def test_residuals_over_index_that_is_also_a_parameter_is_refused(wrt):
    # over= binds k to each copy's number, so a parameter k was silently no parameter (a zero Jacobian column
    # with only a warning that "k is not in the function")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(sg.ArgumentError, match=r"over=.*'k'.*wrt"):
            sg.residuals("y[k] - a*k", wrt=wrt, over=("k", 0, 2))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_vector_form_refuses_parallel_as_it_refuses_chunk(backend):
    # one point has nothing to split over threads: parallel=True was taken silently with backend="numba"
    # (a parallel compile for nothing), while chunk= was refused
    pytest.importorskip("numba")
    with pytest.raises(sg.ArgumentError, match="vector=True evaluates one point: parallel= does not apply"):
        sg.value_and_grad("x*y", vector=True, backend=backend, parallel=True)


@pytest.mark.parametrize("backend", ["numpy", "vm"])
@pytest.mark.parametrize("key", ["w_1", "W_0_1"])
def test_keyword_naming_an_element_node_says_the_input_takes_one_array(backend, key):
    # g.input_nodes and g.nx name the elements w_0, w_1 (the keys a user sees when drawing the graph); a call
    # f(w_1=...) said only "unexpected keyword argument", where f(**{"w[1]": ...}) said what to pass instead
    pytest.importorskip("numba") if backend == "vm" else None
    f = sg.lambdify("sum(w[i]*x, i, 0, 2) + W[0, 1]", backend=backend)
    base = key.split("_")[0]
    with pytest.raises(sg.ArgumentError, match=rf"unexpected keyword argument '{key}' \({base} takes one array"):
        f(x=1.0, w=np.ones(3), W=np.ones((1, 2)), **{key: 1.0})


_HUGE_BATCH = """
import resource, sys
import numpy as np
resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))  # no allocation of the batch can succeed
import symgraph as sg
f = sg.grad("x*sin(y) + x^2*y", wrt=["x", "y"]).lambdify(chunk=int(sys.argv[1]) or None)
try:
    f(np.ones((100_000, 1)), np.ones((1, 100_000)))  # a column against a row: 10^10 points
except MemoryError as error:
    print(type(error).__name__, isinstance(error, sg.SymgraphError), error)
"""


@pytest.mark.parametrize("chunk", [0, 1000])
def test_a_batch_too_large_for_memory_names_the_shapes_that_made_it(chunk):
    # NumPy's bare "Unable to allocate 74.5 GiB for an array with shape (100000, 100000)" named neither the
    # call nor which inputs broadcast to that shape (a column against a row, the usual slip)
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-c", _HUGE_BATCH, str(chunk)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("BatchTooLargeError True gradient(): the inputs broadcast to shape (100000, 100000)")
    assert "x (100000, 1), y (1, 100000)" in run.stdout and "10,000,000,000 points" in run.stdout


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_vector_form_without_data_says_a_variable_given_by_name_belongs_in_the_vector(backend):
    # fn(x=1.0, y=2.0), the call of the non-vector form, said only "unexpected keyword argument 'y'" of an input
    # of the function; beside data the same call said that y is an entry of the vector
    pytest.importorskip("numba") if backend == "vm" else None
    fn = sg.value_and_grad("x*y", wrt=["x", "y"], vector=True, backend=backend)
    for call in (lambda: fn(x=1.0, y=2.0), lambda: fn([1.0, 2.0], y=2.0)):
        with pytest.raises(sg.ArgumentError, match="unexpected keyword argument 'y': y is a variable, whose value is "
                                                   "an entry of the vector"):
            call()
    assert fn(x=[1.0, 2.0]) == (2.0, pytest.approx(np.array([2.0, 1.0])))


def test_vector_form_says_an_indexed_variable_given_by_name_belongs_in_the_vector():
    fn = sg.value_and_grad("sum(w[i]^2, i, 0, 2) + a", wrt=["w"], vector=True)
    with pytest.raises(sg.ArgumentError, match="unexpected keyword argument 'w': w is a variable"):
        fn(w=np.ones(3), a=1.0)
    fn = sg.value_and_grad("sum(w[i]^2, i, 0, 2)", wrt=["w"], vector=True)
    with pytest.raises(sg.ArgumentError, match="unexpected keyword argument 'w': w is a variable"):
        fn(np.ones(3), w=np.ones(3))


@pytest.mark.parametrize("texts", [["a*b - 1", "a - 2"], "y[k] - a*exp(-b*t[k])"])
def test_residuals_say_a_parameter_given_by_name_belongs_in_the_vector(texts):
    over = {"over": ("k", 0, 2)} if isinstance(texts, str) else {}
    data = {"y": np.ones(3), "t": np.ones(3)} if over else {}
    res = sg.residuals(texts, wrt=["a", "b"], **over)
    for part in (res.fun, res.jac):
        with pytest.raises(sg.ArgumentError, match="unexpected keyword argument 'a': a is a variable"):
            part(a=1.0, b=2.0, **data)


def test_inputs_of_more_than_32_axes_are_a_symgraph_error():
    """NumPy broadcasts at most 32 axes: its bare RuntimeError escaped every call given a 33-axis array."""
    deep = np.ones((1,) * 33)
    for call in (lambda: sg.lambdify("x*y")(deep, np.ones(2)), lambda: sg.lambdify("x*y", backend="vm")(deep, 2.0),
                 lambda: sg.grad("x*y").at(x=deep, y=2.0)):
        with pytest.raises(sg.GraphError, match="at most 32 axes.*x 33 axes"):
            call()
