"""What the entries printed together share is written once (``SharedPrinting``).

sympy's printers write every occurrence of a subexpression anew and order each sum's terms each
time: the 100 entries ``symgraph grad`` prints of ``prod(1 + x[i], i, 0, 99)``, 9,900 sums of which
100 are distinct, took 2.5 s to print (1.3 s of it in sympy's printer) and its LaTeX 3 s; one printer
for all of them writes each sum once (about 0.07 s).
"""
import sympy
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter
from sympy.printing.str import StrPrinter

import symgraph as sg
from symgraph.cli import main
from symgraph.export.latex_printer import LatexPrinter

PRODUCT = "prod(1 + x[i], i, 0, n-1)"


def counting(monkeypatch, cls):
    """The sums ``cls`` writes (its _print_Add calls)."""
    seen = []
    original = cls._print_Add

    def count(self, expr, *args, **kwargs):
        seen.append(expr)
        return original(self, expr, *args, **kwargs)

    monkeypatch.setattr(cls, "_print_Add", count)
    return seen


def test_a_gradients_entries_write_each_shared_sum_once(monkeypatch, capsys):
    written = counting(monkeypatch, StrPrinter)
    gradient = sg.grad(PRODUCT, n=30)
    text = repr(gradient)
    assert text.count("(x[5] + 1)") == 19 and len(written) <= 30  # each entry reads 29 of the 30 sums
    written.clear()
    assert main(["grad", PRODUCT, "--size", "n=30"]) == 0
    assert capsys.readouterr().out.count("df/dx[") == 30 and len(written) <= 30
    written.clear()
    forms = gradient.printed_forms(gradient.wrt)
    assert len(written) <= 30 and forms["x[0]"] == str(gradient.expand("x[0]"))


def test_a_sparse_hessians_entries_share_one_printer(monkeypatch, capsys):
    written = counting(monkeypatch, StrPrinter)
    assert main(["hessian", PRODUCT, "--size", "n=12", "--sparse"]) == 0
    assert capsys.readouterr().out.count("d2f/dx[") == 66 and len(written) <= 12


def test_latex_of_many_entries_writes_each_shared_sum_once(monkeypatch):
    written = counting(monkeypatch, SympyLatexPrinter)
    text = sg.grad(PRODUCT, n=30).latex()
    assert text.count(r"\frac{\partial f}") == 30 and len(written) <= 30


def test_shared_text_is_the_text_sympy_writes():
    from symgraph.export.display import ShortStrPrinter, short_str

    x, y = sympy.symbols("x y")
    exprs = [(x + 1) * (y + 0.5), (x + 1) ** 2 * sympy.sin(x + 1), sympy.Float(0.25) * (x + 1)]
    printer = ShortStrPrinter()
    assert [short_str(e, printer) for e in exprs] == [sympy.sstr(e, full_prec=False) for e in exprs]
    latex = LatexPrinter({})
    assert [latex.doprint(e) for e in exprs] == [LatexPrinter({}).doprint(e) for e in exprs]


def test_a_variable_named_e_met_later_rewrites_what_was_written():
    """exp(x) is e^{x} until a variable e is among what the printer writes; then it is \\exp(x), also inside a
    subexpression written before."""
    x, e = sympy.symbols("x e")
    printer = LatexPrinter({})
    assert printer.doprint(sympy.exp(x) + 1) == "e^{x} + 1"
    assert printer.doprint(e * (sympy.exp(x) + 1)) == r"e \left(\exp\left(x\right) + 1\right)"


def test_a_sum_whose_terms_sympy_cannot_order_prints():
    """The gradient of a Piecewise without a default (no branch for x <= -1) is a sum of two Piecewise, one
    with a nan branch: sympy's ordering of its terms raised TypeError: Invalid NaN comparison, so printing the
    Gradient, its LaTeX and the Jacobian (str and repr) raised it too.  They print, in the sum's own order."""
    x, y = sympy.symbols("x y")
    f = sympy.Piecewise((x, x > 0), (y, x > -1))
    gradient = sg.grad(f, simplify=False)
    assert "nan" in repr(gradient) and "(1, x > 0), (0, True))" in repr(gradient)
    assert r"\text{NaN}" in gradient.latex()
    # the nan branch is lifted out of the sum (constants.joined_sympy) and the select after it spliced in: one select
    assert repr(sg.grad(f, wrt=[x])) == "Gradient({'x': Piecewise((nan, (x <= -1) & (x <= 0)), (1, x > 0), (0, True))})"
    jacobian = sg.jacobian([f, 2 * x])
    assert str(jacobian).startswith("Matrix([[Piecewise(") and "nan" in repr(jacobian)
    assert sg.jacobian([0.5 * x * y]).__str__() == str(sympy.Matrix([[0.5 * y, 0.5 * x]]))  # sympy's text otherwise
