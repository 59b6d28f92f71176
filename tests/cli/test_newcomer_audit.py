"""What a first-time user of the ``symgraph`` command runs into: slips in options and values.

Each test is a mistake (or a plain use) a newcomer made while following the README, what went wrong
before, and what the command says now: one ``symgraph:`` line and status 2, never a silent wrong answer.
"""
import subprocess
import sys
import warnings

import pytest

import symgraph as sg
from symgraph.cli import main
from symgraph.errors import ArgumentError
from tests.helpers import ROOT


def call(capsys, *argv):
    """``main(ARGV)`` in-process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("name", ["", "x y", "1x", "x[", "lambda"])
def test_a_wrt_word_that_is_no_name_is_an_error_not_a_zero(name, capsys):
    """``--wrt ""`` or ``--wrt "x y"`` (two names quoted as one) printed ``dx/d = 0`` with a warning and
    status 0: a word no text can use as a name cannot be a deliberately unused variable."""
    status, out, err = call(capsys, "grad", "x*y", "--wrt", "x", name)
    assert status == 2 and out == ""
    assert err.startswith(f"symgraph: wrt {name!r} is not a name") and err.count("\n") == 1
    assert "the inputs: x, y" in err


def test_the_library_refuses_a_wrt_word_that_is_no_name_too():
    """The same rule holds in Python (one place decides, for the command and the library); a real name
    that is absent still gets 0 and a warning, and an element label is still a name."""
    with pytest.raises(ArgumentError, match="'x y' is not a name"):
        sg.grad("x*y", wrt=["x y"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dict(sg.grad("x*y", wrt=["z", "w[0]"])) == {"z": 0, "w[0]": 0}
    assert len(caught) == 1 and "'z'" in str(caught[0].message)


@pytest.mark.parametrize("value", ["y=3", "f(u)=u+1; f(2)"])
def test_an_at_value_that_assigns_a_name_is_an_error(value, capsys):
    """``--at x=y=3`` (meant: x=3 and y=3) ran the program ``y=3`` and set x to 3, silently ignoring y;
    a value is one constant expression."""
    status, out, err = call(capsys, "grad", "x^2", "--at", f"x={value}")
    assert status == 2 and out == ""
    assert err == (f"symgraph: --at value for 'x' is not a number or a constant expression: {value!r} assigns or "
                   "defines a name (one NAME=VALUE per word: --at x=1 y=2)\n")


def test_at_values_that_are_constant_expressions_still_work(capsys):
    """Comparisons inside a value (``==``, ``<=``) are not assignments."""
    status, out, err = call(capsys, "grad", "x^2", "--at", "x=where(2 <= 2, 3, 0) + where(1 == 1, 0, 5)")
    assert (status, out, err) == (0, "df/dx = 2*x    = 6\n", "")


def test_functions_with_a_colon_and_no_name_is_an_error(capsys):
    """``--functions mymod:`` (the NAME forgotten) imported the module and went on as if no NAME was meant."""
    status, out, err = call(capsys, "grad", "x", "--functions", "json:")
    assert status == 2 and out == ""
    assert err == "symgraph: --functions takes MODULE or MODULE:NAME, got 'json:'\n"


def test_jacobian_header_shows_a_text_that_names_its_result_once(capsys):
    """``symgraph jacobian "x*y" "c = x+1"`` headed the second row ``# c = c = x+1``."""
    status, out, err = call(capsys, "jacobian", "x*y", "c = x+1", "a = x; b = a*2")
    assert status == 0 and err == ""
    assert out.splitlines()[:3] == ["# f1 = x*y", "# c = x+1", "# a = x; b = a*2"]
    assert "dc/dx  = 1" in out and "db/dx  = 2" in out  # padded as df1/dx


