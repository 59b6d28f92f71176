"""Vertex elimination: forward/reverse orders reproduce those modes' counts, Markowitz beats both on hourglasses."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.eliminate import eliminate
from symgraph.ad.forward import forward
from symgraph.ad.linearised import Linearised
from symgraph.ad.reverse import reverse
from tests.helpers import load_benchmark

bench = load_benchmark("modes_bench")

x, y, a, b = sympy.symbols("x y a b")


def counts(graph, sweep, wrt=None, **options):
    lin = Linearised(graph)
    result = sweep(lin, list(graph.outputs), list(graph.input_nodes if wrt is None else wrt), **options)
    return lin.counts.multiplications, lin.counts.additions, result


# graphs on which every node lies on an input -> output path (elimination then skips nothing)
GRAPHS = {
    "product of 30": sg.parse("*".join(f"x{i}" for i in range(1, 31))),
    "textbook": sg.parse("c = a + b; d = b + 1; e = c * d"),
    "shared tanh chain": sg.parse("h1 = tanh(w*h0); h2 = tanh(w*h1); h3 = tanh(w*h2)"),
    "two layers": sg.parse("h1 = sin(X); h2 = cos(X); h3 = exp(X); z1 = h1*h2*h3; z2 = h1+h2+h3; "
                           "z3 = sin(h1)+cos(h2)*h3; Z = z1+z2+z3"),
    "multi-output": sg.parse(["x*y*sin(x)", "exp(x*y)+y^2", "x/y - log(1+y^2)"]),
    "layered 3->2": bench.layered(3, 2, width=3),
    "hourglass 3x2": bench.hourglass(3, 2),
    "output feeds output": sg.parse("u = sin(x)*y; v = u*u + x", outputs=["u", "v"]),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_forward_and_reverse_orders_reproduce_the_sweeps(name):
    graph = GRAPHS[name]
    assert counts(graph, eliminate, order="forward")[:2] == counts(graph, forward)[:2]
    assert counts(graph, eliminate, order="reverse")[:2] == counts(graph, reverse)[:2]


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("order", ["markowitz", "forward", "reverse"])
def test_every_order_gives_the_jacobian(name, order):
    graph = GRAPHS[name]
    J = sg.jacobian(graph, mode="elimination", order=order, simplify=False)
    ref = sg.jacobian(graph, mode="reverse", simplify=False)
    point = {n: 0.3 + 0.1 * i for i, n in enumerate(graph.input_nodes)}
    subs = {sympy.Symbol(k): v for k, v in point.items()}
    assert [float(e) for e in J.subs(subs)] == pytest.approx([float(e) for e in ref.subs(subs)], rel=1e-12)


@pytest.mark.parametrize("chain", [2, 3, 5])
@pytest.mark.parametrize("n", [2, 3, 6])
@pytest.mark.parametrize("m", [2, 4, 6])
def test_markowitz_beats_forward_and_reverse_on_hourglasses(n, m, chain):
    graph = bench.hourglass(n, m, chain)
    mark, fwd, rev = (counts(graph, s)[0] for s in (eliminate, forward, reverse))
    assert mark < fwd and mark < rev, (mark, fwd, rev)


def test_hourglass_results_equal_the_product_rule():
    graph = bench.hourglass(2, 2, chain=1)  # a_i = sin(x_i), w = tanh(a1*a2), y_j = cos(w + j)
    J = sg.jacobian(graph, mode="elimination")
    x1, x2 = sympy.symbols("x1 x2")
    ys = [sympy.cos(sympy.tanh(sympy.sin(x1) * sympy.sin(x2)) + j) for j in (1, 2)]
    ref = sympy.Matrix(ys).jacobian([x1, x2])
    pt = {x1: 0.4, x2: -0.9}
    assert [float(e) for e in J.subs(pt)] == pytest.approx([float(e) for e in ref.subs(pt)], rel=1e-12)


def test_markowitz_eliminates_smallest_degree_first_ties_latest_first():
    graph = sg.parse("s = sin(x); c = cos(s); t = s*c")
    # degrees x 1x1, s 1x2, c 1x1, t 2x1: c first (latest of the 1s); then t, s, x all 1x1, latest first
    _, _, result = counts(graph, eliminate)
    assert result.extra["order"] == ["c", "t", "s", "x"]
    _, _, again = counts(graph, eliminate)
    assert again.extra["order"] == result.extra["order"]


def test_dead_branches_and_unused_inputs_are_skipped():
    graph = sg.parse("d = sin(q)*exp(q); e = x*y", outputs=["e"])
    mults, adds, result = counts(graph, eliminate, wrt=["x"])
    assert result.extra["order"] == ["e", "x"] and (mults, adds) == (0, 0)
    assert result.derivatives[("e", "x")] == "y"


def test_intermediate_wrt_absent_names_and_zero_edges():
    g = sg.grad("c = a + b; d = b + 1; e = c * d", wrt=["c", "d", "a", "q"], mode="elimination", allow_unused=True)
    assert dict(g) == {"c": b + 1, "d": a + b, "a": b + 1, "q": 0}
    assert sg.grad("x - x + y", mode="elimination") == {"x": 0, "y": 1}
    assert sg.grad("sin(y)", wrt=["x", "y"], mode="elimination", allow_unused=True)["x"] == 0


def test_unknown_order_is_a_clear_error():
    with pytest.raises(ValueError, match="markowitz"):
        sg.grad("x*y", mode="elimination", order="sideways")


def test_deep_chain_no_recursion():
    text = "\n".join(["v1 = sin(x)"] + [f"v{i} = sin(v{i - 1})" for i in range(2, 10001)])
    g = sg.grad(text, mode="elimination")
    assert g.cost.multiplications == 9999
    assert g.at(x=0.0)["x"] == pytest.approx(1.0)


def test_markowitz_matches_reverse_on_a_long_product():
    # earliest-first tie-breaking would pay 469 here; latest-first follows reverse mode's 196
    report = sg.compare("*".join(f"x{i}" for i in range(1, 101))).to_dict()
    assert report["elimination"]["multiplications"] == report["reverse"]["multiplications"] == 196
