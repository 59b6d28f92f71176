"""The Public API table of the design contract and the README's examples, read as an acceptance tester reads
them: each check is one promise of the table, its numbers compared with sympy.diff at points."""
import warnings

import pytest
import sympy

import symgraph as sg


@pytest.mark.parametrize("text, wrt, meant", [
    ("x1*y", "x2", "x1"),       # one digit off: difflib's ratio for two letters is 0.5, under its 0.6 cutoff
    ("u1*v", "u2", "u1"),
    ("alpha*beta", "alpah", "alpha"),
])
def test_an_unused_wrt_name_is_warned_of_with_the_closest_input(text, wrt, meant):
    with pytest.warns(sg.UnusedWrtWarning, match=rf"'{wrt}' \(did you mean '{meant}'\?\)") as caught:
        assert sg.grad(text, wrt=[wrt])[wrt] == 0
    assert caught[0].message.closest == {wrt: meant}


def test_a_name_like_no_input_is_warned_of_without_a_guess():
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        sg.grad("a*b", wrt=["c"])
    assert caught[0].message.closest == {} and "did you mean" not in str(caught[0].message)


def test_allow_unused_silences_the_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dict(sg.grad("x1*y", wrt=["x2", "y"], allow_unused=True)) == {"x2": 0, "y": sympy.Symbol("x1")}