def test_the_readme_commands_run_as_written():
    """The README's shell commands, through the installed module, exit 0 and print what it says."""
    rosen = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
    done = subprocess.run([sys.executable, "-m", "symgraph", "hessian", rosen, "--size", "n=1000", "--sparse"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and done.stderr == ""
    assert lines[0].startswith("# 1000x1000 sparse Hessian of f: 2,998 structural nonzeros")
    assert lines[1:3] == ["d2f/dx[0]^2       = 1200*x[0]**2 - 400*x[1] + 2", "d2f/dx[0] dx[1]   = -400*x[0]"]
    assert len(lines) == 1 + 100 + 1 and lines[-1] == "# ... and 1,899 more (--json prints every one)"


def test_explore_refuses_a_large_graph_with_command_line_advice(capsys):
    """`symgraph explore` of a graph too large to draw told the user to call sg.compare and sg.grad, Python calls
    a command-line user cannot type; it now names the commands."""
    code, _, err = call(capsys, "explore", "sum(x[i]*x[i+1], i, 0, n-2)", "--size", "n=400")
    assert code == 2
    assert "explore steps through graphs of at most" in err
    assert "symgraph compare" in err and "symgraph grad" in err and "sg." not in err
    with pytest.raises(sg.ExpressionTooLargeError, match="sg.compare"):  # the library keeps its own advice
        sg.explore("sum(x[i]*x[i+1], i, 0, n-2)", n=400)


def test_an_unclosed_bracket_in_an_at_name_is_named_and_joins_no_word(capsys):
    """`--at "x[0=3" "x[1]=1"` (a typo in the name) joined the next word into the value, so the message named
    the value '3 x[1]=1'; now the name is refused as written, and a list split by the shell still joins."""
    code, _, err = call(capsys, "grad", "x[0]*x[1]", "--at", "x[0=3", "x[1]=1")
    assert code == 2 and "'x[0' has unbalanced brackets" in err and "x[1]=1" not in err
    code, out, _ = call(capsys, "grad", "x[0]*x[1]", "--at", "x=[3,", "max(1,", "2)]")
    assert code == 0 and "= 2" in out and "= 3" in out


@pytest.mark.parametrize("text, size", [("x+1", "x=3"), ("x[1] + y", "y=3"), ("f(u) = u*y; f(x)", "y=2")])
def test_a_size_given_for_a_plain_input_is_an_error_naming_it(text, size, capsys):
    """``symgraph grad "x+1" --size x=3`` printed "4 has no variables": the size made the input x the constant 3,
    silently.  A size fixes an index range or an indexed input's extent; a name the text reads only as a number
    is a plain input, and the command says so and how to give it a value."""
    name = size.partition("=")[0]
    status, out, err = call(capsys, "grad", text, "--size", size)
    assert status == 2 and out == ""
    assert err.startswith(f"symgraph: {name!r} is given as a size (--size {size}), but the text uses it only as a "
                          f"number: {name} is a plain input, not indexed")
    assert f"--at {name}=..." in err


def test_a_size_read_as_a_number_and_as_a_bound_is_still_a_size(capsys):
    """The mean divides by the size its sum runs to: n is a size there, also where it is read as a number."""
    status, out, err = call(capsys, "grad", "sum(x[i], i, 0, n-1)/n", "--size", "n=2", "--at", "x=[1, 2]")
    assert status == 0 and err == ""
    assert "df/dx[0] = 1/2" in out and "df/dx[1] = 1/2" in out


@pytest.mark.parametrize("name", ["text", "outputs", "mode", "wrt", "order", "f"])
def test_a_size_may_have_any_name(name, capsys):
    """--size values went into parse(text, outputs, **sizes): --size text=2 was a Python TypeError and
    --size outputs=2 became the outputs= argument ("outputs= takes a list of names, got 2").  The sizes reach
    the parser as one mapping now, so no name collides with a keyword."""
    for command in ("grad", "hessian", "compare"):
        status, out, err = call(capsys, command, f"sum(x[i]^2, i, 0, {name}-1)", "--size", f"{name}=2")
        assert status == 0 and err == "", (command, err)
        assert "x[1]" in out or command == "compare"
