"""A hand-made Program's names are written into generated code: each must be a Python identifier, no keyword."""
import pytest

import symgraph as sg

INJECTED = 'a = 0; __import__("os").system("echo injected"); b'

PROGRAMS = {
    "a target": sg.Program(["x"], [(INJECTED, "mul", ("x", "x")), ("t2", "add", (INJECTED, "x"))], {"f": "t2"}),
    "an input": sg.Program(["def"], [("t1", "mul", ("def", "def"))], {"f": "t1"}),
    "an operand no row makes": sg.Program(["x"], [("t1", "mul", ("x", "y z"))], {"f": "t1"}),
    "a result": sg.Program(["x"], [("t1", "mul", ("x", "x"))], {"f": "t1 + 1"}),
}


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("where", list(PROGRAMS))
def test_a_name_that_is_no_identifier_is_refused_before_any_code_is_written(where, backend, capfd):
    with pytest.raises(sg.ArgumentError, match="must be a Python identifier") as error:
        sg.lambdify(PROGRAMS[where], backend=backend)
    assert "these are not:" in str(error.value)
    with pytest.raises(sg.ArgumentError, match="must be a Python identifier"):
        PROGRAMS[where].source()
    assert "injected" not in capfd.readouterr().out


def test_derived_programs_keep_compiling():
    g = sg.grad("sum(x[i]^2*y, i, 0, 2)")
    assert "x_0" in g.program.source()
    assert sg.lambdify(g.program, backend="numba")(x=[1.0, 2.0, 3.0], y=2.0)[0] == pytest.approx(4.0)
