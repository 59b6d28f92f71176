"""NumPy's floating-point warnings from evaluation: once per message per call, at the caller's line.

The interpreter (``.at``, ``Graph.evaluate``, ``Program.evaluate``) used to warn from its own line, so Python's
once-per-line filter showed ``invalid value encountered in log`` for the first bad point of the process and
never again: a later call at another bad point returned nan silently.
"""
import warnings

import numpy as np
import pytest

import symgraph as sg


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own filter: once per message and line
        call()
    return [(str(w.message), w.filename) for w in caught]


def test_every_call_at_a_bad_point_warns_at_its_own_line():
    g = sg.grad("log(x)*y", wrt=["x", "y"])
    first = _caught(lambda: g.at(x=-1.0, y=2.0))
    second = _caught(lambda: g.at(x=-2.0, y=2.0))
    assert first == second == [("invalid value encountered in log", __file__)]


@pytest.mark.parametrize("call", [
    lambda: sg.parse("log(x) + log(x + 1)").evaluate(x=-3.0),
    lambda: sg.hessian("x*sqrt(y)", wrt=["x", "y"]).at(x=1.0, y=-1.0),
    lambda: sg.jacobian(["log(x)", "sqrt(x)"]).at(x=np.array([-1.0, 1.0, -2.0])),
    lambda: sg.hessian("x*sqrt(y)", wrt=["x", "y"], sparse=True).at(x=1.0, y=-1.0),
])
def test_each_message_is_said_once_per_call_at_the_callers_line(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    messages = [str(w.message) for w in caught]
    assert messages and len(messages) == len(set(messages))
    assert all(w.category is RuntimeWarning and w.filename == __file__ for w in caught)


def test_the_callers_errstate_still_holds():
    g = sg.grad("log(x)*y", wrt=["x", "y"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            assert np.isnan(g.at(x=-1.0, y=1.0)["y"])
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        g.at(x=-1.0, y=1.0)


def test_a_discarded_branch_stays_silent():
    g = sg.grad("where(x > 0, sqrt(x), 0)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.at(x=-1.0)["x"] == 0.0
