"""Second order at scale, as a researcher meets it: every Hessian strategy on a long sum does work
proportional to the problem, not to its square (the work is counted, not timed)."""
import numpy as np
import pytest

import symgraph as sg
import symgraph.ad.reverse as reverse_module
from symgraph.ad.linearised import Linearised

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def _visits(monkeypatch, mode: str, n: int) -> int:
    """The nodes the forward sweeps of one sparse Hessian of Rosenbrock visit."""
    seen = [0]
    descendants = Linearised.descendants

    def counted(self, *nodes):
        out = descendants(self, *nodes)
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
