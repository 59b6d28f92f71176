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


_numbered = st.sampled_from(sympy.symbols("x1 x2 x10 x_3 w[1] a b2")) | st.sampled_from(
    [sympy.IndexedBase("x")[k] for k in (0, 2, 11)])
_powers = st.builds(lambda c, xs, es: c * sympy.Mul(*(x ** e for x, e in zip(xs, es))),
                    st.sampled_from([-3, -1, 1, 2, sympy.Rational(1, 2), sympy.Float(0.5), sympy.I + 1]),
                    st.lists(_numbered | _names, min_size=1, max_size=3),
                    st.lists(st.sampled_from([-2, -1, 1, 2, 3, sympy.Rational(1, 2), sympy.Rational(-1, 3)]),
                             min_size=3, max_size=3))


def _dense_order(expr):
    """sympy's own ordering of a sum's terms (one exponent per variable of the whole sum), the variables in
    number order: what printing orders a sum by."""
    from symgraph.export.display import _numbered_key
    terms, gens = expr.as_terms()
    moved = [gens.index(g) for g in sorted(gens, key=_numbered_key)]
    terms = [(t, (c, tuple(m[k] for k in moved), nc)) for t, (c, m, nc) in terms]
    key, reverse = expr._parse_order(None)
    return [t for t, _ in sorted(terms, key=key, reverse=reverse)]


@settings(max_examples=80, deadline=None)
@given(st.lists(_powers, min_size=3, max_size=7), st.integers(-2, 2))
def test_a_sums_terms_are_ordered_as_sympys_monomials_order_them_negative_and_fractional_powers_too(terms, constant):
    from symgraph.export.display import _numbered_terms
    expr = sympy.Add(*terms, constant, sympy.sin(terms[0]))
    if expr.is_Add and len(expr.args) > 2:
        assert _numbered_terms(expr, None) == _dense_order(expr)


def test_a_wide_sum_prints_without_a_dense_monomial_per_term(monkeypatch):
    """sympy's monomials hold one exponent per variable of the whole sum: a sum of 20,000 squares took 67 s
    and gigabytes to print (t terms in t variables, t * t); printing orders the terms by sparse monomials."""
    def dense(self):
        raise AssertionError("a dense monomial per term")
    xs = sympy.symbols("x0:3000")
    expr = sympy.Add(*(x**2 for x in xs), *(-2 * x for x in xs[::7]))
    expected = _dense_order(expr)
    monkeypatch.setattr(sympy.Expr, "as_terms", dense)
    assert ShortStrPrinter().doprint(expr) == " ".join(
        ("" if k == 0 else "- " if str(t).startswith("-") else "+ ") + str(-t if k and str(t).startswith("-") else t)
        for k, t in enumerate(expected))
    latex = sg.to_latex(expr)
    assert latex.startswith("x_{0}^{2} - 2 x_{0} + x_{1}^{2} + x_{2}^{2}") and latex.endswith("x_{2999}^{2}")
