"""A research user's audit: fits, energies and second-order calls checked end to end."""
import warnings

import numpy as np
import pytest

import symgraph as sg
from symgraph.errors import ExpressionTooLargeError
from tests.helpers import bounded_work


def test_dense_residuals_past_a_million_entries_are_refused_naming_sparse():
    # 2,000 residuals of 2,000 parameters: the dense Jacobian took 31 s of zeros before this was checked
    with pytest.raises(ExpressionTooLargeError, match=r"2,000 x 2,000 Jacobian.*residuals\(\.\.\., sparse=True\).*\.jac"), \
            bounded_work(300_000, "dense residuals refused"):
        sg.residuals("u[k] - y[k]", wrt=["u"], over=("k", 0, "n-1"), n=2000)
    res = sg.residuals("u[k] - y[k]", wrt=["u"], over=("k", 0, "n-1"), n=2000, sparse=True)
    assert res.jac(np.zeros(2000), np.ones(2000)).nnz == 2000


def test_an_overflowing_point_of_a_fit_warns_once_per_message_not_once_per_data_row():
    # one overflowing point of a line search over 300 rows gave 387 warnings, one per generated line
    fn = sg.value_and_grad("sum((y[k] - (a*exp(-b*t[k]) + c))^2, k, 0, m-1)", wrt=["a", "b", "c"],
                           vector=True, m=300)
    t = np.linspace(0, 4, 300)
    y = 2.5 * np.exp(-1.3 * t) + 0.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grad = fn([1.0, -300.0, 0.0], y, t)
    assert value == np.inf
    messages = [str(w.message) for w in caught]
    assert sorted(messages) == sorted(set(messages))
    assert "overflow encountered in exp" in messages and len(messages) <= 3
    assert all(w.category is RuntimeWarning and w.filename == __file__ for w in caught)  # the caller's line


def test_numpy_errstate_of_the_caller_still_holds_for_compiled_code():
    f = sg.lambdify("log(x)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            assert np.isnan(f(np.array([-1.0]))[0])
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        f(np.array([-1.0]))


def test_dask_blocks_warn_once_per_message_too():
    da = pytest.importorskip("dask.array")
    f = sg.lambdify("sum(exp(x[i]), i, 0, n-1)", n=50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = f(da.full((50, 4), 1000.0, chunks=(50, 2))).compute(scheduler="sync")
    assert np.isinf(result).all()
    assert [str(w.message) for w in caught] == ["overflow encountered in exp"] * 2  # one per block


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_a_string_for_an_indexed_input_or_the_vector_is_named_as_a_string_not_a_shape(backend):
    # x='abc' said 'x takes an array whose first axis is (3,) ..., got shape ()'
    if backend == "vm":
        pytest.importorskip("numba")
    f = sg.lambdify("sum(a*x[i]^2, i, 0, n-1)", n=3, backend=backend)
    with pytest.raises(sg.GraphError, match=r"value for x must be a real number .*got str 'abc'"):
        f(a=1.0, x="abc")
    fn = sg.value_and_grad("sum(a*x[i]^2, i, 0, n-1)", wrt=["a"], vector=True, n=3, backend=backend)
    with pytest.raises(sg.GraphError, match=r"value for x must be a real number .*got str 'abc'"):
        fn([1.0], "abc")
    with pytest.raises(sg.GraphError, match=r"value for the vector must be a real number .*got str 'a'"):
        fn("a", [1.0, 2.0, 3.0])
    with pytest.raises(sg.GraphError, match=r"x takes an array whose first axis is \(3,\)"):
        f(a=1.0, x=2.0)  # a number where an array belongs is still a shape error
