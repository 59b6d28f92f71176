"""A research user's audit: fits, energies and second-order calls checked end to end."""
import time

import numpy as np
import pytest

import symgraph as sg
from symgraph.errors import ExpressionTooLargeError


def test_dense_residuals_past_a_million_entries_are_refused_naming_sparse():
    # 2,000 residuals of 2,000 parameters: the dense Jacobian took 31 s of zeros before this was checked
    start = time.perf_counter()
    with pytest.raises(ExpressionTooLargeError, match=r"2,000 x 2,000 Jacobian.*residuals\(\.\.\., sparse=True\).*\.jac"):
        sg.residuals("u[k] - y[k]", wrt=["u"], over=("k", 0, "n-1"), n=2000)
    assert time.perf_counter() - start < 2
    res = sg.residuals("u[k] - y[k]", wrt=["u"], over=("k", 0, "n-1"), n=2000, sparse=True)
    assert res.jac(np.zeros(2000), np.ones(2000)).nnz == 2000
