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
