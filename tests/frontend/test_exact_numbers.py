"""A sympy number beyond float64 is the text's exact power: parse and from_sympy make the same graph."""
import math

import pytest
import sympy

import symgraph as sg

x = sympy.Symbol("x")


@pytest.mark.parametrize("expr, text", [
    (10**400 * x, "10^400*x"), (sympy.Integer(3)**1000 * x, "3^1000*x"), (x**(10**400), "x^10^400"),
    (-(10**400) * x, "-10^400*x"), (3 * 10**400 * x, "3*10^400*x"), (x / 10**400, "x/10^400"),
    (sympy.Integer(10)**400, "10^400"), (sympy.Integer(2)**1025 + x, "2^1025 + x")])
def test_the_graph_of_a_number_beyond_float64_is_the_texts(expr, text):
    from_sympy, parsed = sg.Graph.from_sympy(expr), sg.parse(text)
    assert "oo" not in from_sympy.listing() and "inf" not in from_sympy.listing()
    assert sg.to_latex(from_sympy) == sg.to_latex(parsed)  # the edges' derivatives, each written exactly
    assert sg.to_latex(expr) == sg.to_latex(text)
    assert from_sympy.expr() == parsed.expr()  # float64's overflow in closed forms, alike
    point = {"x": 1.5} if parsed.inputs else {}
    got, want = from_sympy.evaluate(**point)[from_sympy.output], parsed.evaluate(**point)[parsed.output]
    assert got == want or math.isnan(got) and math.isnan(want)


def test_an_integer_of_no_short_exact_form_keeps_its_float64_value():
    g = sg.Graph.from_sympy((10**400 + 1) * x)
    assert g.listing() == "v1 = x * oo" and g.expr() == sympy.oo * x


def test_numbers_within_float64_stay_constants():
    g = sg.Graph.from_sympy(2**1000 * x + sympy.Rational(1, 3))
    assert len(g) == 3 and g.expr() == 2**1000 * x + sympy.Rational(1, 3)


def test_a_derivative_of_the_exact_power_is_written_exactly():
    gradient = sg.grad(x**(10**400))
    assert gradient.latex() == sg.grad("x^10^400").latex()
    assert r"10^{400} x^{10^{400} - 1}" in gradient.latex()


def test_a_perfect_power_is_looked_for_only_up_to_its_size_limit(monkeypatch):
    """sympy's perfect-power test grows steeply (4.8 s for 10**40000 + 1): past MAX_POWER_BITS an integer of no
    m*10^k form keeps its float64 value without asking it; below, 3^20000 is still found."""
    from symgraph.frontend import exact_numbers
    below = sympy.Integer(3)**20000
    assert int(below).bit_length() <= exact_numbers.MAX_POWER_BITS
    assert "3 ** 20000" in sg.Graph.from_sympy(below * x).listing()

    def refused(n):
        raise AssertionError(f"perfect_power asked of {n.bit_length()} bits")
    monkeypatch.setattr(exact_numbers.sympy, "perfect_power", refused)
    assert sg.Graph.from_sympy((sympy.Integer(10)**40000 + 1) * x).listing() == "v1 = x * oo"
