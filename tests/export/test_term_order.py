"""Printed sums order numbered names as numbers: ``x[0] + x[1] + ... + x[10]``, not sympy's ``x[0] + x[10] + x[1]``."""
import sympy
from hypothesis import given, settings, strategies as st

import symgraph as sg
from symgraph.cli import main
from symgraph.export.display import ShortStrPrinter


def test_elements_of_an_indexed_sum_print_in_index_order():
    g = sg.grad("sum(x[i]^2*w, i, 0, n-1)", wrt=["w"], n=12)
    squares = " + ".join(f"x[{i}]**2" for i in range(12))
    assert str(g) == f"Gradient({{'w': {squares}}})"
    assert g.latex().endswith(" + ".join(f"x_{{{i}}}^{{2}}" for i in range(12)))


def test_numbered_names_print_in_number_order_in_text_latex_and_the_command_line(capsys):
    g = sg.grad("x1*x10*x2 + x9*x10 + x11", wrt=["x10"])
    assert str(g) == "Gradient({'x10': x1*x2 + x9})"
    f = "x12 + x2 + x10 + x1 + 3"
    assert sg.to_latex(f) == "x_{1} + x_{2} + x_{10} + x_{12} + 3"
    assert main(["latex", "sum(x[i], i, 0, n-1)", "--size", "n=11"]) == 0
    assert capsys.readouterr().out.strip() == " + ".join(f"x_{{{i}}}" for i in range(11))


_names = st.sampled_from(sympy.symbols("a b c alpha y_k zz"))
_terms = st.builds(lambda c, xs, e: c * sympy.Mul(*xs) ** e, st.integers(-3, 3), st.lists(_names, min_size=1, max_size=3),
                   st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(_terms, min_size=3, max_size=6), st.integers(-2, 2))
def test_a_sum_without_numbered_names_prints_as_sympy_prints_it(terms, constant):
    expr = sympy.Add(*terms, constant, sympy.sin(terms[0]))
    assert ShortStrPrinter().doprint(expr) == sympy.sstr(expr, full_prec=False)
