"""A SparseDerivative beside sympy's objects (symgraph/sparse_derivative.py)."""
from __future__ import annotations

import pytest
import sympy

import symgraph as sg


def test_comparing_a_sparse_result_with_sympy_objects_is_false_not_an_error():
    """``S == S.to_sympy()``, ``S.to_sympy() == S``, ``sympy.Integer(3) == S`` and ``S in [M, 3]`` raised
    NotNumbersError ("float(S) makes no number of it"): sympy converts the other operand first, and reached
    ``float(S)``.  A comparison answers; a conversion asked for (``sympy.sympify(S)``) is sympy's refusal."""
    hessian = sg.hessian("x*y^2", sparse=True)
    matrix = hessian.to_sympy()
    assert (hessian == matrix) is False and (matrix == hessian) is False and hessian != matrix
    assert (sympy.Integer(3) == hessian) is False and (hessian == sympy.Symbol("x")) is False
    assert hessian not in [matrix, 3] and hessian in [matrix, hessian]
    assert hessian == sg.hessian("x*y^2", sparse=True)
    point = hessian.at(x=1.0, y=2.0)  # a CSR matrix, whose == converts S to an array (refused) when it goes first
    assert (hessian == point) is False and hessian != point
    with pytest.raises(sympy.SympifyError, match="SparseDerivative 2x2"):
        sympy.sympify(hessian)
    with pytest.raises(sg.ArgumentError, match="takes no arithmetic"):
        sympy.Symbol("x") + hessian


@pytest.mark.parametrize("text", ["sin(x*y)/(1+x^2)", "exp(x)*log(y)*x", "(x+y)^3/(x-y)", "sqrt(x^2+y^2)"])
def test_sparse_entries_are_simplified_as_simplify_says_and_as_the_dense_ones(text):
    """``simplify=`` was ignored with ``sparse=True``: S[i, j], S.to_sympy() and S.latex() were never simplified,
    so the sparse and the dense Hessian printed the same entry two ways (``x*exp(x)*log(y) + 2*exp(x)*log(y)``
    against ``(x + 2)*exp(x)*log(y)``)."""
    import sympy
    for how in (True, "full", False):
        D, S = sg.hessian(text, simplify=how), sg.hessian(text, sparse=True, simplify=how)
        assert S.to_sympy() == sympy.SparseMatrix(D)
        assert all(S[i, j] == D[i, j] for i in range(2) for j in range(2))
    if text == "exp(x)*log(y)*x":
        assert r"\left(x + 2\right) e^{x}" in sg.hessian(text, sparse=True).latex()
        assert r"\left(x + 2\right) e^{x}" not in sg.hessian(text, sparse=True, simplify=False).latex()
    J, S = sg.jacobian([text, "x*y"]), sg.jacobian([text, "x*y"], sparse=True)
    assert S.to_sympy() == sympy.SparseMatrix(J)
    assert sg.hessian(text, sparse=True, simplify=False)[0, 0] == sg.hessian(text, simplify=False)[0, 0]


def test_an_entry_too_large_to_write_out_is_refused_as_a_dense_ones_is(monkeypatch):
    """The logistic loss's d2/dw[0]^2 at 10,000 rows has 160,000 operations written out: S[0, 0] took 6.4 s
    to build (a dense matrix refuses it); it is refused at once, naming the call that builds it anyway."""
    import symgraph.sparse_derivative as module
    S = sg.hessian("sum(exp(w*x[i]) + w*x[i]^2, i, 0, 30)", wrt=["w"], sparse=True)
    monkeypatch.setattr(module, "EXPAND_LIMIT", 50)
    label = S.labels[0]
    assert S.program.expanded_size(label) > 50
    for read in (lambda: S[0, 0], S.to_sympy):
        with pytest.raises(sg.ExpressionTooLargeError, match=r"S\.program\.closed_form\('d2/dw\^2'\) builds it anyway"):
            read()
    assert S.program.closed_form(label).count_ops() > 50
    monkeypatch.setattr(module, "EXPAND_LIMIT", 10**5)
    assert S[0, 0] == S.to_sympy()[0, 0]
