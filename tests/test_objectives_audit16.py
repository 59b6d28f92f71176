"""Objectives a researcher writes: conditionals, the function set, indexed data, and their corners.

Each test names what a user saw before its fix.  Every mode and backend must agree with each other and
with the closed form the gradient maps to, at ordinary points and at corners.
"""
import math
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg

MODES = ["reverse", "forward", "paths", "elimination"]


def every_number(text: str, wrt: list, point: dict, closed: bool = True) -> dict:
    """(mode, how) -> the gradient's values at ``point``: ``.at()``, the NumPy and VM backends, and (``closed``) the
    closed form evaluated by sympy at 30 digits."""
    found = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for mode in MODES:
            gradient = sg.grad(text, wrt=wrt, mode=mode)
            found[mode, "at"] = [float(gradient.at(**point)[n]) for n in wrt]
            for backend in ("numpy", "vm"):
                found[mode, backend] = [float(v) for v in gradient.lambdify(backend=backend)(**point)]
            values = {sympy.Symbol(k): sympy.Float(v) for k, v in point.items()}
            if not closed:
                continue
            found[mode, "closed"] = [real(sympy.N(gradient[n].subs(values), 30)) for n in wrt]
    return found


def real(value: sympy.Expr) -> float:
    """A closed form's value as the numbers hold it: a real number, an infinity, or nan (a value outside the reals)."""
    return float(value) if value.is_extended_real else math.nan


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-14 * abs(b)


@pytest.mark.parametrize("text, want", [("x*atan2(0, 0)", 0.0), ("x*(atan2(0, 0) + 1)", 1.0),
                                        ("x*atan2(0, 0)^2 + x", 1.0)])
def test_a_constant_angle_of_the_origin_is_numpys_0_in_the_closed_form_too(text, want):
    """atan2(0, 0) is 0 in NumPy (and C's atan2), so every backend's derivative of x*atan2(0, 0) was 0, but the
    closed form said nan (sympy's atan2(0, 0)): the constant now takes the value the numbers compute."""
    for way, got in every_number(text, ["x"], {"x": 2.0}).items():
        assert same(got[0], want), (text, way, got)


@pytest.mark.parametrize("text, point, want", [
    ("where(x >= 1, 1 / (x / 0), 0)", {"x": 0.5}, [0.0]),
    ("where(x >= 1, y / (x / 0), y)", {"x": 0.5, "y": -1.0}, [0.0, 1.0]),
    ("u = y; where(relu(x) >= 1, y / (x / 0), u + max(u, -0.5))", {"x": 1e-8, "y": -1.0}, [0.0, 1.0])])
def test_a_branch_not_taken_stays_0_through_a_division_by_a_constant_0(text, point, want):
    """The untaken branch of a where() contributes exactly 0 (README: branches are NaN-safe).  Reverse mode and
    elimination carried its 0 adjoint through the edge of x/0 (whose local derivative is 1/0) as adjoint/0, which
    is 0/0 = nan, unselected: d/dx was nan there (and nan in closed form), where forward mode and paths gave 0."""
    wrt = sorted(point)
    for way, got in every_number(text, wrt, point).items():
        assert got == want, (text, way, got)


def test_a_size_one_text_bounds_may_be_read_as_a_number_by_another_text_of_the_same_call():
    """A size is refused when the text reads it only as a number (x + 1 with x=3).  With several texts (a
    Jacobian's rows, written-out residuals) each text was checked alone, so n, the bound of the first text, was
    refused in the second, x[0]/n, as "used only as a number"; one text saying the same, sum(...) + x[0]/n, was
    taken.  The texts of one call now share their sizes' uses."""
    rows = ["sum(x[i], i, 0, n-1)", "x[0]/n"]
    jacobian = sg.jacobian(rows, wrt=["x"], n=2)
    assert jacobian.tolist() == [[1, 1], [sympy.Rational(1, 2), 0]]
    res = sg.residuals(rows, wrt=["x"], n=2)
    np.testing.assert_array_equal(res.jac(np.array([1.0, 2.0])), [[1.0, 1.0], [0.5, 0.0]])
    with pytest.raises(sg.ParseError, match="in expression 2 of 2: 'm' is given as a size"):
        sg.jacobian(rows[:1] + ["x[0]/m"], wrt=["x"], n=2, m=3)  # no text uses m but as a number


