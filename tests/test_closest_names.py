"""Every "did you mean" asks one helper (errors.closest_name), which also finds a name written in another case:
`--at A=2` for an input a named no closest input, as difflib finds no likeness between 'A' and 'a'."""
import pytest

import symgraph as sg
from symgraph.cli import main
from symgraph.errors import closest_name


def test_a_name_in_another_case_is_the_one_meant():
    assert closest_name("A", ["a", "b"]) == "a"
    assert closest_name("X0", ["x0", "x1", "X"]) == "x0"
    assert closest_name("alpah", ["alpha", "beta"]) == "alpha"
    assert closest_name("q", ["a", "b"]) is None


def test_the_command_line_names_the_input_meant_in_another_case(capsys):
    assert main(["grad", "a*b", "--at", "A=2", "b=1"]) == 2
    assert "closest: 'a'" in capsys.readouterr().err


def test_a_wrt_name_in_another_case_is_named_in_the_warning():
    with pytest.warns(sg.UnusedWrtWarning, match=r"did you mean 'a'"):
        sg.grad("a*b", wrt=["A"])


def test_a_missing_entry_names_the_one_meant():
    values = sg.grad("alpha*b").at(alpha=1.0, b=2.0)
    with pytest.raises(sg.SymgraphError, match=r"no entry 'Alpha' \(did you mean 'alpha'\?\); entries: alpha, b"):
        values["Alpha"]
    with pytest.raises(sg.SymgraphError, match=r"no mode 'revers' \(did you mean 'reverse'\?\)"):
        sg.compare("a*b")["revers"]
    with pytest.raises(sg.SymgraphError, match=r"no entry 'q'; entries: alpha, b$"):
        sg.grad("alpha*b")["q"]


def test_a_function_and_a_keyword_in_another_case_are_named():
    with pytest.raises(sg.ParseError, match=r"unknown function 'Sin' \(did you mean sin\?\)"):
        sg.parse("Sin(x)")
    with pytest.raises(sg.SymgraphError, match=r"Backend='vm' \(did you mean 'backend'\?\)"):
        sg.grad("a*b").lambdify(Backend="vm")


def test_a_wrt_name_the_grammar_reads_as_a_function_or_constant_is_said_to_be_one(capsys):
    """``wrt=["sin"]`` or ``["pi"]`` warned only that the name was not in the function, as for a misspelling."""
    with pytest.warns(sg.UnusedWrtWarning, match=r"'sin' \(a function, not a variable\), 'pi' \(the constant pi, "
                                                  r"not a variable\), 'y' not in the function") as caught:
        assert sg.grad("sin(x)*pi", wrt=["sin", "pi", "x", "y"])["sin"] == 0
    assert caught[0].message.reserved == {"sin": "a function", "pi": "the constant pi"}
    with pytest.warns(sg.UnusedWrtWarning, match=r"'f' \(a function, not a variable\)"):
        sg.grad("f(u) = u^2; f(x)", wrt=["f", "x"])
    assert main(["grad", "sin(x)*pi", "--wrt", "sin", "x"]) == 0
    assert "'sin' is a function, not a variable" in capsys.readouterr().err
