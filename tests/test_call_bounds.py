"""Calls that did far more work than their answer needs: each test counts the expensive step, never the time."""
import sys

import numpy as np
import pytest
import sympy

import symgraph as sg
import symgraph.derive


def _swept_modes(monkeypatch):
    modes = []
    run_mode = symgraph.derive.run_mode

    def spy(graph, outputs, wrt, mode, *args, **kwargs):
        modes.append(mode)
        return run_mode(graph, outputs, wrt, mode, *args, **kwargs)

    monkeypatch.setattr(symgraph.derive, "run_mode", spy)
    return modes


def test_a_sparse_jacobian_of_one_output_takes_one_reverse_sweep(monkeypatch):
    """The default mode of jacobian(sparse=True) always ran forward: one sweep per input, each along the
    sum's chain of additions to its end (n = 3,000 squares: 5.4 s; one reverse sweep: 0.04 s)."""
    modes = _swept_modes(monkeypatch)
    S = sg.jacobian("sum(x[i]^2, i, 0, n-1)", sparse=True, n=50)
    assert modes == ["reverse"]
    np.testing.assert_allclose(S.lambdify()(np.arange(50.0)).toarray(), [2 * np.arange(50.0)])


def test_a_sparse_jacobian_of_many_outputs_still_sweeps_forward(monkeypatch):
    """More outputs than inputs (residuals of two parameters): forward stays the cheaper direction."""
    modes = _swept_modes(monkeypatch)
    S = sg.jacobian([f"sin(a*t{k}) * b" for k in range(8)], wrt=["a", "b"], sparse=True)
    assert modes == ["forward"] and S.nnz == 16


def test_a_dense_hessian_past_a_million_entries_is_refused_before_deriving(monkeypatch):
    """The dense 3,000 x 3,000 Hessian of a sum of squares took 58 s for 3,000 nonzeros; sparse=True takes 0.25 s.
    The refusal comes before any sweep and names the sparse call."""
    calls = []
    monkeypatch.setattr(sys.modules["symgraph.hessian"], "run_mode", lambda *args, **kwargs: calls.append(args))
    with pytest.raises(sg.ExpressionTooLargeError, match=r"1,001 x 1,001 Hessian .* sg\.hessian\(\.\.\., sparse=True\)"):
        sg.hessian("sum(x[i]^2, i, 0, n-1)", n=1001)
    assert calls == []
    monkeypatch.undo()
    assert sg.hessian("sum(x[i]^2, i, 0, n-1)", n=1001, sparse=True).nnz == 1001


def test_a_dense_jacobian_past_a_million_entries_is_refused_before_deriving(monkeypatch):
    modes = _swept_modes(monkeypatch)
    with pytest.raises(sg.ExpressionTooLargeError, match=r"1,001 x 1,001 Jacobian .* sg\.jacobian\(\.\.\., sparse=True\)"):
        sg.jacobian([f"x[{k}]^2" for k in range(1001)])
    assert modes == []


def _additions_built(monkeypatch):
    import symgraph.constants
    names = []
    build = symgraph.constants.build_sympy

    def spy(name, args):
        names.append(name)
        return build(name, args)

    monkeypatch.setattr(symgraph.constants, "build_sympy", spy)
    return names


def test_a_chain_of_sums_is_built_as_one_sum(monkeypatch):
    """sympy flattened and sorted every partial sum of a chain again: the closed form of the gradient of
    sum((y[k] - a*exp(-b*t[k]))^2, k, 0, m-1) took 1.9 s at m = 300 and 25 s at m = 1,000 (0.5 s and 1.6 s
    as one sum).  The terms are joined first; the expression is the same."""
    built = _additions_built(monkeypatch)
    graph = sg.parse("sum(x[i]^2 + 1, i, 0, n-1)", n=100)
    expr = graph.expr()
    assert built.count("add") == 0  # the 199 sums (each term's x[i]^2 + 1, the 99 links) are all one sum
    assert expr == sum(x ** 2 for x in (graph.symbol(f"x_{i}") for i in range(100))) + 100
    built.clear()
    gradient = sg.grad("sum((y[k] - a*exp(-b*t[k]))^2, k, 0, m-1)", ["a", "b"], m=60)
    assert gradient["a"].is_Add and len(gradient["a"].args) == 60
    assert built.count("add") < 60


def test_a_chain_of_products_is_built_as_one_product(monkeypatch):
    """prod(1 + x[i])'s closed form was quadratic the same way (n = 1,000: 8 s, n = 3,000: 75 s; now 0.1 s and
    0.3 s).  A factor with a number in it is not joined: sympy multiplies a number into a sum of two terms,
    so the chain's partial products would not be the whole's (2*(x + y)*z is z*(2*x + 2*y), as before)."""
    built = _additions_built(monkeypatch)
    graph = sg.parse("prod(1 + x[i], i, 0, n-1)", n=100)
    expr = graph.expr()
    assert built.count("mul") == 0 and expr.is_Mul and len(expr.args) == 100
    X, Y, Z, W = sympy.symbols("x y z w")
    assert sg.parse("2*(x + y)*z*w").expr() == sympy.Mul(Z, W, 2 * X + 2 * Y)


def test_the_command_line_says_what_sparse_does_for_a_dense_matrix_too_large(capsys):
    """The refusal of a dense matrix of more than a million entries said --sparse 'prints entries this large
    as their program', advice for one large entry, not for many entries."""
    from symgraph.cli import main
    assert main(["hessian", "sum(x[i]^2, i, 0, n-1)", "--size", "n=1001"]) == 2
    err = capsys.readouterr().err
    assert "1,002,001 entries" in err and "add --sparse, which derives only the structural nonzeros" in err
