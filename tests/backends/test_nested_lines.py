"""Vector forms write a value read once into its reader's line (``nest`` of
:func:`symgraph.backends.peephole.assignments`): the same operations on the same operands, so their results are
bitwise those of the code with one line a value (``NEST_DEPTH`` 0), in fewer lines for Python to compile."""
import numpy as np
import pytest

import symgraph as sg
from symgraph.backends import numpy as numpy_backend

LOGISTIC = "sum(log(1 + exp(-y[i]*sum(w[j]*X[i, j], j, 0, k-1))), i, 0, m-1)"
CASES = [
    ("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", {"n": 7}),
    # sigmoid, softplus and their partials write their operand twice: it gets a line of its own
    ("sum(sigmoid(x[i]*x[i+1]) + softplus(x[i] - 2*x[i+1]) + tanh(x[i])^3, i, 0, n-2)", {"n": 6}),
    ("sum(sqrt(1 + x[i]^2)/(2 + cos(x[i]))*exp(-x[i]/3) - 0.5*x[i]*(-x[i]), i, 0, n-1)", {"n": 5}),
    ("sum(x[i]^2.5 + abs(x[i])*log(1 + x[i]^2) + max(x[i], 1)^2, i, 0, n-1)", {"n": 4}),
    ("sum(x[i], i, 0, n-1)^2 + prod(1 + x[i]/10, i, 0, n-1)", {"n": 40}),  # long chains: nested 8 deep at most
]


def _both(monkeypatch, make):
    """``make()`` compiled as vector forms are (nested) and with one line a value."""
    nested = make()
    with monkeypatch.context() as patch:
        patch.setattr(numpy_backend, "NEST_DEPTH", 0)
        flat = make()
    return nested, flat


def _lines(source: str) -> int:
    return source.count("\n")


@pytest.mark.parametrize("text, sizes", CASES)
def test_a_vector_form_is_bitwise_the_code_with_a_line_a_value(monkeypatch, text, sizes):
    nested, flat = _both(monkeypatch, lambda: sg.value_and_grad(text, wrt=["x"], vector=True, **sizes))
    assert _lines(nested.source) < _lines(flat.source)
    for seed in range(3):
        x = np.random.default_rng(seed).uniform(0.2, 1.7, sizes["n"])
        (value, grad), (want_value, want_grad) = nested(x), flat(x)
        assert value == want_value and np.array_equal(grad, want_grad)


def test_a_logistic_fit_its_hessp_and_residuals_are_bitwise_the_code_with_a_line_a_value(monkeypatch):
    m, k = 30, 3
    rng = np.random.default_rng(1)
    X, y, w, p = rng.normal(size=(m, k)), rng.choice([-1.0, 1.0], m), rng.normal(size=k), rng.normal(size=k)
    nested, flat = _both(monkeypatch, lambda: sg.value_and_grad(LOGISTIC, wrt=["w"], vector=True, m=m, k=k))
    (value, grad), (want_value, want_grad) = nested(w, X=X, y=y), flat(w, X=X, y=y)
    assert value == want_value and np.array_equal(grad, want_grad)
    nested, flat = _both(monkeypatch, lambda: sg.hessp(LOGISTIC, ["w"], m=m, k=k))
    assert np.array_equal(nested(w, p, X=X, y=y), flat(w, p, X=X, y=y))
    nested, flat = _both(monkeypatch, lambda: sg.residuals("y[r] - exp(-sum(w[j]*X[r, j], j, 0, k-1)^2)",
                                                            wrt=["w"], over=("r", 0, "m-1"), m=m, k=k))
    assert np.array_equal(nested.fun(w, y, X), flat.fun(w, y, X))
    assert np.array_equal(nested.jac(w, y, X), flat.jac(w, y, X))


def test_nesting_keeps_a_warning_free_branch_and_a_non_finite_point_as_they_were(monkeypatch):
    """A where() program keeps one line a value (its branches' lines run with warnings off); a point whose
    value is not finite is redone on arrays by the same code, with the same result."""
    text = "where(x > 0, sqrt(x)*log(x), x^2) + exp(1000*y)"
    nested, flat = _both(monkeypatch, lambda: sg.value_and_grad(text, wrt=["x", "y"], vector=True))
    assert nested.source == flat.source
    nested, flat = _both(monkeypatch, lambda: sg.value_and_grad("exp(1000*y*x) + log(x)", wrt=["x", "y"], vector=True))
    with np.errstate(all="ignore"):
        for point in ([1.0, 1.0], [0.0, 1.0], [-1.0, 0.5]):
            (value, grad), (want_value, want_grad) = nested(np.array(point)), flat(np.array(point))
            assert np.array_equal([value, *grad], [want_value, *want_grad], equal_nan=True)
