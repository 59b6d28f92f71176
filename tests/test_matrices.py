"""Dense Jacobians and Hessians print in bounded time: sympy's Matrix text when small, else a let-listing."""
import inspect

import sympy

import symgraph as sg
from symgraph import matrices
from symgraph.matrices import PRINT_OPS

#: a two-layer tanh network: each entry of its Hessian is thousands of operations written out
MLP = "+".join(f"tanh({'+'.join(f'w{i}_{j}*x{j}' for j in range(12))})" for i in range(12))
X = [f"x{j}" for j in range(12)]


def test_small_matrices_print_as_sympy_prints_them():
    H = sg.hessian("x^2*y")
    assert repr(H) == repr(sympy.Matrix(H)) and str(H) == str(sympy.Matrix(H))
    J = sg.jacobian(["x*y"])
    assert J._repr_latex_() == sympy.Matrix(J)._repr_latex_()


def test_large_entries_print_their_program_not_their_closed_forms(monkeypatch):
    # sympy took minutes and wrote 20 MB for a 30x30 network Hessian; the text is now the program's first lines
    H = sg.hessian(MLP, wrt=X)
    assert sum(H.program.expanded_size(label) for label in {c for row in H.cells for c in row}) > PRINT_OPS
    text = repr(H)
    assert text.startswith("DerivativeMatrix: 12x12 Hessian, 78 distinct nonzero entries, too large to print")
    assert "out[d2/dx0dx0]" in text and "M.lambdify()" in text and len(text) < 5_000
    assert str(H) == text
    J = sg.jacobian([MLP, MLP], wrt=X)
    assert repr(J).startswith("Matrix([")  # under the limit
    monkeypatch.setattr(matrices, "PRINT_OPS", 1_000)
    assert repr(J).startswith("DerivativeMatrix: 2x12 matrix") and J._repr_latex_() is None  # the text shows
    assert J[0, 0] == sympy.Matrix(J)[0, 0]  # still a sympy Matrix, entries on request


def test_many_small_entries_print_their_program():
    H = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=120)
    text = repr(H)  # 120 diagonal entries and 119 beside it, each computed once (the mirror shares it)
    assert text.startswith("DerivativeMatrix: 120x120 Hessian, 239 distinct nonzero entries")
    assert len(text) < 5_000


def test_matrices_sympy_derives_print_as_sympy_prints_them():
    H = sg.hessian("x^2*y")
    assert repr(H.T + H) == repr(sympy.Matrix(H.T + H))


def test_a_compiled_sparse_matrix_pickles_and_its_pattern_survives_edits_of_what_it_returned():
    import pickle

    import numpy as np
    H = sg.hessian("x^2*y + y^3", wrt=["x", "y"], sparse=True)
    f = H.lambdify()
    m = f(1.0, 0.0)  # stored entries 0, 2, 2, 0
    m.eliminate_zeros()  # in place: it shrank the index arrays f and H share with every matrix f returned
    np.testing.assert_array_equal(f(1.0, 2.0).toarray(), [[4.0, 2.0], [2.0, 12.0]])
    np.testing.assert_array_equal(H.pattern.indices, [0, 1, 0, 1])
    g = pickle.loads(pickle.dumps(f))  # a closure before: "attribute lookup sparse_matrix failed"
    np.testing.assert_array_equal(g(1.0, 2.0).toarray(), f(1.0, 2.0).toarray())
    np.testing.assert_array_equal(g.data(np.ones(3), 2.0), f.data(np.ones(3), 2.0))
    assert str(inspect.signature(g)) == "(x, y)"


def test_matrices_without_entries_keep_their_shape_and_compile():
    import numpy as np
    empty = sg.jacobian([], wrt=["x"], allow_unused=True)
    assert empty.shape == (0, 1)  # len(fs) x len(wrt); it was 0 x 0
    assert empty.lambdify()().shape == (0, 1)  # "need at least one array to stack" before
    no_wrt = sg.jacobian(["x*y", "x"], wrt=[]).lambdify()
    assert no_wrt(1.0, 2.0).shape == (2, 0) and no_wrt(np.ones(3), 2.0).shape == (2, 0, 3)
    assert no_wrt(np.ones(3, np.float32), np.float32(2)).dtype == np.float32
    assert sg.hessian("3").lambdify()().shape == (0, 0)
