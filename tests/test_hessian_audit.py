"""Second order at scale, as a researcher meets it: every Hessian strategy on a long sum does work
proportional to the problem, not to its square (the work is counted, not timed)."""
import numpy as np
import pytest
import sympy

import symgraph as sg
import symgraph.ad.reverse as reverse_module
from symgraph.ad.linearised import Linearised

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def _visits(monkeypatch, mode: str, n: int) -> int:
    """The nodes the forward sweeps of one sparse Hessian of Rosenbrock visit."""
    seen = [0]
    descendants = Linearised.descendants

    def counted(self, *nodes, **within):
        out = descendants(self, *nodes, **within)
        seen[0] += len(out)
        return out

    monkeypatch.setattr(Linearised, "descendants", counted)
    sg.hessian(ROSENBROCK, ["x"], n=n, mode=mode, sparse=True)
    monkeypatch.undo()
    return seen[0]


@pytest.mark.parametrize("mode", ["reverse-over-forward", "forward-over-forward"])
def test_a_forward_gradient_inside_a_hessian_does_not_walk_the_whole_sum_per_input(monkeypatch, mode):
    """Rosenbrock's sum is a chain of additions, and the forward gradient of a Hessian in these strategies
    seeded each input and swept to the end of the chain: n^2/2 visits, so the sparse Hessian at n = 10,000
    took 440 s.  Doubling n now about doubles the visits (log n per input through regrouped sums)."""
    small, large = _visits(monkeypatch, mode, 200), _visits(monkeypatch, mode, 400)
    assert large < 2.6 * small


def test_reverse_sweeps_over_many_outputs_do_not_copy_the_wrt_names_each_sweep(monkeypatch):
    """A reverse Jacobian of n residuals by n unknowns (least_squares' jac=, or the reverse sweeps of a
    Hessian over a gradient) copied the n wrt names into a set once per sweep: n^2 work before any
    derivative.  Doubling n now about doubles the names copied."""
    copied = [0]

    class Counted(set):
        def __init__(self, items=()):
            items = list(items)
            copied[0] += len(items)
            super().__init__(items)

    def names_copied(n: int) -> int:
        copied[0] = 0
        residuals = [f"x{i}^2*x{i + 1}" for i in range(n)]
        sg.jacobian(residuals, [f"x{i}" for i in range(n + 1)], mode="reverse")
        return copied[0]

    monkeypatch.setattr(reverse_module, "set", Counted, raising=False)
    assert names_copied(400) < 2.6 * names_copied(200)


@pytest.mark.parametrize("mode", ["reverse-over-forward", "forward-over-forward"])
def test_regrouped_sums_keep_the_hessian_and_the_inputs_names(mode):
    """The regrouped function still takes x by its name and element order, and its Hessian equals the
    default strategy's at a random point, dense and sparse, including a wrt alias and a plain input."""
    text = "c = a\n" + ROSENBROCK + " + c^2*x[0] + a*x[2]"
    wrt = ["x[3]", "c", "x[0]", "x[1]", "x[2]", "x[4]"]
    x, a = np.random.default_rng(3).normal(size=5), 0.7
    want = sg.hessian(text, wrt, n=5).lambdify()(x=x, a=a)
    assert np.allclose(sg.hessian(text, wrt, n=5, mode=mode).lambdify()(x=x, a=a), want, rtol=1e-12)
    assert np.allclose(sg.hessian(text, wrt, n=5, mode=mode, sparse=True).lambdify()(x=x, a=a).toarray(), want,
                       rtol=1e-12)


def test_a_dense_matrix_bounds_its_entries_together_and_simplifies_a_large_one_as_built():
    """The Hessian of prod(1 + x[i]) has n^2/2 distinct entries of about 2n operations: each passed the
    per-entry bound, so n = 80 built 490,000 operations (11 s) and n = 40 ran sympy's simplification on
    780 entries (20 s).  The bound now holds for the entries together, and entries above BATCH_LIMIT
    together are built as they are, alike."""
    from symgraph.ir.simplify import BATCH_LIMIT
    text = "prod(1 + x[i], i, 0, n-1)"
    with pytest.raises(sg.ExpressionTooLargeError, match=r"3,160 distinct entries of this 80 x 80 matrix.*together"):
        sg.hessian(text, n=80)
    sparse = sg.hessian(text, n=80, sparse=True)  # what the message offers
    point = np.linspace(0.1, 0.9, 80)
    exact = np.prod(1 + point)
    h = sparse.lambdify()(point).toarray()
    assert np.isclose(h[0, 1], exact / (1 + point[0]) / (1 + point[1]), rtol=1e-12) and h[3, 3] == 0
    dense = sg.hessian(text, n=40)
    total = sum(dense.program.expanded_size(label) for label in set(sum(dense.cells, [])) if label is not None)
    assert total > BATCH_LIMIT
    atoms = {str(a): a for a in dense[0, 1].free_symbols}  # the elements x[k], as the closed forms name them
    assert dense[0, 1] == sympy.Mul(*[1 + atoms[f"x[{k}]"] for k in range(2, 40)])  # as sympy.diff gives it
    assert sg.hessian("x*y^2 + sin(x*y)", ["x", "y"])[0, 1] == -sympy.Symbol("x") * sympy.Symbol("y") * sympy.sin(
        sympy.Symbol("x") * sympy.Symbol("y")) + 2 * sympy.Symbol("y") + sympy.cos(sympy.Symbol("x") * sympy.Symbol("y"))
