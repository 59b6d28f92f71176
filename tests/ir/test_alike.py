"""Closed forms of results alike up to their inputs are built once and renamed (``symgraph.ir.alike``), and
they are the forms sympy builds: the same objects' text, structure and order of terms.

The 29,998 entries of the sparse Hessian of Rosenbrock's function at n = 10,000 took 25 s to build one by one.
"""
import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.ir import alike

TEXTS = [
    "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)",
    "prod(1 + x[i], i, 0, n-1)",
    "sum(x[i]^3*x[i+1]/3 - 2.5*x[i]*x[i+1]^2 + x[i]^(1/2), i, 0, n-2)",
    "sum(sin(x[i] - x[i+1]) + exp(x[i]*x[i+1]), i, 0, n-2)",  # sin's evaluation reads names: built by sympy
    "sum((x[i+1] - x[i])^2*(x[i] - x[i+1])^3, i, 0, n-2)",
    "sum(x[i]*x[n-1-i] - x[n-1-i]^2*x[i], i, 0, n-1)",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_sparse_hessians_closed_forms_are_sympys(text):
    n = 12 if "prod" in text else 40
    hessian = sg.hessian(text, "x", sparse=True, n=n)
    every = hessian.to_sympy()
    fresh = sg.hessian(text, "x", sparse=True, n=n)  # one entry at a time: sympy builds each
    rows = np.repeat(np.arange(n), np.diff(fresh.pattern.indptr))
    for i, j in zip(rows.tolist(), fresh.pattern.indices.tolist()):
        expected = fresh[i, j]  # built alone, simplified as the batch is
        assert every[i, j] == expected and sympy.srepr(every[i, j]) == sympy.srepr(expected), (i, j)


def test_names_that_sort_otherwise_are_sorted_again(monkeypatch):
    renamed = []
    original = alike.renamed
    monkeypatch.setattr(alike, "renamed", lambda *args: renamed.append(args) or original(*args))
    names = [f"x{i}" for i in range(41)]  # x10 sorts before x9
    fs = [f"x{i}*x{i + 1}^2 - x{i + 1}/x{i} + 3*x{i + 1}" for i in range(40)]
    every = sg.jacobian(fs, names, sparse=True).to_sympy()
    fresh = sg.jacobian(fs, names, sparse=True)
    assert renamed and all(every[i, j] == fresh[i, j] and sympy.srepr(every[i, j]) == sympy.srepr(fresh[i, j])
                           for i in range(40) for j in range(41))


def test_a_form_with_a_function_or_another_symbol_is_not_renamed():
    x, y = sympy.symbols("x y")
    assert alike.renamable(2*x + y**2, [x, y])
    assert not alike.renamable(sympy.sin(x - y), [x, y]) and not alike.renamable(x + y, [x])
