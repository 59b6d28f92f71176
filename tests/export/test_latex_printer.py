"""The LaTeX printer's names and constants: no two different things in one result typeset alike."""
import re
import warnings

import pytest
import sympy

import symgraph as sg
from symgraph.export.latex_printer import CONSTANTS, LatexPrinter

x = sympy.Symbol("x")


def _pictures(expr, things):
    """How one printer, having printed ``expr``, writes each of ``things`` (symbols and constants)."""
    printer = LatexPrinter({})
    printer.doprint(expr)
    return [printer.doprint(thing) for thing in things]


@pytest.mark.parametrize("constant, name", [(sympy.EulerGamma, "gamma"), (sympy.GoldenRatio, "phi"),
                                            (sympy.Catalan, "G")])
def test_a_constant_beside_the_variable_of_its_letter_is_marked(constant, name):
    variable = sympy.Symbol(name)
    letter, marked = CONSTANTS[type(constant).__name__]
    expr = constant * x + variable
    text = sg.to_latex(expr)
    assert marked in text and text.count(letter) == 1 + text.count(marked)  # the variable's letter, once alone
    assert len(set(_pictures(expr, [constant, variable]))) == 2
    assert sg.to_latex(constant * x) == f"{letter} x"  # alone, the textbooks' letter, as sympy writes it
    # a name written with a subscript never takes the constant's upright one (one letter: italic, gamma_E)
    other = sympy.Symbol(f"{name}_E")
    assert len(set(_pictures(constant * other + variable, [constant, variable, other]))) == 3


def test_no_two_things_in_one_expression_print_alike():
    names = ["gamma", "phi", "G", "x1", "x_1", "gamma_E", "phi_g", "G_C", "e", "E1"]
    symbols = [sympy.Symbol(n) for n in names]
    things = [*symbols, sympy.EulerGamma, sympy.GoldenRatio, sympy.Catalan, sympy.E, sympy.pi]
    expr = sum(symbols) + sympy.EulerGamma * x + sympy.GoldenRatio * x**2 + sympy.Catalan * x**3 + sympy.E**x + sympy.pi
    pictures = _pictures(expr, things)
    assert len(set(pictures)) == len(things), dict(zip(map(str, things), pictures))


@pytest.mark.parametrize("latex", [
    lambda wrt: sg.grad("x1*y", wrt=wrt, allow_unused=True).latex(),
    lambda wrt: sg.grad("x_1*y", wrt=wrt, allow_unused=True).latex(),
    lambda wrt: sg.vjp("x_1*y", wrt, [1]).latex(),
    lambda wrt: sg.hessian("x1*x_1*y + x1^2", wrt=wrt, sparse=True, allow_unused=True).latex(),
])
@pytest.mark.parametrize("wrt", [["x1", "x_1"], ["x_1", "x1"]])
def test_a_results_names_are_looked_at_before_any_line_is_written(latex, wrt):
    """A wrt name the function does not read was seen only when its line was written: ``x1``'s line wrote
    ``x_{1}`` first, and ``x_1``'s then spelled it; every line now writes both spelled, alike in each line."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = latex(wrt)
    assert "x_{1}" not in text
    assert r"\mathrm{x1}" in text and r"\mathrm{x\_1}" in text
    assert {r"\mathrm{x1}", r"\mathrm{x\_1}"} <= set(re.findall(r"\\mathrm\{[^}]*\}", text))


def test_a_jacobians_head_names_each_wrt_name_apart():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = sg.to_latex(sg.jacobian(["x_1*y"], wrt=["x_1", "x1"], allow_unused=True))
    assert r"\left(\mathrm{x\_1}, \mathrm{x1}\right)" in text