@pytest.mark.parametrize("text", ["u = 1/where(x > 2, 0, y); min(u, 1)^x", "min(where(x > 2, 0, y)^-1, 3)*x",
                                  "u = log(where(x > 2, 0, y)); min(u, y)^u"])
def test_a_power_of_a_branch_that_is_0_builds_its_closed_form(text):
    """sympy distributes a power over a Piecewise's branches, and 1/where(x > 2, 0, y) became
    Piecewise((zoo, x > 2), (1/y, True)): complex infinity, which a Min or Max of it refuses, so sg.grad raised a raw
    ValueError ("The argument 'zoo' is not comparable").  The branch is now 1/0 as the numbers compute it, oo."""
    gradient = sg.grad(text, wrt=["x", "y"])
    for name in ("x", "y"):
        assert not gradient[name].has(sympy.zoo), (name, gradient[name])
    found = every_number(text, ["x", "y"], {"x": 1.5, "y": 0.5})
    for way, got in found.items():
        assert all(same(a, b) for a, b in zip(got, found["reverse", "numpy"])), (way, got, found["reverse", "numpy"])


@pytest.mark.parametrize("text, point", [("1/where(x > 2, 0, y)", {"x": 3.0, "y": 1.0}),
                                         ("where(x > 2, -1, y)^0.5", {"x": 3.0, "y": 1.0}),
                                         ("sqrt(where(x > 2, -4, y))", {"x": 3.0, "y": 1.0}),
                                         ("where(x > 2, 0, y)^-1.5", {"x": 3.0, "y": 1.0})])
def test_a_power_of_a_constant_branch_is_the_numbers_value_in_the_closed_form(text, point):
    """The function's closed form took sympy's zoo for 1/0 and I for (-1)^0.5 in the branch x > 2, where every
    evaluation computes inf and nan: the branch is now oo, nan (as x/0 is oo*x, README: Numbers)."""
    graph = sg.parse(text)
    expr = graph.expr()
    assert not expr.has(sympy.zoo, sympy.I), expr
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        number = graph.evaluate(**point)[graph.outputs[0]]
    closed = sympy.N(expr.subs({sympy.Symbol(k): v for k, v in point.items()}))
    assert closed is sympy.nan or closed.is_extended_real, (expr, closed)
    assert same(float(closed), number), (expr, closed, number)


@pytest.mark.parametrize("text", ["u = where(x < y, 2, -0.5); where(where(x < log(u), 1, x) <= y, y, 2)",
                                  "u = where(x + y < erf(x), exp(y*y), -0.5); y - x + pow(u, u)/where(where(u + x < "
                                  "log(0.5, u) and not x > 0, u, x) <= y - x, y, 2)"])
def test_a_select_comparing_a_select_sympy_could_not_fold_has_a_closed_form(text):
    """A where() whose condition sympy cannot fold (x < log(-0.5): "Invalid comparison of non-real") keeps its
    condition as written; a where() comparing that one then made sympy's piecewise_fold meet it and fail an
    internal assertion: the function's and the gradient's closed forms raised a raw AssertionError.  (Evaluated by
    sympy, such a form may still compare x with log(-1/2), which sympy refuses where the numbers say false.)"""
    assert sg.parse(text).expr().has(sympy.Piecewise)
    gradient = sg.grad(text, wrt=["x", "y"])
    assert all(isinstance(gradient[name], sympy.Expr) for name in ("x", "y"))
    found = every_number(text, ["x", "y"], {"x": 0.25, "y": 0.5}, closed=False)
    for way, got in found.items():
        assert all(same(a, b) for a, b in zip(got, found["reverse", "numpy"])), (way, got, found["reverse", "numpy"])


