"""Data arrays as a researcher has them: larger than the indices a model reads.

Each test says what a user did and what was wrong before.
"""
from __future__ import annotations

import numpy as np
import pytest

import symgraph as sg

MODEL = "sum(sum(w[j]*X[r, j], j, 0, k-1)^2, r, 0, m-1)"


def _calls(**declared):
    """Every way a user passes the data set X (3 rows, 5 columns) to the model, which reads 2 of its columns."""
    X = np.arange(15.0).reshape(3, 5)
    return {
        "value_and_grad(vector=True)": lambda: sg.value_and_grad(MODEL, wrt=["w"], vector=True, m=3, k=2,
                                                                 **declared)(np.ones(2), X),
        "lambdify": lambda: sg.lambdify(MODEL, m=3, k=2, **declared)(w=[1.0, 1.0], X=X),
        "grad(...).at": lambda: sg.grad(MODEL, wrt=["w"], m=3, k=2, **declared).at(w=[1.0, 1.0], X=X),
        "parse(...).evaluate": lambda: sg.parse(MODEL, m=3, k=2, **declared).evaluate(w=[1.0, 1.0], X=X),
        "residuals": lambda: sg.residuals("sum(w[j]*X[r, j], j, 0, k-1)", wrt=["w"], over=("r", 0, "m-1"), m=3,
                                          k=2, **declared).fun(np.ones(2), X),
    }


@pytest.mark.parametrize("call", sorted(_calls()))
def test_a_data_set_wider_than_the_model_reads_is_refused_saying_how_to_pass_it(call):
    """A data matrix X of 5 columns, of which the model reads 2, was refused with 'X takes an array whose first
    axes are (3, 2)' and no word on how to pass it: the extents come from the largest index the text uses, and
    declaring them (X=(3, 5)) is what takes the whole array. The message says so, with the extents to declare."""
    with pytest.raises(sg.GraphError, match=r"X takes an array whose first axes are \(3, 2\).*got shape \(3, 5\).*"
                                            r"declare.*X=\(3, 5\)"):
        _calls()[call]()
    _calls(X=(3, 5))[call]()  # declared as the message says, the same call runs


def test_the_declaring_hint_is_only_given_when_declaring_would_take_the_array():
    """A shorter array, or one of too few axes, cannot be taken by declaring extents: no such hint then."""
    f = sg.lambdify("sum(x[i], i, 0, n-1)", n=4)
    for bad in (np.ones(3), np.ones(())):
        with pytest.raises(sg.GraphError) as error:
            f(x=bad)
        assert "declare" not in str(error.value)
    with pytest.raises(sg.GraphError, match=r"declare.*x=6\b"):
        f(x=np.ones(6))
