"""A research user's audit: robust losses, fits and second order checked against sympy, modes and backends."""
import numpy as np
import pytest
import sympy

import symgraph as sg
from tests.helpers import bounded_work


def _nested_pieces(expr) -> list:
    """The Piecewise found inside a piece's value of another Piecewise."""
    return [inner for outer in expr.atoms(sympy.Piecewise) for value, _ in outer.args
            for inner in sympy.preorder_traversal(value) if isinstance(inner, sympy.Piecewise)]


@pytest.mark.parametrize("mode", ["reverse", "forward", "elimination"])
def test_a_huber_loss_gradient_reads_without_a_select_nested_in_its_own_condition(mode):
    """The Huber loss's gradient read Piecewise((2*r*Piecewise((1/2, d > Abs(r)), (0, True)), d > Abs(r)), (0, True))
    + Piecewise((Piecewise((0, d > Abs(r)), (d, True))*sign(r), d <= Abs(r)), (0, True)): the inner selects test the
    outer condition (|r| < d as written, d > |r| as sympy keeps it), so they are known there and now read so."""
    g = sg.grad("where(abs(r) < d, r^2/2, d*(abs(r) - d/2))", wrt=["r"], mode=mode)
    r, d = sympy.symbols("r d")
    assert not _nested_pieces(g["r"]), g["r"]
    want = sympy.Piecewise((r, d > abs(r)), (d * sympy.sign(r), True))
    for rv, dv in [(0.3, 1.0), (-2.0, 1.0), (5.0, 2.0), (-0.5, 0.7)]:
        assert float(g["r"].subs({r: rv, d: dv})) == float(want.subs({r: rv, d: dv})) == g.at(r=rv, d=dv)["r"]
    both = sg.grad("where(x > 0 and y < 1, x^2*y, x*y^3)", wrt=["y"], mode=mode)
    assert not _nested_pieces(both["y"]), both["y"]  # an untaken branch's select under not (x > 0 and y < 1)


def _softmax_network(rows: int) -> str:
    """A 4-16-3 tanh network's softmax cross-entropy over ``rows`` rows of data X, one-hot labels Y."""
    lines = []
    for r in range(rows):
        for h in range(16):
            lines.append(f"h{r}_{h} = tanh(" + " + ".join(f"W1[{h},{j}]*X[{r},{j}]" for j in range(4)) + f" + b1[{h}])")
        for o in range(3):
            lines.append(f"z{r}_{o} = " + " + ".join(f"W2[{o},{h}]*h{r}_{h}" for h in range(16)) + f" + b2[{o}]")
        lines.append(f"l{r} = logsumexp(z{r}_0, z{r}_1, z{r}_2) - (Y[{r},0]*z{r}_0 + Y[{r},1]*z{r}_1 + Y[{r},2]*z{r}_2)")
    return "\n".join(lines + ["L = " + " + ".join(f"l{r}" for r in range(rows))])


def test_a_softmax_networks_closed_forms_are_built_without_sympys_assumption_queries():
    """The gradient entry dL/db2[0] of a 5-row 4-16-3 tanh network took 5.4 s to build (its 3 x 3 Hessian in b2,
    at 20 rows, 10-17 s): sympy's exp asked of every factor in its argument whether it is real, for a tanh of indexed
    inputs a real-imaginary split and a modulus of pi.  exp and log are now built with their forms kept, no queries."""
    text = _softmax_network(5)
    g = sg.grad(text, wrt=["b2"])
    with bounded_work(4_000_000, "softmax entry"):  # 940,000 calls
        entry = g["b2[0]"]
    rng = np.random.default_rng(0)
    point = {name: rng.normal() for name in sg.parse(text).inputs}
    # xreplace by 30-digit Floats: subs took a minute on this 14,000-operation entry (sympy re-evaluates every level)
    value = float(entry.xreplace({sympy.sympify(k) if "[" not in k else _element(k): sympy.Float(v, 30)
                                  for k, v in point.items()}))
    assert value == pytest.approx(g.at(**point)["b2[0]"], rel=1e-12)
    x = sympy.Symbol("x")
    assert sg.grad("exp(2*log(x) + y)")["x"] == 2 * x * sympy.exp(sympy.Symbol("y"))  # forms sympy gives are kept
    assert sg.grad("exp(log(x)) + log(exp(x))", ["x"])["x"] == 2


def _element(label: str):
    """The sympy element ``W1[0, 1]`` of the label 'W1[0, 1]'."""
    base, rest = label.split("[")
    return sympy.IndexedBase(base)[tuple(int(i) for i in rest.rstrip("]").split(","))]


def test_a_misspelt_data_keyword_names_the_input_meant():
    """fn(theta, t=t, x=X) for the data X said only "value_and_grad() got an unexpected keyword argument 'x'", and
    .at(x=..., Y=2) only "unknown input(s) Y": every other misspelling in the package is answered with the name
    meant (options, wrt names, entries); a compiled function's keywords and .at's names now are too, and an
    element's label given to a compiled function (which takes the indexed input as one array) says so."""
    nll = "sum(softplus(-t[r]*(sum(w[j]*X[r, j], j, 0, k-1) + b)), r, 0, m-1)"
    fn = sg.value_and_grad(nll, wrt=["w", "b"], vector=True, m=5, k=3)
    with pytest.raises(sg.ArgumentError, match=r"^value_and_grad\(\) got an unexpected keyword argument 'x' "
                                               r"\(did you mean 'X'\?\)$"):
        fn(np.zeros(4), t=np.ones(5), x=np.ones((5, 3)))
    with pytest.raises(sg.ArgumentError, match=r"'X\[0, 1\]' \(X takes one array of all its elements\)$"):
        fn(np.zeros(4), np.ones(5), **{"X[0, 1]": 1.0})
    with pytest.raises(sg.ArgumentError, match=r"^hessp\(\) got an unexpected keyword argument 'tt' \(did you mean 't'\?\)"):
        sg.hessp(nll, ["w", "b"], m=5, k=3)(np.zeros(4), np.ones(4), tt=np.ones(5), X=np.ones((5, 3)))
    with pytest.raises(sg.GraphError, match=r"unknown input\(s\) Y \(did you mean 'y'\?\) \(inputs: x, y\)"):
        sg.grad("x*y").at(x=1, Y=2)
    with pytest.raises(sg.GraphError, match=r"unknown input\(s\) yy \(did you mean 'y'\?\) \(inputs: x, y;"):
        sg.grad("sum(x[i]*y, i, 0, 2)").at(x=[1, 2, 3], yy=2)
    with pytest.raises(sg.GraphError, match=r"unknown input\(s\) z \(inputs: x, y\)$"):  # nothing close: no guess
        sg.grad("x*y").at(x=1, y=2, z=3)