@pytest.mark.parametrize("text", [
    "u = where(y == y*y, 0, cbrt(y)); log(abs(where(atan2(0, u) <= 3*y, x, y)), y)",
    "u = acosh(where(where(where(where(0^0.5 > sinh(x), y, x) < x^-1 and not y > 0, 1, x) != y^1/3, x, x) != 1^0, "
    "1, 1.5 - 1)); pow(where(where(u > where(1 > pi + u or not x > 0, u, u), u, y) >= 0.5^-2, 2, x), y + 3)/y"])
def test_closed_forms_over_a_select_sympy_cannot_fold_are_built_and_printed(text):
    """atan2(0, 0) <= 3*y is a comparison with nan to sympy, and acosh(0.5) <= ... with a non-real, so the select
    is kept as written; abs() of it, and d(x^y)/dy of a power of such a select, then made sympy fold it again, and
    printing the gradient raised a raw TypeError ("Invalid NaN comparison") or AssertionError."""
    gradient = sg.grad(text, wrt=["x", "y"])
    assert "Gradient" in repr(gradient) and gradient.latex()
    assert str(sg.parse(text).expr())
    found = every_number(text, ["x", "y"], {"x": 0.25, "y": 0.5}, closed=False)
    for way, got in found.items():
        assert all(same(a, b) for a, b in zip(got, found["reverse", "numpy"])), (way, got, found["reverse", "numpy"])


def test_an_element_out_of_range_in_the_branch_a_where_on_an_index_does_not_take_is_no_error():
    """A boundary case written with where() on the index, as a recurrence or a difference is: its condition is a
    number while parsing, and the branch it does not take was expanded as any text, so x[i-1] at i = 0 was a
    ParseError ("index 1 of x[...] is -1"), in a sum and in residuals over=.  There an element out of range now
    stands as element 0, which the select drops; the branch is still read (its names, grammar and inputs)."""
    gradient = sg.grad("sum(where(i == 0, x[i], x[i] - x[i-1])^2, i, 0, 3)")
    x = [1.0, 2.0, 4.0, 7.0]
    want = {"x[0]": 2 * 1.0 - 2 * 1.0, "x[1]": 2 * 1.0 - 2 * 2.0, "x[2]": 2 * 2.0 - 2 * 3.0, "x[3]": 2 * 3.0}
    assert gradient.at(x=x) == want
    written = sg.grad("x[0]^2 + (x[1] - x[0])^2 + (x[2] - x[1])^2 + (x[3] - x[2])^2")
    assert written.at(x=x) == want
    res = sg.residuals("y[k] - where(k == 0, a, b*y[k-1])", wrt=["a", "b"], over=("k", 0, "m-1"), m=4)
    y = np.array([1.0, 2.0, 4.0, 7.0])
    np.testing.assert_array_equal(res.fun(np.array([1.0, 2.0]), y), [0.0, 0.0, 0.0, -1.0])
    np.testing.assert_array_equal(res.jac(np.array([1.0, 2.0]), y), [[-1, 0], [0, -1], [0, -2], [0, -4]])
    nested = sg.grad("sum(where(i == 0, x[i], where(i == 1, x[i] - x[i-1], x[i] - 2*x[i-1] + x[i-2])), i, 0, 3)")
    assert nested.at(x=x) == {"x[0]": 1.0, "x[1]": 0.0, "x[2]": -1.0, "x[3]": 1.0}
    assert sg.parse("where(1 > 2, y, x)").inputs == ("y", "x")  # a branch not taken keeps its inputs, as before
    with pytest.raises(sg.ParseError, match="unknown function 'lgo'"):  # and is read as any text
        sg.parse("sum(where(i == 0, x[i], lgo(x[i-1])), i, 0, 3)")
    with pytest.raises(sg.ParseError, match="is -1"):  # a branch taken is expanded as before
        sg.parse("sum(where(i >= 0, x[i-1], x[i]), i, 0, 3)")
    with pytest.raises(sg.ParseError, match="is -1"):  # also after a select inside the branch not taken closed
        sg.parse("sum(where(i < 2, where(i == 3, 1, x[i]), 0) + x[i-1], i, 0, 3)")
