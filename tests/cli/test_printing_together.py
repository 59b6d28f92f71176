"""Entries printed together are simplified together or not at all, as a matrix's are.

One by one, sympy's steps (about 0.3 ms per operation) took the 82 entries of the gradient of
prod(x[i] + y[i], i, 0, 40) 2-3 s to print, and the 100 entries ``hessian --sparse`` shows of
prod(1 + x[i]) at n = 20 about 1.2 s; past BATCH_LIMIT operations together they print as built.
"""
import json

import pytest
import sympy

import symgraph as sg
from symgraph.cli import main
from symgraph.ir.simplify import BATCH_LIMIT


@pytest.fixture
def simplified(monkeypatch):
    """The entries sympy's factor_terms ran on (the "fast" level's step)."""
    seen = []
    original = sympy.factor_terms

    def counting(expr, *args, **kwargs):
        seen.append(expr)
        return original(expr, *args, **kwargs)

    monkeypatch.setattr(sympy, "factor_terms", counting)
    return seen


def run(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_a_gradient_of_many_entries_prints_them_as_built(simplified, capsys):
    text = "prod(x[i] + y[i], i, 0, 40)"
    gradient = sg.grad(text)
    assert sum(gradient.program.expanded_size(x) for x in gradient.wrt) > BATCH_LIMIT
    out = run(capsys, "grad", text)
    assert not simplified
    assert out.count("df/d") == 82 and "df/dy[40] = (x[0] + y[0])*" in out
    data = json.loads(run(capsys, "grad", text, "--json"))
    assert not simplified and len(data["gradient"]) == 82
    assert data["gradient"]["x[3]"] == str(gradient.expand("x[3]", simplify=False))


def test_a_few_small_entries_are_still_simplified(simplified, capsys):
    out = run(capsys, "grad", "(a+b)*(b+1)")
    assert simplified and "df/db = a + 2*b + 1" in out
    simplified.clear()
    out = run(capsys, "jacobian", "x*y + x*z", "x+y", "--json")
    assert simplified and json.loads(out)["jacobian"][0] == ["y + z", "x", "x"]


def test_a_sparse_hessians_shown_entries_are_simplified_together_or_not_at_all(simplified, capsys):
    out = run(capsys, "hessian", "prod(1 + x[i], i, 0, 19)", "--sparse")
    assert not simplified and "# ... and 90 more" in out
    out = run(capsys, "hessian", "x^2*y + y^3", "--sparse")
    assert simplified and "d2f/dy^2" in out


def test_a_jacobian_of_repeated_outputs_keeps_a_row_for_each(capsys):
    data = json.loads(run(capsys, "jacobian", "x*y", "x*y", "x+y", "--json"))
    assert data["jacobian"] == [["y", "x"], ["y", "x"], ["1", "1"]]


def test_the_repr_of_a_gradient_simplifies_its_shown_entries_together(simplified):
    gradient = sg.grad("(a+b)*(b+1)")
    assert repr(gradient) == "Gradient({'a': b + 1, 'b': a + 2*b + 1})"
    assert gradient.printed_forms(["b", "a"]) == {"b": "a + 2*b + 1", "a": "b + 1"}
    big = sg.grad("prod(x[i] + y[i], i, 0, 40)")
    simplified.clear()
    forms = big.printed_forms(big.wrt[:30])
    assert not simplified and all(forms.values())


def test_latex_simplifies_the_entries_it_writes_together_or_not_at_all(simplified, capsys):
    """One by one, sympy's steps took the 36 entries ``grad --latex`` writes of prod(x[i] + y[i], i, 0, 40)
    about 1.5 s, the 82 of ``latex --wrt`` 1.7 s; together they are past BATCH_LIMIT and written as built."""
    text = "prod(x[i] + y[i], i, 0, 40)"
    gradient = sg.grad(text)
    latex = gradient.latex()
    assert not simplified and latex.count(r"\frac{\partial f}") == 36
    out = run(capsys, "grad", text, "--latex")
    assert not simplified and out.count(r"\frac{\partial f}") == 82
    assert sg.grad("(a+b)*(b+1)").latex().endswith("= a + 2 b + 1") and simplified


def test_entries_whose_partial_products_are_costly_to_build_print_as_the_program(capsys):
    """The first 100 entries of the sparse Hessian of prod(1 + x[i]) at n = 100 have 196 operations each,
    but their closed forms build chains of partial products: 642,000 operations, 4-9 s to print.  Only the
    first entries that build within BUILD_LIMIT print as formulas; the others as the program's results."""
    from symgraph.export.display import BUILD_LIMIT
    text = "prod(1 + x[i], i, 0, n-1)"
    hessian = sg.hessian(text, sparse=True, n=100)
    labels = list(dict.fromkeys(label for label in hessian.labels))[:100]
    assert all(hessian.program.expanded_size(label) <= 200 for label in labels)
    built = hessian.program.buildable(labels, BUILD_LIMIT)
    assert 0 < len(built) < len(labels) and built == labels[:len(built)]
    out = run(capsys, "hessian", text, "--size", "n=100", "--sparse")
    assert out.count("d2f/dx[") == 100 and "d2f/dx[0] dx[1]  = (x[10] + 1)*" in out
    assert "(above)" in out and "not built for printing" in out
    gradient = sg.grad(text, n=100)  # its entries share their partial products: all of them print
    assert gradient.program.buildable(gradient.wrt, BUILD_LIMIT) == list(gradient.wrt)
