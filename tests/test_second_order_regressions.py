"""Regressions found reviewing second-order and sparse features as researchers use them with scipy's solvers."""
import numpy as np
import pytest

import symgraph as sg
from symgraph import names as names_module

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def test_hessp_names_its_direction_in_linear_time(monkeypatch):
    """hessp named its n direction inputs with n calls of Namer.fresh("p"), each walking p, p1, p2, ... from
    the start: n^2/2 look-ups (40 s at n = 10,000).  Counted, not timed."""
    calls = []
    original = names_module.Namer.__contains__
    monkeypatch.setattr(names_module.Namer, "__contains__", lambda self, name: calls.append(1) or original(self, name))
    n = 400
    hp = sg.hessp(ROSENBROCK, ["x"], n=n)
    assert len(calls) < 4 * n
    x, p = np.linspace(0.5, 1.5, n), np.linspace(-1.0, 1.0, n)
    dense = sg.hessian(ROSENBROCK, sparse=True, n=n).lambdify()(x).toarray()
    np.testing.assert_allclose(hp(x, p), dense @ p, rtol=1e-12, atol=1e-10)
