"""Odd and hostile arguments to the public Python API: each is a symgraph error that says what was wrong in a
message of a line or two, never a raw Python exception from deep inside, and results compare as values."""
import numpy as np
import pytest

import symgraph as sg
from symgraph.cli import parse_point

F = "x*y + sin(z)"
HUGE = 10**5000  # Python refuses to write an integer of over 4,300 digits as text: repr() raises ValueError


@pytest.mark.parametrize("call", [
    lambda v: sg.grad("x*y").at(x=v, y=1),
    lambda v: sg.grad(F, mode=v),
    lambda v: sg.hessian(F, mode=v),
    lambda v: sg.grad(F, simplify=v),
    lambda v: sg.grad(F, mode="elimination", order=v),
    lambda v: sg.grad(F, progress=v),
    lambda v: sg.grad(F, allow_unused=v),
    lambda v: sg.grad(F, wrt=v),
    lambda v: sg.lambdify(F, backend=v),
    lambda v: sg.lambdify(F, args=v),
    lambda v: sg.compare(F, order=v),
    lambda v: sg.parse("c = x*y; d = c + 1", outputs=v),
    lambda v: sg.residuals([F], ["x"], over=v),
    lambda v: sg.grad("sum(x[i]^2, i, 0, n-1)", n=v),
    lambda v: sg.draw(F, engine=v),
    lambda v: sg.draw(F, format=v),
    lambda v: sg.to_mermaid(F, values=v),
    lambda v: sg.explore(F, title=v),
    lambda v: sg.function(v, np.sin, ["cos(x)"]),
    lambda v: sg.lambdify(F)(v, v, v),
    lambda v: sg.hessian(F)[v],
    lambda v: sg.compare(F)[v],
])
def test_an_integer_of_thousands_of_digits_is_named_by_its_number_of_digits(call):
    """The messages wrote the value with repr() (or !r:.60, which cuts after writing), which raised Python's
    bare 'ValueError: Exceeds the limit (4300 digits) for integer string conversion' in place of the error."""
    with pytest.raises(sg.SymgraphError) as caught:
        call(HUGE)
    assert "(an integer of 5,001 digits)" in str(caught.value) and len(str(caught.value)) < 500


def test_the_command_lines_at_cuts_a_value_of_thousands_of_digits():
    """--at x=999...9 (5,000 digits) echoed all 5,000 digits in its one-line message."""
    with pytest.raises(Exception, match="must be finite") as caught:
        parse_point(["x=" + "9" * 5000])
    assert len(str(caught.value)) < 200


LONG = "q" * 100_000
MANY = [f"q{i}" for i in range(100_000)]


@pytest.mark.parametrize("call", [
    lambda v: sg.grad(F, mode=v),
    lambda v: sg.hessian(F, mode=v),
    lambda v: sg.grad(F, simplify=v),
    lambda v: sg.grad(F, mode="elimination", order=v),
    lambda v: sg.grad(F, progress=v),
    lambda v: sg.lambdify(F, backend=v),
    lambda v: sg.lambdify(F, chunk=v),
    lambda v: sg.lambdify(F, args=v),
    lambda v: sg.compare(F, order=v),
    lambda v: sg.residuals([F], ["x"], over=v),
    lambda v: sg.parse("c = x*y; d = c + 1", outputs=v),
    lambda v: sg.draw(F, engine=v),
    lambda v: sg.draw(F, format=v),
    lambda v: sg.function("myfun", np.sin, v),
    lambda v: sg.jvp(F, v, [1, 2, 3]),
])
@pytest.mark.parametrize("value", [LONG, MANY, [LONG]], ids=["long text", "many names", "one long name"])
def test_a_long_value_is_cut_in_the_message(call, value):
    """Each echoed the whole value: 100,000 characters of 'unknown mode ...', a list of 100,000 names
    written out in 'v has 3 component(s) but there are 100000 (q0, q1, ...)'."""
    with pytest.raises(sg.SymgraphError) as caught:
        call(value)
    assert len(str(caught.value)) < 1000


def test_many_functions_given_for_one_name_their_count_and_a_few():
    # "this graph has 100000 outputs (q0, q1, ..." wrote every output's name
    with pytest.raises(sg.GraphError, match=r"has 2,000 outputs|has 2000 outputs") as caught:
        sg.grad(MANY[:2000])
    assert "more)" in str(caught.value) and len(str(caught.value)) < 1000
