"""sg.paths at a point, as a class uses it: every term a number, and the terms add up to the gradient."""
import math
import warnings

import pytest

import symgraph as sg


@pytest.mark.parametrize("text, x, expected", [
    ("sqrt(x)", 0.0, math.inf),           # sympy's 1/(2*sqrt(0)) is zoo: float() raised a bare TypeError
    ("sqrt(x)", -1.0, math.nan),          # and 1/(2*I) likewise
    ("where(x > 0, sqrt(x), 0)", -1.0, 0.0),  # the untaken branch's nan is selected away, as grad does
    ("sin(x)*x + x^3", 0.5, None),
])
def test_path_terms_are_numbers_that_add_up_to_the_gradient(text, x, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's, for sqrt at 0 and below
        total = sum(p.value for p in sg.paths(text, at={"x": x}))
        gradient = sg.grad(text).at(x=x)["x"]
    assert total == pytest.approx(gradient, nan_ok=True)
    if expected is not None:
        assert total == pytest.approx(expected, nan_ok=True)
